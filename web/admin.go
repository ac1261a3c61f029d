package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/vestiging/vestiging"
)

// Administrators change what the library is and who works for it: its
// profile and branches, its partners, the domain rules and people's roles.
// Staff run the programme and moderation; the routes here answer them 403
// and the staff pages do not link here for them.

// requireAdmin sends visitors to the login page and refuses everyone but
// administrators.
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return s.requireStaff(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !personFrom(r.Context()).IsAdmin() {
			s.errorPage(w, r, http.StatusForbidden, "This part of the site is for the library's administrators only.")
			return
		}
		next.ServeHTTP(w, r)
	}))
}

func (s *Server) adminRoutes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(s.requireAdmin)
		r.Get("/staff/people", s.peoplePage)
		r.Post("/staff/people", s.setRole)
	})
}

// roleChoices are the roles an administrator gives on the people page; a
// partner's role comes with its invitation.
var roleChoices = []struct{ Value, Label string }{
	{vestiging.RoleResident, "Resident"},
	{vestiging.RoleStaff, "Staff: the programme and moderation"},
	{vestiging.RoleAdmin, "Administrator: also the library profile, partners, domain rules and roles"},
}

type peopleData struct {
	Admins, Staff []*vestiging.Person
	Roles         []struct{ Value, Label string }
	Changed       string
}

func (s *Server) peoplePage(w http.ResponseWriter, r *http.Request) {
	s.renderPeople(w, r, http.StatusOK, newForm(nil))
}

func (s *Server) renderPeople(w http.ResponseWriter, r *http.Request, status int, f *form) {
	ctx := r.Context()
	data := peopleData{Roles: roleChoices, Changed: r.URL.Query().Get("changed")}
	var err error
	if data.Admins, err = s.svc.PeopleByRole(ctx, vestiging.RoleAdmin); err != nil {
		s.fail(w, r, fmt.Errorf("administrators: %w", err))
		return
	}
	if data.Staff, err = s.svc.PeopleByRole(ctx, vestiging.RoleStaff); err != nil {
		s.fail(w, r, fmt.Errorf("staff: %w", err))
		return
	}
	p := s.newPage(r, data)
	p.Form = f
	s.render(w, r, status, "staff_people", p)
}

// setRole gives the person with an email address a role. Administrators
// do not change their own role, so the library always keeps one; a
// partner organisation's account keeps its role.
func (s *Server) setRole(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := newForm(r.PostForm)
	role := f.Get("role")
	if !slices.ContainsFunc(roleChoices, func(c struct{ Value, Label string }) bool { return c.Value == role }) {
		f.Add("role", "Choose a role from the list.")
	}
	p, err := s.svc.PersonByEmail(ctx, f.Get("email"))
	switch {
	case vestiging.ErrorCode(err) == vestiging.ENOTFOUND:
		f.Add("email", "No account with this email address.")
	case err != nil:
		s.fail(w, r, fmt.Errorf("set role: %w", err))
		return
	case p.ID == personFrom(ctx).ID:
		f.Add("email", "You cannot change your own role.")
	case p.IsPartner():
		f.Add("email", "This is a partner organisation's account; its role stays.")
	}
	if !f.Valid() {
		s.renderPeople(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	p.Role = role
	if err := s.svc.UpdatePerson(ctx, p); err != nil {
		s.fail(w, r, fmt.Errorf("set role of %d: %w", p.ID, err))
		return
	}
	s.log.Info("role changed", "person", p.ID, "role", role, "by", personFrom(ctx).ID)
	http.Redirect(w, r, "/staff/people?"+url.Values{"changed": {p.Email}}.Encode(), http.StatusSeeOther)
}
