package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vestiging/vestiging"
)

// Partners are local organisations (a welfare group, a language school)
// with an account: administrators invite them, they post offers like residents and
// propose activities, which staff approve before the library publishes
// them with the partner named as organiser.

// inviteLifetime is how long a partner's invitation link works: longer
// than a password reset's hour, since an organisation may read its mail
// days later.
const inviteLifetime = 7 * 24 * time.Hour

func (s *Server) partnerRoutes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(s.requireAdmin)
		r.Get("/staff/partners", s.partnersPage)
		r.Post("/staff/partners", s.invitePartner)
	})
}

// requirePartner sends visitors to the login page and refuses anyone but
// partners.
func (s *Server) requirePartner(next http.Handler) http.Handler {
	return s.requireAccount(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !personFrom(r.Context()).IsPartner() {
			s.errorPage(w, r, http.StatusForbidden, "This part of the site is for the library's partner organisations.")
			return
		}
		next.ServeHTTP(w, r)
	}))
}

type partnersData struct {
	Partners []*vestiging.Person
	Invited  string
}

func (s *Server) partnersPage(w http.ResponseWriter, r *http.Request) {
	s.renderPartners(w, r, http.StatusOK, newForm(nil))
}

func (s *Server) renderPartners(w http.ResponseWriter, r *http.Request, status int, f *form) {
	data := partnersData{Invited: r.URL.Query().Get("invited")}
	var err error
	if data.Partners, err = s.svc.PeopleByRole(r.Context(), vestiging.RolePartner); err != nil {
		s.fail(w, r, fmt.Errorf("partners: %w", err))
		return
	}
	p := s.newPage(r, data)
	p.Form = f
	s.render(w, r, status, "partners", p)
}

// invitePartner creates a partner account without a usable password and
// mails the organisation a link to choose one (the password reset flow,
// which also confirms the address).
func (s *Server) invitePartner(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := newForm(r.PostForm)
	p := &vestiging.Person{Email: f.Get("email"), DisplayName: f.Get("display_name"), Handle: f.Get("handle"), Role: vestiging.RolePartner}
	if p.DisplayName == "" {
		f.Add("display_name", "This field is required.")
	}
	// A partner publishes under its handle, so it needs one; Validate checks its form.
	switch h := vestiging.NormalizeHandle(p.Handle); {
	case h == "":
		f.Add("handle", "This field is required.")
	case h == s.libraryHandle():
		f.Add("handle", "This name is reserved; choose another.")
	}
	unusable, _ := vestiging.NewToken()
	if err := p.SetPassword(ctx, unusable); err != nil {
		s.fail(w, r, fmt.Errorf("partner password: %w", err))
		return
	}
	f.AddDomain(vestiging.FieldErrors(p.Validate()))
	if f.Valid() {
		err := s.svc.CreatePerson(ctx, p)
		switch vestiging.ErrorCode(err) {
		case "":
			if err := s.sendInvitation(ctx, p); err != nil {
				s.fail(w, r, err)
				return
			}
			http.Redirect(w, r, "/staff/partners?"+url.Values{"invited": {p.Email}}.Encode(), http.StatusSeeOther)
			return
		case vestiging.ECONFLICT:
			f.Add("email", "There is already an account with this email address or name in the network.")
		case vestiging.EINVALID:
			f.AddDomain(vestiging.FieldErrors(err))
		default:
			s.fail(w, r, fmt.Errorf("create partner %s: %w", p.Email, err))
			return
		}
	}
	s.renderPartners(w, r, http.StatusUnprocessableEntity, f)
}

// sendInvitation mails a new partner the link to choose a password.
func (s *Server) sendInvitation(ctx context.Context, p *vestiging.Person) error {
	token, hash := vestiging.NewToken()
	if err := s.svc.CreateToken(ctx, &vestiging.Token{Hash: hash, PersonID: p.ID, Purpose: vestiging.TokenReset,
		ExpiresAt: s.now().Add(inviteLifetime)}); err != nil {
		return fmt.Errorf("invitation token for partner %d: %w", p.ID, err)
	}
	site := s.libraryName(ctx)
	return s.queueMail(ctx, s.accountMail(ctx, langFrom(ctx), p.Email, p.DisplayName, "Your partner account",
		para("%s invites you to post activities and offers on its site as a partner organisation.", site),
		para("Choose a password with this link within 7 days:"),
		para("%s", s.link("/password/reset", url.Values{"token": {token}})),
		para("Then sign in with this email address. The library checks what you post before it is published.")), "")
}

type partnerEventData struct {
	Branches []*vestiging.Branch
	Sent     bool
	// Proposed are the partner's own activities, newest first, with
	// where each stands.
	Proposed []*vestiging.Event
}

// proposalStatus names where a partner's activity stands, for the
// partner: a rejected proposal went back to a draft.
var proposalStatus = map[string]string{
	vestiging.StatusPending:   "Waiting for approval",
	vestiging.StatusPublished: "Published",
	vestiging.StatusDraft:     "Not published",
	vestiging.StatusCancelled: "Cancelled",
}

func (s *Server) newPartnerEvent(w http.ResponseWriter, r *http.Request) {
	f := newEventDefaults()
	s.partnerEventForm(w, r, http.StatusOK, f, r.URL.Query().Get("sent") != "")
}

func (s *Server) partnerEventForm(w http.ResponseWriter, r *http.Request, status int, f *form, sent bool) {
	ctx := r.Context()
	data := partnerEventData{Sent: sent}
	var err error
	if data.Branches, err = s.svc.Branches(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("partner event branches: %w", err))
		return
	}
	me := personFrom(ctx)
	data.Proposed, _, err = s.svc.FindEvents(ctx, vestiging.EventFilter{PartnerID: me.ID, Descending: true, Limit: vestiging.MaxPageSize,
		Statuses: []string{vestiging.StatusPending, vestiging.StatusPublished, vestiging.StatusDraft, vestiging.StatusCancelled}})
	if err != nil {
		s.fail(w, r, fmt.Errorf("partner %d's activities: %w", me.ID, err))
		return
	}
	p := s.newPage(r, data)
	p.Form = f
	if p.Themes, err = s.svc.Themes(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("partner event themes: %w", err))
		return
	}
	s.render(w, r, status, "partner_event", p)
}

// createPartnerEvent stores a partner's proposed activity as pending: the
// staff's form, reduced to what a partner decides (no capacity, image,
// registration or repeat; the library's time zone).
func (s *Server) createPartnerEvent(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	me := personFrom(ctx)
	lib, err := s.svc.Library(ctx)
	if err != nil {
		s.fail(w, r, fmt.Errorf("library for partner event: %w", err))
		return
	}
	f := newForm(r.PostForm)
	for _, k := range []string{"time_zone", "language", "registration_mode", "capacity", "image_url", "image_alt", "registration_url"} {
		f.Values.Del(k)
	}
	defaults := newEventDefaults()
	for _, k := range []string{"time_zone", "language", "registration_mode"} {
		f.Set(k, defaults.Get(k))
	}
	e := &vestiging.Event{LibraryID: lib.ID}
	readEvent(f, e, false)
	if f.Preview() {
		s.partnerEventForm(w, r, http.StatusOK, f, false)
		return
	}
	e.Status, e.PartnerID = vestiging.StatusPending, &me.ID
	f.AddDomain(vestiging.FieldErrors(e.Validate()))
	if f.Valid() {
		err := s.svc.CreateEvent(ctx, e)
		if err == nil {
			http.Redirect(w, r, "/partner/events/new?sent=1", http.StatusSeeOther)
			return
		}
		if vestiging.ErrorCode(err) != vestiging.EINVALID {
			s.fail(w, r, fmt.Errorf("partner event %q: %w", e.Title, err))
			return
		}
		f.AddDomain(vestiging.FieldErrors(err))
	}
	s.partnerEventForm(w, r, http.StatusUnprocessableEntity, f, false)
}
