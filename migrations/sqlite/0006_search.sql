-- Full-text search of events (store FindEvents with a Query): an FTS5
-- table with one row per event, rowid = events.id, over the title, the
-- description, the place (the branch, the sessions' branches, or a remote
-- event's own place) and the library (ours for local events, the origin's
-- name for remote ones). unicode61 folds case and diacritics ("cafe" finds
-- "café"); the store matches each word as a prefix.
--
-- Triggers keep it in step with every write, including renames of a
-- branch, the library or a remote library. A later migration that rebuilds
-- events must recreate the view and these triggers.

CREATE VIRTUAL TABLE events_fts USING fts5 (title, description, place, library,
	tokenize = 'unicode61 remove_diacritics 2');

-- What one event's row in events_fts holds; the triggers and the backfill
-- read it from here.
CREATE VIEW events_search_documents AS
SELECT e.id, e.title, e.description,
	concat_ws(' ', e.place_name, e.place_city, b.name, b.city,
		(SELECT group_concat(sb.name || ' ' || sb.city, ' ') FROM branches sb
		 WHERE sb.id IN (SELECT s.branch_id FROM event_sessions s WHERE s.event_id = e.id))) AS place,
	COALESCE(a.name, l.name, '') AS library
FROM events e
LEFT JOIN branches b ON b.id = e.branch_id
LEFT JOIN actors a ON a.id = e.origin_id
LEFT JOIN library l ON l.id = e.library_id;

INSERT INTO events_fts (rowid, title, description, place, library)
SELECT id, title, description, place, library FROM events_search_documents;

CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN
	INSERT INTO events_fts (rowid, title, description, place, library)
	SELECT id, title, description, place, library FROM events_search_documents WHERE id = NEW.id;
END;

CREATE TRIGGER events_fts_update AFTER UPDATE OF title, description, branch_id, place_name, place_city, origin_id, library_id
ON events BEGIN
	DELETE FROM events_fts WHERE rowid = OLD.id;
	INSERT INTO events_fts (rowid, title, description, place, library)
	SELECT id, title, description, place, library FROM events_search_documents WHERE id = NEW.id;
END;

CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
	DELETE FROM events_fts WHERE rowid = OLD.id;
END;

CREATE TRIGGER event_sessions_fts_insert AFTER INSERT ON event_sessions BEGIN
	DELETE FROM events_fts WHERE rowid = NEW.event_id;
	INSERT INTO events_fts (rowid, title, description, place, library)
	SELECT id, title, description, place, library FROM events_search_documents WHERE id = NEW.event_id;
END;

CREATE TRIGGER event_sessions_fts_delete AFTER DELETE ON event_sessions BEGIN
	DELETE FROM events_fts WHERE rowid = OLD.event_id;
	INSERT INTO events_fts (rowid, title, description, place, library)
	SELECT id, title, description, place, library FROM events_search_documents WHERE id = OLD.event_id;
END;

CREATE TRIGGER branches_fts_update AFTER UPDATE OF name, city ON branches
WHEN OLD.name IS NOT NEW.name OR OLD.city IS NOT NEW.city BEGIN
	DELETE FROM events_fts WHERE rowid IN (SELECT id FROM events WHERE branch_id = NEW.id
		UNION SELECT event_id FROM event_sessions WHERE branch_id = NEW.id);
	INSERT INTO events_fts (rowid, title, description, place, library)
	SELECT id, title, description, place, library FROM events_search_documents
	WHERE id IN (SELECT id FROM events WHERE branch_id = NEW.id UNION SELECT event_id FROM event_sessions WHERE branch_id = NEW.id);
END;

CREATE TRIGGER library_fts_update AFTER UPDATE OF name ON library WHEN OLD.name IS NOT NEW.name BEGIN
	DELETE FROM events_fts WHERE rowid IN (SELECT id FROM events WHERE origin_id IS NULL);
	INSERT INTO events_fts (rowid, title, description, place, library)
	SELECT id, title, description, place, library FROM events_search_documents
	WHERE id IN (SELECT id FROM events WHERE origin_id IS NULL);
END;

CREATE TRIGGER actors_fts_update AFTER UPDATE OF name ON actors WHEN OLD.name IS NOT NEW.name BEGIN
	DELETE FROM events_fts WHERE rowid IN (SELECT id FROM events WHERE origin_id = NEW.id);
	INSERT INTO events_fts (rowid, title, description, place, library)
	SELECT id, title, description, place, library FROM events_search_documents
	WHERE id IN (SELECT id FROM events WHERE origin_id = NEW.id);
END;
