package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/vestiging/vestiging"
)

func TestStaffTokens(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("beheer@example.nl", vestiging.RoleAdmin)
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	b := e.branch("Centrale")

	t.Run("AdminsOnly", func(t *testing.T) {
		wantStatus(t, e.get(staff, "/staff/tokens"), http.StatusForbidden)
		wantStatus(t, e.post(staff, "/staff/tokens", url.Values{"name": {"x"}, "scopes": {"events:read"}, "expires": {"90"}}), http.StatusForbidden)
		wantStatus(t, e.get(staff, "/staff/webhooks"), http.StatusForbidden)
		if tokens, _ := e.db.APITokens(t.Context()); len(tokens) != 0 {
			t.Errorf("tokens %+v", tokens)
		}
	})
	var token string
	t.Run("CreateShowsOnce", func(t *testing.T) {
		res := e.post(admin, "/staff/tokens", url.Values{"name": {"Website"}, "scopes": {"events:write", "events:read"}, "expires": {"30"}},
			"Accept-Language", "en")
		wantStatus(t, res, http.StatusCreated)
		token = regexp.MustCompile(`vst_[A-Za-z0-9_-]{43}`).FindString(res.Body)
		if token == "" {
			t.Fatalf("no token on the page:\n%s", res.Body)
		}
		list := e.get(admin, "/staff/tokens")
		wantContains(t, list, "Website", "events:write")
		wantNotContains(t, list, token)
		wantStatus(t, e.apiDo(http.MethodPost, "/api/v1/events", token, eventBody(b.ID, "Via de site", vestiging.StatusDraft)), http.StatusCreated)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		res := e.post(admin, "/staff/tokens", url.Values{"name": {""}, "expires": {"5000"}}, "Accept-Language", "en")
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, "Choose when the token expires.", "This field is required.", "Choose at least one scope.")
	})
	t.Run("Revoke", func(t *testing.T) {
		tokens, _ := e.db.APITokens(t.Context())
		wantStatus(t, e.post(admin, fmt.Sprintf("/staff/tokens/%d/revoke", tokens[0].ID), nil), http.StatusSeeOther)
		res := e.apiDo(http.MethodPost, "/api/v1/events", token, eventBody(b.ID, "Na intrekken", vestiging.StatusDraft), "Accept-Language", "en")
		wantStatus(t, res, http.StatusUnauthorized)
		wantContains(t, res, "This API token was revoked.")
		entry, _ := e.lastAudit()
		if entry.Action != "token.revoke" || entry.PersonName != "beheer" {
			t.Errorf("audit %+v", entry)
		}
		wantContains(t, e.get(admin, "/staff/tokens", "Accept-Language", "en"), "Revoked")
	})
}

func TestStaffWebhooks(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("beheer@example.nl", vestiging.RoleAdmin)
	res := e.post(admin, "/staff/webhooks", url.Values{"url": {"https://crm.example.nl/hook"},
		"events": {vestiging.HookEventPublished, vestiging.HookRegistrationCreated}}, "Accept-Language", "en")
	wantStatus(t, res, http.StatusCreated)
	hooks, err := e.db.Webhooks(t.Context())
	if err != nil || len(hooks) != 1 {
		t.Fatalf("webhooks %v, %v", hooks, err)
	}
	wantContains(t, res, hooks[0].Secret)
	wantNotContains(t, e.get(admin, "/staff/webhooks"), hooks[0].Secret)

	bad := e.post(admin, "/staff/webhooks", url.Values{"url": {"ftp://x"}}, "Accept-Language", "en")
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	wantContains(t, bad, "Choose at least one event.", "Enter a web address starting with http:// or https://.")

	wantStatus(t, e.post(admin, fmt.Sprintf("/staff/webhooks/%d/test", hooks[0].ID), nil), http.StatusSeeOther)
	page := e.get(admin, fmt.Sprintf("/staff/webhooks/%d?sent=1", hooks[0].ID), "Accept-Language", "en")
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page, "webhook.test", "Waiting", "A test is queued")

	wantStatus(t, e.post(admin, "/staff/webhooks/intranet", url.Values{"intranet_host": {"10.1.2.3"}}), http.StatusUnprocessableEntity)
	wantStatus(t, e.post(admin, "/staff/webhooks/intranet", url.Values{"intranet_host": {"crm.bieb.local"}}), http.StatusSeeOther)
	wantContains(t, e.get(admin, "/staff/webhooks"), `value="crm.bieb.local"`)

	wantStatus(t, e.post(admin, fmt.Sprintf("/staff/webhooks/%d/delete", hooks[0].ID), nil), http.StatusSeeOther)
	if hooks, _ := e.db.Webhooks(t.Context()); len(hooks) != 0 {
		t.Errorf("webhooks after delete %+v", hooks)
	}
	var actions []string
	for _, a := range e.auditLog() {
		actions = append(actions, a.Action)
	}
	if got := fmt.Sprint(actions); got != "[webhook.delete webhook.intranet webhook.create]" {
		t.Errorf("audit %s", got)
	}
}
