package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// BenchmarkRegister measures sign-ups per second on one popular event:
// everyone at once (RunParallel), 100 places, the rest on the waitlist.
//
//	go test -run '^$' -bench BenchmarkRegister -benchtime 2000x ./store/
func BenchmarkRegister(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *store.DB) {
		people := seedPeople(b, db, b.N)
		e, _ := popularEvent(b, db, time.Now(), 100, 0)
		var next atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r := &vestiging.Registration{EventID: e.ID, PersonID: people[next.Add(1)-1]}
				if err := db.Register(context.Background(), r); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signups/s")
	})
}

// seedPeople stores n people in one transaction and returns their ids.
func seedPeople(tb testing.TB, db *store.DB, n int) []int64 {
	tb.Helper()
	ctx := context.Background()
	// Both backends read this text as a time (see storetest.SeedFollowers).
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	var ids []int64
	for len(ids) < n {
		var values []string
		var args []any
		for i := len(ids); i < min(n, len(ids)+500); i++ {
			p := len(args)
			values = append(values, fmt.Sprintf("($%d, $%d, '$argon2id$bench', $%d, $%d)", p+1, p+2, p+3, p+4))
			args = append(args, fmt.Sprintf("bench%d@example.nl", i), fmt.Sprintf("Lid %d", i), vestiging.RoleResident, now)
		}
		rows, err := tx.QueryContext(ctx, `INSERT INTO people (email, display_name, password_hash, role, created_at) VALUES `+
			strings.Join(values, ", ")+` RETURNING id`, args...)
		if err != nil {
			tb.Fatal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				tb.Fatal(err)
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	return ids
}
