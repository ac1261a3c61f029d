-- An event's search document is made again when what it is made of
-- changes, not on every write of the row: a remote event's Update that
-- only moves its counts or its time rewrote the document and its GIN
-- entries each time.
DROP TRIGGER events_fts ON events;
CREATE TRIGGER events_fts AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION events_fts_events();
CREATE TRIGGER events_fts_update AFTER UPDATE OF title, description, branch_id, place_id, place_name, place_city,
	origin_id, library_id ON events FOR EACH ROW
	WHEN ((OLD.title, OLD.description, OLD.branch_id, OLD.place_id, OLD.place_name, OLD.place_city, OLD.origin_id, OLD.library_id)
		IS DISTINCT FROM (NEW.title, NEW.description, NEW.branch_id, NEW.place_id, NEW.place_name, NEW.place_city, NEW.origin_id, NEW.library_id))
	EXECUTE FUNCTION events_fts_events();
