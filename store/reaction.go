package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/vestiging/vestiging"
)

var _ vestiging.ReactionService = (*DB)(nil)

// AddReaction records a remote actor's like or share once per actor, kind
// and object (the unique indexes of 0011).
func (db *DB) AddReaction(ctx context.Context, r *vestiging.Reaction) (bool, error) {
	if err := r.Validate(); err != nil {
		return false, err
	}
	col := objectColumn(r.ObjectType)
	now := db.now()
	res, err := db.db.ExecContext(ctx, `INSERT INTO reactions (`+col+`, actor_id, kind, activity_iri, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (`+col+`, kind, actor_id) WHERE `+col+` IS NOT NULL DO NOTHING`,
		r.ObjectID, r.ActorID, r.Kind, r.ActivityIRI, db.dialect.timeArg(now))
	if err != nil {
		err = db.mapError(err)
		if vestiging.ErrorCode(err) == vestiging.EINVALID {
			// A reference that does not hold: the object or actor is gone.
			err = &vestiging.Error{Code: vestiging.ENOTFOUND, Message: "What this reacts to does not exist.", Err: err}
		}
		return false, fmt.Errorf("add %s of %s %d: %w", r.Kind, r.ObjectType, r.ObjectID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("add %s of %s %d: %w", r.Kind, r.ObjectType, r.ObjectID, db.mapError(err))
	}
	if n == 1 {
		r.CreatedAt = now
	}
	return n == 1, nil
}

// RemoveReaction deletes an actor's reaction, by object and kind or by
// its activity.
func (db *DB) RemoveReaction(ctx context.Context, r *vestiging.Reaction) error {
	var res sql.Result
	var err error
	if r.ObjectID != 0 {
		res, err = db.db.ExecContext(ctx, `DELETE FROM reactions WHERE `+objectColumn(r.ObjectType)+` = $1 AND kind = $2 AND actor_id = $3`,
			r.ObjectID, r.Kind, r.ActorID)
	} else {
		res, err = db.db.ExecContext(ctx, `DELETE FROM reactions WHERE actor_id = $1 AND activity_iri = $2`, r.ActorID, r.ActivityIRI)
	}
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			return vestiging.Errorf(vestiging.ENOTFOUND, "No such reaction.")
		}
	}
	if err != nil {
		return fmt.Errorf("remove reaction: %w", db.mapError(err))
	}
	return nil
}

// Reactions counts the likes and shares of an event or offer.
func (db *DB) Reactions(ctx context.Context, objectType string, id int64) (vestiging.Reactions, error) {
	var c vestiging.Reactions
	err := db.db.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN kind = $2 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN kind = $3 THEN 1 ELSE 0 END), 0)
		FROM reactions WHERE `+objectColumn(objectType)+` = $1 AND actor_id NOT IN (`+blockedActorsSQL+`)`,
		id, vestiging.ReactionLike, vestiging.ReactionShare).Scan(&c.Likes, &c.Shares)
	if err != nil {
		return c, fmt.Errorf("reactions of %s %d: %w", objectType, id, db.mapError(err))
	}
	return c, nil
}
