package vestiging_test

import (
	"testing"

	"github.com/vestiging/vestiging"
)

func TestNewPalette(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, colour := range []string{"", "#0B5394", "#c00", "#e4007c", "#767676", "#000000", " #2e7d32 "} {
			p, err := vestiging.NewPalette(colour)
			if err != nil {
				t.Fatalf("NewPalette(%q): %v", colour, err)
			}
			if got := vestiging.Contrast(p.Accent, "#ffffff"); got < vestiging.ContrastText {
				t.Errorf("NewPalette(%q).Accent %s: contrast %.2f with white, want at least 4.5", colour, p.Accent, got)
			}
			if got := vestiging.Contrast(p.AccentDark, "#ffffff"); got < 7 {
				t.Errorf("NewPalette(%q).AccentDark %s: contrast %.2f with white, want at least 7", colour, p.AccentDark, got)
			}
			if got := vestiging.Contrast(p.Soft, "#1a1a1a"); got < 14 {
				t.Errorf("NewPalette(%q).Soft %s: contrast %.2f with the text colour, want at least 14", colour, p.Soft, got)
			}
		}
	})
	t.Run("KeepsAnAccessibleColour", func(t *testing.T) {
		p, err := vestiging.NewPalette("#0B5394")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := p.Accent, "#0b5394"; got != want {
			t.Errorf("Accent %s, want the colour itself %s", got, want)
		}
		if got, want := p.Brand, "#0b5394"; got != want {
			t.Errorf("Brand %s, want %s", got, want)
		}
	})
	t.Run("DarkensAMidColour", func(t *testing.T) {
		// #0096d6 (contrast 3.3 with white) needs a little black for text.
		p, err := vestiging.NewPalette("#0096d6")
		if err != nil {
			t.Fatal(err)
		}
		if p.Accent == "#0096d6" || p.Brand != "#0096d6" {
			t.Errorf("palette %+v: want the brand kept and a darker accent", p)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, tc := range []struct{ colour, msg string }{
			{"#ffff00", vestiging.MsgColourTooLight}, // yellow: 1.07:1
			{"#ffffff", vestiging.MsgColourTooLight}, // white
			{"#a0c4ff", vestiging.MsgColourTooLight}, // pastel blue: 1.9:1
			{"#f39200", vestiging.MsgColourTooLight}, // orange: 2.4:1
			{"blue", "Give the colour as #rrggbb, for example #0b5394."},
			{"#12345g", "Give the colour as #rrggbb, for example #0b5394."},
			{"#1234", "Give the colour as #rrggbb, for example #0b5394."},
		} {
			_, err := vestiging.NewPalette(tc.colour)
			if got := vestiging.ErrorCode(err); got != vestiging.EINVALID {
				t.Errorf("NewPalette(%q): code %q, want EINVALID", tc.colour, got)
			}
			if got := vestiging.ErrorMessage(err); got != tc.msg {
				t.Errorf("NewPalette(%q): message %q, want %q", tc.colour, got, tc.msg)
			}
		}
	})
}

func TestContrast(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#767676", "#ffffff", 4.54},
	} {
		if got := vestiging.Contrast(tc.a, tc.b); got < tc.want-0.01 || got > tc.want+0.01 {
			t.Errorf("Contrast(%s, %s) = %.3f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestAccessibleShade(t *testing.T) {
	for _, colour := range []string{"#ffff00", "#f39200", "#0b5394"} {
		shade := vestiging.AccessibleShade(colour)
		if _, err := vestiging.NewPalette(shade); err != nil {
			t.Errorf("AccessibleShade(%s) = %s, refused: %v", colour, shade, err)
		}
		if got := vestiging.Contrast(shade, "#ffffff"); got < vestiging.ContrastText {
			t.Errorf("AccessibleShade(%s) = %s: contrast %.2f", colour, shade, got)
		}
	}
	if got, want := vestiging.AccessibleShade("#0b5394"), "#0b5394"; got != want {
		t.Errorf("AccessibleShade of an accessible colour = %s, want it unchanged %s", got, want)
	}
}
