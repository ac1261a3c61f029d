package federation

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/metrics"
	"github.com/vestiging/vestiging/store/storetest"
)

// scrape returns m's text exposition.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	b, err := io.ReadAll(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantSeries(t *testing.T, text string, series ...string) {
	t.Helper()
	for _, s := range series {
		if !strings.Contains(text, s+"\n") {
			t.Errorf("metrics lack %q", s)
		}
	}
}

func TestInboxMetrics(t *testing.T) {
	db := storetest.SQLite(t)
	env := newInEnv(t, db, nil)
	m := metrics.New(metrics.Sources{})
	env.f.cfg.Metrics = m
	p := newInPeer(t, "tiel", 0)

	if got, want := p.post(t, env.inbox, p.activity("Like", "/likes/1", env.base.String()+"/events/1")), http.StatusAccepted; got != want {
		t.Fatalf("status = %d, want %d", got, want)
	}
	unsigned := func(r *http.Request) { r.Header.Del("Signature") }
	if got, want := p.post(t, env.inbox, p.activity("Like", "/likes/2", env.base.String()+"/events/1"), unsigned), http.StatusUnauthorized; got != want {
		t.Fatalf("status = %d, want %d", got, want)
	}
	wantSeries(t, scrape(t, m),
		`vestiging_inbox_activities_total{result="accepted",type="Like"} 1`,
		`vestiging_inbox_activities_total{result="signature missing",type="unknown"} 1`,
	)
}

func TestDeliveryMetrics(t *testing.T) {
	db := storetest.SQLite(t)
	m := metrics.New(metrics.Sources{DBStats: db.Stats})
	in := startInstance(t, db, func(c *Config) { c.Metrics = m })
	rc := newReceiver(t, in)
	act := &vestiging.Activity{IRI: in.srv.URL + "/activities/m1", Type: "Create", Public: true,
		JSON: []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + in.srv.URL + `/activities/m1","type":"Create"}`)}
	if _, err := db.SaveActivity(t.Context(), act, nil); err != nil {
		t.Fatal(err)
	}
	job := DeliverJob{ActivityIRI: act.IRI, Inbox: rc.srv.URL + "/inbox"}
	for _, status := range []int{http.StatusAccepted, http.StatusBadGateway, http.StatusGone} {
		rc.status.Store(int64(status))
		_ = in.fed.deliver(t.Context(), job, time.Now())
	}
	host := iriHost(rc.srv.URL)
	wantSeries(t, scrape(t, m),
		`vestiging_deliveries_total{host="`+host+`",result="delivered"} 1`,
		`vestiging_deliveries_total{host="`+host+`",result="retry"} 1`,
		`vestiging_deliveries_total{host="`+host+`",result="failed"} 1`,
	)
	if text := scrape(t, m); !strings.Contains(text, "vestiging_db_connections_open ") {
		t.Errorf("no database pool series:\n%s", text)
	}
}
