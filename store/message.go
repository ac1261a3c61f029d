package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/vestiging/vestiging"
)

// Messages sent from here keep no IRI: the store knows no base URL, so
// federation names their Note by the message's id (ids are never reused).
// Received Notes keep their own id, unique.

const messageColumns = `m.id, m.from_person_id, m.from_actor_id, m.to_person_id, m.to_actor_id, m.offer_id, m.event_id,
	COALESCE(m.iri, ''), m.in_reply_to, m.content, m.created_at, m.read_at,
	COALESCE(NULLIF(fp.display_name, ''), fp.handle, NULLIF(fa.name, ''), fa.username, ''),
	COALESCE(NULLIF(tp.display_name, ''), tp.handle, NULLIF(ta.name, ''), ta.username, '')`

const messageFrom = ` FROM messages m
	LEFT JOIN people fp ON fp.id = m.from_person_id LEFT JOIN actors fa ON fa.id = m.from_actor_id
	LEFT JOIN people tp ON tp.id = m.to_person_id LEFT JOIN actors ta ON ta.id = m.to_actor_id`

func scanMessage(row scanner) (*vestiging.Message, error) {
	m := &vestiging.Message{}
	var fromPerson, fromActor, toPerson, toActor, offer, event sql.NullInt64
	var read time.Time
	err := row.Scan(&m.ID, &fromPerson, &fromActor, &toPerson, &toActor, &offer, &event, &m.IRI, &m.InReplyTo, &m.Content,
		scanTime(&m.CreatedAt), scanNullTime(&read), &m.FromName, &m.ToName)
	if err != nil {
		return nil, err
	}
	m.FromPersonID, m.FromActorID, m.ToPersonID, m.ToActorID = fromPerson.Int64, fromActor.Int64, toPerson.Int64, toActor.Int64
	m.OfferID, m.EventID, m.ReadAt = offer.Int64, event.Int64, timePtr(read)
	return m, nil
}

// CreateMessage stores m and queues telling its recipient: a mail for a
// person here, a Note for a remote actor.
func (db *DB) CreateMessage(ctx context.Context, m *vestiging.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	now := db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO messages (from_person_id, from_actor_id, to_person_id, to_actor_id, offer_id,
			event_id, iri, in_reply_to, content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			nullID(m.FromPersonID), nullID(m.FromActorID), nullID(m.ToPersonID), nullID(m.ToActorID), nullID(m.OfferID),
			nullID(m.EventID), nullString(m.IRI), m.InReplyTo, m.Content, db.dialect.timeArg(now)).Scan(&m.ID)
		if err != nil {
			err = refine(db.mapError(err), vestiging.ECONFLICT, "This message was stored already.", nil)
			return refine(err, vestiging.EINVALID, "The sender, recipient, offer or activity does not exist.", nil)
		}
		var job vestiging.JobArgs = vestiging.MessageMailJob{MessageID: m.ID}
		if m.ToActorID != 0 {
			job = vestiging.SendNoteJob{MessageID: m.ID}
		}
		return db.insertJobs(ctx, tx, job)
	})
	if err != nil {
		m.ID = 0
		return fmt.Errorf("create message: %w", err)
	}
	m.CreatedAt, m.ReadAt = now, nil
	return nil
}

// Message returns one message, or ENOTFOUND.
func (db *DB) Message(ctx context.Context, id int64) (*vestiging.Message, error) {
	return db.messageWhere(ctx, fmt.Sprint(id), "m.id = $1", id)
}

// MessageByIRI finds a received message by its Note's id.
func (db *DB) MessageByIRI(ctx context.Context, iri string) (*vestiging.Message, error) {
	if iri == "" {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "Message not found.")
	}
	return db.messageWhere(ctx, iri, "m.iri = $1", iri)
}

func (db *DB) messageWhere(ctx context.Context, what, cond string, arg any) (*vestiging.Message, error) {
	m, err := scanMessage(db.db.QueryRowContext(ctx, `SELECT `+messageColumns+messageFrom+` WHERE `+cond, arg))
	if err != nil {
		return nil, fmt.Errorf("message %s: %w", what, notFound(db.mapError(err), "Message not found."))
	}
	return m, nil
}

// Messages lists the messages a person sent or received, newest first.
func (db *DB) Messages(ctx context.Context, personID int64, offset, limit int) ([]*vestiging.Message, int, error) {
	offset, limit, err := vestiging.NormalizePage(offset, limit)
	if err != nil {
		return nil, 0, err
	}
	// Each side reads its own index; a row to oneself counts once.
	const mine = ` WHERE m.id IN (SELECT id FROM messages WHERE from_person_id = $1 UNION SELECT id FROM messages WHERE to_person_id = $1)`
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages m`+mine, personID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count messages of person %d: %w", personID, db.mapError(err))
	}
	out := []*vestiging.Message{}
	if offset >= total {
		return out, total, nil
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+messageColumns+messageFrom+mine+` ORDER BY m.created_at DESC, m.id DESC
		LIMIT $2 OFFSET $3`, personID, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("messages of person %d: %w", personID, db.mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("messages of person %d: %w", personID, db.mapError(err))
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("messages of person %d: %w", personID, db.mapError(err))
	}
	return out, total, nil
}

// MarkMessageRead sets ReadAt once; marking again keeps the first time.
func (db *DB) MarkMessageRead(ctx context.Context, id int64) error {
	res, err := db.db.ExecContext(ctx, `UPDATE messages SET read_at = COALESCE(read_at, $2) WHERE id = $1`,
		id, db.dialect.timeArg(db.now()))
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = vestiging.Errorf(vestiging.ENOTFOUND, "Message not found.")
		}
	}
	if err != nil {
		return fmt.Errorf("mark message %d read: %w", id, db.mapError(err))
	}
	return nil
}
