package store

import "context"

// MapError exposes the driver error mapping to the external tests.
func (db *DB) MapError(err error) error { return db.mapError(err) }

// MigrateUpTo exposes migrateUpTo, to make databases of older versions.
func (db *DB) MigrateUpTo(ctx context.Context, version int) error {
	return db.migrateUpTo(ctx, version)
}
