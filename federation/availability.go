package federation

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
)

// trialHold keeps a host's breaker shut to other deliveries while one
// tries it: a request's time-out and room to record how it went. Should
// the trying process die, the next delivery after it tries instead. The
// others look again every trialPoll, a read each: when the trial went
// through they go (cameBack wakes those already waiting), when it failed
// they wait for the breaker.
const (
	trialHold = RequestTimeout + 10*time.Second
	trialPoll = 5 * time.Second
)

// admit decides, before any request, whether a delivery to host goes
// ahead at now (nil error), and returns the host's health as it found it
// (nil when never delivered to). While the host's breaker is open the
// delivery waits (wait), or ends at once when the host is unavailable: a
// library gone for good then costs a look-up per delivery and one request
// a day. When the breaker's time is up, one delivery claims the trial and
// the others wait to hear how it went; an unavailable host's others end.
func (f *Federator) admit(ctx context.Context, host string, now time.Time, wait func(time.Duration, error) error) (*vestiging.Host, error) {
	h, err := f.cfg.Federation.HostByName(ctx, host)
	switch {
	case vestiging.ErrorCode(err) == vestiging.ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("host %s: %w", host, err)
	case h.BreakerOpen(now) && h.Unavailable():
		return h, river.JobCancel(unavailableError(h))
	case h.BreakerOpen(now):
		d := h.RetryAfter.Sub(now)
		if d <= trialHold { // a trial under way, or the breaker's last moments
			d = min(d, trialPoll)
		}
		return h, wait(d, fmt.Errorf("host %s is failing: %s", host, h.LastError))
	case !h.HalfOpen(now):
		return h, nil
	}
	claimed, err := f.cfg.Federation.ClaimHostTrial(ctx, host, h.RetryAfter, now.Add(trialHold))
	switch {
	case err != nil:
		return h, err
	case claimed:
		return h, nil
	case h.Unavailable():
		return h, river.JobCancel(unavailableError(h))
	}
	return h, wait(trialPoll, fmt.Errorf("host %s is being tried: %s", host, h.LastError))
}

// cameBack makes the deliveries waiting for host due now: it was failing
// and has answered (a delivery went through, or it sent a signed request),
// so what it missed need not wait out the retries' back-off and the
// breaker. A host back after an hour's outage then has everything at once.
func (f *Federator) cameBack(ctx context.Context, host string) {
	n, err := f.cfg.Federation.WakeJobs(ctx, DeliverJob{}.Kind(), "://"+host+"/")
	if err != nil {
		f.log.WarnContext(ctx, "wake deliveries", "host", host, "err", err)
		return
	}
	f.log.InfoContext(ctx, "host answers again", "host", host, "deliveries", n)
}

func unavailableError(h *vestiging.Host) error {
	return fmt.Errorf("host %s is unavailable since %s: %s", h.Host, h.UnavailableSince.Format(time.RFC3339), h.LastError)
}
