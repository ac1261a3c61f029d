package federation

// TEMPORARY wiring, replaced by the community work (issue 6).

import (
	"context"

	"github.com/vestiging/vestiging"
)

// onReply stores a Note answering a local event, course or offer; handled
// is false when the Note answers nothing of ours.
func (f *Federator) onReply(ctx context.Context, a *Activity, actor *vestiging.Actor) (handled bool, err error) {
	return false, nil
}
