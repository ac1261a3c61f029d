package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/vestiging/vestiging"
)

// TestBrowserQuestions: in Chromium, staff add two questions to a new
// event with the form's buttons and publish it; a resident who leaves the
// required one open is told so at the field, then answers and has a
// place; staff see the answers in the attendee list, and the Excel export
// (opened with excelize) has them as columns.
func TestBrowserQuestions(t *testing.T) {
	newTab := newBrowser(t)
	e := newEnv(t)
	b := e.branch("Bibliotheek Centrum")
	staff := staffTab(t, e, newTab, "/staff/events/new")
	addQuestion := chromedp.Click(chromedp.CSS(`button[name=add_question]`))
	err := chromedp.Do(staff,
		chromedp.SendKeys(chromedp.ID("title"), "Peuterdisco"),
		chromedp.SetValue(chromedp.ID("start_date"), "2026-03-07"),
		chromedp.SetValue(chromedp.ID("start_time"), "10:30"),
		chromedp.SetValue(chromedp.ID("end_time"), "11:15"),
		chromedp.SetValue(chromedp.ID("branch_id"), strconv.FormatInt(b.ID, 10)),
		chromedp.SetValue(chromedp.ID("registration_mode"), vestiging.RegistrationOpen),
		addQuestion,
		chromedp.WaitVisible(chromedp.ID("q0_label")),
		chromedp.SendKeys(chromedp.ID("q0_label"), "Hoe oud is je kind?"),
		chromedp.Click(chromedp.ID("q0_required")),
		addQuestion,
		chromedp.WaitVisible(chromedp.ID("q1_label")),
		chromedp.SendKeys(chromedp.ID("q1_label"), "Welke groep?"),
		chromedp.SetValue(chromedp.ID("q1_kind"), vestiging.QuestionChoice),
		chromedp.SendKeys(chromedp.ID("q1_options"), "Peuters\nKleuters"),
	)
	if err != nil {
		t.Fatalf("staff add questions: %v\n%s", err, textOf(t, staff))
	}
	// What was typed in the first row survived adding the second.
	if got, err := chromedp.Run(staff, chromedp.Value(chromedp.ID("q0_label"))); err != nil || got != "Hoe oud is je kind?" {
		t.Fatalf("first question after adding another: %q, %v", got, err)
	}
	if n := len(e.events()); n != 0 {
		t.Fatalf("adding questions saved %d events", n)
	}
	if err := chromedp.Do(staff, chromedp.Click(chromedp.CSS(`.actions button[name=action][value=publish]`))); err != nil {
		t.Fatal(err)
	}
	waitForPath(t, staff, `^/events/\d+$`)
	events := e.events()
	if len(events) != 1 || len(events[0].Questions) != 2 {
		t.Fatalf("events %+v, want one with two questions\n%s", events, textOf(t, staff))
	}
	ev := events[0]
	age, group := vestiging.QuestionField(ev.Questions[0]), vestiging.QuestionField(ev.Questions[1])

	e.confirmed("anna@example.nl", vestiging.RoleResident)
	anna := newTab()
	path := fmt.Sprintf("/events/%d", ev.ID)
	signInTab(t, anna, e.srv.URL, "anna@example.nl", path)
	register := chromedp.Click(chromedp.CSS(fmt.Sprintf(`form[action="%s/register"] button`, path)))
	err = chromedp.Do(anna,
		chromedp.Navigate(e.srv.URL+path+"?lang=nl"),
		chromedp.Click(chromedp.ID(group+"-0")),
		register,
		chromedp.WaitVisible(chromedp.ID(age+"-error")),
	)
	if err != nil {
		t.Fatalf("sign up without the required answer: %v\n%s", err, textOf(t, anna))
	}
	msg, err := chromedp.Run(anna, chromedp.Text(chromedp.ID(age+"-error")))
	if err != nil || msg != "Beantwoord deze vraag om je aan te melden." {
		t.Errorf("message at the question %q, %v", msg, err)
	}
	if chosen, err := chromedp.Run(anna, chromedp.Evaluate[bool](fmt.Sprintf(`document.getElementById(%q).checked`, group+"-0"))); err != nil || !chosen {
		t.Errorf("the choice made is kept: %v, %v", chosen, err)
	}
	if n := len(e.registrations(ev.ID)); n != 0 {
		t.Fatalf("%d registrations after the refused sign-up", n)
	}
	t.Run("Axe", func(t *testing.T) {
		src := axeSource(t)
		vs, err := axeRun(anna, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			if v.Impact == "serious" || v.Impact == "critical" {
				t.Errorf("sign-up form with an error: %s (%s) %s %v", v.ID, v.Impact, v.Help, v.Nodes)
			}
		}
	})
	err = chromedp.Do(anna,
		chromedp.SendKeys(chromedp.ID(age), "4"),
		register,
		chromedp.WaitVisible(chromedp.Search(`//*[@id="my-registration"][contains(., "Je bent aangemeld: je hebt een plaats.")]`)),
	)
	if err != nil {
		t.Fatalf("sign up with the answers: %v\n%s", err, textOf(t, anna))
	}

	err = chromedp.Do(staff, chromedp.Navigate(fmt.Sprintf("%s/staff/events/%d/attendees", e.srv.URL, ev.ID)))
	if err != nil {
		t.Fatal(err)
	}
	list, err := chromedp.Run(staff, chromedp.Text(chromedp.CSS("dl.answers")))
	if err != nil || !strings.Contains(list, "Hoe oud is je kind?") || !strings.Contains(list, "4") || !strings.Contains(list, "Peuters") {
		t.Errorf("answers on the attendee list %q, %v", list, err)
	}

	res := e.get(e.signIn("export@example.nl", vestiging.RoleStaff), fmt.Sprintf("/staff/events/%d/attendees.xlsx", ev.ID))
	wantStatus(t, res, http.StatusOK)
	x, err := excelize.OpenReader(strings.NewReader(res.Body))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer x.Close()
	for cell, want := range map[string]string{"A2": "anna", "H1": "Hoe oud is je kind?", "I1": "Welke groep?", "H2": "4", "I2": "Peuters"} {
		if got, err := x.GetCellValue("Deelnemers", cell); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", cell, got, err, want)
		}
	}
}
