package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vestiging/vestiging"
)

// rateTimeout bounds a count's query: httprate gives the counter no
// context, and a limit must not hold a request up for long.
const rateTimeout = 5 * time.Second

// rateCounter is a vestiging.RateCounter in the rate_counts table.
type rateCounter struct {
	db     *DB
	name   string
	window time.Duration // set by Config, before any count
}

// RateCounter returns the counter of the limit called name.
func (db *DB) RateCounter(name string) vestiging.RateCounter {
	return &rateCounter{db: db, name: name}
}

// Config takes the limit's window length; the count limit is httprate's.
func (c *rateCounter) Config(_ int, windowLength time.Duration) { c.window = windowLength }

// Increment counts one request of key in the window.
func (c *rateCounter) Increment(key string, currentWindow time.Time) error {
	return c.IncrementBy(key, currentWindow, 1)
}

// IncrementBy counts amount requests of key in the window. One statement
// adds to the count, so processes counting at once lose nothing. A window
// is kept for two lengths, as current and then as previous.
func (c *rateCounter) IncrementBy(key string, currentWindow time.Time, amount int) error {
	if c.window <= 0 {
		return fmt.Errorf("rate limit %s: no window length configured", c.name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), rateTimeout)
	defer cancel()
	db := c.db
	if err := db.prune(ctx, &db.ratesPruned, "rate_counts", "expires_at", 0); err != nil {
		return err
	}
	defer db.lockWrites()()
	_, err := db.db.ExecContext(ctx, `INSERT INTO rate_counts (key, window_start, expires_at, requests)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (key, window_start) DO UPDATE SET requests = rate_counts.requests + excluded.requests`,
		c.name+":"+key, db.dialect.timeArg(currentWindow), db.dialect.timeArg(currentWindow.Add(2*c.window)), amount)
	if err != nil {
		return fmt.Errorf("rate limit %s: count: %w", c.name, db.mapError(err))
	}
	return nil
}

// Get returns key's counts in the current and the previous window.
func (c *rateCounter) Get(key string, currentWindow, previousWindow time.Time) (int, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), rateTimeout)
	defer cancel()
	db := c.db
	var current, previous int
	err := db.db.QueryRowContext(ctx, `SELECT
		COALESCE((SELECT requests FROM rate_counts WHERE key = $1 AND window_start = $2), 0),
		COALESCE((SELECT requests FROM rate_counts WHERE key = $1 AND window_start = $3), 0)`,
		c.name+":"+key, db.dialect.timeArg(currentWindow), db.dialect.timeArg(previousWindow)).Scan(&current, &previous)
	if err != nil {
		return 0, 0, fmt.Errorf("rate limit %s: read: %w", c.name, db.mapError(err))
	}
	return current, previous, nil
}

// TakeRate implements vestiging.RateService: one upsert adds the request
// unless the sliding count would pass the limit, and returns the counts it
// decided on. It writes ahead of the job workers, as a request waits.
func (db *DB) TakeRate(ctx context.Context, name, key string, limit int, window time.Duration) (bool, error) {
	if window <= 0 || limit <= 0 {
		return false, fmt.Errorf("rate limit %s: limit %d per %s", name, limit, window)
	}
	if err := db.prune(ctx, &db.ratesPruned, "rate_counts", "expires_at", 0); err != nil {
		return false, err
	}
	now := db.now()
	current := now.Truncate(window) // the windows httprate counts in
	weight := float64(window-now.Sub(current)) / float64(window)
	defer db.lockWritesFirst()()
	var requests int
	var previous float64
	err := db.db.QueryRowContext(ctx, `INSERT INTO rate_counts (key, window_start, expires_at, requests)
		VALUES ($1, $2, $3, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET requests = rate_counts.requests + 1
		WHERE rate_counts.requests + 1 + CAST($5 AS DOUBLE PRECISION) *
			COALESCE((SELECT p.requests FROM rate_counts p WHERE p.key = $1 AND p.window_start = $4), 0) <= $6
		RETURNING requests,
			CAST($5 AS DOUBLE PRECISION) * COALESCE((SELECT p.requests FROM rate_counts p WHERE p.key = $1 AND p.window_start = $4), 0)`,
		name+":"+key, db.dialect.timeArg(current), db.dialect.timeArg(current.Add(2*window)),
		db.dialect.timeArg(current.Add(-window)), weight, float64(limit)).Scan(&requests, &previous)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // over the limit: the update's condition held it back
	}
	if err != nil {
		return false, fmt.Errorf("rate limit %s: take: %w", name, db.mapError(err))
	}
	return float64(requests)+previous <= float64(limit), nil
}
