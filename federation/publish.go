package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
)

// KindOffer and KindReply are the PublishJob.Object of an offer and of a
// resident's reply.
const (
	KindOffer = "offer"
	KindReply = "reply"
)

func (f *Federator) addOutboxWorkers(w *river.Workers) {
	river.AddWorker(w, &publishWorker{f: f})
	river.AddWorker(w, &deliverWorker{f: f})
	river.AddWorker(w, &personDeletedWorker{f: f})
	river.AddWorker(w, &personKeyExpiryWorker{f: f})
	river.AddWorker(w, &actorUpdateWorker{f: f})
}

// publishWorker turns a change of a local object into an activity for
// the followers.
type publishWorker struct {
	river.WorkerDefaults[vestiging.PublishJob]
	f *Federator
}

func (w *publishWorker) Work(ctx context.Context, job *river.Job[vestiging.PublishJob]) error {
	return w.f.publish(ctx, job.Args)
}

// objectIRI is the id of a local object named by a PublishJob, and the AS2
// type it has (or had, for a Tombstone's formerType).
func objectIRI(base *url.URL, kind string, id int64) (iri, asType string, err error) {
	n := strconv.FormatInt(id, 10)
	switch kind {
	case vestiging.KindEvent:
		return base.JoinPath("events", n).String(), "Event", nil
	case vestiging.KindCourse:
		return base.JoinPath("courses", n).String(), "Event", nil
	case KindOffer:
		return OfferID(base, id), "Page", nil
	case KindReply:
		return ReplyID(base, id), "Note", nil
	}
	return "", "", vestiging.Errorf(vestiging.EINVALID, "Unknown object kind %q.", kind)
}

// localObject returns the AS2 object (without @context) of a local object
// that the public may see: a published or cancelled event or course of
// this library, an approved offer or an approved reply of a resident.
// Anything else is ENOTFOUND.
func (f *Federator) localObject(ctx context.Context, kind string, id int64) (map[string]any, error) {
	notFound := vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	switch kind {
	case KindOffer:
		o, err := f.cfg.Services.Offer(ctx, id)
		if err != nil {
			return nil, err
		}
		if !shownOffer(o) {
			return nil, notFound
		}
		author, _, err := f.author(ctx, o.AuthorID)
		if err != nil {
			return nil, err
		}
		return OfferObject(o, author, f.cfg.BaseURL), nil
	case KindReply:
		return f.replyObject(ctx, id)
	}
	e, err := f.cfg.Services.Event(ctx, id)
	if err != nil {
		return nil, err
	}
	if !shownEvent(e) || e.Kind != kind {
		return nil, notFound
	}
	return EventObject(e, f.cfg.BaseURL), nil
}

// shownEvent and shownOffer report whether a local object is one the
// public sees: one we serve as AS2, and one that may be answered.
func shownEvent(e *vestiging.Event) bool { return !e.Remote() && vestiging.IsPublic(e.Status) }

func shownOffer(o *vestiging.Offer) bool { return !o.Remote() && o.Status == vestiging.OfferApproved }

// publisher is the actor of the activities about a local object, and the
// resident whose key signs them (0: the library's). Events are the
// library's; offers and replies their author's, so Mastodon, which takes
// an Update or Delete only from the object's own author, applies them.
func (f *Federator) publisher(ctx context.Context, j vestiging.PublishJob) (actor string, personID int64, err error) {
	if a := j.Author; a != nil {
		// Gone with its author's account, who is named in the job.
		actor, personID = f.authorOf(&vestiging.Person{ID: a.PersonID, Handle: a.Handle, Role: a.Role})
		return actor, personID, nil
	}
	kind, id := j.Object, j.ID
	switch kind {
	case KindOffer:
		o, err := f.cfg.Services.Offer(ctx, id)
		if err != nil {
			return "", 0, err
		}
		return f.author(ctx, o.AuthorID)
	case KindReply:
		r, err := f.cfg.Services.Reply(ctx, id)
		if err != nil {
			return "", 0, err
		}
		return f.author(ctx, r.PersonID)
	}
	return ActorID(f.cfg.BaseURL), 0, nil
}

// publishedActivityID is the id of the activity for one change: derived
// from the object, the action and the time of the change, so a job that
// runs again builds the same id and SaveActivity sends nothing twice.
func publishedActivityID(base *url.URL, objectIRI, action string, at time.Time) string {
	sum := sha256.Sum256([]byte(objectIRI + "\n" + action + "\n" + at.UTC().Format(time.RFC3339Nano)))
	return activityIRI(base, hex.EncodeToString(sum[:16]))
}

// publish builds the Create, Update or Delete for a change and queues it
// to every distinct follower inbox. A Create or Update whose object is no
// longer public is skipped: the change that hid it queued a Delete. A
// resident's approved reply is also shared (Announce) by the library.
//
// An approved offer is not created by the library: the library Announces
// the resident's Page (DESIGN.md §4), which its followers fetch from us.
// Closing or rejecting it later sends the author's Delete rather than an
// Undo of the Announce: Mastodon's Undo only takes the boost off the
// library's timeline and keeps the Page, where a Delete from its author
// removes the Page and every boost of it, and other libraries remove it
// from their board.
func (f *Federator) publish(ctx context.Context, j vestiging.PublishJob) error {
	base := f.cfg.BaseURL
	iri, asType, err := objectIRI(base, j.Object, j.ID)
	if err != nil {
		return river.JobCancel(err)
	}
	actor, personID, err := f.publisher(ctx, j)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		f.log.InfoContext(ctx, "publish: object gone", "object", iri, "action", j.Action)
		return nil
	}
	if err != nil {
		return fmt.Errorf("publish %s %s: %w", j.Action, iri, err)
	}
	at := j.At.UTC()
	if at.IsZero() {
		at = f.now()
	}
	if j.Object == KindOffer && j.Action == "Create" {
		if _, err := f.localObject(ctx, j.Object, j.ID); err != nil {
			return f.skipGone(ctx, iri, j.Action, err)
		}
		return f.announce(ctx, iri, j.Action, at)
	}
	stamp := at.Format(time.RFC3339)
	act := map[string]any{
		"@context":  Context,
		"id":        publishedActivityID(base, iri, j.Action, at),
		"type":      j.Action,
		"actor":     actor,
		"published": stamp,
		"to":        []any{Public},
		"cc":        []any{FollowersID(base)},
	}
	switch j.Action {
	case "Create", "Update":
		obj, err := f.localObject(ctx, j.Object, j.ID)
		if err != nil {
			return f.skipGone(ctx, iri, j.Action, err)
		}
		if j.Action == "Update" {
			// updated is when the object was read, so a receiver that keeps
			// the newest version keeps this state: the job's own time can be
			// older (a counts Update is stamped with its window). To the
			// microsecond, as the stored time, so versions a second apart
			// are told apart. GoToSocial ignores an Update whose updated
			// precedes published.
			read := f.now()
			if read.Before(at) {
				read = at
			}
			updated := read.UTC().Format(time.RFC3339Nano)
			act["updated"], obj["updated"] = updated, updated
		}
		act["object"] = obj
	case "Delete":
		act["object"] = map[string]any{"id": iri, "type": "Tombstone", "formerType": asType, "deleted": stamp}
	default:
		return river.JobCancel(vestiging.Errorf(vestiging.EINVALID, "Unknown action %q.", j.Action))
	}
	body, err := json.Marshal(act)
	if err != nil {
		return fmt.Errorf("publish %s %s: %w", j.Action, iri, err)
	}
	err = f.sendToFollowers(ctx, personID, &vestiging.Activity{
		// The library's outbox lists its own activities, not its residents'.
		IRI: act["id"].(string), Type: j.Action, ObjectIRI: iri, JSON: body, Public: personID == 0,
	})
	if err != nil || j.Object != KindReply || j.Action != "Create" {
		return err
	}
	// GoToSocial takes a Create only from an actor one of its users
	// follows, which a resident seldom is: the library's followers see the
	// reply because the library shares it.
	return f.announce(ctx, iri, "Announce", at)
}

// skipGone ends a publish job whose object is no longer public: the
// change that hid it queued a Delete. Other errors are returned.
func (f *Federator) skipGone(ctx context.Context, iri, action string, err error) error {
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		f.log.InfoContext(ctx, "publish: object no longer public", "object", iri, "action", action)
		return nil
	}
	return fmt.Errorf("publish %s %s: %w", action, iri, err)
}

// announce sends the library's Announce of a resident's offer or reply
// to its followers, whose servers fetch the object from us. Its id comes
// from the object, the change's action and time, as publishedActivityID.
func (f *Federator) announce(ctx context.Context, iri, action string, at time.Time) error {
	base := f.cfg.BaseURL
	id := publishedActivityID(base, iri, action, at)
	body, err := json.Marshal(map[string]any{
		"@context":  Context,
		"id":        id,
		"type":      "Announce",
		"actor":     ActorID(base),
		"object":    iri,
		"published": at.Format(time.RFC3339),
		"to":        []any{Public},
		"cc":        []any{FollowersID(base)},
	})
	if err != nil {
		return fmt.Errorf("announce %s: %w", iri, err)
	}
	return f.sendToFollowers(ctx, 0, &vestiging.Activity{IRI: id, Type: "Announce", ObjectIRI: iri, JSON: body, Public: true})
}

// serveObject serves the AS2 form of a local public event, course, offer
// or reply. One that followers were told is deleted (its last Delete is in
// the outbox: deleted, or no longer public) answers 410 Gone with that
// Tombstone, so peers drop their copy rather than retry.
func (f *Federator) serveObject(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err == nil {
			var obj map[string]any
			if obj, err = f.localObject(r.Context(), kind, id); err == nil {
				f.writeActivity(w, r, obj)
				return
			}
		}
		if iri, _, kindErr := objectIRI(f.cfg.BaseURL, kind, id); vestiging.ErrorCode(err) == vestiging.ENOTFOUND && kindErr == nil {
			tombstone, tombErr := f.tombstone(r.Context(), iri)
			if tombErr == nil {
				f.writeActivityStatus(w, r, http.StatusGone, tombstone)
				return
			}
			if vestiging.ErrorCode(tombErr) != vestiging.ENOTFOUND {
				err = tombErr
			}
		}
		f.serveError(w, r, err)
	}
}

// tombstone is the Tombstone of the last Delete of iri that we sent;
// ENOTFOUND when none was sent.
func (f *Federator) tombstone(ctx context.Context, iri string) (map[string]any, error) {
	a, err := f.cfg.Federation.LastActivity(ctx, iri, "Delete")
	if err != nil {
		return nil, err
	}
	var del struct {
		Object map[string]any `json:"object"`
	}
	if err := json.Unmarshal(a.JSON, &del); err != nil || del.Object == nil {
		return nil, fmt.Errorf("tombstone of %s: the Delete %s has no object (%v)", iri, a.IRI, err)
	}
	return del.Object, nil
}

// activityPage is where a browser opening a published activity's id goes:
// the page of its object (a boost's link in Mastodon is its Announce's id).
func (f *Federator) activityPage(r *http.Request) (string, error) {
	a, err := f.cfg.Federation.ActivityByIRI(r.Context(), activityIRI(f.cfg.BaseURL, chi.URLParam(r, "id")))
	if err == nil && (!a.Public || a.ObjectIRI == "") {
		err = vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	if err != nil {
		return "", err
	}
	if rest, ok := strings.CutPrefix(a.ObjectIRI, f.cfg.BaseURL.JoinPath("replies").String()+"/"); ok {
		if id, err := strconv.ParseInt(rest, 10, 64); err == nil {
			return f.replyPageOf(r.Context(), id)
		}
	}
	return a.ObjectIRI, nil
}

// serveActivity serves a published activity by its id, as it was sent.
func (f *Federator) serveActivity(w http.ResponseWriter, r *http.Request) {
	a, err := f.cfg.Federation.ActivityByIRI(r.Context(), activityIRI(f.cfg.BaseURL, chi.URLParam(r, "id")))
	if err == nil && !a.Public {
		err = vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	if err != nil {
		f.serveError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ContentTypeActivityJSON)
	w.Header().Set("Vary", "Accept")
	_, _ = w.Write(a.JSON)
}
