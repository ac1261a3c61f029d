package web

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vestiging/vestiging"
)

// axeSource reads axe-core's axe.min.js: $AXE_CORE, else where .ci/run
// installs it. CI sets AXE_CORE, so the check always runs there.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("AXE_CORE")
	if path == "" {
		path = filepath.Join("..", ".ci", "node", "node_modules", "axe-core", "axe.min.js")
	}
	src, err := os.ReadFile(path)
	if os.IsNotExist(err) && os.Getenv("AXE_CORE") == "" {
		t.Skip("no axe-core (set AXE_CORE to axe.min.js, or run .ci/run which installs it)")
	}
	if err != nil {
		t.Fatalf("read axe-core: %v", err)
	}
	return string(src)
}

// axeViolation is the part of an axe-core result the test reports.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// axeRun runs axe-core with the WCAG 2.1 A and AA rules on the page open in
// the tab and returns its violations.
func axeRun(ctx context.Context, src string) ([]axeViolation, error) {
	// Runtime.evaluate is not subject to the page's CSP (script-src 'self').
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](src+";true")); err != nil {
		return nil, fmt.Errorf("inject axe-core: %w", err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
		resultTypes: ["violations"],
	}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("axe.run: %w", err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		return nil, fmt.Errorf("axe result: %w", err)
	}
	return vs, nil
}

// TestAxe: axe-core finds no serious or critical WCAG 2.1 A/AA violation on
// the public pages a resident uses, in Dutch, in English and in Arabic
// (right to left). Every violation found is printed, the minor ones too.
func TestAxe(t *testing.T) {
	src := axeSource(t)
	newTab := newBrowser(t)
	e := newFedEnv(t)
	b := e.branch("Bibliotheek Centrum")
	ev := e.event("Voorleesuurtje met Dikkie Dik", vestiging.StatusPublished, b, testNow.Add(48*time.Hour))
	e.event("Taalcafé", vestiging.StatusPublished, b, testNow.Add(72*time.Hour))
	remote, _ := e.remoteEvent("Digitaal spreekuur", testNow.Add(96*time.Hour))
	open := e.event("Schaakclub", vestiging.StatusPublished, b, testNow.Add(120*time.Hour), func(ev *vestiging.Event) {
		ev.RegistrationMode, ev.Capacity = vestiging.RegistrationOpen, 12
	})
	e.allowGuests()
	course := &vestiging.Event{Kind: vestiging.KindCourse, Title: "Computercursus", Status: vestiging.StatusPublished,
		Sessions: []*vestiging.Session{
			{StartsAt: testNow.Add(48 * time.Hour), EndsAt: testNow.Add(49 * time.Hour), BranchID: &b.ID},
			{StartsAt: testNow.Add(9 * 24 * time.Hour), EndsAt: testNow.Add(9*24*time.Hour + time.Hour), OnlineURL: "https://meet.example.nl/les2"},
		}}
	if err := e.db.CreateEvent(t.Context(), course); err != nil {
		t.Fatal(err)
	}

	pages := []struct{ name, path string }{
		{"Home", "/"},
		{"Agenda", "/agenda"},
		{"AgendaToday", "/agenda?when=today&theme=leesplezier"},
		{"AgendaFiltered", "/agenda?audience=seniors"},
		{"AgendaMonth", "/agenda?view=month"},
		{"AgendaMap", "/agenda?view=map"},
		{"Course", fmt.Sprintf("/courses/%d", course.ID)},
		{"Offers", "/offers"},
		{"Search", "/agenda?q=voorlees"},
		{"SearchNothing", "/agenda?q=zzzz"},
		{"Event", fmt.Sprintf("/events/%d", ev.ID)},
		{"RemoteEvent", fmt.Sprintf("/events/%d", remote.ID)},
		{"EventSignUp", fmt.Sprintf("/events/%d", open.ID)},
		{"Library", "/library"},
		{"Libraries", "/libraries"},
		{"SignUp", "/signup"},
		{"ConfirmEmail", "/confirm?token=from-the-mail"},
		{"SignIn", "/login"},
		{"Privacy", "/pages/privacy"},
	}
	tab := func() context.Context {
		ctx := newTab()
		if _, err := chromedp.Call(ctx, cdppage.SetBypassCSP, cdppage.SetBypassCSPParams{Enabled: true}); err != nil {
			t.Fatalf("bypass CSP: %v", err)
		}
		return ctx
	}

	// The check itself works: a page with a nameless image and field fails.
	t.Run("FindsViolations", func(t *testing.T) {
		ctx := tab()
		page := `data:text/html,<!DOCTYPE html><html lang="en"><title>x</title><main><img src="x.png"><input type="text"></main></html>`
		if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
			t.Fatal(err)
		}
		vs, err := axeRun(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, v := range vs {
			got[v.ID] = v.Impact
		}
		for _, id := range []string{"image-alt", "label"} {
			if got[id] != "critical" {
				t.Errorf("axe on a broken page: %s impact %q, want critical (all: %v)", id, got[id], got)
			}
		}
	})

	// check opens path in the tab, does steps there, and runs axe-core.
	check := func(t *testing.T, ctx context.Context, path string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(e.srv.URL + path)}, steps...)...); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		// A page that did not load would pass for the wrong reason.
		h1, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelectorAll("main h1").length + " " + document.title`))
		if err != nil || !strings.HasPrefix(h1, "1 ") {
			t.Fatalf("%s: not a page with one h1 in main: %q, %v", path, h1, err)
		}
		vs, err := axeRun(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, fmt.Sprintf("%v %s", n.Target, n.HTML))
			}
			msg := fmt.Sprintf("%s: %s (%s) %s\n\t%s", path, v.ID, v.Impact, v.Help, strings.Join(where, "\n\t"))
			if v.Impact == "serious" || v.Impact == "critical" {
				t.Error(msg)
			} else {
				t.Log(msg)
			}
		}
	}

	for _, lang := range []string{"nl", "en", "ar"} {
		// A tab of its own for every few pages: each tab has a minute.
		var ctx context.Context
		for i, p := range pages {
			if i%6 == 0 {
				ctx = tab()
				if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/?lang="+lang)); err != nil {
					t.Fatalf("open home: %v", err)
				}
			}
			t.Run(lang+"/"+p.name, func(t *testing.T) { check(t, ctx, p.path) })
		}
		ctx = tab()
		if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/?lang="+lang)); err != nil {
			t.Fatalf("open home: %v", err)
		}
		// Errors by the fields and in the summary at the top.
		t.Run(lang+"/SignUpErrors", func(t *testing.T) {
			check(t, ctx, "/signup",
				chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type=submit]`)),
				chromedp.WaitVisible(chromedp.ID("error-summary")))
		})
		t.Run(lang+"/GuestSignUpErrors", func(t *testing.T) {
			check(t, ctx, fmt.Sprintf("/events/%d", open.ID),
				chromedp.Click(chromedp.CSS(`form[action$="/register/guest"] button[type=submit]`)),
				chromedp.WaitVisible(chromedp.ID("error-summary")))
		})
	}

	// Arabic pages are laid out right to left.
	t.Run("ar/Dir", func(t *testing.T) {
		ctx := tab()
		if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/agenda?lang=ar")); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			`[document.documentElement.lang, document.documentElement.dir, getComputedStyle(document.body).direction,
			  document.querySelector('.langs a[hreflang="ar"]').textContent].join(" ")`))
		if want := "ar rtl rtl العربية"; err != nil || got != want {
			t.Errorf("Arabic agenda: got %q, %v; want %q", got, err, want)
		}
	})

	// On a phone: the folded filters, the cards side by side, the month.
	phone := tab()
	if err := chromedp.Do(phone, chromedp.EmulateViewport(390, 844), chromedp.Navigate(e.srv.URL+"/?lang=nl")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ name, path string }{
		{"Agenda", "/agenda"}, {"AgendaMonth", "/agenda?view=month"}, {"Event", fmt.Sprintf("/events/%d", ev.ID)}, {"Home", "/"},
	} {
		t.Run("390/"+p.name, func(t *testing.T) { check(t, phone, p.path) })
	}

	// What a signed-in resident sees.
	ctx := tab()
	e.person("anna@example.nl", "correct horse battery", vestiging.RoleResident)
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/login?lang=nl"),
		chromedp.SendKeys(chromedp.ID("email"), "anna@example.nl"),
		chromedp.SendKeys(chromedp.ID("password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	waitForPath(t, ctx, `^/$|^/account`)
	for _, p := range []struct{ name, path string }{
		{"MyAgenda", "/my/agenda"},
		{"Account", "/account"},
		{"Following", "/account/following"},
		{"Feed", "/account/feed"},
		{"MyRegistrations", "/account/registrations"},
	} {
		t.Run("resident/"+p.name, func(t *testing.T) { check(t, ctx, p.path) })
	}
}
