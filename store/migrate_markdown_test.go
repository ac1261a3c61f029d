package store_test

import (
	"context"
	"testing"
)

// TestMigrateMarkdown: 0016 gives what was written here before its
// Markdown source, converted from the HTML (which stays as it was), on
// both databases; remote text keeps none; audit entries get the title of
// what they concern.
func TestMigrateMarkdown(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := emptyDB(t, backend)
			if err := db.MigrateUpTo(ctx, 15); err != nil {
				t.Fatal(err)
			}
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			at := "2026-03-01T10:00:00.000000Z"
			html := "<p>Een <strong>vette</strong> alinea.</p><ul><li>een</li><li>twee</li></ul>"
			insertEvent := `INSERT INTO events (kind, title, description, starts_at, ends_at, time_zone, language,
				registration_mode, status, online_url, created_at, updated_at, iri)
				VALUES ('event', $1, $2, $3, $3, 'Europe/Amsterdam', 'nl', 'none', 'published', 'https://meet.example/x', $3, $3, $4)`
			exec(insertEvent, "Taalcafé", html, at, nil)
			exec(insertEvent, "Elders", "<p>Van **ver**</p>", at, "https://b.example/events/9")
			exec(`UPDATE library SET description = '<p>Welkom<br>in Tiel</p>'`)
			exec(`INSERT INTO people (email, display_name, password_hash, role, created_at) VALUES ('anna@example.nl', 'Anna', 'x', 'resident', $1)`, at)
			exec(`INSERT INTO offers (kind, title, description, author_id, status, created_at, updated_at)
				VALUES ('offer', 'Hulp', '<p>Hulp met <em>mail</em></p>', 1, 'approved', $1, $1)`, at)
			exec(`INSERT INTO replies (event_id, person_id, content, status, created_at, updated_at)
				VALUES (1, 1, '<p>Leuk!</p>', 'approved', $1, $1)`, at)
			exec(`INSERT INTO audit_log (action, target, created_at) VALUES ('event.approve', 'event 1', $1)`, at)
			exec(`INSERT INTO audit_log (action, target, created_at) VALUES ('offer.approve', 'offer 1', $1)`, at)
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}

			e, err := db.Event(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := e.DescriptionSource, "Een **vette** alinea.\n\n- een\n- twee"; got != want {
				t.Errorf("event source %q, want %q", got, want)
			}
			if e.Description != html {
				t.Errorf("event HTML changed: %q", e.Description)
			}
			remote, err := db.Event(ctx, 2)
			if err != nil {
				t.Fatal(err)
			}
			if remote.DescriptionSource != "" || remote.Description != "<p>Van **ver**</p>" {
				t.Errorf("remote event: source %q, HTML %q", remote.DescriptionSource, remote.Description)
			}
			l, err := db.Library(ctx)
			if err != nil || l.DescriptionSource != "Welkom\nin Tiel" {
				t.Errorf("library source %q, %v", l.DescriptionSource, err)
			}
			o, err := db.Offer(ctx, 1)
			if err != nil || o.DescriptionSource != "Hulp met *mail*" {
				t.Errorf("offer source %q, %v", o.DescriptionSource, err)
			}
			r, err := db.Reply(ctx, 1)
			if err != nil || r.ContentSource != "Leuk!" {
				t.Errorf("reply source %q, %v", r.ContentSource, err)
			}
			log, _, err := db.AuditLog(ctx, 0, 10)
			if err != nil || len(log) != 2 || log[0].Title != "Hulp" || log[1].Title != "Taalcafé" {
				t.Fatalf("audit log after migrating: %v", err)
			}
		})
	}
}
