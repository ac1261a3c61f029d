package federation

// Direct messages: a Note addressed to residents here, not public, becomes
// a Message for each of them (a library's reminder to a resident who
// signed up there, an answer to an offer); a resident's message to a
// remote actor leaves as a direct Note from their Person actor.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
)

// MessageID is the id of a Note sent from here: base/messages/{id}. The
// store keeps no IRI for those; a remote answer names this one.
func MessageID(base *url.URL, id int64) string {
	return base.JoinPath("messages", strconv.FormatInt(id, 10)).String()
}

// onNote handles a Note created or updated by actor: a reply to one of our
// events or offers (onReply), else a direct message to residents here.
// A public Note or one to nobody here is ignored, as is an edit of a
// direct message (it keeps the text first received).
func (f *Federator) onNote(ctx context.Context, a *Activity, actor *vestiging.Actor) error {
	if handled, err := f.onReply(ctx, a, actor); handled || err != nil {
		return err
	}
	if a.Type != "Create" {
		return nil
	}
	raw := a.Object().Raw // onCreate calls only for an embedded Note
	n, err := parseNote(raw)
	if err != nil {
		return &permanentError{err}
	}
	var addr struct {
		To, Cc  any
		Context any
	}
	if err := json.Unmarshal(raw, &addr); err != nil {
		return &permanentError{err}
	}
	audience := append(append(append(addressees(addr.To), addressees(addr.Cc)...), a.To...), a.Cc...)
	if slices.ContainsFunc(audience, isPublic) {
		f.log.Debug("inbox: public Note to nothing of ours ignored", "note", n.ID)
		return nil
	}
	if n.AttributedTo != actor.IRI || !SameHost(actor.IRI, n.ID) {
		f.log.Info("inbox: Note by someone else than its sender ignored", "note", n.ID, "actor", actor.IRI)
		return nil
	}
	var handles []string
	for _, id := range audience {
		if h := personHandle(f.cfg.BaseURL, id); h != "" && !slices.Contains(handles, h) {
			handles = append(handles, h)
		}
	}
	sort.Strings(handles)
	topic := firstID(addr.Context)
	for i, h := range handles {
		p, err := f.resident(ctx, h)
		if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		m := &vestiging.Message{FromActorID: actor.ID, ToPersonID: p.ID, IRI: n.ID, InReplyTo: n.InReplyTo, Content: n.Content}
		if i > 0 {
			// One IRI per stored copy; the first keeps the Note's own, so
			// an answer to it finds it.
			m.IRI += "#" + h
		}
		if m.EventID, err = f.registeredEvent(ctx, p.ID, topic); err != nil {
			return err
		}
		err = f.cfg.Services.CreateMessage(ctx, m)
		switch vestiging.ErrorCode(err) {
		case "":
		case vestiging.ECONFLICT:
			f.log.Debug("inbox: Note stored before", "note", m.IRI)
		case vestiging.EINVALID:
			f.log.Info("inbox: Note refused", "note", n.ID, "error", err)
		default:
			return fmt.Errorf("note %s to %s: %w", n.ID, h, err)
		}
	}
	return nil
}

// addressees returns the ids in an addressing property: IRIs or objects
// with an id.
func addressees(v any) []string {
	var out []string
	for _, x := range asList(v) {
		if s := firstID(x); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// firstID is the first IRI in v: a string, or an object's id.
func firstID(v any) string {
	for _, x := range asList(v) {
		switch x := x.(type) {
		case string:
			return x
		case map[string]any:
			if s := str(x["id"]); s != "" {
				return s
			}
		}
	}
	return ""
}

// isPublic reports whether an addressee is the public collection, in any
// of the spellings servers use.
func isPublic(id string) bool {
	return id == Public || id == "as:Public" || id == "Public"
}

// registeredEvent is the id of the event iri names among the events the
// person signed up for (a library's notice carries the event as its
// context); 0 when it names none of them.
func (f *Federator) registeredEvent(ctx context.Context, personID int64, iri string) (int64, error) {
	if iri == "" {
		return 0, nil
	}
	for offset := 0; ; {
		list, total, err := f.cfg.Services.Registrations(ctx, vestiging.RegistrationFilter{
			PersonID: personID, Offset: offset, Limit: vestiging.MaxPageSize})
		if err != nil {
			return 0, fmt.Errorf("registrations of %d: %w", personID, err)
		}
		for _, r := range list {
			if r.Event != nil && (r.Event.IRI == iri || !r.Event.Remote() && EventID(f.cfg.BaseURL, r.Event) == iri) {
				return r.EventID, nil
			}
		}
		if offset += len(list); len(list) == 0 || offset >= total {
			return 0, nil
		}
	}
}

// sendNoteWorker delivers a resident's message to a remote actor.
type sendNoteWorker struct {
	river.WorkerDefaults[vestiging.SendNoteJob]
	f *Federator
}

func (w *sendNoteWorker) Work(ctx context.Context, job *river.Job[vestiging.SendNoteJob]) error {
	err := w.f.sendMessage(ctx, job.Args.MessageID)
	if err != nil && isPermanent(err) {
		return river.JobCancel(err)
	}
	return err
}

// sendMessage sends a stored message as a direct Note from its sender's
// Person actor to its remote recipient only, mentioning them, in reply to
// the Note it answers.
func (f *Federator) sendMessage(ctx context.Context, id int64) error {
	m, err := f.cfg.Services.Message(ctx, id)
	if err != nil {
		return fmt.Errorf("message %d: %w", id, err)
	}
	if m.FromPersonID == 0 || m.ToActorID == 0 {
		return vestiging.Errorf(vestiging.EINVALID, "Message %d is not from a resident to a remote actor.", id)
	}
	p, err := f.cfg.Services.Person(ctx, m.FromPersonID)
	if err != nil {
		return fmt.Errorf("message %d: %w", id, err)
	}
	if p.Handle == "" {
		return vestiging.Errorf(vestiging.EFORBIDDEN, "Message %d: a resident without a handle cannot send to another server.", id)
	}
	to, err := f.cfg.Federation.Actor(ctx, m.ToActorID)
	if err != nil {
		return fmt.Errorf("message %d: %w", id, err)
	}
	if _, err := f.personKey(ctx, p.ID, true); err != nil {
		return fmt.Errorf("message %d: %w", id, err)
	}
	content := "<p>" + mentionHTML(to) + "</p>" + vestiging.SanitizeHTML(m.Content)
	return f.sendNote(ctx, p.ID, PersonActorID(f.cfg.BaseURL, p.Handle), to, MessageID(f.cfg.BaseURL, m.ID), content, m.InReplyTo, "")
}
