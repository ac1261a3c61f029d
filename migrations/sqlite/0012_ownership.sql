-- Ownership per actor (issue 11). A key id belongs to one actor: keys
-- that two actors claim are dropped, and fetched again from their owner's
-- own document at the next signed request. A tombstone remembers who
-- deleted: it keeps out a late copy by that actor only, so one actor
-- cannot shut another's future objects out.

UPDATE actors SET key_id = '', public_key_pem = ''
WHERE key_id IN (SELECT key_id FROM actors WHERE key_id <> '' GROUP BY key_id HAVING COUNT(*) > 1);
DROP INDEX actors_key_id;
CREATE UNIQUE INDEX actors_key_id ON actors (key_id) WHERE key_id <> '';

CREATE TABLE tombstones_by_actor (
	iri        TEXT NOT NULL,
	deleted_at TEXT NOT NULL,
	-- Last, as PostgreSQL adds it, so backups list the columns alike.
	actor_iri  TEXT NOT NULL, -- who deleted it; '' from before this migration: anyone
	PRIMARY KEY (iri, actor_iri)
);
INSERT INTO tombstones_by_actor (iri, deleted_at, actor_iri) SELECT iri, deleted_at, '' FROM tombstones;
DROP TABLE tombstones;
ALTER TABLE tombstones_by_actor RENAME TO tombstones;
-- Old tombstones are forgotten by this.
CREATE INDEX tombstones_deleted ON tombstones (deleted_at);
