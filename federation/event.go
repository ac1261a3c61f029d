package federation

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-fed/activity/streams/vocab"

	"github.com/vestiging/vestiging"
)

// Context is the @context of every document we publish (read-only). go-fed's
// serialiser knows only AS2, security and toot terms, so the Event is
// built as a map and every extension term it uses is declared here:
// schema.org ("sc:") and Mobilizon ("mz:") terms as Mobilizon's own
// context declares them (the same prefix IRIs, so Mobilizon's
// string-matching reader and strict JSON-LD readers both understand them).
var Context = []any{
	ActivityStreamsContext,
	"https://w3id.org/security/v1",
	map[string]any{
		"sc":                        "http://schema.org#",
		"mz":                        "https://joinmobilizon.org/ns#",
		"ical":                      "http://www.w3.org/2002/12/cal/ical#",
		"Hashtag":                   "as:Hashtag",
		"PostalAddress":             "sc:PostalAddress",
		"VirtualLocation":           "sc:VirtualLocation",
		"address":                   map[string]any{"@id": "sc:address", "@type": "sc:PostalAddress"},
		"streetAddress":             "sc:streetAddress",
		"postalCode":                "sc:postalCode",
		"addressLocality":           "sc:addressLocality",
		"addressCountry":            "sc:addressCountry",
		"inLanguage":                "sc:inLanguage",
		"category":                  "sc:category",
		"maximumAttendeeCapacity":   "sc:maximumAttendeeCapacity",
		"remainingAttendeeCapacity": "sc:remainingAttendeeCapacity",
		"eventAttendanceMode":       map[string]any{"@id": "sc:eventAttendanceMode", "@type": "@id"},
		"eventStatus":               map[string]any{"@id": "sc:eventStatus", "@type": "@id"},
		"subEvent":                  "sc:subEvent",
		"organizers":                map[string]any{"@id": "sc:organizer", "@type": "@id"},
		"timezone":                  map[string]any{"@id": "mz:timezone", "@type": "sc:Text"},
		"isOnline":                  map[string]any{"@id": "mz:isOnline", "@type": "sc:Boolean"},
		"joinMode":                  map[string]any{"@id": "mz:joinMode", "@type": "mz:joinModeType"},
		"joinModeType":              map[string]any{"@id": "mz:joinModeType", "@type": "rdfs:Class"},
		"externalParticipationUrl":  map[string]any{"@id": "mz:externalParticipationUrl", "@type": "sc:URL"},
		"participantCount":          map[string]any{"@id": "mz:participantCount", "@type": "sc:Integer"},
		// The price (offersJSON): schema.org's offers, the member price as an
		// Offer for members; Mobilizon's link to a price sheet is a
		// PropertyValue of the Event.
		"Offer":               "sc:Offer",
		"offers":              "sc:offers",
		"price":               "sc:price",
		"priceCurrency":       "sc:priceCurrency",
		"description":         "sc:description",
		"validForMemberTier":  "sc:validForMemberTier",
		"MemberProgramTier":   "sc:MemberProgramTier",
		"isAccessibleForFree": "sc:isAccessibleForFree",
		"propertyID":          "sc:propertyID",
		// Who an activity is for, as Vestiging says it (vestiging.Audiences).
		"audiences": "vs:audiences",
		// A hybrid activity's online places, apart from the venue's
		// (maximumAttendeeCapacity), which a Join takes.
		"onlineAttendeeCapacity":          "vs:onlineAttendeeCapacity",
		"remainingOnlineAttendeeCapacity": "vs:remainingOnlineAttendeeCapacity",
		// An offer's terms (OfferObject): what it is, its theme and its area.
		"vs":         VestigingNamespace,
		"offerKind":  "vs:offerKind",
		"theme":      "vs:theme",
		"areaServed": "sc:areaServed",
		// The actor's terms: Mastodon's profile fields and flags, and the
		// FEP-8a8e collection of the actor's upcoming events.
		"toot":                      "http://joinmastodon.org/ns#",
		"PropertyValue":             "sc:PropertyValue",
		"value":                     "sc:value",
		"discoverable":              "toot:discoverable",
		"featured":                  map[string]any{"@id": "toot:featured", "@type": "@id"},
		"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
		"upcomingEvents":            map[string]any{"@id": FEP8a8eNamespace + "upcomingEvents", "@type": "@id"},
		// The libraries this one follows: how a library joining the network
		// learns the rest from one it knows (network.go).
		"libraries": map[string]any{"@id": "vs:libraries", "@type": "@id"},
	},
}

// FEP8a8eNamespace prefixes the IRIs of FEP-8a8e's own terms, such as
// https://w3id.org/fep/8a8e/upcomingEvents.
const FEP8a8eNamespace = "https://w3id.org/fep/8a8e/"

// schema.org event statuses.
const (
	EventScheduled = "https://schema.org/EventScheduled"
	EventCancelled = "https://schema.org/EventCancelled"
)

// Mobilizon join modes.
const (
	JoinFree       = "free"       // Join is answered with Accept (or TentativeAccept when full)
	JoinRestricted = "restricted" // Join needs approval
	JoinExternal   = "external"   // registration elsewhere: externalParticipationUrl
)

// ActorID is the library actor's id (see the package comment for the scheme).
func ActorID(base *url.URL) string { return base.JoinPath("actor").String() }

// FollowersID is the library actor's followers collection.
func FollowersID(base *url.URL) string { return base.JoinPath("actor", "followers").String() }

// EventID is the id and page of an event or course.
func EventID(base *url.URL, e *vestiging.Event) string {
	kind := "events"
	if e.Kind == vestiging.KindCourse {
		kind = "courses"
	}
	return base.JoinPath(kind, strconv.FormatInt(e.ID, 10)).String()
}

// ThemeURL is the page a theme's hashtag links to.
func ThemeURL(base *url.URL, slug string) string { return base.JoinPath("themes", slug).String() }

// EventObject returns the AS2 Event for e, without @context (embed it in a
// Create or Update, or use EventJSON). Branches of e and its sessions must
// be loaded. participantCount and remainingAttendeeCapacity come from
// e.Participants, which the store keeps with the registrations.
//
// Mastodon shows only name, summary and a link, and GoToSocial shows the
// summary as a content warning, so summary is always the one line
// "title · date, time · place" (summary.go) and content starts with when
// and where and ends with the link.
//
// Events without registration ("just come"), and those whose sign-up staff
// closed, get joinMode external pointing at the event's own page, which
// says so: "free" would invite Joins we do not take, "restricted" would
// promise an approval that never comes.
//
// A private online link (Event.LinkPrivate) is withheld: the Event says
// online, with the page to sign up on as the VirtualLocation's url.
//
// eventAttendanceMode says offline, online or mixed. A hybrid activity
// has places at its venue and online places apart; a Join cannot say
// which it wants, so a remote participant gets a place at the venue (or
// its waitlist), and maximumAttendeeCapacity, remainingAttendeeCapacity
// and participantCount are the venue's: what a Join can get. The online
// places are in Vestiging's own terms (onlineAttendeeCapacity,
// remainingOnlineAttendeeCapacity); the online ones are taken on the page.
func EventObject(e *vestiging.Event, base *url.URL) map[string]any {
	e = e.Public()
	id := EventID(base, e)
	actor := ActorID(base)
	loc := e.Location()
	o := map[string]any{
		"type":         "Event",
		"id":           id,
		"url":          id,
		"name":         e.Title,
		"summary":      eventSummary(e),
		"content":      eventContent(e, id),
		"mediaType":    "text/html",
		"startTime":    e.StartsAt.In(loc).Format(time.RFC3339),
		"endTime":      e.EndsAt.In(loc).Format(time.RFC3339),
		"timezone":     loc.String(),
		"attributedTo": actor,
		"replies":      RepliesID(id),
		"organizers":   organizers(e, actor),
		"to":           []any{Public},
		"cc":           []any{FollowersID(base)},
		"isOnline":     e.Online(),
		"eventStatus":  EventScheduled,
		"ical:status":  "CONFIRMED",
		"category":     themeCategory(e.Themes),
		"joinMode":     JoinFree,
		// Mobilizon reads 0 as "no limit".
		"maximumAttendeeCapacity": e.Capacity,
		"participantCount":        e.Participants,
		"eventAttendanceMode":     "https://schema.org/" + e.AttendanceMode(),
	}
	if e.Hybrid() {
		o["onlineAttendeeCapacity"] = e.OnlineCapacity
		o["remainingOnlineAttendeeCapacity"] = e.Left(vestiging.AttendanceOnline)
	}
	if e.Language != "" {
		o["inLanguage"] = e.Language
		o["contentMap"] = map[string]any{e.Language: o["content"]}
	}
	if e.Status == vestiging.StatusCancelled {
		o["eventStatus"], o["ical:status"] = EventCancelled, "CANCELLED"
	}
	switch e.RegistrationMode {
	case vestiging.RegistrationExternal:
		o["joinMode"], o["externalParticipationUrl"] = JoinExternal, e.RegistrationURL
	case vestiging.RegistrationNone:
		o["joinMode"], o["externalParticipationUrl"] = JoinExternal, id
	}
	if e.RegistrationClosed && e.RegistrationMode == vestiging.RegistrationOpen {
		o["joinMode"], o["externalParticipationUrl"] = JoinExternal, id
	}
	if e.Capacity > 0 {
		o["remainingAttendeeCapacity"] = max(0, e.Capacity-e.Participants)
	}
	if l := locationJSON(e.Venue(), e.OnlineLink(id)); l != nil {
		o["location"] = l
	}
	if !slices.Equal(e.Audiences, []string{vestiging.AudienceAll}) && len(e.Audiences) > 0 {
		o["audiences"] = e.Audiences
	}
	publishedTimes(o, e.PublishedAt, e.UpdatedAt)
	if len(e.Themes) > 0 {
		tags := make([]any, len(e.Themes))
		for i, t := range e.Themes {
			tags[i] = map[string]any{"type": "Hashtag", "name": "#" + hashtag(t), "href": ThemeURL(base, t)}
		}
		o["tag"] = tags
	}
	var attachments []any
	if e.ImageURL != "" {
		o["image"] = imageJSON("Image", e.ImageURL, e.ImageAlt)
		attachments = append(attachments, imageJSON("Document", e.ImageURL, e.ImageAlt))
	}
	if e.Price != nil {
		o["offers"] = offersJSON(e.Price, id, e.Language)
		o["isAccessibleForFree"] = e.Price.Free()
		// Mobilizon shows a link to the page that says the price.
		attachments = append(attachments, map[string]any{"type": "PropertyValue", "propertyID": mobilizonPriceURL, "value": id})
	}
	if attachments != nil {
		o["attachment"] = attachments
	}
	if e.Kind == vestiging.KindCourse && len(e.Sessions) > 0 {
		subs := make([]any, 0, len(e.Sessions))
		for i, s := range e.Sessions {
			n := s.ID
			if n == 0 {
				n = int64(i + 1)
			}
			sub := map[string]any{
				"type":      "Event",
				"id":        fmt.Sprintf("%s#session-%d", id, n),
				"name":      fmt.Sprintf("%s ("+wordsFor(e.Language).session+")", e.Title, i+1, len(e.Sessions)),
				"startTime": s.StartsAt.In(loc).Format(time.RFC3339),
				"endTime":   s.EndsAt.In(loc).Format(time.RFC3339),
			}
			if l := locationJSON(s.Venue(), s.OnlineLink(id)); l != nil {
				sub["location"] = l
			}
			subs = append(subs, sub)
		}
		o["subEvent"] = subs
	}
	return o
}

// publishedTimes sets published, when the object was first made public
// (GoToSocial dates the post by it, so a draft published late lands
// now, not in the past), and updated when it changed after that: never
// before published, or GoToSocial refuses the object.
func publishedTimes(o map[string]any, published, updated time.Time) {
	if published.IsZero() {
		return
	}
	o["published"] = published.UTC().Format(time.RFC3339)
	if updated.After(published) {
		o["updated"] = updated.UTC().Format(time.RFC3339Nano)
	}
}

// organizers are the library and, for an event organised with a partner,
// the partner as an embedded Organization: it has no actor of its own, and
// Mobilizon shows an organiser's name.
func organizers(e *vestiging.Event, library string) []any {
	o := []any{library}
	if e.PartnerID != nil && e.PartnerName != "" {
		o = append(o, map[string]any{"type": "Organization", "name": e.PartnerName})
	}
	return o
}

// EventJSON returns the Event document for e with Context, as served at its id.
func EventJSON(e *vestiging.Event, base *url.URL) ([]byte, error) {
	o := EventObject(e, base)
	o["@context"] = Context
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("event %d: %w", e.ID, err)
	}
	return b, nil
}

// locationJSON is a Place with a PostalAddress for a branch or another
// place, or a VirtualLocation for an online meeting; nil when neither is
// known.
func locationJSON(b *vestiging.Place, onlineURL string) map[string]any {
	if b == nil {
		if onlineURL == "" {
			return nil
		}
		return map[string]any{"type": "VirtualLocation", "name": "Online", "url": onlineURL}
	}
	addr := map[string]any{"type": "PostalAddress", "addressCountry": "NL"}
	for k, v := range map[string]string{"streetAddress": b.Street, "postalCode": b.PostalCode, "addressLocality": b.City} {
		if v != "" {
			addr[k] = v
		}
	}
	p := map[string]any{"type": "Place", "name": b.Name, "address": addr}
	if b.Latitude != nil && b.Longitude != nil {
		p["latitude"], p["longitude"] = *b.Latitude, *b.Longitude
	}
	return p
}

// mobilizonPriceURL is the key of Mobilizon's event metadata that links
// to a page with the prices; Mobilizon federates no amount.
const mobilizonPriceURL = "mz:ticket:price_url"

// offersJSON is the price as schema.org Offers: what everyone pays (its
// description the note), and the member price as an Offer valid for the
// library's members (validForMemberTier).
func offersJSON(p *vestiging.Price, page, lang string) []any {
	offer := map[string]any{"type": "Offer", "price": vestiging.FormatCents(p.Cents), "priceCurrency": vestiging.Currency,
		"url": page}
	if p.Note != "" {
		offer["description"] = p.Note
	}
	offers := []any{offer}
	if p.MemberCents != nil {
		offers = append(offers, map[string]any{"type": "Offer", "name": wordsFor(lang).memberPrice,
			"price": vestiging.FormatCents(*p.MemberCents), "priceCurrency": vestiging.Currency, "url": page,
			"validForMemberTier": map[string]any{"type": "MemberProgramTier", "name": wordsFor(lang).members}})
	}
	return offers
}

// readPrice reads offers (an Offer or a list): the first one without
// validForMemberTier is the price, one with it the member price; an event
// that says only isAccessibleForFree is free. Amounts in another currency,
// negative, beyond vestiging.MaxPriceCents, or a member price above the
// price are left out rather than refusing the event.
func readPrice(m map[string]any) *vestiging.Price {
	var p *vestiging.Price
	var member *int64
	for _, o := range asList(m["offers"]) {
		o, ok := o.(map[string]any)
		if !ok || (str(o["priceCurrency"]) != "" && str(o["priceCurrency"]) != vestiging.Currency) {
			continue
		}
		cents, ok := amount(o["price"])
		switch {
		case !ok:
		case o["validForMemberTier"] != nil:
			if member == nil {
				member = &cents
			}
		case p == nil:
			p = &vestiging.Price{Cents: cents}
			if note := strings.TrimSpace(vestiging.PlainText(str(o["description"]))); len(note) <= 100 {
				p.Note = note
			}
		}
	}
	if p == nil && m["isAccessibleForFree"] == true {
		p = &vestiging.Price{}
	}
	if p != nil && member != nil && *member < p.Cents {
		p.MemberCents = member
	}
	return p
}

// amount reads a price: a JSON number or a decimal string ("7.50"), in
// cents from 0 to vestiging.MaxPriceCents.
func amount(v any) (int64, bool) {
	var cents int64
	switch v := v.(type) {
	case float64:
		cents = int64(math.Round(v * 100))
		if v < 0 || v > vestiging.MaxPriceCents/100 {
			return 0, false
		}
	case string:
		n, err := vestiging.ParseCents(v)
		if err != nil {
			return 0, false
		}
		cents = n
	default:
		return 0, false
	}
	return cents, cents >= 0 && cents <= vestiging.MaxPriceCents
}

// eventWhen is the date and time of an event in lang, and of a course
// with more than one session its number of sessions, the first one's time
// and the last one's date: "8 bijeenkomsten van di 5 januari 2027,
// 19:00–21:00 tot en met di 23 februari 2027".
func eventWhen(e *vestiging.Event, lang string) string {
	loc := e.Location()
	if e.Kind == vestiging.KindCourse && len(e.Sessions) > 1 {
		w := wordsFor(lang)
		first, last := e.Sessions[0], e.Sessions[len(e.Sessions)-1]
		return fmt.Sprintf(w.sessions, len(e.Sessions)) + " " + w.from + " " +
			vestiging.FormatSpan(lang, first.StartsAt, first.EndsAt, loc) + " " + w.to + " " +
			vestiging.FormatDate(lang, last.StartsAt.In(loc))
	}
	return vestiging.FormatSpan(lang, e.StartsAt, e.EndsAt, loc)
}

// eventSummary is the visible line (summary.go): "Voorlezen · za 19
// december 2026, 14:00–15:30 · Bibliotheek Tiel, Markt 12, Tiel", with
// "Geannuleerd" in front once cancelled.
func eventSummary(e *vestiging.Event) string {
	cancelled := ""
	if e.Status == vestiging.StatusCancelled {
		cancelled = wordsFor(e.Language).cancelled
		if e.CancelReason != "" {
			cancelled += " (" + e.CancelReason + ")"
		}
	}
	return summaryLine(cancelled, e.Title, eventWhen(e, e.Language), placeLine(e.Venue(), e.MeetsOnline()))
}

// eventContent is a when/where paragraph, the sessions of a course, the
// description and the page's link, sanitised as a whole.
func eventContent(e *vestiging.Event, page string) string {
	w := wordsFor(e.Language)
	var b strings.Builder
	b.WriteString("<p>")
	if e.Status == vestiging.StatusCancelled {
		fmt.Fprintf(&b, "<strong>%s</strong>", w.cancelled)
		if e.CancelReason != "" {
			b.WriteString(": " + html.EscapeString(e.CancelReason))
		}
		b.WriteString("<br>")
	}
	if e.PartnerID != nil && e.PartnerName != "" {
		fmt.Fprintf(&b, w.organisedWith+"<br>", html.EscapeString(e.PartnerName))
	}
	b.WriteString(html.EscapeString(eventWhen(e, e.Language)))
	if v := e.Venue(); v != nil {
		where := v.Name
		if a := v.Address(); a != "" {
			where += ", " + a
		}
		fmt.Fprintf(&b, "<br>%s", html.EscapeString(where))
	}
	switch {
	case e.OnlineURL != "":
		fmt.Fprintf(&b, `<br>Online: <a href="%s">%s</a>`, html.EscapeString(e.OnlineURL), html.EscapeString(e.OnlineURL))
	case e.LinkWithheld && e.RegistrationMode == vestiging.RegistrationOpen:
		fmt.Fprintf(&b, `<br>Online: <a href="%s">%s</a>`, html.EscapeString(page), html.EscapeString(w.linkWithheld))
	case e.LinkWithheld:
		fmt.Fprintf(&b, "<br>Online: %s", html.EscapeString(w.linkNotPublic))
	}
	if e.Price != nil {
		fmt.Fprintf(&b, "<br>%s", html.EscapeString(vestiging.FormatPrice(e.Language, e.Price)))
	}
	b.WriteString("</p>")
	if e.Kind == vestiging.KindCourse && len(e.Sessions) > 1 {
		b.WriteString("<ol>")
		for _, s := range e.Sessions {
			line := vestiging.FormatSpan(e.Language, s.StartsAt, s.EndsAt, e.Location())
			if p := placeLine(s.Venue(), s.MeetsOnline()); p != "" {
				line += " · " + p
			}
			fmt.Fprintf(&b, "<li>%s</li>", html.EscapeString(line))
		}
		b.WriteString("</ol>")
	}
	b.WriteString(e.Description)
	b.WriteString(pageLink(page))
	return vestiging.SanitizeHTML(b.String())
}

// hashtag turns a theme slug into a hashtag: "digitale-vaardigheden" → "DigitaleVaardigheden".
func hashtag(slug string) string {
	var b strings.Builder
	for _, part := range strings.Split(slug, "-") {
		for i, r := range part {
			if i == 0 {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// themeCategory maps the main theme onto Mobilizon's fixed category
// list, which has room for one.
func themeCategory(themes []string) string {
	if len(themes) == 0 {
		return "MEETING"
	}
	switch themes[0] {
	case "leesplezier":
		return "BOOK_CLUBS"
	case "digitale-vaardigheden", "leven-lang-leren":
		return "LEARNING"
	}
	return "MEETING"
}

// RemoteEvent is an Event from another server (Mobilizon, Gancio,
// WordPress, another Vestiging) in domain terms.
type RemoteEvent struct {
	ID           string
	URL          string // the page to link to
	AttributedTo string
	Title        string
	Summary      string // plain text
	Content      string // sanitised HTML
	StartsAt     time.Time
	EndsAt       time.Time // zero when the event gives none
	TimeZone     string    // IANA name, "" when absent or unknown
	Language     string
	Place        RemotePlace
	OnlineURL    string
	Status       string // vestiging.StatusPublished or vestiging.StatusCancelled
	JoinMode     string // free, restricted, external, invite, or ""
	ExternalURL  string // externalParticipationUrl
	Capacity     int    // 0: no limit
	Remaining    *int
	Participants int
	ImageURL     string
	ImageAlt     string
	Tags         []string // hashtag names without "#"
	Audiences    []string // vestiging.Audiences it names (another Vestiging's "audiences")
	Price        *vestiging.Price
	Sessions     []*RemoteEvent
	Updated      time.Time // updated, else published; zero when neither
}

// versionOf is when an object's version was made: its updated, else its
// published; zero when neither is a time.
func versionOf(m map[string]any) time.Time {
	for _, k := range []string{"updated", "published"} {
		if t, err := time.Parse(time.RFC3339, str(m[k])); err == nil {
			return t
		}
	}
	return time.Time{}
}

// RemotePlace is where a remote event happens.
type RemotePlace struct {
	Name       string
	Address    string // one line
	Street     string
	PostalCode string
	City       string
	Country    string
	Latitude   *float64
	Longitude  *float64
}

// ParseRemoteEvent decodes an Event object. go-fed resolves its type and
// gives the times, url and attributedTo (single or array, IRI or embedded);
// the texts (see naturalText) and the extension terms go-fed does not know
// (timezone, the PostalAddress, joinMode, capacities, eventStatus,
// subEvent) are read from the JSON itself.
func ParseRemoteEvent(body []byte) (*RemoteEvent, error) {
	return parseRemoteEvent(body, true)
}

// maxSessions caps the subEvents read, as vestiging caps a course's sessions.
const maxSessions = 100

func parseRemoteEvent(body []byte, withSessions bool) (*RemoteEvent, error) {
	m, v, err := resolve(body, nil)
	if err != nil {
		return nil, err
	}
	ev, ok := v.(vocab.ActivityStreamsEvent)
	if !ok {
		return nil, vestiging.Errorf(vestiging.EINVALID, "A %s is not an event.", v.GetTypeName())
	}
	r := &RemoteEvent{ID: idOf(ev), Status: vestiging.StatusPublished}
	r.Title = strings.TrimSpace(naturalText(m, "name"))
	r.Summary = vestiging.PlainText(naturalText(m, "summary"))
	if c := naturalText(m, "content"); c != "" {
		if !strings.Contains(c, "<") {
			c = vestiging.TextToHTML(c) // Gancio sends plain text
		}
		r.Content = vestiging.SanitizeHTML(c)
	}
	if p := ev.GetActivityStreamsStartTime(); p != nil && p.IsXMLSchemaDateTime() {
		r.StartsAt = p.Get()
	}
	if p := ev.GetActivityStreamsEndTime(); p != nil && p.IsXMLSchemaDateTime() {
		r.EndsAt = p.Get()
	}
	if r.StartsAt.IsZero() {
		return nil, vestiging.Errorf(vestiging.EINVALID, "The event %s has no startTime.", r.ID)
	}
	r.Updated = versionOf(m)
	if p := ev.GetActivityStreamsUrl(); p != nil {
		r.URL = firstURL(p)
	}
	if r.URL == "" {
		r.URL = r.ID
	}
	if p := ev.GetActivityStreamsAttributedTo(); p != nil {
		if ids := iterIDs(p.Begin()); len(ids) > 0 {
			r.AttributedTo = ids[0]
		}
	}
	if tz, _ := m["timezone"].(string); tz != "" && tz != "Local" {
		if _, err := time.LoadLocation(tz); err == nil {
			r.TimeZone = tz
		}
	}
	r.Language, _ = m["inLanguage"].(string)
	for _, l := range asList(m["location"]) {
		if l, ok := l.(map[string]any); ok {
			r.readLocation(l)
		}
	}
	status := str(m["eventStatus"]) + str(m["ical:status"]) + str(m["status"])
	if strings.Contains(status, "EventCancelled") || strings.Contains(status, "CANCELLED") {
		r.Status = vestiging.StatusCancelled
	}
	r.JoinMode = str(m["joinMode"])
	r.ExternalURL = str(m["externalParticipationUrl"])
	r.Capacity, _ = count(m["maximumAttendeeCapacity"])
	r.Participants, _ = count(m["participantCount"])
	if n, ok := count(m["remainingAttendeeCapacity"]); ok {
		r.Remaining = &n
	}
	r.readImage(m)
	r.Price = readPrice(m)
	for _, a := range asList(m["audiences"]) {
		if a := str(a); slices.Contains(vestiging.Audiences, a) && !slices.Contains(r.Audiences, a) {
			r.Audiences = append(r.Audiences, a)
		}
	}
	if len(r.Audiences) > 1 {
		// "all" stands alone (vestiging.Event.Audiences).
		r.Audiences = slices.DeleteFunc(r.Audiences, func(a string) bool { return a == vestiging.AudienceAll })
	}
	if r.OnlineURL == "" {
		r.OnlineURL = onlineAddress(m)
	}
	for _, t := range asList(m["tag"]) {
		if t, ok := t.(map[string]any); ok && t["type"] == "Hashtag" {
			if name := strings.TrimPrefix(str(t["name"]), "#"); name != "" {
				r.Tags = append(r.Tags, name)
			}
		}
	}
	if withSessions {
		for i, s := range asList(m["subEvent"]) {
			if i == maxSessions {
				break
			}
			raw, err := json.Marshal(s)
			if err != nil {
				return nil, fmt.Errorf("event %s: session %d: %w", r.ID, i, err)
			}
			sub, err := parseRemoteEvent(raw, false)
			if err != nil {
				return nil, fmt.Errorf("event %s: session %d: %w", r.ID, i, err)
			}
			r.Sessions = append(r.Sessions, sub)
		}
	}
	return r, nil
}

// readLocation reads a Place (with a PostalAddress object or, as Gancio
// sends it, an address string) or a VirtualLocation.
func (r *RemoteEvent) readLocation(l map[string]any) {
	if l["type"] == "VirtualLocation" {
		if r.OnlineURL == "" {
			r.OnlineURL = str(l["url"])
		}
		return
	}
	if r.Place.Name != "" || r.Place.Address != "" {
		return
	}
	p := &r.Place
	p.Name = str(l["name"])
	switch a := l["address"].(type) {
	case string:
		p.Address = a
	case map[string]any:
		p.Street, p.PostalCode = str(a["streetAddress"]), str(a["postalCode"])
		p.City, p.Country = str(a["addressLocality"]), str(a["addressCountry"])
		var parts []string
		for _, s := range []string{p.Street, strings.TrimSpace(p.PostalCode + " " + p.City), p.Country} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		p.Address = strings.Join(parts, ", ")
	}
	lat, okLat := l["latitude"].(float64)
	lon, okLon := l["longitude"].(float64)
	if okLat && okLon && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
		p.Latitude, p.Longitude = &lat, &lon
	}
}

// onlineAddress is where Mobilizon says an event happens online: an
// attachment Link named "Website".
func onlineAddress(m map[string]any) string {
	for _, a := range asList(m["attachment"]) {
		if a, ok := a.(map[string]any); ok && a["type"] == "Link" && a["name"] == "Website" {
			if u, err := url.Parse(str(a["href"])); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
				return u.String()
			}
		}
	}
	return ""
}

// readImage takes the banner: image, else the first image attachment.
func (r *RemoteEvent) readImage(m map[string]any) {
	candidates := append(asList(m["image"]), asList(m["attachment"])...)
	for _, c := range candidates {
		c, ok := c.(map[string]any)
		if !ok {
			continue
		}
		t, mt := str(c["type"]), str(c["mediaType"])
		if t != "Image" && !(t == "Document" && (mt == "" || strings.HasPrefix(mt, "image/"))) {
			continue
		}
		if u := str(c["url"]); u != "" {
			r.ImageURL, r.ImageAlt = u, str(c["name"])
			return
		}
	}
}

// firstURL returns the first url value: an IRI, or a Link's href.
func firstURL(p vocab.ActivityStreamsUrlProperty) string {
	for it := p.Begin(); it != nil; it = it.Next() {
		switch {
		case it.IsXMLSchemaAnyURI():
			return it.GetXMLSchemaAnyURI().String()
		case it.IsIRI():
			return it.GetIRI().String()
		case it.IsActivityStreamsLink():
			if h := it.GetActivityStreamsLink().GetActivityStreamsHref(); h != nil && h.Get() != nil {
				return h.Get().String()
			}
		}
	}
	return ""
}

// str returns v if it is a string.
func str(v any) string {
	s, _ := v.(string)
	return s
}

// count returns a JSON number as a non-negative int; ok is false for
// null, absent or anything else.
func count(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f < 0 || f > 1e9 {
		return 0, false
	}
	return int(f), true
}
