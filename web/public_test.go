package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store/storetest"
)

func TestPublicPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.branch("Centrale Bibliotheek")
	// Saturday 5 December 2026, 14:00 in Amsterdam.
	sat := time.Date(2026, time.December, 5, 13, 0, 0, 0, time.UTC)
	published := e.event("Voorleesuur", vestiging.StatusPublished, b, sat)
	draft := e.event("Geheim concept", vestiging.StatusDraft, b, sat)
	cancelled := e.event("Schrijfcafé", vestiging.StatusCancelled, b, sat.Add(24*time.Hour))
	external := e.event("Lezing elders", vestiging.StatusPublished, b, sat.Add(48*time.Hour), func(ev *vestiging.Event) {
		ev.RegistrationMode, ev.RegistrationURL = vestiging.RegistrationExternal, "https://tickets.example.nl/lezing"
	})
	open := e.event("Taalcafé", vestiging.StatusPublished, b, sat.Add(72*time.Hour), func(ev *vestiging.Event) {
		ev.RegistrationMode = vestiging.RegistrationOpen
	})
	course := &vestiging.Event{Kind: vestiging.KindCourse, Title: "Computercursus", Status: vestiging.StatusPublished,
		OnlineLinkPublic: true, Sessions: []*vestiging.Session{
			{StartsAt: sat.Add(7 * 24 * time.Hour), EndsAt: sat.Add(7*24*time.Hour + time.Hour), BranchID: &b.ID},
			{StartsAt: sat.Add(14 * 24 * time.Hour), EndsAt: sat.Add(14*24*time.Hour + time.Hour), OnlineURL: "https://meet.example.nl/les2"},
		}}
	if err := e.db.CreateEvent(ctx, course); err != nil {
		t.Fatal(err)
	}
	c := e.client()

	t.Run("Home", func(t *testing.T) {
		res := e.get(c, "/")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `<html lang="nl" dir="ltr">`, "Voorleesuur", "Computercursus", `href="/courses/`)
		wantNotContains(t, res, "Geheim concept")
	})
	t.Run("Agenda", func(t *testing.T) {
		res := e.get(c, "/agenda")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Voorleesuur", "Schrijfcafé", "Geannuleerd", "Computercursus")
		wantNotContains(t, res, "Geheim concept")
	})
	t.Run("Event", func(t *testing.T) {
		res := e.get(c, fmt.Sprintf("/events/%d", published.ID))
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `<h1 dir="auto">Voorleesuur</h1>`, "za 5 december 2026, 14:00–16:00", "Centrale Bibliotheek", "Stationsplein 1, 1234 AB Dorp",
			"<p>Over Voorleesuur</p>", "Leesplezier")
		wantNotContains(t, res, "Geannuleerd", "Aanmelden")
	})
	t.Run("EventEnglish", func(t *testing.T) {
		res := e.get(e.client(), fmt.Sprintf("/events/%d?lang=en", published.ID))
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `<html lang="en" dir="ltr">`, "Sat 5 December 2026, 14:00–16:00", "Reading for pleasure")
	})
	t.Run("Cancelled", func(t *testing.T) {
		res := e.get(e.client(), fmt.Sprintf("/events/%d", cancelled.ID))
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Geannuleerd", "Deze activiteit gaat niet door.")
	})
	t.Run("RegistrationExternal", func(t *testing.T) {
		res := e.get(e.client(), fmt.Sprintf("/events/%d", external.ID))
		wantContains(t, res, `href="https://tickets.example.nl/lezing"`, ">Aanmelden</a>")
	})
	t.Run("RegistrationOpen", func(t *testing.T) {
		res := e.get(e.client(), fmt.Sprintf("/events/%d", open.ID))
		wantContains(t, res, "Log in om je aan te melden", fmt.Sprintf(`href="/login?next=%%2fevents%%2f%d"`, open.ID))
		wantNotContains(t, res, "/register")
	})
	t.Run("Course", func(t *testing.T) {
		res := e.get(c, fmt.Sprintf("/courses/%d", course.ID))
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Computercursus", "Bijeenkomsten (2)", "za 12 december 2026, 14:00–15:00", "za 19 december 2026, 14:00–15:00",
			"https://meet.example.nl/les2", "Eén aanmelding geldt voor alle bijeenkomsten")
	})
	t.Run("CourseRedirect", func(t *testing.T) {
		res := e.get(c, fmt.Sprintf("/events/%d", course.ID))
		wantStatus(t, res, http.StatusMovedPermanently)
		if got, want := res.Location, fmt.Sprintf("/courses/%d", course.ID); got != want {
			t.Errorf("location: got %q, want %q", got, want)
		}
		res = e.get(c, fmt.Sprintf("/courses/%d", published.ID))
		wantStatus(t, res, http.StatusMovedPermanently)
	})
	t.Run("Library", func(t *testing.T) {
		res := e.get(c, "/library")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Centrale Bibliotheek", "Stationsplein 1, 1234 AB Dorp", "maandag", "09:00–17:00", "Gesloten")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, path := range []string{
			fmt.Sprintf("/events/%d", draft.ID), "/events/abc", "/events/-1", "/events/99999", "/courses/99999",
			"/events/99999999999999999999999", "/nothing-here",
		} {
			res := e.get(c, path)
			if res.Status != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, res.Status)
			}
			wantContains(t, res, "Pagina niet gevonden", `<main id="main"`)
			wantNotContains(t, res, "Geheim concept")
		}
	})
}

func TestAgendaFilters(t *testing.T) {
	e := newEnv(t)
	// 45 events from Tuesday 3 March 2026, 09:00 UTC, every two hours,
	// over three branches; every fifth online.
	storetest.SeedEvents(t, e.db, 45, testNow.Add(24*time.Hour))
	branches, err := e.db.Branches(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	tests := []struct {
		name   string
		query  string
		status int
		want   []string
		not    []string
	}{
		{"OK", "", 200, []string{"45 activiteiten gevonden", "Activiteit 1<", "Activiteit 20<", `href="/agenda?page=2" rel="next"`}, []string{"Activiteit 21<"}},
		{"Page2", "?page=2", 200, []string{"Activiteit 21<", `href="/agenda" rel="prev"`, `href="/agenda?page=3" rel="next"`, "Pagina 2 van 3"}, []string{"Activiteit 1<"}},
		{"BeyondEnd", "?page=9", 200, []string{"Geen activiteiten gevonden.", `href="/agenda?page=3" rel="prev"`}, []string{">Activiteit "}},
		// 4 March in Amsterdam (UTC+1) holds Activiteit 8 (23:00 UTC on the 3rd) to 19.
		{"FromTo", "?from=2026-03-04&to=2026-03-04", 200, []string{"12 activiteiten gevonden", "Activiteit 8<", "Activiteit 19<"}, []string{"Activiteit 7<", "Activiteit 20<"}},
		{"Theme", "?theme=leven-lang-leren", 200, []string{"15 activiteiten gevonden", "Activiteit 3<"}, []string{"Activiteit 1<"}},
		{"Audience", "?audience=seniors", 200, []string{"9 activiteiten gevonden", "Activiteit 5<"}, []string{"Activiteit 1<"}},
		{"Online", "?online=1", 200, []string{"9 activiteiten gevonden", "Activiteit 5<", "Activiteit 10<"}, []string{"Activiteit 1<"}},
		{"Branch", fmt.Sprintf("?branch=%d", branches[0].ID), 200, []string{"Activiteit 1<"}, []string{"Activiteit 2<"}},
		{"ThemeOnePage", "?theme=leesplezier&audience=&page=1", 200, []string{"15 activiteiten gevonden"}, []string{`rel="next"`}},
		{"ErrBadFrom", "?from=5-3-2026", 400, []string{"Geef de datum als JJJJ-MM-DD.", `aria-invalid="true"`, `aria-describedby="from-error from-hint"`}, []string{"Activiteit 1<"}},
		{"ErrToBeforeFrom", "?from=2026-03-05&to=2026-03-04", 400, []string{"De einddatum mag niet voor de begindatum liggen."}, nil},
		{"ErrAudience", "?audience=aliens", 400, []string{"Kies een doelgroep uit de lijst."}, nil},
		{"ErrBranch", "?branch=x", 400, []string{"Kies een vestiging uit de lijst."}, nil},
		{"ErrHugePage", "?page=10000000", 400, []string{"Die pagina bestaat niet."}, nil},
		{"ErrOverflowPage", "?page=99999999999999999999999", 400, []string{"Die pagina bestaat niet."}, nil},
		{"ErrPageZero", "?page=0", 400, []string{"Die pagina bestaat niet."}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.get(c, "/agenda"+tt.query)
			wantStatus(t, res, tt.status)
			wantContains(t, res, tt.want...)
			wantNotContains(t, res, tt.not...)
		})
	}
	t.Run("PagingLinksKeepFilters", func(t *testing.T) {
		e := newEnv(t)
		storetest.SeedEvents(t, e.db, 70, testNow.Add(24*time.Hour))
		res := e.get(e.client(), "/agenda?theme=leesplezier&from=2026-03-03&lang=en")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "24 activities found", `href="/agenda?from=2026-03-03&amp;page=2&amp;theme=leesplezier" rel="next"`)
	})
}

func TestDescriptionSanitised(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale Bibliotheek")
	ev := e.event("Veilig", vestiging.StatusPublished, b, testNow.Add(time.Hour), func(ev *vestiging.Event) {
		ev.Description = `<p>Hallo <b>iedereen</b></p><script>alert("xss")</script><a href="javascript:alert(1)">klik</a>` +
			`<a href="https://example.nl/">goed</a><img src=x onerror="alert(2)">`
		ev.Title = `<script>alert("titel")</script>`
	})
	res := e.get(e.client(), fmt.Sprintf("/events/%d", ev.ID))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "<strong>iedereen</strong>", `<a href="https://example.nl/" rel="nofollow noopener">goed</a>`,
		"&lt;script&gt;alert(&#34;titel&#34;)&lt;/script&gt;")
	// The page's own scripts and JSON-LD aside, nothing that runs.
	wantNotContains(t, res, "<script>", "javascript:", "onerror")
	wantInert(t, res)
}

func TestOffersPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	author := e.person("inwoner@example.nl", "correct horse battery", vestiging.RoleResident)
	for _, o := range []*vestiging.Offer{
		{Kind: vestiging.OfferKindOffer, Title: "Hulp bij de computer", Description: "<p>Ik help graag.</p>", Theme: "digitale-vaardigheden", Status: vestiging.OfferApproved},
		{Kind: vestiging.OfferKindRequest, Title: "Wie leest mij voor?", Description: "<p>Graag.</p>", Theme: "leesplezier", Status: vestiging.OfferApproved},
		{Kind: vestiging.OfferKindOffer, Title: "Nog niet bekeken", Description: "<p>Wacht.</p>", Status: vestiging.OfferPending},
	} {
		o.AuthorID = author.ID
		if err := e.db.CreateOffer(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	c := e.client()
	tests := []struct {
		name, query string
		status      int
		want, not   []string
	}{
		{"OK", "", 200, []string{"Hulp bij de computer", "Wie leest mij voor?"}, []string{"Nog niet bekeken"}},
		{"Kind", "?kind=request", 200, []string{"Wie leest mij voor?"}, []string{"Hulp bij de computer"}},
		{"Theme", "?theme=digitale-vaardigheden", 200, []string{"Hulp bij de computer"}, []string{"Wie leest mij voor?"}},
		{"ErrKind", "?kind=gift", 400, []string{"Kies aanbod of vraag."}, []string{"Hulp bij de computer"}},
		{"ErrPage", "?page=x", 400, []string{"Die pagina bestaat niet."}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.get(c, "/offers"+tt.query)
			wantStatus(t, res, tt.status)
			wantContains(t, res, tt.want...)
			wantNotContains(t, res, tt.not...)
		})
	}
}

func TestLanguage(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, path, acceptLanguage string
		wantLang, wantText         string
	}{
		{"DefaultDutch", "/agenda", "", "nl", "Alleen online"},
		{"AcceptLanguageEnglish", "/agenda", "en-GB,en;q=0.9", "en", "Online only"},
		{"AcceptLanguagePrefersDutch", "/agenda", "de, en;q=0.5, nl;q=0.8", "nl", "Alleen online"},
		{"AcceptLanguageUnsupported", "/agenda", "fr", "nl", "Alleen online"},
		{"QueryWins", "/agenda?lang=en", "nl", "en", "Online only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.get(e.client(), tt.path, "Accept-Language", tt.acceptLanguage)
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, `<html lang="`+tt.wantLang+`" dir="ltr">`, tt.wantText)
		})
	}
	t.Run("SwitchIsRemembered", func(t *testing.T) {
		c := e.client()
		res := e.get(c, "/agenda?theme=leesplezier")
		// The switch links keep the current address.
		wantContains(t, res, `href="/agenda?lang=en&amp;theme=leesplezier"`, `aria-current="true">Nederlands`)
		e.get(c, "/agenda?lang=en")
		res = e.get(c, "/library")
		wantContains(t, res, `<html lang="en" dir="ltr">`, "Branches", `aria-current="true">English`)
		e.get(c, "/?lang=nl")
		res = e.get(c, "/library", "Accept-Language", "en")
		wantContains(t, res, `<html lang="nl" dir="ltr">`, "Vestigingen")
	})
}

type pingFails struct{ vestiging.Services }

func (pingFails) Ping(context.Context) error { return errors.New("database is down") }

func TestHealthz(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t)
		res := e.get(e.client(), "/healthz")
		wantStatus(t, res, http.StatusOK)
		if got, want := strings.TrimSpace(res.Body), "ok"; got != want {
			t.Errorf("body: got %q, want %q", got, want)
		}
	})
	t.Run("ErrUnavailable", func(t *testing.T) {
		clock := storetest.NewClock(testNow)
		db := storetest.SQLiteClock(t, clock.Now)
		e := newEnvWith(t, db, clock, pingFails{db})
		wantStatus(t, e.get(e.client(), "/healthz"), http.StatusOK) // alive; readiness is /readyz
		res := e.get(e.client(), "/readyz")
		wantStatus(t, res, http.StatusServiceUnavailable)
		wantNotContains(t, res, "database is down")
	})
}

func TestErrorStatus(t *testing.T) {
	tests := []struct {
		code string
		want int
	}{
		{vestiging.ENOTFOUND, 404}, {vestiging.EINVALID, 400}, {vestiging.EUNAUTHORIZED, 401}, {vestiging.EFORBIDDEN, 403},
		{vestiging.ECONFLICT, 409}, {vestiging.ETOOLARGE, 413}, {vestiging.ETOOMANY, 429}, {vestiging.EUNAVAILABLE, 503},
		{vestiging.EINTERNAL, 500}, {"something else", 500},
	}
	for _, tt := range tests {
		if got := errorStatus(tt.code); got != tt.want {
			t.Errorf("errorStatus(%q): got %d, want %d", tt.code, got, tt.want)
		}
	}
}

func TestStatic(t *testing.T) {
	e := newEnv(t)
	res := e.get(e.client(), "/static/style.css")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, ":focus-visible")
	if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/css") {
		t.Errorf("content type: got %q", got)
	}
}

// eventsFail is the real store whose event queries fail like a broken database.
type eventsFail struct{ vestiging.Services }

func (eventsFail) FindEvents(context.Context, vestiging.EventFilter) ([]*vestiging.Event, int, error) {
	return nil, 0, errors.New("SELECT secret FROM events: disk I/O error")
}

func TestErrorPages(t *testing.T) {
	t.Run("ErrInternal", func(t *testing.T) {
		clock := storetest.NewClock(testNow)
		db := storetest.SQLiteClock(t, clock.Now)
		e := newEnvWith(t, db, clock, eventsFail{db})
		res := e.get(e.client(), "/agenda")
		wantStatus(t, res, http.StatusInternalServerError)
		wantContains(t, res, "<h1>Er ging iets mis</h1>", "Er ging bij ons iets mis.", `<main id="main"`)
		wantNotContains(t, res, "secret", "disk I/O")
	})
	e := newEnv(t)
	tests := []struct {
		name, method, path string
		status             int
		want               string
	}{
		{"MethodNotAllowed", http.MethodPost, "/agenda", 405, "Dit adres accepteert dat verzoek niet."},
		{"Head", http.MethodHead, "/agenda", 200, ""},
		{"StaffWithoutSlash", http.MethodGet, "/staff", 303, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, e.srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			res := e.do(e.client(), req)
			wantStatus(t, res, tt.status)
			wantContains(t, res, tt.want)
		})
	}
}
