package main

// The network simulation (issue 16): N whole instances in this process, each
// on its own loopback listener with its own database, all following each
// other through the real follow flow. Each publishes, changes and cancels
// events through its staff pages; every agenda must converge to the whole
// network's programme. `make network N=150` runs it at scale.

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
	"github.com/vestiging/vestiging/store/storetest"
)

// envNetworkN sets the number of instances; CI runs the default.
const envNetworkN = "VESTIGING_NETWORK_N"

const (
	networkDefaultN  = 5
	networkPostgres  = 2 // instances on PostgreSQL when VESTIGING_TEST_POSTGRES is set
	networkStaff     = "medewerker@bibliotheek.test"
	networkPassword  = "leesplezier"
	networkParallel  = 16               // follows and form posts at once
	networkSingles   = 20               // events published one at a time, each from another library
	networkIdleConns = 16               // idle connections each instance keeps to the others
	networkConverged = 10 * time.Minute // and a little more per pair of instances, see TestNetwork
)

// parallel runs fn for 0…n-1, at most limit at once, and returns the
// first error.
func parallel(n, limit int, fn func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, limit)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// post sends a staff form from any goroutine and returns where success
// redirects to.
func (n *node) post(path string, form url.Values) (string, error) {
	res, err := n.staff.PostForm(n.URL+path, form)
	if err != nil {
		return "", fmt.Errorf("%s: POST %s: %w", n.name, path, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		b, _ := io.ReadAll(res.Body)
		body := string(b)
		if i := strings.Index(body, `role="alert"`); i >= 0 { // the form's error, not the page around it
			body = body[i:]
		}
		return "", fmt.Errorf("%s: POST %s: status %d: %.1500s", n.name, path, res.StatusCode, body)
	}
	return res.Header.Get("Location"), nil
}

// remoteEvents is what the node's agenda holds of other libraries:
// title and status by event IRI.
func (n *node) remoteEvents() (map[string][2]string, error) {
	rows, err := n.DB.SQL().Query(`SELECT iri, title, status FROM events WHERE iri IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := map[string][2]string{}
	for rows.Next() {
		var iri, title, status string
		if err := rows.Scan(&iri, &title, &status); err != nil {
			return nil, err
		}
		got[iri] = [2]string{title, status}
	}
	return got, rows.Err()
}

// dbSize is the size of the node's database in bytes.
func (n *node) dbSize() (int64, error) {
	if n.DB.Dialect() == "postgres" {
		var size int64
		err := n.DB.SQL().QueryRow(`SELECT pg_database_size(current_database())`).Scan(&size)
		return size, err
	}
	var size int64
	err := filepath.WalkDir(n.cfg.Data, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		size += info.Size()
		return err
	})
	return size, err
}

// deliveries counts the node's finished deliveries to other servers.
func (n *node) deliveries() (int, error) {
	var count int
	err := n.DB.SQL().QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = $1 AND state = 'completed'`,
		federation.DeliverJob{}.Kind()).Scan(&count)
	return count, err
}

// deliveriesIdle reports whether the node has finished every delivery it
// queued.
func (n *node) deliveriesIdle() error {
	var pending int
	if err := n.DB.SQL().QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = $1 AND finalized_at IS NULL`,
		federation.DeliverJob{}.Kind()).Scan(&pending); err != nil {
		return err
	}
	if pending > 0 {
		return fmt.Errorf("%s has %d deliveries to finish", n.name, pending)
	}
	return nil
}

// spread is a change the harness makes at one instance and waits for at
// all others: an event's IRI and the title and status it must reach.
type spread struct {
	iri   string
	want  [2]string
	begun time.Time
	seen  map[*node]bool
	took  time.Duration
}

// watch records, for changes added to it while it runs, the time until
// every other instance has each; run returns once all are everywhere.
type watch struct {
	nodes []*node
	mu    sync.Mutex
	all   []*spread
	open  atomic.Bool // changes may still be added
	stop  atomic.Bool // a change failed: give up
}

func (w *watch) add(s *spread) {
	s.seen = map[*node]bool{}
	w.mu.Lock()
	w.all = append(w.all, s)
	w.mu.Unlock()
}

// run polls every agenda in turn until each change is in all of them
// but its own instance's.
func (w *watch) run(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		w.mu.Lock()
		pending := slices.DeleteFunc(slices.Clone(w.all), func(s *spread) bool { return s.took > 0 })
		w.mu.Unlock()
		if len(pending) == 0 && !w.open.Load() || w.stop.Load() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s, %d changes are not in every agenda (the first: %s %v)", timeout, len(pending), pending[0].iri, pending[0].want)
		}
		for _, n := range w.nodes {
			if !slices.ContainsFunc(pending, func(s *spread) bool { return !s.seen[n] && !strings.HasPrefix(s.iri, n.URL+"/") }) {
				continue // it has them all
			}
			got, err := n.remoteEvents()
			if err != nil {
				return err
			}
			now := time.Now()
			for _, s := range pending {
				if !strings.HasPrefix(s.iri, n.URL+"/") && got[s.iri] == s.want {
					s.seen[n] = true
				}
				if s.took == 0 && len(s.seen) == len(w.nodes)-1 {
					s.took = now.Sub(s.begun)
				}
			}
		}
		// A pause between rounds, so that watching takes little of the
		// machine the instances share; it bounds the times' resolution.
		time.Sleep(50 * time.Millisecond)
	}
}

// times is how long each change took to reach every agenda.
func (w *watch) times() []time.Duration {
	var ds []time.Duration
	for _, s := range w.all {
		ds = append(ds, s.took)
	}
	slices.Sort(ds)
	return ds
}

// networkWait bounds the waits for n instances: the follows and the bulk
// phases' deliveries grow with the pairs.
func networkWait(n int) time.Duration {
	return networkConverged + time.Duration(n*(n-1))*50*time.Millisecond
}

// percentile is the p-th percentile (nearest rank) of sorted ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(ds)))) - 1
	return ds[max(i, 0)]
}

// startNetwork starts n instances (networkPostgres of them on PostgreSQL
// when VESTIGING_TEST_POSTGRES is set), each with a staff member signed in;
// every ordered pair follows through the federator, as the staff form
// does, each accepted. It returns once the Accepts are delivered. change
// adjusts each instance's configuration.
func startNetwork(t *testing.T, n int, change func(*serveConfig)) []*node {
	t.Helper()
	raiseFileLimit(t)
	// The follows (and the bulk phases' deliveries) take longer as pairs grow.
	converged := networkWait(n)
	ctx := context.Background()
	pg := os.Getenv(storetest.EnvPostgres)
	if pg == "" {
		t.Logf("%s is not set: every instance runs on SQLite", storetest.EnvPostgres)
	}

	// One password hash for every instance's staff member: hashing is
	// made slow on purpose.
	staff := &vestiging.Person{Email: networkStaff, Role: vestiging.RoleStaff}
	if err := staff.SetPassword(ctx, networkPassword); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	nodes := make([]*node, n)
	if err := parallel(n, runtime.GOMAXPROCS(0)*2, func(i int) error {
		database := ""
		if pg != "" && i < networkPostgres {
			database = storetest.CreatePostgresDatabase(t, pg)
		}
		// Polling as serve does, not as the other tests do. The instances
		// share one process: 8 workers each, not serve's 20, as all their
		// SQLite connections share its allocator's lock; and both ends of
		// every connection are in it, so 150 instances keeping serve's 100
		// idle connections each would pass its 20,000 file descriptors.
		x := startNode(t, fmt.Sprintf("N%03d", i), database, false, func(c *serveConfig) {
			c.PollInterval, c.IdleConns = 0, networkIdleConns
			if change != nil {
				change(c)
			}
		})
		x.rename(fmt.Sprintf("Bibliotheek %03d", i))
		if err := x.DB.CreateBranch(ctx, &vestiging.Branch{Name: fmt.Sprintf("Vestiging %03d", i), City: "Tiel"}); err != nil {
			return err
		}
		if err := x.DB.CreatePerson(ctx, &vestiging.Person{Email: staff.Email, Role: staff.Role, PasswordHash: staff.PasswordHash}); err != nil {
			return err
		}
		x.staff = x.signIn(networkStaff, networkPassword)
		// Everyone at once puts N instances' work on this machine's cores:
		// a staff form may then wait longer than a browser test allows.
		// The phases report how long the forms took.
		x.staff.Timeout = converged
		nodes[i] = x
		return nil
	}); err != nil || t.Failed() {
		t.Fatalf("starting the instances: %v", err)
	}
	t.Logf("%d instances started in %s", n, time.Since(began).Round(time.Millisecond))

	// Follows: every ordered pair, through the federator as the staff form
	// does, each accepted by the other side.
	began = time.Now()
	var retried atomic.Int32
	// Round r asks each library to follow the one r+1 places on, so that
	// the follows at once come from different libraries, as they would, and
	// not all from one database.
	if err := parallel(n*(n-1), networkParallel, func(k int) error {
		from, to := nodes[k%n], nodes[(k%n+1+k/n)%n]
		// Staff told "try again shortly" try again, a few times.
		for attempt := 1; ; attempt++ {
			_, err := from.Fed.Follow(ctx, to.actorID())
			if err == nil {
				return nil
			}
			if vestiging.ErrorCode(err) != vestiging.EUNAVAILABLE || attempt == 3 {
				return fmt.Errorf("%s follows %s (attempt %d): %w", from.name, to.name, attempt, err)
			}
			retried.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	for _, x := range nodes {
		eventually(t, converged, func() error {
			var accepted int
			if err := x.DB.SQL().QueryRow(`SELECT COUNT(*) FROM following WHERE state = $1`, vestiging.FollowAccepted).Scan(&accepted); err != nil {
				return err
			}
			if accepted != n-1 {
				return fmt.Errorf("%s: %d of %d follows accepted", x.name, accepted, n-1)
			}
			return nil
		})
	}
	t.Logf("%d follows accepted in %s; %d asked again after \"try again shortly\"", n*(n-1), time.Since(began).Round(time.Millisecond), retried.Load())

	// The Accepts' deliveries finish after the follows they accept.
	for _, x := range nodes {
		eventually(t, converged, x.deliveriesIdle)
	}
	return nodes
}

// raiseFileLimit lets this process open as many files as the system lets
// one process: N instances in it each hold connections to all the others,
// and at N = 150 the 20,000 this machine gives a process ran out in the
// bulk phases. Separate processes, as in a real network, each have their
// own limit. Raising the hard limit needs root; without it the soft limit
// goes up to the hard one.
func raiseFileLimit(t *testing.T) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if raised := (syscall.Rlimit{Cur: 1 << 20, Max: 1 << 20}); lim.Max < raised.Max && syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
		return
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
}

// TestNetwork: N instances (VESTIGING_NETWORK_N, default 5; two of them on
// PostgreSQL when VESTIGING_TEST_POSTGRES is set) follow each other, each
// accepting. Up to 20 of them publish an event one after the other, each
// once the last is in every agenda: the time from such a publish until all
// N−1 agendas have it is the network's publish-to-all time. Then, in bulk,
// each publishes two events at once, changes the first and cancels the
// second through its staff pages, and every agenda ends with the other
// libraries' events as they are. It reports both times, deliveries per
// second in bulk, Go heap and database size per instance, and last a
// `network:` line.
func TestNetwork(t *testing.T) {
	n := networkDefaultN
	if s := os.Getenv(envNetworkN); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 2 {
			t.Fatalf("%s=%q: want a number of instances, at least 2", envNetworkN, s)
		}
	}
	ctx := context.Background()
	nodes := startNetwork(t, n, nil)
	converged := networkWait(n)
	month := time.Now().AddDate(0, 0, 30).In(amsterdam(t))
	// Instance i's events are on day i from a month from now: its one
	// published alone at eight, the bulk ones at ten and at noon.
	startOf := func(i, j int) time.Time {
		return time.Date(month.Year(), month.Month(), month.Day()+i, 10+2*j, 0, 0, 0, month.Location())
	}
	title := func(i, j int) string { return fmt.Sprintf("Vertelmiddag %d van bibliotheek %03d", j+1, i) }
	alone := func(i int) string { return fmt.Sprintf("Leesclub van bibliotheek %03d", i) }

	// One event at a time, from libraries spread over the network: what a
	// library publishing sees, with the rest of the network quiet.
	singles := map[int]string{} // instance → its event's IRI
	var single []time.Duration
	for k := range min(n, networkSingles) {
		i := k * n / min(n, networkSingles)
		x := nodes[i]
		w := &watch{nodes: nodes}
		begun := time.Now()
		loc, err := x.post("/staff/events/new", x.eventForm(alone(i), startOf(i, -1)))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(loc, "/events/") {
			t.Fatalf("%s: new event: redirected to %q", x.name, loc)
		}
		singles[i] = x.URL + loc
		w.add(&spread{iri: x.URL + loc, want: [2]string{alone(i), vestiging.StatusPublished}, begun: begun})
		if err := w.run(converged); err != nil {
			t.Fatalf("single publish: %v", err)
		}
		single = append(single, w.times()...)
	}
	slices.Sort(single)
	t.Logf("single publish: %d events, one at a time from different libraries, each in all %d other agendas after p50 %.2fs, p99 %.2fs, max %.2fs",
		len(single), n-1, percentile(single, 50).Seconds(), percentile(single, 99).Seconds(), single[len(single)-1].Seconds())
	for _, x := range nodes {
		eventually(t, converged, x.deliveriesIdle)
	}

	delivered := func() int {
		t.Helper()
		total := 0
		for _, x := range nodes {
			d, err := x.deliveries()
			if err != nil {
				t.Fatal(err)
			}
			total += d
		}
		return total
	}
	deliveredBefore, phasesBegan := delivered(), time.Now()

	// phase makes one change at each instance, or a few, all at once, and
	// waits until each is in every other agenda.
	iris := make([][2]string, n) // each instance's two bulk events
	phase := func(name string, perNode int, change func(x *node, i, j int) (*spread, error)) []time.Duration {
		t.Helper()
		w := &watch{nodes: nodes}
		w.open.Store(true)
		done := make(chan error, 1)
		go func() { done <- w.run(converged) }()
		var mu sync.Mutex
		var forms []time.Duration // how long each staff form took to answer
		if err := parallel(n*perNode, networkParallel, func(k int) error {
			begun := time.Now()
			s, err := change(nodes[k/perNode], k/perNode, k%perNode)
			if err != nil {
				return err
			}
			mu.Lock()
			forms = append(forms, time.Since(begun))
			mu.Unlock()
			s.begun = begun
			w.add(s)
			return nil
		}); err != nil {
			w.stop.Store(true)
			<-done
			t.Fatalf("%s: %v", name, err)
		}
		w.open.Store(false)
		if err := <-done; err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ds := w.times()
		slices.Sort(forms)
		t.Logf("%s: %d changes, each in all %d other agendas after p50 %.2fs, p99 %.2fs, max %.2fs; the staff form answered after p50 %.2fs, p99 %.2fs", name, len(ds), n-1,
			percentile(ds, 50).Seconds(), percentile(ds, 99).Seconds(), ds[len(ds)-1].Seconds(), percentile(forms, 50).Seconds(), percentile(forms, 99).Seconds())
		return ds
	}
	published := phase("bulk publish", 2, func(x *node, i, j int) (*spread, error) {
		loc, err := x.post("/staff/events/new", x.eventForm(title(i, j), startOf(i, j)))
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(loc, "/events/") {
			return nil, fmt.Errorf("%s: new event: redirected to %q", x.name, loc)
		}
		iris[i][j] = x.URL + loc
		return &spread{iri: x.URL + loc, want: [2]string{title(i, j), vestiging.StatusPublished}}, nil
	})
	phase("bulk change", 1, func(x *node, i, _ int) (*spread, error) {
		iri, newTitle := iris[i][0], title(i, 0)+" en de Maas"
		if _, err := x.post("/staff/events/"+localID(t, iri)+"/edit", x.eventForm(newTitle, startOf(i, 0))); err != nil {
			return nil, err
		}
		return &spread{iri: iri, want: [2]string{newTitle, vestiging.StatusPublished}}, nil
	})
	phase("bulk cancel", 1, func(x *node, i, _ int) (*spread, error) {
		iri := iris[i][1]
		if _, err := x.post("/staff/events/"+localID(t, iri)+"/cancel", url.Values{"reason": {"De verteller is ziek."}}); err != nil {
			return nil, err
		}
		return &spread{iri: iri, want: [2]string{title(i, 1), vestiging.StatusCancelled}}, nil
	})
	phasesTook := time.Since(phasesBegan)
	// Deliveries still finishing (their receivers already have them) are
	// counted once done.
	for _, x := range nodes {
		eventually(t, e2eWait, x.deliveriesIdle)
	}
	deliveries := delivered() - deliveredBefore
	// Besides a Create, an Update and a cancelling Update of each event,
	// the library's actor is sent again when its programme changes.
	if least := 4 * n * (n - 1); deliveries < least {
		t.Errorf("%d deliveries, want at least %d: each publish, change and cancel to each other library", deliveries, least)
	}

	// The whole programme: every agenda has every other library's two
	// events, exactly as they are now, and nothing else.
	for i, x := range nodes {
		got, err := x.remoteEvents()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][2]string{}
		for k := range nodes {
			if k != i {
				want[iris[k][0]] = [2]string{title(k, 0) + " en de Maas", vestiging.StatusPublished}
				want[iris[k][1]] = [2]string{title(k, 1), vestiging.StatusCancelled}
				if iri, ok := singles[k]; ok {
					want[iri] = [2]string{alone(k), vestiging.StatusPublished}
				}
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s's agenda holds %d events of other libraries, want %d", x.name, len(got), len(want))
		}
		for iri, w := range want {
			if got[iri] != w {
				t.Errorf("%s's agenda: %s is %v, want %v", x.name, iri, got[iri], w)
			}
		}
	}
	// And the agenda page shows them: the last library's changed event in
	// the first's agenda.
	last, err := nodes[0].DB.ActorByIRI(ctx, nodes[n-1].actorID())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nodes[0].agendaCard(last.ID, startOf(n-1, 0), title(n-1, 0)+" en de Maas"); err != nil {
		t.Error(err)
	}

	runtime.GC()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	var size int64
	for _, x := range nodes {
		s, err := x.dbSize()
		if err != nil {
			t.Fatal(err)
		}
		size += s
	}
	perSecond := float64(deliveries) / phasesTook.Seconds()
	t.Logf("bulk: %d deliveries in %s: %.0f/s; Go heap after GC %.1f MiB in all (the instances share one process), database %.0f KiB per instance on average",
		deliveries, phasesTook.Round(time.Millisecond), perSecond, float64(mem.HeapAlloc)/(1<<20), float64(size)/1024/float64(n))
	t.Logf("network: N=%d publish-to-all p50=%.2fs p99=%.2fs bulk-publish p50=%.2fs p99=%.2fs bulk-deliveries/s=%.0f mem/instance=%.1fMiB db/instance=%.0fKiB",
		n, percentile(single, 50).Seconds(), percentile(single, 99).Seconds(),
		percentile(published, 50).Seconds(), percentile(published, 99).Seconds(), perSecond,
		float64(mem.HeapAlloc)/(1<<20)/float64(n), float64(size)/1024/float64(n))
}
