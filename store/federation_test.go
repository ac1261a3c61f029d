package store_test

import (
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

func TestFirstSeenForgets(t *testing.T) {
	clockBackends(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		seen := func(iri string, want bool) {
			t.Helper()
			if got, err := db.FirstSeen(t.Context(), iri); err != nil || got != want {
				t.Errorf("%s at %v: first seen %v, %v; want %v", iri, clock.Now(), got, err, want)
			}
		}
		seen("https://b.example/activities/old", true)
		clock.Add(29 * 24 * time.Hour)
		seen("https://b.example/activities/new", true)
		seen("https://b.example/activities/old", false)
		clock.Add(2 * 24 * time.Hour) // the old id is past its month, the new one not
		seen("https://b.example/activities/old", true)
		seen("https://b.example/activities/new", false)
	})
}

// TestTombstonesForgotten: a deleted remote event's id keeps a late
// Create out for 90 days, and no longer.
func TestTombstonesForgotten(t *testing.T) {
	clockBackends(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		origin := &vestiging.Actor{IRI: "https://b.example/actor", Type: "Organization", Username: "agenda",
			Inbox: "https://b.example/actor/inbox", KeyID: "https://b.example/actor#main-key", PublicKeyPEM: "x"}
		if err := db.UpsertActor(ctx, origin); err != nil {
			t.Fatal(err)
		}
		create := func(path string) error {
			start := clock.Now().Add(24 * time.Hour)
			return db.UpsertRemoteEvent(ctx, &vestiging.Event{Title: "Voorlezen", StartsAt: start, EndsAt: start.Add(time.Hour),
				Status: vestiging.StatusPublished, IRI: "https://b.example" + path, URL: "https://b.example" + path, OriginID: &origin.ID})
		}
		remove := func(path string) {
			t.Helper()
			if err := db.DeleteRemoteObject(ctx, "https://b.example"+path, origin); err != nil {
				t.Fatal(err)
			}
		}
		remove("/events/old")
		clock.Add(89 * 24 * time.Hour)
		remove("/events/new")
		if code := vestiging.ErrorCode(create("/events/old")); code != vestiging.ECONFLICT {
			t.Errorf("after 89 days: a Create of the deleted event: %q, want ECONFLICT", code)
		}
		clock.Add(2 * 24 * time.Hour) // the old tombstone is past its 90 days, the new one not
		remove("/events/other")
		if err := create("/events/old"); err != nil {
			t.Errorf("after 91 days: %v, want the id forgotten", err)
		}
		if code := vestiging.ErrorCode(create("/events/new")); code != vestiging.ECONFLICT {
			t.Errorf("after 2 days: %q, want ECONFLICT", code)
		}
	})
}
