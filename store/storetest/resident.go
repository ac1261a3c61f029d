package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

func testPersonKey(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	t.Run("OK", func(t *testing.T) {
		var wg sync.WaitGroup
		keys := make([]string, 8)
		for i := range keys {
			wg.Go(func() {
				k, err := db.PersonKey(ctx, 7, func() (string, error) { return fmt.Sprintf("key %d", i), nil })
				if err != nil {
					t.Errorf("person key %d: %v", i, err)
				}
				keys[i] = k
			})
		}
		wg.Wait()
		for _, k := range keys {
			if k != keys[0] || k == "" {
				t.Fatalf("racing callers got different keys: %q", keys)
			}
		}
		got, err := db.PersonKey(ctx, 7, nil)
		if got, want := got, keys[0]; err != nil || got != want {
			t.Errorf("got %q, %v; want %q", got, err, want)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if err := db.RemovePersonKey(ctx, 7); err != nil {
			t.Fatal(err)
		}
		_, err := db.PersonKey(ctx, 7, nil)
		wantCode(t, err, vestiging.ENOTFOUND)
	})
}

func testPersonFollowing(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	anna, ben := person(t, db, "anna@a.example", "Anna").ID, person(t, db, "ben@a.example", "Ben").ID
	b := upsertActor(t, db, actor("b.example", "B"))
	c := upsertActor(t, db, actor("c.example", "C"))
	c.Type = "Person"
	if err := db.UpsertActor(ctx, c); err != nil {
		t.Fatal(err)
	}
	fb := &vestiging.PersonFollowing{PersonID: anna, Actor: b, ActivityIRI: "https://a.example/activities/p1", State: vestiging.FollowPending}
	fc := &vestiging.PersonFollowing{PersonID: anna, Actor: c, ActivityIRI: "https://a.example/activities/p2", State: vestiging.FollowPending}
	other := &vestiging.PersonFollowing{PersonID: ben, Actor: b, ActivityIRI: "https://a.example/activities/p3", State: vestiging.FollowPending}
	for _, f := range []*vestiging.PersonFollowing{fb, fc, other} {
		if err := db.SetPersonFollowing(ctx, f); err != nil {
			t.Fatalf("set person following: %v", err)
		}
	}
	t.Run("OK", func(t *testing.T) {
		followed, err := db.FollowedLocally(ctx, b.ID)
		if err != nil || followed {
			t.Fatalf("pending follow counts as followed: %v, %v", followed, err)
		}
		fb.State = vestiging.FollowAccepted
		if err := db.SetPersonFollowing(ctx, fb); err != nil {
			t.Fatal(err)
		}
		got, err := db.PersonFollowingByActivity(ctx, fb.ActivityIRI)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "by activity", got, fb)
		got, err = db.PersonFollowing(ctx, anna, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "by actor", got, fc)
		list, err := db.PersonFollowings(ctx, anna)
		if err != nil || len(list) != 2 {
			t.Fatalf("person followings %d, %v; want 2", len(list), err)
		}
		if followed, err := db.FollowedLocally(ctx, b.ID); err != nil || !followed {
			t.Errorf("accepted follow: followed %v, %v", followed, err)
		}
	})
	t.Run("KnownLibraries", func(t *testing.T) {
		// Only what the library follows or is followed by is listed, and
		// only organisations, not people.
		if err := db.SetFollowing(ctx, &vestiging.Following{Actor: b, ActivityIRI: "https://a.example/activities/l1", State: vestiging.FollowAccepted}); err != nil {
			t.Fatal(err)
		}
		if err := db.AddFollower(ctx, c.ID, "https://c.example/follow"); err != nil {
			t.Fatal(err)
		}
		start := time.Now().Add(24 * time.Hour)
		for i, e := range []*vestiging.Event{remoteEvent(b, 1, start), remoteEvent(b, 2, start.Add(-72*time.Hour))} {
			if err := db.UpsertRemoteEvent(ctx, e); err != nil {
				t.Fatalf("event %d: %v", i, err)
			}
		}
		got, err := db.KnownLibraries(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Actor.ID != b.ID || got[0].Upcoming != 1 || !got[0].Followed || got[0].Follower {
			t.Fatalf("got %d libraries, first %+v; want B with 1 upcoming, followed", len(got), got[0])
		}
		// D follows the library and a resident follows D: D's events are
		// the resident's, not counted as the public agenda's.
		d := upsertActor(t, db, actor("d.example", "D"))
		if err := db.AddFollower(ctx, d.ID, "https://d.example/follow"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetPersonFollowing(ctx, &vestiging.PersonFollowing{PersonID: ben, Actor: d,
			ActivityIRI: "https://a.example/activities/p4", State: vestiging.FollowAccepted}); err != nil {
			t.Fatal(err)
		}
		if err := db.UpsertRemoteEvent(ctx, remoteEvent(d, 1, start)); err != nil {
			t.Fatal(err)
		}
		got, err = db.KnownLibraries(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[1].Actor.ID != d.ID || got[1].Upcoming != 0 || got[1].Followed || !got[1].Follower {
			t.Fatalf("got %d libraries, last %+v; want D with none upcoming, a follower", len(got), got[len(got)-1])
		}
	})
	t.Run("Remove", func(t *testing.T) {
		if err := db.RemovePersonFollowing(ctx, anna, c.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.RemovePersonFollowing(ctx, anna, c.ID), vestiging.ENOTFOUND)
		_, err := db.PersonFollowing(ctx, anna, c.ID)
		wantCode(t, err, vestiging.ENOTFOUND)
		if _, err := db.PersonFollowing(ctx, ben, b.ID); err != nil {
			t.Errorf("another resident's follow: %v", err)
		}
	})
	t.Run("Followers", func(t *testing.T) {
		for range 2 {
			if err := db.AddPersonFollower(ctx, anna, c.ID, "https://c.example/follows/1"); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.AddPersonFollower(ctx, ben, b.ID, "https://b.example/follows/1"); err != nil {
			t.Fatal(err)
		}
		got, err := db.PersonFollowers(ctx, anna)
		if err != nil || len(got) != 1 || got[0].Actor.ID != c.ID || got[0].ActivityIRI != "https://c.example/follows/1" {
			t.Fatalf("person followers: %d, %v", len(got), err)
		}
		if err := db.RemovePersonFollower(ctx, anna, c.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.RemovePersonFollower(ctx, anna, c.ID), vestiging.ENOTFOUND)
		wantCode(t, db.AddPersonFollower(ctx, anna, 9999, "x"), vestiging.ENOTFOUND)
		if got, err := db.PersonFollowers(ctx, ben); err != nil || len(got) != 1 {
			t.Errorf("another resident's followers: %d, %v", len(got), err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.PersonFollowingByActivity(ctx, "https://a.example/activities/404")
		wantCode(t, err, vestiging.ENOTFOUND)
		err = db.SetPersonFollowing(ctx, &vestiging.PersonFollowing{PersonID: anna, Actor: &vestiging.Actor{ID: 9999}, ActivityIRI: "x", State: vestiging.FollowPending})
		wantCode(t, err, vestiging.ENOTFOUND)
		// An answer or a Follow arriving after the account was deleted
		// writes nothing back.
		gone := person(t, db, "gone@a.example", "Weg").ID
		if err := db.DeletePerson(ctx, gone); err != nil {
			t.Fatal(err)
		}
		err = db.SetPersonFollowing(ctx, &vestiging.PersonFollowing{PersonID: gone, Actor: b, ActivityIRI: "https://a.example/activities/gone", State: vestiging.FollowAccepted})
		wantCode(t, err, vestiging.ENOTFOUND)
		wantCode(t, db.AddPersonFollower(ctx, gone, b.ID, "https://b.example/follows/gone"), vestiging.ENOTFOUND)
		if fs, err := db.PersonFollowings(ctx, gone); err != nil || len(fs) != 0 {
			t.Errorf("a deleted person's follows: %d, %v", len(fs), err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		wantCode(t, db.SetPersonFollowing(ctx, &vestiging.PersonFollowing{PersonID: anna, Actor: b, ActivityIRI: "x", State: "maybe"}), vestiging.EINVALID)
		wantCode(t, db.SetPersonFollowing(ctx, &vestiging.PersonFollowing{Actor: b, ActivityIRI: "x", State: vestiging.FollowPending}), vestiging.EINVALID)
	})
}
