package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// scaleTopics are the seeded events' titles, each 1/20 of them.
var scaleTopics = []string{"Voorlezen voor peuters", "Taalcafé", "Digitaal spreekuur", "Fietsen repareren",
	"Schaakclub", "Lezing over de Romeinen", "Workshop breien", "Computercursus voor senioren", "Boekenclub",
	"Huiswerkbegeleiding", "Klimaatcafé", "Repair café", "Gamemiddag", "Muziekles", "Schrijfworkshop",
	"Stamboomonderzoek", "Poëzieavond", "Filmavond", "Theater voor kinderen", "Spreekuur belastingaangifte"}

// BenchmarkScale is the speed target: 100,000 events (10,000 local,
// 90,000 from 500 other libraries) spread over a year around now, served
// through the full handler — the agenda's first page, searches with a
// rare word (1 in 1,000 events), a common one (1 in 20), two words, a word
// in every event, and the iCalendar feed (1,000 events). Each reports
// its median as p50-ms beside the mean ns/op.
func BenchmarkScale(b *testing.B) {
	clock := storetest.NewClock(testNow)
	for _, be := range storetest.Openers() {
		b.Run(be.Name, func(b *testing.B) {
			db := be.Open(b, clock.Now)
			seedScale(b, db, testNow, be.Name == "postgres")
			srv := New(Config{Services: db, BaseURL: &url.URL{Scheme: "http", Host: "localhost"}, Clock: clock.Now,
				Logger: slog.New(slog.DiscardHandler)})
			for _, c := range []struct{ name, path, want string }{
				{"agenda", "/agenda", "<h1"},
				{"search-rare", "/agenda?q=sterrenkijken", "sterrenkijken"},
				{"search-common", "/agenda?q=taalcafe", "Taalcaf"},
				{"search-two-words", "/agenda?q=computercursus+senioren", "Computercursus"},
				{"search-every-event", "/agenda?q=bibliotheek", "bibliotheek"},
				{"ics", "/agenda.ics", "BEGIN:VCALENDAR"},
			} {
				b.Run(c.name, func(b *testing.B) {
					var took []time.Duration
					for b.Loop() {
						start := time.Now()
						rec := httptest.NewRecorder()
						srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
						took = append(took, time.Since(start))
						if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), c.want) {
							b.Fatalf("%s: status %d:\n%.2000s", c.path, rec.Code, rec.Body.String())
						}
						if c.name == "ics" && strings.Count(rec.Body.String(), "BEGIN:VEVENT") != vestiging.MaxFeedSize {
							b.Fatalf("%s: %d events", c.path, strings.Count(rec.Body.String(), "BEGIN:VEVENT"))
						}
					}
					slices.Sort(took)
					b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
				})
			}
		})
	}
}

// seedScale inserts 10,000 local events and 90,000 from 500 remote
// libraries, one every 5¼ minutes over the year around now, in one
// transaction of multi-row INSERTs (the search triggers index each), and
// vacuums and gathers the planner's statistics as autovacuum would after
// such a load.
func seedScale(b *testing.B, db *store.DB, now time.Time, postgres bool) {
	b.Helper()
	ctx := b.Context()
	storetest.SeedRemoteEvents(b, db, 500, 500, now.AddDate(-1, 0, 0)) // the 500 origins, one past event each
	origins := make([]int64, 500)
	for i := range origins {
		a, err := db.ActorByIRI(ctx, fmt.Sprintf("https://bibliotheek-%d.example/actor", i+1))
		if err != nil {
			b.Fatal(err)
		}
		origins[i] = a.ID
	}
	var branches []int64
	for i, city := range []string{"Tiel", "Culemborg", "Geldermalsen"} {
		br := &vestiging.Branch{Name: fmt.Sprintf("Vestiging %d", i+1), City: city, PostalCode: "4001 AB"}
		if err := db.CreateBranch(ctx, br); err != nil {
			b.Fatal(err)
		}
		branches = append(branches, br.ID)
	}
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	// Both backends read this text as a time: a TIMESTAMPTZ literal on
	// PostgreSQL, the store's own format on SQLite.
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }
	const n, batch, cols = 100_000, 50, 15
	first, step := now.AddDate(0, -6, 0), 365*24*time.Hour/n
	var values []string
	var args []any
	for i := range n {
		starts := first.Add(time.Duration(i) * step)
		topic := scaleTopics[i%len(scaleTopics)]
		desc := fmt.Sprintf("<p>%s in de bibliotheek, voor iedereen die mee wil doen. Aflevering %d.</p>", topic, i/len(scaleTopics))
		if i%1000 == 0 {
			desc += "<p>Na afloop gaan we sterrenkijken.</p>"
		}
		var iri, origin, branch any
		city := ""
		if i%10 == 0 { // local
			branch = branches[i%len(branches)]
		} else {
			o := i % len(origins)
			origin = origins[o]
			iri = fmt.Sprintf("https://bibliotheek-%d.example/events/scale-%d", o+1, i)
			city = fmt.Sprintf("Plaats %d", o%50)
		}
		p := len(args)
		ph := make([]string, cols)
		for j := range ph {
			ph[j] = fmt.Sprintf("$%d", p+j+1)
		}
		values = append(values, "("+strings.Join(ph, ", ")+")")
		args = append(args, vestiging.KindEvent, topic, desc, ts(starts), ts(starts.Add(90*time.Minute)),
			"Europe/Amsterdam", "nl", vestiging.RegistrationNone,
			vestiging.StatusPublished, ts(now), ts(now), iri, origin, branch, city)
		if len(values) == batch || i == n-1 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO events (kind, title, description, starts_at, ends_at, time_zone,
				language, registration_mode, status, created_at, updated_at, iri, origin_id, branch_id, place_city)
				VALUES `+strings.Join(values, ", "), args...); err != nil {
				b.Fatalf("seed: %v", err)
			}
			values, args = values[:0], args[:0]
		}
	}
	// One audience each, in turn.
	audience := "CASE id % " + fmt.Sprint(len(vestiging.Audiences))
	for i, a := range vestiging.Audiences {
		audience += fmt.Sprintf(" WHEN %d THEN '%s'", i, a)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO event_audiences (event_id, audience, position)
		SELECT id, `+audience+` END, 0 FROM events WHERE id NOT IN (SELECT event_id FROM event_audiences)`); err != nil {
		b.Fatalf("seed audiences: %v", err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	analyze := "ANALYZE"
	if postgres {
		// Autovacuum vacuums after a load of inserts too, which marks the
		// pages all-visible: index-only scans then skip the table.
		analyze = "VACUUM ANALYZE"
	}
	if _, err := db.SQL().ExecContext(ctx, analyze); err != nil {
		b.Fatal(err)
	}
}
