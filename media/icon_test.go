package media_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/vestiging/vestiging/media"
)

func TestLetterIcon(t *testing.T) {
	for _, size := range []int{32, 180, 512} {
		img := decodePNG(t, media.LetterIcon("bibliotheek Rivierenland", "#073763", size))
		if got := img.Bounds(); got.Dx() != size || got.Dy() != size {
			t.Fatalf("size %d: icon %v", size, got)
		}
		// The corner is the colour; the middle holds some of the white letter.
		if got, want := rgb(img.At(0, 0)), [3]uint8{0x07, 0x37, 0x63}; got != want {
			t.Errorf("size %d: corner %v, want %v", size, got, want)
		}
		if !hasWhite(img, size/4, 3*size/4) {
			t.Errorf("size %d: no white letter in the middle", size)
		}
	}
}

func TestLogoIcon(t *testing.T) {
	// A wide red logo is fitted into a white square, centred.
	logo := image.NewRGBA(image.Rect(0, 0, 400, 100))
	for y := 0; y < 100; y++ {
		for x := 0; x < 400; x++ {
			logo.Set(x, y, color.RGBA{0xcc, 0, 0, 0xff})
		}
	}
	img := decodePNG(t, media.LogoIcon(logo, 192, 0.1))
	if got := img.Bounds(); got.Dx() != 192 || got.Dy() != 192 {
		t.Fatalf("icon %v, want 192×192", got)
	}
	if got, want := rgb(img.At(2, 2)), [3]uint8{0xff, 0xff, 0xff}; got != want {
		t.Errorf("corner %v, want white", got)
	}
	if got := rgb(img.At(96, 96)); got[0] < 0xc0 || got[1] > 0x10 {
		t.Errorf("middle %v, want the logo's red", got)
	}
	if got := rgb(img.At(96, 60)); got != [3]uint8{0xff, 0xff, 0xff} {
		t.Errorf("above the wide logo %v, want white", got)
	}
}

func decodePNG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode icon: %v", err)
	}
	return img
}

func rgb(c color.Color) [3]uint8 {
	r, g, b, _ := c.RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}

func hasWhite(img image.Image, from, to int) bool {
	for y := from; y < to; y++ {
		for x := from; x < to; x++ {
			if rgb(img.At(x, y)) == [3]uint8{0xff, 0xff, 0xff} {
				return true
			}
		}
	}
	return false
}
