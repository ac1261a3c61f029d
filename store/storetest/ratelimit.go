package storetest

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// RateCounts is the conformance suite of the rate limits' counts, which
// needs a settable clock: open returns a fresh, migrated database on that
// clock.
func RateCounts(t *testing.T, open func(t testing.TB, clock vestiging.Clock) *store.DB) {
	const minute = time.Minute
	w := Epoch.Truncate(minute) // a window's start
	ctx := context.Background()
	takes := func(t *testing.T, db *store.DB, name, key string, n int) []bool {
		t.Helper()
		var got []bool
		for range n {
			ok, err := db.TakeRate(ctx, name, key, 2, minute)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ok)
		}
		return got
	}
	t.Run("Take", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			first   int           // takes of key "a" at firstAt, before the current window
			firstAt time.Duration // from the start of the current window; 0: a window before
			after   time.Duration // from the start of the current window
			want    []bool        // takes of "a" then
		}{
			{name: "OK", after: 10 * time.Second, want: []bool{true, true, false, false}},
			// Two in the previous window, half of which the sliding window
			// covers: one left.
			{name: "PreviousWindow", first: 2, after: 30 * time.Second, want: []bool{true, false}},
			{name: "PreviousWindowPassed", first: 2, after: minute + time.Second, want: []bool{true, true, false}},
			{name: "OlderWindowsNotCounted", first: 2, firstAt: -2 * minute, after: 10 * time.Second, want: []bool{true, true, false}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				clock := NewClock(w.Add(cmp.Or(tc.firstAt, -minute)))
				db := open(t, clock.Now)
				takes(t, db, "inbox-posts", "a", tc.first)
				clock.Set(w.Add(tc.after))
				if got := takes(t, db, "inbox-posts", "a", len(tc.want)); !slices.Equal(got, tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
				if got := takes(t, db, "inbox-posts", "b", 1); !got[0] {
					t.Error("another key was refused")
				}
				if got := takes(t, db, "login", "a", 1); !got[0] {
					t.Error("the key under another limit's name was refused")
				}
			})
		}
		t.Run("AtOnce", func(t *testing.T) {
			// Requests at once take no more than the limit between them.
			db := open(t, NewClock(w).Now)
			var taken atomic.Int64
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					ok, err := db.TakeRate(ctx, "inbox-posts", "a", 10, time.Hour)
					if err != nil {
						t.Error(err)
					}
					if ok {
						taken.Add(1)
					}
				})
			}
			wg.Wait()
			if got, want := taken.Load(), int64(10); got != want {
				t.Errorf("%d taken, want %d", got, want)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			db := open(t, NewClock(w).Now)
			if _, err := db.TakeRate(ctx, "inbox-posts", "a", 10, 0); err == nil {
				t.Error("a limit without a window counted")
			}
		})
	})
	t.Run("Pruned", func(t *testing.T) {
		// A window's count is kept for two windows, as current and then as
		// previous, and pruned after.
		clock := NewClock(w)
		db := open(t, clock.Now)
		takes(t, db, "login", "old", 1)
		clock.Set(w.Add(2*time.Hour - minute)) // the late one is still needed two hours on
		takes(t, db, "login", "late", 1)
		clock.Set(w.Add(2 * time.Hour)) // past the old window's use, and the store's pruning interval
		takes(t, db, "login", "new", 1)
		rows, err := db.SQL().Query(`SELECT key FROM rate_counts ORDER BY key`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var key string
			if err := rows.Scan(&key); err != nil {
				t.Fatal(err)
			}
			got = append(got, key)
		}
		if want := []string{"login:late", "login:new"}; !slices.Equal(got, want) {
			t.Errorf("counts kept for %v, want %v", got, want)
		}
	})
}
