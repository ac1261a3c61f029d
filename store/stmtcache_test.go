package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkStmtCacheLimit runs River's job fetch as its three queues do on
// one connection, each with its own number of idle workers as the LIMIT.
func BenchmarkStmtCacheLimit(b *testing.B) {
	ctx := context.Background()
	db := openCacheDB(b)
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	const fetch = `UPDATE river_job SET state = 'running', attempt = attempt + 1
WHERE id IN (SELECT id FROM river_job WHERE queue = $1 AND state = 'available' AND scheduled_at <= $2
	ORDER BY priority, scheduled_at, id LIMIT $3)
RETURNING id, args, kind`
	queues := []struct {
		name string
		idle int
	}{{"default", 20}, {"inbox", 2}, {"delivery", 50}}
	for i := 0; b.Loop(); i++ {
		q := queues[i%len(queues)]
		rows, err := conn.QueryContext(ctx, fetch, q.name, "2026-12-07 20:00:00", q.idle)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		rows.Close()
	}
}

func TestUnplannedLimits(t *testing.T) {
	for _, c := range []struct{ query, want string }{
		{"SELECT v FROM n LIMIT $2", "SELECT v FROM n LIMIT ($2 + 0)"},
		{"SELECT v FROM n ORDER BY v limit ?5 offset ?6", "SELECT v FROM n ORDER BY v limit (?5 + 0) offset (?6 + 0)"},
		{"SELECT v FROM n\n\tLIMIT\n\t$1", "SELECT v FROM n\n\tLIMIT\n\t($1 + 0)"},
		{"SELECT v FROM n LIMIT 10", "SELECT v FROM n LIMIT 10"},
		{"SELECT v FROM n LIMIT ?7 - 1", "SELECT v FROM n LIMIT (?7 + 0) - 1"},
		{"SELECT unlimited FROM n WHERE v = $1", "SELECT unlimited FROM n WHERE v = $1"},
	} {
		if got := unplannedLimits(c.query); got != c.want {
			t.Errorf("%q: got %q, want %q", c.query, got, c.want)
		}
	}
}

// openCacheDB opens an SQLite database of its own, closed after the test.
func openCacheDB(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "cache.db"), Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	db := openCacheDB(t)
	if _, err := db.SQL().Exec(`CREATE TABLE n (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	for v := range 3 {
		if _, err := db.SQL().Exec(`INSERT INTO n (v) VALUES ($1)`, v); err != nil {
			t.Fatal(err)
		}
	}
	count := func(q querier, query string, args ...any) int {
		t.Helper()
		var n int
		if err := q.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("OK", func(t *testing.T) {
		for range 3 {
			if got, want := count(db.SQL(), `SELECT COUNT(*) FROM n WHERE v >= $1`, 1), 2; got != want {
				t.Errorf("got %d, want %d", got, want)
			}
		}
	})
	// A transaction reads the same text again while the first rows are
	// open: each gets its own statement.
	t.Run("Busy", func(t *testing.T) {
		tx, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		const q = `SELECT v FROM n WHERE v >= $1 ORDER BY v`
		rows, err := tx.QueryContext(ctx, q, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			inner, err := tx.QueryContext(ctx, q, v)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for inner.Next() {
				n++
			}
			inner.Close()
			got = append(got, fmt.Sprintf("%d:%d", v, n))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if want := "[0:3 1:2 2:1]"; fmt.Sprint(got) != want {
			t.Errorf("got %v, want %s", got, want)
		}
	})
	// A LIMIT or OFFSET parameter is prepared as an expression, and each
	// value still gets its own answer.
	t.Run("Limit", func(t *testing.T) {
		const q = `SELECT COUNT(*) FROM (SELECT v FROM n WHERE v >= $1 ORDER BY v LIMIT $2 OFFSET $3)`
		for _, c := range []struct{ limit, offset, want int }{{1, 0, 1}, {2, 0, 2}, {1, 2, 1}, {5, 1, 2}, {-1, 0, 3}} {
			if got := count(db.SQL(), q, 0, c.limit, c.offset); got != c.want {
				t.Errorf("LIMIT %d OFFSET %d: got %d, want %d", c.limit, c.offset, got, c.want)
			}
		}
	})
	// More texts than a connection keeps: the oldest make way, and every
	// query still answers.
	t.Run("Evicted", func(t *testing.T) {
		conn, err := db.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for i := range 2 * stmtCacheSize {
			if got := count(conn, fmt.Sprintf(`SELECT COUNT(*) + %d FROM n`, i)); got != 3+i {
				t.Fatalf("query %d: got %d, want %d", i, got, 3+i)
			}
		}
		if err := conn.Raw(func(c any) error {
			if got := c.(*stmtCacheConn).lru.Len(); got != stmtCacheSize {
				return fmt.Errorf("the connection keeps %d statements, want %d", got, stmtCacheSize)
			}
			return nil
		}); err != nil {
			t.Error(err)
		}
	})
}
