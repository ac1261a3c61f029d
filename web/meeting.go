package web

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/vestiging/vestiging"
)

// The way into an online meeting: /events/{id}/join (and a course's)
// checks that the visitor has a place, by their sign-in or by the join
// token in the link from their mail, records their attendance as check-in
// at the door does, and sends them on to the meeting. It opens
// vestiging.JoinEarly before the start and closes at the end.

// joinPath is the way into an event's online meeting; token, when given,
// is a registration's join token (for a link in a mail).
func joinPath(e *vestiging.Event, token string) string {
	p := eventPath(e) + "/join"
	if token != "" {
		p += "?" + url.Values{"token": {token}}.Encode()
	}
	return p
}

// joinMeeting answers /events/{id}/join: a 303 to the meeting, or a page
// that says why not.
func (s *Server) joinMeeting(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// The token stays out of the meeting's logs, and out of caches.
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "private, no-store")
	e, err := s.pathEvent(r)
	if err == nil && (e.Remote() || shownToPublic(e) != nil) {
		err = vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := notice{Arg: e.Title, LinkURL: eventPath(e), LinkText: "Back to the activity"}
	reg, ok := s.joiner(w, r, e, back)
	if !ok {
		return
	}
	now := s.now()
	m, ahead := e.NextMeeting(now)
	switch {
	case e.Status == vestiging.StatusCancelled:
		back.Title, back.Message = "Cancelled", "Unfortunately %s will not take place."
		s.noticePage(w, r, http.StatusGone, back)
		return
	case !ahead:
		back.Title, back.Message = "This activity has ended", "%s has ended; the online meeting is closed."
		s.noticePage(w, r, http.StatusGone, back)
		return
	case now.Before(m.Opens):
		lang := langFrom(ctx)
		back.Title, back.Message = "Not open yet", "You can join from 15 minutes before the start: %s."
		back.Arg = vestiging.FormatSpan(lang, m.Start, m.End, e.Location())
		s.noticePage(w, r, http.StatusForbidden, back)
		return
	case m.Link == "":
		back.Title, back.Message = "Not online", "This meeting of %s takes place at its location, not online."
		s.noticePage(w, r, http.StatusNotFound, back)
		return
	}
	name := ""
	if reg != nil {
		name = reg.Name
	} else if me := personFrom(ctx); me != nil {
		name = me.DisplayName
	}
	link, err := s.rooms.JoinLink(ctx, m.Link, e.Title, name)
	if err != nil {
		s.fail(w, r, fmt.Errorf("room of event %d: %w", e.ID, err))
		return
	}
	if reg != nil && reg.CheckedInAt == nil {
		if err := s.svc.CheckIn(ctx, reg.ID, true); err != nil {
			s.fail(w, r, fmt.Errorf("attendance of registration %d: %w", reg.ID, err))
			return
		}
	}
	http.Redirect(w, r, link, http.StatusSeeOther)
}

// joiner finds the visitor's place at e: by the link's join token, else
// by their sign-in. Staff without a place may go in too (nil, true), and
// no attendance is recorded for them. It answers and reports false when
// the visitor may not join.
func (s *Server) joiner(w http.ResponseWriter, r *http.Request, e *vestiging.Event, back notice) (*vestiging.Registration, bool) {
	ctx := r.Context()
	me := personFrom(ctx)
	var reg *vestiging.Registration
	var err error
	switch token := r.URL.Query().Get("token"); {
	case token != "":
		reg, err = s.svc.RegistrationByJoinToken(ctx, token)
		if err == nil && reg.EventID != e.ID {
			err = vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
		}
		if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
			s.noticePage(w, r, http.StatusNotFound, notice{Title: "Unknown link",
				Message: "We do not know this link. Check that you copied the whole address from the mail.", LinkURL: eventPath(e), LinkText: "Back to the activity"})
			return nil, false
		}
	case me != nil:
		reg, err = s.svc.ActiveRegistration(ctx, e.ID, me.ID, 0)
		if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
			reg, err = nil, nil
		}
	default:
		back.Title, back.Message = "Sign in to join", "Sign in to join %s online, or use the link in the mail about your place."
		back.LinkURL, back.LinkText = "/login?"+url.Values{"next": {joinPath(e, "")}}.Encode(), "Sign in"
		s.noticePage(w, r, http.StatusUnauthorized, back)
		return nil, false
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("registration for joining event %d: %w", e.ID, err))
		return nil, false
	}
	switch {
	case reg != nil && reg.Holds() && !reg.Online(e):
		back.Title, back.Message = "Your place is in the library", "Your place at %s is in the library, not online."
	case reg != nil && reg.Holds():
		return reg, true
	case reg == nil && me.IsStaff():
		return nil, true
	case reg != nil && reg.State == vestiging.RegistrationWaitlisted:
		back.Title, back.Message = "You are on the waitlist", "You are on the waitlist for %s. The link to join online comes with your place."
	default:
		back.Title, back.Message = "No place", "Unfortunately there is no place for you at %s."
	}
	s.noticePage(w, r, http.StatusForbidden, back)
	return nil, false
}
