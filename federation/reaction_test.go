package federation

import (
	"testing"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// TestInboxReactions: Likes and boosts of a public event are counted once
// per actor and taken back by Undo, embedded or by id; reactions to a
// draft, another's Undo and activities without an id count nothing.
func TestInboxReactions(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		if err := db.CreateBranch(t.Context(), &vestiging.Branch{Name: "Tiel", City: "Tiel"}); err != nil {
			t.Fatal(err)
		}
		event := localEvent(t, db, "Voorleesuur", vestiging.StatusPublished)
		draft := localEvent(t, db, "Concept", vestiging.StatusDraft)
		fan, other := newInPeer(t, "fan", 0), newInPeer(t, "ander", 1)
		eventIRI := EventID(env.base, event)
		deliver := env.deliver
		counts := func(t *testing.T, want vestiging.Reactions) {
			t.Helper()
			got, err := db.Reactions(t.Context(), vestiging.ReplyToEvent, event.ID)
			if err != nil || got != want {
				t.Errorf("reactions %+v (%v), want %+v", got, err, want)
			}
		}
		like := func(p *inPeer, path, object string) map[string]any {
			return map[string]any{"id": p.id(path), "type": "Like", "actor": p.actor, "object": object}
		}

		deliver(t, fan, fan.activity("Like", "/likes/1", eventIRI))
		deliver(t, fan, fan.activity("Like", "/likes/2", eventIRI))
		deliver(t, fan, fan.activity("Announce", "/boosts/1", eventIRI))
		deliver(t, other, other.activity("Like", "/likes/1", eventIRI))
		deliver(t, other, other.activity("Like", "/likes/2", EventID(env.base, draft)))
		counts(t, vestiging.Reactions{Likes: 2, Shares: 1})

		// Another's Undo of the fan's Like changes nothing.
		deliver(t, other, other.activity("Undo", "/undo/1", like(fan, "/likes/1", eventIRI)))
		counts(t, vestiging.Reactions{Likes: 2, Shares: 1})
		deliver(t, fan, fan.activity("Undo", "/undo/1", like(fan, "/likes/1", eventIRI)))
		deliver(t, fan, fan.activity("Undo", "/undo/2", fan.id("/boosts/1")))
		counts(t, vestiging.Reactions{Likes: 1})
		// Undone twice, nothing more changes.
		deliver(t, fan, fan.activity("Undo", "/undo/3", like(fan, "/likes/2", eventIRI)))
		counts(t, vestiging.Reactions{Likes: 1})
	})
}
