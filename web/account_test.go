package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/mail"
	"github.com/vestiging/vestiging/mail/mailtest"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// mailWait bounds how long a test waits for the mail worker.
const mailWait = 10 * time.Second

// newMailEnv is newEnv with the mail worker sending to a real SMTP server.
func newMailEnv(t *testing.T) (*env, *mailtest.Server) {
	t.Helper()
	e := newEnv(t)
	smtp := mailtest.Start(t)
	sender, err := mail.NewSMTP(smtp.Config())
	if err != nil {
		t.Fatal(err)
	}
	workers := river.NewWorkers()
	mail.Register(workers, sender, nil)
	if err := e.db.StartJobs(t.Context(), workers, store.JobsConfig{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.db.StopJobs(context.Background()) })
	return e, smtp
}

func signupForm(email, handle, password string) url.Values {
	return url.Values{"email": {email}, "display_name": {"Anna de Jong"}, "handle": {handle},
		"password": {password}, "password_confirm": {password}}
}

// pathOf turns a link from a mail into a path on the test server.
func pathOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func TestSignup(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e, smtp := newMailEnv(t)
		c := e.client()
		res := e.get(c, "/signup")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `<label for="handle">Je naam in het netwerk</label>`, `autocomplete="new-password"`, `<h1>Een account maken</h1>`)

		res = e.post(c, "/signup", signupForm(" Anna@Example.nl", "@Anna_dJ", "correct horse battery"))
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Kijk in je e-mail", "anna@example.nl")
		if res.Header.Get("Set-Cookie") != "" {
			t.Errorf("sign-up signed in: %s", res.Header.Get("Set-Cookie"))
		}
		p, err := e.db.PersonByEmail(t.Context(), "anna@example.nl")
		if err != nil {
			t.Fatal(err)
		}
		if p.Handle != "anna_dj" || p.Role != vestiging.RoleResident || p.Confirmed() || p.DisplayName != "Anna de Jong" {
			t.Errorf("after sign-up: %+v", p)
		}

		m := smtp.WaitFor(t, "anna@example.nl", mailWait)
		if m.Subject != "Bevestig je e-mailadres" || !strings.Contains(m.Text, "Hallo Anna de Jong,") {
			t.Errorf("mail %q:\n%s", m.Subject, m.Text)
		}
		link := m.Link(t, "/confirm?token=")
		if !strings.HasPrefix(link, "http://localhost/confirm?token=") {
			t.Errorf("link %q is not on the site's base URL", link)
		}

		// Signing in works before confirming; the page asks to confirm.
		res = e.post(c, "/login", url.Values{"email": {"anna@example.nl"}, "password": {"correct horse battery"}})
		wantStatus(t, res, http.StatusSeeOther)
		res = e.get(c, "/account")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Bevestig je e-mailadres met de link", `action="/account/confirm"`, "@anna_dj", "nog niet bevestigd",
			`href="/my/agenda"`, `href="/account/feed"`)

		// Opening the link (as a mail scanner would) confirms nothing; its
		// button does.
		res = e.get(c, pathOf(t, link))
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `<form method="post" action="/confirm"`, "Mijn e-mailadres bevestigen")
		if p, err = e.db.Person(t.Context(), p.ID); err != nil || p.Confirmed() {
			t.Errorf("after opening the link: %+v, %v; want not confirmed yet", p, err)
		}
		res = e.confirmLink(c, link)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Je e-mailadres is bevestigd")
		wantNotContains(t, res, "Bevestig je e-mailadres met de link")
		if p, err = e.db.Person(t.Context(), p.ID); err != nil || !p.Confirmed() {
			t.Errorf("after the link: %+v, %v; want confirmed", p, err)
		}
		res = e.get(c, "/account")
		wantNotContains(t, res, "Bevestig je e-mailadres met de link", "nog niet bevestigd")

		res = e.confirmLink(c, link)
		wantStatus(t, res, http.StatusBadRequest)
		wantContains(t, res, "Deze link is niet geldig: hij is verlopen of al gebruikt.")
	})

	t.Run("English", func(t *testing.T) {
		e, smtp := newMailEnv(t)
		res := e.post(e.client(), "/signup?lang=en", signupForm("anna@example.nl", "anna", "correct horse battery"))
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Check your email")
		m := smtp.WaitFor(t, "anna@example.nl", mailWait)
		if m.Subject != "Confirm your email address" || !strings.HasPrefix(m.Text, "Hello Anna de Jong,") {
			t.Errorf("mail %q:\n%s", m.Subject, m.Text)
		}
	})

	t.Run("ResendConfirmation", func(t *testing.T) {
		e, smtp := newMailEnv(t)
		c := e.client()
		wantStatus(t, e.post(c, "/signup", signupForm("anna@example.nl", "anna", "correct horse battery")), http.StatusOK)
		first := smtp.WaitFor(t, "anna@example.nl", mailWait).Link(t, "/confirm?token=")
		wantStatus(t, e.post(c, "/login", url.Values{"email": {"anna@example.nl"}, "password": {"correct horse battery"}}), http.StatusSeeOther)
		wantStatus(t, e.post(c, "/account/confirm", nil), http.StatusOK)
		waitMails(t, smtp, "anna@example.nl", 2)
		mails := smtp.MessagesTo("anna@example.nl")
		if len(mails) != 2 {
			t.Fatalf("%d mails, want 2", len(mails))
		}
		second := mails[1].Link(t, "/confirm?token=")
		wantStatus(t, e.confirmLink(c, second), http.StatusOK)
		// Using one link spends the other.
		wantStatus(t, e.confirmLink(c, first), http.StatusBadRequest)
	})

	t.Run("DuplicateEmailLooksTheSame", func(t *testing.T) {
		e, smtp := newMailEnv(t)
		owner := e.person("bert@example.nl", "bert's own password", vestiging.RoleResident)
		fresh := e.post(e.client(), "/signup", signupForm("carla@example.nl", "carla", "correct horse battery"))
		again := e.post(e.client(), "/signup", signupForm("BERT@example.nl", "bertje", "correct horse battery"))
		wantStatus(t, again, fresh.Status)
		a := strings.ReplaceAll(fresh.Body, "carla@example.nl", "EMAIL")
		b := strings.ReplaceAll(again.Body, "bert@example.nl", "EMAIL")
		if a != b {
			t.Errorf("a known and a new address give different pages:\n%s\n---\n%s", a, b)
		}
		m := smtp.WaitFor(t, "bert@example.nl", mailWait)
		if m.Subject != "Iemand probeerde een account te maken met jouw adres" || !strings.Contains(m.Text, "/password/forgot") {
			t.Errorf("notice %q:\n%s", m.Subject, m.Text)
		}
		if strings.Contains(m.Text, "/confirm") {
			t.Errorf("the notice holds a confirmation link:\n%s", m.Text)
		}
		got, err := e.db.PersonByEmail(t.Context(), "bert@example.nl")
		if err != nil {
			t.Fatal(err)
		}
		if got.PasswordHash != owner.PasswordHash || got.Handle != "" {
			t.Errorf("the owner's account changed: %+v", got)
		}
		if _, err := e.db.PersonByHandle(t.Context(), "bertje"); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("handle of the refused sign-up: %v, want ENOTFOUND", err)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		e, smtp := newMailEnv(t)
		taken := &vestiging.Person{Email: "taken@example.nl", PasswordHash: "x", Handle: "anna"}
		if err := e.db.CreatePerson(t.Context(), taken); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name  string
			form  url.Values
			field string
			msg   string
		}{
			{"BadEmail", signupForm("anna", "anna2", "correct horse battery"), "email", "Vul een geldig e-mailadres in."},
			{"ShortPassword", signupForm("new@example.nl", "anna2", "kort"), "password", "Gebruik minstens 8 tekens."},
			{"PasswordsDiffer", func() url.Values {
				f := signupForm("new@example.nl", "anna2", "correct horse battery")
				f.Set("password_confirm", "correct horse battery!")
				return f
			}(), "password_confirm", "De twee wachtwoorden zijn niet gelijk."},
			{"TakenHandle", signupForm("new@example.nl", "Anna", "correct horse battery"), "handle", "Deze naam is al in gebruik."},
			{"ReservedHandle", signupForm("new@example.nl", "admin", "correct horse battery"), "handle", "Deze naam is gereserveerd; kies een andere."},
			{"BadHandle", signupForm("new@example.nl", "anna de jong", "correct horse battery"), "handle", "Gebruik 2 tot 30 tekens: kleine letters, cijfers en _."},
			{"NoHandle", signupForm("new@example.nl", "", "correct horse battery"), "handle", "Dit veld is verplicht."},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := e.post(e.client(), "/signup", tt.form)
				wantStatus(t, res, http.StatusUnprocessableEntity)
				wantContains(t, res, `<p class="field-error" id="`+tt.field+`-error">`+tt.msg+`</p>`,
					`id="`+tt.field+`"`, `aria-describedby="`+tt.field+`-error`, `aria-invalid="true"`, `href="#`+tt.field+`"`)
				wantNotContains(t, res, "correct horse battery") // passwords are not sent back
			})
		}
		if _, err := e.db.PersonByEmail(t.Context(), "new@example.nl"); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("refused sign-ups stored a person: %v", err)
		}
		// A mail is sent only from a job queued with the change: no job,
		// no mail, now or later.
		if jobs := storetest.Jobs[vestiging.MailJob](t, e.db, vestiging.MailJob{}.Kind()); len(jobs) != 0 {
			t.Errorf("%d mails queued for refused sign-ups: %+v", len(jobs), jobs)
		}
		if n := len(smtp.Messages()); n != 0 {
			t.Errorf("%d mails sent for refused sign-ups", n)
		}
	})

	t.Run("ErrTooMany", func(t *testing.T) {
		e := newEnv(t)
		c := e.client()
		for i := range 10 {
			res := e.post(c, "/signup", signupForm("x", "", ""))
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("attempt %d: status %d, want 422", i+1, res.Status)
			}
		}
		wantStatus(t, e.post(c, "/signup", signupForm("x", "", "")), http.StatusTooManyRequests)
		for range 10 {
			e.post(c, "/password/forgot", url.Values{"email": {"x@example.nl"}})
		}
		wantStatus(t, e.post(c, "/password/forgot", url.Values{"email": {"x@example.nl"}}), http.StatusTooManyRequests)
		wantStatus(t, e.get(c, "/signup"), http.StatusOK)
	})
}

func TestPasswordReset(t *testing.T) {
	e, smtp := newMailEnv(t)
	anna := e.person("anna@example.nl", "old password 1", vestiging.RoleResident)
	signIn := func(password string) (*http.Client, response) {
		c := e.client()
		return c, e.post(c, "/login", url.Values{"email": {"anna@example.nl"}, "password": {password}})
	}
	phone, _ := signIn("old password 1")
	laptop, _ := signIn("old password 1")

	known := e.post(e.client(), "/password/forgot", url.Values{"email": {" Anna@example.nl"}})
	unknown := e.post(e.client(), "/password/forgot", url.Values{"email": {"niemand@example.nl"}})
	wantStatus(t, known, http.StatusOK)
	wantStatus(t, unknown, http.StatusOK)
	if a, b := strings.ReplaceAll(known.Body, "anna@example.nl", "EMAIL"), strings.ReplaceAll(unknown.Body, "niemand@example.nl", "EMAIL"); a != b {
		t.Errorf("known and unknown addresses give different pages:\n%s\n---\n%s", a, b)
	}
	m := smtp.WaitFor(t, "anna@example.nl", mailWait)
	if m.Subject != "Kies een nieuw wachtwoord" {
		t.Errorf("subject %q", m.Subject)
	}
	link := pathOf(t, m.Link(t, "/password/reset?token="))

	res := e.get(e.client(), link)
	wantStatus(t, res, http.StatusOK)
	token := strings.TrimPrefix(link, "/password/reset?token=")
	wantContains(t, res, `name="token" value="`+token+`"`)

	t.Run("ErrInvalid", func(t *testing.T) {
		res := e.post(e.client(), "/password/reset", url.Values{"token": {token}, "password": {"new password 2"}, "password_confirm": {"other"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `id="password_confirm-error"`, `name="token" value="`+token+`"`)
	})

	t.Run("OK", func(t *testing.T) {
		res := e.post(e.client(), "/password/reset", url.Values{"token": {token}, "password": {"new password 2"}, "password_confirm": {"new password 2"}})
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Je wachtwoord is veranderd", "Je bent overal uitgelogd.")
		for _, c := range []*http.Client{phone, laptop} {
			if res := e.get(c, "/account"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login") {
				t.Errorf("a session from before the reset: status %d to %q, want signed out", res.Status, res.Location)
			}
		}
		if _, res := signIn("old password 1"); res.Status != http.StatusUnauthorized {
			t.Errorf("old password: status %d, want 401", res.Status)
		}
		if _, res := signIn("new password 2"); res.Status != http.StatusSeeOther {
			t.Errorf("new password: status %d, want 303", res.Status)
		}
		if p, err := e.db.Person(t.Context(), anna.ID); err != nil || !p.Confirmed() {
			t.Errorf("after a reset by mail: %+v, %v; want the address confirmed", p, err)
		}
	})

	t.Run("ErrReusedLink", func(t *testing.T) {
		res := e.post(e.client(), "/password/reset", url.Values{"token": {token}, "password": {"third password"}, "password_confirm": {"third password"}})
		wantStatus(t, res, http.StatusBadRequest)
		wantContains(t, res, "Deze link is niet geldig: hij is verlopen of al gebruikt. Vraag een nieuwe aan.")
		if _, res := signIn("third password"); res.Status != http.StatusUnauthorized {
			t.Errorf("the reused link changed the password")
		}
	})
}

func TestAccount(t *testing.T) {
	e := newEnv(t)
	c := e.signIn("anna@example.nl", vestiging.RoleResident)
	other := e.client()
	wantStatus(t, e.post(other, "/login", url.Values{"email": {"anna@example.nl"}, "password": {"correct horse battery"}}), http.StatusSeeOther)

	t.Run("Profile", func(t *testing.T) {
		res := e.post(c, "/account", url.Values{"display_name": {"Anna J."}, "discoverable": {"1"}})
		wantStatus(t, res, http.StatusSeeOther)
		res = e.get(c, res.Location)
		wantContains(t, res, "Je wijzigingen zijn opgeslagen.", `value="Anna J."`, `id="discoverable" name="discoverable" value="1" aria-describedby="discoverable-hint" checked`)
		p, err := e.db.PersonByEmail(t.Context(), "anna@example.nl")
		if err != nil || p.DisplayName != "Anna J." || !p.Discoverable {
			t.Errorf("after saving: %+v, %v", p, err)
		}
		res = e.post(c, "/account", url.Values{"display_name": {strings.Repeat("x", 101)}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `id="display_name-error"`)
	})

	t.Run("ErrWrongPassword", func(t *testing.T) {
		res := e.post(c, "/account/password", url.Values{"current_password": {"wrong"}, "new_password": {"new password 2"}, "new_password_confirm": {"new password 2"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `<p class="field-error" id="current_password-error">Het wachtwoord klopt niet.</p>`)
	})

	t.Run("Password", func(t *testing.T) {
		res := e.post(c, "/account/password", url.Values{"current_password": {"correct horse battery"}, "new_password": {"new password 2"}, "new_password_confirm": {"new password 2"}})
		wantStatus(t, res, http.StatusSeeOther)
		wantContains(t, e.get(c, res.Location), "Je wachtwoord is veranderd.")
		if res := e.get(other, "/account"); res.Status != http.StatusSeeOther {
			t.Errorf("the other session: status %d, want signed out", res.Status)
		}
		wantStatus(t, e.post(e.client(), "/login", url.Values{"email": {"anna@example.nl"}, "password": {"new password 2"}}), http.StatusSeeOther)
	})

	t.Run("ErrNotSignedIn", func(t *testing.T) {
		for _, path := range []string{"/account", "/account/export", "/account/delete"} {
			res := e.get(e.client(), path)
			if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login?next=") {
				t.Errorf("%s: status %d to %q, want the login page", path, res.Status, res.Location)
			}
		}
	})
}

func TestAccountExport(t *testing.T) {
	e := newEnv(t)
	c := e.signIn("anna@example.nl", vestiging.RoleResident)
	anna, err := e.db.PersonByEmail(t.Context(), "anna@example.nl")
	if err != nil {
		t.Fatal(err)
	}
	_, feedHash := vestiging.NewToken()
	if err := e.db.SetFeedHash(t.Context(), anna.ID, feedHash); err != nil {
		t.Fatal(err)
	}
	bert := e.person("bert@example.nl", "correct horse battery", vestiging.RoleResident)
	for _, author := range []*vestiging.Person{anna, bert} {
		o := &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: "Hulp van " + author.Email, Description: "Hulp", AuthorID: author.ID}
		if err := e.db.CreateOffer(t.Context(), o); err != nil {
			t.Fatal(err)
		}
	}
	res := e.get(c, "/account/export")
	wantStatus(t, res, http.StatusOK)
	if got := res.Header.Get("Content-Disposition"); !strings.HasPrefix(got, `attachment; filename="account-`) {
		t.Errorf("Content-Disposition %q", got)
	}
	var got accountExport
	if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, res.Body)
	}
	if got.Profile.Email != "anna@example.nl" || got.Profile.ID != anna.ID || got.Profile.Role != vestiging.RoleResident {
		t.Errorf("profile %+v", got.Profile)
	}
	if len(got.Offers) != 1 || got.Offers[0].Title != "Hulp van anna@example.nl" || got.Offers[0].Status != vestiging.OfferPending {
		t.Errorf("offers %+v, want anna's one", got.Offers)
	}
	if len(got.Sessions) != 1 || got.Following == nil {
		t.Errorf("sessions %+v, following %+v; want one session and a list", got.Sessions, got.Following)
	}
	if strings.Contains(res.Body, anna.PasswordHash) || strings.Contains(res.Body, feedHash) {
		t.Error("the export holds a secret (password hash or feed token)")
	}
}

func TestAccountDelete(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	anna := &vestiging.Person{Email: "anna@example.nl", DisplayName: "Anna", Handle: "anna"}
	if err := anna.SetPassword(t.Context(), "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreatePerson(t.Context(), anna); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.post(c, "/login", url.Values{"email": {"anna@example.nl"}, "password": {"correct horse battery"}}), http.StatusSeeOther)
	wantStatus(t, e.get(c, "/account/delete"), http.StatusOK)

	t.Run("ErrWrongPassword", func(t *testing.T) {
		res := e.post(c, "/account/delete", url.Values{"password": {"wrong"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `id="password-error"`)
		if _, err := e.db.Person(t.Context(), anna.ID); err != nil {
			t.Errorf("after a wrong password: %v, want the account kept", err)
		}
	})

	t.Run("OK", func(t *testing.T) {
		res := e.post(c, "/account/delete", url.Values{"password": {"correct horse battery"}})
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Je account is verwijderd", `href="/signup"`)
		if !strings.Contains(res.Header.Get("Set-Cookie"), "Max-Age=0") {
			t.Errorf("the session cookie was not cleared: %q", res.Header.Get("Set-Cookie"))
		}
		if _, err := e.db.Person(t.Context(), anna.ID); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("after delete: %v, want ENOTFOUND", err)
		}
		wantStatus(t, e.post(e.client(), "/login", url.Values{"email": {"anna@example.nl"}, "password": {"correct horse battery"}}), http.StatusUnauthorized)
		jobs := storetest.Jobs[vestiging.PersonDeletedJob](t, e.db, vestiging.PersonDeletedJob{}.Kind())
		if len(jobs) != 1 || jobs[0].Handle != "anna" {
			t.Errorf("person_deleted jobs %+v, want one for anna", jobs)
		}
	})
}

// confirmLink presses the button behind a confirmation mail's link.
func (e *env) confirmLink(c *http.Client, link string) response {
	e.t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.post(c, "/confirm", url.Values{"token": {u.Query().Get("token")}})
}
