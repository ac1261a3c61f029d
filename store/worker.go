package store

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
)

// sweepInterval is how often the store's periodic sweeps run.
const sweepInterval = 24 * time.Hour

// AddWorkers registers the store's own workers: the daily anonymisation
// of registrations. StartJobs then also schedules it, daily and at start.
func (db *DB) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &anonymizeWorker{db: db})
	db.sweeps.Store(true)
}

// periodicJobs are the sweeps StartJobs schedules once AddWorkers
// registered their workers. River runs them on one process (its leader),
// however many share the database.
func (db *DB) periodicJobs() []*river.PeriodicJob {
	if !db.sweeps.Load() {
		return nil
	}
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(sweepInterval),
		func() (river.JobArgs, *river.InsertOpts) { return vestiging.AnonymizeJob{}, nil }, nil)}
}

// queueSweeps queues each sweep once as StartJobs returns, so a start
// catches up on a day that passed while no process ran; River's own run
// at start would come whenever leadership settles, not by then.
func (db *DB) queueSweeps(ctx context.Context) error {
	if !db.sweeps.Load() {
		return nil
	}
	if err := db.InsertJob(ctx, vestiging.AnonymizeJob{}); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	return nil
}

type anonymizeWorker struct {
	river.WorkerDefaults[vestiging.AnonymizeJob]
	db *DB
}

func (w *anonymizeWorker) Work(ctx context.Context, _ *river.Job[vestiging.AnonymizeJob]) error {
	_, err := w.db.AnonymizeDue(ctx)
	return err
}

// AnonymizeDue anonymises the registrations of events that ended more
// than the library's AnonymizeAfterDays ago, and returns how many.
func (db *DB) AnonymizeDue(ctx context.Context) (int, error) {
	l, err := db.Library(ctx)
	if err != nil {
		return 0, fmt.Errorf("anonymize: %w", err)
	}
	days := l.AnonymizeAfterDays
	if days <= 0 {
		days = vestiging.DefaultAnonymizeAfterDays
	}
	return db.AnonymizeRegistrations(ctx, db.now().AddDate(0, 0, -days))
}
