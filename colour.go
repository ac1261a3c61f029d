package vestiging

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The house colour: staff choose one, and the site derives from it the
// shades it writes text and buttons in, so that every use meets WCAG 2.1 AA
// (contrast 4.5:1 for text, 3:1 for large text and controls).

// DefaultColour is the site's own colour, used until staff choose one.
const DefaultColour = "#0b5394"

// Contrast ratios of WCAG 2.1.
const (
	ContrastText  = 4.5 // SC 1.4.3, normal text
	ContrastLarge = 3.0 // SC 1.4.3 large text, SC 1.4.11 controls and graphics
	contrastDark  = 7.0 // the darker shade: header and hover, AAA for text
)

// MsgColourTooLight is why a colour is refused (an English catalog key).
// The form then offers AccessibleShade in its place.
const MsgColourTooLight = "This colour is too light: white text on it, and the colour as text on white, would not reach the contrast WCAG AA asks (at least 3:1, and 4.5:1 for text). The field now holds the nearest darker shade that does: save to use it, or choose another colour."

// Palette holds the shades of a house colour, each "#rrggbb".
type Palette struct {
	Brand      string // the colour as chosen: borders, placeholders, the address bar
	Accent     string // links and buttons: white text on it and it on white reach 4.5:1
	AccentDark string // the header and hover: 7:1 against white
	Soft       string // a light tint for panels behind dark text
}

// ParseColour reads "#rgb" or "#rrggbb" (any case, spaces around) and
// returns it as lower-case "#rrggbb".
func ParseColour(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) == 4 && s[0] == '#' {
		s = string([]byte{'#', s[1], s[1], s[2], s[2], s[3], s[3]})
	}
	if len(s) != 7 || s[0] != '#' {
		return "", Errorf(EINVALID, "Give the colour as #rrggbb, for example #0b5394.")
	}
	if _, err := strconv.ParseUint(s[1:], 16, 32); err != nil {
		return "", Errorf(EINVALID, "Give the colour as #rrggbb, for example #0b5394.")
	}
	return s, nil
}

// NewPalette derives the shades of colour ("" is DefaultColour). A colour
// that does not reach 3:1 against white is refused: no shade of it could be
// the site's text and button colour without looking like another colour.
func NewPalette(colour string) (Palette, error) {
	if colour == "" {
		colour = DefaultColour
	}
	c, err := ParseColour(colour)
	if err != nil {
		return Palette{}, err
	}
	rgb := hexRGB(c)
	if contrast(rgb, white) < ContrastLarge {
		return Palette{}, Errorf(EINVALID, MsgColourTooLight)
	}
	return Palette{
		Brand:      c,
		Accent:     rgbHex(darkenTo(rgb, ContrastText)),
		AccentDark: rgbHex(darkenTo(rgb, contrastDark)),
		Soft:       rgbHex(mix(rgb, white, 0.92)),
	}, nil
}

// AccessibleShade is the colour, or the nearest darker shade of it, that
// white text on it and it as text on white reach 4.5:1: what to offer
// instead of a refused colour. An unreadable colour is returned as it is.
func AccessibleShade(colour string) string {
	c, err := ParseColour(colour)
	if err != nil {
		return colour
	}
	return rgbHex(darkenTo(hexRGB(c), ContrastText))
}

type rgbColour [3]float64 // sRGB, 0–1

var white = rgbColour{1, 1, 1}

func hexRGB(hex string) rgbColour {
	n, _ := strconv.ParseUint(hex[1:], 16, 32)
	return rgbColour{float64(n>>16&0xff) / 255, float64(n>>8&0xff) / 255, float64(n&0xff) / 255}
}

func rgbHex(c rgbColour) string {
	b := func(v float64) int { return int(math.Round(math.Max(0, math.Min(1, v)) * 255)) }
	return fmt.Sprintf("#%02x%02x%02x", b(c[0]), b(c[1]), b(c[2]))
}

// luminance is WCAG's relative luminance.
func luminance(c rgbColour) float64 {
	lin := func(v float64) float64 {
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
}

// contrast is WCAG's contrast ratio of two colours, 1 to 21.
func contrast(a, b rgbColour) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// Contrast is the contrast ratio of two "#rrggbb" colours.
func Contrast(a, b string) float64 { return contrast(hexRGB(a), hexRGB(b)) }

// darkenTo returns c, or c mixed with black just enough to reach ratio
// against white: the same hue, only darker. The result is checked after
// rounding to 8 bits, so the written colour meets the ratio too.
func darkenTo(c rgbColour, ratio float64) rgbColour {
	meets := func(c rgbColour) bool { return contrast(hexRGB(rgbHex(c)), white) >= ratio }
	if meets(c) {
		return hexRGB(rgbHex(c))
	}
	lo, hi := 0.0, 1.0 // share of black
	for range 30 {
		m := (lo + hi) / 2
		if meets(mix(c, rgbColour{}, m)) {
			hi = m
		} else {
			lo = m
		}
	}
	return hexRGB(rgbHex(mix(c, rgbColour{}, hi)))
}

// mix returns a with share of b mixed in, per channel.
func mix(a, b rgbColour, share float64) rgbColour {
	var out rgbColour
	for i := range out {
		out[i] = a[i]*(1-share) + b[i]*share
	}
	return out
}
