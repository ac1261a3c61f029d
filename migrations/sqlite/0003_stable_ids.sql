-- Local events and offers are ActivityPub objects named by their id, and
-- followers remember deleted ids for good. SQLite gives a new row the id
-- after the largest one left, so deleting the newest event handed its id
-- to the next one; AUTOINCREMENT never reuses an id. SQLite cannot change
-- a key in place, so both tables are rebuilt with the same columns and
-- indexes. Dropping events deletes its sessions (ON DELETE CASCADE), so
-- they are kept aside and put back.

CREATE TABLE events_new (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	library_id        INTEGER NOT NULL DEFAULT 1 REFERENCES library (id),
	kind              TEXT NOT NULL,
	series_id         INTEGER REFERENCES series (id) ON DELETE SET NULL,
	title             TEXT NOT NULL,
	description       TEXT NOT NULL DEFAULT '',
	starts_at         TEXT NOT NULL,
	ends_at           TEXT NOT NULL,
	time_zone         TEXT NOT NULL,
	branch_id         INTEGER REFERENCES branches (id),
	online_url        TEXT NOT NULL DEFAULT '',
	audience          TEXT NOT NULL,
	theme             TEXT REFERENCES themes (slug), -- NULL: no theme
	language          TEXT NOT NULL,
	image_url         TEXT NOT NULL DEFAULT '',
	image_alt         TEXT NOT NULL DEFAULT '',
	capacity          INTEGER NOT NULL DEFAULT 0,
	registration_mode TEXT NOT NULL,
	registration_url  TEXT NOT NULL DEFAULT '',
	status            TEXT NOT NULL,
	uid               TEXT, -- NULL unless imported
	created_at        TEXT NOT NULL,
	updated_at        TEXT NOT NULL,
	iri               TEXT, -- NULL for local events
	url               TEXT NOT NULL DEFAULT '',
	origin_id         INTEGER REFERENCES actors (id) ON DELETE CASCADE,
	place_name        TEXT NOT NULL DEFAULT '',
	place_street      TEXT NOT NULL DEFAULT '',
	place_postal_code TEXT NOT NULL DEFAULT '',
	place_city        TEXT NOT NULL DEFAULT '',
	place_latitude    REAL,
	place_longitude   REAL
);

INSERT INTO events_new (id, library_id, kind, series_id, title, description, starts_at, ends_at, time_zone, branch_id,
	online_url, audience, theme, language, image_url, image_alt, capacity, registration_mode, registration_url, status,
	uid, created_at, updated_at, iri, url, origin_id, place_name, place_street, place_postal_code, place_city,
	place_latitude, place_longitude)
SELECT id, library_id, kind, series_id, title, description, starts_at, ends_at, time_zone, branch_id,
	online_url, audience, theme, language, image_url, image_alt, capacity, registration_mode, registration_url, status,
	uid, created_at, updated_at, iri, url, origin_id, place_name, place_street, place_postal_code, place_city,
	place_latitude, place_longitude
FROM events;

CREATE TEMP TABLE kept_sessions AS SELECT id, event_id, starts_at, ends_at, branch_id, online_url FROM event_sessions;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
INSERT INTO event_sessions (id, event_id, starts_at, ends_at, branch_id, online_url)
SELECT id, event_id, starts_at, ends_at, branch_id, online_url FROM kept_sessions;
DROP TABLE kept_sessions;

CREATE UNIQUE INDEX events_uid ON events (uid) WHERE uid IS NOT NULL;
-- The agenda: visible statuses ending after now; counts and the earliest
-- start (see store FindEvents) come from this index alone.
CREATE INDEX events_status_ends ON events (status, ends_at, starts_at, origin_id);
CREATE INDEX events_starts ON events (starts_at, id);
CREATE INDEX events_series ON events (series_id);
CREATE INDEX events_branch ON events (branch_id);
CREATE UNIQUE INDEX events_iri ON events (iri) WHERE iri IS NOT NULL;
CREATE INDEX events_origin ON events (origin_id);

CREATE TABLE offers_new (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	kind        TEXT NOT NULL,
	title       TEXT NOT NULL,
	description TEXT NOT NULL,
	theme       TEXT REFERENCES themes (slug),
	area        TEXT NOT NULL DEFAULT '',
	contact     TEXT NOT NULL DEFAULT '',
	author_id   INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	status      TEXT NOT NULL,
	reason      TEXT NOT NULL DEFAULT '',
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);

INSERT INTO offers_new (id, kind, title, description, theme, area, contact, author_id, status, reason, created_at, updated_at)
SELECT id, kind, title, description, theme, area, contact, author_id, status, reason, created_at, updated_at FROM offers;
DROP TABLE offers;
ALTER TABLE offers_new RENAME TO offers;

CREATE INDEX offers_status_created ON offers (status, created_at, id);
CREATE INDEX offers_author ON offers (author_id);
