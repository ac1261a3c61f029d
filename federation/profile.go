package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
)

// actorUpdateWorker sends Update of an actor whose profile changed, so
// followers' servers show the new name, logo, banner, description or
// opening hours: they keep an actor as they last fetched it.
type actorUpdateWorker struct {
	river.WorkerDefaults[vestiging.ActorUpdateJob]
	f *Federator
}

func (w *actorUpdateWorker) Work(ctx context.Context, job *river.Job[vestiging.ActorUpdateJob]) error {
	return w.f.updateActor(ctx, job.Args)
}

// updateActor sends the actor document as it is now in an Update: the
// library's to its followers, a resident's to their followers and to the
// libraries they follow, which know them too. A resident who is gone, or
// whose actor never federated (no key yet), has nobody to tell.
func (f *Federator) updateActor(ctx context.Context, j vestiging.ActorUpdateJob) error {
	base := f.cfg.BaseURL
	var doc map[string]any
	var inboxes []string
	var err error
	if j.PersonID == 0 {
		if doc, err = f.ActorDocument(ctx); err != nil {
			return err
		}
	} else {
		p, err := f.cfg.Services.Person(ctx, j.PersonID)
		if err == nil && p.Handle != "" {
			_, err = f.personKey(ctx, p.ID, false)
		}
		if vestiging.ErrorCode(err) == vestiging.ENOTFOUND || err == nil && p.Handle == "" {
			f.log.DebugContext(ctx, "update actor: nobody knows the resident", "person", j.PersonID)
			return nil
		}
		if err != nil {
			return fmt.Errorf("update actor %d: %w", j.PersonID, err)
		}
		if doc, err = f.PersonDocument(ctx, p); err != nil {
			return err
		}
		if inboxes, err = f.personAudience(ctx, p.ID); err != nil {
			return err
		}
	}
	delete(doc, "@context")
	actor := doc["id"].(string)
	at := j.At.UTC()
	body, err := json.Marshal(map[string]any{
		"@context":  Context,
		"id":        publishedActivityID(base, actor, "Update", at),
		"type":      "Update",
		"actor":     actor,
		"object":    doc,
		"published": at.Format(time.RFC3339),
		"to":        []any{Public},
		"cc":        []any{doc["followers"]},
	})
	if err != nil {
		return fmt.Errorf("update actor %s: %w", actor, err)
	}
	a := &vestiging.Activity{
		IRI: publishedActivityID(base, actor, "Update", at), Type: "Update", ObjectIRI: actor, JSON: body, Public: j.PersonID == 0,
	}
	if j.PersonID == 0 {
		return f.sendToFollowers(ctx, 0, a)
	}
	return f.sendAs(ctx, j.PersonID, a, inboxes)
}

// personAudience is where a resident's actor is known: the inboxes of
// their followers and of the actors they follow.
func (f *Federator) personAudience(ctx context.Context, personID int64) ([]string, error) {
	followers, err := f.cfg.Federation.PersonFollowers(ctx, personID)
	if err != nil {
		return nil, fmt.Errorf("followers of %d: %w", personID, err)
	}
	follows, err := f.cfg.Federation.PersonFollowings(ctx, personID)
	if err != nil {
		return nil, fmt.Errorf("follows of %d: %w", personID, err)
	}
	return knownBy(follows, followers), nil
}

// knownBy is the delivery inboxes of the actors a resident follows and of
// their followers.
func knownBy(follows []*vestiging.PersonFollowing, followers []*vestiging.Follower) []string {
	inboxes := make([]string, 0, len(follows)+len(followers))
	for _, fl := range follows {
		inboxes = append(inboxes, fl.Actor.DeliveryInbox())
	}
	for _, fl := range followers {
		inboxes = append(inboxes, fl.Actor.DeliveryInbox())
	}
	return inboxes
}
