package vestiging

import (
	"context"
	"slices"
	"strings"
	"time"
	// Time zones are read from the system, else from this copy: a machine
	// without zoneinfo, or a process out of file descriptors (as 150
	// instances in one test process were), must not leave an event without
	// its zone, which made Location return nil and Time.In panic.
	_ "time/tzdata"
)

// Event kinds. A course is an event with sessions; one registration covers them all.
const (
	KindEvent  = "event"
	KindCourse = "course"
)

// Event statuses.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusCancelled = "cancelled"
	// StatusPending: submitted by a partner, waiting for staff approval.
	StatusPending = "pending"
)

// Registration modes.
const (
	RegistrationNone     = "none"
	RegistrationOpen     = "open"
	RegistrationExternal = "external"
)

// Event is an activity in the agenda: a single event, one occurrence of a
// repeating event (SeriesID set), or a course (Kind course, with Sessions).
type Event struct {
	ID          int64
	LibraryID   int64
	Kind        string
	SeriesID    *int64
	Title       string
	Description string // sanitised HTML
	// DescriptionSource is the Markdown staff wrote, kept as typed;
	// Validate renders Description from it. "" for remote events.
	DescriptionSource string
	StartsAt          time.Time
	EndsAt            time.Time
	TimeZone          string
	BranchID          *int64
	Branch            *Branch // filled on read when BranchID is set
	// PlaceID is a place that is not a branch (PlaceService); Place is
	// filled on read. A local event with Place set and PlaceID nil brings a
	// new place, stored with it (or the stored one with the same name and
	// address). A remote event's Place is its origin's (ID 0).
	PlaceID   *int64
	Place     *Place
	OnlineURL string
	// OnlineLinkPublic: staff chose to show the online link of an activity
	// without sign-up here to everyone. Otherwise the link is for staff and
	// for people with a place only (LinkPrivate).
	OnlineLinkPublic bool
	// LinkWithheld marks a copy made by Public whose online link was taken
	// out: it still meets online, and says so without the link.
	LinkWithheld bool
	// Audiences are who the activity is for (see Audiences), in their
	// order there; AudienceAll, the default, stands alone.
	Audiences []string
	// Themes are Theme.Slugs, the main one first.
	Themes []string
	// Price is what taking part costs; nil when the event does not say.
	Price    *Price
	Language string // BCP 47, "nl" by default
	ImageURL string
	ImageAlt string
	Capacity int // 0 means no limit; a hybrid event's places in the branch
	// OnlineCapacity makes an event held at a venue and online at once
	// hybrid: it has this many online places besides Capacity's, each kind
	// with its own waitlist. 0: not hybrid, Capacity is the only pool.
	OnlineCapacity   int
	RegistrationMode string
	RegistrationURL  string // for RegistrationExternal
	// NoWaitlist: when full, sign-ups are refused instead of waitlisted.
	NoWaitlist bool
	// RegistrationClosed: staff closed sign-up (the button is gone, Joins
	// get Reject); existing registrations stay.
	RegistrationClosed bool
	// Participants and Waitlisted count confirmed and waitlisted
	// registrations; the store keeps them in the same transaction as the
	// registrations. For remote events they are what the origin published.
	Participants int
	Waitlisted   int
	// OnlineParticipants and OnlineWaitlisted count a hybrid event's
	// online places and waitlist; Participants and Waitlisted are then
	// the branch's.
	OnlineParticipants int
	OnlineWaitlisted   int
	// PartnerID is the partner organisation (a Person with RolePartner)
	// that organises the event with the library; PartnerName is filled on read.
	PartnerID   *int64
	PartnerName string
	Status      string
	// CancelReason is why staff cancelled it (StatusCancelled only),
	// shown on its page, in the mails and in the federated Update.
	CancelReason string
	UID          string // iCalendar UID for imported events; unique when set
	Sessions     []*Session
	// Questions are asked on sign-up, in order (at most MaxQuestions);
	// local events only.
	Questions []*Question
	CreatedAt time.Time
	UpdatedAt time.Time
	// PublishedAt is when a local event was first made public (published
	// or cancelled), kept through later changes; zero until then. It is
	// the ActivityPub "published", so a draft published later is not
	// dated back to when it was written.
	PublishedAt time.Time

	// Remote events come from libraries this one follows. They keep their
	// origin; Place then holds the remote place (ID 0, not one of ours).
	IRI      string // ActivityPub id; "" for local events
	URL      string // the original page
	OriginID *int64 // Actor.ID of the library that published it
	Origin   *Actor // filled on read when OriginID is set
	// RemoteUpdatedAt is the origin's time of this version (its updated,
	// else published); zero when it gave none. UpsertRemoteEvent keeps a
	// newer stored version over an older one that arrives late.
	RemoteUpdatedAt time.Time
	// PreviousStartsAt is where a published event started before staff
	// moved it (schema.org's previousStartDate: it was rescheduled); zero
	// when it never moved. Filled by Event, not FindEvents.
	PreviousStartsAt time.Time
	// Hidden (filled by Event, not FindEvents, which leaves such events
	// out): staff removed the remote event here, or its library or domain is
	// blocked or silenced. Only staff still see its page.
	Hidden bool
	// ResidentsOnly (filled by Event): a remote event whose origin only
	// residents follow, not the library. It is theirs, not the public's:
	// staff and the residents who follow its origin see its page.
	ResidentsOnly bool
}

// Remote reports whether the event came from another server.
func (e *Event) Remote() bool { return e.IRI != "" }

// Session is one meeting of a course, with its own time and place: a
// branch, another place (PlaceID, or a new Place as for Event), or online.
type Session struct {
	ID        int64
	StartsAt  time.Time
	EndsAt    time.Time
	BranchID  *int64
	Branch    *Branch // filled on read
	PlaceID   *int64
	Place     *Place // filled on read
	OnlineURL string
	// LinkWithheld: as Event.LinkWithheld, for this session.
	LinkWithheld bool
}

// MeetsOnline reports whether the session meets online, link withheld or not.
func (s *Session) MeetsOnline() bool { return s.OnlineURL != "" || s.LinkWithheld }

// Venue is where the session meets: its branch or other place as a
// Place, nil when it meets online only.
func (s *Session) Venue() *Place { return venue(s.Branch, s.Place) }

// Online reports whether the event takes place online only.
func (e *Event) Online() bool {
	return e.BranchID == nil && e.PlaceID == nil && e.Place == nil && e.MeetsOnline()
}

// MeetsOnline reports whether the event (also) meets online, link withheld or not.
func (e *Event) MeetsOnline() bool { return e.OnlineURL != "" || e.LinkWithheld }

// HasOnlineMeeting reports whether the event, or any session of a course,
// meets online: then people with a place join through the join link.
func (e *Event) HasOnlineMeeting() bool {
	return e.MeetsOnline() || slices.ContainsFunc(e.Sessions, (*Session).MeetsOnline)
}

// OnlineLink is where a link to the online meeting points: the link, or
// with it withheld page, which says how to take part; "" when the event
// does not meet online.
func (e *Event) OnlineLink(page string) string { return onlineLink(e.OnlineURL, e.LinkWithheld, page) }

// OnlineLink is as Event.OnlineLink, for this session.
func (s *Session) OnlineLink(page string) string {
	return onlineLink(s.OnlineURL, s.LinkWithheld, page)
}

func onlineLink(link string, withheld bool, page string) string {
	if withheld {
		return page
	}
	return link
}

// Hybrid reports whether the event has places at a venue and online
// places apart (OnlineCapacity).
func (e *Event) Hybrid() bool {
	return e.OnlineCapacity > 0 && e.Kind != KindCourse && !e.Online() && e.MeetsOnline()
}

// As is the event as someone with a kind of place at it takes part: at a
// hybrid event, an in-person place is at the venue only and an online one
// online only; any other event is as it is.
func (e *Event) As(attendance string) *Event {
	if !e.Hybrid() {
		return e
	}
	c := *e
	if attendance == AttendanceOnline {
		c.BranchID, c.Branch, c.PlaceID, c.Place = nil, nil, nil, nil
	} else {
		c.OnlineURL, c.LinkWithheld = "", false
	}
	return &c
}

// AttendanceMode is how people take part, as schema.org's
// eventAttendanceMode names it: at a venue (Offline), Online, or Mixed
// for an activity at a venue and online (hybrid or not).
func (e *Event) AttendanceMode() string {
	venue := e.Venue() != nil || slices.ContainsFunc(e.Sessions, func(s *Session) bool { return s.Venue() != nil })
	switch online := e.HasOnlineMeeting(); {
	case venue && online:
		return "MixedEventAttendanceMode"
	case online:
		return "OnlineEventAttendanceMode"
	}
	return "OfflineEventAttendanceMode"
}

// Places is the capacity and the places left of both kinds together;
// capacity 0 when there is no limit.
func (e *Event) Places() (capacity, left int) {
	if e.Capacity == 0 {
		return 0, 0
	}
	capacity, left = e.Capacity, e.Left(AttendanceInPerson)
	if e.Hybrid() {
		capacity, left = capacity+e.OnlineCapacity, left+e.Left(AttendanceOnline)
	}
	return capacity, left
}

// Signed counts everyone with a place or on a waitlist, of both kinds.
func (e *Event) Signed() int {
	return e.Participants + e.Waitlisted + e.OnlineParticipants + e.OnlineWaitlisted
}

// Pool is the capacity, the places taken and the waitlist of one kind
// of place: attendance's at a hybrid event, else the only one.
func (e *Event) Pool(attendance string) (capacity, participants, waitlisted int) {
	if attendance == AttendanceOnline && e.Hybrid() {
		return e.OnlineCapacity, e.OnlineParticipants, e.OnlineWaitlisted
	}
	return e.Capacity, e.Participants, e.Waitlisted
}

// Left is how many places of a kind are free; -1 when there is no limit.
func (e *Event) Left(attendance string) int {
	capacity, taken, _ := e.Pool(attendance)
	if capacity == 0 {
		return -1
	}
	return max(0, capacity-taken)
}

// LinkPrivate reports whether the online link is only for staff and for
// people with a place: always for an activity that takes sign-ups here,
// and for one without unless staff made its link public. A remote
// event's link is whatever its library published.
func (e *Event) LinkPrivate() bool {
	return !e.Remote() && (e.RegistrationMode == RegistrationOpen || !e.OnlineLinkPublic)
}

// JoinEarly is how long before its start an online meeting lets people in.
const JoinEarly = 15 * time.Minute

// Meeting is one time an activity meets: the event itself, or a course's
// session. People join online from Opens (JoinEarly before the start)
// until End. Link is "" when it meets only at Venue.
type Meeting struct {
	Opens, Start, End time.Time
	Link              string
	Venue             *Place
}

// NextMeeting is the meeting that has not ended at now (the first such
// session of a course), and false when all have ended.
func (e *Event) NextMeeting(now time.Time) (Meeting, bool) {
	if e.Kind != KindCourse || len(e.Sessions) == 0 {
		m := Meeting{Opens: e.StartsAt.Add(-JoinEarly), Start: e.StartsAt, End: e.EndsAt, Link: e.OnlineURL, Venue: e.Venue()}
		return m, now.Before(e.EndsAt)
	}
	for _, s := range e.Sessions {
		if !now.Before(s.EndsAt) {
			continue
		}
		m := Meeting{Opens: s.StartsAt.Add(-JoinEarly), Start: s.StartsAt, End: s.EndsAt, Link: s.OnlineURL, Venue: s.Venue()}
		if m.Link == "" && m.Venue == nil {
			// A session without a place of its own meets where the course does.
			m.Link, m.Venue = e.OnlineURL, e.Venue()
		}
		return m, true
	}
	return Meeting{}, false
}

// Public is the event as anyone may see it: with a private link, a copy
// whose online links (its own and its sessions') are withheld; else e.
// Pages, the API, feeds and federation show this to the public.
func (e *Event) Public() *Event {
	if !e.LinkPrivate() {
		return e
	}
	return e.relinked("", true)
}

// Relinked is a copy of e whose online links (its own and its sessions')
// all are link: for someone with a place, the way in that counts their
// attendance rather than the meeting itself.
func (e *Event) Relinked(link string) *Event { return e.relinked(link, false) }

func (e *Event) relinked(link string, withheld bool) *Event {
	c := *e
	relink := func(url *string, was *bool) {
		if *url != "" || *was {
			*url, *was = link, withheld
		}
	}
	relink(&c.OnlineURL, &c.LinkWithheld)
	c.Sessions = nil
	for _, s := range e.Sessions {
		cs := *s
		relink(&cs.OnlineURL, &cs.LinkWithheld)
		c.Sessions = append(c.Sessions, &cs)
	}
	return &c
}

// Venue is where the event takes place: its branch or other place as a
// Place, nil when it is online only or a remote event names no place.
// Pages, feeds and federation show this, so branches and places look alike.
func (e *Event) Venue() *Place { return venue(e.Branch, e.Place) }

func venue(b *Branch, p *Place) *Place {
	if b != nil {
		return b.Place()
	}
	return p
}

// Free reports whether the event says that taking part costs nothing.
func (e *Event) Free() bool { return e.Price.Free() }

// Location returns the time zone of the event, falling back to the default.
func (e *Event) Location() *time.Location {
	// LoadLocation("") is UTC, not the default, hence the check.
	if loc, err := time.LoadLocation(e.TimeZone); err == nil && e.TimeZone != "" {
		return loc
	}
	loc, _ := time.LoadLocation(DefaultTimeZone)
	return loc
}

// Validate checks and normalises an event before it is stored: defaults,
// sanitised HTML, start before end, and for courses start and end derived
// from the sessions.
func (e *Event) Validate() error {
	v := Validation{}
	if e.Kind == "" {
		e.Kind = KindEvent
	}
	if e.Status == "" {
		e.Status = StatusDraft
	}
	if e.TimeZone == "" {
		e.TimeZone = DefaultTimeZone
	}
	if e.Language == "" {
		e.Language = "nl"
	}
	if e.RegistrationMode == "" {
		e.RegistrationMode = RegistrationNone
	}
	e.Title = strings.TrimSpace(e.Title)
	checkText(v, "title", e.Title, true, 200)
	if e.Remote() {
		e.Description, e.DescriptionSource = SanitizeHTML(e.Description), ""
	} else {
		renderWritten(&e.DescriptionSource, &e.Description)
	}
	checkText(v, "description", e.DescriptionSource, false, MaxDescription)
	checkText(v, "description", e.Description, false, 2*MaxDescription)
	if !isOneOf(e.Kind, KindEvent, KindCourse) {
		v.Add("kind", "Unknown kind.")
	}
	if !isOneOf(e.Status, StatusDraft, StatusPending, StatusPublished, StatusCancelled) {
		v.Add("status", "Unknown status.")
	}
	e.Audiences = normalizeAudiences(v, e.Audiences)
	e.Themes = normalizeThemes(v, e.Themes)
	if e.Price != nil {
		e.Price.validate(v)
	}
	if !isOneOf(e.RegistrationMode, RegistrationNone, RegistrationOpen, RegistrationExternal) {
		v.Add("registration_mode", "Choose a registration mode from the list.")
	}
	if _, err := time.LoadLocation(e.TimeZone); err != nil || e.TimeZone == "Local" {
		v.Add("time_zone", "Unknown time zone.")
	}
	if len(e.Language) > 20 {
		v.Add("language", "Unknown language.")
	}
	checkURL(v, "online_url", &e.OnlineURL)
	checkURL(v, "image_url", &e.ImageURL)
	checkText(v, "image_alt", e.ImageAlt, e.ImageURL != "", 300)
	checkURL(v, "registration_url", &e.RegistrationURL)
	if e.RegistrationMode == RegistrationExternal && e.RegistrationURL == "" {
		v.Add("registration_url", "Give the address where people register.")
	}
	if e.Capacity < 0 {
		v.Add("capacity", "Capacity cannot be negative.")
	}
	if e.OnlineCapacity < 0 {
		v.Add("online_capacity", "Capacity cannot be negative.")
	} else if e.OnlineCapacity > 0 && !e.Remote() && (e.Kind == KindCourse || e.Online() || !e.MeetsOnline() ||
		e.BranchID == nil && e.PlaceID == nil && e.Place == nil) {
		v.Add("online_capacity", "Online places need both a place and an online link.")
	}
	checkText(v, "uid", e.UID, false, 500)
	e.CancelReason = strings.TrimSpace(e.CancelReason)
	if e.Status != StatusCancelled {
		e.CancelReason = ""
	}
	checkText(v, "cancel_reason", e.CancelReason, false, MaxReason)
	if e.Remote() {
		checkURL(v, "iri", &e.IRI)
		checkURL(v, "url", &e.URL)
		e.Questions = nil // another library asks its own
	}
	validateQuestions(v, e.Questions)
	if !e.Remote() {
		validatePlace(v, e.BranchID, e.PlaceID, e.Place)
	}
	if e.Kind == KindCourse {
		e.validateSessions(v)
	} else {
		e.Sessions = nil
		// A remote event may name a place we only know as text, or none.
		if e.BranchID == nil && e.PlaceID == nil && e.Place == nil && e.OnlineURL == "" && !e.Remote() {
			v.Add("branch_id", "Choose a branch or another place, or give an online link.")
		}
	}
	if e.StartsAt.IsZero() {
		v.Add("starts_at", "Give a start date and time.")
	}
	if e.EndsAt.IsZero() {
		v.Add("ends_at", "Give an end date and time.")
	} else if !e.EndsAt.After(e.StartsAt) {
		v.Add("ends_at", "The end must be after the start.")
	}
	e.StartsAt, e.EndsAt = e.StartsAt.UTC(), e.EndsAt.UTC()
	return v.Err()
}

func (e *Event) validateSessions(v Validation) {
	if len(e.Sessions) == 0 {
		v.Add("sessions", "A course needs at least one session.")
		return
	}
	if len(e.Sessions) > 100 {
		v.Add("sessions", "A course can have at most 100 sessions.")
		return
	}
	for _, s := range e.Sessions {
		checkURL(v, "sessions", &s.OnlineURL)
		if s.StartsAt.IsZero() || !s.EndsAt.After(s.StartsAt) {
			v.Add("sessions", "Every session needs a start and an end after it.")
		}
		if !e.Remote() {
			if s.BranchID == nil && s.PlaceID == nil && s.Place == nil && s.OnlineURL == "" {
				v.Add("sessions", "Every session needs a branch, another place or an online link.")
			}
			validatePlace(v, s.BranchID, s.PlaceID, s.Place)
		}
		s.StartsAt, s.EndsAt = s.StartsAt.UTC(), s.EndsAt.UTC()
	}
	if _, bad := v["sessions"]; bad {
		return
	}
	SortSessions(e.Sessions)
	e.StartsAt = e.Sessions[0].StartsAt
	e.EndsAt = e.Sessions[len(e.Sessions)-1].EndsAt
	for _, s := range e.Sessions {
		if s.EndsAt.After(e.EndsAt) {
			e.EndsAt = s.EndsAt
		}
	}
	if e.BranchID == nil && e.PlaceID == nil && e.Place == nil && e.OnlineURL == "" {
		first := e.Sessions[0]
		e.BranchID, e.PlaceID, e.Place, e.OnlineURL = first.BranchID, first.PlaceID, first.Place, first.OnlineURL
	}
}

// validatePlace checks where a local event or session is: a branch or
// another place, not both; a new place (Place without PlaceID) as its own
// fields, named place_….
func validatePlace(v Validation, branchID, placeID *int64, p *Place) {
	if branchID != nil && (placeID != nil || p != nil) {
		v.Add("place_id", "Choose a branch or another place, not both.")
	}
	if placeID == nil && p != nil {
		p.validate(v, "place_")
	}
}

// MaxThemes caps the themes of one activity.
const MaxThemes = 10

// normalizeThemes drops empty and repeated slugs, keeping the order, and
// checks the rest are slugs; whether each is a theme is the store's to say.
func normalizeThemes(v Validation, themes []string) []string {
	var out []string
	for _, t := range themes {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	for _, t := range out {
		if !slugRE.MatchString(t) || len(t) > 60 {
			v.Add("themes", "Choose themes from the list.")
		}
	}
	if len(out) > MaxThemes {
		v.Add("themes", "Choose at most 10 themes.")
	}
	return out
}

// normalizeAudiences puts the audiences in the order of Audiences without
// repeats; none means AudienceAll, which stands alone.
func normalizeAudiences(v Validation, audiences []string) []string {
	var out []string
	for _, a := range audiences {
		if !isOneOf(a, Audiences...) {
			v.Add("audiences", "Choose an audience from the list.")
			return audiences
		}
	}
	for _, a := range Audiences {
		if slices.Contains(audiences, a) {
			out = append(out, a)
		}
	}
	switch {
	case len(out) == 0:
		out = []string{AudienceAll}
	case len(out) > 1 && out[0] == AudienceAll:
		v.Add("audiences", "Choose everyone, or the audiences it is meant for.")
	}
	return out
}

// MaxReason caps a reason staff give (a cancellation, a rejection) in characters.
const MaxReason = 1000

// SortSessions orders sessions by start time.
func SortSessions(s []*Session) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].StartsAt.Before(s[j-1].StartsAt); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// EventFilter selects events. Zero values mean "any".
type EventFilter struct {
	From       time.Time // events ending after From
	To         time.Time // events starting before To
	Theme      string
	Audience   string
	BranchID   int64
	OnlineOnly bool
	Kind       string
	SeriesID   int64
	Statuses   []string // empty: published and cancelled (what the public sees)
	Source     string   // SourceLocal, SourceRemote or "" for both
	OriginID   int64    // only events from this remote library
	PartnerID  int64    // only events a partner proposed (or is organiser of)
	// OriginIDs limits to events from these remote libraries, and the own
	// library's too with IncludeLocal: "my agenda". Both zero: no limit.
	OriginIDs    []int64
	IncludeLocal bool
	// Public limits remote events to those of actors the library follows
	// (accepted): what the library shows as its own agenda. What only
	// residents follow is theirs, for their own agenda (OriginIDs).
	Public bool
	// Place matches a city (whole name, any case) or a postal code prefix
	// ("4001", "4001 AB") of the branch or the remote event's place.
	Place string
	// Query is the user's search text: full-text over title, description,
	// place and library, best matches first (see SearchTerms).
	Query      string
	Descending bool // newest first, for archives
	Offset     int
	Limit      int // 0: DefaultPageSize; capped at MaxPageSize
	// Feed lifts Limit's cap to MaxFeedSize: a feed reads its whole
	// window in one query rather than ten pages. It is not counted:
	// FindEvents' total is then Offset plus the events returned.
	Feed bool
}

// CountCapped reports whether FindEvents' total for f stopped at its cap:
// then more than Offset+MaxCount events match.
func (f EventFilter) CountCapped(total int) bool { return total > f.Offset+MaxCount }

// ParsePlace reads EventFilter.Place: a Dutch postal code or its prefix
// (four digits, then up to two letters, any spacing) as an upper-case
// prefix without spaces, or else a city name as typed, trimmed.
func ParsePlace(place string) (city, postcodePrefix string) {
	place = strings.TrimSpace(place)
	pc := strings.ToUpper(strings.ReplaceAll(place, " ", ""))
	if len(pc) >= 4 && len(pc) <= 6 {
		ok := true
		for i, c := range pc {
			if i < 4 && (c < '0' || c > '9') || i >= 4 && (c < 'A' || c > 'Z') {
				ok = false
			}
		}
		if ok {
			return "", pc
		}
	}
	return place, ""
}

// Sources of events for EventFilter.Source.
const (
	SourceLocal  = "local"
	SourceRemote = "remote"
)

// Paging limits for every list.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
	MaxOffset       = 100000 // deeper pages are refused rather than scanned
	MaxFeedSize     = 1000   // events in one feed (EventFilter.Feed)
	// MaxCount is how many matches past a page's offset FindEvents counts:
	// counting every one of 100,000 would cost more than the page itself.
	MaxCount = 1000
)

// Normalize applies the paging defaults and caps.
func (f *EventFilter) Normalize() error {
	var err error
	asked := f.Limit
	f.Offset, f.Limit, err = NormalizePage(f.Offset, f.Limit)
	if f.Feed && asked > f.Limit {
		f.Limit = min(asked, MaxFeedSize)
	}
	if len(f.Statuses) == 0 {
		f.Statuses = []string{StatusPublished, StatusCancelled}
	}
	return err
}

// NormalizePage applies the paging defaults and caps to any list.
func NormalizePage(offset, limit int) (int, int, error) {
	if limit <= 0 {
		limit = DefaultPageSize
	}
	if limit > MaxPageSize {
		limit = MaxPageSize
	}
	if offset < 0 || offset > MaxOffset {
		return 0, limit, Errorf(EINVALID, "That page does not exist.")
	}
	return offset, limit, nil
}

// EventService stores and finds events, courses and series.
type EventService interface {
	Event(ctx context.Context, id int64) (*Event, error)
	// FindEvents returns one page of matching events ordered by start, and
	// the total, counted up to Offset+MaxCount+1 (see CountCapped).
	FindEvents(ctx context.Context, f EventFilter) ([]*Event, int, error)
	CreateEvent(ctx context.Context, e *Event) error
	// UpdateEvent replaces the event's fields, its questions (a question
	// kept by its ID keeps its answers; one left out loses them) and, for
	// courses, its sessions.
	UpdateEvent(ctx context.Context, e *Event) error
	// CreateSeries stores the series and every occurrence of first, in one transaction.
	CreateSeries(ctx context.Context, s *Series, first *Event) ([]*Event, error)
	// ImportEvents creates or updates events keyed by UID in one transaction:
	// all or nothing.
	ImportEvents(ctx context.Context, events []*Event) (created, updated int, err error)
	// DeleteEvent removes a local event (or course) for good; followers get a
	// Delete. Cancelling is an update with StatusCancelled, not a delete.
	// An upcoming event that people have a place or a waitlist spot for is
	// ECONFLICT: cancelling tells them, and it can go once it is over.
	DeleteEvent(ctx context.Context, id int64) error
}
