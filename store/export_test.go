package store

// MapError exposes the driver error mapping to the external tests.
func (db *DB) MapError(err error) error { return db.mapError(err) }
