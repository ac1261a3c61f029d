-- A host is unavailable since a moment, not just unavailable: staff see
-- since when, and the moment is the mark (NULL: available).
ALTER TABLE hosts ADD COLUMN unavailable_since TEXT;
UPDATE hosts SET unavailable_since = COALESCE(last_failure, first_failure) WHERE unavailable <> 0;
ALTER TABLE hosts DROP COLUMN unavailable;
