package web

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"github.com/vestiging/vestiging"
)

// templates are the layout and partials, parsed once, and each page in
// each language, parsed from them the first time it is shown: an instance
// keeps only the pages and languages its visitors ask for (all of them
// parsed at once took some 60 MiB), and a copy per language binds its texts,
// so {{t "…"}} needs no language argument.
type templates struct {
	files map[string]templateFile
	funcs func(lang string) template.FuncMap
	mu    sync.Mutex
	base  *template.Template                       // never executed, so it can be cloned
	pages map[string]map[string]*template.Template // by name, then language; nil: not a page
}

// mustParseTemplates parses the layout and partials (the theme's in place
// of the built-in ones); the pages follow as they are shown.
func (s *Server) mustParseTemplates() *templates {
	l := s.locales
	files := s.theme.files()
	base, pages, err := parseBase(files, templateFuncs(l, defaultLang), s.siteFuncs())
	if err != nil {
		panic(err) // the built-in ones are tested, a theme's checked by OpenTheme
	}
	ts := &templates{files: files, base: base, pages: map[string]map[string]*template.Template{},
		funcs: func(lang string) template.FuncMap { return templateFuncs(l, lang) }}
	for _, name := range pages {
		ts.pages[name] = map[string]*template.Template{}
	}
	return ts
}

// page returns the page name in lang, or false for no such page.
func (ts *templates) page(name, lang string) (*template.Template, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	byLang, ok := ts.pages[name]
	if !ok {
		return nil, false
	}
	if t := byLang[lang]; t != nil {
		return t, true
	}
	t, err := parsePage(ts.base, ts.files, name)
	if err != nil {
		panic(err) // as mustParseTemplates
	}
	byLang[lang] = t.Funcs(ts.funcs(lang))
	return byLang[lang], true
}

// langLink is the language switcher's link to the current page in one language.
type langLink struct{ Code, Name, Dir, URL string }

// page is the data every template gets; Data holds the page's own.
type page struct {
	Lang    string
	User    *vestiging.Person
	Library *vestiging.Library
	Langs   []langLink // the current address in each language the site speaks
	Path    string
	Themes  []*vestiging.Theme
	Form    *form
	Data    any
	// Federated shows the network's parts: the staff Network page, the
	// agenda's library filter.
	Federated bool
	Account   string // the library's fediverse handle, "@agenda@host"; "" without federation
	Look      look   // filled by render from Library
	Meta      *pageMeta
	// Flash says what the action before this page did (see flash.go).
	Flash string
	// Pages are the library's own pages, for the header and footer menus
	// (filled by render).
	Pages []*vestiging.Page
}

// ThemeName returns the theme's name in the page's language, or the slug
// for a theme that no longer exists.
func (p *page) ThemeName(slug string) string {
	for _, t := range p.Themes {
		if t.Slug == slug {
			return t.Name(p.Lang)
		}
	}
	return slug
}

func (s *Server) newPage(r *http.Request, data any) *page {
	lang := langFrom(r.Context())
	p := &page{
		Lang:      lang,
		User:      personFrom(r.Context()),
		Path:      r.URL.Path,
		Data:      data,
		Federated: s.fed != nil && s.network != nil,
	}
	if s.ap != nil {
		p.Account = "@" + strings.TrimPrefix(s.ap.Acct(), "acct:")
	}
	p.Flash = s.flashFrom(r, lang)
	for _, l := range s.locales.Languages() {
		u := *r.URL
		q := u.Query()
		q.Set("lang", l)
		u.RawQuery = q.Encode()
		p.Langs = append(p.Langs, langLink{Code: l, Name: s.locales.Name(l), Dir: Dir(l), URL: u.RequestURI()})
	}
	return p
}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 page instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	if p.Library == nil {
		// The header shows the library's name; a missing profile must not
		// break every page, least of all the error pages.
		if lib, err := s.svc.Library(r.Context()); err == nil {
			p.Library = lib
		} else if vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			s.log.Error("library for layout", "err", err)
		}
	}
	if p.Pages == nil {
		// Without its pages a page still shows, only without their links.
		if pages, err := s.svc.Pages(r.Context()); err == nil {
			p.Pages = pages
		} else {
			s.log.Error("pages for the menus", "err", err)
		}
	}
	p.Look = s.lookOf(p.Library)
	if p.Meta == nil {
		p.Meta = s.defaultMeta(r, p.Library, p.Look)
	}
	t, ok := s.templates.page(name, p.Lang)
	if !ok {
		s.log.Error("unknown template", "name", name)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("render template", "name", name, "err", err)
		if name != "error" {
			s.errorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again later.")
			return
		}
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", p.Lang)
	if p.User != nil {
		h.Set("Cache-Control", "private, no-store")
	}
	if p.Flash != "" {
		s.clearFlash(w)
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorData struct {
	Status  int
	Title   string
	Message string
}

var statusTitles = map[int]string{
	http.StatusBadRequest:            "Bad request",
	http.StatusUnauthorized:          "Not signed in",
	http.StatusForbidden:             "Not allowed",
	http.StatusNotFound:              "Page not found",
	http.StatusMethodNotAllowed:      "Not allowed",
	http.StatusConflict:              "Conflict",
	http.StatusRequestEntityTooLarge: "Too large",
	http.StatusUnprocessableEntity:   "Please correct the form",
	http.StatusTooManyRequests:       "Too many requests",
	http.StatusInternalServerError:   "Something went wrong",
	http.StatusServiceUnavailable:    "Temporarily unavailable",
}

// errorPage renders the error page in the layout; message is an English
// catalog key.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, message string) {
	title := statusTitles[status]
	if title == "" {
		title = http.StatusText(status)
	}
	s.render(w, r, status, "error", s.newPage(r, errorData{Status: status, Title: title, Message: message}))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "We could not find this page. It may have been moved or removed.")
}

// errorStatus is the one mapping from domain error codes to HTTP statuses.
func errorStatus(code string) int {
	switch code {
	case vestiging.ENOTFOUND:
		return http.StatusNotFound
	case vestiging.EINVALID:
		return http.StatusBadRequest
	case vestiging.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case vestiging.EFORBIDDEN:
		return http.StatusForbidden
	case vestiging.ECONFLICT:
		return http.StatusConflict
	case vestiging.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case vestiging.ETOOMANY:
		return http.StatusTooManyRequests
	case vestiging.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case vestiging.ENOTIMPLEMENT:
		return http.StatusNotImplemented
	default:
		return http.StatusInternalServerError
	}
}

// fail renders err as an error page. Internal errors are logged with their
// details and shown only as a generic message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.errorPage(w, r, http.StatusRequestEntityTooLarge, "What you sent is too large (at most 1 MB). Please shorten it and try again.")
		return
	}
	status := errorStatus(vestiging.ErrorCode(err))
	switch status {
	case http.StatusNotFound:
		s.notFound(w, r)
		return
	case http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusNotImplemented:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	msg := vestiging.ErrorMessage(err)
	if status == http.StatusServiceUnavailable {
		msg = "The service is temporarily unavailable. Please try again later."
	}
	if status == http.StatusInternalServerError {
		msg = "Something went wrong on our side. Please try again later."
	}
	s.errorPage(w, r, status, msg)
}

// description is the only place the web layer emits HTML it did not write.
// The domain sanitised it on the way in; it is sanitised again here so a
// row written by any other path (an import, a manual fix) cannot inject script.
func description(s string) template.HTML {
	return template.HTML(vestiging.SanitizeHTML(s))
}
