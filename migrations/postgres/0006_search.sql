-- Full-text search of events (store FindEvents with a Query): events_fts
-- holds one tsvector per event in the Dutch configuration, with a GIN
-- index; a table of its own keeps the agenda's rows narrow and leaves it
-- out of copies (the target's triggers fill its own). Weights rank a match
-- in the title (A) above the place and library (B) and the description
-- (C). The place is the branch, the sessions' branches, or a remote
-- event's own place; the library is ours for local events and the
-- origin's name for remote ones. The parser skips HTML tags.
--
-- Triggers keep it in step with every write, including renames of a
-- branch, the library or a remote library.

CREATE TABLE events_fts (
	event_id BIGINT PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
	document TSVECTOR NOT NULL
);

-- What one event's row in events_fts holds.
CREATE VIEW events_search_documents AS
SELECT e.id,
	setweight(to_tsvector('dutch', e.title), 'A')
	|| setweight(to_tsvector('dutch', concat_ws(' ', e.place_name, e.place_city, b.name, b.city,
		(SELECT string_agg(sb.name || ' ' || sb.city, ' ') FROM branches sb
		 WHERE sb.id IN (SELECT s.branch_id FROM event_sessions s WHERE s.event_id = e.id)),
		CASE WHEN e.origin_id IS NULL THEN l.name ELSE a.name END)), 'B')
	|| setweight(to_tsvector('dutch', e.description), 'C') AS document
FROM events e
LEFT JOIN branches b ON b.id = e.branch_id
LEFT JOIN actors a ON a.id = e.origin_id
LEFT JOIN library l ON l.id = e.library_id;

-- One event at a time: PL/pgSQL keeps this plan between calls (an SQL
-- function would plan the view again for every row written), and for one
-- id the kept plan reads by key; for a list it came to scan all events.
CREATE FUNCTION events_fts_refresh(event BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO events_fts (event_id, document)
	SELECT id, document FROM events_search_documents WHERE id = event
	ON CONFLICT (event_id) DO UPDATE SET document = EXCLUDED.document;
END
$$;

INSERT INTO events_fts (event_id, document) SELECT id, document FROM events_search_documents;

CREATE INDEX events_fts_document ON events_fts USING GIN (document);

CREATE FUNCTION events_fts_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM events_fts_refresh(NEW.id);
	RETURN NULL;
END
$$;

CREATE TRIGGER events_fts AFTER INSERT OR UPDATE OF title, description, branch_id, place_name, place_city,
	origin_id, library_id ON events FOR EACH ROW EXECUTE FUNCTION events_fts_events();

CREATE FUNCTION events_fts_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM events_fts_refresh(OLD.event_id);
	ELSE
		PERFORM events_fts_refresh(NEW.event_id);
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER events_fts AFTER INSERT OR DELETE OR UPDATE OF branch_id ON event_sessions
	FOR EACH ROW EXECUTE FUNCTION events_fts_sessions();

CREATE FUNCTION events_fts_branches() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM events_fts_refresh(id) FROM (SELECT id FROM events WHERE branch_id = NEW.id
		UNION SELECT event_id FROM event_sessions WHERE branch_id = NEW.id) changed;
	RETURN NULL;
END
$$;

CREATE TRIGGER events_fts AFTER UPDATE OF name, city ON branches FOR EACH ROW
	WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.city IS DISTINCT FROM NEW.city)
	EXECUTE FUNCTION events_fts_branches();

CREATE FUNCTION events_fts_library() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM events_fts_refresh(id) FROM events WHERE origin_id IS NULL;
	RETURN NULL;
END
$$;

CREATE TRIGGER events_fts AFTER UPDATE OF name ON library FOR EACH ROW
	WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION events_fts_library();

CREATE FUNCTION events_fts_actors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM events_fts_refresh(id) FROM events WHERE origin_id = NEW.id;
	RETURN NULL;
END
$$;

CREATE TRIGGER events_fts AFTER UPDATE OF name ON actors FOR EACH ROW
	WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION events_fts_actors();

-- The planner's figures for the new table, before autovacuum gets to it.
ANALYZE events_fts;
