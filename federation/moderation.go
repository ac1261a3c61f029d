package federation

// TEMPORARY wiring, replaced by the community work (issue 6).

import (
	"context"

	"github.com/vestiging/vestiging"
)

func (f *Federator) onFlag(ctx context.Context, a *Activity, actor *vestiging.Actor) error {
	f.log.Info("inbox: Flag received", "actor", a.Actor, "object", a.Object().ID)
	return nil
}
