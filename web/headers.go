package web

import (
	"net/http"
	"strings"
)

// The security headers of every response are decided here, and only here.
const (
	// csp allows the site's own styles and forms, images from anywhere
	// (remote libraries' banners, a media host) and no script at all.
	csp = "default-src 'self'; img-src 'self' https: http:; style-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'"
	// hsts: a year; browsers then refuse plain http to this host.
	hsts = "max-age=31536000"
)

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
		if embedPath(r.URL.Path) {
			h.Set("Content-Security-Policy", csp+"; frame-ancestors *")
		} else {
			h.Set("Content-Security-Policy", csp+"; frame-ancestors 'none'")
			h.Set("X-Frame-Options", "DENY")
		}
		if s.secure || r.TLS != nil {
			h.Set("Strict-Transport-Security", hsts)
		}
		next.ServeHTTP(w, r)
	})
}
