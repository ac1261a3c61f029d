package storetest

import (
	"testing"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

func testPages(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("Privacy", func(t *testing.T) {
		// The migration's default statement, linked in the footer, with
		// the HTML its Markdown renders to.
		p, err := open(t).PageBySlug(t.Context(), vestiging.PrivacySlug)
		if err != nil {
			t.Fatal(err)
		}
		if p.Title != "Privacyverklaring" || p.Menu != vestiging.MenuFooter {
			t.Errorf("privacy statement %q in menu %q", p.Title, p.Menu)
		}
		if want := vestiging.Markdown(p.ContentSource); p.Content != want {
			t.Errorf("privacy statement HTML:\n%s\nwant what its Markdown renders to:\n%s", p.Content, want)
		}
	})
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		staff := person(t, db, "medewerker@example.nl", "Medewerker")
		p := &vestiging.Page{Slug: "huisregels", Title: " Huisregels ", ContentSource: "We zijn **stil** in de leeszaal.",
			Menu: vestiging.MenuHeader, Position: 2}
		if err := db.CreatePage(ctx, p, &vestiging.AuditEntry{PersonID: staff.ID}); err != nil {
			t.Fatal(err)
		}
		if p.Title != "Huisregels" || p.Content != "<p>We zijn <strong>stil</strong> in de leeszaal.</p>" {
			t.Errorf("stored %q with HTML %q", p.Title, p.Content)
		}
		got, err := db.Page(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "page", got, p)
		p.Slug, p.Menu, p.Position = "regels", vestiging.MenuNone, 0
		if err := db.UpdatePage(ctx, p, &vestiging.AuditEntry{PersonID: staff.ID}); err != nil {
			t.Fatal(err)
		}
		got, err = db.PageBySlug(ctx, "regels")
		if err != nil {
			t.Fatal(err)
		}
		same(t, "changed page", got, p)
		list, err := db.Pages(ctx)
		if err != nil || len(list) != 2 || list[0].ID != p.ID || list[1].Slug != vestiging.PrivacySlug {
			t.Fatalf("pages %+v, %v: want by position", list, err)
		}
		if list[0].Title != p.Title || list[0].Content != "" || list[0].ContentSource != "" {
			t.Errorf("listed page %+v: want its title without its text", list[0])
		}
		if err := db.DeletePage(ctx, p.ID, &vestiging.AuditEntry{PersonID: staff.ID}); err != nil {
			t.Fatal(err)
		}
		_, err = db.Page(ctx, p.ID)
		wantCode(t, err, vestiging.ENOTFOUND)
		same(t, "audit log", auditActions(t, db), []string{"page.delete page 2", "page.update page 2", "page.create page 2"})
		entries, _, err := db.AuditLog(ctx, 0, 1)
		if err != nil || entries[0].Title != "Huisregels" || entries[0].PersonName != "Medewerker" {
			t.Errorf("delete entry %+v, %v: want the title kept and who did it", entries, err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		for name, p := range map[string]*vestiging.Page{
			"no title":  {Slug: "over", ContentSource: "Tekst"},
			"no text":   {Slug: "over", Title: "Over ons"},
			"bad slug":  {Slug: "Over ons", Title: "Over ons", ContentSource: "Tekst"},
			"bad menu":  {Slug: "over", Title: "Over ons", ContentSource: "Tekst", Menu: "side"},
			"bad order": {Slug: "over", Title: "Over ons", ContentSource: "Tekst", Position: -1},
		} {
			if err := db.CreatePage(ctx, p, &vestiging.AuditEntry{}); vestiging.ErrorCode(err) != vestiging.EINVALID {
				t.Errorf("%s: got %v, want EINVALID", name, err)
			}
		}
		taken := &vestiging.Page{Slug: vestiging.PrivacySlug, Title: "Privacy", ContentSource: "Tekst"}
		wantCode(t, db.CreatePage(ctx, taken, &vestiging.AuditEntry{}), vestiging.ECONFLICT)
		if taken.ID != 0 || len(auditActions(t, db)) != 0 {
			t.Errorf("a refused page was stored (%d) or logged", taken.ID)
		}
		wantCode(t, db.UpdatePage(ctx, &vestiging.Page{ID: 99, Slug: "x", Title: "x", ContentSource: "x"}, &vestiging.AuditEntry{}), vestiging.ENOTFOUND)
		wantCode(t, db.DeletePage(ctx, 99, &vestiging.AuditEntry{}), vestiging.ENOTFOUND)
		_, err := db.PageBySlug(ctx, "nergens")
		wantCode(t, err, vestiging.ENOTFOUND)
	})
}
