package web

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/media"
	"github.com/vestiging/vestiging/store/storetest"
)

// newMediaEnv serves the site with uploads; mediaURL nil serves them on
// the site's own host.
func newMediaEnv(t *testing.T, mediaURL *url.URL) *env {
	t.Helper()
	clock := storetest.NewClock(testNow)
	db := storetest.SQLiteClock(t, clock.Now)
	m, err := media.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h := New(Config{
		Services: db,
		BaseURL:  &url.URL{Scheme: "http", Host: "localhost"},
		Clock:    clock.Now,
		Logger:   slog.New(slog.NewTextHandler(t.Output(), nil)),
		Media:    m,
		MediaURL: mediaURL,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, clock: clock, srv: srv}
}

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// multipartBody encodes fields and one file.
func multipartBody(t *testing.T, fields url.Values, fileField string, file []byte) (body []byte, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if file != nil {
		fw, err := mw.CreateFormFile(fileField, "upload.bin")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(file); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

func (e *env) postMultipart(c *http.Client, path string, fields url.Values, fileField string, file []byte) response {
	e.t.Helper()
	body, ct := multipartBody(e.t, fields, fileField, file)
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	return e.do(c, req)
}

func TestUploadEventImage(t *testing.T) {
	e := newMediaEnv(t, nil)
	b := e.branch("Centrale Bibliotheek")
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	wantContains(t, e.get(staff, "/staff/events/new"), `enctype="multipart/form-data"`, `id="image_file" name="image_file" type="file"`)

	t.Run("OK", func(t *testing.T) {
		fields := eventForm(b, func(v url.Values) { v.Set("title", "Met plaatje"); v.Set("image_alt", "Kinderen lezen") })
		wantStatus(t, e.postMultipart(staff, "/staff/events/new", fields, "image_file", testPNG(t, 1600, 900)), http.StatusSeeOther)
		var ev *vestiging.Event
		for _, x := range e.events() {
			if x.Title == "Met plaatje" {
				ev = x
			}
		}
		if ev == nil {
			t.Fatal("event not created")
		}
		u, err := url.Parse(ev.ImageURL)
		if err != nil || u.Host != "localhost" || !strings.HasPrefix(u.Path, "/media/") || !strings.HasSuffix(u.Path, "-1280.png") {
			t.Fatalf("image URL %q, want http://localhost/media/…-1280.png", ev.ImageURL)
		}
		// Served as an image even to an ActivityPub client.
		res := e.get(e.client(), u.Path, "Accept", "application/activity+json")
		wantStatus(t, res, http.StatusOK)
		if got, want := res.Header.Get("Content-Type"), "image/png"; got != want {
			t.Errorf("Content-Type %q, want %q", got, want)
		}
		if got, want := res.Header.Get("X-Content-Type-Options"), "nosniff"; got != want {
			t.Errorf("X-Content-Type-Options %q, want %q", got, want)
		}
		cfg, err := png.DecodeConfig(strings.NewReader(res.Body))
		if err != nil || cfg.Width != 1280 || cfg.Height != 720 {
			t.Errorf("served image %dx%d (%v), want 1280x720", cfg.Width, cfg.Height, err)
		}
	})
	t.Run("ErrNotImage", func(t *testing.T) {
		before := len(e.events())
		fields := eventForm(b, func(v url.Values) { v.Set("image_alt", "Tekst") })
		res := e.postMultipart(staff, "/staff/events/new", fields, "image_file", []byte("dit is geen afbeelding\n"))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, "Dit bestand is geen JPEG-, PNG- of WebP-afbeelding.", `aria-describedby="image_file-error`)
		if got := len(e.events()); got != before {
			t.Errorf("%d events after a refused upload, want %d", got, before)
		}
	})
	t.Run("ErrNoAltText", func(t *testing.T) {
		res := e.postMultipart(staff, "/staff/events/new", eventForm(b, nil), "image_file", testPNG(t, 50, 50))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `aria-invalid="true" aria-describedby="image_alt-error`)
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		// 50 MB announced and offered; the server must answer without
		// reading it all.
		var read atomic.Int64
		head, ct := multipartBody(t, eventForm(b, nil), "image_file", []byte("\x89PNG"))
		const size = 50 << 20
		body := io.MultiReader(bytes.NewReader(head[:len(head)-40]), &countingZeros{n: size, read: &read})
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, e.srv.URL+"/staff/events/new", body)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = int64(len(head)-40) + size
		req.Header.Set("Content-Type", ct)
		res := e.do(staff, req)
		wantStatus(t, res, http.StatusRequestEntityTooLarge)
		if got := read.Load(); got >= size {
			t.Errorf("the server read all %d bytes", got)
		}
	})
}

// countingZeros yields n zero bytes and counts what was read.
type countingZeros struct {
	n    int64
	read *atomic.Int64
}

func (z *countingZeros) Read(p []byte) (int, error) {
	left := z.n - z.read.Load()
	if left <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), left)]
	clear(p)
	z.read.Add(int64(len(p)))
	return len(p), nil
}

func TestUploadLogo(t *testing.T) {
	e := newMediaEnv(t, nil)
	// An administrator: the partners, the library profile and domain rules are theirs.
	staff := e.signIn("beheer@example.nl", vestiging.RoleAdmin)
	fields := url.Values{"name": {"Bibliotheek Rivierenland"}}
	t.Run("ErrNoAltText", func(t *testing.T) {
		res := e.postMultipart(staff, "/staff/library", fields, "logo_file", testPNG(t, 400, 200))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, "Beschrijf het logo voor mensen die het niet kunnen zien.")
	})
	t.Run("OK", func(t *testing.T) {
		fields.Set("logo_alt", "Logo van de bibliotheek")
		wantStatus(t, e.postMultipart(staff, "/staff/library", fields, "logo_file", testPNG(t, 400, 200)), http.StatusSeeOther)
		lib, err := e.db.Library(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(lib.LogoURL, "http://localhost/media/") || !strings.HasSuffix(lib.LogoURL, "-400.png") {
			t.Errorf("logo URL %q", lib.LogoURL)
		}
	})
	t.Run("Banner", func(t *testing.T) {
		lib, err := e.db.Library(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		fields.Set("logo_url", lib.LogoURL) // as the form shows it
		res := e.postMultipart(staff, "/staff/library", fields, "banner_file", testPNG(t, 1500, 500))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, "Beschrijf de banner voor mensen die hem niet kunnen zien.")
		fields.Set("banner_alt", "De leeszaal met boekenkasten")
		wantStatus(t, e.postMultipart(staff, "/staff/library", fields, "banner_file", testPNG(t, 1500, 500)), http.StatusSeeOther)
		lib, err = e.db.Library(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(lib.BannerURL, "-1280.png") || lib.BannerAlt != "De leeszaal met boekenkasten" || lib.LogoURL == "" {
			t.Errorf("banner %q %q, logo %q", lib.BannerURL, lib.BannerAlt, lib.LogoURL)
		}
	})
}

// TestMediaHost: with a media host of its own, uploads link there, that
// host serves nothing else, and the site's host serves no uploads.
func TestMediaHost(t *testing.T) {
	e := newMediaEnv(t, &url.URL{Scheme: "http", Host: "media.localhost", Path: "/media/"})
	b := e.branch("Centrale Bibliotheek")
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	fields := eventForm(b, func(v url.Values) { v.Set("title", "Elders bewaard"); v.Set("image_alt", "Een plaatje") })
	wantStatus(t, e.postMultipart(staff, "/staff/events/new", fields, "image_file", testPNG(t, 300, 200)), http.StatusSeeOther)
	var imageURL string
	for _, x := range e.events() {
		if x.Title == "Elders bewaard" {
			imageURL = x.ImageURL
		}
	}
	u, err := url.Parse(imageURL)
	if err != nil || u.Host != "media.localhost" {
		t.Fatalf("image URL %q, want one on media.localhost", imageURL)
	}
	onHost := func(host, path string) response {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		return e.do(e.client(), req)
	}
	wantStatus(t, onHost("media.localhost", u.Path), http.StatusOK)
	wantStatus(t, onHost("media.localhost", "/agenda"), http.StatusNotFound)
	wantStatus(t, onHost("localhost", u.Path), http.StatusNotFound)
}
