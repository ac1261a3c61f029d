-- Personal feed tokens are kept as their hex SHA-256, as session tokens
-- are: the clear tokens are hashed in Go after this (store/migrate.go), so
-- existing feed addresses keep working.
ALTER TABLE people RENAME COLUMN feed_token TO feed_token_hash;

-- Rate limits counted where every process sees them: requests per key
-- (a limit's name and whom it counts) and window. A window is read for
-- two of its lengths, as the current and then the previous one; after
-- expires_at it is deleted.
CREATE TABLE rate_counts (
	key          TEXT NOT NULL,
	window_start TEXT NOT NULL,
	expires_at   TEXT NOT NULL,
	requests     INTEGER NOT NULL,
	PRIMARY KEY (key, window_start)
);

CREATE INDEX rate_counts_expires ON rate_counts (expires_at);
