package federation

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

var testBase = mustURL("https://bieb-tiel.example")

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func ptr[T any](v T) *T { return &v }

func centrum() *vestiging.Branch {
	return &vestiging.Branch{ID: 1, Name: "Bibliotheek Centrum", Street: "Stationsplein 1", PostalCode: "4001 AB", City: "Tiel",
		Latitude: ptr(51.8866), Longitude: ptr(5.4293)}
}

// amsterdam returns a time given as Dutch wall-clock time.
func amsterdam(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func testEvent(t *testing.T) *vestiging.Event {
	t.Helper()
	return &vestiging.Event{
		ID: 42, Kind: vestiging.KindEvent, Title: "Digicafé", Description: `<p>Hulp bij je telefoon.</p><script>alert(1)</script>`,
		StartsAt: amsterdam(t, "2026-12-05 14:00"), EndsAt: amsterdam(t, "2026-12-05 16:00"), TimeZone: "Europe/Amsterdam",
		BranchID: ptr(int64(1)), Branch: centrum(), Themes: []string{"digitale-vaardigheden"}, Language: "nl",
		ImageURL: "https://bieb-tiel.example/media/digicafe.jpg", ImageAlt: "Mensen aan tafel met laptops",
		Capacity: 20, RegistrationMode: vestiging.RegistrationOpen, Status: vestiging.StatusPublished,
		CreatedAt: time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC), PublishedAt: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC),
		UpdatedAt: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC),
	}
}

// eventMap returns EventJSON's output decoded, as a peer sees it.
func eventMap(t *testing.T, e *vestiging.Event, participants int) map[string]any {
	t.Helper()
	e.Participants = participants
	b, err := EventJSON(e, testBase)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestEventJSON(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		m := eventMap(t, testEvent(t), 5)
		want := map[string]any{
			"type":                      "Event",
			"id":                        "https://bieb-tiel.example/events/42",
			"url":                       "https://bieb-tiel.example/events/42",
			"name":                      "Digicafé",
			"summary":                   "Digicafé · za 5 december 2026, 14:00–16:00 · Bibliotheek Centrum, Stationsplein 1, Tiel",
			"startTime":                 "2026-12-05T14:00:00+01:00",
			"endTime":                   "2026-12-05T16:00:00+01:00",
			"timezone":                  "Europe/Amsterdam",
			"attributedTo":              "https://bieb-tiel.example/actor",
			"organizers":                []any{"https://bieb-tiel.example/actor"},
			"to":                        []any{Public},
			"cc":                        []any{"https://bieb-tiel.example/actor/followers"},
			"eventStatus":               EventScheduled,
			"ical:status":               "CONFIRMED",
			"joinMode":                  "free",
			"maximumAttendeeCapacity":   20.0,
			"remainingAttendeeCapacity": 15.0,
			"participantCount":          5.0,
			"inLanguage":                "nl",
			"category":                  "LEARNING",
			"isOnline":                  false,
			"published":                 "2026-11-01T10:00:00Z",
			"updated":                   "2026-11-02T10:00:00Z",
			"tag":                       []any{map[string]any{"type": "Hashtag", "name": "#DigitaleVaardigheden", "href": "https://bieb-tiel.example/themes/digitale-vaardigheden"}},
			"location": map[string]any{
				"type": "Place", "name": "Bibliotheek Centrum", "latitude": 51.8866, "longitude": 5.4293,
				"address": map[string]any{"type": "PostalAddress", "streetAddress": "Stationsplein 1", "postalCode": "4001 AB",
					"addressLocality": "Tiel", "addressCountry": "NL"},
			},
			"attachment": []any{map[string]any{"type": "Document", "mediaType": "image/jpeg",
				"url": "https://bieb-tiel.example/media/digicafe.jpg", "name": "Mensen aan tafel met laptops"}},
		}
		for k, v := range want {
			if !reflect.DeepEqual(m[k], v) {
				t.Errorf("%s = %#v, want %#v", k, m[k], v)
			}
		}
		content, _ := m["content"].(string)
		if wantStart := "<p>za 5 december 2026, 14:00–16:00<br>Bibliotheek Centrum, Stationsplein 1, 4001 AB Tiel</p><p>Hulp bij je telefoon.</p>"; !strings.HasPrefix(content, wantStart) {
			t.Errorf("content = %q, want it to start with %q", content, wantStart)
		}
		if strings.Contains(content, "script") || strings.Contains(content, "alert") {
			t.Errorf("content not sanitised: %q", content)
		}
		if wantEnd := `<p><a href="https://bieb-tiel.example/events/42" rel="nofollow noopener">https://bieb-tiel.example/events/42</a></p>`; !strings.HasSuffix(content, wantEnd) {
			t.Errorf("content = %q, want it to end with the link %q", content, wantEnd)
		}
		if _, ok := m["subEvent"]; ok {
			t.Error("a single event has subEvent")
		}
	})

	t.Run("OK/Variants", func(t *testing.T) {
		tests := []struct {
			name    string
			change  func(e *vestiging.Event)
			summary string
			check   func(t *testing.T, m map[string]any)
		}{
			{
				name:    "cancelled",
				change:  func(e *vestiging.Event) { e.Status = vestiging.StatusCancelled },
				summary: "Geannuleerd · Digicafé · za 5 december 2026, 14:00–16:00 · Bibliotheek Centrum, Stationsplein 1, Tiel",
				check: func(t *testing.T, m map[string]any) {
					if m["eventStatus"] != EventCancelled || m["ical:status"] != "CANCELLED" {
						t.Errorf("status %v %v", m["eventStatus"], m["ical:status"])
					}
				},
			},
			{
				name: "online, no registration",
				change: func(e *vestiging.Event) {
					e.BranchID, e.Branch, e.OnlineURL = nil, nil, "https://meet.example/digicafe"
					e.RegistrationMode, e.Capacity, e.OnlineLinkPublic = vestiging.RegistrationNone, 0, true
				},
				summary: "Digicafé · za 5 december 2026, 14:00–16:00 · online",
				check: func(t *testing.T, m map[string]any) {
					want := map[string]any{"type": "VirtualLocation", "name": "Online", "url": "https://meet.example/digicafe"}
					if !reflect.DeepEqual(m["location"], want) {
						t.Errorf("location = %v", m["location"])
					}
					if m["isOnline"] != true || m["joinMode"] != "external" || m["externalParticipationUrl"] != "https://bieb-tiel.example/events/42" {
						t.Errorf("isOnline %v joinMode %v url %v", m["isOnline"], m["joinMode"], m["externalParticipationUrl"])
					}
					if _, ok := m["remainingAttendeeCapacity"]; ok {
						t.Error("remainingAttendeeCapacity without a capacity")
					}
				},
			},
			{
				// The link is for the people with a place: the Event says
				// online and points to the page to sign up on.
				name: "online with sign-up, link withheld",
				change: func(e *vestiging.Event) {
					e.BranchID, e.Branch, e.OnlineURL = nil, nil, "https://meet.example/geheim"
					e.OnlineLinkPublic = true // no effect with sign-up here
				},
				summary: "Digicafé · za 5 december 2026, 14:00–16:00 · online",
				check: func(t *testing.T, m map[string]any) {
					want := map[string]any{"type": "VirtualLocation", "name": "Online", "url": "https://bieb-tiel.example/events/42"}
					if !reflect.DeepEqual(m["location"], want) || m["isOnline"] != true {
						t.Errorf("location = %v, isOnline %v", m["location"], m["isOnline"])
					}
					if b, _ := json.Marshal(m); strings.Contains(string(b), "geheim") {
						t.Errorf("the Event carries the private link: %s", b)
					}
					if content, _ := m["content"].(string); !strings.Contains(content, "je krijgt de link als je je aanmeldt en een plek hebt") {
						t.Errorf("content does not say how to get the link: %s", content)
					}
				},
			},
			{
				name: "online course with sign-up, session links withheld",
				change: func(e *vestiging.Event) {
					// Validate gives a course its first session's place.
					e.Kind, e.BranchID, e.Branch, e.OnlineURL = vestiging.KindCourse, nil, nil, "https://meet.example/geheim-1"
					e.Sessions = []*vestiging.Session{
						{ID: 1, StartsAt: e.StartsAt, EndsAt: e.EndsAt, OnlineURL: "https://meet.example/geheim-1"},
						{ID: 2, StartsAt: e.StartsAt.AddDate(0, 0, 7), EndsAt: e.EndsAt.AddDate(0, 0, 7), OnlineURL: "https://meet.example/geheim-2"},
					}
				},
				summary: "Digicafé · 2 bijeenkomsten van za 5 december 2026, 14:00–16:00 tot en met za 12 december 2026 · online",
				check: func(t *testing.T, m map[string]any) {
					if b, _ := json.Marshal(m); strings.Contains(string(b), "geheim") {
						t.Errorf("the Event carries a private link: %s", b)
					}
					subs, _ := m["subEvent"].([]any)
					if len(subs) != 2 {
						t.Fatalf("subEvent %v", m["subEvent"])
					}
					want := map[string]any{"type": "VirtualLocation", "name": "Online", "url": "https://bieb-tiel.example/courses/42"}
					if loc := subs[0].(map[string]any)["location"]; !reflect.DeepEqual(loc, want) {
						t.Errorf("session location %v", loc)
					}
				},
			},
			{
				name: "external registration, over two days in summer time",
				change: func(e *vestiging.Event) {
					e.RegistrationMode, e.RegistrationURL = vestiging.RegistrationExternal, "https://tickets.example/1"
					e.StartsAt, e.EndsAt = amsterdam(t, "2027-06-26 20:00"), amsterdam(t, "2027-06-27 02:00")
				},
				summary: "Digicafé · za 26 juni 2027, 20:00 – zo 27 juni 2027, 02:00 · Bibliotheek Centrum, Stationsplein 1, Tiel",
				check: func(t *testing.T, m map[string]any) {
					if m["joinMode"] != "external" || m["externalParticipationUrl"] != "https://tickets.example/1" {
						t.Errorf("joinMode %v url %v", m["joinMode"], m["externalParticipationUrl"])
					}
					if m["startTime"] != "2027-06-26T20:00:00+02:00" {
						t.Errorf("startTime = %v", m["startTime"])
					}
				},
			},
			{
				name: "full",
				change: func(e *vestiging.Event) {
					e.Capacity = 3
				},
				summary: "Digicafé · za 5 december 2026, 14:00–16:00 · Bibliotheek Centrum, Stationsplein 1, Tiel",
				check: func(t *testing.T, m map[string]any) {
					if m["remainingAttendeeCapacity"] != 0.0 {
						t.Errorf("remainingAttendeeCapacity = %v, want 0", m["remainingAttendeeCapacity"])
					}
				},
			},
			{
				name: "held in English",
				change: func(e *vestiging.Event) {
					e.Language, e.Title, e.Status = "en", "Digital café", vestiging.StatusCancelled
				},
				summary: "Cancelled · Digital café · Sat 5 December 2026, 14:00–16:00 · Bibliotheek Centrum, Stationsplein 1, Tiel",
				check: func(t *testing.T, m map[string]any) {
					if c := m["content"].(string); !strings.HasPrefix(c, "<p><strong>Cancelled</strong><br>Sat 5 December 2026, 14:00–16:00<br>") {
						t.Errorf("content = %q, want English", c)
					}
				},
			},
			{
				name: "title read as a URL",
				change: func(e *vestiging.Event) {
					e.Title = "Lezing: de Waal <1900"
				},
				summary: "„Lezing: de Waal &lt;1900” · za 5 december 2026, 14:00–16:00 · Bibliotheek Centrum, Stationsplein 1, Tiel",
				check: func(t *testing.T, m map[string]any) {
					if m["name"] != "Lezing: de Waal <1900" {
						t.Errorf("name = %v", m["name"])
					}
				},
			},
			{
				name: "course",
				change: func(e *vestiging.Event) {
					e.Kind, e.ID = vestiging.KindCourse, 7
					e.Sessions = []*vestiging.Session{
						{ID: 70, StartsAt: amsterdam(t, "2027-01-11 10:00"), EndsAt: amsterdam(t, "2027-01-11 12:00"), BranchID: ptr(int64(1)), Branch: centrum()},
						{ID: 71, StartsAt: amsterdam(t, "2027-01-18 10:00"), EndsAt: amsterdam(t, "2027-01-18 12:00"), OnlineURL: "https://meet.example/c"},
						{ID: 72, StartsAt: amsterdam(t, "2027-01-25 10:00"), EndsAt: amsterdam(t, "2027-01-25 12:00"), BranchID: ptr(int64(1)), Branch: centrum()},
					}
					e.StartsAt, e.EndsAt = e.Sessions[0].StartsAt, e.Sessions[2].EndsAt
				},
				summary: "Digicafé · 3 bijeenkomsten van ma 11 januari 2027, 10:00–12:00 tot en met ma 25 januari 2027 · Bibliotheek Centrum, Stationsplein 1, Tiel",
				check: func(t *testing.T, m map[string]any) {
					if m["id"] != "https://bieb-tiel.example/courses/7" {
						t.Errorf("id = %v", m["id"])
					}
					subs, _ := m["subEvent"].([]any)
					if len(subs) != 3 {
						t.Fatalf("subEvent = %v", m["subEvent"])
					}
					s1 := subs[1].(map[string]any)
					if s1["id"] != "https://bieb-tiel.example/courses/7#session-71" || s1["startTime"] != "2027-01-18T10:00:00+01:00" ||
						s1["location"].(map[string]any)["type"] != "VirtualLocation" {
						t.Errorf("session 2 = %v", s1)
					}
					if c := m["content"].(string); !strings.Contains(c, "<li>ma 18 januari 2027, 10:00–12:00 · online</li>") {
						t.Errorf("content does not list the sessions: %s", c)
					}
				},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := testEvent(t)
				tt.change(e)
				m := eventMap(t, e, 5)
				if m["summary"] != tt.summary {
					t.Errorf("summary = %q, want %q", m["summary"], tt.summary)
				}
				tt.check(t, m)
			})
		}
	})
}

// as2Terms are the ActivityStreams 2.0 terms EventJSON may use without
// declaring them.
var as2Terms = map[string]bool{
	"type": true, "id": true, "url": true, "name": true, "summary": true, "content": true, "contentMap": true,
	"mediaType": true, "startTime": true, "endTime": true, "attributedTo": true, "to": true, "cc": true,
	"published": true, "updated": true, "tag": true, "href": true, "location": true, "latitude": true,
	"longitude": true, "attachment": true, "image": true, "replies": true,
}

func TestEventJSONContext(t *testing.T) {
	e := testEvent(t)
	e.Kind = vestiging.KindCourse
	e.RegistrationMode, e.RegistrationURL = vestiging.RegistrationExternal, "https://tickets.example/1"
	e.Sessions = []*vestiging.Session{{StartsAt: e.StartsAt, EndsAt: e.EndsAt, OnlineURL: "https://meet.example/c"}}
	e.Price = &vestiging.Price{Cents: 500, MemberCents: ptr(int64(300)), Note: "incl. koffie"}
	e.Audiences = []string{vestiging.AudienceChildren, vestiging.AudienceSeniors}
	m := eventMap(t, e, 0)
	declared := Context[2].(map[string]any)
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "@context" || k == "contentMap" { // contentMap's keys are languages
					continue
				}
				prefix, _, compact := strings.Cut(k, ":")
				if !as2Terms[k] && declared[k] == nil && !(compact && declared[prefix] != nil) {
					t.Errorf("%s.%s is neither AS2 nor declared in @context", path, k)
				}
				walk(path+"."+k, x)
			}
		case []any:
			for _, x := range v {
				walk(path, x)
			}
		}
	}
	walk("event", m)
	// Every "type" value we use outside AS2 is declared too.
	for _, typ := range []string{"PostalAddress", "VirtualLocation", "Hashtag", "Offer", "MemberProgramTier", "PropertyValue"} {
		if declared[typ] == nil {
			t.Errorf("type %s not declared", typ)
		}
	}
	// Mobilizon's own context uses the same IRIs for the shared prefixes.
	var mob struct {
		Context []any `json:"@context"`
	}
	if err := json.Unmarshal(readFixture(t, "mobilizon/event.json"), &mob); err != nil {
		t.Fatal(err)
	}
	theirs := mob.Context[len(mob.Context)-1].(map[string]any)
	for _, k := range []string{"sc", "mz", "ical", "joinMode", "timezone", "participantCount", "maximumAttendeeCapacity", "remainingAttendeeCapacity", "address", "inLanguage", "category"} {
		if !reflect.DeepEqual(declared[k], theirs[k]) {
			t.Errorf("%s = %v, Mobilizon declares %v", k, declared[k], theirs[k])
		}
	}
}

func TestEventRoundTrip(t *testing.T) {
	for _, change := range []func(e *vestiging.Event){
		func(e *vestiging.Event) {},
		func(e *vestiging.Event) { e.Status = vestiging.StatusCancelled },
		func(e *vestiging.Event) { e.BranchID, e.Branch, e.OnlineURL = nil, nil, "https://meet.example/x" },
		func(e *vestiging.Event) {
			e.Kind = vestiging.KindCourse
			e.Sessions = []*vestiging.Session{
				{ID: 1, StartsAt: e.StartsAt, EndsAt: e.EndsAt, Branch: centrum()},
				{ID: 2, StartsAt: e.StartsAt.AddDate(0, 0, 7), EndsAt: e.EndsAt.AddDate(0, 0, 7), Branch: centrum()},
			}
			e.EndsAt = e.Sessions[1].EndsAt
		},
	} {
		e := testEvent(t)
		change(e)
		e.Participants = 4
		b, err := EventJSON(e, testBase)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ParseRemoteEvent(b)
		if err != nil {
			t.Fatal(err)
		}
		if r.ID != EventID(testBase, e) || r.URL != r.ID || r.Title != e.Title || r.TimeZone != e.TimeZone {
			t.Errorf("id %q url %q title %q zone %q", r.ID, r.URL, r.Title, r.TimeZone)
		}
		if !r.StartsAt.Equal(e.StartsAt) || !r.EndsAt.Equal(e.EndsAt) {
			t.Errorf("times %s–%s, want %s–%s", r.StartsAt, r.EndsAt, e.StartsAt, e.EndsAt)
		}
		if r.Status != e.Status || r.Capacity != 20 || r.Participants != 4 || r.Remaining == nil || *r.Remaining != 16 {
			t.Errorf("status %q capacity %d participants %d remaining %v", r.Status, r.Capacity, r.Participants, r.Remaining)
		}
		if r.AttributedTo != ActorID(testBase) || r.Language != "nl" || r.JoinMode != "free" {
			t.Errorf("attributedTo %q language %q joinMode %q", r.AttributedTo, r.Language, r.JoinMode)
		}
		if r.ImageURL != e.ImageURL || r.ImageAlt != e.ImageAlt || !reflect.DeepEqual(r.Tags, []string{"DigitaleVaardigheden"}) {
			t.Errorf("image %q %q tags %v", r.ImageURL, r.ImageAlt, r.Tags)
		}
		if r.Summary == "" || !strings.Contains(r.Content, "Hulp bij je telefoon.") {
			t.Errorf("summary %q content %q", r.Summary, r.Content)
		}
		if e.Branch != nil {
			want := RemotePlace{Name: "Bibliotheek Centrum", Address: "Stationsplein 1, 4001 AB Tiel, NL", Street: "Stationsplein 1",
				PostalCode: "4001 AB", City: "Tiel", Country: "NL", Latitude: ptr(51.8866), Longitude: ptr(5.4293)}
			if !reflect.DeepEqual(r.Place, want) {
				t.Errorf("place = %+v, want %+v", r.Place, want)
			}
		} else if want := e.Public().OnlineLink(EventID(testBase, e)); r.OnlineURL != want {
			// A private link arrives as the page to sign up on.
			t.Errorf("online url %q, want %q", r.OnlineURL, want)
		}
		if len(r.Sessions) != len(e.Sessions) {
			t.Fatalf("%d sessions, want %d", len(r.Sessions), len(e.Sessions))
		}
		for i, s := range r.Sessions {
			if !s.StartsAt.Equal(e.Sessions[i].StartsAt) || s.Place.Name != "Bibliotheek Centrum" {
				t.Errorf("session %d: %s at %q", i, s.StartsAt, s.Place.Name)
			}
		}
	}
}

func TestSummaryAlwaysDateAndPlace(t *testing.T) {
	for _, e := range []*vestiging.Event{
		testEvent(t),
		func() *vestiging.Event {
			e := testEvent(t)
			e.Branch = &vestiging.Branch{Name: "Bibliotheek Oost"}
			return e
		}(),
		func() *vestiging.Event {
			e := testEvent(t)
			e.TimeZone = "America/New_York"
			return e
		}(),
	} {
		m := eventMap(t, e, 0)
		s, _ := m["summary"].(string)
		day := vestiging.FormatDate("nl", e.StartsAt.In(e.Location()))
		if !strings.Contains(s, day) || !strings.Contains(s, " · "+e.Branch.Name) || strings.Contains(s, "\n") {
			t.Errorf("summary %q: want one line with %q and %q", s, day, e.Branch.Name)
		}
	}
	// In New York the same moment is the morning.
	e := testEvent(t)
	e.TimeZone = "America/New_York"
	if s := eventMap(t, e, 0)["summary"]; !strings.HasPrefix(s.(string), "Digicafé · za 5 december 2026, 08:00–10:00") {
		t.Errorf("summary = %q, want New York time", s)
	}
}

func TestParseRemoteEvent(t *testing.T) {
	mustTime := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		file  string
		check func(t *testing.T, r *RemoteEvent)
	}{
		{"mobilizon/event.json", func(t *testing.T, r *RemoteEvent) {
			if r.Title != "Caledonian scottish dance class" || r.TimeZone != "Europe/London" || !r.StartsAt.Equal(mustTime("2022-12-11T19:00:00Z")) ||
				!r.EndsAt.Equal(mustTime("2022-12-11T21:00:00Z")) {
				t.Errorf("title %q zone %q times %s–%s", r.Title, r.TimeZone, r.StartsAt, r.EndsAt)
			}
			if r.Place.Name != "The Kenn Centre" || r.Place.City != "Teignbridge" || r.Place.PostalCode != "EX6 7TW" ||
				r.Place.Latitude == nil || *r.Place.Latitude != 50.66881615 {
				t.Errorf("place = %+v", r.Place)
			}
			if r.JoinMode != "free" || r.Capacity != 0 || r.Remaining != nil || r.Status != vestiging.StatusPublished {
				t.Errorf("joinMode %q capacity %d remaining %v status %q", r.JoinMode, r.Capacity, r.Remaining, r.Status)
			}
			if r.AttributedTo != "https://rendezvous.nomagic.uk/@devon_caledonian_society" || r.ImageURL == "" || r.ImageAlt != "Banner" {
				t.Errorf("attributedTo %q image %q %q", r.AttributedTo, r.ImageURL, r.ImageAlt)
			}
			if strings.Contains(r.Content, "ugc") || !strings.Contains(r.Content, `rel="nofollow noopener"`) {
				t.Errorf("content not sanitised: %s", r.Content)
			}
			if !reflect.DeepEqual(r.Tags, []string{"Dance", "Caledonian", "Lesson"}) {
				t.Errorf("tags = %v", r.Tags)
			}
		}},
		{"gancio/event.json", func(t *testing.T, r *RemoteEvent) {
			if r.Title != "Demo event" || r.Place.Name != "Colosseo" || r.Place.Address != "Piazza del Colosseo, Rome" || r.Place.Latitude != nil {
				t.Errorf("title %q place %+v", r.Title, r.Place)
			}
			if !r.StartsAt.Equal(mustTime("2021-07-14T15:30:57Z")) || r.URL != "https://demo.gancio.org/event/demo-event" {
				t.Errorf("start %s url %q", r.StartsAt, r.URL)
			}
			if r.Summary != "Colosseo, Wednesday, 14 July (17:30)" {
				t.Errorf("summary %q", r.Summary)
			}
		}},
		{"wordpress/event.json", func(t *testing.T, r *RemoteEvent) {
			if r.Title != "Test Event" || r.TimeZone != "Europe/Vienna" || r.JoinMode != "external" ||
				r.ExternalURL != "https://wp-test.event-federation.eu/event/test-event/" {
				t.Errorf("title %q zone %q joinMode %q external %q", r.Title, r.TimeZone, r.JoinMode, r.ExternalURL)
			}
			if r.Place.Name != "Morelli" || r.Place.Address != "Morelli, 8010 Graz, Austria" || r.ImageAlt != "Alt!" {
				t.Errorf("place %+v image alt %q", r.Place, r.ImageAlt)
			}
			if r.Content != "<p>Fantastic description!</p>" || !strings.HasPrefix(r.Summary, "🗓️ Start: February 27, 2025 8:00 am") {
				t.Errorf("content %q summary %q", r.Content, r.Summary)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := ParseRemoteEvent(readFixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
		})
	}
	t.Run("gancio/event-activity.json", func(t *testing.T) {
		a, err := ParseActivity(readFixture(t, "gancio/event-activity.json"))
		if err != nil {
			t.Fatal(err)
		}
		r, err := ParseRemoteEvent(a.Object().Raw)
		if err != nil {
			t.Fatal(err)
		}
		if r.Title != "Demo event" || r.Place.Name != "Colosseo" || !strings.HasPrefix(r.Content, "<p>📍 Colosseo<br>") {
			t.Errorf("title %q place %+v content %q", r.Title, r.Place, r.Content)
		}
	})
	t.Run("OK/TextThatLooksLikeAnIRI", func(t *testing.T) {
		r, err := ParseRemoteEvent([]byte(`{"type":"Event","id":"https://a.example/e","name":"Update: nieuwe datum",
			"summaryMap":{"fr":"Résumé: x","de":"Zusammenfassung: y"},"startTime":"2027-01-01T10:00:00Z"}`))
		if err != nil {
			t.Fatal(err)
		}
		if r.Title != "Update: nieuwe datum" || r.Summary != "Zusammenfassung: y" {
			t.Errorf("title %q summary %q", r.Title, r.Summary)
		}
	})
	t.Run("ErrNotEvent", func(t *testing.T) {
		for _, in := range []string{
			string(readFixture(t, "misskey/note.json")),
			`{"type":"Event","id":"https://a.example/e"}`,
		} {
			if _, err := ParseRemoteEvent([]byte(in)); vestiging.ErrorCode(err) != vestiging.EINVALID {
				t.Errorf("%.40s: %v, want invalid", in, err)
			}
		}
	})
}
