-- Text written here is Markdown, kept as typed beside the HTML it renders
-- to (a form shows it again as typed). The sources of what was written
-- before are converted from its HTML by a Go step the migrator runs after
-- this file (store/migrate.go), since SQL cannot parse HTML. Remote text
-- has no source: it stays HTML.
ALTER TABLE events ADD COLUMN description_source TEXT NOT NULL DEFAULT '';
ALTER TABLE offers ADD COLUMN description_source TEXT NOT NULL DEFAULT '';
ALTER TABLE replies ADD COLUMN content_source TEXT NOT NULL DEFAULT '';
ALTER TABLE library ADD COLUMN description_source TEXT NOT NULL DEFAULT '';

-- Why staff cancelled an activity: shown on its page, in the mails and in
-- the federated Update.
ALTER TABLE events ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';

-- The audit log names what an entry is about by its title (kept when the
-- thing itself is deleted), not only by a path or id.
ALTER TABLE audit_log ADD COLUMN title TEXT NOT NULL DEFAULT '';
UPDATE audit_log SET title = COALESCE(
	(SELECT e.title FROM events e WHERE 'event ' || e.id = audit_log.target OR e.iri = audit_log.target),
	(SELECT o.title FROM offers o WHERE 'offer ' || o.id = audit_log.target OR o.iri = audit_log.target),
	(SELECT COALESCE(NULLIF(a.name, ''), a.username) FROM actors a WHERE a.iri = audit_log.target),
	'');
