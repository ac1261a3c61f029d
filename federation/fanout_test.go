package federation

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// fediverse is many remote servers, each on an address of its own
// (127.1.x.y: Linux routes all of 127/8 to lo) with a port of its own, so
// each is a distinct host to the client, its connection limits and the
// host health; one http.Server serves them all. Every POST's signature is
// verified (Date, Digest, the signed Host) before it counts.
type fediverse struct {
	hosts []string // host:port of server i
	key   KeyFunc
	delay time.Duration // how long a server takes to answer a POST it counted

	mu    sync.Mutex
	posts map[string][]string // inbox URL → ids of the activities it received
	n     atomic.Int64        // POSTs received with a valid signature
	bad   atomic.Int64        // POSTs refused
	last  atomic.Value        // the last refusal's error, for the failure message
}

// startFediverse starts n servers whose inboxes accept POSTs signed with
// a key that key knows.
func startFediverse(tb testing.TB, n int, key KeyFunc) *fediverse {
	tb.Helper()
	fv := &fediverse{key: key, posts: map[string][]string{}}
	srv := &http.Server{Handler: fv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(slog.DiscardHandler, 0)}
	for i := range n {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.1.%d.%d:0", i/250, i%250+1))
		if err != nil {
			tb.Fatalf("listen for server %d: %v", i, err)
		}
		fv.hosts = append(fv.hosts, ln.Addr().String())
		go func() { _ = srv.Serve(ln) }()
	}
	tb.Cleanup(func() { _ = srv.Close() })
	return fv
}

func (fv *fediverse) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodySize))
	if err == nil && r.Method != http.MethodPost {
		err = fmt.Errorf("%s %s", r.Method, r.URL)
	}
	if err == nil {
		_, err = Verify(r, body, time.Now(), fv.key)
	}
	var act struct {
		ID string `json:"id"`
	}
	if err == nil {
		err = json.Unmarshal(body, &act)
	}
	if err != nil {
		fv.bad.Add(1)
		fv.last.Store(err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	inbox := "http://" + r.Host + r.URL.Path
	fv.mu.Lock()
	fv.posts[inbox] = append(fv.posts[inbox], act.ID)
	fv.mu.Unlock()
	fv.n.Add(1)
	time.Sleep(fv.delay)
	w.WriteHeader(http.StatusAccepted)
}

// url is the URL of path on server i.
func (fv *fediverse) url(i int, path string) string { return "http://" + fv.hosts[i] + path }

// received returns the ids received by each inbox.
func (fv *fediverse) received() map[string][]string {
	fv.mu.Lock()
	defer fv.mu.Unlock()
	out := make(map[string][]string, len(fv.posts))
	for k, v := range fv.posts {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// wait waits until n POSTs have been received in all, failing after
// timeout or at the first refused one.
func (fv *fediverse) wait(tb testing.TB, n int64, timeout time.Duration) {
	tb.Helper()
	for deadline := time.Now().Add(timeout); fv.n.Load() < n; time.Sleep(5 * time.Millisecond) {
		if fv.bad.Load() > 0 {
			tb.Fatalf("%d POSTs refused; last: %v", fv.bad.Load(), fv.last.Load())
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d of %d POSTs received after %s", fv.n.Load(), n, timeout)
		}
	}
}

// national is who follows a library in the national case: libraries,
// each on a server of its own with a shared inbox as Vestiging has, and
// Mastodon-like persons on servers: every server has one, the rest go to
// the servers Zipf-distributed (a few large servers, a long tail), and
// personalOnly in ten of the tail's servers, like GoToSocial's, have no
// shared inbox. Libraries are servers persons … persons+libraries-1 of fv.
type national struct {
	libraries, persons, servers int
}

// nationalCase is issue 16's: 149 libraries and 10,000 Mastodon followers
// on 2,000 servers.
var nationalCase = national{libraries: 149, persons: 10_000, servers: 2_000}

// personalOnly reports whether server i has no shared inbox: 10 % of the
// servers, all in the tail.
func (n national) personalOnly(i int) bool { return i >= n.servers/2 && i%5 == 4 }

// actors returns the followers, and the inboxes that must each receive a
// published activity once: the shared ones, and every follower's own on
// a server without one.
func (n national) actors(fv *fediverse) (actors []*vestiging.Actor, inboxes map[string]bool) {
	inboxes = map[string]bool{}
	zipf := rand.NewZipf(rand.New(rand.NewPCG(16, 5)), 1.1, 1, uint64(n.servers-1))
	for j := range n.persons {
		s := j
		if j >= n.servers {
			s = int(zipf.Uint64())
		}
		iri := fv.url(s, "/users/u"+strconv.Itoa(j))
		a := &vestiging.Actor{IRI: iri, Type: "Person", Username: "u" + strconv.Itoa(j), Host: fv.hosts[s], Inbox: iri + "/inbox"}
		if n.personalOnly(s) {
			inboxes[a.Inbox] = true
		} else {
			a.SharedInbox = fv.url(s, "/inbox")
			inboxes[a.SharedInbox] = true
		}
		actors = append(actors, a)
	}
	for l := range n.libraries {
		s := n.servers + l
		a := &vestiging.Actor{IRI: fv.url(s, "/actor"), Type: "Organization", Username: "agenda", Host: fv.hosts[s],
			Inbox: fv.url(s, "/actor/inbox"), SharedInbox: fv.url(s, "/inbox")}
		inboxes[a.SharedInbox] = true
		actors = append(actors, a)
	}
	return actors, inboxes
}

// setUp starts the receiving servers and seeds the followers into db.
// The profile Updates that setting up the instance queued are dropped:
// they would go to followers seeded after them, and only the fan-out under
// test is to be counted.
func (n national) setUp(tb testing.TB, db *store.DB, key KeyFunc) (*fediverse, map[string]bool) {
	tb.Helper()
	if _, err := db.SQL().ExecContext(context.Background(), `DELETE FROM river_job WHERE kind = $1`, vestiging.ActorUpdateJob{}.Kind()); err != nil {
		tb.Fatal(err)
	}
	fv := startFediverse(tb, n.servers+n.libraries, key)
	actors, inboxes := n.actors(fv)
	storetest.SeedActorFollowers(tb, db, actors)
	return fv, inboxes
}

// publishEvent creates a published event, which queues its Create.
func publishEvent(tb testing.TB, db *store.DB, title string) {
	tb.Helper()
	ctx := context.Background()
	branches, err := db.Branches(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now().Add(7 * 24 * time.Hour).Truncate(time.Hour)
	e := &vestiging.Event{Title: title, Status: vestiging.StatusPublished, StartsAt: start, EndsAt: start.Add(time.Hour),
		BranchID: &branches[0].ID}
	if err := db.CreateEvent(ctx, e); err != nil {
		tb.Fatal(err)
	}
}

// TestFanOut publishes an event to libraries and Mastodon-like followers
// on servers with and without a shared inbox, over real HTTP: each shared
// inbox receives the Create once, however many followers it serves, each
// follower on a server without one receives it in their own inbox, and
// nothing else is sent.
func TestFanOut(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		in := startInstance(t, db, nil)
		n := national{libraries: 3, persons: 120, servers: 20}
		fv, inboxes := n.setUp(t, db, in.publicKeyOf)
		if got, want := len(inboxes), 3+18+len(personalInboxes(inboxes)); got != want || len(personalInboxes(inboxes)) < 2 {
			t.Fatalf("the case has %d inboxes, %d personal; want %d, more than one personal", got, len(personalInboxes(inboxes)), want)
		}
		in.runJobs(t, 0)
		publishEvent(t, db, "Lezing over de Waal")
		fv.wait(t, int64(len(inboxes)), time.Minute)

		acts := outbox(t, db)
		if len(acts) != 1 || acts[0]["type"] != "Create" {
			t.Fatalf("outbox: %v, want one Create", acts)
		}
		id := acts[0]["id"].(string)
		got := fv.received()
		for inbox := range inboxes {
			if ids := got[inbox]; len(ids) != 1 || ids[0] != id {
				t.Errorf("%s received %v, want [%s] once", inbox, ids, id)
			}
		}
		for inbox := range got {
			if !inboxes[inbox] {
				t.Errorf("%s received %v; it is no follower's delivery inbox", inbox, got[inbox])
			}
		}
		servers := map[string]bool{}
		for inbox := range got {
			servers[iriHost(inbox)] = true
		}
		if got, want := len(servers), n.servers+n.libraries; got != want {
			t.Errorf("%d servers received it, want %d", got, want)
		}
	})
}

// personalInboxes returns the inboxes that are a person's own.
func personalInboxes(inboxes map[string]bool) []string {
	var out []string
	for in := range inboxes {
		if strings.Contains(in, "/users/") {
			out = append(out, in)
		}
	}
	return out
}

// BenchmarkFanOut is issue 16's national case: one event published to
// 149 libraries and 10,000 Mastodon-like followers on 2,000 servers (10 %
// without a shared inbox), every server on a loopback address of its own
// and every POST's signature verified: store change → publish job → one
// deliver job per distinct inbox → all worked by River over HTTP. It
// reports the wall time from the change to the last server's receipt,
// the POSTs and deliveries per second, the CPU time and the process's
// peak heap in use and resident memory (receivers included) while it
// runs, on SQLite and, when VESTIGING_TEST_POSTGRES is set, PostgreSQL.
// With -args -fanout.latency=100ms the servers answer as slowly as
// servers across the internet do.
func BenchmarkFanOut(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkFanOut(b, storetest.SQLite(b), nationalCase) })
	if os.Getenv(storetest.EnvPostgres) != "" {
		b.Run("postgres", func(b *testing.B) { benchmarkFanOut(b, storetest.Postgres(b), nationalCase) })
	}
}

// fanOutLatency is how long BenchmarkFanOut's servers take to answer,
// as real ones across the internet do: the round trip and their own work.
// Loopback answers at once, which shows the sender's own cost.
var fanOutLatency = flag.Duration("fanout.latency", 0, "BenchmarkFanOut: how long each server takes to answer a POST")

func benchmarkFanOut(b *testing.B, db *store.DB, n national) {
	in := startInstance(b, db, nil)
	fv, inboxes := n.setUp(b, db, in.publicKeyOf)
	fv.delay = *fanOutLatency
	in.runJobs(b, 0)
	peak := sampleMemory()
	cpu := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		want := fv.n.Load() + int64(len(inboxes))
		publishEvent(b, db, fmt.Sprintf("Lezing %d", i))
		fv.wait(b, want, 5*time.Minute)
	}
	b.StopTimer()
	heap, rss := peak()
	secs := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(secs, "s/fanout")
	// On a shared machine the wall time depends on the others' load; the
	// CPU time this process spent (receivers included) much less.
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/fanout")
	b.ReportMetric(float64(len(inboxes)), "POSTs/fanout")
	b.ReportMetric(float64(len(inboxes))/secs, "deliveries/s")
	b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MiB")
}

// sampleMemory samples the heap in use and the resident set every 20 ms
// until the returned function is called, which returns their peaks.
func sampleMemory() (peaks func() (heap, rss uint64)) {
	var heap, rss uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			heap, rss = max(heap, m.HeapInuse), max(rss, residentSet())
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() (uint64, uint64) {
		close(stop)
		<-done
		return heap, rss
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// residentSet is the process's resident memory in bytes (Linux's
// /proc/self/status VmRSS), or 0 where that cannot be read.
func residentSet() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
