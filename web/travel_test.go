package web

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/ical"
)

// jsonLD reads the page's schema.org JSON-LD.
func jsonLD(t *testing.T, body string) map[string]any {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no JSON-LD in:\n%s", body)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(m[1]), &v); err != nil {
		t.Fatalf("JSON-LD: %v\n%s", err, m[1])
	}
	return v
}

// meta reads the content of <meta property|name="key">.
func meta(body, key string) string {
	m := regexp.MustCompile(`<meta (?:property|name)="` + regexp.QuoteMeta(key) + `" content="([^"]*)">`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func TestEventTravels(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Bibliotheek Centrum")
	lat, lon := 51.887, 5.429
	b.Street, b.PostalCode, b.City, b.Latitude, b.Longitude = "Markt 12", "4001 BT", "Tiel", &lat, &lon
	if err := e.db.UpdateBranch(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	ev := e.event("Voorleesuurtje", vestiging.StatusPublished, b, testNow.Add(48*time.Hour), func(ev *vestiging.Event) {
		ev.ImageURL, ev.ImageAlt = "https://beeld.example.nl/voorlezen.jpg", "Kinderen luisteren naar een verhaal"
		ev.RegistrationMode, ev.Capacity = vestiging.RegistrationOpen, 12
	})
	online := e.event("Digitaal spreekuur", vestiging.StatusCancelled, b, testNow.Add(72*time.Hour), func(ev *vestiging.Event) {
		ev.BranchID, ev.OnlineURL = nil, "https://meet.example.nl/spreekuur"
	})
	course := &vestiging.Event{Kind: vestiging.KindCourse, Title: "Computercursus", Status: vestiging.StatusPublished,
		Description: "<p>Vier lessen.</p>", Sessions: []*vestiging.Session{
			{StartsAt: testNow.Add(24 * time.Hour), EndsAt: testNow.Add(25 * time.Hour), BranchID: &b.ID},
			{StartsAt: testNow.Add(8 * 24 * time.Hour), EndsAt: testNow.Add(8*24*time.Hour + time.Hour), OnlineURL: "https://meet.example.nl/les2"},
		}}
	if err := e.db.CreateEvent(t.Context(), course); err != nil {
		t.Fatal(err)
	}
	c := e.client()

	t.Run("JSONLD", func(t *testing.T) {
		res := e.get(c, fmt.Sprintf("/events/%d", ev.ID))
		wantStatus(t, res, http.StatusOK)
		ld := jsonLD(t, res.Body)
		loc := ld["location"].(map[string]any)
		offers := ld["offers"].([]any)[0].(map[string]any)
		for _, tc := range []struct {
			name string
			got  any
			want any
		}{
			{"@type", ld["@type"], "Event"},
			{"name", ld["name"], "Voorleesuurtje"},
			{"startDate", ld["startDate"], "2026-03-04T10:00:00+01:00"},
			{"endDate", ld["endDate"], "2026-03-04T12:00:00+01:00"},
			{"eventStatus", ld["eventStatus"], "https://schema.org/EventScheduled"},
			{"eventAttendanceMode", ld["eventAttendanceMode"], "https://schema.org/OfflineEventAttendanceMode"},
			{"location.@type", loc["@type"], "Place"},
			{"location.address.postalCode", loc["address"].(map[string]any)["postalCode"], "4001 BT"},
			{"location.geo.latitude", loc["geo"].(map[string]any)["latitude"], 51.887},
			{"image", ld["image"].([]any)[0], "https://beeld.example.nl/voorlezen.jpg"},
			{"organizer.name", ld["organizer"].(map[string]any)["name"], "Bibliotheek"},
			{"offers.price", offers["price"], "0"},
			{"offers.availability", offers["availability"], "https://schema.org/InStock"},
			{"maximumAttendeeCapacity", ld["maximumAttendeeCapacity"], 12.0},
		} {
			if tc.got != tc.want {
				t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
			}
		}
		res = e.get(c, fmt.Sprintf("/events/%d", online.ID))
		ld = jsonLD(t, res.Body)
		if ld["eventStatus"] != "https://schema.org/EventCancelled" || ld["eventAttendanceMode"] != "https://schema.org/OnlineEventAttendanceMode" ||
			ld["location"].(map[string]any)["@type"] != "VirtualLocation" || ld["offers"].([]any)[0].(map[string]any)["availability"] != "https://schema.org/SoldOut" {
			t.Errorf("cancelled online event: %v", ld)
		}
		res = e.get(c, fmt.Sprintf("/courses/%d", course.ID))
		ld = jsonLD(t, res.Body)
		if ld["@type"] != "EducationEvent" || len(ld["subEvent"].([]any)) != 2 || ld["eventAttendanceMode"] != "https://schema.org/OfflineEventAttendanceMode" {
			t.Errorf("course: %v", ld)
		}
	})
	t.Run("Rescheduled", func(t *testing.T) {
		moved := e.event("Schaakles", vestiging.StatusPublished, b, testNow.Add(96*time.Hour))
		moved.StartsAt, moved.EndsAt = moved.StartsAt.Add(24*time.Hour), moved.EndsAt.Add(24*time.Hour)
		if err := e.db.UpdateEvent(t.Context(), moved); err != nil {
			t.Fatal(err)
		}
		ld := jsonLD(t, e.get(c, fmt.Sprintf("/events/%d", moved.ID)).Body)
		if ld["eventStatus"] != "https://schema.org/EventRescheduled" || ld["previousStartDate"] != "2026-03-06T10:00:00+01:00" {
			t.Errorf("moved event: status %v, previous start %v", ld["eventStatus"], ld["previousStartDate"])
		}
	})
	t.Run("OpenGraph", func(t *testing.T) {
		for _, tc := range []struct{ path, title, image, card string }{
			{fmt.Sprintf("/events/%d", ev.ID), "Voorleesuurtje", "https://beeld.example.nl/voorlezen.jpg", "summary_large_image"},
			{fmt.Sprintf("/courses/%d", course.ID), "Computercursus", "http://localhost/icons/", "summary"},
			{"/agenda", "Agenda", "http://localhost/icons/", "summary"},
			{"/", "Bibliotheek", "http://localhost/icons/", "summary"},
			{"/offers", "Vraag en aanbod", "http://localhost/icons/", "summary"},
		} {
			res := e.get(c, tc.path)
			if got := meta(res.Body, "og:title"); got != tc.title {
				t.Errorf("%s: og:title %q, want %q", tc.path, got, tc.title)
			}
			if got := meta(res.Body, "og:image"); !strings.HasPrefix(got, tc.image) {
				t.Errorf("%s: og:image %q, want %s…", tc.path, got, tc.image)
			}
			if got := meta(res.Body, "twitter:card"); got != tc.card {
				t.Errorf("%s: twitter:card %q, want %q", tc.path, got, tc.card)
			}
			if d := meta(res.Body, "description"); d == "" || len([]rune(d)) > maxDescription || meta(res.Body, "og:description") != d {
				t.Errorf("%s: description %q", tc.path, d)
			}
		}
		d := meta(e.get(c, fmt.Sprintf("/events/%d", ev.ID)).Body, "description")
		if !strings.HasPrefix(d, "wo 4 maart 2026, 10:00–12:00 · Bibliotheek Centrum, Markt 12, 4001 BT Tiel.") {
			t.Errorf("event description %q, want its date and place first", d)
		}
	})
	t.Run("Calendar", func(t *testing.T) {
		for _, path := range []string{fmt.Sprintf("/events/%d.ics", ev.ID), fmt.Sprintf("/courses/%d.ics", course.ID)} {
			res := e.get(c, path)
			wantStatus(t, res, http.StatusOK)
			if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/calendar") {
				t.Errorf("%s: content type %q", path, got)
			}
			events, err := ical.Decode(strings.NewReader(res.Body), ical.Options{Branches: []*vestiging.Branch{b}})
			if err != nil || len(events) == 0 {
				t.Fatalf("%s does not decode: %v\n%s", path, err, res.Body)
			}
		}
		page := e.get(c, fmt.Sprintf("/events/%d", ev.ID))
		wantContains(t, page, fmt.Sprintf(`href="/events/%d.ics" download`, ev.ID),
			"https://calendar.google.com/calendar/render?action=TEMPLATE&amp;ctz=Europe%2FAmsterdam&amp;dates=20260304T090000Z%2F20260304T110000Z",
			"https://outlook.live.com/calendar/0/deeplink/compose?", "https://wa.me/?text=Voorleesuurtje", "mailto:?body=")
		if res := e.get(c, "/events/999.ics"); res.Status != http.StatusNotFound {
			t.Errorf("unknown event's calendar: status %d", res.Status)
		}
	})
	t.Run("ShareToMastodon", func(t *testing.T) {
		for _, server := range []string{"mastodon.social", "https://mastodon.social/home", "@anna@mastodon.social", " Mastodon.Social "} {
			res := e.post(c, fmt.Sprintf("/events/%d/share", ev.ID), url.Values{"server": {server}})
			wantStatus(t, res, http.StatusSeeOther)
			loc, err := url.Parse(res.Header.Get("Location"))
			if err != nil || loc.Scheme != "https" || loc.Host != "mastodon.social" || loc.Path != "/share" ||
				!strings.Contains(loc.Query().Get("text"), fmt.Sprintf("http://localhost/events/%d", ev.ID)) {
				t.Errorf("share to %q: sent to %s", server, res.Header.Get("Location"))
			}
		}
		for _, server := range []string{"", "localhost", "mastodon.social:8443", "javascript:alert(1)", "http://x@evil.example/", "mast odon.social"} {
			res := e.post(c, fmt.Sprintf("/events/%d/share", ev.ID), url.Values{"server": {server}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, "Geef je server als adres")
		}
	})
}
