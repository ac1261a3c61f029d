package vestiging

import (
	"strings"
	"testing"
)

func TestCheckAnswers(t *testing.T) {
	qs := []*Question{
		{ID: 1, Kind: QuestionText, Label: "Leeftijd", Required: true},
		{ID: 2, Kind: QuestionChoice, Label: "Groep", Options: []string{"Peuters", "Kleuters"}},
		{ID: 3, Kind: QuestionCheckbox, Label: "Foto's mogen", Required: true},
	}
	t.Run("OK", func(t *testing.T) {
		got, err := CheckAnswers(qs, []Answer{{QuestionID: 3, Value: Ticked}, {QuestionID: 2, Value: " "}, {QuestionID: 1, Value: " 4 "}})
		if err != nil {
			t.Fatal(err)
		}
		want := []Answer{{QuestionID: 1, Question: "Leeftijd", Value: "4"}, {QuestionID: 3, Question: "Foto's mogen", Value: Ticked}}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
	t.Run("NoQuestions", func(t *testing.T) {
		if got, err := CheckAnswers(nil, nil); err != nil || got == nil || len(got) != 0 {
			t.Errorf("got %v, %v; want no answers and no error", got, err)
		}
	})
	tests := []struct {
		name    string
		answers []Answer
		field   string
	}{
		{"ErrRequired", []Answer{{QuestionID: 3, Value: Ticked}}, "answer_1"},
		{"ErrUnticked", []Answer{{QuestionID: 1, Value: "4"}}, "answer_3"},
		{"ErrTicked", []Answer{{QuestionID: 1, Value: "4"}, {QuestionID: 3, Value: "ja"}}, "answer_3"},
		{"ErrChoice", []Answer{{QuestionID: 1, Value: "4"}, {QuestionID: 2, Value: "Baby's"}, {QuestionID: 3, Value: Ticked}}, "answer_2"},
		{"ErrLong", []Answer{{QuestionID: 1, Value: strings.Repeat("x", MaxAnswer+1)}, {QuestionID: 3, Value: Ticked}}, "answer_1"},
		{"ErrNotAsked", []Answer{{QuestionID: 1, Value: "4"}, {QuestionID: 3, Value: Ticked}, {QuestionID: 9, Value: "x"}}, "answers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckAnswers(qs, tt.answers)
			if ErrorCode(err) != EINVALID || FieldErrors(err)[tt.field] == "" || got != nil {
				t.Errorf("got %v, %v; want EINVALID at %s", got, err, tt.field)
			}
		})
	}
}

func TestValidateQuestions(t *testing.T) {
	e := &Event{Questions: []*Question{
		{Kind: QuestionChoice, Label: " Groep ", Options: []string{" Peuters", "", "Kleuters", "Peuters"}},
		{Kind: QuestionCheckbox, Label: "Foto's", Options: []string{"x"}},
	}}
	v := Validation{}
	validateQuestions(v, e.Questions)
	if len(v) != 0 {
		t.Fatalf("errors %v", v)
	}
	if q := e.Questions[0]; q.Label != "Groep" || strings.Join(q.Options, "|") != "Peuters|Kleuters" || e.Questions[1].Options != nil {
		t.Errorf("normalised %+v %+v", q, e.Questions[1])
	}
	v = Validation{}
	validateQuestions(v, []*Question{{Kind: QuestionText, Label: "twee\nregels"}, {Kind: QuestionChoice, Label: "x",
		Options: []string{"a", strings.Repeat("b", MaxOptionLength+1)}}})
	if v["q0_label"] == "" || v["q1_options"] == "" {
		t.Errorf("errors %v, want at q0_label and q1_options", v)
	}
	// A series' occurrences get copies, not the same questions.
	copies := cloneQuestions(e.Questions)
	copies[0].Options[0] = "Baby's"
	if e.Questions[0].Options[0] != "Peuters" || copies[0] == e.Questions[0] {
		t.Error("cloneQuestions shares with the original")
	}
}
