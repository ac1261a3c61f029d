-- Community and moderation (issue 6): offers announced by other libraries,
-- partners as organisers, moderation of remote actors, replies, reports
-- and the audit log, and the library's moderation settings.
--
-- Remote offers have no local author, so offers.author_id becomes
-- nullable. SQLite cannot drop NOT NULL in place: the table is rebuilt by
-- SQLite's twelve-step procedure (https://www.sqlite.org/lang_altertable.html#otheralter).
-- Steps 1 and 12 (foreign keys off and on again) cannot run inside the
-- migration's transaction, and are not needed: no table refers to offers
-- before this migration, so dropping it deletes nothing elsewhere. Step 2
-- and 11 are the migration's transaction; offers has no triggers or views
-- (step 3), only the two indexes put back in step 8.

-- 4. The new table, AUTOINCREMENT as 0003 made it (ids are never reused).
CREATE TABLE offers_new (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	kind            TEXT NOT NULL,
	title           TEXT NOT NULL,
	description     TEXT NOT NULL,
	theme           TEXT REFERENCES themes (slug),
	area            TEXT NOT NULL DEFAULT '',
	contact         TEXT NOT NULL DEFAULT '',
	author_id       INTEGER REFERENCES people (id) ON DELETE CASCADE, -- NULL for remote offers
	status          TEXT NOT NULL,
	reason          TEXT NOT NULL DEFAULT '',
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	iri             TEXT, -- NULL for local offers
	url             TEXT NOT NULL DEFAULT '',
	origin_id       INTEGER REFERENCES actors (id) ON DELETE CASCADE,
	author_actor_id INTEGER REFERENCES actors (id) ON DELETE CASCADE,
	hidden          INTEGER NOT NULL DEFAULT 0,
	CHECK (author_id IS NOT NULL OR author_actor_id IS NOT NULL)
);

-- 5. to 7. Dropping offers forgets its AUTOINCREMENT counter, which may
-- be past the largest id left (the newest offers deleted): it is kept
-- aside and put back, so no id is handed out twice.
INSERT INTO offers_new (id, kind, title, description, theme, area, contact, author_id, status, reason, created_at, updated_at)
SELECT id, kind, title, description, theme, area, contact, author_id, status, reason, created_at, updated_at FROM offers;
CREATE TEMP TABLE kept_sequence AS SELECT seq FROM sqlite_sequence WHERE name = 'offers';
DROP TABLE offers;
ALTER TABLE offers_new RENAME TO offers;
DELETE FROM sqlite_sequence WHERE name IN ('offers', 'offers_new');
INSERT INTO sqlite_sequence (name, seq) SELECT 'offers', seq FROM kept_sequence;
DROP TABLE kept_sequence;

-- 8. The indexes, and the new ones.
CREATE INDEX offers_status_created ON offers (status, created_at, id);
CREATE INDEX offers_author ON offers (author_id);
CREATE UNIQUE INDEX offers_iri ON offers (iri) WHERE iri IS NOT NULL;
CREATE INDEX offers_origin ON offers (origin_id);
CREATE INDEX offers_author_actor ON offers (author_actor_id);

-- 10. (foreign_key_check) The rows are copied unchanged, so their
-- references hold as they did.

-- Events: the partner organising with the library, and remote events
-- staff removed locally. The agenda's index gains hidden, so the agenda
-- still counts and bounds from the index alone.
ALTER TABLE events ADD COLUMN partner_id INTEGER REFERENCES people (id) ON DELETE SET NULL;
ALTER TABLE events ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
DROP INDEX events_status_ends;
CREATE INDEX events_status_ends ON events (status, ends_at, starts_at, origin_id, hidden);
CREATE INDEX events_partner ON events (partner_id);

-- Remote actors: '' (none), 'silence' or 'block'.
ALTER TABLE actors ADD COLUMN moderation TEXT NOT NULL DEFAULT '';
ALTER TABLE actors ADD COLUMN moderated_at TEXT;
-- Reads leave out the content of moderated actors and of actors on
-- blocked or silenced hosts: both sets are found by these indexes.
CREATE INDEX actors_moderated ON actors (id) WHERE moderation <> '';
CREATE INDEX actors_host ON actors (host);

-- Replies answer one event (or course) or one offer, by a remote actor or
-- a local person. A local reply's id is in its ActivityPub id, hence
-- AUTOINCREMENT.
CREATE TABLE replies (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	event_id   INTEGER REFERENCES events (id) ON DELETE CASCADE,
	offer_id   INTEGER REFERENCES offers (id) ON DELETE CASCADE,
	iri        TEXT, -- NULL for local replies
	url        TEXT NOT NULL DEFAULT '',
	actor_id   INTEGER REFERENCES actors (id) ON DELETE CASCADE,
	person_id  INTEGER REFERENCES people (id) ON DELETE CASCADE,
	content    TEXT NOT NULL,
	status     TEXT NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	hidden     INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	CHECK ((event_id IS NULL) <> (offer_id IS NULL)),
	CHECK ((actor_id IS NULL) <> (person_id IS NULL))
);

CREATE UNIQUE INDEX replies_iri ON replies (iri) WHERE iri IS NOT NULL;
CREATE INDEX replies_event ON replies (event_id, status, created_at, id);
CREATE INDEX replies_offer ON replies (offer_id, status, created_at, id);
CREATE INDEX replies_status ON replies (status, created_at, id);
CREATE INDEX replies_actor ON replies (actor_id);
CREATE INDEX replies_person ON replies (person_id, status);

-- Reports: Flags received, filed by residents, or sent by staff. A report
-- outlives the actor or person who made it.
CREATE TABLE reports (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	iri         TEXT,
	actor_id    INTEGER REFERENCES actors (id) ON DELETE SET NULL,
	person_id   INTEGER REFERENCES people (id) ON DELETE SET NULL,
	targets     TEXT NOT NULL DEFAULT '[]', -- JSON array of IRIs or URLs
	content     TEXT NOT NULL DEFAULT '',
	outgoing    INTEGER NOT NULL DEFAULT 0,
	to_actor_id INTEGER REFERENCES actors (id) ON DELETE SET NULL,
	status      TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);

CREATE UNIQUE INDEX reports_iri ON reports (iri) WHERE iri IS NOT NULL;
CREATE INDEX reports_status ON reports (status, created_at, id);
CREATE INDEX reports_created ON reports (created_at, id);

-- Every moderation action: who (NULL for the command line or a deleted
-- staff member), what, when and why.
CREATE TABLE audit_log (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	person_id  INTEGER REFERENCES people (id) ON DELETE SET NULL,
	action     TEXT NOT NULL,
	target     TEXT NOT NULL DEFAULT '',
	reason     TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);

CREATE INDEX audit_log_created ON audit_log (created_at, id);

ALTER TABLE library ADD COLUMN replies_need_approval INTEGER NOT NULL DEFAULT 1;
ALTER TABLE library ADD COLUMN offer_edits_need_review INTEGER NOT NULL DEFAULT 1;
ALTER TABLE library ADD COLUMN first_posts_reviewed INTEGER NOT NULL DEFAULT 0;
