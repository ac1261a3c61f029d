package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/ical"
)

// Feeds hold what lies ahead, bounded so a feed of a busy network stays a
// download a calendar app polls without trouble.
const (
	maxAtomEvents = 100 // Atom: readers show the newest few
	// feedMaxAge is how long caches and pollers may keep a feed; calendar
	// apps poll hourly at most (REFRESH-INTERVAL), and a change shows within it.
	feedMaxAge = "max-age=900"
)

// feedEvents returns the events of filter from its start (now by default)
// to a year after it, at most max (up to vestiging.MaxFeedSize), in one query.
func (s *Server) feedEvents(ctx context.Context, filter vestiging.EventFilter, max int) ([]*vestiging.Event, error) {
	if horizon := filter.From.AddDate(1, 0, 0); filter.To.IsZero() || filter.To.After(horizon) {
		filter.To = horizon
	}
	filter.Offset, filter.Limit, filter.Feed = 0, max, true
	events, _, err := s.svc.FindEvents(ctx, filter)
	return events, err
}

// feedFilter reads the agenda's filters for a feed; a bad value is
// answered with 400 and its message, and ok is false.
func (s *Server) feedFilter(w http.ResponseWriter, r *http.Request) (vestiging.EventFilter, bool) {
	q := r.URL.Query()
	q.Del("archive") // feeds are what lies ahead
	f := newForm(q)
	filter := s.agendaFilter(q, f)
	if items := f.Summary(); len(items) > 0 {
		s.errorPage(w, r, http.StatusBadRequest, items[0].Message)
		return filter, false
	}
	return filter, true
}

func (s *Server) agendaICS(w http.ResponseWriter, r *http.Request) {
	if filter, ok := s.feedFilter(w, r); ok {
		s.serveICS(w, r, filter, "", false)
	}
}

func (s *Server) branchICS(w http.ResponseWriter, r *http.Request) {
	filter, ok := s.feedFilter(w, r)
	if !ok {
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := s.svc.Branch(r.Context(), id)
	if err != nil {
		s.fail(w, r, fmt.Errorf("branch feed: %w", err))
		return
	}
	filter.BranchID = b.ID
	s.serveICS(w, r, filter, b.Name, false)
}

func (s *Server) themeICS(w http.ResponseWriter, r *http.Request) {
	filter, ok := s.feedFilter(w, r)
	if !ok {
		return
	}
	themes, err := s.svc.Themes(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("theme feed: %w", err))
		return
	}
	slug := chi.URLParam(r, "slug")
	for _, t := range themes {
		if t.Slug == slug {
			filter.Theme = slug
			s.serveICS(w, r, filter, t.Name(langFrom(r.Context())), false)
			return
		}
	}
	s.notFound(w, r)
}

// personalICS serves a resident's "my agenda" at their secret address:
// this library's events and those of the libraries they follow, with the
// agenda's filters. The address is the only key, so any calendar app can
// poll it; a new address (renewFeed) makes this one answer 404.
func (s *Server) personalICS(w http.ResponseWriter, r *http.Request) {
	filter, ok := s.feedFilter(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	token := chi.URLParam(r, "token")
	if len(token) < 20 { // a real one has 43 characters; do not look up guesses
		s.notFound(w, r)
		return
	}
	me, err := s.svc.PersonByFeedHash(ctx, vestiging.HashToken(token))
	if err != nil {
		s.fail(w, r, fmt.Errorf("personal feed: %w", err))
		return
	}
	libs, err := s.residentLibraries(ctx, me)
	if err != nil {
		s.fail(w, r, fmt.Errorf("personal feed libraries: %w", err))
		return
	}
	filter.IncludeLocal, filter.Public = true, false
	for _, a := range libs {
		filter.OriginIDs = append(filter.OriginIDs, a.ID)
	}
	s.serveICS(w, r, filter, s.locales.T(langFrom(ctx), "My agenda"), true)
}

type accountFeedData struct {
	Has    bool         // the person has an address; the store keeps only its hash
	URL    string       // the address, only right after it was made
	Webcal template.URL // webcal://…: calendar apps subscribe on a click
}

// accountFeed shows the resident whether they have a personal feed. Its
// address is shown only when it is made (renewFeed): the store keeps only a
// hash of the token, as it does of sessions.
func (s *Server) accountFeed(w http.ResponseWriter, r *http.Request) {
	me := personFrom(r.Context())
	s.render(w, r, http.StatusOK, "account_feed", s.newPage(r, accountFeedData{Has: me.FeedTokenHash != ""}))
}

// renewFeed gives the resident a new feed address and shows it this once;
// the old one stops working.
func (s *Server) renewFeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token, hash := vestiging.NewToken()
	if err := s.svc.SetFeedHash(ctx, personFrom(ctx).ID, hash); err != nil {
		s.fail(w, r, fmt.Errorf("renew feed: %w", err))
		return
	}
	u := s.baseURL.JoinPath("feeds", token+".ics")
	webcal := *u
	webcal.Scheme = "webcal"
	s.render(w, r, http.StatusOK, "account_feed", s.newPage(r, accountFeedData{Has: true, URL: u.String(), Webcal: template.URL(webcal.String())}))
}

// serveICS writes the events of filter as an iCalendar feed named after
// the library and, when given, what the feed selects.
func (s *Server) serveICS(w http.ResponseWriter, r *http.Request, filter vestiging.EventFilter, what string, private bool) {
	ctx := r.Context()
	events, err := s.feedEvents(ctx, filter, vestiging.MaxFeedSize)
	if err != nil {
		s.fail(w, r, fmt.Errorf("ics feed: %w", err))
		return
	}
	themes, err := s.svc.Themes(ctx)
	if err != nil {
		s.fail(w, r, fmt.Errorf("ics themes: %w", err))
		return
	}
	var buf bytes.Buffer
	if err := ical.Encode(&buf, events, ical.EncodeOptions{Name: s.feedTitle(r, what), BaseURL: s.baseURL,
		Themes: themes, Now: s.now()}); err != nil {
		s.fail(w, r, err)
		return
	}
	serveFeed(w, r, "text/calendar; charset=utf-8", buf.Bytes(), private)
}

// feedTitle is "Library – Agenda", or "Library – what".
func (s *Server) feedTitle(r *http.Request, what string) string {
	if what == "" {
		what = s.locales.T(langFrom(r.Context()), "Agenda")
	}
	return s.libraryName(r.Context()) + " – " + what
}

// libraryName is the library's name, or the software's before it has one.
func (s *Server) libraryName(ctx context.Context) string {
	if lib, err := s.svc.Library(ctx); err == nil {
		return lib.Name
	}
	return "Vestiging"
}

// serveFeed answers with a feed and the headers that let pollers and
// caches keep it: an ETag of the body (304 when it did not change) and a
// max-age. A personal feed is private: shared caches must not keep it.
func serveFeed(w http.ResponseWriter, r *http.Request, contentType string, body []byte, private bool) {
	sum := sha256.Sum256(body)
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	if private {
		h.Set("Cache-Control", "private, "+feedMaxAge)
		h.Set("X-Robots-Tag", "noindex")
	} else {
		h.Set("Cache-Control", "public, "+feedMaxAge)
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// Atom 1.0 (RFC 4287), the parts the agenda fills.
type atomFeed struct {
	XMLName   xml.Name      `xml:"http://www.w3.org/2005/Atom feed"`
	Lang      string        `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	ID        string        `xml:"id"`
	Title     string        `xml:"title"`
	Updated   string        `xml:"updated"`
	Links     []atomLink    `xml:"link"`
	Author    atomPerson    `xml:"author"`
	Generator atomGenerator `xml:"generator"`
	Entries   []atomEntry   `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomGenerator struct {
	Version string `xml:"version,attr"`
	Name    string `xml:",chardata"`
}

type atomEntry struct {
	ID        string         `xml:"id"`
	Title     string         `xml:"title"`
	Updated   string         `xml:"updated"`
	Published string         `xml:"published,omitempty"`
	Links     []atomLink     `xml:"link"`
	Author    *atomPerson    `xml:"author,omitempty"`
	Category  []atomCategory `xml:"category"`
	Summary   atomText       `xml:"summary"`
	Content   atomText       `xml:"content"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// agendaAtom serves the upcoming events as an Atom feed, with the agenda's filters.
func (s *Server) agendaAtom(w http.ResponseWriter, r *http.Request) {
	filter, ok := s.feedFilter(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	lang := langFrom(ctx)
	events, err := s.feedEvents(ctx, filter, maxAtomEvents)
	if err != nil {
		s.fail(w, r, fmt.Errorf("atom feed: %w", err))
		return
	}
	themes, err := s.svc.Themes(ctx)
	if err != nil {
		s.fail(w, r, fmt.Errorf("atom themes: %w", err))
		return
	}
	p := &page{Lang: lang, Themes: themes}
	self := s.baseURL.JoinPath("agenda.atom")
	self.RawQuery = r.URL.RawQuery
	agenda := s.baseURL.JoinPath("agenda")
	agenda.RawQuery = r.URL.RawQuery
	title := s.feedTitle(r, "")
	feed := atomFeed{Lang: lang, ID: self.String(), Title: title,
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self.String()},
			{Rel: "alternate", Type: "text/html", Href: agenda.String()}},
		Author:    atomPerson{Name: s.libraryName(ctx), URI: s.baseURL.String()},
		Generator: atomGenerator{Version: vestiging.Version, Name: "Vestiging"},
		Entries:   make([]atomEntry, 0, len(events)),
	}
	var updated time.Time
	for _, e := range events {
		if e.UpdatedAt.After(updated) {
			updated = e.UpdatedAt
		}
		feed.Entries = append(feed.Entries, s.atomEntry(p, e))
	}
	if updated.IsZero() {
		updated = s.now()
	}
	feed.Updated = updated.UTC().Format(time.RFC3339)
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(feed); err != nil {
		s.fail(w, r, fmt.Errorf("atom feed: %w", err))
		return
	}
	serveFeed(w, r, "application/atom+xml; charset=utf-8", buf.Bytes(), false)
}

// atomEntry is one event: the summary is the one line "when · where ·
// price" (what readers show in lists), the content that line and the
// sanitised text; the themes are its categories.
func (s *Server) atomEntry(p *page, e *vestiging.Event) atomEntry {
	when := s.locales.Dates(p.Lang).Span(e.StartsAt, e.EndsAt, e.Location())
	line := when
	if where := s.eventPlace(p.Lang, e); where != "" {
		line += " · " + where
	}
	if e.Price != nil {
		line += " · " + vestiging.FormatPrice(p.Lang, e.Price)
	}
	title := e.Title
	if e.Status == vestiging.StatusCancelled {
		title = s.locales.T(p.Lang, "Cancelled") + ": " + title
	}
	content := "<p>" + html.EscapeString(line) + "</p>" + vestiging.SanitizeHTML(e.Description)
	entry := atomEntry{
		ID:      ical.UID(s.baseURL, e),
		Title:   title,
		Updated: e.UpdatedAt.UTC().Format(time.RFC3339),
		Links:   []atomLink{{Rel: "alternate", Type: "text/html", Href: s.baseURL.JoinPath(eventPath(e)).String()}},
		Summary: atomText{Type: "text", Body: line},
		Content: atomText{Type: "html", Body: content},
	}
	if !e.CreatedAt.IsZero() {
		entry.Published = e.CreatedAt.UTC().Format(time.RFC3339)
	}
	if e.Remote() && e.Origin != nil {
		entry.Author = &atomPerson{Name: e.Origin.DisplayName(), URI: e.Origin.URL}
	}
	for _, t := range e.Themes {
		entry.Category = append(entry.Category, atomCategory{Term: t, Label: p.ThemeName(t)})
	}
	return entry
}

// eventPlace is where an event happens in one line: the place and its
// address, or "Online".
func (s *Server) eventPlace(lang string, e *vestiging.Event) string {
	switch v := e.Venue(); {
	case v != nil && v.Name != "":
		if a := v.Address(); a != "" {
			return v.Name + ", " + a
		}
		return v.Name
	case e.MeetsOnline():
		return s.locales.T(lang, "Online")
	}
	return ""
}

// feedRoutes registers the feeds, the JSON read API and the embeddable agenda.
func (s *Server) feedRoutes(r chi.Router) {
	r.Get("/agenda.ics", s.agendaICS)
	r.Get("/agenda.atom", s.agendaAtom)
	r.Get("/branches/{id}/agenda.ics", s.branchICS)
	r.Get("/themes/{slug}/agenda.ics", s.themeICS)
	r.Route("/api/v1", s.apiRoutes)
	r.Get("/embed/agenda", s.embedAgenda)
	r.Get("/feeds/{token}.ics", s.personalICS)
	r.With(s.requireAccount).Get("/account/feed", s.accountFeed)
	r.With(s.requireAccount).Post("/account/feed", s.renewFeed)
}
