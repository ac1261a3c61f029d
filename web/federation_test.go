package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// newFedEnv starts a server with a real federator over SQLite. Its base URL
// is its own loopback address, so other test instances can reach it.
func newFedEnv(t *testing.T) *env {
	t.Helper()
	clock := storetest.NewClock(testNow)
	return newFedEnvWith(t, storetest.SQLiteClock(t, clock.Now), clock)
}

// newFedEnvWith is newFedEnv over db, whose clock is clock.
func newFedEnvWith(t *testing.T, db *store.DB, clock *storetest.Clock) *env {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := &url.URL{Scheme: "http", Host: srv.Listener.Addr().String()}
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	fed, err := federation.New(context.Background(), federation.Config{
		Services:   db,
		Federation: db,
		BaseURL:    base,
		Client:     federation.NewClient(federation.ClientOptions{AllowLoopback: true, UserAgent: federation.UserAgent(base)}),
		Clock:      clock.Now,
		Logger:     logger,
	})
	if err != nil {
		t.Fatalf("federator: %v", err)
	}
	srv.Config.Handler = New(Config{Services: db, BaseURL: base, Clock: clock.Now, Logger: logger,
		ActivityPub: fed, Network: fed, Federation: db, Reports: fed})
	srv.Start()
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, clock: clock, srv: srv, fed: fed}
}

const (
	browserAccept  = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	activityAccept = "application/activity+json"
	ldAccept       = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
)

func TestContentNegotiation(t *testing.T) {
	e := newFedEnv(t)
	b := e.branch("Centrale Bibliotheek")
	ev := e.event("Voorleesuur", vestiging.StatusPublished, b, testNow.Add(48*time.Hour))
	c := e.client()

	path := fmt.Sprintf("/events/%d", ev.ID)
	t.Run("HTML", func(t *testing.T) {
		res := e.get(c, path, "Accept", browserAccept)
		wantStatus(t, res, http.StatusOK)
		if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/html") {
			t.Errorf("content type: got %q, want text/html", got)
		}
		wantVary(t, res, "Accept")
		wantContains(t, res, `<h1 dir="auto">Voorleesuur</h1>`)
	})
	for name, accept := range map[string]string{"ActivityJSON": activityAccept, "LDJSON": ldAccept} {
		t.Run(name, func(t *testing.T) {
			res := e.get(c, path, "Accept", accept)
			wantStatus(t, res, http.StatusOK)
			if got := res.Header.Get("Content-Type"); !federation.IsActivityContentType(got) {
				t.Errorf("content type: got %q, want AS2", got)
			}
			wantVary(t, res, "Accept")
			var doc struct{ ID, Type, Name, Summary string }
			if err := json.Unmarshal([]byte(res.Body), &doc); err != nil {
				t.Fatalf("json: %v\n%s", err, res.Body)
			}
			if got, want := doc.ID, e.srv.URL+path; got != want {
				t.Errorf("id: got %q, want %q", got, want)
			}
			if got, want := doc.Type, "Event"; got != want {
				t.Errorf("type: got %q, want %q", got, want)
			}
			if doc.Summary == "" {
				t.Error("no summary")
			}
		})
	}

	t.Run("ActorInBrowser", func(t *testing.T) {
		res := e.get(c, "/actor", "Accept", browserAccept)
		wantStatus(t, res, http.StatusFound)
		if got, want := res.Location, "/library"; got != want {
			t.Errorf("location: got %q, want %q", got, want)
		}
		wantVary(t, res, "Accept")
	})

	t.Run("Actor", func(t *testing.T) {
		res := e.get(c, "/actor", "Accept", activityAccept)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `"Organization"`, `"inbox"`)
	})

	t.Run("Person", func(t *testing.T) {
		// A resident's actor is a page for a browser, with their offers on
		// the board (only those), and the actor document for a server.
		anna, _ := e.resident("anna@example.nl")
		offers := []*vestiging.Offer{
			{Kind: vestiging.OfferKindOffer, Title: "Fietsles", Description: "<p>Op zaterdag.</p>", AuthorID: anna.ID, Status: vestiging.OfferApproved},
			{Kind: vestiging.OfferKindRequest, Title: "Nog niet goedgekeurd", Description: "<p>Graag.</p>", AuthorID: anna.ID},
		}
		for _, o := range offers {
			if err := e.db.CreateOffer(context.Background(), o); err != nil {
				t.Fatal(err)
			}
		}
		res := e.get(c, "/users/anna", "Accept", browserAccept)
		wantStatus(t, res, http.StatusOK)
		wantVary(t, res, "Accept")
		wantContains(t, res, "<h1>"+anna.DisplayName+"</h1>", "@anna@"+strings.TrimPrefix(e.srv.URL, "http://"),
			fmt.Sprintf(`<a href="/offers/%d">Fietsles</a>`, offers[0].ID))
		wantNotContains(t, res, "Nog niet goedgekeurd")
		res = e.get(c, "/users/anna", "Accept", activityAccept)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `"Person"`, `"preferredUsername":"anna"`)
		wantStatus(t, e.get(c, "/users/niemand", "Accept", browserAccept), http.StatusNotFound)
		wantStatus(t, e.get(c, "/users/niemand", "Accept", activityAccept), http.StatusNotFound)
		// The collections stay the federator's.
		res = e.get(c, "/users/anna/followers", "Accept", browserAccept)
		if got := res.Header.Get("Content-Type"); !federation.IsActivityContentType(got) {
			t.Errorf("followers: content type %q, want AS2", got)
		}
	})

	t.Run("WebFinger", func(t *testing.T) {
		host := strings.TrimPrefix(e.srv.URL, "http://")
		res := e.get(c, "/.well-known/webfinger?resource=acct:agenda@"+url.QueryEscape(host))
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, e.srv.URL+"/actor")
	})

	t.Run("DraftNotServed", func(t *testing.T) {
		draft := e.event("Concept", vestiging.StatusDraft, b, testNow.Add(72*time.Hour))
		res := e.get(c, fmt.Sprintf("/events/%d", draft.ID), "Accept", activityAccept)
		wantStatus(t, res, http.StatusNotFound)
	})
}

func wantVary(t *testing.T, res response, want string) {
	t.Helper()
	for _, v := range res.Header.Values("Vary") {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), want) {
				return
			}
		}
	}
	t.Errorf("Vary %q lacks %q", res.Header.Values("Vary"), want)
}

// TestInboxBypassesSiteMiddleware checks that server-to-server POSTs reach
// the federator: not refused as cross-site forms, and not cut off by the
// site's body limit before the inbox answers them itself.
func TestInboxBypassesSiteMiddleware(t *testing.T) {
	e := newFedEnv(t)
	c := e.client()
	post := func(path, body string) response {
		t.Helper()
		// Chunked, without a Content-Length: the inbox finds the size by reading.
		req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, io.MultiReader(strings.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", federation.ContentTypeActivity)
		// What a browser-based attacker's form would carry; a server sends neither.
		req.Header.Set("Origin", "https://elsewhere.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		return e.do(c, req)
	}
	for _, path := range []string{"/inbox", "/actor/inbox"} {
		t.Run("Unsigned"+path, func(t *testing.T) {
			res := post(path, `{"type":"Follow"}`)
			wantStatus(t, res, http.StatusUnauthorized)
			wantNotContains(t, res, "<html")
		})
		t.Run("TooLarge"+path, func(t *testing.T) {
			res := post(path, `{"x":"`+strings.Repeat("a", 2<<20)+`"}`)
			wantStatus(t, res, http.StatusRequestEntityTooLarge)
			wantNotContains(t, res, "<html") // the inbox's answer, not the site's page
		})
	}
}

func TestNetworkPage(t *testing.T) {
	a := newFedEnv(t)
	b := newFedEnv(t)
	// An administrator: the partners, the library profile and domain rules are theirs.
	staff := a.signIn("beheer@example.nl", vestiging.RoleAdmin)
	bHost := strings.TrimPrefix(b.srv.URL, "http://")

	t.Run("OK", func(t *testing.T) {
		res := a.get(staff, "/staff/")
		wantContains(t, res, `href="/staff/network"`)
		res = a.get(staff, "/staff/network")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `id="target"`, "Volgers: 0", `id="host"`)
	})

	t.Run("NotForResidents", func(t *testing.T) {
		resident := a.signIn("inwoner@example.nl", vestiging.RoleResident)
		res := a.get(resident, "/staff/network")
		if res.Status == http.StatusOK {
			t.Fatalf("status: got %d for a resident", res.Status)
		}
	})

	t.Run("FollowErrors", func(t *testing.T) {
		tests := []struct{ name, target string }{
			{"Empty", ""},
			{"NoSuchLibrary", "@nobody@" + bHost},
			{"Unreachable", "@agenda@127.0.0.1:1"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				start := time.Now()
				res := a.post(staff, "/staff/network/follow", url.Values{"target": {tt.target}})
				wantStatus(t, res, http.StatusUnprocessableEntity)
				wantContains(t, res, `id="target-error"`, `aria-invalid="true"`)
				if d := time.Since(start); d > followTimeout+2*time.Second {
					t.Errorf("answered after %v", d)
				}
			})
		}
	})

	t.Run("FollowAndUnfollow", func(t *testing.T) {
		res := a.post(staff, "/staff/network/follow", url.Values{"target": {"@agenda@" + bHost}})
		wantStatus(t, res, http.StatusSeeOther)
		res = a.get(staff, "/staff/network")
		wantContains(t, res, "@agenda@"+bHost, "Wacht op antwoord")
		fs, n, err := a.db.Followings(context.Background(), 0, 10)
		if err != nil || n != 1 {
			t.Fatalf("followings: got %d, %v; want 1", n, err)
		}
		// B's server fails for days: staff see it next to the library.
		for _, at := range []time.Time{testNow.Add(-vestiging.UnavailableAfter), testNow} {
			if _, err := a.db.RecordDelivery(context.Background(), bHost, at, fmt.Errorf("connection refused")); err != nil {
				t.Fatal(err)
			}
		}
		res = a.get(staff, "/staff/network")
		wantContains(t, res, "Onbereikbaar sinds "+testNow.Format("2006-01-02"))
		res = a.post(staff, "/staff/network/unfollow", url.Values{"actor": {fmt.Sprint(fs[0].Actor.ID)}})
		wantStatus(t, res, http.StatusSeeOther)
		if _, n, err := a.db.Followings(context.Background(), 0, 10); err != nil || n != 0 {
			t.Errorf("followings after unfollow: got %d, %v; want 0", n, err)
		}
	})

	t.Run("DomainRules", func(t *testing.T) {
		res := a.post(staff, "/staff/network/rules", url.Values{"host": {"https://Spam.Example/"}, "mode": {"block"}, "reason": {"Reclame"}})
		wantStatus(t, res, http.StatusSeeOther)
		res = a.get(staff, "/staff/network")
		wantContains(t, res, "<td>spam.example</td>", "Geblokkeerd", "Reclame")

		res = a.post(staff, "/staff/network/rules", url.Values{"host": {"not a domain/x"}, "mode": {"block"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `id="host-error"`)

		res = a.post(staff, "/staff/network/rules/remove", url.Values{"host": {"spam.example"}})
		wantStatus(t, res, http.StatusSeeOther)
		rules, err := a.db.DomainRules(context.Background())
		if err != nil || len(rules) != 0 {
			t.Errorf("rules after remove: got %d, %v; want none", len(rules), err)
		}
	})

	t.Run("Hosts", func(t *testing.T) {
		if _, err := a.db.RecordDelivery(context.Background(), "dood.example", testNow, fmt.Errorf("connection refused")); err != nil {
			t.Fatal(err)
		}
		res := a.get(staff, "/staff/network")
		wantContains(t, res, "<td>dood.example</td>", "connection refused")
	})
}

func TestStaffDeleteEvent(t *testing.T) {
	e := newFedEnv(t)
	b := e.branch("Centrale Bibliotheek")
	ev := e.event("Weg ermee", vestiging.StatusPublished, b, testNow.Add(48*time.Hour))
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	path := fmt.Sprintf("/staff/events/%d/delete", ev.ID)

	res := e.get(staff, "/staff/")
	wantContains(t, res, `href="`+path+`"`)
	res = e.get(staff, path)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "Weg ermee", `action="`+path+`"`)
	if _, err := e.db.Event(context.Background(), ev.ID); err != nil {
		t.Fatalf("the confirm page deleted: %v", err)
	}

	res = e.post(staff, path, nil)
	wantStatus(t, res, http.StatusSeeOther)
	if _, err := e.db.Event(context.Background(), ev.ID); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
		t.Errorf("after delete: got %v, want ENOTFOUND", err)
	}
	res = e.post(e.client(), path, nil)
	if res.Status == http.StatusSeeOther && res.Location == "/staff/" {
		t.Error("deleted without signing in")
	}

	t.Run("ErrConflict", func(t *testing.T) {
		// People signed up would hear nothing: cancel first.
		ev := e.openEvent("Vol", 5)
		_, anna := e.registrant("anna@example.nl")
		wantStatus(t, e.post(anna, fmt.Sprintf("/events/%d/register", ev.ID), nil), http.StatusSeeOther)
		res := e.post(staff, fmt.Sprintf("/staff/events/%d/delete", ev.ID), nil)
		wantStatus(t, res, http.StatusConflict)
		wantContains(t, res, "Annuleer haar in plaats daarvan")
		if got, err := e.db.Event(context.Background(), ev.ID); err != nil || got.Participants != 1 {
			t.Errorf("after a refused delete: %+v, %v", got, err)
		}
	})
}

// remoteEvent stores an event as if it came from another library.
func (e *env) remoteEvent(title string, start time.Time) (*vestiging.Event, *vestiging.Actor) {
	e.t.Helper()
	ctx := context.Background()
	a := &vestiging.Actor{IRI: "https://bieb.example/actor", Type: "Organization", Username: "agenda", Host: "bieb.example",
		Name: "Bibliotheek Elders", URL: "https://bieb.example/library", Inbox: "https://bieb.example/actor/inbox",
		IconURL: "https://bieb.example/media/logo-320.png", Summary: "<p>De bibliotheek van Elders.</p>", FetchedAt: testNow}
	if err := e.db.UpsertActor(ctx, a); err != nil {
		e.t.Fatalf("actor: %v", err)
	}
	ev := &vestiging.Event{Kind: vestiging.KindEvent, Title: title, Description: "<p>Elders</p>", StartsAt: start, EndsAt: start.Add(time.Hour),
		Status: vestiging.StatusPublished, IRI: "https://bieb.example/events/7", URL: "https://bieb.example/events/7", OriginID: &a.ID,
		RegistrationMode: vestiging.RegistrationExternal, RegistrationURL: "https://bieb.example/events/7/aanmelden",
		Place: &vestiging.Place{Name: "Bibliotheek Elders", Street: "Kerkstraat 2", City: "Elders"}}
	if err := ev.Validate(); err != nil {
		e.t.Fatalf("validate: %v", err)
	}
	if err := e.db.UpsertRemoteEvent(ctx, ev); err != nil {
		e.t.Fatalf("remote event: %v", err)
	}
	return ev, a
}

func TestRemoteEvents(t *testing.T) {
	e := newFedEnv(t)
	b := e.branch("Centrale Bibliotheek")
	e.event("Hier", vestiging.StatusPublished, b, testNow.Add(24*time.Hour))
	ev, actor := e.remoteEvent("Daar", testNow.Add(48*time.Hour))
	e.libraryFollows(actor)
	c := e.client()

	t.Run("Agenda", func(t *testing.T) {
		res := e.get(c, "/agenda?lang=en")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Hier", "Daar", "From Bibliotheek Elders", `href="https://bieb.example/events/7"`, "Kerkstraat 2",
			`<img class="origin-logo" src="https://bieb.example/media/logo-320.png" alt=""`)
	})

	t.Run("EventPage", func(t *testing.T) {
		res := e.get(c, fmt.Sprintf("/events/%d", ev.ID), "Accept", browserAccept)
		wantStatus(t, res, http.StatusOK)
		// Registration happens at the origin.
		wantContains(t, res, "From Bibliotheek Elders", `href="https://bieb.example/events/7"`, `href="https://bieb.example/events/7/aanmelden"`)
	})

	t.Run("LibraryFilter", func(t *testing.T) {
		tests := []struct {
			library   string
			want, not string
		}{
			{"local", "Hier", "Daar"},
			{"remote", "Daar", "Hier"},
			{fmt.Sprint(actor.ID), "Daar", "Hier"},
		}
		for _, tt := range tests {
			t.Run(tt.library, func(t *testing.T) {
				res := e.get(c, "/agenda?library="+tt.library)
				wantStatus(t, res, http.StatusOK)
				wantContains(t, res, ">"+tt.want+"</a>", `<option value="`+fmt.Sprint(actor.ID)+`"`)
				wantNotContains(t, res, ">"+tt.not+"</a>")
			})
		}
		res := e.get(c, "/agenda?library=elders")
		wantStatus(t, res, http.StatusBadRequest)
		wantContains(t, res, `id="library-error"`)
	})

	t.Run("StaffCannotChange", func(t *testing.T) {
		staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
		res := e.get(staff, "/staff/")
		wantNotContains(t, res, "Daar")
		for _, path := range []string{"/staff/events/%d/edit", "/staff/events/%d/delete"} {
			res := e.get(staff, fmt.Sprintf(path, ev.ID))
			wantStatus(t, res, http.StatusNotFound)
		}
	})
}

func TestPublicNetwork(t *testing.T) {
	e := newFedEnv(t)
	_, actor := e.remoteEvent("Daar", testNow.Add(48*time.Hour))
	e.libraryFollows(actor)
	account := "@agenda@" + strings.TrimPrefix(e.srv.URL, "http://")
	c := e.client()

	t.Run("OK", func(t *testing.T) {
		res := e.get(c, "/libraries")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `<h2 id="mastodon">`, account, "Bibliotheek Elders", fmt.Sprintf(`href="/agenda?library=%d"`, actor.ID))
		res = e.get(c, "/library")
		wantContains(t, res, `href="/libraries#mastodon"`, account)
	})
	// The network page and the libraries page became one.
	t.Run("OldAddress", func(t *testing.T) {
		res := e.get(c, "/network")
		wantStatus(t, res, http.StatusMovedPermanently)
		if got, want := res.Location, "/libraries"; got != want {
			t.Errorf("Location: got %q, want %q", got, want)
		}
	})
	t.Run("WithoutFederation", func(t *testing.T) {
		e := newEnv(t)
		for _, path := range []string{"/network", "/libraries"} {
			wantStatus(t, e.get(e.client(), path), http.StatusNotFound)
		}
		res := e.get(e.client(), "/library")
		wantNotContains(t, res, `href="/libraries`)
	})
}
