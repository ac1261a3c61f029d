package vestiging

import (
	"context"
	"time"
)

// Reaction kinds: a remote actor's Like, and their boost (Announce).
const (
	ReactionLike  = "like"
	ReactionShare = "share"
)

// Reaction is one remote actor's Like or boost of one of the library's
// events, courses or offers. Only counts are shown; who reacted is kept so
// a second Like by the same actor counts once and an Undo takes it back.
type Reaction struct {
	ObjectType  string // ReplyToEvent or ReplyToOffer: what it reacts to
	ObjectID    int64
	ActorID     int64
	Kind        string // ReactionLike or ReactionShare
	ActivityIRI string // the Like's or Announce's id, which an Undo may name alone
	CreatedAt   time.Time
}

// Validate checks a reaction.
func (r *Reaction) Validate() error {
	v := Validation{}
	if !isOneOf(r.ObjectType, ReplyToEvent, ReplyToOffer) || r.ObjectID == 0 {
		v.Add("object", "A reaction is to an event or an offer.")
	}
	if !isOneOf(r.Kind, ReactionLike, ReactionShare) {
		v.Add("kind", "A reaction is a like or a share.")
	}
	if r.ActorID == 0 {
		v.Add("actor", "A reaction needs its actor.")
	}
	checkText(v, "activity", r.ActivityIRI, true, 2000)
	return v.Err()
}

// Reactions are the counts of an object's reactions.
type Reactions struct {
	Likes  int
	Shares int
}

// ReactionService counts likes and boosts of the library's events and offers.
type ReactionService interface {
	// AddReaction records r and reports whether it is new: the same
	// actor's second reaction of a kind to an object changes nothing. An
	// object that does not exist is ENOTFOUND.
	AddReaction(ctx context.Context, r *Reaction) (added bool, err error)
	// RemoveReaction takes back r.ActorID's reaction: of r.Kind to the
	// object when r.ObjectID is set, else the one whose activity is
	// r.ActivityIRI. ENOTFOUND when there is none.
	RemoveReaction(ctx context.Context, r *Reaction) error
	// Reactions counts an object's likes and shares; blocked actors'
	// do not count.
	Reactions(ctx context.Context, objectType string, id int64) (Reactions, error)
}
