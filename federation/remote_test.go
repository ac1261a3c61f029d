package federation

import (
	"encoding/json"
	"slices"
	"strings"
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
		e := parse(t, ours(t, func(e *vestiging.Event) {
			e.BranchID, e.Branch, e.OnlineURL, e.OnlineLinkPublic = nil, nil, "https://meet.example/x", true
			e.RegistrationMode = vestiging.RegistrationNone
		}))
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
	t.Run("PlacePriceThemesAudiences", func(t *testing.T) {
		school := &vestiging.Place{ID: 4, Name: "OBS De Regenboog", Street: "Schoolstraat 1", PostalCode: "4001 AA", City: "Tiel",
			Latitude: ptr(51.8901), Longitude: ptr(5.4312)}
		price := &vestiging.Price{Cents: 750, MemberCents: ptr(int64(500)), Note: "incl. materiaal"}
		themes := []string{"leesplezier", "leven-lang-leren"}
		audiences := []string{vestiging.AudienceChildren, vestiging.AudienceAdults}
		body := ours(t, func(e *vestiging.Event) {
			e.BranchID, e.Branch, e.PlaceID, e.Place = nil, nil, &school.ID, school
			e.Price, e.Themes, e.Audiences = price, themes, audiences
		})
		e := parse(t, body)
		if p := e.Place; p == nil || p.ID != 0 || p.Name != school.Name || p.Street != school.Street || p.PostalCode != school.PostalCode ||
			p.City != school.City || !p.HasCoordinates() || *p.Latitude != *school.Latitude || *p.Longitude != *school.Longitude {
			t.Errorf("place %+v, want %+v", e.Place, school)
		}
		if p := e.Price; p == nil || p.Cents != price.Cents || p.MemberCents == nil || *p.MemberCents != *price.MemberCents || p.Note != price.Note {
			t.Errorf("price %+v, want %+v", e.Price, price)
		}
		if !slices.Equal(e.Themes, themes) || !slices.Equal(e.Audiences, audiences) {
			t.Errorf("themes %q audiences %q", e.Themes, e.Audiences)
		}
		// As schema.org and Mobilizon say it.
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		offers, _ := m["offers"].([]any)
		if len(offers) != 2 {
			t.Fatalf("offers %v", m["offers"])
		}
		first, member := offers[0].(map[string]any), offers[1].(map[string]any)
		if first["price"] != "7.50" || first["priceCurrency"] != "EUR" || first["description"] != "incl. materiaal" ||
			member["price"] != "5.00" || member["validForMemberTier"] == nil || m["isAccessibleForFree"] != false {
			t.Errorf("offers %v, isAccessibleForFree %v", offers, m["isAccessibleForFree"])
		}
		if !strings.Contains(string(body), `{"propertyID":"mz:ticket:price_url","type":"PropertyValue","value":"`+EventID(testBase, testEvent(t))+`"}`) {
			t.Errorf("no price sheet for Mobilizon in %s", body)
		}
		if !strings.Contains(m["content"].(string), "€ 7,50, leden € 5,00 (incl. materiaal)") {
			t.Errorf("content does not say the price: %s", m["content"])
		}
	})
	t.Run("Free", func(t *testing.T) {
		e := parse(t, ours(t, func(e *vestiging.Event) { e.Price = &vestiging.Price{} }))
		if !e.Free() || e.Price.MemberCents != nil {
			t.Errorf("price %+v, want free", e.Price)
		}
		if e := parse(t, ours(t, func(e *vestiging.Event) { e.Price = nil })); e.Price != nil {
			t.Errorf("price %+v, want none said", e.Price)
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
		// Mobilizon federates no price ("£6 each." is in the text) and says the
		// place with its coordinates.
		if e.Price != nil || e.Place == nil || !e.Place.HasCoordinates() || *e.Place.Latitude != 50.66881615 {
			t.Errorf("price %+v place %+v", e.Price, e.Place)
		}
		if len(e.Themes) != 0 {
			t.Errorf("themes = %q, want none: its tags name none of ours", e.Themes)
		}
		if e.Place == nil || e.Place.Name != "The Kenn Centre" || e.Place.PostalCode != "EX6 7TW" || e.TimeZone != "Europe/London" {
			t.Errorf("place %+v zone %q", e.Place, e.TimeZone)
		}
	})
	t.Run("AddressOnly", func(t *testing.T) {
		e := parse(t, readFixture(t, "gancio/event.json"))
		if e.Place == nil || e.Place.HasCoordinates() || e.Price != nil || len(e.Themes) != 0 {
			t.Errorf("Gancio's null coordinates, no price, no theme of ours: %+v %+v %q", e.Place, e.Price, e.Themes)
		}
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

// TestReadPrice: schema.org offers as other servers send them; what cannot
// be a price here is left out, and the event stays.
func TestReadPrice(t *testing.T) {
	member := func(n int64) *int64 { return &n }
	tests := []struct {
		name string
		json string
		want *vestiging.Price
	}{
		{"None", `{}`, nil},
		{"Number", `{"offers": {"type": "Offer", "price": 6, "priceCurrency": "EUR"}}`, &vestiging.Price{Cents: 600}},
		{"String", `{"offers": [{"type": "Offer", "price": "12.5", "priceCurrency": "EUR", "description": "<b>incl.</b> lunch"}]}`,
			&vestiging.Price{Cents: 1250, Note: "incl. lunch"}},
		{"NoCurrency", `{"offers": {"price": "3.00"}}`, &vestiging.Price{Cents: 300}},
		{"OtherCurrency", `{"offers": {"price": "6.00", "priceCurrency": "GBP"}}`, nil},
		{"Negative", `{"offers": {"price": -1, "priceCurrency": "EUR"}}`, nil},
		{"TooHigh", `{"offers": {"price": 1e12, "priceCurrency": "EUR"}}`, nil},
		{"NotAmount", `{"offers": {"price": "gratis", "priceCurrency": "EUR"}}`, nil},
		{"Member", `{"offers": [{"price": "5", "validForMemberTier": {"name": "Leden"}}, {"price": "7.50"}]}`,
			&vestiging.Price{Cents: 750, MemberCents: member(500)}},
		{"MemberAbovePrice", `{"offers": [{"price": "5"}, {"price": "9", "validForMemberTier": {}}]}`, &vestiging.Price{Cents: 500}},
		{"FreeFlag", `{"isAccessibleForFree": true}`, &vestiging.Price{}},
		{"FreeOffer", `{"offers": {"price": 0}, "isAccessibleForFree": true}`, &vestiging.Price{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal([]byte(tt.json), &m); err != nil {
				t.Fatal(err)
			}
			got := readPrice(m)
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(tt.want)
			if string(g) != string(w) {
				t.Errorf("got %s, want %s", g, w)
			}
		})
	}
}

// TestMobilizonOnline: Mobilizon says where an event happens online with an
// attachment Link named "Website" (its Event converter), not a
// VirtualLocation.
func TestMobilizonOnline(t *testing.T) {
	body := []byte(`{"@context": "https://www.w3.org/ns/activitystreams", "type": "Event",
		"id": "https://mobilizon.example/events/1", "name": "Online lezing", "startTime": "2026-12-05T19:00:00+01:00",
		"isOnline": true, "attachment": [
			{"type": "PropertyValue", "propertyID": "mz:ticket:price_url", "value": "https://mobilizon.example/prijzen"},
			{"type": "Link", "href": "https://meet.example/lezing", "mediaType": "text/html", "name": "Website"}]}`)
	r, err := ParseRemoteEvent(body)
	if err != nil {
		t.Fatal(err)
	}
	if r.OnlineURL != "https://meet.example/lezing" || r.Price != nil {
		t.Errorf("online %q price %+v", r.OnlineURL, r.Price)
	}
	if e := r.Event(nil); !e.Online() {
		t.Errorf("event %+v is not online", e)
	}
}
