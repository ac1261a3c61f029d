package web

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/vestiging/vestiging"
)

// TestPages: staff write a page in the Markdown editor and put it in a
// menu; the privacy statement is there from the start, in the footer;
// every change is in the audit log.
func TestPages(t *testing.T) {
	e := newEnv(t)
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	form := url.Values{"title": {"Huisregels"}, "slug": {"huisregels"}, "content": {"We zijn **stil** in de leeszaal."},
		"menu": {vestiging.MenuHeader}, "position": {"1"}}

	t.Run("Privacy", func(t *testing.T) {
		res := e.get(e.client(), "/agenda")
		wantContains(t, res, `<nav aria-label="Over deze site"><ul class="footer-menu">`, `<a href="/pages/privacy">Privacyverklaring</a>`)
		res = e.get(e.client(), "/pages/privacy")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `<h1 dir="auto">Privacyverklaring</h1>`, "standaard na 30 dagen", `<a href="/pages/privacy" aria-current="page">`)
	})
	t.Run("Preview", func(t *testing.T) {
		preview := url.Values{"preview": {"content"}}
		for k, v := range form {
			preview[k] = v
		}
		res := e.post(staff, "/staff/pages/new", preview)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "<p>We zijn <strong>stil</strong> in de leeszaal.</p>")
		wantStatus(t, e.get(e.client(), "/pages/huisregels"), http.StatusNotFound)
	})
	t.Run("OK", func(t *testing.T) {
		wantStatus(t, e.get(staff, "/staff/pages/new?slug=huisregels&title=Huisregels"), http.StatusOK)
		res := e.post(staff, "/staff/pages/new", form)
		wantStatus(t, res, http.StatusSeeOther)
		res = e.get(e.client(), "/agenda")
		wantContains(t, res, `<li><a href="/pages/huisregels">Huisregels</a></li>`)
		res = e.get(e.client(), "/pages/huisregels")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `<h1 dir="auto">Huisregels</h1>`, "<p>We zijn <strong>stil</strong> in de leeszaal.</p>")
		list := e.get(staff, "/staff/pages")
		wantContains(t, list, `/pages/huisregels`, "Bovenaan", "Onderaan", `“Over ons” schrijven`)
		wantNotContains(t, list, `“Huisregels” schrijven`)
	})
	pg, err := e.db.PageBySlug(t.Context(), "huisregels")
	if err != nil {
		t.Fatal(err)
	}
	edit := "/staff/pages/" + strconv.FormatInt(pg.ID, 10) + "/edit"
	t.Run("ErrInvalid", func(t *testing.T) {
		bad := url.Values{"title": {""}, "slug": {vestiging.PrivacySlug}, "content": {"Nieuw"}, "menu": {"side"}, "position": {"vijf"}}
		res := e.post(staff, edit, bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, "Dit veld is verplicht.", "Kies een menu.", "Geef een getal van 0 tot en met 999.")
		bad = url.Values{"title": {"Regels"}, "slug": {vestiging.PrivacySlug}, "content": {"Nieuw"}, "menu": {""}, "position": {"0"}}
		res = e.post(staff, edit, bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, "Een andere pagina heeft dit adres al.")
		wantContains(t, e.get(e.client(), "/pages/huisregels"), `<h1 dir="auto">Huisregels</h1>`)
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		resident := e.signIn("lezer@example.nl", vestiging.RoleResident)
		wantStatus(t, e.get(resident, "/staff/pages"), http.StatusForbidden)
		wantStatus(t, e.post(resident, "/staff/pages/new", form), http.StatusForbidden)
	})
	t.Run("Delete", func(t *testing.T) {
		del := "/staff/pages/" + strconv.FormatInt(pg.ID, 10) + "/delete"
		wantContains(t, e.get(staff, del), "definitief verwijderen?")
		wantStatus(t, e.post(staff, del, nil), http.StatusSeeOther)
		wantStatus(t, e.get(e.client(), "/pages/huisregels"), http.StatusNotFound)
		res := e.get(staff, "/staff/audit")
		wantContains(t, res, "Pagina geschreven", "Pagina verwijderd", "Huisregels")
	})
}
