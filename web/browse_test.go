package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

func TestPeriod(t *testing.T) {
	loc := defaultLocation()
	day := func(d, h int) time.Time { return time.Date(2026, time.March, d, h, 0, 0, 0, loc) }
	// Monday 2 March 2026, 10:00; Saturday 7 March, 12:00; Sunday 8 March, 12:00.
	for _, tc := range []struct {
		when     string
		now      time.Time
		from, to time.Time
	}{
		{whenToday, day(2, 10), day(2, 10), day(3, 0)},
		{whenTomorrow, day(2, 10), day(3, 0), day(4, 0)},
		{whenWeekend, day(2, 10), day(7, 0), day(9, 0)},
		{whenWeek, day(2, 10), day(2, 10), day(9, 0)},
		{whenWeekend, day(7, 12), day(7, 12), day(9, 0)},
		{whenWeekend, day(8, 12), day(8, 12), day(9, 0)},
		{whenWeek, day(8, 12), day(8, 12), day(9, 0)},
	} {
		from, to, ok := period(tc.when, tc.now, loc)
		if !ok || !from.Equal(tc.from) || !to.Equal(tc.to) {
			t.Errorf("period(%s, %s) = %s – %s, %v; want %s – %s", tc.when, tc.now, from, to, ok, tc.from, tc.to)
		}
	}
	if _, _, ok := period("later", day(2, 10), loc); ok {
		t.Error("period(later) is ok")
	}
}

// TestAgendaBrowse: the list by day under Vandaag, Morgen and dated
// headings, the quick filters, the month and the places.
func TestAgendaBrowse(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Bibliotheek Centrum")
	lat, lon := 51.887, 5.429
	b.City, b.Latitude, b.Longitude = "Tiel", &lat, &lon
	if err := e.db.UpdateBranch(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	// testNow: Monday 2 March 2026, 10:00 in Amsterdam.
	e.event("Voorlezen vandaag", vestiging.StatusPublished, b, testNow.Add(3*time.Hour))
	e.event("Schaken morgen", vestiging.StatusPublished, b, testNow.Add(27*time.Hour), func(ev *vestiging.Event) {
		ev.Themes, ev.RegistrationMode, ev.Capacity = []string{"digitale-vaardigheden"}, vestiging.RegistrationOpen, 3
	})
	e.event("Taalcafé zaterdag", vestiging.StatusPublished, b, testNow.Add(5*24*time.Hour), func(ev *vestiging.Event) {
		ev.Audiences = []string{vestiging.AudienceSeniors}
	})
	e.event("Lezing in april", vestiging.StatusPublished, b, testNow.Add(40*24*time.Hour))
	c := e.client()

	t.Run("Days", func(t *testing.T) {
		res := e.get(c, "/agenda")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `<h2 id="day-2026-03-02">Vandaag <span class="day-date">maandag 2 maart</span></h2>`,
			`<h2 id="day-2026-03-03">Morgen <span class="day-date">dinsdag 3 maart</span></h2>`,
			`<h2 id="day-2026-03-07">zaterdag 7 maart</h2>`, `<h2 id="day-2026-04-11">zaterdag 11 april</h2>`,
			// Under its day a card gives the times; the badge the date.
			">13:00–15:00</time>", `<span class="day">2</span><span class="month">mrt</span>`,
			"nog 3 plaatsen", ">Senioren</li>", ">Digitale vaardigheden</li>", `placeholders.svg#digitale-vaardigheden`)
		order := []string{"Voorlezen vandaag", "Schaken morgen", "Taalcafé zaterdag", "Lezing in april"}
		for i := 1; i < len(order); i++ {
			if strings.Index(res.Body, order[i-1]) > strings.Index(res.Body, order[i]) {
				t.Errorf("%s after %s", order[i-1], order[i])
			}
		}
	})
	t.Run("QuickFilters", func(t *testing.T) {
		res := e.get(c, "/agenda?theme=leesplezier")
		wantContains(t, res, `href="/agenda?theme=leesplezier&amp;when=today">Vandaag</a>`,
			`href="/agenda" aria-current="true">Leesplezier</a>`)
		for _, tc := range []struct {
			when      string
			want, not []string
		}{
			{"today", []string{"Voorlezen vandaag"}, []string{"Schaken morgen", "Taalcafé zaterdag"}},
			{"tomorrow", []string{"Schaken morgen"}, []string{"Voorlezen vandaag", "Taalcafé zaterdag"}},
			{"weekend", []string{"Taalcafé zaterdag"}, []string{"Voorlezen vandaag", "Schaken morgen"}},
			{"week", []string{"Voorlezen vandaag", "Schaken morgen", "Taalcafé zaterdag"}, []string{"Lezing in april"}},
		} {
			res := e.get(c, "/agenda?when="+tc.when)
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, append(tc.want, `aria-current="true">`)...)
			wantNotContains(t, res, tc.not...)
		}
		res = e.get(c, "/agenda?when=later")
		wantStatus(t, res, http.StatusBadRequest)
		wantContains(t, res, "Kies vandaag, morgen, dit weekend of deze week.", `<details class="fold" open>`)
	})
	t.Run("Month", func(t *testing.T) {
		res := e.get(c, "/agenda?view=month")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `<table class="calendar">`, "<caption>maart 2026</caption>",
			`<th scope="col"><abbr title="maandag">ma</abbr></th>`, `aria-current="date"`,
			`href="/agenda?from=2026-03-03&amp;to=2026-03-03" aria-label="dinsdag 3 maart: 1 activiteit"`,
			"Schaken morgen", `href="/agenda?month=2026-04&amp;view=month" rel="next"`)
		wantNotContains(t, res, "Lezing in april")
		if got := strings.Count(res.Body, "<tr>"); got != 7 { // the head and six weeks: 1 March is a Sunday
			t.Errorf("%d rows, want 7", got)
		}
		res = e.get(c, "/agenda?view=month&month=2026-04")
		wantContains(t, res, "Lezing in april", "<caption>april 2026</caption>")
		res = e.get(c, "/agenda?view=month&month=april")
		wantStatus(t, res, http.StatusBadRequest)
		wantContains(t, res, "Geef de maand als JJJJ-MM.")
	})
	t.Run("Map", func(t *testing.T) {
		res := e.get(c, "/agenda?view=map")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `data-lat="51.887" data-lon="5.429"`, "4 activiteiten",
			fmt.Sprintf(`href="/agenda?branch=%d"`, b.ID),
			`href="https://www.openstreetmap.org/?mlat=51.88700&amp;mlon=5.42900#map=17/51.88700/5.42900"`,
			`data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"`, `<script src="/static/map.js" defer></script>`)
		if res := e.get(c, "/agenda?view=globe"); res.Status != http.StatusBadRequest {
			t.Errorf("view=globe: status %d, want 400", res.Status)
		}
	})
	t.Run("Home", func(t *testing.T) {
		res := e.get(c, "/")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `<form method="get" action="/agenda" class="search-row" role="search">`,
			`<h2 id="today">Vandaag</h2>`, "Voorlezen vandaag", `<h2 id="weekend">Dit weekend</h2>`, "Taalcafé zaterdag",
			`<h2 id="themes">Thema&#39;s</h2>`, `href="/agenda?theme=leven-lang-leren"`, `<h2 id="courses">`, `<h2 id="offers">`)
		weekend := res.Body[strings.Index(res.Body, `id="weekend"`):]
		if i := strings.Index(weekend, "</section>"); strings.Contains(weekend[:i], "Voorlezen vandaag") {
			t.Error("this weekend repeats today")
		}
	})
	t.Run("NoScriptNeeded", func(t *testing.T) {
		// The list and month need no script; the map's list works without.
		for _, path := range []string{"/agenda", "/agenda?view=month", "/"} {
			if res := e.get(c, path); regexp.MustCompile(`<script src`).MatchString(res.Body) {
				t.Errorf("%s loads a script", path)
			}
		}
	})
}
