-- The origin's time of the version of a remote event or offer stored here
-- (its "updated", else "published"): retried deliveries arrive out of
-- order, and an Update older than what is stored changes nothing. NULL:
-- local, or the origin gave no time.
ALTER TABLE events ADD COLUMN remote_updated_at TIMESTAMPTZ;
ALTER TABLE offers ADD COLUMN remote_updated_at TIMESTAMPTZ;
