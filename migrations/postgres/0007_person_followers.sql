-- Remote actors following a resident's Person actor. No foreign key to
-- people: a deleted resident's Delete still goes to them; the job that
-- sends it removes the rows.

CREATE TABLE person_followers (
	person_id    BIGINT NOT NULL,
	actor_id     BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
	activity_iri TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (person_id, actor_id)
);
