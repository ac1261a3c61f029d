package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "cache.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
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
