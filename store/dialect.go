package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
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

// fullText is how FindEvents searches events: a join, a condition and a
// rank to order by, best match first (migrations NNNN_search).
type fullText struct {
	join, match, rank string
}

// planEach goes before a query's arguments to have PostgreSQL plan it with
// its values (unnamed statement) instead of a cached generic plan.
func (d dialect) planEach() []any {
	if d == postgresDialect {
		return []any{pgx.QueryExecModeCacheDescribe}
	}
	return nil
}

// fullText returns the search for the text query in the placeholder param
// (see textQuery). Both keep an events_fts table, one row per event.
func (d dialect) fullText(param string) fullText {
	if d == postgresDialect {
		// Run with planEach: a cached generic plan knows neither how many
		// events match nor the parsed query, so it parses the query again
		// for every event it reads, and reads them all.
		q := "to_tsquery('dutch', " + param + ")"
		return fullText{join: " JOIN events_fts ON events_fts.event_id = e.id", match: "events_fts.document @@ " + q,
			rank: "ts_rank(events_fts.document, " + q + ") DESC"}
	}
	// bm25 is lower for better matches; the weights follow the columns
	// title, description, place, library, as PostgreSQL's A, C, B, B.
	return fullText{join: " JOIN events_fts ON events_fts.rowid = e.id", match: "events_fts MATCH " + param,
		rank: "bm25(events_fts, 10.0, 2.0, 4.0, 4.0)"}
}

// textQuery turns vestiging.SearchTerms (letters, digits and marks only,
// so nothing in them is syntax) into the dialect's query: every term
// required, each as a prefix.
func (d dialect) textQuery(terms []string) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		if d == postgresDialect {
			q[i] = "'" + t + "':*"
		} else {
			q[i] = `"` + t + `"*`
		}
	}
	if d == postgresDialect {
		return strings.Join(q, " & ")
	}
	return strings.Join(q, " ")
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
		// River on SQLite writes its times in SQLite's own format.
		t, err = time.Parse("2006-01-02 15:04:05.999999999", v)
	}
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

// tableReferencesSQL lists the schema's tables, each with a table it
// references by foreign key: one row per reference, "" for none.
func (d dialect) tableReferencesSQL() string {
	if d == postgresDialect {
		return `SELECT c.relname, COALESCE(r.relname, '')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'f'
LEFT JOIN pg_class r ON r.oid = k.confrelid
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`
	}
	return `SELECT m.name, COALESCE(f."table", '')
FROM sqlite_master m LEFT JOIN pragma_foreign_key_list(m.name) f
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
}

// columnTypesSQL lists the columns of table $1 with their types, lower-case.
func (d dialect) columnTypesSQL() string {
	if d == postgresDialect {
		return `SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = $1`
	}
	return `SELECT name, lower(type) FROM pragma_table_info($1)`
}

// jsonText reads a JSON column as text: River on SQLite keeps JSONB blobs.
func (d dialect) jsonText(column string) string {
	if d == postgresDialect {
		return column + "::text"
	}
	return "json(" + column + ")"
}

// beginSnapshot starts a read-only transaction on conn that sees one
// moment of the database throughout. SQLite's deferred BEGIN takes no
// write lock, so the server keeps writing meanwhile (WAL); the DSN's
// _txlock=immediate would block it for the whole read.
func (d dialect) beginSnapshot(ctx context.Context, conn *sql.Conn) error {
	begin := "BEGIN DEFERRED"
	if d == postgresDialect {
		begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
	}
	_, err := conn.ExecContext(ctx, begin)
	return err
}

// resetSequences moves PostgreSQL's id sequences past the copied ids;
// SQLite's AUTOINCREMENT follows explicit ids by itself.
func (d dialect) resetSequences(ctx context.Context, tx *sql.Tx) error {
	if d != postgresDialect {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval%')`)
	if err != nil {
		return err
	}
	var cols [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			rows.Close()
			return err
		}
		cols = append(cols, c)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, c := range cols {
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(%[1]s), 1), MAX(%[1]s) IS NOT NULL) FROM %[2]s`,
			quoteIdent(c[1]), quoteIdent(c[0]))
		if _, err := tx.ExecContext(ctx, q, c[0], c[1]); err != nil {
			return fmt.Errorf("reset sequence of %s.%s: %w", c[0], c[1], err)
		}
	}
	return nil
}

// quoteIdent quotes a table or column name the same way for both databases.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// columnValue converts a copied value (nil, bool, int64, float64,
// json.Number or string, times as SQLite stores them) for a column of the
// given type, as columnTypesSQL names it.
func (d dialect) columnValue(v any, typ string) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case json.Number:
		switch {
		case typ == "boolean":
			return v != "0", nil
		case strings.Contains(typ, "int"):
			return v.Int64()
		case strings.Contains(typ, "real"), strings.Contains(typ, "double"), strings.Contains(typ, "numeric"):
			return v.Float64()
		}
		if n, err := v.Int64(); err == nil {
			return n, nil
		}
		return v.Float64()
	case int64:
		if typ == "boolean" {
			return v != 0, nil
		}
		return v, nil
	case bool:
		if typ == "boolean" {
			return v, nil
		}
		if v {
			return int64(1), nil
		}
		return int64(0), nil
	case string:
		if strings.HasPrefix(typ, "timestamp") {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return nil, fmt.Errorf("time %q: %w", v, err)
			}
			return d.timeArg(t), nil
		}
		return v, nil
	case float64:
		return v, nil
	}
	return nil, fmt.Errorf("cannot copy a %T", v)
}
