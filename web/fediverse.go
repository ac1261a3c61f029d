package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/vestiging/vestiging"
)

// interactionPath is our page for people who come from an account on
// another server to follow or reply: the template our WebFinger gives
// (federation.InteractionPath).
const interactionPath = "/authorize_interaction"

// fediverseView is what a page of the library, or of its own event,
// course or offer, shows of it in the fediverse: how often it was liked
// and shared there, and the form to follow or reply from one's own server.
type fediverseView struct {
	URI       string              // its ActivityPub id, which the reader's server is sent
	Reactions vestiging.Reactions // of an event, course or offer
	Interact  bool                // federation is on: the form is shown
}

// fediverse reads the fediverse part of the page of a public local event
// or offer (objectType ReplyToEvent or ReplyToOffer) at path.
func (s *Server) fediverse(r *http.Request, objectType string, id int64, path string) (*fediverseView, error) {
	counts, err := s.svc.Reactions(r.Context(), objectType, id)
	if err != nil {
		return nil, fmt.Errorf("reactions of %s %d: %w", objectType, id, err)
	}
	return &fediverseView{URI: s.baseURL.JoinPath(path).String(), Reactions: counts, Interact: s.network != nil}, nil
}

// interactData is the page about acting from one's own server: the form
// again with what went wrong (Here false), or our own page for someone
// who came from their server to follow URI here (Here true).
type interactData struct {
	URI   string
	Page  string // its page here, for a way back; "" for one elsewhere
	Form  *form
	Here  bool
	Login string // signing in comes back here
}

// interact sends a reader to their own server's page for following or
// answering uri, one of ours: plain form in, 303 out. Their server is
// asked by WebFinger; when it cannot say, the page says so and shows the
// address to search for there.
func (s *Server) interact(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	uri := f.Get("uri")
	page, ok := s.ourPage(uri)
	if !ok {
		s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "The form could not be read."))
		return
	}
	account := strings.TrimSpace(f.Get("account"))
	if account == "" {
		f.Add("account", "Give your server, such as mastodon.social, or your handle, such as @name@mastodon.social.")
	} else if to, err := s.network.InteractionURL(r.Context(), account, uri); err == nil {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	} else {
		s.log.Info("interaction lookup failed", "account", account, "err", err)
		f.Add("account", interactMessage(err))
	}
	s.render(w, r, http.StatusUnprocessableEntity, "interact", s.newPage(r, interactData{URI: uri, Page: page, Form: f}))
}

// interactMessage says why a reader's server could not be asked.
func interactMessage(err error) string {
	switch vestiging.ErrorCode(err) {
	case vestiging.EINVALID:
		return "Give your server, such as mastodon.social, or your handle, such as @name@mastodon.social."
	case vestiging.ENOTFOUND:
		return "Your server did not say where to follow from. Search there for the address below."
	case vestiging.EFORBIDDEN:
		return "This library does not federate with that server."
	}
	return "Your server does not answer properly. Try again later, or search there for the address below."
}

// authorizeInteraction is our page for someone who comes from their
// account elsewhere (our WebFinger's subscribe template): one of our own
// events, offers or actors is simply shown, where they can reply; one
// elsewhere, a library, a signed-in resident follows from here.
func (s *Server) authorizeInteraction(w http.ResponseWriter, r *http.Request) {
	uri := strings.TrimSpace(r.URL.Query().Get("uri"))
	if page, ok := s.ourPage(uri); ok {
		http.Redirect(w, r, page, http.StatusSeeOther)
		return
	}
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		s.errorPage(w, r, http.StatusBadRequest, "This address cannot be followed from here.")
		return
	}
	login := "/login?next=" + url.QueryEscape(interactionPath+"?uri="+url.QueryEscape(uri))
	s.render(w, r, http.StatusOK, "interact", s.newPage(r, interactData{URI: uri, Form: newForm(nil), Here: true, Login: login}))
}

// ourPage is the page here of one of our ActivityPub ids (its path, since
// ids are pages, or /library for the library's actor); ok is false for any
// other address.
func (s *Server) ourPage(uri string) (string, bool) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != s.baseURL.Scheme || !strings.EqualFold(u.Host, s.baseURL.Host) || u.User != nil {
		return "", false
	}
	path := "/" + strings.TrimPrefix(strings.TrimPrefix(u.EscapedPath(), strings.TrimSuffix(s.baseURL.Path, "/")), "/")
	if path == "/actor" {
		path = "/library"
	}
	return path, true
}
