package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/vestiging/vestiging"
)

// Pages staff write (about, contact, house rules, the privacy statement)
// at /pages/{slug}, in the events' Markdown editor, linked from the
// header or footer menu.

func (s *Server) pageRoutes(r chi.Router) {
	r.Get("/pages/{slug}", s.pagePage)
	r.Route("/staff/pages", func(r chi.Router) {
		r.Use(s.requireStaff)
		r.Get("/", s.staffPages)
		r.Get("/new", s.newPageForm)
		r.Post("/new", s.createPage)
		r.Get("/{id}/edit", s.editPage)
		r.Post("/{id}/edit", s.updatePage)
		r.Get("/{id}/delete", s.confirmDeletePage)
		r.Post("/{id}/delete", s.deletePage)
	})
}

func (s *Server) pagePage(w http.ResponseWriter, r *http.Request) {
	pg, err := s.svc.PageBySlug(r.Context(), chi.URLParam(r, "slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "page", s.newPage(r, pg))
}

// pageSuggestion is a page the library is likely to want, offered on the
// list until it exists: the link opens the form with its address and title.
type pageSuggestion struct{ Slug, Title string }

var pageSuggestions = []pageSuggestion{
	{"over-ons", "Over ons"},
	{"contact", "Contact"},
	{"huisregels", "Huisregels"},
	{vestiging.PrivacySlug, "Privacyverklaring"},
}

type staffPagesData struct {
	Pages       []*vestiging.Page
	Suggestions []pageSuggestion
}

func (s *Server) staffPages(w http.ResponseWriter, r *http.Request) {
	pages, err := s.svc.Pages(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("pages: %w", err))
		return
	}
	data := staffPagesData{Pages: pages}
	for _, sg := range pageSuggestions {
		if !slices.ContainsFunc(pages, func(p *vestiging.Page) bool { return p.Slug == sg.Slug }) {
			data.Suggestions = append(data.Suggestions, sg)
		}
	}
	s.render(w, r, http.StatusOK, "staff_pages", s.newPage(r, data))
}

type pageFormData struct {
	Page   *vestiging.Page // nil when creating
	Action string
	Menus  []string
}

func (s *Server) pageForm(w http.ResponseWriter, r *http.Request, status int, f *form, pg *vestiging.Page) {
	data := pageFormData{Page: pg, Action: "/staff/pages/new", Menus: vestiging.Menus}
	if pg != nil {
		data.Action = fmt.Sprintf("/staff/pages/%d/edit", pg.ID)
	}
	p := s.newPage(r, data)
	p.Form = f
	s.render(w, r, status, "staff_page", p)
}

// newPageForm shows the form for a new page, filled from a suggestion's
// ?slug= and ?title=.
func (s *Server) newPageForm(w http.ResponseWriter, r *http.Request) {
	f := newForm(nil)
	q := r.URL.Query()
	f.Set("slug", q.Get("slug"))
	f.Set("title", q.Get("title"))
	f.Set("menu", vestiging.MenuFooter)
	f.Set("position", "0")
	s.pageForm(w, r, http.StatusOK, f, nil)
}

func (s *Server) staffPageOf(r *http.Request) (*vestiging.Page, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Page(r.Context(), id)
}

func (s *Server) editPage(w http.ResponseWriter, r *http.Request) {
	pg, err := s.staffPageOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := newForm(nil)
	f.Set("slug", pg.Slug)
	f.Set("title", pg.Title)
	f.Set("content", pg.ContentSource)
	f.Set("menu", pg.Menu)
	f.Set("position", strconv.Itoa(pg.Position))
	s.pageForm(w, r, http.StatusOK, f, pg)
}

func (s *Server) createPage(w http.ResponseWriter, r *http.Request) { s.savePage(w, r, nil) }

func (s *Server) updatePage(w http.ResponseWriter, r *http.Request) {
	pg, err := s.staffPageOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.savePage(w, r, pg)
}

// savePage stores the posted page: a new one when existing is nil. A
// preview shows the form again, rendered; an invalid form or an address
// in use is shown again with 422 and nothing is saved.
func (s *Server) savePage(w http.ResponseWriter, r *http.Request, existing *vestiging.Page) {
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	pg := &vestiging.Page{Slug: f.Get("slug"), Title: f.Get("title"), ContentSource: f.Get("content"), Menu: f.Get("menu")}
	if existing != nil {
		pg.ID = existing.ID
	}
	if f.Preview() {
		s.pageForm(w, r, http.StatusOK, f, existing)
		return
	}
	if n, err := strconv.Atoi(strings.TrimSpace(f.Get("position"))); err == nil {
		pg.Position = n
	} else if strings.TrimSpace(f.Get("position")) != "" {
		f.Add("position", "Give a number from 0 to 999.")
	}
	f.AddDomain(vestiging.FieldErrors(pg.Validate()))
	if f.Valid() {
		var err error
		if existing == nil {
			err = s.svc.CreatePage(r.Context(), pg, s.auditEntry(r, "", "", ""))
		} else {
			err = s.svc.UpdatePage(r.Context(), pg, s.auditEntry(r, "", "", ""))
		}
		switch vestiging.ErrorCode(err) {
		case "":
			s.flash(w, "saved", pg.Title)
			http.Redirect(w, r, "/staff/pages", http.StatusSeeOther)
			return
		case vestiging.EINVALID, vestiging.ECONFLICT:
			f.AddDomain(vestiging.FieldErrors(err))
		default:
			s.fail(w, r, fmt.Errorf("save page %q: %w", pg.Slug, err))
			return
		}
	}
	s.pageForm(w, r, http.StatusUnprocessableEntity, f, existing)
}

func (s *Server) confirmDeletePage(w http.ResponseWriter, r *http.Request) {
	pg, err := s.staffPageOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "staff_page_delete", s.newPage(r, pg))
}

func (s *Server) deletePage(w http.ResponseWriter, r *http.Request) {
	pg, err := s.staffPageOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.svc.DeletePage(r.Context(), pg.ID, s.auditEntry(r, "", "", "")); err != nil {
		s.fail(w, r, fmt.Errorf("delete page %d: %w", pg.ID, err))
		return
	}
	s.flash(w, "deleted", pg.Title)
	http.Redirect(w, r, "/staff/pages", http.StatusSeeOther)
}

// menuPages are the pages linked in menu, in order.
func (p *page) menuPages(menu string) []*vestiging.Page {
	var out []*vestiging.Page
	for _, pg := range p.Pages {
		if pg.Menu == menu {
			out = append(out, pg)
		}
	}
	return out
}

// HeaderPages are the pages in the header's menu.
func (p *page) HeaderPages() []*vestiging.Page { return p.menuPages(vestiging.MenuHeader) }

// FooterPages are the pages in the footer's menu.
func (p *page) FooterPages() []*vestiging.Page { return p.menuPages(vestiging.MenuFooter) }
