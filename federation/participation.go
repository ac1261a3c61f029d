package federation

// TEMPORARY wiring, replaced by the registrations work (issue 5).

import (
	"context"

	"github.com/vestiging/vestiging"
)

// onJoin answers a Join; never silence (DESIGN.md §4).
func (f *Federator) onJoin(ctx context.Context, a *Activity, actor *vestiging.Actor, body []byte) error {
	return f.answer(ctx, "Reject", a.ID, actor, body)
}

func (f *Federator) onLeave(ctx context.Context, a *Activity, actor *vestiging.Actor) error {
	return nil
}

func (f *Federator) onAnswer(ctx context.Context, a *Activity, actor *vestiging.Actor) error {
	return f.onFollowAnswer(ctx, a, actor)
}
