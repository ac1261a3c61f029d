package federation

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/metrics"
)

// Delivery retry policy: 30 s doubling per attempt up to 6 h, ±20 %
// jitter, 20 attempts. The retries span 62 h (50 h at the lowest jitter),
// past the 48 h a server may be down for maintenance.
const (
	DeliveryMaxAttempts = 20
	deliveryFirstRetry  = 30 * time.Second
	deliveryMaxRetry    = 6 * time.Hour
	deliveryJitter      = 0.2
	// MaxRetryAfter caps a peer's Retry-After.
	MaxRetryAfter = 6 * time.Hour
	// MaxDeliveryAge ends a delivery that waits on a host's breaker or
	// Retry-After, which do not count as attempts, so none waits forever.
	MaxDeliveryAge = 7 * 24 * time.Hour
)

// InsertOpts gives every delivery its attempts (River's default is 25
// attempts on its own schedule) and its queue.
func (DeliverJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: DeliveryMaxAttempts, Queue: vestiging.DeliveryQueue}
}

// deliveryBackoff is the wait after the attempt-th failed attempt (from
// 1), before jitter: 30 s · 2^(attempt-1), at most 6 h.
func deliveryBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	if attempt > 20 { // 30 s · 2^19 is far past the cap; no overflow
		return deliveryMaxRetry
	}
	return min(deliveryFirstRetry<<(attempt-1), deliveryMaxRetry)
}

// jitter spreads d by ±deliveryJitter; r is uniform in [0, 1).
func jitter(d time.Duration, r float64) time.Duration {
	return time.Duration(float64(d) * (1 - deliveryJitter + 2*deliveryJitter*r))
}

// deliverWorker POSTs one stored activity to one inbox.
type deliverWorker struct {
	river.WorkerDefaults[DeliverJob]
	f *Federator
}

// NextRetry is on the federator's clock, which the job queue shares when a
// test moves it (store.Options.JobsOnClock), so retries follow the clock.
func (w *deliverWorker) NextRetry(job *river.Job[DeliverJob]) time.Time {
	return w.f.now().Add(RetryDelay(job.Attempt))
}

// RetryDelay is how long a delivery that failed its attempt-th try waits
// for the next: the policy above, jitter included. Webhooks retry on it too.
func RetryDelay(attempt int) time.Duration {
	return jitter(deliveryBackoff(attempt), rand.Float64())
}

// Timeout bounds a job by the client's own time-out, with room to record
// the outcome.
func (w *deliverWorker) Timeout(*river.Job[DeliverJob]) time.Duration {
	return RequestTimeout + 10*time.Second
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverJob]) error {
	return w.f.deliver(ctx, job.Args, job.CreatedAt)
}

// deliver sends one activity to one inbox and records how the host did.
// The host's circuit breaker may hold or end the job first (admit); 2xx is done;
// a 4xx other than 401, 408 and 429 is final (the host answered, so it
// counts as healthy); a refused address, a blocked host and a blocked
// actor's inbox are final; anything else is recorded as a failure and retried, after Retry-After
// when the peer gives one. Waiting ends MaxDeliveryAge after queuedAt.
func (f *Federator) deliver(ctx context.Context, j DeliverJob, queuedAt time.Time) error {
	act, err := f.sent.get(ctx, j.ActivityIRI, f.cfg.Federation.ActivityByIRI)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return river.JobCancel(err)
	}
	if err != nil {
		return fmt.Errorf("deliver %s: %w", j.ActivityIRI, err)
	}
	host := iriHost(j.Inbox)
	if host == "" {
		return river.JobCancel(fmt.Errorf("deliver %s: inbox %q has no host", j.ActivityIRI, j.Inbox))
	}
	if err := f.checkDomain(ctx, host); err != nil {
		if vestiging.ErrorCode(err) == vestiging.EFORBIDDEN {
			return river.JobCancel(err)
		}
		return err
	}
	// A blocked actor's own inbox; a shared inbox serves others there too,
	// and the domain rules cover whole servers.
	if blocked, err := f.blocked(ctx, func(a *vestiging.Actor) bool { return a.Inbox == j.Inbox }); err != nil || blocked {
		if blocked {
			return river.JobCancel(vestiging.Errorf(vestiging.EFORBIDDEN, "The inbox %s is a blocked actor's.", j.Inbox))
		}
		return err
	}
	now := f.now()
	snooze := func(d time.Duration, why error) error {
		if now.Add(d).Sub(queuedAt) > MaxDeliveryAge {
			return river.JobCancel(fmt.Errorf("deliver %s to %s: given up after %s: %w", j.ActivityIRI, j.Inbox, MaxDeliveryAge, why))
		}
		return river.JobSnooze(d)
	}
	was, err := f.admit(ctx, host, now, snooze)
	if err != nil {
		return err
	}
	signer, err := f.signerFor(ctx, j, act)
	if err != nil {
		return err
	}
	sendErr := Deliver(ctx, f.cfg.Client, signer, j.Inbox, act.JSON)
	var se *StatusError
	var blocked *BlockedAddressError
	final := errors.As(sendErr, &blocked) ||
		errors.As(sendErr, &se) && se.StatusCode >= 400 && se.StatusCode < 500 && !retryStatus(se.StatusCode)
	recorded := sendErr
	if final && se != nil {
		recorded = nil // the host is up; it refused this one activity
	}
	if at := f.now(); recorded != nil || was == nil || !was.SuccessKnown(at) {
		if _, err := f.cfg.Federation.RecordDelivery(ctx, host, at, recorded); err != nil {
			// The delivery itself went as sendErr says; health is best effort.
			f.log.WarnContext(ctx, "record delivery", "host", host, "err", err)
		}
	}
	switch {
	case sendErr == nil:
		f.cfg.Metrics.Delivery(host, metrics.Delivered)
		if was != nil && was.Failures > 0 {
			f.cameBack(ctx, host)
		}
		return nil
	case final:
		f.cfg.Metrics.Delivery(host, metrics.Failed)
		return river.JobCancel(sendErr)
	}
	f.cfg.Metrics.Delivery(host, metrics.Retry)
	if se != nil && se.RetryAfter > 0 {
		return snooze(min(se.RetryAfter, MaxRetryAfter), sendErr)
	}
	return sendErr
}

// sentActivities keeps the last few outgoing activities read for delivery:
// the thousands of jobs of one fan-out all send the same one, and a stored
// activity never changes, so each process reads it once.
type sentActivities struct {
	mu    sync.Mutex
	byIRI map[string]*vestiging.Activity
}

// sentActivitiesKept bounds the cache: a few fan-outs under way at once.
const sentActivitiesKept = 16

// get returns the activity iri, from the cache or else from load.
func (c *sentActivities) get(ctx context.Context, iri string, load func(context.Context, string) (*vestiging.Activity, error)) (*vestiging.Activity, error) {
	c.mu.Lock()
	a := c.byIRI[iri]
	c.mu.Unlock()
	if a != nil {
		return a, nil
	}
	a, err := load(ctx, iri)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byIRI = bounded(c.byIRI, sentActivitiesKept)
	c.byIRI[iri] = a
	return a, nil
}

// retryStatus reports the 4xx answers that are worth retrying.
func retryStatus(code int) bool {
	return code == http.StatusUnauthorized || code == http.StatusRequestTimeout || code == http.StatusTooManyRequests
}
