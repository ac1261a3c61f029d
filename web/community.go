package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vestiging/vestiging"
)

// Limits per resident on what others have to read or moderate: generous for
// a person, tight for a script.
const (
	offersPerHour    = 10
	responsesPerHour = 10
	repliesPerHour   = 10
)

// communityRoutes adds the residents' offers, responses, replies and the
// moderation pages.
func (s *Server) communityRoutes(r chi.Router) {
	offerLimit := s.perResident("offers", offersPerHour)
	respondLimit := s.perResident("responses", responsesPerHour)
	replyLimit := s.perResident("replies", repliesPerHour)

	r.Group(func(r chi.Router) {
		r.Use(s.requireAccount)
		r.Get("/offers/new", s.newOfferForm)
		r.With(offerLimit).Post("/offers/new", s.createOffer)
		r.Get("/account/offers", s.myOffers)
		r.Get("/account/offers/{id}/edit", s.editOfferForm)
		r.With(offerLimit).Post("/account/offers/{id}/edit", s.updateOffer)
		r.Post("/account/offers/{id}/close", s.closeOffer)
		r.With(respondLimit).Post("/offers/{id}/respond", s.respond)
		r.With(replyLimit).Post("/events/{id}/replies", s.replyToEvent)
		r.With(replyLimit).Post("/courses/{id}/replies", s.replyToEvent)
		r.With(replyLimit).Post("/offers/{id}/replies", s.replyToOffer)
		r.Get("/account/messages", s.messagesPage)
		r.Get("/account/messages/{id}", s.messagePage)
		r.With(respondLimit).Post("/account/messages/{id}", s.answerMessage)
	})
	r.Group(func(r chi.Router) {
		r.Use(s.requirePartner)
		r.Get("/partner/events/new", s.newPartnerEvent)
		r.With(offerLimit).Post("/partner/events/new", s.createPartnerEvent)
	})
	r.Get("/users/{handle}", s.profile)
	s.moderationRoutes(r)
	s.partnerRoutes(r)
}

type profileData struct {
	Person *vestiging.Person
	Handle string // @handle@host, what to search for elsewhere
	Offers []*vestiging.Offer
}

// profile is a resident's (or partner's) page, where a browser lands from
// their name on Mastodon: what their actor document says, and their
// offers and requests on the board. Servers get the actor document.
func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := s.svc.PersonByHandle(ctx, chi.URLParam(r, "handle"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := profileData{Person: p, Handle: "@" + p.Handle + "@" + s.baseURL.Host}
	data.Offers, _, err = s.svc.FindOffers(ctx, vestiging.OfferFilter{AuthorID: p.ID, Status: vestiging.OfferApproved, Limit: vestiging.MaxPageSize})
	if err != nil {
		s.fail(w, r, fmt.Errorf("offers of %s: %w", p.Handle, err))
		return
	}
	s.render(w, r, http.StatusOK, "profile", s.newPage(r, data))
}

// perResident limits a route to n an hour per signed-in person (it runs
// after requireAccount), wherever they connect from.
func (s *Server) perResident(name string, n int) func(http.Handler) http.Handler {
	return s.limit(name, n, time.Hour, visitor, "You have posted a lot in a short time. Please wait a while and try again.", s.fail)
}

// mayPost reports whether the signed-in person may act towards others
// (post, respond, reply): once their address is confirmed. It renders the
// refusal itself.
func (s *Server) mayPost(w http.ResponseWriter, r *http.Request) (*vestiging.Person, bool) {
	me := personFrom(r.Context())
	if !me.Confirmed() {
		s.errorPage(w, r, http.StatusForbidden, "Confirm your email address first; the link is in the mail we sent you.")
		return nil, false
	}
	return me, true
}

// offerKinds are the choices of the offer form and the board's filter.
var offerKinds = []struct{ Value, Label string }{
	{vestiging.OfferKindOffer, "I offer help"},
	{vestiging.OfferKindRequest, "I am looking for help"},
}

type offerFormData struct {
	Offer  *vestiging.Offer // nil when creating
	Kinds  []struct{ Value, Label string }
	Action string
}

func (s *Server) offerForm(w http.ResponseWriter, r *http.Request, status int, f *form, o *vestiging.Offer) {
	data := offerFormData{Offer: o, Kinds: offerKinds, Action: "/offers/new"}
	if o != nil {
		data.Action = fmt.Sprintf("/account/offers/%d/edit", o.ID)
	}
	p := s.newPage(r, data)
	p.Form = f
	var err error
	if p.Themes, err = s.svc.Themes(r.Context()); err != nil {
		s.fail(w, r, fmt.Errorf("offer form themes: %w", err))
		return
	}
	s.render(w, r, status, "offer_form", p)
}

func (s *Server) newOfferForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.mayPost(w, r); !ok {
		return
	}
	f := newForm(nil)
	f.Set("kind", vestiging.OfferKindOffer)
	s.offerForm(w, r, http.StatusOK, f, nil)
}

// readOffer copies the form into o; the description is Markdown.
func readOffer(f *form, o *vestiging.Offer) {
	o.Kind, o.Title, o.Theme = f.Get("kind"), f.Get("title"), f.Get("theme")
	o.DescriptionSource, o.Description = f.Get("description"), ""
	o.Area, o.Contact = strings.TrimSpace(f.Get("area")), strings.TrimSpace(f.Get("contact"))
}

func (s *Server) createOffer(w http.ResponseWriter, r *http.Request) {
	me, ok := s.mayPost(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	o := &vestiging.Offer{AuthorID: me.ID, Status: vestiging.OfferPending}
	readOffer(f, o)
	if f.Preview() {
		s.offerForm(w, r, http.StatusOK, f, nil)
		return
	}
	switch err := s.saveOffer(r, f, o, true); {
	case err != nil:
		s.fail(w, r, err)
	case !f.Valid():
		s.offerForm(w, r, http.StatusUnprocessableEntity, f, nil)
	default:
		http.Redirect(w, r, fmt.Sprintf("/account/offers?saved=%d", o.ID), http.StatusSeeOther)
	}
}

// saveOffer validates and stores a new (create) or changed offer. What the
// author must fix goes into f; the error is for anything else.
func (s *Server) saveOffer(r *http.Request, f *form, o *vestiging.Offer, create bool) error {
	err := o.Validate()
	switch {
	case err != nil:
	case create:
		err = s.svc.CreateOffer(r.Context(), o)
	default:
		err = s.svc.UpdateOffer(r.Context(), o)
	}
	return formError(f, "title", err, fmt.Sprintf("save offer %q", o.Title))
}

type myOffersData struct {
	Offers []*vestiging.Offer
	Saved  int64
	Paging paging
}

// myOffers lists the signed-in person's offers in every state, with the
// reason of a rejection.
func (s *Server) myOffers(w http.ResponseWriter, r *http.Request) {
	me := personFrom(r.Context())
	q := r.URL.Query()
	filter := vestiging.OfferFilter{AuthorID: me.ID, Limit: vestiging.DefaultPageSize}
	page, offset, err := pageNumber(q, filter.Limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	filter.Offset = offset
	data := myOffersData{}
	data.Saved, _ = strconv.ParseInt(q.Get("saved"), 10, 64)
	var total int
	if data.Offers, total, err = s.svc.FindOffers(r.Context(), filter); err != nil {
		s.fail(w, r, fmt.Errorf("my offers: %w", err))
		return
	}
	data.Paging = newPaging("/account/offers", q, page, filter.Limit, total)
	p := s.newPage(r, data)
	if p.Themes, err = s.svc.Themes(r.Context()); err != nil {
		s.fail(w, r, fmt.Errorf("my offers themes: %w", err))
		return
	}
	s.render(w, r, http.StatusOK, "my_offers", p)
}

// ownOffer loads the offer in the path when the signed-in person wrote it;
// anyone else's is not found, so ids tell nothing.
func (s *Server) ownOffer(r *http.Request) (*vestiging.Offer, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	o, err := s.svc.Offer(r.Context(), id)
	if err != nil {
		return nil, fmt.Errorf("offer %d: %w", id, err)
	}
	if o.Remote() || o.AuthorID != personFrom(r.Context()).ID {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	if o.Status == vestiging.OfferClosed {
		return nil, vestiging.Errorf(vestiging.EINVALID, "This offer is closed and can no longer be changed.")
	}
	return o, nil
}

func (s *Server) editOfferForm(w http.ResponseWriter, r *http.Request) {
	o, err := s.ownOffer(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := newForm(nil)
	for k, v := range map[string]string{"kind": o.Kind, "title": o.Title, "description": o.DescriptionSource,
		"theme": o.Theme, "area": o.Area, "contact": o.Contact} {
		f.Set(k, v)
	}
	s.offerForm(w, r, http.StatusOK, f, o)
}

// updateOffer saves the author's changes. A rejected offer goes back to
// the queue; an approved one too when the library reviews edits.
func (s *Server) updateOffer(w http.ResponseWriter, r *http.Request) {
	o, err := s.ownOffer(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	lib, err := s.svc.Library(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("library for offer edit: %w", err))
		return
	}
	f := newForm(r.PostForm)
	changed := *o
	readOffer(f, &changed)
	if f.Preview() {
		s.offerForm(w, r, http.StatusOK, f, o)
		return
	}
	if o.Status == vestiging.OfferRejected || (o.Status == vestiging.OfferApproved && lib.OfferEditsNeedReview) {
		changed.Status, changed.Reason = vestiging.OfferPending, ""
	}
	switch err := s.saveOffer(r, f, &changed, false); {
	case err != nil:
		s.fail(w, r, err)
	case !f.Valid():
		s.offerForm(w, r, http.StatusUnprocessableEntity, f, o)
	default:
		http.Redirect(w, r, fmt.Sprintf("/account/offers?saved=%d", o.ID), http.StatusSeeOther)
	}
}

// closeOffer takes an offer off the board for good: its author found help
// or no longer offers it.
func (s *Server) closeOffer(w http.ResponseWriter, r *http.Request) {
	o, err := s.ownOffer(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.svc.SetOfferStatus(r.Context(), o.ID, vestiging.OfferClosed, "", nil); err != nil {
		s.fail(w, r, fmt.Errorf("close offer %d: %w", o.ID, err))
		return
	}
	http.Redirect(w, r, "/account/offers", http.StatusSeeOther)
}

type offerData struct {
	Offer       *vestiging.Offer
	Mine        bool  // the signed-in person wrote it
	CanRespond  bool  // a signed-in person who is not the author
	RespondForm *form // the response field and its error
	Replies     *repliesView
	Fediverse   *fediverseView // for the library's own approved offers
	Back        string         // this page, for the staff's forms to return to
}

// visibleOffer loads the offer in the path as the visitor may see it: an
// approved one that is not hidden, or any of one's own; staff see all.
func (s *Server) visibleOffer(r *http.Request) (*vestiging.Offer, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	o, err := s.svc.Offer(r.Context(), id)
	if err != nil {
		return nil, fmt.Errorf("offer %d: %w", id, err)
	}
	me := personFrom(r.Context())
	public := o.Status == vestiging.OfferApproved && !o.Hidden
	if !public && !me.IsStaff() && (me == nil || o.Remote() || o.AuthorID != me.ID) {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	return o, nil
}

// offerPage shows one offer or request, its replies and, for a signed-in
// resident, the form to respond to its author.
func (s *Server) offerPage(w http.ResponseWriter, r *http.Request) {
	o, err := s.visibleOffer(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderOffer(w, r, http.StatusOK, o, newForm(nil), nil)
}

// renderOffer renders the offer page; respond and reply carry what was
// typed in either form when it was refused.
func (s *Server) renderOffer(w http.ResponseWriter, r *http.Request, status int, o *vestiging.Offer, respond, reply *form) {
	me := personFrom(r.Context())
	data := offerData{Offer: o, RespondForm: respond, Back: fmt.Sprintf("/offers/%d", o.ID)}
	data.Mine = me != nil && !o.Remote() && o.AuthorID == me.ID
	data.CanRespond = me != nil && !data.Mine && o.Status == vestiging.OfferApproved
	var err error
	if o.Status == vestiging.OfferApproved && !o.Remote() {
		if data.Replies, err = s.replies(r, vestiging.ReplyToOffer, o.ID, data.Back, reply); err != nil {
			s.fail(w, r, err)
			return
		}
		data.Replies.Private = true
		if data.Fediverse, err = s.fediverse(r, vestiging.ReplyToOffer, o.ID, data.Back); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p := s.newPage(r, data)
	if p.Themes, err = s.svc.Themes(r.Context()); err != nil {
		s.fail(w, r, fmt.Errorf("offer themes: %w", err))
		return
	}
	s.render(w, r, status, "offer", p)
}

// respond sends the author a private message about their offer: by mail
// when they are here, as a direct Note when they are elsewhere. Neither
// sees the other's address; the author answers on the site.
func (s *Server) respond(w http.ResponseWriter, r *http.Request) {
	me, ok := s.mayPost(w, r)
	if !ok {
		return
	}
	o, err := s.visibleOffer(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if o.Status != vestiging.OfferApproved || (!o.Remote() && o.AuthorID == me.ID) {
		s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "You cannot respond to this offer."))
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	m := &vestiging.Message{FromPersonID: me.ID, OfferID: o.ID, Content: vestiging.TextToHTML(f.Get("message"))}
	if o.Remote() {
		if o.AuthorActorID == nil {
			s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "You cannot respond to this offer."))
			return
		}
		m.ToActorID = *o.AuthorActorID
	} else {
		m.ToPersonID = o.AuthorID
	}
	switch err := s.sendMessage(r, f, m); {
	case err != nil:
		s.fail(w, r, err)
	case !f.Valid():
		s.renderOffer(w, r, http.StatusUnprocessableEntity, o, f, nil)
	default:
		http.Redirect(w, r, fmt.Sprintf("/account/messages/%d?sent=1", m.ID), http.StatusSeeOther)
	}
}

// repliesView is what the replies partial shows under an event, course
// or offer.
type repliesView struct {
	Replies []*vestiging.Reply
	Total   int
	Action  string // where the reply form posts
	Back    string // the page, for signing in and the staff's forms
	Form    *form
	// Status is the state of the visitor's reply just sent: pending or approved.
	Status string
	// Private: the page also takes private messages (an offer's), so the
	// replies are marked public, lest someone posts a phone number there.
	Private bool
}

// maxReplies is how many replies a page shows: a conversation, not an archive.
const maxReplies = vestiging.MaxPageSize

// replies loads the approved replies to an object for its page. f holds a
// refused reply's text and error, or nil.
func (s *Server) replies(r *http.Request, objectType string, id int64, page string, f *form) (*repliesView, error) {
	v := &repliesView{Action: page + "/replies", Back: page, Form: f}
	if v.Form == nil {
		v.Form = newForm(nil)
	}
	switch st := r.URL.Query().Get("replied"); st {
	case vestiging.ReplyPending, vestiging.ReplyApproved:
		v.Status = st
	}
	var err error
	v.Replies, v.Total, err = s.svc.Replies(r.Context(), vestiging.ReplyFilter{ObjectType: objectType, ObjectID: id,
		Status: vestiging.ReplyApproved, Limit: maxReplies})
	if err != nil {
		return nil, fmt.Errorf("replies to %s %d: %w", objectType, id, err)
	}
	return v, nil
}

// replyToEvent stores a resident's reply to one of the library's events
// or courses; the store decides whether it waits for approval.
func (s *Server) replyToEvent(w http.ResponseWriter, r *http.Request) {
	me, ok := s.mayPost(w, r)
	if !ok {
		return
	}
	e, err := s.publicEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.reply(w, r, &vestiging.Reply{ObjectType: vestiging.ReplyToEvent, ObjectID: e.ID, PersonID: me.ID},
		replyTarget{
			open: !e.Remote() && e.Status == vestiging.StatusPublished, closed: "Replies to this activity are closed.",
			page: eventPath(e), again: func(status int, f *form) { s.renderEvent(w, r, status, e, f) },
		})
}

// replyToOffer stores a resident's reply to one of the library's offers.
func (s *Server) replyToOffer(w http.ResponseWriter, r *http.Request) {
	me, ok := s.mayPost(w, r)
	if !ok {
		return
	}
	o, err := s.visibleOffer(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.reply(w, r, &vestiging.Reply{ObjectType: vestiging.ReplyToOffer, ObjectID: o.ID, PersonID: me.ID},
		replyTarget{
			open: !o.Remote() && o.Status == vestiging.OfferApproved, closed: "Replies to this offer are closed.",
			page:  fmt.Sprintf("/offers/%d", o.ID),
			again: func(status int, f *form) { s.renderOffer(w, r, status, o, newForm(nil), f) },
		})
}

// replyTarget is the page a reply answers.
type replyTarget struct {
	open   bool   // it takes replies
	closed string // why not
	page   string
	again  func(status int, f *form) // renders the page with the form (its errors, or a preview)
}

// reply validates and stores reply with the posted content, then leads
// back to the page, or shows it again with what to fix.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, reply *vestiging.Reply, t replyTarget) {
	if !t.open {
		s.fail(w, r, &vestiging.Error{Code: vestiging.EINVALID, Message: t.closed})
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	if f.Preview() {
		t.again(http.StatusOK, f)
		return
	}
	reply.ContentSource = f.Get("content")
	err := reply.Validate()
	if err == nil {
		err = s.svc.CreateReply(r.Context(), reply)
	}
	switch err := formError(f, "content", err, fmt.Sprintf("reply to %s %d", reply.ObjectType, reply.ObjectID)); {
	case err != nil:
		s.fail(w, r, err)
	case !f.Valid():
		t.again(http.StatusUnprocessableEntity, f)
	default:
		http.Redirect(w, r, replyDone(t.page, reply), http.StatusSeeOther)
	}
}

// formError puts a validation error's messages into f (under field when it
// names none of the form's) and returns any other error, wrapped with what.
func formError(f *form, field string, err error, what string) error {
	if err == nil {
		return nil
	}
	if vestiging.ErrorCode(err) != vestiging.EINVALID {
		return fmt.Errorf("%s: %w", what, err)
	}
	for k, msg := range vestiging.FieldErrors(err) {
		if f.Values.Has(k) {
			f.Add(k, msg)
		} else {
			f.Add(field, msg)
		}
	}
	if f.Valid() {
		f.Add(field, vestiging.ErrorMessage(err))
	}
	return nil
}

// replyDone is where a sent reply leads: the page, saying whether the
// reply shows or waits.
func replyDone(page string, reply *vestiging.Reply) string {
	return page + "?" + url.Values{"replied": {reply.Status}}.Encode() + "#replies"
}
