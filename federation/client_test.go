package federation

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

func TestCheckIP(t *testing.T) {
	tests := []struct {
		ip       string
		loopback bool // AllowLoopback
		reason   string
	}{
		{ip: "93.184.216.34"},
		{ip: "2606:2800:220:1:248:1893:25c8:1946"},
		{ip: "127.0.0.1", reason: "loopback"},
		{ip: "127.0.0.1", loopback: true},
		{ip: "127.1.2.3", loopback: true},
		{ip: "::1", reason: "loopback"},
		{ip: "::1", loopback: true},
		{ip: "::ffff:127.0.0.1", reason: "loopback"},
		{ip: "::ffff:127.0.0.1", loopback: true, reason: "loopback"},
		{ip: "10.0.0.1", reason: "private"},
		{ip: "10.0.0.1", loopback: true, reason: "private"},
		{ip: "172.16.5.4", reason: "private"},
		{ip: "172.31.255.255", reason: "private"},
		{ip: "172.32.0.1"},
		{ip: "192.168.1.1", loopback: true, reason: "private"},
		{ip: "::ffff:192.168.1.1", reason: "private"},
		{ip: "::ffff:93.184.216.34", reason: "special-purpose"},
		{ip: "fc00::1", reason: "private"},
		{ip: "fd12:3456::1", loopback: true, reason: "private"},
		{ip: "169.254.169.254", loopback: true, reason: "link-local"},
		{ip: "fe80::1", reason: "link-local"},
		{ip: "0.0.0.0", loopback: true, reason: "special-purpose"},
		{ip: "0.1.2.3", reason: "special-purpose"},
		{ip: "::", reason: "special-purpose"},
		{ip: "224.0.0.1", reason: "special-purpose"},
		{ip: "ff02::1", reason: "special-purpose"},
		{ip: "100.64.0.1", reason: "special-purpose"},
		{ip: "100.127.255.254", reason: "special-purpose"},
		{ip: "100.128.0.1"},
		{ip: "255.255.255.255", reason: "special-purpose"},
		// What the review found passing: benchmarking, IETF protocol
		// assignments, documentation, NAT64 (both prefixes), 6to4 and
		// Teredo around a private IPv4, IPv4-compatible addresses.
		{ip: "198.18.0.1", reason: "special-purpose"},
		{ip: "198.19.255.254", reason: "special-purpose"},
		{ip: "192.0.0.170", reason: "special-purpose"},
		{ip: "192.0.2.1", reason: "special-purpose"},
		{ip: "198.51.100.7", reason: "special-purpose"},
		{ip: "203.0.113.9", reason: "special-purpose"},
		{ip: "2001:db8::1", reason: "special-purpose"},
		{ip: "3fff::1", reason: "special-purpose"},
		{ip: "64:ff9b::10.0.0.1", reason: "special-purpose"},
		{ip: "64:ff9b::5db8:d822", reason: "special-purpose"},
		{ip: "64:ff9b:1::a00:1", reason: "special-purpose"},
		{ip: "2002:a00:1::1", reason: "special-purpose"},                        // 6to4 of 10.0.0.1
		{ip: "2002:7f00:1::1", reason: "special-purpose"},                       // 6to4 of 127.0.0.1
		{ip: "2001:0:4136:e378:8000:63bf:f5ff:fffe", reason: "special-purpose"}, // Teredo of 10.0.0.1
		{ip: "::10.0.0.1", reason: "special-purpose"},
		{ip: "::127.0.0.1", loopback: true, reason: "special-purpose"},
		{ip: "::93.184.216.34", reason: "special-purpose"},
		{ip: "5f00::1", reason: "special-purpose"},
		{ip: "2a00:1450:4001:82b::200e"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/loopback=%v", tt.ip, tt.loopback), func(t *testing.T) {
			err := CheckIP(netip.MustParseAddr(tt.ip), tt.loopback)
			var b *BlockedAddressError
			switch {
			case tt.reason == "" && err != nil:
				t.Errorf("got %v, want allowed", err)
			case tt.reason != "" && !errors.As(err, &b):
				t.Errorf("got %v, want refused as %s", err, tt.reason)
			case tt.reason != "" && b.Reason != tt.reason:
				t.Errorf("reason = %q, want %q", b.Reason, tt.reason)
			}
		})
	}
}

func TestClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ua":
			fmt.Fprint(w, r.UserAgent())
		case "/metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	}))
	defer srv.Close()

	t.Run("ErrLoopback", func(t *testing.T) {
		for _, u := range []string{srv.URL + "/ua", strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/ua"} {
			_, err := NewClient(ClientOptions{}).Get(u)
			var b *BlockedAddressError
			if !errors.As(err, &b) || b.Reason != "loopback" {
				t.Fatalf("GET %s: %v, want a loopback refusal", u, err)
			}
			if !strings.Contains(err.Error(), "refusing to connect to loopback address") {
				t.Errorf("error %q does not name the reason", err)
			}
		}
	})
	t.Run("OK", func(t *testing.T) {
		resp, err := NewClient(ClientOptions{AllowLoopback: true, UserAgent: "Vestiging/test"}).Get(srv.URL + "/ua")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := ReadBody(resp.Body, MaxBodySize)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(b), "Vestiging/test"; got != want {
			t.Errorf("User-Agent = %q, want %q", got, want)
		}
	})
	t.Run("LoopbackPorts", func(t *testing.T) {
		u, err := url.Parse(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		port, err := strconv.ParseUint(u.Port(), 10, 16)
		if err != nil {
			t.Fatal(err)
		}
		localhost := "http://localhost:" + u.Port() + "/ua"
		for _, addr := range []string{srv.URL + "/ua", localhost} {
			resp, err := NewClient(ClientOptions{LoopbackPorts: []uint16{uint16(port)}}).Get(addr)
			if err != nil {
				t.Fatalf("GET %s: %v", addr, err)
			}
			resp.Body.Close()
		}
		_, err = NewClient(ClientOptions{LoopbackPorts: []uint16{uint16(port) + 1}}).Get(localhost)
		var b *BlockedAddressError
		if !errors.As(err, &b) || b.Reason != "loopback" {
			t.Errorf("another port: got %v, want a loopback refusal", err)
		}
	})
	t.Run("ErrRedirectToLinkLocal", func(t *testing.T) {
		_, err := NewClient(ClientOptions{AllowLoopback: true}).Get(srv.URL + "/metadata")
		var b *BlockedAddressError
		if !errors.As(err, &b) || b.Reason != "link-local" {
			t.Fatalf("got %v, want a link-local refusal", err)
		}
	})
	t.Run("ErrRedirectLoop", func(t *testing.T) {
		_, err := NewClient(ClientOptions{AllowLoopback: true}).Get(srv.URL + "/loop")
		if err == nil || !strings.Contains(err.Error(), "redirects") {
			t.Fatalf("got %v, want too many redirects", err)
		}
	})
}

func TestReadBody(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		b, err := ReadBody(strings.NewReader(strings.Repeat("a", 10)), 10)
		if err != nil || len(b) != 10 {
			t.Fatalf("got %d bytes, %v", len(b), err)
		}
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		_, err := ReadBody(strings.NewReader(strings.Repeat("a", 11)), 10)
		if got, want := vestiging.ErrorCode(err), vestiging.ETOOLARGE; got != want {
			t.Fatalf("code = %q (%v), want %q", got, err, want)
		}
	})
}

func TestFetch(t *testing.T) {
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	const keyID = "https://bieb.example/actor#main-key"
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Like GoToSocial: unsigned or badly signed GETs get 401.
		_, err := Verify(r, nil, time.Now(), func(ctx context.Context, id string) (*rsa.PublicKey, error) {
			if id != keyID {
				return nil, errors.New("unknown key")
			}
			return &key.PublicKey, nil
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if r.Header.Get("Accept") != AcceptActivity {
			http.Error(w, "accept", http.StatusNotAcceptable)
			return
		}
		ct := ContentTypeActivity
		id := srvURL + r.URL.Path
		switch r.URL.Path {
		case "/redirect":
			// Served elsewhere, still itself.
			http.Redirect(w, r, "/cdn/redirect", http.StatusFound)
			return
		case "/cdn/redirect":
			id = srvURL + "/redirect"
		case "/swap":
			// A redirect to another actor's document: a change of identity.
			http.Redirect(w, r, "/users/b", http.StatusFound)
			return
		case "/moved":
			// The document claims to be /users/c but lives at /users/b.
			http.Redirect(w, r, "/users/b-claims-c", http.StatusFound)
			return
		case "/users/b-claims-c":
			id = srvURL + "/users/c"
		case "/html":
			ct = "text/html; charset=utf-8"
		case "/ldjson":
			ct = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
		case "/other-id":
			id = srvURL + "/users/x"
		case "/no-id":
			id = ""
		case "/big":
			w.Header().Set("Content-Type", ct)
			fmt.Fprintf(w, `{"id":%q,"summary":"%s"}`, id, strings.Repeat("a", MaxBodySize))
			return
		case "/gone":
			http.Error(w, "gone", http.StatusGone)
			return
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", ct)
		// Escaped slashes, as PHP servers write them, are the same URL.
		fmt.Fprintf(w, `{"@context":"https://www.w3.org/ns/activitystreams","id":"%s","type":"Person"}`, strings.ReplaceAll(id, "/", `\/`))
	}))
	defer srv.Close()
	srvURL = srv.URL
	f := &Fetcher{Client: NewClient(ClientOptions{AllowLoopback: true}), Signer: &Signer{KeyID: keyID, Key: key}}

	t.Run("OK", func(t *testing.T) {
		for _, path := range []string{"/users/a", "/users/a#main-key", "/redirect", "/ldjson"} {
			b, err := f.Fetch(context.Background(), srv.URL+path)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			if !strings.Contains(string(b), `"type":"Person"`) {
				t.Errorf("%s: body %s", path, b)
			}
		}
	})
	tests := []struct {
		name, path, want string
		fetcher          *Fetcher
	}{
		{name: "ErrUnsigned", path: "/users/a", want: "HTTP 401", fetcher: &Fetcher{Client: f.Client}},
		{name: "ErrContentType", path: "/html", want: "not ActivityStreams JSON"},
		{name: "ErrIDMismatch", path: "/other-id", want: `is "` + srv.URL + `/users/x"`},
		{name: "ErrNoID", path: "/no-id", want: `is ""`},
		{name: "ErrRedirectOtherID", path: "/moved", want: `is "` + srv.URL + `/users/c"`},
		{name: "ErrRedirectOtherActor", path: "/swap", want: `is "` + srv.URL + `/users/b"`},
		{name: "ErrTooLarge", path: "/big", want: "larger than"},
		{name: "ErrGone", path: "/gone", want: "HTTP 410"},
		{name: "ErrRedirectLoop", path: "/loop", want: "more than 5 redirects"},
		{name: "ErrLoopback", path: "/users/a", want: "refusing to connect to loopback", fetcher: &Fetcher{Client: NewClient(ClientOptions{}), Signer: f.Signer}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fetcher := f
			if tt.fetcher != nil {
				fetcher = tt.fetcher
			}
			_, err := fetcher.Fetch(context.Background(), srv.URL+tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	t.Run("ErrStatusTyped", func(t *testing.T) {
		_, err := f.Fetch(context.Background(), srv.URL+"/gone")
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != http.StatusGone {
			t.Errorf("got %v, want a *StatusError 410", err)
		}
	})
	t.Run("ErrNotHTTP", func(t *testing.T) {
		_, err := f.Fetch(context.Background(), "file:///etc/passwd")
		if got, want := vestiging.ErrorCode(err), vestiging.EINVALID; got != want {
			t.Errorf("code = %q, want %q", got, want)
		}
	})
}

func TestDeliver(t *testing.T) {
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	const keyID = "https://bieb.example/actor#main-key"
	got := make(chan []byte, 1) // what the inbox accepted
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := ReadBody(r.Body, MaxBodySize)
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		if r.Header.Get("Content-Type") != ContentTypeActivity {
			http.Error(w, "content type", http.StatusUnsupportedMediaType)
			return
		}
		switch r.URL.Path {
		case "/busy":
			w.Header().Set("Retry-After", "120")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		case "/maintenance":
			w.Header().Set("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
			http.Error(w, "later", http.StatusServiceUnavailable)
			return
		}
		if _, err := Verify(r, body, time.Now(), func(ctx context.Context, id string) (*rsa.PublicKey, error) {
			return &key.PublicKey, nil
		}); err != nil {
			http.Error(w, err.Error(), err.(*SignatureError).Status())
			return
		}
		got <- body
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	client := NewClient(ClientOptions{AllowLoopback: true})
	signer := &Signer{KeyID: keyID, Key: key}
	activity := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow"}`)

	t.Run("OK", func(t *testing.T) {
		if err := Deliver(context.Background(), client, signer, srv.URL+"/inbox", activity); err != nil {
			t.Fatal(err)
		}
		if b := <-got; string(b) != string(activity) {
			t.Errorf("inbox got %s", b)
		}
	})
	t.Run("ErrRetryAfter", func(t *testing.T) {
		for path, want := range map[string]struct {
			code int
			min  time.Duration
			max  time.Duration
		}{
			"/busy":        {429, 120 * time.Second, 120 * time.Second},
			"/maintenance": {503, 58 * time.Minute, time.Hour},
		} {
			err := Deliver(context.Background(), client, signer, srv.URL+path, activity)
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != want.code || se.RetryAfter < want.min || se.RetryAfter > want.max {
				t.Errorf("%s: got %v (%+v), want %d with Retry-After in [%s, %s]", path, err, se, want.code, want.min, want.max)
			}
		}
	})
	t.Run("ErrBadSignature", func(t *testing.T) {
		other, err := GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		err = Deliver(context.Background(), client, &Signer{KeyID: keyID, Key: other}, srv.URL+"/inbox", activity)
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != http.StatusUnauthorized {
			t.Errorf("got %v, want a 401 StatusError", err)
		}
	})
	t.Run("ErrLoopback", func(t *testing.T) {
		err := Deliver(context.Background(), NewClient(ClientOptions{}), signer, srv.URL+"/inbox", activity)
		var b *BlockedAddressError
		if !errors.As(err, &b) {
			t.Errorf("got %v, want a refused address", err)
		}
	})
}

func TestCheckIntranetIP(t *testing.T) {
	tests := []struct {
		ip      string
		allowed bool
	}{
		{"10.1.2.3", true},
		{"172.16.5.4", true},
		{"192.168.1.1", true},
		{"fd12:3456::1", true},
		{"93.184.216.34", true},
		{"127.0.0.1", false},
		{"::1", false},
		{"169.254.169.254", false},
		{"fe80::1", false},
		{"0.0.0.0", false},
		{"100.64.0.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			err := CheckIntranetIP(netip.MustParseAddr(tt.ip), false)
			if got := err == nil; got != tt.allowed {
				t.Errorf("allowed %v (%v), want %v", got, err, tt.allowed)
			}
		})
	}
}
