package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
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

// testNow is the test clock's time: Monday 2 March 2026, 10:00 in Amsterdam.
var testNow = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

// env is a running server over a real SQLite store.
type env struct {
	t     *testing.T
	db    *store.DB
	clock *storetest.Clock
	srv   *httptest.Server
	fed   *federation.Federator // newFedEnv's; nil otherwise
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := storetest.NewClock(testNow)
	db := storetest.SQLiteClock(t, clock.Now)
	return newEnvWith(t, db, clock, db)
}

// newEnvWith starts the server on svc; opts change its configuration.
func newEnvWith(t *testing.T, db *store.DB, clock *storetest.Clock, svc vestiging.Services, opts ...func(*Config)) *env {
	t.Helper()
	cfg := Config{
		Services: svc,
		BaseURL:  &url.URL{Scheme: "http", Host: "localhost"},
		Clock:    clock.Now,
		Logger:   slog.New(slog.NewTextHandler(t.Output(), nil)),
	}
	for _, o := range opts {
		o(&cfg)
	}
	h := New(cfg)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, clock: clock, srv: srv}
}

// client returns a browser-like client with its own cookie jar that does
// not follow redirects, so tests see them.
func (e *env) client() *http.Client {
	e.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

type response struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (e *env) do(c *http.Client, req *http.Request) response {
	e.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return response{Status: res.StatusCode, Body: string(b), Location: res.Header.Get("Location"), Header: res.Header}
}

func (e *env) get(c *http.Client, path string, header ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(c, req)
}

func (e *env) post(c *http.Client, path string, form url.Values, header ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(c, req)
}

func (e *env) person(email, password, role string) *vestiging.Person {
	e.t.Helper()
	p := &vestiging.Person{Email: email, DisplayName: strings.Split(email, "@")[0], Role: role}
	if err := p.SetPassword(context.Background(), password); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.CreatePerson(context.Background(), p); err != nil {
		e.t.Fatalf("create person %s: %v", email, err)
	}
	return p
}

// signIn creates a person with role and returns a client signed in as them.
func (e *env) signIn(email, role string) *http.Client {
	e.t.Helper()
	e.person(email, "correct horse battery", role)
	c := e.client()
	res := e.post(c, "/login", url.Values{"email": {email}, "password": {"correct horse battery"}})
	if res.Status != http.StatusSeeOther {
		e.t.Fatalf("sign in %s: status %d, body %s", email, res.Status, res.Body)
	}
	return c
}

func (e *env) branch(name string) *vestiging.Branch {
	e.t.Helper()
	b := &vestiging.Branch{Name: name, Street: "Stationsplein 1", PostalCode: "1234 AB", City: "Dorp",
		OpeningHours: []vestiging.OpeningHours{{Day: time.Monday, Opens: "09:00", Closes: "17:00"}}}
	if err := e.db.CreateBranch(context.Background(), b); err != nil {
		e.t.Fatalf("create branch: %v", err)
	}
	return b
}

// event stores an event at the branch, starting at start (UTC) for two hours.
func (e *env) event(title, status string, branch *vestiging.Branch, start time.Time, change ...func(*vestiging.Event)) *vestiging.Event {
	e.t.Helper()
	ev := &vestiging.Event{Title: title, Description: "<p>Over " + title + "</p>", StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		BranchID: &branch.ID, Status: status, Themes: []string{"leesplezier"}}
	for _, f := range change {
		f(ev)
	}
	if err := e.db.CreateEvent(context.Background(), ev); err != nil {
		e.t.Fatalf("create event %q: %v", title, err)
	}
	return ev
}

func (e *env) events(statuses ...string) []*vestiging.Event {
	e.t.Helper()
	if len(statuses) == 0 {
		statuses = []string{vestiging.StatusDraft, vestiging.StatusPublished, vestiging.StatusCancelled}
	}
	events, _, err := e.db.FindEvents(context.Background(), vestiging.EventFilter{Statuses: statuses, Limit: vestiging.MaxPageSize})
	if err != nil {
		e.t.Fatalf("find events: %v", err)
	}
	return events
}

func wantStatus(t *testing.T, res response, want int) {
	t.Helper()
	if res.Status != want {
		t.Fatalf("status: got %d, want %d; body:\n%s", res.Status, want, res.Body)
	}
}

func wantContains(t *testing.T, res response, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(res.Body, s) {
			t.Errorf("body does not contain %q:\n%s", s, res.Body)
		}
	}
}

func wantNotContains(t *testing.T, res response, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(res.Body, s) {
			t.Errorf("body contains %q", s)
		}
	}
}
