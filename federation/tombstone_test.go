package federation

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store/storetest"
)

// noRedirect answers a GET of path with Accept accept, without following
// a redirect.
func (in *testInstance) noRedirect(t *testing.T, path, accept string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, in.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestDetailsPeersTripOn: a deleted event answers 410 with a Tombstone; a
// resident's actor has url and featured; the id of the library's Announce
// of a reply, and the reply's own id, lead a browser to the reply under
// its event, while servers get the documents.
func TestDetailsPeersTripOn(t *testing.T) {
	db := storetest.SQLite(t)
	in := startInstance(t, db, nil)
	storetest.SeedFollowers(t, db, 1, 1, func(int) string { return "https://peer.example/inbox" })
	anna := resident(t, db, "anna", true, true)
	event := localEvent(t, db, "Voorleesuur", vestiging.StatusPublished)
	const browser = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"

	t.Run("Gone", func(t *testing.T) {
		gone := localEvent(t, db, "Afgelast", vestiging.StatusPublished)
		path := "/events/" + itoa(gone.ID)
		if err := db.DeleteEvent(t.Context(), gone.ID); err != nil {
			t.Fatal(err)
		}
		// Before the Delete went out, it is simply not there.
		if resp, _ := in.get(t, path, AcceptActivity, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("before the Delete: status %d, want 404", resp.StatusCode)
		}
		at := time.Now().UTC().Truncate(time.Second)
		if err := in.fed.publish(t.Context(), vestiging.PublishJob{Object: vestiging.KindEvent, ID: gone.ID, Action: "Delete", At: at}); err != nil {
			t.Fatal(err)
		}
		resp, body := in.get(t, path, AcceptActivity, nil)
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusGone || resp.Header.Get("Content-Type") != ContentTypeActivityJSON ||
			doc["type"] != "Tombstone" || doc["id"] != EventID(in.base, gone) || doc["formerType"] != "Event" ||
			doc["deleted"] != at.Format(time.RFC3339) || doc["@context"] == nil {
			t.Errorf("deleted event: %d %s", resp.StatusCode, body)
		}
		if resp, _ := in.get(t, "/events/999999", AcceptActivity, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("an event that never was: status %d, want 404", resp.StatusCode)
		}
	})

	t.Run("PersonURLAndFeatured", func(t *testing.T) {
		doc := in.getAS2(t, "/users/anna")
		id := PersonActorID(in.base, "anna")
		if doc["url"] != id || doc["featured"] != id+"/featured" {
			t.Errorf("url %v featured %v", doc["url"], doc["featured"])
		}
		if featured := in.getAS2(t, "/users/anna/featured"); featured["type"] != "OrderedCollection" || featured["totalItems"] != 0.0 {
			t.Errorf("featured %v", featured)
		}
	})

	t.Run("BrowsersGetThePage", func(t *testing.T) {
		r := &vestiging.Reply{ObjectType: vestiging.ReplyToEvent, ObjectID: event.ID, PersonID: anna.ID, Content: "<p>Ik kom!</p>",
			Status: vestiging.ReplyApproved}
		if err := db.CreateReply(t.Context(), r); err != nil {
			t.Fatal(err)
		}
		at := time.Now().UTC()
		if err := in.fed.publish(t.Context(), vestiging.PublishJob{Object: KindReply, ID: r.ID, Action: "Create", At: at}); err != nil {
			t.Fatal(err)
		}
		page := EventID(in.base, event) + "#reply-" + itoa(r.ID)
		announce := publishedActivityID(in.base, ReplyID(in.base, r.ID), "Announce", at)
		for _, path := range []string{announce[len(in.srv.URL):], "/replies/" + itoa(r.ID)} {
			if resp := in.noRedirect(t, path, browser); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
				t.Errorf("%s for a browser: %d to %q, want 303 to %s", path, resp.StatusCode, resp.Header.Get("Location"), page)
			}
		}
		if doc := in.getAS2(t, announce[len(in.srv.URL):]); doc["type"] != "Announce" || doc["object"] != ReplyID(in.base, r.ID) {
			t.Errorf("the Announce for a server: %v", doc)
		}
		if resp := in.noRedirect(t, "/activities/nothing", browser); resp.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown activity for a browser: status %d, want 404", resp.StatusCode)
		}
	})
}
