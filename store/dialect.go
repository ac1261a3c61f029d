package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/migrations"
)

// dialect is everything that differs between SQLite and PostgreSQL.
type dialect string

const (
	sqliteDialect   dialect = "sqlite"
	postgresDialect dialect = "postgres"
)

// sqlitePath strips the prefixes Open accepts for SQLite and any query.
func sqlitePath(databaseURL string) string {
	p := databaseURL
	for _, prefix := range []string{"sqlite://", "sqlite:", "file://", "file:"} {
		if strings.HasPrefix(p, prefix) {
			p = strings.TrimPrefix(p, prefix)
			break
		}
	}
	p, _, _ = strings.Cut(p, "?")
	return p
}

// sqliteDSN sets what SQLite needs to be a safe server database: WAL so
// readers do not block the writer, foreign keys, a busy timeout instead of
// immediate SQLITE_BUSY, synchronous=FULL so an acknowledged write survives
// power loss, and BEGIN IMMEDIATE so a transaction never fails when it
// upgrades from reading to writing.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// migrations returns the embedded migrations of the dialect.
func (d dialect) migrations() fs.FS {
	if d == postgresDialect {
		return migrations.Postgres
	}
	return migrations.SQLite
}

// schemaMigrationsDDL creates the table recording applied versions.
func (d dialect) schemaMigrationsDDL() string {
	timeType := "TEXT"
	if d == postgresDialect {
		timeType = "TIMESTAMPTZ"
	}
	return `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at ` + timeType + ` NOT NULL
)`
}

// lockMigrations serialises Migrate between processes sharing a PostgreSQL
// database; SQLite's write lock already does so. The lock ends with conn.
func (d dialect) lockMigrations(ctx context.Context, conn *sql.Conn) error {
	if d != postgresDialect {
		return nil
	}
	_, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7420001)")
	return err
}

func (d dialect) unlockMigrations(ctx context.Context, conn *sql.Conn) error {
	if d != postgresDialect {
		return nil
	}
	_, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock(7420001)")
	return err
}

// forUpdate locks the rows a SELECT reads in a transaction on PostgreSQL;
// SQLite transactions here take the database's write lock at BEGIN.
func (d dialect) forUpdate() string {
	if d == postgresDialect {
		return " FOR UPDATE"
	}
	return ""
}

// lockKey serialises transactions on PostgreSQL that touch the same key
// (a remote IRI), until tx ends, so a Create racing its Delete or a second
// Create cannot interleave; SQLite transactions here are serial already.
func (d dialect) lockKey(ctx context.Context, tx *sql.Tx, key string) error {
	if d != postgresDialect {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 7420002))", key)
	return err
}

// boolTrue is the literal true: SQLite stores booleans as 0 and 1.
func (d dialect) boolTrue() string {
	if d == postgresDialect {
		return "true"
	}
	return "1"
}

// sqliteTimeFormat is fixed-width UTC with microseconds, so SQLite's text
// comparison orders times correctly and PostgreSQL keeps the same precision.
const sqliteTimeFormat = "2006-01-02T15:04:05.000000Z"

// timeArg converts t for binding: TIMESTAMPTZ for PostgreSQL, sortable text
// for SQLite, both UTC and truncated to the microsecond.
func (d dialect) timeArg(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d == postgresDialect {
		return t
	}
	return t.Format(sqliteTimeFormat)
}

// nullTimeArg is timeArg with the zero time as NULL, for optional times.
func (d dialect) nullTimeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.timeArg(t)
}

// timeScanner reads a time column from either driver into UTC; NULL reads
// as the zero time where the column is optional.
type timeScanner struct {
	t        *time.Time
	nullable bool
}

func scanTime(t *time.Time) sql.Scanner { return timeScanner{t: t} }

func scanNullTime(t *time.Time) sql.Scanner { return timeScanner{t: t, nullable: true} }

func (s timeScanner) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		if s.nullable {
			*s.t = time.Time{}
			return nil
		}
	case time.Time:
		*s.t = v.UTC()
		return nil
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	}
	return fmt.Errorf("cannot read %T as a time", src)
}

func (s timeScanner) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("stored time %q: %w", v, err)
	}
	*s.t = t.UTC()
	return nil
}

// mapError turns driver errors into domain errors; unknown errors are
// wrapped as they are, never dropped.
func (d dialect) mapError(err error) error {
	var e *vestiging.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return &vestiging.Error{Code: vestiging.ENOTFOUND, Message: "Not found.", Err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone):
		return unavailable(err)
	}
	if d == postgresDialect {
		return mapPostgresError(err)
	}
	return mapSQLiteError(err)
}

func unavailable(err error) error {
	return &vestiging.Error{Code: vestiging.EUNAVAILABLE, Message: "The database is not available; try again shortly.", Err: err}
}

func conflict(err error) error {
	return &vestiging.Error{Code: vestiging.ECONFLICT, Message: "This already exists.", Err: err}
}

func missingReference(err error) error {
	return &vestiging.Error{Code: vestiging.EINVALID, Message: "A linked branch, theme, series or person does not exist.", Err: err}
}

func mapSQLiteError(err error) error {
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return conflict(err)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return missingReference(err)
	}
	switch se.Code() & 0xff { // primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR:
		return unavailable(err)
	}
	return err
}

func mapPostgresError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505": // unique_violation
			return conflict(err)
		case pe.Code == "23503": // foreign_key_violation
			return missingReference(err)
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"),                           // insufficient resources
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03": // shutting down, starting up
			return unavailable(err)
		}
		return err
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) {
		return unavailable(err)
	}
	return err
}
