package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

func testFindEvents(t *testing.T, open func(t *testing.T) *store.DB) {
	f := newFixture(t, open)
	day := func(d int) time.Time { return f.origin.AddDate(0, 0, d) }

	past := f.event("past", -5) // at A
	storytime := f.event("storytime", 0)
	storytime.Themes, storytime.Audiences = []string{"leesplezier"}, []string{vestiging.AudienceChildren}
	webinar := f.event("webinar", 1)
	webinar.BranchID, webinar.OnlineURL = nil, "https://meet.example.nl/w"
	webinar.Themes, webinar.Audiences = []string{"digitale-vaardigheden"}, []string{vestiging.AudienceAdults}
	course := &vestiging.Event{Kind: vestiging.KindCourse, Title: "course", Status: vestiging.StatusPublished,
		Themes: []string{"leven-lang-leren"}, Audiences: []string{vestiging.AudienceAdults}, Sessions: []*vestiging.Session{
			{StartsAt: day(2), EndsAt: day(2).Add(time.Hour), BranchID: &f.a.ID},
			{StartsAt: day(9), EndsAt: day(9).Add(time.Hour), BranchID: &f.b.ID},
		}}
	draft := f.event("draft", 3)
	draft.BranchID, draft.Status = &f.b.ID, vestiging.StatusDraft
	cancelled := f.event("cancelled", 4)
	cancelled.BranchID, cancelled.Status, cancelled.Audiences = &f.b.ID, vestiging.StatusCancelled, []string{vestiging.AudienceSeniors}
	// Created out of order, so the result order comes from the query.
	for _, e := range []*vestiging.Event{cancelled, storytime, draft, course, past, webinar} {
		f.create(t, e)
	}

	all := []string{vestiging.StatusDraft, vestiging.StatusPublished, vestiging.StatusCancelled}
	tests := []struct {
		name   string
		filter vestiging.EventFilter
		want   []*vestiging.Event
		total  int
	}{
		{"public by default", vestiging.EventFilter{}, []*vestiging.Event{past, storytime, webinar, course, cancelled}, 5},
		{"from: ended events left out", vestiging.EventFilter{From: day(0)}, []*vestiging.Event{storytime, webinar, course, cancelled}, 4},
		{"from inside a course keeps it", vestiging.EventFilter{From: day(5)}, []*vestiging.Event{course}, 1},
		{"to: started before", vestiging.EventFilter{To: day(1)}, []*vestiging.Event{past, storytime}, 2},
		{"from and to", vestiging.EventFilter{From: day(1), To: day(3)}, []*vestiging.Event{webinar, course}, 2},
		{"theme", vestiging.EventFilter{Theme: "leesplezier"}, []*vestiging.Event{storytime}, 1},
		{"audience", vestiging.EventFilter{Audience: vestiging.AudienceAdults}, []*vestiging.Event{webinar, course}, 2},
		{"branch A", vestiging.EventFilter{BranchID: f.a.ID}, []*vestiging.Event{past, storytime, course}, 3},
		{"branch B includes course session", vestiging.EventFilter{BranchID: f.b.ID}, []*vestiging.Event{course, cancelled}, 2},
		{"online only", vestiging.EventFilter{OnlineOnly: true}, []*vestiging.Event{webinar}, 1},
		{"kind course", vestiging.EventFilter{Kind: vestiging.KindCourse}, []*vestiging.Event{course}, 1},
		{"kind event", vestiging.EventFilter{Kind: vestiging.KindEvent, From: day(0)}, []*vestiging.Event{storytime, webinar, cancelled}, 3},
		{"statuses draft", vestiging.EventFilter{Statuses: []string{vestiging.StatusDraft}}, []*vestiging.Event{draft}, 1},
		{"all statuses", vestiging.EventFilter{Statuses: all}, []*vestiging.Event{past, storytime, webinar, course, draft, cancelled}, 6},
		{"descending", vestiging.EventFilter{Descending: true}, []*vestiging.Event{cancelled, course, webinar, storytime, past}, 5},
		{"first page", vestiging.EventFilter{Limit: 2}, []*vestiging.Event{past, storytime}, 5},
		{"second page", vestiging.EventFilter{Limit: 2, Offset: 2}, []*vestiging.Event{webinar, course}, 5},
		{"last page", vestiging.EventFilter{Limit: 2, Offset: 4}, []*vestiging.Event{cancelled}, 5},
		{"offset beyond total", vestiging.EventFilter{Offset: 50}, []*vestiging.Event{}, 5},
		{"no match", vestiging.EventFilter{Theme: "leesplezier", OnlineOnly: true}, []*vestiging.Event{}, 0},
		// A feed is not counted: its total is what it read.
		{"feed", vestiging.EventFilter{From: day(0), Feed: true}, []*vestiging.Event{storytime, webinar, course, cancelled}, 4},
		{"feed cut at its limit", vestiging.EventFilter{Feed: true, Limit: 2}, []*vestiging.Event{past, storytime}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := f.db.FindEvents(t.Context(), tt.filter)
			if err != nil {
				t.Fatalf("find: %v", err)
			}
			if total != tt.total {
				t.Errorf("total %d, want %d", total, tt.total)
			}
			if got, want := titles(got), titles(tt.want); got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
	t.Run("filled like Event", func(t *testing.T) {
		got, _, err := f.db.FindEvents(t.Context(), vestiging.EventFilter{From: day(0), Limit: 3})
		if err != nil {
			t.Fatalf("find: %v", err)
		}
		same(t, "page", got, []*vestiging.Event{f.withBranches(storytime), f.withBranches(webinar), f.withBranches(course)})
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, offset := range []int{-1, 10_000_000} {
			_, _, err := f.db.FindEvents(t.Context(), vestiging.EventFilter{Offset: offset})
			wantCode(t, err, vestiging.EINVALID)
		}
	})
	t.Run("limit capped", func(t *testing.T) {
		SeedEvents(t, f.db, vestiging.MaxPageSize+5, day(100))
		got, total, err := f.db.FindEvents(t.Context(), vestiging.EventFilter{From: day(50), Limit: 1000})
		if err != nil {
			t.Fatalf("find: %v", err)
		}
		if len(got) != vestiging.MaxPageSize || total != vestiging.MaxPageSize+5 {
			t.Errorf("%d events of %d, want %d of %d", len(got), total, vestiging.MaxPageSize, vestiging.MaxPageSize+5)
		}
	})
	t.Run("count capped", func(t *testing.T) {
		// A fresh range of its own, far after the other events.
		from := day(1000)
		SeedEvents(t, f.db, vestiging.MaxCount+5, from)
		for _, tt := range []struct {
			offset, total int
			capped        bool
		}{{0, vestiging.MaxCount + 1, true}, {20, vestiging.MaxCount + 5, false}, {vestiging.MaxCount, vestiging.MaxCount + 5, false}} {
			filter := vestiging.EventFilter{From: from, Offset: tt.offset}
			got, total, err := f.db.FindEvents(t.Context(), filter)
			if err != nil || len(got) == 0 {
				t.Fatalf("find from %d: %d events, %v", tt.offset, len(got), err)
			}
			if total != tt.total || filter.CountCapped(total) != tt.capped {
				t.Errorf("from %d: total %d (capped %v), want %d (%v)", tt.offset, total, filter.CountCapped(total), tt.total, tt.capped)
			}
		}
	})
}

func titles(events []*vestiging.Event) string {
	s := make([]string, len(events))
	for i, e := range events {
		s[i] = e.Title
	}
	return fmt.Sprint(s)
}
