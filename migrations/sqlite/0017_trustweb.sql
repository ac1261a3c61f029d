-- Personal feed tokens are kept as their hex SHA-256, as session tokens
-- are: the clear tokens are hashed in Go after this (store/migrate.go), so
-- existing feed addresses keep working.
ALTER TABLE people RENAME COLUMN feed_token TO feed_token_hash;

