package store_test

import (
	"testing"
	"time"

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
