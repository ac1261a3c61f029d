package storetest

import (
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// questions is a sign-up form with each kind of question: a required
// text, an optional choice and a required checkbox.
func questions() []*vestiging.Question {
	return []*vestiging.Question{
		{Kind: vestiging.QuestionText, Label: " Hoe oud is je kind? ", Required: true},
		{Kind: vestiging.QuestionChoice, Label: "Welk niveau?", Options: []string{"Beginner", " Gevorderd ", ""}},
		{Kind: vestiging.QuestionCheckbox, Label: "Ik neem een laptop mee", Options: []string{"weg"}, Required: true},
	}
}

// answersRows counts the stored answers of registration id.
func answersRows(t *testing.T, db *store.DB, id int64) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM registration_answers WHERE registration_id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func testQuestions(t *testing.T, open func(t *testing.T) *store.DB) {
	withQuestions := func(e *vestiging.Event) { e.Questions = questions() }
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		s := newSignUps(t, db)
		e := s.event(t, 0, withQuestions)
		got, err := db.Event(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		q := got.Questions
		same(t, "questions", q, e.Questions)
		same(t, "normalised", []any{q[0].Label, q[1].Options, q[2].Options}, []any{"Hoe oud is je kind?", []string{"Beginner", "Gevorderd"}, nil})
		if !got.RequiresAnswers() {
			t.Error("RequiresAnswers false with a required question")
		}
		p := s.people(t, 1)[0]
		r := &vestiging.Registration{EventID: e.ID, PersonID: p.ID, CancelToken: "t1", Answers: []vestiging.Answer{
			{QuestionID: q[2].ID, Value: vestiging.Ticked}, {QuestionID: q[0].ID, Value: " 7 "}, {QuestionID: q[1].ID, Value: ""}}}
		if err := db.Register(ctx, r); err != nil {
			t.Fatal(err)
		}
		want := []vestiging.Answer{{QuestionID: q[0].ID, Question: "Hoe oud is je kind?", Value: "7"},
			{QuestionID: q[2].ID, Question: "Ik neem een laptop mee", Value: vestiging.Ticked}}
		same(t, "answers stored", r.Answers, want)
		stored, err := db.Registration(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "answers read", stored.Answers, want)
		list, _, err := db.Registrations(ctx, vestiging.RegistrationFilter{PersonID: p.ID})
		if err != nil || len(list) != 1 {
			t.Fatalf("registrations %v, %v", list, err)
		}
		same(t, "answers listed", list[0].Answers, want)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		s := newSignUps(t, db)
		tests := []struct {
			name  string
			qs    []*vestiging.Question
			field string
		}{
			{"NoLabel", []*vestiging.Question{{Kind: vestiging.QuestionText, Label: " "}}, "q0_label"},
			{"OneOption", []*vestiging.Question{{Kind: vestiging.QuestionText, Label: "a"}, {Kind: vestiging.QuestionChoice, Label: "b", Options: []string{"x", "x"}}}, "q1_options"},
			{"Kind", []*vestiging.Question{{Kind: "file", Label: "a"}}, "q0_kind"},
			{"TooMany", append(questions(), questions()...), "questions"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := &vestiging.Event{Title: "Vragen", StartsAt: s.start, EndsAt: s.start.Add(time.Hour), BranchID: &s.branch.ID, Questions: tt.qs}
				err := db.CreateEvent(t.Context(), e)
				wantCode(t, err, vestiging.EINVALID)
				if vestiging.FieldErrors(err)[tt.field] == "" {
					t.Errorf("errors %v, want one at %s", vestiging.FieldErrors(err), tt.field)
				}
			})
		}
	})
	t.Run("ErrAnswers", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		s := newSignUps(t, db)
		e := s.event(t, 0, withQuestions)
		other := s.event(t, 0, withQuestions)
		q := e.Questions
		p := s.people(t, 1)[0]
		log := &mailLog{db: db}
		tests := []struct {
			name    string
			answers []vestiging.Answer
			field   string
		}{
			{"Required", []vestiging.Answer{{QuestionID: q[2].ID, Value: vestiging.Ticked}}, vestiging.QuestionField(q[0])},
			{"Unticked", []vestiging.Answer{{QuestionID: q[0].ID, Value: "7"}}, vestiging.QuestionField(q[2])},
			{"Choice", []vestiging.Answer{{QuestionID: q[0].ID, Value: "7"}, {QuestionID: q[1].ID, Value: "Expert"},
				{QuestionID: q[2].ID, Value: vestiging.Ticked}}, vestiging.QuestionField(q[1])},
			{"OtherEvent", []vestiging.Answer{{QuestionID: q[0].ID, Value: "7"}, {QuestionID: other.Questions[0].ID, Value: "8"},
				{QuestionID: q[2].ID, Value: vestiging.Ticked}}, "answers"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := db.Register(ctx, &vestiging.Registration{EventID: e.ID, PersonID: p.ID, CancelToken: "t", Answers: tt.answers})
				wantCode(t, err, vestiging.EINVALID)
				if vestiging.FieldErrors(err)[tt.field] == "" {
					t.Errorf("errors %v, want one at %s", vestiging.FieldErrors(err), tt.field)
				}
			})
		}
		// Nothing was stored: no registration, no place, no mail.
		if regs, _, err := db.Registrations(ctx, vestiging.RegistrationFilter{EventID: e.ID}); err != nil || len(regs) != 0 {
			t.Errorf("registrations %v, %v; want none", regs, err)
		}
		s.counts(t, e, 0, 0)
		if mails, _ := log.next(t); len(mails) != 0 {
			t.Errorf("mails %+v, want none", mails)
		}
	})
	t.Run("NoneRequired", func(t *testing.T) {
		// A Join carries no answers: fine when nothing is required.
		db := open(t)
		s := newSignUps(t, db)
		e := s.event(t, 0, func(e *vestiging.Event) {
			e.Questions = questions()
			e.Questions[0].Required, e.Questions[2].Required = false, false
		})
		b := upsertActor(t, db, actor("b.example", "B"))
		r := &vestiging.Registration{EventID: e.ID, ActorID: b.ID, JoinIRI: "https://b.example/joins/q"}
		if err := db.Register(t.Context(), r); err != nil || r.State != vestiging.RegistrationConfirmed {
			t.Fatalf("join without answers: %s, %v", r.State, err)
		}
	})
	t.Run("Edit", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		s := newSignUps(t, db)
		e := s.event(t, 0, withQuestions)
		q := e.Questions
		p := s.people(t, 1)[0]
		r := &vestiging.Registration{EventID: e.ID, PersonID: p.ID, CancelToken: "t", Answers: []vestiging.Answer{
			{QuestionID: q[0].ID, Value: "7"}, {QuestionID: q[1].ID, Value: "Beginner"}, {QuestionID: q[2].ID, Value: vestiging.Ticked}}}
		if err := db.Register(ctx, r); err != nil {
			t.Fatal(err)
		}
		// The choice goes, the text is reworded and a new question comes first.
		added := &vestiging.Question{Kind: vestiging.QuestionText, Label: "Allergieën?"}
		e.Questions = []*vestiging.Question{added, {ID: q[0].ID, Kind: vestiging.QuestionText, Label: "Leeftijd van je kind"}, q[2]}
		if err := db.UpdateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		got, err := db.Event(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Questions) != 3 || got.Questions[0].ID != added.ID || added.ID == 0 || got.Questions[1].ID != q[0].ID {
			t.Errorf("questions after edit %+v", got.Questions)
		}
		stored, err := db.Registration(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "answers after edit", stored.Answers, []vestiging.Answer{{QuestionID: q[0].ID, Question: "Leeftijd van je kind", Value: "7"},
			{QuestionID: q[2].ID, Question: "Ik neem een laptop mee", Value: vestiging.Ticked}})
	})
	t.Run("SeriesAndImport", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		s := newSignUps(t, db)
		first := &vestiging.Event{Title: "Taalcafé", StartsAt: s.start, EndsAt: s.start.Add(time.Hour), BranchID: &s.branch.ID,
			Questions: questions()}
		// Until is a date in the event's zone, where 23:00 UTC is the next day.
		occ, err := db.CreateSeries(ctx, &vestiging.Series{Frequency: vestiging.FrequencyWeekly,
			Until: s.start.In(first.Location()).AddDate(0, 0, 7).Format(time.DateOnly)}, first)
		if err != nil || len(occ) != 2 {
			t.Fatalf("series %d, %v", len(occ), err)
		}
		a, err1 := db.Event(ctx, occ[0].ID)
		b, err2 := db.Event(ctx, occ[1].ID)
		if err1 != nil || err2 != nil || len(a.Questions) != 3 || len(b.Questions) != 3 || a.Questions[0].ID == b.Questions[0].ID {
			t.Fatalf("occurrences' questions %+v %+v (%v %v), want three each of their own", a.Questions, b.Questions, err1, err2)
		}
		// An imported event that staff gave questions keeps them when the feed changes it.
		feed := func(title string) []*vestiging.Event {
			return []*vestiging.Event{{Title: title, UID: "q@example.nl", StartsAt: s.start, EndsAt: s.start.Add(time.Hour), BranchID: &s.branch.ID}}
		}
		imported := feed("Voorlezen")
		if _, _, err := db.ImportEvents(ctx, imported); err != nil {
			t.Fatal(err)
		}
		e, err := db.Event(ctx, imported[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		e.Questions = questions()[:1]
		if err := db.UpdateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		if _, updated, err := db.ImportEvents(ctx, feed("Voorlezen voor peuters")); err != nil || updated != 1 {
			t.Fatalf("import again: %d updated, %v", updated, err)
		}
		if got, err := db.Event(ctx, e.ID); err != nil || len(got.Questions) != 1 || got.Questions[0].ID != e.Questions[0].ID {
			t.Errorf("questions after import %+v, %v", got.Questions, err)
		}
	})
	t.Run("Erased", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		s := newSignUps(t, db)
		old, upcoming := s.event(t, 0, withQuestions), s.event(t, 0, withQuestions)
		p := s.people(t, 2)
		answer := func(e *vestiging.Event, who *vestiging.Person) *vestiging.Registration {
			t.Helper()
			r := &vestiging.Registration{EventID: e.ID, PersonID: who.ID, CancelToken: "t" + who.Email + e.Title, Answers: []vestiging.Answer{
				{QuestionID: e.Questions[0].ID, Value: "7"}, {QuestionID: e.Questions[2].ID, Value: vestiging.Ticked}}}
			if err := db.Register(ctx, r); err != nil {
				t.Fatal(err)
			}
			return r
		}
		gone, kept, deleted := answer(old, p[0]), answer(upcoming, p[0]), answer(upcoming, p[1])
		old.StartsAt, old.EndsAt = time.Now().Add(-40*24*time.Hour), time.Now().Add(-40*24*time.Hour+time.Hour)
		if err := db.UpdateEvent(ctx, old); err != nil {
			t.Fatal(err)
		}
		if n, err := db.AnonymizeRegistrations(ctx, time.Now().Add(-30*24*time.Hour)); err != nil || n != 1 {
			t.Fatalf("anonymised %d, %v; want 1", n, err)
		}
		if err := db.DeletePerson(ctx, p[1].ID); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name string
			r    *vestiging.Registration
			want int
		}{{"Anonymised", gone, 0}, {"Upcoming", kept, 2}, {"DeletedPerson", deleted, 0}} {
			if got := answersRows(t, db, tt.r.ID); got != tt.want {
				t.Errorf("%s: %d answers stored, want %d", tt.name, got, tt.want)
			}
		}
		if got, err := db.Registration(ctx, gone.ID); err != nil || len(got.Answers) != 0 {
			t.Errorf("anonymised registration's answers %+v, %v", got, err)
		}
	})
}
