-- Residents: a handle (their federation name), whether others may find
-- them, email confirmation and the secret of their personal feed; and
-- single-use email tokens, stored as hashes.
ALTER TABLE people ADD COLUMN handle TEXT; -- NULL: none (staff made on the command line)
ALTER TABLE people ADD COLUMN discoverable INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN confirmed_at TEXT;
ALTER TABLE people ADD COLUMN feed_token TEXT;

-- Everyone there before residents could sign up was made by staff or the
-- demo: they count as confirmed, and each gets a feed secret.
UPDATE people SET confirmed_at = created_at, feed_token = lower(hex(randomblob(32)));

CREATE UNIQUE INDEX people_handle ON people (handle);
CREATE UNIQUE INDEX people_feed_token ON people (feed_token);

CREATE TABLE person_tokens (
	hash       TEXT PRIMARY KEY, -- hex SHA-256 of the token in the link
	person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	purpose    TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at    TEXT
);

CREATE INDEX person_tokens_person ON person_tokens (person_id, purpose);
