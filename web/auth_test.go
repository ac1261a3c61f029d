package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/vestiging/vestiging"
)

func TestLogin(t *testing.T) {
	e := newEnv(t)
	staff := e.person("medewerker@example.nl", "correct horse battery", vestiging.RoleStaff)

	t.Run("ErrWrongPasswordAndWrongEmailLookAlike", func(t *testing.T) {
		wrongPassword := e.post(e.client(), "/login", url.Values{"email": {staff.Email}, "password": {"wrong password!"}})
		wrongEmail := e.post(e.client(), "/login", url.Values{"email": {"niemand@example.nl"}, "password": {"correct horse battery"}})
		for _, res := range []response{wrongPassword, wrongEmail} {
			wantStatus(t, res, http.StatusUnauthorized)
			wantContains(t, res, "E-mailadres of wachtwoord is onjuist.")
			if res.Header.Get("Set-Cookie") != "" {
				t.Errorf("a failed login set a cookie: %s", res.Header.Get("Set-Cookie"))
			}
		}
		// Apart from the echoed email address the pages are identical.
		a := strings.ReplaceAll(wrongPassword.Body, staff.Email, "EMAIL")
		b := strings.ReplaceAll(wrongEmail.Body, "niemand@example.nl", "EMAIL")
		if a != b {
			t.Errorf("wrong email and wrong password give different pages:\n%s\n---\n%s", a, b)
		}
	})

	t.Run("OK", func(t *testing.T) {
		c := e.client()
		res := e.post(c, "/login", url.Values{"email": {"  Medewerker@Example.nl "}, "password": {"correct horse battery"}, "next": {"/staff/themes"}})
		wantStatus(t, res, http.StatusSeeOther)
		if got, want := res.Location, "/staff/themes"; got != want {
			t.Errorf("location: got %q, want %q", got, want)
		}
		cookie := res.Header.Get("Set-Cookie")
		for _, want := range []string{sessionCookie + "=", "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=2592000"} {
			if !strings.Contains(cookie, want) {
				t.Errorf("cookie %q lacks %q", cookie, want)
			}
		}
		if strings.Contains(cookie, "Secure") {
			t.Errorf("cookie over http is Secure: %q", cookie)
		}
		// The database holds the token's SHA-256, not the token.
		token := strings.TrimPrefix(strings.Split(cookie, ";")[0], sessionCookie+"=")
		if len(token) != 64 {
			t.Errorf("token length: got %d, want 64 hex digits", len(token))
		}
		p, err := e.db.SessionPerson(context.Background(), hashToken(token))
		if err != nil || p.ID != staff.ID {
			t.Fatalf("session by hash: %v, %v", p, err)
		}
		if _, err := e.db.SessionPerson(context.Background(), token); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("session by raw token: got %v, want ENOTFOUND", err)
		}
		res = e.get(c, "/")
		wantContains(t, res, "Ingelogd als medewerker", `href="/staff/"`)

		res = e.post(c, "/logout", nil)
		wantStatus(t, res, http.StatusSeeOther)
		if _, err := e.db.SessionPerson(context.Background(), hashToken(token)); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("session after logout: got %v, want ENOTFOUND", err)
		}
		wantStatus(t, e.get(c, "/staff/"), http.StatusSeeOther)
	})

	t.Run("NextStaysOnSite", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil.example"} {
			res := e.post(e.client(), "/login", url.Values{"email": {staff.Email}, "password": {"correct horse battery"}, "next": {next}})
			if got, want := res.Location, "/staff/"; got != want {
				t.Errorf("next %q: location %q, want %q", next, got, want)
			}
		}
		// The query string a browser sends for /login?next=/%09/evil.example
		// reaches the form decoded, with its tab, and is dropped there.
		res := e.get(e.client(), "/login?next=/%09/evil.example")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `<input type="hidden" name="next" value="">`)
	})
}

// TestSafeNext: only a path on this site passes; every way a browser could
// read a destination as another site's falls back to "".
func TestSafeNext(t *testing.T) {
	tests := []struct {
		next, want string
	}{
		{"/staff/themes", "/staff/themes"},
		{"/events/12?lang=en#replies", "/events/12?lang=en#replies"},
		{"/agenda?q=a%2Fb", "/agenda?q=a%2Fb"},
		{"/", "/"},
		{"", ""},
		{"staff", ""},
		{"https://evil.example/", ""},
		{"https:evil.example", ""},
		{"HTTPS://evil.example", ""},
		{"javascript:alert(1)", ""},
		{"//evil.example", ""},
		{"///evil.example", ""},
		{"/\\evil.example", ""},
		{"\\\\evil.example", ""},
		{"/\t/evil.example", ""},
		{"/\n/evil.example", ""},
		{"/\r\n/evil.example", ""},
		{"/\x00/evil.example", ""},
		{"/\x7f/evil.example", ""},
		{"/\u0085/evil.example", ""},
		{" //evil.example", ""},
		{"\t//evil.example", ""},
		{"/%2F/evil.example", ""},
		{"/%zz", ""},
		{"/\xff", ""},
	}
	for _, tt := range tests {
		if got := safeNext(tt.next); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.next, got, tt.want)
		}
	}
}

func TestSecureCookie(t *testing.T) {
	e := newEnv(t)
	e.person("medewerker@example.nl", "correct horse battery", vestiging.RoleStaff)
	srv := New(Config{Services: e.db, BaseURL: &url.URL{Scheme: "https", Host: "bieb.example.nl"}, Clock: e.clock.Now})
	req := httptest.NewRequest(http.MethodPost, "https://bieb.example.nl/login",
		strings.NewReader(url.Values{"email": {"medewerker@example.nl"}, "password": {"correct horse battery"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if got, want := rec.Code, http.StatusSeeOther; got != want {
		t.Fatalf("status: got %d, want %d", got, want)
	}
	if cookie := rec.Header().Get("Set-Cookie"); !strings.Contains(cookie, "Secure") {
		t.Errorf("cookie over https is not Secure: %q", cookie)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for i := range 10 {
		res := e.post(c, "/login", url.Values{"email": {"x@example.nl"}, "password": {"nope"}})
		if res.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, res.Status)
		}
	}
	res := e.post(c, "/login", url.Values{"email": {"x@example.nl"}, "password": {"nope"}})
	wantStatus(t, res, http.StatusTooManyRequests)
	wantContains(t, res, "Te veel pogingen. Wacht een minuut en probeer het opnieuw.", `<main id="main"`)
	// Reading pages is not limited.
	wantStatus(t, e.get(c, "/login"), http.StatusOK)
}

func TestCrossOriginRefused(t *testing.T) {
	e := newEnv(t)
	c := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	form := url.Values{"slug": {"taalcafe"}, "name_nl": {"Taalcafé"}, "name_en": {"Language café"}}
	for _, header := range [][]string{
		{"Origin", "https://evil.example"},
		{"Sec-Fetch-Site", "cross-site"},
	} {
		res := e.post(c, "/staff/themes", form, header...)
		wantStatus(t, res, http.StatusForbidden)
		wantContains(t, res, "Dit formulier is vanaf een andere site verstuurd en is geweigerd.")
	}
	themes, err := e.db.Themes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(themes), len(vestiging.DefaultThemes); got != want {
		t.Errorf("themes after refused posts: got %d, want %d", got, want)
	}
	// The same post from the site itself goes through.
	res := e.post(c, "/staff/themes", form, "Sec-Fetch-Site", "same-origin")
	wantStatus(t, res, http.StatusSeeOther)
}

func TestStaffAccess(t *testing.T) {
	e := newEnv(t)
	resident := e.signIn("inwoner@example.nl", vestiging.RoleResident)
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	admin := e.signIn("beheer@example.nl", vestiging.RoleAdmin)
	paths := []string{"/staff/", "/staff/events/new", "/staff/courses/new", "/staff/moderation", "/staff/themes", "/staff/feeds",
		"/staff/library", "/staff/branches/new", "/staff/partners", "/staff/people"}
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			res := e.get(e.client(), path)
			wantStatus(t, res, http.StatusSeeOther)
			if got, want := res.Location, "/login?next="+url.QueryEscape(path); got != want {
				t.Errorf("location: got %q, want %q", got, want)
			}
			res = e.get(resident, path)
			wantStatus(t, res, http.StatusForbidden)
			wantContains(t, res, "alleen voor medewerkers")
			if !adminPath(path) {
				wantStatus(t, e.get(staff, path), http.StatusOK)
			}
			wantStatus(t, e.get(admin, path), http.StatusOK)
		})
	}
	t.Run("ResidentCannotPost", func(t *testing.T) {
		res := e.post(resident, "/staff/themes", url.Values{"slug": {"x"}, "name_nl": {"X"}, "name_en": {"X"}})
		wantStatus(t, res, http.StatusForbidden)
	})
}

// adminPath reports whether path is one of the pages only administrators open.
func adminPath(path string) bool {
	for _, p := range []string{"/staff/library", "/staff/branches/", "/staff/partners", "/staff/people", "/staff/network/rules"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// TestAdminAccess: the library profile and branches, partners, domain
// rules and people's roles are for administrators. Staff get 403 on each
// of those pages and forms, and what they post changes nothing; the staff
// pages do not link there for them.
func TestAdminAccess(t *testing.T) {
	e := newFedEnv(t)
	ctx := t.Context()
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	admin := e.signIn("beheer@example.nl", vestiging.RoleAdmin)
	branch := e.branch("Centrale Bibliotheek")
	resident := e.person("inwoner@example.nl", "correct horse battery", vestiging.RoleResident)
	if err := e.db.ApplyDomainRule(ctx, &vestiging.DomainRule{Host: "spam.example", Mode: vestiging.DomainBlock}, &vestiging.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	edit := fmt.Sprintf("/staff/branches/%d/edit", branch.ID)
	branchForm := url.Values{"name": {"Filiaal Noord"}, "street": {"Markt 1"}, "postal_code": {"1234 AB"}, "city": {"Dorp"}}
	tests := []struct {
		method, path string
		form         url.Values
	}{
		{http.MethodGet, "/staff/library", nil},
		{http.MethodPost, "/staff/library", url.Values{"name": {"Overgenomen"}}},
		{http.MethodGet, "/staff/branches/new", nil},
		{http.MethodPost, "/staff/branches/new", branchForm},
		{http.MethodGet, edit, nil},
		{http.MethodPost, edit, branchForm},
		{http.MethodGet, "/staff/partners", nil},
		{http.MethodPost, "/staff/partners", url.Values{"display_name": {"Taalschool"}, "email": {"info@taalschool.example"}, "handle": {"taalschool"}}},
		{http.MethodGet, "/staff/people", nil},
		{http.MethodPost, "/staff/people", url.Values{"email": {resident.Email}, "role": {vestiging.RoleAdmin}}},
		{http.MethodPost, "/staff/network/rules", url.Values{"host": {"other.example"}, "mode": {"block"}}},
		{http.MethodPost, "/staff/network/rules/remove", url.Values{"host": {"spam.example"}}},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			if !adminPath(tt.path) {
				t.Fatalf("%s is not listed in adminPath", tt.path)
			}
			var res response
			if tt.method == http.MethodGet {
				res = e.get(staff, tt.path)
			} else {
				res = e.post(staff, tt.path, tt.form)
			}
			wantStatus(t, res, http.StatusForbidden)
			wantContains(t, res, "alleen voor de beheerders van de bibliotheek")
		})
	}
	t.Run("NothingChanged", func(t *testing.T) {
		lib, err := e.db.Library(ctx)
		if err != nil || lib.Name == "Overgenomen" {
			t.Errorf("library %+v, %v: changed by staff", lib, err)
		}
		branches, err := e.db.Branches(ctx)
		if err != nil || len(branches) != 1 || branches[0].Name != "Centrale Bibliotheek" {
			t.Errorf("branches %+v, %v: changed by staff", branches, err)
		}
		if _, err := e.db.PersonByEmail(ctx, "info@taalschool.example"); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("partner invited by staff: %v", err)
		}
		if p, err := e.db.PersonByEmail(ctx, resident.Email); err != nil || p.Role != vestiging.RoleResident {
			t.Errorf("resident's role changed by staff: %+v, %v", p, err)
		}
		rules, err := e.db.DomainRules(ctx)
		if err != nil || len(rules) != 1 || rules[0].Host != "spam.example" {
			t.Errorf("domain rules %+v, %v: changed by staff", rules, err)
		}
	})
	t.Run("LinksHidden", func(t *testing.T) {
		links := []string{`href="/staff/library"`, `href="/staff/partners"`, `href="/staff/people"`}
		wantNotContains(t, e.get(staff, "/staff/"), links...)
		wantContains(t, e.get(admin, "/staff/"), links...)
		wantNotContains(t, e.get(staff, "/staff/moderation"), `href="/staff/partners"`)
		ruleForms := []string{`action="/staff/network/rules"`, `action="/staff/network/rules/remove"`}
		network := e.get(staff, "/staff/network")
		wantStatus(t, network, http.StatusOK)
		wantContains(t, network, "spam.example", "Beheerders voegen domeinregels toe")
		wantNotContains(t, network, ruleForms...)
		wantContains(t, e.get(admin, "/staff/network"), ruleForms...)
	})
}
