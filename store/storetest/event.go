package storetest

import (
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// fixture holds two branches for event tests.
type fixture struct {
	db     *store.DB
	a, b   *vestiging.Branch
	amsTZ  *time.Location
	nyTZ   *time.Location
	origin time.Time // a Tuesday 10:00 in Amsterdam
}

func newFixture(t *testing.T, open func(t *testing.T) *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: open(t), a: &vestiging.Branch{Name: "A"}, b: &vestiging.Branch{Name: "B"}}
	for _, b := range []*vestiging.Branch{f.a, f.b} {
		if err := f.db.CreateBranch(t.Context(), b); err != nil {
			t.Fatalf("create branch: %v", err)
		}
	}
	var err error
	if f.amsTZ, err = time.LoadLocation("Europe/Amsterdam"); err != nil {
		t.Fatal(err)
	}
	if f.nyTZ, err = time.LoadLocation("America/New_York"); err != nil {
		t.Fatal(err)
	}
	f.origin = time.Date(2026, time.March, 10, 10, 0, 0, 0, f.amsTZ)
	return f
}

// event returns a valid published event at branch a, day days after origin.
func (f *fixture) event(title string, days int) *vestiging.Event {
	start := f.origin.AddDate(0, 0, days)
	return &vestiging.Event{Title: title, StartsAt: start, EndsAt: start.Add(time.Hour), BranchID: &f.a.ID,
		Status: vestiging.StatusPublished}
}

func (f *fixture) create(t *testing.T, e *vestiging.Event) *vestiging.Event {
	t.Helper()
	if err := f.db.CreateEvent(t.Context(), e); err != nil {
		t.Fatalf("create %q: %v", e.Title, err)
	}
	return e
}

// count returns how many events of any status are stored.
func (f *fixture) count(t *testing.T) int {
	t.Helper()
	_, n, err := f.db.FindEvents(t.Context(), vestiging.EventFilter{
		Statuses: []string{vestiging.StatusDraft, vestiging.StatusPublished, vestiging.StatusCancelled}})
	if err != nil {
		t.Fatalf("count events: %v", err)
	}
	return n
}

// withBranches returns e as a read returns it: branches filled in.
func (f *fixture) withBranches(e *vestiging.Event) *vestiging.Event {
	byID := map[int64]*vestiging.Branch{f.a.ID: f.a, f.b.ID: f.b}
	c := *e
	if c.BranchID != nil {
		c.Branch = byID[*c.BranchID]
	}
	c.Sessions = nil
	for _, s := range e.Sessions {
		s := *s
		if s.BranchID != nil {
			s.Branch = byID[*s.BranchID]
		}
		c.Sessions = append(c.Sessions, &s)
	}
	return &c
}

// withoutBranches returns e as CreateEvent leaves it: branches not filled.
func (f *fixture) withoutBranches(e *vestiging.Event) *vestiging.Event {
	c := *e
	c.Branch = nil
	return &c
}

func testEvents(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event("  Voorleesuurtje ", 0)
		e.Description = `<p>Voor <a href="https://example.nl">peuters</a></p><img src=x onerror=alert(1)>`
		e.Themes, e.Audiences, e.Capacity = []string{"leesplezier"}, []string{vestiging.AudienceChildren}, 12
		e.ImageURL, e.ImageAlt = "https://example.nl/beeld.jpg", "Een boek"
		e.RegistrationMode, e.RegistrationURL = vestiging.RegistrationExternal, "https://example.nl/aanmelden"
		before := time.Now()
		f.create(t, e)
		if e.ID == 0 || e.Title != "Voorleesuurtje" {
			t.Fatalf("after create: ID %d title %q", e.ID, e.Title)
		}
		between(t, "CreatedAt", e.CreatedAt, before, time.Now())
		if !e.UpdatedAt.Equal(e.CreatedAt) {
			t.Errorf("UpdatedAt %v, want CreatedAt %v", e.UpdatedAt, e.CreatedAt)
		}
		got, err := f.db.Event(t.Context(), e.ID)
		if err != nil {
			t.Fatalf("event: %v", err)
		}
		// Written out rather than taken from e, which CreateEvent changed
		// in place: the sanitised description, the trimmed title and the
		// defaults are what is stored, not whatever the store made of them.
		start := f.origin.UTC()
		want := &vestiging.Event{ID: e.ID, LibraryID: 1, Kind: vestiging.KindEvent, Title: "Voorleesuurtje",
			Description:       `<p>Voor <a href="https://example.nl" rel="nofollow noopener">peuters</a></p>`,
			DescriptionSource: "Voor [peuters](<https://example.nl>)",
			StartsAt:          start, EndsAt: start.Add(time.Hour), TimeZone: "Europe/Amsterdam", BranchID: &f.a.ID, Branch: f.a,
			Audiences: []string{vestiging.AudienceChildren}, Themes: []string{"leesplezier"}, Language: "nl",
			ImageURL: "https://example.nl/beeld.jpg", ImageAlt: "Een boek", Capacity: 12,
			RegistrationMode: vestiging.RegistrationExternal, RegistrationURL: "https://example.nl/aanmelden",
			Status: vestiging.StatusPublished, CreatedAt: e.CreatedAt, UpdatedAt: e.CreatedAt, PublishedAt: e.CreatedAt}
		same(t, "event", got, want)
		same(t, "event as created", e, f.withoutBranches(want))
	})
	t.Run("TimeZone", func(t *testing.T) {
		f := newFixture(t, open)
		// A New York event with seconds and microseconds; nanoseconds are dropped.
		start := time.Date(2026, time.November, 1, 1, 30, 15, 123456789, f.nyTZ) // the hour that repeats
		e := &vestiging.Event{Title: "Online", TimeZone: "America/New_York", StartsAt: start, EndsAt: start.Add(time.Hour),
			OnlineURL: "https://meet.example.nl/x"}
		f.create(t, e)
		got, err := f.db.Event(t.Context(), e.ID)
		if err != nil {
			t.Fatalf("event: %v", err)
		}
		if want := start.Truncate(time.Microsecond); !got.StartsAt.Equal(want) || got.StartsAt.Location() != time.UTC {
			t.Errorf("StartsAt %v, want %v in UTC", got.StartsAt, want)
		}
		if got.TimeZone != "America/New_York" || got.Location().String() != "America/New_York" {
			t.Errorf("TimeZone %q", got.TimeZone)
		}
		if got, want := got.StartsAt.In(got.Location()).Format("15:04:05.000000 MST"), "01:30:15.123456 EDT"; got != want {
			t.Errorf("shown at %s, want %s", got, want)
		}
		same(t, "event", got, f.withBranches(e))
	})
	t.Run("Course", func(t *testing.T) {
		f := newFixture(t, open)
		day := func(d int) time.Time { return f.origin.AddDate(0, 0, d) }
		c := &vestiging.Event{Kind: vestiging.KindCourse, Title: "Klik & Tik", Status: vestiging.StatusPublished,
			Sessions: []*vestiging.Session{
				{StartsAt: day(14), EndsAt: day(14).Add(2 * time.Hour), BranchID: &f.b.ID},
				{StartsAt: day(0), EndsAt: day(0).Add(2 * time.Hour), BranchID: &f.a.ID},
				{StartsAt: day(7), EndsAt: day(7).Add(2 * time.Hour), OnlineURL: "https://meet.example.nl/les2"},
			}}
		f.create(t, c)
		got, err := f.db.Event(t.Context(), c.ID)
		if err != nil {
			t.Fatalf("event: %v", err)
		}
		if len(got.Sessions) != 3 || !got.StartsAt.Equal(day(0)) || !got.EndsAt.Equal(day(14).Add(2*time.Hour)) {
			t.Fatalf("course %v–%v with %d sessions", got.StartsAt, got.EndsAt, len(got.Sessions))
		}
		if got.Sessions[0].Branch == nil || got.Sessions[0].Branch.Name != "A" || got.Sessions[1].OnlineURL == "" ||
			got.Sessions[2].Branch == nil || got.Sessions[2].Branch.Name != "B" {
			t.Errorf("sessions not in order with branches: %+v %+v %+v", got.Sessions[0], got.Sessions[1], got.Sessions[2])
		}
		same(t, "course", got, f.withBranches(c))

		// Updating replaces the sessions.
		c.Sessions = c.Sessions[:1]
		c.Title = "Klik & Tik (kort)"
		if err := f.db.UpdateEvent(t.Context(), c); err != nil {
			t.Fatalf("update: %v", err)
		}
		got, err = f.db.Event(t.Context(), c.ID)
		if err != nil {
			t.Fatalf("event: %v", err)
		}
		if len(got.Sessions) != 1 || !got.EndsAt.Equal(day(0).Add(2*time.Hour)) {
			t.Errorf("after update: %d sessions, ends %v", len(got.Sessions), got.EndsAt)
		}
		same(t, "updated course", got, f.withBranches(c))
	})
	t.Run("Update", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.create(t, f.event("Schrijfcafé", 1))
		created := e.CreatedAt
		e.Title, e.BranchID, e.Status = "Schrijfcafé (verplaatst)", &f.b.ID, vestiging.StatusCancelled
		if err := f.db.UpdateEvent(t.Context(), e); err != nil {
			t.Fatalf("update: %v", err)
		}
		if !e.CreatedAt.Equal(created) || e.UpdatedAt.Before(created) {
			t.Errorf("CreatedAt %v UpdatedAt %v, want created %v kept", e.CreatedAt, e.UpdatedAt, created)
		}
		got, err := f.db.Event(t.Context(), e.ID)
		if err != nil {
			t.Fatalf("event: %v", err)
		}
		same(t, "updated event", got, f.withBranches(e))
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		f := newFixture(t, open)
		_, err := f.db.Event(t.Context(), 999)
		wantCode(t, err, vestiging.ENOTFOUND)
		e := f.event("Bestaat niet", 0)
		e.ID = 999
		wantCode(t, f.db.UpdateEvent(t.Context(), e), vestiging.ENOTFOUND)
	})
	t.Run("ErrConflict", func(t *testing.T) {
		f := newFixture(t, open)
		first := f.event("Eerste", 0)
		first.UID = "abc@example.nl"
		f.create(t, first)
		second := f.event("Tweede", 1)
		second.UID = "abc@example.nl"
		wantCode(t, f.db.CreateEvent(t.Context(), second), vestiging.ECONFLICT)
		if second.ID != 0 {
			t.Errorf("failed create left ID %d", second.ID)
		}
		// Events without a UID never conflict with each other.
		f.create(t, f.event("Zonder UID", 2))
		f.create(t, f.event("Ook zonder UID", 3))
		if got, want := f.count(t), 3; got != want {
			t.Errorf("%d events, want %d", got, want)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		f := newFixture(t, open)
		missing := int64(999)
		cases := map[string]func(e *vestiging.Event){
			"no title":           func(e *vestiging.Event) { e.Title = "" },
			"end before start":   func(e *vestiging.Event) { e.EndsAt = e.StartsAt.Add(-time.Hour) },
			"no place":           func(e *vestiging.Event) { e.BranchID = nil },
			"unknown branch":     func(e *vestiging.Event) { e.BranchID = &missing },
			"unknown theme":      func(e *vestiging.Event) { e.Themes = []string{"bestaat-niet"} },
			"unknown time zone":  func(e *vestiging.Event) { e.TimeZone = "Mars/Olympus" },
			"course no sessions": func(e *vestiging.Event) { e.Kind = vestiging.KindCourse },
			"session at unknown branch": func(e *vestiging.Event) {
				e.Kind = vestiging.KindCourse
				e.Sessions = []*vestiging.Session{
					{StartsAt: e.StartsAt, EndsAt: e.EndsAt, BranchID: &f.a.ID},
					{StartsAt: e.StartsAt.AddDate(0, 0, 7), EndsAt: e.EndsAt.AddDate(0, 0, 7), BranchID: &missing},
				}
			},
		}
		for name, change := range cases {
			t.Run(name, func(t *testing.T) {
				e := f.event("Geldig", 0)
				change(e)
				wantCode(t, f.db.CreateEvent(t.Context(), e), vestiging.EINVALID)
			})
		}
		if got := f.count(t); got != 0 {
			t.Errorf("%d events stored after invalid creates, want 0", got)
		}
		// A failed update leaves the stored event as it was.
		e := f.create(t, f.event("Ongewijzigd", 0))
		changed := *e
		changed.Title, changed.BranchID = "Gewijzigd", &missing
		wantCode(t, f.db.UpdateEvent(t.Context(), &changed), vestiging.EINVALID)
		if got, err := f.db.Event(t.Context(), e.ID); err != nil || got.Title != "Ongewijzigd" {
			t.Errorf("after failed update: %v, %v", got, err)
		}
	})
}
