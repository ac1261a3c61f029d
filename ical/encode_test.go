package ical

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

var testBase = &url.URL{Scheme: "https", Host: "bibliotheek.example"}

// encodeEvents returns a sample of what a feed holds: a local event in
// summer and one in winter (daylight saving on either side), a cancelled
// online one, a course with two sessions, a remote event and one in another
// zone.
func encodeEvents() []*vestiging.Event {
	tiel := &vestiging.Branch{ID: 1, Name: "Bibliotheek Tiel", Street: "Markt 12", PostalCode: "4001 AB", City: "Tiel",
		Latitude: ptr(51.886), Longitude: ptr(5.43)}
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	at := func(month time.Month, day, hour int) time.Time {
		return time.Date(2026, month, day, hour, 0, 0, 0, ams)
	}
	updated := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	long := strings.Repeat("Een lange beschrijving met een é en een 🙂. ", 8)
	return []*vestiging.Event{
		{ID: 1, Kind: vestiging.KindEvent, Title: "Voorleesuur; met, tekens\\", Description: "<p>Voor kinderen.</p><p>Gratis &amp; leuk.</p>",
			StartsAt: at(10, 3, 14), EndsAt: at(10, 3, 16), TimeZone: "Europe/Amsterdam", BranchID: &tiel.ID, Branch: tiel,
			Themes: []string{"leesplezier"}, Status: vestiging.StatusPublished, UpdatedAt: updated},
		{ID: 2, Kind: vestiging.KindEvent, Title: "Winteravond", Description: "<p>" + long + "</p>",
			StartsAt: at(12, 5, 19), EndsAt: at(12, 5, 21), TimeZone: "Europe/Amsterdam", BranchID: &tiel.ID, Branch: tiel,
			Themes: []string{"leven-lang-leren"}, Status: vestiging.StatusPublished, UpdatedAt: updated},
		{ID: 3, Kind: vestiging.KindEvent, Title: "Online spreekuur", StartsAt: at(10, 6, 10), EndsAt: at(10, 6, 11),
			TimeZone: "Europe/Amsterdam", OnlineURL: "https://meet.example.nl/spreekuur?a=1,2", OnlineLinkPublic: true, Themes: []string{"digitale-vaardigheden"},
			Status: vestiging.StatusCancelled, UpdatedAt: updated},
		{ID: 4, Kind: vestiging.KindCourse, Title: "Computercursus", StartsAt: at(11, 2, 9), EndsAt: at(11, 9, 11),
			TimeZone: "Europe/Amsterdam", BranchID: &tiel.ID, Branch: tiel, Status: vestiging.StatusPublished, UpdatedAt: updated,
			Sessions: []*vestiging.Session{
				{ID: 7, StartsAt: at(11, 2, 9), EndsAt: at(11, 2, 11), BranchID: &tiel.ID, Branch: tiel},
				{ID: 8, StartsAt: at(11, 9, 9), EndsAt: at(11, 9, 11), OnlineURL: "https://meet.example.nl/les2"},
			}},
		{ID: 5, Kind: vestiging.KindEvent, Title: "Lezing bij de buren", StartsAt: at(10, 8, 20), EndsAt: at(10, 8, 21),
			TimeZone: "Europe/Amsterdam", Status: vestiging.StatusPublished, UpdatedAt: updated,
			IRI: "https://buren.example/events/9", URL: "https://buren.example/agenda/lezing",
			Place: &vestiging.Place{Name: "Bibliotheek Culemborg", City: "Culemborg"}},
		{ID: 7, Kind: vestiging.KindEvent, Title: "Voorlezen op school", Description: "<p>In de aula.</p>",
			StartsAt: at(10, 13, 9), EndsAt: at(10, 13, 10), TimeZone: "Europe/Amsterdam", PlaceID: ptr(int64(3)),
			Place: &vestiging.Place{ID: 3, Name: "OBS De Regenboog", Street: "Schoolstraat 1", PostalCode: "4001 AA", City: "Tiel",
				Latitude: ptr(51.8901), Longitude: ptr(5.4312)},
			Themes: []string{"leesplezier", "leven-lang-leren"}, Price: &vestiging.Price{Cents: 250, MemberCents: ptr(int64(0)), Note: "incl. boekje"},
			Status: vestiging.StatusPublished, UpdatedAt: updated},
		{ID: 6, Kind: vestiging.KindEvent, Title: "Livestream uit Lissabon", StartsAt: time.Date(2026, 10, 9, 18, 0, 0, 0, time.UTC),
			EndsAt: time.Date(2026, 10, 9, 19, 0, 0, 0, time.UTC), TimeZone: "Europe/Lisbon", OnlineURL: "https://meet.example.nl/lissabon", OnlineLinkPublic: true,
			Status: vestiging.StatusPublished, UpdatedAt: updated},
	}
}

func encode(t testing.TB, events []*vestiging.Event) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, events, EncodeOptions{Name: "Bibliotheek Rivierenland", BaseURL: testBase,
		Themes: testOptions().Themes, Now: time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatalf("encode: %v", err)
	}
	return buf.String()
}

func TestEncode(t *testing.T) {
	out := encode(t, encodeEvents())
	t.Run("Format", func(t *testing.T) {
		for i, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			if len(line) > 75 {
				t.Errorf("line %d has %d octets: %q", i+1, len(line), line)
			}
			if strings.Contains(line, "\n") {
				t.Errorf("line %d holds a bare LF: %q", i+1, line)
			}
		}
		for _, want := range []string{
			"BEGIN:VCALENDAR\r\n", "VERSION:2.0\r\n", "METHOD:PUBLISH\r\n", "X-WR-CALNAME:Bibliotheek Rivierenland\r\n",
			"BEGIN:VTIMEZONE\r\n", "TZID:Europe/Amsterdam\r\n", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n",
			"DTSTART;TZID=Europe/Amsterdam:20261003T140000\r\n", // summer time
			"DTSTART;TZID=Europe/Amsterdam:20261205T190000\r\n", // winter time
			"DTSTART:20261009T180000Z\r\n",                      // another zone: UTC
			"UID:https://bibliotheek.example/events/1\r\n", "URL:https://bibliotheek.example/events/1\r\n",
			"DTSTAMP:20260901T080000Z\r\n", "STATUS:CANCELLED\r\n", "CATEGORIES:Leesplezier\r\n",
			"SUMMARY:Voorleesuur\\; met\\, tekens\\\\\r\n", "GEO:51.886000;5.430000\r\n",
			"UID:https://bibliotheek.example/courses/4#session-2\r\n", "RELATED-TO:https://bibliotheek.example/courses/4\r\n",
			"SUMMARY:Computercursus (2/2)\r\n", "LOCATION:OBS De Regenboog\\, Schoolstraat 1\\, 4001 AA Tiel\r\n",
			"GEO:51.890100;5.431200\r\n", "CATEGORIES:Leesplezier,Leven lang leren\r\n", "X-VESTIGING-PRICE:2.50\r\n",
			"X-VESTIGING-MEMBER-PRICE:0.00\r\n", "X-VESTIGING-PRICE-NOTE:incl. boekje\r\n",
			"DESCRIPTION:Prijs: € 2\\,50\\, leden gratis (incl. boekje)\\n\\n", "UID:https://buren.example/events/9\r\n", "URL:https://buren.example/agenda/lezing\r\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("calendar lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		opts := testOptions()
		opts.Now = time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC)
		got, err := Decode(strings.NewReader(out), opts)
		if err != nil {
			t.Fatalf("decode: %v\n%s", err, out)
		}
		m := byUID(t, got)
		if got, want := len(m), 8; got != want { // six events, two sessions
			t.Fatalf("decoded %d events, want %d", got, want)
		}
		for _, src := range encodeEvents() {
			uid := UID(testBase, src)
			if src.Kind == vestiging.KindCourse {
				for i, s := range src.Sessions {
					e := m[fmt.Sprintf("%s#session-%d", uid, i+1)]
					if e == nil || !e.StartsAt.Equal(s.StartsAt) || !e.EndsAt.Equal(s.EndsAt) {
						t.Errorf("session %d: got %+v, want %v–%v", i+1, e, s.StartsAt, s.EndsAt)
					}
				}
				continue
			}
			e := m[uid]
			if e == nil {
				t.Errorf("%s missing", uid)
				continue
			}
			if got, want := e.Title, src.Title; got != want {
				t.Errorf("%s title: got %q, want %q", uid, got, want)
			}
			if !e.StartsAt.Equal(src.StartsAt) || !e.EndsAt.Equal(src.EndsAt) {
				t.Errorf("%s time: got %v–%v, want %v–%v", uid, e.StartsAt, e.EndsAt, src.StartsAt, src.EndsAt)
			}
			if got, want := e.Status, src.Status; got != want {
				t.Errorf("%s status: got %q, want %q", uid, got, want)
			}
			if got, want := e.Themes, src.Themes; !slices.Equal(got, want) {
				t.Errorf("%s themes: got %q, want %q", uid, got, want)
			}
			if got, want := e.OnlineURL, src.OnlineURL; src.Venue() == nil && got != want {
				t.Errorf("%s online: got %q, want %q", uid, got, want)
			}
			if got, want := e.Price, src.Price; (got == nil) != (want == nil) || got != nil && (got.Cents != want.Cents ||
				(got.MemberCents == nil) != (want.MemberCents == nil) || got.Note != want.Note) {
				t.Errorf("%s price: got %+v, want %+v", uid, got, want)
			}
			if v := src.Venue(); v != nil && src.BranchID == nil && !src.Remote() {
				if p := e.Place; p == nil || p.Name != v.Name || p.Street != v.Street || p.PostalCode != v.PostalCode ||
					p.City != v.City || !p.HasCoordinates() || *p.Latitude != *v.Latitude || *p.Longitude != *v.Longitude {
					t.Errorf("%s place: got %+v, want %+v", uid, e.Place, v)
				}
			}
			if got, want := vestiging.PlainText(e.Description), vestiging.PlainText(src.Description); got != want {
				t.Errorf("%s description: got %q, want %q", uid, got, want)
			}
		}
		if e := m[UID(testBase, encodeEvents()[0])]; e.BranchID == nil || *e.BranchID != 1 {
			t.Errorf("branch: got %v, want 1 (matched by LOCATION)", e.BranchID)
		}
		if got, want := vestiging.PlainText(m[UID(testBase, encodeEvents()[1])].Description), vestiging.PlainText(encodeEvents()[1].Description); got != want {
			t.Errorf("folded description: got %q, want %q", got, want)
		}
	})
	t.Run("LineBreaks", func(t *testing.T) {
		e := encodeEvents()[0]
		e.Title, e.Description = "Twee\rregels", "<p>regel 1\r\nregel 2</p>"
		e.Branch = &vestiging.Branch{Name: "Zaal\r\nboven"}
		out := encode(t, []*vestiging.Event{e})
		got, err := Decode(strings.NewReader(out), testOptions())
		if err != nil {
			t.Fatalf("decode: %v\n%s", err, out)
		}
		if got[0].Title != "Twee\nregels" || !strings.Contains(got[0].Description, "regel 1<br>regel 2") {
			t.Errorf("got %q, %q", got[0].Title, got[0].Description)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		out := encode(t, nil)
		if !strings.Contains(out, "BEGIN:VCALENDAR") || strings.Contains(out, "BEGIN:VEVENT") {
			t.Errorf("empty calendar:\n%s", out)
		}
		if _, err := Decode(strings.NewReader(out), testOptions()); err != nil {
			t.Errorf("decode empty: %v", err)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	src := encodeEvents()[0]
	events := make([]*vestiging.Event, 1000)
	for i := range events {
		e := *src
		e.ID = int64(i + 1)
		events[i] = &e
	}
	b.ReportAllocs()
	for b.Loop() {
		encode(b, events)
	}
}

// TestEncodeWithheldLink: a private online link (an activity with sign-up
// here) is left out of a calendar unless WithLink, for someone with a
// place; the LOCATION then says Online and the URL is the page.
func TestEncodeWithheldLink(t *testing.T) {
	start := time.Date(2026, 10, 6, 10, 0, 0, 0, time.UTC)
	e := &vestiging.Event{ID: 9, Kind: vestiging.KindEvent, Title: "Digicafé", StartsAt: start, EndsAt: start.Add(time.Hour),
		TimeZone: "Europe/Amsterdam", OnlineURL: "https://meet.example.nl/geheim", RegistrationMode: vestiging.RegistrationOpen,
		Status: vestiging.StatusPublished}
	for _, tt := range []struct {
		name     string
		withLink bool
		want     string
	}{
		{"Withheld", false, "LOCATION:Online\r\n"},
		{"WithLink", true, "LOCATION:https://meet.example.nl/geheim\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Encode(&buf, []*vestiging.Event{e}, EncodeOptions{BaseURL: testBase, Now: start, WithLink: tt.withLink}); err != nil {
				t.Fatal(err)
			}
			got := buf.String()
			if !strings.Contains(got, tt.want) || !strings.Contains(got, "URL:https://bibliotheek.example/events/9\r\n") {
				t.Errorf("calendar lacks %q and the page:\n%s", tt.want, got)
			}
			if !tt.withLink && strings.Contains(got, "geheim") {
				t.Errorf("calendar carries the private link:\n%s", got)
			}
		})
	}
}
