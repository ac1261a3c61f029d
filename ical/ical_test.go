package ical

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

func ptr[T any](v T) *T { return &v }

func testOptions() Options {
	return Options{
		Branches: []*vestiging.Branch{
			{ID: 1, Name: "Bibliotheek Tiel"},
			{ID: 2, Name: "Bibliotheek Culemborg"},
		},
		Themes: []*vestiging.Theme{
			{Slug: "leesplezier", NameNL: "Leesplezier", NameEN: "Reading for pleasure"},
			{Slug: "digitale-vaardigheden", NameNL: "Digitale vaardigheden", NameEN: "Digital inclusion"},
			{Slug: "leven-lang-leren", NameNL: "Leven lang leren", NameEN: "Lifelong learning"},
		},
		Now: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC),
	}
}

func decodeFile(t *testing.T, name string, opts Options) ([]*vestiging.Event, error) {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Decode(f, opts)
}

func byUID(t *testing.T, events []*vestiging.Event) map[string]*vestiging.Event {
	t.Helper()
	m := map[string]*vestiging.Event{}
	for _, e := range events {
		if _, dup := m[e.UID]; dup {
			t.Fatalf("UID %q twice", e.UID)
		}
		m[e.UID] = e
	}
	return m
}

func TestDecode(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		events, err := decodeFile(t, "agenda.ics", testOptions())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(events), 6; got != want {
			t.Fatalf("got %d events, want %d", got, want)
		}
		m := byUID(t, events)
		ams, _ := time.LoadLocation("Europe/Amsterdam")

		v := m["voorlezen-2026-12-02@rivierenland.example"]
		if v == nil {
			t.Fatal("voorlezen missing")
		}
		if got, want := v.Title, "Voorleesuurtje"; got != want {
			t.Errorf("title: got %q, want %q", got, want)
		}
		if got, want := v.Description, "<p>Voorlezen voor kinderen van 4 tot 8 jaar.</p><p>Gratis, aanmelden hoeft niet.</p>"; got != want {
			t.Errorf("description: got %q, want %q", got, want)
		}
		if got, want := v.StartsAt, time.Date(2026, 12, 2, 15, 0, 0, 0, ams); !got.Equal(want) {
			t.Errorf("start: got %v, want %v", got, want)
		}
		if got, want := v.EndsAt, time.Date(2026, 12, 2, 16, 0, 0, 0, ams); !got.Equal(want) {
			t.Errorf("end: got %v, want %v", got, want)
		}
		if v.BranchID == nil || *v.BranchID != 1 {
			t.Errorf("branch: got %v, want 1", v.BranchID)
		}
		if got, want := v.Themes, []string{"leesplezier"}; !slices.Equal(got, want) {
			t.Errorf("theme: got %q, want %q", got, want)
		}
		if got, want := v.Status, vestiging.StatusPublished; got != want {
			t.Errorf("status: got %q, want %q", got, want)
		}
		if got, want := v.TimeZone, "Europe/Amsterdam"; got != want {
			t.Errorf("zone: got %q, want %q", got, want)
		}

		w := m["webinar-2026-12-03@rivierenland.example"]
		if w.BranchID != nil || w.OnlineURL != "https://webinar.example/bankieren" {
			t.Errorf("webinar place: got branch %v, online %q", w.BranchID, w.OnlineURL)
		}
		if got, want := w.EndsAt.Sub(w.StartsAt), 90*time.Minute; got != want {
			t.Errorf("webinar duration: got %v, want %v", got, want)
		}
		if got, want := w.Themes, []string{"digitale-vaardigheden"}; !slices.Equal(got, want) {
			t.Errorf("webinar theme: got %q, want %q", got, want)
		}

		l := m["lezing-2026-12-04@rivierenland.example"]
		if got, want := l.Status, vestiging.StatusCancelled; got != want {
			t.Errorf("lezing status: got %q, want %q", got, want)
		}
		if l.BranchID != nil || l.PlaceID != nil || l.Place == nil || l.Place.Name != "Dorpshuis De Linge" || l.Place.City != "" {
			t.Errorf("lezing: an unknown place is a new place, got branch %v place %+v", l.BranchID, l.Place)
		}

		s := m["school-2026-12-08@rivierenland.example"]
		want := &vestiging.Place{Name: "OBS De Regenboog", Street: "Schoolstraat 1", PostalCode: "4001 AA", City: "Tiel",
			Latitude: ptr(51.8901), Longitude: ptr(5.4312)}
		if p := s.Place; p == nil || p.Name != want.Name || p.Street != want.Street || p.PostalCode != want.PostalCode ||
			p.City != want.City || !p.HasCoordinates() || *p.Latitude != *want.Latitude || *p.Longitude != *want.Longitude {
			t.Errorf("school place: got %+v, want %+v", s.Place, want)
		}
		if got, want := s.Themes, []string{"leesplezier", "leven-lang-leren"}; !slices.Equal(got, want) {
			t.Errorf("school themes: got %q, want %q", got, want)
		}
		if p := s.Price; p == nil || p.Cents != 250 || p.MemberCents == nil || *p.MemberCents != 0 || p.Note != "incl. boekje" {
			t.Errorf("school price: %+v", p)
		}
		if v.Price != nil {
			t.Errorf("voorlezen states no price, got %+v", v.Price)
		}

		x := m["expositie-2026-12@rivierenland.example"]
		if x.BranchID == nil || *x.BranchID != 2 {
			t.Errorf("expositie branch: got %v, want 2", x.BranchID)
		}
		if got, want := x.StartsAt, time.Date(2026, 12, 5, 0, 0, 0, 0, ams); !got.Equal(want) {
			t.Errorf("all-day start: got %v, want %v", got, want)
		}
		if got, want := x.EndsAt, time.Date(2026, 12, 6, 23, 59, 0, 0, ams); !got.Equal(want) {
			t.Errorf("all-day end: got %v, want %v", got, want)
		}
		if got, want := x.Themes, []string{"leven-lang-leren"}; !slices.Equal(got, want) {
			t.Errorf("expositie theme: got %q, want %q", got, want)
		}
	})

	t.Run("DefaultBranch", func(t *testing.T) {
		opts := testOptions()
		opts.BranchID = ptr(int64(2))
		events, err := decodeFile(t, "agenda.ics", opts)
		if err != nil {
			t.Fatal(err)
		}
		l := byUID(t, events)["inloop-2026-12-04@rivierenland.example"]
		if l.BranchID == nil || *l.BranchID != 2 {
			t.Errorf("got branch %v, want 2", l.BranchID)
		}
	})

	t.Run("KnownPlace", func(t *testing.T) {
		opts := testOptions()
		opts.Places = []*vestiging.Place{{ID: 7, Name: "Dorpshuis De Linge"}, {ID: 8, Name: "Dorpshuis"}}
		events, err := decodeFile(t, "agenda.ics", opts)
		if err != nil {
			t.Fatal(err)
		}
		l := byUID(t, events)["lezing-2026-12-04@rivierenland.example"]
		if l.PlaceID == nil || *l.PlaceID != 7 || l.Place != nil {
			t.Errorf("got place %v %+v, want 7 (the longest name it contains)", l.PlaceID, l.Place)
		}
	})

	t.Run("Recurring", func(t *testing.T) {
		events, err := decodeFile(t, "taalcafe.ics", testOptions())
		if err != nil {
			t.Fatal(err)
		}
		ams, _ := time.LoadLocation("Europe/Amsterdam")
		var got []string
		for _, e := range events {
			got = append(got, e.UID+" "+e.StartsAt.In(ams).Format("01-02 15:04")+"-"+e.EndsAt.In(ams).Format("15:04"))
		}
		// 15 October is excluded; 29 October (after the DST change) is replaced.
		want := []string{
			"taalcafe@rivierenland.example#20261001T170000Z 10-01 19:00-20:30",
			"taalcafe@rivierenland.example#20261008T170000Z 10-08 19:00-20:30",
			"taalcafe@rivierenland.example#20261022T170000Z 10-22 19:00-20:30",
			"taalcafe@rivierenland.example#20261105T180000Z 11-05 19:00-20:30",
			"taalcafe@rivierenland.example#20261029T180000Z 10-29 18:30-20:30",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if got, want := events[4].Title, "Taalcafé (Halloween-special)"; got != want {
			t.Errorf("override title: got %q, want %q", got, want)
		}
	})

	t.Run("RecurringFromNow", func(t *testing.T) {
		opts := testOptions()
		opts.Now = time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC)
		events, err := decodeFile(t, "taalcafe.ics", opts)
		if err != nil {
			t.Fatal(err)
		}
		// 22 October and 5 November from the rule, plus the replaced 29 October.
		if got, want := len(events), 3; got != want {
			t.Errorf("got %d events, want %d", got, want)
		}
	})
}

func TestDecodeErrors(t *testing.T) {
	const head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n" // lines 1-3
	tests := []struct {
		name string
		ics  string
		want string
	}{
		{"Empty", "", "line 1: the file is empty"},
		{"NotCalendar", "hello world\n", "line 1: HELLO: missing ':'"},
		{"NoName", ";x=y:z\n", "line 1: expected a property name"},
		{"NotVCalendar", "BEGIN:VEVENT\n", "line 1: expected BEGIN:VCALENDAR, found BEGIN:VEVENT"},
		{"NoColon", head + "UID:a\r\nSUMMARY Stuk\r\n", "line 5: SUMMARY: missing ':'"},
		{"BadParam", head + "UID:a\r\nDTSTART;TZID:2026\r\n", "line 5: DTSTART: malformed parameter"},
		{"UnterminatedQuote", head + "DTSTART;TZID=\"Europe/Amsterdam:2026\r\n", "line 4: DTSTART: parameter TZID has an unterminated quote"},
		{"Unclosed", head + "UID:a\r\nEND:VCALENDAR\r\n", "line 5: END:VCALENDAR does not close BEGIN:VEVENT of line 3"},
		{"NeverClosed", head + "UID:a\r\nSUMMARY:x\r\nDTSTART:20261202T150000Z\r\nEND:VEVENT\r\n", "line 1: BEGIN:VCALENDAR is never closed"},
		{"EndWithoutBegin", "END:VCALENDAR\n", "line 1: END:VCALENDAR without a BEGIN"},
		{"StrayFold", " folded\n", "line 1: a folded continuation line"},
		{"NoUID", head + "SUMMARY:x\r\nDTSTART:20261202T150000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 3: VEVENT without a UID"},
		{"NoStart", head + "UID:a\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 3: event \"a\" has no DTSTART"},
		{"BadDate", head + "UID:a\r\nSUMMARY:x\r\nDTSTART:2026-12-02\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 6: DTSTART: \"2026-12-02\" is not a date"},
		{"YearOutOfRange", head + "UID:a\r\nSUMMARY:x\r\nDTSTART:00010101T000000Z\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 6: DTSTART: the year 1 is out of range"},
		{"BadZone", head + "UID:a\r\nSUMMARY:x\r\nDTSTART;TZID=Mars/Olympus:20261202T150000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 6: DTSTART: unknown time zone \"Mars/Olympus\""},
		{"NoTitle", head + "UID:a\r\nDTSTART:20261202T150000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 3: event \"a\": title: This field is required."},
		{"EndBeforeStart", head + "UID:a\r\nSUMMARY:x\r\nDTSTART:20261202T150000Z\r\nDTEND:20261202T140000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 3: event \"a\": ends_at: The end must be after the start."},
		{"BadEscape", head + "UID:a\r\nSUMMARY:x\\q\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 5: SUMMARY: malformed text"},
		{"Hourly", head + "UID:a\r\nSUMMARY:x\r\nDTSTART:20261202T150000Z\r\nRRULE:FREQ=HOURLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 7: RRULE: events repeating more often than daily"},
		{"DuplicateUID", head + "UID:a\r\nSUMMARY:x\r\nDTSTART:20261202T150000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:y\r\nDTSTART:20261203T150000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 8: UID \"a\" appears twice (first on line 3)"},
		{"BadUTF8", head + "UID:a\r\nSUMMARY:\xff\r\n", "line 5: not valid UTF-8"},
		{"BadGeo", head + "UID:a\r\nSUMMARY:x\r\nDTSTART:20261202T150000Z\r\nLOCATION:Buurthuis\r\nGEO:noord\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 8: GEO: \"noord\" is not latitude;longitude"},
		{"GeoOutOfRange", head + "UID:a\r\nSUMMARY:x\r\nDTSTART:20261202T150000Z\r\nLOCATION:Buurthuis\r\nGEO:95;5\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 3: event \"a\": place_latitude: Latitude must be between -90 and 90."},
		{"BadPrice", head + "UID:a\r\nSUMMARY:x\r\nDTSTART:20261202T150000Z\r\nX-VESTIGING-PRICE:vijf\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 7: X-VESTIGING-PRICE: \"vijf\" is not an amount of euros"},
		{"MemberPriceAbovePrice", head + "UID:a\r\nSUMMARY:x\r\nDTSTART:20261202T150000Z\r\nX-VESTIGING-PRICE:5\r\nX-VESTIGING-MEMBER-PRICE:7\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 3: event \"a\": member_price: The member price cannot be higher than the price."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := Decode(strings.NewReader(tt.ics), testOptions())
			if err == nil {
				t.Fatalf("got %d events and no error, want %q", len(events), tt.want)
			}
			if events != nil {
				t.Errorf("got %d events with the error, want none", len(events))
			}
			if got, want := vestiging.ErrorCode(err), vestiging.EINVALID; got != want {
				t.Errorf("code: got %q, want %q", got, want)
			}
			if got := vestiging.ErrorMessage(err); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want prefix %q", got, tt.want)
			}
		})
	}

	t.Run("File", func(t *testing.T) {
		_, err := decodeFile(t, "malformed.ics", testOptions())
		if got, want := vestiging.ErrorMessage(err), "line 12: DTSTART: expected ';' or ':' after parameter TZID"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})

	t.Run("TooLarge", func(t *testing.T) {
		_, err := Decode(strings.NewReader(strings.Repeat("x", MaxSize+1)), testOptions())
		if got, want := vestiging.ErrorCode(err), vestiging.ETOOLARGE; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})

	t.Run("NoBranch", func(t *testing.T) {
		opts := testOptions()
		opts.Branches = nil
		_, err := decodeFile(t, "agenda.ics", opts)
		if got, want := vestiging.ErrorMessage(err), "line 41: event \"inloop-2026-12-04@rivierenland.example\" has no place, no online link"; !strings.HasPrefix(got, want) {
			t.Errorf("got %q, want prefix %q", got, want)
		}
	})
}
