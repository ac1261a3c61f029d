package web

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/vestiging/vestiging"
)

// chromiumPath finds a Chromium to drive: $CHROMIUM, else the usual names.
// .ci/run installs Debian's chromium, so CI always runs the browser tests.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile and returns a
// function that opens a new tab with its own cookies (a separate visitor).
func newBrowser(t *testing.T) func() context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("no Chromium installed (set CHROMIUM or install Debian's chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	return func() context.Context {
		// A new browser context is a separate cookie jar: an anonymous visitor.
		ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
		ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
		t.Cleanup(func() { cancelTimeout(); cancel() })
		return ctx
	}
}

// waitForPath waits until the tab has navigated to a path matching pattern:
// a click only starts a navigation, and the old page is still there meanwhile.
func waitForPath(t *testing.T, ctx context.Context, pattern string) {
	t.Helper()
	re := regexp.MustCompile(pattern)
	var last string
	for ctx.Err() == nil {
		// The new document must also have finished loading: nodes read from
		// one still loading are replaced under chromedp ("No node with given id").
		page, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.location.href, document.readyState]`))
		if err == nil && len(page) == 2 {
			if u, err := url.Parse(page[0]); err == nil && re.MatchString(u.Path) && page[1] == "complete" {
				return
			}
			last = page[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The page's messages say why, when a form was shown again.
	shot, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	errs, _ := chromedp.Run(shot, chromedp.Evaluate[string](`Array.from(document.querySelectorAll(".field-error, .error-summary, [role=alert]")).map(e => e.textContent.trim()).join(" | ")`))
	t.Fatalf("tab did not reach a path like %s; last at %s; the page says: %s", pattern, last, errs)
}

// TestBrowserPublishEvent: staff signs in, creates and publishes an event in
// a real browser, and a visitor finds it on the agenda and opens it.
func TestBrowserPublishEvent(t *testing.T) {
	newTab := newBrowser(t)
	e := newEnv(t)
	b := e.branch("Bibliotheek Centrum")
	e.person("staff@example.org", "correct horse battery", vestiging.RoleStaff)
	const title = "Voorleesuurtje met Dikkie Dik"

	staff := newTab()
	err := chromedp.Do(staff,
		chromedp.Navigate(e.srv.URL+"/login?next=/staff/events/new"),
		chromedp.SendKeys(chromedp.ID("email"), "staff@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("title"), title),
		chromedp.SendKeys(chromedp.ID("description"), "Voorlezen voor kinderen van 2 tot 5 jaar."),
		// Date and time inputs take their value in ISO form whatever the browser's locale.
		chromedp.SetValue(chromedp.ID("start_date"), "2026-03-07"),
		chromedp.SetValue(chromedp.ID("start_time"), "10:30"),
		chromedp.SetValue(chromedp.ID("end_time"), "11:15"),
		chromedp.SetValue(chromedp.ID("branch_id"), strconv.FormatInt(b.ID, 10)),
		chromedp.Click(chromedp.ID("audiences-"+vestiging.AudienceChildren)),
		chromedp.Click(chromedp.ID("audiences-"+vestiging.AudienceAll)),
		chromedp.Click(chromedp.CSS(`button[name=action][value=publish]:not(.visually-hidden)`)),
	)
	if err != nil {
		t.Fatalf("staff publishes event: %v", err)
	}
	waitForPath(t, staff, `^/events/\d+$`)
	h1, err := chromedp.Run(staff, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatalf("read page after publishing: %v", err)
	}
	if got, want := strings.TrimSpace(h1), title; got != want {
		t.Fatalf("page after publishing: h1 %q, want %q", got, want)
	}

	visitor := newTab()
	if err := chromedp.Do(visitor, chromedp.Navigate(e.srv.URL+"/agenda")); err != nil {
		t.Fatalf("open agenda: %v", err)
	}
	agenda, err := chromedp.Run(visitor, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatalf("read agenda: %v", err)
	}
	err = chromedp.Do(visitor, chromedp.Click(chromedp.Search(`//main//a[normalize-space(.)="`+title+`"]`)))
	if err != nil {
		t.Fatalf("visitor opens the event from the agenda: %v", err)
	}
	waitForPath(t, visitor, `^/events/\d+$`)
	eventH1, err1 := chromedp.Run(visitor, chromedp.Text(chromedp.CSS("h1")))
	when, err2 := chromedp.Run(visitor, chromedp.Text(chromedp.CSS("main")))
	if err1 != nil || err2 != nil {
		t.Fatalf("read event page: %v, %v", err1, err2)
	}
	if !strings.Contains(agenda, title) {
		t.Errorf("agenda does not list %q:\n%s", title, agenda)
	}
	if got, want := strings.TrimSpace(eventH1), title; got != want {
		t.Errorf("event page h1 %q, want %q", got, want)
	}
	// The browser asks for English; shown in Amsterdam time as staff entered it.
	for _, want := range []string{"7 March 2026", "10:30", "11:15", "Bibliotheek Centrum"} {
		if !strings.Contains(when, want) {
			t.Errorf("event page lacks %q:\n%s", want, when)
		}
	}

	// The visible switch turns the page into Dutch, and it stays Dutch.
	err = chromedp.Do(visitor,
		chromedp.Click(chromedp.CSS(`a[hreflang="nl"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="nl"]`)),
	)
	if err == nil {
		err = chromedp.Do(visitor, chromedp.Navigate(e.srv.URL+"/agenda"))
	}
	if err != nil {
		t.Fatalf("switch to Dutch: %v", err)
	}
	agendaNL, err := chromedp.Run(visitor, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatalf("read Dutch agenda: %v", err)
	}
	if !strings.Contains(agendaNL, "zaterdag 7 maart") {
		t.Errorf("Dutch agenda lacks the Dutch date:\n%s", agendaNL)
	}
}
