package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging/federation"
)

// TestInteractionsCount: a Mastodon-like peer likes (twice) and boosts A's
// event; the event's page counts one of each, and after the peer's Undo of
// both it counts none.
func TestInteractionsCount(t *testing.T) {
	a := startNode(t, "A", "", true, nil)
	peer := newMastodonPeer(t)
	start := time.Now().AddDate(0, 0, 12).In(amsterdam(t))
	eventIRI := a.publishEvent("Gedichtenavond", time.Date(start.Year(), start.Month(), start.Day(), 19, 30, 0, 0, start.Location()))
	path := strings.TrimPrefix(eventIRI, a.URL)
	send := func(t *testing.T, typ, path string, object any) string {
		t.Helper()
		id := peer.srv.URL + path
		body, err := json.Marshal(map[string]any{"@context": federation.ActivityStreamsContext, "id": id, "type": typ,
			"actor": peer.actorID(), "object": object, "to": []any{federation.Public}})
		if err != nil {
			t.Fatal(err)
		}
		if status, answer, err := peer.do(t.Context(), http.MethodPost, a.URL+"/inbox", federation.AcceptActivity, body, true); err != nil || status != http.StatusAccepted {
			t.Fatalf("%s: %d %v: %s", typ, status, err, answer)
		}
		return id
	}
	// shows waits until the event's page shows want (or, empty, no counts).
	shows := func(t *testing.T, want string) {
		t.Helper()
		eventually(t, e2eWait, func() error {
			body := a.do(browser(t), http.MethodGet, path, nil).Body
			if want == "" && strings.Contains(body, `class="reactions"`) || want != "" && !strings.Contains(body, want) {
				i := strings.Index(body, `class="reactions"`)
				return fmt.Errorf("the page does not show %q (reactions at %d)", want, i)
			}
			return nil
		})
	}
	like := send(t, "Like", "/likes/1", eventIRI)
	send(t, "Like", "/likes/2", eventIRI) // counted once
	boost := send(t, "Announce", "/statuses/9/activity", eventIRI)
	shows(t, `<p class="reactions">1 keer gedeeld, 1 vind-ik-leuk</p>`)

	send(t, "Undo", "/likes/1/undo", map[string]any{"id": like, "type": "Like", "actor": peer.actorID(), "object": eventIRI})
	send(t, "Undo", "/statuses/9/undo", map[string]any{"id": boost, "type": "Announce", "actor": peer.actorID(), "object": eventIRI})
	shows(t, "")
	if r := peer.refusals(); len(r) > 0 {
		t.Errorf("the peer refused: %v", r)
	}
}
