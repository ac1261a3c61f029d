package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store/storetest"
)

// TestEditQuestions: the form's buttons add a row or remove one, moving
// the rows below up with what was typed in them.
func TestEditQuestions(t *testing.T) {
	rows := func(f *form) []string {
		var out []string
		for i := range questionRows(f) {
			out = append(out, f.Get(questionField(i, "id"))+":"+f.Get(questionField(i, "label"))+":"+f.Get(questionField(i, "required")))
		}
		return out
	}
	filled := func() *form {
		return newForm(url.Values{"qrows": {"3"}, "q0_id": {"7"}, "q0_label": {"Leeftijd"}, "q0_required": {"1"},
			"q1_label": {"Niveau"}, "q2_id": {"9"}, "q2_label": {"Laptop"}})
	}
	tests := []struct {
		name   string
		button url.Values
		want   []string
	}{
		{"Add", url.Values{"add_question": {"1"}}, []string{"7:Leeftijd:1", ":Niveau:", "9:Laptop:", "::"}},
		{"RemoveFirst", url.Values{"remove_question": {"0"}}, []string{":Niveau:", "9:Laptop:"}},
		{"RemoveLast", url.Values{"remove_question": {"2"}}, []string{"7:Leeftijd:1", ":Niveau:"}},
		{"ErrRow", url.Values{"remove_question": {"5"}}, []string{"7:Leeftijd:1", ":Niveau:", "9:Laptop:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filled()
			for k, v := range tt.button {
				f.Values[k] = v
			}
			if !f.editsQuestions() {
				t.Fatal("editsQuestions false")
			}
			editQuestions(f)
			storetest.Same(t, "rows", rows(f), tt.want)
		})
	}
	t.Run("AtMostFive", func(t *testing.T) {
		f := newForm(url.Values{"qrows": {"5"}, "add_question": {"1"}})
		editQuestions(f)
		if got := len(questionRows(f)); got != 5 {
			t.Errorf("%d rows, want 5", got)
		}
	})
	t.Run("Read", func(t *testing.T) {
		// An empty row after the last question is left out; one before it
		// is read, so the domain's message lands on its row.
		f := newForm(url.Values{"q0_label": {""}, "q0_kind": {"text"}, "q1_label": {"Niveau"}, "q1_kind": {"choice"},
			"q1_options": {"A1\r\nA2\n"}, "q1_id": {"4"}, "q2_kind": {"text"}})
		qs := readQuestions(f)
		if len(qs) != 2 || qs[1].ID != 4 || qs[1].Kind != "choice" || len(qs[1].Options) != 3 {
			t.Errorf("read %+v", qs)
		}
	})
}

// TestSignUpQuestions: staff add questions in the event form; residents
// and guests answer them when signing up, a required one left open is 422
// with the message at the field and nothing stored; staff see the answers
// in the attendee list and its exports, the person in their data export.
func TestSignUpQuestions(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		b := e.branch("Centrale Bibliotheek")
		staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
		form := eventForm(b, func(f url.Values) {
			f.Set("registration_mode", "open")
			f.Set("action", "publish")
			f.Set("qrows", "2")
			f.Set("q0_label", "Hoe oud is je kind?")
			f.Set("q0_kind", "text")
			f.Set("q0_required", "1")
			f.Set("q1_label", "Welke groep?")
			f.Set("q1_kind", "choice")
			f.Set("q1_options", "Peuters\nKleuters")
		})
		var ev *vestiging.Event
		t.Run("Staff", func(t *testing.T) {
			add := url.Values{}
			maps.Copy(add, form)
			add.Set("add_question", "1")
			res := e.post(staff, "/staff/events/new", add)
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, `id="q2_label"`, `value="Hoe oud is je kind?"`, "Vraag 3 verwijderen")
			bad := url.Values{}
			maps.Copy(bad, form)
			bad.Set("q1_options", "Peuters")
			res = e.post(staff, "/staff/events/new", bad)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, `<p class="field-error" id="q1_options-error">Geef 2 tot 10 opties, één per regel.</p>`, `href="#q1_options"`)
			if _, n, err := e.db.FindEvents(t.Context(), vestiging.EventFilter{}); err != nil || n != 0 {
				t.Fatalf("%d events after the buttons and a refused form (%v), want none", n, err)
			}
			res = e.post(staff, "/staff/events/new", form)
			wantStatus(t, res, http.StatusSeeOther)
			id, err := strconv.ParseInt(strings.TrimPrefix(res.Location, "/events/"), 10, 64)
			if err != nil {
				t.Fatalf("location %q", res.Location)
			}
			if ev, err = e.db.Event(t.Context(), id); err != nil {
				t.Fatal(err)
			}
			if len(ev.Questions) != 2 || !ev.Questions[0].Required || len(ev.Questions[1].Options) != 2 {
				t.Fatalf("questions %+v", ev.Questions)
			}
			// The edit form shows them again, with their ids.
			res = e.get(staff, fmt.Sprintf("/staff/events/%d/edit", id))
			wantContains(t, res, fmt.Sprintf(`name="q0_id" value="%d"`, ev.Questions[0].ID), "Peuters\nKleuters</textarea>")
		})
		path := fmt.Sprintf("/events/%d", ev.ID)
		age, group := vestiging.QuestionField(ev.Questions[0]), vestiging.QuestionField(ev.Questions[1])
		_, ac := e.registrant("anna@example.nl")
		t.Run("ErrRequired", func(t *testing.T) {
			res := e.post(ac, path+"/register", url.Values{group: {"Peuters"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, `<p class="field-error" id="`+age+`-error">Beantwoord deze vraag om je aan te melden.</p>`,
				`href="#`+age+`"`, `value="Peuters" checked`)
			e.allowGuests()
			res = e.post(e.client(), path+"/register/guest", url.Values{"name": {"Gerrit"}, "email": {"gerrit@example.nl"}, group: {"Baby's"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, `id="`+age+`-error"`, `<p class="field-error" id="`+group+`-error">Kies een van de opties.</p>`)
			if n := len(e.registrations(ev.ID)); n != 0 {
				t.Errorf("%d registrations, want none", n)
			}
		})
		t.Run("OK", func(t *testing.T) {
			wantContains(t, e.get(ac, path), `<label for="`+age+`">Hoe oud is je kind? <span class="required">(verplicht)</span></label>`)
			wantStatus(t, e.post(ac, path+"/register", url.Values{age: {"4"}, group: {"Peuters"}}), http.StatusSeeOther)
			wantStatus(t, e.post(e.client(), path+"/register/guest", url.Values{"name": {"Gerrit"}, "email": {"gerrit@example.nl"},
				age: {"=5"}}), http.StatusOK)
			regs := e.registrations(ev.ID)
			if len(regs) != 2 || len(regs[0].Answers) != 2 || regs[1].Answers[0].Value != "=5" {
				t.Fatalf("registrations %+v", regs)
			}
		})
		t.Run("StaffSees", func(t *testing.T) {
			res := e.get(staff, fmt.Sprintf("/staff/events/%d/attendees", ev.ID))
			wantContains(t, res, "<dt>Hoe oud is je kind?</dt><dd>4</dd><dt>Welke groep?</dt><dd>Peuters</dd>")
			res = e.get(staff, fmt.Sprintf("/staff/events/%d/attendees.csv", ev.ID))
			wantContains(t, res, "Aanwezig;Hoe oud is je kind?;Welke groep?\r\n", ";4;Peuters\r\n", ";'=5;\r\n")
		})
		t.Run("Mail", func(t *testing.T) {
			// The first mail repeats the answers; later ones do not.
			s := e.srv.Config.Handler.(*Server)
			reg := e.registrations(ev.ID)[0]
			m, err := s.registrationMail(t.Context(), vestiging.RegistrationMailJob{RegistrationID: reg.ID, Notice: vestiging.NoticeConfirmed})
			if err != nil || !strings.Contains(m.Text, "Je antwoorden:\nHoe oud is je kind?: 4\nWelke groep?: Peuters\n") {
				t.Errorf("confirmation mail (%v):\n%s", err, m.Text)
			}
			m, err = s.registrationMail(t.Context(), vestiging.RegistrationMailJob{RegistrationID: reg.ID, Notice: vestiging.NoticeReminder})
			if err != nil || strings.Contains(m.Text, "antwoorden") {
				t.Errorf("reminder (%v):\n%s", err, m.Text)
			}
		})
		t.Run("Mine", func(t *testing.T) {
			wantContains(t, e.get(ac, "/account/registrations"), "<dt>Welke groep?</dt><dd>Peuters</dd>")
		})
		t.Run("Export", func(t *testing.T) {
			var got accountExport
			if err := json.Unmarshal([]byte(e.get(ac, "/account/export").Body), &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Registrations) != 1 {
				t.Fatalf("registrations %+v", got.Registrations)
			}
			storetest.Same(t, "answers", got.Registrations[0].Answers, []exportAnswer{{"Hoe oud is je kind?", "4"}, {"Welke groep?", "Peuters"}})
		})
	})
}
