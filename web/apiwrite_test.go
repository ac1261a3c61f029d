package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store/storetest"
)

// apiToken stores a token with scopes, valid for 30 days from the test
// clock, and returns it.
func (e *env) apiToken(scopes ...string) string {
	e.t.Helper()
	token, hash := vestiging.NewAPIToken()
	now := e.clock.Now()
	t := &vestiging.APIToken{Name: "Test " + strings.Join(scopes, " "), Scopes: scopes, Hash: hash, CreatedAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour)}
	if err := e.db.CreateAPIToken(e.t.Context(), t, &vestiging.AuditEntry{}); err != nil {
		e.t.Fatalf("create API token: %v", err)
	}
	return token
}

// apiDo sends an API request with the token (none when ""), a JSON body
// (none when ""), and headers in pairs, and checks the answer against
// openapi.yaml.
func (e *env) apiDo(method, path, token, body string, header ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res := e.do(e.client(), req)
	checkContract(e.t, req, []byte(body), res)
	return res
}

// apiJSON decodes an answer.
func apiJSON[T any](t *testing.T, res response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(res.Body), &v); err != nil {
		t.Fatalf("%v: %s", err, res.Body)
	}
	return v
}

func TestAPITokens(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale")
	ev := e.event("Taalcafé", vestiging.StatusPublished, b, testNow.Add(24*time.Hour))
	writer := e.apiToken(vestiging.ScopeEventsWrite)
	reader := e.apiToken(vestiging.ScopeEventsRead)
	revoked := e.apiToken(vestiging.ScopeEventsWrite)
	tokens, err := e.db.APITokens(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.RevokeAPIToken(t.Context(), tokens[0].ID, &vestiging.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	cancel := fmt.Sprintf("/api/v1/events/%d/cancel", ev.ID)
	tests := []struct {
		name, token, lang string
		status            int
		message           string
	}{
		{"NoToken", "", "en", 401, "This request needs an API token with the scope events:write."},
		{"NoTokenDutch", "", "nl", 401, "Voor dit verzoek is een API-sleutel met het recht events:write nodig."},
		{"WrongScope", reader, "en", 403, "This API token lacks the scope events:write."},
		{"WrongScopeDutch", reader, "nl", 403, "Deze API-sleutel heeft het recht events:write niet."},
		{"Unknown", "vst_nothing", "en", 401, "This API token is not known here."},
		{"Revoked", revoked, "en", 401, "This API token was revoked."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.apiDo(http.MethodPost, cancel, tt.token, "", "Accept-Language", tt.lang)
			wantStatus(t, res, tt.status)
			if got := apiJSON[apiErrorJSON](t, res).Error.Message; got != tt.message {
				t.Errorf("message %q, want %q", got, tt.message)
			}
			if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
			}
		})
	}
	if got, _ := e.db.Event(t.Context(), ev.ID); got.Status != vestiging.StatusPublished {
		t.Fatalf("refused requests changed the event to %s", got.Status)
	}
	t.Run("BadHeader", func(t *testing.T) {
		res := e.apiDo(http.MethodPost, cancel, "", "", "Authorization", "Basic dXNlcjpwdw==")
		wantStatus(t, res, http.StatusUnauthorized)
	})
	t.Run("OK", func(t *testing.T) {
		res := e.apiDo(http.MethodPost, cancel, writer, "")
		wantStatus(t, res, http.StatusOK)
		if got := apiJSON[map[string]any](t, res)["status"]; got != vestiging.StatusCancelled {
			t.Errorf("status %v", got)
		}
		if got := res.Header.Get("Cache-Control"); got != "private, no-store" {
			t.Errorf("Cache-Control %q", got)
		}
		tokens, _ := e.db.APITokens(t.Context())
		if used := tokens[len(tokens)-1].LastUsedAt; used == nil || !used.Equal(e.clock.Now()) {
			t.Errorf("last used %v, want %v", used, e.clock.Now())
		}
	})
	t.Run("Expired", func(t *testing.T) {
		e.clock.Add(31 * 24 * time.Hour)
		defer e.clock.Add(-31 * 24 * time.Hour)
		res := e.apiDo(http.MethodPost, cancel, writer, "", "Accept-Language", "en")
		wantStatus(t, res, http.StatusUnauthorized)
		if got := apiJSON[apiErrorJSON](t, res).Error.Message; got != "This API token has expired." {
			t.Errorf("message %q", got)
		}
	})
	t.Run("ReadsDrafts", func(t *testing.T) {
		draft := e.event("Concept", vestiging.StatusDraft, b, testNow.Add(48*time.Hour))
		path := fmt.Sprintf("/api/v1/events/%d", draft.ID)
		wantStatus(t, e.apiDo(http.MethodGet, path, "", ""), http.StatusNotFound)
		wantStatus(t, e.apiDo(http.MethodGet, path, writer, ""), http.StatusNotFound)
		wantStatus(t, e.apiDo(http.MethodGet, path, reader, ""), http.StatusOK)
		list := apiJSON[apiEventList](t, e.apiDo(http.MethodGet, "/api/v1/events?status=draft", reader, ""))
		if len(list.Events) != 1 || list.Events[0].ID != draft.ID {
			t.Errorf("drafts %+v", list.Events)
		}
		wantStatus(t, e.apiDo(http.MethodGet, "/api/v1/events?status=draft", "", ""), http.StatusForbidden)
	})
	t.Run("RateLimit", func(t *testing.T) {
		limited := e.apiToken(vestiging.ScopeStatsRead)
		for i := range apiTokenRequests {
			if res := e.apiDo(http.MethodGet, "/api/v1/libraries", limited, ""); res.Status != http.StatusOK {
				t.Fatalf("request %d: status %d", i+1, res.Status)
			}
		}
		res := e.apiDo(http.MethodGet, "/api/v1/libraries", limited, "")
		wantStatus(t, res, http.StatusTooManyRequests)
		if res.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
		// Another token, and the public, are not held up.
		wantStatus(t, e.apiDo(http.MethodGet, "/api/v1/libraries", reader, ""), http.StatusOK)
		wantStatus(t, e.apiDo(http.MethodGet, "/api/v1/libraries", "", ""), http.StatusOK)
	})
}

// eventBody is a valid new event at branch for POST.
func eventBody(branch int64, title, status string) string {
	return fmt.Sprintf(`{"title": %q, "description_html": "<p>Kom praten</p>", "starts_at": "2026-03-10T14:00:00+01:00",
		"ends_at": "2026-03-10T16:00:00+01:00", "status": %q, "place": {"branch_id": %d}, "theme": {"slug": "leesplezier"},
		"registration": {"mode": "open", "capacity": 12}}`, title, status, branch)
}

func TestAPICreateEvent(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale")
	token := e.apiToken(vestiging.ScopeEventsWrite, vestiging.ScopeEventsRead)

	t.Run("OK", func(t *testing.T) {
		res := e.apiDo(http.MethodPost, "/api/v1/events", token, eventBody(b.ID, "Taalcafé", vestiging.StatusDraft))
		wantStatus(t, res, http.StatusCreated)
		got := apiJSON[apiEventJSON](t, res)
		if got.Title != "Taalcafé" || got.Status != vestiging.StatusDraft || got.StartsAt != "2026-03-10T14:00:00+01:00" ||
			got.Registration.Capacity != 12 || got.Theme == nil || got.Theme.Slug != "leesplezier" || *got.Place.BranchID != b.ID {
			t.Errorf("created %+v", got)
		}
		if want := fmt.Sprintf("%s/api/v1/events/%d", "http://localhost", got.ID); res.Location != want {
			t.Errorf("Location %q, want %q", res.Location, want)
		}
		// What GET returns, POSTed back, makes the same event again.
		again := e.apiDo(http.MethodPost, "/api/v1/events", token, res.Body)
		wantStatus(t, again, http.StatusCreated)
		copied := apiJSON[apiEventJSON](t, again)
		if copied.ID == got.ID || copied.Title != got.Title || copied.StartsAt != got.StartsAt {
			t.Errorf("round trip %+v", copied)
		}
	})
	t.Run("Course", func(t *testing.T) {
		body := fmt.Sprintf(`{"kind": "course", "title": "Digisterker", "status": "published", "sessions": [
			{"starts_at": "2026-03-17T10:00:00+01:00", "ends_at": "2026-03-17T12:00:00+01:00", "place": {"branch_id": %[1]d}},
			{"starts_at": "2026-03-10T10:00:00+01:00", "ends_at": "2026-03-10T12:00:00+01:00", "place": {"branch_id": %[1]d}}]}`, b.ID)
		res := e.apiDo(http.MethodPost, "/api/v1/events", token, body)
		wantStatus(t, res, http.StatusCreated)
		got := apiJSON[apiEventJSON](t, res)
		if got.Kind != vestiging.KindCourse || len(got.Sessions) != 2 || got.StartsAt != "2026-03-10T10:00:00+01:00" ||
			got.EndsAt != "2026-03-17T12:00:00+01:00" {
			t.Errorf("course %+v", got)
		}
	})
	t.Run("ListsAndPrice", func(t *testing.T) {
		body := fmt.Sprintf(`{"title": "Digicafé", "starts_at": "2026-03-10T14:00:00+01:00", "ends_at": "2026-03-10T16:00:00+01:00",
			"place": {"branch_id": %d}, "themes": [{"slug": "digitale-vaardigheden"}, {"slug": "leesplezier"}],
			"audiences": ["adults", "seniors"], "price": {"amount_cents": 500, "member_amount_cents": 300, "note": "incl. koffie"}}`, b.ID)
		res := e.apiDo(http.MethodPost, "/api/v1/events", token, body)
		wantStatus(t, res, http.StatusCreated)
		got := apiJSON[apiEventJSON](t, res)
		if len(got.Themes) != 2 || got.Themes[0].Slug != "digitale-vaardigheden" || got.Theme.Slug != "digitale-vaardigheden" ||
			strings.Join(got.Audiences, ",") != "adults,seniors" || got.Price == nil || got.Price.AmountCents != 500 ||
			*got.Price.MemberAmountCents != 300 || got.Price.Note != "incl. koffie" {
			t.Errorf("created %+v", got)
		}
		// The single form, sent alone, replaces the list.
		res = e.apiDo(http.MethodPatch, fmt.Sprintf("/api/v1/events/%d", got.ID), token, `{"audience": "children", "price": null}`)
		wantStatus(t, res, http.StatusOK)
		if got := apiJSON[apiEventJSON](t, res); strings.Join(got.Audiences, ",") != "children" || got.Price != nil || len(got.Themes) != 2 {
			t.Errorf("patched %+v", got)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		before := len(e.events())
		tests := []struct {
			name, body, lang string
			status           int
			fields           map[string]string
		}{
			{"Fields", `{"title": "", "starts_at": "10 maart", "registration": {"mode": "external"}}`, "en", 422, map[string]string{
				"title": "This field is required.", "starts_at": "Give the time as RFC 3339 with its offset, such as 2026-12-05T14:00:00+01:00.",
				"ends_at": "Give an end date and time.", "place.branch_id": "Choose a branch or another place, or give an online link.",
				"registration.url": "Give the address where people register."}},
			{"Dutch", `{"title": ""}`, "nl", 422, map[string]string{"title": "Dit veld is verplicht."}},
			{"UnknownField", `{"titel": "x"}`, "en", 422, map[string]string{"titel": "Unknown field."}},
			{"WrongType", `{"title": 12}`, "en", 422, map[string]string{"title": "This value has the wrong type."}},
			{"Pending", eventBody(b.ID, "x", vestiging.StatusPending), "en", 422, map[string]string{"status": "Choose draft, published or cancelled."}},
			{"UnknownBranch", eventBody(b.ID+100, "x", vestiging.StatusDraft), "en", 400, nil},
			{"NotJSON", `{"title": `, "en", 400, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := e.apiDo(http.MethodPost, "/api/v1/events", token, tt.body, "Accept-Language", tt.lang)
				wantStatus(t, res, tt.status)
				got := apiJSON[apiErrorJSON](t, res).Error
				for k, want := range tt.fields {
					if got.Fields[k] != want {
						t.Errorf("field %s: %q, want %q (all: %v)", k, got.Fields[k], want, got.Fields)
					}
				}
			})
		}
		if after := len(e.events()); after != before {
			t.Errorf("%d events after refused requests, want %d", after, before)
		}
	})
}

func TestAPIIdempotency(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale")
	token := e.apiToken(vestiging.ScopeEventsWrite)
	other := e.apiToken(vestiging.ScopeEventsWrite)
	body := eventBody(b.ID, "Eén keer", vestiging.StatusPublished)

	t.Run("TwiceGivesOneEvent", func(t *testing.T) {
		before := len(e.events())
		first := e.apiDo(http.MethodPost, "/api/v1/events", token, body, "Idempotency-Key", "order-1")
		wantStatus(t, first, http.StatusCreated)
		second := e.apiDo(http.MethodPost, "/api/v1/events", token, body, "Idempotency-Key", "order-1")
		wantStatus(t, second, http.StatusCreated)
		if second.Body != first.Body || second.Header.Get("Idempotent-Replayed") != "true" || first.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("replay:\n%s\nfirst:\n%s", second.Body, first.Body)
		}
		if got := len(e.events()); got != before+1 {
			t.Errorf("%d events, want %d", got, before+1)
		}
		// The published event was announced to followers once.
		if jobs := storetest.Jobs[vestiging.PublishJob](t, e.db, vestiging.PublishJob{}.Kind()); len(jobs) != 1 {
			t.Errorf("publish jobs %+v, want one", jobs)
		}
		// Another token's key is its own.
		third := e.apiDo(http.MethodPost, "/api/v1/events", other, body, "Idempotency-Key", "order-1")
		wantStatus(t, third, http.StatusCreated)
		if got := len(e.events()); got != before+2 {
			t.Errorf("%d events, want %d", got, before+2)
		}
	})
	t.Run("OtherBody", func(t *testing.T) {
		res := e.apiDo(http.MethodPost, "/api/v1/events", token, eventBody(b.ID, "Anders", vestiging.StatusDraft),
			"Idempotency-Key", "order-1", "Accept-Language", "en")
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := apiJSON[apiErrorJSON](t, res).Error.Fields["Idempotency-Key"]; !strings.Contains(got, "another request") {
			t.Errorf("message %q", got)
		}
	})
	t.Run("CrashBeforeAnswer", func(t *testing.T) {
		// A process that stored the event and its key, then stopped before
		// it answered: the client's retry gets that event, not another.
		tokens, err := e.db.APITokens(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		retry := eventBody(b.ID, "Na de crash", vestiging.StatusDraft)
		req, _ := http.NewRequest(http.MethodPost, "/api/v1/events", nil)
		k := &vestiging.Idempotency{TokenID: tokens[0].ID, Key: "crash-1", Fingerprint: fingerprint(req, []byte(retry))}
		stored := &vestiging.Event{Title: "Na de crash", StartsAt: testNow.Add(time.Hour), EndsAt: testNow.Add(2 * time.Hour), BranchID: &b.ID}
		if err := e.db.CreateEventOnce(t.Context(), stored, k); err != nil {
			t.Fatal(err)
		}
		before := len(e.events())
		res := e.apiDo(http.MethodPost, "/api/v1/events", other, retry, "Idempotency-Key", "crash-1")
		wantStatus(t, res, http.StatusCreated)
		if got := apiJSON[apiEventJSON](t, res); got.ID != stored.ID || res.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("answer %+v, want event %d replayed", got, stored.ID)
		}
		if got := len(e.events()); got != before {
			t.Errorf("%d events, want %d", got, before)
		}
	})
	t.Run("Expires", func(t *testing.T) {
		before := len(e.events())
		e.clock.Add(vestiging.IdempotencyWindow + time.Minute)
		defer e.clock.Add(-vestiging.IdempotencyWindow - time.Minute)
		res := e.apiDo(http.MethodPost, "/api/v1/events", token, body, "Idempotency-Key", "order-1")
		wantStatus(t, res, http.StatusCreated)
		if res.Header.Get("Idempotent-Replayed") != "" || len(e.events()) != before+1 {
			t.Errorf("a key a day old was replayed")
		}
	})
	t.Run("BadKey", func(t *testing.T) {
		res := e.apiDo(http.MethodPost, "/api/v1/events", token, body, "Idempotency-Key", strings.Repeat("k", 300))
		wantStatus(t, res, http.StatusUnprocessableEntity)
	})
}

func TestAPIUpdateEvent(t *testing.T) {
	e := newEnv(t)
	b, other := e.branch("Centrale"), e.branch("Noord")
	token := e.apiToken(vestiging.ScopeEventsWrite)
	created := apiJSON[apiEventJSON](t, e.apiDo(http.MethodPost, "/api/v1/events", token, eventBody(b.ID, "Taalcafé", vestiging.StatusDraft)))
	path := fmt.Sprintf("/api/v1/events/%d", created.ID)

	t.Run("MergePatch", func(t *testing.T) {
		res := e.apiDo(http.MethodPatch, path, token, fmt.Sprintf(`{"title": "Taalcafé Noord", "place": {"branch_id": %d}, "image": null}`, other.ID))
		wantStatus(t, res, http.StatusOK)
		got := apiJSON[apiEventJSON](t, res)
		if got.Title != "Taalcafé Noord" || *got.Place.BranchID != other.ID || got.StartsAt != created.StartsAt ||
			got.Registration.Capacity != 12 || got.Theme.Slug != "leesplezier" || got.DescriptionHTML != created.DescriptionHTML {
			t.Errorf("patched %+v", got)
		}
		if stored, _ := e.db.Event(t.Context(), created.ID); stored.Title != "Taalcafé Noord" {
			t.Errorf("stored title %q", stored.Title)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		res := e.apiDo(http.MethodPatch, path, token, `{"title": "", "ends_at": "2026-03-10T13:00:00+01:00"}`, "Accept-Language", "en")
		wantStatus(t, res, http.StatusUnprocessableEntity)
		fields := apiJSON[apiErrorJSON](t, res).Error.Fields
		if fields["title"] != "This field is required." || fields["ends_at"] != "The end must be after the start." {
			t.Errorf("fields %v", fields)
		}
		if stored, _ := e.db.Event(t.Context(), created.ID); stored.Title != "Taalcafé Noord" {
			t.Errorf("a refused patch changed the title to %q", stored.Title)
		}
	})
	t.Run("Questions", func(t *testing.T) {
		res := e.apiDo(http.MethodPatch, path, token, `{"questions": [{"kind": "text", "label": "Leeftijd?", "required": true},
			{"kind": "choice", "label": "Niveau?", "options": ["A1"]}]}`, "Accept-Language", "en")
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if fields := apiJSON[apiErrorJSON](t, res).Error.Fields; fields["questions[1].options"] != "Give from 2 to 10 options, one per line." {
			t.Errorf("fields %v", fields)
		}
		res = e.apiDo(http.MethodPatch, path, token, `{"questions": [{"kind": "text", "label": "Leeftijd?", "required": true}]}`)
		wantStatus(t, res, http.StatusOK)
		got := apiJSON[apiEventJSON](t, res).Questions
		if len(got) != 1 || got[0].ID == 0 || !got[0].Required {
			t.Fatalf("questions %+v", got)
		}
		// A patch of something else keeps them, with their ids.
		res = e.apiDo(http.MethodPatch, path, token, `{"title": "Taalcafé Noord"}`)
		if again := apiJSON[apiEventJSON](t, res).Questions; len(again) != 1 || again[0].ID != got[0].ID {
			t.Errorf("questions after another patch %+v, want %+v", again, got)
		}
	})
	t.Run("PublishAndCancel", func(t *testing.T) {
		res := e.apiDo(http.MethodPost, path+"/publish", token, "", "Idempotency-Key", "publish-1")
		wantStatus(t, res, http.StatusOK)
		again := e.apiDo(http.MethodPost, path+"/publish", token, "", "Idempotency-Key", "publish-1")
		if again.Body != res.Body || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("publish replay %s", again.Body)
		}
		wantStatus(t, e.apiDo(http.MethodPost, path+"/cancel", token, ""), http.StatusOK)
		jobs := storetest.Jobs[vestiging.PublishJob](t, e.db, vestiging.PublishJob{}.Kind())
		var actions []string
		for _, j := range jobs {
			actions = append(actions, j.Action)
		}
		if got, want := strings.Join(actions, " "), "Create Update"; got != want {
			t.Errorf("federation jobs %q, want %q: publishing goes to followers as from the form", got, want)
		}
	})
	t.Run("Remote", func(t *testing.T) {
		wantStatus(t, e.apiDo(http.MethodPatch, "/api/v1/events/9999", token, `{"title": "x"}`), http.StatusNotFound)
	})
}

func TestAPIRegistrations(t *testing.T) {
	e := newEnv(t)
	ev := e.openEvent("Taalcafé", 1, func(ev *vestiging.Event) {
		ev.Questions = []*vestiging.Question{{Kind: vestiging.QuestionChoice, Label: "Welk niveau?", Options: []string{"A1", "A2"}}}
	})
	anna, _ := e.registrant("anna@example.nl")
	bert, _ := e.registrant("bert@example.nl")
	answers := map[*vestiging.Person][]vestiging.Answer{anna: {{QuestionID: ev.Questions[0].ID, Value: "A2"}}}
	for _, p := range []*vestiging.Person{anna, bert} {
		if err := e.db.Register(t.Context(), &vestiging.Registration{EventID: ev.ID, PersonID: p.ID, Answers: answers[p]}); err != nil {
			t.Fatal(err)
		}
	}
	reader := e.apiToken(vestiging.ScopeRegistrationsRead)
	writer := e.apiToken(vestiging.ScopeRegistrationsWrite)
	path := fmt.Sprintf("/api/v1/events/%d/registrations", ev.ID)

	list := apiJSON[apiRegistrationList](t, e.apiDo(http.MethodGet, path, reader, ""))
	if len(list.Registrations) != 2 || list.Participants != 1 || list.Waitlisted != 1 || list.Capacity != 1 {
		t.Fatalf("registrations %+v", list)
	}
	first, second := list.Registrations[0], list.Registrations[1]
	if first.Email != "anna@example.nl" || first.State != vestiging.RegistrationConfirmed || second.WaitlistPosition == nil || *second.WaitlistPosition != 1 {
		t.Errorf("registrations %+v", list.Registrations)
	}
	storetest.Same(t, "answers", [][]apiAnswer{first.Answers, second.Answers},
		[][]apiAnswer{{{QuestionID: ev.Questions[0].ID, Question: "Welk niveau?", Answer: "A2"}}, {}})
	event := apiJSON[apiEventJSON](t, e.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/events/%d", ev.ID), "", ""))
	storetest.Same(t, "questions", event.Questions, []apiQuestion{{ID: ev.Questions[0].ID, Kind: vestiging.QuestionChoice, Label: "Welk niveau?",
		Options: []string{"A1", "A2"}}})
	wantStatus(t, e.apiDo(http.MethodGet, path, writer, ""), http.StatusForbidden)

	csv := e.apiDo(http.MethodGet, path+".csv", reader, "", "Accept-Language", "en")
	wantStatus(t, csv, http.StatusOK)
	wantContains(t, csv, "Name;Email address", "anna@example.nl", "bert@example.nl")

	checkIn := fmt.Sprintf("%s/%d/check-in", path, first.ID)
	wantStatus(t, e.apiDo(http.MethodPost, checkIn, reader, ""), http.StatusForbidden)
	got := apiJSON[apiRegistrationJSON](t, e.apiDo(http.MethodPost, checkIn, writer, ""))
	if got.CheckedInAt == nil {
		t.Errorf("checked in %+v", got)
	}
	got = apiJSON[apiRegistrationJSON](t, e.apiDo(http.MethodPost, checkIn, writer, `{"attended": false}`))
	if got.CheckedInAt != nil {
		t.Errorf("check-in cleared %+v", got)
	}
	other := e.openEvent("Ander", 0)
	wantStatus(t, e.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/events/%d/registrations/%d/check-in", other.ID, first.ID), writer, ""),
		http.StatusNotFound)
}

func TestAPIOffers(t *testing.T) {
	e := newEnv(t)
	author, c := e.resident("auteur@example.nl")
	first := e.postOffer(c, author, nil)
	second := e.postOffer(c, author, func(v url.Values) { v.Set("title", "Samen Nederlands oefenen") })
	token := e.apiToken(vestiging.ScopeOffersModerate)

	queue := apiJSON[apiOfferList](t, e.apiDo(http.MethodGet, "/api/v1/offers", token, ""))
	if queue.Total != 2 || queue.Offers[0].Status != vestiging.OfferPending {
		t.Fatalf("queue %+v", queue)
	}
	approved := apiJSON[apiOfferJSON](t, e.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/offers/%d/approve", first.ID), token, ""))
	if approved.Status != vestiging.OfferApproved {
		t.Errorf("approved %+v", approved)
	}
	reject := fmt.Sprintf("/api/v1/offers/%d/reject", second.ID)
	wantStatus(t, e.apiDo(http.MethodPost, reject, token, `{}`), http.StatusUnprocessableEntity)
	rejected := apiJSON[apiOfferJSON](t, e.apiDo(http.MethodPost, reject, token, `{"reason": "Graag in het Nederlands."}`))
	if rejected.Status != vestiging.OfferRejected || rejected.Reason != "Graag in het Nederlands." {
		t.Errorf("rejected %+v", rejected)
	}
	entry, _ := e.lastAudit()
	if entry.Action != "offer.reject" || !strings.Contains(entry.Reason, "API token") || !strings.Contains(entry.Reason, "Graag in het Nederlands.") {
		t.Errorf("audit %+v", entry)
	}
	if left := apiJSON[apiOfferList](t, e.apiDo(http.MethodGet, "/api/v1/offers", token, "")); left.Total != 0 {
		t.Errorf("queue after moderation %+v", left)
	}
}
