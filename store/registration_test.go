package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// popularEvent stores a published event with open sign-up a week after
// now, and n people to sign up for it.
func popularEvent(tb testing.TB, db *store.DB, now time.Time, capacity, n int) (*vestiging.Event, []*vestiging.Person) {
	tb.Helper()
	ctx := context.Background()
	b := &vestiging.Branch{Name: "Centrale"}
	if err := db.CreateBranch(ctx, b); err != nil {
		tb.Fatal(err)
	}
	start := now.Add(7 * 24 * time.Hour).Truncate(time.Hour)
	e := &vestiging.Event{Title: "Lezing", StartsAt: start, EndsAt: start.Add(time.Hour), BranchID: &b.ID,
		Status: vestiging.StatusPublished, RegistrationMode: vestiging.RegistrationOpen, Capacity: capacity}
	if err := db.CreateEvent(ctx, e); err != nil {
		tb.Fatal(err)
	}
	people := make([]*vestiging.Person, n)
	for i := range people {
		people[i] = &vestiging.Person{Email: fmt.Sprintf("lid%d@example.nl", i), DisplayName: fmt.Sprintf("Lid %d", i),
			PasswordHash: "$argon2id$test"}
		if err := db.CreatePerson(ctx, people[i]); err != nil {
			tb.Fatal(err)
		}
	}
	return e, people
}

// TestConcurrentSignUpsTwoProcesses signs 100 people up for 10 places
// through two store handles on one PostgreSQL database, as two `vestiging
// serve` processes would.
func TestConcurrentSignUpsTwoProcesses(t *testing.T) {
	server := os.Getenv(storetest.EnvPostgres)
	if server == "" {
		t.Skip(storetest.EnvPostgres + " is not set; skipping PostgreSQL")
	}
	url := storetest.CreatePostgresDatabase(t, server)
	var dbs []*store.DB
	for range 2 {
		db, err := store.Open(t.Context(), url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, db)
	}
	e, people := popularEvent(t, dbs[0], time.Now(), 10, 100)
	storetest.ConcurrentSignUps(t, dbs, e, people)

	// A hybrid event: each kind of place keeps its own capacity.
	hybrid := &vestiging.Event{Title: "Hybride lezing", StartsAt: e.StartsAt, EndsAt: e.EndsAt, BranchID: e.BranchID,
		OnlineURL: "https://meet.example/lezing", Status: vestiging.StatusPublished,
		RegistrationMode: vestiging.RegistrationOpen, Capacity: 10, OnlineCapacity: 15}
	if err := dbs[0].CreateEvent(t.Context(), hybrid); err != nil {
		t.Fatal(err)
	}
	storetest.ConcurrentHybridSignUps(t, dbs, hybrid, people)
}

// TestAnonymizeWorker runs the store's own workers: the sweep runs at
// start and anonymises registrations of events that ended more than the
// library's AnonymizeAfterDays ago.
func TestAnonymizeWorker(t *testing.T) {
	backends := map[string]func(testing.TB, vestiging.Clock) *store.DB{"sqlite": storetest.SQLiteClock}
	if os.Getenv(storetest.EnvPostgres) != "" {
		backends["postgres"] = storetest.PostgresClock
	}
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			clock := storetest.NewClock(time.Now().UTC())
			db := open(t, clock.Now)
			ctx := t.Context()
			l, err := db.Library(ctx)
			if err != nil {
				t.Fatal(err)
			}
			l.AnonymizeAfterDays = 10
			if err := db.UpdateLibrary(ctx, l); err != nil {
				t.Fatal(err)
			}
			e, people := popularEvent(t, db, clock.Now(), 0, 2)
			var regs []*vestiging.Registration
			for _, p := range people {
				r := &vestiging.Registration{EventID: e.ID, PersonID: p.ID}
				if err := db.Register(ctx, r); err != nil {
					t.Fatal(err)
				}
				regs = append(regs, r)
			}
			// Nine days after the event: not yet.
			clock.Set(e.EndsAt.Add(9 * 24 * time.Hour))
			if n, err := db.AnonymizeDue(ctx); err != nil || n != 0 {
				t.Fatalf("nine days after: anonymised %d, %v", n, err)
			}
			clock.Set(e.EndsAt.Add(11 * 24 * time.Hour))
			workers := river.NewWorkers()
			db.AddWorkers(workers)
			// Only the store's workers: the sign-ups' mails wait, unworked.
			quiet := slog.New(slog.DiscardHandler)
			if err := db.StartJobs(ctx, workers, store.JobsConfig{Workers: 2, Logger: quiet}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.StopJobs(context.Background()) })
			deadline := time.Now().Add(30 * time.Second)
			for _, r := range regs {
				for {
					got, err := db.Registration(ctx, r.ID)
					if err != nil {
						t.Fatal(err)
					}
					if got.AnonymizedAt != nil {
						if got.PersonID != 0 || got.Name != "" || got.Email != "" {
							t.Errorf("anonymised registration %+v", got)
						}
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("registration %d not anonymised by the sweep at start", r.ID)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
}
