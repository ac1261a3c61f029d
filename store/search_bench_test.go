package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// searchTopics are the titles of the benchmark's events: each one is
// 1/20 of them.
var searchTopics = []string{"Voorlezen voor peuters", "Taalcafé", "Digitaal spreekuur", "Fietsen repareren",
	"Schaakclub", "Lezing over de Romeinen", "Workshop breien", "Computercursus voor senioren", "Boekenclub",
	"Huiswerkbegeleiding", "Klimaatcafé", "Repair café", "Gamemiddag", "Muziekles", "Schrijfworkshop",
	"Stamboomonderzoek", "Poëzieavond", "Filmavond", "Theater voor kinderen", "Spreekuur belastingaangifte"}

// BenchmarkSearch measures FindEvents with a Query on 10,000 events, a
// quarter ahead, over three branches: a word in 1% of the descriptions, a
// title word in 5% of the events, two words, a search within the upcoming
// events and a theme, and a word every event holds (the worst case: every
// match is ranked).
func BenchmarkSearch(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *store.DB) {
		now := time.Now().UTC()
		seedSearch(b, db, 10_000, now.Add(-7500*2*time.Hour))
		// The planner's figures, as autovacuum gathers them after a load
		// like this; without them PostgreSQL walks every event.
		if _, err := db.SQL().ExecContext(b.Context(), "ANALYZE"); err != nil {
			b.Fatal(err)
		}
		for _, f := range []struct {
			name   string
			filter vestiging.EventFilter
			total  int
		}{
			{"rare", vestiging.EventFilter{Query: "sterrenkijken"}, 100},
			{"title", vestiging.EventFilter{Query: "taalcafe"}, 500},
			{"two words", vestiging.EventFilter{Query: "computercursus senioren"}, 500},
			{"upcoming with theme", vestiging.EventFilter{Query: "voorlezen", From: now, Theme: "leesplezier"}, 0},
			{"every event", vestiging.EventFilter{Query: "bibliotheek"}, 10_000},
		} {
			b.Run(f.name, func(b *testing.B) {
				for b.Loop() {
					events, total, err := db.FindEvents(b.Context(), f.filter)
					// Counts stop one past MaxCount (EventFilter.CountCapped).
					if err != nil || len(events) == 0 || f.total != 0 && total != min(f.total, vestiging.MaxCount+1) {
						b.Fatalf("find %q: %d of %d, %v", f.filter.Query, len(events), total, err)
					}
				}
			})
		}
	})
}

// seedSearch imports n events with the titles of searchTopics, one every
// two hours from start, at three branches.
func seedSearch(b *testing.B, db *store.DB, n int, start time.Time) {
	b.Helper()
	ctx := b.Context()
	var branches []int64
	for i, city := range []string{"Tiel", "Culemborg", "Geldermalsen"} {
		br := &vestiging.Branch{Name: fmt.Sprintf("Vestiging %d", i+1), City: city}
		if err := db.CreateBranch(ctx, br); err != nil {
			b.Fatal(err)
		}
		branches = append(branches, br.ID)
	}
	events := make([]*vestiging.Event, 0, 1000)
	for i := range n {
		desc := fmt.Sprintf("<p>%s in de bibliotheek, voor iedereen die mee wil doen. Aflevering %d.</p>",
			searchTopics[i%len(searchTopics)], i/len(searchTopics))
		if i%100 == 0 {
			desc += "<p>Na afloop gaan we sterrenkijken.</p>"
		}
		e := &vestiging.Event{Title: searchTopics[i%len(searchTopics)], Description: desc,
			StartsAt: start.Add(time.Duration(i) * 2 * time.Hour), BranchID: &branches[i%len(branches)],
			Themes: []string{vestiging.DefaultThemes[i%len(vestiging.DefaultThemes)].Slug}, Status: vestiging.StatusPublished}
		e.EndsAt = e.StartsAt.Add(90 * time.Minute)
		if events = append(events, e); len(events) == cap(events) || i == n-1 {
			if _, _, err := db.ImportEvents(ctx, events); err != nil {
				b.Fatalf("seed: %v", err)
			}
			events = events[:0]
		}
	}
}
