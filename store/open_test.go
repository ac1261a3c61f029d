package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/migrations"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

func TestOpenSQLite(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		url, file string
	}{
		{filepath.Join(dir, "plain.db"), "plain.db"},
		{"sqlite:" + filepath.Join(dir, "a.db"), "a.db"},
		{"sqlite://" + filepath.Join(dir, "b.db"), "b.db"},
		{"file:" + filepath.Join(dir, "c.db") + "?mode=ignored", "c.db"},
		{filepath.Join(dir, "new", "nested", "d.db"), "new/nested/d.db"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			db, err := store.Open(t.Context(), tt.url, store.Options{})
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer db.Close()
			if got, want := db.Dialect(), "sqlite"; got != want {
				t.Errorf("dialect %q, want %q", got, want)
			}
			if err := db.Migrate(t.Context()); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			if _, err := os.Stat(filepath.Join(dir, tt.file)); err != nil {
				t.Errorf("database file: %v", err)
			}
			var mode, fk, sync string
			for q, dst := range map[string]*string{"PRAGMA journal_mode": &mode, "PRAGMA foreign_keys": &fk, "PRAGMA synchronous": &sync} {
				if err := db.SQL().QueryRowContext(t.Context(), q).Scan(dst); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if mode != "wal" || fk != "1" || sync != "2" {
				t.Errorf("journal_mode %s foreign_keys %s synchronous %s, want wal 1 2 (FULL)", mode, fk, sync)
			}
		})
	}
	t.Run("ErrUnavailable", func(t *testing.T) {
		file := filepath.Join(dir, "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := store.Open(t.Context(), filepath.Join(file, "sub", "x.db"), store.Options{})
		if got, want := vestiging.ErrorCode(err), vestiging.EUNAVAILABLE; got != want {
			t.Fatalf("error %v: code %q, want %q", err, got, want)
		}
		if !strings.Contains(err.Error(), "cannot create database directory") || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %q: want one line naming the directory", err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := store.Open(t.Context(), "sqlite:", store.Options{})
		if got, want := vestiging.ErrorCode(err), vestiging.EINVALID; got != want {
			t.Fatalf("error %v: code %q, want %q", err, got, want)
		}
	})
}

func TestOpenPostgres(t *testing.T) {
	t.Run("ErrUnavailable", func(t *testing.T) {
		start := time.Now()
		_, err := store.Open(t.Context(), "postgres://x@127.0.0.1:1/x?sslmode=disable", store.Options{})
		if got, want := vestiging.ErrorCode(err), vestiging.EUNAVAILABLE; got != want {
			t.Fatalf("error %v: code %q, want %q", err, got, want)
		}
		if d := time.Since(start); d > 6*time.Second {
			t.Errorf("took %v to fail, want a few seconds at most", d)
		}
		if msg := err.Error(); !strings.Contains(msg, "cannot reach PostgreSQL at 127.0.0.1:1") || strings.Contains(msg, "\n") {
			t.Errorf("error %q: want one line naming the server", msg)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := store.Open(t.Context(), "postgres://x@127.0.0.1:5432/x?sslmode=bogus", store.Options{})
		if got, want := vestiging.ErrorCode(err), vestiging.EINVALID; got != want {
			t.Fatalf("error %v: code %q, want %q", err, got, want)
		}
	})
	t.Run("postgresql scheme", func(t *testing.T) {
		server := os.Getenv(storetest.EnvPostgres)
		if server == "" {
			t.Skip(storetest.EnvPostgres + " is not set")
		}
		url := storetest.CreatePostgresDatabase(t, server)
		db, err := store.Open(t.Context(), "postgresql://"+strings.TrimPrefix(url, "postgres://"), store.Options{})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		defer db.Close()
		if got, want := db.Dialect(), "postgres"; got != want || db.Pool() == nil {
			t.Errorf("dialect %q, pool %v; want %q and a pool", got, db.Pool(), want)
		}
		if err := db.Ping(t.Context()); err != nil {
			t.Errorf("ping: %v", err)
		}
	})
}

func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vestiging.db")
	first, err := store.Open(t.Context(), path, store.Options{Lock: true})
	if err != nil {
		t.Fatalf("first open: %v", err)
	}
	_, err = store.Open(t.Context(), "sqlite:"+path, store.Options{Lock: true})
	if got, want := vestiging.ErrorCode(err), vestiging.ECONFLICT; got != want {
		t.Fatalf("second open: %v: code %q, want %q", err, got, want)
	}
	if got, want := vestiging.ErrorMessage(err), "database "+path+" is in use by another vestiging process"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	again, err := store.Open(t.Context(), path, store.Options{Lock: true})
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	if err := again.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}

// latestSchema is the number of the newest migration: as many as there are
// files, since migrations.TestDialectsMatch holds them to 0001 on without gaps.
var latestSchema = func() int {
	names, err := fs.Glob(migrations.SQLite, "*.sql")
	if err != nil {
		panic(err)
	}
	return len(names)
}()

func TestMigrate(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		t.Run("again changes nothing", func(t *testing.T) {
			if err := db.Migrate(t.Context()); err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			v, err := db.SchemaVersion(t.Context())
			if err != nil || v != latestSchema {
				t.Errorf("schema version %d, %v; want %d", v, err, latestSchema)
			}
			themes, err := db.Themes(t.Context())
			if err != nil || len(themes) != len(vestiging.DefaultThemes) {
				t.Errorf("%d themes after migrating twice (%v), want %d", len(themes), err, len(vestiging.DefaultThemes))
			}
		})
		t.Run("River's tables", func(t *testing.T) {
			var jobs, migrations int
			err := db.SQL().QueryRowContext(t.Context(),
				`SELECT (SELECT COUNT(*) FROM river_job), (SELECT COUNT(*) FROM river_migration)`).Scan(&jobs, &migrations)
			if err != nil || jobs != 0 || migrations == 0 {
				t.Errorf("river_job %d rows, river_migration %d rows, %v; want 0 and some", jobs, migrations, err)
			}
		})
		t.Run("ErrNewerSchema", func(t *testing.T) {
			if _, err := db.SQL().ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at)
				SELECT 9999, 'future', applied_at FROM schema_migrations WHERE version = 1`); err != nil {
				t.Fatalf("fake a newer schema: %v", err)
			}
			err := db.Migrate(t.Context())
			want := fmt.Sprintf("database schema 9999 is newer than this vestiging (%d); upgrade vestiging", latestSchema)
			if got := vestiging.ErrorMessage(err); got != want {
				t.Errorf("migrate: %v; want message %q", err, want)
			}
		})
	})
}

func TestErrorMapping(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		exec := func(ctx context.Context, query string, args ...any) error {
			_, err := db.SQL().ExecContext(ctx, query, args...)
			return err
		}
		canceled, cancel := context.WithCancel(t.Context())
		cancel()
		syntax := exec(t.Context(), "SELEKT 1")
		tests := []struct {
			name string
			err  error
			code string
		}{
			{"nil", nil, ""},
			{"no rows", db.SQL().QueryRowContext(t.Context(), "SELECT id FROM branches WHERE id = -1").Scan(new(int64)), vestiging.ENOTFOUND},
			{"unique", exec(t.Context(), "INSERT INTO themes (slug, name_nl, name_en) VALUES ('leesplezier', 'x', 'y')"), vestiging.ECONFLICT},
			{"foreign key", exec(t.Context(), "INSERT INTO branches (library_id, name) VALUES (42, 'x')"), vestiging.EINVALID},
			{"canceled", exec(canceled, "DELETE FROM themes"), vestiging.EUNAVAILABLE},
			{"unknown", syntax, vestiging.EINTERNAL},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.err == nil && tt.code != "" {
					t.Fatal("the statement did not fail")
				}
				got := db.MapError(tt.err)
				if code := vestiging.ErrorCode(got); code != tt.code {
					t.Errorf("%v: code %q, want %q", got, code, tt.code)
				}
				if tt.err != nil && !errors.Is(got, tt.err) {
					t.Errorf("%v does not wrap the driver error %v", got, tt.err)
				}
			})
		}
		if got := db.MapError(sql.ErrNoRows); vestiging.ErrorCode(got) != vestiging.ENOTFOUND {
			t.Errorf("sql.ErrNoRows: %v", got)
		}
	})
}

// TestClock checks that writes take their times from Options.Clock and
// that sessions expire by it.
func TestClock(t *testing.T) {
	clockBackends(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		p := &vestiging.Person{Email: "anna@example.nl", PasswordHash: "x"}
		if err := db.CreatePerson(t.Context(), p); err != nil {
			t.Fatalf("create person: %v", err)
		}
		if !p.CreatedAt.Equal(storetest.Epoch) {
			t.Errorf("CreatedAt %v, want the clock's %v", p.CreatedAt, storetest.Epoch)
		}
		s := &vestiging.LoginSession{TokenHash: "t", PersonID: p.ID, ExpiresAt: clock.Now().Add(time.Hour)}
		if err := db.CreateSession(t.Context(), s); err != nil {
			t.Fatalf("create session: %v", err)
		}
		clock.Add(59 * time.Minute)
		if _, err := db.SessionPerson(t.Context(), "t"); err != nil {
			t.Errorf("before expiry: %v", err)
		}
		clock.Add(time.Minute)
		if _, err := db.SessionPerson(t.Context(), "t"); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("at expiry: %v, want ENOTFOUND", err)
		}
	})
}

func clockBackends(t *testing.T, fn func(t *testing.T, db *store.DB, clock *storetest.Clock)) {
	t.Run("sqlite", func(t *testing.T) {
		clock := storetest.NewClock(storetest.Epoch)
		fn(t, storetest.SQLiteClock(t, clock.Now), clock)
	})
	t.Run("postgres", func(t *testing.T) {
		clock := storetest.NewClock(storetest.Epoch)
		fn(t, storetest.PostgresClock(t, clock.Now), clock)
	})
}

// TestConcurrentWrites checks that parallel writers wait for each other
// instead of failing with "database is locked".
func TestConcurrentWrites(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		const writers, each = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					start := time.Date(2026, 5, 1+i, 10+w, 0, 0, 0, time.UTC)
					e := &vestiging.Event{Title: "Parallel", StartsAt: start, EndsAt: start.Add(time.Hour), OnlineURL: "https://example.nl"}
					errs <- db.CreateEvent(context.Background(), e)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent create: %v", err)
			}
		}
		_, total, err := db.FindEvents(t.Context(), vestiging.EventFilter{Statuses: []string{vestiging.StatusDraft}})
		if err != nil || total != writers*each {
			t.Errorf("%d events (%v), want %d", total, err, writers*each)
		}
	})
}
