package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// TestRestoreOlderBackup: a backup made by the previous schema restores
// into a new database, which is built up to that schema, filled and then
// migrated forward; a database already at the newer schema refuses it.
func TestRestoreOlderBackup(t *testing.T) {
	ctx := context.Background()
	src, err := store.Open(ctx, filepath.Join(t.TempDir(), "vestiging.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	latest, err := src.LatestSchema()
	if err != nil {
		t.Fatal(err)
	}
	if err := src.MigrateUpTo(ctx, latest-1); err != nil {
		t.Fatal(err)
	}
	if _, err := src.SQL().ExecContext(ctx, `INSERT INTO branches (name, city) VALUES ('Bibliotheek Aalten', 'Aalten')`); err != nil {
		t.Fatal(err)
	}
	file := backupOf(t, src)

	t.Run("OK", func(t *testing.T) {
		dst := emptyDB(t, "sqlite")
		if err := restoreInto(dst, file, store.ImportOptions{BaseURL: copyBase}); err != nil {
			t.Fatal(err)
		}
		if got, err := dst.SchemaVersion(ctx); err != nil || got != latest {
			t.Errorf("schema %d (%v), want %d", got, err, latest)
		}
		branches, err := dst.Branches(ctx)
		if err != nil || len(branches) != 1 || branches[0].City != "Aalten" {
			t.Errorf("branches %v, %v", branches, err)
		}
	})
	t.Run("ErrNewerTarget", func(t *testing.T) {
		err := restoreInto(storetest.SQLite(t), file, store.ImportOptions{BaseURL: copyBase})
		if got, want := vestiging.ErrorCode(err), vestiging.ECONFLICT; got != want {
			t.Errorf("error %v: code %q, want %q", err, got, want)
		}
	})
}
