package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/vestiging/vestiging"
)

// Background work runs on River in the store's own database, so a change
// and the jobs it causes commit together (DESIGN.md §3). Jobs are inserted
// through a database/sql driver, because the store's transactions are
// *sql.Tx on both backends, except InsertJob's own transactions on
// PostgreSQL (see commitJobs); on PostgreSQL the workers use pgx directly for
// LISTEN/NOTIFY, so new jobs start at once. SQLite has no notifications:
// River's driver writes them to a table (river_notification) in the
// inserting transaction and each worker reads it every 50 ms, so new jobs
// start within that there too.

// JobsConfig tunes StartJobs.
type JobsConfig struct {
	Workers int // jobs worked at once; 0: DefaultJobWorkers
	// DeliveryWorkers is how many jobs of vestiging.DeliveryQueue are worked
	// at once, besides Workers; 0: DefaultDeliveryWorkers.
	DeliveryWorkers int
	// InboxWorkers is how many jobs of vestiging.InboxQueue are worked at
	// once, besides the others; 0: DefaultInboxWorkers.
	InboxWorkers int
	PollInterval time.Duration // how often to look for new jobs; 0: DefaultPollInterval
	Logger       *slog.Logger  // nil: slog.Default()
	// Observe, when set, hears of every worked job (job latency metrics).
	Observe func(kind string, took time.Duration, err error)
}

// Defaults of JobsConfig. New jobs are announced (see above), so the poll
// only finds jobs that come due (retries, reminders): River's second will
// do, where polling every 50 ms cost an idle instance 20 queries a second.
// A delivery mostly waits on the other server, so many run at once: with
// 50, a fan-out to 2,000 servers that answer in 200 ms takes 8 s.
const (
	DefaultJobWorkers      = 20
	DefaultDeliveryWorkers = 50
	DefaultPollInterval    = river.FetchPollIntervalDefault
)

// DefaultInboxWorkers is one per core the process may use, and at least
// two (see vestiging.InboxQueue). With PostgreSQL on another machine more
// can pay.
var DefaultInboxWorkers = max(2, runtime.GOMAXPROCS(0))

// fetchCooldown is how long River waits between fetches even when jobs are
// waiting, which caps throughput at Workers per cooldown: keep it short.
const fetchCooldown = 10 * time.Millisecond

// stopCancelWait bounds how long StopJobs waits for cancelled jobs to return.
const stopCancelWait = 10 * time.Second

// clockTime is River's time on a vestiging.Clock (Options.JobsOnClock).
// River then passes it to every query as "now", instead of the database's.
type clockTime struct{ clock vestiging.Clock }

func (c clockTime) Now() time.Time { return c.clock() }

func (c clockTime) NowOrNil() *time.Time {
	now := c.clock()
	return &now
}

// jobWorker is the working River client, whatever its driver.
type jobWorker interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
}

// jobDriver returns River's database/sql driver for the dialect.
func (db *DB) jobDriver() riverdriver.Driver[*sql.Tx] {
	if db.dialect == postgresDialect {
		return riverdatabasesql.New(db.db)
	}
	return riversqlite.New(db.db)
}

// initJobs creates the insert-only River clients Open gives every DB. Its
// FetchCooldown is also how long after announcing jobs River stays silent
// about more; at its default (100 ms) a job queued just after another
// would wait for the workers' next poll.
func (db *DB) initJobs() error {
	cfg := &river.Config{Logger: slog.New(slog.DiscardHandler),
		FetchCooldown: river.FetchCooldownMin, Test: river.TestConfig{Time: db.jobTime}}
	client, err := river.NewClient(db.jobDriver(), cfg)
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	db.jobs = client
	if db.dialect == postgresDialect {
		if db.pgxJobs, err = river.NewClient(riverpgxv5.New(db.pool), cfg); err != nil {
			return fmt.Errorf("job queue: %w", err)
		}
	}
	return nil
}

// migrateJobs applies River's own migrations; applied ones are skipped.
func (db *DB) migrateJobs(ctx context.Context) error {
	m, err := rivermigrate.New(db.jobDriver(), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("migrate job queue: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job queue: %w", db.mapError(err))
	}
	return nil
}

// StartJobs starts working the default queue with workers until StopJobs.
// Jobs of a kind workers lacks fail and are retried later, so one process
// may work only some kinds. ctx only bounds the start: stopping is
// StopJobs' work, so cancelling ctx does not abandon running jobs.
func (db *DB) StartJobs(ctx context.Context, workers *river.Workers, cfg JobsConfig) error {
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultJobWorkers
	}
	if cfg.DeliveryWorkers <= 0 {
		cfg.DeliveryWorkers = DefaultDeliveryWorkers
	}
	if cfg.InboxWorkers <= 0 {
		cfg.InboxWorkers = DefaultInboxWorkers
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	rc := &river.Config{
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers},
			vestiging.DeliveryQueue: {MaxWorkers: cfg.DeliveryWorkers}, vestiging.InboxQueue: {MaxWorkers: cfg.InboxWorkers}},
		Workers:           workers,
		FetchPollInterval: cfg.PollInterval,
		FetchCooldown:     min(fetchCooldown, cfg.PollInterval),
		Logger:            cfg.Logger,
		// A backfill may fetch several pages; deliveries time out after 30 s.
		JobTimeout: 5 * time.Minute,
		// After a crash, jobs left "running" go back to the queue after this,
		// not River's default hour.
		RescueStuckJobsAfter: 10 * time.Minute,
		PeriodicJobs:         db.periodicJobs(),
		Test:                 river.TestConfig{Time: db.jobTime},
	}
	if cfg.Observe != nil {
		rc.Middleware = []rivertype.Middleware{&jobTimer{observe: cfg.Observe}}
	}
	db.jobsMu.Lock()
	defer db.jobsMu.Unlock()
	if db.worker != nil {
		return vestiging.Errorf(vestiging.ECONFLICT, "jobs are already being worked")
	}
	var (
		w   jobWorker
		err error
	)
	if db.dialect == postgresDialect {
		w, err = river.NewClient(riverpgxv5.New(db.pool), rc)
	} else {
		w, err = river.NewClient(riversqlite.New(db.db), rc)
	}
	if err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	if err := w.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start jobs: %w", db.mapError(err))
	}
	db.worker = w
	return db.queueSweeps(ctx)
}

// StopJobs stops fetching jobs and waits for running ones until ctx ends;
// then it cancels them, and River retries them later (here or in another
// process). Without StartJobs it does nothing.
func (db *DB) StopJobs(ctx context.Context) error {
	db.jobsMu.Lock()
	w := db.worker
	db.worker = nil
	db.jobsMu.Unlock()
	if w == nil {
		return nil
	}
	if err := w.Stop(ctx); err == nil {
		return nil
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopCancelWait)
	defer cancel()
	if err := w.StopAndCancel(cctx); err != nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	return nil
}

// InsertJob queues args outside any other change. Args implementing
// river.JobArgsWithInsertOpts choose their options.
//
// Calls that arrive while a write or another group's commit is under way
// are queued together in one transaction once it ends: each commit waits
// for the disk (and on PostgreSQL costs two round trips), so this group
// commit is what lets many inbox requests at once each be acknowledged
// only once their job is durable, without waiting in line.
func (db *DB) InsertJob(ctx context.Context, args vestiging.JobArgs) error {
	// A job River cannot encode would fail the whole group: refuse it alone.
	if _, err := json.Marshal(args); err != nil {
		return &vestiging.Error{Code: vestiging.EINVALID, Message: "The job cannot be encoded.", Err: err}
	}
	db.groupMu.Lock()
	g := db.group
	leader := g == nil
	if leader {
		g = &jobGroup{done: make(chan struct{})}
		db.group = g
	}
	g.jobs = append(g.jobs, args)
	db.groupMu.Unlock()
	if leader {
		db.committing.Lock() // others join the group meanwhile
		unlock := db.lockWritesFirst()
		db.groupMu.Lock()
		db.group = nil
		db.groupMu.Unlock()
		// The group's callers all wait on it: one caller leaving must
		// not undo the others' jobs.
		g.err = db.commitJobs(context.WithoutCancel(ctx), g.jobs)
		unlock()
		db.committing.Unlock()
		close(g.done)
	}
	<-g.done
	if g.err != nil {
		return fmt.Errorf("queue %s job: %w", args.Kind(), g.err)
	}
	return nil
}

// jobGroup is InsertJob calls committed together.
type jobGroup struct {
	jobs []vestiging.JobArgs
	done chan struct{} // closed once err is set
	err  error
}

// commitJobs queues jobs in a transaction of their own. On PostgreSQL it
// goes through pgx itself (River's database/sql driver has its arrays
// written out as text and parsed again, which cost the inbox a third of
// its time), as the one statement of a statementTx.
func (db *DB) commitJobs(ctx context.Context, jobs []vestiging.JobArgs) error {
	if db.pgxJobs == nil {
		return db.inTxLocked(ctx, func(tx *sql.Tx) error { return db.insertJobs(ctx, tx, jobs...) })
	}
	err := db.pool.AcquireFunc(ctx, func(c *pgxpool.Conn) error {
		_, err := db.pgxJobs.InsertManyTx(ctx, statementTx{c.Conn()}, jobParams(jobs))
		return err
	})
	if err != nil {
		return fmt.Errorf("queue %d %s jobs: %w", len(jobs), jobs[0].Kind(), db.mapError(err))
	}
	return nil
}

// insertJobs queues jobs in tx, so they exist exactly when tx commits.
func (db *DB) insertJobs(ctx context.Context, tx *sql.Tx, jobs ...vestiging.JobArgs) error {
	if len(jobs) == 0 {
		return nil
	}
	if _, err := db.jobs.InsertManyTx(ctx, tx, jobParams(jobs)); err != nil {
		return fmt.Errorf("queue %d %s jobs: %w", len(jobs), jobs[0].Kind(), db.mapError(err))
	}
	return nil
}

// jobParams are River's parameters for jobs.
func jobParams(jobs []vestiging.JobArgs) []river.InsertManyParams {
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: j, InsertOpts: jobOpts(j)}
	}
	return params
}

// uniqueStates are the states in which a vestiging.Unique job keeps out
// another with the same arguments: waiting or running (River requires
// running). A finished one does not, so a later change is heard again.
var uniqueStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}

// jobOpts returns the River options the job's domain interfaces ask for,
// or nil for River's defaults.
func jobOpts(j vestiging.JobArgs) *river.InsertOpts {
	var opts river.InsertOpts
	set := false
	if s, ok := j.(vestiging.Scheduled); ok && !s.ScheduledAt().IsZero() {
		opts.ScheduledAt, set = s.ScheduledAt(), true
	}
	if u, ok := j.(vestiging.Unique); ok && u.UniqueByArgs() {
		opts.UniqueOpts, set = river.UniqueOpts{ByArgs: true, ByState: uniqueStates}, true
	}
	if o, ok := j.(vestiging.Once); ok && o.OnceKey() != "" {
		// River's default states: finished ones too.
		opts.UniqueOpts, set = river.UniqueOpts{ByArgs: true}, true
	}
	if !set {
		return nil
	}
	return &opts
}

// queuePublish queues the PublishJob that a change of a local object from
// wasPublic to isPublic calls for, if any, in tx.
func (db *DB) queuePublish(ctx context.Context, tx *sql.Tx, object string, id int64, wasPublic, isPublic bool) error {
	action := vestiging.PublishAction(wasPublic, isPublic)
	if action == "" {
		return nil
	}
	return db.insertJobs(ctx, tx, vestiging.PublishJob{Object: object, ID: id, Action: action, At: db.now()})
}

// wakeBatch bounds the waiting jobs WakeJobs reads at once.
const wakeBatch = 1000

// WakeJobs makes the waiting jobs (scheduled, or retrying after a failure)
// of kind whose arguments contain text due now, through River, and returns
// how many it woke.
func (db *DB) WakeJobs(ctx context.Context, kind, text string) (int, error) {
	like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(text) + "%"
	params := river.NewJobListParams().Kinds(kind).
		States(rivertype.JobStateScheduled, rivertype.JobStateRetryable).
		Where(`CAST(args AS TEXT) LIKE @text ESCAPE '\'`, river.NamedArgs{"text": like}).
		First(wakeBatch)
	woken := 0
	for {
		res, err := db.jobs.JobList(ctx, params)
		if err != nil {
			return woken, fmt.Errorf("wake %s jobs: %w", kind, db.mapError(err))
		}
		for _, j := range res.Jobs {
			// A job that finished since the list is made due again too: the
			// window is short, and jobs woken this way are idempotent.
			unlock := db.lockWrites()
			_, err := db.jobs.JobRetry(ctx, j.ID)
			unlock()
			if err != nil && !errors.Is(err, rivertype.ErrNotFound) {
				return woken, fmt.Errorf("wake %s job %d: %w", kind, j.ID, db.mapError(err))
			}
			woken++
		}
		if len(res.Jobs) < wakeBatch {
			return woken, nil
		}
		params = params.After(res.LastCursor)
	}
}

// statementTx is a pgx.Tx in which each statement commits on its own.
// River inserts a whole group in one statement, so the group needs no
// BEGIN and COMMIT around it: two round trips of four. Its notify then
// commits alone, after the jobs are durable; should it fail, the callers
// hear an error for jobs that were queued, and a sender's retry of an
// activity is dropped as seen.
type statementTx struct{ *pgxConn } // pgx.Conn's Exec, Query, … run as they are

// pgxConn names pgx.Conn for embedding: a field named Conn would clash
// with pgx.Tx's method Conn.
type pgxConn = pgx.Conn

func (statementTx) Commit(context.Context) error   { return nil }
func (statementTx) Rollback(context.Context) error { return nil }
func (statementTx) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }
func (t statementTx) Conn() *pgx.Conn              { return t.pgxConn }
