package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vestiging/vestiging"
)

// confirmed creates a person whose address is confirmed, with a password
// for signing in through the browser.
func (e *env) confirmed(email, role string) *vestiging.Person {
	e.t.Helper()
	p := e.person(email, "correct horse battery", role)
	now := e.clock.Now()
	p.ConfirmedAt = &now
	if err := e.db.UpdatePerson(context.Background(), p); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// signInTab signs email in on the tab and goes to next.
func signInTab(t *testing.T, tab context.Context, base, email, next string) {
	t.Helper()
	err := chromedp.Do(tab,
		chromedp.Navigate(base+"/login?next="+next),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	)
	if err != nil {
		t.Fatalf("sign in %s: %v", email, err)
	}
	waitForPath(t, tab, "^"+next+"$")
}

// TestBrowserOfferModeration: a resident posts an offer in a real browser,
// staff approve it in the moderation queue, and a visitor finds it on the
// board and opens it.
func TestBrowserOfferModeration(t *testing.T) {
	newTab := newBrowser(t)
	e := newEnv(t)
	e.confirmed("anna@example.nl", vestiging.RoleResident)
	e.confirmed("staff@example.org", vestiging.RoleStaff)
	const title = "Hulp met je smartphone"

	resident := newTab()
	signInTab(t, resident, e.srv.URL, "anna@example.nl", "/offers/new")
	err := chromedp.Do(resident,
		chromedp.Click(chromedp.ID("kind-request")),
		chromedp.SendKeys(chromedp.ID("title"), title),
		chromedp.SendKeys(chromedp.ID("description"), "Ik zoek iemand die mij WhatsApp uitlegt."),
		chromedp.SetValue(chromedp.ID("theme"), "digitale-vaardigheden"),
		chromedp.SendKeys(chromedp.ID("area"), "Noord"),
		chromedp.Click(chromedp.CSS(`form[action="/offers/new"] .actions button[type=submit]`)),
	)
	if err != nil {
		t.Fatalf("post the offer: %v", err)
	}
	waitForPath(t, resident, `^/account/offers$`)
	mine, err := chromedp.Run(resident, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(mine, title) || !strings.Contains(mine, "Waiting for approval") {
		t.Errorf("my offers after posting:\n%s", mine)
	}
	offers := e.offers(vestiging.OfferFilter{})
	if len(offers) != 1 || offers[0].Kind != vestiging.OfferKindRequest || offers[0].Status != vestiging.OfferPending {
		t.Fatalf("stored offers: %+v", offers)
	}

	staff := newTab()
	signInTab(t, staff, e.srv.URL, "staff@example.org", "/staff/moderation")
	err = chromedp.Do(staff, chromedp.Click(chromedp.CSS(fmt.Sprintf(`form[action="/staff/moderation/offers/%d/approve"] button`, offers[0].ID))))
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	// The queue's address stays the same: wait for the page saying it is done.
	if err := chromedp.Do(staff, chromedp.WaitVisible(chromedp.CSS(`main p[role=status]`))); err != nil {
		t.Fatalf("queue after approving: %v", err)
	}
	queue, err := chromedp.Run(staff, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(queue, title) || !strings.Contains(queue, "Done.") {
		t.Errorf("queue after approving:\n%s", queue)
	}

	visitor := newTab()
	err = chromedp.Do(visitor,
		chromedp.Navigate(e.srv.URL+"/offers?kind=request"),
		chromedp.Click(chromedp.Search(`//main//a[normalize-space(.)="`+title+`"]`)),
	)
	if err != nil {
		t.Fatalf("visitor opens the offer from the board: %v", err)
	}
	waitForPath(t, visitor, `^/offers/\d+$`)
	h1, err := chromedp.Run(visitor, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(h1); got != title {
		t.Errorf("offer page h1 %q, want %q", got, title)
	}
}

// TestAxeCommunity: axe-core finds no serious or critical WCAG 2.1 A/AA
// violation on the community and moderation pages.
func TestAxeCommunity(t *testing.T) {
	src := axeSource(t)
	newTab := newBrowser(t)
	e := newEnv(t)
	ctx := context.Background()
	anna := e.confirmed("anna@example.nl", vestiging.RoleResident)
	anna.Handle = "anna"
	if err := e.db.UpdatePerson(ctx, anna); err != nil {
		t.Fatal(err)
	}
	e.confirmed("staff@example.org", vestiging.RoleAdmin) // the partners page is for administrators
	ev := e.event("Taalcafé", vestiging.StatusPublished, e.branch("Centrale Bibliotheek"), testNow.Add(48*time.Hour))
	o := &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: "Fietsles", Description: "<p>Op zaterdag.</p>", AuthorID: anna.ID}
	pending := &vestiging.Offer{Kind: vestiging.OfferKindRequest, Title: "Taalmaatje", Description: "<p>Graag.</p>", AuthorID: anna.ID}
	for _, x := range []*vestiging.Offer{o, pending} {
		if err := e.db.CreateOffer(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.db.SetOfferStatus(ctx, o.ID, vestiging.OfferApproved, "", nil); err != nil {
		t.Fatal(err)
	}
	reply := &vestiging.Reply{ObjectType: vestiging.ReplyToEvent, ObjectID: ev.ID, PersonID: anna.ID, Content: "<p>Leuk!</p>"}
	if err := e.db.CreateReply(ctx, reply); err != nil {
		t.Fatal(err)
	}
	m := &vestiging.Message{FromPersonID: anna.ID, ToPersonID: anna.ID, OfferID: o.ID, Content: "<p>Hallo</p>"}
	if err := e.db.CreateMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	partner := e.confirmed("partner@example.org", vestiging.RolePartner)
	proposal := e.event("Taalles", vestiging.StatusPending, e.branch("Wijkbibliotheek"), testNow.Add(72*time.Hour))
	proposal.PartnerID = &partner.ID
	if err := e.db.UpdateEvent(ctx, proposal); err != nil {
		t.Fatal(err)
	}

	for _, who := range []struct {
		email string
		pages []string
	}{
		{"anna@example.nl", []string{"/offers", "/offers/new", fmt.Sprintf("/offers/%d", o.ID), "/account/offers",
			fmt.Sprintf("/account/offers/%d/edit", pending.ID), "/account/messages", fmt.Sprintf("/account/messages/%d", m.ID),
			fmt.Sprintf("/events/%d", ev.ID), "/users/" + anna.Handle}},
		{"staff@example.org", []string{"/staff/moderation", "/staff/audit", "/staff/partners", "/staff/people", "/staff/statistics",
			"/staff/statistics?from=2026-01-01&to=2026-06-30&lang=en", "/staff/statistics?to=gisteren", fmt.Sprintf("/events/%d", ev.ID)}},
		{"partner@example.org", []string{"/partner/events/new"}},
	} {
		tab := newTab()
		if _, err := chromedp.Call(tab, cdppage.SetBypassCSP, cdppage.SetBypassCSPParams{Enabled: true}); err != nil {
			t.Fatal(err)
		}
		signInTab(t, tab, e.srv.URL, who.email, "/account")
		for _, path := range who.pages {
			t.Run(who.email+path, func(t *testing.T) {
				if err := chromedp.Do(tab, chromedp.Navigate(e.srv.URL+path)); err != nil {
					t.Fatal(err)
				}
				// An error page would pass for the wrong reason.
				h1, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("main h1")))
				if err != nil || strings.Contains(h1, "Page not found") || strings.Contains(h1, "Not allowed") {
					t.Fatalf("%s did not load: %q, %v", path, h1, err)
				}
				vs, err := axeRun(tab, src)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range vs {
					msg := fmt.Sprintf("%s: %s (%s) %s", path, v.ID, v.Impact, v.Help)
					if v.Impact == "serious" || v.Impact == "critical" {
						t.Error(msg)
					} else {
						t.Log(msg)
					}
				}
			})
		}
	}
}
