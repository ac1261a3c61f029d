package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// BenchmarkAgendaPage renders the first agenda page over 10,000 events, on
// SQLite and, when VESTIGING_TEST_POSTGRES is set, on PostgreSQL.
func BenchmarkAgendaPage(b *testing.B) {
	clock := storetest.NewClock(testNow)
	backends := []struct {
		name string
		db   *store.DB
	}{{"sqlite", storetest.SQLiteClock(b, clock.Now)}}
	if os.Getenv(storetest.EnvPostgres) != "" {
		backends = append(backends, struct {
			name string
			db   *store.DB
		}{"postgres", storetest.PostgresClock(b, clock.Now)})
	}
	for _, be := range backends {
		storetest.SeedEvents(b, be.db, 10000, testNow)
		srv := New(Config{Services: be.db, BaseURL: &url.URL{Scheme: "http", Host: "localhost"}, Clock: clock.Now,
			Logger: slog.New(slog.DiscardHandler)})
		b.Run(be.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/agenda", nil))
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Meer dan 1000 activiteiten gevonden") {
					b.Fatalf("status %d:\n%s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}

// BenchmarkEventPage serves one event page through the full handler with
// federation on: HTML for a browser, AS2 JSON for a server.
func BenchmarkEventPage(b *testing.B) {
	clock := storetest.NewClock(testNow)
	db := storetest.SQLiteClock(b, clock.Now)
	storetest.SeedEvents(b, db, 1, testNow)
	base := &url.URL{Scheme: "http", Host: "localhost"}
	logger := slog.New(slog.DiscardHandler)
	fed, err := federation.New(context.Background(), federation.Config{Services: db, Federation: db, BaseURL: base,
		Clock: clock.Now, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	srv := New(Config{Services: db, BaseURL: base, Clock: clock.Now, Logger: logger, ActivityPub: fed, Network: fed, Federation: db})
	events, _, err := db.FindEvents(context.Background(), vestiging.EventFilter{Limit: 1})
	if err != nil || len(events) != 1 {
		b.Fatalf("seeded event: %v", err)
	}
	path := eventPath(events[0])
	for _, accept := range []struct{ name, header string }{{"html", browserAccept}, {"activity", activityAccept}} {
		b.Run(accept.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("Accept", accept.header)
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d:\n%s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}
