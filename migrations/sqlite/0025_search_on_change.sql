-- An event's search document is made again when what it is made of
-- changes, not on every write of the row: a remote event's Update that
-- only moves its counts or its time rewrote the document each time.
DROP TRIGGER events_fts_update;
CREATE TRIGGER events_fts_update AFTER UPDATE OF title, description, branch_id, place_id, place_name, place_city,
	origin_id, library_id
ON events
WHEN OLD.title IS NOT NEW.title OR OLD.description IS NOT NEW.description OR OLD.branch_id IS NOT NEW.branch_id
	OR OLD.place_id IS NOT NEW.place_id OR OLD.place_name IS NOT NEW.place_name OR OLD.place_city IS NOT NEW.place_city
	OR OLD.origin_id IS NOT NEW.origin_id OR OLD.library_id IS NOT NEW.library_id
BEGIN
	DELETE FROM events_fts WHERE rowid = OLD.id;
	INSERT INTO events_fts (rowid, title, description, place, library)
	SELECT id, title, description, place, library FROM events_search_documents WHERE id = NEW.id;
END;
