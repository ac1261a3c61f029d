package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vestiging/vestiging"
)

// An event page that travels: into a calendar (an .ics file, Google,
// Outlook), to friends (WhatsApp, mail, a copied link, the reader's own
// Mastodon server), and to link previews and search engines (Open Graph,
// Twitter cards and schema.org Event in JSON-LD).

// pageMeta is what a page says about itself to link previews and search
// engines; the layout writes it into the head.
type pageMeta struct {
	Title       string // "" is the page's title
	Description string
	URL         string // the canonical address
	Image       string // absolute
	ImageAlt    string
	Large       bool // the image is a photo worth a large card
	JSONLD      any  // schema.org data, or nil
}

// maxDescription is how long a meta description may be, in characters:
// what search engines show.
const maxDescription = 160

// clip shortens s to at most n characters at a word, with an ellipsis.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

// defaultMeta describes a page that says nothing itself: the library.
func (s *Server) defaultMeta(r *http.Request, lib *vestiging.Library, lk look) *pageMeta {
	lang := langFrom(r.Context())
	m := &pageMeta{URL: s.baseURL.JoinPath(r.URL.Path).String()}
	name := "Vestiging"
	if lib != nil {
		name = lib.Name
		m.Description = clip(vestiging.PlainText(lib.Description), maxDescription)
	}
	if m.Description == "" {
		m.Description = fmt.Sprintf(s.locales.T(lang, "Activities, courses and offers of %s."), name)
	}
	m.Image, m.ImageAlt = s.absolute(lk.Icons+"/icon-512.png"), fmt.Sprintf(s.locales.T(lang, "Logo of %s"), name)
	if lib != nil && lib.BannerURL != "" {
		m.Image, m.ImageAlt, m.Large = lib.BannerURL, lib.BannerAlt, true
	}
	return m
}

// absolute makes a site path absolute; an absolute address stays.
func (s *Server) absolute(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	u := *s.baseURL
	p, q, _ := strings.Cut(path, "?")
	u.Path, u.RawQuery = p, q
	return u.String()
}

// eventMeta describes an event page: its line of facts and the start of
// its description, its image, and its schema.org Event.
func (s *Server) eventMeta(r *http.Request, lib *vestiging.Library, e *vestiging.Event, themes []*vestiging.Theme) *pageMeta {
	lang := langFrom(r.Context())
	e = e.Public() // what search engines and link previews read is public
	m := s.defaultMeta(r, lib, s.lookOf(lib))
	m.URL = s.baseURL.JoinPath(eventPath(e)).String()
	facts := s.locales.Dates(lang).Span(e.StartsAt, e.EndsAt, e.Location())
	if place := s.eventPlace(lang, e); place != "" {
		facts += " · " + place
	}
	if e.Status == vestiging.StatusCancelled {
		facts = s.locales.T(lang, "Cancelled") + ": " + facts
	}
	m.Description = clip(facts+". "+vestiging.PlainText(e.Description), maxDescription)
	if e.ImageURL != "" {
		m.Image, m.ImageAlt, m.Large = e.ImageURL, e.ImageAlt, true
	}
	m.JSONLD = s.eventJSONLD(lib, e, themes, m)
	return m
}

// schemaPlace is a schema.org Place or VirtualLocation.
type schemaPlace struct {
	Type    string         `json:"@type"`
	Name    string         `json:"name,omitempty"`
	URL     string         `json:"url,omitempty"`
	Address *schemaAddress `json:"address,omitempty"`
	Geo     *schemaGeo     `json:"geo,omitempty"`
}

type schemaAddress struct {
	Type       string `json:"@type"`
	Street     string `json:"streetAddress,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
	Locality   string `json:"addressLocality,omitempty"`
	Country    string `json:"addressCountry"`
}

type schemaGeo struct {
	Type      string  `json:"@type"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

type schemaOrganization struct {
	Type string `json:"@type"`
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type schemaOffer struct {
	Type          string `json:"@type"`
	Price         string `json:"price"`
	PriceCurrency string `json:"priceCurrency"`
	Availability  string `json:"availability"`
	URL           string `json:"url"`
	ValidFrom     string `json:"validFrom,omitempty"`
	Name          string `json:"name,omitempty"` // "Leden": the member price
}

type schemaEvent struct {
	Context           string              `json:"@context,omitempty"`
	Type              string              `json:"@type"`
	Name              string              `json:"name"`
	Description       string              `json:"description,omitempty"`
	URL               string              `json:"url"`
	StartDate         string              `json:"startDate"`
	EndDate           string              `json:"endDate"`
	PreviousStartDate string              `json:"previousStartDate,omitempty"`
	EventStatus       string              `json:"eventStatus"`
	AttendanceMode    string              `json:"eventAttendanceMode"`
	Location          any                 `json:"location"`
	Image             []string            `json:"image,omitempty"`
	Organizer         *schemaOrganization `json:"organizer,omitempty"`
	Offers            []schemaOffer       `json:"offers,omitempty"`
	Capacity          int                 `json:"maximumAttendeeCapacity,omitempty"`
	Remaining         *int                `json:"remainingAttendeeCapacity,omitempty"`
	InLanguage        string              `json:"inLanguage,omitempty"`
	About             []string            `json:"keywords,omitempty"`
	SubEvents         []schemaEvent       `json:"subEvent,omitempty"`
}

const schemaOrg = "https://schema.org/"

// schemaTime writes a moment in the event's own zone with its offset.
func schemaTime(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.RFC3339) }

// schemaVenue is where an event or session is, as schema.org says it.
func schemaVenue(b *vestiging.Place, online string) (location []any, mode string) {
	if b != nil && b.Name != "" {
		p := schemaPlace{Type: "Place", Name: b.Name,
			Address: &schemaAddress{Type: "PostalAddress", Street: b.Street, PostalCode: b.PostalCode, Locality: b.City, Country: "NL"}}
		if b.HasCoordinates() {
			p.Geo = &schemaGeo{Type: "GeoCoordinates", Latitude: *b.Latitude, Longitude: *b.Longitude}
		}
		location = append(location, p)
	}
	if online != "" {
		location = append(location, schemaPlace{Type: "VirtualLocation", URL: online})
	}
	switch {
	case len(location) == 2:
		mode = "MixedEventAttendanceMode"
	case online != "":
		mode = "OnlineEventAttendanceMode"
	default:
		mode = "OfflineEventAttendanceMode"
	}
	return location, schemaOrg + mode
}

// eventJSONLD is the event as a schema.org Event (a course as an
// EducationEvent with its sessions as subEvents), as Google's event rich
// result reads it.
func (s *Server) eventJSONLD(lib *vestiging.Library, e *vestiging.Event, themes []*vestiging.Theme, m *pageMeta) schemaEvent {
	loc := e.Location()
	ev := schemaEvent{Context: "https://schema.org", Type: "Event", Name: e.Title, URL: m.URL,
		Description: clip(vestiging.PlainText(e.Description), 500),
		StartDate:   schemaTime(e.StartsAt, loc), EndDate: schemaTime(e.EndsAt, loc),
		EventStatus: schemaOrg + "EventScheduled", InLanguage: e.Language, Image: []string{m.Image}}
	if ev.Description == "" {
		ev.Description = m.Description
	}
	if e.Kind == vestiging.KindCourse {
		ev.Type = "EducationEvent"
	}
	switch {
	case e.Status == vestiging.StatusCancelled:
		ev.EventStatus = schemaOrg + "EventCancelled"
	case !e.PreviousStartsAt.IsZero():
		ev.EventStatus = schemaOrg + "EventRescheduled"
		ev.PreviousStartDate = schemaTime(e.PreviousStartsAt, loc)
	}
	location, mode := schemaVenue(e.Venue(), e.OnlineLink(m.URL))
	ev.AttendanceMode = mode
	if len(location) == 1 {
		ev.Location = location[0]
	} else {
		ev.Location = location
	}
	switch {
	case e.Remote() && e.Origin != nil:
		ev.Organizer = &schemaOrganization{Type: "Organization", Name: e.Origin.DisplayName(), URL: e.Origin.URL}
	case lib != nil:
		ev.Organizer = &schemaOrganization{Type: "Organization", Name: lib.Name, URL: s.baseURL.String()}
	}
	for _, slug := range e.Themes {
		for _, t := range themes {
			if t.Slug == slug {
				ev.About = append(ev.About, t.Name(e.Language))
			}
		}
	}
	// A hybrid event's places are those in the branch and online.
	if capacity, left := e.Places(); capacity > 0 {
		ev.Capacity, ev.Remaining = capacity, &left
	}
	ev.Offers = s.schemaOffers(e.Language, e, m.URL)
	if e.Kind == vestiging.KindCourse {
		for _, ss := range e.Sessions {
			sl, smode := schemaVenue(ss.Venue(), ss.OnlineLink(m.URL))
			sub := schemaEvent{Type: "Event", Name: e.Title, URL: m.URL, StartDate: schemaTime(ss.StartsAt, loc),
				EndDate: schemaTime(ss.EndsAt, loc), EventStatus: ev.EventStatus, AttendanceMode: smode, Location: sl}
			if len(sl) == 1 {
				sub.Location = sl[0]
			}
			ev.SubEvents = append(ev.SubEvents, sub)
		}
	}
	return ev
}

// schemaOffers are how to take part: the price (free when the event names
// none: a library's activities are, unless it says otherwise), a member
// price as a second offer, and whether places are left. Sign-up elsewhere
// points there.
func (s *Server) schemaOffers(lang string, e *vestiging.Event, page string) []schemaOffer {
	o := s.schemaOffer(e, page)
	if e.Price == nil {
		return []schemaOffer{o}
	}
	o.Price = vestiging.FormatCents(e.Price.Cents)
	offers := []schemaOffer{o}
	if m := e.Price.MemberCents; m != nil {
		member := o
		member.Price, member.Name = vestiging.FormatCents(*m), s.locales.T(lang, "Members")
		offers = append(offers, member)
	}
	return offers
}

func (s *Server) schemaOffer(e *vestiging.Event, page string) schemaOffer {
	o := schemaOffer{Type: "Offer", Price: "0", PriceCurrency: "EUR", Availability: schemaOrg + "InStock", URL: page}
	if e.RegistrationMode == vestiging.RegistrationExternal && e.RegistrationURL != "" {
		o.URL = e.RegistrationURL
	}
	if !e.CreatedAt.IsZero() {
		o.ValidFrom = schemaTime(e.CreatedAt, e.Location())
	}
	st := seatsOf(e)
	switch {
	case e.Status == vestiging.StatusCancelled || !e.EndsAt.After(s.now()):
		o.Availability = schemaOrg + "SoldOut"
	case st.Full && !st.Waitlist:
		o.Availability = schemaOrg + "SoldOut"
	case st.Full:
		o.Availability = schemaOrg + "PreOrder" // a place from the waitlist
	case st.Left > 0:
		o.Availability = schemaOrg + "LimitedAvailability"
	}
	return o
}

// travelView holds the event page's links to calendars and to share.
type travelView struct {
	ICS, Google, Outlook string
	WhatsApp, Mail       string
	URL                  string // the page, to copy
	Share                string // where the Mastodon form posts
}

// travelOf makes the links of an event's page in lang.
func (s *Server) travelOf(lang string, e *vestiging.Event) travelView {
	e = e.Public() // the links are shared, and carry no private online link
	page := s.baseURL.JoinPath(eventPath(e)).String()
	where := s.eventPlace(lang, e)
	if e.OnlineURL != "" {
		where = strings.TrimPrefix(strings.Join([]string{where, e.OnlineURL}, " · "), " · ")
	}
	details := clip(vestiging.PlainText(e.Description), 600) + "\n\n" + page
	utc := func(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
	google := url.Values{"action": {"TEMPLATE"}, "text": {e.Title}, "dates": {utc(e.StartsAt) + "/" + utc(e.EndsAt)},
		"details": {details}, "location": {where}, "ctz": {e.Location().String()}}
	outlook := url.Values{"path": {"/calendar/action/compose"}, "rru": {"addevent"}, "subject": {e.Title},
		"startdt": {e.StartsAt.UTC().Format(time.RFC3339)}, "enddt": {e.EndsAt.UTC().Format(time.RFC3339)},
		"body": {details}, "location": {where}}
	line := e.Title + " – " + s.locales.Dates(lang).Span(e.StartsAt, e.EndsAt, e.Location())
	return travelView{
		ICS:      eventPath(e) + ".ics",
		Google:   "https://calendar.google.com/calendar/render?" + google.Encode(),
		Outlook:  "https://outlook.live.com/calendar/0/deeplink/compose?" + outlook.Encode(),
		WhatsApp: "https://wa.me/?" + url.Values{"text": {line + "\n" + page}}.Encode(),
		Mail:     "mailto:?" + strings.ReplaceAll(url.Values{"subject": {e.Title}, "body": {line + "\n\n" + page}}.Encode(), "+", "%20"),
		URL:      page,
		Share:    eventPath(e) + "/share",
	}
}

// eventICS serves /events/{id}.ics (and a course's): the event as the
// feeds and the mails have it, so adding it twice updates one entry.
func (s *Server) eventICS(w http.ResponseWriter, r *http.Request) {
	e, err := s.publicEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := s.eventCalendar(r.Context(), e, false, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%d.ics"`, e.Kind, e.ID))
	h.Set("Cache-Control", "public, "+feedMaxAge)
	_, _ = w.Write(data)
}

// maxServer bounds what a reader types as their server.
const maxServer = 253

// serverHost reads the reader's server as they may type it: a host
// ("mastodon.social"), an address ("https://mastodon.social/home") or their
// handle ("@anna@mastodon.social"). ok is false for anything else.
func serverHost(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > maxServer {
		return "", false
	}
	if strings.HasPrefix(v, "@") || (strings.Contains(v, "@") && !strings.Contains(v, "/")) {
		v = v[strings.LastIndexByte(v, '@')+1:]
	}
	if !strings.Contains(v, "://") {
		v = "https://" + v
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Port() != "" {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	if !strings.Contains(host, ".") || strings.Trim(host, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" {
		return "", false
	}
	return host, true
}

// shareEvent sends the reader to their own Mastodon server's share page
// with the event's title, date and link. It takes a POST, which the cross-
// origin check guards, so no other site can use the address as a redirect.
func (s *Server) shareEvent(w http.ResponseWriter, r *http.Request) {
	e, err := s.publicEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	host, ok := serverHost(r.PostForm.Get("server"))
	if !ok {
		f := newForm(r.PostForm)
		f.Add("server", "Give your server as its address, such as mastodon.social, or your handle, such as @anna@mastodon.social.")
		r = r.WithContext(withShareForm(r.Context(), f))
		s.renderEvent(w, r, http.StatusUnprocessableEntity, e, nil)
		return
	}
	lang := langFrom(r.Context())
	text := e.Title + " – " + s.locales.Dates(lang).Span(e.StartsAt, e.EndsAt, e.Location()) + "\n" + s.baseURL.JoinPath(eventPath(e)).String()
	http.Redirect(w, r, "https://"+host+"/share?"+url.Values{"text": {text}}.Encode(), http.StatusSeeOther)
}

// shareFormKey holds, in a request's context, the Mastodon share form sent
// back with its error, for the event page's renderer.
type shareFormKey struct{}

func withShareForm(ctx context.Context, f *form) context.Context {
	return context.WithValue(ctx, shareFormKey{}, f)
}

func shareFormFrom(ctx context.Context) *form {
	if f, ok := ctx.Value(shareFormKey{}).(*form); ok {
		return f
	}
	return newForm(nil)
}
