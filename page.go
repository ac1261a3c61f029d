package vestiging

import (
	"context"
	"strings"
	"time"
)

// Page is a page staff write for the library's own site (about, contact,
// house rules, the privacy statement), at /pages/{slug}, in Markdown as
// descriptions are, and linked from the header or footer menu.
type Page struct {
	ID            int64
	Slug          string // the address: /pages/privacy
	Title         string
	ContentSource string // the Markdown as written
	Content       string // the sanitised HTML rendered from it
	Menu          string // MenuHeader, MenuFooter or MenuNone
	Position      int    // the order in its menu, low first
	UpdatedAt     time.Time
}

// The menus a page is linked from.
const (
	MenuNone   = ""
	MenuHeader = "header"
	MenuFooter = "footer"
)

// Menus are the menu choices, in the form's order.
var Menus = []string{MenuHeader, MenuFooter, MenuNone}

// PrivacySlug is the privacy statement's address, which the site offers
// from the start (migration 0020) and links in the footer.
const PrivacySlug = "privacy"

// Validate checks and normalises a page and renders its Markdown.
func (p *Page) Validate() error {
	v := Validation{}
	p.Slug, p.Title = strings.TrimSpace(p.Slug), strings.TrimSpace(p.Title)
	if !slugRE.MatchString(p.Slug) || len(p.Slug) > 60 {
		v.Add("slug", "Use lower-case letters, digits and hyphens.")
	}
	checkText(v, "title", p.Title, true, 200)
	checkText(v, "content", p.ContentSource, true, 50000)
	switch p.Menu {
	case MenuNone, MenuHeader, MenuFooter:
	default:
		v.Add("menu", "Choose a menu.")
	}
	if p.Position < 0 || p.Position > 999 {
		v.Add("position", "Give a number from 0 to 999.")
	}
	renderWritten(&p.ContentSource, &p.Content)
	return v.Err()
}

// PageService keeps the library's pages. Changes write their AuditEntry
// in the same transaction.
type PageService interface {
	// Pages lists every page by menu position, then title, without its
	// text (ContentSource and Content are empty): for menus and lists.
	Pages(ctx context.Context) ([]*Page, error)
	Page(ctx context.Context, id int64) (*Page, error)
	// PageBySlug returns the page at /pages/{slug}, or ENOTFOUND.
	PageBySlug(ctx context.Context, slug string) (*Page, error)
	// CreatePage stores a new page; a slug in use is ECONFLICT.
	CreatePage(ctx context.Context, p *Page, by *AuditEntry) error
	UpdatePage(ctx context.Context, p *Page, by *AuditEntry) error
	DeletePage(ctx context.Context, id int64, by *AuditEntry) error
}
