package federation

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store/storetest"
)

func TestNodeInfo(t *testing.T) {
	db := storetest.SQLite(t)
	in := startInstance(t, db, nil)
	ctx := t.Context()
	branches, err := db.Branches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(24 * time.Hour)
	for _, status := range []string{vestiging.StatusPublished, vestiging.StatusPublished, vestiging.StatusDraft, vestiging.StatusCancelled} {
		e := &vestiging.Event{Title: "Activiteit", Status: status, StartsAt: start, EndsAt: start.Add(time.Hour), BranchID: &branches[0].ID}
		if err := db.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}

	resp, body := in.get(t, "/.well-known/nodeinfo", "", nil)
	var links struct {
		Links []struct{ Rel, Href string } `json:"links"`
	}
	if err := json.Unmarshal(body, &links); err != nil || resp.StatusCode != http.StatusOK || len(links.Links) != 1 {
		t.Fatalf("links: %d %s %v", resp.StatusCode, body, err)
	}
	if got, want := links.Links[0].Href, in.srv.URL+"/nodeinfo/2.1"; got != want {
		t.Errorf("href %q, want %q", got, want)
	}

	resp, body = in.get(t, "/nodeinfo/2.1", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got, want := resp.Header.Get("Content-Type"), nodeInfoContentType; got != want {
		t.Errorf("Content-Type %q, want %q", got, want)
	}
	var n NodeInfo
	if err := json.Unmarshal(body, &n); err != nil {
		t.Fatal(err)
	}
	if n.Version != "2.1" || n.Software.Name != "vestiging" || n.Software.Version != vestiging.Version {
		t.Errorf("version %q software %+v", n.Version, n.Software)
	}
	if len(n.Protocols) != 1 || n.Protocols[0] != "activitypub" || n.OpenRegistrations {
		t.Errorf("protocols %v openRegistrations %v", n.Protocols, n.OpenRegistrations)
	}
	if got, want := n.Usage.LocalPosts, 2; got != want {
		t.Errorf("localPosts %d, want %d (published local events)", got, want)
	}
	if got, want := n.Usage.Users.Total, 1; got != want {
		t.Errorf("users %d, want %d", got, want)
	}
	if got, want := n.Metadata.NodeName, "Bibliotheek Rivierenland"; got != want {
		t.Errorf("nodeName %q, want %q", got, want)
	}
	if got, want := n.Metadata.NodeDescription, "Lezen, leren en ontmoeten."; got != want {
		t.Errorf("nodeDescription %q, want %q", got, want)
	}
	if len(n.Metadata.Branches) != 1 || n.Metadata.Branches[0] != (NodeInfoBranch{Name: "Tiel", City: "Tiel"}) {
		t.Errorf("branches %+v", n.Metadata.Branches)
	}
}
