package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
	"github.com/vestiging/vestiging/store"
)

// TestShutdownSIGTERM: the real binary gets SIGTERM in the middle of the
// fan-out of an event to 100 receivers, half of which hold their answer
// until the sender hangs up. It stops accepting at once but keeps working
// the deliveries in flight; a second SIGTERM cancels them, and they go back
// to the queue (none is left "running", unlike after SIGKILL) before the
// process exits, well within forceGrace. Started again on the same
// database, it delivers to every receiver.
func TestShutdownSIGTERM(t *testing.T) {
	const receivers = 100
	ctx := context.Background()
	bed, db := newFanoutBed(t, ctx, receivers)
	addr, f, rvs := bed.addr, bed.f, bed.rvs
	e := &vestiging.Event{Title: "Taalcafé", StartsAt: time.Now().Add(72 * time.Hour).Truncate(time.Hour),
		OnlineURL: "https://meet.example.nl/taalcafe", Status: vestiging.StatusPublished}
	e.EndsAt = e.StartsAt.Add(time.Hour)
	proc := bed.startHolding(t, ctx, db, e)
	signal := func() {
		t.Helper()
		if err := proc.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
	}
	signal()
	// No new connections, while the deliveries in flight go on.
	eventually(t, 5*time.Second, func() error {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return fmt.Errorf("%s still accepts connections", addr)
		}
		return nil
	})
	select {
	case err := <-proc.done:
		t.Fatalf("serve exited at the first SIGTERM with deliveries in flight: %v", err)
	case <-time.After(time.Second):
	}
	start := time.Now()
	signal()
	var exitErr error
	select {
	case exitErr = <-proc.done:
		proc.done <- exitErr
	case <-time.After(forceGrace + 5*time.Second):
		t.Fatal("serve did not exit after the second SIGTERM")
	}
	t.Logf("exited %v after the second SIGTERM: %v", time.Since(start).Round(time.Millisecond), exitErr)
	f.hold.Store(false)

	db, err := store.Open(ctx, filepath.Join(bed.data, "vestiging.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	states := deliveryStates(t, db)
	before := bed.received()
	t.Logf("stopped with %d of %d receivers having the activity; deliveries by state: %v", before, receivers, states)
	if n := states[string(rivertype.JobStateRunning)]; n > 0 {
		t.Errorf("%d deliveries left running: not handed back to the queue", n)
	}
	if before >= receivers {
		t.Fatalf("the SIGTERM did not come in the middle of the fan-out")
	}
	// The cancelled deliveries wait out their first backoff; a restart
	// retries them at once, as after that wait.
	if _, err := db.SQL().ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state IN ('retryable', 'scheduled') AND kind = $1`,
		federation.DeliverJob{}.Kind()); err != nil {
		t.Fatal(err)
	}
	bed.restart(t, db)
	dupes := 0
	for i, rv := range rvs {
		posts, seen := rv.state()
		if len(seen) != 1 {
			t.Errorf("receiver %d took %v, want one activity", i, seen)
		}
		dupes += posts - 1
	}
	t.Logf("every receiver has the activity; %d POSTs repeated (deliveries cancelled after the receiver took them)", dupes)
	b, err := os.ReadFile(bed.logs.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "second signal") {
		t.Error("the log does not tell of the second signal")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err != nil {
		t.Errorf("restarted instance: %v", err)
	}
}
