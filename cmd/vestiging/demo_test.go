package main

import (
	"context"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// TestDemoCommunity checks the demo shows what registrations and moderation
// look like: a full workshop with a waitlist, a partner's activities, and a
// reply waiting for approval.
func TestDemoCommunity(t *testing.T) {
	data := t.TempDir()
	wantOK(t, runCmd(t, "demo", "--data", data))
	ctx := context.Background()
	db := openStore(t, data)
	events, _, err := db.FindEvents(ctx, vestiging.EventFilter{
		Statuses: []string{vestiging.StatusPublished, vestiging.StatusPending}, Limit: vestiging.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	byTitle := map[string]*vestiging.Event{}
	for _, e := range events {
		if byTitle[e.Title] == nil {
			byTitle[e.Title] = e
		}
	}

	t.Run("Waitlist", func(t *testing.T) {
		e := byTitle["Workshop 3D-printen"]
		if e == nil {
			t.Fatal("no workshop")
		}
		if got, want := [2]int{e.Participants, e.Waitlisted}, [2]int{2, 1}; got != want {
			t.Errorf("participants and waitlisted: got %v, want %v", got, want)
		}
	})

	t.Run("Partner", func(t *testing.T) {
		for title, status := range map[string]string{
			"Spreekuur geldzaken":                  vestiging.StatusPublished,
			"Workshop formulieren van de gemeente": vestiging.StatusPending,
		} {
			e := byTitle[title]
			if e == nil {
				t.Fatalf("no event %q", title)
			}
			if e.Status != status || e.PartnerName != "Stichting Welzijn Tiel" {
				t.Errorf("%q: got status %q, partner %q", title, e.Status, e.PartnerName)
			}
		}
	})

	t.Run("WhatLibrariesSay", func(t *testing.T) {
		var free, memberPrice, twoThemes, atPlace, notStated int
		for _, e := range byTitle {
			switch {
			case e.Price == nil:
				notStated++
			case e.Free():
				free++
			case e.Price.MemberCents != nil:
				memberPrice++
			}
			if len(e.Themes) > 1 {
				twoThemes++
			}
			if e.PlaceID != nil && e.Place != nil && e.Place.HasCoordinates() && e.BranchID == nil {
				atPlace++
			}
		}
		if free < 5 || memberPrice < 3 || twoThemes < 3 || atPlace < 2 || notStated < 2 {
			t.Errorf("free %d, with a member price %d, two themes %d, at a place with coordinates %d, no price stated %d",
				free, memberPrice, twoThemes, atPlace, notStated)
		}
		places, err := db.Places(ctx)
		if err != nil || len(places) != 2 {
			t.Errorf("places %d, %v; want the school and the community centre once each", len(places), err)
		}
		course := byTitle["Cursus stamboomonderzoek"]
		if course == nil || len(course.Sessions) != 4 || course.Sessions[2].Place == nil || course.Sessions[1].BranchID == nil {
			t.Errorf("course sessions at a branch and a place: %+v", course)
		}
	})
	t.Run("PendingReply", func(t *testing.T) {
		_, n, err := db.Replies(ctx, vestiging.ReplyFilter{Status: vestiging.ReplyPending})
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("pending replies: got %d, want 1", n)
		}
	})
}

// TestDemoToday: whatever day the demo starts, the demo library has
// something on that day, when it is no holiday.
func TestDemoToday(t *testing.T) {
	var on [7]bool
	for _, d := range rivierenland.agenda {
		if d.weeks[0] == 0 && d.status == "" {
			on[d.weekday] = true
		}
	}
	for weekday, ok := range on {
		if !ok {
			t.Errorf("nothing in the first week on weekday %d (Monday is 0)", weekday)
		}
	}
}

// TestDemoDates fills each demo library as if it were the Monday before
// Christmas: its agenda starts that day and plans nothing on a public
// holiday, and a one-off activity of the holiday week moves a week on.
func TestDemoDates(t *testing.T) {
	loc := amsterdam(t)
	now := time.Date(2026, time.December, 21, 8, 0, 0, 0, loc)
	for _, lib := range append([]*demoLibrary{&rivierenland}, demoNeighbours...) {
		t.Run(lib.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := openDB(ctx, t.TempDir(), "", store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if filled, err := fillDemo(ctx, db, now, lib, nil); !filled || err != nil {
				t.Fatalf("filled %v, %v", filled, err)
			}
			events, _, err := db.FindEvents(ctx, vestiging.EventFilter{Statuses: allStatuses, Limit: vestiging.MaxPageSize})
			if err != nil {
				t.Fatal(err)
			}
			first := events[0].StartsAt
			for _, e := range events {
				starts := []time.Time{e.StartsAt}
				for _, s := range e.Sessions {
					starts = append(starts, s.StartsAt)
				}
				for _, start := range starts {
					if start.Before(first) {
						first = start
					}
					if holiday(start.In(loc)) {
						t.Errorf("%q on %s, a holiday", e.Title, start.In(loc).Format(time.DateOnly))
					}
				}
			}
			if got := first.In(loc).Format(time.DateOnly); got < "2026-12-21" || (lib == &rivierenland && got != "2026-12-21") {
				t.Errorf("first activity on %s, want today, 2026-12-21", got)
			}
		})
	}
}
