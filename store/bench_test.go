package store_test

import (
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
	backends := map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite}
	if os.Getenv(storetest.EnvPostgres) != "" {
		backends["postgres"] = storetest.Postgres
	}
	for _, name := range []string{"sqlite", "postgres"} {
		open, ok := backends[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			db := open(b)
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
}
