package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
	"github.com/vestiging/vestiging/store/storetest"
)

// remoteCommunity stores what another library sent: its actor, one of its
// residents, an announced offer by the resident and the resident's reply
// to a local event.
type remoteCommunity struct {
	library, author *vestiging.Actor
	offer           *vestiging.Offer
	event           *vestiging.Event
	reply           *vestiging.Reply
}

func (e *env) remoteCommunity() *remoteCommunity {
	e.t.Helper()
	ctx := context.Background()
	rc := &remoteCommunity{}
	_, rc.library = e.remoteEvent("Digitaal spreekuur", testNow.Add(96*time.Hour))
	rc.author = &vestiging.Actor{IRI: "https://bieb.example/users/piet", Type: "Person", Username: "piet", Host: "bieb.example",
		Name: "Piet", Inbox: "https://bieb.example/users/piet/inbox", FetchedAt: testNow}
	if err := e.db.UpsertActor(ctx, rc.author); err != nil {
		e.t.Fatal(err)
	}
	rc.offer = &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: "Fietsen repareren", Description: "<p>Op zaterdag.</p>",
		IRI: "https://bieb.example/offers/3", URL: "https://bieb.example/offers/3", OriginID: &rc.library.ID, AuthorActorID: &rc.author.ID}
	if err := e.db.UpsertRemoteOffer(ctx, rc.offer); err != nil {
		e.t.Fatal(err)
	}
	rc.event = e.event("Taalcafé", vestiging.StatusPublished, e.branch("Centrale Bibliotheek"), testNow.Add(48*time.Hour))
	rc.reply = &vestiging.Reply{ObjectType: vestiging.ReplyToEvent, ObjectID: rc.event.ID, ActorID: rc.author.ID,
		IRI: "https://bieb.example/users/piet/statuses/1", URL: "https://bieb.example/@piet/1", Content: "<p>Ik kom ook!</p>"}
	if err := e.db.CreateReply(ctx, rc.reply); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.SetReplyStatus(ctx, rc.reply.ID, vestiging.ReplyApproved, "", nil); err != nil {
		e.t.Fatal(err)
	}
	return rc
}

// lastAudit returns the newest audit entry and how many there are.
func (e *env) lastAudit() (*vestiging.AuditEntry, int) {
	e.t.Helper()
	log := e.auditLog()
	if len(log) == 0 {
		return &vestiging.AuditEntry{}, 0
	}
	return log[0], len(log)
}

func TestModerateRemote(t *testing.T) {
	e := newFedEnv(t)
	ctx := context.Background()
	rc := e.remoteCommunity()
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	_, resident := e.resident("anna@example.nl")
	offerPage := fmt.Sprintf("/offers/%d", rc.offer.ID)
	eventPage := fmt.Sprintf("/events/%d", rc.event.ID)

	res := e.get(e.client(), "/offers")
	wantContains(t, res, "Fietsen repareren", "Bibliotheek Elders")
	res = e.get(e.client(), eventPage)
	wantContains(t, res, "Ik kom ook!", "Piet", "@piet@bieb.example")
	wantNotContains(t, res, "/staff/moderation/actors/")
	wantContains(t, e.get(staff, eventPage), fmt.Sprintf(`action="/staff/moderation/actors/%d"`, rc.author.ID))
	wantContains(t, e.get(staff, offerPage), `action="/staff/moderation/hide"`, `action="/staff/moderation/report"`)

	t.Run("ErrForbidden", func(t *testing.T) {
		for _, path := range []string{"/staff/moderation/hide", "/staff/moderation/report", fmt.Sprintf("/staff/moderation/actors/%d", rc.author.ID)} {
			wantStatus(t, e.post(resident, path, url.Values{"iri": {rc.offer.IRI}, "offer": {fmt.Sprint(rc.offer.ID)},
				"mode": {"block"}, "reason": {"x"}}), http.StatusForbidden)
		}
		if _, n := e.lastAudit(); n != 0 {
			t.Errorf("audit entries: %d", n)
		}
	})

	t.Run("Report", func(t *testing.T) {
		form := url.Values{"offer": {fmt.Sprint(rc.offer.ID)}, "back": {offerPage}}
		wantStatus(t, e.post(staff, "/staff/moderation/report", form), http.StatusUnprocessableEntity)
		o := e.postOwnOffer(t)
		wantStatus(t, e.post(staff, "/staff/moderation/report", url.Values{"offer": {fmt.Sprint(o.ID)}, "reason": {"x"}}), http.StatusBadRequest)
		wantStatus(t, e.post(staff, "/staff/moderation/report", url.Values{"offer": {"999999"}, "reason": {"x"}}), http.StatusNotFound)
		wantStatus(t, e.post(staff, "/staff/moderation/report", url.Values{"reason": {"x"}}), http.StatusBadRequest)
		if got := e.reportsSent(); len(got) != 0 {
			t.Fatalf("reports after refusals: %d", len(got))
		}
		form.Set("reason", "Oplichting.")
		res := e.post(staff, "/staff/moderation/report", form)
		wantStatus(t, res, http.StatusSeeOther)
		// The Flag is queued for the other library with the item and its author.
		r := e.reportSent(rc.offer.IRI)
		if !r.Outgoing || r.ToActorID != rc.library.ID || r.Content != "Oplichting." || len(r.Targets) != 2 || r.Targets[1] != rc.author.IRI {
			t.Errorf("report: %+v", r)
		}
	})

	t.Run("Hide", func(t *testing.T) {
		form := url.Values{"iri": {rc.offer.IRI}, "back": {offerPage}}
		wantStatus(t, e.post(staff, "/staff/moderation/hide", form), http.StatusUnprocessableEntity)
		wantStatus(t, e.post(staff, "/staff/moderation/hide", url.Values{"reason": {"x"}}), http.StatusBadRequest)
		form.Set("reason", "Niet voor ons publiek.")
		res := e.post(staff, "/staff/moderation/hide", form)
		wantStatus(t, res, http.StatusSeeOther)
		if res.Location != offerPage {
			t.Errorf("back to %q", res.Location)
		}
		wantNotContains(t, e.get(e.client(), "/offers"), "Fietsen repareren")
		wantStatus(t, e.get(e.client(), offerPage), http.StatusNotFound)
		wantContains(t, e.get(staff, offerPage), "Door de bibliotheek van deze site verwijderd.")
		if a, _ := e.lastAudit(); a.Action != "remote.hide" || a.Target != rc.offer.IRI {
			t.Errorf("audit: %+v", a)
		}
		// Shown again, which is logged too.
		wantStatus(t, e.post(staff, "/staff/moderation/hide", url.Values{"iri": {rc.offer.IRI}, "show": {"1"}}), http.StatusSeeOther)
		wantContains(t, e.get(e.client(), "/offers"), "Fietsen repareren")
		if a, _ := e.lastAudit(); a.Action != "remote.show" {
			t.Errorf("audit: %+v", a)
		}
	})

	t.Run("BlockActor", func(t *testing.T) {
		path := fmt.Sprintf("/staff/moderation/actors/%d", rc.author.ID)
		_, before := e.lastAudit()
		wantStatus(t, e.post(staff, path, url.Values{"mode": {"block"}}), http.StatusUnprocessableEntity)
		wantStatus(t, e.post(staff, path, url.Values{"mode": {"ban"}, "reason": {"x"}}), http.StatusBadRequest)
		wantStatus(t, e.post(staff, "/staff/moderation/actors/999999", url.Values{"mode": {"block"}, "reason": {"x"}}), http.StatusNotFound)
		if _, n := e.lastAudit(); n != before {
			t.Errorf("audit entries after refusals: %d, want %d", n, before)
		}
		res := e.post(staff, path, url.Values{"mode": {"block"}, "reason": {"Spam."}, "back": {eventPage}})
		wantStatus(t, res, http.StatusSeeOther)
		wantNotContains(t, e.get(e.client(), eventPage), "Ik kom ook!")
		wantNotContains(t, e.get(e.client(), "/offers"), "Fietsen repareren")
		res = e.get(staff, "/staff/moderation")
		wantContains(t, res, "Geblokkeerd", "@piet@bieb.example")
		if a, _ := e.lastAudit(); a.Action != "actor.block" || a.Target != rc.author.IRI || a.Reason != "Spam." {
			t.Errorf("audit: %+v", a)
		}
		// Lifting needs no reason and shows the content again.
		wantStatus(t, e.post(staff, path, url.Values{"mode": {""}}), http.StatusSeeOther)
		wantContains(t, e.get(e.client(), eventPage), "Ik kom ook!")
		if a, _ := e.lastAudit(); a.Action != "actor.lift" {
			t.Errorf("audit: %+v", a)
		}
	})

	t.Run("RemoteEvent", func(t *testing.T) {
		remote, _, _ := e.db.FindEvents(ctx, vestiging.EventFilter{Source: vestiging.SourceRemote, Limit: 10})
		if len(remote) != 1 {
			t.Fatalf("remote events: %d", len(remote))
		}
		page := fmt.Sprintf("/events/%d", remote[0].ID)
		wantNotContains(t, e.get(e.client(), page), `action="/staff/moderation/hide"`)
		wantContains(t, e.get(staff, page), `action="/staff/moderation/hide"`, fmt.Sprintf(`name="event" value="%d"`, remote[0].ID))
		wantStatus(t, e.post(staff, "/staff/moderation/report", url.Values{"event": {fmt.Sprint(rc.event.ID)}, "reason": {"x"}}), http.StatusBadRequest)
		wantStatus(t, e.post(staff, "/staff/moderation/report", url.Values{"event": {"x"}, "reason": {"x"}}), http.StatusNotFound)
		wantStatus(t, e.post(staff, "/staff/moderation/report", url.Values{"event": {fmt.Sprint(remote[0].ID)}, "reason": {"Verkeerde datum."}}), http.StatusSeeOther)
		e.reportSent(remote[0].IRI)
		wantStatus(t, e.post(staff, "/staff/moderation/hide", url.Values{"iri": {remote[0].IRI}, "reason": {"Niet hier."}}), http.StatusSeeOther)
		wantNotContains(t, e.get(e.client(), "/agenda"), "Digitaal spreekuur")
		// Its page is gone for visitors; staff still reach it to show it again.
		wantStatus(t, e.get(e.client(), page), http.StatusNotFound)
		wantContains(t, e.get(staff, page), "Digitaal spreekuur")
	})

	t.Run("IncomingReport", func(t *testing.T) {
		r := &vestiging.Report{IRI: "https://bieb.example/flags/1", ActorID: rc.library.ID, Targets: []string{e.srv.URL + eventPage},
			Content: "Dit klopt niet."}
		if err := e.db.CreateReport(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
		res := e.get(staff, "/staff/moderation")
		wantContains(t, res, "Dit klopt niet.", "Gemeld door Bibliotheek Elders")
		wantStatus(t, e.post(staff, "/staff/moderation/reports/999999/resolve", nil), http.StatusNotFound)
		wantStatus(t, e.post(staff, fmt.Sprintf("/staff/moderation/reports/%d/resolve", r.ID), nil), http.StatusSeeOther)
		got, err := e.db.Report(ctx, r.ID)
		if err != nil || got.Status != vestiging.ReportResolved {
			t.Errorf("report after resolving: %+v, %v", got, err)
		}
		wantNotContains(t, e.get(staff, "/staff/moderation"), "Dit klopt niet.")
		if a, _ := e.lastAudit(); a.Action != "report.resolve" {
			t.Errorf("audit: %+v", a)
		}
	})

	t.Run("DomainRules", func(t *testing.T) {
		admin := e.signIn("beheer@example.nl", vestiging.RoleAdmin) // domain rules are for administrators
		res := e.post(admin, "/staff/network/rules", url.Values{"host": {"bieb.example"}, "mode": {"silence"}, "reason": {"Veel spam."}})
		wantStatus(t, res, http.StatusSeeOther)
		wantContains(t, e.get(admin, "/staff/network"), "Gedempt", "Veel spam.")
		wantNotContains(t, e.get(e.client(), "/offers"), "Fietsen repareren")
		if a, _ := e.lastAudit(); a.Action != "domain.silence" || a.Target != "bieb.example" || a.Reason != "Veel spam." {
			t.Errorf("audit: %+v", a)
		}
		wantStatus(t, e.post(admin, "/staff/network/rules", url.Values{"host": {"bieb.example"}, "mode": {"mute"}}), http.StatusUnprocessableEntity)
		wantStatus(t, e.post(admin, "/staff/network/rules/remove", url.Values{"host": {"bieb.example"}}), http.StatusSeeOther)
		wantContains(t, e.get(e.client(), "/offers"), "Fietsen repareren")
		if a, _ := e.lastAudit(); a.Action != "domain.lift" || a.Target != "bieb.example" {
			t.Errorf("audit: %+v", a)
		}
		wantContains(t, e.get(staff, "/staff/audit"), "Domein gedempt", "Domeinregel verwijderd", "Account geblokkeerd")
	})
}

// postOwnOffer stores a local approved offer by a new resident.
func (e *env) postOwnOffer(t *testing.T) *vestiging.Offer {
	t.Helper()
	p := e.person(fmt.Sprintf("auteur%d@example.nl", time.Now().UnixNano()), "correct horse battery", vestiging.RoleResident)
	o := &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: "Eigen aanbod", Description: "<p>Hier.</p>", AuthorID: p.ID,
		Status: vestiging.OfferApproved}
	if err := e.db.CreateOffer(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestReplyPayloads: replies from other servers carrying script payloads
// show on the event page with nothing that runs.
func TestReplyPayloads(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	lib, err := e.db.Library(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lib.RepliesNeedApproval = false
	if err := e.db.UpdateLibrary(ctx, lib); err != nil {
		t.Fatal(err)
	}
	ev := e.event("Taalcafé", vestiging.StatusPublished, e.branch("Centrale Bibliotheek"), testNow.Add(48*time.Hour))
	author := &vestiging.Actor{IRI: "https://social.example/users/x", Type: "Person", Username: "x", Host: "social.example",
		Name: `<img src=x onerror=alert(1)>Mallory`, Inbox: "https://social.example/users/x/inbox", FetchedAt: testNow}
	if err := e.db.UpsertActor(ctx, author); err != nil {
		t.Fatal(err)
	}
	payloads := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`<a href="javascript:alert(1)">klik</a>`,
		`<a href="&#106;avascript:alert(1)">klik</a>`,
		`<a href="JaVaScRiPt:alert(1)">klik</a>`,
		`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">klik</a>`,
		`<svg onload=alert(1)>`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
		`<p style="background:url(javascript:alert(1))">stijl</p>`,
		`<iframe src="https://evil.example"></iframe>`,
		`<form action="https://evil.example"><input name=pw></form>`,
		`<meta http-equiv="refresh" content="0;url=https://evil.example">`,
		`<base href="https://evil.example/">`,
		`<a href="https://ok.example/" title='"><script>alert(1)</script>'>ok</a>`,
		`<<script>alert(1)//<</script>`,
	}
	for i, p := range payloads {
		r := &vestiging.Reply{ObjectType: vestiging.ReplyToEvent, ObjectID: ev.ID, ActorID: author.ID,
			IRI: fmt.Sprintf("https://social.example/users/x/statuses/%d", i), Content: "<p>Reactie " + p + "</p>"}
		if err := e.db.CreateReply(ctx, r); err != nil {
			t.Fatalf("reply %q: %v", p, err)
		}
	}
	res := e.get(e.client(), fmt.Sprintf("/events/%d", ev.ID))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, fmt.Sprintf("Reacties (%d)", len(payloads)), `<a href="https://ok.example/" rel="nofollow noopener">ok</a>`,
		"&lt;img src=x onerror=alert(1)&gt;Mallory")
	i := strings.Index(res.Body, `id="replies"`)
	if i < 0 {
		t.Fatal("no replies section")
	}
	// Escaped text may say anything; the tags must carry nothing that runs.
	tags := strings.ToLower(strings.Join(regexp.MustCompile(`<[^>]*>`).FindAllString(res.Body[i:], -1), "\n"))
	for _, bad := range []string{"<script", "<img", "<svg", "<math", "<iframe", "<meta", "<base", "<style",
		"javascript:", "data:text", " onerror=", " onload=", "style=", "evil.example"} {
		if strings.Contains(tags, bad) {
			t.Errorf("the replies' tags contain %q", bad)
		}
	}
}

// reportsSent lists the reports queued to be sent (and recorded, with
// their audit entries, once the Flag's job runs), oldest first.
func (e *env) reportsSent() []federation.ReportJob {
	e.t.Helper()
	return storetest.Jobs[federation.ReportJob](e.t, e.db, federation.ReportJob{}.Kind())
}

// reportSent returns the report queued about target, and checks that
// its audit entry names the staff member who sent it.
func (e *env) reportSent(target string) vestiging.Report {
	e.t.Helper()
	for _, j := range e.reportsSent() {
		if r := j.Report; len(r.Targets) > 0 && r.Targets[0] == target {
			if j.By == nil || j.By.Action != "report.send" || j.By.Target != target || j.By.Reason != r.Content || j.By.PersonID == 0 {
				e.t.Errorf("the report's audit entry: %+v", j.By)
			}
			return r
		}
	}
	e.t.Fatalf("no report about %s", target)
	return vestiging.Report{}
}

// TestOfferMail: approving or rejecting an offer queues its author's mail
// in the moderation's transaction; the mail names the offer, and a
// rejection says why.
func TestOfferMail(t *testing.T) {
	e := newEnv(t)
	s := e.srv.Config.Handler.(*Server)
	anna, c := e.resident("anna@example.nl")
	staff := e.person("staff@example.nl", "correct horse battery", vestiging.RoleStaff)
	approved := e.postOffer(c, anna, nil)
	rejected := e.postOffer(c, anna, func(f url.Values) { f.Set("title", "Bel me op 06-12345678") })
	if err := e.db.SetOfferStatus(t.Context(), approved.ID, vestiging.OfferApproved, "", &vestiging.AuditEntry{PersonID: staff.ID}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetOfferStatus(t.Context(), rejected.ID, vestiging.OfferRejected, "Zet je nummer niet openbaar.",
		&vestiging.AuditEntry{PersonID: staff.ID}); err != nil {
		t.Fatal(err)
	}
	// On the approved offer's page the private message and the public
	// replies are told apart.
	_, bert := e.resident("bert@example.nl")
	res := e.get(bert, fmt.Sprintf("/offers/%d", approved.ID))
	wantContains(t, res, "Privébericht aan", "Alleen de schrijver leest dit.", "Privébericht versturen",
		"Openbare reacties (0)", "Zet hier geen telefoonnummer of adres", "Openbare reactie plaatsen")
	// Closing by the author is not moderation: no mail.
	if err := e.db.SetOfferStatus(t.Context(), approved.ID, vestiging.OfferClosed, "", nil); err != nil {
		t.Fatal(err)
	}
	jobs := storetest.Jobs[vestiging.OfferMailJob](t, e.db, vestiging.OfferMailJob{}.Kind())
	if len(jobs) != 2 || jobs[0].OfferID != approved.ID || jobs[0].Status != vestiging.OfferApproved ||
		jobs[1].OfferID != rejected.ID || jobs[1].Status != vestiging.OfferRejected {
		t.Fatalf("offer mail jobs %+v", jobs)
	}
	m, err := s.offerMail(t.Context(), jobs[1])
	if err != nil {
		t.Fatal(err)
	}
	if m.To != "anna@example.nl" || m.Subject != "Je aanbod is niet goedgekeurd: Bel me op 06-12345678" ||
		!strings.Contains(m.Text, "Zet je nummer niet openbaar.") || !strings.Contains(m.Text, "/account/offers") {
		t.Errorf("rejection mail to %s, %q:\n%s", m.To, m.Subject, m.Text)
	}
	m, err = s.offerMail(t.Context(), jobs[0])
	if err != nil || !strings.HasPrefix(m.Subject, "Je aanbod staat op het prikbord: ") ||
		!strings.Contains(m.Text, fmt.Sprintf("/offers/%d", approved.ID)) {
		t.Errorf("approval mail %q, %v:\n%s", m.Subject, err, m.Text)
	}
}
