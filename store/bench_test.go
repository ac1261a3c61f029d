package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// BenchmarkFindEvents measures the agenda query on 10,000 events: the
// public first page, and a page filtered by theme, audience and branch.
func BenchmarkFindEvents(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *store.DB) {
		now := time.Now().UTC()
		// A quarter of the events lie ahead; the rest is history.
		storetest.SeedEvents(b, db, 10_000, now.Add(-7500*2*time.Hour))
		branches, err := db.Branches(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		filters := []struct {
			name   string
			filter vestiging.EventFilter
		}{
			{"agenda", vestiging.EventFilter{From: now}},
			{"filtered", vestiging.EventFilter{From: now, Theme: "leesplezier", Audience: vestiging.AudienceAdults, BranchID: branches[0].ID}},
		}
		for _, f := range filters {
			b.Run(f.name, func(b *testing.B) {
				for b.Loop() {
					events, total, err := db.FindEvents(b.Context(), f.filter)
					if err != nil || len(events) == 0 || total == 0 {
						b.Fatalf("find: %d of %d, %v", len(events), total, err)
					}
				}
			})
		}
	})
}

// BenchmarkFindRemoteEvents is the agenda of BenchmarkFindEvents with 1,000
// upcoming events from five other libraries among the local ones, whose
// origins are read with one more query per page.
func BenchmarkFindRemoteEvents(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *store.DB) {
		now := time.Now().UTC()
		storetest.SeedEvents(b, db, 10_000, now.Add(-7500*2*time.Hour))
		storetest.SeedRemoteEvents(b, db, 1_000, 5, now.Add(time.Hour))
		for _, f := range []struct {
			name   string
			filter vestiging.EventFilter
		}{
			{"agenda", vestiging.EventFilter{From: now}},
			{"remote", vestiging.EventFilter{From: now, Source: vestiging.SourceRemote}},
			{"local", vestiging.EventFilter{From: now, Source: vestiging.SourceLocal}},
		} {
			b.Run(f.name, func(b *testing.B) {
				for b.Loop() {
					events, total, err := db.FindEvents(b.Context(), f.filter)
					if err != nil || len(events) == 0 || total == 0 {
						b.Fatalf("find: %d of %d, %v", len(events), total, err)
					}
				}
			})
		}
	})
}

// benchBackends runs fn on a fresh SQLite database, and on PostgreSQL when
// VESTIGING_TEST_POSTGRES is set.
func benchBackends(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	if os.Getenv(storetest.EnvPostgres) != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, storetest.Postgres(b)) })
	}
}

// BenchmarkFanOut measures what publishing to 10,000 followers on 1,000
// shared inboxes costs the store: listing the inboxes, and saving the
// activity with one delivery job per inbox in one transaction.
func BenchmarkFanOut(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *store.DB) {
		storetest.SeedFollowers(b, db, 10_000, 1_000, func(i int) string { return fmt.Sprintf("https://host%d.example/inbox", i) })
		var inboxes []string
		b.Run("FollowerInboxes", func(b *testing.B) {
			for b.Loop() {
				var err error
				if inboxes, err = db.FollowerInboxes(b.Context()); err != nil || len(inboxes) != 1_000 {
					b.Fatalf("inboxes: %d, %v", len(inboxes), err)
				}
			}
		})
		n := 0 // activities saved, across -count runs on this database
		b.Run("SaveActivity", func(b *testing.B) {
			jobs := make([]vestiging.JobArgs, len(inboxes))
			for i, in := range inboxes {
				jobs[i] = recordJob{N: i, Inbox: in}
			}
			for b.Loop() {
				n++
				a := &vestiging.Activity{IRI: fmt.Sprintf("https://a.example/activities/%d", n), Type: "Create",
					JSON: []byte(`{"type":"Create"}`), Public: true}
				if saved, err := db.SaveActivity(b.Context(), a, jobs); err != nil || !saved {
					b.Fatalf("save: %v, %v", saved, err)
				}
			}
		})
	})
}

// BenchmarkJobs measures River on the store's database: inserting and
// working 1,000 jobs that do nothing, from insert to the last completion.
func BenchmarkJobs(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *store.DB) {
		r := &recorder{started: make(chan int, 1000), done: make(chan int, 1000)}
		if err := db.StartJobs(b.Context(), r.workers(), store.JobsConfig{Logger: slog.New(slog.DiscardHandler)}); err != nil {
			b.Fatal(err)
		}
		defer db.StopJobs(context.Background())
		jobs := make([]vestiging.JobArgs, 1000)
		for i := range jobs {
			jobs[i] = recordJob{N: i}
		}
		n := 0
		for b.Loop() {
			n++
			a := &vestiging.Activity{IRI: fmt.Sprintf("https://a.example/activities/%d", n), Type: "Create", JSON: []byte(`{}`)}
			if _, err := db.SaveActivity(b.Context(), a, jobs); err != nil {
				b.Fatal(err)
			}
			for range jobs {
				<-r.done
				<-r.started
			}
		}
		b.ReportMetric(float64(b.Elapsed().Seconds())/float64(n*len(jobs))*1e6, "µs/job")
	})
}

// BenchmarkInsertJob measures queueing one job on its own, as the inbox
// does for each accepted activity, from parallel requests.
func BenchmarkInsertJob(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *store.DB) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := db.InsertJob(b.Context(), recordJob{N: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkMyAgenda is a resident's agenda (the library's events and ten
// followed libraries' of 500) and the place filter, among 10,000 local
// and 10,000 remote events.
func BenchmarkMyAgenda(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *store.DB) {
		now := time.Now().UTC()
		storetest.SeedEvents(b, db, 10_000, now.Add(-7500*2*time.Hour))
		storetest.SeedRemoteEvents(b, db, 10_000, 500, now.Add(time.Hour))
		// Statistics as PostgreSQL's autovacuum gathers them after a bulk load.
		if _, err := db.SQL().ExecContext(b.Context(), "ANALYZE"); err != nil {
			b.Fatal(err)
		}
		var followed []int64
		for i := 1; i <= 10; i++ {
			a, err := db.ActorByIRI(b.Context(), fmt.Sprintf("https://bibliotheek-%d.example/actor", i*7))
			if err != nil {
				b.Fatal(err)
			}
			followed = append(followed, a.ID)
		}
		for _, f := range []struct {
			name   string
			filter vestiging.EventFilter
		}{
			{"mine", vestiging.EventFilter{From: now, OriginIDs: followed, IncludeLocal: true}},
			{"mine-followed-only", vestiging.EventFilter{From: now, OriginIDs: followed}},
			{"place-city", vestiging.EventFilter{From: now, Place: "Elders"}},
			{"place-postcode", vestiging.EventFilter{From: now, Place: "1234"}},
			{"archive", vestiging.EventFilter{To: now, Descending: true}},
		} {
			b.Run(f.name, func(b *testing.B) {
				for b.Loop() {
					events, total, err := db.FindEvents(b.Context(), f.filter)
					if err != nil || len(events) == 0 || total == 0 {
						b.Fatalf("find: %d of %d, %v", len(events), total, err)
					}
				}
			})
		}
	})
}
