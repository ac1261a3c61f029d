package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/media"
)

// Browsing the agenda: cards, days, quick filters and views.

// Periods of the quick filters, ?when=.
const (
	whenToday    = "today"
	whenTomorrow = "tomorrow"
	whenWeekend  = "weekend"
	whenWeek     = "week"
)

// whenLabels are the quick filters' periods in order, English catalog keys.
var whenLabels = []struct{ value, label string }{
	{whenToday, "Today"},
	{whenTomorrow, "Tomorrow"},
	{whenWeekend, "This weekend"},
	{whenWeek, "This week"},
}

// period returns the span of ?when= around now in loc: today from now on,
// tomorrow, the coming (or current) Saturday and Sunday, and the rest of
// the week up to Sunday. ok is false for an unknown value.
func period(when string, now time.Time, loc *time.Location) (from, to time.Time, ok bool) {
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	// Days to the coming Monday: Monday counts as the start of next week.
	toMonday := (8 - int(now.Weekday())) % 7
	if toMonday == 0 {
		toMonday = 7
	}
	switch when {
	case whenToday:
		return now, today.AddDate(0, 0, 1), true
	case whenTomorrow:
		return today.AddDate(0, 0, 1), today.AddDate(0, 0, 2), true
	case whenWeekend:
		saturday := today.AddDate(0, 0, toMonday-2)
		return maxTime(now, saturday), today.AddDate(0, 0, toMonday), true
	case whenWeek:
		return now, today.AddDate(0, 0, toMonday), true
	}
	return time.Time{}, time.Time{}, false
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// quickLink is one of the quick filters above the agenda: a plain link.
type quickLink struct {
	Label   string // English catalog key, or a theme's name
	URL     string
	Current bool
}

// quickFilters are the links for the periods and the themes. Each keeps the
// other filters of q, and choosing the current one again undoes it.
func quickFilters(path string, q url.Values, p *page) (periods, themes []quickLink) {
	link := func(key, value string) quickLink {
		v := cloneValues(q)
		current := q.Get(key) == value
		if current {
			v.Del(key)
		} else {
			v.Set(key, value)
		}
		if key == "when" {
			v.Del("from")
			v.Del("to")
		}
		u := path
		if len(v) > 0 {
			u += "?" + v.Encode()
		}
		return quickLink{URL: u, Current: current}
	}
	for _, w := range whenLabels {
		l := link("when", w.value)
		l.Label = w.label
		periods = append(periods, l)
	}
	for _, t := range p.Themes {
		l := link("theme", t.Slug)
		l.Label = t.Name(p.Lang)
		themes = append(themes, l)
	}
	return periods, themes
}

// dayGroup is the events of one day under its heading.
type dayGroup struct {
	Date   time.Time // midnight, in the site's time zone
	Events []*vestiging.Event
}

// groupByDay puts events, in the order given, under the day each starts
// on; one that began before today (a course under way) counts as today's.
func groupByDay(events []*vestiging.Event, now time.Time) []dayGroup {
	loc := defaultLocation()
	today := midnight(now.In(loc))
	var groups []dayGroup
	for _, e := range events {
		day := midnight(e.StartsAt.In(loc))
		if day.Before(today) && e.EndsAt.After(now) {
			day = today
		}
		if n := len(groups); n > 0 && groups[n-1].Date.Equal(day) {
			groups[n-1].Events = append(groups[n-1].Events, e)
			continue
		}
		groups = append(groups, dayGroup{Date: day, Events: []*vestiging.Event{e}})
	}
	return groups
}

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// dayHeading names a day for the agenda's headings: "Vandaag", "Morgen",
// else "zaterdag 19 december" (with the year when it is not this year's).
func (s *Server) dayHeading(lang string, day, now time.Time) string {
	today := midnight(now.In(day.Location()))
	switch {
	case day.Equal(today):
		return s.locales.T(lang, "Today")
	case day.Equal(today.AddDate(0, 0, 1)):
		return s.locales.T(lang, "Tomorrow")
	case day.Equal(today.AddDate(0, 0, -1)):
		return s.locales.T(lang, "Yesterday")
	}
	return s.locales.Dates(lang).Day(day, day.Year() != today.Year())
}

// seats is what a card says about places: full, a waitlist, or a few left.
type seats struct {
	Full     bool // no place left
	Waitlist bool // full, and sign-up goes on the waitlist
	Left     int  // places left, when few (fewThreshold or fewer); else 0
}

// fewThreshold: from this many places left a card says how many.
const fewThreshold = 5

func seatsOf(e *vestiging.Event) seats {
	capacity, left := e.Places() // of both kinds at a hybrid event
	if capacity == 0 || e.Status == vestiging.StatusCancelled {
		return seats{}
	}
	if left == 0 {
		return seats{Full: true, Waitlist: !e.NoWaitlist && !e.RegistrationClosed && e.RegistrationMode == vestiging.RegistrationOpen}
	}
	if left <= fewThreshold {
		return seats{Left: left}
	}
	return seats{}
}

// srcset lists the stored widths of an uploaded image for the browser to
// choose from: media keeps every width of media.Widths below the largest
// one's, so its name says which exist. Other addresses have none.
func (s *Server) srcset(address string) string {
	if !strings.HasPrefix(address, s.mediaURL.String()) {
		return ""
	}
	name, ok := media.NameOf(address)
	if !ok {
		return ""
	}
	stem, rest, _ := strings.Cut(name, "-")
	width, ext, _ := strings.Cut(rest, ".")
	w, err := strconv.Atoi(width)
	if err != nil {
		return ""
	}
	var parts []string
	for _, v := range media.Widths {
		if v < w {
			parts = append(parts, s.mediaURL.JoinPath(stem+"-"+strconv.Itoa(v)+"."+ext).String()+" "+strconv.Itoa(v)+"w")
		}
	}
	return strings.Join(append(parts, address+" "+width+"w"), ", ")
}

// placeholders are the themes with a drawing of their own in
// static/placeholders.svg; other themes get the general one.
var placeholders = map[string]bool{"leesplezier": true, "digitale-vaardigheden": true, "leven-lang-leren": true}

// drawing is a theme's placeholder: the id of its drawing and a tint
// (0–3) that tells themes apart.
type drawing struct {
	ID   string
	Tint int
}

func placeholder(theme string) drawing {
	d := drawing{ID: "activiteit"}
	if placeholders[theme] {
		d.ID = theme
	}
	for _, c := range theme {
		d.Tint += int(c)
	}
	d.Tint %= 4
	return d
}

// cardView is an event as its card shows it, in the page's language.
type cardView struct {
	*vestiging.Event
	Grouped bool // under its day's heading: the card shows the times only
	p       *page
	s       *Server
}

// Clock is the event's times, "14:00–16:00", or its whole span when it
// ends on another day.
func (c cardView) Clock() string {
	loc := c.Location()
	start, end := c.StartsAt.In(loc), c.EndsAt.In(loc)
	if start.Format(time.DateOnly) != end.Format(time.DateOnly) {
		return c.s.locales.Dates(c.p.Lang).Span(start, end, loc)
	}
	return start.Format("15:04") + "–" + end.Format("15:04")
}

func (c cardView) Path() string   { return eventPath(c.Event) }
func (c cardView) Seats() seats   { return seatsOf(c.Event) }
func (c cardView) Srcset() string { return c.s.srcset(c.ImageURL) }

// ThemeNames are the event's themes in the page's language.
func (c cardView) ThemeNames() []string {
	names := make([]string, 0, len(c.Themes))
	for _, t := range c.Themes {
		names = append(names, c.p.ThemeName(t))
	}
	return names
}

// Price is what taking part costs, in words; "" when the event does not say.
func (c cardView) Price() string { return vestiging.FormatPrice(c.p.Lang, c.Event.Price) }

// mainTheme is an event's first theme, which its drawing shows.
func mainTheme(e *vestiging.Event) string {
	if len(e.Themes) == 0 {
		return ""
	}
	return e.Themes[0]
}
func (c cardView) Place() string { return c.s.eventPlace(c.p.Lang, c.Event) }

// Placeholder is the drawing shown for an event without an image.
func (c cardView) Placeholder() drawing { return placeholder(mainTheme(c.Event)) }

// DateBadge is the day and short month the event starts on: "19", "dec".
func (c cardView) DateBadge() struct{ Day, Month string } {
	t := c.StartsAt.In(c.Location())
	return struct{ Day, Month string }{strconv.Itoa(t.Day()), c.s.locales.Dates(c.p.Lang).MonthAbbrs[t.Month()-1]}
}

// siteFuncs are the template functions that need the server.
func (s *Server) siteFuncs() template.FuncMap {
	return template.FuncMap{
		"card":          func(p *page, e *vestiging.Event) cardView { return cardView{Event: e, p: p, s: s} },
		"daycard":       func(p *page, e *vestiging.Event) cardView { return cardView{Event: e, Grouped: true, p: p, s: s} },
		"placeholderOf": placeholder,
		"tiles":         s.tilesOf,
	}
}

// monthView is a month as a calendar table: weeks from Monday, each day
// linking to its activities in the list.
type monthView struct {
	Title      string // "december 2026"
	Weekdays   []weekdayView
	Weeks      [][]monthDay
	Prev, Next string // the neighbouring months, with the same filters
}

type weekdayView struct{ Abbr, Name string }

type monthDay struct {
	Day     int
	InMonth bool // a day of the weeks around the month, shown empty
	Today   bool
	Link    string // the day's activities in the list
	Label   string // "19 december: 3 activities", for the link
	Events  []*vestiging.Event
	More    int // events not listed in the cell
}

// maxPerDay is how many titles a day's cell lists; the rest is a count.
const maxPerDay = 3

// agendaMonth reads ?month=YYYY-MM (this month by default) and sets the
// filter to it: the month view ignores the other dates and paging.
func (s *Server) agendaMonth(q url.Values, f *form, filter *vestiging.EventFilter) time.Time {
	loc := defaultLocation()
	now := s.now().In(loc)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	if v := q.Get("month"); v != "" {
		m, err := time.ParseInLocation("2006-01", v, loc)
		if err != nil || m.Year() < 1900 || m.Year() > 9999 {
			f.Add("month", "Give the month as YYYY-MM.")
		} else {
			month = m
		}
	}
	filter.From, filter.To = month, month.AddDate(0, 1, 0)
	filter.Descending, filter.Offset = false, 0
	return month
}

// monthOf lays out events (of month, in start order) as a calendar.
func (s *Server) monthOf(lang, path string, q url.Values, month time.Time, events []*vestiging.Event) *monthView {
	loc := month.Location()
	mv := &monthView{Title: s.locales.Dates(lang).Months[month.Month()-1] + " " + strconv.Itoa(month.Year())}
	for _, d := range vestiging.Weekdays {
		mv.Weekdays = append(mv.Weekdays, weekdayView{Abbr: s.locales.Dates(lang).WeekdayAbbrs[d], Name: s.locales.Dates(lang).Weekdays[d]})
	}
	byDay := map[int][]*vestiging.Event{}
	for _, e := range events {
		start := e.StartsAt.In(loc)
		if start.Before(month) {
			start = month // began last month and still on
		}
		if start.Month() == month.Month() {
			byDay[start.Day()] = append(byDay[start.Day()], e)
		}
	}
	link := func(v url.Values) string {
		v.Del("page")
		if len(v) == 0 {
			return path
		}
		return path + "?" + v.Encode()
	}
	today := midnight(s.now().In(loc))
	// Back to the Monday on or before the first.
	day := month.AddDate(0, 0, -((int(month.Weekday()) + 6) % 7))
	end := month.AddDate(0, 1, 0)
	for day.Before(end) {
		week := make([]monthDay, 0, 7)
		for range 7 {
			md := monthDay{Day: day.Day(), InMonth: day.Month() == month.Month(), Today: day.Equal(today)}
			if md.InMonth {
				v := cloneValues(q)
				for _, k := range []string{"view", "month", "when"} {
					v.Del(k)
				}
				v.Set("from", day.Format(time.DateOnly))
				v.Set("to", day.Format(time.DateOnly))
				md.Link = link(v)
				all := byDay[day.Day()]
				md.Events = all[:min(len(all), maxPerDay)]
				md.More = len(all) - len(md.Events)
				md.Label = s.locales.Dates(lang).Day(day, false) + ": " + s.locales.N(lang, "%d activities", len(all))
			}
			week = append(week, md)
			day = day.AddDate(0, 0, 1)
		}
		mv.Weeks = append(mv.Weeks, week)
	}
	for i, m := range []time.Time{month.AddDate(0, -1, 0), month.AddDate(0, 1, 0)} {
		v := cloneValues(q)
		v.Set("view", "month")
		v.Set("month", m.Format("2006-01"))
		if i == 0 {
			mv.Prev = link(v)
		} else {
			mv.Next = link(v)
		}
	}
	return mv
}

// DefaultMapTiles are OpenStreetMap's own tiles, which its tile usage
// policy allows for a site's light use with the attribution below.
const DefaultMapTiles = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

const osmAttribution = "© OpenStreetMap"

// mapTiles say where a map's tiles come from and whose they are.
type mapTiles struct {
	Tiles, Attribution, AttributionURL string
}

// tilesOf is the server's tiles: OpenStreetMap's by default, credited with
// a link to its copyright page.
func (s *Server) tilesOf() mapTiles {
	t := mapTiles{Tiles: s.tiles, Attribution: s.tilesAttribution}
	if s.tiles == DefaultMapTiles {
		t.AttributionURL = "https://www.openstreetmap.org/copyright"
	}
	return t
}

// mapView is the places of a selection of events, for the map partial.
type mapView struct {
	mapTiles
	Places []mapPlace
}

// mapPlace is one place on the map.
type mapPlace struct {
	Name, Address string
	Lat, Lon      float64
	HasGeo        bool
	Count         int    // activities there in the selection
	Link          string // those activities in the list
	OSM           string // the place on openstreetmap.org
}

// osmLink is a place on openstreetmap.org: a pin at its coordinates, or a
// search for its address.
func osmLink(lat, lon *float64, address string) string {
	if lat != nil && lon != nil {
		return fmt.Sprintf("https://www.openstreetmap.org/?mlat=%.5f&mlon=%.5f#map=17/%.5f/%.5f", *lat, *lon, *lat, *lon)
	}
	if address == "" {
		return ""
	}
	return "https://www.openstreetmap.org/search?query=" + url.QueryEscape(address)
}

// newMapPlace is a branch or another place on the map.
func newMapPlace(b *vestiging.Place) mapPlace {
	mp := mapPlace{Name: b.Name, Address: b.Address(), OSM: osmLink(b.Latitude, b.Longitude, b.Address())}
	if b.HasCoordinates() {
		mp.Lat, mp.Lon, mp.HasGeo = *b.Latitude, *b.Longitude, true
	}
	return mp
}

// mapOf gathers the places of events, in order of first use, each with
// its count and a link to its activities (by branch, or by city for a
// place of another library).
func (s *Server) mapOf(path string, q url.Values, events []*vestiging.Event) *mapView {
	mv := &mapView{mapTiles: s.tilesOf()}
	index := map[string]int{}
	for _, e := range events {
		b := e.Venue()
		if b == nil || b.Name == "" {
			continue
		}
		key := b.Name + "|" + b.Address()
		i, ok := index[key]
		if !ok {
			mp := newMapPlace(b)
			v := cloneValues(q)
			v.Del("view")
			switch {
			case e.BranchID != nil:
				v.Set("branch", strconv.FormatInt(*e.BranchID, 10))
			case b.City != "":
				v.Set("place", b.City)
			}
			if len(v) > 0 {
				mp.Link = path + "?" + v.Encode()
			}
			i = len(mv.Places)
			index[key] = i
			mv.Places = append(mv.Places, mp)
		}
		mv.Places[i].Count++
	}
	return mv
}
