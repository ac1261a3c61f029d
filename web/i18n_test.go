package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/vestiging/vestiging"
)

// localeMessages reads the built-in locale files of lang, by message ID.
func localeMessages(t *testing.T, lang string) map[string]*i18n.Message {
	t.Helper()
	names, err := fs.Glob(builtinLocales, "locales/*."+lang+".toml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no locale files for %s: %v", lang, err)
	}
	out := map[string]*i18n.Message{}
	for _, name := range names {
		b, err := fs.ReadFile(builtinLocales, name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := i18n.ParseMessageFileBytes(b, name, map[string]i18n.UnmarshalFunc{"toml": toml.Unmarshal})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, m := range f.Messages {
			if _, dup := out[m.ID]; dup {
				t.Errorf("%s: %q is also in another %s file", name, m.ID, lang)
			}
			out[m.ID] = m
		}
	}
	return out
}

// TestCatalogComplete checks that every string the templates translate and
// every message the domain and this package show has a Dutch entry.
func TestCatalogComplete(t *testing.T) {
	dutch := localeMessages(t, "nl")
	var missing []string
	check := func(where, s string) {
		if _, ok := dutch[s]; !ok {
			missing = append(missing, where+": "+s)
		}
	}
	templates, err := filepath.Glob("templates/*.html")
	if err != nil || len(templates) == 0 {
		t.Fatalf("templates: %v", err)
	}
	// {{t "…"}}, (t "…"), {{tf "…"}}, {{tn "…"}}, field labels and hints.
	tmplStrings := regexp.MustCompile(`\bt[fn]? "([^"]+)"`)
	fieldStrings := regexp.MustCompile(`\(field [$.\w]+ [^ ]+ "([^"]*)" "[^"]*"((?: "[^"]*")*)\)`)
	hints := regexp.MustCompile(`"hint=([^"]+)"`)
	for _, p := range templates {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tmplStrings.FindAllStringSubmatch(string(b), -1) {
			check(p, m[1])
		}
		for _, m := range fieldStrings.FindAllStringSubmatch(string(b), -1) {
			if m[1] != "" {
				check(p, m[1])
			}
			for _, h := range hints.FindAllStringSubmatch(m[2], -1) {
				check(p, h[1])
			}
		}
	}
	// Messages are English sentences in string literals: the domain's
	// (root package) and this package's.
	messages := regexp.MustCompile(`"([A-Z][^"%]*[a-z0-9)][.])"`)
	isDutch := map[string]bool{}
	for _, m := range dutch {
		isDutch[m.Other] = true
	}
	for _, pattern := range []string{"../*.go", "*.go"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range files {
			if strings.HasSuffix(p, "_test.go") || filepath.Base(p) == "i18n.go" {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range messages.FindAllStringSubmatch(string(b), -1) {
				if !isDutch[m[1]] { // Dutch text itself, not a message
					check(p, m[1])
				}
			}
		}
	}
	for _, s := range statusTitles {
		check("statusTitles", s)
	}
	for _, s := range audienceNames {
		check("audienceNames", s)
	}
	for _, l := range eventLanguages {
		check("eventLanguages", l.Name)
	}
	for _, f := range fieldLabels {
		check("fieldLabels", f.label)
	}
	for _, m := range missing {
		t.Errorf("no Dutch for %s", m)
	}
}

func TestAcceptLanguage(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", "nl"},
		{"en", "en"},
		{"en-US,en;q=0.9,nl;q=0.8", "en"},
		{"nl-BE, en;q=0.9", "nl"},
		{"de-DE, fr;q=0.8", "nl"},
		{"en;q=0.3, nl;q=0.2", "en"},
		{"nl;q=0, en;q=0.1", "en"},
	}
	for _, tt := range tests {
		if got := builtin().accept(tt.header); got != tt.want {
			t.Errorf("acceptLanguage(%q): got %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestLocales(t *testing.T) {
	l := builtin()
	t.Run("Translate", func(t *testing.T) {
		tests := []struct{ lang, id, want string }{
			{"nl", "Sign in", "Inloggen"},
			{"en", "Sign in", "Sign in"},
			{"nl", "No such text", "No such text"},
			{"xx", "Sign in", "Sign in"},
		}
		for _, tt := range tests {
			if got := l.T(tt.lang, tt.id); got != tt.want {
				t.Errorf("T(%s, %q): got %q, want %q", tt.lang, tt.id, got, tt.want)
			}
		}
	})
	t.Run("Plural", func(t *testing.T) {
		tests := []struct {
			lang string
			n    int
			want string
		}{
			{"nl", 1, "1 komende activiteit"},
			{"nl", 3, "3 komende activiteiten"},
			{"nl", 0, "0 komende activiteiten"},
			{"en", 1, "1 upcoming activity"},
			{"en", 2, "2 upcoming activities"},
		}
		for _, tt := range tests {
			if got := l.N(tt.lang, "%d upcoming activities", tt.n); got != tt.want {
				t.Errorf("N(%s, %d): got %q, want %q", tt.lang, tt.n, got, tt.want)
			}
		}
	})
	t.Run("Languages", func(t *testing.T) {
		got := strings.Join(l.Languages(), ",")
		if !strings.HasPrefix(got, "nl,en") {
			t.Errorf("languages %s: want Dutch, then English first", got)
		}
	})
}

// TestLocalesExtra adds a language from files outside the binary, as a
// theme directory does.
func TestLocalesExtra(t *testing.T) {
	extra := fstest.MapFS{
		"site.fy.toml": {Data: []byte("\"Sign in\" = \"Oanmelde\"\n")},
		"site.nl.toml": {Data: []byte("\"Agenda\" = \"Programma\"\n")},
	}
	l, err := NewLocales(extra)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ lang, id, want string }{
		{"fy", "Sign in", "Oanmelde"},
		{"fy", "Sign out", "Sign out"}, // missing: the English source
		{"nl", "Agenda", "Programma"},  // replaced
		{"nl", "Sign in", "Inloggen"},  // kept
	}
	for _, tt := range tests {
		if got := l.T(tt.lang, tt.id); got != tt.want {
			t.Errorf("T(%s, %q): got %q, want %q", tt.lang, tt.id, got, tt.want)
		}
	}
	if !l.Has("fy") {
		t.Errorf("languages %v: want fy added", l.Languages())
	}
	t.Run("ErrBadFile", func(t *testing.T) {
		_, err := NewLocales(fstest.MapFS{"site.fy.toml": {Data: []byte("\"Sign in\" = ")}})
		if err == nil || !strings.Contains(err.Error(), "site.fy.toml") {
			t.Errorf("got %v, want an error naming the file", err)
		}
	})
}

func TestDir(t *testing.T) {
	for lang, want := range map[string]string{"ar": "rtl", "he": "rtl", "fa": "rtl", "nl": "ltr", "fy": "ltr", "tr": "ltr", "uk": "ltr"} {
		if got := Dir(lang); got != want {
			t.Errorf("Dir(%s): got %s, want %s", lang, got, want)
		}
	}
}

// TestArabic: the built-in right-to-left language, with its own plural
// forms and dates from its locale files.
func TestArabic(t *testing.T) {
	l := builtin()
	t.Run("Plural", func(t *testing.T) {
		for n, want := range map[int]string{
			1: "1 نشاط قادم", 2: "2 نشاطان قادمان", 3: "3 أنشطة قادمة", 11: "11 نشاطًا قادمًا", 100: "100 نشاط قادم",
		} {
			if got := l.N("ar", "%d upcoming activities", n); got != want {
				t.Errorf("N(ar, %d): got %q, want %q", n, got, want)
			}
		}
	})
	t.Run("Dates", func(t *testing.T) {
		day := time.Date(2026, time.December, 5, 14, 0, 0, 0, time.UTC)
		if got, want := l.Dates("ar").Date(day), "السبت 5 ديسمبر 2026"; got != want {
			t.Errorf("date: got %q, want %q", got, want)
		}
		if got, want := l.Dates("nl").Date(day), "za 5 december 2026"; got != want {
			t.Errorf("Dutch date: got %q, want %q", got, want)
		}
	})
	t.Run("Page", func(t *testing.T) {
		e := newEnv(t)
		b := e.branch("Bibliotheek Centrum")
		ev := e.event("Taalcafé", vestiging.StatusPublished, b, testNow.Add(72*time.Hour))
		c := e.client()
		res := e.get(c, "/agenda?lang=ar")
		wantContains(t, res, `<html lang="ar" dir="rtl">`, "<h1>البرنامج</h1>",
			`<a href="/agenda?lang=ar" lang="ar" hreflang="ar" dir="rtl" aria-current="true">العربية</a>`, "الخميس 5 مارس")
		if got := res.Header.Get("Content-Language"); got != "ar" {
			t.Errorf("Content-Language %q, want ar", got)
		}
		res = e.get(c, "/events/"+strconv.FormatInt(ev.ID, 10))
		wantContains(t, res, `<html lang="ar" dir="rtl">`, `<h1 dir="auto">Taalcafé</h1>`, "الخميس 5 مارس 2026")
	})
}
