package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// actor returns an unsaved library actor on host.
func actor(host, name string) *vestiging.Actor {
	iri := "https://" + host + "/actor"
	return &vestiging.Actor{IRI: iri, Type: "Organization", Username: "agenda", Name: name,
		Inbox: iri + "/inbox", SharedInbox: "https://" + host + "/inbox", KeyID: iri + "#main-key",
		PublicKeyPEM: "-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----\n"}
}

func upsertActor(t *testing.T, db *store.DB, a *vestiging.Actor) *vestiging.Actor {
	t.Helper()
	if err := db.UpsertActor(t.Context(), a); err != nil {
		t.Fatalf("upsert actor %s: %v", a.IRI, err)
	}
	return a
}

func testInstanceKey(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		calls := 0
		gen := func() (string, error) { calls++; return "key-1", nil }
		for range 2 {
			key, err := db.InstanceKey(t.Context(), gen)
			if err != nil || key != "key-1" {
				t.Fatalf("instance key %q, %v; want key-1", key, err)
			}
		}
		if calls != 1 {
			t.Errorf("generated %d times, want 1", calls)
		}
	})
	t.Run("OKRace", func(t *testing.T) {
		db := open(t)
		keys := make([]string, 8)
		var wg sync.WaitGroup
		for i := range keys {
			wg.Go(func() {
				key, err := db.InstanceKey(context.Background(), func() (string, error) { return fmt.Sprintf("key-%d", i), nil })
				if err != nil {
					t.Errorf("instance key %d: %v", i, err)
				}
				keys[i] = key
			})
		}
		wg.Wait()
		for _, k := range keys {
			if k != keys[0] {
				t.Fatalf("processes got different keys: %q", keys)
			}
		}
	})
	t.Run("ErrGenerate", func(t *testing.T) {
		db := open(t)
		boom := errors.New("no entropy")
		if _, err := db.InstanceKey(t.Context(), func() (string, error) { return "", boom }); !errors.Is(err, boom) {
			t.Fatalf("got %v, want %v", err, boom)
		}
		key, err := db.InstanceKey(t.Context(), func() (string, error) { return "key-2", nil })
		if err != nil || key != "key-2" {
			t.Errorf("after a failed generate: %q, %v; want key-2", key, err)
		}
	})
}

func testActors(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	a := upsertActor(t, db, actor("b.example", "Bibliotheek B"))
	if a.ID == 0 || a.Host != "b.example" || a.FetchedAt.IsZero() {
		t.Fatalf("upsert filled ID %d, host %q, fetched %v", a.ID, a.Host, a.FetchedAt)
	}
	t.Run("OK", func(t *testing.T) {
		for name, get := range map[string]func() (*vestiging.Actor, error){
			"Actor":        func() (*vestiging.Actor, error) { return db.Actor(ctx, a.ID) },
			"ActorByIRI":   func() (*vestiging.Actor, error) { return db.ActorByIRI(ctx, a.IRI) },
			"ActorByKeyID": func() (*vestiging.Actor, error) { return db.ActorByKeyID(ctx, a.KeyID) },
		} {
			got, err := get()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			same(t, name, got, a)
		}
	})
	t.Run("OKUpdate", func(t *testing.T) {
		b := actor("b.example", "Bibliotheek B, vernieuwd")
		b.SharedInbox, b.KeyID = "", b.IRI+"/main-key"
		b.Places = []vestiging.ActorPlace{{Name: "Centrale", Address: "Stationsplein 1, Zaltbommel", Latitude: 51.81, Longitude: 5.25}}
		upsertActor(t, db, b)
		if b.ID != a.ID {
			t.Fatalf("upsert of the same IRI got ID %d, want %d", b.ID, a.ID)
		}
		got, err := db.ActorByKeyID(ctx, b.KeyID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "updated actor", got, b)
		if _, err := db.ActorByKeyID(ctx, a.KeyID); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("old key id: %v, want ENOTFOUND", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.Actor(ctx, a.ID+100)
		wantCode(t, err, vestiging.ENOTFOUND)
		_, err = db.ActorByIRI(ctx, "https://nobody.example/actor")
		wantCode(t, err, vestiging.ENOTFOUND)
		_, err = db.ActorByKeyID(ctx, "")
		wantCode(t, err, vestiging.ENOTFOUND)
	})
	t.Run("ErrKeyOfAnother", func(t *testing.T) {
		// Another actor's document claims a's key: refused, and a keeps it.
		owner, err := db.ActorByIRI(ctx, a.IRI)
		if err != nil {
			t.Fatal(err)
		}
		thief := actor("evil.example", "Evil")
		thief.KeyID = owner.KeyID
		wantCode(t, db.UpsertActor(ctx, thief), vestiging.ECONFLICT)
		if _, err := db.ActorByIRI(ctx, thief.IRI); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("the thief was stored: %v", err)
		}
		got, err := db.ActorByKeyID(ctx, owner.KeyID)
		if err != nil || got.IRI != a.IRI {
			t.Errorf("key %s now names %+v, %v; want %s", owner.KeyID, got, err, a.IRI)
		}
		// Two actors without a key are fine.
		for _, host := range []string{"x.example", "y.example"} {
			keyless := actor(host, "Zonder sleutel")
			keyless.KeyID, keyless.PublicKeyPEM = "", ""
			upsertActor(t, db, keyless)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, iri := range []string{"", "b.example/actor", "ftp://b.example/actor"} {
			wantCode(t, db.UpsertActor(ctx, &vestiging.Actor{IRI: iri}), vestiging.EINVALID)
		}
	})
}

func testFollowers(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	// Three followers on b.example share its inbox; c.example has none.
	var actors []*vestiging.Actor
	for i := range 3 {
		a := actor("b.example", "B")
		a.IRI = fmt.Sprintf("https://b.example/users/%d", i)
		a.KeyID = a.IRI + "#main-key"
		actors = append(actors, upsertActor(t, db, a))
	}
	c := actor("c.example", "C")
	c.SharedInbox = ""
	actors = append(actors, upsertActor(t, db, c))
	for _, a := range actors {
		for range 2 { // twice changes nothing
			if err := db.AddFollower(ctx, a.ID, a.IRI+"#follow"); err != nil {
				t.Fatalf("add follower: %v", err)
			}
		}
	}
	t.Run("OK", func(t *testing.T) {
		page, total, err := db.Followers(ctx, 0, 3)
		if err != nil || total != 4 || len(page) != 3 {
			t.Fatalf("followers: %d of %d, %v; want 3 of 4", len(page), total, err)
		}
		rest, _, err := db.Followers(ctx, 3, 3)
		if err != nil || len(rest) != 1 {
			t.Fatalf("second page: %d, %v; want 1", len(rest), err)
		}
		seen := map[int64]bool{}
		for _, f := range append(page, rest...) {
			if seen[f.Actor.ID] || f.ActivityIRI != f.Actor.IRI+"#follow" || f.CreatedAt.IsZero() {
				t.Errorf("follower %+v (seen before: %v)", f, seen[f.Actor.ID])
			}
			seen[f.Actor.ID] = true
		}
	})
	t.Run("FollowerInboxes", func(t *testing.T) {
		got, err := db.FollowerInboxes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "inboxes", got, []string{"https://b.example/inbox", c.Inbox})
	})
	t.Run("Remove", func(t *testing.T) {
		if err := db.RemoveFollower(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.RemoveFollower(ctx, c.ID), vestiging.ENOTFOUND)
		got, err := db.FollowerInboxes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "inboxes", got, []string{"https://b.example/inbox"})
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		wantCode(t, db.AddFollower(ctx, 9999, "https://x.example/follow"), vestiging.ENOTFOUND)
	})
	t.Run("SeedFollowers", func(t *testing.T) {
		db := open(t)
		SeedFollowers(t, db, 1000, 10, func(i int) string { return fmt.Sprintf("http://127.0.0.%d:8080/inbox", i+1) })
		_, total, err := db.Followers(ctx, 0, 1)
		if err != nil || total != 1000 {
			t.Fatalf("followers %d, %v; want 1000", total, err)
		}
		inboxes, err := db.FollowerInboxes(ctx)
		if err != nil || len(inboxes) != 10 {
			t.Fatalf("inboxes %q, %v; want 10", inboxes, err)
		}
	})
	t.Run("SaveActivityToFollowers", func(t *testing.T) {
		// More inboxes than one page; every fifth follower's server has no
		// shared inbox, so it is delivered to their own.
		db := open(t)
		var actors []*vestiging.Actor
		want := map[string]bool{}
		for i := range 3000 {
			host := fmt.Sprintf("s%d.example", i%2400)
			a := &vestiging.Actor{IRI: fmt.Sprintf("https://%s/users/%d", host, i), Host: host, Username: fmt.Sprint(i)}
			a.Inbox = a.IRI + "/inbox"
			if i%5 != 0 {
				a.SharedInbox = "https://" + host + "/inbox"
			}
			want[cmp.Or(a.SharedInbox, a.Inbox)] = true
			actors = append(actors, a)
		}
		SeedActorFollowers(t, db, actors)
		a := &vestiging.Activity{IRI: "https://a.example/activities/fan-out", Type: "Create", JSON: []byte(`{}`)}
		deliver := func(inbox string) vestiging.JobArgs { return testJob{Inbox: inbox} }
		saved, err := db.SaveActivityToFollowers(ctx, a, deliver)
		if err != nil || !saved {
			t.Fatalf("save: %v, %v", saved, err)
		}
		got := map[string]int{}
		for _, j := range Jobs[testJob](t, db, "storetest") {
			got[j.Inbox]++
		}
		if len(got) != len(want) {
			t.Errorf("%d inboxes queued, want %d", len(got), len(want))
		}
		for inbox, n := range got {
			if n != 1 || !want[inbox] {
				t.Errorf("%s queued %d times; a follower's inbox: %v", inbox, n, want[inbox])
			}
		}
		inboxes, err := db.FollowerInboxes(ctx)
		if err != nil || len(inboxes) != len(want) {
			t.Errorf("follower inboxes: %d, %v; want %d", len(inboxes), err, len(want))
		}
		if saved, err := db.SaveActivityToFollowers(ctx, a, deliver); err != nil || saved {
			t.Errorf("save again: %v, %v; want not saved", saved, err)
		}
		if n := len(Jobs[testJob](t, db, "storetest")); n != len(want) {
			t.Errorf("%d jobs after saving again, want %d", n, len(want))
		}
		t.Run("ErrNothingSaved", func(t *testing.T) {
			// A job that fails on the last page undoes the activity and the
			// pages queued before it.
			last := slices.Max(inboxes)
			b := &vestiging.Activity{IRI: "https://a.example/activities/fails", Type: "Create", JSON: []byte(`{}`)}
			_, err := db.SaveActivityToFollowers(ctx, b, func(inbox string) vestiging.JobArgs {
				if inbox == last {
					return unencodableJob{}
				}
				return testJob{N: 1, Inbox: inbox}
			})
			if err == nil {
				t.Fatal("saved with a job that cannot be queued")
			}
			_, err = db.ActivityByIRI(ctx, b.IRI)
			wantCode(t, err, vestiging.ENOTFOUND)
			for _, j := range Jobs[testJob](t, db, "storetest") {
				if j.N == 1 {
					t.Fatalf("a job of the failed save was queued: %+v", j)
				}
			}
		})
	})
}

// unencodableJob cannot be encoded as JSON, so queueing it fails.
type unencodableJob struct {
	C chan int `json:"c"`
}

func (unencodableJob) Kind() string { return "storetest" }

func testFollowing(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	b := upsertActor(t, db, actor("b.example", "B"))
	c := upsertActor(t, db, actor("c.example", "C"))
	fb := &vestiging.Following{Actor: b, ActivityIRI: "https://a.example/follows/1", State: vestiging.FollowPending}
	fc := &vestiging.Following{Actor: c, ActivityIRI: "https://a.example/follows/2", State: vestiging.FollowPending}
	for _, f := range []*vestiging.Following{fb, fc} {
		if err := db.SetFollowing(ctx, f); err != nil {
			t.Fatalf("set following: %v", err)
		}
	}
	t.Run("OK", func(t *testing.T) {
		fb.State = vestiging.FollowAccepted
		if err := db.SetFollowing(ctx, fb); err != nil {
			t.Fatal(err)
		}
		got, err := db.FollowingByActivity(ctx, fb.ActivityIRI)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "by activity", got, fb)
		got, err = db.FollowingByActor(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "by actor", got, fc)
		list, total, err := db.Followings(ctx, 0, 10)
		if err != nil || total != 2 || len(list) != 2 {
			t.Fatalf("followings %d of %d, %v; want 2", len(list), total, err)
		}
	})
	t.Run("Remove", func(t *testing.T) {
		if err := db.RemoveFollowing(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.RemoveFollowing(ctx, c.ID), vestiging.ENOTFOUND)
		_, err := db.FollowingByActor(ctx, c.ID)
		wantCode(t, err, vestiging.ENOTFOUND)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.FollowingByActivity(ctx, "https://a.example/follows/404")
		wantCode(t, err, vestiging.ENOTFOUND)
		err = db.SetFollowing(ctx, &vestiging.Following{Actor: &vestiging.Actor{ID: 9999}, ActivityIRI: "x", State: vestiging.FollowPending})
		wantCode(t, err, vestiging.ENOTFOUND)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		wantCode(t, db.SetFollowing(ctx, &vestiging.Following{Actor: b, ActivityIRI: "x", State: "maybe"}), vestiging.EINVALID)
		wantCode(t, db.SetFollowing(ctx, &vestiging.Following{ActivityIRI: "x", State: vestiging.FollowPending}), vestiging.EINVALID)
	})
}

// testJob is a job kind no worker handles, for counting what is queued.
type testJob struct {
	N     int    `json:"n"`
	Inbox string `json:"inbox,omitempty"`
}

func (testJob) Kind() string { return "storetest" }

func testActivities(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var public []*vestiging.Activity
	for i := range 3 {
		a := &vestiging.Activity{IRI: fmt.Sprintf("https://a.example/activities/%d", i), Type: "Create",
			ObjectIRI: fmt.Sprintf("https://a.example/events/%d", i), JSON: []byte(`{"type":"Create"}`), Public: true,
			CreatedAt: at.Add(time.Duration(i) * time.Minute)}
		saved, err := db.SaveActivity(ctx, a, []vestiging.JobArgs{testJob{N: i}, testJob{N: i}})
		if err != nil || !saved || a.ID == 0 {
			t.Fatalf("save activity %d: saved %v, ID %d, %v", i, saved, a.ID, err)
		}
		public = append([]*vestiging.Activity{a}, public...) // newest first
	}
	follow := &vestiging.Activity{IRI: "https://a.example/follows/1", Type: "Follow", JSON: []byte(`{}`), CreatedAt: at.Add(time.Hour)}
	if _, err := db.SaveActivity(ctx, follow, nil); err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		got, total, err := db.Activities(ctx, 0, 2)
		if err != nil || total != 3 {
			t.Fatalf("activities total %d, %v; want 3 (Follow is not public)", total, err)
		}
		same(t, "first page", got, public[:2])
		got, _, err = db.Activities(ctx, 2, 2)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "second page", got, public[2:])
		one, err := db.ActivityByIRI(ctx, follow.IRI)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "by IRI", one, follow)
	})
	t.Run("LastActivity", func(t *testing.T) {
		object := "https://a.example/events/1"
		for i, typ := range []string{"Delete", "Create", "Delete"} {
			a := &vestiging.Activity{IRI: fmt.Sprintf("https://a.example/activities/last-%d", i), Type: typ, ObjectIRI: object,
				JSON: []byte(`{}`), CreatedAt: at.Add(time.Duration(2+i) * time.Hour)}
			if _, err := db.SaveActivity(ctx, a, nil); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.LastActivity(ctx, object, "Delete")
		if err != nil || got.IRI != "https://a.example/activities/last-2" {
			t.Errorf("last Delete: %+v, %v", got, err)
		}
		_, err = db.LastActivity(ctx, "https://a.example/events/2", "Delete")
		wantCode(t, err, vestiging.ENOTFOUND)
	})
	t.Run("OKTwiceQueuesOnce", func(t *testing.T) {
		again := *public[0]
		again.JSON = []byte(`{"changed":true}`)
		saved, err := db.SaveActivity(ctx, &again, []vestiging.JobArgs{testJob{N: 99}})
		if err != nil || saved {
			t.Fatalf("save again: saved %v, %v; want false", saved, err)
		}
		if got, want := len(Jobs[testJob](t, db, "storetest")), 6; got != want {
			t.Errorf("%d jobs queued, want %d", got, want)
		}
		stored, err := db.ActivityByIRI(ctx, public[0].IRI)
		if err != nil || string(stored.JSON) != `{"type":"Create"}` {
			t.Errorf("stored JSON %s, %v: changed by a second save", stored.JSON, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.ActivityByIRI(ctx, "https://a.example/activities/404")
		wantCode(t, err, vestiging.ENOTFOUND)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := db.SaveActivity(ctx, &vestiging.Activity{Type: "Create", JSON: []byte(`{}`)}, nil)
		wantCode(t, err, vestiging.EINVALID)
	})
	t.Run("FirstSeen", func(t *testing.T) {
		for i, want := range []bool{true, false} {
			got, err := db.FirstSeen(ctx, "https://b.example/activities/1")
			if err != nil || got != want {
				t.Errorf("delivery %d: first seen %v, %v; want %v", i+1, got, err, want)
			}
		}
		_, err := db.FirstSeen(ctx, "")
		wantCode(t, err, vestiging.EINVALID)
	})
}

// remoteEvent returns an unsaved event of origin at a place of its own.
func remoteEvent(origin *vestiging.Actor, n int, start time.Time) *vestiging.Event {
	iri := fmt.Sprintf("https://%s/events/%d", origin.Host, n)
	return &vestiging.Event{Title: fmt.Sprintf("Remote %d", n), StartsAt: start, EndsAt: start.Add(time.Hour),
		Status: vestiging.StatusPublished, IRI: iri, URL: iri, OriginID: &origin.ID,
		Place: &vestiging.Place{Name: "Bibliotheek " + origin.Name, Street: "Kerkstraat 1", PostalCode: "1234 AB",
			City: "Elders", Latitude: ptr(52.1), Longitude: ptr(5.1)}}
}

func testRemoteEvents(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	f := &fixture{db: db, a: &vestiging.Branch{Name: "A", City: "Tiel", PostalCode: "4001 AA"}}
	if err := db.CreateBranch(ctx, f.a); err != nil {
		t.Fatal(err)
	}
	f.origin = time.Date(2026, time.March, 10, 10, 0, 0, 0, time.UTC)
	local := f.create(t, f.event("Local", 0))
	b := upsertActor(t, db, actor("b.example", "B"))
	c := upsertActor(t, db, actor("c.example", "C"))
	rb := remoteEvent(b, 1, f.origin.Add(time.Hour))
	rc := remoteEvent(c, 1, f.origin.Add(2*time.Hour))
	rc.Place = nil
	rc.OnlineURL = "https://c.example/stream"
	for _, e := range []*vestiging.Event{rb, rc} {
		if err := db.UpsertRemoteEvent(ctx, e); err != nil {
			t.Fatalf("upsert %s: %v", e.IRI, err)
		}
		e.Origin = upsertActorCopy(t, db, e.OriginID)
	}
	publishJobs := len(Jobs[vestiging.PublishJob](t, db, vestiging.PublishJob{}.Kind()))
	t.Run("OK", func(t *testing.T) {
		got, err := db.Event(ctx, rb.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *rb
		want.ResidentsOnly = true // the library follows no one here
		same(t, "remote event", got, &want)
		if got.Place == nil || got.Place.ID != 0 || got.Origin == nil || got.Origin.Name != "B" {
			t.Errorf("place %+v, origin %+v", got.Place, got.Origin)
		}
	})
	t.Run("OKUpdateKeepsID", func(t *testing.T) {
		upd := remoteEvent(b, 1, f.origin.Add(time.Hour))
		upd.Title = "Remote 1, moved"
		upd.Status = vestiging.StatusCancelled
		if err := db.UpsertRemoteEvent(ctx, upd); err != nil {
			t.Fatal(err)
		}
		if upd.ID != rb.ID || !upd.CreatedAt.Equal(rb.CreatedAt) {
			t.Errorf("update got ID %d created %v, want %d %v", upd.ID, upd.CreatedAt, rb.ID, rb.CreatedAt)
		}
		got, err := db.Event(ctx, rb.ID)
		if err != nil || got.Title != upd.Title || got.Status != vestiging.StatusCancelled {
			t.Errorf("after update: %+v, %v", got, err)
		}
	})
	t.Run("ErrOriginMoves", func(t *testing.T) {
		// Another actor (an Announce of it, say) cannot take the event over.
		taken := remoteEvent(b, 1, f.origin.Add(time.Hour))
		taken.Title, taken.OriginID = "Overgenomen", &c.ID
		wantCode(t, db.UpsertRemoteEvent(ctx, taken), vestiging.EFORBIDDEN)
		got, err := db.Event(ctx, rb.ID)
		if err != nil || got.Title != "Remote 1, moved" || got.OriginID == nil || *got.OriginID != b.ID {
			t.Errorf("after a take-over: %+v, %v", got, err)
		}
	})
	t.Run("DeleteByAnother", func(t *testing.T) {
		// c deletes b's event and b itself: nothing of b's goes, and c's
		// tombstone does not keep b's next version out.
		for _, iri := range []string{rb.IRI, b.IRI} {
			if err := db.DeleteRemoteObject(ctx, iri, c); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Event(ctx, rb.ID); err != nil {
			t.Errorf("b's event after c's Delete: %v", err)
		}
		if _, err := db.Actor(ctx, b.ID); err != nil {
			t.Errorf("b after c's Delete: %v", err)
		}
		again := remoteEvent(b, 1, f.origin.Add(time.Hour))
		again.Title, again.Status = "Remote 1, moved", vestiging.StatusCancelled
		if err := db.UpsertRemoteEvent(ctx, again); err != nil || again.ID != rb.ID {
			t.Errorf("b's update after c's Delete: ID %d, %v", again.ID, err)
		}
		wantCode(t, db.DeleteRemoteObject(ctx, rb.IRI, nil), vestiging.EINVALID)
	})
	t.Run("Versions", func(t *testing.T) {
		var id int64
		checkVersions(t, f.origin.Add(-24*time.Hour), func(title string, version time.Time) error {
			e := remoteEvent(b, 7, f.origin.Add(time.Hour))
			e.Title, e.RemoteUpdatedAt = title, version
			err := db.UpsertRemoteEvent(ctx, e)
			if e.ID != 0 {
				id = e.ID
			}
			return err
		}, func() (string, time.Time, error) {
			got, err := db.Event(ctx, id)
			if err != nil {
				return "", time.Time{}, err
			}
			return got.Title, got.RemoteUpdatedAt, nil
		})
		if err := db.DeleteRemoteObject(ctx, remoteEvent(b, 7, f.origin).IRI, b); err != nil { // out of the next cases' way
			t.Fatal(err)
		}
	})
	t.Run("OKConcurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		ids := make([]int64, 8)
		for i := range ids {
			wg.Go(func() {
				e := remoteEvent(c, 9, f.origin.Add(48*time.Hour))
				if err := db.UpsertRemoteEvent(context.Background(), e); err != nil {
					t.Errorf("concurrent upsert %d: %v", i, err)
				}
				ids[i] = e.ID
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("one IRI stored under several IDs: %v", ids)
			}
		}
		if err := db.DeleteRemoteObject(ctx, remoteEvent(c, 9, f.origin).IRI, c); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("FindEvents", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			f    vestiging.EventFilter
			want string
		}{
			{"all", vestiging.EventFilter{}, "[Local Remote 1, moved Remote 1]"},
			{"local", vestiging.EventFilter{Source: vestiging.SourceLocal}, "[Local]"},
			{"remote", vestiging.EventFilter{Source: vestiging.SourceRemote}, "[Remote 1, moved Remote 1]"},
			{"origin", vestiging.EventFilter{OriginID: c.ID}, "[Remote 1]"},
			{"origin and local", vestiging.EventFilter{OriginID: c.ID, Source: vestiging.SourceLocal}, "[]"},
			{"upcoming remote", vestiging.EventFilter{From: f.origin.Add(2 * time.Hour), Source: vestiging.SourceRemote}, "[Remote 1]"},
			{"my agenda", vestiging.EventFilter{OriginIDs: []int64{b.ID}, IncludeLocal: true}, "[Local Remote 1, moved]"},
			{"followed origins", vestiging.EventFilter{OriginIDs: []int64{b.ID, c.ID}}, "[Remote 1, moved Remote 1]"},
			{"own library only", vestiging.EventFilter{IncludeLocal: true}, "[Local]"},
			{"remote city any case", vestiging.EventFilter{Place: " elders "}, "[Remote 1, moved]"},
			{"branch city", vestiging.EventFilter{Place: "TIEL"}, "[Local]"},
			{"postcode prefix", vestiging.EventFilter{Place: "1234"}, "[Remote 1, moved]"},
			{"whole postcode without space", vestiging.EventFilter{Place: "4001aa"}, "[Local]"},
			{"unknown postcode", vestiging.EventFilter{Place: "9999"}, "[]"},
			{"city with wildcards", vestiging.EventFilter{Place: "%"}, "[]"},
			{"place and origins", vestiging.EventFilter{Place: "Tiel", OriginIDs: []int64{b.ID}}, "[]"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, _, err := db.FindEvents(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if titles(got) != tc.want {
					t.Errorf("got %q, want %q", titles(got), tc.want)
				}
				for _, e := range got {
					if e.Remote() != (e.Origin != nil) || (e.ID == rb.ID && (e.Place == nil || e.Place.City != "Elders")) {
						t.Errorf("%q: origin %+v, place %+v", e.Title, e.Origin, e.Place)
					}
				}
			})
		}
		_, _, err := db.FindEvents(ctx, vestiging.EventFilter{Source: "elsewhere"})
		wantCode(t, err, vestiging.EINVALID)
	})
	t.Run("Public", func(t *testing.T) {
		// Only the events of origins the library follows, accepted; what
		// only residents follow is not the library's to show.
		public := func(want string) {
			t.Helper()
			got, _, err := db.FindEvents(ctx, vestiging.EventFilter{Public: true})
			if err != nil {
				t.Fatal(err)
			}
			if titles(got) != want {
				t.Errorf("got %q, want %q", titles(got), want)
			}
			for _, e := range got {
				if got, err := db.Event(ctx, e.ID); err != nil || got.ResidentsOnly {
					t.Errorf("%q: residents only or %v, yet public", e.Title, err)
				}
			}
		}
		p := person(t, db, "inwoner@example.nl", "Inwoner")
		for _, a := range []*vestiging.Actor{b, c} {
			if err := db.SetPersonFollowing(ctx, &vestiging.PersonFollowing{PersonID: p.ID, Actor: a,
				ActivityIRI: a.IRI + "/follows/resident", State: vestiging.FollowAccepted}); err != nil {
				t.Fatal(err)
			}
		}
		public("[Local]")
		if e, err := db.Event(ctx, rc.ID); err != nil || !e.ResidentsOnly {
			t.Errorf("an event only a resident follows the origin of is not residents only (%v)", err)
		}
		fl := &vestiging.Following{Actor: c, ActivityIRI: c.IRI + "/follows/library", State: vestiging.FollowPending}
		if err := db.SetFollowing(ctx, fl); err != nil {
			t.Fatal(err)
		}
		public("[Local]")
		fl.State = vestiging.FollowAccepted
		if err := db.SetFollowing(ctx, fl); err != nil {
			t.Fatal(err)
		}
		public("[Local Remote 1]")
		if err := db.RemoveFollowing(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("NoPublishJobs", func(t *testing.T) {
		if got := len(Jobs[vestiging.PublishJob](t, db, vestiging.PublishJob{}.Kind())); got != publishJobs {
			t.Errorf("%d publish jobs, want %d (only the local event's)", got, publishJobs)
		}
	})
	t.Run("LocalWritesRefused", func(t *testing.T) {
		got, err := db.Event(ctx, rc.ID)
		if err != nil {
			t.Fatal(err)
		}
		got.IRI, got.OriginID = "", nil
		wantCode(t, db.UpdateEvent(ctx, got), vestiging.ENOTFOUND)
		wantCode(t, db.DeleteEvent(ctx, rc.ID), vestiging.ENOTFOUND)
		wantCode(t, db.CreateEvent(ctx, remoteEvent(c, 2, f.origin)), vestiging.EINVALID)
		if local.IRI != "" {
			t.Errorf("local event has IRI %q", local.IRI)
		}
	})
	t.Run("Tombstone", func(t *testing.T) {
		for range 2 { // idempotent
			if err := db.DeleteRemoteObject(ctx, rb.IRI, b); err != nil {
				t.Fatal(err)
			}
		}
		_, err := db.Event(ctx, rb.ID)
		wantCode(t, err, vestiging.ENOTFOUND)
		late := remoteEvent(b, 1, f.origin.Add(time.Hour))
		wantCode(t, db.UpsertRemoteEvent(ctx, late), vestiging.ECONFLICT)
		if late.ID != 0 {
			t.Errorf("refused event got ID %d", late.ID)
		}
		_, n, err := db.FindEvents(ctx, vestiging.EventFilter{Source: vestiging.SourceRemote})
		if err != nil || n != 1 {
			t.Errorf("%d remote events after delete, %v; want 1", n, err)
		}
		if err := db.DeleteRemoteObject(ctx, "https://b.example/events/never-seen", b); err != nil {
			t.Errorf("deleting what was never stored: %v", err)
		}
	})
	t.Run("Republished", func(t *testing.T) {
		// The origin took the event back (to a draft) and published it
		// again: a copy newer than the deletion comes back, an older one
		// does not.
		e := remoteEvent(b, 6, f.origin.Add(time.Hour))
		if err := db.UpsertRemoteEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteRemoteObject(ctx, e.IRI, b); err != nil {
			t.Fatal(err)
		}
		late := remoteEvent(b, 6, f.origin.Add(time.Hour))
		late.RemoteUpdatedAt = time.Now().Add(-time.Hour)
		wantCode(t, db.UpsertRemoteEvent(ctx, late), vestiging.ECONFLICT)
		again := remoteEvent(b, 6, f.origin.Add(time.Hour))
		again.Title, again.RemoteUpdatedAt = "Weer gepubliceerd", time.Now().Add(time.Hour)
		if err := db.UpsertRemoteEvent(ctx, again); err != nil {
			t.Fatalf("republished: %v", err)
		}
		if got, err := db.Event(ctx, again.ID); err != nil || got.Title != "Weer gepubliceerd" {
			t.Errorf("republished event %+v, %v", got, err)
		}
		if err := db.DeleteRemoteObject(ctx, e.IRI, b); err != nil { // out of the next cases' way
			t.Fatal(err)
		}
	})
	t.Run("ActorDeleteCascades", func(t *testing.T) {
		if err := db.DeleteRemoteObject(ctx, c.IRI, c); err != nil {
			t.Fatal(err)
		}
		_, err := db.Event(ctx, rc.ID)
		wantCode(t, err, vestiging.ENOTFOUND)
		_, err = db.Actor(ctx, c.ID)
		wantCode(t, err, vestiging.ENOTFOUND)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		noOrigin := remoteEvent(b, 3, f.origin)
		noOrigin.OriginID = nil
		wantCode(t, db.UpsertRemoteEvent(ctx, noOrigin), vestiging.EINVALID)
		atOurs := remoteEvent(b, 4, f.origin)
		atOurs.BranchID = &f.a.ID
		wantCode(t, db.UpsertRemoteEvent(ctx, atOurs), vestiging.EINVALID)
		local := f.event("Not remote", 1)
		local.OriginID = &b.ID
		wantCode(t, db.UpsertRemoteEvent(ctx, local), vestiging.EINVALID)
		unknown := remoteEvent(b, 5, f.origin)
		unknown.OriginID = ptr(int64(9999))
		wantCode(t, db.UpsertRemoteEvent(ctx, unknown), vestiging.EINVALID)
	})
}

// upsertActorCopy reads the actor an event's Origin holds, as reads fill it.
func upsertActorCopy(t *testing.T, db *store.DB, id *int64) *vestiging.Actor {
	t.Helper()
	a, err := db.Actor(t.Context(), *id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func testHosts(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.HostByName(ctx, "b.example")
		wantCode(t, err, vestiging.ENOTFOUND)
	})
	t.Run("OK", func(t *testing.T) {
		want := &vestiging.Host{Host: "b.example"}
		for i := range vestiging.BreakerThreshold {
			now := at.Add(time.Duration(i) * time.Second)
			got, err := db.RecordDelivery(ctx, "B.example", now, errors.New("503 Service Unavailable"))
			if err != nil {
				t.Fatal(err)
			}
			want.RecordFailure(now, errors.New("503 Service Unavailable"))
			same(t, "after failure", got, want)
		}
		stored, err := db.HostByName(ctx, "b.example")
		if err != nil {
			t.Fatal(err)
		}
		same(t, "stored", stored, want)
		if !stored.BreakerOpen(at.Add(vestiging.BreakerThreshold*time.Second)) || stored.Failures != vestiging.BreakerThreshold {
			t.Errorf("breaker closed after %d failures: %+v", vestiging.BreakerThreshold, stored)
		}
		ok, err := db.RecordDelivery(ctx, "b.example", at.Add(time.Hour), nil)
		if err != nil || ok.Failures != 0 || !ok.RetryAfter.IsZero() || !ok.LastSuccess.Equal(at.Add(time.Hour)) {
			t.Errorf("after success %+v, %v", ok, err)
		}
		if _, err := db.RecordDelivery(ctx, "c.example", at, nil); err != nil {
			t.Fatal(err)
		}
		hosts, err := db.Hosts(ctx)
		if err != nil || len(hosts) != 2 || hosts[0].Host != "b.example" || hosts[1].Host != "c.example" {
			t.Errorf("hosts %+v, %v", hosts, err)
		}
	})
	t.Run("OKConcurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				if _, err := db.RecordDelivery(context.Background(), "d.example", at, errors.New("timeout")); err != nil {
					t.Errorf("record: %v", err)
				}
			})
		}
		wg.Wait()
		h, err := db.HostByName(ctx, "d.example")
		if err != nil || h.Failures != 10 {
			t.Errorf("d.example %+v, %v; want 10 failures counted", h, err)
		}
	})
	t.Run("OKUnavailable", func(t *testing.T) {
		want := &vestiging.Host{Host: "e.example"}
		for _, d := range []time.Duration{0, time.Minute, time.Hour, vestiging.UnavailableAfter / 2, vestiging.UnavailableAfter} {
			want.RecordFailure(at.Add(d), errors.New("connection refused"))
			if _, err := db.RecordDelivery(ctx, "e.example", at.Add(d), errors.New("connection refused")); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.HostByName(ctx, "e.example")
		if err != nil {
			t.Fatal(err)
		}
		same(t, "unavailable", got, want)
		if !got.UnavailableSince.Equal(at.Add(vestiging.UnavailableAfter)) {
			t.Errorf("unavailable since %v, want %v", got.UnavailableSince, at.Add(vestiging.UnavailableAfter))
		}
		if _, err := db.RecordDelivery(ctx, "e.example", at.Add(vestiging.UnavailableAfter+time.Hour), nil); err != nil {
			t.Fatal(err)
		}
		if got, err := db.HostByName(ctx, "e.example"); err != nil || got.Unavailable() {
			t.Errorf("after a success %+v, %v; want available", got, err)
		}
	})
	t.Run("OKClaimTrial", func(t *testing.T) {
		var h *vestiging.Host
		for i := range vestiging.BreakerThreshold {
			var err error
			if h, err = db.RecordDelivery(ctx, "f.example", at.Add(time.Duration(i)*time.Second), errors.New("timeout")); err != nil {
				t.Fatal(err)
			}
		}
		until := h.RetryAfter.Add(time.Minute)
		var claimed atomic.Int32
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				ok, err := db.ClaimHostTrial(context.Background(), "F.example", h.RetryAfter, until)
				if err != nil {
					t.Errorf("claim: %v", err)
				}
				if ok {
					claimed.Add(1)
				}
			})
		}
		wg.Wait()
		if got := claimed.Load(); got != 1 {
			t.Errorf("%d of 5 claims of one trial succeeded, want 1", got)
		}
		if got, err := db.HostByName(ctx, "f.example"); err != nil || !got.RetryAfter.Equal(until) {
			t.Errorf("after the claim %+v, %v; want RetryAfter %v", got, err, until)
		}
	})
	t.Run("ErrClaimTrialUnknown", func(t *testing.T) {
		if ok, err := db.ClaimHostTrial(ctx, "nowhere.example", at, at.Add(time.Minute)); ok || err != nil {
			t.Errorf("claim of an unknown host: %v, %v; want false, nil", ok, err)
		}
	})
}

func testDomainRules(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	t.Run("OK", func(t *testing.T) {
		r := &vestiging.DomainRule{Host: "Spam.Example", Mode: vestiging.DomainBlock, Reason: "spam"}
		if err := db.SetDomainRule(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.Host != "spam.example" || r.CreatedAt.IsZero() {
			t.Errorf("stored rule %+v", r)
		}
		allow := &vestiging.DomainRule{Host: "b.example", Mode: vestiging.DomainAllow}
		if err := db.SetDomainRule(ctx, allow); err != nil {
			t.Fatal(err)
		}
		changed := &vestiging.DomainRule{Host: "spam.example", Mode: vestiging.DomainAllow, Reason: "reformed"}
		if err := db.SetDomainRule(ctx, changed); err != nil {
			t.Fatal(err)
		}
		if !changed.CreatedAt.Equal(r.CreatedAt) {
			t.Errorf("replacing a rule changed its date: %v, want %v", changed.CreatedAt, r.CreatedAt)
		}
		rules, err := db.DomainRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "rules", rules, []*vestiging.DomainRule{allow, changed})
		if err := db.RemoveDomainRule(ctx, "SPAM.example"); err != nil {
			t.Fatal(err)
		}
		rules, err = db.DomainRules(ctx)
		if err != nil || len(rules) != 1 {
			t.Errorf("after remove: %+v, %v", rules, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		wantCode(t, db.RemoveDomainRule(ctx, "nobody.example"), vestiging.ENOTFOUND)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		wantCode(t, db.SetDomainRule(ctx, &vestiging.DomainRule{Host: "x.example", Mode: "mute"}), vestiging.EINVALID)
		wantCode(t, db.SetDomainRule(ctx, &vestiging.DomainRule{Host: "", Mode: vestiging.DomainBlock}), vestiging.EINVALID)
	})
}

// checkVersions sends copies of one remote object that arrive out of
// order, as retried deliveries do, through upsert (a copy with a title and
// version) and checks what read then finds stored: an older version than
// the stored one changes nothing (ECONFLICT); one without a time is taken
// and keeps the stored version.
func checkVersions(t *testing.T, at time.Time, upsert func(title string, version time.Time) error, read func() (string, time.Time, error)) {
	t.Helper()
	v1, v2, v3 := at.Add(time.Minute), at.Add(2*time.Minute), at.Add(3*time.Minute)
	for _, tc := range []struct {
		title   string
		updated time.Time
		code    string
		want    string    // the title stored after
		version time.Time // and its version
	}{
		{"Versie 2", v2, "", "Versie 2", v2},
		{"Versie 1", v1, vestiging.ECONFLICT, "Versie 2", v2},
		{"Versie 2 again", v2, "", "Versie 2 again", v2},
		{"Versie 3", v3, "", "Versie 3", v3},
		{"Zonder tijd", time.Time{}, "", "Zonder tijd", v3},
		{"Versie 1 late", v1, vestiging.ECONFLICT, "Zonder tijd", v3},
	} {
		t.Run(tc.title, func(t *testing.T) {
			wantCode(t, upsert(tc.title, tc.updated), tc.code)
			title, version, err := read()
			if err != nil || title != tc.want || !version.Equal(tc.version) {
				t.Errorf("stored %q of %v (%v); want %q of %v", title, version, err, tc.want, tc.version)
			}
		})
	}
}
