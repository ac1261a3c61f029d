package store_test

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// slowSink hands rows on slowly, so writes happen while the export reads.
type slowSink struct{ store.CopySink }

func (s slowSink) Row(values []any) error {
	time.Sleep(200 * time.Microsecond)
	return s.CopySink.Row(values)
}

// TestExportWhileWriting: a backup read while events are being created is
// one moment of the database, which restores with every reference intact,
// and the writes go on while it is read.
func TestExportWhileWriting(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, src *store.DB) {
		seedCopy(t, src)
		branches, err := src.Branches(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var written atomic.Int64
		done := make(chan error, 1)
		go func() {
			for i := 0; ctx.Err() == nil; i++ {
				e := &vestiging.Event{Title: fmt.Sprintf("Spreekuur %d", i), StartsAt: time.Now().Add(24 * time.Hour).Truncate(time.Hour),
					BranchID: &branches[i%len(branches)].ID, Status: vestiging.StatusPublished, Audiences: vestiging.Audiences[:1]}
				e.EndsAt = e.StartsAt.Add(time.Hour)
				if err := src.CreateEvent(ctx, e); err != nil {
					if ctx.Err() == nil {
						done <- err
						return
					}
					break
				}
				written.Add(1)
			}
			done <- nil
		}()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("write during the export: %v", err)
			}
		}()
		for written.Load() < 3 {
			time.Sleep(time.Millisecond)
		}

		var buf bytes.Buffer
		w := store.NewBackupWriter(&buf)
		counts := &dump{tables: map[string][]string{}}
		before := written.Load()
		if err := src.Export(context.Background(), copyBase, slowSink{store.TeeSink(w, counts)}); err != nil {
			t.Fatal(err)
		}
		during := written.Load() - before
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d events created while the export read %d events", during, len(counts.tables["events"])-1)
		if during == 0 {
			t.Error("no event was created while the export ran")
		}

		dst := emptyDB(t, "sqlite")
		if err := restoreInto(dst, buf.Bytes(), store.ImportOptions{BaseURL: copyBase}); err != nil {
			t.Fatal(err)
		}
		if got, want := dumpOf(t, dst).tables["events"], counts.tables["events"]; len(got) != len(want) {
			t.Errorf("restored %d events, the backup holds %d", len(got)-1, len(want)-1)
		}
	})
}
