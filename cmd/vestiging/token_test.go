package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

func TestAdminToken(t *testing.T) {
	data := t.TempDir()
	var token string
	t.Run("Create", func(t *testing.T) {
		r := runCmd(t, "admin", "token", "create", "--data", data, "--name", "Website", "--scope", "events:write,events:read", "--expires", "30d")
		wantOK(t, r)
		token = regexp.MustCompile(`vst_[A-Za-z0-9_-]{43}`).FindString(r.stdout)
		if token == "" || !strings.Contains(r.stdout, "events:read events:write") {
			t.Fatalf("stdout %q", r.stdout)
		}
		got, err := openStore(t, data).APITokenByHash(t.Context(), vestiging.HashToken(token))
		if err != nil {
			t.Fatal(err)
		}
		if d := got.ExpiresAt.Sub(got.CreatedAt); d != 30*24*time.Hour || got.Name != "Website" {
			t.Errorf("stored %+v", got)
		}
	})
	t.Run("List", func(t *testing.T) {
		r := runCmd(t, "admin", "token", "list", "--data", data)
		wantOK(t, r)
		if !strings.Contains(r.stdout, "Website") || strings.Contains(r.stdout, token) || !strings.Contains(r.stdout, "active") {
			t.Errorf("list %q", r.stdout)
		}
	})
	t.Run("Revoke", func(t *testing.T) {
		wantOK(t, runCmd(t, "admin", "token", "revoke", "--data", data, "1"))
		if r := runCmd(t, "admin", "token", "list", "--data", data); !strings.Contains(r.stdout, "revoked") {
			t.Errorf("list after revoke %q", r.stdout)
		}
		wantError(t, runCmd(t, "admin", "token", "revoke", "--data", data, "1"), 1, "This API token was revoked already.")
		entries, _, err := openStore(t, data).AuditLog(t.Context(), 0, 10)
		if err != nil || len(entries) != 2 || entries[0].Action != "token.revoke" || entries[1].Action != "token.create" {
			t.Errorf("audit %+v, %v", entries, err)
		}
	})
	t.Run("ErrUsage", func(t *testing.T) {
		wantError(t, runCmd(t, "admin", "token", "create", "--data", data, "--name", "x"), 2, "--name and --scope are required")
		wantError(t, runCmd(t, "admin", "token", "create", "--data", data, "--name", "x", "--scope", "events:delete"), 2, `Unknown scope "events:delete"`)
		wantError(t, runCmd(t, "admin", "token", "create", "--data", data, "--name", "x", "--scope", "stats:read", "--expires", "5y"), 2, "--expires")
		wantError(t, runCmd(t, "admin", "token", "frob"), 2, "give create, list or revoke")
	})
}
