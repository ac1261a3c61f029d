package vestiging

import (
	"strings"
	"time"
)

// Circuit breaker policy for delivery targets. A few failures in a row open
// the breaker for a while, doubling with each further failure up to a cap,
// so deliveries to a dead host wait instead of tying up workers; when the
// breaker's time is up one delivery tries the host (half-open) while the
// others keep waiting. A host that keeps failing for days is marked
// unavailable: deliveries to it end without a request, but for one a day
// that tries whether it is back.
const (
	BreakerThreshold = 5 // consecutive failures that open the breaker
	BreakerMinOpen   = time.Minute
	BreakerMaxOpen   = time.Hour
	// UnavailableAfter is past the deliveries' own retries (62 h) and a long
	// weekend, so a library down for maintenance misses nothing. Mastodon
	// waits for failures on 7 separate days; a library's followers are few
	// and want its programme, so 3 days of nothing but failures is enough.
	UnavailableAfter = 72 * time.Hour
	// ProbeEvery is how long an unavailable host's breaker stays open after
	// each failure: the next delivery after it is the probe.
	ProbeEvery = 24 * time.Hour
	// SuccessEvery is how often a healthy host's LastSuccess is written.
	SuccessEvery = time.Minute
	maxHostError = 500 // bytes of LastError kept
)

// RecordSuccess notes that the host answered: the breaker closes and the
// unavailable mark is cleared.
func (h *Host) RecordSuccess(at time.Time) {
	h.Failures = 0
	h.FirstFailure = time.Time{}
	h.RetryAfter = time.Time{}
	h.UnavailableSince = time.Time{}
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
	if h.UnavailableSince.IsZero() && at.Sub(h.FirstFailure) >= UnavailableAfter {
		h.UnavailableSince = at
	}
	if n := h.Failures - BreakerThreshold; n >= 0 {
		open := BreakerMaxOpen
		if n < 10 && BreakerMinOpen<<n < BreakerMaxOpen {
			open = BreakerMinOpen << n
		}
		if h.Unavailable() {
			open = ProbeEvery
		}
		h.RetryAfter = at.Add(open)
	}
}

// SuccessKnown reports whether a success at at would change nothing worth
// a write: the host is healthy and a success under SuccessEvery before at
// is recorded. A fan-out then writes a host's health once a minute, not
// once per delivery.
func (h *Host) SuccessKnown(at time.Time) bool {
	return h.Failures == 0 && h.RetryAfter.IsZero() && !h.Unavailable() &&
		!h.LastSuccess.After(at) && at.Sub(h.LastSuccess) < SuccessEvery
}

// Unavailable reports whether the host has failed for UnavailableAfter:
// deliveries to it end without a request while its breaker is open.
func (h *Host) Unavailable() bool { return !h.UnavailableSince.IsZero() }

// BreakerOpen reports whether deliveries to the host should wait until
// RetryAfter.
func (h *Host) BreakerOpen(now time.Time) bool { return now.Before(h.RetryAfter) }

// HalfOpen reports whether the breaker has opened and its time is up: the
// next delivery tries the host, and the others wait for how it went.
func (h *Host) HalfOpen(now time.Time) bool {
	return h.Failures >= BreakerThreshold && !h.BreakerOpen(now)
}
