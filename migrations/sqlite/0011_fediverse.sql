-- How the library looks in the fediverse (issue 12).

-- When a local event, offer or resident's reply was first made public:
-- its ActivityPub "published", which a draft published days after it was
-- written must not predate. Set once, kept through cancelling and
-- publishing again. Rows public before this migration were federated with
-- their creation time as "published", so that is what they keep.
ALTER TABLE events ADD COLUMN published_at TEXT;
UPDATE events SET published_at = created_at WHERE iri IS NULL AND status IN ('published', 'cancelled');
ALTER TABLE offers ADD COLUMN published_at TEXT;
UPDATE offers SET published_at = created_at WHERE iri IS NULL AND status IN ('approved', 'closed');
ALTER TABLE replies ADD COLUMN published_at TEXT;
UPDATE replies SET published_at = created_at WHERE person_id IS NOT NULL AND status IN ('approved', 'removed');

-- The library's banner: the actor's header image; the logo stays its avatar.
ALTER TABLE library ADD COLUMN banner_url TEXT NOT NULL DEFAULT '';
ALTER TABLE library ADD COLUMN banner_alt TEXT NOT NULL DEFAULT '';

-- Likes and boosts (Announce) of the library's events and offers by remote
-- actors: one row per actor, kind and object, so a second Like counts
-- once, and an Undo (which may name the activity only) removes it.
CREATE TABLE reactions (
	id           INTEGER PRIMARY KEY,
	event_id     INTEGER REFERENCES events (id) ON DELETE CASCADE,
	offer_id     INTEGER REFERENCES offers (id) ON DELETE CASCADE,
	actor_id     INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
	kind         TEXT NOT NULL, -- 'like' or 'share'
	activity_iri TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	CHECK ((event_id IS NULL) <> (offer_id IS NULL))
);

CREATE UNIQUE INDEX reactions_event ON reactions (event_id, kind, actor_id) WHERE event_id IS NOT NULL;
CREATE UNIQUE INDEX reactions_offer ON reactions (offer_id, kind, actor_id) WHERE offer_id IS NOT NULL;
CREATE INDEX reactions_actor ON reactions (actor_id, activity_iri);

-- A deleted object's id answers 410 with a Tombstone: its last Delete is
-- found by the object.
CREATE INDEX activities_object ON activities (object_iri, type, created_at);
