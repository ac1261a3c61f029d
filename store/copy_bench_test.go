package store_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// BenchmarkBackupRestore: a SQLite library with 10,000 events and 10,000
// followers written to a backup and restored into an empty SQLite file.
func BenchmarkBackupRestore(b *testing.B) {
	src := storetest.SQLite(b)
	storetest.SeedEvents(b, src, 10_000, time.Now().Add(24*time.Hour).Truncate(time.Hour))
	storetest.SeedFollowers(b, src, 10_000, 100, func(i int) string { return fmt.Sprintf("http://127.0.0.1:%d/inbox", 9000+i) })
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		w := store.NewBackupWriter(&buf)
		if err := src.Export(context.Background(), copyBase, w); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
		dst, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "vestiging.db"), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := restoreInto(dst, buf.Bytes(), store.ImportOptions{BaseURL: copyBase}); err != nil {
			b.Fatal(err)
		}
		dst.Close()
	}
	b.ReportMetric(float64(size), "backup-bytes")
}
