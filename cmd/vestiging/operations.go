package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"

	"github.com/vestiging/vestiging/metrics"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/web"
)

// newLogger builds the process's logger from --log-format and --log-level.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, &usageError{fmt.Sprintf("--log-level %q must be debug, info, warn or error", level)}
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, &usageError{fmt.Sprintf("--log-format %q must be text or json", format)}
}

// parseMediaURL reads --media-url: the origin of a separate host for
// uploads, which serves them under /media/. "" is no separate host (nil).
func parseMediaURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, fmt.Errorf("--media-url %q must be an http:// or https:// origin such as https://media.example.org", s)
	}
	return u.JoinPath("/media/"), nil
}

// parseRooms checks --jitsi-url, --bbb-url and --bbb-secret: http(s)
// addresses, BigBlueButton's with its secret. Neither: staff paste links.
func parseRooms(jitsi, bbb, secret string) (*web.Rooms, error) {
	rooms := &web.Rooms{BBBSecret: secret}
	for _, f := range []struct {
		name, value string
		to          **url.URL
	}{{"--jitsi-url", jitsi, &rooms.Jitsi}, {"--bbb-url", bbb, &rooms.BBB}} {
		if f.value == "" {
			continue
		}
		u, err := url.Parse(f.value)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
			return nil, fmt.Errorf("%s %q must be an https:// address", f.name, f.value)
		}
		*f.to = u
	}
	if (bbb == "") != (secret == "") {
		return nil, fmt.Errorf("--bbb-url and --bbb-secret go together")
	}
	return rooms, nil
}

// newMetrics registers the instance's series over db's pool and job queue.
func newMetrics(db *store.DB) *metrics.Metrics {
	return metrics.New(metrics.Sources{
		DBStats: db.Stats,
		Queue: func(ctx context.Context) ([]metrics.QueueCount, error) {
			counts, err := db.WaitingJobs(ctx)
			out := make([]metrics.QueueCount, len(counts))
			for i, c := range counts {
				out[i] = metrics.QueueCount{Kind: c.Kind, State: c.State, Count: c.Count}
			}
			return out, err
		},
	})
}

// checkMapTiles checks --map-tiles: an https address (or http, for a tile
// server on this machine) with the {z}, {x} and {y} Leaflet fills in, and
// with other tiles than OpenStreetMap's whose they are.
func checkMapTiles(tiles, attribution string) error {
	u, err := url.Parse(tiles)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		!strings.Contains(tiles, "{z}") || !strings.Contains(tiles, "{x}") || !strings.Contains(tiles, "{y}") {
		return fmt.Errorf("--map-tiles %q must be an https:// address with {z}, {x} and {y}, such as %s", tiles, web.DefaultMapTiles)
	}
	if tiles != web.DefaultMapTiles && strings.TrimSpace(attribution) == "" {
		return fmt.Errorf("--map-tiles: say whose tiles they are with --map-attribution")
	}
	return nil
}
