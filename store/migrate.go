package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/vestiging/vestiging"
)

type migration struct {
	version int
	name    string
	sql     string
}

// readMigrations lists NNNN_name.sql files in version order.
func readMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range names {
		num, _, ok := strings.Cut(name, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil || version <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", name, err)
		}
		out = append(out, migration{version: version, name: strings.TrimSuffix(path.Base(name), ".sql"), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	if len(out) == 0 {
		return nil, fmt.Errorf("no migrations embedded")
	}
	return out, nil
}

// Migrate applies the embedded migrations the database lacks, in order,
// each in its own transaction. It refuses a database whose schema is newer
// than this build knows, rather than running old code against it.
func (db *DB) Migrate(ctx context.Context) error { return db.migrateUpTo(ctx, 0) }

// migrateUpTo is Migrate stopping after version upTo; 0 is the newest.
// A restore builds the schema its backup was made with first.
func (db *DB) migrateUpTo(ctx context.Context, upTo int) error {
	list, err := readMigrations(db.dialect.migrations())
	if err != nil {
		return err
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", db.mapError(err))
	}
	defer conn.Close()
	if err := db.dialect.lockMigrations(ctx, conn); err != nil {
		return fmt.Errorf("migrate: lock: %w", db.mapError(err))
	}
	defer db.dialect.unlockMigrations(context.WithoutCancel(ctx), conn)

	if _, err := conn.ExecContext(ctx, db.dialect.schemaMigrationsDDL()); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", db.mapError(err))
	}
	var current int
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current); err != nil {
		return fmt.Errorf("migrate: read version: %w", db.mapError(err))
	}
	if latest := list[len(list)-1].version; current > latest {
		return vestiging.Errorf(vestiging.ECONFLICT, "database schema %d is newer than this vestiging (%d); upgrade vestiging", current, latest)
	}
	for _, m := range list {
		if m.version <= current || (upTo > 0 && m.version > upTo) {
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, db.mapError(err))
		}
		_, err = tx.ExecContext(ctx, m.sql)
		if step := migrationSteps[m.version]; err == nil && step != nil {
			err = step(ctx, tx)
		}
		if err == nil {
			_, err = tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				m.version, m.name, db.dialect.timeArg(db.now()))
		}
		if err == nil {
			err = tx.Commit()
		} else {
			tx.Rollback()
		}
		if err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, db.mapError(err))
		}
	}
	// River's tables come after ours, still under the lock, so two
	// processes starting together do not race over them.
	return db.migrateJobs(ctx)
}

// migrationSteps do in Go, after the SQL of their version and in its
// transaction, what SQL cannot.
var migrationSteps = map[int]func(ctx context.Context, tx *sql.Tx) error{
	16: writeMarkdownSources,
	17: hashFeedTokens,
}

// readTexts reads a query's (id, text) rows, all of them first: a
// transaction's connection runs one statement at a time.
func readTexts(ctx context.Context, tx *sql.Tx, query string) (map[int64]string, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	texts := map[int64]string{}
	for rows.Next() {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			return nil, err
		}
		texts[id] = text
	}
	return texts, rows.Err()
}

// hashFeedTokens replaces each personal feed token with its hash
// (vestiging.HashToken), which SQLite cannot compute in SQL; the addresses
// people subscribed to keep working.
func hashFeedTokens(ctx context.Context, tx *sql.Tx) error {
	tokens, err := readTexts(ctx, tx, `SELECT id, feed_token_hash FROM people WHERE feed_token_hash IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("hash feed tokens: %w", err)
	}
	for id, token := range tokens {
		if _, err := tx.ExecContext(ctx, `UPDATE people SET feed_token_hash = $1 WHERE id = $2`, vestiging.HashToken(token), id); err != nil {
			return fmt.Errorf("hash feed token of person %d: %w", id, err)
		}
	}
	return nil
}

// writeMarkdownSources gives the text written here before Markdown its
// source, converted from its HTML (vestiging.MarkdownFromHTML), so the
// forms show it as text to edit; the HTML shown stays as it was. Remote
// events, offers and replies keep no source.
func writeMarkdownSources(ctx context.Context, tx *sql.Tx) error {
	for _, t := range []struct{ table, html, source, local string }{
		{"events", "description", "description_source", "iri IS NULL"},
		{"offers", "description", "description_source", "iri IS NULL"},
		{"replies", "content", "content_source", "person_id IS NOT NULL"},
		{"library", "description", "description_source", "1 = 1"},
	} {
		texts, err := readTexts(ctx, tx, `SELECT id, `+t.html+` FROM `+t.table+` WHERE `+t.local+` AND `+t.html+` <> ''`)
		if err != nil {
			return fmt.Errorf("markdown sources of %s: %w", t.table, err)
		}
		for id, h := range texts {
			_, err := tx.ExecContext(ctx, `UPDATE `+t.table+` SET `+t.source+` = $1 WHERE id = $2`, vestiging.MarkdownFromHTML(h), id)
			if err != nil {
				return fmt.Errorf("markdown source of %s %d: %w", t.table, id, err)
			}
		}
	}
	return nil
}

// SchemaVersion returns the newest applied migration, 0 for an empty database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	if _, err := db.db.ExecContext(ctx, db.dialect.schemaMigrationsDDL()); err != nil {
		return 0, fmt.Errorf("schema version: %w", db.mapError(err))
	}
	var v int
	if err := db.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", db.mapError(err))
	}
	return v, nil
}
