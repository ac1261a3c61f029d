// Package storetest is the conformance suite every store backend passes,
// and helpers that give other packages' tests a real, migrated database.
package storetest

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx" for creating test databases

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/migrations"
	"github.com/vestiging/vestiging/store"
)

// EnvPostgres names the variable holding a PostgreSQL server URL for tests,
// e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const EnvPostgres = "VESTIGING_TEST_POSTGRES"

// Clock is a settable clock for tests. The zero value starts at Epoch.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Epoch is where a new Clock starts: a Monday morning in UTC.
var Epoch = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time; pass c.Now as a vestiging.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		c.now = Epoch
	}
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) {
	c.Set(c.Now().Add(d))
}

// SQLite returns a migrated SQLite database in t.TempDir(), closed at cleanup.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return SQLiteClock(t, vestiging.Now)
}

// SQLiteClock is SQLite with the given clock.
func SQLiteClock(t testing.TB, clock vestiging.Clock) *store.DB {
	t.Helper()
	return open(t, filepath.Join(t.TempDir(), "vestiging.db"), clock)
}

// Postgres returns a migrated database of its own on the server in
// VESTIGING_TEST_POSTGRES, dropped at cleanup. Without the variable the test
// is skipped; with it set and the server down, the test fails.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	return PostgresClock(t, vestiging.Now)
}

// PostgresClock is Postgres with the given clock.
func PostgresClock(t testing.TB, clock vestiging.Clock) *store.DB {
	t.Helper()
	server := os.Getenv(EnvPostgres)
	if server == "" {
		t.Skip(EnvPostgres + " is not set; skipping PostgreSQL")
	}
	return open(t, createDatabase(t, server, migratedTemplate(t, server)), clock)
}

// CreatePostgresDatabase creates a uniquely named empty database on the
// server at serverURL and returns its URL; cleanup terminates its
// connections and drops it.
func CreatePostgresDatabase(t testing.TB, serverURL string) string {
	t.Helper()
	return createDatabase(t, serverURL, "")
}

// adminURL adds a connect timeout to a server URL.
func adminURL(t testing.TB, serverURL string) *url.URL {
	t.Helper()
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	if q := u.Query(); q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "5")
		u.RawQuery = q.Encode()
	}
	return u
}

// templates maps a server URL to its migrated template database.
var templates = struct {
	sync.Mutex
	name map[string]string
}{name: map[string]string{}}

// migratedTemplate returns a database on the server holding the migrated
// schema, for createDatabase to copy: a copy takes a tenth of the time of
// migrating. Its name carries a hash of the migrations, so a changed
// migration makes a new one; test processes running at once build it once,
// under an advisory lock, and only a finished one bears the name.
func migratedTemplate(t testing.TB, serverURL string) string {
	t.Helper()
	templates.Lock()
	defer templates.Unlock()
	if name, ok := templates.name[serverURL]; ok {
		return name
	}
	h := sha256.New()
	err := fs.WalkDir(migrations.Postgres, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.Postgres, path)
		fmt.Fprintf(h, "%s\n%s\n", path, b)
		return err
	})
	if err != nil {
		t.Fatalf("hash migrations: %v", err)
	}
	name := "vestiging_template_" + hex.EncodeToString(h.Sum(nil))[:16]

	u := adminURL(t, serverURL)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		t.Fatalf("connect to %s: %v", u.Redacted(), err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7420003)"); err != nil {
		t.Fatalf("lock template: %v", err)
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(7420003)")
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatalf("find template: %v", err)
	}
	if !exists {
		building := name + "_building"
		for _, q := range []string{"DROP DATABASE IF EXISTS " + building + " WITH (FORCE)", "CREATE DATABASE " + building} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				t.Fatalf("build template: %v", err)
			}
		}
		b := *u
		b.Path = "/" + building
		db, err := store.Open(ctx, b.String(), store.Options{})
		if err != nil {
			t.Fatalf("build template: %v", err)
		}
		err = db.Migrate(ctx)
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatalf("build template: migrate: %v", err)
		}
		if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
			t.Fatalf("build template: %v", err)
		}
	}
	templates.name[serverURL] = name
	return name
}

// createDatabase creates a uniquely named database, a copy of template
// when one is given, and drops it at cleanup.
func createDatabase(t testing.TB, serverURL, template string) string {
	t.Helper()
	u := adminURL(t, serverURL)
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 8)
	rand.Read(b)
	name := "vestiging_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	create := "CREATE DATABASE " + name
	if template != "" {
		create += " TEMPLATE " + template
	}
	if _, err := admin.ExecContext(ctx, create); err != nil {
		t.Fatalf("create test database on %s: %v", u.Redacted(), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, name)
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	db := *u
	db.Path = "/" + name
	return db.String()
}

func open(t testing.TB, databaseURL string, clock vestiging.Clock) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, databaseURL, store.Options{Clock: clock})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// Backends runs fn as subtest "sqlite", and as "postgres" when
// VESTIGING_TEST_POSTGRES is set.
func Backends(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if os.Getenv(EnvPostgres) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	}
}

// Opener opens a migrated database with a clock, by the name of its backend.
type Opener struct {
	Name string
	Open func(testing.TB, vestiging.Clock) *store.DB
}

// Openers are SQLiteClock, and PostgresClock when VESTIGING_TEST_POSTGRES
// is set: for tests and benchmarks that need the clock or their own
// set-up per backend, which Backends does not give.
func Openers() []Opener {
	out := []Opener{{"sqlite", SQLiteClock}}
	if os.Getenv(EnvPostgres) != "" {
		out = append(out, Opener{"postgres", PostgresClock})
	}
	return out
}

// SeedEvents inserts n published events starting at start, one every two
// hours, spread over three branches (created when the database has none),
// the default themes, the audiences, and one in five online. It imports
// them in one transaction, so 10,000 take seconds.
func SeedEvents(tb testing.TB, db *store.DB, n int, start time.Time) {
	tb.Helper()
	ctx := context.Background()
	branches, err := db.Branches(ctx)
	if err != nil {
		tb.Fatalf("seed: %v", err)
	}
	for i := len(branches); i < 3; i++ {
		b := &vestiging.Branch{Name: fmt.Sprintf("Vestiging %d", i+1), Street: "Stationsplein 1", PostalCode: "1234 AB", City: "Dorp"}
		if err := db.CreateBranch(ctx, b); err != nil {
			tb.Fatalf("seed branch: %v", err)
		}
		branches = append(branches, b)
	}
	events := make([]*vestiging.Event, n)
	for i := range events {
		e := &vestiging.Event{
			Title:       fmt.Sprintf("Activiteit %d", i+1),
			Description: "<p>Een activiteit in de bibliotheek.</p>",
			StartsAt:    start.Add(time.Duration(i) * 2 * time.Hour),
			Themes:      []string{vestiging.DefaultThemes[i%len(vestiging.DefaultThemes)].Slug},
			Audiences:   []string{vestiging.Audiences[i%len(vestiging.Audiences)]},
			Status:      vestiging.StatusPublished,
		}
		e.EndsAt = e.StartsAt.Add(90 * time.Minute)
		if i%5 == 4 {
			e.OnlineURL = "https://meet.example.nl/activiteit"
		} else {
			e.BranchID = &branches[i%len(branches)].ID
		}
		events[i] = e
	}
	if created, _, err := db.ImportEvents(ctx, events); err != nil || created != n {
		tb.Fatalf("seed %d events: created %d, %v", n, created, err)
	}
}

// SeedFollowers inserts n follower actors spread over inboxes distinct
// shared inboxes, inboxURL(0) … inboxURL(inboxes-1), in one transaction, so
// 10,000 take a second. Follower j lives on inboxURL(j % inboxes)'s host.
func SeedFollowers(tb testing.TB, db *store.DB, n, inboxes int, inboxURL func(i int) string) {
	tb.Helper()
	if inboxes <= 0 {
		tb.Fatalf("seed followers: %d inboxes", inboxes)
	}
	actors := make([]*vestiging.Actor, n)
	for j := range actors {
		shared := inboxURL(j % inboxes)
		u, err := url.Parse(shared)
		if err != nil || u.Host == "" {
			tb.Fatalf("seed followers: inbox %q: %v", shared, err)
		}
		iri := fmt.Sprintf("%s://%s/users/seeded-follower-%d", u.Scheme, u.Host, j)
		actors[j] = &vestiging.Actor{IRI: iri, Type: "Person", Username: fmt.Sprintf("follower%d", j), Host: u.Host,
			Inbox: iri + "/inbox", SharedInbox: shared}
	}
	SeedActorFollowers(tb, db, actors)
}

// SeedActorFollowers inserts the actors (their IRI, Type, Username, Host,
// Inbox and SharedInbox, which may be empty) as followers in one
// transaction, as SeedFollowers does, and sets their IDs.
func SeedActorFollowers(tb testing.TB, db *store.DB, actors []*vestiging.Actor) {
	tb.Helper()
	ctx := context.Background()
	// Both backends read this text as a time: a TIMESTAMPTZ literal on
	// PostgreSQL, the store's own format on SQLite.
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		tb.Fatalf("seed followers: %v", err)
	}
	defer tx.Rollback()
	const batch = 500
	for from := 0; from < len(actors); from += batch {
		chunk := actors[from:min(from+batch, len(actors))]
		var values []string
		var args []any
		for _, a := range chunk {
			p := len(args)
			values = append(values, fmt.Sprintf("($%d, $%d, $%d, $%d, $%d, $%d, $%d)", p+1, p+2, p+3, p+4, p+5, p+6, p+7))
			typ := cmp.Or(a.Type, "Person")
			args = append(args, a.IRI, typ, a.Username, a.Host, a.Inbox, a.SharedInbox, now)
		}
		rows, err := tx.QueryContext(ctx, `INSERT INTO actors (iri, type, username, host, inbox, shared_inbox, fetched_at) VALUES `+
			strings.Join(values, ", ")+` RETURNING id, iri`, args...)
		if err != nil {
			tb.Fatalf("seed followers: actors: %v", err)
		}
		byIRI := make(map[string]*vestiging.Actor, len(chunk))
		for _, a := range chunk {
			byIRI[a.IRI] = a
		}
		values, args = values[:0], args[:0]
		for rows.Next() {
			var id int64
			var iri string
			if err := rows.Scan(&id, &iri); err != nil {
				tb.Fatalf("seed followers: actors: %v", err)
			}
			if a := byIRI[iri]; a != nil {
				a.ID = id
			}
			p := len(args)
			values = append(values, fmt.Sprintf("($%d, $%d, $%d)", p+1, p+2, p+3))
			args = append(args, id, iri+"#follow", now)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			tb.Fatalf("seed followers: actors: %v", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO followers (actor_id, activity_iri, created_at) VALUES `+
			strings.Join(values, ", "), args...); err != nil {
			tb.Fatalf("seed followers: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatalf("seed followers: commit: %v", err)
	}
}

// Jobs returns the arguments of every River job of kind in the database,
// in the order they were queued, whatever their state.
func Jobs[T any](tb testing.TB, db *store.DB, kind string) []T {
	tb.Helper()
	args := "args"
	if db.Dialect() == "sqlite" {
		args = "json(args)" // River keeps SQLite's binary JSON
	}
	rows, err := db.SQL().QueryContext(context.Background(), `SELECT `+args+` FROM river_job WHERE kind = $1 ORDER BY id`, kind)
	if err != nil {
		tb.Fatalf("jobs %s: %v", kind, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var raw []byte
		var job T
		if err := rows.Scan(&raw); err != nil {
			tb.Fatalf("jobs %s: %v", kind, err)
		}
		if err := json.Unmarshal(raw, &job); err != nil {
			tb.Fatalf("jobs %s: %s: %v", kind, raw, err)
		}
		out = append(out, job)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("jobs %s: %v", kind, err)
	}
	return out
}

// SeedRemoteEvents stores n published remote events from origins libraries
// (actors created on first use, https://bibliotheek-N.example, which the
// library follows, so the public agenda shows them), starting at
// start, one every two hours, each at a place of its own. It inserts them in
// one transaction, as the inbox would have stored them: ten thousand take
// seconds, not minutes.
func SeedRemoteEvents(tb testing.TB, db *store.DB, n, origins int, start time.Time) {
	tb.Helper()
	ctx := context.Background()
	actors := make([]*vestiging.Actor, origins)
	for i := range actors {
		host := fmt.Sprintf("bibliotheek-%d.example", i+1)
		a := &vestiging.Actor{IRI: "https://" + host + "/actor", Type: "Organization", Username: "agenda",
			Name: fmt.Sprintf("Bibliotheek %d", i+1), Inbox: "https://" + host + "/actor/inbox",
			SharedInbox: "https://" + host + "/inbox", KeyID: "https://" + host + "/actor#main-key"}
		if err := db.UpsertActor(ctx, a); err != nil {
			tb.Fatalf("seed remote events: %v", err)
		}
		fl := &vestiging.Following{Actor: a, ActivityIRI: "https://" + host + "/follows/seeded", State: vestiging.FollowAccepted}
		if err := db.SetFollowing(ctx, fl); err != nil {
			tb.Fatalf("seed remote events: %v", err)
		}
		actors[i] = a
	}
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	// Both backends read this text as a time: a TIMESTAMPTZ literal on
	// PostgreSQL, the store's own format on SQLite.
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }
	now := ts(time.Now())
	const batch, cols = 50, 18
	var values []string
	var args []any
	for i := range n {
		origin := actors[i%origins]
		iri := fmt.Sprintf("https://%s/events/seeded-%d", origin.Host, i)
		starts := start.Add(time.Duration(i) * 2 * time.Hour)
		ph := make([]string, cols)
		for j := range ph {
			ph[j] = fmt.Sprintf("$%d", len(args)+j+1)
		}
		values = append(values, "("+strings.Join(ph, ", ")+")")
		args = append(args, vestiging.KindEvent, fmt.Sprintf("Elders %d", i+1), "<p>Bij de buren.</p>", ts(starts),
			ts(starts.Add(time.Hour)), "Europe/Amsterdam", "nl", vestiging.RegistrationNone, vestiging.StatusPublished, now, now,
			iri, iri, origin.ID, origin.Name, "Markt 1", "1234 AB", "Elders")
		if len(values) == batch || i == n-1 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO events (kind, title, description, starts_at, ends_at, time_zone,
				language, registration_mode, status, created_at, updated_at, iri, url, origin_id, place_name, place_street, place_postal_code,
				place_city)
				VALUES `+strings.Join(values, ", "), args...); err != nil {
				tb.Fatalf("seed remote events: %v", err)
			}
			values, args = values[:0], args[:0]
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatalf("seed remote events: %v", err)
	}
}
