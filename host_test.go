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
	if h.Unavailable {
		t.Error("unavailable after a minute")
	}
	h.RecordFailure(t0.Add(time.Second+UnavailableAfter), errors.New("503"))
	if !h.Unavailable || !h.FirstFailure.Equal(t0.Add(time.Second)) {
		t.Errorf("after %v: unavailable %v, first failure %v", UnavailableAfter, h.Unavailable, h.FirstFailure)
	}
	ok := t0.Add(UnavailableAfter + time.Hour)
	h.RecordSuccess(ok)
	if got, want := *h, (Host{Host: "b.example", LastFailure: t0.Add(time.Second + UnavailableAfter), LastSuccess: ok}); got != want {
		t.Errorf("after success %+v, want %+v", got, want)
	}
}
