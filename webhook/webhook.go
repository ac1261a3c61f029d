// Package webhook delivers webhooks: signed POSTs that tell a library's
// other systems what happened, queued by the store in the transaction of
// the change and sent by a River worker through the one outbound client.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
)

// Headers of a delivery.
const (
	HeaderSignature = "Vestiging-Signature"
	HeaderEvent     = "Vestiging-Event"
	HeaderDelivery  = "Vestiging-Delivery"
)

// MaxAttempts bounds a delivery's tries, on federation's retry schedule:
// about two and a half days.
const MaxAttempts = federation.DeliveryMaxAttempts

// Tolerance is how far a signature's time may be from the receiver's clock.
const Tolerance = 5 * time.Minute

// Sign returns the signature header for body sent at t: the Unix time and
// the hex HMAC-SHA256 of "TIME.BODY" keyed with secret, as Stripe signs.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header against body with secret, in constant
// time, and refuses a time more than Tolerance from now. Receivers written
// in Go can use it as it is.
func Verify(secret, header string, body []byte, now time.Time) error {
	var ts string
	var sigs []string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errors.New("webhook signature: want t=TIMESTAMP,v1=SIGNATURE")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > Tolerance || d < -Tolerance {
		return fmt.Errorf("webhook signature: its time is %s off", d.Round(time.Second))
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return errors.New("webhook signature does not match")
}

// Body is what a delivery POSTs.
type Body struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// Config is what the worker needs.
type Config struct {
	Services      vestiging.WebhookService
	AllowLoopback bool   // as federation's: tests and trials on 127.0.0.0/8
	UserAgent     string // federation.UserAgent of the base URL
	Clock         vestiging.Clock
	Logger        *slog.Logger
	// Backoff is the wait after the attempt-th failed try; nil is
	// federation.RetryDelay. Tests shorten it.
	Backoff func(attempt int) time.Duration
}

// Register adds the delivery worker to workers.
func Register(workers *river.Workers, cfg Config) {
	if cfg.Clock == nil {
		cfg.Clock = vestiging.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Backoff == nil {
		cfg.Backoff = federation.RetryDelay
	}
	river.AddWorker(workers, &worker{cfg: cfg, clients: map[string]*http.Client{}})
}

type worker struct {
	river.WorkerDefaults[vestiging.WebhookJob]
	cfg     Config
	mu      sync.Mutex
	clients map[string]*http.Client // by intranet host, "" for none
}

// client returns the outbound client that may reach intranet (none for
// ""), made once per host. Redirects are not followed: the admin gave the
// address, and a redirect elsewhere is an answer, not a delivery.
func (w *worker) client(intranet string) *http.Client {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c, ok := w.clients[intranet]; ok {
		return c
	}
	for host, old := range w.clients {
		if host != "" { // the admin changed the host: the old one's connections go
			old.CloseIdleConnections()
			delete(w.clients, host)
		}
	}
	c := federation.NewClient(federation.ClientOptions{AllowLoopback: w.cfg.AllowLoopback, UserAgent: w.cfg.UserAgent, IntranetHost: intranet})
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	w.clients[intranet] = c
	return c
}

func (w *worker) NextRetry(job *river.Job[vestiging.WebhookJob]) time.Time {
	return time.Now().Add(w.cfg.Backoff(job.Attempt))
}

// Timeout bounds an attempt by the client's own time-out, with room to
// record it.
func (w *worker) Timeout(*river.Job[vestiging.WebhookJob]) time.Duration {
	return federation.RequestTimeout + 10*time.Second
}

// Work sends one delivery and logs the attempt. A webhook or delivery that
// is gone ends the job; a refused address ends it (only the admin can
// change that, and "send a test" tries again); any other failure is
// retried until MaxAttempts.
func (w *worker) Work(ctx context.Context, job *river.Job[vestiging.WebhookJob]) error {
	svc := w.cfg.Services
	d, err := svc.WebhookDelivery(ctx, job.Args.DeliveryID)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	h, err := svc.Webhook(ctx, d.WebhookID)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	intranet, err := svc.IntranetHost(ctx)
	if err != nil {
		return err
	}
	code, sendErr := w.send(ctx, w.client(intranet), h, d)
	now := w.cfg.Clock()
	d.Attempts, d.ResponseCode, d.LastAttemptAt, d.Error = job.Attempt, code, &now, ""
	var blocked *federation.BlockedAddressError
	final := errors.As(sendErr, &blocked) || job.Attempt >= MaxAttempts
	switch {
	case sendErr == nil:
		d.Status = vestiging.DeliveryDelivered
	case final:
		d.Status, d.Error = vestiging.DeliveryFailed, sendErr.Error()
	default:
		d.Status, d.Error = vestiging.DeliveryPending, sendErr.Error()
	}
	if err := svc.RecordWebhookAttempt(ctx, d); err != nil {
		w.cfg.Logger.WarnContext(ctx, "log webhook attempt", "delivery", d.ID, "err", err) // the attempt went as sendErr says
	}
	if final && sendErr != nil {
		return river.JobCancel(sendErr)
	}
	return sendErr
}

// send POSTs the delivery, signed, and returns the answer's status.
func (w *worker) send(ctx context.Context, client *http.Client, h *vestiging.Webhook, d *vestiging.WebhookDelivery) (int, error) {
	body, err := json.Marshal(Body{ID: strconv.FormatInt(d.ID, 10), Type: d.Event, CreatedAt: d.CreatedAt, Data: d.Data})
	if err != nil {
		return 0, fmt.Errorf("webhook delivery %d: %w", d.ID, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("webhook delivery %d: %w", d.ID, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderEvent, d.Event)
	req.Header.Set(HeaderDelivery, strconv.FormatInt(d.ID, 10))
	req.Header.Set(HeaderSignature, Sign(h.Secret, w.cfg.Clock(), body))
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("webhook to %s: %w", h.URL, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // the answer is not needed; the connection is
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("webhook to %s: HTTP %d", h.URL, resp.StatusCode)
	}
	return resp.StatusCode, nil
}
