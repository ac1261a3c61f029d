package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/vestiging/vestiging"
)

// Reporter reports remote content to the server it came from (a Flag from
// the library actor), storing it as an outgoing report.
type Reporter interface {
	SendReport(ctx context.Context, r *vestiging.Report, by *vestiging.AuditEntry) error
}

// moderationRoutes adds the staff's moderation queue and audit log. The
// /staff tree is mounted in New; these routes sit beside it.
func (s *Server) moderationRoutes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(s.requireStaff)
		r.Get("/staff/moderation", s.moderationPage)
		r.Post("/staff/moderation/offers/{id}/{action}", s.moderateOfferAction)
		r.Post("/staff/moderation/replies/{id}/{action}", s.moderateReply)
		r.Post("/staff/moderation/events/{id}/{action}", s.moderateEvent)
		r.Post("/staff/moderation/reports/{id}/resolve", s.resolveReport)
		r.Post("/staff/moderation/actors/{id}", s.moderateActor)
		r.Post("/staff/moderation/hide", s.hideRemote)
		r.Post("/staff/moderation/report", s.reportRemote)
		r.Get("/staff/audit", s.auditPage)
	})
}

type moderationData struct {
	Offers      []*vestiging.Offer
	OfferTotal  int
	Replies     []*vestiging.Reply
	ReplyTotal  int
	Events      []*vestiging.Event
	EventTotal  int
	Reports     []*vestiging.Report
	ReportTotal int
	Actors      []*vestiging.ModeratedActor
	Done        string // what was just done, for the status line
}

// moderationPage is the queue: what waits for approval, the open reports
// and the actors blocked or silenced.
func (s *Server) moderationPage(w http.ResponseWriter, r *http.Request) {
	s.renderModeration(w, r, http.StatusOK, newForm(nil))
}

func (s *Server) renderModeration(w http.ResponseWriter, r *http.Request, status int, f *form) {
	ctx := r.Context()
	limit := vestiging.MaxPageSize
	data := moderationData{Done: r.URL.Query().Get("done")}
	var err error
	if data.Offers, data.OfferTotal, err = s.svc.FindOffers(ctx, vestiging.OfferFilter{Status: vestiging.OfferPending, Limit: limit}); err != nil {
		s.fail(w, r, fmt.Errorf("moderation offers: %w", err))
		return
	}
	if data.Replies, data.ReplyTotal, err = s.svc.Replies(ctx, vestiging.ReplyFilter{Status: vestiging.ReplyPending, Limit: limit}); err != nil {
		s.fail(w, r, fmt.Errorf("moderation replies: %w", err))
		return
	}
	if data.Events, data.EventTotal, err = s.svc.FindEvents(ctx, vestiging.EventFilter{Statuses: []string{vestiging.StatusPending},
		Source: vestiging.SourceLocal, Limit: limit}); err != nil {
		s.fail(w, r, fmt.Errorf("moderation events: %w", err))
		return
	}
	if data.Reports, data.ReportTotal, err = s.svc.Reports(ctx, vestiging.ReportOpen, 0, limit); err != nil {
		s.fail(w, r, fmt.Errorf("moderation reports: %w", err))
		return
	}
	if data.Actors, err = s.svc.ModeratedActors(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("moderation actors: %w", err))
		return
	}
	p := s.newPage(r, data)
	p.Form = f
	if p.Themes, err = s.svc.Themes(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("moderation themes: %w", err))
		return
	}
	s.render(w, r, status, "moderation", p)
}

// moderation is one staff action read from a form: the audit entry to
// write and where to go afterwards.
type moderation struct {
	audit *vestiging.AuditEntry
	back  string
	form  *form
}

// readModeration parses the form of an action on target. A reason is
// needed when required (what the author or the log must be told); the
// form's field for it is field. It renders the refusal itself.
func (s *Server) readModeration(w http.ResponseWriter, r *http.Request, action, target, field string, required bool) (*moderation, bool) {
	if !s.parseForm(w, r) {
		return nil, false
	}
	f := newForm(r.PostForm)
	reason := strings.TrimSpace(f.Get("reason"))
	switch {
	case required && reason == "":
		f.Add(field, "Give a reason; it is kept in the log and shown to the author where there is one.")
	case len(reason) > 1000:
		f.Add(field, "This text is too long.")
	}
	if !f.Valid() {
		f.Set(field, reason)
		s.renderModeration(w, r, http.StatusUnprocessableEntity, f)
		return nil, false
	}
	back := safeNext(f.Get("back"))
	if back == "" {
		back = "/staff/moderation"
	}
	return &moderation{form: f, back: back, audit: s.auditEntry(r, action, target, reason)}, true
}

// auditEntry is the log's record of the signed-in staff member's action.
func (s *Server) auditEntry(r *http.Request, action, target, reason string) *vestiging.AuditEntry {
	return &vestiging.AuditEntry{PersonID: personFrom(r.Context()).ID, Action: action, Target: target, Reason: reason, CreatedAt: s.now()}
}

// done redirects after an action; the moderation page says what was done.
func (s *Server) done(w http.ResponseWriter, r *http.Request, m *moderation) {
	to := m.back
	if to == "/staff/moderation" {
		to += "?done=" + m.audit.Action
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// moderationAction reads the {action} of the path, one of allowed.
func moderationAction(r *http.Request, allowed ...string) (string, error) {
	a := chi.URLParam(r, "action")
	for _, x := range allowed {
		if a == x {
			return a, nil
		}
	}
	return "", vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
}

func (s *Server) moderateOfferAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	action, err := moderationAction(r, "approve", "reject")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, ok := s.readModeration(w, r, "offer."+action, fmt.Sprintf("/offers/%d", id), fmt.Sprintf("reason-offer-%d", id), action == "reject")
	if !ok {
		return
	}
	status := vestiging.OfferApproved
	if action == "reject" {
		status = vestiging.OfferRejected
	}
	if err := s.svc.SetOfferStatus(r.Context(), id, status, m.audit.Reason, m.audit); err != nil {
		s.fail(w, r, fmt.Errorf("offer %d to %s: %w", id, status, err))
		return
	}
	s.done(w, r, m)
}

func (s *Server) moderateReply(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	action, err := moderationAction(r, "approve", "reject", "remove")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, ok := s.readModeration(w, r, "reply."+action, fmt.Sprintf("reply %d", id), fmt.Sprintf("reason-reply-%d", id), action != "approve")
	if !ok {
		return
	}
	status := map[string]string{"approve": vestiging.ReplyApproved, "reject": vestiging.ReplyRejected, "remove": vestiging.ReplyRemoved}[action]
	if err := s.svc.SetReplyStatus(r.Context(), id, status, m.audit.Reason, m.audit); err != nil {
		s.fail(w, r, fmt.Errorf("reply %d to %s: %w", id, status, err))
		return
	}
	s.done(w, r, m)
}

// moderateEvent approves a partner's proposed activity, which publishes it,
// or rejects it back to a draft and mails the partner why.
func (s *Server) moderateEvent(w http.ResponseWriter, r *http.Request) {
	e, err := s.staffEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	action, err := moderationAction(r, "approve", "reject")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if e.Status != vestiging.StatusPending {
		s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "This activity is not waiting for approval."))
		return
	}
	m, ok := s.readModeration(w, r, "event."+action, eventPath(e), fmt.Sprintf("reason-event-%d", e.ID), action == "reject")
	if !ok {
		return
	}
	if e, err = s.svc.ReviewEvent(r.Context(), e.ID, action == "approve", m.audit); err != nil {
		s.fail(w, r, fmt.Errorf("event %s: %w", action, err))
		return
	}
	if e.PartnerID != nil {
		if err := s.tellPartner(r.Context(), *e.PartnerID, e, action, m.audit.Reason); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.done(w, r, m)
}

// tellPartner mails a partner the outcome for their proposed activity.
func (s *Server) tellPartner(ctx context.Context, partnerID int64, e *vestiging.Event, action, reason string) error {
	p, err := s.svc.Person(ctx, partnerID)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return nil // the partner account is gone; the activity stays the library's
	}
	if err != nil {
		return fmt.Errorf("partner %d of event %d: %w", partnerID, e.ID, err)
	}
	lang := langFrom(ctx)
	if action == "approve" {
		return s.queueMail(ctx, s.accountMail(ctx, lang, p.Email, p.DisplayName, "Your activity is published",
			para("The library published “%s”:", e.Title), para("%s", s.link(eventPath(e), nil))), "")
	}
	return s.queueMail(ctx, s.accountMail(ctx, lang, p.Email, p.DisplayName, "Your activity was not published",
		para("The library did not publish “%s”. The reason:", e.Title), para("%s", reason),
		para("You can propose it again with changes.")), "")
}

func (s *Server) resolveReport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, ok := s.readModeration(w, r, "report.resolve", fmt.Sprintf("report %d", id), fmt.Sprintf("reason-report-%d", id), false)
	if !ok {
		return
	}
	if err := s.svc.SetReportStatus(r.Context(), id, vestiging.ReportResolved, m.audit); err != nil {
		s.fail(w, r, fmt.Errorf("resolve report %d: %w", id, err))
		return
	}
	s.done(w, r, m)
}

// moderateActor blocks, silences or (mode "") lifts the rule on a remote actor.
func (s *Server) moderateActor(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "The form could not be read."))
		return
	}
	mode := r.PostForm.Get("mode")
	action := map[string]string{vestiging.ModerationBlock: "actor.block", vestiging.ModerationSilence: "actor.silence",
		vestiging.ModerationNone: "actor.lift"}[mode]
	if action == "" {
		s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "Choose block, silence or lift."))
		return
	}
	target := fmt.Sprintf("actor %d", id)
	if s.fed != nil {
		if a, err := s.fed.Actor(r.Context(), id); err == nil {
			target = a.IRI
		} else if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
			s.fail(w, r, fmt.Errorf("actor %d: %w", id, err))
			return
		}
	}
	m, ok := s.readModeration(w, r, action, target, fmt.Sprintf("reason-actor-%d", id), mode != vestiging.ModerationNone)
	if !ok {
		return
	}
	if err := s.svc.SetActorModeration(r.Context(), id, mode, m.audit); err != nil {
		s.fail(w, r, fmt.Errorf("actor %d to %q: %w", id, mode, err))
		return
	}
	s.done(w, r, m)
}

// hideRemote removes a remote event, offer or reply from this site (or,
// with show=1, shows it again); the origin keeps it.
func (s *Server) hideRemote(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "The form could not be read."))
		return
	}
	iri := strings.TrimSpace(r.PostForm.Get("iri"))
	if iri == "" {
		s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "Say what to remove."))
		return
	}
	show := r.PostForm.Get("show") != ""
	action := "remote.hide"
	if show {
		action = "remote.show"
	}
	m, ok := s.readModeration(w, r, action, iri, "reason-hide", !show)
	if !ok {
		return
	}
	if err := s.svc.HideRemoteObject(r.Context(), iri, !show, m.audit); err != nil {
		s.fail(w, r, fmt.Errorf("hide %s: %w", iri, err))
		return
	}
	s.done(w, r, m)
}

// reportRemote reports a remote offer or reply to the server it came from.
func (s *Server) reportRemote(w http.ResponseWriter, r *http.Request) {
	if s.reports == nil {
		s.fail(w, r, vestiging.Errorf(vestiging.ENOTIMPLEMENT, "Reporting to other servers needs federation."))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "The form could not be read."))
		return
	}
	ctx := r.Context()
	report, err := s.remoteReport(ctx, r.PostForm)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, ok := s.readModeration(w, r, "report.send", report.Targets[0], "reason-send", true)
	if !ok {
		return
	}
	report.Content = m.audit.Reason
	if err := s.reports.SendReport(ctx, report, m.audit); err != nil {
		s.fail(w, r, fmt.Errorf("report %s: %w", report.Targets[0], err))
		return
	}
	s.done(w, r, m)
}

// remoteReport builds the report of the remote event, offer or reply the
// form names: the item (and its author), to the server that sent it.
func (s *Server) remoteReport(ctx context.Context, form url.Values) (*vestiging.Report, error) {
	// Each kind of item gives its IRI, the actor its report goes to (0: not
	// from another server) and its author, when that is someone else.
	kinds := []struct {
		name string
		load func(id int64) (iri string, to int64, author *vestiging.Actor, err error)
	}{
		{"event", func(id int64) (string, int64, *vestiging.Actor, error) {
			e, err := s.svc.Event(ctx, id)
			if err != nil || !e.Remote() || e.OriginID == nil {
				return "", 0, nil, err
			}
			return e.IRI, *e.OriginID, nil, nil
		}},
		{"offer", func(id int64) (string, int64, *vestiging.Actor, error) {
			o, err := s.svc.Offer(ctx, id)
			if err != nil || !o.Remote() || o.OriginID == nil {
				return "", 0, nil, err
			}
			return o.IRI, *o.OriginID, o.AuthorActor, nil
		}},
		{"reply", func(id int64) (string, int64, *vestiging.Actor, error) {
			reply, err := s.svc.Reply(ctx, id)
			if err != nil {
				return "", 0, nil, err
			}
			return reply.IRI, reply.ActorID, reply.Actor, nil
		}},
	}
	for _, k := range kinds {
		if form.Get(k.name) == "" {
			continue
		}
		id, err := strconv.ParseInt(form.Get(k.name), 10, 64)
		if err != nil || id < 1 {
			return nil, vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
		}
		iri, to, author, err := k.load(id)
		if err != nil {
			return nil, fmt.Errorf("report %s %d: %w", k.name, id, err)
		}
		if to == 0 {
			return nil, vestiging.Errorf(vestiging.EINVALID, "Only content from other servers can be reported to them.")
		}
		report := &vestiging.Report{Outgoing: true, PersonID: personFrom(ctx).ID, Targets: []string{iri}, ToActorID: to}
		if author != nil {
			report.Targets = append(report.Targets, author.IRI)
		}
		return report, nil
	}
	return nil, vestiging.Errorf(vestiging.EINVALID, "Say what to report.")
}

type auditData struct {
	Entries []*vestiging.AuditEntry
	Actions map[string]string
	Paging  paging
}

// Link is the page of what an entry concerns, when it has one here.
func (auditData) Link(e *vestiging.AuditEntry) string {
	kind, id, _ := strings.Cut(e.Target, " ")
	if _, err := strconv.ParseInt(id, 10, 64); err != nil || e.Action == "event.delete" || e.Action == "page.delete" {
		return ""
	}
	switch kind {
	case "event":
		return "/events/" + id // a course's page redirects from there
	case "offer":
		return "/offers/" + id
	case "page": // its address may have changed since
		return "/staff/pages/" + id + "/edit"
	}
	return ""
}

// auditPage is the log of moderation and of the programme: who did what,
// when and why.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, offset, err := pageNumber(q, vestiging.DefaultPageSize)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := auditData{Actions: auditActions}
	var total int
	if data.Entries, total, err = s.svc.AuditLog(r.Context(), offset, vestiging.DefaultPageSize); err != nil {
		s.fail(w, r, fmt.Errorf("audit log: %w", err))
		return
	}
	data.Paging = newPaging("/staff/audit", q, page, vestiging.DefaultPageSize, total)
	s.render(w, r, http.StatusOK, "audit", s.newPage(r, data))
}

// auditActions names the logged actions for the audit page (English catalog keys).
var auditActions = map[string]string{
	"offer.approve":     "Offer approved",
	"offer.reject":      "Offer rejected",
	"reply.approve":     "Reply approved",
	"reply.reject":      "Reply rejected",
	"reply.remove":      "Reply removed",
	"event.approve":     "Partner activity approved",
	"event.reject":      "Partner activity rejected",
	"report.resolve":    "Report resolved",
	"report.send":       "Reported to another server",
	"actor.block":       "Account blocked",
	"actor.silence":     "Account silenced",
	"actor.lift":        "Block or silence lifted",
	"remote.hide":       "Removed from this site",
	"remote.show":       "Shown again on this site",
	"domain.block":      "Domain blocked",
	"domain.silence":    "Domain silenced",
	"domain.allow":      "Domain allowed",
	"domain.lift":       "Domain rule removed",
	"event.publish":     "Activity published",
	"event.cancel":      "Activity cancelled",
	"event.delete":      "Activity deleted",
	"event.time":        "Time changed",
	"event.place":       "Place changed",
	"event.link":        "Online link replaced",
	"event.capacity":    "Places changed",
	"registration.move": "Registration moved",
	"page.create":       "Page written",
	"page.update":       "Page changed",
	"page.delete":       "Page deleted",
}

// setModerationSettings fills the library form's moderation settings.
func setModerationSettings(f *form, lib *vestiging.Library) {
	if lib.RepliesNeedApproval {
		f.Set("replies_need_approval", "1")
	}
	if lib.OfferEditsNeedReview {
		f.Set("offer_edits_need_review", "1")
	}
	f.Set("first_posts_reviewed", strconv.Itoa(lib.FirstPostsReviewed))
}

// readModerationSettings copies the library form's moderation settings into lib.
func readModerationSettings(f *form, lib *vestiging.Library) {
	lib.RepliesNeedApproval = f.Get("replies_need_approval") != ""
	lib.OfferEditsNeedReview = f.Get("offer_edits_need_review") != ""
	lib.FirstPostsReviewed = 0
	if v := strings.TrimSpace(f.Get("first_posts_reviewed")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.Add("first_posts_reviewed", "Give a number from 0 to 100.")
		}
		lib.FirstPostsReviewed = n
	}
}
