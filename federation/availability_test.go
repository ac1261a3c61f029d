package federation

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store/storetest"
)

// TestHostAvailability follows one host through the breaker over real
// HTTP: failures open it, one delivery at a time tries it when its time is
// up, days of failure make it unavailable (deliveries end without a
// request but for a daily probe), and the probe that succeeds brings it back.
func TestHostAvailability(t *testing.T) {
	db := storetest.SQLite(t)
	clock := storetest.NewClock(time.Now().UTC())
	in := startInstance(t, db, func(c *Config) { c.Clock = clock.Now })
	ctx := t.Context()

	// The remote server: counts requests, answers with status, and holds
	// each request until release is closed when hold is set.
	var (
		requests atomic.Int64
		status   atomic.Int64
		hold     atomic.Pointer[chan struct{}]
		arrived  = make(chan struct{}, 1)
	)
	status.Store(http.StatusServiceUnavailable)
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if h := hold.Load(); h != nil {
			arrived <- struct{}{}
			<-*h
		}
		w.WriteHeader(int(status.Load()))
	}))
	t.Cleanup(remote.Close)
	host := iriHost(remote.URL)

	act := &vestiging.Activity{IRI: in.srv.URL + "/activities/a1", Type: "Create", Public: true,
		JSON: []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + in.srv.URL + `/activities/a1","type":"Create"}`)}
	if _, err := db.SaveActivity(ctx, act, nil); err != nil {
		t.Fatal(err)
	}
	deliver := func() error {
		return in.fed.deliver(ctx, DeliverJob{ActivityIRI: act.IRI, Inbox: remote.URL + "/inbox"}, clock.Now())
	}
	hostNow := func(t *testing.T) *vestiging.Host {
		t.Helper()
		h, err := db.HostByName(ctx, host)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	// sent runs deliveries and reports how many requests reached the host.
	sent := func(n int) (int64, []error) {
		before := requests.Load()
		var errs []error
		for range n {
			errs = append(errs, deliver())
		}
		return requests.Load() - before, errs
	}
	is := func(err error, target any) bool { return errors.As(err, target) }

	t.Run("OKBreakerOpens", func(t *testing.T) {
		got, _ := sent(vestiging.BreakerThreshold)
		if got != vestiging.BreakerThreshold {
			t.Fatalf("%d requests for %d deliveries, want each tried", got, vestiging.BreakerThreshold)
		}
		got, errs := sent(3)
		var snooze *river.JobSnoozeError
		if got != 0 || !is(errs[0], &snooze) {
			t.Errorf("breaker open: %d requests, error %v; want none, a snooze", got, errs[0])
		}
	})
	t.Run("OKOneTrial", func(t *testing.T) {
		clock.Set(hostNow(t).RetryAfter)
		release := make(chan struct{})
		hold.Store(&release)
		trial := make(chan error, 1)
		go func() { trial <- deliver() }()
		<-arrived
		got, errs := sent(3) // while the trial is under way
		var snooze *river.JobSnoozeError
		if got != 0 || !is(errs[0], &snooze) || snooze.Duration != trialPoll {
			t.Errorf("during the trial: %d requests, error %v; want none, a snooze of %s", got, errs[0], trialPoll)
		}
		hold.Store(nil)
		close(release)
		if err := <-trial; err == nil {
			t.Error("the trial of a failing host succeeded")
		}
		if h := hostNow(t); !h.BreakerOpen(clock.Now()) || h.Failures != vestiging.BreakerThreshold+1 {
			t.Errorf("after a failed trial %+v, want the breaker open again", h)
		}
	})
	t.Run("OKUnavailable", func(t *testing.T) {
		// The host fails at each breaker's end for days.
		for end := clock.Now().Add(vestiging.UnavailableAfter); clock.Now().Before(end); {
			clock.Set(hostNow(t).RetryAfter)
			if got, _ := sent(1); got != 1 {
				t.Fatalf("%d requests at the breaker's end, want the trial", got)
			}
		}
		h := hostNow(t)
		if !h.Unavailable() || !h.RetryAfter.Equal(h.LastFailure.Add(vestiging.ProbeEvery)) {
			t.Fatalf("after %s of failures %+v; want unavailable, probed in %s", vestiging.UnavailableAfter, h, vestiging.ProbeEvery)
		}
		clock.Add(vestiging.ProbeEvery - time.Minute)
		got, errs := sent(5)
		var cancel *river.JobCancelError
		if got != 0 || !is(errs[0], &cancel) {
			t.Errorf("unavailable: %d requests, error %v; want none, the job ended", got, errs[0])
		}
	})
	t.Run("OKProbeBringsBack", func(t *testing.T) {
		status.Store(http.StatusAccepted)
		clock.Add(time.Minute)
		got, errs := sent(3)
		if got != 3 || errs[0] != nil || errs[2] != nil {
			t.Errorf("after the probe: %d requests, errors %v; want all 3 delivered", got, errs)
		}
		if h := hostNow(t); h.Unavailable() || h.Failures != 0 {
			t.Errorf("after a delivered probe %+v, want available", h)
		}
	})
}
