package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/vestiging/vestiging"
)

const offerColumns = `o.id, o.kind, o.title, o.description, COALESCE(o.theme, ''), o.area, o.contact, o.author_id,
	p.display_name, o.status, o.reason, o.created_at, o.updated_at`

const offerFrom = ` FROM offers o JOIN people p ON p.id = o.author_id`

func scanOffer(row scanner) (*vestiging.Offer, error) {
	o := &vestiging.Offer{}
	err := row.Scan(&o.ID, &o.Kind, &o.Title, &o.Description, &o.Theme, &o.Area, &o.Contact, &o.AuthorID,
		&o.AuthorName, &o.Status, &o.Reason, scanTime(&o.CreatedAt), scanTime(&o.UpdatedAt))
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Offer returns one offer with its author's name, or ENOTFOUND.
func (db *DB) Offer(ctx context.Context, id int64) (*vestiging.Offer, error) {
	o, err := scanOffer(db.db.QueryRowContext(ctx, `SELECT `+offerColumns+offerFrom+` WHERE o.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("offer %d: %w", id, notFound(db.mapError(err), "Offer not found."))
	}
	return o, nil
}

// FindOffers returns one page of matching offers, newest first, and the total.
func (db *DB) FindOffers(ctx context.Context, f vestiging.OfferFilter) ([]*vestiging.Offer, int, error) {
	if err := f.Normalize(); err != nil {
		return nil, 0, err
	}
	w := &where{}
	if f.Kind != "" {
		w.add("o.kind = ?", f.Kind)
	}
	if f.Theme != "" {
		w.add("o.theme = ?", f.Theme)
	}
	if area := strings.TrimSpace(f.Area); area != "" {
		w.add("LOWER(o.area) = LOWER(?)", area)
	}
	if f.Status != "" {
		w.add("o.status = ?", f.Status)
	}
	if f.AuthorID != 0 {
		w.add("o.author_id = ?", f.AuthorID)
	}
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM offers o`+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count offers: %w", db.mapError(err))
	}
	offers := []*vestiging.Offer{}
	if f.Offset >= total {
		return offers, total, nil
	}
	query := `SELECT ` + offerColumns + offerFrom + w.String() + ` ORDER BY o.created_at DESC, o.id DESC LIMIT ` +
		w.arg(f.Limit) + ` OFFSET ` + w.arg(f.Offset)
	rows, err := db.db.QueryContext(ctx, query, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find offers: %w", db.mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanOffer(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find offers: %w", db.mapError(err))
		}
		offers = append(offers, o)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("find offers: %w", db.mapError(err))
	}
	return offers, total, nil
}

// CreateOffer validates and stores a new offer.
func (db *DB) CreateOffer(ctx context.Context, o *vestiging.Offer) error {
	if err := o.Validate(); err != nil {
		return err
	}
	// Validate measures these trimmed; store them so, for the area filter.
	o.Area, o.Contact = strings.TrimSpace(o.Area), strings.TrimSpace(o.Contact)
	now := db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO offers (kind, title, description, theme, area, contact, author_id, status, reason, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			o.Kind, o.Title, o.Description, nullString(o.Theme), o.Area, o.Contact, o.AuthorID, o.Status, o.Reason,
			db.dialect.timeArg(now)).Scan(&o.ID)
		if err != nil {
			return offerWriteError(db.mapError(err))
		}
		return db.queuePublish(ctx, tx, publishOffer, o.ID, false, o.Status == vestiging.OfferApproved)
	})
	if err != nil {
		o.ID = 0
		return fmt.Errorf("create offer: %w", err)
	}
	o.CreatedAt, o.UpdatedAt = now, now
	return nil
}

// publishOffer is PublishJob.Object for offers.
const publishOffer = "offer"

// changeOffer runs update on offer id in a transaction, after reading its
// status under lock, and queues what followers need to hear when being
// approved changes or an approved offer changes. update returns the new status.
func (db *DB) changeOffer(ctx context.Context, id int64, update func(tx *sql.Tx) (string, error)) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var old string
		err := tx.QueryRowContext(ctx, `SELECT status FROM offers WHERE id = $1`+db.dialect.forUpdate(), id).Scan(&old)
		if err != nil {
			return notFound(db.mapError(err), "Offer not found.")
		}
		status, err := update(tx)
		if err != nil {
			return err
		}
		return db.queuePublish(ctx, tx, publishOffer, id, old == vestiging.OfferApproved, status == vestiging.OfferApproved)
	})
}

// UpdateOffer validates and stores an offer's fields; its author stays.
func (db *DB) UpdateOffer(ctx context.Context, o *vestiging.Offer) error {
	if err := o.Validate(); err != nil {
		return err
	}
	// Validate measures these trimmed; store them so, for the area filter.
	o.Area, o.Contact = strings.TrimSpace(o.Area), strings.TrimSpace(o.Contact)
	now := db.now()
	err := db.changeOffer(ctx, o.ID, func(tx *sql.Tx) (string, error) {
		err := tx.QueryRowContext(ctx, `UPDATE offers SET kind = $2, title = $3, description = $4, theme = $5, area = $6,
			contact = $7, status = $8, reason = $9, updated_at = $10 WHERE id = $1 RETURNING author_id, created_at`,
			o.ID, o.Kind, o.Title, o.Description, nullString(o.Theme), o.Area, o.Contact, o.Status, o.Reason,
			db.dialect.timeArg(now)).Scan(&o.AuthorID, scanTime(&o.CreatedAt))
		return o.Status, offerWriteError(db.mapError(err))
	})
	if err != nil {
		return fmt.Errorf("update offer %d: %w", o.ID, err)
	}
	o.UpdatedAt = now
	return nil
}

// SetOfferStatus moves an offer to status, recording the reason.
func (db *DB) SetOfferStatus(ctx context.Context, id int64, status, reason string, by *vestiging.AuditEntry) error {
	switch status {
	case vestiging.OfferPending, vestiging.OfferApproved, vestiging.OfferRejected, vestiging.OfferClosed:
	default:
		return &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"status": "Unknown status."}}
	}
	if len(reason) > 1000 {
		return &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"reason": "This text is too long."}}
	}
	err := db.changeOffer(ctx, id, func(tx *sql.Tx) (string, error) {
		_, err := tx.ExecContext(ctx, `UPDATE offers SET status = $2, reason = $3, updated_at = $4 WHERE id = $1`,
			id, status, reason, db.dialect.timeArg(db.now()))
		return status, db.mapError(err)
	})
	if err != nil {
		return fmt.Errorf("offer %d status: %w", id, err)
	}
	return nil
}

func offerWriteError(err error) error {
	return refine(err, vestiging.EINVALID, "The chosen theme or author does not exist.", nil)
}
