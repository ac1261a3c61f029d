package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeThemeDir: serve uses the README's example theme, from the flag
// or the environment, and refuses a theme whose template does not parse
// in one line naming the file.
func TestServeThemeDir(t *testing.T) {
	example, err := filepath.Abs("../../docs/theme-example")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		s := startServer(t, "--data", t.TempDir(), "--theme-dir", example)
		defer s.stop(t)
		_, body := httpGet(t, s.url+"/agenda?lang=fy")
		for _, want := range []string{`lang="fy"`, "Aginda", `src="/theme/gemeente.svg"`} {
			if !strings.Contains(body, want) {
				t.Errorf("/agenda?lang=fy lacks %q", want)
			}
		}
	})
	broken := t.TempDir()
	page := filepath.Join(broken, "templates", "agenda.html")
	if err := os.MkdirAll(filepath.Dir(page), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, []byte(`{{define "main"}}{{range}}{{end}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("ErrTemplate", func(t *testing.T) {
		r := runCmd(t, "serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--theme-dir", broken)
		wantError(t, r, 2, page)
	})
	t.Run("ErrTemplateEnv", func(t *testing.T) {
		r := runEnv(t, []string{"VESTIGING_THEME_DIR=" + broken}, "config", "check", "--data", t.TempDir())
		wantError(t, r, 1, page)
	})
}
