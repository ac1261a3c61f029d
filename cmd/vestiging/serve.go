package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/web"
)

// shutdownTimeout is how long requests in flight may take to finish after
// SIGINT or SIGTERM.
const shutdownTimeout = 30 * time.Second

func serve(ctx context.Context, args []string, stdout io.Writer) error {
	var d dbFlags
	fs := newFlags("serve")
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on, host:port")
	baseURL := fs.String("base-url", "http://localhost:8080", "public address of the site, as visitors see it (https://… in production)")
	d.register(fs)
	withDemo := fs.Bool("demo", false, "fill an empty database with the demo library first")
	rest, err := parse(fs, args, stdout)
	if err != nil {
		return err
	}
	if err := noArgs(fs, rest); err != nil {
		return err
	}
	base, err := url.Parse(*baseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return &usageError{fmt.Sprintf("serve: --base-url %q must be an absolute http:// or https:// address", *baseURL)}
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := d.open(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("cannot listen on %s: the address is already in use (is another server running?)", *listen)
		}
		return fmt.Errorf("cannot listen on %s: %w", *listen, err)
	}
	defer ln.Close()

	if *withDemo {
		if err := fillDemoAndReport(ctx, db, stdout); err != nil {
			return err
		}
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv := &http.Server{
		Handler: web.New(web.Config{Services: db, BaseURL: base, Clock: vestiging.Now, Logger: logger}),
		// Slow clients must not hold connections forever.
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("serving", "listen", ln.Addr().String(), "base_url", base.String(), "database", db.Dialect(), "version", vestiging.Version)
	fmt.Fprintf(stdout, "Vestiging %s is running on %s (listening on http://%s). Stop with Ctrl-C.\n", vestiging.Version, base, ln.Addr())

	select {
	case err := <-served:
		return fmt.Errorf("server stopped: %w", err)
	case <-ctx.Done():
	}
	stop() // a second Ctrl-C now ends the process at once
	logger.Info("shutting down; finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}
