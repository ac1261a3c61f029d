// Package ical turns iCalendar (RFC 5545) files into library events, so a
// library can bring its existing agenda along.
//
// Decisions, since iCalendar allows more than the agenda holds:
//   - Every VEVENT needs a UID; it is the key that makes a second import
//     update instead of duplicate.
//   - DTSTART/DTEND with TZID keep that zone; UTC times ("Z") and floating
//     times are shown in the calendar's X-WR-TIMEZONE or Europe/Amsterdam.
//     Without DTEND or DURATION an event lasts one hour.
//   - All-day events (VALUE=DATE) run from 00:00 to 23:59 local time on their
//     first to last day (DTEND is exclusive, as RFC 5545 says).
//   - A repeating event (RRULE, with EXDATE) is expanded into one event per
//     occurrence that starts within a year from Options.Now, at most
//     vestiging.MaxOccurrences, each with UID "<UID>#<start in UTC>"; a
//     VEVENT with RECURRENCE-ID replaces the occurrence it names.
//   - LOCATION is matched to a branch by name (case-insensitive, the longest
//     branch name it contains), then to one of the library's other places.
//     Otherwise an http(s) LOCATION, or URL when LOCATION is empty or says
//     "online", makes an online event; any other LOCATION is a new place:
//     "Name, Street, 4001 AB City" as feeds write it, with GEO for its
//     coordinates. An event without LOCATION or URL goes to the default
//     branch.
//   - The price comes from X-VESTIGING-PRICE, X-VESTIGING-MEMBER-PRICE and
//     X-VESTIGING-PRICE-NOTE, as Encode writes them.
//   - CATEGORIES pick the themes whose slug or Dutch or English name matches,
//     in their order.
//   - STATUS:CANCELLED imports as cancelled, everything else as published.
//
// Errors name the line of the file they concern ("line 12: …"), because
// go-ical's own decoder does not: lines are parsed here and go-ical only
// decodes values (text escapes, durations, recurrence rules).
package ical

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"

	"github.com/vestiging/vestiging"
)

// MaxSize caps an import file; a whole year of a big library's agenda is far smaller.
const MaxSize = 10 << 20

// Horizon is how far ahead repeating events are expanded.
const Horizon = 365 * 24 * time.Hour

// Options say how calendar entries map onto the library.
type Options struct {
	Branches []*vestiging.Branch
	// Places are the library's other places, matched by name like branches.
	Places []*vestiging.Place
	// BranchID is the branch for entries whose LOCATION names none; nil means the first branch.
	BranchID *int64
	Themes   []*vestiging.Theme
	// Now is where the expansion of repeating events starts.
	Now time.Time
}

// Decode reads an iCalendar file and returns its events, validated and ready
// for vestiging.EventService.ImportEvents. Any error is an EINVALID
// *vestiging.Error whose message starts with the line it concerns; then no
// events are returned.
func Decode(r io.Reader, opts Options) ([]*vestiging.Event, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read calendar: %w", err)
	}
	if len(data) > MaxSize {
		return nil, vestiging.Errorf(vestiging.ETOOLARGE, "The calendar file is larger than %d MB.", MaxSize>>20)
	}
	cals, err := parse(data)
	if err != nil {
		return nil, err
	}
	if opts.Now.IsZero() {
		opts.Now = vestiging.Now()
	}
	d := decoder{opts: opts}
	var out []*vestiging.Event
	for _, cal := range cals {
		evs, err := d.calendar(cal)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	return out, nil
}

// lineError is the one error shape of this package.
func lineError(line int, format string, args ...any) error {
	return vestiging.Errorf(vestiging.EINVALID, "line %d: %s", line, fmt.Sprintf(format, args...))
}

// property is a content line with the line number it started on.
type property struct {
	goical.Prop
	line int
}

type component struct {
	name     string
	line     int
	props    []*property
	children []*component
}

// get returns the first property called name, or nil.
func (c *component) get(name string) *property {
	for _, p := range c.props {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func (c *component) all(name string) []*property {
	var out []*property
	for _, p := range c.props {
		if p.Name == name {
			out = append(out, p)
		}
	}
	return out
}

// text returns the unescaped text of the first property called name.
func (c *component) text(name string) (string, error) {
	p := c.get(name)
	if p == nil {
		return "", nil
	}
	s, err := p.Text()
	if err != nil {
		return "", lineError(p.line, "%s: %v", name, strings.TrimPrefix(err.Error(), "ical: "))
	}
	return strings.TrimSpace(s), nil
}

// parse unfolds the lines, parses every content line and nests the
// components, checking that BEGIN and END match.
func parse(data []byte) ([]*component, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte order mark some exporters write
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, lineError(1, "the file is empty")
	}
	var (
		top     []*component
		stack   []*component
		pending string
		start   int // line pending began on
	)
	handle := func() error {
		if pending == "" {
			return nil
		}
		p, err := parseLine(pending)
		if err != nil {
			return lineError(start, "%v", err)
		}
		switch p.Name {
		case "BEGIN":
			name := strings.ToUpper(p.Value)
			if len(stack) == 0 && name != goical.CompCalendar {
				return lineError(start, "expected BEGIN:VCALENDAR, found BEGIN:%s", p.Value)
			}
			stack = append(stack, &component{name: name, line: start})
		case "END":
			if len(stack) == 0 {
				return lineError(start, "END:%s without a BEGIN", p.Value)
			}
			c := stack[len(stack)-1]
			if !strings.EqualFold(p.Value, c.name) {
				return lineError(start, "END:%s does not close BEGIN:%s of line %d", p.Value, c.name, c.line)
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				top = append(top, c)
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, c)
			}
		default:
			if len(stack) == 0 {
				return lineError(start, "%s outside BEGIN:VCALENDAR", p.Name)
			}
			c := stack[len(stack)-1]
			c.props = append(c.props, &property{Prop: *p, line: start})
		}
		pending = ""
		return nil
	}
	for i, raw := range strings.Split(string(data), "\n") {
		n := i + 1
		line := strings.TrimSuffix(raw, "\r")
		if !utf8.ValidString(line) {
			return nil, lineError(n, "not valid UTF-8 text")
		}
		if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			if pending == "" {
				return nil, lineError(n, "a folded continuation line must follow a property")
			}
			pending += line[1:]
			continue
		}
		if err := handle(); err != nil {
			return nil, err
		}
		pending, start = line, n
	}
	if err := handle(); err != nil {
		return nil, err
	}
	if len(stack) > 0 {
		c := stack[len(stack)-1]
		return nil, lineError(c.line, "BEGIN:%s is never closed with END:%s", c.name, c.name)
	}
	return top, nil
}

// parseLine parses one unfolded content line: NAME *(";" param) ":" value.
func parseLine(s string) (*goical.Prop, error) {
	i := nameEnd(s)
	if i == 0 {
		return nil, fmt.Errorf("expected a property name, found %q", clip(s))
	}
	p := &goical.Prop{Name: strings.ToUpper(s[:i]), Params: goical.Params{}}
	s = s[i:]
	for strings.HasPrefix(s, ";") {
		s = s[1:]
		j := nameEnd(s)
		if j == 0 || j == len(s) || s[j] != '=' {
			return nil, fmt.Errorf("%s: malformed parameter %q (expected NAME=value)", p.Name, clip(s))
		}
		param := strings.ToUpper(s[:j])
		s = s[j+1:]
		for {
			var v string
			if strings.HasPrefix(s, `"`) {
				end := strings.IndexByte(s[1:], '"')
				if end < 0 {
					return nil, fmt.Errorf("%s: parameter %s has an unterminated quote", p.Name, param)
				}
				v, s = s[1:1+end], s[2+end:]
			} else {
				end := strings.IndexAny(s, `";:,`)
				if end < 0 {
					end = len(s)
				}
				if end < len(s) && s[end] == '"' {
					return nil, fmt.Errorf("%s: parameter %s has a quote inside its value", p.Name, param)
				}
				v, s = s[:end], s[end:]
			}
			p.Params.Add(param, v)
			if !strings.HasPrefix(s, ",") {
				break
			}
			s = s[1:]
		}
		if !strings.HasPrefix(s, ";") && !strings.HasPrefix(s, ":") {
			return nil, fmt.Errorf("%s: expected ';' or ':' after parameter %s", p.Name, param)
		}
	}
	if !strings.HasPrefix(s, ":") {
		return nil, fmt.Errorf("%s: missing ':' before the value", p.Name)
	}
	p.Value = s[1:]
	return p, nil
}

// nameEnd returns the length of the leading iana-token or x-name.
func nameEnd(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return i
		}
	}
	return len(s)
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

type decoder struct {
	opts Options
}

// calendar decodes the VEVENTs of one VCALENDAR.
func (d *decoder) calendar(cal *component) ([]*vestiging.Event, error) {
	zone := vestiging.DefaultTimeZone
	if p := cal.get("X-WR-TIMEZONE"); p != nil {
		if z, ok := ianaZone(p.Value); ok {
			zone = z
		}
	}
	var masters, overrides []*component
	uids := map[*component]string{} // with "#<recurrence>" for RECURRENCE-ID entries
	firstLine := map[string]int{}   // UID → line, to refuse duplicates
	replaced := map[string]bool{}   // occurrence UIDs that a RECURRENCE-ID entry replaces
	for _, c := range cal.children {
		if c.name != goical.CompEvent {
			continue
		}
		uid := c.get(goical.PropUID)
		if uid == nil || strings.TrimSpace(uid.Value) == "" {
			return nil, lineError(c.line, "VEVENT without a UID; every event needs one so a second import can update it")
		}
		key := strings.TrimSpace(uid.Value)
		if rid := c.get(goical.PropRecurrenceID); rid != nil {
			t, _, _, err := parseTime(rid, zone)
			if err != nil {
				return nil, err
			}
			key = occurrenceUID(key, t)
			replaced[key] = true
			overrides = append(overrides, c)
		} else {
			masters = append(masters, c)
		}
		if l, dup := firstLine[key]; dup {
			return nil, lineError(c.line, "UID %q appears twice (first on line %d)", key, l)
		}
		firstLine[key] = c.line
		uids[c] = key
	}
	var out []*vestiging.Event
	for _, c := range append(masters, overrides...) {
		evs, err := d.event(c, uids[c], zone, replaced)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	return out, nil
}

// event decodes one VEVENT into one event, or one per occurrence.
func (d *decoder) event(c *component, uid, zone string, replaced map[string]bool) ([]*vestiging.Event, error) {
	e := &vestiging.Event{Kind: vestiging.KindEvent, Status: vestiging.StatusPublished, UID: uid}
	var err error
	if e.Title, err = c.text(goical.PropSummary); err != nil {
		return nil, err
	}
	desc, err := c.text(goical.PropDescription)
	if err != nil {
		return nil, err
	}
	if e.Price, err = price(c); err != nil {
		return nil, err
	}
	e.Description = vestiging.TextToHTML(withoutPriceLine(desc, e.Price))

	dtstart := c.get(goical.PropDateTimeStart)
	if dtstart == nil {
		return nil, lineError(c.line, "event %q has no DTSTART", e.UID)
	}
	start, allDay, zone, err := parseTime(dtstart, zone)
	if err != nil {
		return nil, err
	}
	e.TimeZone = zone
	end, err := endTime(c, start, allDay, zone)
	if err != nil {
		return nil, err
	}
	e.StartsAt, e.EndsAt = start, end

	if err := d.place(c, e); err != nil {
		return nil, err
	}
	if err := d.themes(c, e); err != nil {
		return nil, err
	}
	status, err := c.text(goical.PropStatus)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(status, string(goical.EventCancelled)) {
		e.Status = vestiging.StatusCancelled
	}

	events := []*vestiging.Event{e}
	if c.get(goical.PropRecurrenceRule) != nil {
		if events, err = d.occurrences(c, e, zone, replaced); err != nil {
			return nil, err
		}
	}
	for _, ev := range events {
		if err := ev.Validate(); err != nil {
			return nil, lineError(c.line, "event %q: %s", ev.UID, describe(err))
		}
	}
	return events, nil
}

// describe spells out a validation error's fields in one line.
func describe(err error) string {
	fields := vestiging.FieldErrors(err)
	if len(fields) == 0 {
		return err.Error()
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + fields[k]
	}
	return strings.Join(parts, "; ")
}

func occurrenceUID(uid string, t time.Time) string {
	return uid + "#" + t.UTC().Format("20060102T150405Z")
}

// windowsZones maps the zone names Outlook writes in TZID to IANA names.
var windowsZones = map[string]string{
	"W. Europe Standard Time": "Europe/Amsterdam",
	"Romance Standard Time":   "Europe/Brussels",
}

func ianaZone(name string) (string, bool) {
	name = strings.TrimSpace(name)
	if z, ok := windowsZones[name]; ok {
		return z, true
	}
	if name == "" || name == "Local" {
		return "", false
	}
	if _, err := time.LoadLocation(name); err != nil {
		return "", false
	}
	return name, true
}

// parseTime reads a DATE or DATE-TIME property. It returns the time, whether
// it was a date, and the zone the event should be shown in.
func parseTime(p *property, zone string) (time.Time, bool, string, error) {
	if tzid := p.Params.Get(goical.PropTimezoneID); tzid != "" {
		z, ok := ianaZone(tzid)
		if !ok {
			return time.Time{}, false, "", lineError(p.line, "%s: unknown time zone %q", p.Name, tzid)
		}
		zone = z
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.Time{}, false, "", lineError(p.line, "%s: unknown time zone %q", p.Name, zone)
	}
	v := strings.TrimSpace(p.Value)
	var t time.Time
	switch {
	case len(v) == len("20060102") && !strings.EqualFold(p.Params.Get(goical.ParamValue), "DATE-TIME"):
		t, err = time.ParseInLocation("20060102", v, loc)
		if err == nil {
			return t, true, zone, checkYear(p, t)
		}
	case strings.HasSuffix(v, "Z"):
		t, err = time.Parse("20060102T150405Z", v)
	default:
		t, err = time.ParseInLocation("20060102T150405", v, loc)
	}
	if err != nil {
		return time.Time{}, false, "", lineError(p.line, "%s: %q is not a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS)", p.Name, v)
	}
	return t, false, zone, checkYear(p, t)
}

// checkYear refuses dates no library agenda holds; it also keeps the
// expansion of a daily rule from year 1 from taking seconds.
func checkYear(p *property, t time.Time) error {
	if t.Year() < 1900 || t.Year() > 2200 {
		return lineError(p.line, "%s: the year %d is out of range", p.Name, t.Year())
	}
	return nil
}

// endTime finds the end from DTEND or DURATION; see the package comment for defaults.
func endTime(c *component, start time.Time, allDay bool, zone string) (time.Time, error) {
	var end time.Time
	switch dtend, dur := c.get(goical.PropDateTimeEnd), c.get(goical.PropDuration); {
	case dtend != nil:
		t, _, _, err := parseTime(dtend, zone)
		if err != nil {
			return time.Time{}, err
		}
		end = t
	case dur != nil:
		dd, err := dur.Duration()
		if err != nil {
			return time.Time{}, lineError(dur.line, "DURATION: %v", strings.TrimPrefix(err.Error(), "ical: "))
		}
		end = start.Add(dd)
	case allDay:
		end = start.AddDate(0, 0, 1)
	default:
		end = start.Add(time.Hour)
	}
	if allDay {
		// DTEND of a date is exclusive: the event ends the evening before.
		end = end.Add(-time.Minute)
	}
	return end, nil
}

// place sets the branch or online link from LOCATION and URL.
func (d *decoder) place(c *component, e *vestiging.Event) error {
	where, err := c.text(goical.PropLocation)
	if err != nil {
		return err
	}
	if b := matchName(d.opts.Branches, where, func(b *vestiging.Branch) string { return b.Name }); b != nil {
		e.BranchID = &b.ID
		return nil
	}
	if p := matchName(d.opts.Places, where, func(p *vestiging.Place) string { return p.Name }); p != nil {
		e.PlaceID = &p.ID
		return nil
	}
	if u, err := url.Parse(where); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		// A link from a calendar feed was public there, and stays so.
		e.OnlineURL, e.OnlineLinkPublic = where, true
		return nil
	}
	link := ""
	if p := c.get(goical.PropURL); p != nil {
		link = strings.TrimSpace(p.Value)
	}
	if link != "" && (where == "" || strings.EqualFold(where, "online")) {
		e.OnlineURL, e.OnlineLinkPublic = link, true
		return nil
	}
	if where != "" {
		p, err := newPlace(c, where)
		if err != nil {
			return err
		}
		e.Place = p
		return nil
	}
	switch {
	case d.opts.BranchID != nil:
		e.BranchID = d.opts.BranchID
	case len(d.opts.Branches) > 0:
		e.BranchID = &d.opts.Branches[0].ID
	default:
		return lineError(c.line, "event %q has no place, no online link and the library has no branch to hold it", e.UID)
	}
	return nil
}

// matchName returns the branch or place whose name is, or is contained
// in, where; the longest name wins so "Bibliotheek Tiel-Oost" beats
// "Bibliotheek Tiel".
func matchName[T any](list []T, where string, name func(T) string) T {
	w := strings.ToLower(where)
	var best T
	bestLen := 0
	for _, x := range list {
		n := strings.ToLower(strings.TrimSpace(name(x)))
		if w == "" || n == "" || !strings.Contains(w, n) || len(n) <= bestLen {
			continue
		}
		best, bestLen = x, len(n)
	}
	return best
}

// postalCity is a Dutch postal code and the city after it: "4001 AB Tiel".
var postalCity = regexp.MustCompile(`^([0-9]{4} ?[A-Za-z]{2})\s+(.+)$`)

// newPlace reads a LOCATION the library does not know as a place, written
// as feeds write it ("Name, Street, 4001 AB City"; the parts after the
// name are optional), with GEO's coordinates.
func newPlace(c *component, where string) (*vestiging.Place, error) {
	parts := strings.Split(where, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	p := &vestiging.Place{Name: parts[0]}
	rest := parts[1:]
	if n := len(rest); n > 0 {
		if m := postalCity.FindStringSubmatch(rest[n-1]); m != nil {
			p.PostalCode, p.City, rest = strings.ToUpper(m[1]), m[2], rest[:n-1]
		} else if n > 1 || !strings.ContainsAny(rest[0], "0123456789") {
			p.City, rest = rest[n-1], rest[:n-1]
		}
	}
	p.Street = strings.Join(rest, ", ")
	if geo := c.get(goical.PropGeo); geo != nil {
		lat, lon, ok := strings.Cut(geo.Value, ";")
		la, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
		lo, err2 := strconv.ParseFloat(strings.TrimSpace(lon), 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, lineError(geo.line, "GEO: %q is not latitude;longitude", geo.Value)
		}
		p.Latitude, p.Longitude = &la, &lo
	}
	return p, nil
}

// withoutPriceLine drops the price line Encode puts before the text, so a
// feed imported again does not say its price twice.
func withoutPriceLine(desc string, p *vestiging.Price) string {
	if p == nil {
		return desc
	}
	for _, lang := range []string{"nl", "en"} {
		line := priceWord(lang) + ": " + vestiging.FormatPrice(lang, p)
		if rest, ok := strings.CutPrefix(desc, line); ok && (rest == "" || strings.HasPrefix(rest, "\n")) {
			return strings.TrimSpace(rest)
		}
	}
	return desc
}

// priceWord starts the price line in lang.
func priceWord(lang string) string {
	if vestiging.English(lang) {
		return "Price"
	}
	return "Prijs"
}

// price reads the price properties Encode writes; nil when there are none.
func price(c *component) (*vestiging.Price, error) {
	amount, member := c.get(propPrice), c.get(propMemberPrice)
	if amount == nil {
		return nil, nil
	}
	cents := func(p *property) (int64, error) {
		n, err := vestiging.ParseCents(p.Value)
		if err != nil {
			return 0, lineError(p.line, "%s: %q is not an amount of euros", p.Name, p.Value)
		}
		return n, nil
	}
	out := &vestiging.Price{}
	var err error
	if out.Cents, err = cents(amount); err != nil {
		return nil, err
	}
	if member != nil {
		n, err := cents(member)
		if err != nil {
			return nil, err
		}
		out.MemberCents = &n
	}
	if out.Note, err = c.text(propPriceNote); err != nil {
		return nil, err
	}
	return out, nil
}

// themes picks the categories that name a theme.
func (d *decoder) themes(c *component, e *vestiging.Event) error {
	for _, p := range c.all(goical.PropCategories) {
		cats, err := p.TextList()
		if err != nil {
			return lineError(p.line, "CATEGORIES: %v", strings.TrimPrefix(err.Error(), "ical: "))
		}
		for _, cat := range cats {
			cat = strings.TrimSpace(cat)
			for _, t := range d.opts.Themes {
				if strings.EqualFold(cat, t.Slug) || strings.EqualFold(cat, t.NameNL) || strings.EqualFold(cat, t.NameEN) {
					e.Themes = append(e.Themes, t.Slug)
				}
			}
		}
	}
	return nil
}

// occurrences expands a repeating event within the horizon.
func (d *decoder) occurrences(c *component, first *vestiging.Event, zone string, replaced map[string]bool) ([]*vestiging.Event, error) {
	rule := c.get(goical.PropRecurrenceRule)
	opt, err := rrule.StrToROption(rule.Value)
	if err != nil {
		return nil, lineError(rule.line, "RRULE: %v", err)
	}
	if opt.Freq > rrule.DAILY { // HOURLY, MINUTELY, SECONDLY sort after DAILY
		return nil, lineError(rule.line, "RRULE: events repeating more often than daily are not supported")
	}
	opt.Dtstart = first.StartsAt
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return nil, lineError(rule.line, "RRULE: %v", err)
	}
	var set rrule.Set
	set.RRule(r)
	for _, p := range c.all(goical.PropExceptionDates) {
		for _, v := range strings.Split(p.Value, ",") {
			one := *p
			one.Value = v
			t, _, _, err := parseTime(&one, zone)
			if err != nil {
				return nil, err
			}
			set.ExDate(t)
		}
	}
	duration := first.EndsAt.Sub(first.StartsAt)
	var out []*vestiging.Event
	for _, t := range set.Between(d.opts.Now, d.opts.Now.Add(Horizon), true) {
		uid := occurrenceUID(first.UID, t)
		if replaced[uid] {
			continue
		}
		if len(out) == vestiging.MaxOccurrences {
			break
		}
		e := *first
		e.UID = uid
		e.StartsAt, e.EndsAt = t, t.Add(duration)
		out = append(out, &e)
	}
	return out, nil
}
