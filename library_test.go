package vestiging

import (
	"strings"
	"testing"
	"time"
)

func TestLibraryValidate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		l := &Library{Name: " Bibliotheek Rivierenland ", Description: `<p>Welkom<img src=x onerror=alert(1)></p>`,
			Email: "info@bieb.example", Website: " https://bieb.example/ "}
		if err := l.Validate(); err != nil {
			t.Fatal(err)
		}
		if l.Name != "Bibliotheek Rivierenland" || l.Website != "https://bieb.example/" || strings.Contains(l.Description, "onerror") {
			t.Errorf("not normalised: %+v", l)
		}
	})
	tests := []struct {
		name   string
		change func(l *Library)
		field  string
	}{
		{"MissingName", func(l *Library) { l.Name = " " }, "name"},
		{"HugeDescription", func(l *Library) { l.Description = strings.Repeat("x", 2<<20) }, "description"},
		{"BadEmail", func(l *Library) { l.Email = "not an email" }, "email"},
		{"LongPhone", func(l *Library) { l.Phone = strings.Repeat("1", 51) }, "phone"},
		{"JavascriptWebsite", func(l *Library) { l.Website = "javascript:alert(1)" }, "website"},
		{"HostlessWebsite", func(l *Library) { l.Website = "https://" }, "website"},
		{"DataLogo", func(l *Library) { l.LogoURL = "data:image/svg+xml,<svg onload=alert(1)>" }, "logo_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &Library{Name: "Bibliotheek"}
			tt.change(l)
			assertField(t, l.Validate(), tt.field)
		})
	}
}

func TestBranchValidate(t *testing.T) {
	valid := func() *Branch {
		return &Branch{Name: "Bibliotheek Tiel", Street: "Markt 12", PostalCode: "4001 BT", City: "Tiel",
			Latitude: ptr(51.8866), Longitude: ptr(5.4296),
			OpeningHours: []OpeningHours{{Day: time.Monday, Opens: "10:00", Closes: "17:30"}}}
	}
	t.Run("OK", func(t *testing.T) {
		b := valid()
		if err := b.Validate(); err != nil {
			t.Fatal(err)
		}
		if got, want := b.Address(), "Markt 12, 4001 BT Tiel"; got != want {
			t.Errorf("address: got %q, want %q", got, want)
		}
	})
	t.Run("AddressPartial", func(t *testing.T) {
		if got, want := (&Branch{City: "Tiel"}).Address(), "Tiel"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	tests := []struct {
		name   string
		change func(b *Branch)
		field  string
	}{
		{"MissingName", func(b *Branch) { b.Name = "" }, "name"},
		{"OnlyLatitude", func(b *Branch) { b.Longitude = nil }, "latitude"},
		{"LatitudeRange", func(b *Branch) { b.Latitude = ptr(91.0) }, "latitude"},
		{"LongitudeRange", func(b *Branch) { b.Longitude = ptr(-181.0) }, "longitude"},
		{"ClosesBeforeOpens", func(b *Branch) { b.OpeningHours[0].Closes = "09:00" }, "opening_hours"},
		{"BadTime", func(b *Branch) { b.OpeningHours[0].Opens = "10u" }, "opening_hours"},
		{"LongPostalCode", func(b *Branch) { b.PostalCode = strings.Repeat("9", 21) }, "postal_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := valid()
			tt.change(b)
			assertField(t, b.Validate(), tt.field)
		})
	}
}

func TestThemeValidate(t *testing.T) {
	tests := []struct {
		name  string
		theme Theme
		field string
	}{
		{"OK", Theme{Slug: "muziek-en-film", NameNL: "Muziek en film", NameEN: "Music and film"}, ""},
		{"UpperSlug", Theme{Slug: "Muziek", NameNL: "Muziek", NameEN: "Music"}, "slug"},
		{"DoubleHyphen", Theme{Slug: "a--b", NameNL: "A", NameEN: "A"}, "slug"},
		{"MissingName", Theme{Slug: "a", NameNL: "A"}, "name_en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.theme.Validate()
			if tt.field == "" {
				if err != nil {
					t.Errorf("got %v, want nil", err)
				}
				return
			}
			assertField(t, err, tt.field)
		})
	}
	t.Run("Name", func(t *testing.T) {
		th := DefaultThemes[0]
		if th.Name("en") != th.NameEN || th.Name("nl") != th.NameNL || th.Name("") != th.NameNL {
			t.Errorf("Name picks the wrong language")
		}
	})
}

// assertField fails unless err is EINVALID with a message for field.
func assertField(t *testing.T, err error, field string) {
	t.Helper()
	if got, want := ErrorCode(err), EINVALID; got != want {
		t.Fatalf("code: got %q, want %q (err %v)", got, want, err)
	}
	if _, ok := FieldErrors(err)[field]; !ok {
		t.Errorf("fields: got %v, want one for %q", FieldErrors(err), field)
	}
}

func TestPlaceValidate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		p := &Place{Name: " OBS De Regenboog ", Street: "Schoolstraat 1", PostalCode: "4001 AA", City: "Tiel",
			Latitude: ptr(51.89), Longitude: ptr(5.43)}
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		if p.Name != "OBS De Regenboog" || p.Address() != "Schoolstraat 1, 4001 AA Tiel" {
			t.Errorf("got %q at %q", p.Name, p.Address())
		}
	})
	tests := []struct {
		name   string
		change func(p *Place)
		field  string
	}{
		{"MissingName", func(p *Place) { p.Name = " " }, "name"},
		{"OnlyLongitude", func(p *Place) { p.Longitude = ptr(5.0) }, "latitude"},
		{"LatitudeRange", func(p *Place) { p.Latitude, p.Longitude = ptr(-90.5), ptr(5.0) }, "latitude"},
		{"LongitudeRange", func(p *Place) { p.Latitude, p.Longitude = ptr(52.0), ptr(180.5) }, "longitude"},
		{"LongCity", func(p *Place) { p.City = strings.Repeat("x", 101) }, "city"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Place{Name: "Buurthuis"}
			tt.change(p)
			assertField(t, p.Validate(), tt.field)
		})
	}
	t.Run("BranchAsPlace", func(t *testing.T) {
		b := &Branch{ID: 3, Name: "Bibliotheek Tiel", City: "Tiel", Latitude: ptr(51.88), Longitude: ptr(5.43)}
		p := b.Place()
		if p.ID != 0 || p.Name != b.Name || p.Address() != "Tiel" || !p.HasCoordinates() {
			t.Errorf("got %+v", p)
		}
	})
}
