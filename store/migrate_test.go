package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// TestDeletedEventIDNotReused: an ActivityPub id names one object forever,
// and followers keep the ids of deleted objects, so a new event must never
// get the id of a deleted one, however new that was.
func TestDeletedEventIDNotReused(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		deleted := createOnlineEvent(t, db, "Voorleesontbijt")
		if err := db.DeleteEvent(ctx, deleted.ID); err != nil {
			t.Fatal(err)
		}
		if got := createOnlineEvent(t, db, "Taalcafé"); got.ID == deleted.ID {
			t.Errorf("the new event got id %d, the deleted event's", got.ID)
		}
	})
}

func createOnlineEvent(t *testing.T, db *store.DB, title string) *vestiging.Event {
	t.Helper()
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	e := &vestiging.Event{Title: title, StartsAt: start, EndsAt: start.Add(time.Hour), OnlineURL: "https://meet.example.nl",
		Status: vestiging.StatusPublished, Kind: vestiging.KindCourse,
		Sessions: []*vestiging.Session{{StartsAt: start, EndsAt: start.Add(time.Hour), OnlineURL: "https://meet.example.nl"}}}
	if err := db.CreateEvent(t.Context(), e); err != nil {
		t.Fatalf("create %q: %v", title, err)
	}
	return e
}

// TestSQLiteStableIDsMigration runs 0003 over rows stored before it: events
// keep their ids and sessions, and the rebuilt tables keep their
// constraints. (Replaying 0003 over a newer schema would drop the columns
// later migrations added to events.)
func TestSQLiteStableIDsMigration(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "vestiging.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateUpTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	const at = "2026-05-01T10:00:00.000000Z"
	for _, q := range []string{
		`INSERT INTO events (id, kind, title, starts_at, ends_at, time_zone, online_url, audience, language, registration_mode,
			status, created_at, updated_at) VALUES (7, 'course', 'Cursus', $1, $1, 'Europe/Amsterdam', 'https://meet.example.nl',
			'all', 'nl', 'none', 'published', $1, $1)`,
		`INSERT INTO event_sessions (id, event_id, starts_at, ends_at, online_url) VALUES (3, 7, $1, $1, 'https://meet.example.nl')`,
	} {
		if _, err := db.SQL().ExecContext(ctx, q, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	before := &vestiging.Event{ID: 7, Title: "Cursus", Sessions: []*vestiging.Session{{ID: 3}}}
	after, err := db.Event(ctx, before.ID)
	if err != nil {
		t.Fatalf("event after rebuild: %v", err)
	}
	if len(after.Sessions) != 1 || after.Sessions[0].ID != before.Sessions[0].ID || after.Title != before.Title {
		t.Errorf("after rebuild %+v (sessions %+v), want %+v", after, after.Sessions, before)
	}
	var fkErrors int
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&fkErrors); err != nil || fkErrors != 0 {
		t.Errorf("foreign key check: %d problems, %v", fkErrors, err)
	}
	if err := db.DeleteEvent(ctx, before.ID); err != nil {
		t.Fatal(err)
	}
	var sessions int
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM event_sessions`).Scan(&sessions); err != nil || sessions != 0 {
		t.Errorf("%d sessions left after deleting their course (%v): cascade lost", sessions, err)
	}
	if next := createOnlineEvent(t, db, "Volgende"); next.ID == before.ID {
		t.Errorf("id %d reused after the rebuild", next.ID)
	}
}
