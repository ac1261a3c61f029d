package vestiging

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Questions on sign-up (as LibCal has them): staff ask a few things of
// whoever signs up for an activity, such as a child's age or whether they
// bring their own laptop. The answers belong to the registration: staff see
// them in the attendee list and its export, the person in their data
// export, and they go with the registration's personal data.

// Question kinds.
const (
	QuestionText     = "text"     // a line of text
	QuestionChoice   = "choice"   // one of the question's options
	QuestionCheckbox = "checkbox" // a box to tick; required means it must be ticked
)

// Limits on questions and answers; sign-up stays short. The messages
// about them name the numbers.
const (
	MaxQuestions     = 5
	MaxOptions       = 10
	MaxQuestionLabel = 200
	MaxOptionLength  = 100
	MaxAnswer        = 1000
)

// Ticked is the answer of a ticked checkbox.
const Ticked = "yes"

// Question is one question on an activity's sign-up form.
type Question struct {
	ID       int64
	Kind     string
	Label    string   // the question as shown
	Options  []string // a choice's options, in order
	Required bool
}

// Answer is what someone answered to one question when signing up; an
// unanswered question has no Answer.
type Answer struct {
	QuestionID int64
	// Question is the question's label, filled on read.
	Question string
	Value    string // the text, the chosen option, or Ticked
}

// QuestionField is the name under which a question's answer is sent and
// its error is reported.
func QuestionField(q *Question) string { return fmt.Sprintf("answer_%d", q.ID) }

// validateQuestions checks and trims the questions; errors are reported
// per row as "qN_label", "qN_kind" and "qN_options", as the staff form
// names its inputs.
func validateQuestions(v Validation, qs []*Question) {
	if len(qs) > MaxQuestions {
		v.Add("questions", "Ask at most 5 questions.")
	}
	for i, q := range qs {
		p := fmt.Sprintf("q%d_", i)
		q.Label = strings.TrimSpace(q.Label)
		checkText(v, p+"label", q.Label, true, MaxQuestionLabel)
		if strings.ContainsAny(q.Label, "\r\n") {
			v.Add(p+"label", "Write the question on one line.")
		}
		var options []string
		for _, o := range q.Options {
			if o = strings.TrimSpace(o); o != "" && !slices.Contains(options, o) {
				options = append(options, o)
			}
		}
		q.Options = options
		switch q.Kind {
		case QuestionChoice:
			if len(options) < 2 || len(options) > MaxOptions {
				v.Add(p+"options", "Give from 2 to 10 options, one per line.")
			}
			for _, o := range options {
				if utf8.RuneCountInString(o) > MaxOptionLength {
					v.Add(p+"options", "An option is too long.")
				}
			}
		case QuestionText, QuestionCheckbox:
			q.Options = nil
		default:
			v.Add(p+"kind", "Choose a kind of question from the list.")
		}
	}
}

// RequiresAnswers reports whether signing up needs an answer to one of the
// event's questions: a sign-up without answers (a Join from another
// server) is then refused.
func (e *Event) RequiresAnswers() bool {
	return slices.ContainsFunc(e.Questions, func(q *Question) bool { return q.Required })
}

// CheckAnswers checks answers to the questions qs and returns them
// trimmed, in the questions' order, without empty ones. A required
// question left open, a choice that is not an option or an answer to a
// question not asked is EINVALID, with the message at QuestionField.
func CheckAnswers(qs []*Question, answers []Answer) ([]Answer, error) {
	v := Validation{}
	given := map[int64]string{}
	for _, a := range answers {
		if !slices.ContainsFunc(qs, func(q *Question) bool { return q.ID == a.QuestionID }) {
			v.Add("answers", "An answer is to a question this activity does not ask.")
			continue
		}
		given[a.QuestionID] = strings.TrimSpace(a.Value)
	}
	out := []Answer{}
	for _, q := range qs {
		field, value := QuestionField(q), given[q.ID]
		switch {
		case value == "" && q.Required && q.Kind == QuestionCheckbox:
			v.Add(field, "Tick this box to sign up.")
		case value == "" && q.Required:
			v.Add(field, "Answer this question to sign up.")
		case value == "":
		case q.Kind == QuestionChoice && !slices.Contains(q.Options, value):
			v.Add(field, "Choose one of the options.")
		case q.Kind == QuestionCheckbox && value != Ticked:
			v.Add(field, "Tick the box or leave it empty.")
		case utf8.RuneCountInString(value) > MaxAnswer:
			v.Add(field, "This text is too long.")
		}
		if value != "" {
			out = append(out, Answer{QuestionID: q.ID, Question: q.Label, Value: value})
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// cloneQuestions copies qs, so that events made from one (a series'
// occurrences) each get their own questions.
func cloneQuestions(qs []*Question) []*Question {
	if qs == nil {
		return nil
	}
	out := make([]*Question, len(qs))
	for i, q := range qs {
		c := *q
		c.ID, c.Options = 0, slices.Clone(q.Options)
		out[i] = &c
	}
	return out
}
