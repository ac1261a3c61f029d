package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
)

type dashboardData struct {
	Events   []*vestiging.Event
	Total    int
	Past     bool
	Paging   paging
	Branches []*vestiging.Branch
	Statuses []struct{ Value, Label string }
	Back     string // this page with its filters, for the row actions to return to
	// Waiting counts what waits for moderation; SignUps the places taken
	// and waitlist spots of the listed page.
	Waiting            moderationCounts
	SignUps, Waitlists int
}

// moderationCounts is what waits in the moderation queue.
type moderationCounts struct{ Offers, Replies, Events, Reports int }

// Any reports whether anything waits.
func (c moderationCounts) Any() bool { return c.Offers+c.Replies+c.Events+c.Reports > 0 }

// dashboardStatuses are the status filter's choices; "" is every status
// but a partner's proposal, which waits in the moderation queue.
var dashboardStatuses = []struct{ Value, Label string }{
	{"", "Every status"}, {vestiging.StatusDraft, "Drafts"}, {vestiging.StatusPublished, "Published"},
	{vestiging.StatusCancelled, "Cancelled"}, {vestiging.StatusPending, "Proposed by a partner"},
}

// dashboard lists the library's own activities, drafts included: upcoming
// ones by default, all of them newest first with ?past=1; searched and
// filtered as the agenda is, and by status.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := newForm(q)
	aq := cloneValues(q)
	aq.Del("library")
	aq.Del("online")
	if q.Get("past") != "" {
		aq.Set("archive", "1")
	}
	filter := s.agendaFilter(aq, f)
	filter.Source, filter.Limit = vestiging.SourceLocal, vestiging.DefaultPageSize
	filter.Statuses = []string{vestiging.StatusDraft, vestiging.StatusPublished, vestiging.StatusCancelled}
	switch st := q.Get("status"); st {
	case "":
	case vestiging.StatusDraft, vestiging.StatusPublished, vestiging.StatusCancelled, vestiging.StatusPending:
		filter.Statuses = []string{st}
	default:
		f.Add("status", "Choose a status from the list.")
	}
	data := dashboardData{Past: q.Get("past") != "", Statuses: dashboardStatuses, Back: r.URL.RequestURI()}
	if data.Past {
		filter.Descending = true
	}
	page, offset, err := pageNumber(q, filter.Limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	filter.Offset = offset
	if f.Valid() {
		if data.Events, data.Total, err = s.svc.FindEvents(ctx, filter); err != nil {
			s.fail(w, r, fmt.Errorf("dashboard: %w", err))
			return
		}
	}
	for _, e := range data.Events {
		data.SignUps += e.Participants + e.OnlineParticipants
		data.Waitlists += e.Waitlisted + e.OnlineWaitlisted
	}
	if data.Waiting, err = s.waiting(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	if data.Branches, err = s.svc.Branches(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("dashboard branches: %w", err))
		return
	}
	data.Paging = newPaging("/staff/", q, page, filter.Limit, data.Total)
	p := s.newPage(r, data)
	p.Form = f
	if p.Themes, err = s.svc.Themes(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("dashboard themes: %w", err))
		return
	}
	status := http.StatusOK
	if !f.Valid() {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "staff", p)
}

// waiting counts what waits in the moderation queue, one count each.
func (s *Server) waiting(ctx context.Context) (moderationCounts, error) {
	var c moderationCounts
	var err error
	if _, c.Offers, err = s.svc.FindOffers(ctx, vestiging.OfferFilter{Status: vestiging.OfferPending, Limit: 1}); err != nil {
		return c, fmt.Errorf("waiting offers: %w", err)
	}
	if _, c.Replies, err = s.svc.Replies(ctx, vestiging.ReplyFilter{Status: vestiging.ReplyPending, Limit: 1}); err != nil {
		return c, fmt.Errorf("waiting replies: %w", err)
	}
	if _, c.Events, err = s.svc.FindEvents(ctx, vestiging.EventFilter{Statuses: []string{vestiging.StatusPending},
		Source: vestiging.SourceLocal, Limit: 1}); err != nil {
		return c, fmt.Errorf("waiting activities: %w", err)
	}
	if _, c.Reports, err = s.svc.Reports(ctx, vestiging.ReportOpen, 0, 1); err != nil {
		return c, fmt.Errorf("waiting reports: %w", err)
	}
	return c, nil
}

// parseForm parses a POST body, plain or with files; a body over the limit
// becomes a 413 page, refused by its Content-Length before it is read.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	var err error
	switch {
	case !isMultipart(r):
		err = r.ParseForm()
	case r.ContentLength > maxUploadBody:
		err = &http.MaxBytesError{Limit: maxUploadBody}
	default:
		err = r.ParseMultipartForm(maxBodyBytes) // larger files wait in temporary files
	}
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case errors.As(err, &mbe) && isMultipart(r):
		s.errorPage(w, r, http.StatusRequestEntityTooLarge, "What you sent is too large: an image may be at most 10 MB.")
	case errors.As(err, &mbe):
		s.fail(w, r, err)
	default:
		s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "The form could not be read."))
	}
	return false
}

// timeZones offered in the event form: the Netherlands, its neighbours and
// the Caribbean parts of the Kingdom.
var timeZones = []string{"Europe/Amsterdam", "Europe/Brussels", "Europe/Berlin", "Europe/London", "UTC",
	"America/Curacao", "America/Aruba", "America/Kralendijk", "America/Lower_Princes", "America/Paramaribo"}

// eventLanguages offered in the event form, with English names for the catalog.
var eventLanguages = []struct{ Code, Name string }{
	{"nl", "Dutch"}, {"en", "English"}, {"fy", "Frisian"}, {"de", "German"}, {"fr", "French"},
	{"ar", "Arabic"}, {"tr", "Turkish"}, {"pl", "Polish"}, {"uk", "Ukrainian"},
}

// maxSessionRows bounds the course form; the domain allows 100 sessions.
const (
	minSessionRows = 1
	maxSessionRows = 100
)

type eventFormData struct {
	Event     *vestiging.Event // nil when creating
	Uploads   bool             // an image file may be sent
	Course    bool
	Branches  []*vestiging.Branch
	Places    []*vestiging.Place // to choose from; a new one is entered in the form
	Zones     []string
	Languages []struct{ Code, Name string }
	Rows      []int
	// QuestionRows number the sign-up question rows shown.
	QuestionRows  []int
	QuestionKinds []string
	Action        string
	Rooms         []string // kinds of room this library can make (room.go)
}

// eventForm renders the event or course form with status.
func (s *Server) eventForm(w http.ResponseWriter, r *http.Request, status int, f *form, e *vestiging.Event, course bool) {
	ctx := r.Context()
	data := eventFormData{Event: e, Course: course, Zones: timeZones, Languages: eventLanguages, Uploads: s.media != nil,
		Rooms: s.rooms.Kinds()}
	if z := f.Get("time_zone"); z != "" && !slices.Contains(timeZones, z) {
		data.Zones = append([]string{z}, timeZones...)
	}
	var err error
	if data.Branches, err = s.svc.Branches(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("event form branches: %w", err))
		return
	}
	if data.Places, err = s.svc.Places(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("event form places: %w", err))
		return
	}
	rows, _ := strconv.Atoi(f.Get("rows"))
	for i := range maxSessionRows { // every row sent with something in it is shown again
		for _, n := range sessionFields {
			if strings.TrimSpace(f.Get(fmt.Sprintf("s%d_%s", i, n))) != "" {
				rows = max(rows, i+1)
			}
		}
	}
	for i := range min(max(rows, minSessionRows), maxSessionRows) {
		data.Rows = append(data.Rows, i)
	}
	data.QuestionRows, data.QuestionKinds = questionRows(f), questionKinds
	switch {
	case e == nil && course:
		data.Action = "/staff/courses/new"
	case e == nil:
		data.Action = "/staff/events/new"
	case course:
		data.Action = fmt.Sprintf("/staff/courses/%d/edit", e.ID)
	default:
		data.Action = fmt.Sprintf("/staff/events/%d/edit", e.ID)
	}
	p := s.newPage(r, data)
	p.Form = f
	if p.Themes, err = s.svc.Themes(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("event form themes: %w", err))
		return
	}
	s.render(w, r, status, "staff_event", p)
}

func newEventDefaults() *form {
	f := newForm(nil)
	f.Set("time_zone", vestiging.DefaultTimeZone)
	f.Set("audiences", vestiging.AudienceAll)
	f.Set("language", "nl")
	f.Set("registration_mode", vestiging.RegistrationNone)
	f.Set("repeat", "none")
	f.Set("places", "unlimited")
	return f
}

func (s *Server) newEvent(w http.ResponseWriter, r *http.Request) {
	s.eventForm(w, r, http.StatusOK, newEventDefaults(), nil, false)
}

func (s *Server) newCourse(w http.ResponseWriter, r *http.Request) {
	s.eventForm(w, r, http.StatusOK, newEventDefaults(), nil, true)
}

// staffEvent loads the event named in the path for editing.
func (s *Server) staffEvent(r *http.Request) (*vestiging.Event, error) {
	e, err := s.pathEvent(r)
	if err != nil {
		return nil, err
	}
	if e.Remote() {
		// Another library's event is theirs to change.
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	return e, nil
}

func (s *Server) editEvent(w http.ResponseWriter, r *http.Request) {
	s.editForm(w, r, vestiging.KindEvent)
}

func (s *Server) editCourse(w http.ResponseWriter, r *http.Request) {
	s.editForm(w, r, vestiging.KindCourse)
}

func (s *Server) editForm(w http.ResponseWriter, r *http.Request, kind string) {
	e, err := s.staffEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if e.Kind != kind {
		http.Redirect(w, r, editPath(e), http.StatusSeeOther)
		return
	}
	s.eventForm(w, r, http.StatusOK, eventValues(e), e, kind == vestiging.KindCourse)
}

func editPath(e *vestiging.Event) string {
	if e.Kind == vestiging.KindCourse {
		return fmt.Sprintf("/staff/courses/%d/edit", e.ID)
	}
	return fmt.Sprintf("/staff/events/%d/edit", e.ID)
}

// eventValues fills a form from a stored event, times in its own zone.
func eventValues(e *vestiging.Event) *form {
	f := newForm(nil)
	loc := e.Location()
	set := f.Set
	set("title", e.Title)
	set("description", e.DescriptionSource)
	set("time_zone", e.TimeZone)
	set("start_date", e.StartsAt.In(loc).Format(time.DateOnly))
	set("start_time", e.StartsAt.In(loc).Format("15:04"))
	set("end_date", e.EndsAt.In(loc).Format(time.DateOnly))
	set("end_time", e.EndsAt.In(loc).Format("15:04"))
	if e.BranchID != nil {
		set("branch_id", strconv.FormatInt(*e.BranchID, 10))
	}
	if e.PlaceID != nil && e.Kind != vestiging.KindCourse {
		set("place_id", strconv.FormatInt(*e.PlaceID, 10))
	}
	set("online_url", e.OnlineURL)
	priceValues(f, e.Price)
	f.Values["audiences"] = e.Audiences
	f.Values["themes"] = e.Themes
	set("language", e.Language)
	set("image_url", e.ImageURL)
	set("image_alt", e.ImageAlt)
	set("places", "unlimited")
	if e.OnlineCapacity > 0 {
		set("online_capacity", strconv.Itoa(e.OnlineCapacity))
	}
	if e.Capacity > 0 {
		set("places", "limited")
		set("capacity", strconv.Itoa(e.Capacity))
	}
	set("registration_mode", e.RegistrationMode)
	set("registration_url", e.RegistrationURL)
	if e.OnlineLinkPublic {
		set("online_link_public", "1")
	}
	for i, ss := range e.Sessions {
		p := fmt.Sprintf("s%d_", i)
		set(p+"date", ss.StartsAt.In(loc).Format(time.DateOnly))
		set(p+"start", ss.StartsAt.In(loc).Format("15:04"))
		set(p+"end", ss.EndsAt.In(loc).Format("15:04"))
		if ss.BranchID != nil {
			set(p+"branch_id", strconv.FormatInt(*ss.BranchID, 10))
		}
		if ss.PlaceID != nil {
			set(p+"place_id", strconv.FormatInt(*ss.PlaceID, 10))
		}
		set(p+"online_url", ss.OnlineURL)
	}
	set("rows", strconv.Itoa(len(e.Sessions)))
	questionValues(f, e.Questions)
	return f
}

// readEvent copies the posted fields into e. Values that cannot be parsed
// (a bad number or date) become field errors in f, like the domain's own.
func readEvent(f *form, e *vestiging.Event, course bool) {
	get := f.Get
	e.Title = get("title")
	e.DescriptionSource, e.Description = get("description"), ""
	e.TimeZone = get("time_zone")
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil || e.TimeZone == "" || e.TimeZone == "Local" {
		f.Add("time_zone", "Unknown time zone.")
		loc = defaultLocation()
	}
	e.Audiences = f.Values["audiences"]
	e.Themes = f.Values["themes"]
	e.Language = get("language")
	e.ImageURL = get("image_url")
	e.ImageAlt = get("image_alt")
	e.RegistrationMode = get("registration_mode")
	e.RegistrationURL = get("registration_url")
	e.OnlineLinkPublic = get("online_link_public") != ""
	e.Price = readPrice(f)
	e.Capacity = readPlaces(f)
	e.OnlineCapacity = readOnlinePlaces(f)
	e.Questions = readQuestions(f)
	if get("action") == "publish" {
		e.Status = vestiging.StatusPublished
	} else {
		e.Status = vestiging.StatusDraft
	}
	// A new place is entered once; the event or its sessions choose it.
	entered := enteredPlace(f)
	if course {
		e.Kind = vestiging.KindCourse
		e.BranchID, e.PlaceID, e.Place, e.OnlineURL = nil, nil, nil, ""
		e.Sessions = readSessions(f, loc, entered)
		return
	}
	e.Kind = vestiging.KindEvent
	e.BranchID = readBranch(f, "branch_id")
	if e.PlaceID, e.Place = readPlaceChoice(f, "place_id", entered); e.PlaceID == nil && e.Place == nil && e.BranchID == nil {
		// Typed in without choosing "another place" from the list.
		e.Place = entered
	}
	e.OnlineURL = get("online_url")
	e.StartsAt = readTime(f, "start_date", get("start_date"), get("start_time"), loc)
	endDate := get("end_date")
	if endDate == "" {
		// Most activities end on the day they start.
		endDate = get("start_date")
	}
	e.EndsAt = readTime(f, "end_date", endDate, get("end_time"), loc)
}

// readPlaces reads the number of places. "No limit" is a choice of its
// own (places=unlimited); a number must be 1 or more: 0 places is
// refused, never taken as no limit (the domain stores no limit as 0).
// A form without the choice (an older page) leaves no limit to an empty
// field.
func readPlaces(f *form) int {
	v := strings.TrimSpace(f.Get("capacity"))
	switch {
	case f.Get("places") == "unlimited":
		return 0
	case v == "" && f.Get("places") == "limited":
		f.Add("capacity", "Give the number of places, or choose no limit.")
		return 0
	}
	return readCount(f, "capacity", "Give a number of places of 1 or more, or choose no limit.")
}

// readOnlinePlaces reads a hybrid activity's online places; empty is none.
func readOnlinePlaces(f *form) int {
	return readCount(f, "online_capacity", "Give a number of online places of 1 or more, or leave it empty.")
}

// readCount reads a number of places in field: empty is 0, anything but
// 1 to a million is msg.
func readCount(f *form, field, msg string) int {
	v := strings.TrimSpace(f.Get(field))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1_000_000 {
		f.Add(field, msg)
		return 0
	}
	return n
}

// readTime parses a date and a time in loc; empty input gives the zero time,
// which the domain reports as missing.
func readTime(f *form, field, date, clock string, loc *time.Location) time.Time {
	date, clock = strings.TrimSpace(date), strings.TrimSpace(clock)
	if date == "" && clock == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", date+" "+clock, loc)
	if err != nil {
		f.Add(field, "Give the date as YYYY-MM-DD and the time as HH:MM.")
		return time.Time{}
	}
	return t
}

func readBranch(f *form, field string) *int64 {
	v := strings.TrimSpace(f.Get(field))
	if v == "" {
		return nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		f.Add(field, "Choose a branch from the list.")
		return nil
	}
	return &id
}

// editsSessions reports whether the course form was sent with one of its
// session buttons (fill in, add, remove): then it is shown again with the
// rows changed, keeping what was typed, and nothing is saved.
func (f *form) editsSessions() bool {
	return f.Get("fill") != "" || f.Get("add_session") != "" || f.Get("remove_session") != ""
}

// sessionFields are the inputs of one session row, after its "sN_" prefix.
var sessionFields = []string{"date", "start", "end", "branch_id", "online_url"}

// editSessions applies the session button the course form was sent with;
// false when the helper's fields need correcting (their messages are in f).
func editSessions(f *form) bool {
	rows, _ := strconv.Atoi(f.Get("rows"))
	rows = min(max(rows, minSessionRows), maxSessionRows)
	row := func(i int, name string) string { return fmt.Sprintf("s%d_%s", i, name) }
	switch {
	case f.Get("add_session") != "":
		rows = min(rows+1, maxSessionRows)
	case f.Get("remove_session") != "":
		gone, err := strconv.Atoi(f.Get("remove_session"))
		if err != nil || gone < 0 || gone >= maxSessionRows {
			break
		}
		for i := gone; i < maxSessionRows-1; i++ {
			for _, n := range sessionFields {
				f.Set(row(i, n), f.Get(row(i+1, n)))
			}
		}
		for _, n := range sessionFields {
			f.Values.Del(row(maxSessionRows-1, n))
		}
		rows = max(rows-1, minSessionRows)
	default: // fill: every week, N times, from a date
		from, err := time.Parse(time.DateOnly, strings.TrimSpace(f.Get("fill_from")))
		if err != nil {
			f.Add("fill_from", "Give the date as YYYY-MM-DD.")
		}
		n, err := strconv.Atoi(strings.TrimSpace(f.Get("fill_count")))
		if err != nil || n < 1 || n > maxSessionRows {
			f.Add("fill_count", "Give a number of sessions from 1 to 100.")
		}
		start, err1 := time.Parse("15:04", strings.TrimSpace(f.Get("fill_start")))
		end, err2 := time.Parse("15:04", strings.TrimSpace(f.Get("fill_end")))
		if err1 != nil || err2 != nil {
			f.Add("fill_start", "Give the times as HH:MM.")
		} else if !end.After(start) {
			f.Add("fill_end", "The end must be after the start.")
		}
		if !f.Valid() {
			return false
		}
		for i := range maxSessionRows {
			for _, name := range sessionFields {
				f.Values.Del(row(i, name))
			}
		}
		for i := range n {
			f.Set(row(i, "date"), from.AddDate(0, 0, 7*i).Format(time.DateOnly))
			f.Set(row(i, "start"), start.Format("15:04"))
			f.Set(row(i, "end"), end.Format("15:04"))
			f.Set(row(i, "branch_id"), f.Get("fill_branch_id"))
			f.Set(row(i, "online_url"), f.Get("fill_online_url"))
		}
		rows = n
	}
	f.Set("rows", strconv.Itoa(rows))
	return true
}

// readSessions reads the course form's rows; rows left empty are ignored.
// A row may meet at the new place entered in the form.
func readSessions(f *form, loc *time.Location, entered *vestiging.Place) []*vestiging.Session {
	var out []*vestiging.Session
	for i := range maxSessionRows {
		p := fmt.Sprintf("s%d_", i)
		date, start, end := f.Get(p+"date"), f.Get(p+"start"), f.Get(p+"end")
		branch, place, online := f.Get(p+"branch_id"), f.Get(p+"place_id"), f.Get(p+"online_url")
		if strings.TrimSpace(date+start+end+branch+place+online) == "" {
			continue
		}
		ss := &vestiging.Session{
			StartsAt:  readTime(f, p+"date", date, start, loc),
			EndsAt:    readTime(f, p+"date", date, end, loc),
			BranchID:  readBranch(f, p+"branch_id"),
			OnlineURL: online,
		}
		ss.PlaceID, ss.Place = readPlaceChoice(f, p+"place_id", entered)
		out = append(out, ss)
	}
	return out
}

func (s *Server) createEvent(w http.ResponseWriter, r *http.Request) {
	s.saveEvent(w, r, nil, false)
}

func (s *Server) createCourse(w http.ResponseWriter, r *http.Request) {
	s.saveEvent(w, r, nil, true)
}

func (s *Server) updateEvent(w http.ResponseWriter, r *http.Request) {
	s.updateForm(w, r, vestiging.KindEvent)
}

func (s *Server) updateCourse(w http.ResponseWriter, r *http.Request) {
	s.updateForm(w, r, vestiging.KindCourse)
}

func (s *Server) updateForm(w http.ResponseWriter, r *http.Request, kind string) {
	e, err := s.staffEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if e.Kind != kind {
		s.fail(w, r, vestiging.Errorf(vestiging.ENOTFOUND, "Not found."))
		return
	}
	s.saveEvent(w, r, e, kind == vestiging.KindCourse)
}

// saveEvent creates (existing nil) or updates an event or course from the
// posted form. An invalid form is shown again with 422 and nothing is saved.
func (s *Server) saveEvent(w http.ResponseWriter, r *http.Request, existing *vestiging.Event, course bool) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := newForm(r.PostForm)
	e := &vestiging.Event{}
	if existing != nil {
		copied := *existing
		e = &copied
	} else {
		lib, err := s.svc.Library(ctx)
		if err != nil {
			s.fail(w, r, fmt.Errorf("library for new event: %w", err))
			return
		}
		e.LibraryID = lib.ID
	}
	image, err := s.upload(r, f, "image_file")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if image != "" {
		f.Set("image_url", image)
	}
	if f.editsQuestions() {
		editQuestions(f)
		s.eventForm(w, r, http.StatusOK, f, existing, course)
		return
	}
	if course && f.editsSessions() {
		status := http.StatusOK
		if !editSessions(f) {
			status = http.StatusUnprocessableEntity
		}
		s.eventForm(w, r, status, f, existing, course)
		return
	}
	readEvent(f, e, course)
	if room := f.Get("room"); room != "" && !course && !f.Preview() {
		// Made before the checks, which need a place or a link; a room
		// left unused costs nothing (BigBlueButton ends it soon).
		link, err := s.rooms.Make(ctx, room, e.Title)
		if err != nil {
			s.log.Warn("make room", "kind", room, "err", err)
			f.Add("room", "The meeting server did not make the room. Try again, or paste a link.")
		}
		e.OnlineURL = link
	}
	if f.Preview() {
		s.eventForm(w, r, http.StatusOK, f, existing, course)
		return
	}
	// Validate here as well as in the store so every message, parse errors
	// and the domain's, is shown at once.
	f.AddDomain(vestiging.FieldErrors(e.Validate()))

	var series *vestiging.Series
	if existing == nil && !course {
		switch rep := f.Get("repeat"); rep {
		case "", "none":
		case vestiging.FrequencyWeekly, vestiging.FrequencyMonthly:
			series = &vestiging.Series{Frequency: rep, Until: strings.TrimSpace(f.Get("repeat_until"))}
			for d := range strings.SplitSeq(f.Get("repeat_skip"), ",") {
				if d = strings.TrimSpace(d); d != "" {
					series.Skip = append(series.Skip, d)
				}
			}
			if f.Valid() {
				f.AddDomain(vestiging.FieldErrors(series.Validate(e)))
			}
		default:
			f.Add("repeat", "Choose weekly or monthly.")
		}
	}
	// A start in the past is usually a typing error: it is saved only
	// once confirmed. An unchanged start of an older activity is not asked.
	if f.Valid() && e.StartsAt.Before(s.now()) && (existing == nil || !existing.StartsAt.Equal(e.StartsAt)) &&
		f.Get("confirm_past") == "" {
		f.Add("confirm_past", "This activity starts in the past. Check the date, or confirm that it is right.")
	}
	if !f.Valid() {
		s.eventForm(w, r, http.StatusUnprocessableEntity, f, existing, course)
		return
	}

	acting := asStaff(r)
	switch {
	case existing != nil:
		err = s.svc.UpdateEvent(acting, e)
	case series != nil:
		var events []*vestiging.Event
		if events, err = s.svc.CreateSeries(acting, series, e); err == nil && len(events) > 0 {
			e = events[0]
		}
	default:
		err = s.svc.CreateEvent(acting, e)
	}
	if vestiging.ErrorCode(err) == vestiging.EINVALID {
		f.AddDomain(vestiging.FieldErrors(err))
		if f.Valid() {
			f.Add("title", vestiging.ErrorMessage(err))
		}
		s.eventForm(w, r, http.StatusUnprocessableEntity, f, existing, course)
		return
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("save event %q: %w", e.Title, err))
		return
	}
	switch {
	case e.Status == vestiging.StatusDraft:
		s.flash(w, "draft", e.Title)
	case existing == nil || existing.Status != vestiging.StatusPublished:
		s.flash(w, "published", e.Title)
	default:
		s.flash(w, "saved", e.Title)
	}
	http.Redirect(w, r, eventPath(e), http.StatusSeeOther)
}

// publishEvent is the dashboard's Publish button: a draft goes public, a
// cancelled activity is on again (and its registrants hear so).
func (s *Server) publishEvent(w http.ResponseWriter, r *http.Request) {
	e, err := s.staffEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e.Status = vestiging.StatusPublished
	if err := s.svc.UpdateEvent(asStaff(r), e); err != nil {
		s.fail(w, r, fmt.Errorf("publish event %d: %w", e.ID, err))
		return
	}
	s.flash(w, "published", e.Title)
	http.Redirect(w, r, backToDashboard(r), http.StatusSeeOther)
}

// backToDashboard is the dashboard with the filters the action was sent
// from (its "back" field), or the plain dashboard.
func backToDashboard(r *http.Request) string {
	if b := safeNext(r.PostFormValue("back")); strings.HasPrefix(b, "/staff/") {
		return b
	}
	return "/staff/"
}

type cancelData struct {
	Event *vestiging.Event
	Told  int // people with a place or on the waitlist, who are told
}

// confirmCancel asks for the reason and says how many people will be told.
func (s *Server) confirmCancel(w http.ResponseWriter, r *http.Request) {
	e, err := s.staffEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.cancelForm(w, r, http.StatusOK, e, newForm(nil))
}

func (s *Server) cancelForm(w http.ResponseWriter, r *http.Request, status int, e *vestiging.Event, f *form) {
	if e.Status == vestiging.StatusCancelled {
		s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "This activity is cancelled already."))
		return
	}
	p := s.newPage(r, cancelData{Event: e, Told: e.Signed()})
	p.Form = f
	s.render(w, r, status, "staff_cancel", p)
}

// cancelEvent calls an activity off with the reason staff gave. The
// registrations stay: published again, the activity is on for them again.
func (s *Server) cancelEvent(w http.ResponseWriter, r *http.Request) {
	e, err := s.staffEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	changed := *e
	changed.Status, changed.CancelReason = vestiging.StatusCancelled, strings.TrimSpace(f.Get("reason"))
	if changed.CancelReason == "" {
		f.Add("reason", "Say why the activity is cancelled: everyone who signed up reads it.")
	}
	if f.Valid() {
		err = s.svc.UpdateEvent(asStaff(r), &changed)
		if vestiging.ErrorCode(err) == vestiging.EINVALID {
			msg := vestiging.FieldErrors(err)["cancel_reason"]
			if msg == "" {
				msg = vestiging.ErrorMessage(err)
			}
			f.Add("reason", msg)
		} else if err != nil {
			s.fail(w, r, fmt.Errorf("cancel event %d: %w", e.ID, err))
			return
		}
	}
	if !f.Valid() {
		s.cancelForm(w, r, http.StatusUnprocessableEntity, e, f)
		return
	}
	s.flash(w, "cancelled", e.Title)
	http.Redirect(w, r, "/staff/", http.StatusSeeOther)
}

type libraryFormData struct {
	Branches []*vestiging.Branch
	Uploads  bool // a logo and a banner file may be sent
}

func (s *Server) editLibrary(w http.ResponseWriter, r *http.Request) {
	lib, err := s.svc.Library(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("library: %w", err))
		return
	}
	f := newForm(nil)
	for name, v := range map[string]string{"name": lib.Name, "description": lib.DescriptionSource, "email": lib.Email,
		"phone": lib.Phone, "website": lib.Website, "logo_url": lib.LogoURL, "logo_alt": lib.LogoAlt,
		"banner_url": lib.BannerURL, "banner_alt": lib.BannerAlt, "colour": lib.Colour} {
		f.Set(name, v)
	}
	setModerationSettings(f, lib)
	setSignupSettings(f, lib)
	s.libraryForm(w, r, http.StatusOK, f)
}

func (s *Server) libraryForm(w http.ResponseWriter, r *http.Request, status int, f *form) {
	branches, err := s.svc.Branches(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("branches: %w", err))
		return
	}
	p := s.newPage(r, libraryFormData{Branches: branches, Uploads: s.media != nil})
	p.Form = f
	s.render(w, r, status, "staff_library", p)
}

func (s *Server) updateLibrary(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	lib, err := s.svc.Library(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("library: %w", err))
		return
	}
	f := newForm(r.PostForm)
	// The logo (the avatar in the fediverse) and the banner (the header
	// above the profile) may each be uploaded instead of given by address.
	for _, img := range []struct{ name, describe string }{
		{"logo", "Describe the logo for people who cannot see it."},
		{"banner", "Describe the banner for people who cannot see it."},
	} {
		address, err := s.upload(r, f, img.name+"_file")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if address != "" {
			f.Set(img.name+"_url", address)
			if strings.TrimSpace(f.Get(img.name+"_alt")) == "" {
				f.Add(img.name+"_alt", img.describe)
			}
		}
	}
	lib.Name, lib.DescriptionSource, lib.Description, lib.Email = f.Get("name"), f.Get("description"), "", f.Get("email")
	lib.Phone, lib.Website, lib.LogoURL, lib.LogoAlt = f.Get("phone"), f.Get("website"), f.Get("logo_url"), f.Get("logo_alt")
	lib.BannerURL, lib.BannerAlt = f.Get("banner_url"), f.Get("banner_alt")
	lib.Colour = f.Get("colour")
	readModerationSettings(f, lib)
	readSignupSettings(f, lib)
	if f.Preview() {
		s.libraryForm(w, r, http.StatusOK, f)
		return
	}
	// Every message at once: the upload's and the fields'.
	f.AddDomain(vestiging.FieldErrors(lib.Validate()))
	if f.Err("colour") == vestiging.MsgColourTooLight {
		// The message says the field now offers a shade that can be used.
		f.Set("colour", vestiging.AccessibleShade(f.Get("colour")))
	}
	if !f.Valid() {
		s.libraryForm(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err := s.svc.UpdateLibrary(r.Context(), lib); err != nil {
		if vestiging.ErrorCode(err) == vestiging.EINVALID {
			f.AddDomain(vestiging.FieldErrors(err))
			s.libraryForm(w, r, http.StatusUnprocessableEntity, f)
			return
		}
		s.fail(w, r, fmt.Errorf("update library: %w", err))
		return
	}
	s.flash(w, "library", "")
	http.Redirect(w, r, "/library", http.StatusSeeOther)
}

type branchFormData struct {
	Branch *vestiging.Branch // nil when creating
	Days   []time.Weekday
	Action string
}

func (s *Server) branchForm(w http.ResponseWriter, r *http.Request, status int, f *form, b *vestiging.Branch) {
	data := branchFormData{Branch: b, Days: vestiging.Weekdays, Action: "/staff/branches/new"}
	if b != nil {
		data.Action = fmt.Sprintf("/staff/branches/%d/edit", b.ID)
	}
	p := s.newPage(r, data)
	p.Form = f
	s.render(w, r, status, "staff_branch", p)
}

func (s *Server) newBranch(w http.ResponseWriter, r *http.Request) {
	s.branchForm(w, r, http.StatusOK, newForm(nil), nil)
}

func (s *Server) staffBranch(r *http.Request) (*vestiging.Branch, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	b, err := s.svc.Branch(r.Context(), id)
	if err != nil {
		return nil, fmt.Errorf("branch %d: %w", id, err)
	}
	return b, nil
}

func (s *Server) editBranch(w http.ResponseWriter, r *http.Request) {
	b, err := s.staffBranch(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := newForm(nil)
	f.Set("name", b.Name)
	f.Set("street", b.Street)
	f.Set("postal_code", b.PostalCode)
	f.Set("city", b.City)
	if b.Latitude != nil && b.Longitude != nil {
		f.Set("latitude", strconv.FormatFloat(*b.Latitude, 'f', -1, 64))
		f.Set("longitude", strconv.FormatFloat(*b.Longitude, 'f', -1, 64))
	}
	// The form has one row per weekday; the first period of each day fills it.
	for _, h := range b.OpeningHours {
		if f.Get(fmt.Sprintf("opens_%d", h.Day)) == "" {
			f.Set(fmt.Sprintf("opens_%d", h.Day), h.Opens)
			f.Set(fmt.Sprintf("closes_%d", h.Day), h.Closes)
		}
	}
	s.branchForm(w, r, http.StatusOK, f, b)
}

func (s *Server) createBranch(w http.ResponseWriter, r *http.Request) {
	lib, err := s.svc.Library(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("library for new branch: %w", err))
		return
	}
	s.saveBranch(w, r, &vestiging.Branch{LibraryID: lib.ID}, nil)
}

func (s *Server) updateBranch(w http.ResponseWriter, r *http.Request) {
	b, err := s.staffBranch(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.saveBranch(w, r, b, b)
}

// saveBranch reads the branch form into b and stores it; existing is nil
// when creating.
func (s *Server) saveBranch(w http.ResponseWriter, r *http.Request, b, existing *vestiging.Branch) {
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	b.Name, b.Street, b.PostalCode, b.City = f.Get("name"), f.Get("street"), f.Get("postal_code"), f.Get("city")
	b.Latitude, b.Longitude = readFloat(f, "latitude"), readFloat(f, "longitude")
	b.OpeningHours = nil
	for _, d := range vestiging.Weekdays {
		opens := strings.TrimSpace(f.Get(fmt.Sprintf("opens_%d", d)))
		closes := strings.TrimSpace(f.Get(fmt.Sprintf("closes_%d", d)))
		switch {
		case opens == "" && closes == "":
		case opens == "" || closes == "":
			f.Add("opening_hours", "Give both the opening and the closing time, or leave both empty for a closed day.")
		default:
			b.OpeningHours = append(b.OpeningHours, vestiging.OpeningHours{Day: d, Opens: opens, Closes: closes})
		}
	}
	f.AddDomain(vestiging.FieldErrors(b.Validate()))
	if f.Valid() {
		var err error
		if existing == nil {
			err = s.svc.CreateBranch(r.Context(), b)
		} else {
			err = s.svc.UpdateBranch(r.Context(), b)
		}
		if err == nil {
			http.Redirect(w, r, "/library", http.StatusSeeOther)
			return
		}
		if vestiging.ErrorCode(err) != vestiging.EINVALID {
			s.fail(w, r, fmt.Errorf("save branch %q: %w", b.Name, err))
			return
		}
		f.AddDomain(vestiging.FieldErrors(err))
	}
	s.branchForm(w, r, http.StatusUnprocessableEntity, f, existing)
}

func readFloat(f *form, field string) *float64 {
	v := strings.TrimSpace(strings.ReplaceAll(f.Get(field), ",", "."))
	if v == "" {
		return nil
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		f.Add(field, "Give a number, such as 52.37.")
		return nil
	}
	return &x
}

func (s *Server) themesPage(w http.ResponseWriter, r *http.Request) {
	s.themeForm(w, r, http.StatusOK, newForm(nil))
}

func (s *Server) themeForm(w http.ResponseWriter, r *http.Request, status int, f *form) {
	p := s.newPage(r, nil)
	p.Form = f
	var err error
	if p.Themes, err = s.svc.Themes(r.Context()); err != nil {
		s.fail(w, r, fmt.Errorf("themes: %w", err))
		return
	}
	s.render(w, r, status, "staff_themes", p)
}

func (s *Server) createTheme(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	t := &vestiging.Theme{Slug: f.Get("slug"), NameNL: strings.TrimSpace(f.Get("name_nl")), NameEN: strings.TrimSpace(f.Get("name_en"))}
	err := t.Validate()
	if err == nil {
		err = s.svc.CreateTheme(r.Context(), t)
	}
	switch vestiging.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/staff/themes", http.StatusSeeOther)
		return
	case vestiging.EINVALID:
		f.AddDomain(vestiging.FieldErrors(err))
	case vestiging.ECONFLICT:
		f.Add("slug", "This short name is already taken.")
	default:
		s.fail(w, r, fmt.Errorf("create theme %q: %w", t.Slug, err))
		return
	}
	s.themeForm(w, r, http.StatusUnprocessableEntity, f)
}
