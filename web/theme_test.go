package web

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vestiging/vestiging/store/storetest"
)

// newThemeEnv starts the server with the theme in dir.
func newThemeEnv(t *testing.T, dir string) *env {
	t.Helper()
	th, err := OpenTheme(dir)
	if err != nil {
		t.Fatalf("open theme: %v", err)
	}
	clock := storetest.NewClock(testNow)
	db := storetest.SQLiteClock(t, clock.Now)
	return newEnvWith(t, db, clock, db, func(c *Config) { c.Theme = th })
}

// TestTheme runs the README's example theme.
func TestTheme(t *testing.T) {
	e := newThemeEnv(t, "../docs/theme-example")
	c := e.client()
	t.Run("Template", func(t *testing.T) {
		res := e.get(c, "/agenda")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `<img src="/theme/gemeente.svg"`)
		wantContains(t, res, "Met steun van de gemeente.")
		wantContains(t, res, `<link rel="stylesheet" href="/theme/theme.css?v=`)
	})
	t.Run("Static", func(t *testing.T) {
		res := e.get(c, "/theme/theme.css")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "border-radius")
		wantStatus(t, e.get(c, "/theme/gemeente.svg"), http.StatusOK)
		wantStatus(t, e.get(c, "/theme/../templates/partials_site.html"), http.StatusNotFound)
	})
	t.Run("Locale", func(t *testing.T) {
		res := e.get(c, "/agenda?lang=fy")
		wantContains(t, res, `<html lang="fy" dir="ltr">`)
		wantContains(t, res, "Aginda")
		wantContains(t, res, "Mei stipe fan de gemeente.")
		wantContains(t, res, `hreflang="fy"`)
		// A built-in text the theme replaces.
		wantContains(t, e.get(e.client(), "/agenda?lang=nl"), "Programma")
	})
	t.Run("None", func(t *testing.T) {
		wantNotContains(t, newEnv(t).get(c, "/agenda"), "/theme/")
	})
}

func TestOpenTheme(t *testing.T) {
	write := func(t *testing.T, files map[string]string) string {
		t.Helper()
		dir := t.TempDir()
		for name, text := range files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	t.Run("OK", func(t *testing.T) {
		dir := write(t, map[string]string{"templates/error.html": `{{define "title"}}Oeps{{end}}{{define "main"}}<h1>Oeps</h1>{{end}}`})
		e := newThemeEnv(t, dir)
		res := e.get(e.client(), "/no-such-page")
		wantStatus(t, res, http.StatusNotFound)
		wantContains(t, res, "<h1>Oeps</h1>")
	})
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"ErrTemplate", map[string]string{"templates/agenda.html": `{{define "main"}}{{nosuchfunc}}{{end}}`},
			filepath.Join("templates", "agenda.html")},
		{"ErrPartial", map[string]string{"templates/partials_site.html": `{{define "footer"}}{{if}}{{end}}`},
			filepath.Join("templates", "partials_site.html")},
		{"ErrLocale", map[string]string{"locales/site.fy.toml": `"Agenda" = `}, "site.fy.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := write(t, tt.files)
			_, err := OpenTheme(dir)
			if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error naming %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line", err)
			}
		})
	}
	t.Run("ErrNotFound", func(t *testing.T) {
		if _, err := OpenTheme(filepath.Join(t.TempDir(), "missing")); err == nil {
			t.Error("got no error for a missing directory")
		}
	})
}
