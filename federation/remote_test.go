package federation

import (
	"slices"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

func TestRemoteEventEvent(t *testing.T) {
	themes := make([]*vestiging.Theme, len(vestiging.DefaultThemes))
	for i := range vestiging.DefaultThemes {
		themes[i] = &vestiging.DefaultThemes[i]
	}
	parse := func(t *testing.T, body []byte) *vestiging.Event {
		t.Helper()
		r, err := ParseRemoteEvent(body)
		if err != nil {
			t.Fatal(err)
		}
		e := r.Event(themes)
		if err := e.Validate(); err != nil {
			t.Fatalf("a converted event must validate: %v", err)
		}
		return e
	}
	ours := func(t *testing.T, change func(e *vestiging.Event)) []byte {
		t.Helper()
		e := testEvent(t)
		change(e)
		b, err := EventJSON(e, testBase)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	t.Run("OK", func(t *testing.T) {
		e := parse(t, ours(t, func(*vestiging.Event) {}))
		want := testEvent(t)
		if e.IRI != EventID(testBase, want) || e.URL != e.IRI || e.Title != want.Title || e.Kind != vestiging.KindEvent {
			t.Errorf("iri %q url %q title %q kind %q", e.IRI, e.URL, e.Title, e.Kind)
		}
		if !e.StartsAt.Equal(want.StartsAt) || !e.EndsAt.Equal(want.EndsAt) || e.TimeZone != "Europe/Amsterdam" {
			t.Errorf("times %s–%s zone %q", e.StartsAt, e.EndsAt, e.TimeZone)
		}
		if !slices.Equal(e.Themes, []string{"digitale-vaardigheden"}) || e.Capacity != 20 || e.Status != vestiging.StatusPublished {
			t.Errorf("themes %q capacity %d status %q", e.Themes, e.Capacity, e.Status)
		}
		// joinMode free: residents sign up here and their Join goes to the origin.
		if e.RegistrationMode != vestiging.RegistrationOpen || e.Participants != 0 {
			t.Errorf("registration %q participants %d", e.RegistrationMode, e.Participants)
		}
		if e.Place == nil || e.Place.ID != 0 || e.BranchID != nil || e.Place.Name != "Bibliotheek Centrum" ||
			e.Place.Street != "Stationsplein 1" || e.Place.City != "Tiel" || e.Place.Latitude == nil {
			t.Errorf("place = %+v", e.Place)
		}
		if e.ImageURL != want.ImageURL || e.ImageAlt != want.ImageAlt || e.Description == "" {
			t.Errorf("image %q %q description %q", e.ImageURL, e.ImageAlt, e.Description)
		}
	})
	t.Run("Counts", func(t *testing.T) {
		e := parse(t, ours(t, func(e *vestiging.Event) { e.Participants = 7 }))
		if e.Participants != 7 || e.Capacity != 20 {
			t.Errorf("participants %d capacity %d, want 7 of 20", e.Participants, e.Capacity)
		}
	})
	t.Run("Closed", func(t *testing.T) {
		e := parse(t, ours(t, func(e *vestiging.Event) { e.RegistrationClosed = true }))
		if e.RegistrationMode != vestiging.RegistrationExternal || e.RegistrationURL != e.URL {
			t.Errorf("registration %q %q, want external at the event's page", e.RegistrationMode, e.RegistrationURL)
		}
	})
	t.Run("Cancelled", func(t *testing.T) {
		e := parse(t, ours(t, func(e *vestiging.Event) { e.Status = vestiging.StatusCancelled }))
		if got, want := e.Status, vestiging.StatusCancelled; got != want {
			t.Errorf("status = %q, want %q", got, want)
		}
	})
	t.Run("Online", func(t *testing.T) {
		e := parse(t, ours(t, func(e *vestiging.Event) { e.BranchID, e.Branch, e.OnlineURL = nil, nil, "https://meet.example/x" }))
		if e.Place != nil || e.OnlineURL != "https://meet.example/x" || !e.Online() {
			t.Errorf("place %+v online %q", e.Place, e.OnlineURL)
		}
	})
	t.Run("Course", func(t *testing.T) {
		e := parse(t, ours(t, func(e *vestiging.Event) {
			e.Kind = vestiging.KindCourse
			e.Sessions = []*vestiging.Session{
				{ID: 1, StartsAt: e.StartsAt, EndsAt: e.EndsAt, Branch: centrum()},
				{ID: 2, StartsAt: e.StartsAt.AddDate(0, 0, 7), EndsAt: e.EndsAt.AddDate(0, 0, 7), Branch: centrum()},
			}
			e.EndsAt = e.Sessions[1].EndsAt
		}))
		if e.Kind != vestiging.KindCourse || len(e.Sessions) != 2 {
			t.Fatalf("kind %q with %d sessions", e.Kind, len(e.Sessions))
		}
		if s := e.Sessions[1]; s.Place == nil || s.Place.Name != "Bibliotheek Centrum" || !s.EndsAt.Equal(e.EndsAt) {
			t.Errorf("second session %+v", s)
		}
	})
	t.Run("ExternalRegistration", func(t *testing.T) {
		e := parse(t, readFixture(t, "wordpress/event.json"))
		if got, want := e.RegistrationURL, "https://wp-test.event-federation.eu/event/test-event/"; e.RegistrationMode != vestiging.RegistrationExternal || got != want {
			t.Errorf("registration %q %q, want external %q", e.RegistrationMode, got, want)
		}
	})
	t.Run("Mobilizon", func(t *testing.T) {
		e := parse(t, readFixture(t, "mobilizon/event.json"))
		if len(e.Themes) != 0 {
			t.Errorf("themes = %q, want none: its tags name none of ours", e.Themes)
		}
		if e.Place == nil || e.Place.Name != "The Kenn Centre" || e.Place.PostalCode != "EX6 7TW" || e.TimeZone != "Europe/London" {
			t.Errorf("place %+v zone %q", e.Place, e.TimeZone)
		}
	})
	t.Run("AddressOnly", func(t *testing.T) {
		e := parse(t, readFixture(t, "gancio/event.json"))
		if e.Place == nil || e.Place.Name != "Colosseo" || e.Place.Street != "Piazza del Colosseo, Rome" {
			t.Errorf("place = %+v", e.Place)
		}
		// Gancio gives no end: the agenda needs one.
		if got, want := e.EndsAt.Sub(e.StartsAt), defaultRemoteDuration; got != want {
			t.Errorf("duration = %s, want %s", got, want)
		}
	})
}

func TestRemoteThemes(t *testing.T) {
	themes := []*vestiging.Theme{{Slug: "leesplezier"}, {Slug: "digitale-vaardigheden"}}
	tests := []struct {
		tags []string
		want []string
	}{
		{[]string{"Leesplezier"}, []string{"leesplezier"}},
		{[]string{"koffie", "DigitaleVaardigheden"}, []string{"digitale-vaardigheden"}},
		{[]string{"digitale-vaardigheden"}, []string{"digitale-vaardigheden"}},
		{[]string{"DigitaleVaardigheden", "leesplezier", "digitale-vaardigheden"}, []string{"digitale-vaardigheden", "leesplezier"}},
		{[]string{"Digitale"}, nil},
		{nil, nil},
	}
	for _, tt := range tests {
		if got := remoteThemes(tt.tags, themes); !slices.Equal(got, tt.want) {
			t.Errorf("remoteThemes(%q) = %q, want %q", tt.tags, got, tt.want)
		}
	}
}

func TestRemoteEnd(t *testing.T) {
	start := time.Date(2026, 12, 5, 14, 0, 0, 0, time.UTC)
	if got, want := remoteEnd(start, start.Add(2*time.Hour)), start.Add(2*time.Hour); !got.Equal(want) {
		t.Errorf("end = %s, want %s", got, want)
	}
	if got, want := remoteEnd(start, start.Add(-time.Hour)), start.Add(defaultRemoteDuration); !got.Equal(want) {
		t.Errorf("end before start = %s, want %s", got, want)
	}
}
