package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

var (
	controlIDs = regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*\bid="([^"]+)"`)
	hiddenOnly = regexp.MustCompile(`<input\b[^>]*type="hidden"`)
)

// TestLayoutAccessible checks on every page what WCAG asks of the markup:
// the language, a skip link to main, landmarks, one h1, and a label for
// every form control.
func TestLayoutAccessible(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale Bibliotheek")
	ev := e.event("Voorleesuur", vestiging.StatusPublished, b, testNow.Add(24*time.Hour))
	staff := e.signIn("beheer@example.nl", vestiging.RoleAdmin) // an administrator opens every staff page
	pages := []string{
		"/", "/agenda", "/agenda?from=nope", fmt.Sprintf("/events/%d", ev.ID), "/offers", "/library", "/login", "/events/404",
		"/staff/", "/staff/events/new", "/staff/courses/new", fmt.Sprintf("/staff/events/%d/edit", ev.ID), "/staff/moderation",
		"/staff/library", "/staff/branches/new", fmt.Sprintf("/staff/branches/%d/edit", b.ID), "/staff/themes",
		"/staff/partners", "/staff/people",
	}
	for _, path := range pages {
		t.Run(path, func(t *testing.T) {
			res := e.get(staff, path)
			body := res.Body
			for _, want := range []string{`<html lang="nl" dir="ltr">`, `<a class="skip" href="#main">`, `<main id="main"`, `<header`, `<nav`, `<footer`,
				`name="viewport"`, `<title>`} {
				if !strings.Contains(body, want) {
					t.Errorf("no %s", want)
				}
			}
			if n := strings.Count(body, "<h1"); n != 1 {
				t.Errorf("h1 elements: got %d, want 1", n)
			}
			for _, m := range controlIDs.FindAllStringSubmatch(body, -1) {
				if hiddenOnly.MatchString(m[0]) {
					continue
				}
				if !strings.Contains(body, `<label for="`+m[1]+`"`) && !strings.Contains(body, `for="`+m[1]+`">`) {
					t.Errorf("control %q has no label", m[1])
				}
			}
		})
	}
}

// TestPublishFlowBackends runs sign-in, create, publish and the public
// agenda on every store backend.
func TestPublishFlowBackends(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		// The store's clock is the real one, so the server's must be too:
		// both judge whether a session has expired.
		clock := storetest.NewClock(time.Now().UTC())
		e := newEnvWith(t, db, clock, db)
		b := e.branch("Centrale Bibliotheek")
		staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
		start := time.Now().AddDate(0, 0, 7).Format(time.DateOnly)
		res := e.post(staff, "/staff/events/new", eventForm(b, func(f url.Values) {
			f.Set("title", "Leesclub")
			f.Set("start_date", start)
		}))
		wantStatus(t, res, http.StatusSeeOther)
		wantNotContains(t, e.get(e.client(), "/agenda"), "Leesclub")
		events, _, err := db.FindEvents(context.Background(), vestiging.EventFilter{Statuses: []string{vestiging.StatusDraft}})
		if err != nil || len(events) != 1 {
			t.Fatalf("drafts: %v, %v", events, err)
		}
		wantStatus(t, e.post(staff, fmt.Sprintf("/staff/events/%d/publish", events[0].ID), nil), http.StatusSeeOther)
		wantContains(t, e.get(e.client(), "/agenda"), "Leesclub")
	})
}
