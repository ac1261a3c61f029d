package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
)

// offerColumns read an offer; Hidden is true too when its library or
// author is blocked or silenced, so a read of one offer agrees with the board.
var offerColumns = `o.id, o.kind, o.title, o.description, COALESCE(o.theme, ''), o.area, o.contact, COALESCE(o.author_id, 0),
	COALESCE(p.display_name, ''), o.status, o.reason, o.created_at, o.updated_at, COALESCE(o.iri, ''), o.url, o.origin_id,
	o.author_actor_id, o.hidden OR EXISTS (SELECT 1 FROM (` + hiddenActorsSQL + `) x WHERE x.id IN (o.origin_id, o.author_actor_id)),
	o.remote_updated_at, o.published_at, o.description_source`

const offerFrom = ` FROM offers o LEFT JOIN people p ON p.id = o.author_id`

func scanOffer(row scanner) (*vestiging.Offer, error) {
	o := &vestiging.Offer{}
	var origin, authorActor sql.NullInt64
	err := row.Scan(&o.ID, &o.Kind, &o.Title, &o.Description, &o.Theme, &o.Area, &o.Contact, &o.AuthorID,
		&o.AuthorName, &o.Status, &o.Reason, scanTime(&o.CreatedAt), scanTime(&o.UpdatedAt), &o.IRI, &o.URL, &origin,
		&authorActor, &o.Hidden, scanNullTime(&o.RemoteUpdatedAt), scanNullTime(&o.PublishedAt), &o.DescriptionSource)
	if err != nil {
		return nil, err
	}
	o.OriginID, o.AuthorActorID = intPtr(origin), intPtr(authorActor)
	return o, nil
}

// Offer returns one offer with its author's name, or ENOTFOUND.
func (db *DB) Offer(ctx context.Context, id int64) (*vestiging.Offer, error) {
	o, err := scanOffer(db.db.QueryRowContext(ctx, `SELECT `+offerColumns+offerFrom+` WHERE o.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("offer %d: %w", id, notFound(db.mapError(err), "Offer not found."))
	}
	if err := db.fillOfferActors(ctx, []*vestiging.Offer{o}); err != nil {
		return nil, fmt.Errorf("offer %d: %w", id, err)
	}
	return o, nil
}

// fillOfferActors sets Origin and AuthorActor, and a remote author's name,
// on the remote offers, with one query for all.
func (db *DB) fillOfferActors(ctx context.Context, offers []*vestiging.Offer) error {
	var ids []int64
	for _, o := range offers {
		for _, id := range []*int64{o.OriginID, o.AuthorActorID} {
			if id != nil {
				ids = append(ids, *id)
			}
		}
	}
	actors, err := db.actorsByID(ctx, db.db, ids)
	if err != nil {
		return err
	}
	for _, o := range offers {
		if o.OriginID != nil {
			o.Origin = actors[*o.OriginID]
		}
		if o.AuthorActorID != nil {
			o.AuthorActor = actors[*o.AuthorActorID]
			if a := o.AuthorActor; a != nil {
				o.AuthorName = actorName(a)
			}
		}
	}
	return nil
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
	switch f.Source {
	case "":
	case vestiging.SourceLocal:
		w.add("o.iri IS NULL")
	case vestiging.SourceRemote:
		w.add("o.iri IS NOT NULL")
	default:
		return nil, 0, vestiging.Errorf(vestiging.EINVALID, "Unknown source of offers.")
	}
	// Every word, in the title or the description; the words' own % and _
	// are matched as themselves.
	for i, word := range strings.Fields(strings.ToLower(f.Query)) {
		if i == vestiging.MaxSearchTerms {
			break
		}
		pattern := "%" + likeEscaper.Replace(word) + "%"
		w.add(`(LOWER(o.title) LIKE ? ESCAPE '\' OR LOWER(o.description) LIKE ? ESCAPE '\')`, pattern, pattern)
	}
	// Hidden offers, and those of blocked or silenced libraries, authors
	// and hosts, are on no board.
	w.add("NOT o.hidden")
	w.add("(o.origin_id IS NULL OR o.origin_id NOT IN (" + hiddenActorsSQL + "))")
	w.add("(o.author_actor_id IS NULL OR o.author_actor_id NOT IN (" + hiddenActorsSQL + "))")
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
	rows.Close() // free the connection for the actors
	if err := db.fillOfferActors(ctx, offers); err != nil {
		return nil, 0, fmt.Errorf("find offers: %w", err)
	}
	return offers, total, nil
}

// likeEscaper escapes LIKE's wildcards, with \ as the ESCAPE character.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// validateLocalOffer validates an offer of a resident here; remote offers
// change only through UpsertRemoteOffer.
func validateLocalOffer(o *vestiging.Offer) error {
	if o.Remote() || o.OriginID != nil || o.AuthorActorID != nil {
		return vestiging.Errorf(vestiging.EINVALID, "Offers from other libraries cannot be changed here.")
	}
	return o.Validate()
}

// CreateOffer validates and stores a new offer.
func (db *DB) CreateOffer(ctx context.Context, o *vestiging.Offer) error {
	if err := validateLocalOffer(o); err != nil {
		return err
	}
	// Validate measures these trimmed; store them so, for the area filter.
	o.Area, o.Contact = strings.TrimSpace(o.Area), strings.TrimSpace(o.Contact)
	now := db.now()
	o.PublishedAt = offerPublished(o.Status, now)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO offers (kind, title, description, theme, area, contact, author_id, status, reason,
			created_at, updated_at, published_at, description_source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12)
			RETURNING id`,
			o.Kind, o.Title, o.Description, nullString(o.Theme), o.Area, o.Contact, o.AuthorID, o.Status, o.Reason,
			db.dialect.timeArg(now), db.dialect.nullTimeArg(o.PublishedAt), o.DescriptionSource).Scan(&o.ID)
		if err != nil {
			return offerWriteError(db.mapError(err))
		}
		if err := db.offerHook(ctx, tx, o.ID, "", o.Status); err != nil {
			return err
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

// offerPublished is the published_at a write with status offers: now when
// approved, nothing otherwise; the store keeps the first one.
func offerPublished(status string, now time.Time) time.Time {
	if status != vestiging.OfferApproved {
		return time.Time{}
	}
	return now
}

// changeOffer runs update on local offer id in a transaction, after
// reading its status under lock, and queues what followers need to hear
// when being approved changes or an approved offer changes. update returns
// the new status.
func (db *DB) changeOffer(ctx context.Context, id int64, update func(tx *sql.Tx) (string, error)) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var old string
		err := tx.QueryRowContext(ctx, `SELECT status FROM offers WHERE id = $1 AND iri IS NULL`+db.dialect.forUpdate(), id).Scan(&old)
		if err != nil {
			return notFound(db.mapError(err), "Offer not found.")
		}
		status, err := update(tx)
		if err != nil {
			return err
		}
		if err := db.offerHook(ctx, tx, id, old, status); err != nil {
			return err
		}
		return db.queuePublish(ctx, tx, publishOffer, id, old == vestiging.OfferApproved, status == vestiging.OfferApproved)
	})
}

// UpdateOffer validates and stores an offer's fields; its author stays.
func (db *DB) UpdateOffer(ctx context.Context, o *vestiging.Offer) error {
	if err := validateLocalOffer(o); err != nil {
		return err
	}
	// Validate measures these trimmed; store them so, for the area filter.
	o.Area, o.Contact = strings.TrimSpace(o.Area), strings.TrimSpace(o.Contact)
	now := db.now()
	err := db.changeOffer(ctx, o.ID, func(tx *sql.Tx) (string, error) {
		err := tx.QueryRowContext(ctx, `UPDATE offers SET kind = $2, title = $3, description = $4, theme = $5, area = $6,
			contact = $7, status = $8, reason = $9, updated_at = $10, published_at = COALESCE(published_at, $11),
			description_source = $12 WHERE id = $1 RETURNING author_id, created_at, published_at`,
			o.ID, o.Kind, o.Title, o.Description, nullString(o.Theme), o.Area, o.Contact, o.Status, o.Reason,
			db.dialect.timeArg(now), db.dialect.nullTimeArg(offerPublished(o.Status, now)), o.DescriptionSource).
			Scan(&o.AuthorID, scanTime(&o.CreatedAt), scanNullTime(&o.PublishedAt))
		return o.Status, offerWriteError(db.mapError(err))
	})
	if err != nil {
		return fmt.Errorf("update offer %d: %w", o.ID, err)
	}
	o.UpdatedAt = now
	return nil
}

// SetOfferStatus moves a local offer to status, recording the reason, and
// writes by (when set) to the audit log in the same transaction.
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
		now := db.now()
		_, err := tx.ExecContext(ctx, `UPDATE offers SET status = $2, reason = $3, updated_at = $4,
			published_at = COALESCE(published_at, $5) WHERE id = $1`,
			id, status, reason, db.dialect.timeArg(now), db.dialect.nullTimeArg(offerPublished(status, now)))
		if err != nil {
			return "", db.mapError(err)
		}
		if by == nil {
			return status, nil
		}
		if err := db.audit(ctx, tx, by, offerActions[status], fmt.Sprintf("offer %d", id), reason); err != nil {
			return "", err
		}
		// The author (changeOffer's offers are local) hears of staff's decision.
		if status == vestiging.OfferApproved || status == vestiging.OfferRejected {
			return status, db.insertJobs(ctx, tx, vestiging.OfferMailJob{OfferID: id, Status: status, Key: fmt.Sprintf("audit %d", by.ID)})
		}
		return status, nil
	})
	if err != nil {
		return fmt.Errorf("offer %d status: %w", id, err)
	}
	return nil
}

// offerActions name SetOfferStatus in the audit log.
var offerActions = map[string]string{vestiging.OfferPending: "offer.pending", vestiging.OfferApproved: "offer.approve",
	vestiging.OfferRejected: "offer.reject", vestiging.OfferClosed: "offer.close"}

// UpsertRemoteOffer stores an offer another library announced by IRI,
// keeping its ID when it is stored already (and whether staff hid it). A
// deleted IRI is refused with ECONFLICT, one stored with another origin or
// author with EFORBIDDEN, and nothing changes. An announced
// offer was approved there: Status defaults to approved.
func (db *DB) UpsertRemoteOffer(ctx context.Context, o *vestiging.Offer) error {
	v := vestiging.Validation{}
	if !o.Remote() {
		v.Add("iri", "A remote offer needs its id.")
	}
	if o.OriginID == nil {
		v.Add("origin_id", "A remote offer needs the library that announced it.")
	}
	if o.AuthorActorID == nil || o.AuthorID != 0 {
		v.Add("author", "A remote offer's author is a remote actor.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if o.Status == "" {
		o.Status = vestiging.OfferApproved
	}
	if err := o.Validate(); err != nil {
		return err
	}
	o.Area, o.Contact = strings.TrimSpace(o.Area), strings.TrimSpace(o.Contact)
	o.RemoteUpdatedAt = o.RemoteUpdatedAt.UTC().Truncate(time.Microsecond)
	now := db.now()
	t := db.dialect.timeArg
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.refuseDeleted(ctx, tx, o.IRI, o.RemoteUpdatedAt, "This offer was deleted.", *o.AuthorActorID, *o.OriginID); err != nil {
			return err
		}
		var origin, author int64
		switch err := tx.QueryRowContext(ctx, `SELECT origin_id, author_actor_id FROM offers WHERE iri = $1`, o.IRI).Scan(&origin, &author); {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return db.mapError(err)
		case origin != *o.OriginID || author != *o.AuthorActorID:
			return vestiging.Errorf(vestiging.EFORBIDDEN, "This offer belongs to another actor.")
		}
		// A version older than the stored one updates nothing, and so
		// returns no row.
		err := tx.QueryRowContext(ctx, `INSERT INTO offers (kind, title, description, theme, area, contact, status, reason,
			created_at, updated_at, iri, url, origin_id, author_actor_id, remote_updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14)
			ON CONFLICT (iri) WHERE iri IS NOT NULL DO UPDATE SET kind = excluded.kind, title = excluded.title,
			description = excluded.description, theme = excluded.theme, area = excluded.area, contact = excluded.contact,
			status = excluded.status, reason = excluded.reason, updated_at = excluded.updated_at, url = excluded.url,
			origin_id = excluded.origin_id, author_actor_id = excluded.author_actor_id,
			remote_updated_at = COALESCE(excluded.remote_updated_at, offers.remote_updated_at)
			WHERE offers.remote_updated_at IS NULL OR excluded.remote_updated_at IS NULL
				OR excluded.remote_updated_at >= offers.remote_updated_at
			RETURNING id, created_at, hidden, remote_updated_at`,
			o.Kind, o.Title, o.Description, nullString(o.Theme), o.Area, o.Contact, o.Status, o.Reason, t(now),
			o.IRI, o.URL, *o.OriginID, *o.AuthorActorID, db.dialect.nullTimeArg(o.RemoteUpdatedAt)).
			Scan(&o.ID, scanTime(&o.CreatedAt), &o.Hidden, scanNullTime(&o.RemoteUpdatedAt))
		if errors.Is(err, sql.ErrNoRows) {
			return vestiging.Errorf(vestiging.ECONFLICT, "A newer version of the offer is stored.")
		}
		return db.mapError(err)
	})
	if err != nil {
		o.ID = 0
		return fmt.Errorf("upsert remote offer %s: %w", o.IRI, refine(err, vestiging.EINVALID,
			"The offer's library, author or theme is not known.", nil))
	}
	o.UpdatedAt = now
	return nil
}

// ApprovedPosts counts a person's approved offers and replies.
func (db *DB) ApprovedPosts(ctx context.Context, personID int64) (int, error) {
	n, err := db.approvedPosts(ctx, db.db, personID)
	if err != nil {
		return 0, fmt.Errorf("approved posts of %d: %w", personID, err)
	}
	return n, nil
}

func (db *DB) approvedPosts(ctx context.Context, q querier, personID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM offers WHERE author_id = $1 AND status = $2)
		+ (SELECT COUNT(*) FROM replies WHERE person_id = $1 AND status = $3)`,
		personID, vestiging.OfferApproved, vestiging.ReplyApproved).Scan(&n)
	return n, db.mapError(err)
}

func offerWriteError(err error) error {
	return refine(err, vestiging.EINVALID, "The chosen theme or author does not exist.", nil)
}
