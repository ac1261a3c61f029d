package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
)

// followTimeout bounds looking up and asking a library to follow, so staff
// see an answer next to the field within seconds even for a dead host.
const followTimeout = 10 * time.Second

// followNetworkTimeout bounds following a whole network: a few hundred
// libraries, looked up a few at a time.
const followNetworkTimeout = time.Minute

// followersPageSize keeps the followers list short: it is for checking, not reading.
const followersPageSize = 50

type networkData struct {
	Followings     []*vestiging.Following
	FollowingTotal int
	Followers      []*vestiging.Follower
	FollowerTotal  int
	Paging         paging
	Hosts          []*vestiging.Host
	Unreachable    map[int64]*vestiging.Host // followed libraries whose server is unavailable, by actor ID
	Rules          []*vestiging.DomainRule
	Now            time.Time
	Accepted       bool                     // some follow was accepted: the network can be joined
	Joined         *vestiging.NetworkResult // what "follow every library" just did
}

// networkPage is the staff overview of federation: whom the library
// follows, who follows it, how deliveries fare per host, and domain rules.
func (s *Server) networkPage(w http.ResponseWriter, r *http.Request) {
	s.renderNetwork(w, r, http.StatusOK, newForm(nil))
}

func (s *Server) renderNetwork(w http.ResponseWriter, r *http.Request, status int, f *form) {
	s.renderNetworkJoined(w, r, status, f, nil)
}

func (s *Server) renderNetworkJoined(w http.ResponseWriter, r *http.Request, status int, f *form, joined *vestiging.NetworkResult) {
	ctx := r.Context()
	q := r.URL.Query()
	page, offset, err := pageNumber(q, followersPageSize)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := networkData{Now: s.now(), Joined: joined}
	if data.Followings, data.FollowingTotal, err = s.fed.Followings(ctx, 0, vestiging.MaxPageSize); err != nil {
		s.fail(w, r, fmt.Errorf("network following: %w", err))
		return
	}
	if data.Followers, data.FollowerTotal, err = s.fed.Followers(ctx, offset, followersPageSize); err != nil {
		s.fail(w, r, fmt.Errorf("network followers: %w", err))
		return
	}
	for _, fl := range data.Followings {
		data.Accepted = data.Accepted || fl.State == vestiging.FollowAccepted
	}
	data.Paging = newPaging("/staff/network", q, page, followersPageSize, data.FollowerTotal)
	if data.Hosts, err = s.fed.Hosts(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("network hosts: %w", err))
		return
	}
	data.Unreachable = unreachable(data.Followings, data.Hosts)
	if data.Rules, err = s.fed.DomainRules(ctx); err != nil {
		s.fail(w, r, fmt.Errorf("network domain rules: %w", err))
		return
	}
	p := s.newPage(r, data)
	p.Form = f
	s.render(w, r, status, "staff_network", p)
}

// unreachable picks the followed libraries whose server is marked
// unavailable: nothing is sent to them until it answers again.
func unreachable(fs []*vestiging.Following, hosts []*vestiging.Host) map[int64]*vestiging.Host {
	down := map[string]*vestiging.Host{}
	for _, h := range hosts {
		if h.Unavailable() {
			down[h.Host] = h
		}
	}
	out := map[int64]*vestiging.Host{}
	for _, f := range fs {
		if u, err := url.Parse(f.Actor.IRI); err == nil && down[strings.ToLower(u.Host)] != nil {
			out[f.Actor.ID] = down[strings.ToLower(u.Host)]
		}
	}
	return out
}

// follow asks another library to be followed, by handle or address. Its
// errors are the staff's to fix (a typo, an unknown library, a host that
// does not answer), so they are shown next to the field.
func (s *Server) follow(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	target := f.Get("target")
	if target == "" {
		f.Add("target", "Give a handle such as @agenda@bibliotheek.example.nl, or an address.")
		s.renderNetwork(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), followTimeout)
	defer cancel()
	if _, err := s.network.Follow(ctx, target); err != nil {
		s.log.Info("follow failed", "target", target, "err", err)
		f.Add("target", followMessage(err))
		s.renderNetwork(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	http.Redirect(w, r, "/staff/network", http.StatusSeeOther)
}

// followMessage explains a failed follow: the domain's message when it has
// one for people, else that the library could not be reached.
func followMessage(err error) string {
	switch vestiging.ErrorCode(err) {
	case vestiging.EINVALID, vestiging.ENOTFOUND, vestiging.EFORBIDDEN, vestiging.ECONFLICT:
		if msg := vestiging.ErrorMessage(err); msg != "" {
			return msg
		}
	}
	return "That library could not be reached. Check the handle or address and try again later."
}

// followNetwork follows every library the followed libraries follow and
// shows how many there were: the answer is the page itself, so staff see
// the new follows waiting for their Accept.
func (s *Server) followNetwork(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), followNetworkTimeout)
	defer cancel()
	res, err := s.network.FollowNetwork(ctx)
	if err != nil {
		s.fail(w, r, fmt.Errorf("follow network: %w", err))
		return
	}
	s.renderNetworkJoined(w, r, http.StatusOK, newForm(nil), res)
}

func (s *Server) unfollow(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id, err := strconv.ParseInt(r.PostForm.Get("actor"), 10, 64)
	if err != nil || id < 1 {
		s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "The form could not be read."))
		return
	}
	if err := s.network.Unfollow(r.Context(), id); err != nil {
		s.fail(w, r, fmt.Errorf("unfollow %d: %w", id, err))
		return
	}
	http.Redirect(w, r, "/staff/network", http.StatusSeeOther)
}

func (s *Server) addDomainRule(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	rule := &vestiging.DomainRule{Host: f.Get("host"), Mode: f.Get("mode"), Reason: f.Get("reason"), CreatedAt: s.now()}
	err := rule.Validate()
	if err == nil {
		// Blocking and silencing hide content and end follows: the store
		// does it with the audit entry, in one transaction.
		err = s.svc.ApplyDomainRule(r.Context(), rule, s.auditEntry(r, "domain."+rule.Mode, rule.Host, rule.Reason))
	}
	switch vestiging.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/staff/network#rules", http.StatusSeeOther)
		return
	case vestiging.EINVALID:
		f.AddDomain(vestiging.FieldErrors(err))
	default:
		s.fail(w, r, fmt.Errorf("domain rule %q: %w", rule.Host, err))
		return
	}
	s.renderNetwork(w, r, http.StatusUnprocessableEntity, f)
}

func (s *Server) removeDomainRule(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	host := r.PostForm.Get("host")
	if err := s.svc.LiftDomainRule(r.Context(), host, s.auditEntry(r, "domain.lift", host, "")); err != nil {
		s.fail(w, r, fmt.Errorf("remove domain rule %q: %w", host, err))
		return
	}
	http.Redirect(w, r, "/staff/network#rules", http.StatusSeeOther)
}

type deleteEventData struct {
	Event *vestiging.Event
}

// confirmDeleteEvent asks before deleting: a delete cannot be undone, and
// followers remove the event too.
func (s *Server) confirmDeleteEvent(w http.ResponseWriter, r *http.Request) {
	e, err := s.staffEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "staff_delete", s.newPage(r, deleteEventData{Event: e}))
}

func (s *Server) deleteEvent(w http.ResponseWriter, r *http.Request) {
	e, err := s.staffEvent(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.svc.DeleteEvent(asStaff(r), e.ID); err != nil {
		s.fail(w, r, fmt.Errorf("delete event %d: %w", e.ID, err))
		return
	}
	s.flash(w, "deleted", e.Title)
	http.Redirect(w, r, "/staff/", http.StatusSeeOther)
}
