package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
)

// inboxWorker applies the activities the inbox queued.
type inboxWorker struct {
	river.WorkerDefaults[InboxJob]
	f *Federator
}

// Work applies one activity. Bad data is cancelled, not retried; network
// and database failures are returned so River retries with backoff.
func (w *inboxWorker) Work(ctx context.Context, job *river.Job[InboxJob]) error {
	err := w.f.process(ctx, job.Args, job.Attempt)
	if err != nil && isPermanent(err) {
		w.f.log.Info("inbox: activity dropped", "actor", job.Args.Actor, "error", err)
		return river.JobCancel(err)
	}
	return err
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// isPermanent reports whether err is bad data rather than a passing failure.
func isPermanent(err error) bool {
	var pe *permanentError
	if errors.As(err, &pe) {
		return true
	}
	switch vestiging.ErrorCode(err) {
	case vestiging.EINVALID, vestiging.EFORBIDDEN, vestiging.ENOTFOUND, vestiging.ETOOLARGE:
		return true
	}
	return false
}

// fetchError classifies a failed fetch: the network, a timeout, 5xx, 408
// and 429 pass; any other answer (404, 410, not AS2, wrong id, a refused
// address) will be the same next time.
func fetchError(err error) error {
	if err == nil {
		return nil
	}
	var se *StatusError
	if errors.As(err, &se) {
		if se.StatusCode >= 500 || se.StatusCode == 408 || se.StatusCode == 429 {
			return err
		}
		return &permanentError{err}
	}
	var be *BlockedAddressError
	var ue *url.Error
	if errors.As(err, &ue) && !errors.As(err, &be) {
		return err
	}
	return &permanentError{err}
}

// process applies an activity once: FirstSeen claims its id on the first
// attempt, so a second delivery of it changes nothing. A retried job has
// claimed the id itself and goes on. Who acts is decided here, once: the
// signer the job carries, as stored when its key was verified. Nothing is
// fetched to find it, so no redirect or changed document can make the
// activity act as anyone else; every handler gets that actor.
func (f *Federator) process(ctx context.Context, job InboxJob, attempt int) error {
	body := []byte(job.Body)
	a, err := ParseActivity(body)
	if err != nil {
		return &permanentError{fmt.Errorf("inbox job: %w", err)}
	}
	if a.Actor != job.Actor {
		return &permanentError{fmt.Errorf("inbox job: actor %q is not the signer %s", a.Actor, job.Actor)}
	}
	id := a.ID
	if id == "" {
		sum := sha256.Sum256(body)
		id = "urn:sha256:" + hex.EncodeToString(sum[:])
	}
	isNew, err := f.cfg.Federation.FirstSeen(ctx, id)
	if err != nil {
		return fmt.Errorf("inbox %s: %w", id, err)
	}
	if !isNew && attempt <= 1 {
		f.log.Debug("inbox: duplicate ignored", "id", id)
		return nil
	}
	actor, err := f.cfg.Federation.ActorByIRI(ctx, job.Actor)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return &permanentError{fmt.Errorf("inbox job: the signer %s is gone: %w", job.Actor, err)}
	}
	if err != nil {
		return fmt.Errorf("inbox %s: %w", id, err)
	}
	// Queued before staff blocked the actor or its server: dropped all the same.
	if blocked, err := f.actorBlocked(ctx, actor.IRI); err != nil || blocked {
		if blocked {
			f.log.Info("inbox: activity of a blocked actor dropped", "actor", actor.IRI, "type", a.Type)
		}
		return err
	}
	switch a.Type {
	case "Follow":
		err = f.onFollow(ctx, a, actor, body)
	case "Undo":
		err = f.onUndo(ctx, a, actor)
	case "Accept", "Reject", "TentativeAccept":
		err = f.onAnswer(ctx, a, actor)
	case "Update":
		if a.Object().ID == actor.IRI {
			// A changed profile or key: fetched from its origin, not taken from the body.
			_, err = f.fetchActor(ctx, actor.IRI)
			f.in.keys.forget(actor.IRI)
			err = fetchError(err)
			break
		}
		err = f.onCreate(ctx, a, actor)
	case "Create":
		err = f.onCreate(ctx, a, actor)
	case "Delete":
		err = f.onDelete(ctx, a, actor)
	case "Announce":
		err = f.onAnnounce(ctx, a, actor)
	case "Join":
		err = f.onJoin(ctx, a, actor, body)
	case "Leave":
		err = f.onLeave(ctx, a, actor)
	case "Flag":
		err = f.onFlag(ctx, a, actor, body)
	case "Like":
		err = f.react(ctx, a, actor, vestiging.ReactionLike)
	default:
		f.log.Debug("inbox: ignored", "type", a.Type, "id", a.ID)
	}
	if err != nil {
		return fmt.Errorf("inbox %s %s: %w", a.Type, id, err)
	}
	return nil
}

// onFollow records a follower of the library actor and accepts at once
// (manuallyApprovesFollowers is false).
func (f *Federator) onFollow(ctx context.Context, a *Activity, actor *vestiging.Actor, body []byte) error {
	if handle := personHandle(f.cfg.BaseURL, a.Object().ID); handle != "" {
		return f.onPersonFollow(ctx, a, actor, body, handle)
	}
	if a.Object().ID != ActorID(f.cfg.BaseURL) {
		f.log.Debug("inbox: Follow of someone else ignored", "object", a.Object().ID)
		return nil
	}
	if err := f.cfg.Federation.AddFollower(ctx, actor.ID, a.ID); err != nil {
		return err
	}
	return f.answer(ctx, "Accept", a.ID, actor, body)
}

// answer sends Accept or Reject of a received activity, embedded as
// received, to its actor's inbox. Its id derives from what it answers, so
// a retried job saves and sends it once.
func (f *Federator) answer(ctx context.Context, typ, objectID string, to *vestiging.Actor, body []byte) error {
	return f.answerAs(ctx, 0, ActorID(f.cfg.BaseURL), typ, objectID, to, body, nil)
}

// answerAs is answer in the name of actorID: the library (personID 0) or
// a resident; extra adds properties to the answer (a Reject's reason).
func (f *Federator) answerAs(ctx context.Context, personID int64, actorID, typ, objectID string, to *vestiging.Actor, body []byte,
	extra map[string]any) error {
	var object map[string]any
	if err := json.Unmarshal(body, &object); err != nil {
		return &permanentError{err}
	}
	delete(object, "@context")
	iri := f.answerIRI(typ, objectID)
	answer := map[string]any{
		"@context": ActivityStreamsContext,
		"id":       iri,
		"type":     typ,
		"actor":    actorID,
		"object":   object,
		"to":       []string{to.IRI},
	}
	for k, v := range extra {
		answer[k] = v
	}
	b, err := json.Marshal(answer)
	if err != nil {
		return err
	}
	return f.sendAs(ctx, personID, &vestiging.Activity{IRI: iri, Type: typ, ObjectIRI: objectID, JSON: b}, []string{to.Inbox})
}

// answerIRI is the id of our answer (Accept, Reject) to an activity.
func (f *Federator) answerIRI(typ, objectID string) string {
	sum := sha256.Sum256([]byte(typ + " " + objectID))
	return f.cfg.BaseURL.JoinPath("activities", hex.EncodeToString(sum[:16])).String()
}

// onUndo handles Undo{Follow}: the actor stops following the library;
// Undo{Join} is a Leave; Undo of a Like or Announce (embedded, or named
// by its id alone) takes back what it counted.
func (f *Federator) onUndo(ctx context.Context, a *Activity, actor *vestiging.Actor) error {
	o := a.Object()
	switch o.Type {
	case "Join":
		return f.onUndoJoin(ctx, a, actor, o)
	case "Like", "Announce", "":
		return f.onUndoReaction(ctx, a, actor)
	}
	if o.Type != "Follow" {
		f.log.Debug("inbox: Undo ignored", "object", o.ID, "type", o.Type)
		return nil
	}
	follow, err := ParseActivity(o.Raw)
	if err != nil {
		return &permanentError{err}
	}
	if handle := personHandle(f.cfg.BaseURL, follow.Object().ID); handle != "" && follow.Actor == a.Actor {
		return f.onPersonUnfollow(ctx, actor, handle)
	}
	if follow.Actor != a.Actor || follow.Object().ID != ActorID(f.cfg.BaseURL) {
		f.log.Debug("inbox: Undo of another's Follow ignored", "actor", a.Actor, "follow", follow.ID)
		return nil
	}
	err = f.cfg.Federation.RemoveFollower(ctx, actor.ID)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return nil
	}
	return err
}

// onFollowAnswer applies Accept or Reject of one of our Follows, found by
// the Follow's id or else by the answering actor. An answer from anyone
// but the followed actor changes nothing. After an Accept the followed
// library's upcoming events are fetched (BackfillJob).
func (f *Federator) onFollowAnswer(ctx context.Context, a *Activity, actor *vestiging.Actor) error {
	o := a.Object()
	if o.Type != "" && o.Type != "Follow" {
		f.log.Debug("inbox: "+a.Type+" ignored", "object", o.ID, "type", o.Type)
		return nil
	}
	if done, err := f.onPersonFollowAnswer(ctx, a, o.ID); done || err != nil {
		return err
	}
	fl, err := f.cfg.Federation.FollowingByActivity(ctx, o.ID)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		fl, err = f.cfg.Federation.FollowingByActor(ctx, actor.ID)
	}
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		f.log.Info("inbox: "+a.Type+" of a Follow we did not send", "actor", a.Actor, "object", o.ID)
		return nil
	}
	if err != nil {
		return err
	}
	if fl.Actor == nil || fl.Actor.IRI != a.Actor {
		f.log.Info("inbox: "+a.Type+" of a Follow of someone else", "actor", a.Actor, "object", o.ID)
		return nil
	}
	fl.State = vestiging.FollowRejected
	if a.Type == "Accept" {
		fl.State = vestiging.FollowAccepted
	}
	fl.UpdatedAt = f.now()
	if err := f.cfg.Federation.SetFollowing(ctx, fl); err != nil {
		return err
	}
	if fl.State == vestiging.FollowAccepted {
		return f.cfg.Federation.InsertJob(ctx, BackfillJob{Actor: a.Actor})
	}
	return nil
}

// following returns the stored actor iri when followed (see followed);
// nil otherwise.
func (f *Federator) following(ctx context.Context, iri string, residents bool) (*vestiging.Actor, error) {
	a, err := f.cfg.Federation.ActorByIRI(ctx, iri)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if ok, err := f.followed(ctx, a, residents); err != nil || !ok {
		return nil, err
	}
	return a, nil
}

// followed reports whether the stored actor a is followed and the follow
// was accepted: by the library, or with residents also by a resident.
// What only residents follow is theirs: it is stored for their own
// agenda, never shown or announced as the library's.
func (f *Federator) followed(ctx context.Context, a *vestiging.Actor, residents bool) (bool, error) {
	if residents {
		return f.cfg.Federation.FollowedLocally(ctx, a.ID)
	}
	fl, err := f.cfg.Federation.FollowingByActor(ctx, a.ID)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return false, nil
	}
	return err == nil && fl.State == vestiging.FollowAccepted, err
}

// onCreate stores an Event created or updated by an actor the library or
// a resident follows, as that actor's. Other objects (Notes, Pages) and
// senders nobody follows are ignored, as GoToSocial does. The inbox
// checked that the object is on the actor's host; a bare IRI is fetched
// for its id (Fetch), and storeEvent checks whose it is. Last write wins:
// the store keeps whatever came last.
func (f *Federator) onCreate(ctx context.Context, a *Activity, actor *vestiging.Actor) error {
	o := a.Object()
	if o.Type == "Note" {
		return f.onNote(ctx, a, actor)
	}
	if o.Type == "Page" {
		return f.onPage(ctx, o, actor)
	}
	if o.Type != "" && o.Type != "Event" {
		f.log.Debug("inbox: "+a.Type+" of a "+o.Type+" ignored", "object", o.ID)
		return nil
	}
	if ok, err := f.followed(ctx, actor, true); err != nil || !ok {
		if err == nil {
			f.log.Debug("inbox: "+a.Type+" from an actor we do not follow", "actor", actor.IRI)
		}
		return err
	}
	raw := []byte(o.Raw)
	if raw == nil {
		var err error
		if raw, err = f.fetcher.Fetch(ctx, o.ID); err != nil {
			return fetchError(err)
		}
	}
	r, err := remoteEvent(raw)
	if err != nil || r == nil {
		return err
	}
	return f.storeEvent(ctx, r, actor)
}

// remoteEvent parses an Event document; nil for any other type.
func remoteEvent(raw []byte) (*RemoteEvent, error) {
	if documentType(raw) != "Event" {
		return nil, nil
	}
	r, err := ParseRemoteEvent(raw)
	if err != nil {
		return nil, &permanentError{err}
	}
	return r, nil
}

// storeEvent stores a remote event as origin's, on every path (Create,
// Update, Announce, backfill), and only what origin owns: an event on
// origin's own host, attributed to origin (or to nobody), and not one of
// ours. An Event deleted before stays deleted, an older version than the
// one stored is not stored (the store answers ECONFLICT), and an event
// stored as another origin's is not taken over (EFORBIDDEN): done, not an
// error.
func (f *Federator) storeEvent(ctx context.Context, r *RemoteEvent, origin *vestiging.Actor) error {
	if f.ours(r.ID) || !SameHost(origin.IRI, r.ID) || r.AttributedTo != "" && r.AttributedTo != origin.IRI {
		f.log.Info("inbox: event of someone else than its origin ignored", "iri", r.ID, "attributed_to", r.AttributedTo, "origin", origin.IRI)
		return nil
	}
	themes, err := f.cfg.Services.Themes(ctx)
	if err != nil {
		return err
	}
	e := r.Event(themes)
	e.OriginID = &origin.ID
	err = f.cfg.Federation.UpsertRemoteEvent(ctx, e)
	if code := vestiging.ErrorCode(err); code == vestiging.ECONFLICT || code == vestiging.EFORBIDDEN {
		f.log.Info("inbox: event not stored", "iri", r.ID, "why", err)
		return nil
	}
	return err
}

// documentType returns the top-level type of a JSON document, or "".
func documentType(body []byte) string {
	var doc struct {
		Type any `json:"type"`
	}
	_ = json.Unmarshal(body, &doc) // anything else has no usable type, which is the answer
	s, _ := doc.Type.(string)
	return s
}

// onDelete removes what the actor deletes and owns (the store leaves
// what others own: ownership is per actor, not per host) and remembers
// it, so a late Create of the actor's changes nothing. An actor deleting
// itself stops following the library, gives up its places (the store
// cancels them) and its key is no longer taken.
func (f *Federator) onDelete(ctx context.Context, a *Activity, actor *vestiging.Actor) error {
	for _, o := range a.Objects {
		if !SameHost(a.Actor, o.ID) {
			continue
		}
		if err := f.cfg.Federation.DeleteRemoteObject(ctx, o.ID, actor); err != nil {
			return err
		}
		if o.ID == actor.IRI {
			f.in.keys.forget(actor.IRI)
			if err := f.cfg.Federation.RemoveFollower(ctx, actor.ID); err != nil && vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
				return err
			}
		}
	}
	return nil
}

// onAnnounce stores an announced Event or offer (a Page) from an actor
// the library or a resident follows, fetched again for its id from its
// origin (Fetch): the embedded copy is never trusted, and an object of a
// blocked actor is not fetched at all. An Announce never makes anyone but
// the author an object's origin: an Event is stored as its author's (it
// is attributed to, on its own host) when that author is followed; an
// offer as the announcing library's, which the library itself follows and
// on whose server it was written. Our own objects are never fetched back
// or stored as remote copies. An event of another actor on the
// announcer's own server is left alone: that server answers the fetch, so
// the announcer's word would become its neighbour's (ownership is per
// actor), and the neighbour's own signed activities bring its events.
func (f *Federator) onAnnounce(ctx context.Context, a *Activity, actor *vestiging.Actor) error {
	id := a.Object().ID
	if id == "" {
		return &permanentError{errors.New("Announce without an object id")}
	}
	if f.ours(id) {
		// A boost of one of our events or offers: counted, nothing to store.
		return f.react(ctx, a, actor, vestiging.ReactionShare)
	}
	if blocked, err := f.ownedByBlocked(ctx, id); err != nil || blocked {
		if blocked {
			f.log.Info("inbox: Announce of an object of a blocked actor or host", "object", id)
		}
		return err
	}
	if ok, err := f.followed(ctx, actor, true); err != nil || !ok {
		if err == nil {
			f.log.Debug("inbox: Announce from an actor nobody follows", "actor", actor.IRI, "object", id)
		}
		return err
	}
	raw, err := f.fetcher.Fetch(ctx, id)
	if err != nil {
		return fetchError(err)
	}
	if documentType(raw) == "Page" {
		if ok, err := f.followed(ctx, actor, false); err != nil || !ok {
			if err == nil {
				f.log.Debug("inbox: Announce of a page from an actor the library does not follow", "actor", actor.IRI, "object", id)
			}
			return err
		}
		return f.storeOffer(ctx, raw, "", actor)
	}
	r, err := remoteEvent(raw)
	if err != nil || r == nil {
		return err
	}
	if r.AttributedTo != actor.IRI && SameHost(r.AttributedTo, actor.IRI) {
		f.log.Info("inbox: Announce of an event of another actor on the announcer's server ignored", "actor", actor.IRI, "object", id, "author", r.AttributedTo)
		return nil
	}
	origin, err := f.following(ctx, r.AttributedTo, true)
	if err != nil || origin == nil {
		if err == nil {
			f.log.Debug("inbox: Announce of an event whose author nobody follows", "actor", actor.IRI, "object", id, "author", r.AttributedTo)
		}
		return err
	}
	return f.storeEvent(ctx, r, origin)
}
