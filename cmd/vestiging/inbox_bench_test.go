package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
	"github.com/vestiging/vestiging/store/storetest"
)

// The load BenchmarkInboxLoad puts on an instance: inboxSenders connections
// post at once, from inboxLibraries followed libraries, each with
// inboxResidents Mastodon-like residents on its server. An inbox in the
// network hears from many servers at once (each library sends with 50
// delivery workers); with each connection waiting for its 202, the rate is
// connections divided by the time to a durable job, so with 8 it was that
// time (about 5 ms, four round trips to PostgreSQL) that set the rate, with
// a fifth of the processor idle.
const (
	inboxSenders   = 16
	inboxLibraries = 4
	inboxResidents = 2
	// inboxStanding is how many events each library has before the clock
	// starts, for its Updates to change.
	inboxStanding = 5
)

// inboxMix is one round of the batch, in the proportions of a library's
// inbox in a network of libraries: mostly events from the libraries it
// follows, then residents elsewhere liking and joining its events, and a
// few follows. A batch is whole rounds.
var inboxMix = []string{
	"Create", "Update", "Like", "Create", "Join", "Update", "Create", "Like", "Follow", "Create",
	"Update", "Like", "Join", "Create", "Like", "Update", "Create", "Join", "Like", "Follow",
}

// BenchmarkInboxLoad is the inbox of a whole instance as serve runs it: the
// web router, the store, and River's workers applying what arrives while
// it arrives. Remote libraries and their residents, each with its own key,
// served by its own HTTP server, send a batch of Creates and Updates of
// events (as Vestiging sends them), Likes and Joins of the instance's
// events and Follows, all signed before the clock starts; inboxSenders
// connections post them over loopback HTTP, each request timed until its
// 202. It reports activities/s and the p50 and p99 of a POST, then waits
// for the workers to apply everything (applied/s counts from the first
// POST to the last job done) and checks that every activity was applied
// without an error and every event stored.
//
//	go test -run '^$' -bench 'BenchmarkInboxLoad$' -benchtime 10000x ./cmd/vestiging/
//
// With VESTIGING_TEST_POSTGRES set it runs on PostgreSQL as well.
func BenchmarkInboxLoad(b *testing.B) {
	databases := []struct{ name, url string }{{"sqlite", ""}}
	if pg := os.Getenv(storetest.EnvPostgres); pg != "" {
		databases = append(databases, struct{ name, url string }{"postgres", storetest.CreatePostgresDatabase(b, pg)})
	}
	for _, d := range databases {
		// One instance for every run of the sub-benchmark: b.N=1 first, then the batch.
		bed := newInboxBed(b, d.url)
		b.Run(d.name, bed.run)
		bed.close(b)
	}
}

// inboxBed is the instance under load and the remote actors that send to it.
type inboxBed struct {
	inst      *instance
	actor     string // the instance's library actor
	inbox     string // the shared inbox
	libraries []*inboxActor
	residents []*inboxActor
	events    []string // the instance's own events, to Like and Join
	seq       int      // activities made so far, for unique ids
	creates   int      // events created, standing ones included
	closeOnce sync.Once
}

// inboxActor is a remote actor with its key; its documents are served by
// its library's server.
type inboxActor struct {
	id     string
	base   string // its server
	signer *federation.Signer
}

func newInboxBed(b *testing.B, database string) *inboxBed {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	// As serve runs: the demo library, its events open for sign-up, and
	// serve's workers and poll interval.
	inst, err := startInstance(context.Background(), serveConfig{
		Data: b.TempDir(), Database: database, BaseURL: &url.URL{Scheme: "http", Host: ln.Addr().String()},
		AllowLoopback: true, Demo: true, Logger: slog.New(slog.DiscardHandler),
	}, ln)
	if err != nil {
		ln.Close()
		b.Fatalf("start instance: %v", err)
	}
	bed := &inboxBed{inst: inst, actor: federation.ActorID(mustParse(b, inst.URL)), inbox: inst.URL + "/inbox"}
	b.Cleanup(func() { bed.close(b) })

	ctx := context.Background()
	events, _, err := inst.DB.FindEvents(ctx, vestiging.EventFilter{From: time.Now(), Limit: 100})
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range events {
		if e.RegistrationMode == vestiging.RegistrationOpen && !e.RegistrationClosed && e.Kind == vestiging.KindEvent {
			bed.events = append(bed.events, federation.EventID(mustParse(b, inst.URL), e))
		}
	}
	if len(bed.events) == 0 {
		b.Fatal("the demo library has no events open for sign-up")
	}

	keys := make([]*inboxActor, inboxLibraries*(1+inboxResidents))
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := federation.GenerateKey()
			if err != nil {
				panic(err)
			}
			keys[i] = &inboxActor{signer: &federation.Signer{Key: k}}
		})
	}
	wg.Wait()
	for l := range inboxLibraries {
		docs := map[string][]byte{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost { // the instance's Accepts and answers
				_, _ = io.Copy(io.Discard, r.Body)
				w.WriteHeader(http.StatusAccepted)
				return
			}
			doc, ok := docs[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", federation.ContentTypeActivity)
			_, _ = w.Write(doc)
		}))
		b.Cleanup(srv.Close)
		base := mustParse(b, srv.URL)
		lib := keys[l*(1+inboxResidents)]
		lib.id, lib.base = federation.ActorID(base), srv.URL
		docs["/actor"] = actorDoc(b, lib, "Organization", fmt.Sprintf("agenda%d", l))
		bed.libraries = append(bed.libraries, lib)
		for r := range inboxResidents {
			res := keys[l*(1+inboxResidents)+1+r]
			name := fmt.Sprintf("lezer%d", r)
			res.id, res.base = srv.URL+"/users/"+name, srv.URL
			docs["/users/"+name] = actorDoc(b, res, "Person", name)
			bed.residents = append(bed.residents, res)
		}
	}

	// Before the clock: each actor is known (its key fetched and cached)
	// by a first activity, each library is followed and has its standing
	// events, and the workers are idle again.
	var first [][]byte
	var from []*inboxActor
	for _, a := range append(slices.Clone(bed.libraries), bed.residents...) {
		first = append(first, bed.activity(b, a, "Follow", bed.actor))
		from = append(from, a)
	}
	bed.post(b, bed.sign(b, from, first), 1)
	for _, lib := range bed.libraries {
		a, err := inst.DB.ActorByIRI(ctx, lib.id)
		if err != nil {
			b.Fatal(err)
		}
		if err := inst.DB.SetFollowing(ctx, &vestiging.Following{Actor: a, ActivityIRI: inst.URL + "/activities/follow-" + strconv.FormatInt(a.ID, 10),
			State: vestiging.FollowAccepted}); err != nil {
			b.Fatal(err)
		}
	}
	first, from = nil, nil
	for _, lib := range bed.libraries {
		for i := range inboxStanding {
			first = append(first, bed.activity(b, lib, "Create", i))
			from = append(from, lib)
		}
	}
	bed.post(b, bed.sign(b, from, first), inboxSenders)
	bed.applied(b)
	return bed
}

// run posts a batch of b.N activities (rounded up to whole rounds of inboxMix).
func (bed *inboxBed) run(b *testing.B) {
	n := (b.N + len(inboxMix) - 1) / len(inboxMix) * len(inboxMix)
	bodies := make([][]byte, n)
	from := make([]*inboxActor, n)
	for i := range n {
		typ := inboxMix[i%len(inboxMix)]
		lib := bed.libraries[(i/len(inboxMix))%len(bed.libraries)]
		res := bed.residents[i%len(bed.residents)]
		ev := bed.events[i%len(bed.events)]
		switch typ {
		case "Create":
			from[i], bodies[i] = lib, bed.activity(b, lib, typ, -1)
		case "Update":
			from[i], bodies[i] = lib, bed.activity(b, lib, typ, i%inboxStanding)
		case "Like", "Join":
			from[i], bodies[i] = res, bed.activity(b, res, typ, ev)
		case "Follow":
			from[i], bodies[i] = res, bed.activity(b, res, typ, bed.actor)
		}
	}
	batch := bed.sign(b, from, bodies)

	b.ResetTimer()
	cpu := cpuTime(b)
	start := time.Now()
	took := bed.post(b, batch, inboxSenders)
	elapsed := time.Since(start)
	cpu = cpuTime(b) - cpu
	b.StopTimer()
	bed.applied(b)
	all := time.Since(start)

	slices.Sort(took)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(float64(n)/elapsed.Seconds(), "activities/s")
	b.ReportMetric(ms(took[len(took)/2]), "p50-ms")
	b.ReportMetric(ms(took[len(took)*99/100]), "p99-ms")
	b.ReportMetric(float64(n)/all.Seconds(), "applied/s")
	// What the process spent while the batch was posted (the senders,
	// the inbox and the workers), which a shared machine does not change
	// the way it changes the rates.
	b.ReportMetric(ms(cpu)/float64(n), "cpu-ms/activity")
	b.ReportMetric(0, "ns/op") // the clock ran over the whole batch: activities/s says it

	var stored int
	if err := bed.inst.DB.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE iri IS NOT NULL`).Scan(&stored); err != nil {
		b.Fatal(err)
	}
	if stored != bed.creates {
		b.Errorf("%d remote events stored, want %d", stored, bed.creates)
	}
}

// activity returns a new activity of actor a: a Create or Update of the
// library's event (arg the standing event to update, or -1 for a new one),
// or a Like, Join or Follow of the object arg.
func (bed *inboxBed) activity(b *testing.B, a *inboxActor, typ string, arg any) []byte {
	b.Helper()
	bed.seq++
	id := fmt.Sprintf("%s/activities/%d", a.id, bed.seq)
	var object any = arg
	if typ == "Create" || typ == "Update" {
		n := arg.(int)
		if n < 0 {
			n = inboxStanding + bed.seq
		}
		if typ == "Create" {
			bed.creates++
		}
		object = bed.event(b, a, n, bed.seq)
	}
	act := map[string]any{"@context": federation.Context, "id": id, "type": typ, "actor": a.id, "object": object}
	if typ == "Create" || typ == "Update" {
		act["to"] = []any{federation.Public}
		act["cc"] = []any{a.id + "/followers"}
	}
	body, err := json.Marshal(act)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// event is the library's event number n in version v, as a Vestiging
// library publishes it.
func (bed *inboxBed) event(b *testing.B, lib *inboxActor, n, v int) map[string]any {
	b.Helper()
	start := time.Now().UTC().Truncate(time.Hour).Add(time.Duration(24+n%200) * time.Hour)
	published := time.Now().Add(-24 * time.Hour)
	lat, lon := 51.97, 5.91
	branch := int64(1)
	e := &vestiging.Event{
		ID: int64(n + 1), Kind: vestiging.KindEvent, Title: fmt.Sprintf("Voorleesuurtje %d", n),
		Description: "<p>Voorlezen voor peuters en kleuters, met een knutselwerkje na afloop. Ouders en verzorgers zijn welkom.</p>",
		StartsAt:    start, EndsAt: start.Add(90 * time.Minute), TimeZone: "Europe/Amsterdam",
		BranchID: &branch, Branch: &vestiging.Branch{ID: branch, Name: "Bibliotheek Centrum", Street: "Marktplein 1",
			PostalCode: "6811 AA", City: "Arnhem", Latitude: &lat, Longitude: &lon},
		Audiences: []string{"children"}, Themes: []string{"voorlezen", "jeugd"}, Language: "nl",
		Capacity: 30, RegistrationMode: vestiging.RegistrationOpen, Status: vestiging.StatusPublished,
		PublishedAt: published, UpdatedAt: published.Add(time.Duration(v) * time.Millisecond),
	}
	return federation.EventObject(e, mustParse(b, lib.base))
}

// sign makes each body a request to the shared inbox signed by its actor,
// both cores at once.
func (bed *inboxBed) sign(b *testing.B, from []*inboxActor, bodies [][]byte) []*http.Request {
	b.Helper()
	reqs := make([]*http.Request, len(bodies))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(bodies); i = int(next.Add(1) - 1) {
				req, err := http.NewRequest(http.MethodPost, bed.inbox, bytes.NewReader(bodies[i]))
				if err != nil {
					panic(err)
				}
				req.Header.Set("Content-Type", federation.ContentTypeActivity)
				if err := from[i].signer.Sign(req, bodies[i]); err != nil {
					panic(err)
				}
				reqs[i] = req
			}
		})
	}
	wg.Wait()
	return reqs
}

// post sends the requests over senders connections at once and returns
// how long each took until its answer, which must be 202.
func (bed *inboxBed) post(b *testing.B, reqs []*http.Request, senders int) []time.Duration {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	defer client.CloseIdleConnections()
	took := make([]time.Duration, len(reqs))
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(reqs); i = int(next.Add(1) - 1) {
				t0 := time.Now()
				resp, err := client.Do(reqs[i])
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusAccepted {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				took[i] = time.Since(t0)
				if err != nil {
					failed.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatalf("post: %v", err)
	}
	return took
}

// applied waits until the workers have applied every activity and sent
// every answer, and fails on any job that did not end well.
func (bed *inboxBed) applied(b *testing.B) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		// Counted by state alone, which River's index covers: a scan of
		// the jobs would slow the workers it waits for.
		var waiting, failed int
		err := bed.inst.DB.SQL().QueryRow(`SELECT
			(SELECT COUNT(*) FROM river_job WHERE state IN ('available', 'running')),
			(SELECT COUNT(*) FROM river_job WHERE state IN ('retryable', 'discarded', 'cancelled'))`).Scan(&waiting, &failed)
		if err != nil {
			b.Fatal(err)
		}
		if failed > 0 {
			errors := "errors::text"
			if bed.inst.DB.Dialect() == "sqlite" {
				errors = "json(errors)" // riversqlite keeps JSONB
			}
			var kind, errs string
			_ = bed.inst.DB.SQL().QueryRow(`SELECT kind, `+errors+` FROM river_job
				WHERE state IN ('retryable', 'discarded', 'cancelled')`).Scan(&kind, &errs)
			b.Fatalf("%d jobs failed; a %s job: %s", failed, kind, errs)
		}
		if waiting == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d jobs still waiting", waiting)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (bed *inboxBed) close(b *testing.B) {
	bed.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := bed.inst.Close(ctx); err != nil {
			b.Errorf("close: %v", err)
		}
	})
}

// actorDoc is a's actor document.
func actorDoc(b *testing.B, a *inboxActor, typ, name string) []byte {
	b.Helper()
	a.signer.KeyID = a.id + "#main-key"
	pem, err := federation.EncodePublicKeyPEM(&a.signer.Key.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	doc, err := json.Marshal(map[string]any{
		"@context": []any{federation.ActivityStreamsContext, "https://w3id.org/security/v1"},
		"id":       a.id, "type": typ, "preferredUsername": name, "name": name,
		"inbox": a.id + "/inbox", "outbox": a.id + "/outbox",
		"endpoints": map[string]any{"sharedInbox": a.base + "/inbox"},
		"publicKey": map[string]any{"id": a.signer.KeyID, "owner": a.id, "publicKeyPem": pem},
	})
	if err != nil {
		b.Fatal(err)
	}
	return doc
}

// cpuTime is the CPU time this process has used.
func cpuTime(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func mustParse(b *testing.B, raw string) *url.URL {
	b.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		b.Fatal(err)
	}
	return u
}
