-- An online activity's link is for the people with a place; staff may make
-- the link of one without sign-up here public. Activities without sign-up
-- that exist already keep showing their link, as they did.
ALTER TABLE events ADD COLUMN online_link_public BOOLEAN NOT NULL DEFAULT false;
UPDATE events SET online_link_public = true WHERE registration_mode <> 'open';
