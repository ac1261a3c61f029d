package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vestiging/vestiging"
)

// The admins' pages for the library's own systems: API tokens at
// /staff/tokens and webhooks at /staff/webhooks.

func (s *Server) integrationRoutes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(s.requireAdmin)
		r.Get("/staff/tokens", s.tokensPage)
		r.Post("/staff/tokens", s.createToken)
		r.Post("/staff/tokens/{id}/revoke", s.revokeToken)
		r.Get("/staff/webhooks", s.webhooksPage)
		r.Post("/staff/webhooks", s.createWebhook)
		r.Post("/staff/webhooks/intranet", s.setIntranetHost)
		r.Get("/staff/webhooks/{id}", s.webhookPage)
		r.Post("/staff/webhooks/{id}/test", s.testWebhook)
		r.Post("/staff/webhooks/{id}/delete", s.deleteWebhook)
	})
}

// tokenLifetimes are the expiry choices of the token form, in days.
var tokenLifetimes = []int{7, 30, 90, 365, 730}

type tokensData struct {
	Tokens    []*vestiging.APIToken
	Scopes    []string
	Lifetimes []int
	Now       time.Time
	Names     map[string]string // what each scope allows
	// New is the token just made: shown once, here, and never again.
	New     string
	NewName string
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	f := newForm(nil)
	f.Set("expires", "90")
	s.renderTokens(w, r, http.StatusOK, f, "", "")
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, f *form, token, name string) {
	tokens, err := s.svc.APITokens(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("API tokens: %w", err))
		return
	}
	p := s.newPage(r, tokensData{Tokens: tokens, Scopes: vestiging.Scopes, Lifetimes: tokenLifetimes, Now: s.now(), Names: scopeNames,
		New: token, NewName: name})
	p.Form = f
	s.render(w, r, status, "staff_tokens", p)
}

// createToken makes a token and shows it once, on the page that answers
// the form: it is not stored, only its hash.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	token, hash := vestiging.NewAPIToken()
	now := s.now()
	t := &vestiging.APIToken{Name: f.Get("name"), Scopes: r.PostForm["scopes"], Hash: hash, CreatedBy: personFrom(r.Context()).ID,
		CreatedAt: now}
	if days, err := strconv.Atoi(f.Get("expires")); err == nil && slices.Contains(tokenLifetimes, days) {
		t.ExpiresAt = now.AddDate(0, 0, days)
	}
	// Every message at once, as the event form shows them.
	f.AddDomain(vestiging.FieldErrors(t.Validate()))
	if f.Valid() {
		err := s.svc.CreateAPIToken(r.Context(), t, s.auditEntry(r, "", "", ""))
		if vestiging.ErrorCode(err) != vestiging.EINVALID && err != nil {
			s.fail(w, r, err)
			return
		}
		f.AddDomain(vestiging.FieldErrors(err))
	}
	if !f.Valid() {
		s.renderTokens(w, r, http.StatusUnprocessableEntity, f, "", "")
		return
	}
	fresh := newForm(nil)
	fresh.Set("expires", "90")
	s.renderTokens(w, r, http.StatusCreated, fresh, token, t.Name)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.svc.RevokeAPIToken(r.Context(), id, s.auditEntry(r, "", "", "")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/staff/tokens", http.StatusSeeOther)
}

type webhooksData struct {
	Webhooks []*vestiging.Webhook
	Events   []string
	Names    map[string]string // each event's name
	// New is the webhook just registered, with its secret: shown once.
	New *vestiging.Webhook
}

func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request) {
	s.renderWebhooks(w, r, http.StatusOK, nil, nil)
}

// renderWebhooks shows the list and the forms; f holds the form that was
// sent (the new webhook's or the intranet host's), nil for none.
func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, f *form, created *vestiging.Webhook) {
	ctx := r.Context()
	hooks, err := s.svc.Webhooks(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f == nil {
		f = newForm(nil)
	}
	if _, sent := f.Values["intranet_host"]; !sent {
		host, err := s.svc.IntranetHost(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.Set("intranet_host", host)
	}
	p := s.newPage(r, webhooksData{Webhooks: hooks, Events: vestiging.HookEvents, Names: hookEventNames, New: created})
	p.Form = f
	s.render(w, r, status, "staff_webhooks", p)
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	h := &vestiging.Webhook{URL: f.Get("url"), Events: r.PostForm["events"], Secret: vestiging.NewWebhookSecret(),
		CreatedBy: personFrom(r.Context()).ID}
	err := s.svc.CreateWebhook(r.Context(), h, s.auditEntry(r, "", "", ""))
	switch vestiging.ErrorCode(err) {
	case "":
		s.renderWebhooks(w, r, http.StatusCreated, nil, h)
	case vestiging.EINVALID:
		f.AddDomain(vestiging.FieldErrors(err))
		s.renderWebhooks(w, r, http.StatusUnprocessableEntity, f, nil)
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) setIntranetHost(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	err := s.svc.SetIntranetHost(r.Context(), f.Get("intranet_host"), s.auditEntry(r, "", "", ""))
	switch vestiging.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/staff/webhooks", http.StatusSeeOther)
	case vestiging.EINVALID:
		f.AddDomain(vestiging.FieldErrors(err))
		s.renderWebhooks(w, r, http.StatusUnprocessableEntity, f, nil)
	default:
		s.fail(w, r, err)
	}
}

type webhookData struct {
	Webhook    *vestiging.Webhook
	Deliveries []*vestiging.WebhookDelivery
	Paging     paging
	Names      map[string]string // each event's name
	Sent       bool              // a test was just queued
}

// webhookPage is one webhook's delivery log, newest first.
func (s *Server) webhookPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := s.svc.Webhook(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	page, offset, err := pageNumber(q, vestiging.DefaultPageSize)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := webhookData{Webhook: h, Names: hookEventNames, Sent: q.Get("sent") != ""}
	var total int
	if d.Deliveries, total, err = s.svc.WebhookDeliveries(ctx, id, offset, vestiging.DefaultPageSize); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Paging = newPaging(r.URL.Path, q, page, vestiging.DefaultPageSize, total)
	s.render(w, r, http.StatusOK, "staff_webhook", s.newPage(r, d))
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.svc.TestWebhook(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/staff/webhooks/%d?sent=1", id), http.StatusSeeOther)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.svc.DeleteWebhook(r.Context(), id, s.auditEntry(r, "", "", "")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/staff/webhooks", http.StatusSeeOther)
}

// hookEventNames are the webhook events as the pages name them.
var hookEventNames = map[string]string{
	vestiging.HookRegistrationCreated:   "Someone signed up",
	vestiging.HookRegistrationCancelled: "A registration was cancelled",
	vestiging.HookRegistrationPromoted:  "A waitlist place was given",
	vestiging.HookEventPublished:        "An activity was published",
	vestiging.HookEventChanged:          "A published activity changed",
	vestiging.HookEventCancelled:        "An activity was cancelled",
	vestiging.HookOfferSubmitted:        "An offer or request waits for moderation",
	vestiging.HookReportReceived:        "A report came in",
	vestiging.HookTest:                  "Test",
}

// scopeNames say what each scope allows.
var scopeNames = map[string]string{
	vestiging.ScopeEventsRead:         "Read events, drafts too",
	vestiging.ScopeEventsWrite:        "Create, change, publish and cancel events and courses",
	vestiging.ScopeRegistrationsRead:  "Read and export who signed up",
	vestiging.ScopeRegistrationsWrite: "Check people in",
	vestiging.ScopeOffersModerate:     "Moderate offers and requests",
	vestiging.ScopeStatsRead:          "Read the statistics",
}
