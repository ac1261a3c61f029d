package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// apiGet fetches path and decodes its JSON into v, checking the headers
// every API answer has.
func apiGet(t *testing.T, e *env, path string, status int, v any) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", "https://andere-site.example")
	res := e.do(e.client(), req)
	wantStatus(t, res, status)
	checkContract(t, req, nil, res)
	if got, want := res.Header.Get("Content-Type"), "application/json; charset=utf-8"; got != want {
		t.Errorf("%s: content type %q, want %q", path, got, want)
	}
	if got, want := res.Header.Get("Access-Control-Allow-Origin"), "*"; got != want {
		t.Errorf("%s: CORS %q, want %q", path, got, want)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(res.Body), v); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, res.Body)
		}
	}
	return res
}

type apiErrorJSON struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func TestAPIEvents(t *testing.T) {
	e := newEnv(t)
	// 45 events from Tuesday 3 March 2026, 09:00 UTC, every two hours.
	storetest.SeedEvents(t, e.db, 45, testNow.Add(24*time.Hour))
	branches, err := e.db.Branches(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, query    string
		total, count   int
		first          string
		hasNext, prev  bool
		wantNextSuffix string
	}{
		{"OK", "", 45, 20, "Activiteit 1", true, false, "page=2"},
		{"Page3", "?page=3", 45, 5, "Activiteit 41", false, true, ""},
		{"Limit", "?limit=100", 45, 45, "Activiteit 1", false, false, ""},
		{"Theme", "?theme=leven-lang-leren&limit=5", 15, 5, "Activiteit 3", true, false, "limit=5&page=2&theme=leven-lang-leren"},
		{"DateRange", "?from=2026-03-04&to=2026-03-04", 12, 12, "Activiteit 8", false, false, ""},
		{"Online", "?online=1", 9, 9, "Activiteit 5", false, false, ""},
		{"Branch", fmt.Sprintf("?branch=%d&limit=1", branches[1].ID), 12, 1, "Activiteit 2", true, false, ""},
		{"Local", "?library=local", 45, 20, "Activiteit 1", true, false, ""},
		{"BeyondEnd", "?page=9", 45, 0, "", false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got struct {
				Events []map[string]any `json:"events"`
				Total  int              `json:"total"`
				Page   int              `json:"page"`
				Limit  int              `json:"limit"`
				Next   *string          `json:"next"`
				Prev   *string          `json:"prev"`
			}
			apiGet(t, e, "/api/v1/events"+tt.query, http.StatusOK, &got)
			if got.Total != tt.total || len(got.Events) != tt.count {
				t.Fatalf("got %d of %d events, want %d of %d", len(got.Events), got.Total, tt.count, tt.total)
			}
			if tt.count > 0 {
				if title := got.Events[0]["title"]; title != tt.first {
					t.Errorf("first: got %v, want %q", title, tt.first)
				}
			}
			if (got.Next != nil) != tt.hasNext || (got.Prev != nil) != tt.prev {
				t.Errorf("links: next %v, prev %v", got.Next, got.Prev)
			}
			if tt.wantNextSuffix != "" && (got.Next == nil || !strings.HasSuffix(*got.Next, "/api/v1/events?"+tt.wantNextSuffix)) {
				t.Errorf("next: got %v, want …?%s", got.Next, tt.wantNextSuffix)
			}
		})
	}
	t.Run("Shape", func(t *testing.T) {
		var got struct {
			Events []json.RawMessage `json:"events"`
		}
		apiGet(t, e, "/api/v1/events?limit=1", http.StatusOK, &got)
		var ev map[string]any
		if err := json.Unmarshal(got.Events[0], &ev); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"id", "uid", "kind", "title", "description_html", "description_text", "starts_at", "ends_at",
			"time_zone", "status", "themes", "audiences", "theme", "audience", "price", "language", "online", "online_url", "place", "image", "registration",
			"sessions", "library", "url", "original_url", "created_at", "updated_at"} {
			if _, ok := ev[key]; !ok {
				t.Errorf("event lacks %q: %s", key, got.Events[0])
			}
		}
		// 09:00 UTC is 10:00 in Amsterdam in March.
		if got, want := ev["starts_at"], "2026-03-03T10:00:00+01:00"; got != want {
			t.Errorf("starts_at: got %v, want %q", got, want)
		}
		if got, want := ev["time_zone"], "Europe/Amsterdam"; got != want {
			t.Errorf("time_zone: got %v, want %q", got, want)
		}
		lib := ev["library"].(map[string]any)
		if lib["local"] != true || lib["id"] != nil {
			t.Errorf("library: %v", lib)
		}
		if theme := ev["theme"].(map[string]any); theme["slug"] != "leesplezier" || theme["name_nl"] != "Leesplezier" {
			t.Errorf("theme: %v", theme)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		tests := []struct {
			name, path string
			status     int
			code       string
			field      string
		}{
			{"BadDate", "/api/v1/events?from=5-3-2026", 400, "invalid", "from"},
			{"BadAudience", "/api/v1/events?audience=aliens", 400, "invalid", "audience"},
			{"HugePage", "/api/v1/events?page=10000000", 400, "invalid", ""},
			{"BadLimit", "/api/v1/events?limit=1000", 400, "invalid", "limit"},
			{"UnknownEvent", "/api/v1/events/99999", 404, "not_found", ""},
			{"BadID", "/api/v1/events/abc", 404, "not_found", ""},
			{"UnknownPath", "/api/v1/nothing", 404, "not_found", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got apiErrorJSON
				apiGet(t, e, tt.path, tt.status, &got)
				if got.Error.Code != tt.code || got.Error.Message == "" {
					t.Errorf("error: got %+v, want code %q", got.Error, tt.code)
				}
				if tt.field != "" && got.Error.Fields[tt.field] == "" {
					t.Errorf("error lacks field %q: %+v", tt.field, got.Error)
				}
			})
		}
		t.Run("English", func(t *testing.T) {
			res := e.get(e.client(), "/api/v1/events?from=x", "Accept-Language", "en")
			wantContains(t, res, `"from":"Give the date as YYYY-MM-DD."`)
		})
		t.Run("MethodNotAllowed", func(t *testing.T) {
			res := e.post(e.client(), "/api/v1/libraries", nil)
			if res.Status != http.StatusMethodNotAllowed {
				t.Errorf("POST: status %d", res.Status)
			}
		})
	})
	t.Run("Preflight", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodOptions, e.srv.URL+"/api/v1/events", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", "https://andere-site.example")
		req.Header.Set("Access-Control-Request-Method", "GET")
		res := e.do(e.client(), req)
		wantStatus(t, res, http.StatusNoContent)
		if got := res.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(got, "GET") {
			t.Errorf("allow methods: %q", got)
		}
	})
	t.Run("OpenAPI", func(t *testing.T) {
		res := e.get(e.client(), "/api/v1/openapi.yaml")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "openapi: 3.1.0", "/events/{id}:", "/libraries:")
	})
}

func TestAPIEvent(t *testing.T) {
	e := newFedEnv(t)
	b := e.branch("Centrale Bibliotheek")
	local := e.event("Hier", vestiging.StatusPublished, b, testNow.Add(24*time.Hour))
	draft := e.event("Concept", vestiging.StatusDraft, b, testNow.Add(24*time.Hour))
	remote, actor := e.remoteEvent("Daar", testNow.Add(48*time.Hour))
	e.libraryFollows(actor)
	t.Run("PlacePriceThemes", func(t *testing.T) {
		e := newFedEnv(t) // its events stay out of the other subtests' counts
		b := e.branch("Centrale Bibliotheek")
		local := e.event("Hier", vestiging.StatusPublished, b, testNow.Add(24*time.Hour))
		school := &vestiging.Place{Name: "OBS De Regenboog", City: "Tiel", Latitude: ptr(51.89), Longitude: ptr(5.43)}
		ev := e.event("Op school", vestiging.StatusPublished, b, testNow.Add(24*time.Hour), func(ev *vestiging.Event) {
			ev.BranchID, ev.Place = nil, school
			ev.Themes = []string{"leesplezier", "leven-lang-leren"}
			ev.Audiences = []string{vestiging.AudienceChildren, vestiging.AudienceAdults}
			ev.Price = &vestiging.Price{Cents: 750, MemberCents: ptr(int64(500)), Note: "incl. materiaal"}
		})
		var got struct {
			Themes []struct {
				Slug   string `json:"slug"`
				NameNL string `json:"name_nl"`
			} `json:"themes"`
			Theme struct {
				Slug string `json:"slug"`
			} `json:"theme"`
			Audiences []string `json:"audiences"`
			Audience  string   `json:"audience"`
			Price     struct {
				Free              bool   `json:"free"`
				AmountCents       int64  `json:"amount_cents"`
				MemberAmountCents *int64 `json:"member_amount_cents"`
				Currency          string `json:"currency"`
				Note              string `json:"note"`
			} `json:"price"`
			Place struct {
				BranchID *int64   `json:"branch_id"`
				PlaceID  *int64   `json:"place_id"`
				Name     string   `json:"name"`
				Latitude *float64 `json:"latitude"`
			} `json:"place"`
		}
		apiGet(t, e, fmt.Sprintf("/api/v1/events/%d", ev.ID), http.StatusOK, &got)
		if len(got.Themes) != 2 || got.Themes[1].Slug != "leven-lang-leren" || got.Themes[1].NameNL != "Leven lang leren" ||
			got.Theme.Slug != "leesplezier" {
			t.Errorf("themes %+v theme %+v", got.Themes, got.Theme)
		}
		if !slices.Equal(got.Audiences, []string{"children", "adults"}) || got.Audience != "children" {
			t.Errorf("audiences %q audience %q", got.Audiences, got.Audience)
		}
		if p := got.Price; p.Free || p.AmountCents != 750 || p.MemberAmountCents == nil || *p.MemberAmountCents != 500 ||
			p.Currency != "EUR" || p.Note != "incl. materiaal" {
			t.Errorf("price %+v", p)
		}
		if p := got.Place; p.BranchID != nil || p.PlaceID == nil || *p.PlaceID != *ev.PlaceID || p.Name != "OBS De Regenboog" ||
			p.Latitude == nil || *p.Latitude != 51.89 {
			t.Errorf("place %+v", p)
		}
		var none map[string]any
		apiGet(t, e, fmt.Sprintf("/api/v1/events/%d", local.ID), http.StatusOK, &none)
		if none["price"] != nil {
			t.Errorf("price of an event that states none: %v", none["price"])
		}
	})
	t.Run("Local", func(t *testing.T) {
		var got map[string]any
		apiGet(t, e, fmt.Sprintf("/api/v1/events/%d", local.ID), http.StatusOK, &got)
		if got["title"] != "Hier" || got["uid"] != fmt.Sprintf("%s/events/%d", e.srv.URL, local.ID) {
			t.Errorf("event: %v", got)
		}
		place := got["place"].(map[string]any)
		if place["name"] != "Centrale Bibliotheek" || place["branch_id"] != float64(b.ID) {
			t.Errorf("place: %v", place)
		}
	})
	t.Run("Remote", func(t *testing.T) {
		var got map[string]any
		apiGet(t, e, fmt.Sprintf("/api/v1/events/%d", remote.ID), http.StatusOK, &got)
		lib := got["library"].(map[string]any)
		if lib["local"] != false || lib["name"] != "Bibliotheek Elders" || lib["handle"] != "@agenda@bieb.example" || lib["id"] != float64(actor.ID) {
			t.Errorf("library: %v", lib)
		}
		if got["uid"] != "https://bieb.example/events/7" || got["original_url"] != "https://bieb.example/events/7" {
			t.Errorf("uid %v, original_url %v", got["uid"], got["original_url"])
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		var got apiErrorJSON
		apiGet(t, e, fmt.Sprintf("/api/v1/events/%d", draft.ID), http.StatusNotFound, &got)
	})
	t.Run("Libraries", func(t *testing.T) {
		var got struct {
			Libraries []map[string]any `json:"libraries"`
			Total     int              `json:"total"`
		}
		apiGet(t, e, "/api/v1/libraries", http.StatusOK, &got)
		if got.Total != 2 || len(got.Libraries) != 2 {
			t.Fatalf("libraries: %v", got)
		}
		self, other := got.Libraries[0], got.Libraries[1]
		if self["local"] != true || self["upcoming_events"] != float64(1) || !strings.HasPrefix(self["handle"].(string), "@agenda@") {
			t.Errorf("this library: %v", self)
		}
		if other["name"] != "Bibliotheek Elders" || other["upcoming_events"] != float64(1) || other["following"] != true ||
			other["follower"] != false || other["url"] != "https://bieb.example/library" {
			t.Errorf("followed library: %v", other)
		}
		var page2 struct {
			Libraries []map[string]any `json:"libraries"`
			Prev      *string          `json:"prev"`
		}
		apiGet(t, e, "/api/v1/libraries?limit=1&page=2", http.StatusOK, &page2)
		if len(page2.Libraries) != 1 || page2.Libraries[0]["name"] != "Bibliotheek Elders" || page2.Prev == nil {
			t.Errorf("page 2: %v", page2)
		}
	})
	t.Run("Course", func(t *testing.T) {
		start := testNow.Add(72 * time.Hour)
		course := &vestiging.Event{Kind: vestiging.KindCourse, Title: "Cursus", Status: vestiging.StatusPublished,
			OnlineLinkPublic: true, Sessions: []*vestiging.Session{
				{StartsAt: start, EndsAt: start.Add(time.Hour), BranchID: &b.ID},
				{StartsAt: start.AddDate(0, 0, 7), EndsAt: start.AddDate(0, 0, 7).Add(time.Hour), OnlineURL: "https://meet.example.nl/les2"},
			}}
		if err := e.db.CreateEvent(t.Context(), course); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Kind     string `json:"kind"`
			URL      string `json:"url"`
			Sessions []struct {
				StartsAt  string    `json:"starts_at"`
				Place     *apiPlace `json:"place"`
				OnlineURL string    `json:"online_url"`
			} `json:"sessions"`
		}
		apiGet(t, e, fmt.Sprintf("/api/v1/events/%d", course.ID), http.StatusOK, &got)
		if got.Kind != "course" || got.URL != fmt.Sprintf("%s/courses/%d", e.srv.URL, course.ID) || len(got.Sessions) != 2 {
			t.Fatalf("course: %+v", got)
		}
		if s := got.Sessions[0]; s.StartsAt != "2026-03-05T10:00:00+01:00" || s.Place == nil || s.Place.Name != "Centrale Bibliotheek" {
			t.Errorf("session 1: %+v", s)
		}
		if s := got.Sessions[1]; s.Place != nil || s.OnlineURL != "https://meet.example.nl/les2" {
			t.Errorf("session 2: %+v", s)
		}
	})
	t.Run("Search", func(t *testing.T) {
		var got struct {
			Events []map[string]any `json:"events"`
			Total  int              `json:"total"`
		}
		apiGet(t, e, "/api/v1/events?q=daar", http.StatusOK, &got)
		if got.Total != 1 || got.Events[0]["title"] != "Daar" {
			t.Errorf("q=daar: %v", got)
		}
		for _, q := range []string{`'; DROP TABLE events; --`, `"NEAR(`, `<script>alert(1)</script>`} {
			apiGet(t, e, "/api/v1/events?q="+url.QueryEscape(q), http.StatusOK, &got)
		}
		if m := decodeICS(t, e.get(e.client(), "/agenda.ics?q=hier").Body); len(m) != 1 || m["Hier"] == nil {
			t.Errorf("ics q=hier: %s", titlesOf(m))
		}
	})
	t.Run("AsTheEventPage", func(t *testing.T) {
		// Whatever takes an event off the public site takes it out of the
		// API with the page's status; staff signed in see the page still,
		// the API stays the same for everyone. (A block ends the library's
		// follow the other cases count on: each case follows again.)
		ctx := t.Context()
		staff := e.signIn("staff@example.nl", vestiging.RoleStaff)
		by := &vestiging.AuditEntry{Reason: "test"}
		tests := []struct {
			name      string
			ev        *vestiging.Event
			apply     func() error
			undo      func() error
			status    int
			staffPage int
		}{
			{"Draft", draft, nil, nil, http.StatusNotFound, http.StatusOK},
			{"Hidden", remote, func() error { return e.db.HideRemoteObject(ctx, remote.IRI, true, by) },
				func() error { return e.db.HideRemoteObject(ctx, remote.IRI, false, by) }, http.StatusNotFound, http.StatusOK},
			{"OriginBlocked", remote, func() error { return e.db.SetActorModeration(ctx, actor.ID, vestiging.ModerationBlock, by) },
				func() error { return e.db.SetActorModeration(ctx, actor.ID, vestiging.ModerationNone, by) }, http.StatusNotFound, http.StatusOK},
			{"OriginSilenced", remote, func() error { return e.db.SetActorModeration(ctx, actor.ID, vestiging.ModerationSilence, by) },
				func() error { return e.db.SetActorModeration(ctx, actor.ID, vestiging.ModerationNone, by) }, http.StatusNotFound, http.StatusOK},
			{"DomainBlocked", remote, func() error {
				return e.db.ApplyDomainRule(ctx, &vestiging.DomainRule{Host: "bieb.example", Mode: vestiging.DomainBlock}, by)
			}, func() error { return e.db.LiftDomainRule(ctx, "bieb.example", by) }, http.StatusNotFound, http.StatusOK},
			// The library does not follow its origin (a resident may).
			{"ResidentsOnly", remote, func() error { return e.db.RemoveFollowing(ctx, actor.ID) }, nil, http.StatusNotFound, http.StatusOK},
			{"Shown", remote, nil, nil, http.StatusOK, http.StatusOK},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e.libraryFollows(actor) // a block ends the follow
				if tt.apply != nil {
					if err := tt.apply(); err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() {
						if tt.undo == nil {
							return
						}
						if err := tt.undo(); err != nil {
							t.Fatal(err)
						}
					})
				}
				api := e.get(e.client(), fmt.Sprintf("/api/v1/events/%d", tt.ev.ID))
				page := e.get(e.client(), fmt.Sprintf("/events/%d", tt.ev.ID))
				if api.Status != tt.status || page.Status != tt.status {
					t.Errorf("API %d, page %d; want both %d", api.Status, page.Status, tt.status)
				}
				if tt.status != http.StatusOK {
					wantNotContains(t, api, tt.ev.Title)
				}
				wantStatus(t, e.get(staff, fmt.Sprintf("/events/%d", tt.ev.ID)), tt.staffPage)
				if got := e.get(staff, fmt.Sprintf("/api/v1/events/%d", tt.ev.ID)); got.Status != tt.status {
					t.Errorf("API to staff %d, want %d as to everyone", got.Status, tt.status)
				}
			})
		}
	})
}

// TestReadBackends serves the API, the feeds and the embed from both
// databases.
func TestReadBackends(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		e := newEnvWith(t, db, storetest.NewClock(testNow), db)
		storetest.SeedEvents(t, db, 30, testNow.Add(24*time.Hour))
		var list struct {
			Events []map[string]any `json:"events"`
			Total  int              `json:"total"`
		}
		apiGet(t, e, "/api/v1/events?theme=leesplezier&limit=4&page=3", http.StatusOK, &list)
		if list.Total != 10 || len(list.Events) != 2 || list.Events[0]["title"] != "Activiteit 25" {
			t.Errorf("api: %d of %d, first %v", len(list.Events), list.Total, list.Events)
		}
		if got := strings.Count(e.get(e.client(), "/agenda.ics").Body, "BEGIN:VEVENT"); got != 30 {
			t.Errorf("ics: %d events, want 30", got)
		}
		if got := strings.Count(e.get(e.client(), "/agenda.atom?online=1").Body, "<entry>"); got != 6 {
			t.Errorf("atom: %d entries, want 6", got)
		}
		wantContains(t, e.get(e.client(), "/embed/agenda?limit=2"), "Activiteit 1<", "Activiteit 2<")
	})
}
