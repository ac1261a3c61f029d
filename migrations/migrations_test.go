package migrations

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"testing"
)

var nameRE = regexp.MustCompile(`^[0-9]{4}_[a-z0-9_]+\.sql$`)

func names(t *testing.T, fsys fs.FS) []string {
	t.Helper()
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		t.Fatalf("read migrations: %v", err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestDialectsMatch(t *testing.T) {
	sqlite, postgres := names(t, SQLite), names(t, Postgres)
	if len(sqlite) == 0 {
		t.Fatal("no SQLite migrations embedded")
	}
	if !slices.Equal(sqlite, postgres) {
		t.Errorf("migrations differ:\nsqlite:   %v\npostgres: %v", sqlite, postgres)
	}
	for i, name := range sqlite {
		if !nameRE.MatchString(name) {
			t.Errorf("%s: want NNNN_name.sql", name)
		}
		if got, want := name[:4], fmt.Sprintf("%04d", i+1); got != want {
			t.Errorf("%s: number %s, want %s (no gaps, from 0001)", name, got, want)
		}
	}
}
