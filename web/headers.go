package web

import (
	"net/http"
	"strings"
)

// The security headers of every response are decided here, and only here.
const (
	// csp allows the site's own styles, scripts and forms, and images from
	// anywhere (remote libraries' banners, a media host, the map's tiles).
	// The scripts (the map, copying a link) only enhance pages that work
	// without them.
	csp = "default-src 'self'; img-src 'self' https: http:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'"
	// formSelf keeps forms on the site; the pages of events, courses,
	// offers and the library have one more: their share form's and their
	// "follow or reply from your own server" form's answers send the reader
	// on to their own server (travel.go, fediverse.go), which browsers check
	// against form-action too.
	formSelf  = "; form-action 'self'"
	formShare = "; form-action 'self' https:"
	// hsts: a year; browsers then refuse plain http to this host.
	hsts = "max-age=31536000"
)

// sendsOnward reports whether the page at path has a form whose answer
// sends the reader to their own server: an event's, course's or offer's,
// the library's, and the interaction form shown again.
func sendsOnward(path string) bool {
	if path == "/library" || path == "/interact" {
		return true
	}
	return isObjectPath(path) && !strings.HasPrefix(path, "/users/")
}

// embedPath reports whether path is an embeddable page (the agenda that
// libraries show inside their own websites): only those may be framed.
func embedPath(path string) bool {
	return strings.HasPrefix(path, "/embed/")
}

// securityHeaders sets the security headers before the handler runs, so
// error pages, static files and ActivityPub documents get them too.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		form := formSelf
		if sendsOnward(r.URL.Path) {
			form = formShare
		}
		if embedPath(r.URL.Path) {
			h.Set("Content-Security-Policy", csp+form+"; frame-ancestors *")
		} else {
			h.Set("Content-Security-Policy", csp+form+"; frame-ancestors 'none'")
			h.Set("X-Frame-Options", "DENY")
		}
		if s.secure || r.TLS != nil {
			h.Set("Strict-Transport-Security", hsts)
		}
		next.ServeHTTP(w, r)
	})
}
