package store_test

import (
	"context"
	"testing"
	"time"
)

// TestMigratePublishedAt: 0011 gives the events and offers that were
// public the creation time they were federated with as their first
// publication, and leaves drafts and pending offers unpublished.
func TestMigratePublishedAt(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := emptyDB(t, backend)
			if err := db.MigrateUpTo(ctx, 10); err != nil {
				t.Fatal(err)
			}
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			created := "2026-03-01T10:00:00.000000Z"
			for _, status := range []string{"published", "draft", "cancelled"} {
				exec(`INSERT INTO events (kind, title, starts_at, ends_at, time_zone, audience, language, registration_mode, status,
					online_url, created_at, updated_at) VALUES ('event', $1, $2, $2, 'Europe/Amsterdam', 'all', 'nl', 'none', $1,
					'https://meet.example/x', $2, $2)`, status, created)
			}
			exec(`INSERT INTO people (email, display_name, password_hash, role, created_at) VALUES ('anna@example.nl', 'Anna', 'x', 'resident', $1)`,
				created)
			for _, status := range []string{"approved", "pending"} {
				exec(`INSERT INTO offers (kind, title, description, author_id, status, created_at, updated_at)
					VALUES ('offer', 'Hulp', '<p>Hulp</p>', 1, $1, $2, $2)`, status, created)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			want := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
			for id, public := range map[int64]bool{1: true, 2: false, 3: true} {
				e, err := db.Event(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if got := e.PublishedAt; public && !got.Equal(want) || !public && !got.IsZero() {
					t.Errorf("%s event: published at %v", e.Status, got)
				}
			}
			for id, public := range map[int64]bool{1: true, 2: false} {
				o, err := db.Offer(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if got := o.PublishedAt; public && !got.Equal(want) || !public && !got.IsZero() {
					t.Errorf("%s offer: published at %v", o.Status, got)
				}
			}
		})
	}
}
