-- Federation: remote actors, follow relations, the outbox, incoming
-- activity ids, deleted remote objects, the instance key, host health and
-- domain rules. Remote events live in events, with their origin and place.
-- Zero times are NULL.

CREATE TABLE actors (
	id             INTEGER PRIMARY KEY,
	iri            TEXT NOT NULL UNIQUE,
	type           TEXT NOT NULL DEFAULT '',
	username       TEXT NOT NULL DEFAULT '',
	host           TEXT NOT NULL DEFAULT '',
	name           TEXT NOT NULL DEFAULT '',
	summary        TEXT NOT NULL DEFAULT '',
	url            TEXT NOT NULL DEFAULT '',
	inbox          TEXT NOT NULL DEFAULT '',
	shared_inbox   TEXT NOT NULL DEFAULT '',
	key_id         TEXT NOT NULL DEFAULT '',
	public_key_pem TEXT NOT NULL DEFAULT '',
	icon_url       TEXT NOT NULL DEFAULT '',
	fetched_at     TEXT
);

CREATE INDEX actors_key_id ON actors (key_id);

CREATE TABLE followers (
	actor_id     INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
	activity_iri TEXT NOT NULL DEFAULT '',
	created_at   TEXT NOT NULL
);

CREATE INDEX followers_created ON followers (created_at, actor_id);

CREATE TABLE following (
	actor_id     INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
	activity_iri TEXT NOT NULL UNIQUE,
	state        TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL
);

CREATE INDEX following_created ON following (created_at, actor_id);

CREATE TABLE activities (
	id         INTEGER PRIMARY KEY,
	iri        TEXT NOT NULL UNIQUE,
	type       TEXT NOT NULL,
	object_iri TEXT NOT NULL DEFAULT '',
	json       TEXT NOT NULL,
	public     INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL
);

-- The outbox: public activities, newest first.
CREATE INDEX activities_public ON activities (public, created_at, id);

CREATE TABLE inbox_seen (
	activity_iri TEXT PRIMARY KEY,
	seen_at      TEXT NOT NULL
);

-- FirstSeen forgets old ids by this.
CREATE INDEX inbox_seen_at ON inbox_seen (seen_at);

CREATE TABLE tombstones (
	iri        TEXT PRIMARY KEY,
	deleted_at TEXT NOT NULL
);

CREATE TABLE instance_key (
	id              INTEGER PRIMARY KEY CHECK (id = 1),
	private_key_pem TEXT NOT NULL,
	created_at      TEXT NOT NULL
);

CREATE TABLE hosts (
	host          TEXT PRIMARY KEY,
	failures      INTEGER NOT NULL DEFAULT 0,
	first_failure TEXT,
	last_failure  TEXT,
	last_success  TEXT,
	retry_after   TEXT,
	unavailable   INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE domain_rules (
	host       TEXT PRIMARY KEY, -- lower-case host[:port]
	mode       TEXT NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);

ALTER TABLE events ADD COLUMN iri TEXT; -- NULL for local events
ALTER TABLE events ADD COLUMN url TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN origin_id INTEGER REFERENCES actors (id) ON DELETE CASCADE;
ALTER TABLE events ADD COLUMN place_name TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN place_street TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN place_postal_code TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN place_city TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN place_latitude REAL;
ALTER TABLE events ADD COLUMN place_longitude REAL;

CREATE UNIQUE INDEX events_iri ON events (iri) WHERE iri IS NOT NULL;
CREATE INDEX events_origin ON events (origin_id);
-- The agenda's index gains the origin, so counting only local or only
-- remote events still reads the index alone.
DROP INDEX events_status_ends;
CREATE INDEX events_status_ends ON events (status, ends_at, starts_at, origin_id);
