package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vestiging/vestiging"
)

// ReplyID is the id of a resident's reply: base/replies/{id}.
func ReplyID(base *url.URL, id int64) string {
	return base.JoinPath("replies", strconv.FormatInt(id, 10)).String()
}

// RepliesID is the replies collection of a local event, course or offer:
// the approved replies, which peers fetch to show the conversation.
func RepliesID(objectIRI string) string { return objectIRI + "/replies" }

// serveReplies serves the replies collection of a public local event,
// course or offer (kind), oldest first: the ids of its approved replies,
// remote Notes and residents' alike.
func (f *Federator) serveReplies(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		var obj map[string]any
		if err == nil {
			obj, err = f.localObject(r.Context(), kind, id)
		}
		if err != nil {
			f.serveError(w, r, err)
			return
		}
		typ := vestiging.ReplyToEvent
		if kind == KindOffer {
			typ = vestiging.ReplyToOffer
		}
		f.serveCollection(w, r, RepliesID(obj["id"].(string)), func(ctx context.Context, offset, limit int) ([]any, int, error) {
			replies, total, err := f.cfg.Services.Replies(ctx, vestiging.ReplyFilter{
				ObjectType: typ, ObjectID: id, Status: vestiging.ReplyApproved, Offset: offset, Limit: limit})
			if err != nil {
				return nil, 0, fmt.Errorf("replies of %s %d: %w", kind, id, err)
			}
			items := make([]any, 0, len(replies))
			for _, reply := range replies {
				if reply.IRI != "" {
					items = append(items, reply.IRI)
				} else {
					items = append(items, ReplyID(f.cfg.BaseURL, reply.ID))
				}
			}
			return items, total, nil
		})
	}
}

// replyObject is the Note of an approved reply by a resident here, in
// reply to the event, course or offer it answers.
func (f *Federator) replyObject(ctx context.Context, id int64) (map[string]any, error) {
	r, err := f.cfg.Services.Reply(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.PersonID == 0 || r.Status != vestiging.ReplyApproved {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	inReplyTo, err := f.replyTarget(ctx, r)
	if err != nil {
		return nil, err
	}
	author, _, err := f.author(ctx, r.PersonID)
	if err != nil {
		return nil, err
	}
	iri := ReplyID(f.cfg.BaseURL, r.ID)
	o := map[string]any{
		"type":         "Note",
		"id":           iri,
		"url":          iri,
		"attributedTo": author,
		"inReplyTo":    inReplyTo,
		"content":      vestiging.SanitizeHTML(r.Content),
		"mediaType":    "text/html",
		"to":           []any{Public},
		"cc":           []any{FollowersID(f.cfg.BaseURL)},
	}
	publishedTimes(o, r.PublishedAt, r.UpdatedAt)
	return o, nil
}

// replyPage is where a browser opening a resident's reply by its id goes:
// the reply under what it answers.
func (f *Federator) replyPage(r *http.Request) (string, error) {
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	return f.replyPageOf(r.Context(), id)
}

// replyPageOf is the page of a resident's approved reply: the page of what
// it answers, at the reply.
func (f *Federator) replyPageOf(ctx context.Context, id int64) (string, error) {
	r, err := f.cfg.Services.Reply(ctx, id)
	if err == nil && (r.PersonID == 0 || r.Status != vestiging.ReplyApproved) {
		err = vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	if err != nil {
		return "", err
	}
	target, err := f.replyTarget(ctx, r)
	if err != nil {
		return "", err
	}
	return target + "#reply-" + strconv.FormatInt(r.ID, 10), nil
}

// replyTarget is the id of the local event, course or offer r answers.
func (f *Federator) replyTarget(ctx context.Context, r *vestiging.Reply) (string, error) {
	if r.ObjectType == vestiging.ReplyToOffer {
		return OfferID(f.cfg.BaseURL, r.ObjectID), nil
	}
	e, err := f.cfg.Services.Event(ctx, r.ObjectID)
	if err != nil {
		return "", fmt.Errorf("reply %d: %w", r.ID, err)
	}
	return EventID(f.cfg.BaseURL, e), nil
}

// note is what a reply needs of an incoming Note.
type note struct {
	ID           string
	URL          string
	AttributedTo string
	InReplyTo    string
	Content      string
}

// parseNote reads a Note's JSON: inReplyTo and attributedTo as an IRI or
// an embedded object's id, url as an IRI or a Link, content or contentMap.
func parseNote(raw []byte) (*note, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, &vestiging.Error{Code: vestiging.EINVALID, Message: "The note is not a JSON object.", Err: err}
	}
	first := func(v any) string {
		for _, x := range asList(v) {
			switch x := x.(type) {
			case string:
				return x
			case map[string]any:
				if s := str(x["id"]) + str(x["href"]); s != "" {
					return s
				}
			}
		}
		return ""
	}
	n := &note{
		ID: str(m["id"]), URL: first(m["url"]), AttributedTo: first(m["attributedTo"]),
		InReplyTo: first(m["inReplyTo"]), Content: naturalText(m, "content"),
	}
	if n.URL == "" {
		n.URL = n.ID
	}
	if n.ID == "" {
		return nil, vestiging.Errorf(vestiging.EINVALID, "The note has no id.")
	}
	return n, nil
}

// localTarget maps the id or page of one of our events, courses or offers
// to what a Reply answers; ok is false for anything else.
func (f *Federator) localTarget(iri string) (objectType string, id int64, ok bool) {
	base := f.cfg.BaseURL.String()
	if !SameHost(base, iri) {
		return "", 0, false
	}
	u, err := url.Parse(iri)
	if err != nil {
		return "", 0, false
	}
	rel := strings.TrimPrefix(u.Path, strings.TrimSuffix(f.cfg.BaseURL.Path, "/"))
	for prefix, typ := range map[string]string{"/events/": vestiging.ReplyToEvent, "/courses/": vestiging.ReplyToEvent, "/offers/": vestiging.ReplyToOffer} {
		if rest, found := strings.CutPrefix(rel, prefix); found {
			n, err := strconv.ParseInt(rest, 10, 64)
			return typ, n, err == nil && n > 0
		}
	}
	return "", 0, false
}

// onReply stores a Note answering a local event, course or offer; handled
// is false when the Note answers nothing of ours. The Note must be the
// sender's own; the store decides whether it shows at once or waits for
// approval, and a second delivery (or a Create after a Delete) changes
// nothing. An edit (Update) replaces the text, and where replies wait for
// approval the edited one waits again, so staff see what is shown.
func (f *Federator) onReply(ctx context.Context, a *Activity, actor *vestiging.Actor) (handled bool, err error) {
	o := a.Object()
	raw := []byte(o.Raw)
	if raw == nil {
		if raw, err = f.fetcher.Fetch(ctx, o.ID); err != nil {
			return false, fetchError(err)
		}
	}
	n, err := parseNote(raw)
	if err != nil {
		return false, &permanentError{err}
	}
	typ, id, ok := f.localTarget(n.InReplyTo)
	if !ok {
		return false, nil
	}
	if n.AttributedTo != actor.IRI || !SameHost(actor.IRI, n.ID) {
		f.log.Info("inbox: reply by someone else than its sender ignored", "note", n.ID, "actor", actor.IRI)
		return true, nil
	}
	content := vestiging.SanitizeHTML(n.Content)
	if a.Type == "Update" {
		err := f.cfg.Services.EditRemoteReply(ctx, &vestiging.Reply{IRI: n.ID, ActorID: actor.ID, Content: content})
		switch vestiging.ErrorCode(err) {
		case vestiging.ENOTFOUND: // an edit of a reply never received: taken as new
		case vestiging.EINVALID:
			f.log.Info("inbox: edit of a reply ignored", "note", n.ID, "error", err)
			return true, nil
		default:
			return true, err
		}
	}
	if public, err := f.replyable(ctx, typ, id); err != nil || !public {
		if err == nil {
			f.log.Info("inbox: reply to nothing public ignored", "note", n.ID, "in_reply_to", n.InReplyTo)
		}
		return true, err
	}
	r := &vestiging.Reply{
		ObjectType: typ, ObjectID: id, IRI: n.ID, URL: n.URL, ActorID: actor.ID, Content: content,
	}
	err = f.cfg.Services.CreateReply(ctx, r)
	switch vestiging.ErrorCode(err) {
	case vestiging.ECONFLICT:
		f.log.Debug("inbox: reply stored before or deleted", "note", n.ID)
		return true, nil
	case vestiging.EINVALID:
		return true, &permanentError{err}
	}
	return true, err
}

// replyable reports whether a local event, course or offer may be
// answered: one the public sees. One read: a Like comes for every event.
func (f *Federator) replyable(ctx context.Context, typ string, id int64) (bool, error) {
	var shown bool
	var err error
	if typ == vestiging.ReplyToEvent {
		var e *vestiging.Event
		if e, err = f.cfg.Services.Event(ctx, id); err == nil {
			shown = shownEvent(e)
		}
	} else {
		var o *vestiging.Offer
		if o, err = f.cfg.Services.Offer(ctx, id); err == nil {
			shown = shownOffer(o)
		}
	}
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return false, nil
	}
	return shown, err
}
