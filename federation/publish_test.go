package federation

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// queuedDeliveries counts the deliver jobs River holds for an activity.
func queuedDeliveries(t testing.TB, db *store.DB, activityIRI string) int {
	t.Helper()
	n := 0
	for _, j := range storetest.Jobs[DeliverJob](t, db, DeliverJob{}.Kind()) {
		if j.ActivityIRI == activityIRI {
			n++
		}
	}
	return n
}

// outbox returns every stored public activity, newest first, decoded.
func outbox(t testing.TB, db *store.DB) []map[string]any {
	t.Helper()
	acts, _, err := db.Activities(t.Context(), 0, vestiging.MaxPageSize)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, a := range acts {
		var m map[string]any
		if err := json.Unmarshal(a.JSON, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestPublish(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		in := startInstance(t, db, nil)
		ctx := t.Context()
		storetest.SeedFollowers(t, db, 6, 3, func(i int) string { return fmt.Sprintf("https://peer%d.example/inbox", i) })
		branches, err := db.Branches(ctx)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
		event := &vestiging.Event{Title: "Voorleesuur", Status: vestiging.StatusPublished, StartsAt: start, EndsAt: start.Add(time.Hour), BranchID: &branches[0].ID}
		course := &vestiging.Event{Kind: vestiging.KindCourse, Title: "Klik en Tik", Status: vestiging.StatusPublished, Sessions: []*vestiging.Session{
			{StartsAt: start, EndsAt: start.Add(time.Hour), BranchID: &branches[0].ID},
			{StartsAt: start.Add(7 * 24 * time.Hour), EndsAt: start.Add(7*24*time.Hour + time.Hour), BranchID: &branches[0].ID}}}
		for _, e := range []*vestiging.Event{event, course} {
			if err := db.CreateEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		author := &vestiging.Person{Email: "anna@example.nl", DisplayName: "Anna", PasswordHash: "$argon2id$test"}
		if err := db.CreatePerson(ctx, author); err != nil {
			t.Fatal(err)
		}
		offer := &vestiging.Offer{Kind: vestiging.OfferKindRequest, Title: "Wie leest mij voor?", Description: "<p>Graag.</p>", Area: "Tiel", AuthorID: author.ID}
		if err := db.CreateOffer(ctx, offer); err != nil {
			t.Fatal(err)
		}
		if err := db.SetOfferStatus(ctx, offer.ID, vestiging.OfferApproved, "", nil); err != nil {
			t.Fatal(err)
		}

		at := time.Now().UTC().Truncate(time.Second)
		tests := []struct {
			object  string
			id      int64
			iri     string
			asType  string
			summary string // part of the object's summary
		}{
			{vestiging.KindEvent, event.ID, EventID(in.base, event), "Event", "Tiel"},
			{vestiging.KindCourse, course.ID, EventID(in.base, course), "Event", "2 bijeenkomsten"},
			{KindOffer, offer.ID, OfferID(in.base, offer.ID), "Page", "Vraag · Tiel"},
		}
		for _, tt := range tests {
			for i, action := range []string{"Create", "Update", "Delete"} {
				t.Run(tt.object+"/"+action, func(t *testing.T) {
					j := vestiging.PublishJob{Object: tt.object, ID: tt.id, Action: action, At: at.Add(time.Duration(i) * time.Minute)}
					// Twice, as a retried job would: one activity, one set of deliveries.
					for range 2 {
						if err := in.fed.publish(ctx, j); err != nil {
							t.Fatalf("publish: %v", err)
						}
					}
					act := outbox(t, db)[0]
					id, _ := act["id"].(string)
					if got, want := id, publishedActivityID(in.base, tt.iri, action, j.At); got != want {
						t.Fatalf("newest activity %s, want %s", got, want)
					}
					if got, want := queuedDeliveries(t, db, id), 3; got != want {
						t.Errorf("%d deliveries queued, want %d (one per shared inbox)", got, want)
					}
					// The library announces an offer, whose Page its followers fetch.
					typ := action
					if tt.object == KindOffer && action == "Create" {
						typ = "Announce"
					}
					if act["type"] != typ || act["actor"] != ActorID(in.base) || act["@context"] == nil {
						t.Errorf("activity type %v actor %v, want %s by the library", act["type"], act["actor"], typ)
					}
					if got := fmt.Sprint(act["to"], act["cc"]); got != fmt.Sprint([]any{Public}, []any{FollowersID(in.base)}) {
						t.Errorf("addressing %s", got)
					}
					if typ == "Announce" {
						if act["object"] != tt.iri {
							t.Errorf("announced %v, want %s", act["object"], tt.iri)
						}
						return
					}
					obj, _ := act["object"].(map[string]any)
					if obj["id"] != tt.iri {
						t.Errorf("object id %v, want %s", obj["id"], tt.iri)
					}
					stamp := j.At.Format(time.RFC3339)
					switch action {
					case "Delete":
						if obj["type"] != "Tombstone" || obj["formerType"] != tt.asType || obj["deleted"] != stamp {
							t.Errorf("tombstone %v", obj)
						}
					default:
						if obj["type"] != tt.asType || !strings.Contains(fmt.Sprint(obj["summary"]), tt.summary) {
							t.Errorf("object type %v summary %q, want %s with %q", obj["type"], obj["summary"], tt.asType, tt.summary)
						}
					}
					if action == "Update" && (act["updated"] != stamp || obj["updated"] != stamp) {
						t.Errorf("update: updated %v / %v, want %s", act["updated"], obj["updated"], stamp)
					}
				})
			}
		}
		t.Run("GoneObjectSkipped", func(t *testing.T) {
			before := len(outbox(t, db))
			if err := in.fed.publish(ctx, vestiging.PublishJob{Object: vestiging.KindEvent, ID: 999999, Action: "Create", At: at}); err != nil {
				t.Fatalf("publish: %v", err)
			}
			if got := len(outbox(t, db)); got != before {
				t.Errorf("outbox grew from %d to %d for a missing object", before, got)
			}
		})
		t.Run("ServedActivity", func(t *testing.T) {
			id, _ := outbox(t, db)[0]["id"].(string)
			m := in.getAS2(t, strings.TrimPrefix(id, in.srv.URL))
			if m["id"] != id {
				t.Errorf("served %v, want %s", m["id"], id)
			}
		})
	})
}
