package storetest

import (
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

func testLibrary(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		l, err := db.Library(t.Context())
		if err != nil {
			t.Fatalf("library: %v", err)
		}
		if got, want := l.Name, "Bibliotheek"; got != want || l.ID != 1 {
			t.Errorf("library %d %q, want 1 %q", l.ID, got, want)
		}
		before := time.Now()
		l.Name, l.Description, l.Email, l.Website = " Bibliotheek Rivierenland ", "<p>Welkom<script>x</script></p>", "info@example.nl", "https://example.nl"
		l.Colour = " #E4007C "
		if err := db.UpdateLibrary(t.Context(), l); err != nil {
			t.Fatalf("update: %v", err)
		}
		between(t, "UpdatedAt", l.UpdatedAt, before, time.Now())
		got, err := db.Library(t.Context())
		if err != nil {
			t.Fatalf("library: %v", err)
		}
		if got.Name != "Bibliotheek Rivierenland" || got.Description != "<p>Welkom</p>" || got.Colour != "#e4007c" {
			t.Errorf("name %q description %q colour %q: not normalised", got.Name, got.Description, got.Colour)
		}
		same(t, "library", got, l)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		err := db.UpdateLibrary(t.Context(), &vestiging.Library{Name: " ", Email: "not an address", Colour: "#ffff00"})
		wantCode(t, err, vestiging.EINVALID)
		if f := vestiging.FieldErrors(err); f["name"] == "" || f["email"] == "" || f["colour"] != vestiging.MsgColourTooLight {
			t.Errorf("fields %v, want name, email and colour", f)
		}
		l, err := db.Library(t.Context())
		if err != nil || l.Name != "Bibliotheek" {
			t.Errorf("library after failed update: %+v, %v", l, err)
		}
	})
}

func testBranches(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		west := &vestiging.Branch{Name: "West", Street: "Plein 1", PostalCode: "1000 AA", City: "Stad",
			Latitude: ptr(52.37), Longitude: ptr(4.89),
			OpeningHours: []vestiging.OpeningHours{{Day: time.Monday, Opens: "09:00", Closes: "17:30"}, {Day: time.Saturday, Opens: "10:00", Closes: "13:00"}}}
		centrum := &vestiging.Branch{Name: "Centrum"}
		for _, b := range []*vestiging.Branch{west, centrum} {
			if err := db.CreateBranch(t.Context(), b); err != nil {
				t.Fatalf("create %s: %v", b.Name, err)
			}
			if b.ID == 0 || b.LibraryID != 1 {
				t.Errorf("%s: ID %d LibraryID %d, want both set", b.Name, b.ID, b.LibraryID)
			}
		}
		got, err := db.Branch(t.Context(), west.ID)
		if err != nil {
			t.Fatalf("branch: %v", err)
		}
		same(t, "branch", got, west)
		list, err := db.Branches(t.Context())
		if err != nil {
			t.Fatalf("branches: %v", err)
		}
		same(t, "branches by name", list, []*vestiging.Branch{centrum, west})

		west.Name, west.Latitude, west.Longitude, west.OpeningHours = "West (Plein)", nil, nil, nil
		if err := db.UpdateBranch(t.Context(), west); err != nil {
			t.Fatalf("update: %v", err)
		}
		got, err = db.Branch(t.Context(), west.ID)
		if err != nil {
			t.Fatalf("branch: %v", err)
		}
		if got.Name != "West (Plein)" || got.Latitude != nil || len(got.OpeningHours) != 0 {
			t.Errorf("after update: %+v", got)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		db := open(t)
		_, err := db.Branch(t.Context(), 999)
		wantCode(t, err, vestiging.ENOTFOUND)
		wantCode(t, db.UpdateBranch(t.Context(), &vestiging.Branch{ID: 999, Name: "X"}), vestiging.ENOTFOUND)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		for _, b := range []*vestiging.Branch{
			{Name: ""},
			{Name: "Half", Latitude: ptr(52.0)},
			{Name: "Hours", OpeningHours: []vestiging.OpeningHours{{Day: time.Monday, Opens: "17:00", Closes: "09:00"}}},
		} {
			wantCode(t, db.CreateBranch(t.Context(), b), vestiging.EINVALID)
		}
		if list, err := db.Branches(t.Context()); err != nil || len(list) != 0 {
			t.Errorf("branches after invalid creates: %d, %v; want none", len(list), err)
		}
	})
}

func testThemes(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		got, err := db.Themes(t.Context())
		if err != nil {
			t.Fatalf("themes: %v", err)
		}
		var want []*vestiging.Theme
		for _, th := range vestiging.DefaultThemes {
			want = append(want, &th)
		}
		same(t, "default themes", got, want)
		extra := &vestiging.Theme{Slug: "muziek", NameNL: "Muziek", NameEN: "Music"}
		if err := db.CreateTheme(t.Context(), extra); err != nil {
			t.Fatalf("create: %v", err)
		}
		got, err = db.Themes(t.Context())
		if err != nil {
			t.Fatalf("themes: %v", err)
		}
		same(t, "themes, new one last", got, append(want, extra))
	})
	t.Run("ErrConflict", func(t *testing.T) {
		db := open(t)
		err := db.CreateTheme(t.Context(), &vestiging.Theme{Slug: "leesplezier", NameNL: "Lezen", NameEN: "Reading"})
		wantCode(t, err, vestiging.ECONFLICT)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		wantCode(t, db.CreateTheme(t.Context(), &vestiging.Theme{Slug: "Met Spaties", NameNL: "x", NameEN: "x"}), vestiging.EINVALID)
		if got, err := db.Themes(t.Context()); err != nil || len(got) != 3 {
			t.Errorf("themes after invalid create: %d, %v; want 3", len(got), err)
		}
	})
}
