package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// recordJob is worked by recorder.
type recordJob struct {
	N     int    `json:"n"`
	Inbox string `json:"inbox,omitempty"`
}

func (recordJob) Kind() string { return "record" }

// limitedJob chooses its own insert options.
type limitedJob struct{}

func (limitedJob) Kind() string { return "limited" }

func (limitedJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, Queue: "default"}
}

// orphanJob has no worker anywhere.
type orphanJob struct{}

func (orphanJob) Kind() string { return "orphan" }

// recorder reports each job it starts and finishes. With hold set, a job
// waits for hold to close, or for its context to end.
type recorder struct {
	river.WorkerDefaults[recordJob]
	started chan int
	done    chan int
	hold    chan struct{}
}

func newRecorder(hold bool) *recorder {
	r := &recorder{started: make(chan int, 100), done: make(chan int, 100)}
	if hold {
		r.hold = make(chan struct{})
	}
	return r
}

func (r *recorder) Work(ctx context.Context, job *river.Job[recordJob]) error {
	r.started <- job.Args.N
	if r.hold != nil {
		select {
		case <-r.hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.done <- job.Args.N
	return nil
}

func (r *recorder) workers() *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, r)
	return w
}

// wait returns the next value from ch, failing the test after a generous
// bound so a broken queue does not hang the run.
func wait(t *testing.T, what string, ch chan int) int {
	t.Helper()
	select {
	case n := <-ch:
		return n
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: nothing after 20 s", what)
		return 0
	}
}

func startJobs(t *testing.T, db *store.DB, r *recorder) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := db.StartJobs(t.Context(), r.workers(), store.JobsConfig{Workers: 4, Logger: logger}); err != nil {
		t.Fatalf("start jobs: %v", err)
	}
	t.Cleanup(func() { db.StopJobs(context.Background()) })
}

func jobState(t *testing.T, db *store.DB, kind string) (state string, attempts int) {
	t.Helper()
	err := db.SQL().QueryRowContext(t.Context(), `SELECT state, attempt FROM river_job WHERE kind = $1 ORDER BY id DESC LIMIT 1`, kind).
		Scan(&state, &attempts)
	if err != nil {
		t.Fatalf("job state %s: %v", kind, err)
	}
	return state, attempts
}

// sharedDatabases runs fn on each backend with open, which opens (with
// opts) and migrates one new database again on every call, as separate
// processes sharing it would.
func sharedDatabases(t *testing.T, fn func(t *testing.T, open func(opts store.Options) *store.DB)) {
	urls := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "vestiging.db") },
	}
	if server := os.Getenv(storetest.EnvPostgres); server != "" {
		urls["postgres"] = func(t *testing.T) string { return storetest.CreatePostgresDatabase(t, server) }
	}
	for name, newURL := range urls {
		t.Run(name, func(t *testing.T) {
			url := newURL(t)
			fn(t, func(opts store.Options) *store.DB {
				db, err := store.Open(t.Context(), url, opts)
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				if err := db.Migrate(t.Context()); err != nil {
					t.Fatalf("migrate: %v", err)
				}
				return db
			})
		})
	}
}

func TestInstanceKeyShared(t *testing.T) {
	sharedDatabases(t, func(t *testing.T, open func(opts store.Options) *store.DB) {
		dbs := []*store.DB{open(store.Options{}), open(store.Options{})}
		keys := make([]string, len(dbs))
		var wg sync.WaitGroup
		for i, db := range dbs {
			defer db.Close()
			wg.Go(func() {
				key, err := db.InstanceKey(context.Background(), func() (string, error) { return fmt.Sprintf("key of %d", i), nil })
				if err != nil {
					t.Errorf("process %d: %v", i, err)
				}
				keys[i] = key
			})
		}
		wg.Wait()
		if keys[0] != keys[1] || keys[0] == "" {
			t.Errorf("processes got keys %q, want one", keys)
		}
	})
}

func TestJobsDurable(t *testing.T) {
	sharedDatabases(t, func(t *testing.T, open func(opts store.Options) *store.DB) {
		first := open(store.Options{})
		if err := first.InsertJob(t.Context(), recordJob{N: 7}); err != nil {
			t.Fatalf("insert: %v", err)
		}
		if err := first.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		again := open(store.Options{})
		defer again.Close()
		r := newRecorder(false)
		startJobs(t, again, r)
		if got := wait(t, "job after reopening", r.done); got != 7 {
			t.Errorf("worked job %d, want 7", got)
		}
	})
}

func TestStopJobs(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		t.Run("OKWaitsForRunningJob", func(t *testing.T) {
			r := newRecorder(true)
			startJobs(t, db, r)
			if err := db.InsertJob(t.Context(), recordJob{N: 1}); err != nil {
				t.Fatal(err)
			}
			wait(t, "start", r.started)
			stopped := make(chan error, 1)
			go func() { stopped <- db.StopJobs(context.Background()) }()
			select {
			case err := <-stopped:
				t.Fatalf("StopJobs returned (%v) while a job was running", err)
			case <-time.After(200 * time.Millisecond):
			}
			close(r.hold)
			if err := <-stopped; err != nil {
				t.Fatalf("stop: %v", err)
			}
			if got := wait(t, "done", r.done); got != 1 {
				t.Errorf("finished job %d, want 1", got)
			}
			if state, _ := jobState(t, db, "record"); state != "completed" {
				t.Errorf("state %q, want completed", state)
			}
		})
		t.Run("OKCancelsAtDeadline", func(t *testing.T) {
			r := newRecorder(true)
			startJobs(t, db, r)
			if err := db.InsertJob(t.Context(), recordJob{N: 2}); err != nil {
				t.Fatal(err)
			}
			wait(t, "start", r.started)
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			if err := db.StopJobs(ctx); err != nil {
				t.Fatalf("stop: %v", err)
			}
			// River puts a job cut off by shutdown back as it was, unspent.
			if state, attempts := jobState(t, db, "record"); state != "available" || attempts != 0 {
				t.Fatalf("cancelled job: state %q attempt %d, want available, 0", state, attempts)
			}
			again := newRecorder(false)
			startJobs(t, db, again)
			if got := wait(t, "retried job", again.done); got != 2 {
				t.Errorf("retried job %d, want 2", got)
			}
		})
		t.Run("ErrStartedTwice", func(t *testing.T) {
			startJobs(t, db, newRecorder(false))
			if err := db.StartJobs(t.Context(), newRecorder(false).workers(), store.JobsConfig{}); err == nil {
				t.Error("second StartJobs succeeded")
			}
		})
		t.Run("OKNotStarted", func(t *testing.T) {
			if err := db.StopJobs(t.Context()); err != nil {
				t.Errorf("stop without start: %v", err)
			}
		})
	})
}

func TestJobsUnknownKind(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		if err := db.InsertJob(t.Context(), orphanJob{}); err != nil {
			t.Fatal(err)
		}
		r := newRecorder(false)
		startJobs(t, db, r)
		for n := range 2 {
			time.Sleep(time.Second)
			if err := db.InsertJob(t.Context(), recordJob{N: n}); err != nil {
				t.Fatal(err)
			}
			if got := wait(t, "known job", r.done); got != n {
				t.Errorf("worked %d, want %d", got, n)
			}
		}
		for range 100 {
			if state, _ := jobState(t, db, "orphan"); state == "retryable" {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		state, _ := jobState(t, db, "orphan")
		t.Errorf("job without a worker: state %q, want retryable", state)
	})
}

func TestInsertJobOptions(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		if err := db.InsertJob(t.Context(), limitedJob{}); err != nil {
			t.Fatal(err)
		}
		var maxAttempts int
		var queue string
		err := db.SQL().QueryRowContext(t.Context(), `SELECT max_attempts, queue FROM river_job WHERE kind = 'limited'`).
			Scan(&maxAttempts, &queue)
		if err != nil || maxAttempts != 3 || queue != "default" {
			t.Errorf("max attempts %d queue %q, %v; want 3 in default", maxAttempts, queue, err)
		}
	})
}

// TestInsertJobOnce: a MailJob with a key is queued once, also after the
// first has run (as when the job that wrote it runs again after a crash);
// without a key each is queued.
func TestInsertJobOnce(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		mail := func(subject, key string) vestiging.MailJob {
			return vestiging.MailJob{Mail: vestiging.Mail{To: "anna@example.nl", Subject: subject, Text: "Hallo"}, Key: key}
		}
		insert := func(jobs ...vestiging.MailJob) {
			t.Helper()
			for _, j := range jobs {
				if err := db.InsertJob(ctx, j); err != nil {
					t.Fatal(err)
				}
			}
		}
		insert(mail("Je bent aangemeld", "registration_mail 7"), mail("Je bent aangemeld", "registration_mail 7"))
		if _, err := db.SQL().ExecContext(ctx, `UPDATE river_job SET state = 'completed', finalized_at = created_at WHERE kind = 'mail'`); err != nil {
			t.Fatal(err)
		}
		// Written again, a moment later: the same key is enough.
		insert(mail("Je bent aangemeld!", "registration_mail 7"), mail("Welkom", ""), mail("Welkom", ""), mail("Op de wachtlijst", "registration_mail 8"))
		var got []string
		for _, j := range storetest.Jobs[vestiging.MailJob](t, db, vestiging.MailJob{}.Kind()) {
			got = append(got, j.Mail.Subject+" / "+j.Key)
		}
		want := []string{"Je bent aangemeld / registration_mail 7", "Welkom / ", "Welkom / ", "Op de wachtlijst / registration_mail 8"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("mail jobs %q, want %q", got, want)
		}
	})
}

// TestJobsUnderWrites works jobs while other goroutines publish events
// (each queueing a job no worker here takes, which River keeps retrying)
// and queue jobs of their own: on SQLite all of it shares one write lock,
// and nothing may fail for it.
func TestJobsUnderWrites(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		r := newRecorder(false)
		startJobs(t, db, r)
		const writers, each = 4, 25
		var wg sync.WaitGroup
		errs := make(chan error, 2*writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					start := time.Date(2026, 5, 1+i, 10+w, 0, 0, 0, time.UTC)
					errs <- db.CreateEvent(context.Background(), &vestiging.Event{Title: "Parallel", StartsAt: start,
						EndsAt: start.Add(time.Hour), OnlineURL: "https://example.nl", Status: vestiging.StatusPublished})
				}
			})
			wg.Go(func() {
				for i := range each {
					errs <- db.InsertJob(context.Background(), recordJob{N: w*each + i})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent write: %v", err)
			}
		}
		seen := map[int]bool{}
		for range writers * each {
			seen[wait(t, "job", r.done)] = true
		}
		if len(seen) != writers*each {
			t.Errorf("%d distinct jobs worked, want %d", len(seen), writers*each)
		}
		if got := len(storetest.Jobs[vestiging.PublishJob](t, db, "publish")); got != writers*each {
			t.Errorf("%d publish jobs, want %d", got, writers*each)
		}
	})
}

// badJob cannot be encoded as JSON.
type badJob struct {
	C chan int `json:"c"`
}

func (badJob) Kind() string { return "bad" }

func TestInsertJobGroups(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		const n = 200
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				if i == n/2 {
					if err := db.InsertJob(context.Background(), badJob{}); vestiging.ErrorCode(err) != vestiging.EINVALID {
						errs <- fmt.Errorf("unencodable job: %v, want EINVALID", err)
					}
					return
				}
				errs <- db.InsertJob(context.Background(), recordJob{N: i})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		jobs := storetest.Jobs[recordJob](t, db, recordJob{}.Kind())
		seen := map[int]bool{}
		for _, j := range jobs {
			seen[j.N] = true
		}
		if len(jobs) != n-1 || len(seen) != n-1 {
			t.Errorf("%d jobs queued (%d distinct), want %d", len(jobs), len(seen), n-1)
		}
	})
}

// laterJob is a recordJob scheduled for at.
type laterJob struct {
	recordJob
	At time.Time `json:"at"`
}

func (j laterJob) ScheduledAt() time.Time { return j.At }

// TestJobsOnClock: with Options.JobsOnClock, a job scheduled an hour ahead
// on the store's clock waits until that clock, not the wall's, gets there.
func TestJobsOnClock(t *testing.T) {
	sharedDatabases(t, func(t *testing.T, open func(opts store.Options) *store.DB) {
		// A clock that runs, as River's own does, and jumps when told.
		var ahead atomic.Int64
		now := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
		db := open(store.Options{Clock: now, JobsOnClock: true})
		t.Cleanup(func() { db.Close() })
		r := newRecorder(false)
		startJobs(t, db, r)
		if err := db.InsertJob(t.Context(), laterJob{recordJob{N: 1}, now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := db.InsertJob(t.Context(), recordJob{N: 2}); err != nil {
			t.Fatal(err)
		}
		if got := wait(t, "the job due now", r.done); got != 2 {
			t.Fatalf("job %d ran first, want the one due now (2)", got)
		}
		ahead.Add(int64(time.Hour))
		if got := wait(t, "the job due in an hour", r.done); got != 1 {
			t.Errorf("job %d ran, want the one due an hour on (1)", got)
		}
	})
}

// TestWakeJobs: the waiting jobs whose arguments name a host become due
// at once; others keep waiting.
func TestWakeJobs(t *testing.T) {
	sharedDatabases(t, func(t *testing.T, open func(opts store.Options) *store.DB) {
		db := open(store.Options{})
		t.Cleanup(func() { db.Close() })
		r := newRecorder(false)
		startJobs(t, db, r)
		later := time.Now().Add(time.Hour)
		for i, inbox := range []string{"http://b.example/inbox", "http://c.example/inbox", "http://b.example/users/x/inbox"} {
			if err := db.InsertJob(t.Context(), laterJob{recordJob{N: i + 1, Inbox: inbox}, later}); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("OK", func(t *testing.T) {
			n, err := db.WakeJobs(t.Context(), recordJob{}.Kind(), "://b.example/")
			if err != nil || n != 2 {
				t.Fatalf("woke %d, %v; want 2", n, err)
			}
			got := map[int]bool{wait(t, "a woken job", r.done): true, wait(t, "a woken job", r.done): true}
			if !got[1] || !got[3] {
				t.Errorf("jobs %v ran, want 1 and 3", got)
			}
			var state string
			if err := db.SQL().QueryRow(`SELECT state FROM river_job WHERE CAST(args AS TEXT) LIKE '%c.example%'`).Scan(&state); err != nil || state != "scheduled" {
				t.Errorf("c.example's job is %s (%v), want still scheduled", state, err)
			}
		})
		t.Run("OKNone", func(t *testing.T) {
			if n, err := db.WakeJobs(t.Context(), recordJob{}.Kind(), "://d_example/"); err != nil || n != 0 {
				t.Errorf("woke %d, %v; want none", n, err)
			}
		})
	})
}

// TestJobsNotified: a job the store commits is worked without waiting for
// a poll (an hour away here), on SQLite too, through the notifications
// River's driver keeps in a table; DefaultPollInterval counts on it.
func TestJobsNotified(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		r := newRecorder(false)
		logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
		if err := db.StartJobs(t.Context(), r.workers(), store.JobsConfig{Workers: 2, PollInterval: time.Hour, Logger: logger}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.StopJobs(context.Background()) })
		// The first may be found by the fetch River makes as it starts.
		for n := range 2 {
			if err := db.InsertJob(t.Context(), recordJob{N: n}); err != nil {
				t.Fatal(err)
			}
			if got := wait(t, "job", r.done); got != n {
				t.Errorf("worked job %d, want %d", got, n)
			}
		}
	})
}
