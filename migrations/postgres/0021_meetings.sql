-- An online activity's link is for the people with a place; staff may make
-- the link of one without sign-up here public. Activities without sign-up
-- that exist already keep showing their link, as they did.
ALTER TABLE events ADD COLUMN online_link_public BOOLEAN NOT NULL DEFAULT false;
UPDATE events SET online_link_public = true WHERE registration_mode <> 'open';

-- The token of a registration's link into the online meeting, which every
-- mail of a place repeats (so it is kept as it is, like a feed token); made
-- on first use.
ALTER TABLE registrations ADD COLUMN join_token TEXT;
CREATE UNIQUE INDEX registrations_join_token ON registrations (join_token);
