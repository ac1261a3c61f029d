package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
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

// communityEnv is a server over a real SQLite store whose job workers (the
// web's mails and the mail sender) run against a real SMTP server.
type communityEnv struct {
	*env
	server *Server
	smtp   *mailtest.Server
}

func newCommunityEnv(t *testing.T, reports Reporter) *communityEnv {
	t.Helper()
	clock := storetest.NewClock(testNow)
	db := storetest.SQLiteClock(t, clock.Now)
	s := New(Config{Services: db, BaseURL: &url.URL{Scheme: "http", Host: "localhost"}, Clock: clock.Now,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)), Reports: reports})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	smtp := mailtest.Start(t)
	sender, err := mail.NewSMTP(smtp.Config())
	if err != nil {
		t.Fatal(err)
	}
	workers := river.NewWorkers()
	mail.Register(workers, sender, nil)
	s.AddWorkers(workers)
	if err := db.StartJobs(t.Context(), workers, store.JobsConfig{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.StopJobs(context.Background()) })
	return &communityEnv{env: &env{t: t, db: db, clock: clock, srv: srv}, server: s, smtp: smtp}
}

// resident creates a confirmed resident and a client signed in as them.
func (e *env) resident(email string) (*vestiging.Person, *http.Client) {
	e.t.Helper()
	p := e.person(email, "correct horse battery", vestiging.RoleResident)
	now := e.clock.Now()
	p.ConfirmedAt = &now
	p.Handle = strings.ReplaceAll(strings.Split(email, "@")[0], ".", "_")
	if err := e.db.UpdatePerson(context.Background(), p); err != nil {
		e.t.Fatalf("confirm %s: %v", email, err)
	}
	c := e.client()
	wantStatus(e.t, e.post(c, "/login", url.Values{"email": {email}, "password": {"correct horse battery"}}), http.StatusSeeOther)
	return p, c
}

func offerForm(change func(url.Values)) url.Values {
	f := url.Values{"kind": {"offer"}, "title": {"Hulp met je smartphone"}, "description": {"Elke dinsdag.\n\nIn de leeszaal."},
		"theme": {"digitale-vaardigheden"}, "area": {"Noord"}, "contact": {"Dinsdag 10 uur bij de balie"}}
	if change != nil {
		change(f)
	}
	return f
}

func (e *env) offers(f vestiging.OfferFilter) []*vestiging.Offer {
	e.t.Helper()
	f.Limit = vestiging.MaxPageSize
	offers, _, err := e.db.FindOffers(context.Background(), f)
	if err != nil {
		e.t.Fatal(err)
	}
	return offers
}

// postOffer has c post a valid offer and returns it as stored.
func (e *env) postOffer(c *http.Client, author *vestiging.Person, change func(url.Values)) *vestiging.Offer {
	e.t.Helper()
	before := len(e.offers(vestiging.OfferFilter{AuthorID: author.ID}))
	wantStatus(e.t, e.post(c, "/offers/new", offerForm(change)), http.StatusSeeOther)
	got := e.offers(vestiging.OfferFilter{AuthorID: author.ID})
	if len(got) != before+1 {
		e.t.Fatalf("offers of %s: got %d, want %d", author.Email, len(got), before+1)
	}
	return got[0]
}

func (e *env) offer(id int64) *vestiging.Offer {
	e.t.Helper()
	o, err := e.db.Offer(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

func (e *env) auditLog() []*vestiging.AuditEntry {
	e.t.Helper()
	log, _, err := e.db.AuditLog(context.Background(), 0, vestiging.MaxPageSize)
	if err != nil {
		e.t.Fatal(err)
	}
	return log
}

func TestPostOffer(t *testing.T) {
	e := newEnv(t)
	anna, c := e.resident("anna@example.nl")

	t.Run("Form", func(t *testing.T) {
		res := e.get(c, "/offers/new")
		wantStatus(t, res, http.StatusOK)
		for _, id := range []string{"title", "description", "theme", "area", "contact"} {
			wantContains(t, res, fmt.Sprintf(`id="%s" name="%s"`, id, id), fmt.Sprintf(`<label for="%s">`, id))
		}
		wantContains(t, res, `id="kind-offer" name="kind" value="offer" checked`, `id="kind-request"`)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for name, change := range map[string]func(url.Values){
			"NoTitle":     func(f url.Values) { f.Set("title", " ") },
			"BadKind":     func(f url.Values) { f.Set("kind", "gift") },
			"LongArea":    func(f url.Values) { f.Set("area", strings.Repeat("x", 101)) },
			"NoText":      func(f url.Values) { f.Set("description", "") },
			"BadTheme":    func(f url.Values) { f.Set("theme", "bestaat-niet") },
			"LongContact": func(f url.Values) { f.Set("contact", strings.Repeat("x", 301)) },
		} {
			t.Run(name, func(t *testing.T) {
				res := e.post(c, "/offers/new", offerForm(change))
				wantStatus(t, res, http.StatusUnprocessableEntity)
				wantContains(t, res, `id="error-summary"`)
				if got := e.offers(vestiging.OfferFilter{AuthorID: anna.ID}); len(got) != 0 {
					t.Errorf("stored %d offers", len(got))
				}
			})
		}
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		res := e.post(e.client(), "/offers/new", offerForm(nil))
		wantStatus(t, res, http.StatusSeeOther)
		if !strings.HasPrefix(res.Location, "/login?next=") {
			t.Errorf("location %q", res.Location)
		}
	})
	t.Run("ErrUnconfirmed", func(t *testing.T) {
		unconfirmed := e.signIn("nieuw@example.nl", vestiging.RoleResident)
		wantStatus(t, e.get(unconfirmed, "/offers/new"), http.StatusForbidden)
		res := e.post(unconfirmed, "/offers/new", offerForm(nil))
		wantStatus(t, res, http.StatusForbidden)
		wantContains(t, res, "Bevestig eerst je e-mailadres")
	})
	t.Run("OK", func(t *testing.T) {
		o := e.postOffer(c, anna, nil)
		if o.Status != vestiging.OfferPending || o.Title != "Hulp met je smartphone" || o.Area != "Noord" ||
			o.Description != "<p>Elke dinsdag.</p><p>In de leeszaal.</p>" || o.Theme != "digitale-vaardigheden" {
			t.Errorf("stored offer: %+v", o)
		}
		res := e.get(c, "/account/offers")
		wantContains(t, res, "Hulp met je smartphone", "Wacht op goedkeuring")
		wantNotContains(t, e.get(e.client(), "/offers"), "Hulp met je smartphone")
		// Only its author (and staff) see a pending offer's page.
		wantStatus(t, e.get(e.client(), fmt.Sprintf("/offers/%d", o.ID)), http.StatusNotFound)
		wantStatus(t, e.get(c, fmt.Sprintf("/offers/%d", o.ID)), http.StatusOK)
	})
}

func TestModerateOffers(t *testing.T) {
	e := newEnv(t)
	anna, c := e.resident("anna@example.nl")
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	first := e.postOffer(c, anna, func(f url.Values) { f.Set("title", "Fietsles geven") })
	second := e.postOffer(c, anna, func(f url.Values) { f.Set("title", "Hulp bij formulieren") })

	res := e.get(staff, "/staff/moderation")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "Fietsles geven", "Hulp bij formulieren")
	wantStatus(t, e.get(c, "/staff/moderation"), http.StatusForbidden)
	wantStatus(t, e.post(c, fmt.Sprintf("/staff/moderation/offers/%d/approve", first.ID), nil), http.StatusForbidden)
	// The old address leads to the queue.
	res = e.get(staff, "/staff/offers")
	wantStatus(t, res, http.StatusMovedPermanently)

	t.Run("Approve", func(t *testing.T) {
		wantStatus(t, e.post(staff, fmt.Sprintf("/staff/moderation/offers/%d/approve", first.ID), nil), http.StatusSeeOther)
		if got := e.offer(first.ID).Status; got != vestiging.OfferApproved {
			t.Errorf("status %q", got)
		}
		wantContains(t, e.get(e.client(), "/offers"), "Fietsles geven")
		wantStatus(t, e.get(e.client(), fmt.Sprintf("/offers/%d", first.ID)), http.StatusOK)
	})
	t.Run("ErrRejectWithoutReason", func(t *testing.T) {
		res := e.post(staff, fmt.Sprintf("/staff/moderation/offers/%d/reject", second.ID), url.Values{"reason": {" "}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, fmt.Sprintf(`id="reason-offer-%d-error"`, second.ID))
		if got := e.offer(second.ID).Status; got != vestiging.OfferPending {
			t.Errorf("status %q", got)
		}
	})
	t.Run("ErrUnknownAction", func(t *testing.T) {
		wantStatus(t, e.post(staff, fmt.Sprintf("/staff/moderation/offers/%d/delete", second.ID), nil), http.StatusNotFound)
		wantStatus(t, e.post(staff, "/staff/moderation/offers/99999/approve", nil), http.StatusNotFound)
	})
	t.Run("Reject", func(t *testing.T) {
		wantStatus(t, e.post(staff, fmt.Sprintf("/staff/moderation/offers/%d/reject", second.ID),
			url.Values{"reason": {"Dit hoort niet op het bord."}}), http.StatusSeeOther)
		got := e.offer(second.ID)
		if got.Status != vestiging.OfferRejected || got.Reason != "Dit hoort niet op het bord." {
			t.Errorf("rejected offer: status %s reason %q", got.Status, got.Reason)
		}
		wantContains(t, e.get(c, "/account/offers"), "Niet goedgekeurd", "Dit hoort niet op het bord.")
	})
	t.Run("Audit", func(t *testing.T) {
		log := e.auditLog()
		if len(log) != 2 {
			t.Fatalf("audit entries: got %d, want 2: %+v", len(log), log)
		}
		if got := log[0]; got.Action != "offer.reject" || got.Reason != "Dit hoort niet op het bord." || got.PersonName == "" {
			t.Errorf("newest entry: %+v", got)
		}
		res := e.get(staff, "/staff/audit")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Aanbod afgewezen", "Aanbod goedgekeurd", "Dit hoort niet op het bord.", "medewerker")
		wantStatus(t, e.get(c, "/staff/audit"), http.StatusForbidden)
		wantStatus(t, e.get(staff, "/staff/audit?page=x"), http.StatusBadRequest)
	})
}

func TestEditAndCloseOffer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	anna, c := e.resident("anna@example.nl")
	_, bert := e.resident("bert@example.nl")
	o := e.postOffer(c, anna, nil)
	edit := fmt.Sprintf("/account/offers/%d/edit", o.ID)

	t.Run("Form", func(t *testing.T) {
		res := e.get(c, edit)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Elke dinsdag.\n\nIn de leeszaal.", `value="Noord"`)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		wantStatus(t, e.get(bert, edit), http.StatusNotFound)
		wantStatus(t, e.post(bert, edit, offerForm(nil)), http.StatusNotFound)
		wantStatus(t, e.post(bert, fmt.Sprintf("/account/offers/%d/close", o.ID), nil), http.StatusNotFound)
		wantStatus(t, e.get(c, "/account/offers/0/edit"), http.StatusNotFound)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		wantStatus(t, e.post(c, edit, offerForm(func(f url.Values) { f.Set("title", "") })), http.StatusUnprocessableEntity)
		if got := e.offer(o.ID).Title; got != "Hulp met je smartphone" {
			t.Errorf("title %q", got)
		}
	})
	for _, tt := range []struct {
		name   string
		review bool
		want   string
	}{
		{"ApprovedNeedsReview", true, vestiging.OfferPending},
		{"ApprovedStays", false, vestiging.OfferApproved},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lib, err := e.db.Library(ctx)
			if err != nil {
				t.Fatal(err)
			}
			lib.OfferEditsNeedReview = tt.review
			if err := e.db.UpdateLibrary(ctx, lib); err != nil {
				t.Fatal(err)
			}
			if err := e.db.SetOfferStatus(ctx, o.ID, vestiging.OfferApproved, "", nil); err != nil {
				t.Fatal(err)
			}
			wantStatus(t, e.post(c, edit, offerForm(func(f url.Values) { f.Set("title", "Hulp met je tablet") })), http.StatusSeeOther)
			got := e.offer(o.ID)
			if got.Status != tt.want || got.Title != "Hulp met je tablet" {
				t.Errorf("after edit: status %q (want %q), title %q", got.Status, tt.want, got.Title)
			}
		})
	}
	t.Run("RejectedGoesBack", func(t *testing.T) {
		if err := e.db.SetOfferStatus(ctx, o.ID, vestiging.OfferRejected, "Te vaag.", nil); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, e.post(c, edit, offerForm(nil)), http.StatusSeeOther)
		if got := e.offer(o.ID); got.Status != vestiging.OfferPending || got.Reason != "" {
			t.Errorf("after edit: status %q reason %q", got.Status, got.Reason)
		}
	})
	t.Run("Close", func(t *testing.T) {
		wantStatus(t, e.post(c, fmt.Sprintf("/account/offers/%d/close", o.ID), nil), http.StatusSeeOther)
		if got := e.offer(o.ID).Status; got != vestiging.OfferClosed {
			t.Errorf("status %q", got)
		}
		// A closed offer stays closed.
		wantStatus(t, e.post(c, edit, offerForm(nil)), http.StatusBadRequest)
		wantStatus(t, e.post(c, fmt.Sprintf("/account/offers/%d/close", o.ID), nil), http.StatusBadRequest)
		if got := e.offer(o.ID).Status; got != vestiging.OfferClosed {
			t.Errorf("status after refused edit %q", got)
		}
	})
}

func TestOfferBoard(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	anna, c := e.resident("anna@example.nl")
	for _, f := range []func(url.Values){
		func(f url.Values) { f.Set("title", "Fietsles geven"); f.Set("area", "Zuid") },
		func(f url.Values) { f.Set("title", "Taalmaatje gezocht"); f.Set("kind", "request"); f.Set("theme", "") },
		func(f url.Values) { f.Set("title", "Breiclub"); f.Set("description", "Wij breien sokken.") },
	} {
		o := e.postOffer(c, anna, f)
		if err := e.db.SetOfferStatus(ctx, o.ID, vestiging.OfferApproved, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	all := []string{"Fietsles geven", "Taalmaatje gezocht", "Breiclub"}
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"", all},
		{"kind=request", []string{"Taalmaatje gezocht"}},
		{"kind=offer", []string{"Fietsles geven", "Breiclub"}},
		{"theme=digitale-vaardigheden", []string{"Fietsles geven", "Breiclub"}},
		{"area=zuid", []string{"Fietsles geven"}},
		{"q=sokken", []string{"Breiclub"}},
		{"q=niets", nil},
	} {
		t.Run(tt.query, func(t *testing.T) {
			res := e.get(e.client(), "/offers?"+tt.query)
			wantStatus(t, res, http.StatusOK)
			for _, title := range all {
				if got, want := strings.Contains(res.Body, title), contains(tt.want, title); got != want {
					t.Errorf("%s shown: got %v, want %v", title, got, want)
				}
			}
		})
	}
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, q := range []string{"kind=gift", "area=" + strings.Repeat("x", 101), "q=" + strings.Repeat("x", 201)} {
			wantStatus(t, e.get(e.client(), "/offers?"+q), http.StatusBadRequest)
		}
		wantStatus(t, e.get(e.client(), "/offers?page=0"), http.StatusBadRequest)
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestRespond: a resident responds to an offer; the author is mailed the
// text without the responder's address, answers on the site, and the
// responder's mail carries the author's address.
func TestRespond(t *testing.T) {
	e := newCommunityEnv(t, nil)
	ctx := context.Background()
	anna, annaC := e.resident("anna@example.nl")
	bert, bertC := e.resident("bert@example.nl")
	o := e.postOffer(annaC, anna, nil)
	respond := fmt.Sprintf("/offers/%d/respond", o.ID)

	t.Run("ErrNotApproved", func(t *testing.T) {
		// Bert cannot see a pending offer, so it is not found.
		wantStatus(t, e.post(bertC, respond, url.Values{"message": {"Hallo"}}), http.StatusNotFound)
	})
	if err := e.db.SetOfferStatus(ctx, o.ID, vestiging.OfferApproved, "", nil); err != nil {
		t.Fatal(err)
	}
	t.Run("ErrOwnOffer", func(t *testing.T) {
		wantStatus(t, e.post(annaC, respond, url.Values{"message": {"Hallo"}}), http.StatusBadRequest)
		wantNotContains(t, e.get(annaC, fmt.Sprintf("/offers/%d", o.ID)), respond)
	})
	t.Run("ErrEmpty", func(t *testing.T) {
		res := e.post(bertC, respond, url.Values{"message": {"  "}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `id="message-error"`)
		if _, n, _ := e.db.Messages(ctx, bert.ID, 0, 10); n != 0 {
			t.Errorf("messages stored: %d", n)
		}
	})
	t.Run("ErrSignedOut", func(t *testing.T) {
		wantStatus(t, e.post(e.client(), respond, url.Values{"message": {"Hallo"}}), http.StatusSeeOther)
		wantContains(t, e.get(e.client(), fmt.Sprintf("/offers/%d", o.ID)), "Log in om te reageren")
	})

	res := e.post(bertC, respond, url.Values{"message": {"Ik wil graag leren appen. <script>alert(1)</script>"}})
	wantStatus(t, res, http.StatusSeeOther)
	msgs, n, err := e.db.Messages(ctx, anna.ID, 0, 10)
	if err != nil || n != 1 {
		t.Fatalf("anna's messages: %d, %v", n, err)
	}
	m := msgs[0]
	if m.FromPersonID != bert.ID || m.ToPersonID != anna.ID || m.OfferID != o.ID || strings.Contains(m.Content, "<script") {
		t.Errorf("message: %+v", m)
	}
	if got, want := res.Location, fmt.Sprintf("/account/messages/%d?sent=1", m.ID); got != want {
		t.Errorf("location %q, want %q", got, want)
	}

	toAnna := e.smtp.WaitFor(t, anna.Email, mailWait)
	if !strings.Contains(toAnna.Text, "Ik wil graag leren appen.") || !strings.Contains(toAnna.Text, fmt.Sprintf("/account/messages/%d", m.ID)) {
		t.Errorf("mail to the author:\n%s", toAnna.Text)
	}
	if strings.Contains(toAnna.Text, bert.Email) || strings.Contains(string(toAnna.Raw), bert.Email) {
		t.Errorf("mail to the author shows the responder's address:\n%s", toAnna.Text)
	}

	t.Run("Pages", func(t *testing.T) {
		page := fmt.Sprintf("/account/messages/%d", m.ID)
		wantContains(t, e.get(annaC, "/account/messages"), "Van bert", "Nieuw")
		res := e.get(annaC, page)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Ik wil graag leren appen.", "Antwoord versturen")
		wantNotContains(t, res, "<script>alert", bert.Email)
		if got, _ := e.db.Message(ctx, m.ID); got.ReadAt == nil {
			t.Error("not marked read")
		}
		wantNotContains(t, e.get(bertC, page), "Antwoord versturen")
		_, carla := e.resident("carla@example.nl")
		wantStatus(t, e.get(carla, page), http.StatusNotFound)
		wantStatus(t, e.post(carla, page, url.Values{"message": {"Hoi"}}), http.StatusNotFound)
		wantStatus(t, e.post(bertC, page, url.Values{"message": {"Hoi"}}), http.StatusBadRequest)
		wantStatus(t, e.get(annaC, "/account/messages/999999"), http.StatusNotFound)
	})

	res = e.post(annaC, fmt.Sprintf("/account/messages/%d", m.ID), url.Values{"message": {"Kom dinsdag langs!"}})
	wantStatus(t, res, http.StatusSeeOther)
	toBert := e.smtp.WaitFor(t, bert.Email, mailWait)
	if !strings.Contains(toBert.Text, "Kom dinsdag langs!") || !strings.Contains(toBert.Text, anna.Email) {
		t.Errorf("answer mail to the responder lacks the text or the author's address:\n%s", toBert.Text)
	}
}

// TestReplies: a resident replies to an event and an offer; the library's
// setting decides whether it waits, staff approve it, and it shows.
func TestReplies(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.branch("Centrale Bibliotheek")
	ev := e.event("Taalcafé", vestiging.StatusPublished, b, testNow.Add(48*time.Hour))
	draft := e.event("Concept", vestiging.StatusDraft, b, testNow.Add(48*time.Hour))
	anna, c := e.resident("anna@example.nl")
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	page := fmt.Sprintf("/events/%d", ev.ID)

	t.Run("ErrInvalid", func(t *testing.T) {
		res := e.post(c, page+"/replies", url.Values{"content": {" "}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `id="content-error"`, `<h1 dir="auto">Taalcafé</h1>`)
		wantStatus(t, e.post(c, fmt.Sprintf("/events/%d/replies", draft.ID), url.Values{"content": {"Hoi"}}), http.StatusNotFound)
		wantStatus(t, e.post(c, "/events/99999/replies", url.Values{"content": {"Hoi"}}), http.StatusNotFound)
		if _, n, _ := e.db.Replies(ctx, vestiging.ReplyFilter{}); n != 0 {
			t.Errorf("replies stored: %d", n)
		}
	})

	// The library approves replies first (the default).
	res := e.post(c, page+"/replies", url.Values{"content": {"Is er koffie? <img src=x onerror=alert(1)>"}})
	wantStatus(t, res, http.StatusSeeOther)
	if got, want := res.Location, page+"?replied=pending#replies"; got != want {
		t.Errorf("location %q, want %q", got, want)
	}
	wantContains(t, e.get(c, res.Location), "Je reactie wacht op goedkeuring")
	wantNotContains(t, e.get(e.client(), page), "Is er koffie?")
	replies, _, err := e.db.Replies(ctx, vestiging.ReplyFilter{Status: vestiging.ReplyPending})
	if err != nil || len(replies) != 1 {
		t.Fatalf("pending replies: %v, %v", replies, err)
	}
	reply := replies[0]
	wantContains(t, e.get(staff, "/staff/moderation"), "Is er koffie?")
	wantStatus(t, e.post(staff, fmt.Sprintf("/staff/moderation/replies/%d/reject", reply.ID), nil), http.StatusUnprocessableEntity)
	wantStatus(t, e.post(staff, fmt.Sprintf("/staff/moderation/replies/%d/approve", reply.ID), nil), http.StatusSeeOther)
	res = e.get(e.client(), page)
	// A resident's reply is Markdown: HTML in it goes through the one
	// policy, which drops what could run.
	wantContains(t, res, "<p>Is er koffie?", "Reacties (1)", "anna")
	wantNotContains(t, res, "<img src=x", "onerror")

	// Shown at once when the library does not check replies.
	lib, err := e.db.Library(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lib.RepliesNeedApproval = false
	if err := e.db.UpdateLibrary(ctx, lib); err != nil {
		t.Fatal(err)
	}
	o := e.postOffer(c, anna, nil)
	if err := e.db.SetOfferStatus(ctx, o.ID, vestiging.OfferApproved, "", nil); err != nil {
		t.Fatal(err)
	}
	_, bert := e.resident("bert@example.nl")
	offerPage := fmt.Sprintf("/offers/%d", o.ID)
	res = e.post(bert, offerPage+"/replies", url.Values{"content": {"Goed idee!"}})
	wantStatus(t, res, http.StatusSeeOther)
	if got, want := res.Location, offerPage+"?replied=approved#replies"; got != want {
		t.Errorf("location %q, want %q", got, want)
	}
	wantContains(t, e.get(e.client(), offerPage), "Goed idee!")

	// Staff take a shown reply down with a reason, which is logged.
	replies, _, _ = e.db.Replies(ctx, vestiging.ReplyFilter{ObjectType: vestiging.ReplyToOffer, ObjectID: o.ID})
	remove := fmt.Sprintf("/staff/moderation/replies/%d/remove", replies[0].ID)
	wantStatus(t, e.post(staff, remove, url.Values{"back": {offerPage}}), http.StatusUnprocessableEntity)
	res = e.post(staff, remove, url.Values{"back": {offerPage}, "reason": {"Reclame."}})
	wantStatus(t, res, http.StatusSeeOther)
	if res.Location != offerPage {
		t.Errorf("back to %q", res.Location)
	}
	wantNotContains(t, e.get(e.client(), offerPage), "Goed idee!")
	if log := e.auditLog(); len(log) == 0 || log[0].Action != "reply.remove" || log[0].Reason != "Reclame." {
		t.Errorf("audit: %+v", log)
	}
	// A link elsewhere is not a place to go back to.
	res = e.post(staff, fmt.Sprintf("/staff/moderation/replies/%d/approve", replies[0].ID), url.Values{"back": {"//evil.example/"}})
	if res.Location != "/staff/moderation?done=reply.approve" {
		t.Errorf("back to %q", res.Location)
	}
}

// TestRateLimits: posting offers, responding and replying stop at their
// limits per resident with a 429 page, and store nothing more.
func TestRateLimits(t *testing.T) {
	e := newEnv(t)
	anna, c := e.resident("anna@example.nl")
	for i := range offersPerHour {
		e.postOffer(c, anna, func(f url.Values) { f.Set("title", fmt.Sprintf("Aanbod %d", i)) })
	}
	res := e.post(c, "/offers/new", offerForm(nil))
	wantStatus(t, res, http.StatusTooManyRequests)
	wantContains(t, res, "Je hebt in korte tijd veel geplaatst.")
	if got := len(e.offers(vestiging.OfferFilter{AuthorID: anna.ID})); got != offersPerHour {
		t.Errorf("offers stored: %d", got)
	}
	// Another resident is not limited by Anna's posts.
	bert, bertC := e.resident("bert@example.nl")
	e.postOffer(bertC, bert, nil)

	b := e.branch("Centrale Bibliotheek")
	ev := e.event("Taalcafé", vestiging.StatusPublished, b, testNow.Add(48*time.Hour))
	path := fmt.Sprintf("/events/%d/replies", ev.ID)
	for range repliesPerHour {
		wantStatus(t, e.post(bertC, path, url.Values{"content": {"Hoi"}}), http.StatusSeeOther)
	}
	wantStatus(t, e.post(bertC, path, url.Values{"content": {"Hoi"}}), http.StatusTooManyRequests)
}

// TestPartners: staff invite a partner, who sets a password by the mailed
// link, proposes an activity, and staff publish it with the partner named.
func TestPartners(t *testing.T) {
	e := newCommunityEnv(t, nil)
	ctx := context.Background()
	b := e.branch("Centrale Bibliotheek")
	// An administrator: the partners, the library profile and domain rules are theirs.
	staff := e.signIn("beheer@example.nl", vestiging.RoleAdmin)
	_, resident := e.resident("anna@example.nl")

	invite := url.Values{"display_name": {"Taalschool Noord"}, "email": {"info@taalschool.example"}, "handle": {"taalschool"}}
	t.Run("ErrInvalid", func(t *testing.T) {
		for name, change := range map[string]func(url.Values){
			"NoName":      func(f url.Values) { f.Set("display_name", "") },
			"BadEmail":    func(f url.Values) { f.Set("email", "geen adres") },
			"BadHandle":   func(f url.Values) { f.Set("handle", "Taal School!") },
			"NoHandle":    func(f url.Values) { f.Del("handle") },
			"TakenEmail":  func(f url.Values) { f.Set("email", "anna@example.nl") },
			"TakenHandle": func(f url.Values) { f.Set("handle", "anna") },
		} {
			t.Run(name, func(t *testing.T) {
				f := url.Values{}
				for k, v := range invite {
					f[k] = v
				}
				change(f)
				wantStatus(t, e.post(staff, "/staff/partners", f), http.StatusUnprocessableEntity)
				if got, _ := e.db.PeopleByRole(ctx, vestiging.RolePartner); len(got) != 0 {
					t.Errorf("partners: %d", len(got))
				}
			})
		}
		wantStatus(t, e.post(resident, "/staff/partners", invite), http.StatusForbidden)
	})

	wantStatus(t, e.post(staff, "/staff/partners", invite), http.StatusSeeOther)
	wantContains(t, e.get(staff, "/staff/partners"), "Taalschool Noord", "info@taalschool.example")
	invitation := e.smtp.WaitFor(t, "info@taalschool.example", mailWait)
	link := invitation.Link(t, "/password/reset?token=")
	partner := e.client()
	wantStatus(t, e.post(partner, "/password/reset", url.Values{"token": {linkToken(t, link)},
		"password": {"een goed wachtwoord"}, "password_confirm": {"een goed wachtwoord"}}), http.StatusOK)
	wantStatus(t, e.post(partner, "/login", url.Values{"email": {"info@taalschool.example"}, "password": {"een goed wachtwoord"}}), http.StatusSeeOther)

	// Partners post offers like residents.
	res := e.post(partner, "/offers/new", offerForm(func(f url.Values) { f.Set("title", "Gratis taalles") }))
	wantStatus(t, res, http.StatusSeeOther)
	if got := e.offers(vestiging.OfferFilter{Query: "taalles"}); len(got) != 1 || got[0].AuthorName != "Taalschool Noord" {
		t.Errorf("partner's offers: %+v", got)
	}
	t.Run("ErrNotPartner", func(t *testing.T) {
		wantStatus(t, e.get(resident, "/partner/events/new"), http.StatusForbidden)
		wantStatus(t, e.get(e.client(), "/partner/events/new"), http.StatusSeeOther)
	})
	form := url.Values{"title": {"Oefenen met Nederlands"}, "description": {"Voor beginners."}, "start_date": {"2026-03-10"},
		"start_time": {"14:00"}, "end_time": {"15:30"}, "branch_id": {fmt.Sprint(b.ID)}, "audiences": {"adults"},
		"capacity": {"5"}, "registration_mode": {"open"}}
	t.Run("ErrInvalidEvent", func(t *testing.T) {
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("end_time", "13:00")
		wantStatus(t, e.post(partner, "/partner/events/new", bad), http.StatusUnprocessableEntity)
		if got := e.events(vestiging.StatusPending); len(got) != 0 {
			t.Errorf("events: %d", len(got))
		}
	})
	wantStatus(t, e.post(partner, "/partner/events/new", form), http.StatusSeeOther)
	pending := e.events(vestiging.StatusPending)
	if len(pending) != 1 {
		t.Fatalf("pending events: %d", len(pending))
	}
	ev := pending[0]
	// The partner decides neither capacity nor registration.
	if ev.PartnerID == nil || ev.Capacity != 0 || ev.RegistrationMode != vestiging.RegistrationNone || ev.PartnerName != "Taalschool Noord" {
		t.Errorf("proposed event: %+v", ev)
	}
	wantStatus(t, e.get(e.client(), eventPath(ev)), http.StatusNotFound)
	wantNotContains(t, e.get(e.client(), "/agenda"), "Oefenen met Nederlands")
	wantContains(t, e.get(staff, "/staff/moderation"), "Oefenen met Nederlands", "Voorgesteld door Taalschool Noord")

	wantStatus(t, e.post(staff, fmt.Sprintf("/staff/moderation/events/%d/approve", ev.ID), nil), http.StatusSeeOther)
	if log := e.auditLog(); len(log) != 1 || log[0].Action != "event.approve" || log[0].Target != eventPath(ev) {
		t.Errorf("audit: %+v", log)
	}
	wantContains(t, e.get(e.client(), "/agenda"), "Oefenen met Nederlands")
	wantContains(t, e.get(e.client(), eventPath(ev)), "Georganiseerd samen met Taalschool Noord")
	if mails := mailsTo(t, e.smtp, "info@taalschool.example", 2); !strings.Contains(mails[1].Text, "Oefenen met Nederlands") {
		t.Errorf("mail about the approval:\n%s", mails[1].Text)
	}
	wantStatus(t, e.post(staff, fmt.Sprintf("/staff/moderation/events/%d/approve", ev.ID), nil), http.StatusBadRequest)

	// A rejected proposal goes back to a draft, and the partner is told why.
	form.Set("title", "Schrijfcafé")
	wantStatus(t, e.post(partner, "/partner/events/new", form), http.StatusSeeOther)
	second := e.events(vestiging.StatusPending)[0]
	reject := fmt.Sprintf("/staff/moderation/events/%d/reject", second.ID)
	res = e.post(staff, reject, nil)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, fmt.Sprintf(`id="reason-event-%d-error"`, second.ID))
	wantStatus(t, e.post(staff, reject, url.Values{"reason": {"Die zaal is dan bezet."}}), http.StatusSeeOther)
	if got := e.events(vestiging.StatusDraft); len(got) != 1 || got[0].ID != second.ID {
		t.Errorf("drafts after rejecting: %+v", got)
	}
	if mails := mailsTo(t, e.smtp, "info@taalschool.example", 3); !strings.Contains(mails[2].Text, "Die zaal is dan bezet.") {
		t.Errorf("mail about the rejection:\n%s", mails[2].Text)
	}
	if log := e.auditLog(); len(log) != 2 || log[0].Action != "event.reject" || log[0].Reason != "Die zaal is dan bezet." {
		t.Errorf("audit: %+v", log)
	}

	// The partner sees where each of their proposals stands; nobody else does.
	res = e.get(partner, "/partner/events/new")
	wantContains(t, res, fmt.Sprintf(`<tr id="proposed-%d">`, ev.ID), fmt.Sprintf(`<a href="/events/%d">Oefenen met Nederlands</a>`, ev.ID),
		"Gepubliceerd", fmt.Sprintf(`<tr id="proposed-%d">`, second.ID), "Schrijfcafé", "Niet gepubliceerd")
	if strings.Index(res.Body, "Schrijfcafé") > strings.Index(res.Body, "Oefenen met Nederlands") {
		t.Error("proposals not newest first")
	}
	other := e.signIn("ander@example.nl", vestiging.RolePartner)
	res = e.get(other, "/partner/events/new")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "Jullie hebben nog geen activiteiten voorgesteld.")
	wantNotContains(t, res, "Schrijfcafé")
}

// linkToken returns the token parameter of a link.
func linkToken(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// mailsTo waits until n mails reached the address and returns them,
// oldest first.
func mailsTo(t *testing.T, smtp *mailtest.Server, to string, n int) []mailtest.Message {
	t.Helper()
	deadline := time.Now().Add(mailWait)
	for {
		got := smtp.MessagesTo(to)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("mails to %s: got %d, want %d", to, len(got), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestModerationSettings: staff set the library's moderation settings on
// the library form; a bad number changes nothing.
func TestModerationSettings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// An administrator: the partners, the library profile and domain rules are theirs.
	staff := e.signIn("beheer@example.nl", vestiging.RoleAdmin)
	library := func() *vestiging.Library {
		lib, err := e.db.Library(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return lib
	}
	before := library()
	res := e.get(staff, "/staff/library")
	wantContains(t, res, `id="replies_need_approval"`, `id="offer_edits_need_review"`, `id="first_posts_reviewed"`)
	for _, bad := range []string{"veel", "101", "-1"} {
		res := e.post(staff, "/staff/library", url.Values{"name": {"Bibliotheek Dorp"}, "first_posts_reviewed": {bad}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `id="first_posts_reviewed-error"`)
	}
	if got := library(); got.FirstPostsReviewed != before.FirstPostsReviewed || got.RepliesNeedApproval != before.RepliesNeedApproval {
		t.Errorf("settings after refusals: %+v", got)
	}
	// Unchecked boxes are sent as nothing: both off.
	wantStatus(t, e.post(staff, "/staff/library", url.Values{"name": {"Bibliotheek Dorp"}, "first_posts_reviewed": {"3"}}), http.StatusSeeOther)
	if got := library(); got.RepliesNeedApproval || got.OfferEditsNeedReview || got.FirstPostsReviewed != 3 {
		t.Errorf("settings: %+v", got)
	}
	wantStatus(t, e.post(staff, "/staff/library", url.Values{"name": {"Bibliotheek Dorp"}, "replies_need_approval": {"1"},
		"offer_edits_need_review": {"1"}, "first_posts_reviewed": {""}}), http.StatusSeeOther)
	if got := library(); !got.RepliesNeedApproval || !got.OfferEditsNeedReview || got.FirstPostsReviewed != 0 {
		t.Errorf("settings: %+v", got)
	}
	res = e.get(staff, "/staff/library")
	wantContains(t, res, `name="replies_need_approval" value="1" checked`, `name="offer_edits_need_review" value="1" checked`)
}
