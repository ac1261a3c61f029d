package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/mail/mailtest"
	"github.com/vestiging/vestiging/store/storetest"
)

// secretLink is the online meeting's link the tests keep private.
const secretLink = "https://meet.example/geheim-7f3a"

// onlineEvent is an online activity with sign-up here and capacity places.
func (e *env) onlineEvent(title string, capacity int, change ...func(*vestiging.Event)) *vestiging.Event {
	e.t.Helper()
	return e.openEvent(title, capacity, append([]func(*vestiging.Event){func(ev *vestiging.Event) {
		ev.BranchID, ev.OnlineURL = nil, secretLink
	}}, change...)...)
}

// TestPrivateOnlineLink: the link of an online activity with sign-up is
// absent from everything public (page, JSON-LD, API, feeds, calendar
// file); the person with a place gets the way in (the join link) on the
// event page and on their registrations page; someone on the waitlist
// reads that it comes with the place, and gets it with the place. Staff
// see the link itself.
func TestPrivateOnlineLink(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		ev := e.onlineEvent("Digicafé", 1)
		path := fmt.Sprintf("/events/%d", ev.ID)
		course := e.openEvent("Cursus online", 0, func(c *vestiging.Event) {
			c.Kind, c.BranchID = vestiging.KindCourse, nil
			c.Sessions = []*vestiging.Session{
				{StartsAt: c.StartsAt, EndsAt: c.EndsAt, OnlineURL: secretLink},
				{StartsAt: c.StartsAt.AddDate(0, 0, 7), EndsAt: c.EndsAt.AddDate(0, 0, 7), OnlineURL: secretLink},
			}
		})
		coursePath := fmt.Sprintf("/courses/%d", course.ID)

		t.Run("Public", func(t *testing.T) {
			anon := e.client()
			res := e.get(anon, path)
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, "Online – <a href=\"#registration\">je krijgt de link als je een plaats hebt</a>",
				`"@type":"VirtualLocation","url":"http://localhost`+path+`"`)
			wantNotContains(t, res, "geheim")
			res = e.get(anon, coursePath)
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, "Online")
			wantNotContains(t, res, "geheim")
			for _, p := range []string{"/agenda", "/agenda.ics", "/agenda.atom", "/embed/agenda", path + ".ics", coursePath + ".ics",
				"/api/v1/events", fmt.Sprintf("/api/v1/events/%d", ev.ID), fmt.Sprintf("/api/v1/events/%d", course.ID)} {
				res := e.get(anon, p)
				wantStatus(t, res, http.StatusOK)
				if strings.Contains(res.Body, "geheim") {
					t.Errorf("%s carries the private link:\n%s", p, res.Body)
				}
			}
			res = e.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/events/%d", ev.ID), "", "")
			wantContains(t, res, `"online":true`, `"online_url":""`)
			wantContains(t, e.get(anon, path+".ics"), "LOCATION:Online")
		})

		anna, ac := e.registrant("anna@example.nl")
		_, bc := e.registrant("bert@example.nl")
		wantStatus(t, e.post(ac, path+"/register", nil), http.StatusSeeOther)
		wantStatus(t, e.post(bc, path+"/register", nil), http.StatusSeeOther)
		if got, want := e.states(ev.ID), "anna:confirmed bert:waitlisted"; got != want {
			t.Fatalf("states %q, want %q", got, want)
		}

		t.Run("WithPlace", func(t *testing.T) {
			// The way in that counts, rather than the meeting itself.
			res := e.get(ac, path)
			wantContains(t, res, `<a class="button" href="`+path+`/join">Online meedoen</a>`, `Online – <a href="`+path+`/join">online meedoen</a>`)
			wantNotContains(t, res, "geheim")
			wantContains(t, e.get(ac, "/account/registrations"), `<a href="`+path+`/join">Online meedoen`)
		})
		t.Run("Waitlisted", func(t *testing.T) {
			res := e.get(bc, path)
			wantContains(t, res, "De link om online mee te doen krijg je met je plaats.")
			wantNotContains(t, res, "geheim")
			wantNotContains(t, e.get(bc, "/account/registrations"), "geheim")
		})
		t.Run("Staff", func(t *testing.T) {
			staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
			wantContains(t, e.get(staff, path), `<a href="`+secretLink+`"`)
			wantContains(t, e.get(staff, coursePath), `<a href="`+secretLink+`"`)
			wantContains(t, e.get(staff, fmt.Sprintf("/staff/events/%d/edit", ev.ID)), `value="`+secretLink+`"`)
		})
		t.Run("APIWrite", func(t *testing.T) {
			// A token that writes events sees the link, and a PATCH that
			// does not send it keeps it.
			token := e.apiToken(vestiging.ScopeEventsWrite)
			res := e.apiDo(http.MethodPatch, fmt.Sprintf("/api/v1/events/%d", ev.ID), token, `{"title":"Digicafé online"}`)
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, `"online_url":"`+secretLink+`"`)
			if got, err := e.db.Event(t.Context(), ev.ID); err != nil || got.OnlineURL != secretLink {
				t.Errorf("after PATCH: %v, link %q", err, got.OnlineURL)
			}
		})
		t.Run("PlaceFromWaitlist", func(t *testing.T) {
			regs := e.registrations(ev.ID)
			if _, err := e.db.CancelRegistration(t.Context(), regs[0].ID); err != nil || regs[0].PersonID != anna.ID {
				t.Fatalf("cancel anna's place: %v", err)
			}
			wantContains(t, e.get(bc, path), `<a class="button" href="`+path+`/join">Online meedoen</a>`)
			wantNotContains(t, e.get(ac, path), "geheim")
		})
	})
}

// TestPublicOnlineLink: staff choose whether the link of an online
// activity without sign-up is public; the form keeps the choice.
func TestPublicOnlineLink(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
		form := func(title string, public bool) url.Values {
			v := url.Values{"title": {title}, "start_date": {"2026-03-10"}, "start_time": {"19:00"}, "end_time": {"20:00"},
				"time_zone": {"Europe/Amsterdam"}, "language": {"nl"}, "audiences": {"all"}, "online_url": {secretLink},
				"registration_mode": {"none"}, "places": {"unlimited"}, "action": {"publish"}}
			if public {
				v.Set("online_link_public", "1")
			}
			return v
		}
		for _, tt := range []struct {
			name   string
			public bool
		}{{"Public", true}, {"Private", false}} {
			t.Run(tt.name, func(t *testing.T) {
				wantStatus(t, e.post(staff, "/staff/events/new", form("Lezing "+tt.name, tt.public)), http.StatusSeeOther)
				var ev *vestiging.Event
				for _, x := range e.events(vestiging.StatusPublished) {
					if x.Title == "Lezing "+tt.name {
						ev = x
					}
				}
				if ev == nil || ev.OnlineLinkPublic != tt.public || ev.OnlineURL != secretLink {
					t.Fatalf("stored %+v, want link public %v", ev, tt.public)
				}
				res := e.get(e.client(), fmt.Sprintf("/events/%d", ev.ID))
				if got := strings.Contains(res.Body, secretLink); got != tt.public {
					t.Errorf("link on the public page: %v, want %v", got, tt.public)
				}
				if !tt.public {
					wantContains(t, res, "vraag de bibliotheek om de link")
				}
				edit := e.get(staff, fmt.Sprintf("/staff/events/%d/edit", ev.ID))
				if got := strings.Contains(edit.Body, `name="online_link_public" value="1" aria-describedby="online_link_public-hint" checked`); got != tt.public {
					t.Errorf("checkbox checked %v, want %v", got, tt.public)
				}
			})
		}
	})
}

// TestPrivateOnlineLinkMail: the mails of a place (confirmation, a place
// from the waitlist) carry the way in, the join link with the person's
// token, in the text and the calendar file; the waitlist's mail does not,
// and says it comes with the place.
func TestPrivateOnlineLinkMail(t *testing.T) {
	e, smtp := newRegistrationMailEnv(t)
	ev := e.onlineEvent("Digicafé", 1)
	path := fmt.Sprintf("/events/%d", ev.ID)
	anna, ac := e.registrant("anna@example.nl")
	_, bc := e.registrant("bert@example.nl")

	wantStatus(t, e.post(ac, path+"/register", nil), http.StatusSeeOther)
	m := smtp.WaitFor(t, "anna@example.nl", mailWait)
	join := m.Link(t, "http://localhost"+path+"/join?token=")
	if !strings.Contains(m.Text, "Waar: Online: "+join) || strings.Contains(m.Text, "geheim") {
		t.Errorf("confirmation lacks the join link, or carries the meeting's:\n%s", m.Text)
	}
	if cal := calendarOf(t, m); cal.OnlineURL != join {
		t.Errorf("calendar file's link %q, want %q", cal.OnlineURL, join)
	}
	// The link from the mail leads into the meeting when it opens, without signing in.
	e.clock.Set(ev.StartsAt.Add(-vestiging.JoinEarly))
	res := e.get(e.client(), pathOf(t, join))
	wantStatus(t, res, http.StatusSeeOther)
	if res.Location != secretLink {
		t.Errorf("the mail's join link leads to %q, want %q", res.Location, secretLink)
	}
	e.clock.Set(testNow)

	wantStatus(t, e.post(bc, path+"/register", nil), http.StatusSeeOther)
	m = smtp.WaitFor(t, "bert@example.nl", mailWait)
	if strings.Contains(m.Text, "geheim") || !strings.Contains(m.Text, "De link om online mee te doen krijg je met je plaats.") {
		t.Errorf("waitlist mail:\n%s", m.Text)
	}

	regs := e.registrations(ev.ID)
	if _, err := e.db.CancelRegistration(t.Context(), regs[0].ID); err != nil || regs[0].PersonID != anna.ID {
		t.Fatalf("cancel anna's place: %v", err)
	}
	waitMails(t, smtp, "bert@example.nl", 2)
	promoted := smtp.MessagesTo("bert@example.nl")[1]
	join = promoted.Link(t, "http://localhost"+path+"/join?token=")
	if cal := calendarOf(t, promoted); cal.OnlineURL != join {
		t.Errorf("calendar file's link %q, want the join link %q", cal.OnlineURL, join)
	}
	waitMails(t, smtp, "anna@example.nl", 2)
	if m := smtp.MessagesTo("anna@example.nl")[1]; strings.Contains(m.Text, "geheim") {
		t.Errorf("the cancellation repeats the link:\n%s", m.Text)
	}

	t.Run("Guest", func(t *testing.T) {
		// A guest, without an account, goes in with the link from the mail
		// of their place, and is counted.
		e.allowGuests()
		open := e.onlineEvent("Open avond", 0)
		opath := fmt.Sprintf("/events/%d", open.ID)
		wantStatus(t, e.post(e.client(), opath+"/register/guest", url.Values{"name": {"Gerrit"}, "email": {"gerrit@example.nl"}}), http.StatusOK)
		confirm := smtp.WaitFor(t, "gerrit@example.nl", mailWait)
		if strings.Contains(confirm.Text, "/join") {
			t.Errorf("the mail before the place carries the way in:\n%s", confirm.Text)
		}
		token := strings.TrimPrefix(pathOf(t, confirm.Link(t, "/registrations/confirm?token=")), "/registrations/confirm?token=")
		wantStatus(t, e.post(e.client(), "/registrations/confirm", url.Values{"token": {token}}), http.StatusOK)
		waitMails(t, smtp, "gerrit@example.nl", 2)
		join := smtp.MessagesTo("gerrit@example.nl")[1].Link(t, "http://localhost"+opath+"/join?token=")
		e.clock.Set(open.StartsAt)
		defer e.clock.Set(testNow)
		res := e.get(e.client(), pathOf(t, join))
		wantStatus(t, res, http.StatusSeeOther)
		if res.Location != secretLink {
			t.Errorf("the guest's link leads to %q", res.Location)
		}
		if regs := e.registrations(open.ID); len(regs) != 1 || regs[0].CheckedInAt == nil {
			t.Errorf("the guest's attendance is not recorded: %+v", regs)
		}
	})
}

// TestPrivateOnlineLinkAS2: the Event served to other servers says online
// and points to the page, not to the meeting.
func TestPrivateOnlineLinkAS2(t *testing.T) {
	e := newFedEnv(t)
	ev := e.onlineEvent("Digicafé", 5)
	res := e.get(e.client(), fmt.Sprintf("/events/%d", ev.ID), "Accept", activityAccept)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, `"VirtualLocation"`, `"isOnline":true`)
	wantNotContains(t, res, "geheim")
	res = e.get(e.client(), "/actor/outbox?page=true", "Accept", activityAccept)
	wantNotContains(t, res, "geheim")
}

// TestJoinMeeting: /events/{id}/join lets in only someone with a place (by
// sign-in or by the join token from a mail) from 15 minutes before the
// start until the end, records their attendance as check-in does, and
// sends them on to the meeting with a 303; everyone else gets a page that
// says why not.
func TestJoinMeeting(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		ev := e.onlineEvent("Digicafé", 1)
		path := fmt.Sprintf("/events/%d", ev.ID)
		join := path + "/join"
		anna, ac := e.registrant("anna@example.nl")
		_, bc := e.registrant("bert@example.nl")
		_, cc := e.registrant("cor@example.nl")
		wantStatus(t, e.post(ac, path+"/register", nil), http.StatusSeeOther)
		wantStatus(t, e.post(bc, path+"/register", nil), http.StatusSeeOther)
		staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
		annaReg := e.registrations(ev.ID)[0]
		if annaReg.PersonID != anna.ID {
			t.Fatalf("first registration %+v, want anna's", annaReg)
		}
		token, err := e.db.JoinToken(t.Context(), annaReg.ID)
		if err != nil {
			t.Fatal(err)
		}
		other := e.onlineEvent("Elders", 0)

		tests := []struct {
			name   string
			at     time.Time
			client *http.Client
			path   string
			status int
			want   string
		}{
			{"TooEarly", ev.StartsAt.Add(-16 * time.Minute), ac, join, http.StatusForbidden, "Je kunt meedoen vanaf 15 minuten voor het begin"},
			{"Waitlisted", ev.StartsAt, bc, join, http.StatusForbidden, "De link om online mee te doen krijg je met je plaats."},
			{"NoPlace", ev.StartsAt, cc, join, http.StatusForbidden, "Helaas is er geen plaats voor je"},
			{"SignedOut", ev.StartsAt, e.client(), join, http.StatusUnauthorized, `href="/login?next=%2Fevents%2F`},
			{"UnknownToken", ev.StartsAt, e.client(), join + "?token=verzonnen", http.StatusNotFound, "Onbekende link"},
			{"TokenOfAnotherEvent", other.StartsAt, e.client(), fmt.Sprintf("/events/%d/join?token=%s", other.ID, token), http.StatusNotFound, "Onbekende link"},
			{"Ended", ev.EndsAt, ac, join, http.StatusGone, "is afgelopen"},
			{"OK", ev.StartsAt.Add(-vestiging.JoinEarly), ac, join, http.StatusSeeOther, ""},
			{"OKByToken", ev.EndsAt.Add(-time.Minute), e.client(), join + "?token=" + token, http.StatusSeeOther, ""},
			{"Staff", ev.StartsAt, staff, join, http.StatusSeeOther, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e.clock.Set(tt.at)
				defer e.clock.Set(testNow)
				res := e.get(tt.client, tt.path)
				wantStatus(t, res, tt.status)
				if tt.status == http.StatusSeeOther {
					if res.Location != secretLink {
						t.Errorf("to %q, want the meeting %q", res.Location, secretLink)
					}
					if got := res.Header.Get("Referrer-Policy"); got != "no-referrer" {
						t.Errorf("Referrer-Policy %q: the token would reach the meeting's host", got)
					}
					return
				}
				wantContains(t, res, tt.want)
				wantNotContains(t, res, "geheim")
			})
		}

		t.Run("Attendance", func(t *testing.T) {
			// Anna joined at the opening: recorded then, once, as check-in.
			got, err := e.db.Registration(t.Context(), annaReg.ID)
			if err != nil || got.CheckedInAt == nil || !got.CheckedInAt.Equal(ev.StartsAt.Add(-vestiging.JoinEarly)) {
				t.Fatalf("attendance %v, %v; want at the opening", got.CheckedInAt, err)
			}
			for _, r := range e.registrations(ev.ID) {
				if r.PersonID != anna.ID && r.CheckedInAt != nil {
					t.Errorf("%s counted without joining", r.Name)
				}
			}
		})

		t.Run("CourseSessions", func(t *testing.T) {
			b := e.branch("Bibliotheek Centrum")
			start := testNow.Add(48 * time.Hour)
			course := e.openEvent("Cursus", 0, func(c *vestiging.Event) {
				c.Kind, c.BranchID = vestiging.KindCourse, nil
				c.Sessions = []*vestiging.Session{
					{StartsAt: start, EndsAt: start.Add(time.Hour), BranchID: &b.ID},
					{StartsAt: start.AddDate(0, 0, 7), EndsAt: start.AddDate(0, 0, 7).Add(time.Hour), OnlineURL: secretLink + "-2"},
				}
			})
			wantStatus(t, e.post(ac, fmt.Sprintf("/courses/%d/register", course.ID), nil), http.StatusSeeOther)
			cjoin := fmt.Sprintf("/courses/%d/join", course.ID)
			e.clock.Set(start)
			defer e.clock.Set(testNow)
			res := e.get(ac, cjoin)
			wantStatus(t, res, http.StatusNotFound)
			wantContains(t, res, "op locatie, niet online")
			e.clock.Set(start.Add(2 * time.Hour)) // between the sessions
			wantStatus(t, e.get(ac, cjoin), http.StatusForbidden)
			e.clock.Set(start.AddDate(0, 0, 7))
			res = e.get(ac, cjoin)
			wantStatus(t, res, http.StatusSeeOther)
			if res.Location != secretLink+"-2" {
				t.Errorf("to %q, want the second session's meeting", res.Location)
			}
		})
	})
}

// TestReplaceOnlineLink: staff replace a leaked link through the edit
// form; everyone with a place (not the waitlist) is told by mail, their
// join link leads to the new meeting, the old link is shown nowhere, and
// the audit log says who replaced it.
func TestReplaceOnlineLink(t *testing.T) {
	e := newFedEnv(t)
	smtp := e.runAllJobsWithMail()
	ev := e.onlineEvent("Digicafé", 1)
	path := fmt.Sprintf("/events/%d", ev.ID)
	_, ac := e.registrant("anna@example.nl")
	_, bc := e.registrant("bert@example.nl")
	wantStatus(t, e.post(ac, path+"/register", nil), http.StatusSeeOther)
	wantStatus(t, e.post(bc, path+"/register", nil), http.StatusSeeOther)
	join := smtp.WaitFor(t, "anna@example.nl", mailWait).Link(t, path+"/join?token=")
	smtp.WaitFor(t, "bert@example.nl", mailWait)

	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	const newLink = "https://meet.example/nieuw-91c2"
	form := eventValues(ev).Values
	form.Set("online_url", newLink)
	form.Set("action", "publish")
	wantStatus(t, e.post(staff, fmt.Sprintf("/staff/events/%d/edit", ev.ID), form), http.StatusSeeOther)

	// Other mails (the reminder, run at once since River's clock is not the
	// test's) may come first.
	var m mailtest.Message
	eventually(t, "anna's mail about the new link", func() bool {
		for _, got := range smtp.MessagesTo("anna@example.nl") {
			if got.Subject == "Nieuwe online link: Digicafé" {
				m = got
				return true
			}
		}
		return false
	})
	if !strings.Contains(m.Text, "de oude werkt niet meer") ||
		m.Link(t, path+"/join?token=") != join || strings.Contains(m.Text, "geheim") || strings.Contains(m.Text, "nieuw-91c2") {
		t.Errorf("anna's mail %q:\n%s", m.Subject, m.Text)
	}
	for _, j := range storetest.Jobs[vestiging.RegistrationMailJob](t, e.db, vestiging.RegistrationMailJob{}.Kind()) {
		if j.Notice == vestiging.NoticeLinkChanged && j.RegistrationID != e.registrations(ev.ID)[0].ID {
			t.Errorf("registration %d, on the waitlist, is told of the new link", j.RegistrationID)
		}
	}

	e.clock.Set(ev.StartsAt)
	res := e.get(e.client(), pathOf(t, join))
	wantStatus(t, res, http.StatusSeeOther)
	if res.Location != newLink {
		t.Errorf("the join link leads to %q, want the new meeting", res.Location)
	}
	for _, c := range []*http.Client{staff, ac, bc, e.client()} {
		wantNotContains(t, e.get(c, path), secretLink)
	}
	wantContains(t, e.get(staff, path), newLink)
	if entry, _ := e.lastAudit(); entry.Action != "event.link" || strings.Contains(entry.Reason, "meet.example") {
		t.Errorf("last audit entry %+v, want event.link without the link", entry)
	}
}
