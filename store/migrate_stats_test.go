package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

// TestMigrateStats: 0018 tells the registrations made before it apart by
// where the person came from, as far as anonymisation left it known, and
// counts a place held after the waitlist as given from it, on both
// databases.
func TestMigrateStats(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := emptyDB(t, backend)
			if err := db.MigrateUpTo(ctx, 16); err != nil {
				t.Fatal(err)
			}
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			at := "2026-03-01T10:00:00.000000Z"
			exec(`INSERT INTO events (kind, title, description, starts_at, ends_at, time_zone, language, registration_mode,
				status, online_url, created_at, updated_at) VALUES ('event', 'Taalcafé', '', $1, $1, 'Europe/Amsterdam', 'nl',
				'open', 'published', 'https://meet.example/x', $1, $1)`, at)
			exec(`INSERT INTO people (email, display_name, password_hash, role, created_at) VALUES ('anna@example.nl', 'Anna', 'x', 'resident', $1)`, at)
			exec(`INSERT INTO actors (iri, host) VALUES ('https://b.example/users/bo', 'b.example')`)
			insert := `INSERT INTO registrations (event_id, person_id, actor_id, guest_email, state, waitlisted_at, created_at, updated_at)
				VALUES (1, $1, $2, $3, $4, $5, $6, $6)`
			exec(insert, 1, nil, "", "confirmed", nil, at)
			exec(insert, nil, 1, "", "waitlisted", at, at)
			exec(insert, nil, nil, "gast@example.nl", "confirmed", at, at) // given a place from the waitlist
			exec(insert, nil, nil, "", "cancelled", nil, at)               // anonymised
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			st, err := db.Statistics(ctx, vestiging.StatisticsFilter{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
				To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Location: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			want := vestiging.Figures{Activities: 1, SignUps: 4, Promoted: 1, Residents: 1, Guests: 1, Remote: 1}
			if st.Total != want {
				t.Errorf("after migrating: %+v, want %+v", st.Total, want)
			}
		})
	}
}
