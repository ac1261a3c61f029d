package federation

// Participation (issue 5), both ways. Organiser side: a Join of one of
// our events registers the remote actor through the store, which queues a
// ParticipationJob in the same transaction; its worker answers Accept,
// TentativeAccept or Reject with the Join as object, as Mobilizon expects.
// A Join that cannot be registered is rejected at once and nothing is
// stored. Resident side: a resident's registration for another library's
// event goes out as a Join from their Person actor, and that library's
// answer sets its state.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
)

func (f *Federator) addParticipationWorkers(w *river.Workers) {
	river.AddWorker(w, &participationWorker{f: f})
	river.AddWorker(w, &registrantsWorker{f: f})
	river.AddWorker(w, &eventCountsWorker{f: f})
	river.AddWorker(w, &sendNoteWorker{f: f})
}

// localEvent returns the public local event or course an IRI names, or
// ENOTFOUND.
func (f *Federator) localEvent(ctx context.Context, iri string) (*vestiging.Event, error) {
	for dir, kind := range map[string]string{"events": vestiging.KindEvent, "courses": vestiging.KindCourse} {
		n, ok := strings.CutPrefix(iri, f.cfg.BaseURL.JoinPath(dir).String()+"/")
		if !ok {
			continue
		}
		id, err := strconv.ParseInt(n, 10, 64)
		if err != nil || strconv.FormatInt(id, 10) != n {
			break
		}
		e, err := f.cfg.Services.Event(ctx, id)
		if err != nil {
			return nil, err
		}
		if !shownEvent(e) || e.Kind != kind {
			break
		}
		return e, nil
	}
	return nil, vestiging.Errorf(vestiging.ENOTFOUND, "%s is not an event of this library.", iri)
}

// answerType is the answer to a Join that tells a registration's state.
func answerType(state string) string {
	switch state {
	case vestiging.RegistrationConfirmed:
		return "Accept"
	case vestiging.RegistrationWaitlisted, vestiging.RegistrationPending:
		return "TentativeAccept"
	}
	return "Reject"
}

// onJoin registers a remote actor for one of our events; the store queues
// the answer. An unknown event, or one the store refuses (past, without
// sign-up here, closed), gets Reject at once and nothing is stored; so
// does an event with a required question, whose Reject says why and links
// the page where the questions are asked. A
// second Join by the same actor is answered with the state the first one
// has, and changes nothing.
func (f *Federator) onJoin(ctx context.Context, a *Activity, actor *vestiging.Actor, body []byte) error {
	refuse := func(why error) error {
		f.log.Info("inbox: Join rejected", "actor", a.Actor, "object", a.Object().ID, "reason", why)
		return f.answer(ctx, "Reject", a.ID, actor, body)
	}
	e, err := f.localEvent(ctx, a.Object().ID)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return refuse(err)
	}
	if err != nil {
		return err
	}
	if done, err := f.answerAgain(ctx, e, a, actor, body); done || err != nil {
		return err
	}
	if a.ID == "" {
		return refuse(vestiging.Errorf(vestiging.EINVALID, "A Join without an id cannot be answered later."))
	}
	if e.RequiresAnswers() {
		// A Join carries no answers: the questions are asked on the page.
		f.log.Info("inbox: Join rejected", "actor", a.Actor, "object", a.Object().ID, "reason", "questions to answer")
		return f.answerAs(ctx, 0, ActorID(f.cfg.BaseURL), "Reject", a.ID, actor, body, questionsReason(EventID(f.cfg.BaseURL, e), e.Title))
	}
	err = f.cfg.Services.Register(ctx, &vestiging.Registration{EventID: e.ID, ActorID: actor.ID, JoinIRI: a.ID})
	switch vestiging.ErrorCode(err) {
	case "":
		return nil
	case vestiging.EINVALID, vestiging.ENOTFOUND:
		return refuse(err)
	case vestiging.ECONFLICT:
		// Another Join of the actor's won the race: answer as for a second
		// Join. Without an active one, the Join's id was used before.
		if done, err := f.answerAgain(ctx, e, a, actor, body); done || err != nil {
			return err
		}
		return refuse(err)
	}
	return fmt.Errorf("join of event %d: %w", e.ID, err)
}

// questionsReason says, in a Reject, why a Join is refused when the
// activity asks questions that must be answered, and where to sign up: its
// page. Mastodon and GoToSocial show summary as the visible line.
func questionsReason(link, title string) map[string]any {
	line := fmt.Sprintf("Voor %s stellen we bij het aanmelden een paar vragen. Meld je aan op de pagina van de activiteit: %s", title, link)
	return map[string]any{
		"summary": line,
		"content": fmt.Sprintf(`<p>Voor %s stellen we bij het aanmelden een paar vragen. Meld je aan op <a href="%s">de pagina van de activiteit</a>.</p>`,
			html.EscapeString(title), html.EscapeString(link)),
		"url": link,
	}
}

// answerAgain answers a Join of an actor already signed up for e with the
// state of that registration; done is false when there is none.
func (f *Federator) answerAgain(ctx context.Context, e *vestiging.Event, a *Activity, actor *vestiging.Actor, body []byte) (done bool, err error) {
	r, err := f.cfg.Services.ActiveRegistration(ctx, e.ID, 0, actor.ID)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	return true, f.answer(ctx, answerType(r.State), a.ID, actor, body)
}

// onLeave cancels the actor's registration: Mobilizon's Leave names the
// event; a Leave of the Join itself is understood too. A Leave without a
// Join is ignored.
func (f *Federator) onLeave(ctx context.Context, a *Activity, actor *vestiging.Actor) error {
	return f.leave(ctx, actor, a.Object().ID)
}

// onUndoJoin handles Undo{Join}, as a Leave of the Join and its event.
func (f *Federator) onUndoJoin(ctx context.Context, a *Activity, actor *vestiging.Actor, o ObjectRef) error {
	join, err := ParseActivity(o.Raw)
	if err != nil {
		return &permanentError{err}
	}
	if join.Actor != a.Actor {
		f.log.Info("inbox: Undo of another's Join ignored", "actor", a.Actor, "join", join.ID)
		return nil
	}
	return f.leave(ctx, actor, join.ID, join.Object().ID)
}

// leave cancels the actor's active registration found by the first of ids
// that names its Join or its event.
func (f *Federator) leave(ctx context.Context, actor *vestiging.Actor, ids ...string) error {
	for _, id := range ids {
		if id == "" {
			continue
		}
		r, err := f.cfg.Services.RegistrationByJoin(ctx, id)
		if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
			var e *vestiging.Event
			if e, err = f.localEvent(ctx, id); err == nil {
				r, err = f.cfg.Services.ActiveRegistration(ctx, e.ID, 0, actor.ID)
			}
		}
		if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		if r.ActorID != actor.ID || !r.Active() {
			continue
		}
		_, err = f.cfg.Services.CancelRegistration(ctx, r.ID)
		if vestiging.ErrorCode(err) == vestiging.EINVALID {
			return nil // cancelled meanwhile
		}
		return err
	}
	f.log.Info("inbox: Leave without a Join ignored", "actor", actor.IRI, "object", ids)
	return nil
}

// onAnswer applies Accept, TentativeAccept or Reject. One of our Joins (by
// its id, bare or embedded) answered by the event's server sets the
// resident's registration; a Join we never sent, or an answer from
// anyone else, changes nothing (and is not taken for a Follow's answer). Anything else answers a Follow;
// TentativeAccept of a Follow leaves it pending.
func (f *Federator) onAnswer(ctx context.Context, a *Activity, actor *vestiging.Actor) error {
	o := a.Object()
	if o.Type == "Join" || o.Type == "" && strings.HasPrefix(o.ID, joinPrefix(f.cfg.BaseURL)) {
		r, err := f.ourJoin(ctx, o.ID)
		if err != nil || r == nil {
			if r == nil && err == nil {
				f.log.Info("inbox: "+a.Type+" of a Join we did not send", "actor", a.Actor, "object", o.ID)
			}
			return err
		}
		return f.joinAnswered(ctx, a, actor, r)
	}
	if a.Type == "TentativeAccept" {
		f.log.Debug("inbox: TentativeAccept of a Follow: it stays pending", "actor", a.Actor, "object", o.ID)
		return nil
	}
	return f.onFollowAnswer(ctx, a, actor)
}

// joinIRI is the id of the Join a resident's registration sends. It names
// the registration, with a hash of when it was made, so a registration id
// that the database hands out again after a delete gets another Join id.
func (f *Federator) joinIRI(r *vestiging.Registration) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(r.ID, 10) + " " + r.CreatedAt.UTC().Format(time.RFC3339Nano)))
	return fmt.Sprintf("%s%d-%s", joinPrefix(f.cfg.BaseURL), r.ID, hex.EncodeToString(sum[:8]))
}

// joinPrefix begins the id of every Join of ours.
func joinPrefix(base *url.URL) string { return activityIRI(base, "join-") }

// ourJoin returns the resident's registration whose Join has the id iri;
// nil when iri is not one of our Joins.
func (f *Federator) ourJoin(ctx context.Context, iri string) (*vestiging.Registration, error) {
	rest, ok := strings.CutPrefix(iri, joinPrefix(f.cfg.BaseURL))
	n, _, ok2 := strings.Cut(rest, "-")
	id, err := strconv.ParseInt(n, 10, 64)
	if !ok || !ok2 || err != nil {
		return nil, nil
	}
	r, err := f.cfg.Services.Registration(ctx, id)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if r.PersonID == 0 || f.joinIRI(r) != iri {
		return nil, nil
	}
	return r, nil
}

// joinAnswered sets the state of a resident's registration from the
// answer of the event's organiser (organises). A registration cancelled
// here stays cancelled (its Leave is on the way), and a refused one stays
// refused.
func (f *Federator) joinAnswered(ctx context.Context, a *Activity, actor *vestiging.Actor, r *vestiging.Registration) error {
	e, err := f.cfg.Services.Event(ctx, r.EventID)
	if err != nil {
		return err
	}
	if !e.Remote() {
		return nil
	}
	if ok, err := f.organises(ctx, e, actor); err != nil || !ok {
		if err == nil {
			f.log.Info("inbox: "+a.Type+" of a Join from someone else than the event's organiser", "actor", a.Actor, "event", e.IRI)
		}
		return err
	}
	state := map[string]string{
		"Accept":          vestiging.RegistrationConfirmed,
		"TentativeAccept": vestiging.RegistrationWaitlisted,
		"Reject":          vestiging.RegistrationRejected,
	}[a.Type]
	if !r.Active() || r.State == state {
		return nil
	}
	_, err = f.cfg.Services.SetRegistrationState(ctx, r.ID, state)
	return err
}

// organises reports whether actor may answer Joins of the remote event e:
// it is e's origin, or e's own document (fetched for its id) names it as
// its author (attributedTo) or, as Mobilizon does for a group's event, as
// its organiser (actor), who answers Joins. Nobody else on the event's
// server answers for it.
func (f *Federator) organises(ctx context.Context, e *vestiging.Event, actor *vestiging.Actor) (bool, error) {
	if e.OriginID != nil && *e.OriginID == actor.ID {
		return true, nil
	}
	if !SameHost(actor.IRI, e.IRI) {
		return false, nil
	}
	raw, err := f.fetcher.Fetch(ctx, e.IRI)
	if err != nil {
		return false, fetchError(err)
	}
	var doc struct{ AttributedTo, Actor any }
	if err := json.Unmarshal(raw, &doc); err != nil {
		return false, &permanentError{err}
	}
	return slices.Contains(addressees(doc.AttributedTo), actor.IRI) || slices.Contains(addressees(doc.Actor), actor.IRI), nil
}

// participationWorker tells the remote side about a registration.
type participationWorker struct {
	river.WorkerDefaults[vestiging.ParticipationJob]
	f *Federator
}

func (w *participationWorker) Work(ctx context.Context, job *river.Job[vestiging.ParticipationJob]) error {
	return w.f.participate(ctx, job.Args, job.ID)
}

// participate sends what a ParticipationJob asks: for a remote actor's
// registration here its answer or a direct Note; for a resident's
// registration at another library their Join or Leave. jobID makes the
// ids of what it sends, so a retried job sends nothing twice.
func (f *Federator) participate(ctx context.Context, j vestiging.ParticipationJob, jobID int64) error {
	r, err := f.cfg.Services.Registration(ctx, j.RegistrationID)
	if err == nil {
		var e *vestiging.Event
		if e, err = f.cfg.Services.Event(ctx, r.EventID); err == nil {
			switch {
			case r.ActorID != 0 && !e.Remote():
				err = f.tellActor(ctx, j.Notice, r, e, jobID)
			case r.PersonID != 0 && e.Remote():
				err = f.tellOrigin(ctx, j.Notice, r, e)
			default:
				// A guest, a local person at a local event, or anonymised:
				// no server to tell.
				err = vestiging.Errorf(vestiging.EINVALID, "No remote side to tell.")
			}
		}
	}
	if err != nil {
		err = fmt.Errorf("participation %d %s: %w", j.RegistrationID, j.Notice, err)
		if isPermanent(err) {
			return river.JobCancel(err)
		}
	}
	return err
}

// tellActor sends a remote actor, as the library and to them alone, the
// answer to their Join (Accept, TentativeAccept, Reject, with the Join as
// object) or a direct Note for a reminder or a change.
func (f *Federator) tellActor(ctx context.Context, notice string, r *vestiging.Registration, e *vestiging.Event, jobID int64) error {
	if _, ok := vestiging.NoticeStates(notice); !ok {
		return vestiging.Errorf(vestiging.EINVALID, "Unknown notice for a remote actor.")
	}
	if !vestiging.NoticeHolds(notice, r.State) {
		f.log.Debug("participation: notice no longer true", "registration", r.ID, "notice", notice, "state", r.State)
		return nil
	}
	if notice == vestiging.NoticeLinkChanged && !r.Online(e) {
		return nil // a place at the venue of a hybrid activity has no link
	}
	// At a hybrid activity a Join has a place at the venue (Register):
	// the answers and Notes are about that, without the online meeting.
	e = e.As(r.Attendance)
	to := r.Actor
	if to == nil {
		var err error
		if to, err = f.cfg.Federation.Actor(ctx, r.ActorID); err != nil {
			return err
		}
	}
	switch notice {
	case vestiging.NoticeReminder, vestiging.NoticeChanged, vestiging.NoticeLinkChanged, vestiging.NoticeEventOff, vestiging.NoticeEventBack:
		// Named by the event's state rather than the job, so a fan-out
		// that ran twice (its RegistrantsJob retried) sends each Note once.
		at := e.UpdatedAt
		if notice == vestiging.NoticeReminder {
			at = e.StartsAt
		}
		return f.sendNotice(ctx, notice, to, e, r,
			fmt.Sprintf("%d %s %s", r.ID, notice, at.UTC().Format(time.RFC3339Nano)))
	}
	key := r.JoinIRI + " " + notice + " " + strconv.FormatInt(jobID, 10)
	if r.JoinIRI == "" {
		return vestiging.Errorf(vestiging.EINVALID, "The registration has no Join to answer.")
	}
	typ := answerType(r.State)
	iri := f.answerIRI(typ, key)
	body, err := json.Marshal(map[string]any{
		"@context": ActivityStreamsContext,
		"id":       iri,
		"type":     typ,
		"actor":    ActorID(f.cfg.BaseURL),
		"object":   map[string]any{"id": r.JoinIRI, "type": "Join", "actor": to.IRI, "object": EventID(f.cfg.BaseURL, e)},
		"to":       []string{to.IRI},
	})
	if err != nil {
		return err
	}
	if err := f.send(ctx, &vestiging.Activity{IRI: iri, Type: typ, ObjectIRI: r.JoinIRI, JSON: body}, []string{to.Inbox}); err != nil {
		return err
	}
	// The Event withholds a private online link: the place brings the way in.
	if typ == "Accept" && e.HasOnlineMeeting() && e.LinkPrivate() {
		return f.sendNotice(ctx, notice, to, e, r, key+" link")
	}
	return nil
}

// noticeLines are the Dutch opening lines of the library's direct Notes;
// %s is the activity's linked title.
var noticeLines = map[string]string{
	vestiging.NoticeReminder:    "Herinnering: morgen is %s, waarvoor je je hebt aangemeld.",
	vestiging.NoticeChanged:     "De tijd of plaats van %s, waarvoor je je hebt aangemeld, is gewijzigd. Zo is het nu:",
	vestiging.NoticeEventOff:    "%s gaat helaas niet door. Je hoeft niets te doen.",
	vestiging.NoticeEventBack:   "%s gaat toch door, en je aanmelding staat nog. Zo is het:",
	vestiging.NoticeLinkChanged: "De bibliotheek heeft de link om online mee te doen aan %s vervangen; de oude werkt niet meer. Je eigen link hieronder brengt je naar de nieuwe.",
	// Sent with the Accept of an online activity, whose link the Event withholds.
	vestiging.NoticeConfirmed: "Je hebt een plaats bij %s.",
	vestiging.NoticePromoted:  "Er is een plaats vrijgekomen bij %s, en die is nu van jou.",
}

// onlineLine introduces the join link, in a Note to someone with a place;
// opensLine says when it opens (vestiging.JoinEarly).
const (
	onlineLine = "Zo doe je online mee:"
	opensLine  = "De bijeenkomst gaat 15 minuten voor het begin open."
)

// waitlistLine tells someone on the waitlist, in a reminder or a change,
// that they have no place yet.
const waitlistLine = "Je staat nog op de wachtlijst; je hoort het als er een plaats vrijkomt."

// sendNotice sends a direct Note from the library to one remote actor:
// addressed to them only and mentioning them, so Mastodon and GoToSocial
// show it as a direct message. It says what, when and where (and, to
// someone waitlisted, that they still wait), links the event, and carries
// the event's id as its context so the resident's server can file it with
// their registration.
func (f *Federator) sendNotice(ctx context.Context, notice string, to *vestiging.Actor, e *vestiging.Event, r *vestiging.Registration, key string) error {
	base := f.cfg.BaseURL
	link := EventID(base, e)
	waitlisted := r.State == vestiging.RegistrationWaitlisted
	// Someone with a place joins online through the join link with their
	// token (web's /join), which counts them, as a resident's mail does.
	join := ""
	if r.Holds() && notice != vestiging.NoticeEventOff && e.HasOnlineMeeting() {
		token, err := f.cfg.Services.JoinToken(ctx, r.ID)
		if err != nil {
			return err
		}
		join = link + "/join?" + url.Values{"token": {token}}.Encode()
	}
	title := fmt.Sprintf(`<a href="%s">%s</a>`, html.EscapeString(link), html.EscapeString(e.Title))
	var b strings.Builder
	fmt.Fprintf(&b, "<p>%s %s</p>", mentionHTML(to), fmt.Sprintf(noticeLines[notice], title))
	if notice == vestiging.NoticeEventOff && e.CancelReason != "" {
		fmt.Fprintf(&b, "<p>Reden: %s</p>", html.EscapeString(e.CancelReason))
	}
	fmt.Fprintf(&b, "<p>%s", html.EscapeString(eventWhen(e, "nl")))
	if p := placeLine(e.Venue(), e.MeetsOnline()); p != "" {
		fmt.Fprintf(&b, "<br>%s", html.EscapeString(p))
	}
	b.WriteString("</p>")
	switch {
	case waitlisted && notice != vestiging.NoticeEventOff:
		b.WriteString("<p>" + waitlistLine + "</p>")
	case join != "":
		fmt.Fprintf(&b, `<p>%s <a href="%s">%s</a><br>%s</p>`, onlineLine, html.EscapeString(join), html.EscapeString(join), opensLine)
	}
	fmt.Fprintf(&b, `<p><a href="%s">%s</a></p>`, html.EscapeString(link), html.EscapeString(link))
	return f.sendNote(ctx, 0, ActorID(base), to, f.answerIRI("Note", key), b.String(), "", link)
}

// mentionHTML is a mention of an actor as Mastodon writes one.
func mentionHTML(a *vestiging.Actor) string {
	href := a.URL
	if href == "" {
		href = a.IRI
	}
	name := a.Username
	if name == "" {
		name = a.DisplayName()
	}
	return fmt.Sprintf(`<span class="h-card"><a href="%s" class="u-url mention">@<span>%s</span></a></span>`,
		html.EscapeString(href), html.EscapeString(name))
}

// sendNote sends Create{Note} from actorID (the library, personID 0, or a
// resident) to one remote actor only, with a Mention tag; inReplyTo and
// context are left out when empty. The Create's id derives from the Note's.
func (f *Federator) sendNote(ctx context.Context, personID int64, actorID string, to *vestiging.Actor, noteID, content, inReplyTo, topic string) error {
	published := f.now().Format(time.RFC3339)
	note := map[string]any{
		"id":           noteID,
		"type":         "Note",
		"attributedTo": actorID,
		"to":           []string{to.IRI},
		"cc":           []string{},
		"content":      content,
		"mediaType":    "text/html",
		"published":    published,
		"tag":          []any{map[string]any{"type": "Mention", "href": to.IRI, "name": to.Handle()}},
	}
	if inReplyTo != "" {
		note["inReplyTo"] = inReplyTo
	}
	if topic != "" {
		note["context"] = topic
	}
	iri := f.answerIRI("Create", noteID)
	body, err := json.Marshal(map[string]any{
		"@context":  ActivityStreamsContext,
		"id":        iri,
		"type":      "Create",
		"actor":     actorID,
		"to":        []string{to.IRI},
		"cc":        []string{},
		"published": published,
		"object":    note,
	})
	if err != nil {
		return err
	}
	return f.sendAs(ctx, personID, &vestiging.Activity{IRI: iri, Type: "Create", ObjectIRI: noteID, JSON: body}, []string{to.Inbox})
}

// tellOrigin sends a resident's Join of another library's event, or their
// Leave once they cancelled here, from their Person actor to the event's
// origin.
func (f *Federator) tellOrigin(ctx context.Context, notice string, r *vestiging.Registration, e *vestiging.Event) error {
	if notice != vestiging.NoticeJoin && notice != vestiging.NoticeLeave {
		return vestiging.Errorf(vestiging.EINVALID, "A resident's registration elsewhere is told by mail.")
	}
	p, err := f.cfg.Services.Person(ctx, r.PersonID)
	if err != nil {
		return err
	}
	if p.Handle == "" {
		return vestiging.Errorf(vestiging.EFORBIDDEN, "A resident without a handle cannot join another library's activity.")
	}
	_, err = f.joinOrLeave(ctx, notice, r, e, p.ID, p.Handle)
	return err
}

// joinOrLeave sends the Join or Leave of registration r for event e, held
// at another library, as the resident personID with handle (who may be
// gone already), and returns the origin's inbox it went to; "" when
// nothing was sent: a Join whose registration is no longer pending, or a
// Leave before any Join was sent.
func (f *Federator) joinOrLeave(ctx context.Context, notice string, r *vestiging.Registration, e *vestiging.Event, personID int64, handle string) (string, error) {
	origin := e.Origin
	if origin == nil {
		if e.OriginID == nil {
			return "", vestiging.Errorf(vestiging.EINVALID, "The event %s has no origin.", e.IRI)
		}
		var err error
		if origin, err = f.cfg.Federation.Actor(ctx, *e.OriginID); err != nil {
			return "", err
		}
	}
	join := f.joinIRI(r)
	typ, iri := "Join", join
	if notice == vestiging.NoticeLeave {
		typ, iri = "Leave", f.answerIRI("Leave", join)
		if _, err := f.cfg.Federation.ActivityByIRI(ctx, join); vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
			return "", nil // the Join never left: nobody to tell
		} else if err != nil {
			return "", err
		}
	} else if r.State != vestiging.RegistrationPending {
		return "", nil
	}
	if _, err := f.personKey(ctx, personID, true); err != nil {
		return "", err
	}
	body, err := json.Marshal(map[string]any{
		"@context": ActivityStreamsContext,
		"id":       iri,
		"type":     typ,
		"actor":    PersonActorID(f.cfg.BaseURL, handle),
		"object":   e.IRI,
		"to":       []string{origin.IRI},
	})
	if err != nil {
		return "", err
	}
	err = f.sendAs(ctx, personID, &vestiging.Activity{IRI: iri, Type: typ, ObjectIRI: e.IRI, JSON: body}, []string{origin.Inbox})
	if err != nil {
		return "", err
	}
	return origin.Inbox, nil
}

// registrantsWorker tells everyone signed up for an event of a reminder,
// a change or a cancellation.
type registrantsWorker struct {
	river.WorkerDefaults[vestiging.RegistrantsJob]
	f *Federator
}

func (w *registrantsWorker) Work(ctx context.Context, job *river.Job[vestiging.RegistrantsJob]) error {
	err := w.f.tellRegistrants(ctx, job.Args, fmt.Sprintf("%s %d", job.Kind, job.ID))
	if err != nil && isPermanent(err) {
		return river.JobCancel(err)
	}
	return err
}

// tellRegistrants queues one notice per active registration of a local
// event: RegistrationMailJob for people and guests, ParticipationJob for
// remote actors. A reminder goes to those with a place, and not at all
// when the event is no longer published or starts at another time than
// the job says (it moved, and a new reminder was queued); a change goes
// to those with a place or on the waitlist, unless the event moved again.
// key names the job that runs it: run again, it queues nothing twice.
func (f *Federator) tellRegistrants(ctx context.Context, j vestiging.RegistrantsJob, key string) error {
	e, err := f.cfg.Services.Event(ctx, j.EventID)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return nil // deleted, with its registrations
	}
	if err != nil {
		return fmt.Errorf("registrants of %d: %w", j.EventID, err)
	}
	if e.Remote() {
		return vestiging.Errorf(vestiging.EINVALID, "Registrants of a remote event hear from its library.")
	}
	switch j.Notice {
	case vestiging.NoticeReminder:
		if e.Status != vestiging.StatusPublished || !e.StartsAt.Equal(j.StartsAt) {
			f.log.Debug("registrants: reminder skipped", "event", e.ID, "status", e.Status, "start", e.StartsAt, "job start", j.StartsAt)
			return nil
		}
	case vestiging.NoticeChanged:
		if !e.StartsAt.Equal(j.StartsAt) {
			return nil
		}
	case vestiging.NoticeLinkChanged:
		if e.Status != vestiging.StatusPublished || !e.EndsAt.After(f.now()) {
			return nil
		}
	case vestiging.NoticeEventOff, vestiging.NoticeEventBack:
	default:
		return vestiging.Errorf(vestiging.EINVALID, "Unknown notice %q for registrants.", j.Notice)
	}
	var jobs []vestiging.JobArgs
	states, _ := vestiging.NoticeStates(j.Notice)
	for _, state := range states {
		for offset := 0; ; {
			list, total, err := f.cfg.Services.Registrations(ctx, vestiging.RegistrationFilter{
				EventID: e.ID, State: state, Offset: offset, Limit: vestiging.MaxPageSize})
			if err != nil {
				return fmt.Errorf("registrants of %d: %w", e.ID, err)
			}
			for _, r := range list {
				if r.ActorID != 0 {
					jobs = append(jobs, vestiging.ParticipationJob{RegistrationID: r.ID, Notice: j.Notice, Key: key})
				} else {
					jobs = append(jobs, vestiging.RegistrationMailJob{RegistrationID: r.ID, Notice: j.Notice, Key: key})
				}
			}
			if offset += len(list); len(list) == 0 || offset >= total {
				break
			}
		}
	}
	for _, job := range jobs {
		if err := f.cfg.Services.InsertJob(ctx, job); err != nil {
			return fmt.Errorf("registrants of %d: %w", e.ID, err)
		}
	}
	return nil
}

// eventCountsWorker sends followers an Update of an event whose counts
// changed.
type eventCountsWorker struct {
	river.WorkerDefaults[vestiging.EventCountsJob]
	f *Federator
}

// Work publishes the Update through the normal publish path, stamped with
// the job's time rather than now, so a retried job builds the same
// activity and sends it once.
func (w *eventCountsWorker) Work(ctx context.Context, job *river.Job[vestiging.EventCountsJob]) error {
	e, err := w.f.cfg.Services.Event(ctx, job.Args.EventID)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND || err == nil && e.Remote() {
		return nil
	}
	if err != nil {
		return fmt.Errorf("event counts %d: %w", job.Args.EventID, err)
	}
	at := job.Args.RunAt
	if at.IsZero() {
		at = job.CreatedAt
	}
	return w.f.publish(ctx, vestiging.PublishJob{Object: e.Kind, ID: e.ID, Action: "Update", At: at})
}
