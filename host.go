package vestiging

import (
	"strings"
	"time"
)

// Circuit breaker policy for delivery targets. A few failures in a row open
// the breaker for a while, doubling with each further failure up to a cap,
// so deliveries to a dead host wait instead of tying up workers; a host that
// keeps failing for days is marked unavailable.
const (
	BreakerThreshold = 5 // consecutive failures that open the breaker
	BreakerMinOpen   = time.Minute
	BreakerMaxOpen   = time.Hour
	UnavailableAfter = 48 * time.Hour
	maxHostError     = 500 // bytes of LastError kept
)

// RecordSuccess notes that the host answered: the breaker closes and the
// unavailable mark is cleared.
func (h *Host) RecordSuccess(at time.Time) {
	h.Failures = 0
	h.FirstFailure = time.Time{}
	h.RetryAfter = time.Time{}
	h.Unavailable = false
	h.LastError = ""
	h.LastSuccess = at
}

// RecordFailure notes a failed delivery at at, opening the breaker once
// BreakerThreshold failures follow each other and marking the host
// unavailable after UnavailableAfter of failure.
func (h *Host) RecordFailure(at time.Time, err error) {
	if h.Failures == 0 || h.FirstFailure.IsZero() {
		h.FirstFailure = at
	}
	h.Failures++
	h.LastFailure = at
	h.LastError = ""
	if err != nil {
		h.LastError = err.Error()
		if len(h.LastError) > maxHostError {
			h.LastError = strings.ToValidUTF8(h.LastError[:maxHostError], "")
		}
	}
	if n := h.Failures - BreakerThreshold; n >= 0 {
		open := BreakerMaxOpen
		if n < 10 && BreakerMinOpen<<n < BreakerMaxOpen {
			open = BreakerMinOpen << n
		}
		h.RetryAfter = at.Add(open)
	}
	if at.Sub(h.FirstFailure) >= UnavailableAfter {
		h.Unavailable = true
	}
}

// BreakerOpen reports whether deliveries to the host should wait until
// RetryAfter.
func (h *Host) BreakerOpen(now time.Time) bool { return now.Before(h.RetryAfter) }
