package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/vestiging/vestiging"
)

var _ vestiging.ReplyService = (*DB)(nil)

// publishReply is PublishJob.Object for a resident's reply.
const publishReply = "reply"

const replyColumns = `r.id, CASE WHEN r.event_id IS NULL THEN 'offer' ELSE 'event' END, COALESCE(r.event_id, r.offer_id),
	COALESCE(r.iri, ''), r.url, COALESCE(r.actor_id, 0), COALESCE(r.person_id, 0), r.content, r.status, r.reason,
	r.created_at, r.updated_at, COALESCE(p.display_name, ''), r.published_at, r.content_source`

const replyFrom = ` FROM replies r LEFT JOIN people p ON p.id = r.person_id`

func scanReply(row scanner) (*vestiging.Reply, error) {
	r := &vestiging.Reply{}
	err := row.Scan(&r.ID, &r.ObjectType, &r.ObjectID, &r.IRI, &r.URL, &r.ActorID, &r.PersonID, &r.Content, &r.Status,
		&r.Reason, scanTime(&r.CreatedAt), scanTime(&r.UpdatedAt), &r.AuthorName, scanNullTime(&r.PublishedAt), &r.ContentSource)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// fillReplyActors sets Actor, AuthorName and AuthorHandle of the remote
// replies, with one query for all. A resident's handle needs the
// instance's host, which the store does not know: the web adds it.
func (db *DB) fillReplyActors(ctx context.Context, replies []*vestiging.Reply) error {
	var ids []int64
	for _, r := range replies {
		if r.ActorID != 0 {
			ids = append(ids, r.ActorID)
		}
	}
	actors, err := db.actorsByID(ctx, db.db, ids)
	if err != nil {
		return err
	}
	for _, r := range replies {
		if a := actors[r.ActorID]; a != nil {
			r.Actor, r.AuthorName, r.AuthorHandle = a, actorName(a), a.Handle()
		}
	}
	return nil
}

// objectColumn is the replies column of what a reply answers.
func objectColumn(objectType string) string {
	if objectType == vestiging.ReplyToOffer {
		return "offer_id"
	}
	return "event_id"
}

// CreateReply validates and stores a reply, deciding its first status:
// approved at once, unless the library wants replies approved, the remote
// author or their host is silenced (or blocked), or a resident has fewer
// approved posts than the library's FirstPostsReviewed; staff and partners
// are trusted. A local reply's IRI stays "": federation names it
// /replies/{id} on its own base URL, which the store does not know. An
// approved local reply is published in the same transaction.
func (db *DB) CreateReply(ctx context.Context, r *vestiging.Reply) error {
	if err := r.Validate(); err != nil {
		return err
	}
	v := vestiging.Validation{}
	if r.ActorID != 0 && r.IRI == "" {
		v.Add("iri", "A remote reply needs its id.")
	}
	if r.PersonID != 0 && (r.IRI != "" || r.URL != "") {
		v.Add("iri", "A reply written here gets its id from the server.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	now := db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if r.IRI != "" {
			// A reply carries no version: once deleted, it stays so.
			if err := db.refuseDeleted(ctx, tx, r.IRI, time.Time{}, "This reply was deleted.", r.ActorID); err != nil {
				return err
			}
		}
		var n int
		table := map[string]string{vestiging.ReplyToEvent: "events", vestiging.ReplyToOffer: "offers"}[r.ObjectType]
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = $1`, r.ObjectID).Scan(&n); err != nil {
			return db.mapError(err)
		}
		if n == 0 {
			return vestiging.Errorf(vestiging.ENOTFOUND, "What this replies to does not exist.")
		}
		var err error
		if r.Status, err = db.firstReplyStatus(ctx, tx, r); err != nil {
			return err
		}
		r.PublishedAt = replyPublished(r.PersonID != 0, r.Status, now)
		err = tx.QueryRowContext(ctx, `INSERT INTO replies (`+objectColumn(r.ObjectType)+`, iri, url, actor_id, person_id,
			content, status, reason, created_at, updated_at, published_at, content_source)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11) RETURNING id`,
			r.ObjectID, nullString(r.IRI), r.URL, nullID(r.ActorID), nullID(r.PersonID), r.Content, r.Status, r.Reason,
			db.dialect.timeArg(now), db.dialect.nullTimeArg(r.PublishedAt), r.ContentSource).Scan(&r.ID)
		if err != nil {
			err = refine(db.mapError(err), vestiging.ECONFLICT, "This reply was received before.", nil)
			return refine(err, vestiging.EINVALID, "The reply's author is not known.", nil)
		}
		if r.PersonID == 0 {
			return nil
		}
		return db.queuePublish(ctx, tx, publishReply, r.ID, false, r.Status == vestiging.ReplyApproved)
	})
	if err != nil {
		r.ID = 0
		return fmt.Errorf("create reply: %w", err)
	}
	r.CreatedAt, r.UpdatedAt = now, now
	return nil
}

// replyPublished is the published_at a write of a reply offers: now for
// a resident's approved reply, nothing otherwise; the store keeps the first.
func replyPublished(local bool, status string, now time.Time) time.Time {
	if !local || status != vestiging.ReplyApproved {
		return time.Time{}
	}
	return now
}

// EditRemoteReply applies a remote author's edit; see vestiging.ReplyService.
func (db *DB) EditRemoteReply(ctx context.Context, r *vestiging.Reply) error {
	if r.IRI == "" || r.ActorID == 0 {
		return vestiging.Errorf(vestiging.EINVALID, "Say which remote reply, by whom.")
	}
	if r.Content == "" {
		return vestiging.Errorf(vestiging.EINVALID, "The reply has no text.")
	}
	now := db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var content string
		err := tx.QueryRowContext(ctx, `SELECT id, status, content FROM replies WHERE iri = $1 AND actor_id = $2`+db.dialect.forUpdate(),
			r.IRI, r.ActorID).Scan(&r.ID, &r.Status, &content)
		if err != nil {
			return notFound(db.mapError(err), "No such reply by this author.")
		}
		switch {
		case r.Status == vestiging.ReplyRejected || r.Status == vestiging.ReplyRemoved:
			return vestiging.Errorf(vestiging.EINVALID, "This reply was %s; an edit does not bring it back.", r.Status)
		case r.Status == vestiging.ReplyApproved && content != r.Content:
			if r.Status, err = db.firstReplyStatus(ctx, tx, r); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE replies SET content = $1, status = $2, updated_at = $3 WHERE id = $4`,
			r.Content, r.Status, db.dialect.timeArg(now), r.ID)
		return db.mapError(err)
	})
	if err != nil {
		return fmt.Errorf("edit reply %s: %w", r.IRI, err)
	}
	r.UpdatedAt = now
	return nil
}

// firstReplyStatus decides the status a new reply starts with (CreateReply).
func (db *DB) firstReplyStatus(ctx context.Context, tx *sql.Tx, r *vestiging.Reply) (string, error) {
	var needApproval bool
	var firstReviewed int
	err := tx.QueryRowContext(ctx, `SELECT replies_need_approval, first_posts_reviewed FROM library WHERE id = 1`).
		Scan(&needApproval, &firstReviewed)
	if err != nil {
		return "", db.mapError(err)
	}
	if r.ActorID != 0 {
		var moderated int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+hiddenActorsSQL+`) x WHERE x.id = $1`, r.ActorID).Scan(&moderated)
		if err != nil {
			return "", db.mapError(err)
		}
		if needApproval || moderated > 0 {
			return vestiging.ReplyPending, nil
		}
		return vestiging.ReplyApproved, nil
	}
	var role string
	if err := tx.QueryRowContext(ctx, `SELECT role FROM people WHERE id = $1`, r.PersonID).Scan(&role); err != nil {
		return "", notFound(db.mapError(err), "The reply's author is not known.")
	}
	switch {
	case role != vestiging.RoleResident:
		return vestiging.ReplyApproved, nil
	case needApproval:
		return vestiging.ReplyPending, nil
	case firstReviewed > 0:
		approved, err := db.approvedPosts(ctx, tx, r.PersonID)
		if err != nil {
			return "", err
		}
		if approved < firstReviewed {
			return vestiging.ReplyPending, nil
		}
	}
	return vestiging.ReplyApproved, nil
}

func (db *DB) replyWhere(ctx context.Context, what, cond string, arg any) (*vestiging.Reply, error) {
	r, err := scanReply(db.db.QueryRowContext(ctx, `SELECT `+replyColumns+replyFrom+` WHERE `+cond, arg))
	if err != nil {
		return nil, fmt.Errorf("reply %s: %w", what, notFound(db.mapError(err), "Reply not found."))
	}
	if err := db.fillReplyActors(ctx, []*vestiging.Reply{r}); err != nil {
		return nil, fmt.Errorf("reply %s: %w", what, err)
	}
	return r, nil
}

// Reply returns one reply, or ENOTFOUND.
func (db *DB) Reply(ctx context.Context, id int64) (*vestiging.Reply, error) {
	return db.replyWhere(ctx, fmt.Sprint(id), "r.id = $1", id)
}

// ReplyByIRI returns a remote reply by its id, or ENOTFOUND.
func (db *DB) ReplyByIRI(ctx context.Context, iri string) (*vestiging.Reply, error) {
	return db.replyWhere(ctx, iri, "r.iri = $1", iri)
}

// Replies lists the matching replies, oldest first, and the total. Replies
// staff hid, and those of blocked actors and hosts, are left out.
func (db *DB) Replies(ctx context.Context, f vestiging.ReplyFilter) ([]*vestiging.Reply, int, error) {
	if err := f.Normalize(); err != nil {
		return nil, 0, err
	}
	w := &where{}
	switch f.ObjectType {
	case "":
		if f.ObjectID != 0 {
			return nil, 0, vestiging.Errorf(vestiging.EINVALID, "Say whether the replies answer an event or an offer.")
		}
	case vestiging.ReplyToEvent, vestiging.ReplyToOffer:
		col := "r." + objectColumn(f.ObjectType)
		if f.ObjectID != 0 {
			w.add(col+" = ?", f.ObjectID)
		} else {
			w.add(col + " IS NOT NULL")
		}
	default:
		return nil, 0, vestiging.Errorf(vestiging.EINVALID, "Unknown kind of object replied to.")
	}
	if f.Status != "" {
		w.add("r.status = ?", f.Status)
	}
	w.add("NOT r.hidden")
	w.add("(r.actor_id IS NULL OR r.actor_id NOT IN (" + blockedActorsSQL + "))")
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM replies r`+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count replies: %w", db.mapError(err))
	}
	replies := []*vestiging.Reply{}
	if f.Offset >= total {
		return replies, total, nil
	}
	query := `SELECT ` + replyColumns + replyFrom + w.String() + ` ORDER BY r.created_at, r.id LIMIT ` +
		w.arg(f.Limit) + ` OFFSET ` + w.arg(f.Offset)
	rows, err := db.db.QueryContext(ctx, query, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("replies: %w", db.mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanReply(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("replies: %w", db.mapError(err))
		}
		replies = append(replies, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("replies: %w", db.mapError(err))
	}
	rows.Close() // free the connection for the actors
	if err := db.fillReplyActors(ctx, replies); err != nil {
		return nil, 0, fmt.Errorf("replies: %w", err)
	}
	return replies, total, nil
}

// replyActions name SetReplyStatus in the audit log.
var replyActions = map[string]string{vestiging.ReplyPending: "reply.pending", vestiging.ReplyApproved: "reply.approve",
	vestiging.ReplyRejected: "reply.reject", vestiging.ReplyRemoved: "reply.remove"}

// SetReplyStatus moderates a reply, writing by (when set) to the audit log
// in the same transaction. A local reply is published when it becomes
// approved, and its Delete queued when it stops being so.
func (db *DB) SetReplyStatus(ctx context.Context, id int64, status, reason string, by *vestiging.AuditEntry) error {
	v := vestiging.Validation{}
	if replyActions[status] == "" {
		v.Add("status", "Unknown status.")
	}
	if len(reason) > 1000 {
		v.Add("reason", "This text is too long.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var old string
		var local bool
		err := tx.QueryRowContext(ctx, `SELECT status, person_id IS NOT NULL FROM replies WHERE id = $1`+db.dialect.forUpdate(), id).
			Scan(&old, &local)
		if err != nil {
			return notFound(db.mapError(err), "Reply not found.")
		}
		now := db.now()
		_, err = tx.ExecContext(ctx, `UPDATE replies SET status = $2, reason = $3, updated_at = $4,
			published_at = COALESCE(published_at, $5) WHERE id = $1`,
			id, status, reason, db.dialect.timeArg(now), db.dialect.nullTimeArg(replyPublished(local, status, now)))
		if err != nil {
			return db.mapError(err)
		}
		if by != nil {
			if err := db.audit(ctx, tx, by, replyActions[status], fmt.Sprintf("reply %d", id), reason); err != nil {
				return err
			}
		}
		if !local {
			return nil
		}
		return db.queuePublish(ctx, tx, publishReply, id, old == vestiging.ReplyApproved, status == vestiging.ReplyApproved)
	})
	if err != nil {
		return fmt.Errorf("reply %d status: %w", id, err)
	}
	return nil
}
