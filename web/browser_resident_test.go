package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/ical"
	"github.com/vestiging/vestiging/mail"
	"github.com/vestiging/vestiging/mail/mailtest"
	"github.com/vestiging/vestiging/store"
)

// runJobsWithMail works e's federation jobs and sends its mail to a real
// SMTP server started for the test, until the test ends.
func (e *env) runJobsWithMail() *mailtest.Server {
	e.t.Helper()
	smtp := mailtest.Start(e.t)
	sender, err := mail.NewSMTP(smtp.Config())
	if err != nil {
		e.t.Fatal(err)
	}
	workers := river.NewWorkers()
	e.fed.AddWorkers(workers)
	mail.Register(workers, sender, nil)
	if err := e.db.StartJobs(e.t.Context(), workers, store.JobsConfig{Logger: slog.New(slog.DiscardHandler)}); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { e.db.StopJobs(context.Background()) })
	return smtp
}

// textOf returns the text of the tab's main landmark.
func textOf(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatalf("read page: %v", err)
	}
	return s
}

// TestBrowserResident: in Chromium, a resident signs up on instance A,
// confirms with the link from the mail A sent to a real SMTP server, signs
// in, follows the library of instance B by its handle, and then finds B's
// event in their agenda and by search, and in their personal iCalendar feed.
// Both instances talk real, signed ActivityPub over loopback with their
// River workers running.
func TestBrowserResident(t *testing.T) {
	newTab := newBrowser(t)
	a, b := newFedEnv(t), newFedEnv(t)
	smtp := a.runJobsWithMail()
	b.runJobs()
	home := a.branch("Bibliotheek A")
	const title = "Schrijfcafé Tielerwaard"
	b.event(title, vestiging.StatusPublished, b.branch("Bibliotheek B"), testNow.Add(48*time.Hour))
	const email, password = "anna@example.nl", "correct horse battery"

	tab := newTab()
	err := chromedp.Do(tab,
		chromedp.Navigate(a.srv.URL+"/signup?lang=nl"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("display_name"), "Anna de Jong"),
		chromedp.SendKeys(chromedp.ID("handle"), "anna"),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.SendKeys(chromedp.ID("password_confirm"), password),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//main[contains(., "Kijk in je e-mail")]`)),
	)
	if err != nil {
		t.Fatalf("sign up: %v", err)
	}

	link := smtp.WaitFor(t, email, 15*time.Second).Link(t, "/confirm?token=")
	if !strings.HasPrefix(link, a.srv.URL+"/confirm?token=") {
		t.Fatalf("confirmation link %q is not on A (%s)", link, a.srv.URL)
	}
	err = chromedp.Do(tab,
		chromedp.Navigate(link),
		chromedp.Click(chromedp.CSS(`form[action="/confirm"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//main[contains(., "Je e-mailadres is bevestigd")]`)),
	)
	if err != nil {
		t.Fatalf("confirm by the link: %v\n%s", err, textOf(t, tab))
	}
	if p, err := a.db.PersonByEmail(t.Context(), email); err != nil || !p.Confirmed() || p.Handle != "anna" {
		t.Fatalf("after confirming: %+v, %v", p, err)
	}

	err = chromedp.Do(tab,
		chromedp.Navigate(a.srv.URL+"/login?next=/account/following"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	waitForPath(t, tab, `^/account/following/?$`)

	bHandle := "@agenda@" + strings.TrimPrefix(b.srv.URL, "http://")
	err = chromedp.Do(tab,
		chromedp.WaitVisible(chromedp.ID("target")),
		chromedp.SendKeys(chromedp.ID("target"), bHandle),
		chromedp.Click(chromedp.CSS(`form[action="/account/following"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//main//*[contains(@class, "handle") and normalize-space(.)="`+bHandle+`"]`)),
	)
	if err != nil {
		t.Fatalf("follow %s: %v\n%s", bHandle, err, textOf(t, tab))
	}

	// B accepts and its event arrives by jobs on both sides: reload until then.
	eventLink := chromedp.Search(`//main//a[normalize-space(.)="` + title + `"]`)
	var agenda string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if err := chromedp.Do(tab, chromedp.Navigate(a.srv.URL+"/my/agenda")); err != nil {
			t.Fatalf("open my agenda: %v", err)
		}
		if agenda = textOf(t, tab); strings.Contains(agenda, title) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B's event not in my agenda after 20 s:\n%s", agenda)
		}
	}
	if !strings.Contains(agenda, "Van Bibliotheek · Op de site van die bibliotheek") {
		t.Errorf("my agenda does not say the event comes from B, the library named Bibliotheek:\n%s", agenda)
	}

	// Search from my agenda's own search box, with a word of the title:
	// only the resident follows B, so the public agenda does not show it.
	err = chromedp.Do(tab,
		chromedp.Navigate(a.srv.URL+"/my/agenda"),
		chromedp.SendKeys(chromedp.ID("q"), "schrijfcafe"),
		chromedp.Submit(chromedp.ID("q")),
	)
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		loc, err := chromedp.Run(tab, chromedp.Location())
		if err == nil && strings.Contains(loc, "q=schrijfcafe") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("search did not navigate; at %s", loc)
		}
	}
	if err := chromedp.Do(tab, chromedp.WaitVisible(eventLink)); err != nil {
		t.Fatalf("search finds no %q: %v\n%s", title, err, textOf(t, tab))
	}

	// The personal feed: its address from the page my agenda links to.
	err = chromedp.Do(tab,
		chromedp.Navigate(a.srv.URL+"/my/agenda"),
		chromedp.Click(chromedp.CSS(`main a[href="/account/feed"]`)),
	)
	if err != nil {
		t.Fatalf("open the feed page: %v", err)
	}
	waitForPath(t, tab, `^/account/feed$`)
	// The address is shown once, after making it.
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`main form[action="/account/feed"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`main a[href^='http'][href$='.ics']`))); err != nil {
		t.Fatalf("make the feed address: %v\n%s", err, textOf(t, tab))
	}
	feedURL, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector("main a[href^='http'][href$='.ics']").href`))
	if err != nil {
		t.Fatalf("feed link: %v", err)
	}
	if !strings.HasPrefix(feedURL, a.srv.URL+"/feeds/") {
		t.Fatalf("feed link %q is not a personal feed on A", feedURL)
	}
	// A calendar app fetches it without the browser's cookies.
	res, err := http.Get(feedURL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if got, want := res.StatusCode, http.StatusOK; got != want {
		t.Fatalf("GET %s: status %d, want %d", feedURL, got, want)
	}
	// Read as a calendar app would: Decode is the import's strict reader, which
	// places events without an address in a branch, here A's.
	events, err := ical.Decode(res.Body, ical.Options{Branches: []*vestiging.Branch{home}, Now: testNow})
	if err != nil {
		t.Fatalf("decode the feed: %v", err)
	}
	var found *vestiging.Event
	var titles []string
	for _, ev := range events {
		titles = append(titles, ev.Title)
		if ev.Title == title {
			found = ev
		}
	}
	if found == nil {
		t.Fatalf("feed has %q, want %q among them", titles, title)
	}
	if got, want := found.StartsAt, testNow.Add(48*time.Hour); !got.Equal(want) {
		t.Errorf("feed: %q starts %v, want %v", title, got, want)
	}
}
