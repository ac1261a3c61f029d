package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store/storetest"
)

// hybridEvent is an activity in a branch and online at once, with
// inPerson places in the branch and online places online.
func (e *env) hybridEvent(title string, inPerson, online int) *vestiging.Event {
	e.t.Helper()
	return e.openEvent(title, inPerson, func(ev *vestiging.Event) {
		ev.OnlineURL, ev.OnlineCapacity = secretLink, online
	})
}

// TestHybridSignUp: the sign-up form of a hybrid activity asks which place
// (422 without an answer, nothing stored); each kind fills and waits on
// its own; the page says which place someone has, and only an online
// place has the way into the meeting.
func TestHybridSignUp(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		ev := e.hybridEvent("Taalcafé", 1, 1)
		path := fmt.Sprintf("/events/%d", ev.ID)
		_, ac := e.registrant("anna@example.nl")
		_, bc := e.registrant("bert@example.nl")
		_, cc := e.registrant("carla@example.nl")

		t.Run("Form", func(t *testing.T) {
			res := e.get(ac, path)
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, "Hoe doe je mee?", `<input type="radio" id="attendance-in_person" name="attendance" value="in_person">`,
				`<input type="radio" id="attendance-online" name="attendance" value="online">`,
				"In de bibliotheek: nog 1 van 1 plaatsen vrij; online: nog 1 van 1 plaatsen vrij")
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			for _, kind := range []string{"", "ergens"} {
				res := e.post(ac, path+"/register", url.Values{"attendance": {kind}})
				wantStatus(t, res, http.StatusUnprocessableEntity)
				wantContains(t, res, "Kies of je in de bibliotheek of online meedoet.", `aria-describedby="attendance-error"`)
			}
			e.allowGuests()
			res := e.post(e.client(), path+"/register/guest", url.Values{"name": {"Gerrit"}, "email": {"gerrit@example.nl"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, "Kies of je in de bibliotheek of online meedoet.")
			if got := e.states(ev.ID); got != "" {
				t.Errorf("states %q after refused sign-ups, want none", got)
			}
		})
		t.Run("OK", func(t *testing.T) {
			wantStatus(t, e.post(ac, path+"/register", url.Values{"attendance": {"online"}}), http.StatusSeeOther)
			wantStatus(t, e.post(bc, path+"/register", url.Values{"attendance": {"in_person"}}), http.StatusSeeOther)
			wantStatus(t, e.post(cc, path+"/register", url.Values{"attendance": {"online"}}), http.StatusSeeOther)
			if got, want := e.states(ev.ID), "anna:confirmed bert:confirmed carla:waitlisted"; got != want {
				t.Errorf("states %q, want %q", got, want)
			}
			res := e.get(ac, path)
			wantContains(t, res, "Je hebt een plaats online.", `href="`+path+`/join"`)
			res = e.get(bc, path)
			wantContains(t, res, "Je hebt een plaats in de bibliotheek.")
			wantNotContains(t, res, path+"/join", "geheim")
			wantContains(t, e.get(cc, path), "Je hebt je aangemeld voor een plaats online.", "Je staat op de wachtlijst, als nummer 1.")
			// Both kinds are full: a guest can join either waitlist.
			wantContains(t, e.get(e.client(), path), "In de bibliotheek: nog 0 van 1 plaatsen vrij; online: nog 0 van 1 plaatsen vrij",
				"In de bibliotheek (vol: wachtlijst)</label>", "Online (vol: wachtlijst)</label>")
		})
		t.Run("Pages", func(t *testing.T) {
			res := e.get(ac, "/account/registrations")
			wantContains(t, res, "Je hebt een plaats online.", `href="`+path+`/join"`)
			res = e.get(bc, "/account/registrations")
			wantContains(t, res, "Je hebt een plaats in de bibliotheek.")
			wantNotContains(t, res, path+"/join")
			staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
			res = e.get(staff, fmt.Sprintf("/staff/events/%d/attendees", ev.ID))
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, "<dt>Waarvan online</dt><dd>1 van de 1 bezet; 1 op de wachtlijst</dd>",
				"<td>1</td><td>Online</td><td>carla")
			wantContains(t, e.get(staff, "/staff/"), "<td>1 van 1; online 1 van 1 (&#43;1 wachtend)</td>")
		})
		t.Run("Join", func(t *testing.T) {
			e.clock.Set(ev.StartsAt)
			defer e.clock.Set(testNow)
			res := e.get(bc, path+"/join")
			wantStatus(t, res, http.StatusForbidden)
			wantContains(t, res, "is in de bibliotheek, niet online.")
			res = e.get(ac, path+"/join")
			wantStatus(t, res, http.StatusSeeOther)
			if res.Location != secretLink {
				t.Errorf("online place joins at %q, want %q", res.Location, secretLink)
			}
		})
	})
}

// TestHybridMail: the mail says which place someone has; an online place
// brings the join link, one in the library neither it nor the meeting's.
func TestHybridMail(t *testing.T) {
	e, smtp := newRegistrationMailEnv(t)
	ev := e.hybridEvent("Digicafé", 5, 5)
	path := fmt.Sprintf("/events/%d", ev.ID)
	_, ac := e.registrant("anna@example.nl")
	_, bc := e.registrant("bert@example.nl")
	wantStatus(t, e.post(ac, path+"/register", url.Values{"attendance": {"online"}}), http.StatusSeeOther)
	wantStatus(t, e.post(bc, path+"/register", url.Values{"attendance": {"in_person"}}), http.StatusSeeOther)

	m := smtp.WaitFor(t, "anna@example.nl", mailWait)
	join := m.Link(t, "http://localhost"+path+"/join?token=")
	if !strings.Contains(m.Text, "Je hebt een plaats online.") || !strings.Contains(m.Text, "Waar: Online: "+join) ||
		strings.Contains(m.Text, "Bibliotheek Digicafé") || strings.Contains(m.Text, "geheim") {
		t.Errorf("online place's mail:\n%s", m.Text)
	}
	if cal := calendarOf(t, m); cal.OnlineURL != join {
		t.Errorf("calendar file's link %q, want %q", cal.OnlineURL, join)
	}
	m = smtp.WaitFor(t, "bert@example.nl", mailWait)
	if !strings.Contains(m.Text, "Je hebt een plaats in de bibliotheek.") || !strings.Contains(m.Text, "Waar: Bibliotheek Digicafé") ||
		strings.Contains(m.Text, "/join") || strings.Contains(m.Text, "geheim") || strings.Contains(m.Text, "Online") {
		t.Errorf("place in the library's mail:\n%s", m.Text)
	}
	if cal := calendarOf(t, m); cal.OnlineURL != "" {
		t.Errorf("calendar file of a place in the library has the link %q", cal.OnlineURL)
	}
	// A replaced link is news only for an online place.
	s := e.srv.Config.Handler.(*Server)
	for _, reg := range e.registrations(ev.ID) {
		m, err := s.registrationMail(t.Context(), vestiging.RegistrationMailJob{RegistrationID: reg.ID, Notice: vestiging.NoticeLinkChanged})
		switch {
		case reg.Attendance == vestiging.AttendanceOnline && (err != nil || !strings.Contains(m.Text, "/join?token=")):
			t.Errorf("online place's mail of the new link: %v\n%s", err, m.Text)
		case reg.Attendance == vestiging.AttendanceInPerson && !errors.Is(err, errNoMail):
			t.Errorf("a place in the library hears of the new link: %v\n%s", err, m.Text)
		}
	}
}

// TestHybridStaffForm: staff give an activity online places besides the
// branch's; online places without an online link are refused.
func TestHybridStaffForm(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale Bibliotheek")
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	wantContains(t, e.get(staff, "/staff/events/new"), `id="online_capacity" name="online_capacity"`)

	res := e.post(staff, "/staff/events/new", eventForm(b, func(f url.Values) { f.Set("online_capacity", "8") }))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "Online plaatsen kunnen alleen bij een activiteit met een plaats én een online link.")
	res = e.post(staff, "/staff/events/new", eventForm(b, func(f url.Values) { f.Set("online_capacity", "nul") }))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "Geef een aantal online plaatsen van 1 of meer, of laat het leeg.")
	if got := len(e.events()); got != 0 {
		t.Fatalf("%d events stored from refused forms", got)
	}

	res = e.post(staff, "/staff/events/new", eventForm(b, func(f url.Values) {
		f.Set("online_capacity", "8")
		f.Set("online_url", "https://meet.example/voorlezen")
	}))
	wantStatus(t, res, http.StatusSeeOther)
	events := e.events()
	if len(events) != 1 || events[0].OnlineCapacity != 8 || events[0].Capacity != 12 || !events[0].Hybrid() {
		t.Fatalf("stored %+v, want a hybrid event with 12 places in the branch and 8 online", events)
	}
	res = e.get(staff, fmt.Sprintf("/staff/events/%d/edit", events[0].ID))
	wantContains(t, res, `name="online_capacity" type="number" value="8"`)
}

// TestHybridAPI: the API gives each kind's places and places left, and
// each registration's kind with its number on its own waitlist.
func TestHybridAPI(t *testing.T) {
	e := newEnv(t)
	ev := e.hybridEvent("Taalcafé", 1, 2)
	kinds := []string{vestiging.AttendanceOnline, vestiging.AttendanceInPerson, vestiging.AttendanceInPerson}
	for i, kind := range kinds {
		p, _ := e.registrant(fmt.Sprintf("lid%d@example.nl", i))
		if err := e.db.Register(t.Context(), &vestiging.Registration{EventID: ev.ID, PersonID: p.ID, Attendance: kind}); err != nil {
			t.Fatal(err)
		}
	}
	event := apiJSON[apiEventJSON](t, e.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/events/%d", ev.ID), "", ""))
	if r := event.Registration; r.Capacity != 1 || r.OnlineCapacity != 2 || r.Remaining == nil || *r.Remaining != 0 ||
		r.OnlineRemaining == nil || *r.OnlineRemaining != 1 {
		t.Errorf("registration %+v, want 0 of 1 left in the branch and 1 of 2 online", r)
	}
	list := apiJSON[apiRegistrationList](t, e.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/events/%d/registrations", ev.ID),
		e.apiToken(vestiging.ScopeRegistrationsRead), ""))
	var got []string
	for _, r := range list.Registrations {
		position := 0
		if r.WaitlistPosition != nil {
			position = *r.WaitlistPosition
		}
		got = append(got, fmt.Sprintf("%s %s %d", r.Attendance, r.State, position))
	}
	storetest.Same(t, "registrations", got, []string{"online confirmed 0", "in_person confirmed 0", "in_person waitlisted 1"})
}

// TestHybridJSONLD: the page's schema.org Event is mixed, at the branch
// and online (the link withheld), with the places of both kinds.
func TestHybridJSONLD(t *testing.T) {
	e := newEnv(t)
	ev := e.hybridEvent("Taalcafé", 4, 6)
	p, _ := e.registrant("anna@example.nl")
	if err := e.db.Register(t.Context(), &vestiging.Registration{EventID: ev.ID, PersonID: p.ID, Attendance: vestiging.AttendanceOnline}); err != nil {
		t.Fatal(err)
	}
	res := e.get(e.client(), fmt.Sprintf("/events/%d", ev.ID))
	wantStatus(t, res, http.StatusOK)
	wantNotContains(t, res, "geheim")
	ld := jsonLD(t, res.Body)
	locations, _ := ld["location"].([]any)
	storetest.Same(t, "JSON-LD", []any{ld["eventAttendanceMode"], len(locations), ld["maximumAttendeeCapacity"], ld["remainingAttendeeCapacity"]},
		[]any{"https://schema.org/MixedEventAttendanceMode", 2, 10.0, 9.0})
}

// TestHybridAPIWrite: the API makes a hybrid event, and what it returns,
// read-only places left included, POSTs back as the same.
func TestHybridAPIWrite(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale")
	token := e.apiToken(vestiging.ScopeEventsWrite, vestiging.ScopeEventsRead)
	body := strings.Replace(eventBody(b.ID, "Taalcafé", vestiging.StatusPublished), `"capacity": 12}`,
		`"capacity": 12, "online_capacity": 20}`, 1)
	res := e.apiDo(http.MethodPost, "/api/v1/events", token, body)
	wantStatus(t, res, http.StatusUnprocessableEntity) // online places need an online link
	wantContains(t, res, "online_capacity")

	body = strings.Replace(body, `"title":`, `"online_url": "https://meet.example/taalcafe", "title":`, 1)
	res = e.apiDo(http.MethodPost, "/api/v1/events", token, body)
	wantStatus(t, res, http.StatusCreated)
	got := apiJSON[apiEventJSON](t, res)
	if r := got.Registration; r.Capacity != 12 || r.OnlineCapacity != 20 || r.OnlineRemaining == nil || *r.OnlineRemaining != 20 {
		t.Errorf("created registration %+v, want 12 places in the branch and 20 online", r)
	}
	again := apiJSON[apiEventJSON](t, e.apiDo(http.MethodPost, "/api/v1/events", token, res.Body))
	if again.Registration.OnlineCapacity != 20 {
		t.Errorf("round trip %+v", again.Registration)
	}
}
