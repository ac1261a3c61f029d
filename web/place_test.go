package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/vestiging/vestiging"
)

func ptr[T any](v T) *T { return &v }

// places returns the stored places.
func (e *env) places() []*vestiging.Place {
	e.t.Helper()
	places, err := e.db.Places(context.Background())
	if err != nil {
		e.t.Fatalf("places: %v", err)
	}
	return places
}

// TestStaffEventDetails: the staff form sets an activity's price, its
// themes and audiences, and a place that is no branch, entered new or
// chosen; the page shows them.
func TestStaffEventDetails(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale Bibliotheek")
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)

	res := e.get(staff, "/staff/events/new")
	wantStatus(t, res, http.StatusOK)
	for _, id := range []string{"place_id", "place_name", "place_street", "place_postal_code", "place_city",
		"place_latitude", "place_longitude", "price", "member_price", "price_note"} {
		wantContains(t, res, `id="`+id+`" name="`+id+`"`, `<label for="`+id+`">`)
	}
	wantContains(t, res, `<fieldset id="price_kind"`, `id="price_kind-amount" name="price_kind" value="amount"`,
		`<div class="pin-picker"`)

	res = e.post(staff, "/staff/events/new", eventForm(b, func(f url.Values) {
		f.Del("branch_id")
		f.Set("place_id", "new")
		f.Set("place_name", "Buurthuis De Kom")
		f.Set("place_street", "Kerkstraat 5")
		f.Set("place_postal_code", "4101 AB")
		f.Set("place_city", "Culemborg")
		f.Set("place_latitude", "51,9559")
		f.Set("place_longitude", "5.2275")
		f["themes"] = []string{"leesplezier", "leven-lang-leren"}
		f["audiences"] = []string{"children", "adults"}
		f.Set("price_kind", "amount")
		f.Set("price", "7,50")
		f.Set("member_price", "5")
		f.Set("price_note", "incl. materiaal")
		f.Set("action", "publish")
	}))
	wantStatus(t, res, http.StatusSeeOther)
	events := e.events()
	if len(events) != 1 {
		t.Fatalf("events: %d", len(events))
	}
	ev := events[0]
	if ev.BranchID != nil || ev.PlaceID == nil || ev.Place == nil || ev.Place.Name != "Buurthuis De Kom" ||
		!ev.Place.HasCoordinates() || *ev.Place.Latitude != 51.9559 {
		t.Errorf("place %v %+v", ev.PlaceID, ev.Place)
	}
	if !slices.Equal(ev.Themes, []string{"leesplezier", "leven-lang-leren"}) || !slices.Equal(ev.Audiences, []string{"children", "adults"}) {
		t.Errorf("themes %q audiences %q", ev.Themes, ev.Audiences)
	}
	if ev.Price == nil || ev.Price.Cents != 750 || ev.Price.MemberCents == nil || *ev.Price.MemberCents != 500 {
		t.Errorf("price %+v", ev.Price)
	}
	page := e.get(e.client(), "/events/"+strconv.FormatInt(ev.ID, 10))
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page, "Buurthuis De Kom, Kerkstraat 5, 4101 AB Culemborg", "Thema&#39;s", "Leesplezier, Leven lang leren",
		"Kinderen, Volwassenen", `<dt>Prijs</dt><dd>€ 7,50, leden € 5,00 (incl. materiaal)</dd>`)

	// The edit form holds what was stored; a second event chooses the
	// place from the list and is free.
	res = e.get(staff, "/staff/events/"+strconv.FormatInt(ev.ID, 10)+"/edit")
	wantContains(t, res, `<option value="`+strconv.FormatInt(*ev.PlaceID, 10)+`" selected>Buurthuis De Kom (Culemborg)</option>`,
		`id="price" name="price" type="text" value="7,50"`, `id="member_price" name="member_price" type="text" value="5,00"`,
		`value="amount" checked`, `value="leven-lang-leren" checked`)
	res = e.post(staff, "/staff/events/new", eventForm(b, func(f url.Values) {
		f.Del("branch_id")
		f.Set("place_id", strconv.FormatInt(*ev.PlaceID, 10))
		f.Set("price_kind", "free")
	}))
	wantStatus(t, res, http.StatusSeeOther)
	if n := len(e.places()); n != 1 {
		t.Errorf("places: %d, want the one chosen again", n)
	}
	for _, got := range e.events() {
		if got.ID != ev.ID && (got.PlaceID == nil || *got.PlaceID != *ev.PlaceID || !got.Free()) {
			t.Errorf("second event: place %v price %+v", got.PlaceID, got.Price)
		}
	}
}

// TestStaffCourseAtPlaces: a course's sessions meet at a branch and at a
// place entered once in the course form, which is stored once.
func TestStaffCourseAtPlaces(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale Bibliotheek")
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	res := e.get(staff, "/staff/courses/new")
	wantContains(t, res, `id="s0_place_id" name="s0_place_id"`, `id="place_name" name="place_name"`)
	res = e.post(staff, "/staff/courses/new", eventForm(b, func(f url.Values) {
		f.Set("title", "Digisterker in de wijk")
		f.Set("action", "publish")
		f.Set("s0_date", "2026-03-10")
		f.Set("s0_start", "14:00")
		f.Set("s0_end", "16:00")
		f.Set("s0_branch_id", strconv.FormatInt(b.ID, 10))
		for _, row := range []string{"s1_", "s2_"} {
			f.Set(row+"date", map[string]string{"s1_": "2026-03-17", "s2_": "2026-03-24"}[row])
			f.Set(row+"start", "14:00")
			f.Set(row+"end", "16:00")
			f.Set(row+"place_id", "new")
		}
		f.Set("place_name", "Buurthuis De Kom")
		f.Set("place_city", "Culemborg")
	}))
	wantStatus(t, res, http.StatusSeeOther)
	events := e.events()
	if len(events) != 1 || len(events[0].Sessions) != 3 {
		t.Fatalf("events %+v", events)
	}
	s := events[0].Sessions
	if s[0].BranchID == nil || s[1].PlaceID == nil || s[2].PlaceID == nil || *s[1].PlaceID != *s[2].PlaceID ||
		s[2].Place == nil || s[2].Place.Name != "Buurthuis De Kom" {
		t.Errorf("sessions %+v %+v %+v", s[0], s[1], s[2])
	}
	if n := len(e.places()); n != 1 {
		t.Errorf("places: %d, want 1", n)
	}
	page := e.get(e.client(), "/courses/"+strconv.FormatInt(events[0].ID, 10))
	wantContains(t, page, "Buurthuis De Kom, Culemborg")
}

// TestStaffEventDetailsValidation: bad input about price, place, themes
// and audiences is shown again with 422 and a Dutch message at its input,
// and nothing is stored, no event and no place.
func TestStaffEventDetailsValidation(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale Bibliotheek")
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	newPlace := func(f url.Values) {
		f.Del("branch_id")
		f.Set("place_id", "new")
		f.Set("place_name", "OBS De Regenboog")
	}
	tests := []struct {
		name   string
		change func(url.Values)
		field  string
		want   string
	}{
		{"NegativePrice", func(f url.Values) { f.Set("price_kind", "amount"); f.Set("price", "-5") }, "price",
			"Geef een bedrag in euro&#39;s, zoals 5 of 7,50."},
		{"NoAmount", func(f url.Values) { f.Set("price_kind", "amount") }, "price", "Geef de prijs, of kies gratis."},
		{"MemberPriceAbovePrice", func(f url.Values) {
			f.Set("price_kind", "amount")
			f.Set("price", "5")
			f.Set("member_price", "7,50")
		}, "member_price", "De ledenprijs kan niet hoger zijn dan de prijs."},
		{"BadPriceKind", func(f url.Values) { f.Set("price_kind", "lottery") }, "price_kind", "Kies geen prijs, gratis of een bedrag."},
		{"UnknownTheme", func(f url.Values) { f["themes"] = []string{"leesplezier", "bestaat-niet"} }, "themes", "Kies thema&#39;s uit de lijst."},
		{"BadAudience", func(f url.Values) { f["audiences"] = []string{"katten"} }, "audiences", "Kies een doelgroep uit de lijst."},
		{"EveryoneAndChildren", func(f url.Values) { f["audiences"] = []string{"all", "children"} }, "audiences",
			"Kies iedereen, of de doelgroepen waarvoor het bedoeld is."},
		{"LatitudeOutOfRange", func(f url.Values) {
			newPlace(f)
			f.Set("place_latitude", "95")
			f.Set("place_longitude", "5.2")
		}, "place_latitude", "De breedtegraad moet tussen -90 en 90 liggen."},
		{"LatitudeNoNumber", func(f url.Values) {
			newPlace(f)
			f.Set("place_latitude", "noord")
			f.Set("place_longitude", "5.2")
		}, "place_latitude", "Geef een getal, bijvoorbeeld 52.37."},
		{"NewPlaceWithoutName", func(f url.Values) { newPlace(f); f.Set("place_name", ""); f.Set("place_city", "Tiel") },
			"place_name", "Dit veld is verplicht."},
		{"BranchAndPlace", func(f url.Values) { newPlace(f); f.Set("branch_id", strconv.FormatInt(b.ID, 10)) }, "place_id",
			"Kies een vestiging of een andere plek, niet allebei."},
		{"BadPlace", func(f url.Values) { f.Set("place_id", "x") }, "place_id", "Kies een plek uit de lijst."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.post(staff, "/staff/events/new", eventForm(b, tt.change))
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, "Verbeter de gemarkeerde velden.", `href="#`+tt.field+`"`,
				`<p class="field-error" id="`+tt.field+`-error">`+tt.want+`</p>`, `value="Voorlezen voor peuters"`)
			if n := len(e.events()); n != 0 {
				t.Errorf("events saved: %d", n)
			}
			if n := len(e.places()); n != 0 {
				t.Errorf("places saved: %d", n)
			}
		})
	}
}

// TestStaffPlaces: staff add and correct places on their own pages; bad
// coordinates and a second place with the same name and address are
// refused with 422 and change nothing.
func TestStaffPlaces(t *testing.T) {
	e := newEnv(t)
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	wantStatus(t, e.get(e.client(), "/staff/places"), http.StatusSeeOther)

	res := e.get(staff, "/staff/places/new")
	wantStatus(t, res, http.StatusOK)
	for _, id := range []string{"name", "street", "postal_code", "city", "latitude", "longitude"} {
		wantContains(t, res, `id="`+id+`" name="`+id+`"`)
	}
	school := url.Values{"name": {"OBS De Regenboog"}, "street": {"Schoolstraat 1"}, "postal_code": {"4001 AA"},
		"city": {"Tiel"}, "latitude": {"51.8901"}, "longitude": {"5.4312"}}
	wantStatus(t, e.post(staff, "/staff/places/new", school), http.StatusSeeOther)
	places := e.places()
	if len(places) != 1 || places[0].Name != "OBS De Regenboog" || !places[0].HasCoordinates() {
		t.Fatalf("places %+v", places)
	}
	res = e.get(staff, "/staff/places")
	wantContains(t, res, `<a href="/staff/places/`+strconv.FormatInt(places[0].ID, 10)+`/edit">OBS De Regenboog</a> – Schoolstraat 1, 4001 AA Tiel`)

	t.Run("ErrInvalid", func(t *testing.T) {
		bad := url.Values{"name": {"Buurthuis"}, "latitude": {"52"}, "longitude": {"181"}}
		res := e.post(staff, "/staff/places/new", bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `<p class="field-error" id="longitude-error">De lengtegraad moet tussen -180 en 180 liggen.</p>`)
		res = e.post(staff, "/staff/places/new", school)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `<p class="field-error" id="name-error">Deze plek bestaat al.</p>`)
		if n := len(e.places()); n != 1 {
			t.Errorf("places: %d, want 1", n)
		}
	})
	t.Run("Edit", func(t *testing.T) {
		path := "/staff/places/" + strconv.FormatInt(places[0].ID, 10) + "/edit"
		wantContains(t, e.get(staff, path), `id="latitude" name="latitude" type="text" value="51.8901"`)
		moved := url.Values{"name": {"Kindcentrum De Regenboog"}, "city": {"Tiel"}, "latitude": {"91"}, "longitude": {"5"}}
		wantStatus(t, e.post(staff, path, moved), http.StatusUnprocessableEntity)
		moved.Set("latitude", "51.89")
		wantStatus(t, e.post(staff, path, moved), http.StatusSeeOther)
		if got := e.places()[0]; got.Name != "Kindcentrum De Regenboog" || *got.Latitude != 51.89 {
			t.Errorf("after edit: %+v", got)
		}
		wantStatus(t, e.get(staff, "/staff/places/999/edit"), http.StatusNotFound)
	})
}
