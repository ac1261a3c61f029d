package store_test

import (
	"context"
	"testing"

	"github.com/vestiging/vestiging"
)

// TestMigrateCommunity: 0009 keeps the offers there were, with their ids,
// on both databases (SQLite rebuilds the table), and ids stay never reused.
func TestMigrateCommunity(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := emptyDB(t, backend)
			if err := db.MigrateUpTo(ctx, 8); err != nil {
				t.Fatal(err)
			}
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO people (email, display_name, password_hash, role, created_at) VALUES ('anna@example.nl', 'Anna', 'x', 'resident', $1)`,
				"2026-03-01T10:00:00.000000Z")
			for range 2 {
				exec(`INSERT INTO offers (kind, title, description, author_id, status, created_at, updated_at)
					VALUES ('offer', 'Hulp', '<p>Hulp</p>', 1, 'approved', $1, $1)`, "2026-03-01T10:00:00.000000Z")
			}
			exec(`DELETE FROM offers WHERE id = 2`)
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			o, err := db.Offer(ctx, 1)
			if err != nil || o.Title != "Hulp" || o.AuthorName != "Anna" || o.Remote() || o.Hidden {
				t.Fatalf("offer after migrating: %+v, %v", o, err)
			}
			fresh := &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: "Nieuw", Description: "<p>x</p>", AuthorID: 1}
			if err := db.CreateOffer(ctx, fresh); err != nil {
				t.Fatal(err)
			}
			if fresh.ID != 3 {
				t.Errorf("new offer id %d, want 3: the deleted id 2 was handed out again", fresh.ID)
			}
			l, err := db.Library(ctx)
			if err != nil || !l.RepliesNeedApproval || !l.OfferEditsNeedReview || l.FirstPostsReviewed != 0 {
				t.Errorf("library settings %+v, %v", l, err)
			}
		})
	}
}
