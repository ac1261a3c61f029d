package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
	"github.com/vestiging/vestiging/mail"
	"github.com/vestiging/vestiging/media"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/web"
	"github.com/vestiging/vestiging/webhook"
)

// shutdownTimeout is how long requests and jobs in flight may take to
// finish after SIGINT or SIGTERM.
const shutdownTimeout = 30 * time.Second

// forceGrace is how long a second SIGINT or SIGTERM leaves the cancelled
// jobs to go back to the queue before the process exits regardless.
const forceGrace = 15 * time.Second

// defaultWorkers is how many jobs other than deliveries and received
// activities (fetches, mail, activities that fetch) run at once; those
// have store.DefaultDeliveryWorkers and store.DefaultInboxWorkers.
const defaultWorkers = 20

// fedFlags are the federation flags of serve and of the admin commands
// that talk to other servers.
type fedFlags struct {
	baseURL       string
	handle        string
	allowLoopback bool
	loopbackPorts []uint16 // the demo's libraries: loopback on these ports only
	idleConns     int      // see serveConfig.IdleConns
}

func (f *fedFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.baseURL, "base-url", "http://localhost:8080", "public address of the site, as visitors see it (https://… in production)")
	fs.StringVar(&f.handle, "handle", federation.DefaultHandle, "the library's ActivityPub username: people follow @HANDLE@your-domain")
	fs.BoolVar(&f.allowLoopback, "allow-loopback", false, "federate with servers on 127.0.0.0/8 over plain http, for tests and local trials; refused with an https --base-url")
}

// parse checks the flags together and returns the base URL.
func (f *fedFlags) parse(cmd string) (*url.URL, error) {
	base, err := url.Parse(f.baseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, &usageError{fmt.Sprintf("%s: --base-url %q must be an absolute http:// or https:// address", cmd, f.baseURL)}
	}
	if f.allowLoopback && base.Scheme == "https" {
		return nil, &usageError{fmt.Sprintf("%s: --allow-loopback is for local trials over http and cannot be used with the https --base-url %s", cmd, base)}
	}
	return base, nil
}

// client is the one outbound HTTP client for federation.
func (f *fedFlags) client(base *url.URL) *http.Client {
	return federation.NewClient(federation.ClientOptions{AllowLoopback: f.allowLoopback, LoopbackPorts: f.loopbackPorts,
		UserAgent: federation.UserAgent(base), MaxIdleConns: f.idleConns})
}

// serveConfig is everything one running instance needs; tests fill it to
// start instances in-process.
type serveConfig struct {
	Data, Database  string // as the --data and --database flags
	BaseURL         *url.URL
	Handle          string // "" is federation.DefaultHandle
	AllowLoopback   bool
	AuthorizedFetch bool
	Allowlist       bool
	Workers         int           // River workers; 0 is defaultWorkers
	DeliveryWorkers int           // deliveries sent at once; 0 is store.DefaultDeliveryWorkers
	InboxWorkers    int           // received activities applied at once; 0 is store.DefaultInboxWorkers
	PollInterval    time.Duration // how often idle workers look for jobs; 0 is River's default
	IdleConns       int           // the federation client's idle connections at most; 0 is its default
	Demo            bool          // fill an empty database with the demo library first
	DemoLibrary     *demoLibrary  // which one; nil is Bibliotheek Rivierenland
	// LoopbackPorts lets federation reach loopback addresses on these
	// ports only, without AllowLoopback: the demo's neighbouring libraries.
	LoopbackPorts  []uint16
	Clock          vestiging.Clock
	Logger         *slog.Logger
	Stdout         io.Writer // the demo's report; nil discards it
	TrustedProxies []netip.Prefix
	TLS            *tls.Config // serve https with it; nil serves http
	// MetricsListener serves /metrics apart from the site; nil serves it
	// on the site's listener to local scrapers only.
	MetricsListener net.Listener
	// MediaDir keeps uploaded images; "" takes no uploads. MediaURL is
	// where they are linked, nil: the base URL's /media/.
	MediaDir string
	MediaURL *url.URL
	// MapTiles and MapAttribution: the map's tiles and their credit; ""
	// is OpenStreetMap's.
	MapTiles, MapAttribution string
	// Theme is the --theme-dir's templates, files and languages; nil is
	// the built-in look.
	Theme *web.Theme
	// Mail sends the mails' jobs; nil writes them to the log.
	Mail mail.Sender
	// Rooms makes online rooms on the library's meeting server; nil: none.
	Rooms *web.Rooms
	// JobsOnClock runs the job queue on Clock too (store.Options): the
	// network harness moves the clock to make retries due.
	JobsOnClock bool
}

// instance is a running server: web, federation and job workers on one database.
type instance struct {
	DB     *store.DB
	Fed    *federation.Federator
	URL    string // where it listens, http://host:port
	srv    *http.Server
	served chan error
	log    *slog.Logger
	msrv   *http.Server // /metrics on its own listener, if any
}

// defaults fills in the clock, the logger and the numbers of workers.
func (cfg *serveConfig) defaults() {
	if cfg.Clock == nil {
		cfg.Clock = vestiging.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if cfg.Workers <= 0 {
		cfg.Workers = defaultWorkers
	}
	if cfg.DeliveryWorkers <= 0 {
		cfg.DeliveryWorkers = store.DefaultDeliveryWorkers
	}
	if cfg.InboxWorkers <= 0 {
		cfg.InboxWorkers = store.DefaultInboxWorkers
	}
}

// startInstance opens and migrates the database, builds the federator,
// starts the job workers and serves HTTP on ln. It returns once all of it
// runs; Close stops it.
func startInstance(ctx context.Context, cfg serveConfig, ln net.Listener) (*instance, error) {
	cfg.defaults()
	db, err := openDB(ctx, cfg.Data, cfg.Database, store.Options{Clock: cfg.Clock, Lock: true, JobsOnClock: cfg.JobsOnClock})
	if err != nil {
		return nil, err
	}
	inst, err := startOn(ctx, cfg, db, ln)
	if err != nil {
		db.Close()
		return nil, err
	}
	return inst, nil
}

func startOn(ctx context.Context, cfg serveConfig, db *store.DB, ln net.Listener) (*instance, error) {
	var uploads *media.Store
	var err error
	if cfg.MediaDir != "" {
		if uploads, err = media.Open(cfg.MediaDir); err != nil {
			return nil, err
		}
	}
	if cfg.Demo {
		out := cfg.Stdout
		if out == nil {
			out = io.Discard
		}
		lib := cfg.DemoLibrary
		if lib == nil {
			lib = &rivierenland
		}
		var img *demoMedia
		if uploads != nil {
			img = &demoMedia{store: uploads, url: cfg.MediaURL}
			if img.url == nil {
				img.url = cfg.BaseURL.JoinPath("/media/")
			}
		}
		if err := fillDemoAndReport(ctx, db, lib, img, out); err != nil {
			return nil, err
		}
	}
	fl := fedFlags{allowLoopback: cfg.AllowLoopback, loopbackPorts: cfg.LoopbackPorts, idleConns: cfg.IdleConns}
	m := newMetrics(db)
	fed, err := federation.New(ctx, federation.Config{
		Services:        db,
		Federation:      db,
		BaseURL:         cfg.BaseURL,
		MediaURL:        cfg.MediaURL,
		Handle:          cfg.Handle,
		Client:          fl.client(cfg.BaseURL),
		Clock:           cfg.Clock,
		Logger:          cfg.Logger,
		AuthorizedFetch: cfg.AuthorizedFetch,
		Allowlist:       cfg.Allowlist,
		Metrics:         m,
	})
	if err != nil {
		return nil, fmt.Errorf("federation: %w", err)
	}
	handler := web.New(web.Config{
		TrustedProxies: cfg.TrustedProxies,
		Services:       db,
		BaseURL:        cfg.BaseURL,
		Clock:          cfg.Clock,
		Logger:         cfg.Logger,
		ActivityPub:    fed,
		Network:        fed,
		Federation:     db,
		Reports:        fed,
		Ready:          db.Ready,
		Metrics:        m,
		ServeMetrics:   cfg.MetricsListener == nil,
		Media:          uploads,
		MediaURL:       cfg.MediaURL,
		MapTiles:       cfg.MapTiles,
		MapAttribution: cfg.MapAttribution,
		Theme:          cfg.Theme,
		Rooms:          cfg.Rooms,
	})
	workers := river.NewWorkers()
	fed.AddWorkers(workers)
	db.AddWorkers(workers)
	handler.AddWorkers(workers)
	if cfg.Mail == nil {
		cfg.Mail = mail.Log{Logger: cfg.Logger}
	}
	mail.Register(workers, cfg.Mail, cfg.Logger)
	webhook.Register(workers, webhook.Config{Services: db, AllowLoopback: cfg.AllowLoopback, UserAgent: federation.UserAgent(cfg.BaseURL),
		Clock: cfg.Clock, Logger: cfg.Logger})
	if err := db.StartJobs(ctx, workers, store.JobsConfig{Workers: cfg.Workers, DeliveryWorkers: cfg.DeliveryWorkers, InboxWorkers: cfg.InboxWorkers, PollInterval: cfg.PollInterval, Logger: cfg.Logger, Observe: m.Job}); err != nil {
		return nil, fmt.Errorf("start jobs: %w", err)
	}
	inst := &instance{
		DB:  db,
		Fed: fed,
		URL: scheme(cfg.TLS) + "://" + ln.Addr().String(),
		srv: &http.Server{
			Handler: handler,
			// Slow clients must not hold connections forever.
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
		},
		served: make(chan error, 1),
		log:    cfg.Logger,
	}
	if cfg.TLS != nil {
		inst.srv.TLSConfig = cfg.TLS
		go func() { inst.served <- inst.srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { inst.served <- inst.srv.Serve(ln) }()
	}
	if cfg.MetricsListener != nil {
		inst.msrv = &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)}
		go func() { _ = inst.msrv.Serve(cfg.MetricsListener) }()
	}
	cfg.Logger.Info("serving", "listen", ln.Addr().String(), "base_url", cfg.BaseURL.String(), "handle", cfg.Handle,
		"database", db.Dialect(), "workers", cfg.Workers, "delivery_workers", cfg.DeliveryWorkers, "inbox_workers", cfg.InboxWorkers, "version", vestiging.Version)
	return inst, nil
}

// Close stops the instance in order: no new requests and those in flight
// finished, then the job workers (jobs in flight finish or are retried
// later), then the database. ctx bounds each step.
func (in *instance) Close(ctx context.Context) error {
	var errs []error
	if err := in.srv.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("stop http: %w", err))
	}
	if in.msrv != nil {
		_ = in.msrv.Close() // scrapes need no grace
	}
	if err := in.DB.StopJobs(ctx); err != nil {
		errs = append(errs, fmt.Errorf("stop jobs: %w", err))
	}
	if err := in.DB.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close database: %w", err))
	}
	return errors.Join(errs...)
}

// serveOptions are the settings of serve, which config check reads too.
type serveOptions struct {
	d               dbFlags
	ff              fedFlags
	net             netFlags
	listen          *string
	withDemo        *bool
	authorizedFetch *bool
	allowlist       *bool
	workers         *int
	deliveryWorkers *int
	inboxWorkers    *int
	logFormat       *string
	logLevel        *string
	metricsListen   *string
	mediaURL        *string
	mapTiles        *string
	mapAttribution  *string
	themeDir        *string
	jitsiURL        *string
	bbbURL          *string
	bbbSecret       *string
	mail            mailFlags
}

// serveFlags defines serve's flags on a flag set named name.
func serveFlags(name string) (*flag.FlagSet, *serveOptions) {
	o := &serveOptions{}
	fs := newFlags(name)
	o.listen = fs.String("listen", "127.0.0.1:8080", "address to listen on, host:port")
	o.ff.register(fs)
	o.d.register(fs)
	o.withDemo = fs.Bool("demo", false, "fill an empty database with the demo library first")
	o.authorizedFetch = fs.Bool("authorized-fetch", false, "require signed GETs of ActivityPub documents, as Mastodon's secure mode does")
	o.allowlist = fs.Bool("allowlist", false, "federate only with domains that have an allow rule")
	o.workers = fs.Int("workers", defaultWorkers, "background jobs other than deliveries and received activities (fetches, mail) run at once")
	o.deliveryWorkers = fs.Int("delivery-workers", store.DefaultDeliveryWorkers, "deliveries to other servers sent at once")
	o.inboxWorkers = fs.Int("inbox-workers", store.DefaultInboxWorkers, "received activities applied at once: one per core by default, at least 2")
	o.logFormat = fs.String("log-format", "text", "log lines as text (key=value) or json")
	o.logLevel = fs.String("log-level", "info", "least important log lines written: debug, info, warn or error")
	o.metricsListen = fs.String("metrics-listen", "", "serve Prometheus metrics on this host:port only; empty: at /metrics on --listen, to local scrapers only")
	o.mediaURL = fs.String("media-url", "", "a separate host for uploaded images, e.g. https://media.example.org (served there at /media/, and no longer by --base-url's host); empty: --base-url")
	o.mapTiles = fs.String("map-tiles", web.DefaultMapTiles, "the map's tiles, an https:// address with {z}, {x} and {y}")
	o.mapAttribution = fs.String("map-attribution", "", "who the map's tiles are from, shown on the map; required with other tiles than OpenStreetMap's")
	o.themeDir = fs.String("theme-dir", "", "a directory whose templates/, static/ and locales/ change the site's look and add languages (see the README)")
	o.jitsiURL = fs.String("jitsi-url", "", "the library's Jitsi Meet server, e.g. https://meet.example.org: staff can make a room there for an online activity")
	o.bbbURL = fs.String("bbb-url", "", "the library's BigBlueButton server, e.g. https://bbb.example.org/bigbluebutton/: staff can make a meeting there (with --bbb-secret)")
	o.bbbSecret = fs.String("bbb-secret", "", "BigBlueButton's shared API secret (bbb-conf --secret); bbb_secret_file or VESTIGING_BBB_SECRET_FILE reads it from a file")
	o.net.register(fs)
	o.mail.register(fs)
	return fs, o
}

func serve(ctx context.Context, args []string, stdout io.Writer) error {
	fs, o := serveFlags("serve")
	rest, err := parse(fs, args, stdout)
	if err != nil {
		return err
	}
	if err := noArgs(fs, rest); err != nil {
		return err
	}
	base, site, err := o.check("serve")
	if err != nil {
		return err
	}
	mediaURL, _ := parseMediaURL(*o.mediaURL) // checked above
	var theme *web.Theme
	if *o.themeDir != "" {
		theme, _ = web.OpenTheme(*o.themeDir) // checked above
	}
	logger, err := newLogger(os.Stderr, *o.logFormat, *o.logLevel)
	if err != nil {
		return err
	}
	mailer, _ := o.mail.sender(base, logger)                     // checked above
	rooms, _ := parseRooms(*o.jitsiURL, *o.bbbURL, *o.bbbSecret) // checked above

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", *o.listen)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("cannot listen on %s: the address is already in use (is another server running?)", *o.listen)
		}
		return fmt.Errorf("cannot listen on %s: %w", *o.listen, err)
	}
	defer ln.Close()
	if o.net.httpListen != "" {
		hln, err := net.Listen("tcp", o.net.httpListen)
		if err != nil {
			return fmt.Errorf("cannot listen on %s: %w", o.net.httpListen, err)
		}
		hsrv := &http.Server{Handler: site.redirect(base), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = hsrv.Serve(hln) }()
		defer hsrv.Close()
	}
	var mln net.Listener
	if *o.metricsListen != "" {
		if mln, err = net.Listen("tcp", *o.metricsListen); err != nil {
			return fmt.Errorf("cannot listen on %s for metrics: %w", *o.metricsListen, err)
		}
		defer mln.Close()
	}

	inst, neighbours, err := startServing(ctx, serveConfig{
		Data: o.d.data, Database: o.d.database, BaseURL: base, Handle: o.ff.handle,
		AllowLoopback: o.ff.allowLoopback, AuthorizedFetch: *o.authorizedFetch, Allowlist: *o.allowlist,
		Workers: *o.workers, DeliveryWorkers: *o.deliveryWorkers, InboxWorkers: *o.inboxWorkers, Demo: *o.withDemo, Logger: logger, Stdout: stdout,
		TrustedProxies: site.proxies, TLS: site.tls, MetricsListener: mln,
		MediaDir: filepath.Join(o.d.data, "media"), MediaURL: mediaURL, Mail: mailer,
		MapTiles: *o.mapTiles, MapAttribution: *o.mapAttribution, Theme: theme, Rooms: rooms,
	}, ln)
	if err != nil {
		return err
	}
	switch {
	case neighbours != nil:
		neighbours.report(stdout)
	case *o.withDemo:
		fmt.Fprintf(stdout, "The demo's neighbouring libraries start only when --base-url is http://localhost:PORT with --listen's port.\n")
	}
	fmt.Fprintf(stdout, "Follow this library from Mastodon or another library as @%s@%s.\n", o.ff.handle, base.Host)
	fmt.Fprintf(stdout, "Vestiging %s is running on %s (listening on %s). Stop with Ctrl-C.\n", vestiging.Version, base, inst.URL)

	var served error
	select {
	case served = <-inst.served:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	hurry(logger, cancel)
	stop()
	logger.Info("shutting down; finishing requests and jobs in flight (signal again to hurry)")
	closeErr := inst.Close(sctx)
	if neighbours != nil {
		closeErr = errors.Join(closeErr, neighbours.Close(sctx))
	}
	if served != nil {
		return fmt.Errorf("server stopped: %w", served)
	}
	if closeErr != nil {
		return fmt.Errorf("shutdown: %w", closeErr)
	}
	logger.Info("stopped")
	return nil
}

// hurry makes a second SIGINT or SIGTERM during shutdown call cancel, which
// stops waiting for requests and cancels the jobs in flight, so River
// hands them back to the queue, retried here after a restart or by another
// process; if the process still runs forceGrace later, it exits at once.
func hurry(logger *slog.Logger, cancel context.CancelFunc) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		logger.Warn("second signal: cancelling requests and jobs in flight; the jobs go back to the queue", "grace", forceGrace)
		cancel()
		time.Sleep(forceGrace)
		logger.Error("not stopped within the grace; exiting now")
		os.Exit(1)
	}()
}
