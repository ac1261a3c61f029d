package web

import (
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"
)

// A theme directory (serve --theme-dir) changes a library's look beyond
// its logo and colour without a fork:
//
//	templates/*.html  replace the built-in templates of the same name
//	static/           served at /theme/; static/theme.css, when present, is
//	                  linked after the built-in stylesheet
//	locales/*.toml    add languages or replace single texts (see locales/README.md)
//
// Everything is read once at start: a change needs a restart.

// Theme is a theme directory, read and checked by OpenTheme.
type Theme struct {
	templates map[string]templateFile // by file name, "agenda.html"
	static    fs.FS                   // DIR/static; nil without one
	styleURL  string                  // theme.css, versioned; "" without one
	locales   *Locales                // the built-in ones and DIR/locales; nil without
}

// templateFile is one template's text and where it came from, which a
// parse error names.
type templateFile struct{ path, text string }

// OpenTheme reads the theme in dir and parses its templates with the
// built-in ones, so a mistake stops the server at start with an error
// naming the file, not a visitor's page later.
func OpenTheme(dir string) (*Theme, error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("theme: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("theme: %s is not a directory", dir)
	}
	root := os.DirFS(dir)
	t := &Theme{templates: map[string]templateFile{}}
	names, err := fs.Glob(root, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("theme: %w", err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(root, name)
		if err != nil {
			return nil, fmt.Errorf("theme: %w", err)
		}
		t.templates[path.Base(name)] = templateFile{path: filepath.Join(dir, filepath.FromSlash(name)), text: string(b)}
	}
	if isDir(filepath.Join(dir, "static")) {
		t.static = os.DirFS(filepath.Join(dir, "static"))
		if b, err := fs.ReadFile(t.static, "theme.css"); err == nil {
			t.styleURL = "/theme/theme.css?v=" + shortHash(string(b))
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("theme: %w", err)
		}
	}
	if d := filepath.Join(dir, "locales"); isDir(d) {
		if t.locales, err = NewLocales(os.DirFS(d)); err != nil {
			return nil, fmt.Errorf("theme: %s: %w", d, err)
		}
	}
	if _, err := parseTemplates(t.files(), templateFuncs(builtin(), defaultLang), (&Server{}).siteFuncs()); err != nil {
		return nil, err
	}
	return t, nil
}

func isDir(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.IsDir()
}

// files returns the built-in templates with the theme's in their place;
// a nil theme has only the built-in ones.
func (t *Theme) files() map[string]templateFile {
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		panic(err) // embedded: a build defect
	}
	files := map[string]templateFile{}
	for _, name := range names {
		b, err := assets.ReadFile(name)
		if err != nil {
			panic(err)
		}
		files[path.Base(name)] = templateFile{path: "web/" + name, text: string(b)}
	}
	if t != nil {
		for name, f := range t.templates {
			files[name] = f
		}
	}
	return files
}

// parseTemplates parses every page with the layout and the shared
// partials, as parseBase and parsePage do, to check them all.
func parseTemplates(files map[string]templateFile, funcs ...template.FuncMap) (map[string]*template.Template, error) {
	base, pages, err := parseBase(files, funcs...)
	if err != nil {
		return nil, err
	}
	sets := map[string]*template.Template{}
	for _, name := range pages {
		t, err := parsePage(base, files, name)
		if err != nil {
			return nil, err
		}
		sets[name] = t
	}
	return sets, nil
}

// parseBase parses the layout and the shared partials (partials.html and
// each part's partials_*.html), with funcs for their names, and returns
// them with the names of the pages; the pages' own texts are bound per
// language later.
func parseBase(files map[string]templateFile, funcs ...template.FuncMap) (*template.Template, []string, error) {
	base := template.New("layout")
	for _, f := range funcs {
		base.Funcs(f)
	}
	if err := parseFile(base, "layout.html", files["layout.html"]); err != nil {
		return nil, nil, err
	}
	var pages []string
	for _, name := range slices.Sorted(maps.Keys(files)) {
		switch {
		case strings.HasPrefix(name, "partials"):
			if err := parseFile(base, name, files[name]); err != nil {
				return nil, nil, err
			}
		case name != "layout.html":
			pages = append(pages, strings.TrimSuffix(name, ".html"))
		}
	}
	return base, pages, nil
}

// parsePage parses one page into a copy of base, which stays as it was.
func parsePage(base *template.Template, files map[string]templateFile, page string) (*template.Template, error) {
	t, err := base.Clone()
	if err != nil {
		return nil, err
	}
	if err := parseFile(t, page+".html", files[page+".html"]); err != nil {
		return nil, err
	}
	return t, nil
}

func parseFile(t *template.Template, name string, f templateFile) error {
	if _, err := t.New(name).Parse(f.text); err != nil {
		return fmt.Errorf("template %s: %w", f.path, err)
	}
	return nil
}

// themeRoutes serves the theme's static files at /theme/.
func (s *Server) themeRoutes(r chi.Router) {
	if s.theme != nil && s.theme.static != nil {
		r.Handle("/theme/*", http.StripPrefix("/theme/", cacheStatic(http.FileServerFS(s.theme.static))))
	}
}
