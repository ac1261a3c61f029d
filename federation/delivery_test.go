package federation

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store/storetest"
)

// receiver is a remote inbox that checks every POST's signature and
// Digest as Mastodon does and answers with status.
type receiver struct {
	srv      *httptest.Server
	requests atomic.Int64
	verified atomic.Int64
	status   atomic.Int64
	header   http.Header // extra response headers
}

func newReceiver(t testing.TB, sender *testInstance) *receiver {
	t.Helper()
	rc := &receiver{header: http.Header{}}
	// header is set before the first request and only read after.
	rc.status.Store(http.StatusAccepted)
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.requests.Add(1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if _, err := Verify(r, body, time.Now(), sender.publicKeyOf); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if r.Header.Get("Content-Type") != ContentTypeActivity {
			http.Error(w, "content type", http.StatusUnsupportedMediaType)
			return
		}
		rc.verified.Add(1)
		for k, v := range rc.header {
			w.Header()[k] = v
		}
		w.WriteHeader(int(rc.status.Load()))
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func TestDeliverJob(t *testing.T) {
	db := storetest.SQLite(t)
	clock := storetest.NewClock(time.Now().UTC().Truncate(time.Second)) // as the store keeps it
	in := startInstance(t, db, func(c *Config) { c.Clock = clock.Now })
	ctx := t.Context()
	rc := newReceiver(t, in)
	act := &vestiging.Activity{IRI: in.srv.URL + "/activities/d1", Type: "Create", Public: true,
		JSON: []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + in.srv.URL + `/activities/d1","type":"Create"}`)}
	if _, err := db.SaveActivity(ctx, act, nil); err != nil {
		t.Fatal(err)
	}
	job := DeliverJob{ActivityIRI: act.IRI, Inbox: rc.srv.URL + "/inbox"}
	host := iriHost(rc.srv.URL)
	deliver := func(t *testing.T, status int) error {
		t.Helper()
		rc.status.Store(int64(status))
		return in.fed.deliver(ctx, job, time.Now())
	}
	hostState := func(t *testing.T) *vestiging.Host {
		t.Helper()
		h, err := db.HostByName(ctx, host)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}

	t.Run("OK", func(t *testing.T) {
		if err := deliver(t, http.StatusAccepted); err != nil {
			t.Fatalf("deliver: %v", err)
		}
		if got := rc.verified.Load(); got != 1 {
			t.Errorf("%d verified deliveries, want 1", got)
		}
		if h := hostState(t); !h.LastSuccess.Equal(clock.Now()) || h.Failures != 0 {
			t.Errorf("host after success: %+v", h)
		}
	})
	// A fan-out to a healthy host writes its health once a minute, not
	// once per delivery.
	t.Run("OKHealthWrittenOncePerMinute", func(t *testing.T) {
		first := clock.Now()
		clock.Add(vestiging.SuccessEvery - time.Second)
		if err := deliver(t, http.StatusAccepted); err != nil {
			t.Fatalf("deliver: %v", err)
		}
		if got, want := hostState(t).LastSuccess, first; !got.Equal(want) {
			t.Errorf("LastSuccess %v, want %v: written again within a minute", got, want)
		}
		clock.Add(time.Second)
		if err := deliver(t, http.StatusAccepted); err != nil {
			t.Fatalf("deliver: %v", err)
		}
		if got, want := hostState(t).LastSuccess, clock.Now(); !got.Equal(want) {
			t.Errorf("LastSuccess %v, want %v: a minute on", got, want)
		}
	})
	t.Run("ErrGone", func(t *testing.T) {
		err := deliver(t, http.StatusGone)
		var cancel *river.JobCancelError
		if !errors.As(err, &cancel) {
			t.Fatalf("deliver: %v, want a JobCancel", err)
		}
		if h := hostState(t); h.Failures != 0 {
			t.Errorf("a 4xx answer counted as a failure: %+v", h)
		}
	})
	t.Run("ErrServer", func(t *testing.T) {
		err := deliver(t, http.StatusBadGateway)
		var se *StatusError
		var cancel *river.JobCancelError
		var snooze *river.JobSnoozeError
		if !errors.As(err, &se) || errors.As(err, &cancel) || errors.As(err, &snooze) {
			t.Fatalf("deliver: %v, want a plain error to retry", err)
		}
		if h := hostState(t); h.Failures != 1 || h.LastError == "" {
			t.Errorf("host after 502: %+v", h)
		}
	})
	for _, status := range []int{http.StatusUnauthorized, http.StatusRequestTimeout, http.StatusTooManyRequests} {
		t.Run("Retry"+http.StatusText(status), func(t *testing.T) {
			err := deliver(t, status)
			var cancel *river.JobCancelError
			if err == nil || errors.As(err, &cancel) {
				t.Fatalf("deliver: %v, want a retry", err)
			}
		})
	}
	// Retry-After on a host of its own, whose breaker the failures above
	// have not opened.
	for _, tt := range []struct {
		name       string
		status     int
		retryAfter string
		want       time.Duration
	}{
		{"RetryAfter", http.StatusServiceUnavailable, "120", 120 * time.Second},
		{"RetryAfterCapped", http.StatusTooManyRequests, "864000", MaxRetryAfter},
	} {
		t.Run(tt.name, func(t *testing.T) {
			slow := newReceiver(t, in)
			slow.status.Store(int64(tt.status))
			slow.header.Set("Retry-After", tt.retryAfter)
			err := in.fed.deliver(ctx, DeliverJob{ActivityIRI: act.IRI, Inbox: slow.srv.URL + "/inbox"}, time.Now())
			var snooze *river.JobSnoozeError
			if !errors.As(err, &snooze) || snooze.Duration != tt.want {
				t.Fatalf("deliver: %v, want a %s snooze", err, tt.want)
			}
		})
	}
	t.Run("BreakerOpen", func(t *testing.T) {
		for i := 0; !hostState(t).BreakerOpen(time.Now()); i++ {
			if i == 100 {
				t.Fatal("the breaker does not open")
			}
			if _, err := db.RecordDelivery(ctx, host, time.Now(), errors.New("connection refused")); err != nil {
				t.Fatal(err)
			}
		}
		before := rc.requests.Load()
		err := deliver(t, http.StatusAccepted)
		var snooze *river.JobSnoozeError
		if !errors.As(err, &snooze) || snooze.Duration <= 0 {
			t.Fatalf("deliver: %v, want a snooze", err)
		}
		if got := rc.requests.Load(); got != before {
			t.Errorf("%d requests to a host whose breaker is open", got-before)
		}
		// Waiting ends: an old delivery is given up rather than snoozed.
		err = in.fed.deliver(ctx, job, time.Now().Add(-MaxDeliveryAge))
		var cancel *river.JobCancelError
		if !errors.As(err, &cancel) {
			t.Errorf("deliver of a week-old job: %v, want a JobCancel", err)
		}
	})
	t.Run("ErrUnknownActivity", func(t *testing.T) {
		err := in.fed.deliver(ctx, DeliverJob{ActivityIRI: in.srv.URL + "/activities/none", Inbox: job.Inbox}, time.Now())
		var cancel *river.JobCancelError
		if !errors.As(err, &cancel) {
			t.Fatalf("deliver: %v, want a JobCancel", err)
		}
	})
	t.Run("ErrServerDown", func(t *testing.T) {
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		err := in.fed.deliver(ctx, DeliverJob{ActivityIRI: act.IRI, Inbox: down.URL + "/inbox"}, time.Now())
		var cancel *river.JobCancelError
		if err == nil || errors.As(err, &cancel) {
			t.Fatalf("deliver: %v, want a retry", err)
		}
		if h, err := db.HostByName(ctx, iriHost(down.URL)); err != nil || h.Failures != 1 {
			t.Errorf("host of a closed port: %+v %v", h, err)
		}
	})
}

// TestDeliverySchedule sums the retry delays at the low end of the jitter:
// the attempts must span at least 48 hours.
func TestDeliverySchedule(t *testing.T) {
	var least, most time.Duration
	for attempt := 1; attempt < DeliveryMaxAttempts; attempt++ {
		d := deliveryBackoff(attempt)
		if d > deliveryMaxRetry {
			t.Errorf("attempt %d waits %s, over the cap", attempt, d)
		}
		least += jitter(d, 0)
		most += jitter(d, 0.999999)
	}
	if least < 48*time.Hour {
		t.Errorf("retries span %s at least, want ≥ 48h", least)
	}
	if most > 80*time.Hour {
		t.Errorf("retries span up to %s; want a bounded window", most)
	}
	t.Logf("retry window %s – %s over %d attempts", least.Round(time.Minute), most.Round(time.Minute), DeliveryMaxAttempts)
	if got, want := (DeliverJob{}).InsertOpts().MaxAttempts, DeliveryMaxAttempts; got != want {
		t.Errorf("MaxAttempts %d, want %d", got, want)
	}
	w := &deliverWorker{f: &Federator{cfg: Config{Clock: vestiging.Now}}}
	for attempt := 1; attempt < DeliveryMaxAttempts; attempt++ {
		before := time.Now()
		next := w.NextRetry(&river.Job[DeliverJob]{JobRow: &rivertype.JobRow{Attempt: attempt}})
		if d, base := next.Sub(before), deliveryBackoff(attempt); d < jitter(base, 0)-time.Second || d > jitter(base, 1)+time.Second {
			t.Errorf("attempt %d: next retry in %s, want %s ±20%%", attempt, d, base)
		}
	}
}
