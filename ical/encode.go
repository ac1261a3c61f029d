package ical

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"

	"github.com/vestiging/vestiging"
)

// EncodeOptions say how events become a published calendar.
//
// Decisions for the feeds:
//   - Events in Europe/Amsterdam (nearly all) carry DTSTART/DTEND with
//     TZID=Europe/Amsterdam and the calendar holds its VTIMEZONE, so Apple,
//     Google, Outlook and Thunderbird keep showing 14:00 across daylight
//     saving changes; events in any other zone are written in UTC, which
//     every calendar app converts correctly without a VTIMEZONE.
//   - UID is the event's ActivityPub id: the IRI for remote events,
//     base/events/{id} (base/courses/{id}) for ours, so it never changes
//     and a subscriber's app updates instead of duplicating.
//   - A course becomes one VEVENT per session, UID "<course UID>#session-N",
//     each with RELATED-TO the course's UID, so apps show every meeting.
//   - DTSTAMP is the event's last change (RFC 5545 3.8.7.2: without METHOD
//     it means LAST-MODIFIED; with PUBLISH apps read it the same way).
//   - DESCRIPTION is plain text; the HTML stays on the site. A stated price
//     is its first line ("Prijs: € 7,50, leden € 5,00"), for people, and
//     in X-VESTIGING-PRICE, X-VESTIGING-MEMBER-PRICE (euros, "7.50") and
//     X-VESTIGING-PRICE-NOTE, for a Vestiging that imports the feed:
//     iCalendar has no property for a price.
//   - LOCATION is the branch or other place with its address, GEO its
//     coordinates; CATEGORIES the themes, the main one first.
type EncodeOptions struct {
	// Name is the calendar's name, shown by calendar apps (X-WR-CALNAME).
	Name string
	// BaseURL makes the UIDs and links of local events.
	BaseURL *url.URL
	// Themes name the CATEGORIES; a theme not listed is written by its slug.
	Themes []*vestiging.Theme
	// Now stamps events without a change time.
	Now time.Time
	// Cancel writes METHOD:CANCEL (RFC 5546) instead of PUBLISH: the mail
	// that tells people an activity is off takes the same UIDs out of
	// their calendars. Each VEVENT is then CANCELLED, with the organiser
	// calendar apps ask for.
	Cancel bool
	// Organizer names the library for Cancel: its name and mail address.
	OrganizerName, OrganizerEmail string
	// WithLink keeps a private online link (vestiging.Event.LinkPrivate):
	// the file goes to someone with a place. Feeds leave it out.
	WithLink bool
}

// amsterdam is the one zone written with TZID; see EncodeOptions.
const amsterdam = "Europe/Amsterdam"

// The price's properties of our own (see EncodeOptions); Decode reads them.
const (
	propPrice       = "X-VESTIGING-PRICE"
	propMemberPrice = "X-VESTIGING-MEMBER-PRICE"
	propPriceNote   = "X-VESTIGING-PRICE-NOTE"
)

// Encode writes events as one iCalendar (RFC 5545) calendar to w. Lines are
// folded at 75 octets as the RFC asks, which go-ical's encoder leaves to us.
func Encode(w io.Writer, events []*vestiging.Event, opts EncodeOptions) error {
	if opts.BaseURL == nil {
		return vestiging.Errorf(vestiging.EINTERNAL, "ical: encode needs a base URL")
	}
	if opts.Now.IsZero() {
		opts.Now = vestiging.Now()
	}
	loc, err := time.LoadLocation(amsterdam)
	if err != nil {
		return fmt.Errorf("ical: load %s: %w", amsterdam, err)
	}
	cal := goical.NewCalendar()
	cal.Props.SetText(goical.PropVersion, "2.0")
	cal.Props.SetText(goical.PropProductID, "-//Vestiging//Vestiging "+vestiging.Version+"//NL")
	cal.Props.SetText(goical.PropCalendarScale, "GREGORIAN")
	method := "PUBLISH"
	if opts.Cancel {
		method = "CANCEL"
	}
	cal.Props.SetText(goical.PropMethod, method)
	if opts.Name != "" {
		setRaw(cal.Component, "X-WR-CALNAME", goical.Params{}, escapeText(opts.Name))
	}
	setRaw(cal.Component, "X-WR-TIMEZONE", goical.Params{}, amsterdam)
	// Subscribed calendars poll at this interval (RFC 7986, and Outlook's own name).
	setRaw(cal.Component, goical.PropRefreshInterval, goical.Params{"VALUE": {"DURATION"}}, "PT1H")
	setRaw(cal.Component, "X-PUBLISHED-TTL", goical.Params{}, "PT1H")
	cal.Children = append(cal.Children, amsterdamZone())

	names := map[string]string{}
	for _, t := range opts.Themes {
		names[t.Slug] = t.NameNL
	}
	enc := &encoder{opts: opts, loc: loc, themes: names}
	for _, e := range events {
		if !opts.WithLink {
			e = e.Public()
		}
		cal.Children = append(cal.Children, enc.event(e)...)
	}
	fw := &folder{w: bufio.NewWriterSize(w, 32<<10)}
	if err := goical.NewEncoder(fw).Encode(cal); err != nil {
		return fmt.Errorf("ical: encode: %w", err)
	}
	return fw.w.Flush()
}

// amsterdamZone is Europe/Amsterdam's rule since 1996 (the EU's last Sunday
// of March and October), which covers every event a feed holds.
func amsterdamZone() *goical.Component {
	tz := goical.NewComponent(goical.CompTimezone)
	tz.Props.SetText(goical.PropTimezoneID, amsterdam)
	part := func(name, start, from, to, tzname, month string) *goical.Component {
		c := goical.NewComponent(name)
		setRaw(c, goical.PropDateTimeStart, goical.Params{}, start)
		setRaw(c, goical.PropTimezoneOffsetFrom, goical.Params{}, from)
		setRaw(c, goical.PropTimezoneOffsetTo, goical.Params{}, to)
		c.Props.SetText(goical.PropTimezoneName, tzname)
		setRaw(c, goical.PropRecurrenceRule, goical.Params{}, "FREQ=YEARLY;BYMONTH="+month+";BYDAY=-1SU")
		return c
	}
	tz.Children = []*goical.Component{
		part(goical.CompTimezoneDaylight, "19700329T020000", "+0100", "+0200", "CEST", "3"),
		part(goical.CompTimezoneStandard, "19701025T030000", "+0200", "+0100", "CET", "10"),
	}
	return tz
}

// setRaw sets a property whose value is written as given: go-ical would
// mark X- properties VALUE=TEXT, which Outlook and Google then ignore.
func setRaw(c *goical.Component, name string, params goical.Params, value string) {
	c.Props.Set(&goical.Prop{Name: name, Params: params, Value: value})
}

// escapeText escapes a TEXT value as RFC 5545 3.3.11 says.
func escapeText(s string) string {
	p := goical.NewProp("X")
	p.SetText(lines.Replace(s))
	return p.Value
}

// lines turns every line break into LF, which TEXT values escape as \n: a
// CR from a browser's textarea or a remote server would otherwise end the
// content line (go-ical refuses it, and the whole feed with it).
var lines = strings.NewReplacer("\r\n", "\n", "\r", "\n")

type encoder struct {
	opts   EncodeOptions
	loc    *time.Location
	themes map[string]string
}

// UID returns the stable UID of an event: its ActivityPub id.
func UID(base *url.URL, e *vestiging.Event) string {
	if e.Remote() {
		return e.IRI
	}
	return PageURL(base, e)
}

// PageURL returns the address of the event's page: ours for local events,
// the original page for remote ones.
func PageURL(base *url.URL, e *vestiging.Event) string {
	if e.Remote() {
		if e.URL != "" {
			return e.URL
		}
		return e.IRI
	}
	kind := "events"
	if e.Kind == vestiging.KindCourse {
		kind = "courses"
	}
	return base.JoinPath(kind, fmt.Sprint(e.ID)).String()
}

// event returns the VEVENTs of an event: one, or one per course session.
func (enc *encoder) event(e *vestiging.Event) []*goical.Component {
	uid := UID(enc.opts.BaseURL, e)
	// A withheld link's LOCATION is the word; URL, the page, says how to join.
	if e.Kind != vestiging.KindCourse || len(e.Sessions) == 0 {
		return []*goical.Component{enc.vevent(e, uid, e.StartsAt, e.EndsAt, e.Venue(), e.OnlineLink("Online"))}
	}
	out := make([]*goical.Component, 0, len(e.Sessions))
	for i, s := range e.Sessions {
		place, online := s.Venue(), s.OnlineLink("Online")
		if place == nil && online == "" {
			place, online = e.Venue(), e.OnlineLink("Online")
		}
		c := enc.vevent(e, fmt.Sprintf("%s#session-%d", uid, i+1), s.StartsAt, s.EndsAt, place, online)
		c.Props.SetText(goical.PropSummary, fmt.Sprintf("%s (%d/%d)", lines.Replace(e.Title), i+1, len(e.Sessions)))
		c.Props.SetText(goical.PropRelatedTo, uid)
		out = append(out, c)
	}
	return out
}

func (enc *encoder) vevent(e *vestiging.Event, uid string, start, end time.Time, place *vestiging.Place, online string) *goical.Component {
	c := goical.NewEvent()
	c.Props.SetText(goical.PropUID, uid)
	stamp := e.UpdatedAt
	if stamp.IsZero() {
		stamp = enc.opts.Now
	}
	c.Props.SetDateTime(goical.PropDateTimeStamp, stamp.UTC())
	c.Props.SetDateTime(goical.PropDateTimeStart, enc.time(e, start))
	c.Props.SetDateTime(goical.PropDateTimeEnd, enc.time(e, end))
	c.Props.SetText(goical.PropSummary, lines.Replace(e.Title))
	desc := vestiging.PlainText(e.Description)
	if p := e.Price; p != nil {
		desc = strings.TrimSpace(priceWord(e.Language) + ": " + vestiging.FormatPrice(e.Language, p) + "\n\n" + desc)
		setRaw(c.Component, propPrice, goical.Params{}, vestiging.FormatCents(p.Cents))
		if p.MemberCents != nil {
			setRaw(c.Component, propMemberPrice, goical.Params{}, vestiging.FormatCents(*p.MemberCents))
		}
		if p.Note != "" {
			setRaw(c.Component, propPriceNote, goical.Params{}, escapeText(p.Note))
		}
	}
	if desc != "" {
		c.Props.SetText(goical.PropDescription, lines.Replace(desc))
	}
	switch {
	case place != nil && place.Name != "":
		c.Props.SetText(goical.PropLocation, lines.Replace(strings.Join(nonEmpty(place.Name, place.Address()), ", ")))
		if place.HasCoordinates() {
			setRaw(c.Component, goical.PropGeo, goical.Params{}, fmt.Sprintf("%.6f;%.6f", *place.Latitude, *place.Longitude))
		}
	case online != "":
		c.Props.SetText(goical.PropLocation, online)
	}
	page := PageURL(enc.opts.BaseURL, e)
	setRaw(c.Component, goical.PropURL, goical.Params{}, page)
	// SEQUENCE counts the seconds a local event has been changed since it
	// was made: it grows with every change, so a calendar app takes a
	// cancellation, and a later "it is on again", over what it holds. A
	// cancellation is at least 1, above a first PUBLISH's implied 0.
	var seq int64
	if !e.Remote() && !e.CreatedAt.IsZero() && e.UpdatedAt.After(e.CreatedAt) {
		seq = int64(e.UpdatedAt.Sub(e.CreatedAt) / time.Second)
	}
	if enc.opts.Cancel {
		seq = max(seq, 1)
	}
	if seq > 0 {
		setRaw(c.Component, goical.PropSequence, goical.Params{}, strconv.FormatInt(seq, 10))
	}
	if enc.opts.Cancel && enc.opts.OrganizerEmail != "" {
		params := goical.Params{}
		if enc.opts.OrganizerName != "" {
			params.Set(goical.ParamCommonName, enc.opts.OrganizerName)
		}
		setRaw(c.Component, goical.PropOrganizer, params, "mailto:"+enc.opts.OrganizerEmail)
	}
	if e.Status == vestiging.StatusCancelled || enc.opts.Cancel {
		c.Props.SetText(goical.PropStatus, string(goical.EventCancelled))
	} else {
		c.Props.SetText(goical.PropStatus, string(goical.EventConfirmed))
	}
	if len(e.Themes) > 0 {
		names := make([]string, len(e.Themes))
		for i, t := range e.Themes {
			if names[i] = enc.themes[t]; names[i] == "" {
				names[i] = t
			}
		}
		cat := goical.NewProp(goical.PropCategories)
		cat.SetTextList(names)
		c.Props.Set(cat)
	}
	return c.Component
}

// time returns t in the event's zone when that is the one with a
// VTIMEZONE, else in UTC.
func (enc *encoder) time(e *vestiging.Event, t time.Time) time.Time {
	if e.TimeZone == "" || e.TimeZone == amsterdam {
		return t.In(enc.loc)
	}
	return t.UTC()
}

func nonEmpty(ss ...string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// folder folds content lines longer than 75 octets (RFC 5545 3.1) without
// splitting a UTF-8 character. go-ical writes one whole line per Write.
type folder struct {
	w *bufio.Writer
}

func (f *folder) Write(p []byte) (int, error) {
	line, crlf := bytes.CutSuffix(p, []byte("\r\n"))
	width := 75
	for len(line) > width {
		cut := width
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		if _, err := f.w.Write(line[:cut]); err != nil {
			return 0, err
		}
		if _, err := f.w.WriteString("\r\n "); err != nil {
			return 0, err
		}
		line = line[cut:]
		width = 74 // the leading space counts
	}
	if _, err := f.w.Write(line); err != nil {
		return 0, err
	}
	if crlf {
		if _, err := f.w.WriteString("\r\n"); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
