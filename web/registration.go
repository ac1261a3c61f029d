package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/xuri/excelize/v2"

	"github.com/vestiging/vestiging"
)

// Registrations on the web: the sign-up part of event and course pages,
// the links from the mails, a resident's own list and the staff's attendee
// list. Who signed up is shown only to the library's staff and to the
// person themselves; public pages and the JSON API show counts, never names.

// registrationRoutes adds sign-up, cancel and the staff attendee pages.
func (s *Server) registrationRoutes(r chi.Router) {
	// A guest sign-up sends a mail: as limited as the account sign-up.
	guestLimit := s.limit("guest-signup", 10, time.Minute, visitor, tooManyAttempts, s.fail)
	for _, kind := range []string{"/events", "/courses"} {
		r.Post(kind+"/{id}/register", s.register)
		r.Get(kind+"/{id}/join", s.joinMeeting)
		r.With(guestLimit).Post(kind+"/{id}/register/guest", s.registerGuest)
	}
	// Links from mails: GET shows a button, POST acts, because mail
	// scanners follow every link they see.
	r.Get("/registrations/confirm", s.linkPage(linkConfirm))
	r.Post("/registrations/confirm", s.confirmGuest)
	r.Get("/registrations/cancel", s.linkPage(linkCancel))
	r.Post("/registrations/cancel", s.cancelByLink)

	account := r.With(s.requireAccount)
	account.Get("/account/registrations", s.myRegistrations)
	account.Post("/account/registrations/{rid}/cancel", s.cancelMine)

	staff := r.With(s.requireStaff)
	staff.Get("/staff/events/{id}/attendees", s.attendees)
	staff.Get("/staff/events/{id}/attendees.csv", s.attendeesCSV)
	staff.Get("/staff/events/{id}/attendees.xlsx", s.attendeesXLSX)
	staff.Post("/staff/events/{id}/attendees/{rid}/checkin", s.checkIn)
	staff.Post("/staff/events/{id}/attendees/{rid}/move", s.moveAttendee)
	staff.Post("/staff/events/{id}/capacity", s.setCapacity)
	staff.Post("/staff/events/{id}/signup", s.openOrClose)
}

// signupView is what the sign-up part of an event or course page shows.
type signupView struct {
	Event    *vestiging.Event
	Mine     *vestiging.Registration // the signed-in person's latest registration, if any
	Position int                     // Mine's number on the waitlist, from 1
	Left     int                     // places left, when the event has a capacity
	Ended    bool
	Guests   bool  // someone without an account may sign up here
	Form     *form // the sign-up form (a resident's or a guest's), with its errors
	Staff    bool  // the visitor may see the attendee list
	// JoinURL is the way into the online meeting of one of ours, for the
	// visitor with a place (an online one, at a hybrid event).
	JoinURL string
	// Hybrid: the sign-up asks for a place in the library or online, each
	// with its own places left (LeftOnline for the online ones).
	Hybrid     bool
	LeftOnline int
}

// Full reports whether every place is taken (of both kinds, at a hybrid event).
func (v *signupView) Full() bool {
	return v.Event.Capacity > 0 && v.Left == 0 && (!v.Hybrid || v.LeftOnline == 0)
}

// Attendance says which kind of place Mine has at a hybrid event; "" at another.
func (v *signupView) Attendance() string {
	if !v.Hybrid || v.Mine == nil {
		return ""
	}
	return attendanceText(v.Mine)
}

// attendanceText says which kind of place reg has, or asks for, at a
// hybrid event.
func attendanceText(reg *vestiging.Registration) string {
	switch {
	case reg.Attendance == vestiging.AttendanceOnline && reg.Holds():
		return "You have a place online."
	case reg.Attendance == vestiging.AttendanceOnline:
		return "You signed up for a place online."
	case reg.Holds():
		return "You have a place in the library."
	}
	return "You signed up for a place in the library."
}

// signupFormKey holds, in a request's context, the sign-up form sent back
// with its errors: the event page's renderer, shared with the replies,
// then needs no parameter for it.
type signupFormKey struct{}

// signupFor builds the sign-up part for the visitor of r.
func (s *Server) signupFor(r *http.Request, e *vestiging.Event) (*signupView, error) {
	ctx := r.Context()
	f, _ := ctx.Value(signupFormKey{}).(*form)
	if f == nil {
		f = newForm(nil)
	}
	v := &signupView{Event: e, Form: f, Ended: !e.EndsAt.After(s.now())}
	if e.Capacity > 0 {
		v.Left = max(0, e.Capacity-e.Participants)
	}
	if v.Hybrid = e.Hybrid() && !e.Remote(); v.Hybrid {
		v.LeftOnline = e.Left(vestiging.AttendanceOnline)
	}
	me := personFrom(ctx)
	v.Staff = me.IsStaff() && !e.Remote() && e.RegistrationMode == vestiging.RegistrationOpen
	if e.RegistrationMode != vestiging.RegistrationOpen {
		return v, nil
	}
	if me == nil {
		if !e.Remote() {
			lib, err := s.svc.Library(ctx)
			if err != nil {
				return nil, fmt.Errorf("library for sign-up: %w", err)
			}
			v.Guests = lib.AllowGuests
		}
		return v, nil
	}
	mine, err := s.ownRegistration(ctx, e.ID, me.ID)
	switch vestiging.ErrorCode(err) {
	case "":
		v.Mine = mine
	case vestiging.ENOTFOUND:
		return v, nil
	default:
		return nil, err
	}
	if mine.Holds() && !e.Remote() && mine.Online(e) {
		v.JoinURL = joinPath(e, "")
	}
	// Another library's waitlist is its own: we know only our residents' places in it.
	if mine.State == vestiging.RegistrationWaitlisted && !e.Remote() {
		if v.Position, err = s.waitlistPosition(ctx, mine); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// ownRegistration is the person's active registration for the event, or
// else their refused one (so a resident sees the answer another library
// gave), or ENOTFOUND.
func (s *Server) ownRegistration(ctx context.Context, eventID, personID int64) (*vestiging.Registration, error) {
	reg, err := s.svc.ActiveRegistration(ctx, eventID, personID, 0)
	switch vestiging.ErrorCode(err) {
	case "":
		return reg, nil
	case vestiging.ENOTFOUND:
	default:
		return nil, fmt.Errorf("registration of person %d for event %d: %w", personID, eventID, err)
	}
	regs, _, err := s.svc.Registrations(ctx, vestiging.RegistrationFilter{EventID: eventID, PersonID: personID,
		State: vestiging.RegistrationRejected, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("refused registrations of person %d for event %d: %w", personID, eventID, err)
	}
	if len(regs) == 0 || regs[0].PersonID != personID || regs[0].EventID != eventID {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "Registration not found.")
	}
	return regs[0], nil
}

// waitlistPosition is reg's number on its event's waitlist, from 1.
func (s *Server) waitlistPosition(ctx context.Context, reg *vestiging.Registration) (int, error) {
	waiting, err := s.allRegistrations(ctx, vestiging.RegistrationFilter{EventID: reg.EventID, State: vestiging.RegistrationWaitlisted})
	if err != nil {
		return 0, err
	}
	// Each kind of place at a hybrid event has its own waitlist.
	n := 0
	for _, w := range waiting {
		if w.Attendance != reg.Attendance {
			continue
		}
		if n++; w.ID == reg.ID {
			return n, nil
		}
	}
	return 0, nil
}

// allRegistrations reads every page of f: an attendee list and a person's
// registrations are shown and exported whole.
func (s *Server) allRegistrations(ctx context.Context, f vestiging.RegistrationFilter) ([]*vestiging.Registration, error) {
	f.Limit = vestiging.MaxPageSize
	var out []*vestiging.Registration
	for f.Offset = 0; f.Offset <= vestiging.MaxOffset; f.Offset += f.Limit {
		page, total, err := s.svc.Registrations(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("registrations (event %d, person %d): %w", f.EventID, f.PersonID, err)
		}
		out = append(out, page...)
		if len(page) < f.Limit || f.Offset+len(page) >= total {
			break
		}
	}
	return out, nil
}

// register signs the signed-in resident up: for one of ours, or for
// another library's event, where the store sends the Join and the page
// shows the answer once it arrives.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	e, err := s.publicEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	me := personFrom(ctx)
	if me == nil {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(eventPath(e)), http.StatusSeeOther)
		return
	}
	if !me.Confirmed() {
		s.errorPage(w, r, http.StatusForbidden, "Confirm your email address before you sign up for activities.")
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	token, _ := vestiging.NewToken()
	reg := &vestiging.Registration{EventID: e.ID, PersonID: me.ID, CancelToken: token, Answers: readAnswers(f, e),
		Attendance: f.Get("attendance")}
	f.AddDomain(answerErrors(e, reg.Answers))
	if f.Valid() { // err is nil here: publicEvent's was handled
		err = s.svc.Register(ctx, reg)
		if fields := vestiging.FieldErrors(err); vestiging.ErrorCode(err) == vestiging.EINVALID && fields != nil {
			f.AddDomain(fields)
		}
	}
	if !f.Valid() {
		s.renderEvent(w, r.WithContext(context.WithValue(ctx, signupFormKey{}, f)), http.StatusUnprocessableEntity, e, nil)
		return
	}
	if err != nil {
		if vestiging.ErrorCode(err) == vestiging.ECONFLICT {
			s.noticePage(w, r, http.StatusConflict, notice{Title: "You are already signed up",
				Message: "You are already signed up for this activity.", LinkURL: eventPath(e), LinkText: "Back to the activity"})
			return
		}
		s.fail(w, r, fmt.Errorf("register person %d for event %d: %w", me.ID, e.ID, err))
		return
	}
	http.Redirect(w, r, eventPath(e)+"#registration", http.StatusSeeOther)
}

// registerGuest signs up someone without an account: pending, with a mail
// to confirm the address. A known address gets the same page as a new one,
// so the form tells nobody who signed up.
func (s *Server) registerGuest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	e, err := s.publicEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	lib, err := s.svc.Library(ctx)
	if err != nil {
		s.fail(w, r, fmt.Errorf("library for guest sign-up: %w", err))
		return
	}
	if !lib.AllowGuests || e.Remote() || e.RegistrationMode != vestiging.RegistrationOpen {
		s.errorPage(w, r, http.StatusForbidden, "Sign in to register for this activity.")
		return
	}
	f := newForm(r.PostForm)
	token, _ := vestiging.NewToken()
	reg := &vestiging.Registration{EventID: e.ID, GuestName: f.Get("name"), GuestEmail: f.Get("email"), CancelToken: token,
		Answers: readAnswers(f, e), Attendance: f.Get("attendance")}
	if strings.TrimSpace(reg.GuestName) == "" {
		f.Add("name", "This field is required.")
	}
	f.AddDomain(vestiging.FieldErrors(reg.Validate()))
	f.AddDomain(answerErrors(e, reg.Answers))
	if f.Valid() {
		err = s.svc.Register(ctx, reg)
		switch code := vestiging.ErrorCode(err); {
		case code == "" || code == vestiging.ECONFLICT:
			s.noticePage(w, r, http.StatusOK, notice{Title: "Check your email",
				Message: "We sent a mail to %s. Open the link in it to confirm your registration; until then no place is held for you.",
				Arg:     reg.GuestEmail, LinkURL: eventPath(e), LinkText: "Back to the activity"})
			return
		case code == vestiging.EINVALID && vestiging.FieldErrors(err) != nil:
			f.AddDomain(vestiging.FieldErrors(err))
		default:
			s.fail(w, r, fmt.Errorf("register guest for event %d: %w", e.ID, err))
			return
		}
	}
	r = r.WithContext(context.WithValue(ctx, signupFormKey{}, f))
	s.renderEvent(w, r, http.StatusUnprocessableEntity, e, nil)
}

// The two kinds of links in the mails.
const (
	linkConfirm = "confirm"
	linkCancel  = "cancel"
)

// linkData is the page behind a mail's link: what it does and its button.
type linkData struct {
	Kind      string
	Token     string
	Event     *vestiging.Event
	StateName string
}

// tokenRegistration finds the registration of a link's token and its
// event; an unknown token is a 404 page, one spent already a 410 page.
// It reports false when it has answered.
func (s *Server) tokenRegistration(w http.ResponseWriter, r *http.Request, kind, token string) (*vestiging.Registration, *vestiging.Event, bool) {
	ctx := r.Context()
	var reg *vestiging.Registration
	var err error = vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	if token != "" {
		reg, err = s.svc.RegistrationByToken(ctx, vestiging.HashToken(token))
	}
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		s.noticePage(w, r, http.StatusNotFound, notice{Title: "Unknown link",
			Message: "We do not know this link. Check that you copied the whole address from the mail.", LinkURL: "/agenda", LinkText: "Agenda"})
		return nil, nil, false
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("registration by token: %w", err))
		return nil, nil, false
	}
	e, err := s.svc.Event(ctx, reg.EventID)
	if err != nil {
		s.fail(w, r, fmt.Errorf("event %d of registration %d: %w", reg.EventID, reg.ID, err))
		return nil, nil, false
	}
	spent := !reg.Active() || kind == linkConfirm && reg.State != vestiging.RegistrationPending
	if spent {
		s.linkGone(w, r, kind, e)
		return nil, nil, false
	}
	return reg, e, true
}

// linkGone answers a link used before: 410, nothing changed.
func (s *Server) linkGone(w http.ResponseWriter, r *http.Request, kind string, e *vestiging.Event) {
	msg := "This registration has already been cancelled; the link no longer works."
	if kind == linkConfirm {
		msg = "This link has already been used, or the registration was cancelled."
	}
	s.noticePage(w, r, http.StatusGone, notice{Title: "This link no longer works", Message: msg,
		LinkURL: eventPath(e), LinkText: "Back to the activity"})
}

// linkPage shows what a mail's link will do, with the button that does it.
func (s *Server) linkPage(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.URL.Query().Get("token")
		reg, e, ok := s.tokenRegistration(w, r, kind, token)
		if !ok {
			return
		}
		s.render(w, r, http.StatusOK, "registration_link", s.newPage(r, linkData{Kind: kind, Token: token, Event: e,
			StateName: stateNames[reg.State]}))
	}
}

// confirmGuest turns a guest's pending registration into a place or a
// waitlist entry.
func (s *Server) confirmGuest(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	token := r.PostForm.Get("token")
	if _, _, ok := s.tokenRegistration(w, r, linkConfirm, token); !ok {
		return
	}
	reg, err := s.svc.ConfirmGuest(r.Context(), vestiging.HashToken(token))
	if err != nil {
		s.linkFailed(w, r, linkConfirm, err)
		return
	}
	s.stateNotice(w, r, reg)
}

// linkFailed answers a store error on a link that was valid a moment ago:
// a link spent in the meantime is 410, as when it was spent before.
func (s *Server) linkFailed(w http.ResponseWriter, r *http.Request, kind string, err error) {
	if vestiging.ErrorCode(err) != vestiging.EINVALID {
		s.fail(w, r, fmt.Errorf("%s link: %w", kind, err))
		return
	}
	s.noticePage(w, r, http.StatusGone, notice{Title: "This link no longer works", Message: vestiging.ErrorMessage(err),
		LinkURL: "/agenda", LinkText: "Agenda"})
}

// stateNotice tells where a registration stands after the visitor acted.
func (s *Server) stateNotice(w http.ResponseWriter, r *http.Request, reg *vestiging.Registration) {
	e, err := s.svc.Event(r.Context(), reg.EventID)
	if err != nil {
		s.fail(w, r, fmt.Errorf("event %d: %w", reg.EventID, err))
		return
	}
	n := notice{Arg: e.Title, LinkURL: eventPath(e), LinkText: "Back to the activity"}
	switch reg.State {
	case vestiging.RegistrationConfirmed:
		n.Title, n.Message = "You are registered", "You have a place at %s. We sent you a mail with the details."
	case vestiging.RegistrationWaitlisted:
		n.Title, n.Message = "You are on the waitlist", "%s is full, so you are on the waitlist. If a place frees up, you get it automatically and we mail you."
	case vestiging.RegistrationCancelled:
		n.Title, n.Message = "Your registration has been cancelled", "Your registration for %s has been cancelled. Thank you for letting us know."
	default:
		n.Title, n.Message = "No place", "Unfortunately there is no place for you at %s."
	}
	s.noticePage(w, r, http.StatusOK, n)
}

// cancelByLink cancels the registration of a mail's cancel link.
func (s *Server) cancelByLink(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	reg, _, ok := s.tokenRegistration(w, r, linkCancel, r.PostForm.Get("token"))
	if !ok {
		return
	}
	reg, err := s.svc.CancelRegistration(r.Context(), reg.ID)
	if err != nil {
		s.linkFailed(w, r, linkCancel, err)
		return
	}
	s.stateNotice(w, r, reg)
}

// registrationSection is one list on a resident's registrations page.
type registrationSection struct {
	ID, Title, Empty string // English catalog keys but ID
	Cancel           bool   // active registrations can be cancelled here
	Rows             []registrationRow
}

// registrationRow is a registration with the name of its state.
type registrationRow struct {
	*vestiging.Registration
	StateName string
}

// JoinsOnline reports whether the place lets its holder in online.
func (r registrationRow) JoinsOnline() bool { return r.Online(r.Event) }

// AttendanceText says the kind of place at a hybrid event; "" at another.
func (r registrationRow) AttendanceText() string {
	if !r.Event.Hybrid() {
		return ""
	}
	return attendanceText(r.Registration)
}

func (s *Server) myRegistrations(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	me := personFrom(ctx)
	regs, err := s.allRegistrations(ctx, vestiging.RegistrationFilter{PersonID: me.ID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Upcoming first, soonest first; then the past, latest first.
	upcoming := registrationSection{ID: "upcoming", Title: "Coming up", Empty: "You are not signed up for any upcoming activity.", Cancel: true}
	past := registrationSection{ID: "past", Title: "Past activities", Empty: "No past activities."}
	now := s.now()
	for _, reg := range regs {
		if reg.PersonID != me.ID || reg.Event == nil {
			continue // only one's own, whatever the store returns
		}
		row := registrationRow{Registration: reg, StateName: stateNames[reg.State]}
		if reg.Event.EndsAt.After(now) {
			upcoming.Rows = append(upcoming.Rows, row)
		} else {
			past.Rows = append(past.Rows, row)
		}
	}
	slices.Reverse(past.Rows)
	s.render(w, r, http.StatusOK, "my_registrations", s.newPage(r, struct{ Sections []registrationSection }{
		[]registrationSection{upcoming, past}}))
}

// cancelMine cancels one of the signed-in resident's own registrations;
// anyone else's is not found.
func (s *Server) cancelMine(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	me := personFrom(ctx)
	reg, err := s.pathRegistration(r)
	if err == nil && reg.PersonID != me.ID {
		err = vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	if _, err := s.svc.CancelRegistration(ctx, reg.ID); err != nil {
		s.fail(w, r, fmt.Errorf("cancel registration %d: %w", reg.ID, err))
		return
	}
	next := safeNext(r.PostForm.Get("back"))
	if next == "" {
		next = "/account/registrations"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// pathRegistration loads the registration whose id is {rid} in the path.
func (s *Server) pathRegistration(r *http.Request) (*vestiging.Registration, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "rid"), 10, 64)
	if err != nil || id < 1 {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	reg, err := s.svc.Registration(r.Context(), id)
	if err != nil {
		return nil, fmt.Errorf("registration %d: %w", id, err)
	}
	return reg, nil
}

// attendeesData is the staff's list of one event's registrations.
type attendeesData struct {
	Event      *vestiging.Event
	Confirmed  []*vestiging.Registration
	Waitlisted []*vestiging.Registration // in order
	Pending    []*vestiging.Registration // guests who have not confirmed yet
	Cancelled  []*vestiging.Registration // cancelled and refused
	CheckedIn  int
	// Positions numbers the waitlist by registration id: each kind of
	// place at a hybrid event (Hybrid) has a waitlist of its own.
	Positions map[int64]int
	Hybrid    bool
}

// placeName names the kind of place of reg at a hybrid event.
func placeName(reg *vestiging.Registration) string {
	if reg.Attendance == vestiging.AttendanceOnline {
		return "Online"
	}
	return "In the library"
}

// staffOpenEvent loads a local event with sign-up for the attendee pages.
func (s *Server) staffOpenEvent(r *http.Request) (*vestiging.Event, error) {
	e, err := s.staffEvent(r)
	if err != nil {
		return nil, err
	}
	if e.RegistrationMode != vestiging.RegistrationOpen {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	return e, nil
}

// attendeeList reads an event's registrations, split by state.
func (s *Server) attendeeList(ctx context.Context, e *vestiging.Event) (*attendeesData, error) {
	regs, err := s.allRegistrations(ctx, vestiging.RegistrationFilter{EventID: e.ID})
	if err != nil {
		return nil, err
	}
	d := &attendeesData{Event: e, Positions: map[int64]int{}, Hybrid: e.Hybrid()}
	waiting := map[string]int{}
	for _, reg := range regs {
		switch reg.State {
		case vestiging.RegistrationConfirmed:
			d.Confirmed = append(d.Confirmed, reg)
			if reg.CheckedInAt != nil {
				d.CheckedIn++
			}
		case vestiging.RegistrationWaitlisted:
			d.Waitlisted = append(d.Waitlisted, reg)
			waiting[reg.Attendance]++
			d.Positions[reg.ID] = waiting[reg.Attendance]
		case vestiging.RegistrationPending:
			d.Pending = append(d.Pending, reg)
		default:
			d.Cancelled = append(d.Cancelled, reg)
		}
	}
	return d, nil
}

func (s *Server) attendees(w http.ResponseWriter, r *http.Request) {
	e, err := s.staffOpenEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := newForm(nil)
	if e.Capacity > 0 {
		f.Set("capacity", strconv.Itoa(e.Capacity))
	}
	if e.NoWaitlist {
		f.Set("no_waitlist", "1")
	}
	s.renderAttendees(w, r, http.StatusOK, e, f)
}

func (s *Server) renderAttendees(w http.ResponseWriter, r *http.Request, status int, e *vestiging.Event, f *form) {
	d, err := s.attendeeList(r.Context(), e)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, d)
	p.Form = f
	s.render(w, r, status, "attendees", p)
}

// attendeeTable is e's attendee list as rows of cells for the exports,
// headings first: places, then the waitlist in order, the unconfirmed
// and the cancelled. The network name is the resident's here
// (name@this-host) or the remote participant's, written without the
// leading @, which a spreadsheet would take for the start of a formula.
func (s *Server) attendeeTable(r *http.Request, e *vestiging.Event) ([][]string, error) {
	d, err := s.attendeeList(r.Context(), e)
	if err != nil {
		return nil, err
	}
	lang := langFrom(r.Context())
	t := func(k string) string { return s.locales.T(lang, k) }
	rows := [][]string{{t("Name"), t("Email address"), t("Network name"), t("Status"), t("Waitlist number"),
		t("Registered on"), t("Checked in")}}
	if d.Hybrid {
		rows[0] = append(rows[0], t("Place"))
	}
	// A column per question, headed by the question as staff wrote it.
	for _, q := range e.Questions {
		rows[0] = append(rows[0], q.Label)
	}
	loc := e.Location()
	stamp := func(tm *time.Time) string {
		if tm == nil {
			return ""
		}
		return tm.In(loc).Format("2006-01-02 15:04")
	}
	add := func(regs []*vestiging.Registration) {
		for _, reg := range regs {
			number, handle := "", ""
			if n, ok := d.Positions[reg.ID]; ok {
				number = strconv.Itoa(n)
			}
			switch {
			case reg.Actor != nil:
				handle = strings.TrimPrefix(reg.Actor.Handle(), "@")
			case reg.Handle != "":
				handle = reg.Handle + "@" + s.baseURL.Host
			}
			row := []string{reg.Name, reg.Email, handle, t(stateNames[reg.State]), number,
				stamp(&reg.CreatedAt), stamp(reg.CheckedInAt)}
			if d.Hybrid {
				row = append(row, t(placeName(reg)))
			}
			for _, q := range e.Questions {
				row = append(row, answerText(t, q, reg.Answers))
			}
			rows = append(rows, row)
		}
	}
	for _, group := range [][]*vestiging.Registration{d.Confirmed, d.Waitlisted, d.Pending, d.Cancelled} {
		add(group)
	}
	return rows, nil
}

// attendeesCSV exports the list as CSV.
func (s *Server) attendeesCSV(w http.ResponseWriter, r *http.Request) {
	e, err := s.staffOpenEvent(r)
	if err == nil {
		err = s.writeAttendeesCSV(w, r, e)
	}
	if err != nil {
		s.fail(w, r, err)
	}
}

// writeAttendeesCSV writes e's attendee list, for the staff page and the
// API alike (writeCSV).
func (s *Server) writeAttendeesCSV(w http.ResponseWriter, r *http.Request, e *vestiging.Event) error {
	rows, err := s.attendeeTable(r, e)
	if err != nil {
		return err
	}
	if err := s.writeCSV(w, fmt.Sprintf("attendees-%d.csv", e.ID), rows); err != nil {
		return fmt.Errorf("attendees csv of event %d: %w", e.ID, err)
	}
	return nil
}

// writeCSV sends rows as a CSV file named name that Excel opens as
// columns in a Dutch setting: a BOM so it reads UTF-8, and ";" between
// cells, as Excel expects where the comma is the decimal sign. Cells that a
// spreadsheet would run as a formula are prefixed with ' (CSV injection: a
// guest may call themselves "=HYPERLINK(…)").
func (s *Server) writeCSV(w http.ResponseWriter, name string, rows [][]string) error {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	cw.Comma = ';'
	cw.UseCRLF = true
	for _, row := range rows {
		_ = cw.Write(csvSafe(row...))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	s.download(w, "text/csv; charset=utf-8", name, buf.Bytes())
	return nil
}

// attendeesXLSX exports the list as an Excel workbook (excelize): real
// columns whatever the spreadsheet's language, the headings bold and the
// top row frozen.
func (s *Server) attendeesXLSX(w http.ResponseWriter, r *http.Request) {
	e, err := s.staffOpenEvent(r)
	var rows [][]string
	if err == nil {
		rows, err = s.attendeeTable(r, e)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := workbook(s.locales.T(langFrom(r.Context()), "Attendees"), textCells(rows))
	if err != nil {
		s.fail(w, r, fmt.Errorf("attendees xlsx of event %d: %w", e.ID, err))
		return
	}
	s.download(w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fmt.Sprintf("attendees-%d.xlsx", e.ID), data)
}

// textCells is rows for workbook, every cell text.
func textCells(rows [][]string) [][]any {
	out := make([][]any, len(rows))
	for i, row := range rows {
		out[i] = make([]any, len(row))
		for j, v := range row {
			out[i][j] = v
		}
	}
	return out
}

// workbook writes rows, headings first, as one sheet named sheet: strings
// as text (never run as a formula), numbers as numbers.
func workbook(sheet string, rows [][]any) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	for i, row := range rows {
		cells := make([]any, len(row))
		for j, v := range row {
			c := excelize.Cell{Value: v}
			if i == 0 {
				c.StyleID = bold
			}
			cells[j] = c
		}
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return nil, err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// download sends an export for staff as a file to save.
func (s *Server) download(w http.ResponseWriter, contentType, name string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	h.Set("Cache-Control", "private, no-store")
	_, _ = w.Write(data)
}

// csvSafe defuses cells a spreadsheet would read as a formula (OWASP's
// list: = + - @, tab and carriage return).
func csvSafe(cells ...string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}

// stateNames are the English names of registration states for the pages.
var stateNames = map[string]string{
	vestiging.RegistrationPending:    "Not confirmed yet",
	vestiging.RegistrationConfirmed:  "Has a place",
	vestiging.RegistrationWaitlisted: "On the waitlist",
	vestiging.RegistrationCancelled:  "Cancelled",
	vestiging.RegistrationRejected:   "No place",
}

// attendeeInPath loads the event and one of its registrations for a staff
// action; a registration of another event is not found.
func (s *Server) attendeeInPath(r *http.Request) (*vestiging.Event, *vestiging.Registration, error) {
	e, err := s.staffOpenEvent(r)
	if err != nil {
		return nil, nil, err
	}
	reg, err := s.pathRegistration(r)
	if err != nil {
		return nil, nil, err
	}
	if reg.EventID != e.ID {
		return nil, nil, vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	return e, reg, nil
}

func attendeesPath(e *vestiging.Event) string {
	return fmt.Sprintf("/staff/events/%d/attendees", e.ID)
}

func (s *Server) checkIn(w http.ResponseWriter, r *http.Request) {
	e, reg, err := s.attendeeInPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	if err := s.svc.CheckIn(r.Context(), reg.ID, r.PostForm.Get("attended") == "1"); err != nil {
		s.fail(w, r, fmt.Errorf("check in registration %d: %w", reg.ID, err))
		return
	}
	s.flash(w, "checkin", e.Title)
	http.Redirect(w, r, fmt.Sprintf("%s#reg-%d", attendeesPath(e), reg.ID), http.StatusSeeOther)
}

// moveAttendee gives a place (also over the capacity), moves to the
// waitlist or cancels.
func (s *Server) moveAttendee(w http.ResponseWriter, r *http.Request) {
	e, reg, err := s.attendeeInPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	state := r.PostForm.Get("state")
	if !slices.Contains([]string{vestiging.RegistrationConfirmed, vestiging.RegistrationWaitlisted, vestiging.RegistrationCancelled}, state) {
		s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "Choose a place, the waitlist or cancel."))
		return
	}
	if _, err := s.svc.SetRegistrationState(asStaff(r), reg.ID, state); err != nil {
		s.fail(w, r, fmt.Errorf("move registration %d to %s: %w", reg.ID, state, err))
		return
	}
	s.flash(w, "moved", e.Title)
	http.Redirect(w, r, fmt.Sprintf("%s#reg-%d", attendeesPath(e), reg.ID), http.StatusSeeOther)
}

// setCapacity changes the number of places and whether a full event has a
// waitlist; the store promotes from the waitlist into new places.
func (s *Server) setCapacity(w http.ResponseWriter, r *http.Request) {
	e, err := s.staffOpenEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	changed := *e
	changed.Capacity = 0
	if v := strings.TrimSpace(f.Get("capacity")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			f.Add("capacity", "Give a number of places of 1 or more; leave the field empty for no limit.")
		}
		changed.Capacity = n
	}
	changed.NoWaitlist = f.Get("no_waitlist") != ""
	if f.Valid() {
		err = s.svc.UpdateEvent(asStaff(r), &changed)
		if vestiging.ErrorCode(err) == vestiging.EINVALID && vestiging.FieldErrors(err)["capacity"] != "" {
			f.AddDomain(vestiging.FieldErrors(err))
		} else if err != nil {
			s.fail(w, r, fmt.Errorf("capacity of event %d: %w", e.ID, err))
			return
		}
	}
	if !f.Valid() {
		s.renderAttendees(w, r, http.StatusUnprocessableEntity, e, f)
		return
	}
	s.flash(w, "capacity", e.Title)
	http.Redirect(w, r, attendeesPath(e), http.StatusSeeOther)
}

// openOrClose closes sign-up (the button goes, Joins are refused) or
// opens it again; who signed up stays signed up.
func (s *Server) openOrClose(w http.ResponseWriter, r *http.Request) {
	e, err := s.staffOpenEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	changed := *e
	switch r.PostForm.Get("action") {
	case "close":
		changed.RegistrationClosed = true
	case "open":
		changed.RegistrationClosed = false
	default:
		s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "Choose to open or close sign-up."))
		return
	}
	if err := s.svc.UpdateEvent(asStaff(r), &changed); err != nil {
		s.fail(w, r, fmt.Errorf("open or close sign-up of event %d: %w", e.ID, err))
		return
	}
	s.flash(w, "signup", e.Title)
	http.Redirect(w, r, attendeesPath(e), http.StatusSeeOther)
}

// exportRegistration is one of a resident's registrations in their data
// export (account.go).
type exportRegistration struct {
	ID          int64          `json:"id"`
	Event       string         `json:"event"`
	EventURL    string         `json:"event_url"`
	StartsAt    time.Time      `json:"starts_at"`
	State       string         `json:"state"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	CheckedInAt *time.Time     `json:"checked_in_at"`
	Answers     []exportAnswer `json:"answers"`
}

// exportAnswer is an answer to a question on sign-up, as the person gave it.
type exportAnswer struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// exportRegistrations lists every registration of the person for the export.
func (s *Server) exportRegistrations(ctx context.Context, personID int64) ([]exportRegistration, error) {
	regs, err := s.allRegistrations(ctx, vestiging.RegistrationFilter{PersonID: personID})
	if err != nil {
		return nil, fmt.Errorf("export registrations: %w", err)
	}
	out := []exportRegistration{}
	for _, reg := range regs {
		x := exportRegistration{ID: reg.ID, State: reg.State, CreatedAt: reg.CreatedAt, UpdatedAt: reg.UpdatedAt, CheckedInAt: reg.CheckedInAt,
			Answers: []exportAnswer{}}
		for _, a := range reg.Answers {
			x.Answers = append(x.Answers, exportAnswer{Question: a.Question, Answer: a.Value})
		}
		if e := reg.Event; e != nil {
			x.Event, x.EventURL, x.StartsAt = e.Title, s.link(eventPath(e), nil), e.StartsAt
		}
		out = append(out, x)
	}
	return out, nil
}

// setSignupSettings fills the library form's sign-up settings.
func setSignupSettings(f *form, lib *vestiging.Library) {
	if lib.AllowGuests {
		f.Set("allow_guests", "1")
	}
	if lib.AnonymizeAfterDays > 0 {
		f.Set("anonymize_after_days", strconv.Itoa(lib.AnonymizeAfterDays))
	}
}

// readSignupSettings reads them back; the library's Validate checks the range.
func readSignupSettings(f *form, lib *vestiging.Library) {
	lib.AllowGuests, lib.AnonymizeAfterDays = f.Get("allow_guests") != "", 0
	if v := strings.TrimSpace(f.Get("anonymize_after_days")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.Add("anonymize_after_days", "Give a whole number of days.")
		}
		lib.AnonymizeAfterDays = n
	}
}
