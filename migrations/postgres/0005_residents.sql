-- Residents: a handle (their federation name), whether others may find
-- them, email confirmation and the secret of their personal feed; and
-- single-use email tokens, stored as hashes.
ALTER TABLE people ADD COLUMN handle TEXT; -- NULL: none (staff made on the command line)
ALTER TABLE people ADD COLUMN discoverable BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE people ADD COLUMN confirmed_at TIMESTAMPTZ;
ALTER TABLE people ADD COLUMN feed_token TEXT;

-- Everyone there before residents could sign up was made by staff or the
-- demo: they count as confirmed, and each gets a feed secret.
UPDATE people SET confirmed_at = created_at,
	feed_token = replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');

CREATE UNIQUE INDEX people_handle ON people (handle);
CREATE UNIQUE INDEX people_feed_token ON people (feed_token);

CREATE TABLE person_tokens (
	hash       TEXT PRIMARY KEY, -- hex SHA-256 of the token in the link
	person_id  BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	purpose    TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL,
	used_at    TIMESTAMPTZ
);

CREATE INDEX person_tokens_person ON person_tokens (person_id, purpose);
