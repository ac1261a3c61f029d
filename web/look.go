package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/media"
)

// The library's own look: its house colour reaches every page through the
// one stylesheet, served with the colour's shades as custom properties
// (the CSP allows no inline style), and its logo becomes the favicon and
// the home-screen icons of the web app manifest.

// look is what the layout needs of the library's look.
type look struct {
	Palette  vestiging.Palette
	StyleURL string // the stylesheet with the colours, versioned
	ThemeURL string // the theme's stylesheet, linked after it; "" without
	Icons    string // the folder of the icons, versioned: "/icons/3fa9…"
}

// staticStyle is static/style.css, read once.
var staticStyle = sync.OnceValue(func() []byte {
	b, err := assets.ReadFile("static/style.css")
	if err != nil {
		panic(err) // embedded: a build defect
	}
	return b
})

// lookOf works out the look of lib (nil: the defaults).
func (s *Server) lookOf(lib *vestiging.Library) look {
	if lib == nil {
		lib = &vestiging.Library{}
	}
	p := lib.Palette()
	lk := look{Palette: p, StyleURL: "/style.css?v=" + styleVersion(p), Icons: "/icons/" + s.iconVersion(lib)}
	if s.theme != nil {
		lk.ThemeURL = s.theme.styleURL
	}
	return lk
}

// staticStyleHash names this build's style.css, hashed once.
var staticStyleHash = sync.OnceValue(func() string { return shortHash(string(staticStyle())) })

func styleVersion(p vestiging.Palette) string {
	return shortHash(staticStyleHash(), p.Brand, p.Accent, p.AccentDark, p.Soft)
}

// shortHash names a version of something made of parts.
func shortHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}

// paletteCSS sets the custom properties style.css reads its colours from.
func paletteCSS(p vestiging.Palette) string {
	return fmt.Sprintf(":root { --brand: %s; --accent: %s; --accent-dark: %s; --soft: %s; }\n",
		p.Brand, p.Accent, p.AccentDark, p.Soft)
}

// style serves style.css in the library's colours, or with ?color= (the
// embeddable agenda on a library's own site) in that colour's shades when
// it can be used. A versioned address never changes, so it is kept a year.
func (s *Server) style(w http.ResponseWriter, r *http.Request) {
	lib, err := s.svc.Library(r.Context())
	if err != nil && vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
		s.fail(w, r, fmt.Errorf("style: %w", err))
		return
	}
	if lib == nil {
		lib = &vestiging.Library{}
	}
	p := lib.Palette()
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	if c := r.URL.Query().Get("color"); c != "" {
		if cp, err := vestiging.NewPalette(c); err == nil {
			p = cp
		}
		h.Set("Cache-Control", "public, max-age=86400")
	} else if r.URL.Query().Get("v") == styleVersion(p) {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	_, _ = w.Write(staticStyle())
	_, _ = fmt.Fprint(w, paletteCSS(p))
}

// Icon files and their sizes. The maskable one keeps its logo in the middle
// 80%, which home screens never cut off.
var iconFiles = map[string]struct {
	size     int
	maskable bool
}{
	"favicon-32.png":       {32, false},
	"apple-touch-icon.png": {180, false},
	"icon-192.png":         {192, false},
	"icon-512.png":         {512, false},
	"maskable-512.png":     {512, true},
}

// iconCache keeps the icons of the current look; a new logo, colour or
// name makes a new version, and the old one's files are dropped.
type iconCache struct {
	mu      sync.Mutex
	version string
	files   map[string][]byte
}

// uploadedLogo is the name of the library's logo in the media store, when
// it is an upload here (only those are read: an address elsewhere is not
// fetched).
func (s *Server) uploadedLogo(lib *vestiging.Library) (string, bool) {
	if s.media == nil || !strings.HasPrefix(lib.LogoURL, s.mediaURL.String()) {
		return "", false
	}
	return media.NameOf(lib.LogoURL)
}

func (s *Server) iconVersion(lib *vestiging.Library) string {
	logo, _ := s.uploadedLogo(lib)
	return shortHash(logo, lib.Palette().AccentDark, lib.Name)
}

// icon serves /icons/{version}/{file}. Only the current version is made;
// an old address (a stale manifest) gets 404, and asks again.
func (s *Server) icon(w http.ResponseWriter, r *http.Request) {
	spec, ok := iconFiles[chi.URLParam(r, "file")]
	lib, err := s.svc.Library(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("icon: %w", err))
		return
	}
	version := s.iconVersion(lib)
	if !ok || chi.URLParam(r, "version") != version {
		http.NotFound(w, r)
		return
	}
	data, err := s.iconFile(r.Context(), lib, version, chi.URLParam(r, "file"), spec.size, spec.maskable)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(data)
}

func (s *Server) iconFile(ctx context.Context, lib *vestiging.Library, version, file string, size int, maskable bool) ([]byte, error) {
	c := &s.icons
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		c.version, c.files = version, map[string][]byte{}
	}
	if data, ok := c.files[file]; ok {
		return data, nil
	}
	var data []byte
	if name, ok := s.uploadedLogo(lib); ok {
		logo, err := s.media.Open(name)
		switch {
		case err == nil:
			padding := 0.08
			if maskable {
				padding = 0.18
			}
			data = media.LogoIcon(logo, size, padding)
		case vestiging.ErrorCode(err) != vestiging.ENOTFOUND:
			return nil, fmt.Errorf("logo for the icons: %w", err)
		}
	}
	if data == nil {
		data = media.LetterIcon(lib.Name, lib.Palette().AccentDark, size)
	}
	c.files[file] = data
	return data, nil
}

// favicon answers the browsers that ask /favicon.ico without reading the
// page's icon link.
func (s *Server) favicon(w http.ResponseWriter, r *http.Request) {
	lib, err := s.svc.Library(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("favicon: %w", err))
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.Redirect(w, r, s.lookOf(lib).Icons+"/favicon-32.png", http.StatusFound)
}

type manifestIcon struct {
	Src     string `json:"src"`
	Sizes   string `json:"sizes"`
	Type    string `json:"type"`
	Purpose string `json:"purpose"`
}

// manifest is the web app manifest: with it, residents add the library to
// their phone's home screen, where it opens without the browser's bars.
func (s *Server) manifest(w http.ResponseWriter, r *http.Request) {
	lib, err := s.svc.Library(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("manifest: %w", err))
		return
	}
	lang := langFrom(r.Context())
	lk := s.lookOf(lib)
	short := lib.Name
	if rest, ok := strings.CutPrefix(short, "Bibliotheek "); ok && len(short) > 12 {
		short = rest // "Rivierenland" fits under an icon
	}
	m := map[string]any{
		"name":             lib.Name,
		"short_name":       short,
		"description":      s.locales.T(lang, "Activities, courses and offers of the library."),
		"lang":             lang,
		"dir":              Dir(lang),
		"start_url":        "/",
		"scope":            "/",
		"display":          "standalone",
		"background_color": "#ffffff",
		"theme_color":      lk.Palette.AccentDark,
		"icons": []manifestIcon{
			{Src: lk.Icons + "/icon-192.png", Sizes: "192x192", Type: "image/png", Purpose: "any"},
			{Src: lk.Icons + "/icon-512.png", Sizes: "512x512", Type: "image/png", Purpose: "any"},
			{Src: lk.Icons + "/maskable-512.png", Sizes: "512x512", Type: "image/png", Purpose: "maskable"},
		},
	}
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_ = json.NewEncoder(w).Encode(m)
}

// lookRoutes registers the stylesheet, the icons and the manifest.
func (s *Server) lookRoutes(r chi.Router) {
	r.Get("/style.css", s.style)
	r.Get("/icons/{version}/{file}", s.icon)
	r.Get("/favicon.ico", s.favicon)
	r.Get("/manifest.webmanifest", s.manifest)
}
