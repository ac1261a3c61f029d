-- Registrations (sign-ups) and private messages. An event keeps its
-- participant and waitlist counts next to its capacity, changed in the
-- same transaction as the registrations, so taking a place is one
-- conditional UPDATE that can never exceed the capacity.

ALTER TABLE events ADD COLUMN no_waitlist INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN registration_closed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN participant_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN waitlist_count INTEGER NOT NULL DEFAULT 0;

ALTER TABLE library ADD COLUMN allow_guests INTEGER NOT NULL DEFAULT 0;
ALTER TABLE library ADD COLUMN anonymize_after_days INTEGER NOT NULL DEFAULT 30;

-- Exactly one of person_id, actor_id and guest_email says who signed up,
-- until anonymisation clears them. A deleted person's or actor's rows stay
-- (SET NULL) so the counts they are part of stay true.
CREATE TABLE registrations (
	id                INTEGER PRIMARY KEY AUTOINCREMENT, -- ids name Joins: never reused
	event_id          INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	person_id         INTEGER REFERENCES people (id) ON DELETE SET NULL,
	actor_id          INTEGER REFERENCES actors (id) ON DELETE SET NULL,
	guest_name        TEXT NOT NULL DEFAULT '',
	guest_email       TEXT NOT NULL DEFAULT '', -- lower-case
	state             TEXT NOT NULL,
	join_iri          TEXT, -- NULL: none
	cancel_token_hash TEXT, -- NULL: none
	checked_in_at     TEXT,
	waitlisted_at     TEXT,
	created_at        TEXT NOT NULL,
	updated_at        TEXT NOT NULL,
	anonymized_at     TEXT
);

-- The attendee list and the waitlist's order; promotion reads the first.
CREATE INDEX registrations_event_state ON registrations (event_id, state, waitlisted_at, id);
CREATE INDEX registrations_person ON registrations (person_id);
CREATE INDEX registrations_actor ON registrations (actor_id);
CREATE UNIQUE INDEX registrations_join ON registrations (join_iri) WHERE join_iri IS NOT NULL;
CREATE UNIQUE INDEX registrations_token ON registrations (cancel_token_hash) WHERE cancel_token_hash IS NOT NULL;
-- One active registration per person, actor or guest address and event,
-- also when two sign-ups race.
CREATE UNIQUE INDEX registrations_active_person ON registrations (event_id, person_id)
	WHERE person_id IS NOT NULL AND state IN ('pending', 'confirmed', 'waitlisted');
CREATE UNIQUE INDEX registrations_active_actor ON registrations (event_id, actor_id)
	WHERE actor_id IS NOT NULL AND state IN ('pending', 'confirmed', 'waitlisted');
CREATE UNIQUE INDEX registrations_active_guest ON registrations (event_id, guest_email)
	WHERE guest_email <> '' AND state IN ('pending', 'confirmed', 'waitlisted');

-- Sender and recipient are each a local person or a remote actor.
CREATE TABLE messages (
	id             INTEGER PRIMARY KEY AUTOINCREMENT, -- ids name Notes: never reused
	from_person_id INTEGER REFERENCES people (id) ON DELETE CASCADE,
	from_actor_id  INTEGER REFERENCES actors (id) ON DELETE CASCADE,
	to_person_id   INTEGER REFERENCES people (id) ON DELETE CASCADE,
	to_actor_id    INTEGER REFERENCES actors (id) ON DELETE CASCADE,
	offer_id       INTEGER REFERENCES offers (id) ON DELETE SET NULL,
	event_id       INTEGER REFERENCES events (id) ON DELETE SET NULL,
	iri            TEXT, -- NULL for messages sent from here: named by id
	in_reply_to    TEXT NOT NULL DEFAULT '',
	content        TEXT NOT NULL,
	created_at     TEXT NOT NULL,
	read_at        TEXT
);

CREATE UNIQUE INDEX messages_iri ON messages (iri) WHERE iri IS NOT NULL;
CREATE INDEX messages_from_person ON messages (from_person_id, created_at);
CREATE INDEX messages_to_person ON messages (to_person_id, created_at);
CREATE INDEX messages_from_actor ON messages (from_actor_id);
CREATE INDEX messages_to_actor ON messages (to_actor_id);
