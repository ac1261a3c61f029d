package web

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/vestiging/vestiging"
)

// TestPeople: an administrator gives people roles on /staff/people, which
// take effect at their next request; their own role, a partner's and bad
// input are refused and change nothing.
func TestPeople(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("beheer@example.nl", vestiging.RoleAdmin)
	anna := e.signIn("anna@example.nl", vestiging.RoleResident)
	e.person("partner@example.nl", "correct horse battery", vestiging.RolePartner)

	t.Run("OK", func(t *testing.T) {
		wantStatus(t, e.get(anna, "/staff/"), http.StatusForbidden)
		res := e.post(admin, "/staff/people", url.Values{"email": {"Anna@Example.nl"}, "role": {vestiging.RoleStaff}})
		wantStatus(t, res, http.StatusSeeOther)
		if got, want := res.Location, "/staff/people?changed=anna%40example.nl"; got != want {
			t.Errorf("location %q, want %q", got, want)
		}
		page := e.get(admin, res.Location)
		wantContains(t, page, "De rol van anna@example.nl is gewijzigd.", "anna – anna@example.nl")
		wantStatus(t, e.get(anna, "/staff/"), http.StatusOK)
		wantStatus(t, e.get(anna, "/staff/people"), http.StatusForbidden)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		tests := []struct {
			name, email, role, field, msg string
		}{
			{"Own", "beheer@example.nl", vestiging.RoleStaff, "email", "Je kunt je eigen rol niet wijzigen."},
			{"Unknown", "niemand@example.nl", vestiging.RoleStaff, "email", "Er is geen account met dit e-mailadres."},
			{"Partner", "partner@example.nl", vestiging.RoleAdmin, "email", "Dit is het account van een partnerorganisatie; de rol blijft."},
			{"BadRole", "anna@example.nl", vestiging.RolePartner, "role", "Kies een rol uit de lijst."},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := e.post(admin, "/staff/people", url.Values{"email": {tt.email}, "role": {tt.role}})
				wantStatus(t, res, http.StatusUnprocessableEntity)
				wantContains(t, res, `<p class="field-error" id="`+tt.field+`-error">`+tt.msg+`</p>`)
			})
		}
		for email, want := range map[string]string{"beheer@example.nl": vestiging.RoleAdmin, "partner@example.nl": vestiging.RolePartner,
			"anna@example.nl": vestiging.RoleStaff} {
			if p, err := e.db.PersonByEmail(t.Context(), email); err != nil || p.Role != want {
				t.Errorf("%s: %+v, %v; want role %s", email, p, err, want)
			}
		}
	})
}
