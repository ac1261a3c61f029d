// Package media keeps uploaded images: it checks them, strips their
// metadata by decoding and encoding them again, stores a few widths on
// disk under content-addressed names, and serves them.
package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/webp" // registers WebP with image.Decode

	"github.com/vestiging/vestiging"
)

// Limits of an upload.
const (
	MaxBytes  = 10 << 20   // the file as sent
	MaxPixels = 40_000_000 // width × height, checked before decoding: a small file may declare a huge image
)

// Widths are the sizes stored of each image; none is larger than the
// original, and the original's width is kept when it is below the largest.
var Widths = []int{320, 640, 1280}

// Store keeps images in one directory.
type Store struct{ dir string }

// Open returns the store in dir, creating it when missing.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("media directory: %w", err)
	}
	return &Store{dir: dir}, nil
}

// Image is a stored upload: its variants, smallest first.
type Image struct {
	Variants []Variant
}

// Variant is one stored width of an image.
type Variant struct {
	Name          string // file name, e.g. "3f…9a-640.jpg"
	Width, Height int
}

// Largest returns the widest variant, the one pages link to.
func (img *Image) Largest() Variant { return img.Variants[len(img.Variants)-1] }

// Errors of Save, as user-facing messages (English catalog keys).
const (
	msgTooLarge   = "This image is too large: at most 10 MB."
	msgNotImage   = "This file is not a JPEG, PNG or WebP image."
	msgTooManyPx  = "This image has too many pixels: at most 40 megapixels."
	msgUnreadable = "This image could not be read. Save it again as JPEG or PNG and try once more."
)

// Save checks the image in r and stores its widths. It reads at most
// MaxBytes+1 bytes and decodes the image only after its header said how
// large it is.
func (s *Store) Save(r io.Reader) (*Image, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	if len(data) > MaxBytes {
		return nil, vestiging.Errorf(vestiging.ETOOLARGE, msgTooLarge)
	}
	// Content sniffing, not the file name or the browser's type: an SVG
	// (which may carry scripts) or an HTML file never gets in.
	kind := http.DetectContentType(data)
	switch kind {
	case "image/jpeg", "image/png", "image/webp":
	default:
		return nil, vestiging.Errorf(vestiging.EINVALID, msgNotImage)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, &vestiging.Error{Code: vestiging.EINVALID, Message: msgUnreadable, Err: err}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, vestiging.Errorf(vestiging.EINVALID, msgTooManyPx)
	}
	// Decoding and encoding again drops EXIF (places, camera serials) and
	// anything appended to the file; the orientation is applied first.
	src, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
	if err != nil {
		return nil, &vestiging.Error{Code: vestiging.EINVALID, Message: msgUnreadable, Err: err}
	}
	sum := sha256.Sum256(data)
	id := hex.EncodeToString(sum[:16])
	ext := ".jpg"
	if kind == "image/png" {
		ext = ".png" // keeps transparency, which logos often have
	}
	// Widest first, each from the one before: a 6-megapixel photo is read
	// once in full, not once per width.
	widths := variantWidths(src.Bounds().Dx())
	img := &Image{Variants: make([]Variant, len(widths))}
	var prev image.Image = src
	for i := len(widths) - 1; i >= 0; i-- {
		w := widths[i]
		if w < prev.Bounds().Dx() {
			prev = imaging.Resize(prev, w, 0, imaging.CatmullRom)
		}
		v := Variant{Name: id + "-" + strconv.Itoa(w) + ext, Width: w, Height: prev.Bounds().Dy()}
		if err := s.write(v.Name, prev, ext); err != nil {
			return nil, err
		}
		img.Variants[i] = v
	}
	return img, nil
}

// variantWidths are the widths stored of an image width wide.
func variantWidths(width int) []int {
	var out []int
	for _, w := range Widths {
		if w < width {
			out = append(out, w)
		}
	}
	if largest := Widths[len(Widths)-1]; width <= largest {
		out = append(out, width)
	}
	return out
}

// write encodes img into name, unless an earlier upload of the same file
// did; a temporary file and a rename keep half-written images from view.
func (s *Store) write(name string, img image.Image, ext string) error {
	path := filepath.Join(s.dir, name)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	var buf bytes.Buffer
	var err error
	if ext == ".png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	}
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	tmp, err := os.CreateTemp(s.dir, ".upload-*")
	if err != nil {
		return fmt.Errorf("store %s: %w", name, err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("store %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("store %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("store %s: %w", name, err)
	}
	return nil
}

// validName matches the names Save gives, and nothing that could leave the
// directory.
var validName = regexp.MustCompile(`^[0-9a-f]{32}-[0-9]{1,5}\.(jpg|png)$`)

// ServeHTTP serves /media/NAME with the image's own content type, whatever
// the request's Accept asks for: an upload is never an ActivityPub
// document (DESIGN.md §4). Names are content addresses, so they are cached
// for a year.
func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/media/")
	if !ok || !validName.MatchString(name) {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(filepath.Join(s.dir, name))
	if errors.Is(err, os.ErrNotExist) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "unavailable", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.Error(w, "unavailable", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", map[string]string{".jpg": "image/jpeg", ".png": "image/png"}[filepath.Ext(name)])
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, name, fi.ModTime(), f)
}
