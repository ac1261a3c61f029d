package federation

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/vestiging/vestiging"
)

// ContentTypeActivityJSON is the Content-Type of every AS2 document served.
const ContentTypeActivityJSON = ContentTypeActivity + "; charset=utf-8"

// routes is the Federator's HTTP handler, built once on first use so New
// stays as it is.
type routes struct {
	once sync.Once
	h    http.Handler
}

// ServeHTTP serves discovery (WebFinger, host-meta, NodeInfo), the library
// actor and its collections, the AS2 form of local events, courses and
// offers, and the inboxes. The web mounts it and asks WantsActivity before
// handing it /events/{id} and the like.
func (f *Federator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.routes.once.Do(func() { f.routes.h = f.router() })
	f.routes.h.ServeHTTP(w, r)
}

func (f *Federator) router() http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.GetHead) // HEAD answers as GET does, without the body
	r.Get("/.well-known/webfinger", f.serveWebFinger)
	r.Get("/.well-known/host-meta", f.serveHostMeta)
	r.Get("/.well-known/nodeinfo", f.serveNodeInfoLinks)
	r.Get("/nodeinfo/2.1", f.serveNodeInfo)
	// The actor document stays public even with authorized fetch: peers
	// need its key to check our signatures, including those on our GETs.
	r.Get("/actor", f.serveActor)
	r.Get("/users/{handle}", f.servePerson)
	// A boost's link in Mastodon is the Announce's id, and a resident's
	// reply has no page of its own: browsers are sent to the page of what
	// they are about, servers get the document.
	r.With(f.browsersTo(f.activityPage), f.requireSignedFetch).Get("/activities/{id}", f.serveActivity)
	r.With(f.browsersTo(f.replyPage), f.requireSignedFetch).Get("/replies/{id}", f.serveObject(KindReply))
	r.Group(func(r chi.Router) {
		r.Use(f.requireSignedFetch)
		r.Get("/actor/outbox", f.serveOutbox)
		r.Get("/actor/followers", f.serveFollowers)
		r.Get("/actor/following", f.serveFollowing)
		r.Get("/actor/libraries", f.serveLibraries)
		r.Get("/actor/featured", f.serveFeatured)
		r.Get("/actor/upcoming", f.serveUpcoming)
		r.Get("/events/{id}", f.serveObject(vestiging.KindEvent))
		r.Get("/courses/{id}", f.serveObject(vestiging.KindCourse))
		r.Get("/offers/{id}", f.serveObject(KindOffer))
		r.Get("/events/{id}/replies", f.serveReplies(vestiging.KindEvent))
		r.Get("/courses/{id}/replies", f.serveReplies(vestiging.KindCourse))
		r.Get("/offers/{id}/replies", f.serveReplies(KindOffer))
		r.Get("/users/{handle}/outbox", f.servePersonCollection("outbox"))
		r.Get("/users/{handle}/followers", f.servePersonCollection("followers"))
		r.Get("/users/{handle}/following", f.servePersonCollection("following"))
		r.Get("/users/{handle}/featured", f.servePersonCollection("featured"))
	})
	r.Post("/inbox", f.Inbox)
	r.Post("/actor/inbox", f.Inbox)
	r.Post("/users/{handle}/inbox", f.Inbox)
	return r
}

// WantsActivity reports whether a request asks for ActivityStreams rather
// than HTML: its Accept names application/activity+json, or
// application/ld+json with the AS2 profile, with a quality above that of
// text/html (on a tie, whichever comes first wins).
func (f *Federator) WantsActivity(r *http.Request) bool {
	return wantsActivity(r.Header.Values("Accept"))
}

func wantsActivity(accept []string) bool {
	as2, html := -1.0, -1.0
	as2At, htmlAt := 0, 0
	i := 0
	for _, h := range accept {
		for _, part := range splitAccept(h) {
			i++
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(s, 64); err != nil || q < 0 || q > 1 {
					continue
				}
			}
			switch {
			case mt == ContentTypeActivity || mt == "application/ld+json" && hasAS2Profile(params["profile"]):
				if q > as2 {
					as2, as2At = q, i
				}
			case mt == "text/html" || mt == "application/xhtml+xml":
				if q > html {
					html, htmlAt = q, i
				}
			}
		}
	}
	if as2 <= 0 {
		return false
	}
	return as2 > html || as2 == html && as2At < htmlAt
}

// splitAccept splits an Accept header at the commas outside quoted strings
// (a profile parameter is a quoted URI list).
func splitAccept(h string) []string {
	var parts []string
	quoted, escaped, start := false, false, 0
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case escaped:
			escaped = false
		case c == '\\' && quoted:
			escaped = true
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			parts = append(parts, strings.TrimSpace(h[start:i]))
			start = i + 1
		}
	}
	return append(parts, strings.TrimSpace(h[start:]))
}

// hasAS2Profile reports whether a profile parameter (a space-separated
// list of URIs) names ActivityStreams.
func hasAS2Profile(profile string) bool {
	for _, p := range strings.Fields(profile) {
		if strings.TrimSuffix(p, "#") == ActivityStreamsContext {
			return true
		}
	}
	return false
}

// browsersTo redirects a request that does not ask for ActivityStreams
// (a browser following a link) to the page page finds for it.
func (f *Federator) browsersTo(page func(r *http.Request) (string, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Vary", "Accept")
			if f.WantsActivity(r) {
				next.ServeHTTP(w, r)
				return
			}
			to, err := page(r)
			if err != nil {
				f.serveError(w, r, err)
				return
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
		})
	}
}

// requireSignedFetch refuses unsigned or badly signed GETs with 401 when
// Config.AuthorizedFetch is set, and signers from hosts the domain rules
// refuse with 403.
func (f *Federator) requireSignedFetch(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.cfg.AuthorizedFetch {
			next.ServeHTTP(w, r)
			return
		}
		keyID, err := Verify(r, nil, f.now(), f.fetchKey)
		if err != nil {
			var se *SignatureError
			status := http.StatusUnauthorized
			if errors.As(err, &se) {
				status = se.Status()
			}
			if vestiging.ErrorCode(err) == vestiging.EFORBIDDEN {
				status = http.StatusForbidden
			}
			w.Header().Set("Vary", "Accept, Signature")
			http.Error(w, http.StatusText(status), status)
			return
		}
		// A host that signs its requests is up, whatever its deliveries said.
		f.signedBy(r.Context(), iriHost(keyID))
		next.ServeHTTP(w, r)
	})
}

// fetchKey is the KeyFunc of signed GETs: the key cache of the inbox,
// after the domain rules, which are checked before any fetch.
func (f *Federator) fetchKey(ctx context.Context, keyID string) (*rsa.PublicKey, error) {
	if err := f.checkDomain(ctx, iriHost(keyID)); err != nil {
		return nil, err
	}
	k, _, err := f.publicKey(ctx, keyID, false)
	if err != nil {
		return nil, err
	}
	return k.key, nil
}

// checkDomain is hostRefused as an error: EFORBIDDEN when the domain
// rules refuse host.
func (f *Federator) checkDomain(ctx context.Context, host string) error {
	refused, err := f.hostRefused(ctx, host)
	if err != nil {
		return err
	}
	if refused {
		return vestiging.Errorf(vestiging.EFORBIDDEN, "The host %s does not federate with this library.", host)
	}
	return nil
}

// writeActivity writes an AS2 document; a map gets the @context.
func (f *Federator) writeActivity(w http.ResponseWriter, r *http.Request, doc any) {
	f.writeActivityStatus(w, r, http.StatusOK, doc)
}

// writeActivityStatus is writeActivity with another status than 200.
func (f *Federator) writeActivityStatus(w http.ResponseWriter, r *http.Request, status int, doc any) {
	if m, ok := doc.(map[string]any); ok {
		if _, has := m["@context"]; !has {
			m["@context"] = Context
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		f.serveError(w, r, fmt.Errorf("encode %s: %w", r.URL.Path, err))
		return
	}
	w.Header().Set("Content-Type", ContentTypeActivityJSON)
	w.Header().Set("Vary", "Accept")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// serveError answers with the status of the error's code; the details of
// internal errors go to the log only.
func (f *Federator) serveError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	switch vestiging.ErrorCode(err) {
	case vestiging.ENOTFOUND:
		status = http.StatusNotFound
	case vestiging.EINVALID:
		status = http.StatusBadRequest
	case vestiging.EFORBIDDEN:
		status = http.StatusForbidden
	case vestiging.EUNAVAILABLE:
		status = http.StatusServiceUnavailable
	default:
		f.log.ErrorContext(r.Context(), "federation request", "path", r.URL.Path, "err", err)
	}
	http.Error(w, vestiging.ErrorMessage(err), status)
}

// pathID reads the numeric {id} of a route; anything else is not found.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	return id, nil
}
