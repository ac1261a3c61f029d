package federation

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
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// RSA keys are slow to generate; the inbox tests share a few.
var (
	inKeysOnce sync.Once
	inKeys     []*rsa.PrivateKey
)

func inKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	inKeysOnce.Do(func() {
		for range 6 {
			k, err := GenerateKey()
			if err != nil {
				panic(err)
			}
			inKeys = append(inKeys, k)
		}
	})
	return inKeys[i]
}

// inEnv is the instance under test: a real store, its Federator, and the
// inbox on a loopback listener.
type inEnv struct {
	db    *store.DB
	f     *Federator
	base  *url.URL
	inbox string               // the shared inbox
	stmts map[string]*sql.Stmt // the checks' queries, prepared once
}

// newInEnv starts the inbox of a Federator over db. clock nil: the real clock.
func newInEnv(t testing.TB, db *store.DB, clock vestiging.Clock) *inEnv {
	t.Helper()
	env := &inEnv{db: db, stmts: map[string]*sql.Stmt{}}
	t.Cleanup(func() {
		for _, s := range env.stmts {
			s.Close()
		}
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { env.f.Inbox(w, r) }))
	t.Cleanup(srv.Close)
	env.base = mustURL(srv.URL)
	env.inbox = srv.URL + "/inbox"
	f, err := New(context.Background(), Config{
		Services: db, Federation: db, BaseURL: env.base, Clock: clock, Logger: slog.New(slog.DiscardHandler),
		Client: NewClient(ClientOptions{AllowLoopback: true}),
	})
	if err != nil {
		t.Fatal(err)
	}
	env.f = f
	return env
}

// jobs counts queued jobs of a kind ("" for all).
func (env *inEnv) jobs(t testing.TB, kind string) int {
	t.Helper()
	var n int
	err := env.db.SQL().QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM river_job WHERE kind = $1 OR $1 = ''`, kind).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// query runs a check's query, prepared on first use: the fuzz target
// runs the same few for every input.
func (env *inEnv) query(t testing.TB, q string) *sql.Rows {
	t.Helper()
	s, ok := env.stmts[q]
	if !ok {
		var err error
		if s, err = env.db.SQL().PrepareContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
		env.stmts[q] = s
	}
	rows, err := s.QueryContext(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// jobArgs is the SQL for a job's args as JSON text: riversqlite keeps them
// as JSONB.
func (env *inEnv) jobArgs() string {
	if env.db.Dialect() == "sqlite" {
		return "json(args)"
	}
	return "args"
}

// jobField is the SQL for a field of a job's args, as text.
func (env *inEnv) jobField(name string) string {
	if env.db.Dialect() == "sqlite" {
		return "json_extract(args, '$." + name + "')"
	}
	return "args->>'" + name + "'"
}

// work runs the queued jobs of kind (inbox and backfill when none is
// given) with their workers, as River would, oldest first, and removes them
// from the queue. Cancelled jobs (bad data) are returned; any other error
// fails the test.
func (env *inEnv) work(t testing.TB, kind ...string) (cancelled []error) {
	t.Helper()
	ctx := context.Background()
	k1, k2 := "inbox", "backfill"
	if len(kind) > 0 {
		k1, k2 = kind[0], kind[0]
	}
	for {
		var id int64
		var kind string
		var args []byte
		err := env.db.SQL().QueryRowContext(ctx, `SELECT id, kind, `+env.jobArgs()+` FROM river_job
			WHERE kind IN ($1, $2) ORDER BY id LIMIT 1`, k1, k2).Scan(&id, &kind, &args)
		if err != nil {
			return cancelled // sql.ErrNoRows: the queue is empty
		}
		row := &rivertype.JobRow{ID: id, Kind: kind, Attempt: 1, EncodedArgs: args}
		switch kind {
		case "inbox":
			var a InboxJob
			if err = json.Unmarshal(args, &a); err == nil {
				err = (&inboxWorker{f: env.f}).Work(ctx, &river.Job[InboxJob]{JobRow: row, Args: a})
			}
		case "backfill":
			var a BackfillJob
			if err = json.Unmarshal(args, &a); err == nil {
				err = (&backfillWorker{f: env.f}).Work(ctx, &river.Job[BackfillJob]{JobRow: row, Args: a})
			}
		}
		var ce *rivertype.JobCancelError
		switch {
		case errors.As(err, &ce):
			cancelled = append(cancelled, err)
		case err != nil:
			t.Fatalf("%s job %d: %v", kind, id, err)
		}
		if _, err := env.db.SQL().ExecContext(ctx, `DELETE FROM river_job WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
	}
}

// follow records that the library follows p, in state.
func (env *inEnv) follow(t testing.TB, p *inPeer, state string) *vestiging.Following {
	t.Helper()
	a, err := env.f.remoteActor(context.Background(), p.actor)
	if err != nil {
		t.Fatal(err)
	}
	fl := &vestiging.Following{Actor: a, ActivityIRI: env.base.String() + "/follows/" + p.name, State: state}
	if err := env.db.SetFollowing(context.Background(), fl); err != nil {
		t.Fatal(err)
	}
	return fl
}

// actor returns p's stored actor.
func (env *inEnv) actor(t testing.TB, p *inPeer) *vestiging.Actor {
	t.Helper()
	a, err := env.db.ActorByIRI(context.Background(), p.actor)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// remoteEvents lists the stored remote events by IRI.
func (env *inEnv) remoteEvents(t testing.TB) map[string]*vestiging.Event {
	t.Helper()
	events, _, err := env.db.FindEvents(context.Background(), vestiging.EventFilter{Source: vestiging.SourceRemote, Limit: vestiging.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*vestiging.Event{}
	for _, e := range events {
		m[e.IRI] = e
	}
	return m
}

// inPeer is a remote ActivityPub server on a loopback listener: it serves
// its actor document (with a real key) and whatever documents a test puts
// there (a redirectTo redirects), counts the GETs, accepts POSTs to its
// inbox, and signs its own POSTs with Signer. Several actors may share
// one server (colleague).
type inPeer struct {
	name, base   string
	actor, inbox string
	signer       *Signer
	fetches      atomic.Int64
	mu           sync.Mutex
	docs         map[string]any // path → document
	server       *inPeer        // the peer whose server this actor is on; nil: its own
}

// redirectTo, as a peer's document, answers 302 to another URL.
type redirectTo string

func newInPeer(t testing.TB, name string, key int) *inPeer {
	t.Helper()
	p := &inPeer{name: name, docs: map[string]any{}}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	p.base = srv.URL
	p.actor = srv.URL + "/users/" + name
	p.inbox = p.actor + "/inbox"
	p.signer = &Signer{KeyID: p.actor + "#main-key", Key: inKey(t, key)}
	p.setKey(t, inKey(t, key))
	return p
}

// setKey publishes k as the actor's key (the signer keeps its own).
func (p *inPeer) setKey(t testing.TB, k *rsa.PrivateKey) {
	t.Helper()
	pemKey, err := EncodePublicKeyPEM(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{
		"@context":          []any{ActivityStreamsContext, "https://w3id.org/security/v1"},
		"id":                p.actor,
		"type":              "Organization",
		"preferredUsername": p.name,
		"name":              "Bibliotheek " + p.name,
		"inbox":             p.inbox,
		"outbox":            p.actor + "/outbox",
		"endpoints":         map[string]any{"sharedInbox": p.base + "/inbox"},
		"publicKey":         map[string]any{"id": p.signer.KeyID, "owner": p.actor, "publicKeyPem": pemKey},
	}
	p.put("/users/"+p.name, doc)
}

// colleague is another actor, name, on p's server, with key number key.
func (p *inPeer) colleague(t testing.TB, name string, key int) *inPeer {
	t.Helper()
	c := &inPeer{name: name, base: p.base, actor: p.base + "/users/" + name, server: p}
	c.inbox = c.actor + "/inbox"
	c.signer = &Signer{KeyID: c.actor + "#main-key", Key: inKey(t, key)}
	c.setKey(t, inKey(t, key))
	return c
}

func (p *inPeer) put(path string, doc any) {
	if p.server != nil {
		p.server.put(path, doc)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.docs[path] = doc
}

func (p *inPeer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Method == http.MethodPost {
		w.WriteHeader(http.StatusAccepted) // a delivery of ours; the tests look at what was queued
		return
	}
	p.fetches.Add(1)
	doc, ok := p.docs[r.URL.RequestURI()]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if code, ok := doc.(int); ok { // a status for a document that was there
		w.WriteHeader(code)
		return
	}
	if to, ok := doc.(redirectTo); ok {
		http.Redirect(w, r, string(to), http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", ContentTypeActivity)
	_ = json.NewEncoder(w).Encode(doc)
}

// id is an IRI on the peer.
func (p *inPeer) id(path string) string { return p.base + path }

// activity builds an activity by the peer's actor.
func (p *inPeer) activity(typ, path string, object any) []byte {
	b, err := json.Marshal(map[string]any{
		"@context": ActivityStreamsContext, "id": p.id(path), "type": typ, "actor": p.actor,
		"object": object, "to": []string{Public},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// event is an Event of the peer at path, starting in days from now.
func (p *inPeer) event(path, title string, days int) map[string]any {
	start := time.Now().UTC().Add(time.Duration(days) * 24 * time.Hour).Truncate(time.Hour)
	return map[string]any{
		"@context": Context, "type": "Event", "id": p.id(path), "url": p.id(path), "name": title,
		"content": "<p>" + title + "</p>", "attributedTo": p.actor,
		"startTime": start.Format(time.RFC3339), "endTime": start.Add(2 * time.Hour).Format(time.RFC3339),
		"timezone": "Europe/Amsterdam",
	}
}

// post sends body to url signed by the peer (over signed, when set, to
// send one body with another's signature) and returns the status.
func (p *inPeer) post(t testing.TB, url string, body []byte, change ...func(r *http.Request)) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ContentTypeActivity)
	if err := p.signer.Sign(req, body); err != nil {
		t.Fatal(err)
	}
	for _, c := range change {
		c(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestInboxRejects(t *testing.T) {
	db := storetest.SQLite(t)
	env := newInEnv(t, db, nil)
	p := newInPeer(t, "tiel", 0)
	other := newInPeer(t, "culemborg", 1)
	follow := p.activity("Follow", "/follows/1", ActorID(env.base))
	stale := &Signer{KeyID: p.signer.KeyID, Key: p.signer.Key, Clock: func() time.Time { return time.Now().Add(-2 * time.Hour) }}
	tests := []struct {
		name    string
		body    []byte
		change  func(r *http.Request)
		setup   func(t *testing.T) func()
		want    int
		fetches bool // whether the key may be fetched
	}{
		{name: "TooLarge", body: append(append([]byte(`{"a":"`), bytes.Repeat([]byte("x"), MaxBodySize)...), `"}`...), want: http.StatusRequestEntityTooLarge},
		{name: "NoSignature", body: follow, change: func(r *http.Request) { r.Header.Del("Signature") }, want: http.StatusUnauthorized},
		{name: "MalformedSignature", body: follow, change: func(r *http.Request) { r.Header.Set("Signature", `keyId="x",headers=`) }, want: http.StatusBadRequest},
		{name: "Blocked", body: follow, want: http.StatusForbidden, setup: func(t *testing.T) func() {
			if err := db.SetDomainRule(t.Context(), &vestiging.DomainRule{Host: iriHost(p.actor), Mode: vestiging.DomainBlock}); err != nil {
				t.Fatal(err)
			}
			return func() {
				if err := db.RemoveDomainRule(context.Background(), iriHost(p.actor)); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{name: "NotAllowlisted", body: follow, want: http.StatusForbidden, setup: func(t *testing.T) func() {
			env.f.cfg.Allowlist = true
			return func() { env.f.cfg.Allowlist = false }
		}},
		{name: "DigestMismatch", body: follow, change: func(r *http.Request) {
			r.Body = io.NopCloser(bytes.NewReader(bytes.ReplaceAll(follow, []byte("Follow"), []byte("Folloq"))))
		}, want: http.StatusBadRequest},
		{name: "StaleDate", body: follow, change: func(r *http.Request) {
			if err := stale.Sign(r, follow); err != nil {
				t.Fatal(err)
			}
		}, want: http.StatusUnauthorized},
		{name: "WrongKey", body: follow, fetches: true, change: func(r *http.Request) {
			s := &Signer{KeyID: p.signer.KeyID, Key: inKey(t, 2)}
			if err := s.Sign(r, follow); err != nil {
				t.Fatal(err)
			}
		}, want: http.StatusUnauthorized},
		{name: "InvalidJSON", body: []byte(`{"type": "Follow",`), fetches: true, want: http.StatusBadRequest},
		{name: "NotAnObject", body: []byte(`["Follow"]`), fetches: true, want: http.StatusBadRequest},
		{name: "SignerIsNotActor", body: other.activity("Follow", "/follows/2", ActorID(env.base)), fetches: true, want: http.StatusForbidden},
		{name: "ActivityIDElsewhere", fetches: true, want: http.StatusForbidden, body: func() []byte {
			b := strings.Replace(string(follow), p.id("/follows/1"), other.id("/follows/1"), 1)
			return []byte(b)
		}()},
		{name: "ObjectElsewhere", fetches: true, want: http.StatusForbidden,
			body: p.activity("Create", "/creates/1", other.event("/events/1", "Forged", 3))},
		{name: "DeleteElsewhere", fetches: true, want: http.StatusForbidden,
			body: p.activity("Delete", "/deletes/1", other.id("/events/1"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				defer tt.setup(t)()
			}
			before := p.fetches.Load()
			if got := p.post(t, env.inbox, tt.body, func(r *http.Request) {
				if tt.change != nil {
					tt.change(r)
				}
			}); got != tt.want {
				t.Errorf("status = %d, want %d", got, tt.want)
			}
			if n := env.jobs(t, ""); n != 0 {
				t.Errorf("%d jobs queued, want none", n)
			}
			if fetched := p.fetches.Load() > before; fetched && !tt.fetches {
				t.Errorf("the key was fetched: it must not be before this check")
			}
			if events := env.remoteEvents(t); len(events) != 0 {
				t.Errorf("%d remote events stored", len(events))
			}
		})
	}
}

func TestInboxFollow(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		p := newInPeer(t, "tiel", 0)
		follow := p.activity("Follow", "/follows/1", ActorID(env.base))
		if got, want := p.post(t, env.inbox, follow), http.StatusAccepted; got != want {
			t.Fatalf("status = %d, want %d", got, want)
		}
		if got, want := env.jobs(t, "inbox"), 1; got != want {
			t.Fatalf("%d inbox jobs, want %d", got, want)
		}
		env.work(t)
		followers, total, err := db.Followers(t.Context(), 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 || followers[0].Actor.IRI != p.actor || followers[0].ActivityIRI != p.id("/follows/1") {
			t.Fatalf("followers = %d %+v", total, followers)
		}
		accept, err := db.ActivityByIRI(t.Context(), env.f.answerIRI("Accept", p.id("/follows/1")))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Type   string
			Actor  string
			To     []string
			Object struct{ ID, Type, Actor, Object string }
		}
		if err := json.Unmarshal(accept.JSON, &m); err != nil {
			t.Fatal(err)
		}
		if m.Type != "Accept" || m.Actor != ActorID(env.base) || m.Object.ID != p.id("/follows/1") || m.Object.Type != "Follow" ||
			m.Object.Object != ActorID(env.base) || len(m.To) != 1 || m.To[0] != p.actor || accept.Public {
			t.Errorf("accept = %s (public %v)", accept.JSON, accept.Public)
		}
		var args []byte
		err = db.SQL().QueryRowContext(t.Context(), `SELECT `+env.jobArgs()+` FROM river_job WHERE kind = 'deliver'`).Scan(&args)
		if err != nil {
			t.Fatal(err)
		}
		var dj DeliverJob
		if err := json.Unmarshal(args, &dj); err != nil {
			t.Fatal(err)
		}
		if got, want := dj, (DeliverJob{ActivityIRI: accept.IRI, Inbox: p.inbox}); got != want {
			t.Errorf("delivery = %+v, want %+v", got, want)
		}

		t.Run("Undo", func(t *testing.T) {
			var embedded map[string]any
			if err := json.Unmarshal(follow, &embedded); err != nil {
				t.Fatal(err)
			}
			delete(embedded, "@context")
			if got, want := p.post(t, env.inbox, p.activity("Undo", "/undos/1", embedded)), http.StatusAccepted; got != want {
				t.Fatalf("status = %d, want %d", got, want)
			}
			env.work(t)
			if _, total, err := db.Followers(t.Context(), 0, 10); err != nil || total != 0 {
				t.Errorf("followers after Undo: %d, %v", total, err)
			}
		})
	})
}

// TestInboxRiver runs the inbox through River itself: a Follow queued by
// the handler is worked, the follower stored and the Accept sent.
func TestInboxRiver(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		p := newInPeer(t, "tiel", 0)
		workers := river.NewWorkers()
		env.f.AddWorkers(workers)
		if err := db.StartJobs(t.Context(), workers, store.JobsConfig{PollInterval: 20 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := db.StopJobs(context.Background()); err != nil {
				t.Error(err)
			}
		})
		if got, want := p.post(t, env.inbox, p.activity("Follow", "/follows/1", ActorID(env.base))), http.StatusAccepted; got != want {
			t.Fatalf("status = %d, want %d", got, want)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, total, err := db.Followers(t.Context(), 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.ActivityByIRI(t.Context(), env.f.answerIRI("Accept", p.id("/follows/1")))
			if total == 1 && err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 10 s: %d followers, Accept: %v", total, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// TestInboxQueues checks which queue the inbox puts an activity in: what
// is applied with what it carries in vestiging.InboxQueue, what may wait
// on another server in the default queue; and that the job carries the
// activity exactly as received.
func TestInboxQueues(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		p := newInPeer(t, "tiel", 0)
		tests := []struct {
			name string
			body []byte
			want string
		}{
			{"CreateEvent", p.activity("Create", "/creates/1", p.event("/events/1", "Voorleesuur", 3)), vestiging.InboxQueue},
			{"UpdateEvent", p.activity("Update", "/updates/1", p.event("/events/1", "Voorleesuur", 3)), vestiging.InboxQueue},
			{"Like", p.activity("Like", "/likes/1", env.base.String()+"/events/1"), vestiging.InboxQueue},
			{"Follow", p.activity("Follow", "/follows/1", ActorID(env.base)), vestiging.InboxQueue},
			{"Announce", p.activity("Announce", "/announces/1", p.id("/events/1")), river.QueueDefault},
			{"CreateByID", p.activity("Create", "/creates/2", p.id("/events/2")), river.QueueDefault},
			{"UpdateActor", p.activity("Update", "/updates/2", map[string]any{"type": "Person", "id": p.actor}), river.QueueDefault},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got, want := p.post(t, env.inbox, tt.body), http.StatusAccepted; got != want {
					t.Fatalf("status = %d, want %d", got, want)
				}
				var queue string
				var args []byte
				err := db.SQL().QueryRowContext(t.Context(), `SELECT queue, `+env.jobArgs()+` FROM river_job
					WHERE kind = 'inbox' ORDER BY id DESC LIMIT 1`).Scan(&queue, &args)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := queue, tt.want; got != want {
					t.Errorf("queue = %q, want %q", got, want)
				}
				var job InboxJob
				if err := json.Unmarshal(args, &job); err != nil {
					t.Fatal(err)
				}
				if got, want := string(job.Body), string(tt.body); got != want {
					t.Errorf("body = %s, want %s", got, want)
				}
			})
		}
	})
}

// TestActivityBody reads both forms a job's activity has: the JSON string
// it is written as, and the object that jobs queued before carry.
func TestActivityBody(t *testing.T) {
	body := `{"type":"Like","id":"https://tiel.example/likes/1"}`
	tests := []struct{ name, args string }{
		{"OKString", `{"actor":"a","body":` + strconv.Quote(body) + `}`},
		{"OKObject", `{"actor":"a","body":` + body + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var job InboxJob
			if err := json.Unmarshal([]byte(tt.args), &job); err != nil {
				t.Fatal(err)
			}
			if got, want := string(job.Body), body; got != want {
				t.Errorf("body = %s, want %s", got, want)
			}
		})
	}
	t.Run("OKWritten", func(t *testing.T) {
		got, err := json.Marshal(InboxJob{Actor: "a", Body: activityBody(body)})
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"actor":"a","body":` + strconv.Quote(body) + `}`; string(got) != want {
			t.Errorf("args = %s, want %s", got, want)
		}
	})
}

// TestInboxGoToSocialDelivery replays a delivery captured from GoToSocial
// through the real handler, its key seeded in the actors table. It was
// signed for lib-a.test: taken by an instance there, refused by any other
// (finding 6 of issue 11: a request signed for another server).
func TestInboxGoToSocialDelivery(t *testing.T) {
	db := storetest.SQLite(t)
	d := readDelivery(t)
	date, err := http.ParseTime(d.Headers["Date"])
	if err != nil {
		t.Fatal(err)
	}
	env := newInEnv(t, db, func() time.Time { return date })
	gts, err := ParseActor(readFixture(t, "gotosocial/actor.json"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := storedActor(gts, date)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertActor(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	replay := func(t *testing.T) int {
		t.Helper()
		req, err := http.NewRequest(d.Method, strings.TrimSuffix(env.inbox, "/inbox")+d.Path, strings.NewReader(d.BodyRaw))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range d.Headers {
			req.Header.Set(k, v)
		}
		req.Host = d.Headers["Host"]
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got, want := replay(t), http.StatusUnauthorized; got != want {
		t.Fatalf("signed for lib-a.test, sent to %s: status = %d, want %d", env.base.Host, got, want)
	}
	if n := env.jobs(t, ""); n != 0 {
		t.Fatalf("%d jobs queued for a request signed for another host", n)
	}
	env.f.cfg.BaseURL = mustURL("http://" + d.Headers["Host"])
	if got, want := replay(t), http.StatusAccepted; got != want {
		t.Fatalf("status = %d, want %d", got, want)
	}
	if got, want := env.jobs(t, "inbox"), 1; got != want {
		t.Errorf("%d inbox jobs, want %d", got, want)
	}
	// A Note from an actor nobody follows: applied without effect.
	if cancelled := env.work(t); len(cancelled) != 0 {
		t.Errorf("cancelled: %v", cancelled)
	}
}

func TestInboxEvents(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		p := newInPeer(t, "tiel", 0)
		env.follow(t, p, vestiging.FollowAccepted)
		deliver := func(t *testing.T, body []byte) {
			t.Helper()
			if got, want := p.post(t, env.inbox, body), http.StatusAccepted; got != want {
				t.Fatalf("status = %d, want %d", got, want)
			}
			if cancelled := env.work(t); len(cancelled) != 0 {
				t.Fatalf("cancelled: %v", cancelled)
			}
		}
		title := func(iri string) string {
			if e := env.remoteEvents(t)[iri]; e != nil {
				return e.Title
			}
			return ""
		}
		ev := p.event("/events/1", "Voorleesuur", 3)
		iri := p.id("/events/1")

		t.Run("Create", func(t *testing.T) {
			deliver(t, p.activity("Create", "/creates/1", ev))
			e := env.remoteEvents(t)[iri]
			if e == nil || e.Title != "Voorleesuur" || e.OriginID == nil || e.Origin == nil || e.Origin.IRI != p.actor {
				t.Fatalf("stored %+v", e)
			}
		})
		t.Run("Update", func(t *testing.T) {
			ev["name"] = "Voorleesuur (nieuwe tijd)"
			deliver(t, p.activity("Update", "/updates/1", ev))
			if got, want := title(iri), "Voorleesuur (nieuwe tijd)"; got != want {
				t.Errorf("title = %q, want %q", got, want)
			}
		})
		t.Run("Duplicate", func(t *testing.T) {
			ev["name"] = "Voorleesuur (laatste)"
			deliver(t, p.activity("Update", "/updates/2", ev))
			ev["name"] = "Voorleesuur (nieuwe tijd)"
			// The first Update again, delivered twice: applied once only.
			deliver(t, p.activity("Update", "/updates/1", ev))
			if got, want := title(iri), "Voorleesuur (laatste)"; got != want {
				t.Errorf("title = %q, want %q", got, want)
			}
		})
		t.Run("Overtaken", func(t *testing.T) {
			// Two edits whose deliveries were retried: the later one comes
			// first and stays.
			ev["name"], ev["updated"] = "Voorleesuur (versie 4)", "2026-11-02T10:04:00Z"
			deliver(t, p.activity("Update", "/updates/4", ev))
			ev["name"], ev["updated"] = "Voorleesuur (versie 3)", "2026-11-02T10:03:00Z"
			deliver(t, p.activity("Update", "/updates/3", ev))
			if got, want := title(iri), "Voorleesuur (versie 4)"; got != want {
				t.Errorf("title = %q, want %q", got, want)
			}
		})
		t.Run("Delete", func(t *testing.T) {
			deliver(t, p.activity("Delete", "/deletes/1", map[string]any{"type": "Tombstone", "id": iri}))
			if got := title(iri); got != "" {
				t.Errorf("the event %q is still there", got)
			}
		})
		t.Run("CreateAfterDelete", func(t *testing.T) {
			deliver(t, p.activity("Create", "/creates/2", ev))
			if got := title(iri); got != "" {
				t.Errorf("a deleted event came back: %q", got)
			}
		})
		t.Run("Republished", func(t *testing.T) {
			// The origin published it again (back from a draft): newer
			// than the Delete, so it is back.
			ev["name"], ev["updated"] = "Voorleesuur (weer)", time.Now().Add(time.Minute).UTC().Format(time.RFC3339Nano)
			deliver(t, p.activity("Create", "/creates/again", ev))
			if got, want := title(iri), "Voorleesuur (weer)"; got != want {
				t.Errorf("title = %q, want %q", got, want)
			}
		})
		t.Run("NotFollowed", func(t *testing.T) {
			q := newInPeer(t, "buren", 1)
			if got, want := q.post(t, env.inbox, q.activity("Create", "/creates/1", q.event("/events/9", "Ongevraagd", 2))), http.StatusAccepted; got != want {
				t.Fatalf("status = %d, want %d", got, want)
			}
			env.work(t)
			if got := title(q.id("/events/9")); got != "" {
				t.Errorf("stored %q from an actor we do not follow", got)
			}
		})
		t.Run("Course", func(t *testing.T) {
			course := p.event("/courses/1", "Cursus digitaal", 5)
			start, _ := time.Parse(time.RFC3339, course["startTime"].(string))
			var subs []any
			for i := range 3 {
				s := start.AddDate(0, 0, 7*i)
				subs = append(subs, map[string]any{"type": "Event", "id": fmt.Sprintf("%s#session-%d", p.id("/courses/1"), i+1),
					"startTime": s.Format(time.RFC3339), "endTime": s.Add(time.Hour).Format(time.RFC3339)})
			}
			course["subEvent"] = subs
			deliver(t, p.activity("Create", "/creates/3", course))
			e := env.remoteEvents(t)[p.id("/courses/1")]
			if e == nil {
				t.Fatal("course not stored")
			}
			full, err := db.Event(t.Context(), e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if full.Kind != vestiging.KindCourse || len(full.Sessions) != 3 {
				t.Errorf("kind %q with %d sessions", full.Kind, len(full.Sessions))
			}
		})
	})
}

func TestInboxFollowAnswers(t *testing.T) {
	db := storetest.SQLite(t)
	env := newInEnv(t, db, nil)
	p := newInPeer(t, "tiel", 0)
	forger := newInPeer(t, "vals", 1)
	fl := env.follow(t, p, vestiging.FollowPending)
	ourFollow := map[string]any{"id": fl.ActivityIRI, "type": "Follow", "actor": ActorID(env.base), "object": p.actor}
	state := func() string {
		got, err := db.FollowingByActor(t.Context(), fl.Actor.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.State
	}
	p.put("/users/tiel/upcoming", map[string]any{"id": p.id("/users/tiel/upcoming"), "type": "OrderedCollection", "totalItems": 0})

	t.Run("Forged", func(t *testing.T) {
		if got, want := forger.post(t, env.inbox, forger.activity("Accept", "/accepts/1", ourFollow)), http.StatusAccepted; got != want {
			t.Fatalf("status = %d, want %d", got, want)
		}
		env.work(t)
		if got, want := state(), vestiging.FollowPending; got != want {
			t.Errorf("state = %q, want %q", got, want)
		}
		if n := env.jobs(t, "backfill"); n != 0 {
			t.Errorf("%d backfill jobs", n)
		}
	})
	t.Run("Reject", func(t *testing.T) {
		if got, want := p.post(t, env.inbox, p.activity("Reject", "/rejects/1", fl.ActivityIRI)), http.StatusAccepted; got != want {
			t.Fatalf("status = %d, want %d", got, want)
		}
		env.work(t)
		if got, want := state(), vestiging.FollowRejected; got != want {
			t.Errorf("state = %q, want %q", got, want)
		}
	})
	t.Run("Accept", func(t *testing.T) {
		if got, want := p.post(t, env.inbox, p.activity("Accept", "/accepts/1", ourFollow)), http.StatusAccepted; got != want {
			t.Fatalf("status = %d, want %d", got, want)
		}
		if got, want := env.jobs(t, "inbox"), 1; got != want {
			t.Fatalf("%d inbox jobs, want %d", got, want)
		}
		env.work(t, "inbox")
		if got, want := state(), vestiging.FollowAccepted; got != want {
			t.Errorf("state = %q, want %q", got, want)
		}
		if got, want := env.jobs(t, "backfill"), 1; got != want {
			t.Errorf("%d backfill jobs, want %d", got, want)
		}
		env.work(t)
	})
}

func TestInboxAnnounce(t *testing.T) {
	db := storetest.SQLite(t)
	env := newInEnv(t, db, nil)
	announcer := newInPeer(t, "tiel", 0)
	author := newInPeer(t, "buren", 1)
	env.follow(t, announcer, vestiging.FollowAccepted)
	real := author.event("/events/1", "Echte titel", 4)
	author.put("/events/1", real)
	forged := author.event("/events/1", "Vervalste titel", 4)
	deliver := func(t *testing.T, body []byte) {
		t.Helper()
		if got, want := announcer.post(t, env.inbox, body), http.StatusAccepted; got != want {
			t.Fatalf("status = %d, want %d", got, want)
		}
		if cancelled := env.work(t); len(cancelled) != 0 {
			t.Fatalf("cancelled: %v", cancelled)
		}
	}

	t.Run("AuthorNotFollowed", func(t *testing.T) {
		// The announcer never becomes the origin: residents' Joins would
		// go to it.
		deliver(t, announcer.activity("Announce", "/announces/1", forged))
		if e := env.remoteEvents(t)[author.id("/events/1")]; e != nil {
			t.Errorf("stored %q as %s's, whose author nobody follows", e.Title, e.Origin.IRI)
		}
	})
	t.Run("OK", func(t *testing.T) {
		env.follow(t, author, vestiging.FollowAccepted)
		before := author.fetches.Load()
		deliver(t, announcer.activity("Announce", "/announces/2", forged))
		if author.fetches.Load() == before {
			t.Error("the announced event was not fetched from its origin")
		}
		e := env.remoteEvents(t)[author.id("/events/1")]
		if e == nil || e.Title != "Echte titel" {
			t.Fatalf("stored %+v, want the origin's copy", e)
		}
		if e.Origin == nil || e.Origin.IRI != author.actor {
			t.Errorf("origin = %+v, want the author", e.Origin)
		}
	})
	t.Run("BlockedOrigin", func(t *testing.T) {
		blocked := newInPeer(t, "geblokkeerd", 2)
		blocked.put("/events/1", blocked.event("/events/1", "Geblokkeerd", 4))
		if err := db.SetDomainRule(t.Context(), &vestiging.DomainRule{Host: iriHost(blocked.actor), Mode: vestiging.DomainBlock}); err != nil {
			t.Fatal(err)
		}
		deliver(t, announcer.activity("Announce", "/announces/3", blocked.id("/events/1")))
		if blocked.fetches.Load() != 0 {
			t.Error("an object on a blocked host was fetched")
		}
		if e := env.remoteEvents(t)[blocked.id("/events/1")]; e != nil {
			t.Errorf("stored %q from a blocked host", e.Title)
		}
	})
}

func TestInboxOtherTypes(t *testing.T) {
	db := storetest.SQLite(t)
	env := newInEnv(t, db, nil)
	p := newInPeer(t, "tiel", 0)

	t.Run("Join", func(t *testing.T) {
		join := p.activity("Join", "/joins/1", env.base.String()+"/events/1")
		if got, want := p.post(t, env.inbox, join), http.StatusAccepted; got != want {
			t.Fatalf("status = %d, want %d", got, want)
		}
		env.work(t)
		reject, err := db.ActivityByIRI(t.Context(), env.f.answerIRI("Reject", p.id("/joins/1")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(reject.JSON), `"type":"Join"`) || reject.Type != "Reject" {
			t.Errorf("reject = %s", reject.JSON)
		}
	})
	t.Run("UpdateActor", func(t *testing.T) {
		p.setActorField("name", "Bibliotheek Tiel (nieuw)")
		forged := map[string]any{"id": p.actor, "type": "Organization", "name": "Vals", "inbox": p.inbox}
		if got, want := p.post(t, env.inbox, p.activity("Update", "/updates/actor", forged)), http.StatusAccepted; got != want {
			t.Fatalf("status = %d, want %d", got, want)
		}
		if cancelled := env.work(t); len(cancelled) != 0 {
			t.Fatalf("cancelled: %v", cancelled)
		}
		a, err := db.ActorByIRI(t.Context(), p.actor)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := a.Name, "Bibliotheek Tiel (nieuw)"; got != want {
			t.Errorf("name = %q, want %q (from the origin, not the body)", got, want)
		}
	})
	t.Run("UnknownType", func(t *testing.T) {
		body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + p.id("/x/1") + `","type":"EmojiReact","actor":"` + p.actor + `"}`)
		if got, want := p.post(t, env.inbox, body), http.StatusAccepted; got != want {
			t.Fatalf("status = %d, want %d", got, want)
		}
		if n := env.jobs(t, "inbox"); n != 0 {
			t.Errorf("%d inbox jobs for an unknown type, want none", n)
		}
	})
	t.Run("Like", func(t *testing.T) {
		if got, want := p.post(t, env.inbox, p.activity("Like", "/likes/1", env.base.String()+"/events/1")), http.StatusAccepted; got != want {
			t.Fatalf("status = %d, want %d", got, want)
		}
		if cancelled := env.work(t); len(cancelled) != 0 {
			t.Errorf("cancelled: %v", cancelled)
		}
	})
}

// TestInboxKeyRotation: a peer that changed its key is verified with the
// new one after a single refetch.
func TestInboxKeyRotation(t *testing.T) {
	db := storetest.SQLite(t)
	clock := storetest.NewClock(time.Now().UTC())
	env := newInEnv(t, db, clock.Now)
	p := newInPeer(t, "tiel", 0)
	like := func(n int) []byte {
		return p.activity("Like", fmt.Sprintf("/likes/%d", n), env.base.String()+"/events/1")
	}
	if got, want := p.post(t, env.inbox, like(1)), http.StatusAccepted; got != want {
		t.Fatalf("status = %d, want %d", got, want)
	}
	p.signer.Key = inKey(t, 3)
	p.setKey(t, inKey(t, 3))
	before := p.fetches.Load()
	// A key fetched a moment ago is not fetched again for a bad signature.
	if got, want := p.post(t, env.inbox, like(2)), http.StatusUnauthorized; got != want {
		t.Errorf("status right after the first fetch = %d, want %d", got, want)
	}
	if got := p.fetches.Load() - before; got != 0 {
		t.Errorf("%d key fetches within keyRefetchAfter, want none", got)
	}
	clock.Add(keyRefetchAfter)
	if got, want := p.post(t, env.inbox, like(3)), http.StatusAccepted; got != want {
		t.Fatalf("status after rotation = %d, want %d", got, want)
	}
	if got, want := p.fetches.Load()-before, int64(1); got != want {
		t.Errorf("%d key fetches, want %d", got, want)
	}
	stored, err := db.ActorByIRI(t.Context(), p.actor)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := ParsePublicKeyPEM(stored.PublicKeyPEM); err != nil || !k.Equal(&inKey(t, 3).PublicKey) {
		t.Errorf("stored key is not the new one (%v)", err)
	}
}

// TestInboxKeyFetches: requests naming one unknown key share its fetch,
// and a key that cannot be fetched is not asked for again at once.
func TestInboxKeyFetches(t *testing.T) {
	db := storetest.SQLite(t)
	env := newInEnv(t, db, nil)

	t.Run("Concurrent", func(t *testing.T) {
		p := newInPeer(t, "tiel", 0)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				if got, want := p.post(t, env.inbox, p.activity("Like", fmt.Sprintf("/likes/%d", i), env.base.String()+"/events/1")), http.StatusAccepted; got != want {
					t.Errorf("status = %d, want %d", got, want)
				}
			})
		}
		wg.Wait()
		if got, want := p.fetches.Load(), int64(1); got != want {
			t.Errorf("%d key fetches for 8 concurrent requests, want %d", got, want)
		}
	})
	t.Run("Failed", func(t *testing.T) {
		p := newInPeer(t, "weg", 1)
		p.mu.Lock()
		delete(p.docs, "/users/weg") // the actor is gone: 404
		p.mu.Unlock()
		for i := range 3 {
			if got, want := p.post(t, env.inbox, p.activity("Like", fmt.Sprintf("/likes/%d", i), env.base.String()+"/events/1")), http.StatusUnauthorized; got != want {
				t.Errorf("status = %d, want %d", got, want)
			}
		}
		if got, want := p.fetches.Load(), int64(1); got != want {
			t.Errorf("%d fetches of a missing key, want %d", got, want)
		}
	})
	t.Run("Gone", func(t *testing.T) {
		// A deleted account's late Leave: 202, so its server stops
		// retrying, and nothing is queued.
		p := newInPeer(t, "opgeheven", 2)
		p.put("/users/opgeheven", http.StatusGone)
		before := env.jobs(t, "")
		if got, want := p.post(t, env.inbox, p.activity("Leave", "/leaves/1", env.base.String()+"/events/1")), http.StatusAccepted; got != want {
			t.Errorf("status = %d, want %d", got, want)
		}
		if got := env.jobs(t, ""); got != before {
			t.Errorf("%d jobs queued, want none", got-before)
		}
	})
}

// TestInboxHostRecovers: a signed request from a host marked failing, and
// unavailable for days, clears its failures.
func TestInboxHostRecovers(t *testing.T) {
	db := storetest.SQLite(t)
	env := newInEnv(t, db, nil)
	p := newInPeer(t, "tiel", 0)
	host := iriHost(p.actor)
	for _, ago := range []time.Duration{vestiging.UnavailableAfter + time.Hour, time.Hour, 0} {
		if _, err := db.RecordDelivery(t.Context(), host, time.Now().Add(-ago), errors.New("connection refused")); err != nil {
			t.Fatal(err)
		}
	}
	if h, err := db.HostByName(t.Context(), host); err != nil || !h.Unavailable() {
		t.Fatalf("host = %+v, %v; want unavailable", h, err)
	}
	if got, want := p.post(t, env.inbox, p.activity("Like", "/likes/1", env.base.String()+"/events/1")), http.StatusAccepted; got != want {
		t.Fatalf("status = %d, want %d", got, want)
	}
	h, err := db.HostByName(t.Context(), host)
	if err != nil {
		t.Fatal(err)
	}
	if h.Failures != 0 || h.Unavailable() {
		t.Errorf("host = %+v, want healthy", h)
	}
}
