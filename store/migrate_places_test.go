package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/vestiging/vestiging"
)

// TestMigratePlacesPricesThemes: 0013 turns each event's one theme and
// audience into its lists, on both databases, and the agenda's filters and
// search find the events as before; no event gets a price or a place.
func TestMigratePlacesPricesThemes(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := emptyDB(t, backend)
			if err := db.MigrateUpTo(ctx, 12); err != nil {
				t.Fatal(err)
			}
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO branches (name, city) VALUES ('Bibliotheek Tiel', 'Tiel')`)
			insert := `INSERT INTO events (kind, title, starts_at, ends_at, time_zone, branch_id, audience, theme, language,
				registration_mode, status, created_at, updated_at)
				VALUES ($1, $2, '2026-03-10T10:00:00.000000Z', '2026-03-10T11:00:00.000000Z', 'Europe/Amsterdam', 1, $3, $4,
				'nl', 'none', 'published', '2026-03-01T10:00:00.000000Z', '2026-03-01T10:00:00.000000Z')`
			exec(insert, "event", "Voorleesuurtje", "children", "leesplezier")
			exec(insert, "event", "Inloop", "all", nil)
			exec(insert, "course", "Klik & Tik", "seniors", "digitale-vaardigheden")
			exec(`INSERT INTO event_sessions (event_id, starts_at, ends_at, branch_id)
				VALUES (3, '2026-03-10T10:00:00.000000Z', '2026-03-10T11:00:00.000000Z', 1)`)
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for _, want := range []struct {
				id                int64
				themes, audiences []string
			}{
				{1, []string{"leesplezier"}, []string{"children"}},
				{2, nil, []string{"all"}},
				{3, []string{"digitale-vaardigheden"}, []string{"seniors"}},
			} {
				e, err := db.Event(ctx, want.id)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(e.Themes, want.themes) || !slices.Equal(e.Audiences, want.audiences) ||
					e.Price != nil || e.PlaceID != nil || e.Place != nil || e.Branch == nil || e.Branch.Name != "Bibliotheek Tiel" {
					t.Errorf("event %d after migrating: themes %q audiences %q price %v place %v branch %v",
						want.id, e.Themes, e.Audiences, e.Price, e.Place, e.Branch)
				}
				if e.Kind == vestiging.KindCourse && (len(e.Sessions) != 1 || e.Sessions[0].BranchID == nil) {
					t.Errorf("course sessions %+v", e.Sessions)
				}
			}
			for _, f := range []struct {
				filter vestiging.EventFilter
				want   int
			}{
				{vestiging.EventFilter{Theme: "leesplezier"}, 1},
				{vestiging.EventFilter{Audience: vestiging.AudienceAll}, 1},
				{vestiging.EventFilter{Audience: vestiging.AudienceSeniors, Theme: "digitale-vaardigheden"}, 1},
				{vestiging.EventFilter{Query: "voorleesuurtje tiel"}, 1},
				{vestiging.EventFilter{Place: "Tiel"}, 3},
			} {
				if _, n, err := db.FindEvents(ctx, f.filter); err != nil || n != f.want {
					t.Errorf("%+v: %d found, %v; want %d", f.filter, n, err, f.want)
				}
			}
		})
	}
}
