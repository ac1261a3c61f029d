package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

// TestAPIPublishFederates: an event created, changed and cancelled through
// B's API reaches A, which follows B, as one made on B's staff pages does:
// the API writes through the same store path, so the same outbox jobs.
func TestAPIPublishFederates(t *testing.T) {
	ctx := context.Background()
	a := startNode(t, "A", "", false, nil)
	b := startNode(t, "B", "", true, nil)
	if _, err := a.Fed.Follow(ctx, "@agenda@"+b.host); err != nil {
		t.Fatal(err)
	}
	eventually(t, e2eWait, func() error {
		if fs, _, err := a.DB.Followings(ctx, 0, 1); err != nil || len(fs) != 1 || fs[0].State != vestiging.FollowAccepted {
			return fmt.Errorf("A's follow of B: %v, %v", fs, err)
		}
		return nil
	})
	token, hash := vestiging.NewAPIToken()
	now := time.Now()
	if err := b.DB.CreateAPIToken(ctx, &vestiging.APIToken{Name: "CMS", Scopes: []string{vestiging.ScopeEventsWrite}, Hash: hash,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, &vestiging.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	branches, err := b.DB.Branches(ctx)
	if err != nil || len(branches) == 0 {
		t.Fatalf("B's branches: %v, %v", branches, err)
	}
	call := func(method, path, body string) map[string]any {
		t.Helper()
		req, err := http.NewRequest(method, b.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("%s-%s-%d", method, path, len(body)))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
		}
		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour).In(amsterdam(t))
	created := call(http.MethodPost, "/api/v1/events", fmt.Sprintf(`{"title": "Voorleesuur via de API", "status": "published",
		"starts_at": %q, "ends_at": %q, "place": {"branch_id": %d}}`,
		start.Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339), branches[0].ID))
	id := int64(created["id"].(float64))
	iri := fmt.Sprintf("%s/events/%d", b.URL, id)
	arrived := func(title, status string) func() error {
		return func() error {
			e, err := a.remoteEvent(iri)
			if err != nil {
				return err
			}
			if e.Title != title || e.Status != status {
				return fmt.Errorf("A has %q (%s), want %q (%s)", e.Title, e.Status, title, status)
			}
			return nil
		}
	}
	eventually(t, e2eWait, arrived("Voorleesuur via de API", vestiging.StatusPublished))

	call(http.MethodPatch, fmt.Sprintf("/api/v1/events/%d", id), `{"title": "Voorleesuur, nu met koffie"}`)
	eventually(t, e2eWait, arrived("Voorleesuur, nu met koffie", vestiging.StatusPublished))

	call(http.MethodPost, fmt.Sprintf("/api/v1/events/%d/cancel", id), "")
	eventually(t, e2eWait, arrived("Voorleesuur, nu met koffie", vestiging.StatusCancelled))
}
