package web

import (
	"fmt"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

// TestReactionCounts: the page of an event liked and shared in the
// fediverse says how often, in the reader's language; without
// reactions it says nothing.
func TestReactionCounts(t *testing.T) {
	e := newEnv(t)
	ev := e.event("Voorleesuur", vestiging.StatusPublished, e.branch("Centrum"), time.Now().Add(72*time.Hour))
	quiet := e.event("Stil", vestiging.StatusPublished, e.branch("Oost"), time.Now().Add(96*time.Hour))
	for i, kind := range []string{vestiging.ReactionShare, vestiging.ReactionShare, vestiging.ReactionLike} {
		a := &vestiging.Actor{IRI: "https://m.example/users/" + string(rune('a'+i)), Type: "Person", Inbox: "https://m.example/inbox"}
		if err := e.db.UpsertActor(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.AddReaction(t.Context(), &vestiging.Reaction{ObjectType: vestiging.ReplyToEvent, ObjectID: ev.ID,
			ActorID: a.ID, Kind: kind, ActivityIRI: a.IRI + "/likes/1"}); err != nil {
			t.Fatal(err)
		}
	}
	path := fmt.Sprintf("/events/%d", ev.ID)
	wantContains(t, e.get(e.client(), path), `<p class="reactions">2 keer gedeeld, 1 vind-ik-leuk</p>`)
	wantContains(t, e.get(e.client(), path+"?lang=en"), `<p class="reactions">shared 2 times, 1 like</p>`)
	wantNotContains(t, e.get(e.client(), fmt.Sprintf("/events/%d", quiet.ID)), `class="reactions"`)
}
