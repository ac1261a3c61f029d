package storetest

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// RateCounts is the conformance suite of the rate counters, which needs a
// settable clock: open returns a fresh, migrated database on that clock.
func RateCounts(t *testing.T, open func(t testing.TB, clock vestiging.Clock) *store.DB) {
	const minute = time.Minute
	w := Epoch.Truncate(minute) // a window, as httprate computes them
	type inc struct {
		counter, key string
		window       time.Time
		amount       int
	}
	for _, tc := range []struct {
		name             string
		incs             []inc
		counter, key     string
		wantCur, wantPrv int
	}{
		{name: "OK", incs: []inc{{"login", "ip:192.0.2.1", w, 1}, {"login", "ip:192.0.2.1", w, 1}},
			counter: "login", key: "ip:192.0.2.1", wantCur: 2},
		{name: "Empty", counter: "login", key: "ip:192.0.2.1"},
		{name: "Amount", incs: []inc{{"login", "k", w, 5}}, counter: "login", key: "k", wantCur: 5},
		{name: "PreviousWindow", incs: []inc{{"login", "k", w.Add(-minute), 3}, {"login", "k", w, 1}},
			counter: "login", key: "k", wantCur: 1, wantPrv: 3},
		{name: "OlderWindowsNotCounted", incs: []inc{{"login", "k", w.Add(-2 * minute), 4}, {"login", "k", w.Add(minute), 4}},
			counter: "login", key: "k"},
		{name: "KeysApart", incs: []inc{{"login", "person:1", w, 3}, {"login", "person:2", w, 1}},
			counter: "login", key: "person:2", wantCur: 1},
		{name: "NamesApart", incs: []inc{{"signup", "ip:192.0.2.1", w, 3}, {"login", "ip:192.0.2.1", w, 1}},
			counter: "login", key: "ip:192.0.2.1", wantCur: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := open(t, NewClock(Epoch).Now)
			for _, i := range tc.incs {
				c := db.RateCounter(i.counter)
				c.Config(10, minute)
				if err := c.IncrementBy(i.key, i.window, i.amount); err != nil {
					t.Fatalf("increment %+v: %v", i, err)
				}
			}
			c := db.RateCounter(tc.counter)
			c.Config(10, minute)
			cur, prv, err := c.Get(tc.key, w, w.Add(-minute))
			if err != nil {
				t.Fatal(err)
			}
			if cur != tc.wantCur || prv != tc.wantPrv {
				t.Errorf("got %d current, %d previous; want %d, %d", cur, prv, tc.wantCur, tc.wantPrv)
			}
		})
	}
	t.Run("OneBudget", func(t *testing.T) {
		// Each process makes its own counter; they count together.
		db := open(t, NewClock(Epoch).Now)
		a, b := db.RateCounter("login"), db.RateCounter("login")
		a.Config(10, minute)
		b.Config(10, minute)
		for _, c := range []vestiging.RateCounter{a, b, a} {
			if err := c.Increment("k", w); err != nil {
				t.Fatal(err)
			}
		}
		if cur, _, err := b.Get("k", w, w.Add(-minute)); err != nil || cur != 3 {
			t.Errorf("got %d, %v; want 3", cur, err)
		}
	})
	t.Run("Pruned", func(t *testing.T) {
		clock := NewClock(Epoch)
		db := open(t, clock.Now)
		c := db.RateCounter("login")
		c.Config(10, minute)
		late := w.Add(2*time.Hour - minute) // still needed two hours on
		for _, i := range []inc{{"", "old", w, 1}, {"", "late", late, 1}} {
			if err := c.Increment(i.key, i.window); err != nil {
				t.Fatal(err)
			}
		}
		clock.Add(2 * time.Hour) // past the old window's use, and the store's pruning interval
		if err := c.Increment("new", w.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, want := range []struct {
			key    string
			window time.Time
			count  int
		}{{"old", w, 0}, {"late", late, 1}, {"new", w.Add(2 * time.Hour), 1}} {
			if cur, _, err := c.Get(want.key, want.window, want.window.Add(-minute)); err != nil || cur != want.count {
				t.Errorf("%s: got %d, %v; want %d", want.key, cur, err, want.count)
			}
		}
	})
	t.Run("Take", func(t *testing.T) {
		ctx := context.Background()
		takes := func(t *testing.T, db *store.DB, key string, n int) []bool {
			t.Helper()
			var got []bool
			for range n {
				ok, err := db.TakeRate(ctx, "inbox-posts", key, 2, minute)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ok)
			}
			return got
		}
		for _, tc := range []struct {
			name  string
			first int           // takes of key "a" in the previous window, at its start
			after time.Duration // from the start of the current window
			want  []bool        // takes of "a" then
		}{
			{name: "OK", after: 10 * time.Second, want: []bool{true, true, false, false}},
			// Two in the previous window, half of which the sliding window
			// covers: one left.
			{name: "PreviousWindow", first: 2, after: 30 * time.Second, want: []bool{true, false}},
			{name: "PreviousWindowPassed", first: 2, after: minute + time.Second, want: []bool{true, true, false}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				clock := NewClock(w.Add(-minute))
				db := open(t, clock.Now)
				takes(t, db, "a", tc.first)
				clock.Set(w.Add(tc.after))
				if got := takes(t, db, "a", len(tc.want)); !slices.Equal(got, tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
				if got := takes(t, db, "b", 1); !got[0] {
					t.Error("another key was refused")
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
	t.Run("ErrNotConfigured", func(t *testing.T) {
		db := open(t, NewClock(Epoch).Now)
		if err := db.RateCounter("login").Increment("k", w); err == nil {
			t.Error("a counter without a window length counted")
		}
	})
}
