package vestiging

import (
	"errors"
	"testing"
	"time"
)

func TestHostBreaker(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	h := &Host{Host: "b.example"}
	for i := 1; i < BreakerThreshold; i++ {
		h.RecordFailure(t0.Add(time.Duration(i)*time.Second), errors.New("connection refused"))
		if h.BreakerOpen(t0.Add(time.Duration(i) * time.Second)) {
			t.Fatalf("breaker open after %d failures", i)
		}
	}
	at := t0.Add(time.Minute)
	h.RecordFailure(at, errors.New("503"))
	if got, want := h.RetryAfter, at.Add(BreakerMinOpen); !got.Equal(want) {
		t.Errorf("RetryAfter = %v, want %v", got, want)
	}
	if !h.BreakerOpen(at) || h.BreakerOpen(at.Add(BreakerMinOpen)) {
		t.Error("breaker should be open for BreakerMinOpen")
	}
	h.RecordFailure(at, errors.New("503"))
	if got, want := h.RetryAfter, at.Add(2*BreakerMinOpen); !got.Equal(want) {
		t.Errorf("second RetryAfter = %v, want %v", got, want)
	}
	for range 40 {
		h.RecordFailure(at, errors.New("503"))
	}
	if got, want := h.RetryAfter, at.Add(BreakerMaxOpen); !got.Equal(want) {
		t.Errorf("capped RetryAfter = %v, want %v", got, want)
	}
	if h.Unavailable() {
		t.Error("unavailable after a minute")
	}
	if h.HalfOpen(at) || !h.HalfOpen(at.Add(BreakerMaxOpen)) {
		t.Error("the breaker should let a trial through once its time is up, not before")
	}
	gone := t0.Add(time.Second + UnavailableAfter)
	h.RecordFailure(gone, errors.New("503"))
	if !h.UnavailableSince.Equal(gone) || !h.FirstFailure.Equal(t0.Add(time.Second)) {
		t.Errorf("after %v: unavailable since %v, first failure %v", UnavailableAfter, h.UnavailableSince, h.FirstFailure)
	}
	if got, want := h.RetryAfter, gone.Add(ProbeEvery); !got.Equal(want) {
		t.Errorf("unavailable host's RetryAfter = %v, want %v: probed once a day", got, want)
	}
	h.RecordFailure(gone.Add(ProbeEvery), errors.New("503"))
	if !h.UnavailableSince.Equal(gone) {
		t.Errorf("unavailable since %v after a failed probe, want %v", h.UnavailableSince, gone)
	}
	ok := gone.Add(ProbeEvery + time.Hour)
	h.RecordSuccess(ok)
	if got, want := *h, (Host{Host: "b.example", LastFailure: gone.Add(ProbeEvery), LastSuccess: ok}); got != want {
		t.Errorf("after success %+v, want %+v", got, want)
	}
	if h.Unavailable() || h.HalfOpen(ok) {
		t.Error("a host that answered is available, its breaker closed")
	}
}

func TestHostSuccessKnown(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		host Host
		want bool
	}{
		{"OK", Host{LastSuccess: at.Add(-SuccessEvery + time.Second)}, true},
		{"Old", Host{LastSuccess: at.Add(-SuccessEvery)}, false},
		{"Never", Host{}, false},
		{"Later", Host{LastSuccess: at.Add(time.Second)}, false},
		{"Failing", Host{LastSuccess: at, Failures: 1}, false},
		{"Unavailable", Host{LastSuccess: at, UnavailableSince: at}, false},
		{"Trial", Host{LastSuccess: at, RetryAfter: at.Add(time.Minute)}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.host.SuccessKnown(at); got != tt.want {
				t.Errorf("SuccessKnown = %v, want %v", got, tt.want)
			}
		})
	}
}
