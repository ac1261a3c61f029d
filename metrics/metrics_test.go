package metrics

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	b, err := io.ReadAll(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rec.Code, string(b)
}

func TestCollectors(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		m := New(Sources{
			DBStats: func() sql.DBStats { return sql.DBStats{OpenConnections: 3, InUse: 1, Idle: 2, WaitCount: 7} },
			Queue: func(context.Context) ([]QueueCount, error) {
				return []QueueCount{{Kind: "deliver", State: "available", Count: 12}, {Kind: "deliver", State: "retryable", Count: 2}}, nil
			},
		})
		m.Job("deliver", 30*time.Millisecond, nil)
		m.Job("deliver", time.Second, errors.New("502"))
		status, text := scrape(t, m)
		if status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		for _, s := range []string{
			`vestiging_jobs_waiting{kind="deliver",state="available"} 12`,
			`vestiging_jobs_waiting{kind="deliver",state="retryable"} 2`,
			"vestiging_db_connections_open 3",
			"vestiging_db_connections_in_use 1",
			"vestiging_db_connections_idle 2",
			"vestiging_db_wait_count_total 7",
			`vestiging_job_duration_seconds_count{kind="deliver",result="ok"} 1`,
			`vestiging_job_duration_seconds_count{kind="deliver",result="error"} 1`,
		} {
			if !strings.Contains(text, s+"\n") {
				t.Errorf("metrics lack %q", s)
			}
		}
	})
	t.Run("ErrQueue", func(t *testing.T) {
		m := New(Sources{Queue: func(context.Context) ([]QueueCount, error) { return nil, errors.New("database is closed") }})
		m.Inbox("Follow", "accepted")
		status, text := scrape(t, m)
		if status != http.StatusOK || !strings.Contains(text, `vestiging_inbox_activities_total{result="accepted",type="Follow"} 1`) {
			t.Errorf("status %d with a failing queue, want 200 and the other series:\n%s", status, text)
		}
	})
}

// TestNil: a nil *Metrics counts nothing and does not panic.
func TestNil(t *testing.T) {
	var m *Metrics
	m.Request("/", http.MethodGet, http.StatusOK, time.Millisecond)
	m.Inbox("Follow", "accepted")
	m.Delivery("example.org", Delivered)
	m.Job("deliver", time.Millisecond, nil)
}
