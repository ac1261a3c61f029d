package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// newAPIToken stores a token by admin with scopes, expiring in a day.
func newAPIToken(t *testing.T, db *store.DB, admin *vestiging.Person, name string, scopes ...string) (string, *vestiging.APIToken) {
	t.Helper()
	token, hash := vestiging.NewAPIToken()
	now := time.Now().UTC()
	tok := &vestiging.APIToken{Name: name, Scopes: scopes, Hash: hash, CreatedBy: admin.ID, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	if err := db.CreateAPIToken(t.Context(), tok, &vestiging.AuditEntry{PersonID: admin.ID}); err != nil {
		t.Fatalf("create API token: %v", err)
	}
	return token, tok
}

// auditActions lists the audit log's actions and targets, newest first.
func auditActions(t *testing.T, db *store.DB) []string {
	t.Helper()
	entries, _, err := db.AuditLog(t.Context(), 0, vestiging.MaxPageSize)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, e := range entries {
		out = append(out, e.Action+" "+e.Target)
	}
	return out
}

func testAPITokens(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		admin := person(t, db, "beheer@example.nl", "Beheer")
		token, tok := newAPIToken(t, db, admin, "Website", vestiging.ScopeEventsWrite, vestiging.ScopeEventsRead)
		_, other := newAPIToken(t, db, admin, "Kassa", vestiging.ScopeRegistrationsRead)
		if tok.ID == 0 || len(token) < 40 || tok.Hash != vestiging.HashToken(token) {
			t.Fatalf("token %q stored as %+v", token, tok)
		}
		got, err := db.APITokenByHash(ctx, vestiging.HashToken(token))
		if err != nil {
			t.Fatal(err)
		}
		tok.CreatedByName = "Beheer"
		same(t, "token by hash", got, tok)
		list, err := db.APITokens(ctx)
		if err != nil || len(list) != 2 || list[0].ID != other.ID || list[1].ID != tok.ID {
			t.Fatalf("tokens %+v, %v: want newest first", list, err)
		}

		used := time.Now().UTC().Truncate(time.Microsecond)
		for _, at := range []time.Time{used, used.Add(30 * time.Second)} {
			if err := db.TouchAPIToken(ctx, tok.ID, at); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ = db.APITokenByHash(ctx, tok.Hash); got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
			t.Errorf("last used %v, want %v: a use within the minute writes nothing", got.LastUsedAt, used)
		}

		if err := db.RevokeAPIToken(ctx, tok.ID, &vestiging.AuditEntry{PersonID: admin.ID}); err != nil {
			t.Fatal(err)
		}
		got, _ = db.APITokenByHash(ctx, tok.Hash)
		if got.RevokedAt == nil {
			t.Error("revoked token has no RevokedAt")
		}
		if err := got.Check(time.Now()); vestiging.ErrorCode(err) != vestiging.EUNAUTHORIZED {
			t.Errorf("revoked token checks %v", err)
		}
		wantCode(t, db.RevokeAPIToken(ctx, tok.ID, &vestiging.AuditEntry{PersonID: admin.ID}), vestiging.EINVALID)
		same(t, "audit log", auditActions(t, db), []string{"token.revoke API token 1 (Website)",
			"token.create API token 2 (Kassa)", "token.create API token 1 (Website)"})
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		now := time.Now()
		_, hash := vestiging.NewAPIToken()
		for name, tok := range map[string]*vestiging.APIToken{
			"no scope":      {Name: "x", Hash: hash, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
			"unknown scope": {Name: "x", Scopes: []string{"events:delete"}, Hash: hash, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
			"expired":       {Name: "x", Scopes: []string{vestiging.ScopeEventsRead}, Hash: hash, CreatedAt: now, ExpiresAt: now.Add(-time.Hour)},
			"no name":       {Scopes: []string{vestiging.ScopeEventsRead}, Hash: hash, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		} {
			wantCode(t, db.CreateAPIToken(t.Context(), tok, &vestiging.AuditEntry{}), vestiging.EINVALID)
			if tok.ID != 0 {
				t.Errorf("%s: stored as %d", name, tok.ID)
			}
		}
		if list, err := db.APITokens(t.Context()); err != nil || len(list) != 0 {
			t.Errorf("tokens %v, %v; want none", list, err)
		}
		if len(auditActions(t, db)) != 0 {
			t.Error("a refused token was logged")
		}
		_, err := db.APITokenByHash(t.Context(), hash)
		wantCode(t, err, vestiging.ENOTFOUND)
		wantCode(t, db.RevokeAPIToken(t.Context(), 99, &vestiging.AuditEntry{}), vestiging.ENOTFOUND)
	})
}

func testIdempotency(t *testing.T, open func(t *testing.T) *store.DB) {
	f := newFixture(t, open)
	ctx := t.Context()
	admin := person(t, f.db, "beheer@example.nl", "Beheer")
	_, a := newAPIToken(t, f.db, admin, "A", vestiging.ScopeEventsWrite)
	_, b := newAPIToken(t, f.db, admin, "B", vestiging.ScopeEventsWrite)
	key := &vestiging.Idempotency{TokenID: a.ID, Key: "order-1", Fingerprint: "sha-of-body"}

	t.Run("CreateOnce", func(t *testing.T) {
		e := f.event("Eenmalig", 1)
		if err := f.db.CreateEventOnce(ctx, e, key); err != nil {
			t.Fatal(err)
		}
		before := f.count(t)
		again := f.event("Eenmalig", 1)
		wantCode(t, f.db.CreateEventOnce(ctx, again, key), vestiging.ECONFLICT)
		if again.ID != 0 || f.count(t) != before {
			t.Errorf("the second create made event %d; %d events, want %d", again.ID, f.count(t), before)
		}
		got, err := f.db.IdempotentResponse(ctx, key)
		if err != nil || got.Status != 201 || got.EventID != e.ID || got.Body != nil || got.Fingerprint != key.Fingerprint {
			t.Fatalf("stored answer %+v, %v", got, err)
		}
		// The answer is completed once written; then it is the answer.
		if err := f.db.SaveIdempotentResponse(ctx, key, 201, []byte(`{"id":1}`)); err != nil {
			t.Fatal(err)
		}
		got, err = f.db.IdempotentResponse(ctx, key)
		if err != nil || string(got.Body) != `{"id":1}` || got.EventID != e.ID {
			t.Fatalf("completed answer %+v, %v", got, err)
		}
		wantCode(t, f.db.SaveIdempotentResponse(ctx, key, 201, []byte(`{"id":2}`)), vestiging.ECONFLICT)
	})
	t.Run("PerToken", func(t *testing.T) {
		other := *key
		other.TokenID = b.ID
		_, err := f.db.IdempotentResponse(ctx, &other)
		wantCode(t, err, vestiging.ENOTFOUND)
		if err := f.db.SaveIdempotentResponse(ctx, &other, 200, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		changed := other
		changed.Fingerprint = "another body"
		wantCode(t, f.db.SaveIdempotentResponse(ctx, &changed, 200, []byte(`{}`)), vestiging.ECONFLICT)
	})
	t.Run("ErrInvalidEvent", func(t *testing.T) {
		bad := f.event("", 1)
		k := &vestiging.Idempotency{TokenID: a.ID, Key: "bad", Fingerprint: "x"}
		wantCode(t, f.db.CreateEventOnce(ctx, bad, k), vestiging.EINVALID)
		_, err := f.db.IdempotentResponse(ctx, k)
		wantCode(t, err, vestiging.ENOTFOUND)
	})
}

// hookLog reads the webhook deliveries of one webhook queued since its
// last call, oldest first, with their data decoded, and checks each has
// its job.
type hookLog struct {
	db   *store.DB
	hook *vestiging.Webhook
	seen int
}

type hookSeen struct {
	Event string
	Data  vestiging.HookData
}

func (l *hookLog) next(t *testing.T) []hookSeen {
	t.Helper()
	list, total, err := l.db.WebhookDeliveries(t.Context(), l.hook.ID, 0, vestiging.MaxPageSize)
	if err != nil {
		t.Fatal(err)
	}
	if total != len(list) {
		t.Fatalf("deliveries: total %d, listed %d", total, len(list))
	}
	jobs := map[int64]bool{}
	for _, j := range Jobs[vestiging.WebhookJob](t, l.db, vestiging.WebhookJob{}.Kind()) {
		jobs[j.DeliveryID] = true
	}
	out := []hookSeen{}
	for i := len(list) - l.seen - 1; i >= 0; i-- {
		d := list[i]
		if !jobs[d.ID] || d.Status != vestiging.DeliveryPending || d.WebhookID != l.hook.ID {
			t.Errorf("delivery %+v: want pending with its job", d)
		}
		s := hookSeen{Event: d.Event}
		if err := json.Unmarshal(d.Data, &s.Data); err != nil {
			t.Fatal(err)
		}
		if s.Data.Event != nil {
			s.Data.Event.StartsAt = time.Time{}
		}
		out = append(out, s)
	}
	l.seen = len(list)
	return out
}

func testWebhooks(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	admin := person(t, db, "beheer@example.nl", "Beheer")
	by := func() *vestiging.AuditEntry { return &vestiging.AuditEntry{PersonID: admin.ID} }
	all := &vestiging.Webhook{URL: "https://crm.example.nl/hook", Events: vestiging.HookEvents, Secret: vestiging.NewWebhookSecret(), CreatedBy: admin.ID}
	if err := db.CreateWebhook(ctx, all, by()); err != nil {
		t.Fatal(err)
	}
	only := &vestiging.Webhook{URL: "https://site.example.nl/hook", Events: []string{vestiging.HookEventCancelled}, Secret: vestiging.NewWebhookSecret()}
	if err := db.CreateWebhook(ctx, only, by()); err != nil {
		t.Fatal(err)
	}
	log, onlyLog := &hookLog{db: db, hook: all}, &hookLog{db: db, hook: only}
	s := newSignUps(t, db)

	t.Run("Events", func(t *testing.T) {
		e := s.event(t, 1)
		draft := s.event(t, 0, func(e *vestiging.Event) { e.Status = vestiging.StatusDraft })
		ev := func(e *vestiging.Event, status string) *vestiging.HookEvent {
			return &vestiging.HookEvent{ID: e.ID, Kind: e.Kind, Title: e.Title, Status: status}
		}
		same(t, "create", log.next(t), []hookSeen{{vestiging.HookEventPublished, vestiging.HookData{Event: ev(e, vestiging.StatusPublished)}}})
		e.Title = "Taalcafé, nieuw"
		if err := db.UpdateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		draft.Status = vestiging.StatusPublished
		if err := db.UpdateEvent(ctx, draft); err != nil {
			t.Fatal(err)
		}
		e.Status = vestiging.StatusCancelled
		if err := db.UpdateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		same(t, "edit, publish, cancel", log.next(t), []hookSeen{
			{vestiging.HookEventChanged, vestiging.HookData{Event: ev(e, vestiging.StatusPublished)}},
			{vestiging.HookEventPublished, vestiging.HookData{Event: ev(draft, vestiging.StatusPublished)}},
			{vestiging.HookEventCancelled, vestiging.HookData{Event: ev(e, vestiging.StatusCancelled)}},
		})
		same(t, "the other webhook's", onlyLog.next(t), []hookSeen{{vestiging.HookEventCancelled, vestiging.HookData{Event: ev(e, vestiging.StatusCancelled)}}})
	})
	t.Run("Registrations", func(t *testing.T) {
		e := s.event(t, 1)
		log.next(t)
		people := s.people(t, 2)
		first, second := s.register(t, e, people[0]), s.register(t, e, people[1])
		if _, err := db.CancelRegistration(ctx, first.ID); err != nil {
			t.Fatal(err)
		}
		reg := func(r *vestiging.Registration, state string) vestiging.HookData {
			return vestiging.HookData{Registration: &vestiging.HookRegistration{ID: r.ID, EventID: e.ID, State: state}}
		}
		same(t, "sign up, cancel, promote", log.next(t), []hookSeen{
			{vestiging.HookRegistrationCreated, reg(first, vestiging.RegistrationConfirmed)},
			{vestiging.HookRegistrationCreated, reg(second, vestiging.RegistrationWaitlisted)},
			{vestiging.HookRegistrationCancelled, reg(first, vestiging.RegistrationCancelled)},
			{vestiging.HookRegistrationPromoted, reg(second, vestiging.RegistrationConfirmed)},
		})
	})
	t.Run("OffersAndReports", func(t *testing.T) {
		o := &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: "Hulp met de smartphone", Description: "<p>Dinsdags</p>", AuthorID: admin.ID}
		if err := db.CreateOffer(ctx, o); err != nil {
			t.Fatal(err)
		}
		if err := db.SetOfferStatus(ctx, o.ID, vestiging.OfferApproved, "", by()); err != nil {
			t.Fatal(err)
		}
		r := &vestiging.Report{PersonID: admin.ID, Targets: []string{"https://example.nl/offers/1"}, Content: "Spam"}
		if err := db.CreateReport(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
		same(t, "offer and report", log.next(t), []hookSeen{
			{vestiging.HookOfferSubmitted, vestiging.HookData{Offer: &vestiging.HookOffer{ID: o.ID, Kind: o.Kind, Title: o.Title}}},
			{vestiging.HookReportReceived, vestiging.HookData{Report: &vestiging.HookReport{ID: r.ID}}},
		})
	})
	t.Run("TestAndAttempts", func(t *testing.T) {
		d, err := db.TestWebhook(ctx, only.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "test", onlyLog.next(t), []hookSeen{{vestiging.HookTest, vestiging.HookData{Webhook: &vestiging.HookWebhook{ID: only.ID}}}})
		at := time.Now().UTC().Truncate(time.Microsecond)
		d.Status, d.Attempts, d.ResponseCode, d.Error, d.LastAttemptAt = vestiging.DeliveryFailed, 3, 500, "HTTP 500", &at
		if err := db.RecordWebhookAttempt(ctx, d); err != nil {
			t.Fatal(err)
		}
		got, err := db.WebhookDelivery(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "recorded attempt", got, d)
		_, err = db.TestWebhook(ctx, 999)
		wantCode(t, err, vestiging.ENOTFOUND)
	})
	t.Run("IntranetHost", func(t *testing.T) {
		if err := db.SetIntranetHost(ctx, " CRM.Bieb.Local. ", by()); err != nil {
			t.Fatal(err)
		}
		if got, err := db.IntranetHost(ctx); err != nil || got != "crm.bieb.local" {
			t.Errorf("intranet host %q, %v", got, err)
		}
		wantCode(t, db.SetIntranetHost(ctx, "10.0.0.5", by()), vestiging.EINVALID)
		wantCode(t, db.SetIntranetHost(ctx, "http://crm/", by()), vestiging.EINVALID)
	})
	t.Run("Delete", func(t *testing.T) {
		if err := db.DeleteWebhook(ctx, all.ID, by()); err != nil {
			t.Fatal(err)
		}
		if _, total, err := db.WebhookDeliveries(ctx, all.ID, 0, 10); err != nil || total != 0 {
			t.Errorf("deliveries of a deleted webhook: %d, %v", total, err)
		}
		wantCode(t, db.DeleteWebhook(ctx, all.ID, by()), vestiging.ENOTFOUND)
		hooks, err := db.Webhooks(ctx)
		if err != nil || len(hooks) != 1 || hooks[0].ID != only.ID || hooks[0].Secret != only.Secret {
			t.Errorf("webhooks %+v, %v", hooks, err)
		}
		same(t, "audit", auditActions(t, db)[:2], []string{"webhook.delete " + all.URL, "webhook.intranet crm.bieb.local"})
	})
}
