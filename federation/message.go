package federation

// TEMPORARY wiring, replaced by the registrations work (issue 5): direct
// Notes to residents become Messages; replies go to onReply.

import (
	"context"

	"github.com/vestiging/vestiging"
)

func (f *Federator) onNote(ctx context.Context, a *Activity, actor *vestiging.Actor) error {
	_, err := f.onReply(ctx, a, actor)
	return err
}
