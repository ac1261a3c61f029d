package store_test

import (
	"context"
	"testing"

	"github.com/vestiging/vestiging"
)

// TestMigrateFeedTokens: 0017 keeps only the hash of each personal feed
// token, on both databases, so the addresses people subscribed to (both
// the hex tokens 0005 made and the later base64 ones) keep working.
func TestMigrateFeedTokens(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := emptyDB(t, backend)
			if err := db.MigrateUpTo(ctx, 16); err != nil {
				t.Fatal(err)
			}
			hexToken := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
			b64Token, _ := vestiging.NewToken()
			for i, token := range []any{hexToken, b64Token, nil} {
				if _, err := db.SQL().ExecContext(ctx, `INSERT INTO people (email, display_name, password_hash, role, created_at, feed_token)
					VALUES ($1, 'x', 'x', 'resident', '2026-03-01T10:00:00.000000Z', $2)`, []string{"a@example.nl", "b@example.nl", "c@example.nl"}[i], token); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for _, token := range []string{hexToken, b64Token} {
				if _, err := db.PersonByFeedHash(ctx, vestiging.HashToken(token)); err != nil {
					t.Errorf("feed %s after migrating: %v", token, err)
				}
				var n int
				if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM people WHERE feed_token_hash = $1`, token).Scan(&n); err != nil || n != 0 {
					t.Errorf("token %s still in the clear (%d rows, %v)", token, n, err)
				}
			}
			c, err := db.PersonByEmail(ctx, "c@example.nl")
			if err != nil || c.FeedTokenHash != "" {
				t.Errorf("person without a feed: %+v, %v", c, err)
			}
		})
	}
}
