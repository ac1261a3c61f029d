package main

// End-to-end federation (issue 3): whole instances in this process, each on
// its own loopback listener with its own database and River workers,
// speaking real HTTP with real signatures to each other, to a Mastodon-like
// peer (e2e_peer_test.go) and to plain receivers.

import (
	"bytes"
	"context"
	"crypto/rsa"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// e2eWait bounds every wait for something to travel between servers.
const e2eWait = 20 * time.Second

// node is one instance under test, with what it takes to restart it.
type node struct {
	*instance
	t     *testing.T
	name  string
	cfg   serveConfig
	host  string       // 127.0.0.1:PORT, the base URL's host
	staff *http.Client // signed in as the demo's staff member; nil without the demo
}

// startNode starts an instance on a fresh loopback port with its base URL
// on that port and --allow-loopback on. database "" is SQLite in a
// temporary data directory. demo fills it with the demo library and signs
// its staff member in. change adjusts the configuration first.
func startNode(t *testing.T, name, database string, demo bool, change func(*serveConfig)) *node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := &node{t: t, name: name, host: ln.Addr().String()}
	n.cfg = serveConfig{
		Data:          t.TempDir(),
		Database:      database,
		BaseURL:       &url.URL{Scheme: "http", Host: n.host},
		AllowLoopback: true,
		Workers:       8,
		PollInterval:  20 * time.Millisecond,
		Demo:          demo,
		Logger:        slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})).With("instance", name),
	}
	if change != nil {
		change(&n.cfg)
	}
	n.start(ln)
	t.Cleanup(func() {
		if err := n.stop(10 * time.Second); err != nil {
			t.Errorf("%s: close: %v", name, err)
		}
	})
	if demo {
		n.staff = n.signIn(demoStaffEmail, demoPassword)
	}
	return n
}

func (n *node) start(ln net.Listener) {
	n.t.Helper()
	inst, err := startInstance(context.Background(), n.cfg, ln)
	if err != nil {
		ln.Close()
		n.t.Fatalf("%s: start: %v", n.name, err)
	}
	n.instance = inst
}

// stop closes the instance, giving requests and jobs in flight until
// timeout; jobs still running then are cancelled and retried later.
func (n *node) stop(timeout time.Duration) error {
	if n.instance == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := n.instance.Close(ctx)
	n.instance = nil
	return err
}

// restart starts a new instance on the same database and address.
func (n *node) restart() {
	n.t.Helper()
	ln, err := net.Listen("tcp", n.host)
	if err != nil {
		n.t.Fatalf("%s: listen again on %s: %v", n.name, n.host, err)
	}
	n.start(ln)
}

// actorID is the node's library actor.
func (n *node) actorID() string { return federation.ActorID(n.cfg.BaseURL) }

// rename gives the library a name of its own (the demo's are all alike).
func (n *node) rename(name string) {
	n.t.Helper()
	ctx := context.Background()
	lib, err := n.DB.Library(ctx)
	if err != nil {
		n.t.Fatal(err)
	}
	lib.Name = name
	if err := n.DB.UpdateLibrary(ctx, lib); err != nil {
		n.t.Fatal(err)
	}
}

// browser is an HTTP client with its own cookies that does not follow
// redirects, so tests see them.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: e2eWait, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// page is a response as a test reads it.
type page struct {
	Status   int
	Body     string
	Location string
}

// do sends a request, with form as its body when not nil.
func (n *node) do(c *http.Client, method, path string, form url.Values) page {
	n.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, n.URL+path, body)
	if err != nil {
		n.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.Do(req)
	if err != nil {
		n.t.Fatalf("%s: %s %s: %v", n.name, method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		n.t.Fatalf("%s: %s %s: %v", n.name, method, path, err)
	}
	return page{Status: res.StatusCode, Body: string(b), Location: res.Header.Get("Location")}
}

// submit posts a form as staff and expects the redirect that follows success.
func (n *node) submit(path string, form url.Values) page {
	n.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	res := n.do(n.staff, http.MethodPost, path, form)
	if res.Status != http.StatusSeeOther {
		n.t.Fatalf("%s: POST %s: status %d, want 303: %.2000s", n.name, path, res.Status, res.Body)
	}
	return res
}

func (n *node) signIn(email, password string) *http.Client {
	n.t.Helper()
	c := browser(n.t)
	if res := n.do(c, http.MethodPost, "/login", url.Values{"email": {email}, "password": {password}}); res.Status != http.StatusSeeOther {
		n.t.Fatalf("%s: sign in: status %d", n.name, res.Status)
	}
	return c
}

// eventForm is the staff form of a published event at the node's first
// branch, starting at start (Amsterdam time) for an hour and a half.
func (n *node) eventForm(title string, start time.Time) url.Values {
	n.t.Helper()
	branches, err := n.DB.Branches(context.Background())
	if err != nil || len(branches) == 0 {
		n.t.Fatalf("%s: branches: %v (%d)", n.name, err, len(branches))
	}
	start = start.In(amsterdam(n.t))
	return url.Values{
		"title": {title}, "description": {"<p>Verhalen over de rivier, voor jong en oud.</p>"},
		"time_zone": {"Europe/Amsterdam"}, "start_date": {start.Format(time.DateOnly)}, "start_time": {start.Format("15:04")},
		"end_date": {""}, "end_time": {start.Add(90 * time.Minute).Format("15:04")},
		"branch_id": {strconv.FormatInt(branches[0].ID, 10)}, "audiences": {vestiging.AudienceAll},
		"language": {"nl"}, "places": {"unlimited"}, "registration_mode": {vestiging.RegistrationNone}, "repeat": {"none"},
		"action": {"publish"},
	}
}

// publishEvent publishes an event through the staff form, as staff would,
// and returns its ActivityPub id.
func (n *node) publishEvent(title string, start time.Time) string {
	n.t.Helper()
	res := n.submit("/staff/events/new", n.eventForm(title, start))
	if !strings.HasPrefix(res.Location, "/events/") {
		n.t.Fatalf("%s: new event: redirected to %q", n.name, res.Location)
	}
	return n.URL + res.Location
}

// localID is the id of a local event from its IRI.
func localID(t *testing.T, iri string) string {
	t.Helper()
	id := iri[strings.LastIndex(iri, "/")+1:]
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		t.Fatalf("event IRI %q", iri)
	}
	return id
}

// remoteEvent is the event stored under iri, whatever its status, or an
// ENOTFOUND error.
func (n *node) remoteEvent(iri string) (*vestiging.Event, error) {
	f := vestiging.EventFilter{Source: vestiging.SourceRemote, Limit: vestiging.MaxPageSize,
		Statuses: []string{vestiging.StatusDraft, vestiging.StatusPublished, vestiging.StatusCancelled}}
	for {
		list, total, err := n.DB.FindEvents(context.Background(), f)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			if e.IRI == iri {
				return e, nil
			}
		}
		if f.Offset += len(list); len(list) == 0 || f.Offset >= total {
			return nil, vestiging.Errorf(vestiging.ENOTFOUND, "%s has no event %s", n.name, iri)
		}
	}
}

// agendaCard returns the card of the event titled title in the agenda of
// the followed library libraryID on day, or an error when it is not there.
func (n *node) agendaCard(libraryID int64, day time.Time, title string) (string, error) {
	d := day.In(amsterdam(n.t)).Format(time.DateOnly)
	res := n.do(browser(n.t), http.MethodGet, fmt.Sprintf("/agenda?library=%d&from=%s&to=%s", libraryID, d, d), nil)
	if res.Status != http.StatusOK {
		return "", fmt.Errorf("agenda: status %d", res.Status)
	}
	i := strings.Index(res.Body, title)
	if i < 0 {
		return "", fmt.Errorf("%q is not in %s's agenda of %s", title, n.name, d)
	}
	start := strings.LastIndex(res.Body[:i], `<li class="card`)
	end := strings.Index(res.Body[i:], "</li>")
	if start < 0 || end < 0 {
		return "", fmt.Errorf("%q is in %s's agenda but not in a card", title, n.name)
	}
	return res.Body[start : i+end], nil
}

func amsterdam(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// eventually polls fn until it returns nil and fails the test with fn's
// last error once timeout has passed.
func eventually(t *testing.T, timeout time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still, after %s: %v", timeout, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// TestFederationThreeInstances: A follows B and C (A and B on SQLite, C on
// PostgreSQL when VESTIGING_TEST_POSTGRES is set); the follows are
// accepted and A's agenda fills with their upcoming events at once; B
// publishes, changes, cancels and deletes an event through its staff pages
// and A's agenda follows each step; after A's Undo, C's new events no
// longer reach A.
func TestFederationThreeInstances(t *testing.T) {
	ctx := context.Background()
	databaseC := ""
	if pg := os.Getenv(storetest.EnvPostgres); pg != "" {
		databaseC = storetest.CreatePostgresDatabase(t, pg)
	} else {
		t.Logf("%s is not set: C runs on SQLite", storetest.EnvPostgres)
	}
	a := startNode(t, "A", "", false, nil)
	b := startNode(t, "B", "", true, nil)
	c := startNode(t, "C", databaseC, true, nil)
	b.rename("Bibliotheek Bommelerwaard")
	c.rename("Bibliotheek Castricum")
	step := func(name string, fn func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, fn) {
			t.FailNow()
		}
	}
	origin := map[*node]*vestiging.Actor{}

	step("Follow", func(t *testing.T) {
		for _, to := range []*node{b, c} {
			fl, err := a.Fed.Follow(ctx, "@agenda@"+to.host)
			if err != nil {
				t.Fatalf("follow %s: %v", to.name, err)
			}
			if fl.Actor.IRI != to.actorID() {
				t.Errorf("follow %s: actor %q, want %q", to.name, fl.Actor.IRI, to.actorID())
			}
			origin[to] = fl.Actor
		}
		eventually(t, e2eWait, func() error {
			fs, _, err := a.DB.Followings(ctx, 0, 10)
			if err != nil {
				return err
			}
			for _, f := range fs {
				if f.State != vestiging.FollowAccepted {
					return fmt.Errorf("A follows %s: %s", f.Actor.IRI, f.State)
				}
			}
			if len(fs) != 2 {
				return fmt.Errorf("A follows %d libraries, want 2", len(fs))
			}
			return nil
		})
		for _, to := range []*node{b, c} {
			fs, n, err := to.DB.Followers(ctx, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if n != 1 || fs[0].Actor.IRI != a.actorID() {
				t.Errorf("%s's followers: %d, want A alone", to.name, n)
			}
		}
		if got, want := origin[b].Name, "Bibliotheek Bommelerwaard"; got != want {
			t.Errorf("B's name at A: got %q, want %q", got, want)
		}
	})

	step("Backfill", func(t *testing.T) {
		now := time.Now() // the same "upcoming" on both sides
		for _, from := range []*node{b, c} {
			_, want, err := from.DB.FindEvents(ctx, vestiging.EventFilter{From: now, Source: vestiging.SourceLocal, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if want == 0 {
				t.Fatalf("%s has no upcoming events to backfill", from.name)
			}
			eventually(t, e2eWait, func() error {
				_, got, err := a.DB.FindEvents(ctx, vestiging.EventFilter{From: now, OriginID: origin[from].ID, Limit: 1})
				if err != nil {
					return err
				}
				if got != want {
					return fmt.Errorf("A has %d upcoming events of %s, want all %d", got, from.name, want)
				}
				return nil
			})
		}
	})

	start := time.Now().AddDate(0, 0, 30).In(amsterdam(t))
	start = time.Date(start.Year(), start.Month(), start.Day(), 14, 30, 0, 0, start.Location())
	title := "Vertelmiddag over de Waal"
	var iri string
	step("Publish", func(t *testing.T) {
		iri = b.publishEvent(title, start)
		eventually(t, e2eWait, func() error {
			e, err := a.remoteEvent(iri)
			if err != nil {
				return err
			}
			if e.Title != title || e.Status != vestiging.StatusPublished || e.OriginID == nil || *e.OriginID != origin[b].ID ||
				e.URL != iri || !e.StartsAt.Equal(start) {
				return fmt.Errorf("at A: %q %s origin %v url %q start %s", e.Title, e.Status, e.OriginID, e.URL, e.StartsAt)
			}
			return nil
		})
		card, err := a.agendaCard(origin[b].ID, start, title)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Bibliotheek Bommelerwaard", `href="` + iri + `"`} {
			if !strings.Contains(card, want) {
				t.Errorf("A's agenda card lacks %q:\n%s", want, card)
			}
		}
	})

	newTitle := "Vertelmiddag over de Waal en de Maas"
	step("Update", func(t *testing.T) {
		form := b.eventForm(newTitle, start)
		b.submit("/staff/events/"+localID(t, iri)+"/edit", form)
		eventually(t, e2eWait, func() error {
			e, err := a.remoteEvent(iri)
			if err != nil {
				return err
			}
			if e.Title != newTitle {
				return fmt.Errorf("title at A: %q", e.Title)
			}
			return nil
		})
		if _, err := a.agendaCard(origin[b].ID, start, newTitle); err != nil {
			t.Error(err)
		}
	})

	step("Cancel", func(t *testing.T) {
		b.submit("/staff/events/"+localID(t, iri)+"/cancel", url.Values{"reason": {"De verteller is ziek."}})
		eventually(t, e2eWait, func() error {
			e, err := a.remoteEvent(iri)
			if err != nil {
				return err
			}
			if e.Status != vestiging.StatusCancelled {
				return fmt.Errorf("status at A: %s", e.Status)
			}
			return nil
		})
		card, err := a.agendaCard(origin[b].ID, start, newTitle)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(card, `class="badge cancelled-badge"`) {
			t.Errorf("A's agenda card is not marked cancelled:\n%s", card)
		}
	})

	step("Delete", func(t *testing.T) {
		b.submit("/staff/events/"+localID(t, iri)+"/delete", nil)
		eventually(t, e2eWait, func() error {
			if _, err := a.remoteEvent(iri); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
				return fmt.Errorf("still at A (%v)", err)
			}
			return nil
		})
		if _, err := a.agendaCard(origin[b].ID, start, newTitle); err == nil {
			t.Error("the deleted event is still in A's agenda")
		}
	})

	step("Unfollow", func(t *testing.T) {
		if err := a.Fed.Unfollow(ctx, origin[c].ID); err != nil {
			t.Fatal(err)
		}
		eventually(t, e2eWait, func() error {
			if _, n, err := c.DB.Followers(ctx, 0, 10); err != nil || n != 0 {
				return fmt.Errorf("C has %d followers (%v), want 0", n, err)
			}
			return nil
		})
		// C publishes after the Undo; once C has turned it into a Create
		// (with no follower to send it to) and B's event published after
		// it has reached A, C's would have too.
		cIRI := c.publishEvent("Alleen in Castricum", start)
		eventually(t, e2eWait, func() error {
			acts, _, err := c.DB.Activities(ctx, 0, 10)
			if err != nil {
				return err
			}
			for _, act := range acts {
				if act.Type == "Create" && act.ObjectIRI == cIRI {
					for _, j := range storetest.Jobs[federation.DeliverJob](t, c.DB, "deliver") {
						if j.ActivityIRI == act.IRI {
							t.Errorf("C queued a delivery of its Create to %s after the Undo", j.Inbox)
						}
					}
					return nil
				}
			}
			return fmt.Errorf("C has not published the Create of %s yet", cIRI)
		})
		bIRI := b.publishEvent("Na de ontvolging", start.Add(time.Hour))
		eventually(t, e2eWait, func() error {
			_, err := a.remoteEvent(bIRI)
			return err
		})
		if _, err := a.remoteEvent(cIRI); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("C's event after the Undo reached A (%v)", err)
		}
	})
}

// TestMastodonPeer: a Mastodon-like peer finds A's library by WebFinger,
// fetches its actor with signed GETs (A requires them: authorized fetch),
// follows it and is accepted, and receives A's new event as a Create whose
// signature and Digest it verifies, with the one-line summary Mastodon
// shows, then its Update and Delete, after which the event answers 410
// with its Tombstone; its Undo ends the follow.
func TestMastodonPeer(t *testing.T) {
	ctx := context.Background()
	a := startNode(t, "A", "", false, func(c *serveConfig) { c.AuthorizedFetch = true })
	a.rename("Bibliotheek Aalten")
	branch := &vestiging.Branch{Name: "Bibliotheek Aalten Centrum", Street: "Markt 3", PostalCode: "7121 CS", City: "Aalten"}
	if err := a.DB.CreateBranch(ctx, branch); err != nil {
		t.Fatal(err)
	}
	peer := newMastodonPeer(t)

	var actor *federation.Actor
	t.Run("WebFinger", func(t *testing.T) {
		status, body, err := peer.do(ctx, http.MethodGet, a.URL+"/.well-known/webfinger?resource="+url.QueryEscape("acct:agenda@"+a.host),
			"application/jrd+json", nil, true)
		if err != nil || status != http.StatusOK {
			t.Fatalf("webfinger: %d %v: %s", status, err, body)
		}
		var jrd federation.JRD
		if err := json.Unmarshal(body, &jrd); err != nil {
			t.Fatal(err)
		}
		href := ""
		for _, l := range jrd.Links {
			if l.Rel == "self" && federation.IsActivityContentType(l.Type) {
				href = l.Href
			}
		}
		if href != a.actorID() {
			t.Fatalf("webfinger self link: got %q, want %q", href, a.actorID())
		}
		if body, err = peer.get(ctx, href); err != nil {
			t.Fatal(err)
		}
		if actor, err = federation.ParseActor(body); err != nil {
			t.Fatal(err)
		}
		if actor.Type != "Organization" || actor.ID != href || actor.Inbox == "" || actor.SharedInbox == "" ||
			actor.PublicKey.Owner != actor.ID || actor.PublicKey.ID != federation.KeyID(a.cfg.BaseURL) {
			t.Fatalf("actor: %+v", actor)
		}
		if _, err := federation.ParsePublicKeyPEM(actor.PublicKey.PEM); err != nil {
			t.Errorf("actor key: %v", err)
		}
	})
	if actor == nil {
		t.FailNow()
	}

	var followID string
	t.Run("Follow", func(t *testing.T) {
		followID = peer.follow(t, actor.ID, actor.Inbox)
		fs, n, err := a.DB.Followers(ctx, 0, 10)
		if err != nil || n != 1 || fs[0].Actor.IRI != peer.actorID() {
			t.Fatalf("A's followers: %d %v, want the peer", n, err)
		}
	})

	loc := amsterdam(t)
	day := time.Now().AddDate(0, 0, 20).In(loc)
	e := &vestiging.Event{Title: "Taalcafé", Description: "<p>Oefen Nederlands in een ontspannen sfeer.</p>",
		StartsAt: time.Date(day.Year(), day.Month(), day.Day(), 14, 30, 0, 0, loc), BranchID: &branch.ID,
		Status: vestiging.StatusPublished}
	e.EndsAt = e.StartsAt.Add(90 * time.Minute)
	if err := a.DB.CreateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	eventIRI := fmt.Sprintf("%s/events/%d", a.URL, e.ID)

	t.Run("Create", func(t *testing.T) {
		obj := peer.await(t, "Create", eventIRI)
		if obj["type"] != "Event" || obj["name"] != e.Title || obj["url"] != eventIRI {
			t.Errorf("event: type %v name %v url %v", obj["type"], obj["name"], obj["url"])
		}
		if st, err := time.Parse(time.RFC3339, fmt.Sprint(obj["startTime"])); err != nil || !st.Equal(e.StartsAt) {
			t.Errorf("startTime: got %v, want %s", obj["startTime"], e.StartsAt)
		}
		summary, _ := obj["summary"].(string)
		wantIn := []string{fmt.Sprintf(" %d %s %d", day.Day(), dutchMonth[day.Month()-1], day.Year()), "14:30", branch.Name, branch.City}
		for _, want := range wantIn {
			if !strings.Contains(summary, want) {
				t.Errorf("summary %q lacks %q", summary, want)
			}
		}
		if summary == "" || strings.ContainsAny(summary, "\r\n") {
			t.Errorf("summary %q is not one line", summary)
		}
	})

	t.Run("AuthorizedFetch", func(t *testing.T) {
		status, _, err := peer.do(ctx, http.MethodGet, eventIRI, federation.AcceptActivity, nil, false)
		if err != nil || status != http.StatusUnauthorized {
			t.Errorf("unsigned GET: got %d %v, want 401", status, err)
		}
		body, err := peer.get(ctx, eventIRI)
		if err != nil {
			t.Fatalf("signed GET: %v", err)
		}
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil || doc["id"] != eventIRI {
			t.Errorf("signed GET: id %v (%v)", doc["id"], err)
		}
	})

	t.Run("Update", func(t *testing.T) {
		e.Title = "Taalcafé voor beginners"
		if err := a.DB.UpdateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		obj := peer.await(t, "Update", eventIRI)
		// GoToSocial ignores an Update whose updated precedes published.
		updated, err1 := time.Parse(time.RFC3339, fmt.Sprint(obj["updated"]))
		published, err2 := time.Parse(time.RFC3339, fmt.Sprint(obj["published"]))
		if obj["name"] != e.Title || err1 != nil || err2 != nil || updated.Before(published) {
			t.Errorf("updated event: name %v, updated %v, published %v", obj["name"], obj["updated"], obj["published"])
		}
	})

	t.Run("Delete", func(t *testing.T) {
		if err := a.DB.DeleteEvent(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		if obj := peer.await(t, "Delete", eventIRI); obj["type"] != "Tombstone" {
			t.Errorf("deleted object: %v, want a Tombstone", obj)
		}
		// Fetched again, it is gone, not missing.
		status, body, err := peer.do(ctx, http.MethodGet, eventIRI, federation.AcceptActivity, nil, true)
		var doc map[string]any
		if err != nil || status != http.StatusGone || json.Unmarshal(body, &doc) != nil || doc["type"] != "Tombstone" || doc["id"] != eventIRI {
			t.Errorf("GET of the deleted event: %d %v: %s, want 410 with its Tombstone", status, err, body)
		}
	})

	t.Run("Undo", func(t *testing.T) {
		undo, err := json.Marshal(map[string]any{"@context": federation.ActivityStreamsContext,
			"id": followID + "/undo", "type": "Undo", "actor": peer.actorID(),
			"object": map[string]any{"id": followID, "type": "Follow", "actor": peer.actorID(), "object": actor.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if status, body, err := peer.do(ctx, http.MethodPost, actor.Inbox, federation.AcceptActivity, undo, true); err != nil || status != http.StatusAccepted {
			t.Fatalf("undo: %d %v: %s", status, err, body)
		}
		eventually(t, e2eWait, func() error {
			if _, n, err := a.DB.Followers(ctx, 0, 10); err != nil || n != 0 {
				return fmt.Errorf("A has %d followers (%v), want 0", n, err)
			}
			return nil
		})
	})
	if r := peer.refusals(); len(r) > 0 {
		t.Errorf("the peer refused: %v", r)
	}
}

var dutchMonth = [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli",
	"augustus", "september", "oktober", "november", "december"}

// fanoutReceiver is one follower's server in the durability test. Like
// Mastodon it acts on an activity the first time its id arrives and
// recognises a repeat by the id, so the sender must resend the same id.
type fanoutReceiver struct {
	srv   *httptest.Server
	addr  string // host:port, fixed, so it can come back after going offline
	mu    sync.Mutex
	posts int            // POSTs with a valid signature, refused ones included
	seen  map[string]int // activity id → POSTs taken; the first one acted on
	down  bool           // answers 503
}

// fanout is what all receivers share.
type fanout struct {
	keyID     string
	key       *rsa.PublicKey
	holdAfter int64       // with hold set, requests after this many are held until the sender gives up
	hold      atomic.Bool // the sender is to be stopped mid fan-out
	accepted  atomic.Int64
	held      atomic.Int64
}

// receiver starts a receiver; an offline one has its port closed until
// comeBack, so connecting to it fails.
func (f *fanout) receiver(t *testing.T, online bool) *fanoutReceiver {
	rv := &fanoutReceiver{seen: map[string]int{}}
	rv.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := federation.ReadBody(r.Body, federation.MaxBodySize)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if _, err := federation.Verify(r, body, time.Now(), func(_ context.Context, keyID string) (*rsa.PublicKey, error) {
			if keyID != f.keyID {
				return nil, fmt.Errorf("unknown key %s", keyID)
			}
			return f.key, nil
		}); err != nil {
			t.Errorf("receiver: %v", err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var act struct {
			ID     string `json:"id"`
			Type   string `json:"type"`
			Object struct {
				Type string `json:"type"`
			} `json:"object"`
		}
		if err := json.Unmarshal(body, &act); err != nil || act.ID == "" {
			http.Error(w, "no id", http.StatusBadRequest)
			return
		}
		if act.Type == "Update" && act.Object.Type == "Organization" {
			// A branch added to the library changes its profile: not the
			// fan-out counted here.
			w.WriteHeader(http.StatusAccepted)
			return
		}
		rv.mu.Lock()
		rv.posts++
		if rv.down {
			rv.mu.Unlock()
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		rv.seen[act.ID]++
		rv.mu.Unlock()
		if f.accepted.Add(1) > f.holdAfter && f.hold.Load() {
			// Applied, but the answer waits until the sender hangs up:
			// the sender cannot know, and will send it again.
			f.held.Add(1)
			<-r.Context().Done()
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	rv.addr = rv.srv.Listener.Addr().String()
	if online {
		rv.srv.Start()
	} else {
		// A port of 127.0.0.2, where nothing else here listens: a freed
		// port of 127.0.0.1 is soon another server's, which then answers.
		rv.srv.Listener.Close()
		ln, err := net.Listen("tcp", "127.0.0.2:0")
		if err != nil {
			t.Fatal(err)
		}
		rv.addr = ln.Addr().String()
		ln.Close()
	}
	t.Cleanup(rv.srv.Close)
	return rv
}

func (rv *fanoutReceiver) inbox() string { return "http://" + rv.addr + "/inbox" }

// comeBack starts an offline receiver on its old port.
func (rv *fanoutReceiver) comeBack(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", rv.addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", rv.addr, err)
	}
	rv.srv.Listener = ln
	rv.srv.Start()
}

func (rv *fanoutReceiver) state() (posts int, seen map[string]int) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return rv.posts, maps.Clone(rv.seen)
}

func (rv *fanoutReceiver) setDown(down bool) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	rv.down = down
}

// deliveries returns the node's newest delivery to each inbox, in any
// state, and a River client on the node's database to act on them.
func deliveries(t *testing.T, n *node) (*river.Client[*sql.Tx], map[string]*rivertype.JobRow) {
	t.Helper()
	rc, err := river.NewClient(riversqlite.New(n.DB.SQL()), &river.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := rc.JobList(context.Background(), river.NewJobListParams().Kinds(federation.DeliverJob{}.Kind()).First(10000))
	if err != nil {
		t.Fatal(err)
	}
	jobs := map[string]*rivertype.JobRow{}
	for _, j := range res.Jobs {
		var args federation.DeliverJob
		if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
			t.Fatal(err)
		}
		if old := jobs[args.Inbox]; old == nil || old.ID < j.ID {
			jobs[args.Inbox] = j
		}
	}
	return rc, jobs
}

// waiting reports whether a delivery waits for its next attempt (River's
// retryable and scheduled jobs), which JobRetry makes available at once.
func waiting(j *rivertype.JobRow) bool {
	return j != nil && (j.State == rivertype.JobStateRetryable || j.State == rivertype.JobStateScheduled)
}

// retryNow makes the waiting deliveries to the inboxes that want picks
// available at once, through River's own JobRetry: it stands for their
// backoff (30 s and up, DESIGN.md §4) passing.
func retryNow(t *testing.T, n *node, want func(inbox string) bool) {
	t.Helper()
	rc, jobs := deliveries(t, n)
	for inbox, j := range jobs {
		if want(inbox) && waiting(j) {
			if _, err := rc.JobRetry(context.Background(), j.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestDeliveryDurability: an instance with 200 followers, each on its own
// server, is stopped in the middle of the fan-out of a new event and
// started again on the same database: every receiver gets the activity,
// and acts on it once, whatever was sent twice. Two receivers that are
// down meanwhile, one answering 503 and one with its port closed, are
// tried again and again and get it after they come back.
func TestDeliveryDurability(t *testing.T) {
	const receivers = 200
	ctx := context.Background()
	a := startNode(t, "A", "", false, nil)
	pemKey, err := a.DB.InstanceKey(ctx, func() (string, error) { return "", errors.New("the instance has a key") })
	if err != nil {
		t.Fatal(err)
	}
	key, err := federation.ParsePrivateKeyPEM(pemKey)
	if err != nil {
		t.Fatal(err)
	}
	f := &fanout{keyID: federation.KeyID(a.cfg.BaseURL), key: &key.PublicKey, holdAfter: receivers / 2}
	rvs := make([]*fanoutReceiver, receivers)
	for i := range rvs {
		rvs[i] = f.receiver(t, i != 8)
	}
	busy, offline := rvs[7], rvs[8]
	busy.setDown(true)
	down := map[string]bool{busy.inbox(): true, offline.inbox(): true}
	// The branch changes the library's profile; its Update goes out before
	// there are followers, so the fan-out below is of the event alone.
	branch := &vestiging.Branch{Name: "Bibliotheek Aalten", Street: "Markt 3", PostalCode: "7121 CS", City: "Aalten"}
	if err := a.DB.CreateBranch(ctx, branch); err != nil {
		t.Fatal(err)
	}
	eventually(t, e2eWait, func() error {
		var open int
		if err := a.DB.SQL().QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = $1 AND finalized_at IS NULL`,
			vestiging.ActorUpdateJob{}.Kind()).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return fmt.Errorf("%d profile updates not sent", open)
		}
		return nil
	})
	storetest.SeedFollowers(t, a.DB, receivers, receivers, func(i int) string { return rvs[i].inbox() })

	f.hold.Store(true)
	e := &vestiging.Event{Title: "Voorleesontbijt", StartsAt: time.Now().Add(72 * time.Hour).Truncate(time.Hour),
		BranchID: &branch.ID, Status: vestiging.StatusPublished}
	e.EndsAt = e.StartsAt.Add(time.Hour)
	if err := a.DB.CreateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	eventually(t, e2eWait, func() error {
		if n := f.held.Load(); n < 4 {
			return fmt.Errorf("%d of 200 applied, %d deliveries held", f.accepted.Load(), n)
		}
		return nil
	})
	// The stop: jobs in flight get 200 ms, then are cancelled mid-request.
	if err := a.stop(200 * time.Millisecond); err != nil {
		t.Logf("stop: %v", err)
	}
	before := 0
	for _, rv := range rvs {
		if _, seen := rv.state(); len(seen) > 0 {
			before++
		}
	}
	t.Logf("stopped with %d of %d receivers having the activity, %d deliveries cut off", before, receivers, f.held.Load())
	if before >= receivers-1 {
		t.Fatalf("the stop came after the fan-out: %d of %d had it", before, receivers)
	}

	f.hold.Store(false)
	a.restart()
	// The deliveries cut off wait for their retry; so do those to the
	// receivers that are down, which are left alone for now.
	everyone := func(skip map[string]bool) error {
		missing := 0
		for _, rv := range rvs {
			if _, seen := rv.state(); len(seen) == 0 && !skip[rv.inbox()] {
				missing++
			}
		}
		if missing > 0 {
			retryNow(t, a, func(inbox string) bool { return !skip[inbox] })
			return fmt.Errorf("%d receivers lack the activity", missing)
		}
		return nil
	}
	eventually(t, e2eWait, func() error { return everyone(down) })

	// The receivers that are down fail attempt after attempt (fewer than
	// the breaker's threshold, which would hold them back a minute); then
	// they come back and get the activity at the next attempt.
	const attempts = vestiging.BreakerThreshold - 2
	eventually(t, e2eWait, func() error {
		rc, jobs := deliveries(t, a)
		for inbox := range down {
			j := jobs[inbox]
			if j == nil {
				return fmt.Errorf("no delivery to %s", inbox)
			}
			if !waiting(j) || j.Attempt < attempts {
				if waiting(j) {
					if _, err := rc.JobRetry(ctx, j.ID); err != nil {
						t.Fatal(err)
					}
				}
				return fmt.Errorf("the delivery to %s has failed %d of %d times, is %s: %v", inbox, j.Attempt, attempts, j.State, j.Errors)
			}
		}
		return nil
	})
	for _, rv := range []*fanoutReceiver{busy, offline} {
		if posts, seen := rv.state(); len(seen) != 0 || rv == busy && posts < attempts {
			t.Fatalf("a receiver that is down took %v in %d POSTs", seen, posts)
		}
		if h, err := a.DB.HostByName(ctx, rv.addr); err != nil || h.Failures < 1 {
			t.Errorf("host %s: %+v, %v; want failures recorded", rv.addr, h, err)
		}
	}
	busy.setDown(false)
	offline.comeBack(t)
	eventually(t, e2eWait, func() error { return everyone(nil) })

	// Each receiver took exactly one activity id, the same everywhere, so
	// a repeated POST is recognised and none acts twice.
	dupes, activityID := 0, ""
	for i, rv := range rvs {
		_, seen := rv.state()
		if len(seen) != 1 {
			t.Errorf("receiver %d took %v, want one activity", i, seen)
		}
		for id, n := range seen {
			if activityID == "" {
				activityID = id
			}
			if id != activityID {
				t.Errorf("receiver %d took activity %s, the others %s", i, id, activityID)
			}
			dupes += n - 1
		}
	}
	t.Logf("every receiver has %s, acted on once; %d repeated POSTs (cut off before the stop, sent again after it)", activityID, dupes)
	// The sender records the success after the answer, so it may lag.
	eventually(t, e2eWait, func() error {
		for _, rv := range []*fanoutReceiver{busy, offline} {
			if h, err := a.DB.HostByName(ctx, rv.addr); err != nil || h.Failures != 0 || h.LastSuccess.IsZero() {
				return fmt.Errorf("host %s came back: %+v, %v; want it healthy", rv.addr, h, err)
			}
		}
		return nil
	})
}

// TestDeletedEventIDNotReused: an ActivityPub id names one object forever.
// Followers keep the ids of deleted objects so that a late Create changes
// nothing, so a new event that got the id of a deleted one would never
// reach them.
func TestDeletedEventIDNotReused(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		branch := &vestiging.Branch{Name: "Bibliotheek Aalten", Street: "Markt 3", PostalCode: "7121 CS", City: "Aalten"}
		if err := db.CreateBranch(ctx, branch); err != nil {
			t.Fatal(err)
		}
		create := func(title string) int64 {
			t.Helper()
			e := &vestiging.Event{Title: title, StartsAt: time.Now().Add(24 * time.Hour).Truncate(time.Hour),
				BranchID: &branch.ID, Status: vestiging.StatusPublished}
			e.EndsAt = e.StartsAt.Add(time.Hour)
			if err := db.CreateEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
			return e.ID
		}
		deleted := create("Voorleesontbijt")
		if err := db.DeleteEvent(ctx, deleted); err != nil {
			t.Fatal(err)
		}
		if got := create("Taalcafé"); got == deleted {
			t.Errorf("the new event got id %d, the deleted event's", got)
		}
	})
}

// inboxState is what an accepted inbox POST would change: followers,
// remote events, queued jobs.
type inboxState struct{ Followers, RemoteEvents, Jobs int }

func (n *node) inboxState() inboxState {
	n.t.Helper()
	ctx := context.Background()
	var s inboxState
	var err error
	if _, s.Followers, err = n.DB.Followers(ctx, 0, 1); err != nil {
		n.t.Fatal(err)
	}
	if _, s.RemoteEvents, err = n.DB.FindEvents(ctx, vestiging.EventFilter{Source: vestiging.SourceRemote, Limit: 1,
		Statuses: []string{vestiging.StatusDraft, vestiging.StatusPublished, vestiging.StatusCancelled}}); err != nil {
		n.t.Fatal(err)
	}
	if err := n.DB.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job`).Scan(&s.Jobs); err != nil {
		n.t.Fatal(err)
	}
	return s
}

// TestRejectedInboxRequests: every POST to a real instance's inbox that
// DESIGN.md §4 refuses gets its status and changes nothing; a blocked
// domain's key is not even fetched. The same Follow, properly signed, is
// then accepted and does change the store, so the check can see a change.
func TestRejectedInboxRequests(t *testing.T) {
	ctx := context.Background()
	a := startNode(t, "A", "", false, nil)
	peer := newMastodonPeer(t)
	blocked := newMastodonPeer(t)
	if err := a.DB.SetDomainRule(ctx, &vestiging.DomainRule{Host: strings.TrimPrefix(blocked.srv.URL, "http://"),
		Mode: vestiging.DomainBlock, Reason: "spam", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	inbox := a.URL + "/inbox"
	activity := func(p *mastodonPeer, typ, actor string, object any) []byte {
		t.Helper()
		b, err := json.Marshal(map[string]any{"@context": federation.ActivityStreamsContext,
			"id": p.srv.URL + "/activities/" + strings.ToLower(typ), "type": typ, "actor": actor, "object": object})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	follow := activity(peer, "Follow", peer.actorID(), a.actorID())
	post := func(p *mastodonPeer, body []byte) *http.Request {
		return p.request(ctx, http.MethodPost, inbox, federation.AcceptActivity, body, true)
	}
	tests := []struct {
		name string
		req  func() *http.Request
		want int
	}{
		{"Unsigned", func() *http.Request {
			return peer.request(ctx, http.MethodPost, inbox, federation.AcceptActivity, follow, false)
		}, http.StatusUnauthorized},
		{"BadDigest", func() *http.Request {
			req := post(peer, follow)
			other := bytes.Replace(follow, []byte("Follow"), []byte("Folloe"), 1) // same length, other bytes
			req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(other)), int64(len(other))
			return req
		}, http.StatusBadRequest},
		{"Oversize", func() *http.Request {
			big := append(bytes.Clone(follow), bytes.Repeat([]byte(" "), federation.MaxBodySize)...)
			return post(peer, big)
		}, http.StatusRequestEntityTooLarge},
		{"BlockedDomain", func() *http.Request {
			return post(blocked, activity(blocked, "Follow", blocked.actorID(), a.actorID()))
		}, http.StatusForbidden},
		{"SignerIsNotActor", func() *http.Request {
			return post(peer, activity(peer, "Follow", peer.srv.URL+"/users/someone-else", a.actorID()))
		}, http.StatusForbidden},
		{"ObjectOnAnotherHost", func() *http.Request {
			return post(peer, activity(peer, "Create", peer.actorID(), map[string]any{
				"id": a.URL + "/events/1", "type": "Event", "name": "Niet van jou", "startTime": time.Now().Add(time.Hour).Format(time.RFC3339)}))
		}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := a.inboxState()
			status, body, err := peer.send(tt.req())
			if err != nil {
				t.Fatal(err)
			}
			if status != tt.want {
				t.Errorf("status: got %d, want %d (%s)", status, tt.want, body)
			}
			if got := a.inboxState(); got != before {
				t.Errorf("store: got %+v, want it unchanged %+v", got, before)
			}
		})
	}
	if n := blocked.gets.Load(); n != 0 {
		t.Errorf("A fetched the blocked domain's key or actor %d times", n)
	}

	t.Run("OK", func(t *testing.T) {
		before := a.inboxState()
		status, body, err := peer.send(post(peer, follow))
		if err != nil || status != http.StatusAccepted {
			t.Fatalf("signed Follow: %d %v (%s)", status, err, body)
		}
		eventually(t, e2eWait, func() error {
			if got := a.inboxState(); got.Followers != before.Followers+1 {
				return fmt.Errorf("store: %+v, want one more follower than %+v", got, before)
			}
			return nil
		})
	})
}

// serveProc is "vestiging serve" running as a process of its own.
type serveProc struct {
	cmd  *exec.Cmd
	done chan error // receives Wait's result once it has exited
}

// serveProcess runs "vestiging serve" on the SQLite database in data,
// listening on ln's address with its base URL there, and returns once it
// answers. Eight delivery workers, not serve's 50, so that receivers that
// hold their answer keep a fan-out to 100 in the middle. ln keeps the port from other listeners until the process takes it.
func serveProcess(t *testing.T, data string, ln net.Listener, logs io.Writer) *serveProc {
	t.Helper()
	addr := ln.Addr().String()
	p := &serveProc{done: make(chan error, 1)}
	p.cmd = command(context.Background(), nil, "serve", "--data", data, "--listen", addr,
		"--base-url", "http://"+addr, "--allow-loopback", "--workers", "8", "--delivery-workers", "8")
	p.cmd.Stdout, p.cmd.Stderr = logs, logs
	ln.Close()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(p.kill)
	eventually(t, e2eWait, func() error {
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("serve exited: %v", err)
		default:
		}
		res, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("healthz: %d", res.StatusCode)
		}
		return nil
	})
	return p
}

// kill ends the process at once, as a power cut would, and waits for it.
func (p *serveProc) kill() {
	p.cmd.Process.Kill()
	err := <-p.done
	p.done <- err // for a second kill
}

// fanoutBed is a SQLite data directory for "vestiging serve" with its
// instance key and followers, each a fanoutReceiver, and the address the
// process is to listen on; its log goes to logs, shown when the test fails.
type fanoutBed struct {
	data, addr string
	ln         net.Listener
	logs       *os.File
	f          *fanout
	rvs        []*fanoutReceiver
}

// newFanoutBed makes a bed with receivers followers, half of which hold
// their answer while f.hold is set, and returns it with its database open
// for the test to add what it publishes, and close.
func newFanoutBed(t *testing.T, ctx context.Context, receivers int) (*fanoutBed, *store.DB) {
	t.Helper()
	b := &fanoutBed{data: t.TempDir()}
	var err error
	if b.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	b.addr = b.ln.Addr().String()
	if b.logs, err = os.Create(filepath.Join(t.TempDir(), "serve.log")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile(b.logs.Name())
			t.Logf("serve's log:\n%s", log)
		}
	})
	key, err := federation.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pemKey, err := federation.EncodePrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	b.f = &fanout{keyID: federation.KeyID(&url.URL{Scheme: "http", Host: b.addr}), key: &key.PublicKey, holdAfter: int64(receivers / 2)}
	b.rvs = make([]*fanoutReceiver, receivers)
	for i := range b.rvs {
		b.rvs[i] = b.f.receiver(t, true)
	}
	db, err := openDB(ctx, b.data, "", store.Options{Lock: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.InstanceKey(ctx, func() (string, error) { return pemKey, nil }); err != nil {
		t.Fatal(err)
	}
	storetest.SeedFollowers(t, db, receivers, receivers, func(i int) string { return b.rvs[i].inbox() })
	return b, db
}

// startHolding publishes e in db, closes it and starts "vestiging serve"
// with the receivers past the first half holding their answers; it
// returns once four deliveries are held, in the middle of the fan-out.
func (b *fanoutBed) startHolding(t *testing.T, ctx context.Context, db *store.DB, e *vestiging.Event) *serveProc {
	t.Helper()
	if err := db.CreateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b.f.hold.Store(true)
	proc := serveProcess(t, b.data, b.ln, b.logs)
	eventually(t, e2eWait, func() error {
		if n := b.f.held.Load(); n < 4 {
			return fmt.Errorf("%d of %d applied, %d deliveries held", b.f.accepted.Load(), len(b.rvs), n)
		}
		return nil
	})
	return proc
}

// received counts the receivers that have the activity.
func (b *fanoutBed) received() int {
	n := 0
	for _, rv := range b.rvs {
		if _, seen := rv.state(); len(seen) > 0 {
			n++
		}
	}
	return n
}

// restart starts "vestiging serve" again on the bed's address and waits
// until every receiver has the activity; db reads the jobs for the message.
func (b *fanoutBed) restart(t *testing.T, db *store.DB) {
	t.Helper()
	ln, err := net.Listen("tcp", b.addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", b.addr, err)
	}
	serveProcess(t, b.data, ln, b.logs)
	eventually(t, e2eWait, func() error {
		if missing := len(b.rvs) - b.received(); missing > 0 {
			return fmt.Errorf("%d receivers lack the activity; jobs %v", missing, deliveryStates(t, db))
		}
		return nil
	})
}

// deliveryStates counts the delivery jobs in db by River state.
func deliveryStates(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT state, COUNT(*) FROM river_job WHERE kind = $1 GROUP BY state`, federation.DeliverJob{}.Kind())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			t.Fatal(err)
		}
		m[state] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDeliveryAfterKill: "vestiging serve" is killed (SIGKILL, no
// shutdown at all) in the middle of the fan-out of an event to 200
// followers and started again on the same database: every receiver gets
// the activity and acts on it once. The deliveries that were in flight
// are left "running" by the dead process; River's rescuer gives them back
// after RescueStuckJobsAfter (an hour by default), which the test does at
// once, as the rescuer would.
func TestDeliveryAfterKill(t *testing.T) {
	const receivers = 200
	ctx := context.Background()
	// The database before the first start: the key, 200 followers and an
	// event just published, whose publish job is queued with it.
	bed, db := newFanoutBed(t, ctx, receivers)
	f, rvs := bed.f, bed.rvs
	branch := &vestiging.Branch{Name: "Bibliotheek Aalten", Street: "Markt 3", PostalCode: "7121 CS", City: "Aalten"}
	if err := db.CreateBranch(ctx, branch); err != nil {
		t.Fatal(err)
	}
	e := &vestiging.Event{Title: "Voorleesontbijt", StartsAt: time.Now().Add(72 * time.Hour).Truncate(time.Hour),
		BranchID: &branch.ID, Status: vestiging.StatusPublished}
	e.EndsAt = e.StartsAt.Add(time.Hour)
	proc := bed.startHolding(t, ctx, db, e)
	proc.kill()
	f.hold.Store(false)

	// Read the database as the dead process left it, without its lock,
	// as the next process will see it.
	db, err := store.Open(ctx, filepath.Join(bed.data, "vestiging.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	states := deliveryStates(t, db)
	before := bed.received()
	t.Logf("killed with %d of %d receivers having the activity; deliveries by state: %v", before, receivers, states)
	if before >= receivers || states[string(rivertype.JobStateRunning)] == 0 {
		t.Fatalf("the kill did not come in the middle of the fan-out: %d had it, jobs %v", before, states)
	}

	// River's rescuer, an hour early: the jobs the dead process left
	// running are to be worked again. (Done before the restart, so no job
	// the new process runs is touched.)
	if _, err := db.SQL().ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running' AND kind = $1`,
		federation.DeliverJob{}.Kind()); err != nil {
		t.Fatal(err)
	}
	bed.restart(t, db)
	dupes, ids := 0, map[string]bool{}
	for i, rv := range rvs {
		_, seen := rv.state()
		if len(seen) != 1 {
			t.Errorf("receiver %d took %v, want one activity", i, seen)
		}
		for id, n := range seen {
			ids[id] = true
			dupes += n - 1
		}
	}
	if len(ids) != 1 {
		t.Errorf("activity ids: %v, want one", ids)
	}
	t.Logf("every receiver acted on the activity once; %d repeated POSTs after the restart", dupes)
}

// inboxIdle reports whether the node has worked every inbox job it took
// (none available, running or waiting for a retry).
func (n *node) inboxIdle() error {
	var pending int
	if err := n.DB.SQL().QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = $1 AND state IN ('available', 'running', 'retryable', 'scheduled')`,
		federation.InboxJob{}.Kind()).Scan(&pending); err != nil {
		return err
	}
	if pending > 0 {
		return fmt.Errorf("%s has %d inbox jobs to do", n.name, pending)
	}
	return nil
}

// TestIdempotentInbox: A follows a library-like peer (not Vestiging), which
// accepts and sends an event. The same Create again, even carrying other
// content, changes nothing (an Update does); after the Delete, a new Create
// of the deleted object changes nothing either.
func TestIdempotentInbox(t *testing.T) {
	ctx := context.Background()
	a := startNode(t, "A", "", false, nil)
	peer := newMastodonPeer(t)
	inbox := a.URL + "/inbox"
	post := func(activity map[string]any) {
		t.Helper()
		activity["@context"] = federation.ActivityStreamsContext
		activity["actor"] = peer.actorID()
		body, err := json.Marshal(activity)
		if err != nil {
			t.Fatal(err)
		}
		if status, res, err := peer.do(ctx, http.MethodPost, inbox, federation.AcceptActivity, body, true); err != nil || status != http.StatusAccepted {
			t.Fatalf("POST %s: %d %v: %s", activity["type"], status, err, res)
		}
	}

	if _, err := a.Fed.Follow(ctx, peer.actorID()); err != nil {
		t.Fatal(err)
	}
	var follow map[string]any
	eventually(t, e2eWait, func() error {
		if d := peer.deliveries("Follow"); len(d) > 0 {
			follow = d[0].Activity
			return nil
		}
		return fmt.Errorf("no Follow at the peer yet (refused: %v)", peer.refusals())
	})
	delete(follow, "@context")
	post(map[string]any{"id": peer.srv.URL + "/accepts/1", "type": "Accept", "object": follow})
	eventually(t, e2eWait, func() error {
		fs, _, err := a.DB.Followings(ctx, 0, 10)
		if err != nil || len(fs) != 1 || fs[0].State != vestiging.FollowAccepted {
			return fmt.Errorf("A's follow of the peer is not accepted: %v", err)
		}
		return nil
	})

	eventIRI := peer.srv.URL + "/events/1"
	start := time.Now().AddDate(0, 0, 10).Truncate(time.Hour)
	event := func(name string) map[string]any {
		return map[string]any{"id": eventIRI, "type": "Event", "name": name, "url": eventIRI,
			"startTime": start.Format(time.RFC3339), "endTime": start.Add(2 * time.Hour).Format(time.RFC3339),
			"attributedTo": peer.actorID(), "to": []any{federation.Public}}
	}
	create := map[string]any{"id": peer.srv.URL + "/activities/1", "type": "Create", "object": event("Kerstmarkt")}
	post(create)
	eventually(t, e2eWait, func() error {
		e, err := a.remoteEvent(eventIRI)
		if err == nil && e.Title != "Kerstmarkt" {
			err = fmt.Errorf("title %q", e.Title)
		}
		return err
	})

	t.Run("SameActivityTwice", func(t *testing.T) {
		before := a.inboxState()
		create["object"] = event("Kerstmarkt (overgeschreven)")
		post(create)
		eventually(t, e2eWait, a.inboxIdle)
		e, err := a.remoteEvent(eventIRI)
		if err != nil || e.Title != "Kerstmarkt" {
			t.Errorf("after the same Create again: %+v, %v; want the first title", e, err)
		}
		if got := a.inboxState(); got.Followers != before.Followers || got.RemoteEvents != before.RemoteEvents {
			t.Errorf("store: got %+v, want %+v", got, before)
		}
	})

	// A new activity does change it, so the checks above can see a change.
	t.Run("Update", func(t *testing.T) {
		post(map[string]any{"id": peer.srv.URL + "/activities/2", "type": "Update", "object": event("Kerstmarkt met koor")})
		eventually(t, e2eWait, func() error {
			e, err := a.remoteEvent(eventIRI)
			if err == nil && e.Title != "Kerstmarkt met koor" {
				err = fmt.Errorf("title %q", e.Title)
			}
			return err
		})
	})

	t.Run("CreateAfterDelete", func(t *testing.T) {
		post(map[string]any{"id": peer.srv.URL + "/activities/3", "type": "Delete",
			"object": map[string]any{"id": eventIRI, "type": "Tombstone"}})
		eventually(t, e2eWait, func() error {
			if _, err := a.remoteEvent(eventIRI); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
				return fmt.Errorf("the deleted event is still at A (%v)", err)
			}
			return nil
		})
		post(map[string]any{"id": peer.srv.URL + "/activities/4", "type": "Create", "object": event("Kerstmarkt")})
		eventually(t, e2eWait, a.inboxIdle)
		if _, err := a.remoteEvent(eventIRI); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("a Create after the Delete brought the event back (%v)", err)
		}
	})
}
