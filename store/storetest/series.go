package storetest

import (
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

func testSeries(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		f := newFixture(t, open)
		// Thursdays 19:00 in Amsterdam across the switch to summer time on 29 March.
		start := time.Date(2026, time.March, 5, 19, 0, 0, 0, f.amsTZ)
		first := &vestiging.Event{Title: "Taalcafé", StartsAt: start, EndsAt: start.Add(90 * time.Minute),
			BranchID: &f.a.ID, Status: vestiging.StatusPublished, UID: "ignored@example.nl"}
		s := &vestiging.Series{Frequency: vestiging.FrequencyWeekly, Until: "2026-04-02", Skip: []string{"2026-03-19"}}
		got, err := f.db.CreateSeries(t.Context(), s, first)
		if err != nil {
			t.Fatalf("create series: %v", err)
		}
		if s.ID == 0 {
			t.Fatal("series ID not set")
		}
		want := []string{"2026-03-05 19:00 CET", "2026-03-12 19:00 CET", "2026-03-26 19:00 CET", "2026-04-02 19:00 CEST"}
		if len(got) != len(want) {
			t.Fatalf("%d occurrences, want %d", len(got), len(want))
		}
		for i, e := range got {
			if e.ID == 0 || e.SeriesID == nil || *e.SeriesID != s.ID || e.UID != "" {
				t.Errorf("occurrence %d: ID %d SeriesID %v UID %q", i, e.ID, e.SeriesID, e.UID)
			}
			if got := e.StartsAt.In(f.amsTZ).Format("2006-01-02 15:04 MST"); got != want[i] {
				t.Errorf("occurrence %d at %s, want %s", i, got, want[i])
			}
		}
		found, total, err := f.db.FindEvents(t.Context(), vestiging.EventFilter{SeriesID: s.ID})
		if err != nil {
			t.Fatalf("find: %v", err)
		}
		if total != len(want) {
			t.Errorf("found %d in series, want %d", total, len(want))
		}
		var wantFound []*vestiging.Event
		for _, e := range got {
			wantFound = append(wantFound, f.withBranches(e))
		}
		same(t, "series events", found, wantFound)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		f := newFixture(t, open)
		cases := []struct {
			name   string
			series vestiging.Series
			first  *vestiging.Event
		}{
			{"frequency", vestiging.Series{Frequency: "daily", Until: "2026-04-01"}, f.event("x", 0)},
			{"until before first", vestiging.Series{Frequency: vestiging.FrequencyWeekly, Until: "2026-01-01"}, f.event("x", 0)},
			{"too many", vestiging.Series{Frequency: vestiging.FrequencyWeekly, Until: "2036-01-01"}, f.event("x", 0)},
			{"invalid first", vestiging.Series{Frequency: vestiging.FrequencyWeekly, Until: "2026-04-01"}, f.event("", 0)},
			{"every date skipped", vestiging.Series{Frequency: vestiging.FrequencyWeekly, Until: "2026-03-10", Skip: []string{"2026-03-10"}}, f.event("x", 0)},
			{"course", vestiging.Series{Frequency: vestiging.FrequencyWeekly, Until: "2026-04-01"}, &vestiging.Event{
				Kind: vestiging.KindCourse, Title: "x", Sessions: []*vestiging.Session{{StartsAt: f.origin, EndsAt: f.origin.Add(time.Hour), BranchID: &f.a.ID}}}},
		}
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				got, err := f.db.CreateSeries(t.Context(), &tt.series, tt.first)
				wantCode(t, err, vestiging.EINVALID)
				if got != nil || tt.series.ID != 0 {
					t.Errorf("failed series returned %d events, ID %d", len(got), tt.series.ID)
				}
			})
		}
		missing := int64(999)
		bad := f.event("x", 0)
		bad.BranchID = &missing
		_, err := f.db.CreateSeries(t.Context(), &vestiging.Series{Frequency: vestiging.FrequencyMonthly, Until: "2026-12-31"}, bad)
		wantCode(t, err, vestiging.EINVALID)
		if got := f.count(t); got != 0 {
			t.Errorf("%d events stored after failed series, want 0", got)
		}
	})
}

func testImport(t *testing.T, open func(t *testing.T) *store.DB) {
	feed := func(f *fixture) []*vestiging.Event {
		a := f.event("Lezing", 0)
		a.UID = "lezing@example.nl"
		b := f.event("Workshop", 1)
		b.UID, b.BranchID, b.OnlineURL = "workshop@example.nl", nil, "https://meet.example.nl/ws"
		c := &vestiging.Event{Kind: vestiging.KindCourse, Title: "Cursus", UID: "cursus@example.nl", Status: vestiging.StatusPublished,
			Sessions: []*vestiging.Session{
				{StartsAt: f.origin.AddDate(0, 0, 2), EndsAt: f.origin.AddDate(0, 0, 2).Add(time.Hour), BranchID: &f.a.ID},
				{StartsAt: f.origin.AddDate(0, 0, 9), EndsAt: f.origin.AddDate(0, 0, 9).Add(time.Hour), BranchID: &f.b.ID},
			}}
		return []*vestiging.Event{a, b, c}
	}
	imp := func(t *testing.T, f *fixture, events []*vestiging.Event, wantCreated, wantUpdated int) {
		t.Helper()
		created, updated, err := f.db.ImportEvents(t.Context(), events)
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		if created != wantCreated || updated != wantUpdated {
			t.Errorf("created %d updated %d, want %d and %d", created, updated, wantCreated, wantUpdated)
		}
	}
	t.Run("OK", func(t *testing.T) {
		f := newFixture(t, open)
		first := feed(f)
		imp(t, f, first, 3, 0)
		stored := map[string]*vestiging.Event{}
		for _, e := range first {
			got, err := f.db.Event(t.Context(), e.ID)
			if err != nil {
				t.Fatalf("event %q: %v", e.UID, err)
			}
			same(t, "imported "+e.UID, got, f.withBranches(e))
			stored[e.UID] = got
		}

		// The same feed again changes nothing: same IDs, same UpdatedAt.
		again := feed(f)
		imp(t, f, again, 0, 0)
		for _, e := range again {
			got, err := f.db.Event(t.Context(), stored[e.UID].ID)
			if err != nil {
				t.Fatalf("event %q: %v", e.UID, err)
			}
			same(t, "unchanged "+e.UID, got, stored[e.UID])
			if e.ID != stored[e.UID].ID {
				t.Errorf("%s: ID %d, want %d", e.UID, e.ID, stored[e.UID].ID)
			}
		}
		if got := f.count(t); got != 3 {
			t.Errorf("%d events after importing twice, want 3", got)
		}

		// A changed title and a new event: one update, one create, IDs kept.
		changed := feed(f)
		changed[0].Title = "Lezing (nieuwe spreker)"
		changed[2].Sessions[1].BranchID = &f.a.ID
		extra := f.event("Extra", 5)
		extra.UID = "extra@example.nl"
		imp(t, f, append(changed, extra), 1, 2)
		got, err := f.db.Event(t.Context(), stored["lezing@example.nl"].ID)
		if err != nil || got.Title != "Lezing (nieuwe spreker)" || !got.CreatedAt.Equal(stored["lezing@example.nl"].CreatedAt) {
			t.Errorf("updated event: %+v, %v", got, err)
		}
		course, err := f.db.Event(t.Context(), stored["cursus@example.nl"].ID)
		if err != nil || len(course.Sessions) != 2 || *course.Sessions[1].BranchID != f.a.ID {
			t.Errorf("updated course: %+v, %v", course, err)
		}
		if got := f.count(t); got != 4 {
			t.Errorf("%d events, want 4", got)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		f := newFixture(t, open)
		missing := int64(999)
		cases := map[string]func(events []*vestiging.Event){
			"validation fails in the middle": func(events []*vestiging.Event) { events[1].Title = "" },
			"store fails in the middle":      func(events []*vestiging.Event) { events[1].BranchID, events[1].OnlineURL = &missing, "" },
			"last session fails":             func(events []*vestiging.Event) { events[2].Sessions[1].BranchID = &missing },
		}
		for name, breakIt := range cases {
			t.Run(name, func(t *testing.T) {
				events := feed(f)
				breakIt(events)
				created, updated, err := f.db.ImportEvents(t.Context(), events)
				wantCode(t, err, vestiging.EINVALID)
				if created != 0 || updated != 0 {
					t.Errorf("failed import reported %d created, %d updated", created, updated)
				}
				if got := f.count(t); got != 0 {
					t.Errorf("%d events stored after failed import, want 0", got)
				}
			})
		}
		// A failed re-import leaves earlier imports as they were.
		imp(t, f, feed(f), 3, 0)
		events := feed(f)
		events[0].Title = "Gewijzigd"
		events[2].Sessions[0].BranchID = &missing
		_, _, err := f.db.ImportEvents(t.Context(), events)
		wantCode(t, err, vestiging.EINVALID)
		found, _, err := f.db.FindEvents(t.Context(), vestiging.EventFilter{Limit: 1})
		if err != nil || len(found) != 1 || found[0].Title != "Lezing" {
			t.Errorf("after failed re-import: %v, %v", titles(found), err)
		}
	})
}
