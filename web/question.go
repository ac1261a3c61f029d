package web

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vestiging/vestiging"
)

// Questions on sign-up in the staff's event form: up to
// vestiging.MaxQuestions rows, each "qN_" label, kind, options (one per
// line) and required, with the id of a stored question hidden so that its
// answers stay. "Add a question" and "Remove" send the form back with the
// rows changed, keeping what was typed, and save nothing.

// questionFields are the inputs of one question row, after its "qN_" prefix.
var questionFields = []string{"id", "label", "kind", "options", "required"}

// questionKinds are offered in the form, in this order.
var questionKinds = []string{vestiging.QuestionText, vestiging.QuestionChoice, vestiging.QuestionCheckbox}

func questionField(i int, name string) string { return fmt.Sprintf("q%d_%s", i, name) }

// questionRows numbers the rows to show: as many as the form says, and
// every row with something in it.
func questionRows(f *form) []int {
	n, _ := strconv.Atoi(f.Get("qrows"))
	for i := range vestiging.MaxQuestions {
		if strings.TrimSpace(f.Get(questionField(i, "label"))+f.Get(questionField(i, "options"))) != "" {
			n = max(n, i+1)
		}
	}
	rows := []int{}
	for i := range min(max(n, 0), vestiging.MaxQuestions) {
		rows = append(rows, i)
	}
	return rows
}

// editsQuestions reports whether the form was sent with a question button.
func (f *form) editsQuestions() bool {
	return f.Get("add_question") != "" || f.Get("remove_question") != ""
}

// editQuestions adds an empty row or removes one, moving the rows below up.
func editQuestions(f *form) {
	n := len(questionRows(f))
	if f.Get("add_question") != "" {
		f.Set("qrows", strconv.Itoa(min(n+1, vestiging.MaxQuestions)))
		return
	}
	gone, err := strconv.Atoi(f.Get("remove_question"))
	if err != nil || gone < 0 || gone >= n {
		return
	}
	for i := gone; i < vestiging.MaxQuestions; i++ {
		for _, name := range questionFields {
			if next := questionField(i+1, name); i+1 < vestiging.MaxQuestions && f.Values.Has(next) {
				f.Values[questionField(i, name)] = f.Values[next]
			} else {
				f.Values.Del(questionField(i, name))
			}
		}
	}
	f.Set("qrows", strconv.Itoa(n-1))
}

// questionValues fills the question rows from stored questions.
func questionValues(f *form, qs []*vestiging.Question) {
	for i, q := range qs {
		f.Set(questionField(i, "id"), strconv.FormatInt(q.ID, 10))
		f.Set(questionField(i, "label"), q.Label)
		f.Set(questionField(i, "kind"), q.Kind)
		f.Set(questionField(i, "options"), strings.Join(q.Options, "\n"))
		if q.Required {
			f.Set(questionField(i, "required"), "1")
		}
	}
	f.Set("qrows", strconv.Itoa(len(qs)))
}

// readQuestions reads the question rows; a row without a question is
// left out. The domain checks the rest, naming the rows as the form does,
// so the rows read must keep their numbers: an empty row is only skipped
// after the last filled one.
func readQuestions(f *form) []*vestiging.Question {
	var out []*vestiging.Question
	last := -1
	for i := range vestiging.MaxQuestions {
		if strings.TrimSpace(f.Get(questionField(i, "label"))+f.Get(questionField(i, "options"))) != "" {
			last = i
		}
	}
	for i := 0; i <= last; i++ {
		q := &vestiging.Question{Kind: f.Get(questionField(i, "kind")), Label: f.Get(questionField(i, "label")),
			Required: f.Get(questionField(i, "required")) != ""}
		q.ID, _ = strconv.ParseInt(f.Get(questionField(i, "id")), 10, 64)
		for o := range strings.SplitSeq(f.Get(questionField(i, "options")), "\n") {
			q.Options = append(q.Options, o)
		}
		out = append(out, q)
	}
	return out
}

// readAnswers reads the answers to e's questions from a sign-up form.
func readAnswers(f *form, e *vestiging.Event) []vestiging.Answer {
	var out []vestiging.Answer
	for _, q := range e.Questions {
		if v := f.Get(vestiging.QuestionField(q)); v != "" {
			out = append(out, vestiging.Answer{QuestionID: q.ID, Value: v})
		}
	}
	return out
}

// answerErrors are the messages, per question, about answers that would
// not do; the store checks them again.
func answerErrors(e *vestiging.Event, answers []vestiging.Answer) map[string]string {
	_, err := vestiging.CheckAnswers(e.Questions, answers)
	return vestiging.FieldErrors(err)
}

// answerText is the answer to q among answers as a cell of the attendee
// export: a ticked box says so in words, an open question is empty.
func answerText(t func(string) string, q *vestiging.Question, answers []vestiging.Answer) string {
	for _, a := range answers {
		if a.QuestionID != q.ID {
			continue
		}
		if q.Kind == vestiging.QuestionCheckbox {
			return t("Yes")
		}
		return a.Value
	}
	return ""
}

// answerLines are reg's answers to e's questions, one "question: answer"
// a line, for a mail.
func answerLines(t func(string) string, e *vestiging.Event, reg *vestiging.Registration) string {
	var lines []string
	for _, q := range e.Questions {
		if a := answerText(t, q, reg.Answers); a != "" {
			lines = append(lines, q.Label+": "+a)
		}
	}
	return strings.Join(lines, "\n")
}
