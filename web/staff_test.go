package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

// eventForm is a valid staff event form at branch b; change adjusts it.
func eventForm(b *vestiging.Branch, change func(url.Values)) url.Values {
	f := url.Values{
		"title": {"Voorlezen voor peuters"}, "description": {"<p>Met <em>prentenboeken</em>.</p>"},
		"time_zone": {"Europe/Amsterdam"}, "start_date": {"2026-03-14"}, "start_time": {"10:30"},
		"end_date": {""}, "end_time": {"11:15"}, "branch_id": {strconv.FormatInt(b.ID, 10)},
		"audiences": {"children"}, "themes": {"leesplezier"}, "language": {"nl"}, "capacity": {"12"},
		"registration_mode": {"none"}, "repeat": {"none"}, "action": {"draft"},
	}
	if change != nil {
		change(f)
	}
	return f
}

func TestStaffCreateAndPublishEvent(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale Bibliotheek")
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	public := e.client()

	res := e.get(staff, "/staff/events/new")
	wantStatus(t, res, http.StatusOK)
	for _, id := range []string{"title", "description", "start_date", "start_time", "end_date", "end_time", "branch_id",
		"online_url", "language", "image_url", "image_alt", "registration_mode",
		"registration_url", "time_zone", "repeat", "repeat_until", "repeat_skip"} {
		wantContains(t, res, fmt.Sprintf(`id="%s" name="%s"`, id, id), fmt.Sprintf(`<label for="%s">`, id))
	}
	// Audiences and themes are checkboxes in a fieldset named like the field.
	wantContains(t, res, `<fieldset id="audiences"`, `<fieldset id="themes"`,
		`<label for="audiences-children"><input type="checkbox" id="audiences-children" name="audiences" value="children">`,
		`<label for="themes-leesplezier"><input type="checkbox" id="themes-leesplezier" name="themes" value="leesplezier">`)
	wantContains(t, res, `id="capacity" name="capacity"`, `<label for="places-unlimited">Geen limiet</label>`)

	res = e.post(staff, "/staff/events/new", eventForm(b, nil))
	wantStatus(t, res, http.StatusSeeOther)
	events := e.events()
	if len(events) != 1 {
		t.Fatalf("events: got %d, want 1", len(events))
	}
	ev := events[0]
	if got, want := res.Location, fmt.Sprintf("/events/%d", ev.ID); got != want {
		t.Errorf("location: got %q, want %q", got, want)
	}
	// 10:30 in Amsterdam in March is 09:30 UTC.
	if got, want := ev.StartsAt, time.Date(2026, time.March, 14, 9, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("starts: got %v, want %v", got, want)
	}
	if got, want := ev.EndsAt, time.Date(2026, time.March, 14, 10, 15, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("ends: got %v, want %v", got, want)
	}
	if ev.Status != vestiging.StatusDraft || ev.Capacity != 12 || !slices.Equal(ev.Audiences, []string{"children"}) || ev.BranchID == nil || *ev.BranchID != b.ID {
		t.Errorf("stored event: %+v", ev)
	}
	eventPath := fmt.Sprintf("/events/%d", ev.ID)
	wantStatus(t, e.get(public, eventPath), http.StatusNotFound)
	wantNotContains(t, e.get(public, "/agenda"), "Voorlezen voor peuters")
	res = e.get(staff, eventPath)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "Concept: alleen medewerkers zien deze pagina.", "za 14 maart 2026, 10:30–11:15")

	// The dashboard shows the draft with a publish button.
	res = e.get(staff, "/staff/")
	wantContains(t, res, "Voorlezen voor peuters", "Concept", fmt.Sprintf(`action="/staff/events/%d/publish"`, ev.ID))
	res = e.post(staff, fmt.Sprintf("/staff/events/%d/publish", ev.ID), nil)
	wantStatus(t, res, http.StatusSeeOther)
	res = e.get(public, "/agenda")
	wantContains(t, res, "Voorlezen voor peuters")
	wantStatus(t, e.get(public, eventPath), http.StatusOK)

	t.Run("Edit", func(t *testing.T) {
		res := e.get(staff, fmt.Sprintf("/staff/events/%d/edit", ev.ID))
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `value="Voorlezen voor peuters"`, `value="2026-03-14"`, `value="10:30"`, `value="11:15"`)
		wantNotContains(t, res, `id="repeat"`)
		res = e.post(staff, fmt.Sprintf("/staff/events/%d/edit", ev.ID), eventForm(b, func(f url.Values) {
			f.Set("title", "Voorlezen voor dreumesen")
			f.Set("time_zone", "America/Curacao")
			f.Set("action", "publish")
		}))
		wantStatus(t, res, http.StatusSeeOther)
		got, err := e.db.Event(context.Background(), ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		// 10:30 in Curaçao (UTC-4) is 14:30 UTC.
		if want := time.Date(2026, time.March, 14, 14, 30, 0, 0, time.UTC); got.Title != "Voorlezen voor dreumesen" || !got.StartsAt.Equal(want) || got.Status != vestiging.StatusPublished {
			t.Errorf("after edit: %q %v %s", got.Title, got.StartsAt, got.Status)
		}
		res = e.get(e.client(), eventPath+"?lang=en")
		wantContains(t, res, "Sat 14 March 2026, 10:30–11:15", "(America/Curacao)")
	})
	t.Run("Cancel", func(t *testing.T) {
		cancel := fmt.Sprintf("/staff/events/%d/cancel", ev.ID)
		wantContains(t, e.get(staff, cancel), "Er heeft zich niemand aangemeld", `name="reason"`)
		res := e.post(staff, cancel, url.Values{"reason": {"  "}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, "Zeg waarom de activiteit niet doorgaat")
		if got, _ := e.db.Event(t.Context(), ev.ID); got.Status != vestiging.StatusPublished {
			t.Fatalf("cancelled without a reason: %s", got.Status)
		}
		wantStatus(t, e.post(staff, cancel, url.Values{"reason": {"De voorlezer is ziek."}}), http.StatusSeeOther)
		wantContains(t, e.get(public, eventPath), "Geannuleerd", "Reden: De voorlezer is ziek.")
		wantContains(t, e.get(staff, "/staff/"), "„Voorlezen voor dreumesen” is geannuleerd.")
		log, _, err := e.db.AuditLog(t.Context(), 0, 10)
		if err != nil || len(log) == 0 || log[0].Action != "event.cancel" || log[0].Reason != "De voorlezer is ziek." {
			t.Errorf("audit log %+v, %v", log, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		wantStatus(t, e.get(staff, "/staff/events/999/edit"), http.StatusNotFound)
		wantStatus(t, e.get(staff, "/staff/events/x/edit"), http.StatusNotFound)
		wantStatus(t, e.post(staff, "/staff/events/999/publish", nil), http.StatusNotFound)
	})
}

func TestStaffEventValidation(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale Bibliotheek")
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	tests := []struct {
		name   string
		change func(url.Values)
		field  string
		want   string
	}{
		{"EndBeforeStart", func(f url.Values) { f.Set("end_time", "09:00") }, "end_date", "Het einde moet na het begin liggen."},
		{"MissingTitle", func(f url.Values) { f.Set("title", "  ") }, "title", "Dit veld is verplicht."},
		{"LongDescription", func(f url.Values) { f.Set("description", strings.Repeat("a", 30000)) }, "description", "Deze tekst is te lang."},
		{"BadDate", func(f url.Values) { f.Set("start_date", "14-03-2026") }, "start_date", "Geef de datum als JJJJ-MM-DD en de tijd als UU:MM."},
		{"BadCapacity", func(f url.Values) { f.Set("capacity", "twaalf") }, "capacity", "Geef een aantal plaatsen van 1 of meer, of kies geen limiet."},
		// 0 places is refused, never taken as no limit.
		{"ZeroCapacity", func(f url.Values) { f.Set("places", "limited"); f.Set("capacity", "0") }, "capacity", "Geef een aantal plaatsen van 1 of meer, of kies geen limiet."},
		{"NoCapacity", func(f url.Values) { f.Set("places", "limited"); f.Del("capacity") }, "capacity", "Geef het aantal plaatsen, of kies geen limiet."},
		{"PastStart", func(f url.Values) { f.Set("start_date", "2026-03-01") }, "confirm_past", "Deze activiteit begint in het verleden. Controleer de datum, of bevestig dat die klopt."},
		{"NoPlace", func(f url.Values) { f.Del("branch_id") }, "branch_id", "Kies een vestiging of een andere plek, of geef een online link."},
		{"BadBranch", func(f url.Values) { f.Set("branch_id", "x") }, "branch_id", "Kies een vestiging uit de lijst."},
		{"BadZone", func(f url.Values) { f.Set("time_zone", "Mars/Olympus") }, "time_zone", "Onbekende tijdzone."},
		{"JavascriptLink", func(f url.Values) { f.Set("online_url", "javascript:alert(1)") }, "online_url", "Vul een webadres in dat begint met http:// of https://."},
		{"ExternalWithoutURL", func(f url.Values) { f.Set("registration_mode", "external") }, "registration_url", "Geef het adres waar mensen zich aanmelden."},
		{"RepeatWithoutUntil", func(f url.Values) { f.Set("repeat", "weekly") }, "repeat_until", "Geef de laatste datum als JJJJ-MM-DD."},
		{"RepeatTooLong", func(f url.Values) { f.Set("repeat", "weekly"); f.Set("repeat_until", "2040-01-01") }, "repeat_until", "Dat worden te veel keren; kies een eerdere laatste datum."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.post(staff, "/staff/events/new", eventForm(b, tt.change))
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res,
				`class="error-summary" role="alert"`, "Verbeter de gemarkeerde velden.", `href="#`+tt.field+`"`,
				`<p class="field-error" id="`+tt.field+`-error">`+tt.want+`</p>`,
				`aria-invalid="true" aria-describedby="`+tt.field+`-error`,
				"<h1>Nieuwe activiteit</h1>")
			if tt.field != "title" {
				wantContains(t, res, `value="Voorlezen voor peuters"`)
			}
			if n := len(e.events()); n != 0 {
				t.Errorf("events saved: %d", n)
			}
		})
	}
	t.Run("ErrTooLarge", func(t *testing.T) {
		res := e.post(staff, "/staff/events/new", eventForm(b, func(f url.Values) { f.Set("description", strings.Repeat("a", 2<<20)) }))
		wantStatus(t, res, http.StatusRequestEntityTooLarge)
		wantContains(t, res, "Wat je verstuurde is te groot (hoogstens 1 MB).")
		if n := len(e.events()); n != 0 {
			t.Errorf("events saved: %d", n)
		}
	})
	t.Run("English", func(t *testing.T) {
		res := e.post(staff, "/staff/events/new?lang=en", eventForm(b, func(f url.Values) { f.Set("end_time", "09:00") }))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, "The end must be after the start.", "Please correct the marked fields.")
	})
}

func TestStaffSeries(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale Bibliotheek")
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	// Saturdays 14 March to 11 April 2026 without 4 April: four occurrences,
	// at 10:30 Amsterdam time on both sides of the change to summer time.
	res := e.post(staff, "/staff/events/new", eventForm(b, func(f url.Values) {
		f.Set("repeat", "weekly")
		f.Set("repeat_until", "2026-04-11")
		f.Set("repeat_skip", "2026-04-04, ")
		f.Set("action", "publish")
	}))
	wantStatus(t, res, http.StatusSeeOther)
	events := e.events()
	if got, want := len(events), 4; got != want {
		t.Fatalf("occurrences: got %d, want %d", got, want)
	}
	ams := events[0].Location()
	for _, ev := range events {
		if got := ev.StartsAt.In(ams).Format("15:04 Mon"); got != "10:30 Sat" || ev.SeriesID == nil || ev.Status != vestiging.StatusPublished {
			t.Errorf("occurrence %d: %s series %v status %s", ev.ID, got, ev.SeriesID, ev.Status)
		}
		if ev.StartsAt.In(ams).Format(time.DateOnly) == "2026-04-04" {
			t.Errorf("skipped date has an occurrence")
		}
	}
}

func TestStaffCourse(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale Bibliotheek")
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	res := e.get(staff, "/staff/courses/new")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, `id="s0_date" name="s0_date"`, `id="s0_online_url"`, "Bijeenkomst 1", "Bijeenkomst toevoegen", "Bijeenkomsten invullen")
	wantNotContains(t, res, `id="s1_date"`, `id="start_date"`)

	form := eventForm(b, func(f url.Values) {
		f.Set("title", "Digisterker")
		f.Set("action", "publish")
		f.Set("s0_date", "2026-03-10")
		f.Set("s0_start", "14:00")
		f.Set("s0_end", "16:00")
		f.Set("s0_branch_id", strconv.FormatInt(b.ID, 10))
		// Row 1 left empty; row 2 online.
		f.Set("s2_date", "2026-03-17")
		f.Set("s2_start", "14:00")
		f.Set("s2_end", "16:00")
		f.Set("s2_online_url", "https://meet.example.nl/digisterker")
		f.Set("online_link_public", "1") // no sign-up: staff show the link
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("s2_end", "13:00")
		bad.Set("s3_date", "morgen")
		res := e.post(staff, "/staff/courses/new", bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `id="sessions-error"`, `id="s3_date-error"`, `value="Digisterker"`, `value="https://meet.example.nl/digisterker"`)
		if n := len(e.events()); n != 0 {
			t.Errorf("events saved: %d", n)
		}
	})

	res = e.post(staff, "/staff/courses/new", form)
	wantStatus(t, res, http.StatusSeeOther)
	events := e.events()
	if len(events) != 1 {
		t.Fatalf("events: got %d, want 1", len(events))
	}
	course := events[0]
	if got, want := res.Location, fmt.Sprintf("/courses/%d", course.ID); got != want {
		t.Errorf("location: got %q, want %q", got, want)
	}
	res = e.get(e.client(), res.Location)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "Digisterker", "Bijeenkomsten (2)", "di 10 maart 2026, 14:00–16:00", "di 17 maart 2026, 14:00–16:00",
		"Centrale Bibliotheek", "https://meet.example.nl/digisterker")

	t.Run("Edit", func(t *testing.T) {
		path := fmt.Sprintf("/staff/courses/%d/edit", course.ID)
		wantStatus(t, e.get(staff, fmt.Sprintf("/staff/events/%d/edit", course.ID)), http.StatusSeeOther)
		res := e.get(staff, path)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `name="s1_date" type="date" value="2026-03-17"`)
		edit := url.Values{}
		for k, v := range form {
			edit[k] = v
		}
		edit.Set("s5_date", "2026-03-24")
		edit.Set("s5_start", "14:00")
		edit.Set("s5_end", "16:00")
		edit.Set("s5_branch_id", strconv.FormatInt(b.ID, 10))
		wantStatus(t, e.post(staff, path, edit), http.StatusSeeOther)
		got, err := e.db.Event(context.Background(), course.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Sessions) != 3 {
			t.Errorf("sessions after edit: got %d, want 3", len(got.Sessions))
		}
	})
}

func TestStaffLibraryAndBranches(t *testing.T) {
	e := newEnv(t)
	// The library profile and branches are the administrators'.
	staff := e.signIn("medewerker@example.nl", vestiging.RoleAdmin)

	t.Run("Profile", func(t *testing.T) {
		res := e.post(staff, "/staff/library", url.Values{"name": {"Bibliotheek Dorp"}, "email": {"geen adres"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `id="email-error">Vul een geldig e-mailadres in.`, `value="Bibliotheek Dorp"`)
		res = e.post(staff, "/staff/library", url.Values{"name": {"Bibliotheek Dorp"}, "email": {"info@bieb.example.nl"},
			"description": {`<p>Welkom!</p><script>x()</script>`}})
		wantStatus(t, res, http.StatusSeeOther)
		res = e.get(e.client(), "/library")
		wantContains(t, res, "<h1>Bibliotheek Dorp</h1>", "<p>Welkom!</p>", "info@bieb.example.nl")
		wantNotContains(t, res, "<script")
	})

	t.Run("Branch", func(t *testing.T) {
		form := url.Values{"name": {"Filiaal Noord"}, "street": {"Kerkstraat 3"}, "postal_code": {"1000 AA"}, "city": {"Dorp"},
			"latitude": {"52,37"}, "longitude": {"4.89"}, "opens_1": {"09:00"}, "closes_1": {"17:30"}, "opens_6": {"10:00"}, "closes_6": {"13:00"}}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("closes_6", "")
		bad.Set("latitude", "noord")
		res := e.post(staff, "/staff/branches/new", bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `id="opening_hours-error"`, `id="latitude-error">Geef een getal, bijvoorbeeld 52.37.`, `value="Filiaal Noord"`)

		wantStatus(t, e.post(staff, "/staff/branches/new", form), http.StatusSeeOther)
		res = e.get(e.client(), "/library")
		wantContains(t, res, "Filiaal Noord", "Kerkstraat 3, 1000 AA Dorp", "<th scope=\"row\">maandag</th><td>09:00–17:30</td>",
			"<th scope=\"row\">zaterdag</th><td>10:00–13:00</td>", "<th scope=\"row\">zondag</th><td>Gesloten</td>")
		branches, err := e.db.Branches(context.Background())
		if err != nil || len(branches) != 1 {
			t.Fatalf("branches: %v %v", branches, err)
		}
		br := branches[0]
		if br.Latitude == nil || *br.Latitude != 52.37 {
			t.Errorf("latitude: %v", br.Latitude)
		}
		path := fmt.Sprintf("/staff/branches/%d/edit", br.ID)
		res = e.get(staff, path)
		wantContains(t, res, `id="opens_1" name="opens_1" type="time" value="09:00"`, `value="52.37"`)
		form.Set("name", "Filiaal Noord-Oost")
		form.Del("opens_6")
		form.Del("closes_6")
		wantStatus(t, e.post(staff, path, form), http.StatusSeeOther)
		res = e.get(e.client(), "/library")
		wantContains(t, res, "Filiaal Noord-Oost", "<th scope=\"row\">zaterdag</th><td>Gesloten</td>")
		wantStatus(t, e.get(staff, "/staff/branches/999/edit"), http.StatusNotFound)
	})
}

func TestStaffThemes(t *testing.T) {
	e := newEnv(t)
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"OK", url.Values{"slug": {"taalcafe"}, "name_nl": {"Taalcafé"}, "name_en": {"Language café"}}, 303, ""},
		{"ErrConflict", url.Values{"slug": {"taalcafe"}, "name_nl": {"Taalcafé"}, "name_en": {"Language café"}}, 422, "Deze korte naam is al in gebruik."},
		{"ErrInvalid", url.Values{"slug": {"Taal Café"}, "name_nl": {""}, "name_en": {"x"}}, 422, "Gebruik kleine letters, cijfers en koppeltekens."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.post(staff, "/staff/themes", tt.form)
			wantStatus(t, res, tt.status)
			wantContains(t, res, tt.want)
		})
	}
	res := e.get(e.client(), "/agenda")
	wantContains(t, res, `<option value="taalcafe">Taalcafé</option>`)
}

// TestStaffCourseSessions: the course form's session buttons change the
// rows without saving, keeping what was typed: fill in every week N times
// from a date, add a row, remove one.
func TestStaffCourseSessions(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale Bibliotheek")
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	branch := strconv.FormatInt(b.ID, 10)
	form := eventForm(b, func(f url.Values) {
		f.Set("title", "Digisterker")
		f.Set("fill_from", "2026-03-10")
		f.Set("fill_count", "4")
		f.Set("fill_start", "14:00")
		f.Set("fill_end", "16:00")
		f.Set("fill_branch_id", branch)
	})
	t.Run("Fill", func(t *testing.T) {
		f := cloneValues(form)
		f.Set("fill", "1")
		res := e.post(staff, "/staff/courses/new", f)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `value="Digisterker"`, `id="s0_date" name="s0_date" type="date" value="2026-03-10"`,
			`id="s3_date" name="s3_date" type="date" value="2026-03-31"`, `id="s3_end" name="s3_end" type="time" value="16:00"`)
		wantNotContains(t, res, `id="s4_date"`)
		if n := len(e.events()); n != 0 {
			t.Errorf("events saved: %d", n)
		}
	})
	t.Run("AddAndRemove", func(t *testing.T) {
		f := cloneValues(form)
		for i, d := range []string{"2026-03-10", "2026-03-17", "2026-03-24"} {
			f.Set(fmt.Sprintf("s%d_date", i), d)
			f.Set(fmt.Sprintf("s%d_start", i), "10:00")
			f.Set(fmt.Sprintf("s%d_end", i), "11:00")
		}
		f.Set("rows", "3")
		f.Set("add_session", "1")
		res := e.post(staff, "/staff/courses/new", f)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `id="s3_date"`, `value="2026-03-24"`)
		f.Del("add_session")
		f.Set("remove_session", "1")
		res = e.post(staff, "/staff/courses/new", f)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, `id="s1_date" name="s1_date" type="date" value="2026-03-24"`)
		wantNotContains(t, res, `value="2026-03-17"`, `id="s2_date"`)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		f := cloneValues(form)
		f.Set("fill", "1")
		f.Set("fill_count", "0")
		f.Set("fill_end", "13:00")
		res := e.post(staff, "/staff/courses/new", f)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `id="fill_count-error"`, `id="fill_end-error"`)
	})
}
