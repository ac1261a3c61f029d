package web

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	goical "github.com/emersion/go-ical"
	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/mail"
	"github.com/vestiging/vestiging/mail/mailtest"
	"github.com/vestiging/vestiging/store"
)

// staffTab signs a staff member in on a new tab and opens path.
func staffTab(t *testing.T, e *env, newTab func() context.Context, path string) context.Context {
	t.Helper()
	e.person("staff@example.org", "correct horse battery", vestiging.RoleStaff)
	tab := newTab()
	err := chromedp.Do(tab,
		chromedp.Navigate(e.srv.URL+"/login?lang=nl&next="+path),
		chromedp.SendKeys(chromedp.ID("email"), "staff@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	)
	if err != nil {
		t.Fatalf("staff signs in: %v", err)
	}
	waitForPath(t, tab, "^"+strings.SplitN(path, "?", 2)[0]+"$")
	return tab
}

// TestBrowserWriting: staff write a description as in an e-mail, see the
// preview, publish, and the page shows paragraphs, a list and bold; the
// edit form gives back exactly what was typed.
func TestBrowserWriting(t *testing.T) {
	newTab := newBrowser(t)
	e := newEnv(t)
	b := e.branch("Bibliotheek Centrum")
	tab := staffTab(t, e, newTab, "/staff/events/new")
	typed := "Voorlezen voor **peuters**.\n\nNeem mee:\n- een knuffel\n- een drinkbeker\n\nZie https://bieb.example."
	err := chromedp.Do(tab,
		chromedp.SendKeys(chromedp.ID("title"), "Voorleesuurtje"),
		chromedp.SendKeys(chromedp.ID("description"), typed),
		chromedp.SetValue(chromedp.ID("start_date"), "2026-03-07"),
		chromedp.SetValue(chromedp.ID("start_time"), "10:30"),
		chromedp.SetValue(chromedp.ID("end_time"), "11:15"),
		chromedp.SetValue(chromedp.ID("branch_id"), strconv.FormatInt(b.ID, 10)),
		chromedp.Click(chromedp.CSS(`button[name=preview][value=description]`)),
		chromedp.WaitVisible(chromedp.ID("description-preview")),
	)
	if err != nil {
		t.Fatalf("preview: %v\n%s", err, textOf(t, tab))
	}
	preview, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector("#description-preview .description").innerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<strong>peuters</strong>", "<li>een knuffel</li>", `<a href="https://bieb.example"`} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview lacks %s:\n%s", want, preview)
		}
	}
	if n := len(e.events()); n != 0 {
		t.Fatalf("the preview saved %d events", n)
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`.actions button[name=action][value=publish]`))); err != nil {
		t.Fatal(err)
	}
	waitForPath(t, tab, `^/events/\d+$`)
	page, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector("main .description").innerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(page, "<p>"); n != 3 || !strings.Contains(page, "<ul><li>een knuffel</li><li>een drinkbeker</li></ul>") ||
		!strings.Contains(page, "<strong>peuters</strong>") {
		t.Errorf("event page: %d paragraphs, want 3, and the list and bold:\n%s", n, page)
	}
	flash, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(".flash")))
	if err != nil || !strings.Contains(flash, "„Voorleesuurtje” is gepubliceerd.") {
		t.Errorf("message after publishing %q, %v", flash, err)
	}

	ev := e.events()[0]
	if err := chromedp.Do(tab, chromedp.Navigate(fmt.Sprintf("%s/staff/events/%d/edit", e.srv.URL, ev.ID))); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(tab, chromedp.Value(chromedp.ID("description")))
	if err != nil {
		t.Fatal(err)
	}
	if got != typed {
		t.Errorf("edit form gives back %q, want what was typed %q", got, typed)
	}
}

// runAllJobsWithMail runs every worker of a federating env (the
// registrants' fan-out is federation's) and the web's mail workers, mailing
// a real SMTP server.
func (e *env) runAllJobsWithMail() *mailtest.Server {
	e.t.Helper()
	smtp := mailtest.Start(e.t)
	sender, err := mail.NewSMTP(smtp.Config())
	if err != nil {
		e.t.Fatal(err)
	}
	workers := river.NewWorkers()
	e.fed.AddWorkers(workers)
	e.srv.Config.Handler.(*Server).AddWorkers(workers)
	mail.Register(workers, sender, nil)
	if err := e.db.StartJobs(e.t.Context(), workers, store.JobsConfig{Logger: slog.New(slog.DiscardHandler)}); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { e.db.StopJobs(context.Background()) })
	return smtp
}

// icsOf decodes a mail's calendar attachment.
func icsOf(t *testing.T, m mailtest.Message) *goical.Calendar {
	t.Helper()
	for _, a := range m.Attachments {
		if strings.HasSuffix(a.Name, ".ics") {
			return decodeCalendar(t, a.Data)
		}
	}
	t.Fatalf("mail %q has no calendar file", m.Subject)
	return nil
}

// TestBrowserCancel: staff cancel an activity with one registration from
// the dashboard; the page says who will be told and asks the reason; the
// registrant's mail, from a real SMTP server, says the reason and carries
// METHOD:CANCEL for the UID of the sign-up mail's calendar file.
func TestBrowserCancel(t *testing.T) {
	newTab := newBrowser(t)
	e := newFedEnv(t)
	smtp := e.runAllJobsWithMail()
	ev := e.openEvent("Taalcafé", 10)
	anna, _ := e.registrant("anna@example.nl")
	if err := e.db.Register(t.Context(), &vestiging.Registration{EventID: ev.ID, PersonID: anna.ID, CancelToken: "secret"}); err != nil {
		t.Fatal(err)
	}
	signUp := smtp.WaitFor(t, "anna@example.nl", 30*time.Second)
	uid, _ := icsOf(t, signUp).Events()[0].Props.Text(goical.PropUID)

	tab := staffTab(t, e, newTab, "/staff/")
	err := chromedp.Do(tab,
		chromedp.Click(chromedp.Search(fmt.Sprintf(`//a[@href="/staff/events/%d/cancel"]`, ev.ID))),
		chromedp.WaitVisible(chromedp.ID("reason")),
	)
	if err != nil {
		t.Fatalf("open the cancel page: %v", err)
	}
	if told := textOf(t, tab); !strings.Contains(told, "1 aangemelde persoon krijgt bericht per mail") {
		t.Errorf("cancel page does not say who is told:\n%s", told)
	}
	err = chromedp.Do(tab,
		chromedp.SendKeys(chromedp.ID("reason"), "De gastvrouw is ziek."),
		chromedp.Click(chromedp.Search(`//button[normalize-space(.)="Activiteit annuleren"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitForPath(t, tab, `^/staff/$`)

	var off mailtest.Message
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		for _, m := range smtp.MessagesTo("anna@example.nl") {
			if strings.HasPrefix(m.Subject, "Gaat niet door:") {
				off = m
			}
		}
		if off.Subject != "" {
			break
		}
		smtp.WaitFor(t, "anna@example.nl", 30*time.Second)
	}
	if !strings.Contains(off.Text, "De gastvrouw is ziek.") {
		t.Errorf("cancellation mail lacks the reason:\n%s", off.Text)
	}
	cal := icsOf(t, off)
	if m := cal.Props.Get(goical.PropMethod); m == nil || m.Value != "CANCEL" {
		t.Errorf("calendar METHOD %v, want CANCEL", m)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events in the cancellation", len(events))
	}
	got, _ := events[0].Props.Text(goical.PropUID)
	status, _ := events[0].Props.Text(goical.PropStatus)
	if got != uid || status != "CANCELLED" {
		t.Errorf("cancellation UID %q status %q; want the sign-up's %q, CANCELLED", got, status, uid)
	}
	for _, a := range off.Attachments {
		if !bytes.Contains([]byte(a.ContentType), []byte("method=CANCEL")) {
			t.Errorf("attachment type %q", a.ContentType)
		}
	}
}

// TestBrowserCourseHelper: staff fill in a course's sessions with the
// helper (every week, four times), add and remove a row, all without
// saving, and publish the course with the sessions as they stand.
func TestBrowserCourseHelper(t *testing.T) {
	newTab := newBrowser(t)
	e := newEnv(t)
	b := e.branch("Bibliotheek Centrum")
	tab := staffTab(t, e, newTab, "/staff/courses/new")
	err := chromedp.Do(tab,
		chromedp.SendKeys(chromedp.ID("title"), "Digisterker"),
		chromedp.SetValue(chromedp.ID("fill_from"), "2026-03-10"),
		chromedp.SetValue(chromedp.ID("fill_count"), "4"),
		chromedp.SetValue(chromedp.ID("fill_start"), "14:00"),
		chromedp.SetValue(chromedp.ID("fill_end"), "16:00"),
		chromedp.SetValue(chromedp.ID("fill_branch_id"), strconv.FormatInt(b.ID, 10)),
		chromedp.Click(chromedp.CSS(`button[name=fill]`)),
		chromedp.WaitVisible(chromedp.ID("s3_date")),
	)
	if err != nil {
		t.Fatalf("fill in: %v\n%s", err, textOf(t, tab))
	}
	value := func(id string) string {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Value(chromedp.ID(id)))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := value("s3_date"); got != "2026-03-31" {
		t.Errorf("fourth session on %q, want 2026-03-31", got)
	}
	if got := value("title"); got != "Digisterker" {
		t.Errorf("title after filling in %q", got)
	}
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`button[name=add_session]`)),
		chromedp.WaitVisible(chromedp.ID("s4_date")),
		chromedp.SetValue(chromedp.ID("s4_date"), "2026-04-14"),
		chromedp.SetValue(chromedp.ID("s4_start"), "14:00"),
		chromedp.SetValue(chromedp.ID("s4_end"), "16:00"),
		chromedp.SetValue(chromedp.ID("s4_branch_id"), strconv.FormatInt(b.ID, 10)),
		chromedp.Click(chromedp.CSS(`button[name=remove_session][value="1"]`)),
		chromedp.WaitNotPresent(chromedp.ID("s4_date")),
	)
	if err != nil {
		t.Fatalf("add and remove: %v\n%s", err, textOf(t, tab))
	}
	if got := value("s1_date"); got != "2026-03-24" {
		t.Errorf("after removing the second session, the second is on %q, want 2026-03-24", got)
	}
	if n := len(e.events()); n != 0 {
		t.Fatalf("%d courses saved before publishing", n)
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`.actions button[name=action][value=publish]`))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(".flash, .error-summary"))); err != nil {
		t.Fatal(err)
	}
	if p, _ := chromedp.Run(tab, chromedp.Location()); !strings.Contains(p, "/courses/") || strings.HasSuffix(p, "/new") {
		t.Fatalf("not published, at %s:\n%s", p, textOf(t, tab))
	}
	courses := e.events()
	if len(courses) != 1 || len(courses[0].Sessions) != 4 {
		t.Fatalf("courses %+v", courses)
	}
	if last := courses[0].Sessions[3]; last.StartsAt.Format(time.DateOnly) != "2026-04-14" {
		t.Errorf("last session %v", last.StartsAt)
	}
}

// TestBrowserCheckInPhone: at the door on a phone 390 px wide, the check-in
// button of an attendee is on screen, and pressing it checks them in.
func TestBrowserCheckInPhone(t *testing.T) {
	newTab := newBrowser(t)
	e := newEnv(t)
	ev := e.openEvent("Taalcafé", 10)
	anna, _ := e.registrant("anna.de.vries-van.der.heijden@voorbeeld-gemeente.example.nl")
	if err := e.db.Register(t.Context(), &vestiging.Registration{EventID: ev.ID, PersonID: anna.ID, CancelToken: "secret"}); err != nil {
		t.Fatal(err)
	}
	tab := newTab()
	if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3))); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/staff/events/%d/attendees", ev.ID)
	e.person("staff@example.org", "correct horse battery", vestiging.RoleStaff)
	err := chromedp.Do(tab,
		chromedp.Navigate(e.srv.URL+"/login?lang=nl&next="+path),
		chromedp.SendKeys(chromedp.ID("email"), "staff@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitForPath(t, tab, "^"+path+"$")
	button := `document.querySelector(".checkin button")`
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(() => { `+button+`.scrollIntoView({block: "center"}); return true; })()`)); err != nil {
		t.Fatalf("%v\n%s", err, textOf(t, tab))
	}
	box, err := chromedp.Run(tab, chromedp.Evaluate[[]float64](`(() => { const r = `+button+`.getBoundingClientRect();
		return [r.left, r.right, r.top, r.bottom, window.innerWidth, window.innerHeight]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if len(box) != 6 || box[4] != 390 || box[0] < 0 || box[1] > box[4] || box[2] < 0 || box[3] > box[5] {
		t.Fatalf("check-in button at left %v right %v top %v bottom %v; viewport %v × %v", box[0], box[1], box[2], box[3], box[4], box[5])
	}
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(".checkin button")),
		chromedp.WaitVisible(chromedp.CSS(`.checkin button[aria-pressed="true"]`)),
	)
	if err != nil {
		t.Fatalf("check in: %v", err)
	}
	if regs := e.registrations(ev.ID); regs[0].CheckedInAt == nil {
		t.Error("not checked in")
	}
}
