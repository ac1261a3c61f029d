-- A hybrid activity, held in a branch and online at once, has places for
-- each: online_capacity > 0 makes it hybrid (capacity is then the places in
-- the branch), and each kind of place keeps its own counts and waitlist.
ALTER TABLE events ADD COLUMN online_capacity INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN online_participant_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN online_waitlist_count INTEGER NOT NULL DEFAULT 0;

-- Which place a registration has at a hybrid activity: 'in_person' or
-- 'online'; '' at any other, which has one kind of place.
ALTER TABLE registrations ADD COLUMN attendance TEXT NOT NULL DEFAULT '';
