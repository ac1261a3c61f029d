package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

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
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "10000 activiteiten gevonden") {
					b.Fatalf("status %d:\n%s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}
