// Package web is the HTTP layer: server-rendered HTML pages for the public,
// sign-in, and the staff area, over the root package's service interfaces.
package web

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"
	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/media"
	"github.com/vestiging/vestiging/metrics"
)

//go:embed templates/*.html static/*
var assets embed.FS

// maxBodyBytes caps request bodies: far more than any form needs, small
// enough that a pasted file cannot tie up the server.
const maxBodyBytes = 1 << 20

// Config is what the server needs from the outside.
type Config struct {
	Services vestiging.Services
	BaseURL  *url.URL
	Clock    vestiging.Clock
	Logger   *slog.Logger
	// TrustedProxies are the reverse proxies whose X-Forwarded-For, -Proto
	// and -Host are believed; empty believes no one.
	TrustedProxies []netip.Prefix

	// Federation, all optional: nil serves the site without it.
	ActivityPub ActivityPub                 // discovery, actor, inboxes, AS2 documents
	Network     Network                     // following other libraries from the staff pages
	Federation  vestiging.FederationService // followers, hosts and domain rules for the staff pages
	Reports     Reporter                    // reporting remote content to its server from the moderation pages

	// Operations, all optional.
	Ready        func(ctx context.Context) error // /readyz: database and job queue; nil pings the database
	Metrics      *metrics.Metrics                // counts requests; nil counts nothing
	ServeMetrics bool                            // serve Metrics at /metrics, to local scrapers only

	// Locales are the translations; nil is the built-in ones (web/locales)
	// and the theme's.
	Locales *Locales
	// Theme replaces templates and adds styles, images and languages; nil
	// is the built-in look (see OpenTheme).
	Theme *Theme

	// MapTiles is the address of the map's tiles, {z}/{x}/{y} in it;
	// empty is OpenStreetMap's. MapAttribution credits them ("" with the
	// default tiles: OpenStreetMap's contributors).
	MapTiles       string
	MapAttribution string

	// Rooms makes online rooms on the library's own meeting server;
	// nil: staff paste a link.
	Rooms *Rooms

	// Uploads, optional: nil Media takes none.
	Media    *media.Store
	MediaURL *url.URL // where /media/ is seen; nil is the base URL's. Another host serves only uploads.
}

// ActivityPub serves the ActivityPub side of the site. WantsActivity
// reports whether a request asks for AS2 JSON rather than HTML; Acct is the
// library's account, "acct:agenda@host", which the pages show so people
// can follow it.
type ActivityPub interface {
	http.Handler
	WantsActivity(r *http.Request) bool
	Acct() string
}

// Network follows and unfollows other libraries, as the library or as a
// resident's own actor.
type Network interface {
	Follow(ctx context.Context, target string) (*vestiging.Following, error)
	Unfollow(ctx context.Context, actorID int64) error
	// FollowNetwork follows the libraries that the followed libraries
	// follow; each still has to accept.
	FollowNetwork(ctx context.Context) (*vestiging.NetworkResult, error)
	FollowAs(ctx context.Context, p *vestiging.Person, target string) (*vestiging.PersonFollowing, error)
	UnfollowAs(ctx context.Context, p *vestiging.Person, actorID int64) error
	// InteractionURL is where a reader with account (a handle, or their
	// server) follows or answers uri, one of ours, on their own server.
	InteractionURL(ctx context.Context, account, uri string) (string, error)
}

// Server is the HTTP handler of the whole site.
type Server struct {
	svc       vestiging.Services
	ap        ActivityPub
	network   Network
	fed       vestiging.FederationService
	reports   Reporter
	baseURL   *url.URL
	now       vestiging.Clock
	log       *slog.Logger
	secure    bool // the base URL is https: cookies always Secure, HSTS always sent
	proxies   []netip.Prefix
	templates *templates
	locales   *Locales
	theme     *Theme
	handler   http.Handler

	ready        func(ctx context.Context) error
	metrics      *metrics.Metrics
	serveMetrics bool

	media     *media.Store
	mediaURL  *url.URL // the base of uploads' addresses, ending in /media/
	mediaHost string   // set when uploads have a host of their own
	icons     iconCache

	tiles, tilesAttribution string // the map's tiles and whose they are
	rooms                   *Rooms
}

// New builds the server and its routes. It panics when the embedded
// templates do not parse, which the tests catch.
func New(cfg Config) *Server {
	s := &Server{svc: cfg.Services, baseURL: cfg.BaseURL, now: cfg.Clock, log: cfg.Logger,
		ap: cfg.ActivityPub, network: cfg.Network, fed: cfg.Federation, reports: cfg.Reports, proxies: cfg.TrustedProxies}
	s.ready, s.metrics, s.serveMetrics = cfg.Ready, cfg.Metrics, cfg.ServeMetrics
	if s.ready == nil {
		s.ready = s.svc.Ping
	}
	if s.now == nil {
		s.now = vestiging.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.baseURL == nil {
		s.baseURL = &url.URL{Scheme: "http", Host: "localhost"}
	}
	s.media, s.mediaURL = cfg.Media, cfg.MediaURL
	if s.mediaURL == nil {
		s.mediaURL = s.baseURL.JoinPath("/media/")
	} else if !strings.EqualFold(s.mediaURL.Host, s.baseURL.Host) {
		s.mediaHost = s.mediaURL.Host
	}
	s.rooms = cfg.Rooms
	s.tiles, s.tilesAttribution = cfg.MapTiles, cfg.MapAttribution
	if s.tiles == "" {
		s.tiles = DefaultMapTiles
	}
	if s.tiles == DefaultMapTiles && s.tilesAttribution == "" {
		s.tilesAttribution = osmAttribution
	}
	s.secure = s.baseURL.Scheme == "https"
	s.theme, s.locales = cfg.Theme, cfg.Locales
	if s.locales == nil && s.theme != nil {
		s.locales = s.theme.locales
	}
	if s.locales == nil {
		s.locales = builtin()
	}
	s.templates = s.mustParseTemplates()

	r := chi.NewRouter()
	r.Use(middleware.GetHead) // HEAD answers like GET, for link checkers and monitors
	r.Use(noteRoute)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { s.notFound(w, r) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusMethodNotAllowed, "This address does not accept that request.")
	})

	static, err := fs.Sub(assets, "static")
	if err != nil {
		panic(err)
	}
	r.Handle("/static/*", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	s.themeRoutes(r)

	r.Get("/", s.home)
	s.lookRoutes(r)
	s.feedRoutes(r)
	r.Get("/agenda", s.agenda)
	r.Get("/events/{id}", s.eventPage)
	r.Get("/courses/{id}", s.coursePage)
	r.Get("/events/{id}.ics", s.eventICS)
	r.Get("/courses/{id}.ics", s.eventICS)
	r.Post("/events/{id}/share", s.shareEvent)
	r.Post("/courses/{id}/share", s.shareEvent)
	r.Get("/offers", s.offers)
	r.Get("/offers/{id}", s.offerPage)
	r.Get("/library", s.libraryPage)
	if s.ap != nil && s.fed != nil {
		// One page about the libraries one can follow; the network page was
		// merged into it.
		r.Get("/network", http.RedirectHandler("/libraries", http.StatusMovedPermanently).ServeHTTP)
		r.Get("/libraries", s.directory)
	}
	r.With(s.requireAccount).Get("/my/agenda", s.myAgenda)
	if s.network != nil {
		r.Post("/interact", s.interact)
		r.Get(interactionPath, s.authorizeInteraction)
	}
	if s.network != nil && s.fed != nil {
		r.Route("/account/following", func(r chi.Router) {
			r.Use(s.requireAccount)
			r.Get("/", s.followingPage)
			r.Post("/", s.followAsResident)
			r.Post("/unfollow", s.unfollowAsResident)
		})
	}

	r.Get("/login", s.loginForm)
	r.With(s.limit("login", 10, time.Minute, visitor, tooManyAttempts, s.fail)).Post("/login", s.login)
	r.Post("/logout", s.logout)

	// Sign-up and the password mail cost a hash and a mail each: as
	// limited as sign-in, so nobody floods an inbox from here.
	mailLimit := s.limit("mail", 10, time.Minute, visitor, tooManyAttempts, s.fail)
	r.Get("/signup", s.signupForm)
	r.With(mailLimit).Post("/signup", s.signup)
	r.Get("/confirm", s.confirmPage)
	r.Post("/confirm", s.confirm)
	r.Get("/password/forgot", s.forgotForm)
	r.With(mailLimit).Post("/password/forgot", s.forgot)
	r.Get("/password/reset", s.resetForm)
	r.With(mailLimit).Post("/password/reset", s.reset)
	account := r.With(s.requireAccount)
	account.Get("/account", s.accountPage)
	account.Post("/account", s.updateAccount)
	checkLimit := s.limit("password-check", passwordChecks, passwordCheckWindow, visitor, tooManyChecks, s.fail)
	account.With(checkLimit).Post("/account/password", s.changePassword)
	account.With(mailLimit).Post("/account/confirm", s.resendConfirmation)
	account.Get("/account/export", s.exportAccount)
	account.Get("/account/delete", s.deleteAccountForm)
	account.With(checkLimit).Post("/account/delete", s.deleteAccount)

	r.Route("/staff", func(r chi.Router) {
		r.Use(s.requireStaff)
		r.Get("/", s.dashboard)
		r.Get("/events/new", s.newEvent)
		r.Post("/events/new", s.createEvent)
		r.Get("/events/{id}/edit", s.editEvent)
		r.Post("/events/{id}/edit", s.updateEvent)
		r.Post("/events/{id}/publish", s.publishEvent)
		r.Get("/events/{id}/cancel", s.confirmCancel)
		r.Post("/events/{id}/cancel", s.cancelEvent)
		r.Get("/events/{id}/delete", s.confirmDeleteEvent)
		r.Post("/events/{id}/delete", s.deleteEvent)
		r.Get("/courses/new", s.newCourse)
		r.Post("/courses/new", s.createCourse)
		r.Get("/courses/{id}/edit", s.editCourse)
		r.Post("/courses/{id}/edit", s.updateCourse)
		// Offers are moderated with everything else now.
		r.Get("/offers", http.RedirectHandler("/staff/moderation#offers-heading", http.StatusMovedPermanently).ServeHTTP)
		r.Group(func(r chi.Router) {
			r.Use(s.requireAdmin)
			r.Get("/library", s.editLibrary)
			r.Post("/library", s.updateLibrary)
			r.Get("/branches/new", s.newBranch)
			r.Post("/branches/new", s.createBranch)
			r.Get("/branches/{id}/edit", s.editBranch)
			r.Post("/branches/{id}/edit", s.updateBranch)
		})
		r.Get("/themes", s.themesPage)
		r.Post("/themes", s.createTheme)
		s.placeRoutes(r)
		r.Get("/feeds", s.staffFeeds)
		r.Get("/statistics", s.statisticsPage)
		r.Get("/statistics.csv", s.statisticsCSV)
		r.Get("/statistics.xlsx", s.statisticsXLSX)
		if s.network != nil && s.fed != nil {
			r.Get("/network", s.networkPage)
			r.Post("/network/follow", s.follow)
			r.Post("/network/unfollow", s.unfollow)
			r.Post("/network/follow-all", s.followNetwork)
			r.With(s.requireAdmin).Post("/network/rules", s.addDomainRule)
			r.With(s.requireAdmin).Post("/network/rules/remove", s.removeDomainRule)
		}
	})
	s.registrationRoutes(r)
	s.pageRoutes(r)
	s.communityRoutes(r)
	s.adminRoutes(r)
	s.integrationRoutes(r)

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusForbidden, "This form was sent from another site and has been refused.")
	}))
	// The middleware runs outside the cross-origin check so its deny page
	// is rendered in the visitor's language, like every other page.
	s.handler = s.recoverPanic(limitBody(s.language(s.authenticate(cop.Handler(r)))))
	if s.ap != nil {
		s.handler = s.federate(s.handler)
	}
	s.handler = s.probes(s.mediaDoor(s.handler))
	s.handler = s.observe(s.handler) // every request is logged and counted
	// Outside the log and the probes, which see the visitor a trusted proxy
	// forwarded (so /metrics stays local behind a proxy); the security
	// headers go on every response.
	s.handler = s.securityHeaders(s.forwarded(s.handler))
	return s
}

// federate sends ActivityPub traffic to the federator before the site's
// middleware: servers post to inboxes without a browser's origin headers
// or cookies, and the inbox caps and answers oversized bodies itself.
// Objects with an HTML page answer AS2 JSON only when asked for it.
func (s *Server) federate(site http.Handler) http.Handler {
	ap := s.recoverPanic(s.ap)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		switch {
		case path == "/actor":
			w.Header().Add("Vary", "Accept")
			if !s.ap.WantsActivity(r) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				http.Redirect(w, r, "/library", http.StatusFound) // a browser wants the library's page
				return
			}
			ap.ServeHTTP(w, r)
		case isFederationPath(path):
			ap.ServeHTTP(w, r)
		case isObjectPath(path):
			w.Header().Add("Vary", "Accept")
			if (r.Method == http.MethodGet || r.Method == http.MethodHead) && s.ap.WantsActivity(r) {
				ap.ServeHTTP(w, r)
				return
			}
			site.ServeHTTP(w, r)
		default:
			site.ServeHTTP(w, r)
		}
	})
}

// isFederationPath reports whether path belongs to the federator alone.
func isFederationPath(path string) bool {
	switch path {
	case "/.well-known/webfinger", "/.well-known/host-meta", "/.well-known/nodeinfo", "/nodeinfo/2.1", "/inbox":
		return true
	}
	// A resident's reply has no page of its own: it is shown under what it
	// answers. Their actor's inbox and collections are the federator's.
	if rest, ok := strings.CutPrefix(path, "/users/"); ok {
		return strings.Contains(rest, "/")
	}
	return strings.HasPrefix(path, "/actor/") || strings.HasPrefix(path, "/activities/") || strings.HasPrefix(path, "/replies/")
}

// isObjectPath reports whether path is an event, course, offer or
// resident, which have both an HTML page and an AS2 document, or the
// replies of an event, course or offer: AS2 for servers, where residents
// post their replies.
func isObjectPath(path string) bool {
	for _, prefix := range []string{"/events/", "/courses/", "/offers/", "/users/"} {
		if id, ok := strings.CutPrefix(path, prefix); ok {
			if replies, ok := strings.CutSuffix(id, "/replies"); ok && prefix != "/users/" {
				id = replies
			}
			return id != "" && !strings.Contains(id, "/")
		}
	}
	return false
}

// AddWorkers registers the web's job workers, which write mails in the
// site's words: call it before the jobs start.
func (s *Server) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &registrationMailWorker{s: s})
	river.AddWorker(w, &messageMailWorker{s: s})
	river.AddWorker(w, &offerMailWorker{s: s})
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// clientIP is the visitor's address, which keys the rate limits of those
// not signed in: the peer's, or the one a trusted proxy forwarded (see
// forwarded).
func clientIP(r *http.Request) (string, error) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return httprate.CanonicalizeIP(host), nil
}

// limitBody caps every request body, forms with a file at the upload
// limit; handlers see *http.MaxBytesError when parsing a larger form and
// answer 413.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			limit := int64(maxBodyBytes)
			if isMultipart(r) {
				limit = maxUploadBody
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic in handler", "path", r.URL.Path, "panic", v)
				s.errorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.")
			}
		}()
		next.ServeHTTP(w, r)
	})
}
