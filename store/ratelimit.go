package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

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
	current := now.Truncate(window) // fixed windows, weighted into a sliding one
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
