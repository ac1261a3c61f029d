package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vestiging/vestiging"
)

// TestBrowserRegistration: in Chromium, a resident signs up for an event
// with one place left, sees their place, and a second resident lands on the
// waitlist; staff sees both on the attendee list and checks the first in;
// the first cancels, and the second has the place.
func TestBrowserRegistration(t *testing.T) {
	newTab := newBrowser(t)
	e := newEnv(t)
	ev := e.openEvent("Taalcafé", 1)
	eventURL := fmt.Sprintf("%s/events/%d", e.srv.URL, ev.ID)
	e.person("staff@example.org", "correct horse battery", vestiging.RoleStaff)
	for _, email := range []string{"anna@example.nl", "bert@example.nl"} {
		p := e.person(email, "correct horse battery", vestiging.RoleResident)
		now := e.clock.Now()
		p.ConfirmedAt = &now
		if err := e.db.UpdatePerson(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	// Sign in from the event page's own link, which leads back to it.
	login := func(email string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.Navigate(eventURL+"?lang=nl"),
			chromedp.Click(chromedp.Search(`//main//a[normalize-space(.)="Log in om je aan te melden"]`)),
			chromedp.WaitVisible(chromedp.ID("email")),
			chromedp.SendKeys(chromedp.ID("email"), email),
			chromedp.SendKeys(chromedp.ID("password"), "correct horse battery"),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		)
	}
	register := chromedp.CSS(fmt.Sprintf(`form[action="/events/%d/register"] button`, ev.ID))

	anna := newTab()
	if err := chromedp.Do(anna, login("anna@example.nl")); err != nil {
		t.Fatalf("anna signs in: %v", err)
	}
	waitForPath(t, anna, fmt.Sprintf(`^/events/%d$`, ev.ID))
	err := chromedp.Do(anna,
		chromedp.WaitVisible(chromedp.Search(`//main[contains(., "Nog 1 van de 1 plaatsen vrij")]`)),
		chromedp.Click(register),
		chromedp.WaitVisible(chromedp.Search(`//*[@id="my-registration"][contains(., "Je bent aangemeld: je hebt een plaats.")]`)),
	)
	if err != nil {
		t.Fatalf("anna signs up: %v\n%s", err, textOf(t, anna))
	}

	bert := newTab()
	if err := chromedp.Do(bert, login("bert@example.nl")); err != nil {
		t.Fatalf("bert signs in: %v", err)
	}
	waitForPath(t, bert, fmt.Sprintf(`^/events/%d$`, ev.ID))
	err = chromedp.Do(bert,
		chromedp.WaitVisible(chromedp.Search(`//main[contains(., "Deze activiteit is vol.")]`)),
		chromedp.Click(register),
		chromedp.WaitVisible(chromedp.Search(`//*[@id="my-registration"][contains(., "Je staat op de wachtlijst, als nummer 1.")]`)),
	)
	if err != nil {
		t.Fatalf("bert joins the waitlist: %v\n%s", err, textOf(t, bert))
	}
	if strings.Contains(textOf(t, bert), "anna") {
		t.Error("bert's page names anna")
	}

	staff := newTab()
	err = chromedp.Do(staff,
		chromedp.Navigate(e.srv.URL+"/login?lang=nl&next=/staff/"),
		chromedp.SendKeys(chromedp.ID("email"), "staff@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/staff/events/%d/attendees"]`, ev.ID))),
	)
	if err != nil {
		t.Fatalf("staff opens the attendee list: %v", err)
	}
	waitForPath(t, staff, `^/staff/events/\d+/attendees$`)
	list := textOf(t, staff)
	for _, want := range []string{"Met een plaats (1)", "anna@example.nl", "Wachtlijst (1)", "bert@example.nl"} {
		if !strings.Contains(list, want) {
			t.Errorf("attendee list lacks %q:\n%s", want, list)
		}
	}
	err = chromedp.Do(staff,
		chromedp.Click(chromedp.CSS(`button[aria-pressed="false"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[aria-pressed="true"]`)),
	)
	if err != nil {
		t.Fatalf("staff checks anna in: %v\n%s", err, textOf(t, staff))
	}
	regs := e.registrations(ev.ID)
	if regs[0].Name != "anna" || regs[0].CheckedInAt == nil {
		t.Errorf("after check-in: %+v", regs[0])
	}

	err = chromedp.Do(anna,
		chromedp.Click(chromedp.Search(`//*[@id="my-registration"]//button[normalize-space(.)="Mijn aanmelding annuleren"]`)),
		chromedp.WaitVisible(chromedp.Search(`//main[contains(., "Deze activiteit is vol.")]`)),
		chromedp.WaitVisible(register),
	)
	if err != nil {
		t.Fatalf("anna cancels: %v\n%s", err, textOf(t, anna))
	}
	err = chromedp.Do(bert,
		chromedp.Navigate(e.srv.URL+"/account/registrations"),
		chromedp.WaitVisible(chromedp.Search(`//main//td[normalize-space(.)="Heeft een plaats"]`)),
	)
	if err != nil {
		t.Fatalf("bert's registrations: %v\n%s", err, textOf(t, bert))
	}
	if got, want := e.states(ev.ID), "bert:confirmed anna:cancelled"; got != want {
		t.Errorf("states %q, want %q", got, want)
	}
}
