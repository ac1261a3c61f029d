-- Times are TEXT in one fixed-width UTC format (2006-01-02T15:04:05.000000Z)
-- so that string order is time order; store/dialect.go writes and reads them.

CREATE TABLE library (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	name        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	email       TEXT NOT NULL DEFAULT '',
	phone       TEXT NOT NULL DEFAULT '',
	website     TEXT NOT NULL DEFAULT '',
	logo_url    TEXT NOT NULL DEFAULT '',
	logo_alt    TEXT NOT NULL DEFAULT '',
	updated_at  TEXT NOT NULL
);

INSERT INTO library (id, name, updated_at)
VALUES (1, 'Bibliotheek', strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000Z');

CREATE TABLE branches (
	id            INTEGER PRIMARY KEY,
	library_id    INTEGER NOT NULL DEFAULT 1 REFERENCES library (id),
	name          TEXT NOT NULL,
	street        TEXT NOT NULL DEFAULT '',
	postal_code   TEXT NOT NULL DEFAULT '',
	city          TEXT NOT NULL DEFAULT '',
	latitude      REAL,
	longitude     REAL,
	opening_hours TEXT NOT NULL DEFAULT '[]' -- JSON: [{"day":1,"opens":"09:00","closes":"17:00"}]
);

CREATE TABLE themes (
	slug       TEXT PRIMARY KEY,
	name_nl    TEXT NOT NULL,
	name_en    TEXT NOT NULL,
	sort_order INTEGER NOT NULL DEFAULT 0
);

INSERT INTO themes (slug, name_nl, name_en, sort_order) VALUES
	('leesplezier', 'Leesplezier', 'Reading for pleasure', 1),
	('digitale-vaardigheden', 'Digitale vaardigheden', 'Digital inclusion', 2),
	('leven-lang-leren', 'Leven lang leren', 'Lifelong learning', 3);

CREATE TABLE series (
	id         INTEGER PRIMARY KEY,
	frequency  TEXT NOT NULL,
	until_date TEXT NOT NULL,             -- 2006-01-02, in the events' zone
	skip_dates TEXT NOT NULL DEFAULT '[]', -- JSON array of 2006-01-02
	created_at TEXT NOT NULL
);

CREATE TABLE events (
	id                INTEGER PRIMARY KEY,
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
	updated_at        TEXT NOT NULL
);

CREATE UNIQUE INDEX events_uid ON events (uid) WHERE uid IS NOT NULL;
-- The agenda: visible statuses ending after now; counts and the earliest
-- start (see store FindEvents) come from this index alone.
CREATE INDEX events_status_ends ON events (status, ends_at, starts_at);
CREATE INDEX events_starts ON events (starts_at, id);
CREATE INDEX events_series ON events (series_id);
CREATE INDEX events_branch ON events (branch_id);

CREATE TABLE event_sessions (
	id         INTEGER PRIMARY KEY,
	event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	starts_at  TEXT NOT NULL,
	ends_at    TEXT NOT NULL,
	branch_id  INTEGER REFERENCES branches (id),
	online_url TEXT NOT NULL DEFAULT ''
);

CREATE INDEX event_sessions_event ON event_sessions (event_id, starts_at);
CREATE INDEX event_sessions_branch ON event_sessions (branch_id);

CREATE TABLE people (
	id            INTEGER PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE, -- lower-case
	display_name  TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	role          TEXT NOT NULL,
	created_at    TEXT NOT NULL
);

CREATE TABLE offers (
	id          INTEGER PRIMARY KEY,
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

CREATE INDEX offers_status_created ON offers (status, created_at, id);
CREATE INDEX offers_author ON offers (author_id);

CREATE TABLE login_sessions (
	token_hash TEXT PRIMARY KEY,
	person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);

CREATE INDEX login_sessions_person ON login_sessions (person_id);
CREATE INDEX login_sessions_expires ON login_sessions (expires_at);
