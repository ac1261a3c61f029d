package storetest

import (
	"testing"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

func testReactions(t *testing.T, open func(t *testing.T) *store.DB) {
	c := newCommunity(t, open)
	ctx := t.Context()
	fan := upsertActor(t, c.db, &vestiging.Actor{IRI: "https://m.example/users/fan", Type: "Person", Username: "fan",
		Inbox: "https://m.example/users/fan/inbox"})
	react := func(a *vestiging.Actor, objectType string, id int64, kind, activity string) *vestiging.Reaction {
		return &vestiging.Reaction{ObjectType: objectType, ObjectID: id, ActorID: a.ID, Kind: kind, ActivityIRI: a.IRI + "/" + activity}
	}
	counts := func(what, objectType string, id int64, want vestiging.Reactions) {
		t.Helper()
		got, err := c.db.Reactions(ctx, objectType, id)
		if err != nil {
			t.Fatal(err)
		}
		same(t, what, got, want)
	}
	add := func(r *vestiging.Reaction, want bool) {
		t.Helper()
		added, err := c.db.AddReaction(ctx, r)
		if err != nil || added != want {
			t.Fatalf("add %+v: added %v, %v; want %v", r, added, err, want)
		}
	}
	event, offer := c.event.ID, c.offer.ID

	t.Run("OK", func(t *testing.T) {
		add(react(fan, vestiging.ReplyToEvent, event, vestiging.ReactionLike, "likes/1"), true)
		// The same actor's second Like, under another id, counts once.
		add(react(fan, vestiging.ReplyToEvent, event, vestiging.ReactionLike, "likes/2"), false)
		add(react(fan, vestiging.ReplyToEvent, event, vestiging.ReactionShare, "boosts/1"), true)
		add(react(c.remote, vestiging.ReplyToEvent, event, vestiging.ReactionLike, "likes/1"), true)
		add(react(fan, vestiging.ReplyToOffer, offer, vestiging.ReactionLike, "likes/3"), true)
		counts("event", vestiging.ReplyToEvent, event, vestiging.Reactions{Likes: 2, Shares: 1})
		counts("offer", vestiging.ReplyToOffer, offer, vestiging.Reactions{Likes: 1})
	})
	t.Run("Undo", func(t *testing.T) {
		// By object and kind, as an Undo with the Like embedded says it.
		if err := c.db.RemoveReaction(ctx, &vestiging.Reaction{ObjectType: vestiging.ReplyToEvent, ObjectID: event, ActorID: fan.ID,
			Kind: vestiging.ReactionLike}); err != nil {
			t.Fatal(err)
		}
		counts("after the fan's Undo", vestiging.ReplyToEvent, event, vestiging.Reactions{Likes: 1, Shares: 1})
		// By the activity alone; only the actor's own.
		wantCode(t, c.db.RemoveReaction(ctx, &vestiging.Reaction{ActorID: fan.ID, ActivityIRI: c.remote.IRI + "/likes/1"}), vestiging.ENOTFOUND)
		if err := c.db.RemoveReaction(ctx, &vestiging.Reaction{ActorID: fan.ID, ActivityIRI: fan.IRI + "/boosts/1"}); err != nil {
			t.Fatal(err)
		}
		counts("after the Undo of the boost", vestiging.ReplyToEvent, event, vestiging.Reactions{Likes: 1})
		wantCode(t, c.db.RemoveReaction(ctx, &vestiging.Reaction{ObjectType: vestiging.ReplyToEvent, ObjectID: event, ActorID: fan.ID,
			Kind: vestiging.ReactionLike}), vestiging.ENOTFOUND)
		// Liked again after the Undo, it counts again.
		add(react(fan, vestiging.ReplyToEvent, event, vestiging.ReactionLike, "likes/4"), true)
		counts("liked again", vestiging.ReplyToEvent, event, vestiging.Reactions{Likes: 2})
	})
	t.Run("BlockedDoNotCount", func(t *testing.T) {
		if err := c.db.SetActorModeration(ctx, fan.ID, vestiging.ModerationBlock, nil); err != nil {
			t.Fatal(err)
		}
		counts("with the fan blocked", vestiging.ReplyToEvent, event, vestiging.Reactions{Likes: 1})
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := c.db.AddReaction(ctx, react(c.remote, vestiging.ReplyToEvent, event+1000, vestiging.ReactionLike, "likes/9"))
		wantCode(t, err, vestiging.ENOTFOUND)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, r := range []*vestiging.Reaction{
			react(c.remote, vestiging.ReplyToEvent, event, "love", "x"),
			react(c.remote, "page", event, vestiging.ReactionLike, "x"),
			{ObjectType: vestiging.ReplyToEvent, ObjectID: event, Kind: vestiging.ReactionLike, ActivityIRI: "x"},
		} {
			_, err := c.db.AddReaction(ctx, r)
			wantCode(t, err, vestiging.EINVALID)
		}
	})
	t.Run("GoWithTheEvent", func(t *testing.T) {
		if err := c.db.DeleteEvent(ctx, event); err != nil {
			t.Fatal(err)
		}
		counts("deleted event", vestiging.ReplyToEvent, event, vestiging.Reactions{})
	})
}
