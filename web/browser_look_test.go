package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/ical"
)

// browseEnv is a library with activities today, tomorrow, on Saturday
// and in April, and a course (testNow: Monday 2 March 2026, 10:00).
func browseEnv(t *testing.T) (*env, *vestiging.Branch, *vestiging.Event, *vestiging.Event) {
	t.Helper()
	e := newEnv(t)
	b := e.branch("Bibliotheek Centrum")
	lat, lon := 51.887, 5.429
	b.Street, b.PostalCode, b.City, b.Latitude, b.Longitude = "Markt 12", "4001 BT", "Tiel", &lat, &lon
	if err := e.db.UpdateBranch(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	ev := e.event("Voorlezen vandaag", vestiging.StatusPublished, b, testNow.Add(3*time.Hour))
	e.event("Schaken morgen", vestiging.StatusPublished, b, testNow.Add(27*time.Hour), func(ev *vestiging.Event) {
		ev.Themes, ev.RegistrationMode, ev.Capacity = []string{"digitale-vaardigheden"}, vestiging.RegistrationOpen, 3
	})
	e.event("Taalcafé zaterdag", vestiging.StatusPublished, b, testNow.Add(5*24*time.Hour))
	e.event("Lezing in april", vestiging.StatusPublished, b, testNow.Add(40*24*time.Hour))
	course := &vestiging.Event{Kind: vestiging.KindCourse, Title: "Computercursus", Status: vestiging.StatusPublished,
		Sessions: []*vestiging.Session{
			{StartsAt: testNow.Add(48 * time.Hour), EndsAt: testNow.Add(49 * time.Hour), BranchID: &b.ID},
			{StartsAt: testNow.Add(9 * 24 * time.Hour), EndsAt: testNow.Add(9*24*time.Hour + time.Hour), BranchID: &b.ID},
		}}
	if err := e.db.CreateEvent(t.Context(), course); err != nil {
		t.Fatal(err)
	}
	return e, b, ev, course
}

// eval runs a JavaScript expression in the tab, awaiting a promise.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// TestBrowserAgenda: on a phone the filters fold away and the first day
// shows at once; opened, nothing in them is cut off. The list is grouped by
// day, a quick filter narrows it, and the month is a table whose days are
// reached and opened with the keyboard.
func TestBrowserAgenda(t *testing.T) {
	newTab := newBrowser(t)
	e, _, _, _ := browseEnv(t)
	tab := newTab()
	open := func(path string) {
		t.Helper()
		if err := chromedp.Do(tab, chromedp.Navigate(e.srv.URL+path)); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
	}
	if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	open("/agenda?lang=nl")

	t.Run("FoldedAt390", func(t *testing.T) {
		if eval[bool](t, tab, `document.querySelector("details.fold").open`) {
			t.Error("the filters are open on a phone")
		}
		if eval[bool](t, tab, `document.getElementById("from").checkVisibility()`) {
			t.Error("the date filter shows while folded")
		}
		if top := eval[float64](t, tab, `document.querySelector("main .day h2").getBoundingClientRect().top`); top > 844 {
			t.Errorf("the first day's heading is at %.0f px, below the first screen", top)
		}
		if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("details.fold > summary"))); err != nil {
			t.Fatal(err)
		}
		if !eval[bool](t, tab, `document.getElementById("from").checkVisibility()`) {
			t.Error("the date filter does not show once opened")
		}
		clipped := eval[[]string](t, tab, `Array.from(document.querySelectorAll(".fold input, .fold select, .fold label, .fold button"))
			.filter(el => { const r = el.getBoundingClientRect(); return r.left < 0 || r.right > window.innerWidth; })
			.map(el => el.id || el.textContent)`)
		if len(clipped) > 0 {
			t.Errorf("cut off at 390 px: %v", clipped)
		}
		if w := eval[float64](t, tab, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("the page is %.0f px wide at 390", w)
		}
	})
	t.Run("OpenAt1280", func(t *testing.T) {
		if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 900)); err != nil {
			t.Fatal(err)
		}
		open("/agenda")
		if !eval[bool](t, tab, `document.getElementById("from").checkVisibility()`) {
			t.Error("the filters are folded on a wide screen")
		}
		if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Days", func(t *testing.T) {
		open("/agenda")
		got := eval[[]string](t, tab, `Array.from(document.querySelectorAll("main .day h2")).map(h => h.textContent)`)
		want := []string{"Vandaag maandag 2 maart", "Morgen dinsdag 3 maart", "woensdag 4 maart", "zaterdag 7 maart", "zaterdag 11 april"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("day headings %q, want %q", got, want)
		}
		under := eval[[]string](t, tab, `Array.from(document.querySelectorAll("#day-2026-03-02 ~ ul h3")).map(h => h.textContent)`)
		if len(under) != 1 || under[0] != "Voorlezen vandaag" {
			t.Errorf("under today: %q", under)
		}
	})
	t.Run("QuickFilter", func(t *testing.T) {
		open("/agenda")
		if err := chromedp.Do(tab, chromedp.Click(chromedp.Search(`//nav[@class="quick"]//a[normalize-space(.)="Morgen"]`))); err != nil {
			t.Fatal(err)
		}
		waitForQuery(t, tab, "when=tomorrow")
		titles := eval[[]string](t, tab, `Array.from(document.querySelectorAll("main .cards h3")).map(h => h.textContent)`)
		if strings.Join(titles, "|") != "Schaken morgen" {
			t.Errorf("tomorrow: %q", titles)
		}
		if got := eval[string](t, tab, `document.querySelector("nav.quick a[aria-current]").textContent`); got != "Morgen" {
			t.Errorf("current quick filter %q", got)
		}
	})
	t.Run("MonthByKeyboard", func(t *testing.T) {
		open("/agenda?view=month")
		heads := eval[[]string](t, tab, `Array.from(document.querySelectorAll("table.calendar thead th[scope=col]")).map(th => th.textContent)`)
		if strings.Join(heads, " ") != "ma di wo do vr za zo" {
			t.Errorf("column headers %q", heads)
		}
		if got := eval[string](t, tab, `document.querySelector("table.calendar caption").textContent`); got != "maart 2026" {
			t.Errorf("caption %q", got)
		}
		// Tab from the link before the table reaches the days in order; Enter opens one.
		eval[bool](t, tab, `document.querySelector(".month-nav a[rel=next]").focus(), true`)
		if err := chromedp.Do(tab, chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
		if got := eval[string](t, tab, `document.activeElement.getAttribute("aria-label")`); got != "zondag 1 maart: 0 activiteiten" && got != "maandag 2 maart: 1 activiteit" {
			t.Fatalf("keyboard focus on %q, want the first days", got)
		}
		eval[bool](t, tab, `document.querySelector("a.day-link[aria-label^='dinsdag 3 maart']").focus(), true`)
		if err := chromedp.Do(tab, chromedp.KeyEvent("\r")); err != nil {
			t.Fatal(err)
		}
		waitForQuery(t, tab, "from=2026-03-03")
		titles := eval[[]string](t, tab, `Array.from(document.querySelectorAll("main .cards h3")).map(h => h.textContent)`)
		if strings.Join(titles, "|") != "Schaken morgen" {
			t.Errorf("3 March from the month: %q", titles)
		}
	})
}

// waitForQuery waits until the tab's address holds part in its query.
func waitForQuery(t *testing.T, ctx context.Context, part string) {
	t.Helper()
	var last string
	for ctx.Err() == nil {
		if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
			if strings.Contains(loc, part) && eval[string](t, ctx, "document.readyState") == "complete" {
				return
			}
			last = loc
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("tab did not reach an address with %s; last at %s", part, last)
}

// TestBrowserEventTravels: the calendar file the page offers decodes, the
// copy button appears with JavaScript, and every kind of page carries Open
// Graph, and events and courses their schema.org JSON-LD.
func TestBrowserEventTravels(t *testing.T) {
	newTab := newBrowser(t)
	e, b, ev, course := browseEnv(t)
	tab := newTab()
	open := func(path string) {
		t.Helper()
		if err := chromedp.Do(tab, chromedp.Navigate(e.srv.URL+path)); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
	}
	open(fmt.Sprintf("/events/%d?lang=nl", ev.ID))

	t.Run("AddToCalendar", func(t *testing.T) {
		for _, path := range []string{fmt.Sprintf("/events/%d", ev.ID), fmt.Sprintf("/courses/%d", course.ID)} {
			open(path)
			data := eval[string](t, tab, `fetch(document.querySelector("a[download]").href).then(r => r.text())`)
			events, err := ical.Decode(strings.NewReader(data), ical.Options{Branches: []*vestiging.Branch{b}})
			if err != nil || len(events) == 0 {
				t.Fatalf("%s: the calendar file does not decode: %v\n%s", path, err, data)
			}
		}
		if !eval[bool](t, tab, `document.querySelector("button[data-copy]").checkVisibility()`) {
			t.Error("no copy button with JavaScript on")
		}
	})
	t.Run("JSONLDAndOpenGraph", func(t *testing.T) {
		for _, tc := range []struct{ path, ldType, title string }{
			{fmt.Sprintf("/events/%d", ev.ID), "Event", "Voorlezen vandaag"},
			{fmt.Sprintf("/courses/%d", course.ID), "EducationEvent", "Computercursus"},
			{"/agenda", "", "Agenda"},
			{"/", "", "Bibliotheek"},
			{"/offers", "", "Vraag en aanbod"},
			{"/library", "", "De bibliotheek"},
		} {
			open(tc.path)
			ld := eval[string](t, tab, `(s => s ? JSON.parse(s.textContent)["@type"] : "")(document.querySelector('script[type="application/ld+json"]'))`)
			if ld != tc.ldType {
				t.Errorf("%s: JSON-LD @type %q, want %q", tc.path, ld, tc.ldType)
			}
			og := eval[[]string](t, tab, `["og:title", "og:description", "og:image", "og:url", "twitter:card"].map(p =>
				(document.querySelector('meta[property="' + p + '"], meta[name="' + p + '"]') || {content: ""}).content)`)
			if og[0] != tc.title || og[1] == "" || !strings.HasPrefix(og[2], "http") || !strings.HasPrefix(og[3], "http") || og[4] == "" {
				t.Errorf("%s: Open Graph %q", tc.path, og)
			}
		}
	})
}
