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
// the trying process die, the next delivery after it tries instead.
const trialHold = RequestTimeout + 10*time.Second

// admit decides, before any request, whether a delivery to host goes
// ahead at now (nil). While the host's breaker is open the delivery waits
// (wait), or ends at once when the host is unavailable: a library gone for
// good then costs a look-up per delivery and one request a day. When the
// breaker's time is up, one delivery claims the trial and the others wait
// to hear how it went; an unavailable host's others end.
func (f *Federator) admit(ctx context.Context, host string, now time.Time, wait func(time.Duration, error) error) error {
	h, err := f.cfg.Federation.HostByName(ctx, host)
	switch {
	case vestiging.ErrorCode(err) == vestiging.ENOTFOUND:
		return nil
	case err != nil:
		return fmt.Errorf("host %s: %w", host, err)
	case h.BreakerOpen(now) && h.Unavailable():
		return river.JobCancel(unavailableError(h))
	case h.BreakerOpen(now):
		return wait(h.RetryAfter.Sub(now), fmt.Errorf("host %s is failing: %s", host, h.LastError))
	case !h.HalfOpen(now):
		return nil
	}
	claimed, err := f.cfg.Federation.ClaimHostTrial(ctx, host, h.RetryAfter, now.Add(trialHold))
	switch {
	case err != nil:
		return err
	case claimed:
		return nil
	case h.Unavailable():
		return river.JobCancel(unavailableError(h))
	}
	return wait(trialHold, fmt.Errorf("host %s is being tried: %s", host, h.LastError))
}

func unavailableError(h *vestiging.Host) error {
	return fmt.Errorf("host %s is unavailable since %s: %s", h.Host, h.UnavailableSince.Format(time.RFC3339), h.LastError)
}
