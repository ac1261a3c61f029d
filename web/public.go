package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vestiging/vestiging"
)

type homeData struct {
	Today, Weekend []*vestiging.Event // what is on today and this weekend
	Soon           []*vestiging.Event // the next ones, when today and the weekend are empty
	Courses        []*vestiging.Event // courses starting soon
	Network        []*vestiging.Event // highlights from the libraries followed
	Offers         []*vestiging.Offer // the newest on the board
	Themes         []*vestiging.Theme // the statutory themes
}

// homeCards is how many cards each row of the home page shows.
const homeCards = 4

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now, loc := s.now(), defaultLocation()
	p := s.newPage(r, nil)
	var err error
	if p.Themes, err = s.svc.Themes(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("home themes: %w", err))
		return
	}
	data := homeData{}
	find := func(into *[]*vestiging.Event, f vestiging.EventFilter) {
		if err == nil {
			f.Public = true
			*into, _, err = s.svc.FindEvents(ctx, f)
		}
	}
	todayFrom, todayTo, _ := period(whenToday, now, loc)
	weekendFrom, weekendTo, _ := period(whenWeekend, now, loc)
	find(&data.Today, vestiging.EventFilter{From: todayFrom, To: todayTo, Limit: homeCards})
	if weekendFrom.Before(todayTo) {
		weekendFrom = todayTo // today is already shown
	}
	find(&data.Weekend, vestiging.EventFilter{From: weekendFrom, To: weekendTo, Limit: homeCards})
	if len(data.Today) == 0 && len(data.Weekend) == 0 {
		find(&data.Soon, vestiging.EventFilter{From: now, Limit: homeCards})
	}
	find(&data.Courses, vestiging.EventFilter{From: now, Kind: vestiging.KindCourse, Limit: homeCards})
	if s.fed != nil {
		find(&data.Network, vestiging.EventFilter{From: now, Source: vestiging.SourceRemote, Limit: homeCards})
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("home events: %w", err))
		return
	}
	if data.Offers, _, err = s.svc.FindOffers(ctx, vestiging.OfferFilter{Status: vestiging.OfferApproved, Limit: 3}); err != nil {
		s.fail(w, r, fmt.Errorf("home offers: %w", err))
		return
	}
	for _, t := range p.Themes {
		if placeholders[t.Slug] {
			data.Themes = append(data.Themes, t)
		}
	}
	p.Data = data
	s.render(w, r, http.StatusOK, "home", p)
}

// paging is the state of one list page and the links to its neighbours,
// which keep the list's filters.
type paging struct {
	Page, Pages int
	Prev, Next  string
}

func newPaging(path string, q url.Values, page, limit, total int) paging {
	p := paging{Page: page, Pages: max(1, (total+limit-1)/limit)}
	link := func(n int) string {
		q := cloneValues(q)
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return path
		}
		return path + "?" + q.Encode()
	}
	if page > 1 {
		// Past the end, "previous" leads back to the last page with results.
		p.Prev = link(min(page-1, p.Pages))
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	return p
}

// cloneValues copies a query without its page, and without lang, which the
// cookie already remembers.
func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if k != "page" && k != "lang" {
			out[k] = append([]string(nil), vs...)
		}
	}
	return out
}

// pageNumber reads ?page= (1 by default) and turns it into an offset; a
// page that is not a number or lies beyond MaxOffset is an EINVALID error.
func pageNumber(q url.Values, limit int) (page, offset int, err error) {
	raw := q.Get("page")
	if raw == "" {
		return 1, 0, nil
	}
	page, convErr := strconv.Atoi(raw)
	if convErr != nil || page < 1 || page > vestiging.MaxOffset/limit+1 {
		return 0, 0, vestiging.Errorf(vestiging.EINVALID, "That page does not exist.")
	}
	return page, (page - 1) * limit, nil
}

type agendaData struct {
	Events    []*vestiging.Event
	Days      []dayView // Events under their days, in the list view
	Total     int
	MoreThan  int // set when Total stopped at the count's cap: more than this many match
	Branches  []*vestiging.Branch
	Libraries []*vestiging.Actor // followed libraries, for the library filter; nil without federation
	Paging    paging
	Path      string // "/agenda", or "/my/agenda" for a resident's own
	View      string // "" (the list), "month" or "map"
	Views     []quickLink
	Periods   []quickLink // the quick filters
	// ThemeLinks are the quick filters per theme.
	ThemeLinks []quickLink
	Filtered   bool       // a filter of the folded form is set: show it open
	Month      *monthView // the month view
	Map        *mapView   // the map view
}

// dayView is one day of the list, under its heading.
type dayView struct {
	ID, Heading, Date string // Date is set under "Today" and "Tomorrow"
	Events            []*vestiging.Event
}

// agendaViews are the agenda's views, English catalog keys.
var agendaViews = []struct{ value, label string }{{"", "List"}, {"month", "Month"}, {"map", "Map"}}

func (s *Server) agenda(w http.ResponseWriter, r *http.Request) { s.renderAgenda(w, r, nil) }

// renderAgenda shows the network agenda (me nil): the library's events
// and those of the actors it follows, or a resident's own: the library's events and those of
// the libraries the resident follows. Both take the same filters, and show
// them as a list by day, a month or a map.
func (s *Server) renderAgenda(w http.ResponseWriter, r *http.Request, me *vestiging.Person) {
	ctx := r.Context()
	q := r.URL.Query()
	f := newForm(q)
	filter := s.agendaFilter(q, f)
	filter.Limit = vestiging.DefaultPageSize
	page, offset, err := pageNumber(q, filter.Limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	filter.Offset = offset

	p := s.newPage(r, nil)
	p.Form = f
	if p.Themes, err = s.svc.Themes(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("agenda themes: %w", err))
		return
	}
	data := agendaData{Path: "/agenda", View: q.Get("view")}
	if data.Branches, err = s.svc.Branches(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("agenda branches: %w", err))
		return
	}
	if me != nil {
		data.Path = "/my/agenda"
		if data.Libraries, err = s.residentLibraries(ctx, me); err != nil {
			s.fail(w, r, fmt.Errorf("my agenda libraries: %w", err))
			return
		}
		filter.IncludeLocal, filter.Public = true, false
		for _, a := range data.Libraries {
			filter.OriginIDs = append(filter.OriginIDs, a.ID)
		}
	} else if data.Libraries, err = s.followedLibraries(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("agenda libraries: %w", err))
		return
	}
	for _, v := range agendaViews {
		u := cloneValues(q)
		u.Del("view")
		u.Del("month")
		if v.value != "" {
			u.Set("view", v.value)
		}
		link := quickLink{Label: v.label, URL: data.Path, Current: data.View == v.value}
		if len(u) > 0 {
			link.URL += "?" + u.Encode()
		}
		data.Views = append(data.Views, link)
	}
	data.Periods, data.ThemeLinks = quickFilters(data.Path, q, p)
	for _, k := range []string{"from", "to", "audience", "branch", "library", "place", "online", "archive"} {
		data.Filtered = data.Filtered || q.Get(k) != ""
	}
	switch data.View {
	case "", "month", "map":
	default:
		f.Add("view", "Choose the list, the month or the map.")
	}
	var month time.Time
	if data.View == "month" {
		month = s.agendaMonth(q, f, &filter)
	}
	data.Filtered = data.Filtered || !f.Valid()
	if !f.Valid() {
		p.Data = data
		s.render(w, r, http.StatusBadRequest, "agenda", p)
		return
	}
	switch data.View {
	case "month":
		events, err := s.feedEvents(ctx, filter, vestiging.MaxFeedSize)
		if err != nil {
			s.fail(w, r, fmt.Errorf("agenda month: %w", err))
			return
		}
		data.Month = s.monthOf(p.Lang, data.Path, q, month, events)
	case "map":
		events, err := s.feedEvents(ctx, filter, vestiging.MaxFeedSize)
		if err != nil {
			s.fail(w, r, fmt.Errorf("agenda map: %w", err))
			return
		}
		data.Map = s.mapOf(data.Path, q, events)
	default:
		if data.Events, data.Total, err = s.svc.FindEvents(ctx, filter); err != nil {
			s.fail(w, r, fmt.Errorf("agenda: %w", err))
			return
		}
		if filter.CountCapped(data.Total) {
			data.MoreThan = data.Total - 1
		}
		data.Paging = newPaging(data.Path, q, page, filter.Limit, data.Total)
		now := s.now()
		for _, g := range groupByDay(data.Events, now) {
			d := dayView{ID: "day-" + g.Date.Format(time.DateOnly), Heading: s.dayHeading(p.Lang, g.Date, now), Events: g.Events}
			if days := g.Date.Sub(midnight(now.In(g.Date.Location()))).Hours() / 24; days > -1.5 && days < 1.5 {
				d.Date = s.locales.Dates(p.Lang).Day(g.Date, false)
			}
			data.Days = append(data.Days, d)
		}
	}
	p.Data = data
	s.render(w, r, http.StatusOK, "agenda", p)
}

// agendaFilter reads the agenda's filters from a query: the same for the
// agenda page, its feeds, the JSON API and the embeddable agenda. Bad
// values are added to f, by field, with a message.
func (s *Server) agendaFilter(q url.Values, f *form) vestiging.EventFilter {
	// Public: what only residents follow stays on their own agenda.
	filter := vestiging.EventFilter{From: s.now(), Theme: q.Get("theme"), Public: true}
	archive := q.Get("archive") != ""
	if archive {
		// The archive reaches back as far as "from", or to the beginning.
		filter.From = time.Time{}
	}
	loc := defaultLocation()
	if v := q.Get("when"); v != "" {
		if from, to, ok := period(v, s.now(), loc); ok {
			filter.From, filter.To = from, to
		} else {
			f.Add("when", "Choose today, tomorrow, this weekend or this week.")
		}
	}
	if v := q.Get("from"); v != "" {
		if d, err := time.ParseInLocation(time.DateOnly, v, loc); err != nil {
			f.Add("from", "Give the date as YYYY-MM-DD.")
		} else {
			filter.From = d
		}
	}
	if v := q.Get("to"); v != "" {
		d, err := time.ParseInLocation(time.DateOnly, v, loc)
		switch {
		case err != nil:
			f.Add("to", "Give the date as YYYY-MM-DD.")
		case !d.AddDate(0, 0, 1).After(filter.From):
			f.Add("to", "The end date must not be before the start date.")
		default:
			// The end date is inclusive: up to midnight after it.
			filter.To = d.AddDate(0, 0, 1)
		}
	}
	if v := q.Get("audience"); v != "" {
		if _, ok := audienceNames[v]; !ok {
			f.Add("audience", "Choose an audience from the list.")
		}
		filter.Audience = v
	}
	if v := q.Get("branch"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			f.Add("branch", "Choose a branch from the list.")
		}
		filter.BranchID = id
	}
	filter.OnlineOnly = q.Get("online") != ""
	readSource(f, q.Get("library"), &filter)
	if v := strings.TrimSpace(q.Get("place")); v != "" {
		if len(v) > 100 {
			f.Add("place", "This text is too long.")
		}
		filter.Place = v
	}
	if v := strings.TrimSpace(q.Get("q")); v != "" {
		if len(v) > maxQuery {
			f.Add("q", "This text is too long.")
		}
		filter.Query = v
	}
	if archive {
		// What has begun, newest first.
		if now := s.now(); filter.To.IsZero() || filter.To.After(now) {
			filter.To = now
		}
		filter.Descending = true
	}
	return filter
}

// maxQuery bounds the search text in bytes; the store looks up at most
// vestiging.MaxSearchTerms words of it anyway.
const maxQuery = 200

// readSource reads the agenda's library filter: "local" (this library),
// "remote" (the network), the id of a followed library, or several ids
// separated by commas (a feed of a chosen set: "library=3,7").
func readSource(f *form, v string, filter *vestiging.EventFilter) {
	switch v {
	case "":
	case vestiging.SourceLocal, vestiging.SourceRemote:
		filter.Source = v
	default:
		parts := strings.Split(v, ",")
		ids := make([]int64, 0, len(parts))
		for _, part := range parts {
			id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil || id < 1 || len(parts) > vestiging.MaxPageSize {
				f.Add("library", "Choose a library from the list.")
				return
			}
			ids = append(ids, id)
		}
		filter.Source = vestiging.SourceRemote
		if len(ids) == 1 {
			filter.OriginID = ids[0]
		} else {
			filter.OriginIDs = ids
		}
	}
}

// followedLibraries lists the libraries this one follows, for the agenda's
// filter: at most one page, which is more than a select can usefully hold.
func (s *Server) followedLibraries(ctx context.Context) ([]*vestiging.Actor, error) {
	if s.fed == nil {
		return nil, nil
	}
	fs, _, err := s.fed.Followings(ctx, 0, vestiging.MaxPageSize)
	if err != nil {
		return nil, err
	}
	libs := []*vestiging.Actor{}
	for _, f := range fs {
		if f.State == vestiging.FollowAccepted {
			libs = append(libs, f.Actor)
		}
	}
	return libs, nil
}

func defaultLocation() *time.Location {
	return (&vestiging.Event{}).Location()
}

// pathID reads the {id} route parameter; anything but a positive number
// is an ENOTFOUND, since no such page exists.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id < 1 {
		return 0, vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	return id, nil
}

type eventData struct {
	Event     *vestiging.Event
	Replies   *repliesView   // for the library's own published events
	Signup    *signupView    // the sign-up part (registration.go)
	Fediverse *fediverseView // for the library's own public events
	Travel    travelView     // to a calendar, to share (travel.go)
	Share     *form          // the Mastodon share form, with its error
}

// pathEvent loads the event whose id is in the path.
func (s *Server) pathEvent(r *http.Request) (*vestiging.Event, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	e, err := s.svc.Event(r.Context(), id)
	if err != nil {
		return nil, fmt.Errorf("event %d: %w", id, err)
	}
	return e, nil
}

// publicEvent loads an event as the public may see it: drafts only for
// staff, who preview them; an event only residents follow the origin of
// for those residents too.
func (s *Server) publicEvent(r *http.Request) (*vestiging.Event, error) {
	e, err := s.pathEvent(r)
	if err != nil {
		return nil, err
	}
	me := personFrom(r.Context())
	if me.IsStaff() {
		return e, nil
	}
	if e.ResidentsOnly && me != nil && s.fed != nil {
		fl, err := s.fed.PersonFollowing(r.Context(), me.ID, *e.OriginID)
		if err != nil && vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			return nil, fmt.Errorf("event %d: %w", e.ID, err)
		}
		e.ResidentsOnly = err != nil || fl.State != vestiging.FollowAccepted
	}
	if err := shownToPublic(e); err != nil {
		return nil, err
	}
	return e, nil
}

// shownToPublic is ENOTFOUND for an event the public may not see: a draft,
// a partner's proposal waiting for approval, a remote event staff took
// off this site or whose library or domain is blocked, or one whose
// origin only residents follow. The event page and the JSON API both ask
// it, so they answer alike.
func shownToPublic(e *vestiging.Event) error {
	if !vestiging.IsPublic(e.Status) || e.Hidden || e.ResidentsOnly {
		return vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	return nil
}

func (s *Server) eventPage(w http.ResponseWriter, r *http.Request) {
	s.showEvent(w, r, vestiging.KindEvent)
}

func (s *Server) coursePage(w http.ResponseWriter, r *http.Request) {
	s.showEvent(w, r, vestiging.KindCourse)
}

// showEvent renders an event or a course, redirecting to the other's
// address when the id belongs to the other kind.
func (s *Server) showEvent(w http.ResponseWriter, r *http.Request, kind string) {
	e, err := s.publicEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if e.Kind != kind {
		http.Redirect(w, r, eventPath(e), http.StatusMovedPermanently)
		return
	}
	s.renderEvent(w, r, http.StatusOK, e, nil)
}

// renderEvent renders an event or course page; reply holds a refused
// reply's text and error, or nil.
func (s *Server) renderEvent(w http.ResponseWriter, r *http.Request, status int, e *vestiging.Event, reply *form) {
	data := eventData{Event: e, Travel: s.travelOf(langFrom(r.Context()), e), Share: shareFormFrom(r.Context())}
	var err error
	if data.Signup, err = s.signupFor(r, e); err != nil {
		s.fail(w, r, err)
		return
	}
	// A private online link is for staff; whoever has a place goes in
	// through the join link (Signup.JoinURL), which counts them.
	if !personFrom(r.Context()).IsStaff() {
		e = e.Public()
		data.Event, data.Signup.Event = e, e
	}
	if !e.Remote() && e.Status == vestiging.StatusPublished {
		if data.Replies, err = s.replies(r, vestiging.ReplyToEvent, e.ID, eventPath(e), reply); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if !e.Remote() && vestiging.IsPublic(e.Status) {
		if data.Fediverse, err = s.fediverse(r, vestiging.ReplyToEvent, e.ID, eventPath(e)); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p := s.newPage(r, data)
	if p.Themes, err = s.svc.Themes(r.Context()); err != nil {
		s.fail(w, r, fmt.Errorf("themes: %w", err))
		return
	}
	if p.Library, err = s.svc.Library(r.Context()); err != nil {
		s.fail(w, r, fmt.Errorf("library: %w", err))
		return
	}
	p.Meta = s.eventMeta(r, p.Library, e, p.Themes)
	s.render(w, r, status, e.Kind, p)
}

func eventPath(e *vestiging.Event) string {
	if e.Kind == vestiging.KindCourse {
		return fmt.Sprintf("/courses/%d", e.ID)
	}
	return fmt.Sprintf("/events/%d", e.ID)
}

type offersData struct {
	Offers []*vestiging.Offer
	Total  int
	Paging paging
}

func (s *Server) offers(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	filter := vestiging.OfferFilter{Status: vestiging.OfferApproved, Theme: q.Get("theme"), Limit: vestiging.DefaultPageSize,
		Area: strings.TrimSpace(q.Get("area")), Query: strings.TrimSpace(q.Get("q"))}
	f := newForm(q)
	switch k := q.Get("kind"); k {
	case "", vestiging.OfferKindOffer, vestiging.OfferKindRequest:
		filter.Kind = k
	default:
		f.Add("kind", "Choose offer or request.")
	}
	if len(filter.Area) > 100 {
		f.Add("area", "This text is too long.")
	}
	if len(filter.Query) > maxQuery {
		f.Add("q", "This text is too long.")
	}
	page, offset, err := pageNumber(q, filter.Limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	filter.Offset = offset
	p := s.newPage(r, nil)
	p.Form = f
	if p.Themes, err = s.svc.Themes(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("offer themes: %w", err))
		return
	}
	data := offersData{}
	if !f.Valid() {
		p.Data = data
		s.render(w, r, http.StatusBadRequest, "offers", p)
		return
	}
	if data.Offers, data.Total, err = s.svc.FindOffers(ctx, filter); err != nil {
		s.fail(w, r, fmt.Errorf("offers: %w", err))
		return
	}
	data.Paging = newPaging("/offers", q, page, filter.Limit, data.Total)
	p.Data = data
	s.render(w, r, http.StatusOK, "offers", p)
}

type libraryData struct {
	Branches  []branchView
	Fediverse *fediverseView // following the library from one's own server
}

type branchView struct {
	*vestiging.Branch
	Days []dayHours
}

type dayHours struct {
	Day     time.Weekday
	Periods []vestiging.OpeningHours
}

// weekHours lists every weekday, Monday first, with its opening periods;
// a day without periods is closed.
func weekHours(hours []vestiging.OpeningHours) []dayHours {
	days := make([]dayHours, 0, len(vestiging.Weekdays))
	for _, d := range vestiging.Weekdays {
		dh := dayHours{Day: d}
		for _, h := range hours {
			if h.Day == d {
				dh.Periods = append(dh.Periods, h)
			}
		}
		days = append(days, dh)
	}
	return days
}

func (s *Server) libraryPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lib, err := s.svc.Library(ctx)
	if err != nil {
		s.fail(w, r, fmt.Errorf("library: %w", err))
		return
	}
	branches, err := s.svc.Branches(ctx)
	if err != nil {
		s.fail(w, r, fmt.Errorf("branches: %w", err))
		return
	}
	data := libraryData{}
	if s.network != nil {
		data.Fediverse = &fediverseView{URI: s.baseURL.JoinPath("actor").String(), Interact: true}
	}
	for _, b := range branches {
		data.Branches = append(data.Branches, branchView{Branch: b, Days: weekHours(b.OpeningHours)})
	}
	p := s.newPage(r, data)
	p.Library = lib
	s.render(w, r, http.StatusOK, "library", p)
}
