package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

func TestEmbedAgenda(t *testing.T) {
	e := newFedEnv(t)
	b := e.branch("Bibliotheek Tiel")
	local := e.event("Voorleesuur", vestiging.StatusPublished, b, testNow.Add(24*time.Hour))
	e.event("Schrijfcafé", vestiging.StatusCancelled, b, testNow.Add(26*time.Hour), func(ev *vestiging.Event) {
		ev.Themes = []string{"digitale-vaardigheden"}
	})
	e.event("Concept", vestiging.StatusDraft, b, testNow.Add(27*time.Hour))
	remote, actor := e.remoteEvent("Lezing elders", testNow.Add(48*time.Hour))
	e.libraryFollows(actor)
	c := e.client()

	t.Run("OK", func(t *testing.T) {
		res := e.get(c, "/embed/agenda")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Voorleesuur", "Schrijfcafé", "Geannuleerd", "Lezing elders", "Van Bibliotheek Elders",
			fmt.Sprintf(`<a href="%s/events/%d" target="_blank" rel="noopener">Voorleesuur`, e.srv.URL, local.ID),
			fmt.Sprintf(`<a href="%s/events/%d" target="_blank" rel="noopener">Lezing elders`, e.srv.URL, remote.ID),
			"(opent in een nieuw tabblad)", `<main id="main">`, `<link rel="stylesheet" href="/style.css?v=`,
			fmt.Sprintf(`href="%s/agenda" target="_blank" rel="noopener">De hele agenda`, e.srv.URL))
		wantNotContains(t, res, "Concept", `<header`, `<footer`, `<nav`, "<script", "style=")
		if got := strings.Count(res.Body, "<h1"); got != 1 {
			t.Errorf("%d h1 elements, want 1", got)
		}
	})
	t.Run("Filters", func(t *testing.T) {
		res := e.get(c, "/embed/agenda?theme=digitale-vaardigheden")
		wantContains(t, res, "Schrijfcafé", "/agenda?theme=digitale-vaardigheden")
		wantNotContains(t, res, "Voorleesuur")
		res = e.get(c, fmt.Sprintf("/embed/agenda?library=%d", actor.ID))
		wantContains(t, res, "Lezing elders")
		wantNotContains(t, res, "Voorleesuur")
		res = e.get(c, "/embed/agenda?library=local&limit=1")
		wantContains(t, res, "Voorleesuur")
		wantNotContains(t, res, "Schrijfcafé", "Lezing elders")
	})
	t.Run("Color", func(t *testing.T) {
		tests := []struct {
			color, link string
		}{
			{"#005A9C", `href="/style.css?color=%23005a9c"`},
			// Too light for text: the nearest darker shade.
			{"#fc0", `href="/style.css?color=` + url.QueryEscape(vestiging.AccessibleShade("#ffcc00")) + `"`},
			{"red;}</style><script>alert(1)</script>", `href="/style.css?v=`},
			{"red", `href="/style.css?v=`},
			{"#12345", `href="/style.css?v=`},
			{"url(javascript:alert(1))", `href="/style.css?v=`},
		}
		for _, tt := range tests {
			res := e.get(c, "/embed/agenda?color="+url.QueryEscape(tt.color))
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, tt.link)
			wantNotContains(t, res, "<script", "alert(1)", "javascript:")
		}
	})
	t.Run("Style", func(t *testing.T) {
		res := e.get(c, "/style.css?color=%23005A9C")
		wantStatus(t, res, http.StatusOK)
		if got := res.Header.Get("Content-Type"); got != "text/css; charset=utf-8" {
			t.Errorf("content type %q", got)
		}
		wantContains(t, res, "--accent: #005a9c;")
		res = e.get(c, "/style.css?color="+url.QueryEscape("red;}</style><script>"))
		wantContains(t, res, "--accent: "+vestiging.DefaultColour+";")
		wantNotContains(t, res, "script", "red;")
	})
	t.Run("Framing", func(t *testing.T) {
		embed := e.get(c, "/embed/agenda")
		if csp := embed.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors *") || embed.Header.Get("X-Frame-Options") != "" {
			t.Errorf("embed may not be framed: CSP %q, X-Frame-Options %q", csp, embed.Header.Get("X-Frame-Options"))
		}
		for _, path := range []string{"/agenda", "/", fmt.Sprintf("/events/%d", local.ID), "/staff/feeds"} {
			res := e.get(c, path)
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || res.Header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("%s may be framed: CSP %q, X-Frame-Options %q", path, csp, res.Header.Get("X-Frame-Options"))
			}
		}
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		for _, q := range []string{"?limit=0", "?limit=51", "?limit=x", "?from=gisteren", "?library=elders"} {
			res := e.get(c, "/embed/agenda"+q)
			if res.Status != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", q, res.Status)
			}
		}
	})
	t.Run("StaffPage", func(t *testing.T) {
		staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
		res := e.get(staff, "/staff/feeds")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Feeds en insluiten", "&lt;iframe src=&#34;"+e.srv.URL+"/embed/agenda?color=%23005a9c&amp;amp;limit=5&#34;",
			e.srv.URL+"/agenda.ics", fmt.Sprintf("%s/branches/%d/agenda.ics", e.srv.URL, b.ID), e.srv.URL+"/themes/leesplezier/agenda.ics",
			`<iframe src="/embed/agenda?limit=3" title="Voorbeeld van de ingesloten agenda"`)
		wantContains(t, e.get(staff, "/staff/"), `href="/staff/feeds"`)
		wantStatus(t, e.get(e.client(), "/staff/feeds"), http.StatusSeeOther)
	})
}
