package store_test

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/migrations"
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

// TestSQLiteStableIDsMigration runs 0003 again over stored rows: events keep
// their ids and sessions, and the rebuilt tables keep their constraints.
func TestSQLiteStableIDsMigration(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	before := createOnlineEvent(t, db, "Cursus")
	migration, err := fs.ReadFile(migrations.SQLite, "0003_stable_ids.sql")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Later migrations' views and triggers name events, which a rebuild
	// drops for a moment; the legacy rename leaves them be.
	replay := "PRAGMA legacy_alter_table = ON;\n" + string(migration) + "\nPRAGMA legacy_alter_table = OFF;"
	if _, err := tx.ExecContext(ctx, replay); err != nil {
		tx.Rollback()
		t.Fatalf("migrate: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
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
