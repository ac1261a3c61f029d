package storetest

import (
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// What an activity says beyond its time (issue 13): places that are not
// branches, a price, several themes and audiences.

func testPlaces(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		school := &vestiging.Place{Name: " OBS De Regenboog ", Street: "Schoolstraat 1", PostalCode: "4001 AA", City: "Tiel",
			Latitude: ptr(51.8901), Longitude: ptr(5.4312)}
		kom := &vestiging.Place{Name: "Buurthuis De Kom", City: "Culemborg"}
		for _, p := range []*vestiging.Place{school, kom} {
			if err := db.CreatePlace(t.Context(), p); err != nil {
				t.Fatalf("create place: %v", err)
			}
		}
		if school.ID == 0 || school.Name != "OBS De Regenboog" {
			t.Errorf("after create: %+v", school)
		}
		list, err := db.Places(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		same(t, "places by name", list, []*vestiging.Place{kom, school})
		kom.Street, kom.Latitude, kom.Longitude = "Kerkstraat 5", ptr(51.955), ptr(5.227)
		if err := db.UpdatePlace(t.Context(), kom); err != nil {
			t.Fatal(err)
		}
		got, err := db.Place(t.Context(), kom.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "updated place", got, kom)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		db := open(t)
		_, err := db.Place(t.Context(), 999)
		wantCode(t, err, vestiging.ENOTFOUND)
		wantCode(t, db.UpdatePlace(t.Context(), &vestiging.Place{ID: 999, Name: "X"}), vestiging.ENOTFOUND)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		for name, p := range map[string]*vestiging.Place{
			"no name":           {City: "Tiel"},
			"latitude too high": {Name: "School", Latitude: ptr(90.5), Longitude: ptr(5.0)},
			"only longitude":    {Name: "School", Longitude: ptr(5.0)},
		} {
			t.Run(name, func(t *testing.T) {
				err := db.CreatePlace(t.Context(), p)
				wantCode(t, err, vestiging.EINVALID)
				if len(vestiging.FieldErrors(err)) == 0 {
					t.Errorf("%v: no field named", err)
				}
			})
		}
		if list, err := db.Places(t.Context()); err != nil || len(list) != 0 {
			t.Errorf("places after invalid creates: %d, %v", len(list), err)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		db := open(t)
		if err := db.CreatePlace(t.Context(), &vestiging.Place{Name: "School", City: "Tiel"}); err != nil {
			t.Fatal(err)
		}
		twin := &vestiging.Place{Name: "School", City: "Tiel"}
		err := db.CreatePlace(t.Context(), twin)
		wantCode(t, err, vestiging.ECONFLICT)
		if twin.ID != 0 || vestiging.FieldErrors(err)["name"] == "" {
			t.Errorf("failed create: ID %d, %v", twin.ID, err)
		}
	})
}

// withPlaces returns e as a read returns it: branches and places filled in.
func (f *fixture) withPlaces(e *vestiging.Event, places ...*vestiging.Place) *vestiging.Event {
	c := f.withBranches(e)
	byID := map[int64]*vestiging.Place{}
	for _, p := range places {
		byID[p.ID] = p
	}
	if c.PlaceID != nil {
		c.Place = byID[*c.PlaceID]
	}
	for _, s := range c.Sessions {
		if s.PlaceID != nil {
			s.Place = byID[*s.PlaceID]
		}
	}
	return c
}

func testEventDetails(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("Price", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event("Workshop boekbinden", 0)
		e.Price = &vestiging.Price{Cents: 1250, MemberCents: ptr(int64(950)), Note: " incl. materiaal "}
		f.create(t, e)
		got, err := f.db.Event(t.Context(), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "priced event", got, f.withBranches(e))
		if got.Price == nil || got.Price.Note != "incl. materiaal" || got.Free() {
			t.Errorf("price %+v", got.Price)
		}
		for _, price := range []*vestiging.Price{{}, nil} {
			e.Price = price
			if err := f.db.UpdateEvent(t.Context(), e); err != nil {
				t.Fatal(err)
			}
			got, err := f.db.Event(t.Context(), e.ID)
			if err != nil {
				t.Fatal(err)
			}
			same(t, "price changed", got.Price, price)
		}
	})
	t.Run("ThemesAndAudiences", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event("Digitaal voorlezen", 0)
		e.Themes = []string{"leesplezier", "digitale-vaardigheden"}
		e.Audiences = []string{vestiging.AudienceSeniors, vestiging.AudienceChildren}
		f.create(t, e)
		other := f.create(t, f.event("Lezing", 1))
		got, err := f.db.Event(t.Context(), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "labelled event", got, f.withBranches(e))
		same(t, "audiences in the list's order", got.Audiences, []string{vestiging.AudienceChildren, vestiging.AudienceSeniors})
		same(t, "event without", other.Audiences, []string{vestiging.AudienceAll})
		find := func(filter vestiging.EventFilter) []string {
			t.Helper()
			events, _, err := f.db.FindEvents(t.Context(), filter)
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, e := range events {
				titles = append(titles, e.Title)
			}
			return titles
		}
		same(t, "by first theme", find(vestiging.EventFilter{Theme: "leesplezier"}), []string{"Digitaal voorlezen"})
		same(t, "by second theme", find(vestiging.EventFilter{Theme: "digitale-vaardigheden"}), []string{"Digitaal voorlezen"})
		same(t, "by audience", find(vestiging.EventFilter{Audience: vestiging.AudienceSeniors}), []string{"Digitaal voorlezen"})
		same(t, "by both", find(vestiging.EventFilter{Audience: vestiging.AudienceAll, Theme: "leesplezier"}), []string(nil))
		// Found in a list, an event carries its lists as Event gives them.
		events, _, err := f.db.FindEvents(t.Context(), vestiging.EventFilter{Theme: "leesplezier"})
		if err != nil || len(events) != 1 {
			t.Fatalf("find: %v, %v", events, err)
		}
		same(t, "found event", events[0], got)

		e.Themes, e.Audiences = []string{"leven-lang-leren"}, nil
		if err := f.db.UpdateEvent(t.Context(), e); err != nil {
			t.Fatal(err)
		}
		same(t, "after update, old theme", find(vestiging.EventFilter{Theme: "leesplezier"}), []string(nil))
		same(t, "after update, new theme", find(vestiging.EventFilter{Theme: "leven-lang-leren"}), []string{"Digitaal voorlezen"})
		same(t, "after update, audiences", e.Audiences, []string{vestiging.AudienceAll})
	})
	t.Run("Places", func(t *testing.T) {
		f := newFixture(t, open)
		ctx := t.Context()
		school := &vestiging.Place{Name: "OBS De Regenboog", Street: "Schoolstraat 1", PostalCode: "4001 AA", City: "Tiel"}
		if err := f.db.CreatePlace(ctx, school); err != nil {
			t.Fatal(err)
		}
		atSchool := f.event("Voorlezen op school", 0)
		atSchool.BranchID, atSchool.PlaceID = nil, &school.ID
		f.create(t, atSchool)
		got, err := f.db.Event(ctx, atSchool.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "event at a place", got, f.withPlaces(atSchool, school))
		if v := got.Venue(); v == nil || v.Name != school.Name || got.Online() {
			t.Errorf("venue %+v", v)
		}

		// A new place comes with the event, in its transaction; the same
		// name and address again is the stored place, with the newest
		// coordinates.
		kom := func() *vestiging.Place {
			return &vestiging.Place{Name: "Buurthuis De Kom", Street: "Kerkstraat 5", PostalCode: "4101 AB", City: "Culemborg"}
		}
		first := f.event("Taalcafé in de wijk", 1)
		first.BranchID, first.Place = nil, kom()
		f.create(t, first)
		if first.PlaceID == nil || first.Place.ID == 0 || *first.PlaceID != first.Place.ID {
			t.Fatalf("new place not stored: %v, %+v", first.PlaceID, first.Place)
		}
		second := f.event("Spreekuur in de wijk", 2)
		second.BranchID, second.Place = nil, kom()
		second.Place.Latitude, second.Place.Longitude = ptr(51.9559), ptr(5.2275)
		f.create(t, second)
		if *second.PlaceID != *first.PlaceID {
			t.Errorf("the same place again got a new row: %d, %d", *second.PlaceID, *first.PlaceID)
		}
		places, err := f.db.Places(ctx)
		if err != nil || len(places) != 2 {
			t.Fatalf("places: %d, %v", len(places), err)
		}
		got, err = f.db.Event(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Place.HasCoordinates() || *got.Place.Latitude != 51.9559 {
			t.Errorf("coordinates of the place: %+v", got.Place)
		}

		// A course meets at a branch, a place and a new place.
		day := func(d int) time.Time { return f.origin.AddDate(0, 0, d) }
		course := &vestiging.Event{Kind: vestiging.KindCourse, Title: "Cursus in de buurt", Status: vestiging.StatusPublished,
			Sessions: []*vestiging.Session{
				{StartsAt: day(3), EndsAt: day(3).Add(time.Hour), BranchID: &f.a.ID},
				{StartsAt: day(10), EndsAt: day(10).Add(time.Hour), PlaceID: &school.ID},
				{StartsAt: day(17), EndsAt: day(17).Add(time.Hour), Place: &vestiging.Place{Name: "Dorpshuis", City: "Buren"}},
			}}
		f.create(t, course)
		got, err = f.db.Event(ctx, course.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "course", got, f.withPlaces(course, school, course.Sessions[2].Place))

		// The agenda's place filter and search know places as they know branches.
		for _, tt := range []struct {
			filter vestiging.EventFilter
			want   int
		}{
			{vestiging.EventFilter{Place: "culemborg"}, 2},
			{vestiging.EventFilter{Place: "4001"}, 2},
			{vestiging.EventFilter{Place: "Buren"}, 1},
			{vestiging.EventFilter{Query: "regenboog"}, 2},
			{vestiging.EventFilter{Query: "dorpshuis"}, 1},
		} {
			if _, n, err := f.db.FindEvents(ctx, tt.filter); err != nil || n != tt.want {
				t.Errorf("%+v: %d found, %v; want %d", tt.filter, n, err, tt.want)
			}
		}
		school.Name = "Kindcentrum De Regenboog"
		if err := f.db.UpdatePlace(ctx, school); err != nil {
			t.Fatal(err)
		}
		if _, n, err := f.db.FindEvents(ctx, vestiging.EventFilter{Query: "kindcentrum"}); err != nil || n != 2 {
			t.Errorf("search after renaming the place: %d, %v", n, err)
		}
	})
	t.Run("Import", func(t *testing.T) {
		f := newFixture(t, open)
		feed := func() []*vestiging.Event {
			e := f.event("Voorlezen in de wijk", 0)
			e.UID, e.BranchID = "wijk@example.nl", nil
			e.Place = &vestiging.Place{Name: "Buurthuis De Kom", City: "Culemborg", Latitude: ptr(51.95), Longitude: ptr(5.22)}
			e.Themes, e.Price = []string{"leesplezier", "leven-lang-leren"}, &vestiging.Price{}
			return []*vestiging.Event{e}
		}
		for i, want := range []int{1, 0} {
			created, updated, err := f.db.ImportEvents(t.Context(), feed())
			if err != nil || created != want || updated != 0 {
				t.Errorf("import %d: created %d updated %d, %v; want %d and 0", i+1, created, updated, err, want)
			}
		}
		if places, err := f.db.Places(t.Context()); err != nil || len(places) != 1 {
			t.Errorf("places after importing twice: %d, %v", len(places), err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		f := newFixture(t, open)
		missing := int64(999)
		cases := map[string]struct {
			change func(e *vestiging.Event)
			field  string
		}{
			"negative price": {func(e *vestiging.Event) { e.Price = &vestiging.Price{Cents: -100} }, "price"},
			"member price above price": {func(e *vestiging.Event) {
				e.Price = &vestiging.Price{Cents: 500, MemberCents: ptr(int64(600))}
			}, "member_price"},
			"unknown theme":    {func(e *vestiging.Event) { e.Themes = []string{"leesplezier", "bestaat-niet"} }, "themes"},
			"bad audience":     {func(e *vestiging.Event) { e.Audiences = []string{"katten"} }, "audiences"},
			"branch and place": {func(e *vestiging.Event) { e.Place = &vestiging.Place{Name: "School"} }, "place_id"},
			"new place latitude out of range": {func(e *vestiging.Event) {
				e.BranchID, e.Place = nil, &vestiging.Place{Name: "School", Latitude: ptr(123.0), Longitude: ptr(5.0)}
			}, "place_latitude"},
			"new place without name": {func(e *vestiging.Event) { e.BranchID, e.Place = nil, &vestiging.Place{City: "Tiel"} }, "place_name"},
			"unknown place":          {func(e *vestiging.Event) { e.BranchID, e.PlaceID = nil, &missing }, ""},
			"session at unknown place": {func(e *vestiging.Event) {
				e.Kind = vestiging.KindCourse
				e.Sessions = []*vestiging.Session{{StartsAt: e.StartsAt, EndsAt: e.EndsAt, PlaceID: &missing}}
			}, "sessions"},
		}
		for name, c := range cases {
			t.Run(name, func(t *testing.T) {
				e := f.event("Ongeldig", 0)
				c.change(e)
				err := f.db.CreateEvent(t.Context(), e)
				wantCode(t, err, vestiging.EINVALID)
				if _, ok := vestiging.FieldErrors(err)[c.field]; c.field != "" && !ok {
					t.Errorf("fields %v, want one for %q", vestiging.FieldErrors(err), c.field)
				}
				if e.ID != 0 {
					t.Errorf("failed create left ID %d", e.ID)
				}
			})
		}
		if got := f.count(t); got != 0 {
			t.Errorf("%d events stored after invalid creates, want 0", got)
		}
		if places, err := f.db.Places(t.Context()); err != nil || len(places) != 0 {
			t.Errorf("%d places stored after invalid creates, %v", len(places), err)
		}
		// A failed update leaves the event, its themes and price as they were.
		e := f.event("Ongewijzigd", 0)
		e.Themes, e.Price = []string{"leesplezier"}, &vestiging.Price{Cents: 300}
		f.create(t, e)
		changed := *e
		changed.Themes, changed.Price = []string{"leesplezier", "bestaat-niet"}, &vestiging.Price{Cents: 400}
		wantCode(t, f.db.UpdateEvent(t.Context(), &changed), vestiging.EINVALID)
		got, err := f.db.Event(t.Context(), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "after failed update", got, f.withBranches(e))
	})
}
