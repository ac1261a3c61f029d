package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/xuri/excelize/v2"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/ical"
	"github.com/vestiging/vestiging/mail"
	"github.com/vestiging/vestiging/mail/mailtest"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// forBackends runs test on a server over SQLite and, when
// VESTIGING_TEST_POSTGRES is set, over PostgreSQL.
func forBackends(t *testing.T, test func(t *testing.T, e *env)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { test(t, newEnv(t)) })
	if os.Getenv(storetest.EnvPostgres) != "" {
		t.Run("postgres", func(t *testing.T) {
			clock := storetest.NewClock(testNow)
			db := storetest.PostgresClock(t, clock.Now)
			test(t, newEnvWith(t, db, clock, db))
		})
	}
}

// registrant creates a resident with a confirmed address and a client
// signed in as them.
func (e *env) registrant(email string) (*vestiging.Person, *http.Client) {
	e.t.Helper()
	p := e.person(email, "correct horse battery", vestiging.RoleResident)
	now := e.clock.Now()
	p.ConfirmedAt = &now
	if err := e.db.UpdatePerson(context.Background(), p); err != nil {
		e.t.Fatalf("confirm %s: %v", email, err)
	}
	c := e.client()
	wantStatus(e.t, e.post(c, "/login", url.Values{"email": {email}, "password": {"correct horse battery"}}), http.StatusSeeOther)
	return p, c
}

// openEvent stores a published event with sign-up on this site, two days
// ahead, with capacity places (0: no limit).
func (e *env) openEvent(title string, capacity int, change ...func(*vestiging.Event)) *vestiging.Event {
	e.t.Helper()
	return e.event(title, vestiging.StatusPublished, e.branch("Bibliotheek "+title), testNow.Add(48*time.Hour),
		append([]func(*vestiging.Event){func(ev *vestiging.Event) {
			ev.RegistrationMode, ev.Capacity = vestiging.RegistrationOpen, capacity
		}}, change...)...)
}

// registrations lists an event's registrations as the store has them.
func (e *env) registrations(eventID int64) []*vestiging.Registration {
	e.t.Helper()
	regs, _, err := e.db.Registrations(context.Background(), vestiging.RegistrationFilter{EventID: eventID, Limit: vestiging.MaxPageSize})
	if err != nil {
		e.t.Fatalf("registrations of event %d: %v", eventID, err)
	}
	return regs
}

// states is "name:state" for each of an event's registrations, in the store's order.
func (e *env) states(eventID int64) string {
	e.t.Helper()
	var out []string
	for _, r := range e.registrations(eventID) {
		out = append(out, r.Name+":"+r.State)
	}
	return strings.Join(out, " ")
}

func (e *env) allowGuests() {
	e.t.Helper()
	lib, err := e.db.Library(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	lib.AllowGuests = true
	if err := e.db.UpdateLibrary(context.Background(), lib); err != nil {
		e.t.Fatal(err)
	}
}

func TestRegister(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		ev := e.openEvent("Taalcafé", 2)
		path := fmt.Sprintf("/events/%d", ev.ID)
		anna, ac := e.registrant("anna@example.nl")
		_, bc := e.registrant("bert@example.nl")
		_, cc := e.registrant("carla@example.nl")

		t.Run("OK", func(t *testing.T) {
			res := e.get(ac, path)
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, "Nog 2 van de 2 plaatsen vrij", `action="`+path+`/register"`)
			res = e.post(ac, path+"/register", nil)
			wantStatus(t, res, http.StatusSeeOther)
			if got, want := res.Location, path+"#registration"; got != want {
				t.Errorf("location %q, want %q", got, want)
			}
			res = e.get(ac, path)
			wantContains(t, res, "Je bent aangemeld: je hebt een plaats.", "Nog 1 van de 2 plaatsen vrij", "Mijn aanmelding annuleren")
			wantNotContains(t, res, `action="`+path+`/register"`)
			if got, want := e.states(ev.ID), "anna:confirmed"; got != want {
				t.Errorf("states %q, want %q", got, want)
			}
			jobs := storetest.Jobs[vestiging.RegistrationMailJob](t, e.db, vestiging.RegistrationMailJob{}.Kind())
			if len(jobs) != 1 || jobs[0].Notice != vestiging.NoticeConfirmed || jobs[0].Token == "" {
				t.Errorf("mail jobs %+v, want one confirmation with the cancel link's token", jobs)
			}
		})

		t.Run("ErrConflict", func(t *testing.T) {
			res := e.post(ac, path+"/register", nil)
			wantStatus(t, res, http.StatusConflict)
			wantContains(t, res, "Je bent al aangemeld voor deze activiteit.")
			if got, want := e.states(ev.ID), "anna:confirmed"; got != want {
				t.Errorf("states %q, want %q", got, want)
			}
		})

		t.Run("Waitlist", func(t *testing.T) {
			wantStatus(t, e.post(bc, path+"/register", nil), http.StatusSeeOther)
			res := e.get(cc, path)
			wantContains(t, res, "Deze activiteit is vol.", "Je kunt je aanmelden voor de wachtlijst.", ">Op de wachtlijst</button>")
			wantStatus(t, e.post(cc, path+"/register", nil), http.StatusSeeOther)
			res = e.get(cc, path)
			wantContains(t, res, "Je staat op de wachtlijst, als nummer 1.")
			if got, want := e.states(ev.ID), "anna:confirmed bert:confirmed carla:waitlisted"; got != want {
				t.Errorf("states %q, want %q", got, want)
			}
		})

		t.Run("Privacy", func(t *testing.T) {
			for _, c := range []*http.Client{e.client(), cc} {
				res := e.get(c, path)
				wantNotContains(t, res, "anna", "bert@example.nl", "/attendees")
			}
			res := e.get(e.client(), fmt.Sprintf("/api/v1/events/%d", ev.ID))
			wantStatus(t, res, http.StatusOK)
			wantNotContains(t, res, "anna", "bert", "carla")
		})

		t.Run("ErrNotFound", func(t *testing.T) {
			// Someone else's registration cannot be cancelled: it does not exist for them.
			mine := e.registrations(ev.ID)[0]
			res := e.post(bc, fmt.Sprintf("/account/registrations/%d/cancel", mine.ID), nil)
			wantStatus(t, res, http.StatusNotFound)
			wantStatus(t, e.post(ac, "/events/99999/register", nil), http.StatusNotFound)
			wantStatus(t, e.post(ac, "/account/registrations/99999/cancel", nil), http.StatusNotFound)
			if got, want := e.states(ev.ID), "anna:confirmed bert:confirmed carla:waitlisted"; got != want {
				t.Errorf("states %q, want %q", got, want)
			}
		})

		t.Run("CancelPromotes", func(t *testing.T) {
			reg := e.registrations(ev.ID)[0]
			if reg.PersonID != anna.ID {
				t.Fatalf("first registration %+v is not anna's", reg)
			}
			res := e.post(ac, fmt.Sprintf("/account/registrations/%d/cancel", reg.ID), url.Values{"back": {path + "#registration"}})
			wantStatus(t, res, http.StatusSeeOther)
			if res.Location != path+"#registration" {
				t.Errorf("location %q, want back to the event", res.Location)
			}
			if got, want := e.states(ev.ID), "bert:confirmed carla:confirmed anna:cancelled"; got != want {
				t.Errorf("states %q, want %q", got, want)
			}
			wantContains(t, e.get(cc, path), "Je bent aangemeld: je hebt een plaats.")
			// Cancelling twice changes nothing.
			wantStatus(t, e.post(ac, fmt.Sprintf("/account/registrations/%d/cancel", reg.ID), nil), http.StatusBadRequest)
			if got, want := e.states(ev.ID), "bert:confirmed carla:confirmed anna:cancelled"; got != want {
				t.Errorf("states %q, want %q", got, want)
			}
		})
	})
}

func TestRegisterRefused(t *testing.T) {
	e := newEnv(t)
	_, c := e.registrant("anna@example.nl")
	unconfirmed := e.signIn("bert@example.nl", vestiging.RoleResident)
	open := e.openEvent("Taalcafé", 0)
	tests := []struct {
		name   string
		client *http.Client
		event  *vestiging.Event
		status int
		msg    string
	}{
		{"NotSignedIn", e.client(), open, http.StatusSeeOther, ""},
		{"Unconfirmed", unconfirmed, open, http.StatusForbidden, "Bevestig eerst je e-mailadres"},
		{"ModeNone", c, e.event("Voorleesuur", vestiging.StatusPublished, e.branch("B"), testNow.Add(time.Hour)),
			http.StatusBadRequest, "Voor deze activiteit meld je je hier niet aan."},
		{"Closed", c, e.openEvent("Dicht", 0, func(ev *vestiging.Event) { ev.RegistrationClosed = true }),
			http.StatusBadRequest, "Aanmelden voor deze activiteit is gesloten."},
		{"Ended", c, e.openEvent("Voorbij", 0, func(ev *vestiging.Event) {
			ev.StartsAt, ev.EndsAt = testNow.Add(-3*time.Hour), testNow.Add(-time.Hour)
		}), http.StatusBadRequest, "Deze activiteit is voorbij."},
		{"Draft", c, e.openEvent("Concept", 0, func(ev *vestiging.Event) { ev.Status = vestiging.StatusDraft }),
			http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.post(tt.client, fmt.Sprintf("/events/%d/register", tt.event.ID), nil)
			wantStatus(t, res, tt.status)
			if tt.msg != "" {
				wantContains(t, res, tt.msg)
			}
			if n := len(e.registrations(tt.event.ID)); n != 0 {
				t.Errorf("%d registrations stored, want none", n)
			}
		})
	}
	t.Run("ErrCrossOrigin", func(t *testing.T) {
		res := e.post(c, fmt.Sprintf("/events/%d/register", open.ID), nil, "Sec-Fetch-Site", "cross-site")
		wantStatus(t, res, http.StatusForbidden)
		if n := len(e.registrations(open.ID)); n != 0 {
			t.Errorf("%d registrations after a cross-site form, want none", n)
		}
	})
	t.Run("Pages", func(t *testing.T) {
		none := e.get(c, fmt.Sprintf("/events/%d", tests[2].event.ID))
		wantNotContains(t, none, `id="registration"`, "/register")
		closed := e.get(c, fmt.Sprintf("/events/%d", tests[3].event.ID))
		wantContains(t, closed, "Aanmelden is gesloten.")
		wantNotContains(t, closed, "/register")
		ended := e.get(c, fmt.Sprintf("/events/%d", tests[4].event.ID))
		wantContains(t, ended, "Deze activiteit is afgelopen.")
		wantNotContains(t, ended, "/register")
		res := e.get(unconfirmed, fmt.Sprintf("/events/%d", open.ID))
		wantContains(t, res, "Bevestig eerst je e-mailadres voordat je je aanmeldt voor activiteiten.")
		wantNotContains(t, res, "/register")
	})
	t.Run("FullNoWaitlist", func(t *testing.T) {
		full := e.openEvent("Vol", 1, func(ev *vestiging.Event) { ev.NoWaitlist = true })
		wantStatus(t, e.post(c, fmt.Sprintf("/events/%d/register", full.ID), nil), http.StatusSeeOther)
		_, dc := e.registrant("dirk@example.nl")
		res := e.get(dc, fmt.Sprintf("/events/%d", full.ID))
		wantContains(t, res, "Deze activiteit is vol.")
		wantNotContains(t, res, "wachtlijst", "/register")
	})
}

func TestRegisterRemoteEvent(t *testing.T) {
	e := newEnv(t)
	ev, actor := e.remoteEvent("Schrijfcafé elders", testNow.Add(48*time.Hour))
	e.libraryFollows(actor)
	ev.RegistrationMode = vestiging.RegistrationOpen
	if err := e.db.UpsertRemoteEvent(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	_, c := e.registrant("anna@example.nl")
	path := fmt.Sprintf("/events/%d", ev.ID)
	wantContains(t, e.get(c, path), "Je aanmelding gaat naar Bibliotheek Elders", `action="`+path+`/register"`)
	wantStatus(t, e.post(c, path+"/register", nil), http.StatusSeeOther)
	res := e.get(c, path)
	wantContains(t, res, "Je aanmelding is verstuurd naar de bibliotheek die deze activiteit organiseert.")
	regs := e.registrations(ev.ID)
	if len(regs) != 1 || regs[0].State != vestiging.RegistrationPending {
		t.Fatalf("registrations %+v, want one pending", regs)
	}
	jobs := storetest.Jobs[vestiging.ParticipationJob](t, e.db, vestiging.ParticipationJob{}.Kind())
	if len(jobs) != 1 || jobs[0].Notice != vestiging.NoticeJoin {
		t.Errorf("participation jobs %+v, want the Join", jobs)
	}
	// The other library's answer arrives: the page shows it.
	if _, err := e.db.SetRegistrationState(t.Context(), regs[0].ID, vestiging.RegistrationWaitlisted); err != nil {
		t.Fatal(err)
	}
	res = e.get(c, path)
	wantContains(t, res, "Je staat op de wachtlijst.")
	wantNotContains(t, res, "als nummer")
	if _, err := e.db.SetRegistrationState(t.Context(), regs[0].ID, vestiging.RegistrationRejected); err != nil {
		t.Fatal(err)
	}
	wantContains(t, e.get(c, path), "Helaas was er geen plaats voor je.")
	// A guest cannot sign up for another library's event here.
	e.allowGuests()
	res = e.post(e.client(), path+"/register/guest", url.Values{"name": {"Gast"}, "email": {"gast@example.nl"}})
	wantStatus(t, res, http.StatusForbidden)
}

// tokenOf returns the token of the first mail job of a registration.
func tokenOf(t *testing.T, e *env, regID int64) string {
	t.Helper()
	for _, j := range storetest.Jobs[vestiging.RegistrationMailJob](t, e.db, vestiging.RegistrationMailJob{}.Kind()) {
		if j.RegistrationID == regID && j.Token != "" {
			return j.Token
		}
	}
	t.Fatalf("no mail job with a token for registration %d", regID)
	return ""
}

func TestGuestRegistration(t *testing.T) {
	e := newEnv(t)
	ev := e.openEvent("Taalcafé", 1)
	path := fmt.Sprintf("/events/%d", ev.ID)
	guest := url.Values{"name": {"Gerrit Gast"}, "email": {" Gerrit@Example.nl "}}

	t.Run("ErrNotAllowed", func(t *testing.T) {
		wantNotContains(t, e.get(e.client(), path), "/register/guest")
		wantStatus(t, e.post(e.client(), path+"/register/guest", guest), http.StatusForbidden)
		if n := len(e.registrations(ev.ID)); n != 0 {
			t.Errorf("%d registrations, want none", n)
		}
	})

	e.allowGuests()
	t.Run("ErrInvalid", func(t *testing.T) {
		tests := []struct {
			name, field, msg string
			form             url.Values
		}{
			{"BadEmail", "email", "Vul een geldig e-mailadres in.", url.Values{"name": {"Gerrit"}, "email": {"gerrit@"}}},
			{"NoEmail", "email", "Log in, of geef je naam en e-mailadres.", url.Values{"name": {"Gerrit"}}},
			{"NoName", "name", "Dit veld is verplicht.", url.Values{"email": {"gerrit@example.nl"}}},
			{"LongName", "name", "Deze tekst is te lang.", url.Values{"name": {strings.Repeat("g", 101)}, "email": {"gerrit@example.nl"}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := e.post(e.client(), path+"/register/guest", tt.form)
				wantStatus(t, res, http.StatusUnprocessableEntity)
				wantContains(t, res, `<p class="field-error" id="`+tt.field+`-error">`+tt.msg+`</p>`, `aria-invalid="true"`, `href="#`+tt.field+`"`)
			})
		}
		if n := len(e.registrations(ev.ID)); n != 0 {
			t.Errorf("%d registrations after refused sign-ups, want none", n)
		}
	})

	var token string
	t.Run("OK", func(t *testing.T) {
		res := e.post(e.client(), path+"/register/guest", guest)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Kijk in je e-mail", "gerrit@example.nl")
		regs := e.registrations(ev.ID)
		if len(regs) != 1 || regs[0].State != vestiging.RegistrationPending || regs[0].GuestEmail != "gerrit@example.nl" {
			t.Fatalf("registrations %+v, want gerrit pending", regs)
		}
		token = tokenOf(t, e, regs[0].ID)
		// The same address again gets the same page and changes nothing.
		again := e.post(e.client(), path+"/register/guest", guest)
		wantStatus(t, again, http.StatusOK)
		if again.Body != res.Body {
			t.Error("a second sign-up with the address gets another page")
		}
		if n := len(e.registrations(ev.ID)); n != 1 {
			t.Errorf("%d registrations, want 1", n)
		}
	})

	confirm := "/registrations/confirm?token=" + url.QueryEscape(token)
	t.Run("Confirm", func(t *testing.T) {
		// A mail scanner's GET changes nothing.
		res := e.get(e.client(), confirm)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Mijn aanmelding bevestigen", `name="token" value="`+token+`"`, "Taalcafé")
		if got, want := e.states(ev.ID), "Gerrit Gast:pending"; got != want {
			t.Fatalf("states after GET %q, want %q", got, want)
		}
		res = e.post(e.client(), "/registrations/confirm", url.Values{"token": {token}})
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Je bent aangemeld", "Je hebt een plaats bij Taalcafé.")
		if got, want := e.states(ev.ID), "Gerrit Gast:confirmed"; got != want {
			t.Errorf("states %q, want %q", got, want)
		}
	})

	t.Run("ErrGone", func(t *testing.T) {
		for _, res := range []response{e.get(e.client(), confirm), e.post(e.client(), "/registrations/confirm", url.Values{"token": {token}})} {
			wantStatus(t, res, http.StatusGone)
			wantContains(t, res, "Deze link werkt niet meer")
		}
		if got, want := e.states(ev.ID), "Gerrit Gast:confirmed"; got != want {
			t.Errorf("states %q, want %q", got, want)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		for _, res := range []response{
			e.get(e.client(), "/registrations/confirm?token=nonsense"),
			e.get(e.client(), "/registrations/confirm"),
			e.post(e.client(), "/registrations/confirm", url.Values{"token": {"nonsense"}}),
			e.get(e.client(), "/registrations/cancel?token=nonsense"),
			e.post(e.client(), "/registrations/cancel", nil),
		} {
			wantStatus(t, res, http.StatusNotFound)
			wantContains(t, res, "We kennen deze link niet.")
		}
	})

	t.Run("Cancel", func(t *testing.T) {
		cancel := "/registrations/cancel?token=" + url.QueryEscape(token)
		res := e.get(e.client(), cancel)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Je aanmelding annuleren", "Heeft een plaats")
		if got, want := e.states(ev.ID), "Gerrit Gast:confirmed"; got != want {
			t.Fatalf("states after GET %q, want %q", got, want)
		}
		res = e.post(e.client(), "/registrations/cancel", url.Values{"token": {token}})
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Je aanmelding is geannuleerd")
		for _, res := range []response{e.get(e.client(), cancel), e.post(e.client(), "/registrations/cancel", url.Values{"token": {token}})} {
			wantStatus(t, res, http.StatusGone)
			wantContains(t, res, "Deze aanmelding is al geannuleerd; de link werkt niet meer.")
		}
		if got, want := e.states(ev.ID), "Gerrit Gast:cancelled"; got != want {
			t.Errorf("states %q, want %q", got, want)
		}
	})
}

// newRegistrationMailEnv is newMailEnv with the registration mail worker.
func newRegistrationMailEnv(t *testing.T) (*env, *mailtest.Server) {
	t.Helper()
	e := newEnv(t)
	smtp := mailtest.Start(t)
	sender, err := mail.NewSMTP(smtp.Config())
	if err != nil {
		t.Fatal(err)
	}
	workers := river.NewWorkers()
	mail.Register(workers, sender, nil)
	e.srv.Config.Handler.(*Server).AddWorkers(workers)
	if err := e.db.StartJobs(t.Context(), workers, store.JobsConfig{Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.db.StopJobs(context.Background()) })
	return e, smtp
}

// calendarOf decodes a mail's .ics attachment, checking its type.
func calendarOf(t *testing.T, m mailtest.Message) *vestiging.Event {
	t.Helper()
	for _, a := range m.Attachments {
		if !strings.HasSuffix(a.Name, ".ics") {
			continue
		}
		if !strings.HasPrefix(a.ContentType, "text/calendar") || !strings.Contains(a.ContentType, "method=PUBLISH") {
			t.Errorf("attachment %s has type %q", a.Name, a.ContentType)
		}
		if !bytes.Contains(a.Data, []byte("METHOD:PUBLISH")) {
			t.Errorf("the calendar has no METHOD:PUBLISH:\n%s", a.Data)
		}
		events, err := ical.Decode(bytes.NewReader(a.Data), ical.Options{Now: testNow,
			Branches: []*vestiging.Branch{{ID: 1, Name: "Elders"}}})
		if err != nil || len(events) != 1 {
			t.Fatalf("calendar %v, %d events:\n%s", err, len(events), a.Data)
		}
		return events[0]
	}
	t.Fatalf("mail %q has no .ics attachment", m.Subject)
	return nil
}

func TestRegistrationMail(t *testing.T) {
	e, smtp := newRegistrationMailEnv(t)
	ev := e.openEvent("Taalcafé", 1)
	path := fmt.Sprintf("/events/%d", ev.ID)
	_, ac := e.registrant("anna@example.nl")
	_, bc := e.registrant("bert@example.nl")

	wantStatus(t, e.post(ac, path+"/register", nil), http.StatusSeeOther)
	m := smtp.WaitFor(t, "anna@example.nl", mailWait)
	if m.Subject != "Je bent aangemeld: Taalcafé" {
		t.Errorf("subject %q", m.Subject)
	}
	for _, want := range []string{"Hallo anna,", "Je hebt een plaats bij Taalcafé.", "Wanneer: wo 4 maart 2026, 10:00–12:00",
		"Waar: Bibliotheek Taalcafé, Stationsplein 1, 1234 AB Dorp", "http://localhost" + path} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("mail lacks %q:\n%s", want, m.Text)
		}
	}
	cal := calendarOf(t, m)
	if cal.Title != "Taalcafé" || !cal.StartsAt.Equal(ev.StartsAt) || !cal.EndsAt.Equal(ev.EndsAt) {
		t.Errorf("calendar event %q %v–%v, want Taalcafé %v–%v", cal.Title, cal.StartsAt, cal.EndsAt, ev.StartsAt, ev.EndsAt)
	}

	wantStatus(t, e.post(bc, path+"/register", nil), http.StatusSeeOther)
	if m := smtp.WaitFor(t, "bert@example.nl", mailWait); m.Subject != "Op de wachtlijst: Taalcafé" || len(m.Attachments) != 0 {
		t.Errorf("waitlist mail %q with %d attachments", m.Subject, len(m.Attachments))
	}

	// The cancel link works once.
	link := pathOf(t, m.Link(t, "/registrations/cancel?token="))
	wantStatus(t, e.get(e.client(), link), http.StatusOK)
	token := strings.TrimPrefix(link, "/registrations/cancel?token=")
	wantStatus(t, e.post(e.client(), "/registrations/cancel", url.Values{"token": {token}}), http.StatusOK)
	wantStatus(t, e.post(e.client(), "/registrations/cancel", url.Values{"token": {token}}), http.StatusGone)
	wantStatus(t, e.get(e.client(), link), http.StatusGone)

	// Bert moves up and hears so, with the calendar file.
	waitMails(t, smtp, "bert@example.nl", 2)
	promoted := smtp.MessagesTo("bert@example.nl")[1]
	if promoted.Subject != "Een plaats voor jou: Taalcafé" || !strings.Contains(promoted.Text, "http://localhost/account/registrations") {
		t.Errorf("promotion mail %q:\n%s", promoted.Subject, promoted.Text)
	}
	calendarOf(t, promoted)
	waitMails(t, smtp, "anna@example.nl", 2)
	if m := smtp.MessagesTo("anna@example.nl")[1]; m.Subject != "Aanmelding geannuleerd: Taalcafé" {
		t.Errorf("cancel mail %q", m.Subject)
	}

	t.Run("Guest", func(t *testing.T) {
		e.allowGuests()
		wantStatus(t, e.post(e.client(), path+"/register/guest", url.Values{"name": {"Gerrit"}, "email": {"gerrit@example.nl"}}), http.StatusOK)
		m := smtp.WaitFor(t, "gerrit@example.nl", mailWait)
		if m.Subject != "Bevestig je aanmelding: Taalcafé" {
			t.Errorf("subject %q", m.Subject)
		}
		confirm := pathOf(t, m.Link(t, "/registrations/confirm?token="))
		cancel := pathOf(t, m.Link(t, "/registrations/cancel?token="))
		token := strings.TrimPrefix(confirm, "/registrations/confirm?token=")
		if cancel != "/registrations/cancel?token="+token {
			t.Errorf("cancel link %q does not carry the confirm link's token", cancel)
		}
		wantStatus(t, e.post(e.client(), "/registrations/confirm", url.Values{"token": {token}}), http.StatusOK)
		waitMails(t, smtp, "gerrit@example.nl", 2)
		if m := smtp.MessagesTo("gerrit@example.nl")[1]; m.Subject != "Op de wachtlijst: Taalcafé" {
			t.Errorf("after confirming: %q", m.Subject)
		}
	})

	t.Run("English", func(t *testing.T) {
		en := e.openEvent("Book club", 0, func(ev *vestiging.Event) { ev.Language = "en" })
		wantStatus(t, e.post(ac, fmt.Sprintf("/events/%d/register", en.ID), nil), http.StatusSeeOther)
		waitMails(t, smtp, "anna@example.nl", 3)
		m := smtp.MessagesTo("anna@example.nl")[2]
		if m.Subject != "You are registered: Book club" || !strings.Contains(m.Text, "Hello anna,") || m.Attachments[0].Name != "activity.ics" {
			t.Errorf("English mail %q:\n%s", m.Subject, m.Text)
		}
	})
}

// TestRegistrationMailOnce: the mail worker run twice for one job, as
// after a crash before River heard it finished, queues its mail once.
func TestRegistrationMailOnce(t *testing.T) {
	e := newEnv(t)
	s := e.srv.Config.Handler.(*Server)
	ev := e.openEvent("Taalcafé", 5)
	anna, _ := e.registrant("anna@example.nl")
	reg := &vestiging.Registration{EventID: ev.ID, PersonID: anna.ID}
	if err := e.db.Register(t.Context(), reg); err != nil {
		t.Fatal(err)
	}
	w := &registrationMailWorker{s: s}
	job := &river.Job[vestiging.RegistrationMailJob]{JobRow: &rivertype.JobRow{ID: 424242, Kind: vestiging.RegistrationMailJob{}.Kind()},
		Args: vestiging.RegistrationMailJob{RegistrationID: reg.ID, Notice: vestiging.NoticeConfirmed}}
	for range 2 {
		if err := w.Work(t.Context(), job); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, m := range storetest.Jobs[vestiging.MailJob](t, e.db, vestiging.MailJob{}.Kind()) {
		if m.Key == "registration_mail 424242" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d mails queued by one job run twice, want 1", n)
	}
}

// waitMails waits until to has received n mails.
func waitMails(t *testing.T, smtp *mailtest.Server, to string, n int) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d mails to %s", n, to), func() bool { return len(smtp.MessagesTo(to)) >= n })
}

// TestRegistrationMailNotices renders every notice's mail from the worker's
// own function, so each is checked without waiting on the queue
// (cmd/vestiging's TestWaitlistReminder runs the queue).
func TestRegistrationMailNotices(t *testing.T) {
	e := newEnv(t)
	s := e.srv.Config.Handler.(*Server)
	course := &vestiging.Event{Kind: vestiging.KindCourse, Title: "Computercursus", Status: vestiging.StatusPublished,
		RegistrationMode: vestiging.RegistrationOpen, Sessions: []*vestiging.Session{
			{StartsAt: testNow.Add(48 * time.Hour), EndsAt: testNow.Add(49 * time.Hour), OnlineURL: "https://meet.example.nl/les1"},
			{StartsAt: testNow.Add(72 * time.Hour), EndsAt: testNow.Add(73 * time.Hour), OnlineURL: "https://meet.example.nl/les2"},
		}}
	if err := e.db.CreateEvent(t.Context(), course); err != nil {
		t.Fatal(err)
	}
	// Each notice is rendered for a registration in a state it holds in:
	// anna has a place, dirk cancelled, and bert came when the course was
	// full and had no waitlist.
	register := func(email, token, state string) *vestiging.Registration {
		t.Helper()
		p := &vestiging.Person{Email: email, DisplayName: strings.Split(email, "@")[0], PasswordHash: "x"}
		if err := e.db.CreatePerson(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		reg := &vestiging.Registration{EventID: course.ID, PersonID: p.ID, CancelToken: token}
		if err := e.db.Register(t.Context(), reg); err != nil {
			t.Fatal(err)
		}
		if reg.State != state {
			t.Fatalf("%s: %s, want %s", email, reg.State, state)
		}
		return reg
	}
	reg := register("anna@example.nl", "secret", vestiging.RegistrationConfirmed)
	cancelled := register("dirk@example.nl", "", vestiging.RegistrationConfirmed)
	if _, err := e.db.CancelRegistration(t.Context(), cancelled.ID); err != nil {
		t.Fatal(err)
	}
	course.Capacity, course.NoWaitlist = 1, true
	if err := e.db.UpdateEvent(t.Context(), course); err != nil {
		t.Fatal(err)
	}
	rejected := register("bert@example.nl", "", vestiging.RegistrationRejected)
	tests := []struct {
		notice, token, subject string
		reg                    *vestiging.Registration
		to                     string
		ics                    bool
		says                   []string
	}{
		{vestiging.NoticeConfirmed, "secret", "Je bent aangemeld: Computercursus", reg, "anna@example.nl", true,
			[]string{"/registrations/cancel?token=secret", "Eén aanmelding geldt voor alle bijeenkomsten van deze cursus (2)",
				fmt.Sprintf("Online: http://localhost/courses/%d/join?token=", course.ID)}},
		{vestiging.NoticePromoted, "", "Een plaats voor jou: Computercursus", reg, "anna@example.nl", true, []string{"http://localhost/account/registrations"}},
		{vestiging.NoticeReminder, "", "Morgen: Computercursus", reg, "anna@example.nl", true, []string{"Ter herinnering: Computercursus is morgen."}},
		{vestiging.NoticeChanged, "", "Gewijzigd: Computercursus", reg, "anna@example.nl", true, []string{"De tijd of plaats van Computercursus is veranderd."}},
		{vestiging.NoticeRejected, "", "Geen plaats: Computercursus", rejected, "bert@example.nl", false, []string{"Helaas is er geen plaats voor je bij Computercursus"}},
		{vestiging.NoticeCancelled, "", "Aanmelding geannuleerd: Computercursus", cancelled, "dirk@example.nl", false, []string{"is geannuleerd"}},
	}
	for _, tt := range tests {
		t.Run(tt.notice, func(t *testing.T) {
			m, err := s.registrationMail(t.Context(), vestiging.RegistrationMailJob{RegistrationID: tt.reg.ID, Notice: tt.notice, Token: tt.token})
			if err != nil {
				t.Fatal(err)
			}
			if m.To != tt.to || m.Subject != tt.subject {
				t.Errorf("mail to %q, subject %q; want %s, %q", m.To, m.Subject, tt.to, tt.subject)
			}
			for _, want := range tt.says {
				if !strings.Contains(m.Text, want) {
					t.Errorf("mail lacks %q:\n%s", want, m.Text)
				}
			}
			if got := len(m.Attachments) == 1; got != tt.ics {
				t.Errorf("attachments %d, want the calendar: %v", len(m.Attachments), tt.ics)
			} else if tt.ics && !bytes.Contains(m.Attachments[0].Data, []byte("SUMMARY:Computercursus (2/2)")) {
				t.Errorf("calendar lacks the second session:\n%s", m.Attachments[0].Data)
			}
		})
	}

	t.Run("EventOffAndBack", func(t *testing.T) {
		mail := func(notice string) vestiging.Mail {
			t.Helper()
			m, err := s.registrationMail(t.Context(), vestiging.RegistrationMailJob{RegistrationID: reg.ID, Notice: notice})
			if err != nil {
				t.Fatalf("%s: %v", notice, err)
			}
			return m
		}
		if _, err := s.registrationMail(t.Context(), vestiging.RegistrationMailJob{RegistrationID: reg.ID,
			Notice: vestiging.NoticeEventOff}); !errors.Is(err, errNoMail) {
			t.Errorf("a cancellation mail for an activity that is on: %v", err)
		}
		course.Status, course.CancelReason = vestiging.StatusCancelled, "De docent is ziek."
		if err := e.db.UpdateEvent(t.Context(), course); err != nil {
			t.Fatal(err)
		}
		off := mail(vestiging.NoticeEventOff)
		if off.Subject != "Gaat niet door: Computercursus" || !strings.Contains(off.Text, "Helaas gaat Computercursus niet door.") ||
			!strings.Contains(off.Text, "De docent is ziek.") {
			t.Errorf("cancellation mail %q:\n%s", off.Subject, off.Text)
		}
		if len(off.Attachments) != 1 || !strings.Contains(off.Attachments[0].ContentType, "method=CANCEL") {
			t.Fatalf("cancellation mail attachments: %+v", off.Attachments)
		}
		cal := decodeCalendar(t, off.Attachments[0].Data)
		if got := cal.Props.Get(goical.PropMethod).Value; got != "CANCEL" {
			t.Errorf("METHOD %q, want CANCEL", got)
		}
		uids := []string{}
		for _, ev := range cal.Events() {
			uid, _ := ev.Props.Text(goical.PropUID)
			status, _ := ev.Props.Text(goical.PropStatus)
			uids = append(uids, uid)
			if status != "CANCELLED" || ev.Props.Get(goical.PropSequence) == nil {
				t.Errorf("event %s: status %q, sequence %v", uid, status, ev.Props.Get(goical.PropSequence))
			}
		}
		want := []string{fmt.Sprintf("http://localhost/courses/%d#session-1", course.ID), fmt.Sprintf("http://localhost/courses/%d#session-2", course.ID)}
		if !slices.Equal(uids, want) {
			t.Errorf("UIDs %v, want the sign-up mail's %v", uids, want)
		}

		course.Status = vestiging.StatusPublished
		if err := e.db.UpdateEvent(t.Context(), course); err != nil {
			t.Fatal(err)
		}
		back := mail(vestiging.NoticeEventBack)
		if back.Subject != "Gaat toch door: Computercursus" || !strings.Contains(back.Text, "je hebt je plaats nog") ||
			len(back.Attachments) != 1 || !strings.Contains(back.Attachments[0].ContentType, "method=PUBLISH") {
			t.Errorf("back-on mail %q:\n%s", back.Subject, back.Text)
		}
	})

	t.Run("ErrNoMail", func(t *testing.T) {
		// A waitlist mail for someone with a place, a guest mail without its
		// link and a reminder after cancelling are not sent.
		for _, job := range []vestiging.RegistrationMailJob{
			{RegistrationID: reg.ID, Notice: vestiging.NoticeWaitlisted},
			{RegistrationID: reg.ID, Notice: vestiging.NoticeGuest},
			{RegistrationID: reg.ID, Notice: vestiging.NoticeJoin},
		} {
			if _, err := s.registrationMail(t.Context(), job); err == nil {
				t.Errorf("%s: a mail, want none", job.Notice)
			}
		}
		if _, err := e.db.CancelRegistration(t.Context(), reg.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.registrationMail(t.Context(), vestiging.RegistrationMailJob{RegistrationID: reg.ID, Notice: vestiging.NoticeReminder}); err == nil {
			t.Error("a reminder for a cancelled registration")
		}
		_, err := s.registrationMail(t.Context(), vestiging.RegistrationMailJob{RegistrationID: 99999, Notice: vestiging.NoticeConfirmed})
		if vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("unknown registration: %v, want ENOTFOUND", err)
		}
	})
}

func TestAttendees(t *testing.T) {
	e := newEnv(t)
	staff := e.signIn("staff@example.nl", vestiging.RoleStaff)
	ev := e.openEvent("Taalcafé", 1)
	other := e.openEvent("Schaakclub", 0)
	base := fmt.Sprintf("/staff/events/%d", ev.ID)
	anna, ac := e.registrant("anna@example.nl")
	anna.Handle = "anna"
	if err := e.db.UpdatePerson(t.Context(), anna); err != nil {
		t.Fatal(err)
	}
	_, bc := e.registrant("bert@example.nl")
	e.allowGuests()
	for _, c := range []*http.Client{ac, bc} {
		wantStatus(t, e.post(c, fmt.Sprintf("/events/%d/register", ev.ID), nil), http.StatusSeeOther)
	}
	wantStatus(t, e.post(e.client(), fmt.Sprintf("/events/%d/register/guest", ev.ID),
		url.Values{"name": {"=HYPERLINK(\"http://evil.example\")"}, "email": {"gast@example.nl"}}), http.StatusOK)
	wantStatus(t, e.post(ac, fmt.Sprintf("/events/%d/register", other.ID), nil), http.StatusSeeOther)
	regs := e.registrations(ev.ID)
	annaReg, bertReg := regs[0], regs[1]
	if annaReg.PersonID != anna.ID {
		t.Fatalf("registrations %+v", regs)
	}

	t.Run("ErrForbidden", func(t *testing.T) {
		wantStatus(t, e.get(ac, base+"/attendees"), http.StatusForbidden)
		wantStatus(t, e.get(ac, base+"/attendees.csv"), http.StatusForbidden)
		wantStatus(t, e.post(ac, fmt.Sprintf("%s/attendees/%d/checkin", base, annaReg.ID), url.Values{"attended": {"1"}}), http.StatusForbidden)
		res := e.get(e.client(), base+"/attendees")
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login?next=") {
			t.Errorf("anonymous: status %d to %q, want the login page", res.Status, res.Location)
		}
	})

	t.Run("List", func(t *testing.T) {
		res := e.get(staff, base+"/attendees")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Met een plaats (1)", "Wachtlijst (1)", "Nog niet bevestigd (1)", "anna@example.nl", "bert@example.nl",
			"gast@example.nl", "=HYPERLINK(&#34;http://evil.example&#34;)", "1 van de 1 bezet")
		wantNotContains(t, res, "Schaakclub")
		wantContains(t, e.get(staff, "/staff/"), base+"/attendees")
		wantContains(t, e.get(staff, base+"/edit"), base+"/attendees")
		wantContains(t, e.get(staff, fmt.Sprintf("/events/%d", ev.ID)), base+"/attendees")
	})

	t.Run("CheckIn", func(t *testing.T) {
		res := e.post(staff, fmt.Sprintf("%s/attendees/%d/checkin", base, annaReg.ID), url.Values{"attended": {"1"}})
		wantStatus(t, res, http.StatusSeeOther)
		if got, err := e.db.Registration(t.Context(), annaReg.ID); err != nil || got.CheckedInAt == nil {
			t.Fatalf("after check-in: %+v, %v", got, err)
		}
		wantContains(t, e.get(staff, base+"/attendees"), `aria-pressed="true"`)
		wantStatus(t, e.post(staff, fmt.Sprintf("%s/attendees/%d/checkin", base, annaReg.ID), url.Values{"attended": {"0"}}), http.StatusSeeOther)
		if got, err := e.db.Registration(t.Context(), annaReg.ID); err != nil || got.CheckedInAt != nil {
			t.Errorf("after unchecking: %+v, %v", got, err)
		}
		// Someone on the waitlist has no place to be checked in at.
		wantStatus(t, e.post(staff, fmt.Sprintf("%s/attendees/%d/checkin", base, bertReg.ID), url.Values{"attended": {"1"}}), http.StatusBadRequest)
	})

	t.Run("ErrMove", func(t *testing.T) {
		before := e.states(ev.ID)
		wantStatus(t, e.post(staff, fmt.Sprintf("%s/attendees/%d/move", base, bertReg.ID), url.Values{"state": {"pending"}}), http.StatusBadRequest)
		otherReg := e.registrations(other.ID)[0]
		wantStatus(t, e.post(staff, fmt.Sprintf("%s/attendees/%d/move", base, otherReg.ID), url.Values{"state": {"cancelled"}}), http.StatusNotFound)
		wantStatus(t, e.post(staff, base+"/attendees/abc/move", url.Values{"state": {"cancelled"}}), http.StatusNotFound)
		if got := e.states(ev.ID); got != before {
			t.Errorf("states %q, want unchanged %q", got, before)
		}
		if got := e.registrations(other.ID)[0].State; got != vestiging.RegistrationConfirmed {
			t.Errorf("the other event's registration is %s", got)
		}
	})

	t.Run("Move", func(t *testing.T) {
		wantStatus(t, e.post(staff, fmt.Sprintf("%s/attendees/%d/move", base, bertReg.ID), url.Values{"state": {"confirmed"}}), http.StatusSeeOther)
		wantContains(t, e.get(staff, base+"/attendees"), "Met een plaats (2)", "2 van de 1 bezet")
		wantStatus(t, e.post(staff, fmt.Sprintf("%s/attendees/%d/move", base, annaReg.ID), url.Values{"state": {"waitlisted"}}), http.StatusSeeOther)
		if got, want := e.states(ev.ID), "bert:confirmed anna:waitlisted =HYPERLINK(\"http://evil.example\"):pending"; got != want {
			t.Errorf("states %q, want %q", got, want)
		}
	})

	t.Run("Capacity", func(t *testing.T) {
		for _, bad := range []string{"abc", "-1", "2.5", "0"} {
			res := e.post(staff, base+"/capacity", url.Values{"capacity": {bad}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, `id="capacity-error"`, "Geef een aantal plaatsen van 1 of meer; laat het veld leeg voor geen limiet.")
		}
		if got, err := e.db.Event(t.Context(), ev.ID); err != nil || got.Capacity != 1 {
			t.Fatalf("after refused changes: %+v, %v", got, err)
		}
		wantStatus(t, e.post(staff, base+"/capacity", url.Values{"capacity": {"3"}, "no_waitlist": {"1"}}), http.StatusSeeOther)
		got, err := e.db.Event(t.Context(), ev.ID)
		if err != nil || got.Capacity != 3 || !got.NoWaitlist {
			t.Errorf("after saving: %+v, %v; want capacity 3 without waitlist", got, err)
		}
		// The new place goes to the first on the waitlist.
		if got, want := e.states(ev.ID), "anna:confirmed bert:confirmed =HYPERLINK(\"http://evil.example\"):pending"; got != want {
			t.Errorf("states %q, want %q", got, want)
		}
	})

	t.Run("CloseAndOpen", func(t *testing.T) {
		wantStatus(t, e.post(staff, base+"/signup", url.Values{"action": {"close"}}), http.StatusSeeOther)
		_, dc := e.registrant("dirk@example.nl")
		wantContains(t, e.get(dc, fmt.Sprintf("/events/%d", ev.ID)), "Aanmelden is gesloten.")
		wantStatus(t, e.post(dc, fmt.Sprintf("/events/%d/register", ev.ID), nil), http.StatusBadRequest)
		wantStatus(t, e.post(staff, base+"/signup", url.Values{"action": {"sideways"}}), http.StatusBadRequest)
		wantStatus(t, e.post(staff, base+"/signup", url.Values{"action": {"open"}}), http.StatusSeeOther)
		wantStatus(t, e.post(dc, fmt.Sprintf("/events/%d/register", ev.ID), nil), http.StatusSeeOther)
	})

	t.Run("CSV", func(t *testing.T) {
		res := e.get(staff, base+"/attendees.csv")
		wantStatus(t, res, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Errorf("content disposition %q", cd)
		}
		body, ok := strings.CutPrefix(res.Body, "\ufeff")
		if !ok || !strings.HasPrefix(body, "Naam;E-mailadres;") {
			t.Errorf("not a BOM and ;-separated cells, which Dutch Excel opens as columns:\n%q", res.Body)
		}
		r := csv.NewReader(strings.NewReader(body))
		r.Comma = ';'
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatalf("not CSV: %v\n%s", err, res.Body)
		}
		want := [][]string{
			{"Naam", "E-mailadres", "Naam in het netwerk", "Status", "Nummer op de wachtlijst", "Aangemeld op", "Aanwezig"},
			{"anna", "anna@example.nl", "anna@localhost", "Heeft een plaats", "", "2026-03-02 10:00", ""},
			{"bert", "bert@example.nl", "", "Heeft een plaats", "", "2026-03-02 10:00", ""},
			{"dirk", "dirk@example.nl", "", "Heeft een plaats", "", "2026-03-02 10:00", ""},
			{`'=HYPERLINK("http://evil.example")`, "gast@example.nl", "", "Nog niet bevestigd", "", "2026-03-02 10:00", ""},
		}
		if fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("rows:\n%q\nwant:\n%q", rows, want)
		}
	})

	t.Run("XLSX", func(t *testing.T) {
		res := e.get(staff, base+"/attendees.xlsx")
		wantStatus(t, res, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Errorf("content type %q", ct)
		}
		x, err := excelize.OpenReader(strings.NewReader(res.Body))
		if err != nil {
			t.Fatalf("not a workbook: %v", err)
		}
		defer x.Close()
		if sheets := x.GetSheetList(); len(sheets) != 1 || sheets[0] != "Deelnemers" {
			t.Fatalf("sheets %v", sheets)
		}
		for cell, want := range map[string]string{"A1": "Naam", "C1": "Naam in het netwerk", "A2": "anna", "B2": "anna@example.nl",
			"C2": "anna@localhost", "D2": "Heeft een plaats", "F2": "2026-03-02 10:00",
			"A5": `=HYPERLINK("http://evil.example")`, "D5": "Nog niet bevestigd"} {
			got, err := x.GetCellValue("Deelnemers", cell)
			if err != nil || got != want {
				t.Errorf("%s: %q, %v; want %q", cell, got, err, want)
			}
		}
		// Text, never a formula: a guest's name cannot run in Excel.
		if f, _ := x.GetCellFormula("Deelnemers", "A5"); f != "" {
			t.Errorf("A5 is the formula %q", f)
		}
		rows, err := x.GetRows("Deelnemers")
		if err != nil || len(rows) != 5 {
			t.Errorf("%d rows, %v; want the heading and 4", len(rows), err)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		none := e.event("Zonder aanmelden", vestiging.StatusPublished, e.branch("C"), testNow.Add(time.Hour))
		remote, _ := e.remoteEvent("Elders", testNow.Add(time.Hour))
		for _, id := range []int64{none.ID, remote.ID, 99999} {
			wantStatus(t, e.get(staff, fmt.Sprintf("/staff/events/%d/attendees", id)), http.StatusNotFound)
			wantStatus(t, e.get(staff, fmt.Sprintf("/staff/events/%d/attendees.csv", id)), http.StatusNotFound)
		}
	})
}

func TestCSVSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Anna", "Anna"}, {"", ""}, {"=1+1", "'=1+1"}, {"+31 6", "'+31 6"}, {"-2", "'-2"}, {"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"}, {"\rx", "'\rx"}, {"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := csvSafe(tt.in)[0]; got != tt.want {
			t.Errorf("csvSafe(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMyRegistrations(t *testing.T) {
	e := newEnv(t)
	anna, ac := e.registrant("anna@example.nl")
	_, bc := e.registrant("bert@example.nl")
	soon := e.openEvent("Taalcafé", 0)
	later := e.openEvent("Schaakclub", 0, func(ev *vestiging.Event) {
		ev.StartsAt, ev.EndsAt = testNow.Add(96*time.Hour), testNow.Add(98*time.Hour)
	})
	for _, ev := range []*vestiging.Event{later, soon} {
		wantStatus(t, e.post(ac, fmt.Sprintf("/events/%d/register", ev.ID), nil), http.StatusSeeOther)
	}
	wantStatus(t, e.post(bc, fmt.Sprintf("/events/%d/register", soon.ID), nil), http.StatusSeeOther)
	e.clock.Add(72 * time.Hour) // Taalcafé is over, Schaakclub still ahead

	t.Run("Page", func(t *testing.T) {
		res := e.get(ac, "/account/registrations")
		wantStatus(t, res, http.StatusOK)
		body := res.Body
		upcoming, past := strings.Index(body, "Schaakclub"), strings.Index(body, "Taalcafé")
		if upcoming < 0 || past < 0 || upcoming > past || !strings.Contains(body[upcoming:past], "Afgelopen activiteiten") {
			t.Errorf("want Schaakclub coming up, then Taalcafé in the past:\n%s", body)
		}
		wantContains(t, res, "Heeft een plaats")
		wantNotContains(t, res, "bert")
		wantContains(t, e.get(ac, "/account"), `href="/account/registrations"`)
		r := e.get(e.client(), "/account/registrations")
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
			t.Errorf("anonymous: status %d to %q", r.Status, r.Location)
		}
	})

	t.Run("Export", func(t *testing.T) {
		res := e.get(ac, "/account/export")
		wantStatus(t, res, http.StatusOK)
		var got accountExport
		if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Registrations) != 2 || got.Registrations[0].Event != "Taalcafé" || got.Registrations[1].Event != "Schaakclub" ||
			got.Registrations[0].State != vestiging.RegistrationConfirmed || got.Registrations[0].EventURL != fmt.Sprintf("http://localhost/events/%d", soon.ID) {
			t.Errorf("registrations %+v, want anna's two", got.Registrations)
		}
		if got.Profile.ID != anna.ID {
			t.Errorf("profile %+v", got.Profile)
		}
	})
}

func TestLibrarySignupSettings(t *testing.T) {
	e := newEnv(t)
	// An administrator: the partners, the library profile and domain rules are theirs.
	staff := e.signIn("admin@example.nl", vestiging.RoleAdmin)
	form := func(guests, days string) url.Values {
		return url.Values{"name": {"Bibliotheek Dorp"}, "allow_guests": {guests}, "anonymize_after_days": {days}}
	}
	t.Run("OK", func(t *testing.T) {
		wantStatus(t, e.post(staff, "/staff/library", form("1", "14")), http.StatusSeeOther)
		lib, err := e.db.Library(t.Context())
		if err != nil || !lib.AllowGuests || lib.AnonymizeAfterDays != 14 {
			t.Fatalf("library %+v, %v", lib, err)
		}
		wantContains(t, e.get(staff, "/staff/library"), `name="allow_guests" value="1" aria-describedby="allow_guests-hint" checked`,
			`name="anonymize_after_days" type="number" value="14"`)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, days := range []string{"twee", "5000", "-1"} {
			res := e.post(staff, "/staff/library", form("", days))
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, `id="anonymize_after_days-error"`)
		}
		lib, err := e.db.Library(t.Context())
		if err != nil || !lib.AllowGuests || lib.AnonymizeAfterDays != 14 {
			t.Errorf("after refused changes: %+v, %v", lib, err)
		}
	})
}

// BenchmarkRegisterHTTP signs residents up through the whole handler
// (session, CSRF check, the store's transaction, the page's redirect), in
// parallel, on SQLite and, when VESTIGING_TEST_POSTGRES is set, on
// PostgreSQL. Every 200 sign-ups go to one event with 100 places, so half
// take a place and half join its waitlist.
func BenchmarkRegisterHTTP(b *testing.B) {
	const people = 200
	clock := storetest.NewClock(testNow)
	backends := []struct {
		name string
		db   *store.DB
	}{{"sqlite", storetest.SQLiteClock(b, clock.Now)}}
	if os.Getenv(storetest.EnvPostgres) != "" {
		backends = append(backends, struct {
			name string
			db   *store.DB
		}{"postgres", storetest.PostgresClock(b, clock.Now)})
	}
	for _, be := range backends {
		ctx := context.Background()
		srv := New(Config{Services: be.db, BaseURL: &url.URL{Scheme: "http", Host: "localhost"}, Clock: clock.Now,
			Logger: slog.New(slog.DiscardHandler)})
		branch := &vestiging.Branch{Name: "Centrale Bibliotheek"}
		if err := be.db.CreateBranch(ctx, branch); err != nil {
			b.Fatal(err)
		}
		cookies := make([]string, people)
		for i := range cookies {
			p := &vestiging.Person{Email: fmt.Sprintf("lid%d@example.nl", i), PasswordHash: "-", ConfirmedAt: &testNow}
			if err := be.db.CreatePerson(ctx, p); err != nil {
				b.Fatal(err)
			}
			token, hash := vestiging.NewToken()
			if err := be.db.CreateSession(ctx, &vestiging.LoginSession{TokenHash: hash, PersonID: p.ID, CreatedAt: testNow,
				ExpiresAt: testNow.Add(time.Hour)}); err != nil {
				b.Fatal(err)
			}
			cookies[i] = sessionCookie + "=" + token
		}
		b.Run(be.name, func(b *testing.B) {
			paths := make([]string, b.N/people+1)
			for i := range paths {
				ev := &vestiging.Event{Title: "Taalcafé", StartsAt: testNow.Add(48 * time.Hour), EndsAt: testNow.Add(50 * time.Hour),
					BranchID: &branch.ID, Status: vestiging.StatusPublished, RegistrationMode: vestiging.RegistrationOpen, Capacity: people / 2}
				if err := be.db.CreateEvent(ctx, ev); err != nil {
					b.Fatal(err)
				}
				paths[i] = fmt.Sprintf("/events/%d/register", ev.ID)
			}
			var next atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(next.Add(1) - 1)
					req := httptest.NewRequest(http.MethodPost, paths[i/people], nil)
					req.Header.Set("Cookie", cookies[i%people])
					rec := httptest.NewRecorder()
					srv.ServeHTTP(rec, req)
					if rec.Code != http.StatusSeeOther {
						b.Errorf("sign-up %d: status %d:\n%s", i, rec.Code, rec.Body.String())
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signups/s")
		})
	}
}

// decodeCalendar parses an .ics file as calendar apps do.
func decodeCalendar(t *testing.T, data []byte) *goical.Calendar {
	t.Helper()
	cal, err := goical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("calendar file: %v\n%s", err, data)
	}
	return cal
}
