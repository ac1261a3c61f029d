package web

import (
	"context"
	"encoding/json"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vestiging/vestiging"
)

// setColour stores the library's house colour.
func (e *env) setColour(colour string) {
	e.t.Helper()
	lib, err := e.db.Library(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	lib.Colour = colour
	if err := e.db.UpdateLibrary(context.Background(), lib); err != nil {
		e.t.Fatalf("set colour %s: %v", colour, err)
	}
}

// linked returns the first address in body that matches pattern's group.
func linked(t *testing.T, body, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in:\n%s", pattern, body)
	}
	return m[1]
}

func TestLook(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	e.setColour("#0096d6") // 3.3:1 with white: its text shade is darker
	p, _ := vestiging.NewPalette("#0096d6")

	t.Run("Style", func(t *testing.T) {
		home := e.get(c, "/")
		style := linked(t, home.Body, `<link rel="stylesheet" href="(/style\.css\?v=[0-9a-f]+)">`)
		wantContains(t, home, `<meta name="theme-color" content="`+p.AccentDark+`">`)
		res := e.get(c, style)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "--brand: #0096d6;", "--accent: "+p.Accent+";", ".event-card")
		if got := res.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
			t.Errorf("versioned stylesheet Cache-Control %q, want immutable", got)
		}
		// Another colour is another address, so no one keeps the old one.
		e.setColour("#2e7d32")
		if again := linked(t, e.get(c, "/").Body, `href="(/style\.css\?v=[0-9a-f]+)"`); again == style {
			t.Errorf("the stylesheet's address stayed %s after the colour changed", style)
		}
		e.setColour("#0096d6")
	})
	t.Run("IconsAndManifest", func(t *testing.T) {
		home := e.get(c, "/")
		icon := linked(t, home.Body, `<link rel="icon" href="(/icons/[0-9a-f]+/favicon-32\.png)"`)
		wantContains(t, home, `<link rel="manifest" href="/manifest.webmanifest">`, `<link rel="apple-touch-icon" href="/icons/`)
		res := e.get(c, icon)
		wantStatus(t, res, http.StatusOK)
		img, err := png.Decode(strings.NewReader(res.Body))
		if err != nil || img.Bounds().Dx() != 32 {
			t.Fatalf("favicon: %v, %v", err, img)
		}
		res = e.get(c, "/manifest.webmanifest")
		wantStatus(t, res, http.StatusOK)
		var m struct {
			Name       string         `json:"name"`
			StartURL   string         `json:"start_url"`
			Display    string         `json:"display"`
			ThemeColor string         `json:"theme_color"`
			Icons      []manifestIcon `json:"icons"`
		}
		if err := json.Unmarshal([]byte(res.Body), &m); err != nil {
			t.Fatalf("manifest: %v\n%s", err, res.Body)
		}
		if m.Name != "Bibliotheek" || m.StartURL != "/" || m.Display != "standalone" || m.ThemeColor != p.AccentDark || len(m.Icons) != 3 {
			t.Errorf("manifest %+v", m)
		}
		for _, ic := range m.Icons {
			res := e.get(c, ic.Src)
			if img, err := png.Decode(strings.NewReader(res.Body)); err != nil || ic.Sizes != "192x192" && img.Bounds().Dx() != 512 {
				t.Errorf("icon %s (%s): %v", ic.Src, ic.Sizes, err)
			}
		}
		if res := e.get(c, "/favicon.ico"); res.Status != http.StatusFound || res.Header.Get("Location") != icon {
			t.Errorf("/favicon.ico: %d to %q, want %s", res.Status, res.Header.Get("Location"), icon)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, path := range []string{"/icons/000000000000/favicon-32.png", "/icons/" + strings.Split(linked(t, e.get(c, "/").Body, `/icons/([0-9a-f]+)/`), "/")[0] + "/other.png"} {
			if res := e.get(c, path); res.Status != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, res.Status)
			}
		}
	})
	t.Run("StaffColour", func(t *testing.T) {
		staff := e.signIn("beheer@example.nl", vestiging.RoleAdmin)
		form := url.Values{"name": {"Bibliotheek"}, "colour": {"#ffff00"}}
		res := e.post(staff, "/staff/library", form)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		// The reason, in Dutch, and the nearest shade that can be used.
		wantContains(t, res, "Deze kleur is te licht", "WCAG AA", `value="`+vestiging.AccessibleShade("#ffff00")+`"`)
		if lib, _ := e.db.Library(context.Background()); lib.Colour != "#0096d6" {
			t.Errorf("colour after a refused one: %q", lib.Colour)
		}
		form.Set("colour", vestiging.AccessibleShade("#ffff00"))
		res = e.post(staff, "/staff/library", form)
		wantStatus(t, res, http.StatusSeeOther)
		if lib, _ := e.db.Library(context.Background()); lib.Colour != vestiging.AccessibleShade("#ffff00") {
			t.Errorf("colour after saving the offered shade: %q", lib.Colour)
		}
	})
}

func TestMailLook(t *testing.T) {
	e := newEnv(t)
	e.setColour("#2e7d32")
	lib, err := e.db.Library(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	lib.LogoURL, lib.LogoAlt = "https://bieb.example.nl/logo.png", "Logo"
	if err := e.db.UpdateLibrary(context.Background(), lib); err != nil {
		t.Fatal(err)
	}
	s := e.srv.Config.Handler.(*Server)
	m := s.accountMail(context.Background(), "nl", "anna@example.nl", "Anna <b>", "Confirm your email address",
		para("Bevestig met deze link: %s.", "https://localhost/confirm?token=a&b=<c>"), para("Tot ziens"))
	p := lib.Palette()
	for _, want := range []string{`background:` + p.AccentDark, `<img src="https://bieb.example.nl/logo.png"`,
		`<a href="https://localhost/confirm?token=a&amp;b=" style="color:#2e7d32">https://localhost/confirm?token=a&amp;b=</a>&lt;c&gt;.`, "Hallo Anna &lt;b&gt;,", "<p style=\"margin:0 0 16px\">Tot ziens</p>"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("mail HTML lacks %q:\n%s", want, m.HTML)
		}
	}
	if !strings.Contains(m.Text, "Hallo Anna <b>,") {
		t.Errorf("mail text changed:\n%s", m.Text)
	}
}
