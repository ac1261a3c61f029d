package federation

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// setActorField sets a field of the peer's actor document.
func (p *inPeer) setActorField(key string, v any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.docs["/users/"+p.name].(map[string]any)[key] = v
}

func TestBackfill(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		other := newInPeer(t, "elders", 1)
		other.put("/events/1", other.event("/events/1", "Elders", 3))

		t.Run("UpcomingEvents", func(t *testing.T) {
			p := newInPeer(t, "tiel", 0)
			env.follow(t, p, vestiging.FollowAccepted)
			p.setActorField("upcomingEvents", p.id("/upcoming"))
			p.put("/upcoming", map[string]any{"id": p.id("/upcoming"), "type": "OrderedCollection", "totalItems": 6, "first": p.id("/upcoming?page=1")})
			p.put("/events/2", p.event("/events/2", "Opgehaald", 4))
			p.put("/upcoming?page=1", map[string]any{
				"id": p.id("/upcoming?page=1"), "type": "OrderedCollectionPage", "next": p.id("/upcoming?page=2"),
				"orderedItems": []any{
					p.event("/events/1", "Ingebed", 2),                     // embedded
					p.id("/events/2"),                                      // by id, fetched
					other.event("/events/1", "Elders", 3),                  // another host: skipped
					other.id("/events/1"),                                  // another host by id: not fetched
					p.event("/events/old", "Voorbij", -3),                  // over: skipped
					map[string]any{"type": "Note", "id": p.id("/notes/1")}, // not an event
				},
			})
			p.put("/upcoming?page=2", map[string]any{
				"id": p.id("/upcoming?page=2"), "type": "OrderedCollectionPage",
				"orderedItems": []any{p.event("/events/3", "Volgende pagina", 5)},
			})
			n, err := env.f.backfill(t.Context(), p.actor)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := n, 3; got != want {
				t.Errorf("stored %d, want %d", got, want)
			}
			events := env.remoteEvents(t)
			for path, title := range map[string]string{"/events/1": "Ingebed", "/events/2": "Opgehaald", "/events/3": "Volgende pagina"} {
				e := events[p.id(path)]
				if e == nil || e.Title != title || e.Origin == nil || e.Origin.IRI != p.actor {
					t.Errorf("%s: stored %+v, want %q from %s", path, e, title, p.actor)
				}
			}
			if e := events[other.id("/events/1")]; e != nil {
				t.Errorf("stored %q from another host", e.Title)
			}
			if e := events[p.id("/events/old")]; e != nil {
				t.Errorf("stored %q, which is over", e.Title)
			}
			if got := other.fetches.Load(); got != 0 {
				t.Errorf("another host was asked %d times", got)
			}
		})
		t.Run("Outbox", func(t *testing.T) {
			p := newInPeer(t, "buren", 2)
			env.follow(t, p, vestiging.FollowAccepted)
			p.put("/users/buren/outbox", map[string]any{
				"id": p.id("/users/buren/outbox"), "type": "OrderedCollection",
				"first": map[string]any{
					"type": "OrderedCollectionPage",
					"orderedItems": []any{
						map[string]any{"type": "Create", "id": p.id("/creates/1"), "actor": p.actor, "object": p.event("/events/1", "Uit de outbox", 6)},
						map[string]any{"type": "Create", "id": p.id("/creates/2"), "actor": p.actor, "object": map[string]any{"type": "Note", "id": p.id("/notes/1")}},
					},
				},
			})
			if _, err := env.f.backfill(t.Context(), p.actor); err != nil {
				t.Fatal(err)
			}
			if e := env.remoteEvents(t)[p.id("/events/1")]; e == nil || e.Title != "Uit de outbox" {
				t.Errorf("stored %+v", e)
			}
		})
		t.Run("Bounded", func(t *testing.T) {
			p := newInPeer(t, "oneindig", 3)
			env.follow(t, p, vestiging.FollowAccepted)
			p.setActorField("upcomingEvents", p.id("/loop"))
			// A page whose next is itself: the walk must stop.
			p.put("/loop", map[string]any{"id": p.id("/loop"), "type": "OrderedCollectionPage", "next": p.id("/loop"),
				"orderedItems": []any{p.event("/events/1", "Rondje", 1)}})
			before := p.fetches.Load()
			if _, err := env.f.backfill(t.Context(), p.actor); err != nil {
				t.Fatal(err)
			}
			// The actor document, then at most maxBackfillPages pages.
			if got, want := p.fetches.Load()-before, int64(1+maxBackfillPages); got != want {
				t.Errorf("%d fetches, want %d", got, want)
			}
		})
		t.Run("NotFollowed", func(t *testing.T) {
			p := newInPeer(t, "vreemd", 0)
			p.setActorField("upcomingEvents", p.id("/upcoming"))
			n, err := env.f.backfill(t.Context(), p.actor)
			if err != nil || n != 0 || p.fetches.Load() != 0 {
				t.Errorf("backfill of an actor we do not follow: %d stored, %d fetches, %v", n, p.fetches.Load(), err)
			}
		})
	})
}

// TestBackfillAfterAccept: an Accept of our Follow queues a backfill, and
// the backfill job fills the agenda.
func TestBackfillAfterAccept(t *testing.T) {
	db := storetest.SQLite(t)
	env := newInEnv(t, db, nil)
	p := newInPeer(t, "tiel", 0)
	fl := env.follow(t, p, vestiging.FollowPending)
	p.setActorField("upcomingEvents", p.id("/upcoming"))
	var items []any
	for i := range 3 {
		items = append(items, p.event(fmt.Sprintf("/events/%d", i), fmt.Sprintf("Activiteit %d", i), i+1))
	}
	p.put("/upcoming", map[string]any{"id": p.id("/upcoming"), "type": "OrderedCollection", "orderedItems": items})
	if got, want := p.post(t, env.inbox, p.activity("Accept", "/accepts/1", fl.ActivityIRI)), 202; got != want {
		t.Fatalf("status = %d, want %d", got, want)
	}
	if cancelled := env.work(t); len(cancelled) != 0 {
		t.Fatalf("cancelled: %v", cancelled)
	}
	if got, want := len(env.remoteEvents(t)), 3; got != want {
		t.Errorf("%d remote events after the Accept, want %d", got, want)
	}
}

// TestBackfillFromVestiging: when one Vestiging follows another, the
// events the followed library published before are fetched from its real
// upcomingEvents collection after the Accept.
func TestBackfillFromVestiging(t *testing.T) {
	a := startInstance(t, storetest.SQLite(t), nil)
	b := startInstance(t, storetest.SQLite(t), nil)
	ctx := t.Context()
	branches, err := b.db.Branches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	var published []*vestiging.Event
	for i := range 3 {
		e := &vestiging.Event{Title: fmt.Sprintf("Voorlezen %d", i), Status: vestiging.StatusPublished,
			StartsAt: start.AddDate(0, 0, i), EndsAt: start.AddDate(0, 0, i).Add(time.Hour), BranchID: &branches[0].ID}
		if err := b.db.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		published = append(published, e)
	}
	b.runJobs(t, 0)
	a.runJobs(t, 0)
	// B publishes its Creates while nobody follows: A can only learn of
	// these events by backfill.
	eventually(t, "B's Creates in its outbox", func() bool {
		acts, _, err := b.db.Activities(ctx, 0, 10)
		n := 0
		for _, a := range acts {
			if a.Type == "Create" {
				n++
			}
		}
		return err == nil && n == len(published)
	})
	if _, err := a.fed.Follow(ctx, "@agenda@"+b.base.Host); err != nil {
		t.Fatalf("follow: %v", err)
	}
	remote := func() map[string]*vestiging.Event {
		events, _, err := a.db.FindEvents(ctx, vestiging.EventFilter{Source: vestiging.SourceRemote})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]*vestiging.Event{}
		for _, e := range events {
			m[e.IRI] = e
		}
		return m
	}
	eventually(t, "backfill", func() bool { return len(remote()) == len(published) })
	got := remote()
	for _, e := range published {
		r := got[EventID(b.base, e)]
		if r == nil || r.Title != e.Title || r.Place == nil || r.Place.Name != branches[0].Name {
			t.Errorf("%s: backfilled %+v", e.Title, r)
		}
	}
}

// TestBackfillKeepsFresher: an event written after the backfill started
// (delivered meanwhile) is not overwritten by the collection's older copy;
// one stored before is refreshed.
func TestBackfillKeepsFresher(t *testing.T) {
	clock := storetest.NewClock(time.Now().UTC())
	db := storetest.SQLiteClock(t, clock.Now)
	env := newInEnv(t, db, clock.Now)
	p := newInPeer(t, "tiel", 0)
	origin := env.follow(t, p, vestiging.FollowAccepted).Actor
	p.setActorField("upcomingEvents", p.id("/upcoming"))
	p.put("/upcoming", map[string]any{"id": p.id("/upcoming"), "type": "OrderedCollection", "orderedItems": []any{
		p.event("/events/1", "Uit de collectie 1", 3), p.event("/events/2", "Uit de collectie 2", 4)}})
	store := func(path, title string) {
		b, err := json.Marshal(p.event(path, title, 3))
		if err != nil {
			t.Fatal(err)
		}
		r, err := ParseRemoteEvent(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := env.f.storeEvent(t.Context(), r, origin); err != nil {
			t.Fatal(err)
		}
	}
	store("/events/1", "Oud")
	clock.Add(time.Minute)
	store("/events/2", "Net geleverd")
	clock.Add(-30 * time.Second) // the backfill started before event 2 was delivered
	if _, err := env.f.backfill(t.Context(), p.actor); err != nil {
		t.Fatal(err)
	}
	events := env.remoteEvents(t)
	for path, want := range map[string]string{"/events/1": "Uit de collectie 1", "/events/2": "Net geleverd"} {
		if e := events[p.id(path)]; e == nil || e.Title != want {
			t.Errorf("%s: %+v, want title %q", path, e, want)
		}
	}
}
