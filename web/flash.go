package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/vestiging/vestiging"
)

// A flash is the message after an action (saved, cancelled, …),
// carried in a short-lived cookie across the redirect that follows the
// POST, and shown once by the next page.

const flashCookie = "flash"

// flashMessages are the messages a flash may carry (English catalog
// keys, %s the title of what was acted on): the cookie names one, so it
// cannot carry text of its own onto a page.
var flashMessages = map[string]string{
	"saved":     "“%s” has been saved.",
	"published": "“%s” has been published.",
	"draft":     "“%s” has been saved as a draft.",
	"cancelled": "“%s” has been cancelled. Everyone who signed up is being told.",
	"deleted":   "“%s” has been deleted.",
	"capacity":  "The places of “%s” have been changed.",
	"moved":     "The registration has been moved.",
	"checkin":   "Attendance has been saved.",
	"signup":    "Sign-up for “%s” has been changed.",
	"library":   "The library profile has been saved.",
}

// flash sets the message of key for the next page; title fills its %s.
func (s *Server) flash(w http.ResponseWriter, key, title string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(key + "\n" + title), Path: "/",
		MaxAge: 60, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// flashFrom reads the flash of r in lang; "" when there is none.
func (s *Server) flashFrom(r *http.Request, lang string) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	v, err := url.QueryUnescape(c.Value)
	if err != nil {
		return ""
	}
	key, title, _ := strings.Cut(v, "\n")
	msg, ok := flashMessages[key]
	if !ok {
		return ""
	}
	msg = s.locales.T(lang, msg)
	if strings.Contains(msg, "%s") {
		msg = strings.Replace(msg, "%s", title, 1)
	}
	return msg
}

// clearFlash removes the flash once a page has shown it.
func (s *Server) clearFlash(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// asStaff is r's context saying the signed-in staff member acts, so the
// store logs the programme changes made with it (vestiging.ActingStaff).
func asStaff(r *http.Request) context.Context {
	return vestiging.ActingStaff(r.Context(), personFrom(r.Context()).ID)
}
