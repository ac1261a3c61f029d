package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/ical"
)

// The JSON API, /api/v1, documented in static/openapi.yaml: reading the
// agenda is open to all; writing (apiwrite.go) takes an API token
// (apiauth.go). Field names are part of the contract: add fields, never
// rename or drop them.

func (s *Server) apiRoutes(r chi.Router) {
	r.Use(cors, s.bearer, s.tokenLimit())
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.apiError(w, r, vestiging.Errorf(vestiging.ENOTFOUND, "We could not find this page. It may have been moved or removed."))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.apiError(w, r, &vestiging.Error{Code: "method_not_allowed", Message: "This address does not accept that request."})
	})
	r.Get("/events", s.apiEvents)
	r.Get("/events/{id}", s.apiEvent)
	r.Get("/libraries", s.apiLibraries)
	r.Get("/openapi.yaml", s.openAPI)
	s.apiWriteRoutes(r)
}

// cors lets any website read the API with a plain GET (no credentials:
// the API answers the same to everyone), and answers preflights.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Accept, Accept-Language, If-None-Match")
			h.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", "ETag, Link")
		next.ServeHTTP(w, r)
	})
}

type apiErrorBody struct {
	Error apiErrorDetail `json:"error"`
}

type apiErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// apiError answers err as {"error": {"code", "message", "fields"}} with the
// status of its code; internal details are logged, never sent.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	lang := langFrom(r.Context())
	code := vestiging.ErrorCode(err)
	status := errorStatus(code)
	msg := vestiging.ErrorMessage(err)
	switch {
	case code == "method_not_allowed":
		status = http.StatusMethodNotAllowed
	case code == vestiging.EINVALID && len(vestiging.FieldErrors(err)) > 0 && r.Method != http.MethodGet && r.Method != http.MethodHead:
		// What was sent is understood but not valid, as a form's 422.
		status = http.StatusUnprocessableEntity
	case status >= 500:
		s.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "Something went wrong on our side. Please try again later."
	}
	body := apiErrorBody{Error: apiErrorDetail{Code: code, Message: s.locales.T(lang, msg)}}
	for k, v := range vestiging.FieldErrors(err) {
		if body.Error.Fields == nil {
			body.Error.Fields = map[string]string{}
		}
		body.Error.Fields[k] = s.locales.T(lang, v)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the status is sent; a client that went away is no error of ours
}

// apiOK answers a successful read, cacheable for a minute when public.
func apiOK(w http.ResponseWriter, v any) {
	if w.Header().Get("Cache-Control") == "" { // a token's answers are private (bearer)
		w.Header().Set("Cache-Control", "public, max-age=60")
	}
	writeJSON(w, http.StatusOK, v)
}

type apiEventJSON struct {
	ID              int64      `json:"id"`
	UID             string     `json:"uid"`
	Kind            string     `json:"kind"`
	Title           string     `json:"title"`
	DescriptionHTML string     `json:"description_html"`
	DescriptionText string     `json:"description_text"`
	StartsAt        string     `json:"starts_at"`
	EndsAt          string     `json:"ends_at"`
	TimeZone        string     `json:"time_zone"`
	Status          string     `json:"status"`
	Themes          []apiTheme `json:"themes"`
	Audiences       []string   `json:"audiences"`
	// Theme and Audience are the first of Themes and Audiences, as
	// before an activity could have several (deprecated).
	Theme     *apiTheme `json:"theme"`
	Audience  string    `json:"audience"`
	Price     *apiPrice `json:"price"`
	Language  string    `json:"language"`
	Online    bool      `json:"online"`
	OnlineURL string    `json:"online_url"`
	// OnlineLinkPublic is vestiging.Event.OnlineLinkPublic.
	OnlineLinkPublic bool            `json:"online_link_public"`
	Place            *apiPlace       `json:"place"`
	Image            *apiImage       `json:"image"`
	Registration     apiRegistration `json:"registration"`
	Sessions         []apiSession    `json:"sessions"`
	Questions        []apiQuestion   `json:"questions"`
	Library          apiLibraryRef   `json:"library"`
	URL              string          `json:"url"`
	OriginalURL      string          `json:"original_url"`
	CreatedAt        string          `json:"created_at"`
	UpdatedAt        string          `json:"updated_at"`
}

type apiTheme struct {
	Slug   string `json:"slug"`
	NameNL string `json:"name_nl"`
	NameEN string `json:"name_en"`
}

// apiPrice is what taking part costs, in euro cents.
type apiPrice struct {
	Free              bool   `json:"free"`
	AmountCents       int64  `json:"amount_cents"`
	MemberAmountCents *int64 `json:"member_amount_cents"`
	Currency          string `json:"currency"`
	Note              string `json:"note"`
}

// apiPlace is a branch (branch_id set), another place of this library
// (place_id set) or a remote event's place (neither).
type apiPlace struct {
	BranchID   *int64   `json:"branch_id"`
	PlaceID    *int64   `json:"place_id"`
	Name       string   `json:"name"`
	Street     string   `json:"street"`
	PostalCode string   `json:"postal_code"`
	City       string   `json:"city"`
	Latitude   *float64 `json:"latitude"`
	Longitude  *float64 `json:"longitude"`
}

type apiImage struct {
	URL string `json:"url"`
	Alt string `json:"alt"`
}

type apiRegistration struct {
	Mode     string `json:"mode"`
	URL      string `json:"url"`
	Capacity int    `json:"capacity"`
	// OnlineCapacity is a hybrid event's online places (Capacity is then
	// the branch's); 0 for any other.
	OnlineCapacity int `json:"online_capacity"`
	// Remaining and OnlineRemaining are the places left of each kind
	// (read only): null without a limit, and OnlineRemaining null unless
	// the event is hybrid.
	Remaining       *int `json:"remaining"`
	OnlineRemaining *int `json:"online_remaining"`
}

// registrationOf is e's sign-up as the API shows it.
func registrationOf(e *vestiging.Event) apiRegistration {
	out := apiRegistration{Mode: e.RegistrationMode, URL: e.RegistrationURL, Capacity: e.Capacity, OnlineCapacity: e.OnlineCapacity}
	left := func(kind string) *int {
		if n := e.Left(kind); n >= 0 {
			return &n
		}
		return nil
	}
	out.Remaining = left(vestiging.AttendanceInPerson)
	if e.Hybrid() {
		out.OnlineRemaining = left(vestiging.AttendanceOnline)
	}
	return out
}

// apiQuestion is a question asked on sign-up; its id keeps its answers
// when an event is written back with it.
type apiQuestion struct {
	ID       int64    `json:"id"`
	Kind     string   `json:"kind"`
	Label    string   `json:"label"`
	Options  []string `json:"options"`
	Required bool     `json:"required"`
}

type apiSession struct {
	StartsAt  string    `json:"starts_at"`
	EndsAt    string    `json:"ends_at"`
	Place     *apiPlace `json:"place"`
	OnlineURL string    `json:"online_url"`
}

// apiLibraryRef says whose event it is: this library (id null, local
// true) or a followed one (its actor id).
type apiLibraryRef struct {
	ID     *int64 `json:"id"`
	Local  bool   `json:"local"`
	Name   string `json:"name"`
	Handle string `json:"handle"`
	URL    string `json:"url"`
}

// apiTime writes t in the event's zone with its offset, so a client shows
// the local time without a zone database.
func apiTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.RFC3339)
}

// placeJSON is where an event or session is (its Venue), with the id of
// its branch or place.
func placeJSON(v *vestiging.Place, branchID, placeID *int64) *apiPlace {
	if v == nil {
		return nil
	}
	return &apiPlace{BranchID: branchID, PlaceID: placeID, Name: v.Name, Street: v.Street, PostalCode: v.PostalCode,
		City: v.City, Latitude: v.Latitude, Longitude: v.Longitude}
}

func priceJSON(p *vestiging.Price) *apiPrice {
	if p == nil {
		return nil
	}
	return &apiPrice{Free: p.Free(), AmountCents: p.Cents, MemberAmountCents: p.MemberCents, Currency: vestiging.Currency,
		Note: p.Note}
}

// theme is the theme named by slug, or one named by its slug when it no
// longer exists.
func (c *apiContext) theme(slug string) apiTheme {
	if t := c.themes[slug]; t != nil {
		return apiTheme{Slug: t.Slug, NameNL: t.NameNL, NameEN: t.NameEN}
	}
	return apiTheme{Slug: slug, NameNL: slug, NameEN: slug}
}

// apiContext is what every event in a response shares.
type apiContext struct {
	themes map[string]*vestiging.Theme
	self   apiLibraryRef
	// staff: the answer goes to a token that writes events, which sees a
	// private online link as staff do; other reads are public.
	staff bool
}

func (s *Server) newAPIContext(ctx context.Context) (*apiContext, error) {
	themes, err := s.svc.Themes(ctx)
	if err != nil {
		return nil, fmt.Errorf("api themes: %w", err)
	}
	c := &apiContext{themes: map[string]*vestiging.Theme{}, self: s.selfRef(ctx)}
	for _, t := range themes {
		c.themes[t.Slug] = t
	}
	return c, nil
}

// selfRef describes this library.
func (s *Server) selfRef(ctx context.Context) apiLibraryRef {
	ref := apiLibraryRef{Local: true, Name: s.libraryName(ctx), URL: s.baseURL.JoinPath("library").String()}
	if s.ap != nil {
		ref.Handle = "@" + strings.TrimPrefix(s.ap.Acct(), "acct:")
	}
	return ref
}

func (c *apiContext) event(s *Server, e *vestiging.Event) apiEventJSON {
	if !c.staff {
		e = e.Public()
	}
	loc := e.Location()
	out := apiEventJSON{
		ID: e.ID, UID: ical.UID(s.baseURL, e), Kind: e.Kind, Title: e.Title,
		DescriptionHTML: vestiging.SanitizeHTML(e.Description), DescriptionText: vestiging.PlainText(e.Description),
		StartsAt: apiTime(e.StartsAt, loc), EndsAt: apiTime(e.EndsAt, loc), TimeZone: loc.String(),
		Status: e.Status, Themes: []apiTheme{}, Audiences: e.Audiences, Price: priceJSON(e.Price), Language: e.Language,
		Online: e.Online(), OnlineURL: e.OnlineURL, OnlineLinkPublic: e.OnlineLinkPublic, Place: placeJSON(e.Venue(), e.BranchID, e.PlaceID),
		Registration: registrationOf(e),
		Sessions:     []apiSession{},
		Questions:    []apiQuestion{},
		Library:      c.self,
		URL:          s.baseURL.JoinPath(eventPath(e)).String(),
		OriginalURL:  ical.PageURL(s.baseURL, e),
		CreatedAt:    apiTime(e.CreatedAt, time.UTC), UpdatedAt: apiTime(e.UpdatedAt, time.UTC),
	}
	for _, slug := range e.Themes {
		out.Themes = append(out.Themes, c.theme(slug))
	}
	if len(out.Themes) > 0 {
		out.Theme = &out.Themes[0]
	}
	if len(e.Audiences) > 0 {
		out.Audience = e.Audiences[0]
	}
	if e.ImageURL != "" {
		out.Image = &apiImage{URL: e.ImageURL, Alt: e.ImageAlt}
	}
	for _, ss := range e.Sessions {
		out.Sessions = append(out.Sessions, apiSession{StartsAt: apiTime(ss.StartsAt, loc), EndsAt: apiTime(ss.EndsAt, loc),
			Place: placeJSON(ss.Venue(), ss.BranchID, ss.PlaceID), OnlineURL: ss.OnlineURL})
	}
	for _, q := range e.Questions {
		out.Questions = append(out.Questions, apiQuestion{ID: q.ID, Kind: q.Kind, Label: q.Label,
			Options: append([]string{}, q.Options...), Required: q.Required})
	}
	if e.Remote() {
		out.Library = apiLibraryRef{ID: e.OriginID}
		if a := e.Origin; a != nil {
			out.Library.Name, out.Library.Handle, out.Library.URL = a.DisplayName(), a.Handle(), a.URL
			if a.URL == "" {
				out.Library.URL = a.IRI
			}
		}
	}
	return out
}

type apiEventList struct {
	Events []apiEventJSON `json:"events"`
	Total  int            `json:"total"`
	// TotalCapped: counting stopped at total; more events match.
	TotalCapped bool    `json:"total_capped,omitempty"`
	Page        int     `json:"page"`
	Limit       int     `json:"limit"`
	Next        *string `json:"next"`
	Prev        *string `json:"prev"`
}

// apiPage reads ?page= and ?limit= (1–100, default 20).
func apiPage(q url.Values) (page, offset, limit int, err error) {
	limit = vestiging.DefaultPageSize
	if v := q.Get("limit"); v != "" {
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 1 || n > vestiging.MaxPageSize {
			return 0, 0, 0, &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.",
				Fields: map[string]string{"limit": "Give a number from 1 to 100."}}
		}
		limit = n
	}
	page, offset, err = pageNumber(q, limit)
	return page, offset, limit, err
}

// pageLinks returns the absolute addresses of the neighbouring pages, or nil.
func (s *Server) pageLinks(r *http.Request, page, limit, total int) (prev, next *string) {
	link := func(n int) *string {
		u := s.baseURL.JoinPath(r.URL.Path)
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		u.RawQuery = q.Encode()
		str := u.String()
		return &str
	}
	pages := max(1, (total+limit-1)/limit)
	if page > 1 {
		prev = link(min(page-1, pages))
	}
	if page < pages {
		next = link(page + 1)
	}
	return prev, next
}

func (s *Server) apiEvents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := newForm(q)
	filter := s.agendaFilter(q, f)
	if !f.Valid() {
		s.apiError(w, r, &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.", Fields: f.Errors})
		return
	}
	page, offset, limit, err := apiPage(q)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if v := q.Get("status"); v != "" {
		if filter.Statuses, err = s.apiStatuses(r, v); err != nil {
			s.apiError(w, r, err)
			return
		}
		filter.Source = vestiging.SourceLocal
	}
	filter.Offset, filter.Limit = offset, limit
	events, total, err := s.svc.FindEvents(ctx, filter)
	if err != nil {
		s.apiError(w, r, fmt.Errorf("api events: %w", err))
		return
	}
	c, err := s.newAPIContext(ctx)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := apiEventList{Events: make([]apiEventJSON, 0, len(events)), Total: total, TotalCapped: filter.CountCapped(total),
		Page: page, Limit: limit}
	for _, e := range events {
		out.Events = append(out.Events, c.event(s, e))
	}
	out.Prev, out.Next = s.pageLinks(r, page, limit, total)
	apiOK(w, out)
}

func (s *Server) apiEvent(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	// As the event page answers the public: the API is the same to everyone,
	// staff included, so a cache may keep what it says. A token that may
	// read events sees this library's drafts too, in private answers.
	e, err := s.svc.Event(ctx, id)
	if err == nil && (e.Remote() || !tokenFrom(ctx).Has(vestiging.ScopeEventsRead)) {
		err = shownToPublic(e)
	}
	if err != nil {
		s.apiError(w, r, fmt.Errorf("api event %d: %w", id, err))
		return
	}
	c, err := s.newAPIContext(ctx)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	apiOK(w, c.event(s, e))
}

// apiStatuses reads ?status=, a comma-separated list of statuses; any but
// published and cancelled needs a token that may read events.
func (s *Server) apiStatuses(r *http.Request, v string) ([]string, error) {
	var out []string
	for st := range strings.SplitSeq(v, ",") {
		switch st = strings.TrimSpace(st); st {
		case vestiging.StatusPublished, vestiging.StatusCancelled:
		case vestiging.StatusDraft, vestiging.StatusPending:
			if !tokenFrom(r.Context()).Has(vestiging.ScopeEventsRead) {
				lang := langFrom(r.Context())
				return nil, vestiging.Errorf(vestiging.EFORBIDDEN, s.locales.T(lang, "This request needs an API token with the scope %s."),
					vestiging.ScopeEventsRead)
			}
		default:
			return nil, &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.",
				Fields: map[string]string{"status": "Unknown status."}}
		}
		out = append(out, st)
	}
	return out, nil
}

type apiLibrary struct {
	apiLibraryRef
	Type           string `json:"type"`
	UpcomingEvents int    `json:"upcoming_events"`
	Following      bool   `json:"following"` // this library follows it
	Follower       bool   `json:"follower"`  // it follows this library
}

type apiLibraryList struct {
	Libraries []apiLibrary `json:"libraries"`
	Total     int          `json:"total"`
	Page      int          `json:"page"`
	Limit     int          `json:"limit"`
	Next      *string      `json:"next"`
	Prev      *string      `json:"prev"`
}

// knownLibraries lists this library first, then the directory: the
// libraries it follows and those following it.
func (s *Server) knownLibraries(ctx context.Context) ([]apiLibrary, error) {
	self := apiLibrary{apiLibraryRef: s.selfRef(ctx), Type: "Organization"}
	filter := vestiging.EventFilter{From: s.now(), Source: vestiging.SourceLocal, Limit: 1}
	var err error
	if _, self.UpcomingEvents, err = s.svc.FindEvents(ctx, filter); err != nil {
		return nil, fmt.Errorf("api library count: %w", err)
	}
	libs := []apiLibrary{self}
	if s.fed == nil {
		return libs, nil
	}
	known, err := s.fed.KnownLibraries(ctx, s.now())
	if err != nil {
		return nil, fmt.Errorf("api libraries: %w", err)
	}
	for _, k := range known {
		a := k.Actor
		id, link := a.ID, a.URL
		if link == "" {
			link = a.IRI
		}
		libs = append(libs, apiLibrary{apiLibraryRef: apiLibraryRef{ID: &id, Name: a.DisplayName(), Handle: a.Handle(), URL: link},
			Type: a.Type, UpcomingEvents: k.Upcoming, Following: k.Followed, Follower: k.Follower})
	}
	return libs, nil
}

func (s *Server) apiLibraries(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	page, offset, limit, err := apiPage(r.URL.Query())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	libs, err := s.knownLibraries(ctx)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := apiLibraryList{Libraries: []apiLibrary{}, Total: len(libs), Page: page, Limit: limit}
	if offset < len(libs) {
		out.Libraries = libs[offset:min(offset+limit, len(libs))]
	}
	out.Prev, out.Next = s.pageLinks(r, page, limit, len(libs))
	apiOK(w, out)
}

// openAPI serves the API's description from the embedded static files.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	b, err := assets.ReadFile("static/openapi.yaml")
	if err != nil {
		s.apiError(w, r, fmt.Errorf("openapi: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(b)
}
