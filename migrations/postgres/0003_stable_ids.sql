-- Nothing to do: identity columns never hand out an id twice. SQLite's
-- 0003 makes its events and offers keep that promise too; the number is
-- kept here so a schema version means the same on both.
SELECT 1;
