-- Residents as ActivityPub actors: each one's own key, and the libraries
-- each one follows. Neither refers to people, so a deleted resident's Delete
-- can still be signed and sent; the job that sends it removes both.

CREATE TABLE person_keys (
	person_id       INTEGER PRIMARY KEY,
	private_key_pem TEXT NOT NULL,
	created_at      TEXT NOT NULL
);

CREATE TABLE person_following (
	person_id    INTEGER NOT NULL,
	actor_id     INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
	activity_iri TEXT NOT NULL UNIQUE,
	state        TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL,
	PRIMARY KEY (person_id, actor_id)
);

-- The inbox asks whether anyone here follows a sender.
CREATE INDEX person_following_actor ON person_following (actor_id, state);
