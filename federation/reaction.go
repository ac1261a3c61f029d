package federation

import (
	"context"

	"github.com/vestiging/vestiging"
)

// react counts the signer's Like or boost (kind) of one of our public
// events, courses or offers: once per actor, so a second Like changes
// nothing. Reactions to anything else of ours (a reply, the actor) are
// ignored, as are activities without an id, which an Undo could not name.
func (f *Federator) react(ctx context.Context, a *Activity, actor *vestiging.Actor, kind string) error {
	object := a.Object().ID
	typ, id, ok := f.localTarget(object)
	if !ok || a.ID == "" {
		f.log.Debug("inbox: "+a.Type+" ignored", "actor", actor.IRI, "object", object)
		return nil
	}
	if public, err := f.replyable(ctx, typ, id); err != nil || !public {
		return err
	}
	added, err := f.cfg.Services.AddReaction(ctx, &vestiging.Reaction{ObjectType: typ, ObjectID: id, ActorID: actor.ID,
		Kind: kind, ActivityIRI: a.ID})
	switch {
	case vestiging.ErrorCode(err) == vestiging.ENOTFOUND: // deleted meanwhile
		return nil
	case err != nil:
		return err
	case !added:
		f.log.Debug("inbox: "+a.Type+" counted before", "actor", actor.IRI, "object", object)
	}
	return nil
}

// onUndoReaction takes back the signer's Like or boost that undo names:
// embedded, by its object and kind (only the signer's own), or by its id
// alone. One that was never counted changes nothing.
func (f *Federator) onUndoReaction(ctx context.Context, undo *Activity, actor *vestiging.Actor) error {
	o := undo.Object()
	r := &vestiging.Reaction{ActorID: actor.ID, ActivityIRI: o.ID}
	if o.Raw != nil {
		inner, err := ParseActivity(o.Raw)
		if err != nil {
			return &permanentError{err}
		}
		typ, id, ok := f.localTarget(inner.Object().ID)
		if inner.Actor != actor.IRI || !ok {
			f.log.Debug("inbox: Undo of a "+o.Type+" not counted here", "actor", actor.IRI, "object", inner.Object().ID)
			return nil
		}
		r.ObjectType, r.ObjectID, r.Kind = typ, id, vestiging.ReactionLike
		if o.Type == "Announce" {
			r.Kind = vestiging.ReactionShare
		}
	}
	if err := f.cfg.Services.RemoveReaction(ctx, r); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
		return err
	}
	return nil
}
