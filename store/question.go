package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/vestiging/vestiging"
)

// Questions on sign-up live in event_questions, in order; the answers in
// registration_answers, one row per answered question, removed with the
// question and with the registration's personal data.

// loadQuestions sets Questions on the local events among events, in one query.
func (db *DB) loadQuestions(ctx context.Context, q querier, events []*vestiging.Event) error {
	byID := map[int64]*vestiging.Event{}
	var ids []any
	for _, e := range events {
		if !e.Remote() {
			byID[e.ID] = e
			ids = append(ids, e.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	qs, err := db.questions(ctx, q, `event_id IN (`+placeholders(1, len(ids))+`)`, ids...)
	if err != nil {
		return err
	}
	for eventID, list := range qs {
		byID[eventID].Questions = list
	}
	return nil
}

// questions reads the questions matching where, per event, in order.
func (db *DB) questions(ctx context.Context, q querier, where string, args ...any) (map[int64][]*vestiging.Question, error) {
	rows, err := q.QueryContext(ctx, `SELECT event_id, id, kind, label, options, required FROM event_questions
		WHERE `+where+` ORDER BY event_id, position, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("questions: %w", db.mapError(err))
	}
	defer rows.Close()
	out := map[int64][]*vestiging.Question{}
	for rows.Next() {
		var eventID int64
		var options string
		qu := &vestiging.Question{}
		if err := rows.Scan(&eventID, &qu.ID, &qu.Kind, &qu.Label, &options, &qu.Required); err != nil {
			return nil, fmt.Errorf("questions: %w", db.mapError(err))
		}
		if options != "" {
			qu.Options = strings.Split(options, "\n")
		}
		out[eventID] = append(out[eventID], qu)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("questions: %w", db.mapError(err))
	}
	return out, nil
}

// writeQuestions stores e's questions. A question keeps its id (and its
// answers) while e keeps it; one that is gone takes its answers with it.
// An id that is not one of e's questions is a new question. Only local
// events ask questions (loadQuestions reads no others), so a remote one
// costs no read here.
func (db *DB) writeQuestions(ctx context.Context, tx *sql.Tx, e *vestiging.Event) error {
	if e.Remote() {
		return nil
	}
	old, err := db.questions(ctx, tx, `event_id = $1`, e.ID)
	if err != nil {
		return err
	}
	kept := map[int64]bool{}
	for _, q := range old[e.ID] {
		kept[q.ID] = false
	}
	for i, q := range e.Questions {
		options := strings.Join(q.Options, "\n")
		if done, ok := kept[q.ID]; ok && !done {
			kept[q.ID] = true
			_, err = tx.ExecContext(ctx, `UPDATE event_questions SET position = $2, kind = $3, label = $4, options = $5, required = $6
				WHERE id = $1`, q.ID, i, q.Kind, q.Label, options, q.Required)
		} else {
			err = tx.QueryRowContext(ctx, `INSERT INTO event_questions (event_id, position, kind, label, options, required)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, e.ID, i, q.Kind, q.Label, options, q.Required).Scan(&q.ID)
		}
		if err != nil {
			return fmt.Errorf("question %d: %w", i+1, db.mapError(err))
		}
	}
	for id, done := range kept {
		if done {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM event_questions WHERE id = $1`, id); err != nil {
			return fmt.Errorf("remove question %d: %w", id, db.mapError(err))
		}
	}
	return nil
}

// insertAnswers checks r's answers against its event's questions and
// stores them; r.Answers becomes what was stored.
func (db *DB) insertAnswers(ctx context.Context, tx *sql.Tx, r *vestiging.Registration) error {
	qs, err := db.questions(ctx, tx, `event_id = $1`, r.EventID)
	if err != nil {
		return err
	}
	answers, err := vestiging.CheckAnswers(qs[r.EventID], r.Answers)
	if err != nil {
		return err
	}
	for _, a := range answers {
		if _, err := tx.ExecContext(ctx, `INSERT INTO registration_answers (registration_id, question_id, answer) VALUES ($1, $2, $3)`,
			r.ID, a.QuestionID, a.Value); err != nil {
			return fmt.Errorf("answer: %w", db.mapError(err))
		}
	}
	r.Answers = answers
	return nil
}

// loadAnswers sets Answers on regs, in their questions' order, in one query.
func (db *DB) loadAnswers(ctx context.Context, q querier, regs []*vestiging.Registration) error {
	byID := map[int64]*vestiging.Registration{}
	var ids []any
	for _, r := range regs {
		r.Answers = []vestiging.Answer{}
		if r.AnonymizedAt == nil {
			byID[r.ID] = r
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT a.registration_id, a.question_id, q.label, a.answer
		FROM registration_answers a JOIN event_questions q ON q.id = a.question_id
		WHERE a.registration_id IN (`+placeholders(1, len(ids))+`) ORDER BY a.registration_id, q.position, q.id`, ids...)
	if err != nil {
		return fmt.Errorf("answers: %w", db.mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a vestiging.Answer
		if err := rows.Scan(&id, &a.QuestionID, &a.Question, &a.Value); err != nil {
			return fmt.Errorf("answers: %w", db.mapError(err))
		}
		byID[id].Answers = append(byID[id].Answers, a)
	}
	return db.mapError(rows.Err())
}

// eraseAnswersSQL removes the answers of the registrations cond (on r)
// selects: personal data that goes with the registration's.
const eraseAnswersSQL = `DELETE FROM registration_answers WHERE registration_id IN (SELECT r.id FROM registrations r WHERE `
