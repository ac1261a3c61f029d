package web

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/vestiging/vestiging/metrics"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// lockedBuffer collects log output written by concurrent handlers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newOpsEnv serves the site with metrics and readiness over db, logging
// JSON into the returned buffer.
func newOpsEnv(t *testing.T, db *store.DB) (*env, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	clock := storetest.NewClock(testNow)
	h := New(Config{
		Services:     db,
		BaseURL:      &url.URL{Scheme: "http", Host: "localhost"},
		Clock:        clock.Now,
		Logger:       slog.New(slog.NewJSONHandler(logs, nil)),
		Ready:        db.Ready,
		Metrics:      metrics.New(metrics.Sources{DBStats: db.Stats}),
		ServeMetrics: true,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, clock: clock, srv: srv}, logs
}

func TestProbes(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e, _ := newOpsEnv(t, storetest.SQLite(t))
		for _, path := range []string{"/healthz", "/readyz"} {
			res := e.get(e.client(), path)
			wantStatus(t, res, http.StatusOK)
			if got, want := res.Body, "ok\n"; got != want {
				t.Errorf("%s: body %q, want %q", path, got, want)
			}
		}
	})
	t.Run("ErrClosed", func(t *testing.T) {
		db := storetest.SQLite(t)
		e, _ := newOpsEnv(t, db)
		db.Close()
		wantStatus(t, e.get(e.client(), "/healthz"), http.StatusOK) // alive without the database
		res := e.get(e.client(), "/readyz")
		wantStatus(t, res, http.StatusServiceUnavailable)
		wantContains(t, res, "unavailable: The database does not answer.")
	})
}

func TestRequestLog(t *testing.T) {
	e, logs := newOpsEnv(t, storetest.SQLite(t))
	c := e.client()
	res := e.get(c, "/agenda?token=QUERYSECRET", "X-Request-Id", "proxy-id-1", "Cookie", sessionCookie+"=COOKIESECRET")
	if got, want := res.Header.Get("X-Request-Id"), "proxy-id-1"; got != want {
		t.Errorf("X-Request-Id = %q, want %q", got, want)
	}
	res = e.get(c, "/no-such-page/PATHSECRET", "X-Request-Id", "not an id: spaces and {braces}")
	if id := res.Header.Get("X-Request-Id"); len(id) != 16 {
		t.Errorf("X-Request-Id = %q, want a new 16-character id", id)
	}
	e.post(c, "/login", url.Values{"email": {"a@b.example"}, "password": {"PASSWORDSECRET"}})

	var lines []map[string]any
	for line := range strings.Lines(logs.String()) {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if l["msg"] == "request" {
			lines = append(lines, l)
		}
	}
	if got, want := len(lines), 3; got != want {
		t.Fatalf("%d request lines, want %d:\n%s", got, want, logs)
	}
	first := lines[0]
	for k, want := range map[string]any{"request_id": "proxy-id-1", "method": "GET", "route": "/agenda", "status": 200.0} {
		if got := first[k]; got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	if first["duration"] == nil || first["bytes"].(float64) <= 0 {
		t.Errorf("duration or bytes missing: %v", first)
	}
	if got, want := lines[1]["route"], "unmatched"; got != want {
		t.Errorf("unknown path logged as route %v, want %v", got, want)
	}
	for _, secret := range []string{"QUERYSECRET", "COOKIESECRET", "PATHSECRET", "PASSWORDSECRET"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log holds %s:\n%s", secret, logs)
		}
	}
}

func TestMetricsPage(t *testing.T) {
	e, _ := newOpsEnv(t, storetest.SQLite(t))
	c := e.client()
	e.get(c, "/agenda")
	e.get(c, "/agenda")
	e.get(c, "/events/9999")
	t.Run("OK", func(t *testing.T) {
		res := e.get(c, "/metrics")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res,
			`vestiging_http_requests_total{method="GET",route="/agenda",status="200"} 2`,
			`vestiging_http_requests_total{method="GET",route="/events/{id}",status="404"} 1`,
			"vestiging_http_request_duration_seconds_bucket",
			"vestiging_db_connections_open ")
	})
	t.Run("ErrProxied", func(t *testing.T) {
		// Through a reverse proxy on the same machine the peer is loopback
		// too: the forwarding header gives the visitor away.
		res := e.get(c, "/metrics", "X-Forwarded-For", "203.0.113.9")
		wantStatus(t, res, http.StatusNotFound)
		wantNotContains(t, res, "vestiging_http_requests_total")
	})
}

func TestFederationRoute(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/inbox", "/inbox"},
		{"/actor", "/actor"},
		{"/.well-known/webfinger", "/.well-known/webfinger"},
		{"/nodeinfo/2.1", "/nodeinfo/2.1"},
		{"/actor/outbox", "/actor/*"},
		{"/activities/123", "/activities/*"},
		{"/events/12", "/events/{id}"},
		{"/.well-known/other", "unmatched"},
		{"/feeds/SECRET.ics", "unmatched"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := federationRoute(tt.path); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
