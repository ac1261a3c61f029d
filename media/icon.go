package media

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/disintegration/imaging"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/vestiging/vestiging"
)

// Icons for browsers and home screens: square PNGs made from the library's
// uploaded logo, or, without one, its initial in white on its colour.

// Open decodes a stored image by the name Save gave it.
func (s *Store) Open(name string) (image.Image, error) {
	if !validName.MatchString(name) {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "No such image.")
	}
	f, err := os.Open(filepath.Join(s.dir, name))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, vestiging.Errorf(vestiging.ENOTFOUND, "No such image.")
		}
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	img, err := imaging.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", name, err)
	}
	return img, nil
}

// NameOf returns the stored image's name in an address that Save's
// names end with, and whether it is one.
func NameOf(address string) (string, bool) {
	i := strings.LastIndexByte(address, '/')
	name := address[i+1:]
	return name, validName.MatchString(name)
}

// LogoIcon fits logo into a size×size white square, padding (a share of
// size, e.g. 0.1) kept free on every side: a maskable icon needs 0.1 more
// than a plain one, since home screens cut its corners away.
func LogoIcon(logo image.Image, size int, padding float64) []byte {
	inner := int(float64(size) * (1 - 2*padding))
	fitted := imaging.Fit(logo, inner, inner, imaging.CatmullRom)
	canvas := imaging.New(size, size, color.White)
	b := fitted.Bounds()
	canvas = imaging.Overlay(canvas, fitted, image.Pt((size-b.Dx())/2, (size-b.Dy())/2), 1)
	return encodePNG(canvas)
}

// LetterIcon draws the first letter of name in white on colour ("#rrggbb"),
// the letter within the middle 60% so that it also serves as a maskable icon.
func LetterIcon(name, colour string, size int) []byte {
	bg := hexColour(colour)
	canvas := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.Draw(canvas, canvas.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	letter := initial(name)
	face, err := opentype.NewFace(boldFont, &opentype.FaceOptions{Size: float64(size) * 0.5, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return encodePNG(canvas) // the embedded font always parses; a plain square then
	}
	defer face.Close()
	d := &font.Drawer{Dst: canvas, Src: image.White, Face: face}
	bounds, _ := d.BoundString(letter)
	w := (bounds.Max.X - bounds.Min.X).Ceil()
	h := (bounds.Max.Y - bounds.Min.Y).Ceil()
	// Centre the letter's ink, not its advance box.
	d.Dot = fixed.P((size-w)/2-bounds.Min.X.Floor(), (size-h)/2-bounds.Min.Y.Floor())
	d.DrawString(letter)
	return encodePNG(canvas)
}

var boldFont = func() *opentype.Font {
	f, err := opentype.Parse(gobold.TTF)
	if err != nil {
		panic(err) // embedded in the binary: a build defect
	}
	return f
}()

// initial is the first letter or digit of name in upper case, when the
// Go font has it (Latin, Greek, Cyrillic); else "V".
func initial(name string) string {
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			r = unicode.ToUpper(r)
			if i, err := boldFont.GlyphIndex(nil, r); err == nil && i != 0 {
				return string(r)
			}
			break
		}
	}
	return "V"
}

func hexColour(s string) color.RGBA {
	var r, g, b uint8
	if _, err := fmt.Sscanf(s, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return color.RGBA{0x07, 0x37, 0x63, 0xff}
	}
	return color.RGBA{r, g, b, 0xff}
}

func encodePNG(img image.Image) []byte {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		panic(err) // encoding an in-memory image to a buffer does not fail
	}
	return buf.Bytes()
}
