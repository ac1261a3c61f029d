package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/vestiging/vestiging"
)

// PersonKey returns a resident's key, or stores the one generate makes.
// Racing callers all insert-or-ignore and read the row that won.
func (db *DB) PersonKey(ctx context.Context, personID int64, generate func() (string, error)) (string, error) {
	const read = `SELECT private_key_pem FROM person_keys WHERE person_id = $1`
	var key string
	err := db.mapError(db.db.QueryRowContext(ctx, read, personID).Scan(&key))
	if vestiging.ErrorCode(err) != vestiging.ENOTFOUND || generate == nil {
		if err != nil {
			return "", fmt.Errorf("person key %d: %w", personID, notFound(err, "No key for this person."))
		}
		return key, nil
	}
	fresh, err := generate()
	if err != nil {
		return "", fmt.Errorf("person key %d: generate: %w", personID, err)
	}
	unlock := db.lockWrites()
	_, err = db.db.ExecContext(ctx, `INSERT INTO person_keys (person_id, private_key_pem, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (person_id) DO NOTHING`, personID, fresh, db.dialect.timeArg(db.now()))
	unlock()
	if err != nil {
		return "", fmt.Errorf("person key %d: store: %w", personID, db.mapError(err))
	}
	if err := db.db.QueryRowContext(ctx, read, personID).Scan(&key); err != nil {
		return "", fmt.Errorf("person key %d: %w", personID, db.mapError(err))
	}
	return key, nil
}

// RemovePersonKey forgets a resident's key; a missing one is no error.
func (db *DB) RemovePersonKey(ctx context.Context, personID int64) error {
	defer db.lockWrites()()
	if _, err := db.db.ExecContext(ctx, `DELETE FROM person_keys WHERE person_id = $1`, personID); err != nil {
		return fmt.Errorf("remove person key %d: %w", personID, db.mapError(err))
	}
	return nil
}

// SetPersonFollowing creates or updates a resident's follow of f.Actor.
func (db *DB) SetPersonFollowing(ctx context.Context, f *vestiging.PersonFollowing) error {
	v := vestiging.Validation{}
	if f.PersonID == 0 {
		v.Add("person", "A follow needs a person.")
	}
	if f.Actor == nil || f.Actor.ID == 0 {
		v.Add("actor", "Choose an actor to follow.")
	}
	if f.ActivityIRI == "" {
		v.Add("activity_iri", "A follow needs its activity id.")
	}
	if f.State != vestiging.FollowPending && f.State != vestiging.FollowAccepted && f.State != vestiging.FollowRejected {
		v.Add("state", "Unknown state.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	now := db.now()
	t := db.dialect.timeArg
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockPerson(ctx, tx, f.PersonID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO person_following (person_id, actor_id, activity_iri, state, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (person_id, actor_id) DO UPDATE SET activity_iri = excluded.activity_iri,
		state = excluded.state, updated_at = excluded.updated_at RETURNING created_at`,
			f.PersonID, f.Actor.ID, f.ActivityIRI, f.State, t(now)).Scan(scanTime(&f.CreatedAt))
	})
	if err != nil {
		return fmt.Errorf("set person following %d → %d: %w", f.PersonID, f.Actor.ID, actorNotFound(db.mapError(err)))
	}
	f.UpdatedAt = now
	return nil
}

// lockPerson locks a person's row for the rest of tx, or returns
// ENOTFOUND. The follow tables keep no foreign key to people: a deleted
// resident's follows are forgotten by its PersonDeletedJob once the Deletes
// are out, so a follow answer arriving after the deletion must not write
// them back.
func (db *DB) lockPerson(ctx context.Context, tx *sql.Tx, id int64) error {
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM people WHERE id = $1`+db.dialect.forUpdate(), id).Scan(&one); err != nil {
		return notFound(db.mapError(err), "Person not found.")
	}
	return nil
}

const personFollowingColumns = `g.person_id, g.activity_iri, g.state, g.created_at, g.updated_at, ` + actorColumns

const personFollowingFrom = `FROM person_following g JOIN actors a ON a.id = g.actor_id`

func scanPersonFollowing(row scanner) (*vestiging.PersonFollowing, error) {
	f := &vestiging.PersonFollowing{Actor: &vestiging.Actor{}}
	err := row.Scan(append([]any{&f.PersonID, &f.ActivityIRI, &f.State, scanTime(&f.CreatedAt), scanTime(&f.UpdatedAt)},
		actorDest(f.Actor)...)...)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// PersonFollowing returns a resident's follow of an actor, or ENOTFOUND.
func (db *DB) PersonFollowing(ctx context.Context, personID, actorID int64) (*vestiging.PersonFollowing, error) {
	f, err := scanPersonFollowing(db.db.QueryRowContext(ctx, `SELECT `+personFollowingColumns+` `+personFollowingFrom+`
		WHERE g.person_id = $1 AND g.actor_id = $2`, personID, actorID))
	if err != nil {
		return nil, fmt.Errorf("person following %d → %d: %w", personID, actorID, notFound(db.mapError(err), "Not following."))
	}
	return f, nil
}

// PersonFollowingByActivity returns the follow sent as activityIRI, or ENOTFOUND.
func (db *DB) PersonFollowingByActivity(ctx context.Context, activityIRI string) (*vestiging.PersonFollowing, error) {
	f, err := scanPersonFollowing(db.db.QueryRowContext(ctx, `SELECT `+personFollowingColumns+` `+personFollowingFrom+`
		WHERE g.activity_iri = $1`, activityIRI))
	if err != nil {
		return nil, fmt.Errorf("person following %s: %w", activityIRI, notFound(db.mapError(err), "Not following."))
	}
	return f, nil
}

// PersonFollowings lists a resident's follows, newest first.
func (db *DB) PersonFollowings(ctx context.Context, personID int64) ([]*vestiging.PersonFollowing, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+personFollowingColumns+` `+personFollowingFrom+`
		WHERE g.person_id = $1 ORDER BY g.created_at DESC, g.actor_id DESC`, personID)
	if err != nil {
		return nil, fmt.Errorf("person followings %d: %w", personID, db.mapError(err))
	}
	defer rows.Close()
	out := []*vestiging.PersonFollowing{}
	for rows.Next() {
		f, err := scanPersonFollowing(rows)
		if err != nil {
			return nil, fmt.Errorf("person followings %d: %w", personID, db.mapError(err))
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("person followings %d: %w", personID, db.mapError(err))
	}
	return out, nil
}

// RemovePersonFollowing forgets a resident's follow, or ENOTFOUND.
func (db *DB) RemovePersonFollowing(ctx context.Context, personID, actorID int64) error {
	return db.deleteOne(ctx, fmt.Sprintf("remove person following %d → %d", personID, actorID), "Not following.",
		`DELETE FROM person_following WHERE person_id = $1 AND actor_id = $2`, personID, actorID)
}

// AddPersonFollower records that an actor follows a resident. Following
// again keeps the first date and remembers the newest Follow.
func (db *DB) AddPersonFollower(ctx context.Context, personID, actorID int64, activityIRI string) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockPerson(ctx, tx, personID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO person_followers (person_id, actor_id, activity_iri, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (person_id, actor_id) DO UPDATE SET activity_iri = excluded.activity_iri`,
			personID, actorID, activityIRI, db.dialect.timeArg(db.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("add person follower %d → %d: %w", actorID, personID, actorNotFound(db.mapError(err)))
	}
	return nil
}

// RemovePersonFollower ends a follow of a resident, or returns ENOTFOUND.
func (db *DB) RemovePersonFollower(ctx context.Context, personID, actorID int64) error {
	return db.deleteOne(ctx, fmt.Sprintf("remove person follower %d → %d", actorID, personID), "Not a follower.",
		`DELETE FROM person_followers WHERE person_id = $1 AND actor_id = $2`, personID, actorID)
}

// PersonFollowers lists a resident's followers, oldest first.
func (db *DB) PersonFollowers(ctx context.Context, personID int64) ([]*vestiging.Follower, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT f.activity_iri, f.created_at, `+actorColumns+`
		FROM person_followers f JOIN actors a ON a.id = f.actor_id WHERE f.person_id = $1 ORDER BY f.created_at, f.actor_id`, personID)
	if err != nil {
		return nil, fmt.Errorf("person followers %d: %w", personID, db.mapError(err))
	}
	defer rows.Close()
	out := []*vestiging.Follower{}
	for rows.Next() {
		f := &vestiging.Follower{Actor: &vestiging.Actor{}}
		if err := rows.Scan(append([]any{&f.ActivityIRI, scanTime(&f.CreatedAt)}, actorDest(f.Actor)...)...); err != nil {
			return nil, fmt.Errorf("person followers %d: %w", personID, db.mapError(err))
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("person followers %d: %w", personID, db.mapError(err))
	}
	return out, nil
}

// FollowedLocally reports whether the library or a resident follows the
// actor and was accepted.
func (db *DB) FollowedLocally(ctx context.Context, actorID int64) (bool, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM following WHERE actor_id = $1 AND state = $2) +
		(SELECT COUNT(*) FROM person_following WHERE actor_id = $1 AND state = $2)`,
		actorID, vestiging.FollowAccepted).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("followed locally %d: %w", actorID, db.mapError(err))
	}
	return n > 0, nil
}

// maxDirectory bounds the directory; a nationwide network has a few hundred libraries.
const maxDirectory = 1000

// KnownLibraries lists remote organisations the library follows or is
// followed by, with their upcoming events stored here (ending after now)
// that the public agenda shows: none of those only residents follow.
func (db *DB) KnownLibraries(ctx context.Context, now time.Time) ([]*vestiging.KnownLibrary, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+actorColumns+`,
		(SELECT COUNT(*) FROM events e WHERE e.origin_id = a.id AND e.ends_at > $1 AND e.status IN ($2, $3)
			AND EXISTS (SELECT 1 FROM following g WHERE g.actor_id = a.id AND g.state = $4)),
		EXISTS (SELECT 1 FROM following g WHERE g.actor_id = a.id AND g.state = $4),
		EXISTS (SELECT 1 FROM followers fo WHERE fo.actor_id = a.id)
		FROM actors a
		WHERE a.type IN ('Organization', 'Group', 'Application', 'Service')
		AND (EXISTS (SELECT 1 FROM following g WHERE g.actor_id = a.id) OR EXISTS (SELECT 1 FROM followers fo WHERE fo.actor_id = a.id))
		ORDER BY LOWER(CASE WHEN a.name <> '' THEN a.name ELSE a.host END), a.id LIMIT `+fmt.Sprint(maxDirectory),
		db.dialect.timeArg(now), vestiging.StatusPublished, vestiging.StatusCancelled, vestiging.FollowAccepted)
	if err != nil {
		return nil, fmt.Errorf("known libraries: %w", db.mapError(err))
	}
	defer rows.Close()
	out := []*vestiging.KnownLibrary{}
	for rows.Next() {
		k := &vestiging.KnownLibrary{Actor: &vestiging.Actor{}}
		if err := rows.Scan(append(actorDest(k.Actor), &k.Upcoming, &k.Followed, &k.Follower)...); err != nil {
			return nil, fmt.Errorf("known libraries: %w", db.mapError(err))
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("known libraries: %w", db.mapError(err))
	}
	return out, nil
}
