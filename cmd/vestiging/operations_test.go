package main

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestNewLogger(t *testing.T) {
	tests := []struct {
		name, format, level string
		wantErr             bool
		want                string // in the line logged at info
	}{
		{name: "OK", format: "text", level: "info", want: "msg=hello"},
		{name: "OKJSON", format: "json", level: "debug", want: `"msg":"hello"`},
		{name: "OKQuiet", format: "json", level: "warn", want: ""},
		{name: "ErrFormat", format: "xml", level: "info", wantErr: true},
		{name: "ErrLevel", format: "text", level: "loud", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l, err := newLogger(&buf, tt.format, tt.level)
			if tt.wantErr {
				if _, ok := err.(*usageError); !ok {
					t.Fatalf("error %v, want a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			l.Info("hello")
			if got := buf.String(); tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("logged %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseMediaURL(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "", want: ""},
		{in: "https://media.example.org", want: "https://media.example.org/media/"},
		{in: "https://media.example.org/", want: "https://media.example.org/media/"},
		{in: "ftp://media.example.org", wantErr: true},
		{in: "https://media.example.org/images/", wantErr: true},
		{in: "media.example.org", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := parseMediaURL(tt.in)
			if tt.wantErr != (err != nil) {
				t.Fatalf("error %v, want one: %v", err, tt.wantErr)
			}
			got := ""
			if u != nil {
				got = u.String()
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseRooms(t *testing.T) {
	tests := []struct {
		name, jitsi, bbb, secret string
		kinds                    string
		wantErr                  bool
	}{
		{name: "None"},
		{name: "Jitsi", jitsi: "https://meet.example.org", kinds: "jitsi"},
		{name: "Both", jitsi: "https://meet.example.org", bbb: "https://bbb.example.org/bigbluebutton/", secret: "geheim", kinds: "jitsi bbb"},
		{name: "ErrBBBWithoutSecret", bbb: "https://bbb.example.org/bigbluebutton/", wantErr: true},
		{name: "ErrSecretWithoutBBB", secret: "geheim", wantErr: true},
		{name: "ErrNotAnAddress", jitsi: "meet.example.org", wantErr: true},
		{name: "ErrQuery", bbb: "https://bbb.example.org/?x=1", secret: "geheim", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rooms, err := parseRooms(tt.jitsi, tt.bbb, tt.secret)
			if tt.wantErr != (err != nil) {
				t.Fatalf("error %v, want one: %v", err, tt.wantErr)
			}
			if err == nil {
				if got := strings.Join(rooms.Kinds(), " "); got != tt.kinds {
					t.Errorf("kinds %q, want %q", got, tt.kinds)
				}
			}
		})
	}
}

// TestServeMetricsListener: with a metrics listener the series are served
// there and not on the site; /readyz answers on the site.
func TestServeMetricsListener(t *testing.T) {
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mln.Close()
	inst := runInstance(t, serveConfig{
		Data:            t.TempDir(),
		AllowLoopback:   true,
		Workers:         2,
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
		MetricsListener: mln,
	})
	get := func(u string) (int, string) { return httpGet(t, u) }
	if status, body := get(inst.URL + "/readyz"); status != http.StatusOK {
		t.Errorf("readyz: %d %s", status, body)
	}
	if status, _ := get(inst.URL + "/metrics"); status != http.StatusNotFound {
		t.Errorf("metrics on the site: status %d, want 404", status)
	}
	status, body := get("http://" + mln.Addr().String() + "/metrics")
	if status != http.StatusOK {
		t.Fatalf("metrics listener: status %d", status)
	}
	for _, s := range []string{`vestiging_http_requests_total{method="GET",route="/readyz",status="200"} 1`, "vestiging_db_connections_open ", "go_goroutines "} {
		if !strings.Contains(body, s) {
			t.Errorf("metrics lack %q", s)
		}
	}
}
