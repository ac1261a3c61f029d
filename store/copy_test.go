package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

const copyBase = "https://bibliotheek-aalten.example"

// dump collects a copy to compare two databases: rows as text per table,
// booleans as 0/1 (SQLite's form) and jobs with their arguments decoded,
// as PostgreSQL's jsonb reorders keys.
type dump struct {
	head   store.CopyHeader
	tables map[string][]string
	jobs   []string
	last   string
}

func (d *dump) Header(h store.CopyHeader) error { d.head = h; return nil }
func (d *dump) Table(name string, columns []string) error {
	d.last = name
	d.tables[name] = []string{fmt.Sprint(columns)}
	return nil
}
func (d *dump) Row(values []any) error {
	for i, v := range values {
		if b, ok := v.(bool); ok {
			values[i] = 0
			if b {
				values[i] = 1
			}
		}
	}
	d.tables[d.last] = append(d.tables[d.last], fmt.Sprint(values...))
	return nil
}
func (d *dump) Job(j store.CopyJob) error {
	var args any
	if err := json.Unmarshal(j.Args, &args); err != nil {
		return err
	}
	d.jobs = append(d.jobs, fmt.Sprint(j.Kind, args, j.Queue, j.Priority, j.MaxAttempts))
	return nil
}

func dumpOf(t *testing.T, db *store.DB) *dump {
	t.Helper()
	d := &dump{tables: map[string][]string{}}
	if err := db.Export(context.Background(), copyBase, d); err != nil {
		t.Fatal(err)
	}
	return d
}

// seedCopy fills db with some of everything: the library, branches,
// events (each queueing its publish job), a person with a login session,
// the instance key and followers.
func seedCopy(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	lib, err := db.Library(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lib.Name = "Bibliotheek Aalten"
	if err := db.UpdateLibrary(ctx, lib); err != nil {
		t.Fatal(err)
	}
	storetest.SeedEvents(t, db, 20, time.Now().Add(24*time.Hour).Truncate(time.Hour))
	b := &vestiging.Branch{Name: "Bibliotheek Lichtenvoorde", City: "Lichtenvoorde"}
	if err := db.CreateBranch(ctx, b); err != nil {
		t.Fatal(err)
	}
	e := &vestiging.Event{Title: "Voorleesontbijt", StartsAt: time.Now().Add(48 * time.Hour).Truncate(time.Hour),
		BranchID: &b.ID, Status: vestiging.StatusPublished, Audiences: vestiging.Audiences[:1]}
	e.EndsAt = e.StartsAt.Add(time.Hour)
	if err := db.CreateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	// An activity at a place that is no branch, with a price and two themes.
	school := &vestiging.Event{Title: "Voorlezen op school", StartsAt: e.StartsAt.Add(24 * time.Hour), EndsAt: e.EndsAt.Add(24 * time.Hour),
		Place:  &vestiging.Place{Name: "OBS De Klimop", City: "Lichtenvoorde", Latitude: ptr(51.99), Longitude: ptr(6.56)},
		Themes: []string{"leesplezier", "leven-lang-leren"}, Price: &vestiging.Price{Cents: 250, MemberCents: ptr(int64(0))},
		Status: vestiging.StatusPublished}
	if err := db.CreateEvent(ctx, school); err != nil {
		t.Fatal(err)
	}
	p := &vestiging.Person{Email: "medewerker@aalten.example", DisplayName: "Anna", Role: vestiging.RoleStaff}
	if err := p.SetPassword(t.Context(), "geheim-wachtwoord"); err != nil {
		t.Fatal(err)
	}
	if err := db.CreatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	if err := db.CreateSession(ctx, &vestiging.LoginSession{TokenHash: "sessie", PersonID: p.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.InstanceKey(ctx, func() (string, error) {
		return "-----BEGIN PRIVATE KEY-----\nsleutel\n-----END PRIVATE KEY-----\n", nil
	}); err != nil {
		t.Fatal(err)
	}
	storetest.SeedFollowers(t, db, 30, 3, func(i int) string { return fmt.Sprintf("http://127.0.0.1:%d/inbox", 9000+i) })
	// Community: a remote offer, a reply, a report, a silenced actor and
	// the audit log.
	lib2 := &vestiging.Actor{IRI: "http://127.0.0.1:9100/actor", Username: "agenda", Name: "Bibliotheek B"}
	if err := db.UpsertActor(ctx, lib2); err != nil {
		t.Fatal(err)
	}
	o := &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: "Samen breien", Description: "<p>Woensdag</p>",
		IRI: "http://127.0.0.1:9100/offers/1", OriginID: &lib2.ID, AuthorActorID: &lib2.ID}
	if err := db.UpsertRemoteOffer(ctx, o); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateReply(ctx, &vestiging.Reply{ObjectType: vestiging.ReplyToEvent, ObjectID: e.ID, PersonID: p.ID,
		Content: "Welkom!"}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateReport(ctx, &vestiging.Report{IRI: "http://127.0.0.1:9100/flags/1", ActorID: lib2.ID,
		Targets: []string{o.IRI}, Content: "Spam"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.SetActorModeration(ctx, lib2.ID, vestiging.ModerationSilence, &vestiging.AuditEntry{PersonID: p.ID}); err != nil {
		t.Fatal(err)
	}
	// Registrations (a place and a waitlisted remote resident) and messages.
	e.RegistrationMode, e.Capacity = vestiging.RegistrationOpen, 1
	if err := db.UpdateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	token, _ := vestiging.NewToken()
	for _, r := range []*vestiging.Registration{{EventID: e.ID, PersonID: p.ID, CancelToken: token},
		{EventID: e.ID, ActorID: lib2.ID, JoinIRI: "http://127.0.0.1:9100/joins/1"}} {
		if err := db.Register(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []*vestiging.Message{{FromPersonID: p.ID, ToActorID: lib2.ID, Content: "Tot woensdag"},
		{FromActorID: lib2.ID, ToPersonID: p.ID, IRI: "http://127.0.0.1:9100/notes/1", Content: "Graag", EventID: e.ID}} {
		if err := db.CreateMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
}

// emptyDB opens a database that has never been migrated.
func emptyDB(t *testing.T, backend string) *store.DB {
	t.Helper()
	url := filepath.Join(t.TempDir(), "vestiging.db")
	if backend == "postgres" {
		server := os.Getenv(storetest.EnvPostgres)
		if server == "" {
			t.Skip(storetest.EnvPostgres + " is not set; skipping PostgreSQL")
		}
		url = storetest.CreatePostgresDatabase(t, server)
	}
	db, err := store.Open(context.Background(), url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func backupOf(t *testing.T, db *store.DB) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := store.NewBackupWriter(&buf)
	if err := db.Export(context.Background(), copyBase, w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func restoreInto(db *store.DB, file []byte, opts store.ImportOptions) error {
	im := db.Import(context.Background(), opts)
	if err := store.ReadBackup(bytes.NewReader(file), im); err != nil {
		im.Rollback()
		return err
	}
	return im.Commit()
}

// TestBackupRestore: a backup restored into an empty database, of either
// kind, holds every row and queued job of the original, and new rows get
// ids after the copied ones.
func TestBackupRestore(t *testing.T) {
	for _, tt := range []struct{ from, to string }{
		{"sqlite", "sqlite"}, {"sqlite", "postgres"}, {"postgres", "sqlite"},
	} {
		t.Run(tt.from+"→"+tt.to, func(t *testing.T) {
			ctx := context.Background()
			var src *store.DB
			if tt.from == "postgres" {
				src = storetest.Postgres(t)
			} else {
				src = storetest.SQLite(t)
			}
			seedCopy(t, src)
			if _, err := src.TakeRate(ctx, "login", "ip:192.0.2.1", 10, time.Minute); err != nil {
				t.Fatal(err)
			}
			dst := emptyDB(t, tt.to)
			if err := restoreInto(dst, backupOf(t, src), store.ImportOptions{BaseURL: copyBase}); err != nil {
				t.Fatal(err)
			}
			got, want := dumpOf(t, dst), dumpOf(t, src)
			if !reflect.DeepEqual(got.tables, want.tables) {
				for name, rows := range want.tables {
					if !reflect.DeepEqual(got.tables[name], rows) {
						t.Errorf("table %s:\ngot  %q\nwant %q", name, got.tables[name], rows)
					}
				}
			}
			if !reflect.DeepEqual(got.jobs, want.jobs) || len(want.jobs) == 0 {
				t.Errorf("jobs:\ngot  %q\nwant %q", got.jobs, want.jobs)
			}
			for _, table := range []string{"library", "branches", "places", "events", "event_themes", "event_audiences", "people",
				"login_sessions", "instance_key", "followers", "actors",
				"offers", "replies", "reports", "audit_log", "registrations", "messages"} {
				if len(want.tables[table]) < 2 {
					t.Errorf("the seed left %s empty", table)
				}
			}
			// Rate counts hold visitors' addresses and stay out of backups.
			var counts int
			if err := dst.SQL().QueryRowContext(ctx, `SELECT count(*) FROM rate_counts`).Scan(&counts); err != nil || counts != 0 {
				t.Errorf("rate counts restored: %d, %v", counts, err)
			}
			// The search index is not copied but built by the target.
			found, n, err := dst.FindEvents(ctx, vestiging.EventFilter{Query: "Voorleesontbijt Lichtenvoorde"})
			if err != nil || n != 1 || found[0].Title != "Voorleesontbijt" {
				t.Errorf("search after restore: %d found, %v", n, err)
			}
			p, err := dst.SessionPerson(ctx, "sessie")
			if err != nil || p.Email != "medewerker@aalten.example" {
				t.Errorf("SessionPerson = %v, %v", p, err)
			}
			branches, err := dst.Branches(ctx)
			if err != nil {
				t.Fatal(err)
			}
			b := &vestiging.Branch{Name: "Bibliotheek Winterswijk"}
			if err := dst.CreateBranch(ctx, b); err != nil {
				t.Fatal(err)
			}
			if last := branches[len(branches)-1].ID; b.ID <= last {
				t.Errorf("new branch id %d, want after %d", b.ID, last)
			}
		})
	}
}

// TestRestoreRefused: a backup that does not fit the target changes nothing.
func TestRestoreRefused(t *testing.T) {
	src := storetest.SQLite(t)
	seedCopy(t, src)
	file := backupOf(t, src)
	newer := func() []byte {
		var buf bytes.Buffer
		w := store.NewBackupWriter(&buf)
		if err := src.Export(context.Background(), copyBase, schemaBump{w}); err != nil {
			t.Fatal(err)
		}
		w.Close()
		return buf.Bytes()
	}()
	for _, tt := range []struct {
		name string
		file []byte
		opts store.ImportOptions
		full bool // the target already holds data
		code string
	}{
		{"ErrNewerSchema", newer, store.ImportOptions{BaseURL: copyBase}, false, vestiging.ECONFLICT},
		{"ErrOtherInstance", file, store.ImportOptions{BaseURL: "https://bibliotheek-elders.example"}, false, vestiging.ECONFLICT},
		{"ErrNotEmpty", file, store.ImportOptions{BaseURL: copyBase}, true, vestiging.ECONFLICT},
		{"ErrTruncated", file[:len(file)*2/3], store.ImportOptions{BaseURL: copyBase}, false, vestiging.EINVALID},
		{"ErrNotABackup", []byte("id,title\n1,Voorlezen\n"), store.ImportOptions{BaseURL: copyBase}, false, vestiging.EINVALID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dst := storetest.SQLite(t)
			if tt.full {
				if err := dst.CreateBranch(context.Background(), &vestiging.Branch{Name: "Al hier"}); err != nil {
					t.Fatal(err)
				}
			}
			before := dumpOf(t, dst)
			// A damaged file is found by reading it whole first, as restore does.
			err := store.ReadBackup(bytes.NewReader(tt.file), &store.CheckSink{})
			if err == nil {
				err = restoreInto(dst, tt.file, tt.opts)
			}
			if got, want := vestiging.ErrorCode(err), tt.code; got != want {
				t.Fatalf("error %v: code %q, want %q", err, got, want)
			}
			t.Log(err)
			if after := dumpOf(t, dst); !reflect.DeepEqual(after.tables, before.tables) || !reflect.DeepEqual(after.jobs, before.jobs) {
				t.Error("the refused restore changed the database")
			}
		})
	}
	t.Run("OK/Force", func(t *testing.T) {
		dst := storetest.SQLite(t)
		if err := restoreInto(dst, file, store.ImportOptions{BaseURL: "https://bibliotheek-elders.example", Force: true}); err != nil {
			t.Fatal(err)
		}
	})
}

// schemaBump passes a copy on as if made by a newer version.
type schemaBump struct{ store.CopySink }

func (s schemaBump) Header(h store.CopyHeader) error {
	h.Schema += 100
	return s.CopySink.Header(h)
}

func ptr[T any](v T) *T { return &v }
