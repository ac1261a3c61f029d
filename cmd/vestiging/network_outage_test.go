package main

// Outages in the network simulation (issue 16): a library down for an hour
// gets everything it missed from the others' retries; a library gone for
// good stops costing the others anything once their circuit breakers open
// and then mark it unavailable. The instances run on one clock the test
// moves, their job queues too, so retries due in an hour are due at once.

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
)

const (
	outageN      = 4 // instances; one of them goes down
	outageRounds = 3 // publishes by each library per measured state
)

// netClock is the network's clock: the wall clock, ahead by as much as the
// test has moved it. It runs, as River needs its clock to.
type netClock struct{ ahead atomic.Int64 }

func (c *netClock) now() time.Time { return time.Now().Add(time.Duration(c.ahead.Load())).UTC() }

func (c *netClock) advance(d time.Duration) { c.ahead.Add(int64(d)) }

// standIn takes a gone library's address: it counts the requests the
// others still make and answers each as a proxy whose server is gone.
type standIn struct {
	srv      *http.Server
	requests atomic.Int64
}

func newStandIn(t *testing.T, host string) *standIn {
	t.Helper()
	ln, err := net.Listen("tcp", host)
	if err != nil {
		t.Fatalf("stand in at %s: %v", host, err)
	}
	s := &standIn{}
	s.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			s.requests.Add(1)
		}
		http.Error(w, "no server behind this address", http.StatusBadGateway)
	})}
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// hostOf is what x knows of the server at host; nil before any delivery.
func (n *node) hostOf(host string) (*vestiging.Host, error) {
	h, err := n.DB.HostByName(context.Background(), host)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return nil, nil
	}
	return h, err
}

// deliveriesTo counts the delivery jobs x queued for the server at host
// after the job numbered after, and returns the last job's number.
func (n *node) deliveriesTo(host string, after int64) (count int, last int64, err error) {
	err = n.DB.SQL().QueryRow(`SELECT COUNT(*) FROM river_job WHERE id > $1 AND kind = $2 AND CAST(args AS TEXT) LIKE $3`,
		after, federation.DeliverJob{}.Kind(), "%//"+host+"/%").Scan(&count)
	if err != nil {
		return 0, 0, err
	}
	err = n.DB.SQL().QueryRow(`SELECT COALESCE(MAX(id), 0) FROM river_job`).Scan(&last)
	return count, last, err
}

// TestNetworkOutage: outageN instances follow each other on a clock the
// test controls. One goes down while the others publish, change and cancel
// events; the clock moves an hour; it comes back on its address with its
// database, and the others' retries bring its agenda up to date. Then one
// goes for good (a stand-in at its address counts what still arrives): the
// others' breakers open, after UnavailableAfter it is unavailable and costs
// nothing but a daily probe, and once it is back a probe brings
// deliveries back. Last an `outage:` line with the figures.
func TestNetworkOutage(t *testing.T) {
	clock := &netClock{}
	nodes := startNetwork(t, outageN, func(c *serveConfig) {
		c.Clock = clock.now
		c.JobsOnClock = true
		// River's leader steps down, with a warning, each time the clock
		// jumps: only errors are worth reading here.
		c.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	})
	// Events from a month on, ten a day from nine o'clock.
	month := clock.now().AddDate(0, 0, 30).In(amsterdam(t))
	published := 0
	startOf := func(k int) time.Time {
		return time.Date(month.Year(), month.Month(), month.Day()+k/10, 9+k%10, 0, 0, 0, month.Location())
	}
	publish := func(x *node) (iri, title string) {
		t.Helper()
		published++
		title = fmt.Sprintf("Voorlezen %d bij %s", published, x.name)
		loc, err := x.post("/staff/events/new", x.eventForm(title, startOf(published)))
		if err != nil {
			t.Fatal(err)
		}
		return x.URL + loc, title
	}
	// publishRound has each of from publish an event and waits until each
	// is in the agendas of all others of to; it returns the times.
	publishRound := func(from, to []*node) []time.Duration {
		t.Helper()
		w := &watch{nodes: to}
		for _, x := range from {
			begun := time.Now()
			iri, title := publish(x)
			w.add(&spread{iri: iri, want: [2]string{title, vestiging.StatusPublished}, begun: begun})
		}
		if err := w.run(networkConverged); err != nil {
			t.Fatal(err)
		}
		return w.times()
	}
	// failedSince reports whether each of xs has seen host fail at or
	// after at.
	failedSince := func(xs []*node, host string, at time.Time) func() error {
		return func() error {
			for _, x := range xs {
				h, err := x.hostOf(host)
				if err != nil {
					return err
				}
				if h == nil || h.LastFailure.Before(at) {
					return fmt.Errorf("%s has not tried %s since %s: %+v", x.name, host, at.Format(time.TimeOnly), h)
				}
			}
			return nil
		}
	}

	// Down for an hour: while it is down each other library publishes two
	// events, changes the first and cancels the second.
	down, others := nodes[outageN-1], nodes[:outageN-1]
	if err := down.stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	downAt := clock.now()
	want := map[string][2]string{}
	for _, x := range others {
		first, title := publish(x)
		second, title2 := publish(x)
		x.submit("/staff/events/"+localID(t, first)+"/edit", x.eventForm(title+" aan de Linge", startOf(published-1)))
		x.submit("/staff/events/"+localID(t, second)+"/cancel", url.Values{"reason": {"De voorlezer is ziek."}})
		want[first] = [2]string{title + " aan de Linge", vestiging.StatusPublished}
		want[second] = [2]string{title2, vestiging.StatusCancelled}
	}
	// The others try it and fail, now and again half an hour on. Then it
	// comes back on its address with its database, and the clock moves
	// another half hour and BreakerMaxOpen: every retry and breaker is due.
	eventually(t, networkConverged, failedSince(others, down.host, downAt))
	clock.advance(30 * time.Minute)
	eventually(t, networkConverged, failedSince(others, down.host, clock.now()))
	down.restart()
	clock.advance(30*time.Minute + vestiging.BreakerMaxOpen)
	backAt := time.Now()
	eventually(t, networkConverged, func() error {
		got, err := down.remoteEvents()
		if err != nil {
			return err
		}
		if !maps.Equal(got, want) {
			return fmt.Errorf("%s's agenda after its outage has %d of the %d events as they are now: %v", down.name, len(got), len(want), got)
		}
		return nil
	})
	caughtUp := time.Since(backAt)
	t.Logf("down for an hour: %d changes (%d events) made meanwhile, all in its agenda %.1fs after the retries were due",
		4*len(others), len(want), caughtUp.Seconds())
	for _, x := range others {
		got, err := x.remoteEvents()
		if err != nil {
			t.Fatal(err)
		}
		for iri, w := range want {
			if !strings.HasPrefix(iri, x.URL+"/") && got[iri] != w {
				t.Errorf("%s's agenda: %s is %v, want %v", x.name, iri, got[iri], w)
			}
		}
	}

	// Gone for good. First how fast a publish reaches all while every
	// library answers.
	gone, live := nodes[0], nodes[1:]
	var healthy []time.Duration
	for range outageRounds {
		healthy = append(healthy, publishRound(live, live)...)
	}
	if err := gone.stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	stand := newStandIn(t, gone.host)
	// queued counts the deliveries to it the others queue from now on,
	// before River forgets finished jobs (a day after).
	queued, counted := 0, make([]int64, len(live))
	for i, x := range live {
		var err error
		if _, counted[i], err = x.deliveriesTo(gone.host, 0); err != nil {
			t.Fatal(err)
		}
	}
	countQueued := func() {
		t.Helper()
		for i, x := range live {
			q, last, err := x.deliveriesTo(gone.host, counted[i])
			if err != nil {
				t.Fatal(err)
			}
			queued, counted[i] = queued+q, last
		}
	}
	// The others publish until each one's breaker for it is open.
	var failing []time.Duration
	breakersOpen := func() error {
		for _, x := range live {
			h, err := x.hostOf(gone.host)
			if err != nil {
				return err
			}
			if h == nil || h.Failures < vestiging.BreakerThreshold {
				return fmt.Errorf("%s's breaker for %s is closed: %+v", x.name, gone.host, h)
			}
		}
		return nil
	}
	for rounds := 0; rounds < outageRounds || breakersOpen() != nil; rounds++ {
		if rounds == 10 {
			t.Fatalf("breakers not open after %d rounds: %v", rounds, breakersOpen())
		}
		failing = append(failing, publishRound(live, live)...)
	}
	countQueued()
	beforeOpen := stand.requests.Load()

	// Breakers open: the clock moves a day at a time until it has failed
	// for UnavailableAfter; at each step each library tries it once (at the
	// clock's own pace, once per BreakerMaxOpen).
	for end := clock.now().Add(vestiging.UnavailableAfter); clock.now().Before(end); {
		clock.advance(24 * time.Hour)
		eventually(t, networkConverged, failedSince(live, gone.host, clock.now()))
	}
	whileOpen := stand.requests.Load() - beforeOpen
	for _, x := range live {
		if h, err := x.hostOf(gone.host); err != nil || h == nil || !h.Unavailable() {
			t.Fatalf("%s: %s after failing for %s: %+v, %v; want unavailable", x.name, gone.host, vestiging.UnavailableAfter, h, err)
		}
	}
	page := live[0].do(live[0].staff, http.MethodGet, "/staff/network", nil)
	if !strings.Contains(page.Body, "Onbereikbaar sinds") {
		t.Errorf("%s's network page does not show %s unreachable", live[0].name, gone.name)
	}

	// Unavailable: publishing costs the others no request to it, for the
	// day until the probe.
	markedAt := stand.requests.Load()
	var unavailable []time.Duration
	for range outageRounds {
		unavailable = append(unavailable, publishRound(live, live)...)
	}
	countQueued()
	clock.advance(vestiging.ProbeEvery / 2)
	unavailable = append(unavailable, publishRound(live, live)...)
	countQueued()
	afterMark := stand.requests.Load() - markedAt
	if afterMark != 0 {
		t.Errorf("%d deliveries attempted to an unavailable library within a day, want none", afterMark)
	}

	// Back: the next delivery after a day is the probe, and it arrives;
	// deliveries resume.
	stand.srv.Close()
	gone.restart()
	clock.advance(vestiging.ProbeEvery / 2)
	resumed := publishRound(live, nodes)
	for _, x := range live {
		if h, err := x.hostOf(gone.host); err != nil || h == nil || h.Unavailable() || h.Failures != 0 {
			t.Errorf("%s: %s after the probe: %+v, %v; want available", x.name, gone.host, h, err)
		}
	}

	p50 := func(ds []time.Duration) float64 { return percentile(ds, 50).Seconds() }
	t.Logf("gone for good: %d deliveries queued to it; requests to it: %d until every breaker was open, %d in %s with breakers open, %d in the day after it was unavailable; without breakers %d deliveries × %d attempts = %d",
		queued, beforeOpen, whileOpen, vestiging.UnavailableAfter, afterMark, queued, federation.DeliveryMaxAttempts, queued*federation.DeliveryMaxAttempts)
	t.Logf("outage: N=%d down-1h caught-up=%.1fs gone: requests breaker-closed=%d breaker-open=%d unavailable=%d publish-to-all p50 healthy=%.2fs failing=%.2fs unavailable=%.2fs resumed=%.2fs",
		outageN, caughtUp.Seconds(), beforeOpen, whileOpen, afterMark, p50(healthy), p50(failing), p50(unavailable), p50(resumed))
}
