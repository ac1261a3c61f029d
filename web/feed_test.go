package web

import (
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/ical"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// feedEnv is a server with a published event in summer time and one in
// winter time at one branch, a cancelled one and a draft at another, and a
// course.
type feedEnv struct {
	*env
	tiel, culemborg                      *vestiging.Branch
	summer, winter, cancelled, draft, cc *vestiging.Event
}

func newFeedEnv(t *testing.T) *feedEnv {
	t.Helper()
	e := &feedEnv{env: newEnv(t)}
	e.tiel, e.culemborg = e.branch("Bibliotheek Tiel"), e.branch("Bibliotheek Culemborg")
	// 14:00 in Amsterdam: summer time (UTC+2) and winter time (UTC+1).
	e.summer = e.event("Zomerlezen", vestiging.StatusPublished, e.tiel, time.Date(2026, 6, 6, 12, 0, 0, 0, time.UTC))
	e.winter = e.event("Winterlezen", vestiging.StatusPublished, e.tiel, time.Date(2026, 12, 5, 13, 0, 0, 0, time.UTC), func(ev *vestiging.Event) {
		ev.Themes = []string{"digitale-vaardigheden"}
	})
	e.cancelled = e.event("Afgelast", vestiging.StatusCancelled, e.culemborg, time.Date(2026, 4, 1, 13, 0, 0, 0, time.UTC))
	e.draft = e.event("Geheim concept", vestiging.StatusDraft, e.culemborg, time.Date(2026, 4, 2, 13, 0, 0, 0, time.UTC))
	start := time.Date(2026, 5, 4, 17, 0, 0, 0, time.UTC)
	e.cc = &vestiging.Event{Kind: vestiging.KindCourse, Title: "Cursus", Status: vestiging.StatusPublished, Themes: []string{"leven-lang-leren"},
		Sessions: []*vestiging.Session{
			{StartsAt: start, EndsAt: start.Add(time.Hour), BranchID: &e.tiel.ID},
			{StartsAt: start.AddDate(0, 0, 7), EndsAt: start.AddDate(0, 0, 7).Add(time.Hour), BranchID: &e.culemborg.ID},
		}}
	if err := e.db.CreateEvent(t.Context(), e.cc); err != nil {
		t.Fatal(err)
	}
	return e
}

// decodeICS reads a feed back with the importer, keyed by UID.
func decodeICS(t *testing.T, body string) map[string]*vestiging.Event {
	t.Helper()
	events, err := ical.Decode(strings.NewReader(body), ical.Options{Now: testNow,
		Branches: []*vestiging.Branch{{ID: 1, Name: "Bibliotheek Tiel"}, {ID: 2, Name: "Bibliotheek Culemborg"}},
		Themes:   []*vestiging.Theme{{Slug: "leesplezier", NameNL: "Leesplezier", NameEN: "Reading for pleasure"}}})
	if err != nil {
		t.Fatalf("decode feed: %v\n%s", err, body)
	}
	m := map[string]*vestiging.Event{}
	for _, ev := range events {
		m[ev.Title] = ev
	}
	return m
}

func titlesOf(m map[string]*vestiging.Event) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return strings.Join(out, ", ")
}

func TestICSFeeds(t *testing.T) {
	e := newFeedEnv(t)
	c := e.client()
	tests := []struct {
		name, path string
		want, not  []string
	}{
		{"Agenda", "/agenda.ics", []string{"Zomerlezen", "Winterlezen", "Afgelast", "Cursus (1/2)", "Cursus (2/2)"}, []string{"Geheim concept"}},
		{"Filters", "/agenda.ics?theme=digitale-vaardigheden", []string{"Winterlezen"}, []string{"Zomerlezen", "Afgelast"}},
		{"DateRange", "/agenda.ics?from=2026-06-01&to=2026-06-30", []string{"Zomerlezen"}, []string{"Winterlezen", "Afgelast"}},
		{"Branch", fmt.Sprintf("/branches/%d/agenda.ics", e.culemborg.ID), []string{"Afgelast", "Cursus (2/2)"}, []string{"Zomerlezen", "Winterlezen"}},
		{"Theme", "/themes/leesplezier/agenda.ics", []string{"Zomerlezen", "Afgelast"}, []string{"Winterlezen", "Cursus (1/2)"}},
		{"Local", "/agenda.ics?library=local", []string{"Zomerlezen"}, nil},
		{"Remote", "/agenda.ics?library=remote", nil, []string{"Zomerlezen", "Winterlezen"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.get(c, tt.path)
			wantStatus(t, res, http.StatusOK)
			if got, want := res.Header.Get("Content-Type"), "text/calendar; charset=utf-8"; got != want {
				t.Errorf("content type: got %q, want %q", got, want)
			}
			if got := res.Header.Get("Cache-Control"); !strings.HasPrefix(got, "public, max-age=") {
				t.Errorf("cache control: got %q", got)
			}
			m := decodeICS(t, res.Body)
			for _, title := range tt.want {
				if m[title] == nil {
					t.Errorf("feed lacks %q; has %s", title, titlesOf(m))
				}
			}
			for _, title := range tt.not {
				if m[title] != nil {
					t.Errorf("feed holds %q", title)
				}
			}
		})
	}
	t.Run("TimeZoneAndStatus", func(t *testing.T) {
		res := e.get(c, "/agenda.ics")
		wantContains(t, res, "BEGIN:VTIMEZONE\r\n", "DTSTART;TZID=Europe/Amsterdam:20260606T140000\r\n",
			"DTSTART;TZID=Europe/Amsterdam:20261205T140000\r\n", "STATUS:CANCELLED\r\n",
			fmt.Sprintf("UID:http://localhost/events/%d\r\n", e.summer.ID),
			fmt.Sprintf("RELATED-TO:http://localhost/courses/%d\r\n", e.cc.ID), "X-WR-CALNAME:")
		m := decodeICS(t, res.Body)
		if got, want := m["Afgelast"].Status, vestiging.StatusCancelled; got != want {
			t.Errorf("status: got %q, want %q", got, want)
		}
		if got, want := m["Winterlezen"].StartsAt, e.winter.StartsAt; !got.Equal(want) {
			t.Errorf("start: got %v, want %v", got, want)
		}
	})
	t.Run("LibrarySet", func(t *testing.T) {
		// Six events from three libraries: Elders 1 and 4 from the first, 2 and 5 from the second.
		storetest.SeedRemoteEvents(t, e.db, 6, 3, testNow.Add(time.Hour))
		var ids []string
		for _, host := range []string{"bibliotheek-1.example", "bibliotheek-2.example"} {
			a, err := e.db.ActorByIRI(t.Context(), "https://"+host+"/actor")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, fmt.Sprint(a.ID))
		}
		m := decodeICS(t, e.get(c, "/agenda.ics?library="+strings.Join(ids, ",")).Body)
		if got, want := len(m), 4; got != want || m["Elders 1"] == nil || m["Elders 5"] == nil {
			t.Errorf("got %s, want Elders 1, 2, 4 and 5", titlesOf(m))
		}
		wantStatus(t, e.get(c, "/agenda.ics?library="+ids[0]+",x"), http.StatusBadRequest)
	})
	t.Run("NotModified", func(t *testing.T) {
		res := e.get(c, "/agenda.ics")
		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		wantStatus(t, e.get(c, "/agenda.ics", "If-None-Match", etag), http.StatusNotModified)
	})
	t.Run("ErrBadFilter", func(t *testing.T) {
		res := e.get(c, "/agenda.ics?from=5-3-2026")
		wantStatus(t, res, http.StatusBadRequest)
		wantContains(t, res, "Geef de datum als JJJJ-MM-DD.")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, path := range []string{"/branches/999/agenda.ics", "/branches/x/agenda.ics", "/themes/onbekend/agenda.ics"} {
			wantStatus(t, e.get(c, path), http.StatusNotFound)
		}
	})
}

func TestAtomFeed(t *testing.T) {
	e := newFeedEnv(t)
	c := e.client()
	res := e.get(c, "/agenda.atom")
	wantStatus(t, res, http.StatusOK)
	if got, want := res.Header.Get("Content-Type"), "application/atom+xml; charset=utf-8"; got != want {
		t.Errorf("content type: got %q, want %q", got, want)
	}
	var feed atomFeed
	if err := xml.Unmarshal([]byte(res.Body), &feed); err != nil {
		t.Fatalf("parse: %v\n%s", err, res.Body)
	}
	if got, want := feed.XMLName.Space, "http://www.w3.org/2005/Atom"; got != want {
		t.Errorf("namespace: got %q, want %q", got, want)
	}
	if got, want := feed.Author.Name, "Bibliotheek"; got != want {
		t.Errorf("author: got %q, want %q", got, want)
	}
	if feed.ID == "" || feed.Title == "" || feed.Updated == "" || feed.Lang != "nl" {
		t.Errorf("feed lacks id, title, updated or author: %+v", feed)
	}
	var titles []string
	for _, en := range feed.Entries {
		titles = append(titles, en.Title)
		if _, err := time.Parse(time.RFC3339, en.Updated); err != nil || en.ID == "" || len(en.Links) == 0 {
			t.Errorf("entry %q: id %q, updated %q, links %v", en.Title, en.ID, en.Updated, en.Links)
		}
	}
	if got, want := strings.Join(titles, "|"), "Geannuleerd: Afgelast|Cursus|Zomerlezen|Winterlezen"; got != want {
		t.Errorf("entries: got %q, want %q", got, want)
	}
	summer := feed.Entries[2]
	if got, want := summer.Summary.Body, "za 6 juni 2026, 14:00–16:00 · Bibliotheek Tiel, Stationsplein 1, 1234 AB Dorp"; got != want {
		t.Errorf("summary: got %q, want %q", got, want)
	}
	if got, want := summer.Links[0].Href, fmt.Sprintf("http://localhost/events/%d", e.summer.ID); got != want {
		t.Errorf("link: got %q, want %q", got, want)
	}
	if got, want := summer.Content.Type, "html"; got != want || !strings.Contains(summer.Content.Body, "<p>Over Zomerlezen</p>") {
		t.Errorf("content: %+v", summer.Content)
	}
	t.Run("PlacePriceThemes", func(t *testing.T) {
		e.event("Op school", vestiging.StatusPublished, e.tiel, time.Date(2026, 6, 8, 12, 0, 0, 0, time.UTC), func(ev *vestiging.Event) {
			ev.BranchID, ev.Place = nil, &vestiging.Place{Name: "OBS De Regenboog", City: "Tiel"}
			ev.Themes = []string{"leesplezier", "digitale-vaardigheden"}
			ev.Price = &vestiging.Price{Cents: 250}
		})
		var feed atomFeed
		res := e.get(c, "/agenda.atom?theme=digitale-vaardigheden")
		if err := xml.Unmarshal([]byte(res.Body), &feed); err != nil || len(feed.Entries) != 2 {
			t.Fatalf("got %d entries, %v", len(feed.Entries), err)
		}
		school := feed.Entries[0]
		if got, want := school.Summary.Body, "ma 8 juni 2026, 14:00–16:00 · OBS De Regenboog, Tiel · € 2,50"; got != want {
			t.Errorf("summary: got %q, want %q", got, want)
		}
		if len(school.Category) != 2 || school.Category[1].Term != "digitale-vaardigheden" || school.Category[1].Label != "Digitale vaardigheden" {
			t.Errorf("categories %+v", school.Category)
		}
		ics := e.get(c, "/agenda.ics?theme=leesplezier")
		wantContains(t, ics, "LOCATION:OBS De Regenboog\\, Tiel", "CATEGORIES:Leesplezier,Digitale vaardigheden", "X-VESTIGING-PRICE:2.50")
	})
	t.Run("Filtered", func(t *testing.T) {
		var feed atomFeed
		res := e.get(c, "/agenda.atom?theme=digitale-vaardigheden")
		if err := xml.Unmarshal([]byte(res.Body), &feed); err != nil || len(feed.Entries) != 2 {
			t.Fatalf("got %d entries, %v", len(feed.Entries), err)
		}
	})
	t.Run("Autodiscovery", func(t *testing.T) {
		wantContains(t, e.get(c, "/agenda"), `<link rel="alternate" type="application/atom+xml"`, `href="/agenda.atom"`,
			`<link rel="alternate" type="text/calendar"`, `<a href="/agenda.ics">iCalendar</a>`)
	})
}

// BenchmarkICSFeed serves the iCalendar feed of 1,000 events, on SQLite
// and, when VESTIGING_TEST_POSTGRES is set, on PostgreSQL.
func BenchmarkICSFeed(b *testing.B) {
	clock := storetest.NewClock(testNow)
	backends := map[string]*store.DB{"sqlite": storetest.SQLiteClock(b, clock.Now)}
	if os.Getenv(storetest.EnvPostgres) != "" {
		backends["postgres"] = storetest.PostgresClock(b, clock.Now)
	}
	for name, db := range backends {
		storetest.SeedEvents(b, db, 1000, testNow)
		srv := New(Config{Services: db, BaseURL: &url.URL{Scheme: "http", Host: "localhost"}, Clock: clock.Now,
			Logger: slog.New(slog.DiscardHandler)})
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/agenda.ics", nil))
				if n := strings.Count(rec.Body.String(), "BEGIN:VEVENT"); rec.Code != http.StatusOK || n != 1000 {
					b.Fatalf("status %d, %d events", rec.Code, n)
				}
			}
		})
	}
}

// makeFeed presses the button on the account's feed page and returns the
// address the answer shows, once.
func makeFeed(t *testing.T, e *env, c *http.Client) string {
	t.Helper()
	res := e.post(c, "/account/feed", nil)
	wantStatus(t, res, http.StatusOK)
	if got := res.Header.Get("Cache-Control"); !strings.Contains(got, "no-store") {
		t.Errorf("cache control of the new address: %q, want no-store", got)
	}
	m := regexp.MustCompile(`value="` + regexp.QuoteMeta(e.srv.URL) + `(/feeds/[A-Za-z0-9_-]{43}\.ics)"`).FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatalf("no feed address on the page:\n%s", res.Body)
	}
	wantContains(t, res, `href="webcal://`, "maar één keer")
	return m[1]
}

func TestPersonalFeed(t *testing.T) {
	e := newFedEnv(t)
	ctx := t.Context()
	b := e.branch("Bibliotheek Tiel")
	e.event("Hier", vestiging.StatusPublished, b, testNow.Add(24*time.Hour))
	_, followed := e.remoteEvent("Daar", testNow.Add(48*time.Hour))
	// A library the resident does not follow, with an event stored here
	// because the library follows it.
	storetest.SeedRemoteEvents(t, e.db, 1, 1, testNow.Add(72*time.Hour))
	me := e.person("inwoner@example.nl", "correct horse battery", vestiging.RoleResident)
	if err := e.db.SetPersonFollowing(ctx, &vestiging.PersonFollowing{PersonID: me.ID, Actor: followed,
		ActivityIRI: e.srv.URL + "/activities/follow-1", State: vestiging.FollowAccepted}); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	resident := e.client()
	wantStatus(t, e.post(resident, "/login", url.Values{"email": {me.Email}, "password": {"correct horse battery"}}), http.StatusSeeOther)
	// The address is shown once, when it is made.
	res := e.get(resident, "/account/feed")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "Maak mijn adres", `action="/account/feed"`)
	wantNotContains(t, res, "/feeds/")
	feed := makeFeed(t, e, resident)

	t.Run("OK", func(t *testing.T) {
		res := e.get(c, feed)
		wantStatus(t, res, http.StatusOK)
		if got := res.Header.Get("Cache-Control"); !strings.HasPrefix(got, "private, ") {
			t.Errorf("cache control: got %q, want private", got)
		}
		m := decodeICS(t, res.Body)
		if m["Hier"] == nil || m["Daar"] == nil || m["Elders 1"] != nil {
			t.Errorf("got %s, want Hier and Daar", titlesOf(m))
		}
	})
	t.Run("HashOnly", func(t *testing.T) {
		token := strings.TrimSuffix(strings.TrimPrefix(feed, "/feeds/"), ".ics")
		var n int
		if err := e.db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM people WHERE feed_token_hash = $1`, token).Scan(&n); err != nil || n != 0 {
			t.Errorf("the database holds the token in the clear (%d rows, %v)", n, err)
		}
		fresh, err := e.db.Person(ctx, me.ID)
		if err != nil || fresh.FeedTokenHash != vestiging.HashToken(token) {
			t.Errorf("stored %q, %v; want the token's hash", fresh.FeedTokenHash, err)
		}
		res := e.get(resident, "/account/feed")
		wantContains(t, res, "Maak een nieuw adres")
		wantNotContains(t, res, token)
	})
	t.Run("Renew", func(t *testing.T) {
		renewed := makeFeed(t, e, resident)
		if renewed == feed {
			t.Fatalf("address not renewed: %s", renewed)
		}
		wantStatus(t, e.get(c, feed), http.StatusNotFound)
		wantStatus(t, e.get(c, renewed), http.StatusOK)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, path := range []string{"/feeds/x.ics", "/feeds/" + strings.Repeat("a", 43) + ".ics", "/feeds/.ics"} {
			wantStatus(t, e.get(c, path), http.StatusNotFound)
		}
		wantStatus(t, e.get(c, "/account/feed"), http.StatusSeeOther) // signed out: to the login page
	})
	t.Run("MyAgendaLink", func(t *testing.T) {
		resident := e.client()
		wantStatus(t, e.post(resident, "/login", url.Values{"email": {me.Email}, "password": {"correct horse battery"}}), http.StatusSeeOther)
		wantContains(t, e.get(resident, "/my/agenda"), `<a href="/account/feed">`)
	})
}
