package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vestiging/vestiging"
)

// acceptedFollowings waits until n follows exactly the actors of want,
// all accepted.
func (n *node) acceptedFollowings(t *testing.T, want ...string) {
	t.Helper()
	slices.Sort(want)
	eventually(t, e2eWait, func() error {
		fs, _, err := n.DB.Followings(context.Background(), 0, vestiging.MaxPageSize)
		if err != nil {
			return err
		}
		var got []string
		for _, f := range fs {
			if f.State != vestiging.FollowAccepted {
				return fmt.Errorf("%s follows %s: %s", n.name, f.Actor.IRI, f.State)
			}
			got = append(got, f.Actor.IRI)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			return fmt.Errorf("%s follows %v, want %v", n.name, got, want)
		}
		return nil
	})
}

// TestJoinNetwork: A follows B; B follows C and D, C follows B. Staff of A
// press "follow every library in the network" and A follows C and D, who
// accept; B is not asked again, and what else B lists (an address the
// client refuses, an organisation that is no Vestiging library) is
// skipped.
func TestJoinNetwork(t *testing.T) {
	ctx := context.Background()
	a := startNode(t, "A", "", true, nil)
	b := startNode(t, "B", "", true, nil)
	c := startNode(t, "C", "", true, nil)
	d := startNode(t, "D", "", true, nil)
	for _, n := range []*node{a, b, c, d} {
		n.rename("Bibliotheek " + n.name)
	}

	// An organisation on Mobilizon, say: an actor, but without the
	// libraries collection of a Vestiging library.
	var otherGets, otherPosts atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			otherPosts.Add(1)
			w.WriteHeader(http.StatusAccepted)
			return
		}
		otherGets.Add(1)
		host := "http://" + r.Host
		w.Header().Set("Content-Type", "application/activity+json")
		fmt.Fprintf(w, `{"@context":"https://www.w3.org/ns/activitystreams","id":%q,"type":"Organization","preferredUsername":"club",
			"inbox":%q,"publicKey":{"id":%q,"owner":%q,"publicKeyPem":"x"}}`, host+"/actor", host+"/inbox", host+"/actor#key", host+"/actor")
	}))
	t.Cleanup(other.Close)
	for _, iri := range []string{other.URL + "/actor", "http://192.0.2.1/actor"} {
		host := strings.TrimPrefix(strings.TrimSuffix(iri, "/actor"), "http://")
		x := &vestiging.Actor{IRI: iri, Type: "Organization", Host: host, Inbox: "http://" + host + "/inbox"}
		if err := b.DB.UpsertActor(ctx, x); err != nil {
			t.Fatal(err)
		}
		if err := b.DB.SetFollowing(ctx, &vestiging.Following{Actor: x, ActivityIRI: b.URL + "/activities/" + host, State: vestiging.FollowAccepted}); err != nil {
			t.Fatal(err)
		}
	}
	for _, to := range []*node{c, d} {
		if _, err := b.Fed.Follow(ctx, to.actorID()); err != nil {
			t.Fatalf("B follows %s: %v", to.name, err)
		}
	}
	if _, err := c.Fed.Follow(ctx, b.actorID()); err != nil {
		t.Fatalf("C follows B: %v", err)
	}
	eventually(t, e2eWait, func() error {
		fs, _, err := b.DB.Followings(ctx, 0, 10)
		if err != nil {
			return err
		}
		accepted := 0
		for _, f := range fs {
			if f.State == vestiging.FollowAccepted {
				accepted++
			}
		}
		if accepted != 4 {
			return fmt.Errorf("B has %d accepted follows, want 4", accepted)
		}
		return nil
	})
	c.acceptedFollowings(t, b.actorID())

	res := a.do(a.staff, http.MethodGet, "/staff/network", nil)
	if strings.Contains(res.Body, "/staff/network/follow-all") {
		t.Error("the network page offers to follow the network before any library is followed")
	}
	if _, err := a.Fed.Follow(ctx, b.actorID()); err != nil {
		t.Fatalf("A follows B: %v", err)
	}
	a.acceptedFollowings(t, b.actorID())
	res = a.do(a.staff, http.MethodGet, "/staff/network", nil)
	if !strings.Contains(res.Body, "Volg alle bibliotheken in het netwerk") {
		t.Fatalf("the network page does not offer to follow the network: %.3000s", res.Body)
	}

	t.Run("OK", func(t *testing.T) {
		res := a.do(a.staff, http.MethodPost, "/staff/network/follow-all", nil)
		if want := "Bibliotheken in het netwerk die je nog niet volgde: 2. Gevraagd om te volgen: 2"; res.Status != http.StatusOK || !strings.Contains(res.Body, want) {
			t.Fatalf("follow all: status %d, want 200 and %q: %.3000s", res.Status, want, res.Body)
		}
		a.acceptedFollowings(t, b.actorID(), c.actorID(), d.actorID())
		for _, to := range []*node{b, c, d} {
			fs, n, err := to.DB.Followers(ctx, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(fs, func(f *vestiging.Follower) bool { return f.Actor.IRI == a.actorID() }) {
				t.Errorf("%s's %d followers do not include A", to.name, n)
			}
		}
		if n := otherPosts.Load(); n != 0 || otherGets.Load() == 0 {
			t.Errorf("the organisation that is no library: %d GETs, %d POSTs; want it read and not followed", otherGets.Load(), n)
		}
		if _, err := a.DB.ActorByIRI(ctx, "http://192.0.2.1/actor"); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("the refused address's actor at A: %v, want ENOTFOUND", err)
		}
	})

	t.Run("Map", func(t *testing.T) {
		// The page of libraries puts A's branches and those the others
		// give in their actors' location on one map, with a list for
		// browsers without JavaScript.
		res := a.do(browser(t), http.MethodGet, "/libraries", nil)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "Waar de bibliotheken zijn") || !strings.Contains(res.Body, "/static/map.js") {
			t.Fatalf("libraries: status %d, no map: %.3000s", res.Status, res.Body)
		}
		for _, want := range []string{
			`data-lat="51.8866" data-lon="5.4296" data-name="Bibliotheek Tiel"`,
			`data-lat="51.9557" data-lon="5.2272" data-name="Bibliotheek D, Bibliotheek Culemborg"`,
			`data-name="Bibliotheek B, Bibliotheek Tiel"`,
		} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("the map lacks %s", want)
			}
		}
	})

	t.Run("Again", func(t *testing.T) {
		// Now C's collection names B too: B is followed already.
		res := a.do(a.staff, http.MethodPost, "/staff/network/follow-all", nil)
		if want := "De bibliotheken die je volgt, kennen geen andere bibliotheek die je nog niet volgt."; res.Status != http.StatusOK || !strings.Contains(res.Body, want) {
			t.Fatalf("follow all again: status %d, want 200 and %q: %.3000s", res.Status, want, res.Body)
		}
		a.acceptedFollowings(t, b.actorID(), c.actorID(), d.actorID())
		if _, n, err := b.DB.Followers(ctx, 0, 10); err != nil || n != 2 {
			t.Errorf("B's followers: %d, %v; want A and C", n, err)
		}
	})
}
