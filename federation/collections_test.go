package federation

import (
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

func TestOutboxPaging(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		in := startInstance(t, db, nil)
		ctx := t.Context()
		const n = 45
		at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		for i := range n {
			iri := fmt.Sprintf("%s/activities/a%02d", in.srv.URL, i)
			body := fmt.Sprintf(`{"@context":%q,"id":%q,"type":"Create","actor":%q,"object":{"type":"Note","id":"%s/n%d"}}`,
				ActivityStreamsContext, iri, ActorID(in.base), in.srv.URL, i)
			if _, err := db.SaveActivity(ctx, &vestiging.Activity{IRI: iri, Type: "Create", JSON: []byte(body), Public: true,
				CreatedAt: at.Add(time.Duration(i) * time.Minute)}, nil); err != nil {
				t.Fatal(err)
			}
		}
		// A Follow is not public and stays out of the outbox.
		if _, err := db.SaveActivity(ctx, &vestiging.Activity{IRI: in.srv.URL + "/activities/follow", Type: "Follow",
			JSON: []byte(`{"type":"Follow"}`), CreatedAt: at.Add(time.Hour)}, nil); err != nil {
			t.Fatal(err)
		}
		outbox := ActorID(in.base) + "/outbox"

		t.Run("Collection", func(t *testing.T) {
			m := in.getAS2(t, "/actor/outbox")
			if m["type"] != "OrderedCollection" || m["totalItems"] != float64(n) || m["first"] != outbox+"?page=1" || m["last"] != outbox+"?page=3" {
				t.Errorf("collection %v", m)
			}
		})
		t.Run("FirstPage", func(t *testing.T) {
			m := in.getAS2(t, "/actor/outbox?page=1")
			items, _ := m["orderedItems"].([]any)
			if m["type"] != "OrderedCollectionPage" || m["partOf"] != outbox || len(items) != CollectionPageSize {
				t.Fatalf("page 1: type %v partOf %v %d items", m["type"], m["partOf"], len(items))
			}
			if m["next"] != outbox+"?page=2" || m["prev"] != nil {
				t.Errorf("next %v prev %v", m["next"], m["prev"])
			}
			first, _ := items[0].(map[string]any)
			if got, want := first["id"], in.srv.URL+"/activities/a44"; got != want {
				t.Errorf("first item %v, want the newest %v", got, want)
			}
			if _, has := first["@context"]; has {
				t.Error("embedded activity keeps its @context")
			}
		})
		t.Run("LastPage", func(t *testing.T) {
			m := in.getAS2(t, "/actor/outbox?page=3")
			items, _ := m["orderedItems"].([]any)
			if len(items) != 5 || m["next"] != nil || m["prev"] != outbox+"?page=2" {
				t.Errorf("page 3: %d items next %v prev %v", len(items), m["next"], m["prev"])
			}
		})
		t.Run("BeyondTheEnd", func(t *testing.T) {
			m := in.getAS2(t, "/actor/outbox?page=9")
			if items, ok := m["orderedItems"].([]any); !ok || len(items) != 0 || m["next"] != nil {
				t.Errorf("page 9: %v", m)
			}
		})
		t.Run("ErrBadPage", func(t *testing.T) {
			for _, p := range []string{"0", "-1", "abc", "", "99999999"} {
				if resp, _ := in.get(t, "/actor/outbox?page="+p, AcceptActivity, nil); resp.StatusCode != http.StatusBadRequest {
					t.Errorf("page %q: %d, want 400", p, resp.StatusCode)
				}
			}
		})
	})
}

func TestUpcomingEvents(t *testing.T) {
	db := storetest.SQLite(t)
	in := startInstance(t, db, nil)
	ctx := t.Context()
	branches, err := db.Branches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Minute)
	add := func(title, status string, start time.Time) {
		e := &vestiging.Event{Title: title, Status: status, StartsAt: start, EndsAt: start.Add(time.Hour), BranchID: &branches[0].ID}
		if err := db.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	add("Later", vestiging.StatusPublished, now.Add(72*time.Hour))
	add("Voorbij", vestiging.StatusPublished, now.Add(-48*time.Hour))
	add("Concept", vestiging.StatusDraft, now.Add(24*time.Hour))
	add("Afgelast", vestiging.StatusCancelled, now.Add(48*time.Hour))
	add("Bezig", vestiging.StatusPublished, now.Add(-30*time.Minute))
	course := &vestiging.Event{Kind: vestiging.KindCourse, Title: "Cursus", Status: vestiging.StatusPublished, Sessions: []*vestiging.Session{
		{StartsAt: now.Add(96 * time.Hour), EndsAt: now.Add(97 * time.Hour), BranchID: &branches[0].ID},
		{StartsAt: now.Add(120 * time.Hour), EndsAt: now.Add(121 * time.Hour), BranchID: &branches[0].ID},
	}}
	if err := db.CreateEvent(ctx, course); err != nil {
		t.Fatal(err)
	}

	m := in.getAS2(t, "/actor/upcoming")
	if got, want := m["totalItems"], float64(4); got != want {
		t.Errorf("totalItems %v, want %v", got, want)
	}
	page := in.getAS2(t, "/actor/upcoming?page=1")
	items, _ := page["orderedItems"].([]any)
	var names []string
	for _, it := range items {
		o, _ := it.(map[string]any)
		if o["type"] != "Event" || o["summary"] == "" {
			t.Errorf("item %v", o)
		}
		names = append(names, fmt.Sprint(o["name"]))
	}
	if got, want := fmt.Sprint(names), "[Bezig Afgelast Later Cursus]"; got != want {
		t.Errorf("upcoming %s, want %s", got, want)
	}
}

func TestFollowCollections(t *testing.T) {
	db := storetest.SQLite(t)
	in := startInstance(t, db, nil)
	ctx := t.Context()
	actor := func(n int) *vestiging.Actor {
		a := &vestiging.Actor{IRI: fmt.Sprintf("https://peer%d.example/actor", n), Type: "Organization", Host: fmt.Sprintf("peer%d.example", n),
			Inbox: fmt.Sprintf("https://peer%d.example/inbox", n)}
		if err := db.UpsertActor(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	for i := range 3 {
		if err := db.AddFollower(ctx, actor(i).ID, fmt.Sprintf("https://peer%d.example/follow", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i, state := range []string{vestiging.FollowAccepted, vestiging.FollowPending, vestiging.FollowAccepted} {
		if err := db.SetFollowing(ctx, &vestiging.Following{Actor: actor(10 + i), ActivityIRI: fmt.Sprintf("%s/activities/f%d", in.srv.URL, i), State: state}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("Followers", func(t *testing.T) {
		m := in.getAS2(t, "/actor/followers")
		if m["totalItems"] != float64(3) || m["first"] != nil || m["orderedItems"] != nil {
			t.Errorf("followers %v: want the count only", m)
		}
	})
	t.Run("Following", func(t *testing.T) {
		if m := in.getAS2(t, "/actor/following"); m["totalItems"] != float64(2) {
			t.Errorf("following totalItems %v, want 2", m["totalItems"])
		}
		m := in.getAS2(t, "/actor/following?page=1")
		items, _ := m["orderedItems"].([]any)
		sort.Slice(items, func(i, j int) bool { return fmt.Sprint(items[i]) < fmt.Sprint(items[j]) })
		if got, want := fmt.Sprint(items), "[https://peer10.example/actor https://peer12.example/actor]"; got != want {
			t.Errorf("following %s, want %s", got, want)
		}
	})
	t.Run("Libraries", func(t *testing.T) {
		// An accepted follow of a Mastodon account is no library.
		person := &vestiging.Actor{IRI: "https://social.example/users/fan", Type: "Person", Host: "social.example", Inbox: "https://social.example/inbox"}
		if err := db.UpsertActor(ctx, person); err != nil {
			t.Fatal(err)
		}
		if err := db.SetFollowing(ctx, &vestiging.Following{Actor: person, ActivityIRI: in.srv.URL + "/activities/fp", State: vestiging.FollowAccepted}); err != nil {
			t.Fatal(err)
		}
		id := in.srv.URL + "/actor/libraries"
		if got := in.getAS2(t, "/actor")["libraries"]; got != id {
			t.Errorf("actor's libraries %v, want %s", got, id)
		}
		m := in.getAS2(t, "/actor/libraries")
		if m["id"] != id || m["type"] != "OrderedCollection" || m["totalItems"] != float64(2) || m["first"] != id+"?page=1" {
			t.Errorf("libraries %v", m)
		}
		m = in.getAS2(t, "/actor/libraries?page=1")
		items, _ := m["orderedItems"].([]any)
		sort.Slice(items, func(i, j int) bool { return fmt.Sprint(items[i]) < fmt.Sprint(items[j]) })
		if got, want := fmt.Sprint(items), "[https://peer10.example/actor https://peer12.example/actor]"; got != want || m["partOf"] != id {
			t.Errorf("libraries %s (partOf %v), want %s", got, m["partOf"], want)
		}
	})
	t.Run("Featured", func(t *testing.T) {
		m := in.getAS2(t, "/actor/featured")
		if items, ok := m["orderedItems"].([]any); !ok || len(items) != 0 || m["totalItems"] != float64(0) {
			t.Errorf("featured %v", m)
		}
	})
}
