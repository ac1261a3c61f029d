package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vestiging/vestiging"
)

// The embeddable agenda: /embed/agenda is a compact list for an iframe on
// the library's own website. Only /embed/ pages may be framed by other
// sites (headers.go). The library's colour, or the one in ?color=, reaches
// the page through the stylesheet, /style.css?color=… (look.go), since the
// CSP allows no inline style or script.

const (
	embedDefaultLimit = 10
	embedMaxLimit     = 50
)

// embedColour reads ?color=: #rgb or #rrggbb, as the shade of it that text
// and buttons can use, or "" for the library's own colour. Anything else is
// ignored, so nothing a visitor types ends up in the stylesheet.
func embedColour(v string) string {
	c, err := vestiging.ParseColour(v)
	if err != nil {
		return ""
	}
	return vestiging.AccessibleShade(c)
}

type embedData struct {
	Events    []*vestiging.Event
	Color     string // "#rrggbb", or "" for the library's own
	AgendaURL string
	lang      string
	s         *Server
}

// Link is the full event page on this site, absolute: it opens outside the iframe.
func (d embedData) Link(e *vestiging.Event) string {
	return d.s.baseURL.JoinPath(eventPath(e)).String()
}

// Place is where the event is, in one line.
func (d embedData) Place(e *vestiging.Event) string { return d.s.eventPlace(d.lang, e) }

func (s *Server) embedAgenda(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := newForm(q)
	filter := s.agendaFilter(q, f)
	filter.Limit = embedDefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > embedMaxLimit {
			f.Add("limit", "Give a number from 1 to 50.")
		}
		filter.Limit = n
	}
	if items := f.Summary(); len(items) > 0 {
		s.errorPage(w, r, http.StatusBadRequest, items[0].Message)
		return
	}
	events, _, err := s.svc.FindEvents(r.Context(), filter)
	if err != nil {
		s.fail(w, r, fmt.Errorf("embed: %w", err))
		return
	}
	// The full agenda with the same selection.
	full := url.Values{}
	for _, k := range []string{"theme", "audience", "branch", "online", "library", "from", "to"} {
		if v := q.Get(k); v != "" {
			full.Set(k, v)
		}
	}
	agenda := s.baseURL.JoinPath("agenda")
	agenda.RawQuery = full.Encode()
	data := embedData{Events: events, Color: embedColour(q.Get("color")), AgendaURL: agenda.String(),
		lang: langFrom(r.Context()), s: s}
	w.Header().Set("Cache-Control", "public, max-age=300")
	s.render(w, r, http.StatusOK, "embed", s.newPage(r, data))
}

type staffFeedsData struct {
	Base     string
	Snippet  string
	Branches []*vestiging.Branch
	Themes   []*vestiging.Theme
}

// staffFeeds shows staff the feeds and the iframe to put the agenda on
// the library's own website.
func (s *Server) staffFeeds(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.newPage(r, nil)
	data := staffFeedsData{Base: strings.TrimSuffix(s.baseURL.String(), "/")}
	var err error
	if data.Branches, err = s.svc.Branches(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("staff feeds: %w", err))
		return
	}
	if data.Themes, err = s.svc.Themes(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("staff feeds: %w", err))
		return
	}
	p.Themes = data.Themes
	data.Snippet = fmt.Sprintf(`<iframe src="%s/embed/agenda?color=%%23005a9c&amp;limit=5" title="%s" width="100%%" height="600" loading="lazy"></iframe>`,
		data.Base, html.EscapeString(s.feedTitle(r, "")))
	p.Data = data
	s.render(w, r, http.StatusOK, "staff_feeds", p)
}
