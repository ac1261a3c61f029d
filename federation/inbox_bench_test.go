package federation

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// BenchmarkInbox is one delivery end to end over loopback HTTP: a signed
// POST of a Create{Event} is verified (key cached), parsed, authorised and
// durably queued as an InboxJob, then answered 202. The sender's signature
// is made once and replayed, so only the receiving side is measured. It
// reports activities/s and the p99 latency of a request. A reply (a
// Create{Note}) is counted against its actor's limit as well; the limit
// is raised out of the way here, so its cost is measured, not its refusals.
// BenchmarkInboxLoad in cmd/vestiging measures a whole instance instead,
// with a mix of activities and the workers applying them.
func BenchmarkInbox(b *testing.B) {
	for _, backend := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		for _, kind := range []string{"event", "reply"} {
			b.Run(backend.name+"/"+kind, func(b *testing.B) {
				benchmarkInbox(b, backend.open(b), kind)
			})
		}
	}
}

func benchmarkInbox(b *testing.B, db *store.DB, kind string) {
	env := newInEnv(b, db, nil)
	p := newInPeer(b, "tiel", 0)
	body := p.activity("Create", "/creates/1", p.event("/events/1", "Voorleesuur", 3))
	if kind == "reply" {
		env.f.cfg.PostLimit = 1 << 30
		body = p.activity("Create", "/statuses/1/activity", p.note("/statuses/1", env.base.String()+"/events/1", "<p>Hoi</p>"))
	}
	signed, err := http.NewRequest(http.MethodPost, env.inbox, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	signed.Header.Set("Content-Type", ContentTypeActivity)
	if err := p.signer.Sign(signed, body); err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	post := func() {
		req, err := http.NewRequest(http.MethodPost, env.inbox, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header = signed.Header.Clone()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("status = %d", resp.StatusCode)
		}
	}
	post() // fetch and cache the key first

	var mu sync.Mutex
	var all []time.Duration
	b.ReportAllocs()
	// Peers deliver over several connections at once (4 on 2 cores).
	b.SetParallelism(2)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			post()
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		all = append(all, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "activities/s")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
}
