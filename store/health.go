package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/vestiging/vestiging"
)

// Ready checks that the database answers and that the job queue's table can
// be read, for /readyz. The error's message says which failed.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.Ping(ctx); err != nil {
		return &vestiging.Error{Code: vestiging.EUNAVAILABLE, Message: "The database does not answer.", Err: err}
	}
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM river_job LIMIT 1) AS j`).Scan(&n)
	if err != nil {
		return &vestiging.Error{Code: vestiging.EUNAVAILABLE, Message: "The job queue does not answer.", Err: db.mapError(err)}
	}
	return nil
}

// JobCount is how many jobs of a kind wait in a state.
type JobCount struct {
	Kind, State string
	Count       int64
}

// WaitingJobs counts the jobs that wait to be worked, by kind and state
// (available, retryable, scheduled): the delivery queue's depth.
func (db *DB) WaitingJobs(ctx context.Context) ([]JobCount, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT kind, state, count(*) FROM river_job
		WHERE state IN ('available', 'retryable', 'scheduled') GROUP BY kind, state ORDER BY kind, state`)
	if err != nil {
		return nil, fmt.Errorf("count waiting jobs: %w", db.mapError(err))
	}
	defer rows.Close()
	var out []JobCount
	for rows.Next() {
		var c JobCount
		if err := rows.Scan(&c.Kind, &c.State, &c.Count); err != nil {
			return nil, fmt.Errorf("count waiting jobs: %w", db.mapError(err))
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count waiting jobs: %w", db.mapError(err))
	}
	return out, nil
}

// Stats reports the connection pool. On PostgreSQL that is pgx's pool,
// which the job workers share with database/sql.
func (db *DB) Stats() sql.DBStats {
	if db.pool == nil {
		return db.db.Stats()
	}
	s := db.pool.Stat()
	return sql.DBStats{
		MaxOpenConnections: int(s.MaxConns()),
		OpenConnections:    int(s.TotalConns()),
		InUse:              int(s.AcquiredConns()),
		Idle:               int(s.IdleConns()),
		WaitCount:          s.EmptyAcquireCount(),
		WaitDuration:       s.EmptyAcquireWaitTime(),
	}
}

// jobTimer reports each worked job's kind, duration and outcome.
type jobTimer struct {
	river.MiddlewareDefaults
	observe func(kind string, took time.Duration, err error)
}

func (t *jobTimer) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	start := time.Now()
	err := doInner(ctx)
	t.observe(job.Kind, time.Since(start), err)
	return err
}
