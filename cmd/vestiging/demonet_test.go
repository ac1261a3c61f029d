package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

// demoRun is serve --demo started in the test process, as serve starts it.
type demoRun struct {
	t      *testing.T
	inst   *instance
	nw     *demoNetwork
	stdout strings.Builder
}

// startDemo starts serve --demo's instance and its neighbours on addr
// (127.0.0.1:0 picks a free port) with data, the base URL on the port it
// listens on as make run has it.
func startDemo(t *testing.T, data, addr string) *demoRun {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	r := &demoRun{t: t}
	cfg := serveConfig{
		Data: data, BaseURL: &url.URL{Scheme: "http", Host: fmt.Sprintf("localhost:%d", listenPort(ln))},
		Demo: true, Workers: 8, PollInterval: 20 * time.Millisecond, Stdout: &r.stdout,
		Logger:   slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		MediaDir: filepath.Join(data, "media"),
	}
	r.inst, r.nw, err = startServing(context.Background(), cfg, ln)
	if err != nil {
		ln.Close()
		t.Fatalf("start: %v", err)
	}
	if r.nw == nil || len(r.nw.neighbours) != len(demoNeighbours) {
		t.Fatalf("neighbours: got %v, want %d", r.nw, len(demoNeighbours))
	}
	r.nw.report(&r.stdout)
	t.Cleanup(r.stop)
	return r
}

func (r *demoRun) stop() {
	if r.inst == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := r.inst.Close(ctx); err != nil {
		r.t.Errorf("close: %v", err)
	}
	if err := r.nw.Close(ctx); err != nil {
		r.t.Errorf("close the neighbours: %v", err)
	}
	r.inst = nil
}

// get returns the body of a page of url, or an error for another status than 200.
func get(url string) (string, error) {
	res, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: status %d", url, res.StatusCode)
	}
	return string(b), nil
}

// shows checks that the page at url holds each of want.
func shows(url string, want ...string) error {
	body, err := get(url)
	if err != nil {
		return err
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			return fmt.Errorf("%s lacks %q", url, w)
		}
	}
	return nil
}

// networkShown checks, within a bounded wait, that the demo library's
// agenda shows both neighbours' activities with their names and logos, and
// that every library's libraries page lists the other two, all followed
// both ways.
func (r *demoRun) networkShown(t *testing.T) {
	t.Helper()
	var want, logos []string
	for _, n := range r.nw.neighbours {
		want = append(want, "From "+n.lib.name)
		logos = append(logos, `<img class="origin-logo" src="`+n.base.String()+`/media/`)
	}
	eventually(t, e2eWait, func() error {
		if err := shows(r.inst.URL+"/agenda?library=remote&lang=en", append(want, logos...)...); err != nil {
			return err
		}
		return shows(r.inst.URL+"/?lang=en", "From Bibliotheek ") // the network's highlights
	})
	// Each library says who it is, in its own words.
	if err := shows(r.inst.URL+"/libraries", "is de bibliotheek van Zaltbommel", "is er voor Geldermalsen"); err != nil {
		t.Error(err)
	}
	names := map[string]string{r.inst.URL: rivierenland.name}
	for _, n := range r.nw.neighbours {
		names[n.inst.URL] = n.lib.name
	}
	for site := range names {
		var others []string
		for other, name := range names {
			if other != site {
				others = append(others, name)
			}
		}
		eventually(t, e2eWait, func() error {
			body, err := get(site + "/libraries?lang=en")
			if err != nil {
				return err
			}
			if got := strings.Count(body, "This library and ours follow each other."); got != 2 {
				return fmt.Errorf("%s follows and is followed by %d libraries, want 2", names[site], got)
			}
			return shows(site+"/libraries?lang=en", append(others, `<img class="logo" src="http://localhost:`)...)
		})
	}
}

// TestDemoNetwork starts serve --demo as serve does on a free port: the two
// neighbouring libraries start beside it, each with its own database and
// logo, and the three follow each other over ActivityPub. A restart on the
// same data starts cleanly on the same addresses, fills nothing again and
// makes no follow twice.
func TestDemoNetwork(t *testing.T) {
	data := t.TempDir()
	r := startDemo(t, data, "127.0.0.1:0")
	addr := strings.TrimPrefix(r.inst.URL, "http://")
	out := r.stdout.String()
	for _, want := range []string{"Filled the empty database with the demo library Bibliotheek Rivierenland.",
		"Bibliotheek De Waard on http://localhost:", "Bibliotheek Lingeland on http://localhost:",
		"medewerker@bibliotheekdewaard.example / " + demoPassword} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout %q lacks %q", out, want)
		}
	}
	t.Run("OK", r.networkShown)
	events := func(r *demoRun) []int {
		var counts []int
		for _, db := range append([]*instance{r.inst}, r.nw.neighbours[0].inst, r.nw.neighbours[1].inst) {
			_, n, err := db.DB.FindEvents(context.Background(), vestiging.EventFilter{Source: vestiging.SourceLocal, Statuses: allStatuses, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			counts = append(counts, n)
		}
		return counts
	}
	before := events(r)
	neighbours := []string{r.nw.neighbours[0].base.String(), r.nw.neighbours[1].base.String()}
	r.stop()

	t.Run("Restart", func(t *testing.T) {
		r := startDemo(t, data, addr)
		if strings.Contains(r.stdout.String(), "Filled") {
			t.Errorf("filled again: %q", r.stdout.String())
		}
		for i, n := range r.nw.neighbours {
			if got := n.base.String(); got != neighbours[i] {
				t.Errorf("%s: got %s, want %s as before", n.lib.name, got, neighbours[i])
			}
		}
		if got := events(r); fmt.Sprint(got) != fmt.Sprint(before) {
			t.Errorf("events of the three libraries: got %v, want %v as before", got, before)
		}
		r.networkShown(t)
		fs, total, err := r.inst.DB.Followings(context.Background(), 0, vestiging.MaxPageSize)
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || fs[0].State != vestiging.FollowAccepted || fs[1].State != vestiging.FollowAccepted {
			t.Errorf("follows: got %d, want the two neighbours, accepted", total)
		}
	})
}
