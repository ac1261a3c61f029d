-- What libraries need to say about an activity (issue 13): places that
-- are not branches, a price, and more than one theme and audience.

-- Places other than the library's branches (a school, a community
-- centre). Entering one with the same name and address again finds the
-- stored one (the unique index), so the event form and an import of the
-- same calendar reuse it.
CREATE TABLE places (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL,
	street      TEXT NOT NULL DEFAULT '',
	postal_code TEXT NOT NULL DEFAULT '',
	city        TEXT NOT NULL DEFAULT '',
	latitude    REAL,
	longitude   REAL
);

CREATE UNIQUE INDEX places_address ON places (name, street, postal_code, city);

ALTER TABLE events ADD COLUMN place_id INTEGER REFERENCES places (id);
ALTER TABLE event_sessions ADD COLUMN place_id INTEGER REFERENCES places (id);
CREATE INDEX events_place ON events (place_id);
CREATE INDEX event_sessions_place ON event_sessions (place_id);

-- The price in euro cents: NULL says nothing about cost, 0 is free. The
-- member price is NULL when members pay the price too.
ALTER TABLE events ADD COLUMN price_cents INTEGER;
ALTER TABLE events ADD COLUMN member_price_cents INTEGER;
ALTER TABLE events ADD COLUMN price_note TEXT NOT NULL DEFAULT '';

-- Themes and audiences, several per event, in the event's order. The
-- agenda's filters read the (theme, event_id) and (audience, event_id)
-- indexes.
CREATE TABLE event_themes (
	event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	theme    TEXT NOT NULL REFERENCES themes (slug),
	position INTEGER NOT NULL,
	PRIMARY KEY (event_id, theme)
);

CREATE INDEX event_themes_theme ON event_themes (theme, event_id);

CREATE TABLE event_audiences (
	event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	audience TEXT NOT NULL,
	position INTEGER NOT NULL,
	PRIMARY KEY (event_id, audience)
);

CREATE INDEX event_audiences_audience ON event_audiences (audience, event_id);

INSERT INTO event_themes (event_id, theme, position) SELECT id, theme, 0 FROM events WHERE theme IS NOT NULL;
INSERT INTO event_audiences (event_id, audience, position) SELECT id, audience, 0 FROM events;
ALTER TABLE events DROP COLUMN theme;
ALTER TABLE events DROP COLUMN audience;

-- Search (0006): an event's place now also names its place and its
-- sessions' places, and renaming a place reindexes its events.
DROP VIEW events_search_documents;
CREATE VIEW events_search_documents AS
SELECT e.id, e.title, e.description,
	concat_ws(' ', e.place_name, e.place_city, b.name, b.city, p.name, p.city,
		(SELECT group_concat(sb.name || ' ' || sb.city, ' ') FROM branches sb
		 WHERE sb.id IN (SELECT s.branch_id FROM event_sessions s WHERE s.event_id = e.id)),
		(SELECT group_concat(sp.name || ' ' || sp.city, ' ') FROM places sp
		 WHERE sp.id IN (SELECT s.place_id FROM event_sessions s WHERE s.event_id = e.id))) AS place,
	COALESCE(a.name, l.name, '') AS library
FROM events e
LEFT JOIN branches b ON b.id = e.branch_id
LEFT JOIN places p ON p.id = e.place_id
LEFT JOIN actors a ON a.id = e.origin_id
LEFT JOIN library l ON l.id = e.library_id;

DROP TRIGGER events_fts_update;
CREATE TRIGGER events_fts_update AFTER UPDATE OF title, description, branch_id, place_id, place_name, place_city,
	origin_id, library_id
ON events BEGIN
	DELETE FROM events_fts WHERE rowid = OLD.id;
	INSERT INTO events_fts (rowid, title, description, place, library)
	SELECT id, title, description, place, library FROM events_search_documents WHERE id = NEW.id;
END;

CREATE TRIGGER places_fts_update AFTER UPDATE OF name, city ON places
WHEN OLD.name IS NOT NEW.name OR OLD.city IS NOT NEW.city BEGIN
	DELETE FROM events_fts WHERE rowid IN (SELECT id FROM events WHERE place_id = NEW.id
		UNION SELECT event_id FROM event_sessions WHERE place_id = NEW.id);
	INSERT INTO events_fts (rowid, title, description, place, library)
	SELECT id, title, description, place, library FROM events_search_documents
	WHERE id IN (SELECT id FROM events WHERE place_id = NEW.id UNION SELECT event_id FROM event_sessions WHERE place_id = NEW.id);
END;
