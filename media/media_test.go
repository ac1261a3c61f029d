package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vestiging/vestiging"
)

// testImage is a w×h gradient.
func testImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	return img
}

func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// jpegWithEXIF is a w×h JPEG with an EXIF APP1 segment right after SOI,
// holding a marker string that must not survive.
func jpegWithEXIF(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(w, h), nil); err != nil {
		t.Fatal(err)
	}
	payload := append([]byte("Exif\x00\x00"), []byte("MM\x00\x2a\x00\x00\x00\x08GPS-52.0907-5.1214-SECRET")...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), seg...), b[2:]...)
}

// bombPNG is a valid PNG signature and IHDR declaring w×h, with no pixels.
func bombPNG(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk := func(typ string, data []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		out = append(out, typ...)
		out = append(out, data...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	b := []byte("\x89PNG\r\n\x1a\n")
	b = append(b, chunk("IHDR", ihdr)...)
	return append(b, chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
}

func TestSave(t *testing.T) {
	tests := []struct {
		name     string
		data     []byte
		widths   []int
		ext      string
		wantCode string
	}{
		{name: "OK", data: pngBytes(t, 2000, 1000), widths: []int{320, 640, 1280}, ext: ".png"},
		{name: "OKSmall", data: pngBytes(t, 200, 100), widths: []int{200}, ext: ".png"},
		{name: "OKjpegWithEXIF", data: jpegWithEXIF(t, 800, 600), widths: []int{320, 640, 800}, ext: ".jpg"},
		{name: "ErrText", data: []byte("just some text, not an image\n"), wantCode: vestiging.EINVALID},
		{name: "ErrSVG", data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), wantCode: vestiging.EINVALID},
		{name: "ErrBomb", data: bombPNG(100000, 100000), wantCode: vestiging.EINVALID},
		{name: "ErrTooLarge", data: append(pngBytes(t, 10, 10), make([]byte, MaxBytes)...), wantCode: vestiging.ETOOLARGE},
		{name: "ErrTruncated", data: pngBytes(t, 100, 100)[:200], wantCode: vestiging.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			img, err := s.Save(bytes.NewReader(tt.data))
			if tt.wantCode != "" {
				if got := vestiging.ErrorCode(err); got != tt.wantCode {
					t.Fatalf("error %v: code %q, want %q", err, got, tt.wantCode)
				}
				if files, _ := os.ReadDir(dir); len(files) != 0 {
					t.Errorf("%d files stored for a refused upload", len(files))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(img.Variants), len(tt.widths); got != want {
				t.Fatalf("%d variants, want %d: %+v", got, want, img.Variants)
			}
			for i, v := range img.Variants {
				b, err := os.ReadFile(filepath.Join(dir, v.Name))
				if err != nil {
					t.Fatal(err)
				}
				cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("%s: %v", v.Name, err)
				}
				if got, want := cfg.Width, tt.widths[i]; got != want || v.Width != want {
					t.Errorf("%s: width %d (recorded %d), want %d", v.Name, got, v.Width, want)
				}
				if got, want := filepath.Ext(v.Name), tt.ext; got != want {
					t.Errorf("%s: extension %s, want %s", v.Name, got, want)
				}
				if bytes.Contains(b, []byte("Exif")) || bytes.Contains(b, []byte("SECRET")) {
					t.Errorf("%s still holds the EXIF segment", v.Name)
				}
			}
			again, err := s.Save(bytes.NewReader(tt.data))
			if err != nil || again.Largest() != img.Largest() {
				t.Errorf("the same upload again: %+v, %v; want the same names", again, err)
			}
		})
	}
}

func TestServe(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	img, err := s.Save(bytes.NewReader(pngBytes(t, 400, 300)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		status     int
		typ        string
	}{
		{name: "OK", path: "/media/" + img.Largest().Name, status: http.StatusOK, typ: "image/png"},
		{name: "ErrNotFound", path: "/media/" + strings.Repeat("0", 32) + "-320.jpg", status: http.StatusNotFound},
		{name: "ErrTraversal", path: "/media/../media.go", status: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			req.Header.Set("Accept", "application/activity+json")
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if got, want := rec.Code, tt.status; got != want {
				t.Fatalf("status %d, want %d", got, want)
			}
			if tt.status != http.StatusOK {
				return
			}
			h := rec.Header()
			if got, want := h.Get("Content-Type"), tt.typ; got != want {
				t.Errorf("Content-Type %q, want %q", got, want)
			}
			if got, want := h.Get("X-Content-Type-Options"), "nosniff"; got != want {
				t.Errorf("X-Content-Type-Options %q, want %q", got, want)
			}
			if !strings.Contains(h.Get("Cache-Control"), "max-age=31536000") {
				t.Errorf("Cache-Control %q, want a year", h.Get("Cache-Control"))
			}
		})
	}
}

func BenchmarkSave(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	data := jpegWithEXIF(b, 3000, 2000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := s.Save(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
