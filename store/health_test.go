package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

func TestReady(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		storetest.Backends(t, func(t *testing.T, db *store.DB) {
			if err := db.Ready(t.Context()); err != nil {
				t.Errorf("ready: %v", err)
			}
		})
	})
	t.Run("ErrClosed", func(t *testing.T) {
		db := storetest.SQLite(t)
		db.Close()
		if err := db.Ready(t.Context()); err == nil {
			t.Error("ready on a closed database: nil error")
		}
	})
}

func TestWaitingJobs(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		for i := range 3 {
			if err := db.InsertJob(t.Context(), recordJob{N: i}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.WaitingJobs(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		want := []store.JobCount{{Kind: "record", State: "available", Count: 3}}
		if !slices.Equal(got, want) {
			t.Errorf("waiting jobs = %+v, want %+v", got, want)
		}
		if s := db.Stats(); s.OpenConnections < 1 {
			t.Errorf("stats: %+v, want an open connection", s)
		}
	})
}

// TestJobsObserve: StartJobs' Observe hears of each worked job.
func TestJobsObserve(t *testing.T) {
	db := storetest.SQLite(t)
	var mu sync.Mutex
	var kinds []string
	observed := make(chan struct{}, 1)
	r := newRecorder(false)
	cfg := store.JobsConfig{Workers: 2, Observe: func(kind string, took time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		kinds = append(kinds, kind)
		if err != nil || took <= 0 {
			t.Errorf("observed %s: took %v, err %v", kind, took, err)
		}
		observed <- struct{}{}
	}}
	if err := db.StartJobs(t.Context(), r.workers(), cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.StopJobs(context.Background()) })
	if err := db.InsertJob(t.Context(), recordJob{N: 1}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-observed:
	case <-time.After(20 * time.Second):
		t.Fatal("no job observed after 20 s")
	}
	mu.Lock()
	defer mu.Unlock()
	if got, want := kinds, []string{"record"}; !slices.Equal(got, want) {
		t.Errorf("observed kinds = %v, want %v", got, want)
	}
}
