package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// TestFailedMigrationRollsBack: a migration that fails halfway leaves the
// schema as it was, so the next start runs it again from its beginning.
// The first migration fails here at its events table, which is in the way,
// after it created the library's tables.
func TestFailedMigrationRollsBack(t *testing.T) {
	urls := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "vestiging.db") },
		"postgres": func(t *testing.T) string {
			server := os.Getenv(storetest.EnvPostgres)
			if server == "" {
				t.Skip(storetest.EnvPostgres + " is not set; skipping PostgreSQL")
			}
			return storetest.CreatePostgresDatabase(t, server)
		},
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, urls[backend](t), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.SQL().ExecContext(ctx, `CREATE TABLE events (in_the_way INTEGER)`); err != nil {
				t.Fatal(err)
			}
			err = db.Migrate(ctx)
			if err == nil || !strings.Contains(err.Error(), "migrate 0001_init") {
				t.Fatalf("migrate: %v; want 0001_init to fail", err)
			}
			if v, err := db.SchemaVersion(ctx); err != nil || v != 0 {
				t.Errorf("schema version %d, %v; want 0", v, err)
			}
			var n int
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM library`).Scan(&n); err == nil {
				t.Error("the library table, created before the failure, is still there")
			}
			if _, err := db.SQL().ExecContext(ctx, `DROP TABLE events`); err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate once the way is clear: %v", err)
			}
			if v, err := db.SchemaVersion(ctx); err != nil || v == 0 {
				t.Errorf("schema version %d, %v; want the newest", v, err)
			}
		})
	}
}
