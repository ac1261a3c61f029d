package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/vestiging/vestiging/store/storetest"
)

func TestForwarded(t *testing.T) {
	s := &Server{proxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}}
	tests := []struct {
		name       string
		peer       string
		header     map[string]string
		wantClient string
		wantHTTPS  bool
		wantHost   string
	}{
		{name: "untrusted peer, spoofed headers ignored", peer: "203.0.113.9:5000",
			header:     map[string]string{"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
			wantClient: "203.0.113.9:5000", wantHost: "bieb.example.nl"},
		{name: "trusted proxy", peer: "10.0.0.2:5000",
			header:     map[string]string{"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "agenda.bieb.example.nl"},
			wantClient: "198.51.100.7", wantHTTPS: true, wantHost: "agenda.bieb.example.nl"},
		{name: "client's forged left part skipped", peer: "10.0.0.2:5000",
			header:     map[string]string{"X-Forwarded-For": "1.2.3.4, 198.51.100.7"},
			wantClient: "198.51.100.7", wantHost: "bieb.example.nl"},
		{name: "chain of trusted proxies", peer: "10.0.0.2:5000",
			header:     map[string]string{"X-Forwarded-For": "198.51.100.7, 10.1.1.1, 10.0.0.3"},
			wantClient: "198.51.100.7", wantHost: "bieb.example.nl"},
		{name: "all proxies: the leftmost", peer: "10.0.0.2:5000",
			header:     map[string]string{"X-Forwarded-For": "10.9.9.9, 10.1.1.1"},
			wantClient: "10.9.9.9", wantHost: "bieb.example.nl"},
		{name: "malformed entry ends the walk", peer: "10.0.0.2:5000",
			header:     map[string]string{"X-Forwarded-For": "198.51.100.7, garbage, 10.1.1.1"},
			wantClient: "10.1.1.1", wantHost: "bieb.example.nl"},
		{name: "IPv6 proxy and client", peer: "[fd00::1]:443",
			header:     map[string]string{"X-Forwarded-For": "2001:db8::5", "X-Forwarded-Proto": "http"},
			wantClient: "2001:db8::5", wantHost: "bieb.example.nl"},
		{name: "no header keeps the peer", peer: "10.0.0.2:5000",
			wantClient: "10.0.0.2:5000", wantHost: "bieb.example.nl"},
		{name: "bad host ignored", peer: "10.0.0.2:5000",
			header:     map[string]string{"X-Forwarded-Host": "a b/c"},
			wantClient: "10.0.0.2:5000", wantHost: "bieb.example.nl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *http.Request
			h := s.forwarded(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r }))
			req := httptest.NewRequest(http.MethodGet, "http://bieb.example.nl/", nil)
			req.RemoteAddr = tt.peer
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if got.RemoteAddr != tt.wantClient {
				t.Errorf("client %q, want %q", got.RemoteAddr, tt.wantClient)
			}
			if s.https(got) != tt.wantHTTPS {
				t.Errorf("https %v, want %v", s.https(got), tt.wantHTTPS)
			}
			if got.Host != tt.wantHost {
				t.Errorf("host %q, want %q", got.Host, tt.wantHost)
			}
		})
	}
}

// newProxyEnv is a server on loopback that trusts the given proxies.
func newProxyEnv(t *testing.T, base string, proxies ...string) *env {
	t.Helper()
	clock := storetest.NewClock(testNow)
	db := storetest.SQLiteClock(t, clock.Now)
	cfg := Config{Services: db, Clock: clock.Now, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseURL = u
	for _, p := range proxies {
		cfg.TrustedProxies = append(cfg.TrustedProxies, netip.MustParsePrefix(p))
	}
	srv := httptest.NewServer(New(cfg))
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, clock: clock, srv: srv}
}

// TestForwardedRateLimit: the login limit counts per visitor behind a
// trusted proxy, and a visitor who is not a proxy cannot escape it by
// sending a new X-Forwarded-For each time.
func TestForwardedRateLimit(t *testing.T) {
	tests := []struct {
		name    string
		proxies []string
		want    int // status of the 11th attempt, each from another forwarded address
	}{
		{name: "untrusted peer", proxies: []string{"10.0.0.0/8"}, want: http.StatusTooManyRequests},
		{name: "trusted proxy", proxies: []string{"127.0.0.0/8"}, want: http.StatusUnauthorized}, // a wrong password, not the limit
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newProxyEnv(t, "http://localhost", tt.proxies...)
			c := e.client()
			var res response
			for i := range 11 {
				res = e.post(c, "/login", url.Values{"email": {"x@example.nl"}, "password": {"nope"}},
					"X-Forwarded-For", netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)}).String())
			}
			wantStatus(t, res, tt.want)
		})
	}
}

func TestForwardedSecureCookie(t *testing.T) {
	tests := []struct {
		name    string
		base    string
		proxies []string
		want    bool
	}{
		{name: "proxy says https", base: "http://localhost", proxies: []string{"127.0.0.0/8"}, want: true},
		{name: "untrusted peer says https", base: "http://localhost", proxies: []string{"10.0.0.0/8"}, want: false},
		{name: "https base URL", base: "https://localhost", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newProxyEnv(t, tt.base, tt.proxies...)
			res := e.get(e.client(), "/?lang=en", "X-Forwarded-Proto", "https")
			cookies := (&http.Response{Header: res.Header}).Cookies()
			if len(cookies) != 1 {
				t.Fatalf("cookies %v, want the language cookie", cookies)
			}
			if got := cookies[0].Secure; got != tt.want {
				t.Errorf("Secure %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	tests := []struct {
		name, base, path string
		wantStatus       int
		wantFrame        string // the CSP's frame-ancestors
		wantForm         string // its form-action: formSelf unless set
		wantHSTS         bool
	}{
		{name: "home", base: "http://localhost", path: "/", wantStatus: http.StatusOK, wantFrame: "frame-ancestors 'none'"},
		{name: "agenda over https", base: "https://localhost", path: "/agenda", wantStatus: http.StatusOK, wantFrame: "frame-ancestors 'none'", wantHSTS: true},
		{name: "static file", base: "https://localhost", path: "/static/style.css", wantStatus: http.StatusOK, wantFrame: "frame-ancestors 'none'", wantHSTS: true},
		{name: "health", base: "http://localhost", path: "/healthz", wantStatus: http.StatusOK, wantFrame: "frame-ancestors 'none'"},
		{name: "not found", base: "http://localhost", path: "/nothing", wantStatus: http.StatusNotFound, wantFrame: "frame-ancestors 'none'"},
		{name: "embed may be framed", base: "http://localhost", path: "/embed/agenda", wantFrame: "frame-ancestors *"},
		// The share form sends the reader on to their own server.
		{name: "event page", base: "http://localhost", path: "/events/1", wantFrame: "frame-ancestors 'none'", wantForm: formShare},
		// So does the form to follow or reply from one's own server.
		{name: "offer page", base: "http://localhost", path: "/offers/1", wantFrame: "frame-ancestors 'none'", wantForm: formShare},
		{name: "library page", base: "http://localhost", path: "/library", wantFrame: "frame-ancestors 'none'", wantForm: formShare},
		{name: "resident's page", base: "http://localhost", path: "/users/anna", wantFrame: "frame-ancestors 'none'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newProxyEnv(t, tt.base)
			res := e.get(e.client(), tt.path)
			if tt.wantStatus != 0 {
				wantStatus(t, res, tt.wantStatus)
			}
			h := res.Header
			form := tt.wantForm
			if form == "" {
				form = formSelf
			}
			if got, want := h.Get("Content-Security-Policy"), csp+form+"; "+tt.wantFrame; got != want {
				t.Errorf("CSP %q, want %q", got, want)
			}
			if got, want := h.Get("X-Content-Type-Options"), "nosniff"; got != want {
				t.Errorf("X-Content-Type-Options %q, want %q", got, want)
			}
			if got, want := h.Get("Referrer-Policy"), "same-origin"; got != want {
				t.Errorf("Referrer-Policy %q, want %q", got, want)
			}
			if got := h.Get("X-Frame-Options"); (got == "DENY") == embedPath(tt.path) {
				t.Errorf("X-Frame-Options %q on %s", got, tt.path)
			}
			if got := h.Get("Strict-Transport-Security"); (got == hsts) != tt.wantHSTS {
				t.Errorf("Strict-Transport-Security %q, want it %v", got, tt.wantHSTS)
			}
		})
	}
}

// TestForwardedLog: the request log names the visitor a trusted proxy
// forwarded, and the peer itself when it is not a trusted proxy.
func TestForwardedLog(t *testing.T) {
	tests := []struct {
		name, proxies, want string
	}{
		{name: "trusted proxy", proxies: "127.0.0.0/8", want: "client=198.51.100.7 "},
		{name: "untrusted peer", proxies: "10.0.0.0/8", want: "client=127.0.0.1 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			db := storetest.SQLite(t)
			srv := httptest.NewServer(New(Config{Services: db, Logger: slog.New(slog.NewTextHandler(&log, nil)),
				TrustedProxies: []netip.Prefix{netip.MustParsePrefix(tt.proxies)}}))
			defer srv.Close()
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/agenda", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Forwarded-For", "198.51.100.7")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			srv.Close() // the log line is written after the response
			if got := log.String(); !strings.Contains(got, tt.want) {
				t.Errorf("log %q lacks %q", got, tt.want)
			}
		})
	}
}

// BenchmarkForwarded measures what every request behind a proxy pays: the
// security headers and a two-hop X-Forwarded-For from a trusted proxy.
func BenchmarkForwarded(b *testing.B) {
	s := &Server{proxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.0/8")}}
	h := s.securityHeaders(s.forwarded(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	req := httptest.NewRequest(http.MethodGet, "http://bieb.example.nl/agenda", nil)
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Set("X-Forwarded-For", "198.51.100.7, 10.0.0.3")
	req.Header.Set("X-Forwarded-Proto", "https")
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
