// Package store keeps the domain in SQLite (the embedded default) or
// PostgreSQL. One set of SQL serves both; what differs lives in dialect.go.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	msqlite "modernc.org/sqlite"

	"github.com/vestiging/vestiging"
)

var _ vestiging.Services = (*DB)(nil)

// Options tunes Open.
type Options struct {
	Clock vestiging.Clock // nil: vestiging.Now
	// Lock takes an exclusive lock on a SQLite file for as long as the DB is
	// open, so a second server on the same file fails at start instead of
	// fighting over it. Ignored for PostgreSQL, which is shared by design.
	Lock bool
	// JobsOnClock runs the job queue on Clock too: when jobs are due,
	// retries, snoozes and periodic jobs. A test that moves the clock then
	// makes retries due. The clock must run as a wall clock does (it may be
	// ahead): River paces itself on it. Off, River keeps the database's time.
	JobsOnClock bool
}

// DB is an open database. It implements vestiging.Services.
type DB struct {
	db      *sql.DB
	pool    *pgxpool.Pool // PostgreSQL only
	dialect dialect
	clock   vestiging.Clock
	lock    *os.File // SQLite with Options.Lock only
	// jobTime is River's time when Options.JobsOnClock; nil: River's own.
	jobTime rivertype.TimeGenerator

	jobs *river.Client[*sql.Tx] // inserts jobs, in the store's transactions too
	// pgxJobs inserts InsertJob's groups on PostgreSQL (see commitJobs).
	pgxJobs *river.Client[pgx.Tx]
	jobsMu  sync.Mutex
	worker  jobWorker   // works jobs between StartJobs and StopJobs
	sweeps  atomic.Bool // AddWorkers registered the periodic sweeps' workers

	writes  writeQueue // SQLite only: see lockWrites
	groupMu sync.Mutex // guards group
	group   *jobGroup  // InsertJob calls waiting to be committed together
	// committing is held by the InsertJob group being committed: the next
	// group gathers until it is done.
	committing sync.Mutex

	rules     readCache[[]*vestiging.DomainRule]     // DomainRules
	moderated readCache[[]*vestiging.ModeratedActor] // ModeratedActors
	themes    readCache[[]*vestiging.Theme]          // Themes

	seenPruned        atomic.Int64 // when FirstSeen last forgot old ids, in Unix ns
	tombstonesPruned  atomic.Int64 // when DeleteRemoteObject last forgot old tombstones
	idempotencyPruned atomic.Int64 // when SaveIdempotentResponse last forgot old keys
	deliveriesPruned  atomic.Int64 // when RecordWebhookAttempt last forgot old deliveries
	ratesPruned       atomic.Int64 // when a rate counter last forgot old windows
}

// connectTimeout bounds how long Open waits for an unreachable PostgreSQL.
const connectTimeout = 5 * time.Second

// Every new SQLite connection parses the whole schema on its first
// statement, so connections stay open between uses: as many as the job
// workers and requests use at once, until idle for sqliteIdleTime.
const (
	sqliteIdleConns = 128
	sqliteIdleTime  = time.Minute
)

// Open opens databaseURL: "postgres://…" or "postgresql://…" for
// PostgreSQL, anything else as a SQLite file path (optionally prefixed
// "sqlite:", "sqlite://" or "file:"). It does not migrate; call Migrate.
func Open(ctx context.Context, databaseURL string, opts Options) (*DB, error) {
	clock := opts.Clock
	if clock == nil {
		clock = vestiging.Now
	}
	var (
		db  *DB
		err error
	)
	if strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://") {
		db, err = openPostgres(ctx, databaseURL, clock)
	} else {
		db, err = openSQLite(ctx, databaseURL, clock, opts.Lock)
	}
	if err != nil {
		return nil, err
	}
	if opts.JobsOnClock {
		db.jobTime = clockTime{clock}
	}
	if err := db.initJobs(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openPostgres(ctx context.Context, databaseURL string, clock vestiging.Clock) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, &vestiging.Error{Code: vestiging.EINVALID, Message: "Invalid PostgreSQL URL.", Err: err}
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if !strings.Contains(databaseURL, "pool_max_conns") {
		cfg.MaxConns = 20 // pgxpool's default (4 on small machines) starves a busy web server
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, &vestiging.Error{Code: vestiging.EINVALID, Message: "Invalid PostgreSQL configuration.", Err: err}
	}
	pctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, &vestiging.Error{Code: vestiging.EUNAVAILABLE,
			Message: fmt.Sprintf("cannot reach PostgreSQL at %s:%d (database %q)", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database),
			Err:     oneLine(err)}
	}
	return &DB{db: stdlib.OpenDBFromPool(pool), pool: pool, dialect: postgresDialect, clock: clock}, nil
}

func openSQLite(ctx context.Context, databaseURL string, clock vestiging.Clock, lock bool) (*DB, error) {
	path := sqlitePath(databaseURL)
	if path == "" {
		return nil, vestiging.Errorf(vestiging.EINVALID, "no database path given")
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, &vestiging.Error{Code: vestiging.EUNAVAILABLE,
			Message: fmt.Sprintf("cannot create database directory %s", dir), Err: oneLine(err)}
	}
	db := &DB{dialect: sqliteDialect, clock: clock}
	if lock {
		f, err := lockFile(path)
		if err != nil {
			return nil, err
		}
		db.lock = f
	}
	var sqldb *sql.DB
	connector, err := msqlite.NewConnector(sqliteDSN(path))
	if err == nil {
		sqldb = sql.OpenDB(stmtCacheConnector{connector})
		// Opening the connection applies the pragmas, so a read-only or
		// unusable file fails here rather than on the first request.
		err = sqldb.PingContext(ctx)
	}
	if err != nil {
		if sqldb != nil {
			sqldb.Close()
		}
		db.unlock()
		return nil, &vestiging.Error{Code: vestiging.EUNAVAILABLE,
			Message: fmt.Sprintf("cannot open database %s", path), Err: oneLine(err)}
	}
	// database/sql keeps two by default and closes the rest after each
	// use, so a fan-out opened (and parsed the schema) thousands of times;
	// a connection's prepared statements go with it too.
	sqldb.SetMaxIdleConns(sqliteIdleConns)
	sqldb.SetConnMaxIdleTime(sqliteIdleTime)
	db.db = sqldb
	return db, nil
}

// lockFile takes an exclusive, non-blocking flock on "<path>.lock". The
// kernel drops it when the process dies, so a crash never leaves it stale.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, &vestiging.Error{Code: vestiging.EUNAVAILABLE,
			Message: fmt.Sprintf("cannot create lock file %s.lock", path), Err: err}
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, vestiging.Errorf(vestiging.ECONFLICT, "database %s is in use by another vestiging process", path)
		}
		return nil, &vestiging.Error{Code: vestiging.EUNAVAILABLE,
			Message: fmt.Sprintf("cannot lock database %s", path), Err: err}
	}
	return f, nil
}

func (db *DB) unlock() error {
	if db.lock == nil {
		return nil
	}
	err := db.lock.Close() // closing the descriptor releases the flock
	db.lock = nil
	return err
}

// Close closes the database and releases the lock. Jobs still being worked
// are cancelled first; River retries them later.
func (db *DB) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no grace: StopJobs is the graceful way
	err := db.StopJobs(ctx)
	err = errors.Join(err, db.db.Close())
	if db.pool != nil {
		db.pool.Close() // the sql.DB from OpenDBFromPool does not own the pool
	}
	return errors.Join(err, db.unlock())
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping: %w", db.mapError(err))
	}
	return nil
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return string(db.dialect) }

// SQL returns the underlying database, for work that must share it, such as
// River's riversqlite driver.
func (db *DB) SQL() *sql.DB { return db.db }

// Pool returns the pgx pool on PostgreSQL (for riverpgxv5) and nil on SQLite.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// now returns the clock's time at the precision both backends keep.
func (db *DB) now() time.Time { return db.clock().UTC().Truncate(time.Microsecond) }

// scanner is what *sql.Row and *sql.Rows share.
type scanner interface{ Scan(dest ...any) error }

// querier is what *sql.DB and *sql.Tx share, so reads run inside or outside
// a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ids reads a query's one column of ids.
func (db *DB) ids(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, db.mapError(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, db.mapError(err)
		}
		out = append(out, id)
	}
	return out, db.mapError(rows.Err())
}

// inTx runs fn in one transaction, committing when it returns nil. fn's
// errors are returned as they are; fn maps its own driver errors.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	defer db.lockWrites()()
	return db.inTxLocked(ctx, fn)
}

// inTxLocked is inTx for a caller holding lockWrites.
func (db *DB) inTxLocked(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", db.mapError(err))
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", db.mapError(err))
	}
	return nil
}

// lockWrites queues this process's writes (the store's transactions and
// its busiest single statements) on SQLite, which admits one writer at a
// time anyway: a mutex hands over at once, where SQLite's busy handler
// sleeps up to 100 ms between tries, so many writers at once would wait far
// longer than the writes take. It returns the unlock.
func (db *DB) lockWrites() func() {
	if db.dialect != sqliteDialect {
		return func() {}
	}
	q := &db.writes
	q.line.Lock()
	q.turn.Lock()
	q.mu.Lock()
	q.turn.Unlock()
	return func() {
		q.mu.Unlock()
		q.line.Unlock()
	}
}

// lockWritesFirst is lockWrites for a write that a request waits on: it
// goes ahead of the writes in line (the job workers', mostly), after at
// most the one being made and the one next in line.
func (db *DB) lockWritesFirst() func() {
	if db.dialect != sqliteDialect {
		return func() {}
	}
	q := &db.writes
	q.turn.Lock()
	q.mu.Lock()
	q.turn.Unlock()
	return q.mu.Unlock
}

// writeQueue is SQLite's one writer at a time in this process. Writers
// wait in line, and only the first in line contends with writes that go
// first for the next turn.
type writeQueue struct {
	mu   sync.Mutex // held while writing
	turn sync.Mutex // taken to wait for mu: by writes going first, and by the first in line
	line sync.Mutex // the other writers, in line
}

// mapError turns a driver error into a *vestiging.Error; nil stays nil.
func (db *DB) mapError(err error) error { return db.dialect.mapError(err) }

// refine gives an error of the given code a specific message and fields;
// errors with other codes pass through unchanged.
func refine(err error, code, msg string, fields map[string]string) error {
	var e *vestiging.Error
	if !errors.As(err, &e) || e.Code != code {
		return err
	}
	return &vestiging.Error{Code: code, Message: msg, Fields: fields, Err: e.Err}
}

// notFound gives an ENOTFOUND error a specific message.
func notFound(err error, msg string) error { return refine(err, vestiging.ENOTFOUND, msg, nil) }

// oneLine keeps multi-line driver errors (pgx lists every address it
// tried) on one line for logs and the CLI, keeping the chain for errors.Is.
func oneLine(err error) error { return flatError{err} }

type flatError struct{ err error }

func (e flatError) Error() string { return strings.Join(strings.Fields(e.err.Error()), " ") }
func (e flatError) Unwrap() error { return e.err }

// nullInt binds an optional id as NULL when absent.
func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func intPtr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

// nullString binds "" as NULL, for optional references and unique keys.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// placeholders returns "$from, $from+1, …" for n arguments.
func placeholders(from, n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = "$" + strconv.Itoa(from+i)
	}
	return strings.Join(p, ", ")
}

// where collects AND-ed conditions with their arguments, numbering the "?"
// in each condition as $N in order.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		cond = strings.Replace(cond, "?", w.arg(a), 1)
	}
	w.conds = append(w.conds, cond)
}

// arg appends one argument and returns its placeholder.
func (w *where) arg(a any) string {
	w.args = append(w.args, a)
	return "$" + strconv.Itoa(len(w.args))
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}
