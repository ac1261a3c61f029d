package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
	"github.com/vestiging/vestiging/store/storetest"
)

func TestAdminDomainRules(t *testing.T) {
	data := t.TempDir()
	rules := func() map[string]*vestiging.DomainRule {
		t.Helper()
		list, err := openStore(t, data).DomainRules(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]*vestiging.DomainRule{}
		for _, r := range list {
			m[r.Host] = r
		}
		return m
	}

	t.Run("Block", func(t *testing.T) {
		r := runCmd(t, "admin", "block", "https://Spam.Example/", "--reason", "reclame", "--data", data)
		wantOK(t, r)
		if !strings.Contains(r.stdout, "Blocked spam.example") {
			t.Errorf("stdout: got %q", r.stdout)
		}
		got := rules()["spam.example"]
		if got == nil || got.Mode != vestiging.DomainBlock || got.Reason != "reclame" {
			t.Errorf("rule: got %+v, want a block with its reason", got)
		}
	})

	t.Run("Allow", func(t *testing.T) {
		wantOK(t, runCmd(t, "admin", "allow", "bieb.example", "--data", data))
		if got := rules()["bieb.example"]; got == nil || got.Mode != vestiging.DomainAllow {
			t.Errorf("rule: got %+v, want allow", got)
		}
	})

	t.Run("Unblock", func(t *testing.T) {
		wantOK(t, runCmd(t, "admin", "unblock", "spam.example", "--data", data))
		if got := rules(); got["spam.example"] != nil || got["bieb.example"] == nil {
			t.Errorf("rules: got %v, want only bieb.example", got)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		r := runCmd(t, "admin", "block", "agenda@spam.example", "--data", data)
		wantError(t, r, 1, "Give a domain name")
	})
}

// startTestInstance runs an instance in this process on a loopback port,
// its base URL that port, quietly, with workers that poll often.
// database "" means SQLite in data.
func startTestInstance(t *testing.T, data, database string, demo bool) *instance {
	t.Helper()
	return runInstance(t, serveConfig{
		Data:          data,
		Database:      database,
		AllowLoopback: true,
		Workers:       4,
		PollInterval:  50 * time.Millisecond,
		Demo:          demo,
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

// runInstance runs cfg in this process on a free loopback port, with its
// base URL that port, and closes it when the test ends.
func runInstance(t *testing.T, cfg serveConfig) *instance {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseURL = &url.URL{Scheme: "http", Host: ln.Addr().String()}
	inst, err := startInstance(context.Background(), cfg, ln)
	if err != nil {
		ln.Close()
		t.Fatalf("start instance: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := inst.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return inst
}

// TestAdminFollow is the README's recipe in one process: A follows B with
// "admin follow", A's workers deliver it, B accepts, and B's events show
// up in A's agenda. A runs on SQLite, B on SQLite and on PostgreSQL.
func TestAdminFollow(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { testAdminFollow(t, "") })
	t.Run("PostgreSQL", func(t *testing.T) {
		pg := os.Getenv(storetest.EnvPostgres)
		if pg == "" {
			t.Skip(storetest.EnvPostgres + " is not set; skipping PostgreSQL")
		}
		testAdminFollow(t, storetest.CreatePostgresDatabase(t, pg))
	})
}

func testAdminFollow(t *testing.T, databaseB string) {
	dataA := t.TempDir()
	a := startTestInstance(t, dataA, "", false)
	b := startTestInstance(t, t.TempDir(), databaseB, true)
	bHost := strings.TrimPrefix(b.URL, "http://")

	start := time.Now()
	var stdout strings.Builder
	code := run(context.Background(), []string{"admin", "follow", "@agenda@" + bHost,
		"--data", dataA, "--base-url", a.URL, "--allow-loopback"}, &stdout, io.Discard)
	if code != 0 {
		t.Fatalf("admin follow: exit %d, stdout %q", code, stdout.String())
	}
	if !strings.Contains(stdout.String(), "Queued a follow request") {
		t.Errorf("stdout: got %q", stdout.String())
	}

	ctx := context.Background()
	upcoming := vestiging.EventFilter{From: time.Now(), Limit: 1}
	_, want, err := b.DB.FindEvents(ctx, upcoming)
	if err != nil {
		t.Fatal(err)
	}
	upcoming.Source = vestiging.SourceRemote
	deadline := time.Now().Add(30 * time.Second)
	for {
		fs, _, err := a.DB.Followings(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		_, remote, err := a.DB.FindEvents(ctx, upcoming)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) == 1 && fs[0].State == vestiging.FollowAccepted && remote == want {
			t.Logf("accepted and all %d of B's upcoming events in A's agenda %v after admin follow", remote, time.Since(start).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: following %d (%v), remote events %d; want accepted and B's %d upcoming events", len(fs), states(fs), remote, want)
		}
		time.Sleep(100 * time.Millisecond)
	}

	t.Run("Unfollow", func(t *testing.T) {
		var stdout strings.Builder
		code := run(ctx, []string{"admin", "unfollow", "@agenda@" + bHost,
			"--data", dataA, "--base-url", a.URL, "--allow-loopback"}, &stdout, io.Discard)
		if code != 0 {
			t.Fatalf("admin unfollow: exit %d, stdout %q", code, stdout.String())
		}
		if _, n, err := a.DB.Followings(ctx, 0, 10); err != nil || n != 0 {
			t.Errorf("following after unfollow: got %d, %v; want 0", n, err)
		}
	})

	t.Run("ErrUnfollowUnknown", func(t *testing.T) {
		r := runCmd(t, "admin", "unfollow", "@agenda@elders.example", "--data", dataA, "--base-url", a.URL)
		wantError(t, r, 1, "does not follow @agenda@elders.example")
	})
}

func states(fs []*vestiging.Following) []string {
	var s []string
	for _, f := range fs {
		s = append(s, f.State)
	}
	return s
}

// TestServeFederationFlags starts serve with the federation flags and
// checks that they reach the federator.
func TestServeFederationFlags(t *testing.T) {
	s := startServer(t, "--data", t.TempDir(), "--base-url", "http://bieb.example", "--handle", "bieb",
		"--authorized-fetch", "--allowlist", "--workers", "3")
	defer s.stop(t)
	if out := strings.Join(s.stdout, "\n"); !strings.Contains(out, "@bieb@bieb.example") {
		t.Errorf("stdout %q lacks the handle", out)
	}
	get := func(path string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", federation.ContentTypeActivity)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	tests := []struct {
		name, path string
		want       int
	}{
		{"Handle", "/.well-known/webfinger?resource=acct:bieb@bieb.example", http.StatusOK},
		{"DefaultHandleGone", "/.well-known/webfinger?resource=acct:agenda@bieb.example", http.StatusNotFound},
		{"AuthorizedFetch", "/actor/outbox", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := get(tt.path); got != tt.want {
				t.Errorf("GET %s: got %d, want %d", tt.path, got, tt.want)
			}
		})
	}
}
