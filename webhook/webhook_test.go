package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
	"github.com/vestiging/vestiging/webhook"
)

func TestSignVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"1"}`)
	header := webhook.Sign("geheim", now, body)
	tests := []struct {
		name, secret, header string
		body                 []byte
		at                   time.Time
		ok                   bool
	}{
		{"OK", "geheim", header, body, now, true},
		{"OKWithinTolerance", "geheim", header, body, now.Add(4 * time.Minute), true},
		{"ErrOtherSecret", "anders", header, body, now, false},
		{"ErrOtherBody", "geheim", header, []byte(`{"id":"2"}`), now, false},
		{"ErrTooOld", "geheim", header, body, now.Add(6 * time.Minute), false},
		{"ErrNoSignature", "geheim", "t=1800000000", body, now, false},
		{"ErrGarbage", "geheim", "sha256=abc", body, now, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := webhook.Verify(tt.secret, tt.header, tt.body, tt.at)
			if got := err == nil; got != tt.ok {
				t.Errorf("verify: %v, want ok %v", err, tt.ok)
			}
		})
	}
}

// receiver is a library system that checks every delivery's signature and
// fails the first failures requests with 500.
type receiver struct {
	t        *testing.T
	secret   string
	failures int
	mu       sync.Mutex
	seen     []webhook.Body // every request, valid signature or not
	valid    []bool
	done     chan struct{} // closed at the first request it accepts
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	err := webhook.Verify(rc.secret, r.Header.Get(webhook.HeaderSignature), body, time.Now())
	var b webhook.Body
	if jerr := json.Unmarshal(body, &b); jerr != nil {
		err = jerr
	}
	if r.Header.Get(webhook.HeaderEvent) != b.Type || r.Header.Get(webhook.HeaderDelivery) != b.ID {
		err = io.ErrUnexpectedEOF
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.seen, rc.valid = append(rc.seen, b), append(rc.valid, err == nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if len(rc.seen) <= rc.failures {
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
	if len(rc.seen) == rc.failures+1 {
		close(rc.done)
	}
}

// startWorker works db's jobs with the webhook worker, retrying at once.
func startWorker(t *testing.T, db *store.DB, allowLoopback bool) {
	t.Helper()
	workers := river.NewWorkers()
	webhook.Register(workers, webhook.Config{Services: db, AllowLoopback: allowLoopback, UserAgent: "Vestiging test",
		Backoff: func(int) time.Duration { return time.Millisecond }})
	if err := db.StartJobs(t.Context(), workers, store.JobsConfig{PollInterval: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.StopJobs(context.Background()) })
}

func newWebhook(t *testing.T, db *store.DB, url string) *vestiging.Webhook {
	t.Helper()
	h := &vestiging.Webhook{URL: url, Events: []string{vestiging.HookEventPublished}, Secret: vestiging.NewWebhookSecret()}
	if err := db.CreateWebhook(t.Context(), h, &vestiging.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	return h
}

// waitDelivery waits until the delivery's log leaves pending.
func waitDelivery(t *testing.T, db *store.DB, id int64) *vestiging.WebhookDelivery {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := db.WebhookDelivery(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != vestiging.DeliveryPending {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery %d still pending: %+v", id, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDeliveryRetries(t *testing.T) {
	db := storetest.SQLite(t)
	rc := &receiver{t: t, failures: 2, done: make(chan struct{})}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	h := newWebhook(t, db, srv.URL+"/hooks/vestiging")
	rc.secret = h.Secret

	// An event published in the store is what the receiver hears of.
	b := &vestiging.Branch{Name: "Centrale"}
	if err := db.CreateBranch(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	e := &vestiging.Event{Title: "Taalcafé", StartsAt: start, EndsAt: start.Add(time.Hour), BranchID: &b.ID, Status: vestiging.StatusPublished}
	if err := db.CreateEvent(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	startWorker(t, db, true)
	select {
	case <-rc.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the receiver never accepted a delivery")
	}
	deliveries, _, err := db.WebhookDeliveries(t.Context(), h.ID, 0, 10)
	if err != nil || len(deliveries) != 1 {
		t.Fatalf("deliveries %v, %v", deliveries, err)
	}
	d := waitDelivery(t, db, deliveries[0].ID)
	if d.Status != vestiging.DeliveryDelivered || d.Attempts != 3 || d.ResponseCode != http.StatusNoContent || d.Error != "" {
		t.Errorf("delivery log %+v: want delivered on the third attempt", d)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.seen) != 3 {
		t.Fatalf("receiver saw %d requests, want 3", len(rc.seen))
	}
	for i, b := range rc.seen {
		if !rc.valid[i] || b.ID != rc.seen[0].ID || b.Type != vestiging.HookEventPublished {
			t.Errorf("request %d: valid %v, %+v", i+1, rc.valid[i], b)
		}
	}
	var data vestiging.HookData
	if err := json.Unmarshal(rc.seen[2].Data, &data); err != nil || data.Event == nil || data.Event.ID != e.ID || data.Event.Title != "Taalcafé" {
		t.Errorf("data %s: %v", rc.seen[2].Data, err)
	}
}

func TestDeliveryRefusedAddress(t *testing.T) {
	db := storetest.SQLite(t)
	// Loopback is not allowed to this worker: the dial is refused before a
	// connection is made, and nothing is retried.
	h := newWebhook(t, db, "http://127.0.0.1:9/hook")
	d, err := db.TestWebhook(t.Context(), h.ID)
	if err != nil {
		t.Fatal(err)
	}
	startWorker(t, db, false)
	got := waitDelivery(t, db, d.ID)
	if got.Status != vestiging.DeliveryFailed || got.Attempts != 1 || !strings.Contains(got.Error, "refusing to connect to loopback") {
		t.Errorf("delivery log %+v", got)
	}
}
