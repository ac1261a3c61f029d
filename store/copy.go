package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
)

// Backup, restore and migrate-to share one copy: Export reads every table
// of a database in one snapshot, in foreign-key order, and hands the rows
// to a CopySink; an Importer is the sink that writes them into an empty
// database in one transaction. Values travel in one portable form (nil,
// bool, int64, float64, string; times as SQLite stores them) and are
// converted to what the target's column type wants, so a copy works
// between SQLite and PostgreSQL in either direction. Tables are found in
// the schema, not listed here, so new tables are copied without change.
//
// River's queue is not copied as tables (its schema differs per database
// and per River version): the jobs still to be worked are exported as
// CopyJob and queued again through River on the target. Finished jobs,
// attempt counts and errors are left behind.

// CopyFormat names the format of a backup's header.
const CopyFormat = "vestiging-backup-1"

// CopyHeader comes first in a copy: what made it and whose data it is.
type CopyHeader struct {
	Format    string    `json:"format"`
	Schema    int       `json:"schema"`   // the source's newest migration
	Dialect   string    `json:"dialect"`  // the source database
	BaseURL   string    `json:"base_url"` // the instance's address: its keys and ids belong to it
	Version   string    `json:"vestiging"`
	CreatedAt time.Time `json:"created_at"`
}

// CopyJob is a queued job: available, scheduled, retryable or running
// (a running job is worked again on the target; deliveries are idempotent).
type CopyJob struct {
	Kind        string          `json:"kind"`
	Args        json.RawMessage `json:"args"`
	Queue       string          `json:"queue"`
	Priority    int             `json:"priority"`
	MaxAttempts int             `json:"max_attempts"`
	ScheduledAt time.Time       `json:"scheduled_at"`
}

// CopySink receives a database: the header, then each table followed by
// its rows, then the queued jobs.
type CopySink interface {
	Header(h CopyHeader) error
	Table(name string, columns []string) error
	Row(values []any) error
	Job(j CopyJob) error
}

// notCopied are the tables a copy leaves alone: the target's migrations
// make its own schema_migrations, River's queue is copied as jobs, the
// target's triggers fill its own search index (events_fts and, on SQLite,
// the tables behind it), and rate counts (visitors' addresses, minutes
// old) have no use elsewhere and no place in a backup.
func notCopied(table string) bool {
	return table == "schema_migrations" || table == "rate_counts" || strings.HasPrefix(table, "river_") || strings.HasPrefix(table, "events_fts")
}

// copyTables returns the tables to copy, each after the tables it
// references, so rows can be inserted with foreign keys checked.
func copyTables(ctx context.Context, d dialect, q querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, d.tableReferencesSQL())
	if err != nil {
		return nil, d.mapError(err)
	}
	refs := map[string][]string{}
	for rows.Next() {
		var table, ref string
		if err := rows.Scan(&table, &ref); err != nil {
			rows.Close()
			return nil, d.mapError(err)
		}
		if notCopied(table) {
			continue
		}
		if ref != "" && ref != table {
			refs[table] = append(refs[table], ref)
		} else if _, ok := refs[table]; !ok {
			refs[table] = nil
		}
	}
	if err := rows.Close(); err != nil {
		return nil, d.mapError(err)
	}
	names := make([]string, 0, len(refs))
	for t := range refs {
		names = append(names, t)
	}
	sort.Strings(names) // the same order every time
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string) error
	visit = func(t string) error {
		switch state[t] {
		case 1:
			return fmt.Errorf("tables reference each other in a cycle through %s", t)
		case 2:
			return nil
		}
		state[t] = 1
		for _, r := range refs[t] {
			if _, ok := refs[r]; ok {
				if err := visit(r); err != nil {
					return err
				}
			}
		}
		state[t] = 2
		order = append(order, t)
		return nil
	}
	for _, t := range names {
		if err := visit(t); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// LatestSchema is the newest migration this build knows.
func (db *DB) LatestSchema() (int, error) {
	list, err := readMigrations(db.dialect.migrations())
	if err != nil {
		return 0, err
	}
	return list[len(list)-1].version, nil
}

// Export reads the whole database in one snapshot into sink; baseURL is
// the instance's address, recorded in the header. The server may keep
// running: SQLite readers do not block its writer, nor PostgreSQL's.
func (db *DB) Export(ctx context.Context, baseURL string, sink CopySink) error {
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("export: %w", db.mapError(err))
	}
	defer conn.Close()
	if err := db.dialect.beginSnapshot(ctx, conn); err != nil {
		return fmt.Errorf("export: begin: %w", db.mapError(err))
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")

	h := CopyHeader{Format: CopyFormat, Dialect: db.Dialect(), BaseURL: baseURL, Version: vestiging.Version, CreatedAt: db.now()}
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&h.Schema); err != nil {
		return fmt.Errorf("export: schema version: %w", db.mapError(err))
	}
	if err := sink.Header(h); err != nil {
		return err
	}
	tables, err := copyTables(ctx, db.dialect, conn)
	if err != nil {
		return fmt.Errorf("export: list tables: %w", err)
	}
	for _, t := range tables {
		if err := db.exportTable(ctx, conn, t, sink); err != nil {
			return fmt.Errorf("export %s: %w", t, err)
		}
	}
	if err := db.exportJobs(ctx, conn, sink); err != nil {
		return fmt.Errorf("export jobs: %w", err)
	}
	return nil
}

func (db *DB) exportTable(ctx context.Context, conn *sql.Conn, table string, sink CopySink) error {
	// In key order, so a table referring to itself gets parents first.
	rows, err := conn.QueryContext(ctx, "SELECT * FROM "+quoteIdent(table)+" ORDER BY 1")
	if err != nil {
		return db.mapError(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return db.mapError(err)
	}
	if err := sink.Table(table, cols); err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return db.mapError(err)
		}
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = portable(v)
		}
		if err := sink.Row(out); err != nil {
			return err
		}
	}
	return db.mapError(rows.Err())
}

// portable turns a value as either driver reads it into the copy's form.
func portable(v any) any {
	switch v := v.(type) {
	case time.Time:
		return v.UTC().Format(sqliteTimeFormat)
	case []byte:
		return string(v)
	case int:
		return int64(v)
	case int32:
		return int64(v)
	case float32:
		return float64(v)
	}
	return v
}

func (db *DB) exportJobs(ctx context.Context, conn *sql.Conn, sink CopySink) error {
	rows, err := conn.QueryContext(ctx, `SELECT kind, `+db.dialect.jsonText("args")+`, queue, priority, max_attempts, scheduled_at
FROM river_job WHERE state IN ('available', 'scheduled', 'retryable', 'running', 'pending') ORDER BY id`)
	if err != nil {
		return db.mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var j CopyJob
		var args string
		if err := rows.Scan(&j.Kind, &args, &j.Queue, &j.Priority, &j.MaxAttempts, scanTime(&j.ScheduledAt)); err != nil {
			return db.mapError(err)
		}
		j.Args = json.RawMessage(args)
		if err := sink.Job(j); err != nil {
			return err
		}
	}
	return db.mapError(rows.Err())
}

// ImportOptions guard an import.
type ImportOptions struct {
	// BaseURL is the target instance's address. A copy made under another
	// address is refused unless Force: the library's actor, its key and
	// every object id are named by the address, so other servers would not
	// recognise the data under a new one.
	BaseURL string
	Force   bool
}

// Importer writes a copy into an empty database in one transaction: it is
// the CopySink of an Export (migrate-to) or of a backup being read
// (restore). Nothing is visible until Commit; Rollback undoes it all.
type Importer struct {
	db    *DB
	ctx   context.Context
	opts  ImportOptions
	tx    *sql.Tx
	known map[string]bool

	table string
	types []string // the target's column types of table, lower-case
	stmt  *sql.Stmt
	jobs  []river.InsertManyParams
	rows  int64
}

// Import returns an Importer for db, which must be empty: no people,
// branches, events, offers or remote actors.
func (db *DB) Import(ctx context.Context, opts ImportOptions) *Importer {
	return &Importer{db: db, ctx: ctx, opts: opts}
}

// emptyTables must have no rows for a database to count as empty. The
// others (the library's settings, themes, a key made at the first start)
// hold what a fresh instance makes by itself, and the copy replaces them.
var emptyTables = []string{"people", "branches", "events", "offers", "actors"}

// Header checks the copy against the target and starts the transaction.
// The target's schema is built up to the copy's version first, so an
// older copy restores into the schema it was made with and is migrated
// forward on Commit.
func (im *Importer) Header(h CopyHeader) error {
	db, ctx := im.db, im.ctx
	latest, err := db.LatestSchema()
	if err != nil {
		return err
	}
	switch {
	case h.Format != CopyFormat:
		return vestiging.Errorf(vestiging.EINVALID, "not a vestiging backup (format %q)", h.Format)
	case h.Schema > latest:
		return vestiging.Errorf(vestiging.ECONFLICT, "the backup is from a newer vestiging (%s, schema %d; this one knows schema %d): upgrade vestiging first", h.Version, h.Schema, latest)
	case h.Schema < 1:
		return vestiging.Errorf(vestiging.EINVALID, "the backup has no schema version")
	case im.opts.BaseURL != "" && h.BaseURL != im.opts.BaseURL && !im.opts.Force:
		return vestiging.Errorf(vestiging.ECONFLICT, "the backup is of the instance at %s, not %s: its actor, key and ids are named by that address; restore it with --base-url %s, or use --force to move it to %s anyway", h.BaseURL, im.opts.BaseURL, h.BaseURL, im.opts.BaseURL)
	}
	current, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if current > 0 {
		var found []string
		for _, t := range emptyTables {
			var n int64
			if err := db.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t).Scan(&n); err != nil {
				return fmt.Errorf("count %s: %w", t, db.mapError(err))
			}
			if n > 0 {
				found = append(found, fmt.Sprintf("%d %s", n, t))
			}
		}
		if len(found) > 0 {
			return vestiging.Errorf(vestiging.ECONFLICT, "the target database is not empty (%s): restore into a new, empty database", strings.Join(found, ", "))
		}
		if current > h.Schema {
			return vestiging.Errorf(vestiging.ECONFLICT, "the target database has schema %d, newer than the backup's %d: restore into a new, empty database", current, h.Schema)
		}
	}
	if err := db.migrateUpTo(ctx, h.Schema); err != nil {
		return err
	}
	tables, err := copyTables(ctx, db.dialect, db.db)
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	im.known = map[string]bool{}
	for _, t := range tables {
		im.known[t] = true
	}
	if im.tx, err = db.db.BeginTx(ctx, nil); err != nil {
		return fmt.Errorf("begin: %w", db.mapError(err))
	}
	// What the migrations and a first start put in makes way for the copy.
	for i := len(tables) - 1; i >= 0; i-- {
		if _, err := im.tx.ExecContext(ctx, "DELETE FROM "+quoteIdent(tables[i])); err != nil {
			return fmt.Errorf("clear %s: %w", tables[i], db.mapError(err))
		}
	}
	return nil
}

// Table prepares the insert of table's rows.
func (im *Importer) Table(name string, columns []string) error {
	if im.tx == nil {
		return vestiging.Errorf(vestiging.EINVALID, "table %s before the header", name)
	}
	if !im.known[name] {
		return vestiging.Errorf(vestiging.EINVALID, "the target database has no table %s", name)
	}
	if im.stmt != nil {
		im.stmt.Close()
	}
	types, err := im.columnTypes(name)
	if err != nil {
		return err
	}
	im.table, im.types = name, make([]string, len(columns))
	quoted := make([]string, len(columns))
	for i, c := range columns {
		typ, ok := types[c]
		if !ok {
			return vestiging.Errorf(vestiging.EINVALID, "the target table %s has no column %s", name, c)
		}
		im.types[i], quoted[i] = typ, quoteIdent(c)
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", quoteIdent(name), strings.Join(quoted, ", "), placeholders(1, len(columns)))
	if im.stmt, err = im.tx.PrepareContext(im.ctx, q); err != nil {
		return fmt.Errorf("prepare insert into %s: %w", name, im.db.mapError(err))
	}
	return nil
}

func (im *Importer) columnTypes(table string) (map[string]string, error) {
	rows, err := im.tx.QueryContext(im.ctx, im.db.dialect.columnTypesSQL(), table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, im.db.mapError(err))
	}
	defer rows.Close()
	types := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, im.db.mapError(err)
		}
		types[name] = strings.ToLower(typ)
	}
	return types, im.db.mapError(rows.Err())
}

// Row inserts one row of the current table.
func (im *Importer) Row(values []any) error {
	if im.stmt == nil {
		return vestiging.Errorf(vestiging.EINVALID, "a row before its table")
	}
	if len(values) != len(im.types) {
		return vestiging.Errorf(vestiging.EINVALID, "a row of %s has %d values for %d columns", im.table, len(values), len(im.types))
	}
	args := make([]any, len(values))
	for i, v := range values {
		a, err := im.db.dialect.columnValue(v, im.types[i])
		if err != nil {
			return fmt.Errorf("%s: %w", im.table, err)
		}
		args[i] = a
	}
	if _, err := im.stmt.ExecContext(im.ctx, args...); err != nil {
		return fmt.Errorf("insert into %s: %w", im.table, im.db.mapError(err))
	}
	im.rows++
	return nil
}

// Job queues j again on Commit.
func (im *Importer) Job(j CopyJob) error {
	if !json.Valid(j.Args) {
		return vestiging.Errorf(vestiging.EINVALID, "job %s has invalid arguments", j.Kind)
	}
	im.jobs = append(im.jobs, river.InsertManyParams{
		Args: rawJob{kind: j.Kind, args: j.Args},
		InsertOpts: &river.InsertOpts{Queue: j.Queue, Priority: j.Priority, MaxAttempts: j.MaxAttempts,
			ScheduledAt: j.ScheduledAt},
	})
	return nil
}

// rawJob is a job's arguments as stored, queued without decoding them.
type rawJob struct {
	kind string
	args json.RawMessage
}

func (j rawJob) Kind() string                 { return j.kind }
func (j rawJob) MarshalJSON() ([]byte, error) { return j.args, nil }

// Rows is how many table rows were imported so far.
func (im *Importer) Rows() int64 { return im.rows }

// Jobs is how many queued jobs the import carries.
func (im *Importer) Jobs() int { return len(im.jobs) }

// Commit queues the jobs, moves id sequences past the copied ids, commits
// and migrates the database to this build's schema.
func (im *Importer) Commit() error {
	if im.tx == nil {
		return vestiging.Errorf(vestiging.EINVALID, "the copy has no header")
	}
	if im.stmt != nil {
		im.stmt.Close()
		im.stmt = nil
	}
	ctx := im.ctx
	for len(im.jobs) > 0 {
		n := min(len(im.jobs), 1000)
		if _, err := im.db.jobs.InsertManyTx(ctx, im.tx, im.jobs[:n]); err != nil {
			im.Rollback()
			return fmt.Errorf("queue jobs: %w", im.db.mapError(err))
		}
		im.jobs = im.jobs[n:]
	}
	if err := im.db.dialect.resetSequences(ctx, im.tx); err != nil {
		im.Rollback()
		return fmt.Errorf("reset sequences: %w", im.db.mapError(err))
	}
	err := im.tx.Commit()
	im.tx = nil
	if err != nil {
		return fmt.Errorf("commit: %w", im.db.mapError(err))
	}
	return im.db.Migrate(ctx)
}

// Rollback abandons the import; the database keeps only the empty schema.
func (im *Importer) Rollback() {
	if im.stmt != nil {
		im.stmt.Close()
		im.stmt = nil
	}
	if im.tx != nil {
		im.tx.Rollback()
		im.tx = nil
	}
}
