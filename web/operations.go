package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/vestiging/vestiging"
)

// probeTimeout bounds the database checks of /readyz.
const probeTimeout = 2 * time.Second

// routeNote carries the route pattern a router matched back out to observe.
type routeNote struct{ pattern string }

type routeNoteKey struct{}

// noteRoute records the site router's matched pattern, which chi knows
// only once the route's handler has run.
func noteRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if note, ok := r.Context().Value(routeNoteKey{}).(*routeNote); ok && note.pattern == "" {
			note.pattern = chi.RouteContext(r.Context()).RoutePattern()
		}
	})
}

// observe gives every request an id (echoed in X-Request-Id), then logs one
// line and counts it in the metrics. It logs the route pattern, never the
// raw path or query, which may carry feed tokens or confirmation codes.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r.Header.Get("X-Request-Id"))
		w.Header().Set("X-Request-Id", id)
		note := &routeNote{}
		r = r.WithContext(context.WithValue(r.Context(), routeNoteKey{}, note))
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)

		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		route := note.pattern
		if route == "" {
			route = federationRoute(r.URL.Path)
		}
		took := time.Since(start)
		s.metrics.Request(route, r.Method, status, took)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelWarn
		}
		client, _ := clientIP(r) // the visitor, also behind a trusted proxy
		s.log.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", id),
			slog.String("client", client),
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Duration("duration", took),
			slog.Int("bytes", ww.BytesWritten()))
	})
}

// requestID keeps a proxy's request id when it looks like one, so log
// lines can be matched across both; otherwise it makes a new one.
func requestID(given string) string {
	if len(given) > 0 && len(given) <= 64 && strings.Trim(given, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == "" {
		return given
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// federationRoute names the routes served outside the site's router, so
// metrics and logs get a pattern for them too.
func federationRoute(path string) string {
	switch {
	case isObjectPath(path):
		return firstSegment(path) + "{id}"
	case path == "/actor", path == "/inbox", strings.HasPrefix(path, "/.well-known/"), strings.HasPrefix(path, "/nodeinfo/"):
		if path == "/actor" || isFederationPath(path) {
			return path // a fixed address
		}
	case isFederationPath(path):
		// One series per kind of document (/actor/…, /users/…), not per document.
		return firstSegment(path) + "*"
	}
	return "unmatched"
}

// firstSegment returns "/events/" of "/events/12".
func firstSegment(path string) string {
	return path[:strings.Index(path[1:], "/")+2]
}

// probes answers /healthz, /readyz and, on the site's listener, /metrics
// before the site's middleware, so a monitor's request never looks up a
// session.
func (s *Server) probes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var h http.HandlerFunc
		switch r.URL.Path {
		case "/healthz":
			h = s.healthz
		case "/readyz":
			h = s.readyz
		case "/metrics":
			if s.metrics != nil && s.serveMetrics {
				h = s.metricsPage
			}
		}
		if h == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			next.ServeHTTP(w, r)
			return
		}
		if note, ok := r.Context().Value(routeNoteKey{}).(*routeNote); ok {
			note.pattern = r.URL.Path
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r)
	})
}

// healthz says the process is alive; it touches nothing else.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz says whether the database and the job queue answer, with the
// reason when they do not: the error's user-facing message, as /readyz is
// public; the details go to the log.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), probeTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.ready(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("unavailable: " + vestiging.ErrorMessage(err) + "\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// metricsPage serves the metrics on the site's own listener to local
// scrapers only: a request from loopback that no proxy forwarded. Anyone
// else gets the site's 404, as if there were nothing here.
func (s *Server) metricsPage(w http.ResponseWriter, r *http.Request) {
	if !fromLocalScraper(r) {
		w.Header().Del("Cache-Control")
		s.notFound(w, r)
		return
	}
	s.metrics.Handler().ServeHTTP(w, r)
}

func fromLocalScraper(r *http.Request) bool {
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Real-Ip"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
