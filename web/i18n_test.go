package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCatalogComplete checks that every string the templates translate and
// every message the domain and this package show has a Dutch entry.
func TestCatalogComplete(t *testing.T) {
	var missing []string
	check := func(where, s string) {
		for _, c := range catalogs {
			if _, ok := c[s]; ok {
				return
			}
		}
		missing = append(missing, where+": "+s)
	}
	templates, err := filepath.Glob("templates/*.html")
	if err != nil || len(templates) == 0 {
		t.Fatalf("templates: %v", err)
	}
	// {{t "…"}}, (t "…"), {{tf "…"}}, field labels and hints.
	tmplStrings := regexp.MustCompile(`\bt[f]? "([^"]+)"`)
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
	dutch := map[string]bool{}
	for _, c := range catalogs {
		for _, nl := range c {
			dutch[nl] = true
		}
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
				if !dutch[m[1]] { // a part's catalog, outside i18n.go
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
		if got := acceptLanguage(tt.header); got != tt.want {
			t.Errorf("acceptLanguage(%q): got %q, want %q", tt.header, got, tt.want)
		}
	}
}
