package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vestiging/vestiging"
)

// The write API: events and courses, registrations and the offers' queue,
// for a library's own systems with an API token. Events are written in
// the shape GET returns, through the same store methods the staff forms
// use, so validation, notices to registrants and federation are the same.

func (s *Server) apiWriteRoutes(r chi.Router) {
	events := r.With(s.scope(vestiging.ScopeEventsWrite))
	events.Post("/events", s.idempotent(s.apiCreateEvent))
	events.Patch("/events/{id}", s.apiUpdateEvent)
	events.Post("/events/{id}/publish", s.idempotent(s.apiSetStatus(vestiging.StatusPublished)))
	events.Post("/events/{id}/cancel", s.idempotent(s.apiSetStatus(vestiging.StatusCancelled)))

	regs := r.With(s.scope(vestiging.ScopeRegistrationsRead))
	regs.Get("/events/{id}/registrations", s.apiRegistrations)
	regs.Get("/events/{id}/registrations.csv", s.apiRegistrationsCSV)
	r.With(s.scope(vestiging.ScopeRegistrationsWrite)).
		Post("/events/{id}/registrations/{rid}/check-in", s.idempotent(s.apiCheckIn))

	offers := r.With(s.scope(vestiging.ScopeOffersModerate))
	offers.Get("/offers", s.apiOffers)
	offers.Post("/offers/{id}/approve", s.idempotent(s.apiModerateOffer(vestiging.OfferApproved)))
	offers.Post("/offers/{id}/reject", s.idempotent(s.apiModerateOffer(vestiging.OfferRejected)))

	r.With(s.scope(vestiging.ScopeStatsRead)).Get("/statistics", s.apiStatistics)
}

// apiFields names the domain's field errors as the JSON names them.
var apiFields = map[string]string{
	"description": "description_html", "branch_id": "place.branch_id", "place_id": "place.place_id",
	"price": "price.amount_cents", "member_price": "price.member_amount_cents", "price_note": "price.note",
	"image_url": "image.url", "image_alt": "image.alt", "registration_mode": "registration.mode",
	"registration_url": "registration.url", "capacity": "registration.capacity",
}

// apiInvalid renames the fields of a validation error for the API.
func apiInvalid(err error) error {
	fields := vestiging.FieldErrors(err)
	if vestiging.ErrorCode(err) != vestiging.EINVALID || len(fields) == 0 {
		return err
	}
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		if n, ok := apiFields[k]; ok {
			k = n
		}
		// A question's row (q0_label) is its place in the list.
		if row, name, ok := strings.Cut(strings.TrimPrefix(k, "q"), "_"); ok && strings.HasPrefix(k, "q") && row != "" &&
			strings.Trim(row, "0123456789") == "" {
			k = fmt.Sprintf("questions[%s].%s", row, name)
		}
		out[k] = v
	}
	return &vestiging.Error{Code: vestiging.EINVALID, Message: vestiging.ErrorMessage(err), Fields: out, Err: err}
}

// decodeJSON reads the body into v, refusing fields v does not have. A
// body that is not JSON is a 400; a value of the wrong type names its field.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	var typeErr *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mbe):
		return vestiging.Errorf(vestiging.ETOOLARGE, "What you sent is too large (at most 1 MB). Please shorten it and try again.")
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{typeErr.Field: "This value has the wrong type."}, Err: err}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{field: "Unknown field."}, Err: err}
	}
	return &vestiging.Error{Code: vestiging.EINVALID, Message: "The request body is not valid JSON.", Err: err}
}

// decodeOptionalJSON is decodeJSON for a body that may be left out.
func decodeOptionalJSON(r *http.Request, v any) error {
	if err := decodeJSON(r, v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// readAPIEvent copies the JSON's writable fields into e; times that do not
// parse become field errors in v. Fields only GET fills (id, uid, url,
// library, …) are ignored, so a client may send back what it read.
func readAPIEvent(in *apiEventJSON, e *vestiging.Event, v vestiging.Validation) {
	e.Kind, e.Title, e.Description, e.Status = in.Kind, in.Title, in.DescriptionHTML, in.Status
	e.TimeZone, e.Language, e.OnlineURL, e.OnlineLinkPublic = in.TimeZone, in.Language, in.OnlineURL, in.OnlineLinkPublic
	// themes and audiences are the lists; theme and audience, their first
	// items, are still read when the lists are not sent (PATCH clears a
	// list sent alone as its single form).
	e.Themes = nil
	for _, t := range in.Themes {
		e.Themes = append(e.Themes, t.Slug)
	}
	if len(e.Themes) == 0 && in.Theme != nil && in.Theme.Slug != "" {
		e.Themes = []string{in.Theme.Slug}
	}
	e.Audiences = in.Audiences
	if len(e.Audiences) == 0 && in.Audience != "" {
		e.Audiences = []string{in.Audience}
	}
	e.Price = nil
	if p := in.Price; p != nil {
		e.Price = &vestiging.Price{Cents: p.AmountCents, MemberCents: p.MemberAmountCents, Note: p.Note}
	}
	e.BranchID, e.PlaceID, e.Place = nil, nil, nil
	if in.Place != nil {
		e.BranchID, e.PlaceID = in.Place.BranchID, in.Place.PlaceID
	}
	e.ImageURL, e.ImageAlt = "", ""
	if in.Image != nil {
		e.ImageURL, e.ImageAlt = in.Image.URL, in.Image.Alt
	}
	e.RegistrationMode, e.RegistrationURL, e.Capacity = in.Registration.Mode, in.Registration.URL, in.Registration.Capacity
	e.OnlineCapacity = in.Registration.OnlineCapacity
	e.StartsAt = apiReadTime(v, "starts_at", in.StartsAt)
	e.EndsAt = apiReadTime(v, "ends_at", in.EndsAt)
	e.Sessions = nil
	for i, ss := range in.Sessions {
		field := fmt.Sprintf("sessions[%d]", i)
		session := &vestiging.Session{StartsAt: apiReadTime(v, field+".starts_at", ss.StartsAt),
			EndsAt: apiReadTime(v, field+".ends_at", ss.EndsAt), OnlineURL: ss.OnlineURL}
		if ss.Place != nil {
			session.BranchID, session.PlaceID = ss.Place.BranchID, ss.Place.PlaceID
		}
		e.Sessions = append(e.Sessions, session)
	}
	e.Questions = nil
	for _, q := range in.Questions {
		e.Questions = append(e.Questions, &vestiging.Question{ID: q.ID, Kind: q.Kind, Label: q.Label, Options: q.Options,
			Required: q.Required})
	}
	// Through the API an event is a draft, published or cancelled: a
	// partner's proposal waits in the moderation queue, not here.
	switch e.Status {
	case "", vestiging.StatusDraft, vestiging.StatusPublished, vestiging.StatusCancelled:
	default:
		v.Add("status", "Choose draft, published or cancelled.")
	}
	if e.Kind == vestiging.KindCourse && len(in.Sessions) > 0 {
		// A course's start and end follow from its sessions.
		delete(v, "starts_at")
		delete(v, "ends_at")
	}
}

// apiReadTime parses an RFC 3339 time; empty is the zero time, which the
// domain reports as missing.
func apiReadTime(v vestiging.Validation, field, s string) time.Time {
	if strings.TrimSpace(s) == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		v.Add(field, "Give the time as RFC 3339 with its offset, such as 2026-12-05T14:00:00+01:00.")
	}
	return t
}

// validateAPIEvent reads in into e and validates it, with every message at
// once: the JSON's and the domain's.
func validateAPIEvent(in *apiEventJSON, e *vestiging.Event) error {
	v := vestiging.Validation{}
	readAPIEvent(in, e, v)
	for k, msg := range vestiging.FieldErrors(e.Validate()) {
		v.Add(k, msg)
	}
	return apiInvalid(v.Err())
}

func (s *Server) apiCreateEvent(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var in apiEventJSON
	if err := decodeJSON(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	lib, err := s.svc.Library(ctx)
	if err != nil {
		s.apiError(w, r, fmt.Errorf("library for new event: %w", err))
		return
	}
	e := &vestiging.Event{LibraryID: lib.ID}
	if err := validateAPIEvent(&in, e); err != nil {
		s.apiError(w, r, err)
		return
	}
	if k := idempotencyFrom(ctx); k != nil {
		err = s.svc.CreateEventOnce(ctx, e, k)
		if vestiging.ErrorCode(err) == vestiging.ECONFLICT && vestiging.FieldErrors(err) == nil && s.replay(w, r, k) {
			return // the same request, sent again while the first was answered
		}
	} else {
		err = s.svc.CreateEvent(ctx, e)
	}
	if err != nil {
		s.apiError(w, r, fmt.Errorf("api create event: %w", apiInvalid(err)))
		return
	}
	s.apiEventAnswer(w, r, http.StatusCreated, e.ID)
}

// apiEventAnswer answers with the stored event and, for 201, its address.
func (s *Server) apiEventAnswer(w http.ResponseWriter, r *http.Request, status int, id int64) {
	ctx := r.Context()
	e, err := s.svc.Event(ctx, id)
	if err != nil {
		s.apiError(w, r, fmt.Errorf("api event %d: %w", id, err))
		return
	}
	c, err := s.newAPIContext(ctx)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	c.staff = true
	if status == http.StatusCreated {
		w.Header().Set("Location", s.baseURL.JoinPath("/api/v1/events", strconv.FormatInt(id, 10)).String())
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, status, c.event(s, e))
}

// apiLocalEvent loads this library's event named in the path.
func (s *Server) apiLocalEvent(w http.ResponseWriter, r *http.Request) (*vestiging.Event, bool) {
	e, err := s.staffEvent(r)
	if err != nil {
		s.apiError(w, r, err)
		return nil, false
	}
	return e, true
}

// apiUpdateEvent changes an event with PATCH: the fields sent replace the
// stored ones (a JSON merge patch, RFC 7396: an object merges, null clears,
// an array replaces), the others stay.
func (s *Server) apiUpdateEvent(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	e, ok := s.apiLocalEvent(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.apiBodyError(w, r, err)
		return
	}
	var sent map[string]json.RawMessage
	if err := json.Unmarshal(body, &sent); err != nil {
		s.apiError(w, r, vestiging.Errorf(vestiging.EINVALID, "The request body is not valid JSON."))
		return
	}
	c, err := s.newAPIContext(ctx)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	c.staff = true // what is not sent stays, the private link included
	in := c.event(s, e)
	if _, ok := sent["sessions"]; ok {
		in.Sessions = nil // replaced whole, not merged item by item
	}
	if _, ok := sent["questions"]; ok {
		in.Questions = nil
	}
	// The single forms of the lists, sent alone, replace them.
	if _, ok := sent["themes"]; !ok {
		if _, single := sent["theme"]; single {
			in.Themes = nil
		}
	}
	if _, ok := sent["audiences"]; !ok {
		if _, single := sent["audience"]; single {
			in.Audiences = nil
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := decodeJSON(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	changed := *e
	if err := validateAPIEvent(&in, &changed); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.svc.UpdateEvent(ctx, &changed); err != nil {
		s.apiError(w, r, fmt.Errorf("api update event %d: %w", e.ID, apiInvalid(err)))
		return
	}
	s.apiEventAnswer(w, r, http.StatusOK, e.ID)
}

// apiSetStatus publishes or cancels an event, as the dashboard's buttons do.
func (s *Server) apiSetStatus(status string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e, ok := s.apiLocalEvent(w, r)
		if !ok {
			return
		}
		if e.Status != status {
			e.Status = status
			if err := s.svc.UpdateEvent(r.Context(), e); err != nil {
				s.apiError(w, r, fmt.Errorf("api event %d to %s: %w", e.ID, status, apiInvalid(err)))
				return
			}
		}
		s.apiEventAnswer(w, r, http.StatusOK, e.ID)
	}
}

// apiRegistrationJSON is one registration for the library's own systems.
type apiRegistrationJSON struct {
	ID    int64  `json:"id"`
	State string `json:"state"`
	// Attendance is the kind of place at a hybrid event; "" at any other.
	Attendance string `json:"attendance"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	// Handle is a remote person's fediverse handle; "" for people here.
	Handle           string  `json:"handle"`
	Guest            bool    `json:"guest"`
	WaitlistPosition *int    `json:"waitlist_position"`
	CheckedInAt      *string `json:"checked_in_at"`
	CreatedAt        string  `json:"created_at"`
	UpdatedAt        string  `json:"updated_at"`
	// Answers to the event's questions, in their order; the open ones
	// are left out.
	Answers []apiAnswer `json:"answers"`
}

type apiAnswer struct {
	QuestionID int64  `json:"question_id"`
	Question   string `json:"question"`
	Answer     string `json:"answer"`
}

func registrationJSON(reg *vestiging.Registration, position int) apiRegistrationJSON {
	out := apiRegistrationJSON{ID: reg.ID, State: reg.State, Attendance: reg.Attendance, Name: reg.Name, Email: reg.Email, Guest: reg.GuestEmail != "",
		CreatedAt: apiTime(reg.CreatedAt, time.UTC), UpdatedAt: apiTime(reg.UpdatedAt, time.UTC), Answers: []apiAnswer{}}
	for _, a := range reg.Answers {
		out.Answers = append(out.Answers, apiAnswer{QuestionID: a.QuestionID, Question: a.Question, Answer: a.Value})
	}
	if reg.Actor != nil {
		out.Handle = reg.Actor.Handle()
	}
	if position > 0 {
		out.WaitlistPosition = &position
	}
	if reg.CheckedInAt != nil {
		at := apiTime(*reg.CheckedInAt, time.UTC)
		out.CheckedInAt = &at
	}
	return out
}

type apiRegistrationList struct {
	Registrations []apiRegistrationJSON `json:"registrations"`
	Capacity      int                   `json:"capacity"`
	Participants  int                   `json:"participants"`
	Waitlisted    int                   `json:"waitlisted"`
	CheckedIn     int                   `json:"checked_in"`
}

// apiRegistrations lists an event's registrations as the attendee page
// does: places, the waitlist in order, unconfirmed guests, then cancelled.
func (s *Server) apiRegistrations(w http.ResponseWriter, r *http.Request) {
	e, err := s.staffOpenEvent(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	d, err := s.attendeeList(r.Context(), e)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := apiRegistrationList{Registrations: []apiRegistrationJSON{}, Capacity: e.Capacity, Participants: len(d.Confirmed),
		Waitlisted: len(d.Waitlisted), CheckedIn: d.CheckedIn}
	for _, group := range [][]*vestiging.Registration{d.Confirmed, d.Waitlisted, d.Pending, d.Cancelled} {
		for _, reg := range group {
			out.Registrations = append(out.Registrations, registrationJSON(reg, d.Positions[reg.ID]))
		}
	}
	apiOK(w, out)
}

// apiRegistrationsCSV is the attendee page's export.
func (s *Server) apiRegistrationsCSV(w http.ResponseWriter, r *http.Request) {
	e, err := s.staffOpenEvent(r)
	if err == nil {
		err = s.writeAttendeesCSV(w, r, e)
	}
	if err != nil {
		s.apiError(w, r, err)
	}
}

// apiCheckIn marks attendance; {"attended": false} clears it.
func (s *Server) apiCheckIn(w http.ResponseWriter, r *http.Request) {
	_, reg, err := s.attendeeInPath(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	in := struct {
		Attended *bool `json:"attended"`
	}{}
	if err := decodeOptionalJSON(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	attended := in.Attended == nil || *in.Attended
	ctx := r.Context()
	if err := s.svc.CheckIn(ctx, reg.ID, attended); err != nil {
		s.apiError(w, r, fmt.Errorf("api check in registration %d: %w", reg.ID, err))
		return
	}
	if reg, err = s.svc.Registration(ctx, reg.ID); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, registrationJSON(reg, 0))
}

// apiOfferJSON is an offer or request in the moderation queue.
type apiOfferJSON struct {
	ID              int64  `json:"id"`
	Kind            string `json:"kind"`
	Title           string `json:"title"`
	DescriptionHTML string `json:"description_html"`
	Theme           string `json:"theme"`
	Area            string `json:"area"`
	Author          string `json:"author"`
	Status          string `json:"status"`
	Reason          string `json:"reason"`
	URL             string `json:"url"`
	CreatedAt       string `json:"created_at"`
	UpdatedAt       string `json:"updated_at"`
}

func (s *Server) offerJSON(o *vestiging.Offer) apiOfferJSON {
	return apiOfferJSON{ID: o.ID, Kind: o.Kind, Title: o.Title, DescriptionHTML: vestiging.SanitizeHTML(o.Description),
		Theme: o.Theme, Area: o.Area, Author: o.AuthorName, Status: o.Status, Reason: o.Reason,
		URL:       s.baseURL.JoinPath("offers", strconv.FormatInt(o.ID, 10)).String(),
		CreatedAt: apiTime(o.CreatedAt, time.UTC), UpdatedAt: apiTime(o.UpdatedAt, time.UTC)}
}

type apiOfferList struct {
	Offers []apiOfferJSON `json:"offers"`
	Total  int            `json:"total"`
	Page   int            `json:"page"`
	Limit  int            `json:"limit"`
	Next   *string        `json:"next"`
	Prev   *string        `json:"prev"`
}

// apiOffers lists this library's offers by status, the queue (pending) by
// default, newest first.
func (s *Server) apiOffers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, offset, limit, err := apiPage(q)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	status := q.Get("status")
	switch status {
	case "":
		status = vestiging.OfferPending
	case vestiging.OfferPending, vestiging.OfferApproved, vestiging.OfferRejected, vestiging.OfferClosed:
	default:
		s.apiError(w, r, &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"status": "Unknown status."}})
		return
	}
	offers, total, err := s.svc.FindOffers(r.Context(), vestiging.OfferFilter{Status: status, Source: vestiging.SourceLocal,
		Offset: offset, Limit: limit})
	if err != nil {
		s.apiError(w, r, fmt.Errorf("api offers: %w", err))
		return
	}
	out := apiOfferList{Offers: []apiOfferJSON{}, Total: total, Page: page, Limit: limit}
	for _, o := range offers {
		out.Offers = append(out.Offers, s.offerJSON(o))
	}
	out.Prev, out.Next = s.pageLinks(r, page, limit, total)
	apiOK(w, out)
}

// apiModerateOffer approves or rejects an offer as the moderation queue
// does; a rejection needs the reason, which the author is shown. The audit
// log names the token's maker and the token.
func (s *Server) apiModerateOffer(status string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, err := pathID(r)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		in := struct {
			Reason string `json:"reason"`
		}{}
		if err := decodeOptionalJSON(r, &in); err != nil {
			s.apiError(w, r, err)
			return
		}
		in.Reason = strings.TrimSpace(in.Reason)
		if status == vestiging.OfferRejected && in.Reason == "" {
			s.apiError(w, r, &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.",
				Fields: map[string]string{"reason": "Give a reason; it is kept in the log and shown to the author where there is one."}})
			return
		}
		o, err := s.svc.Offer(ctx, id)
		if err == nil && o.Remote() {
			err = vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
		}
		if err != nil {
			s.apiError(w, r, fmt.Errorf("api offer %d: %w", id, err))
			return
		}
		tok := tokenFrom(ctx)
		by := &vestiging.AuditEntry{PersonID: tok.CreatedBy, Reason: strings.TrimSpace(fmt.Sprintf("API token %d (%s) %s", tok.ID, tok.Name, in.Reason))}
		if err := s.svc.SetOfferStatus(ctx, id, status, in.Reason, by); err != nil {
			s.apiError(w, r, fmt.Errorf("api offer %d to %s: %w", id, status, err))
			return
		}
		if o, err = s.svc.Offer(ctx, id); err != nil {
			s.apiError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s.offerJSON(o))
	}
}
