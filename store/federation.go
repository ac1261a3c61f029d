package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vestiging/vestiging"
)

var _ vestiging.FederationService = (*DB)(nil)

// InstanceKey returns the stored key, or stores the one generate makes.
// Processes racing on a new database all insert-or-ignore and then read the
// one row that won, so they share a key.
func (db *DB) InstanceKey(ctx context.Context, generate func() (string, error)) (string, error) {
	const read = `SELECT private_key_pem FROM instance_key WHERE id = 1`
	var key string
	err := db.mapError(db.db.QueryRowContext(ctx, read).Scan(&key))
	if vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
		if err != nil {
			return "", fmt.Errorf("instance key: %w", err)
		}
		return key, nil
	}
	fresh, err := generate()
	if err != nil {
		return "", fmt.Errorf("instance key: generate: %w", err)
	}
	unlock := db.lockWrites()
	_, err = db.db.ExecContext(ctx, `INSERT INTO instance_key (id, private_key_pem, created_at) VALUES (1, $1, $2)
		ON CONFLICT (id) DO NOTHING`, fresh, db.dialect.timeArg(db.now()))
	unlock()
	if err != nil {
		return "", fmt.Errorf("instance key: store: %w", db.mapError(err))
	}
	if err := db.db.QueryRowContext(ctx, read).Scan(&key); err != nil {
		return "", fmt.Errorf("instance key: %w", db.mapError(err))
	}
	return key, nil
}

const actorColumns = `a.id, a.iri, a.type, a.username, a.host, a.name, a.summary, a.url, a.inbox, a.shared_inbox,
	a.key_id, a.public_key_pem, a.icon_url, a.places, a.fetched_at`

func actorDest(a *vestiging.Actor) []any {
	return []any{&a.ID, &a.IRI, &a.Type, &a.Username, &a.Host, &a.Name, &a.Summary, &a.URL, &a.Inbox, &a.SharedInbox,
		&a.KeyID, &a.PublicKeyPEM, &a.IconURL, placesScanner{&a.Places}, scanNullTime(&a.FetchedAt)}
}

// placesScanner reads an actor's places from their JSON.
type placesScanner struct{ places *[]vestiging.ActorPlace }

func (p placesScanner) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("actor places: %T", src)
	}
	var places []vestiging.ActorPlace
	if err := json.Unmarshal(b, &places); err != nil {
		return fmt.Errorf("actor places: %w", err)
	}
	*p.places = nil // none is nil, as an actor without places is built
	if len(places) > 0 {
		*p.places = places
	}
	return nil
}

func (db *DB) actorWhere(ctx context.Context, what, cond string, arg any) (*vestiging.Actor, error) {
	a := &vestiging.Actor{}
	err := db.db.QueryRowContext(ctx, `SELECT `+actorColumns+` FROM actors a WHERE `+cond+` ORDER BY a.id LIMIT 1`, arg).
		Scan(actorDest(a)...)
	if err != nil {
		return nil, fmt.Errorf("actor %s: %w", what, notFound(db.mapError(err), "Actor not found."))
	}
	return a, nil
}

// Actor returns a remote actor by ID, or ENOTFOUND.
func (db *DB) Actor(ctx context.Context, id int64) (*vestiging.Actor, error) {
	return db.actorWhere(ctx, fmt.Sprint(id), "a.id = $1", id)
}

// ActorByIRI returns a remote actor by its id, or ENOTFOUND.
func (db *DB) ActorByIRI(ctx context.Context, iri string) (*vestiging.Actor, error) {
	return db.actorWhere(ctx, iri, "a.iri = $1", iri)
}

// ActorByKeyID returns the actor owning a public key, or ENOTFOUND.
func (db *DB) ActorByKeyID(ctx context.Context, keyID string) (*vestiging.Actor, error) {
	if keyID == "" {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "Actor not found.")
	}
	return db.actorWhere(ctx, "with key "+keyID, "a.key_id = $1", keyID)
}

// UpsertActor stores an actor by IRI, replacing what was stored, and fills
// its ID. Host defaults to the IRI's host and FetchedAt to now. A key id
// belongs to one actor: one that another actor holds is refused
// (ECONFLICT), and nothing changes.
func (db *DB) UpsertActor(ctx context.Context, a *vestiging.Actor) error {
	u, err := url.Parse(a.IRI)
	if a.IRI == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return &vestiging.Error{Code: vestiging.EINVALID, Message: "An actor needs an http(s) id.",
			Fields: map[string]string{"iri": "Give the actor's address."}}
	}
	if a.Host == "" {
		a.Host = strings.ToLower(u.Host)
	}
	if a.FetchedAt.IsZero() {
		a.FetchedAt = db.now()
	}
	a.FetchedAt = a.FetchedAt.UTC().Truncate(time.Microsecond)
	places := []vestiging.ActorPlace{}
	if a.Places != nil {
		places = a.Places
	}
	placesJSON, err := json.Marshal(places)
	if err != nil {
		return fmt.Errorf("upsert actor %s: %w", a.IRI, err)
	}
	defer db.lockWrites()()
	err = db.db.QueryRowContext(ctx, `INSERT INTO actors (iri, type, username, host, name, summary, url, inbox, shared_inbox,
		key_id, public_key_pem, icon_url, fetched_at, places) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (iri) DO UPDATE SET type = excluded.type, username = excluded.username, host = excluded.host,
		name = excluded.name, summary = excluded.summary, url = excluded.url, inbox = excluded.inbox,
		shared_inbox = excluded.shared_inbox, key_id = excluded.key_id, public_key_pem = excluded.public_key_pem,
		icon_url = excluded.icon_url, fetched_at = excluded.fetched_at, places = excluded.places
		RETURNING id`,
		a.IRI, a.Type, a.Username, a.Host, a.Name, a.Summary, a.URL, a.Inbox, a.SharedInbox,
		a.KeyID, a.PublicKeyPEM, a.IconURL, db.dialect.timeArg(a.FetchedAt), string(placesJSON)).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("upsert actor %s: %w", a.IRI, refine(db.mapError(err), vestiging.ECONFLICT,
			fmt.Sprintf("The key %s belongs to another actor.", a.KeyID), nil))
	}
	return nil
}

// actorNotFound turns the foreign key error of a missing actor into ENOTFOUND.
func actorNotFound(err error) error {
	if vestiging.ErrorCode(err) == vestiging.EINVALID {
		return &vestiging.Error{Code: vestiging.ENOTFOUND, Message: "Actor not found.", Err: err}
	}
	return err
}

// AddFollower records that an actor follows the library. Following again
// keeps the first date and remembers the newest Follow, which an Undo names.
func (db *DB) AddFollower(ctx context.Context, actorID int64, activityIRI string) error {
	defer db.lockWrites()()
	_, err := db.db.ExecContext(ctx, `INSERT INTO followers (actor_id, activity_iri, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (actor_id) DO UPDATE SET activity_iri = excluded.activity_iri`,
		actorID, activityIRI, db.dialect.timeArg(db.now()))
	if err != nil {
		return fmt.Errorf("add follower %d: %w", actorID, actorNotFound(db.mapError(err)))
	}
	return nil
}

// RemoveFollower ends a follow, or returns ENOTFOUND.
func (db *DB) RemoveFollower(ctx context.Context, actorID int64) error {
	return db.deleteOne(ctx, fmt.Sprintf("remove follower %d", actorID), "Not a follower.",
		`DELETE FROM followers WHERE actor_id = $1`, actorID)
}

// deleteOne runs a DELETE that must remove a row, else ENOTFOUND with msg.
func (db *DB) deleteOne(ctx context.Context, what, msg, query string, args ...any) error {
	defer db.lockWrites()()
	res, err := db.db.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, db.mapError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, db.mapError(err))
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, vestiging.Errorf(vestiging.ENOTFOUND, "%s", msg))
	}
	return nil
}

// page counts the rows of from (a FROM … WHERE clause) and, unless the page
// is beyond them, runs the select with LIMIT and OFFSET, calling scan per row.
func (db *DB) page(ctx context.Context, what, selectCols, from, order string, offset, limit int, scan func(scanner) error) (int, error) {
	offset, limit, err := vestiging.NormalizePage(offset, limit)
	if err != nil {
		return 0, err
	}
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) `+from).Scan(&total); err != nil {
		return 0, fmt.Errorf("count %s: %w", what, db.mapError(err))
	}
	if offset >= total {
		return total, nil
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+selectCols+` `+from+` ORDER BY `+order+` LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, db.mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return 0, fmt.Errorf("%s: %w", what, db.mapError(err))
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("%s: %w", what, db.mapError(err))
	}
	return total, nil
}

// Followers returns one page of followers, newest first, and the total.
func (db *DB) Followers(ctx context.Context, offset, limit int) ([]*vestiging.Follower, int, error) {
	out := []*vestiging.Follower{}
	total, err := db.page(ctx, "followers", `f.activity_iri, f.created_at, `+actorColumns,
		`FROM followers f JOIN actors a ON a.id = f.actor_id`, `f.created_at DESC, f.actor_id DESC`, offset, limit,
		func(row scanner) error {
			f := &vestiging.Follower{Actor: &vestiging.Actor{}}
			if err := row.Scan(append([]any{&f.ActivityIRI, scanTime(&f.CreatedAt)}, actorDest(f.Actor)...)...); err != nil {
				return err
			}
			out = append(out, f)
			return nil
		})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// FollowerInboxes lists every follower's delivery inbox once, in order:
// one shared inbox serves all followers on its server.
func (db *DB) FollowerInboxes(ctx context.Context) ([]string, error) {
	out := []string{}
	err := db.followerInboxes(ctx, db.db, func(page []string) error {
		out = append(out, page...)
		return nil
	})
	return out, err
}

// inboxPage is how many follower inboxes followerInboxes reads at once.
const inboxPage = 1000

// followerInboxes reads the followers' distinct delivery inboxes (the
// shared inbox where the actor has one), in order, a page at a time; fn
// may use the page only until it returns.
func (db *DB) followerInboxes(ctx context.Context, q querier, fn func(page []string) error) error {
	page := make([]string, 0, inboxPage)
	for after := ""; ; after = page[len(page)-1] {
		page = page[:0]
		rows, err := q.QueryContext(ctx, `SELECT DISTINCT inbox FROM (SELECT CASE WHEN a.shared_inbox <> '' THEN a.shared_inbox
			ELSE a.inbox END AS inbox FROM followers f JOIN actors a ON a.id = f.actor_id) i
			WHERE inbox > $1 ORDER BY inbox LIMIT $2`, after, inboxPage)
		if err != nil {
			return fmt.Errorf("follower inboxes: %w", db.mapError(err))
		}
		for rows.Next() {
			var inbox string
			if err := rows.Scan(&inbox); err != nil {
				rows.Close()
				return fmt.Errorf("follower inboxes: %w", db.mapError(err))
			}
			page = append(page, inbox)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("follower inboxes: %w", db.mapError(err))
		}
		if len(page) == 0 {
			return nil
		}
		if err := fn(page); err != nil {
			return err
		}
		if len(page) < inboxPage {
			return nil
		}
	}
}

// SetFollowing creates or updates the library's follow of f.Actor.
func (db *DB) SetFollowing(ctx context.Context, f *vestiging.Following) error {
	v := vestiging.Validation{}
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
	defer db.lockWrites()()
	err := db.db.QueryRowContext(ctx, `INSERT INTO following (actor_id, activity_iri, state, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) ON CONFLICT (actor_id) DO UPDATE SET activity_iri = excluded.activity_iri,
		state = excluded.state, updated_at = excluded.updated_at RETURNING created_at`,
		f.Actor.ID, f.ActivityIRI, f.State, t(now)).Scan(scanTime(&f.CreatedAt))
	if err != nil {
		return fmt.Errorf("set following %d: %w", f.Actor.ID, actorNotFound(db.mapError(err)))
	}
	f.UpdatedAt = now
	return nil
}

const followingColumns = `g.activity_iri, g.state, g.created_at, g.updated_at, ` + actorColumns

const followingFrom = `FROM following g JOIN actors a ON a.id = g.actor_id`

func scanFollowing(row scanner) (*vestiging.Following, error) {
	f := &vestiging.Following{Actor: &vestiging.Actor{}}
	err := row.Scan(append([]any{&f.ActivityIRI, &f.State, scanTime(&f.CreatedAt), scanTime(&f.UpdatedAt)},
		actorDest(f.Actor)...)...)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (db *DB) followingWhere(ctx context.Context, what, cond string, arg any) (*vestiging.Following, error) {
	f, err := scanFollowing(db.db.QueryRowContext(ctx, `SELECT `+followingColumns+` `+followingFrom+` WHERE `+cond, arg))
	if err != nil {
		return nil, fmt.Errorf("following %s: %w", what, notFound(db.mapError(err), "Not following."))
	}
	return f, nil
}

// FollowingByActor returns the library's follow of an actor, or ENOTFOUND.
func (db *DB) FollowingByActor(ctx context.Context, actorID int64) (*vestiging.Following, error) {
	return db.followingWhere(ctx, fmt.Sprint(actorID), "g.actor_id = $1", actorID)
}

// FollowingByActivity returns the follow sent as activityIRI, or ENOTFOUND.
func (db *DB) FollowingByActivity(ctx context.Context, activityIRI string) (*vestiging.Following, error) {
	return db.followingWhere(ctx, activityIRI, "g.activity_iri = $1", activityIRI)
}

// RemoveFollowing forgets the library's follow of an actor, or ENOTFOUND.
func (db *DB) RemoveFollowing(ctx context.Context, actorID int64) error {
	return db.deleteOne(ctx, fmt.Sprintf("remove following %d", actorID), "Not following.",
		`DELETE FROM following WHERE actor_id = $1`, actorID)
}

// Followings returns one page of the library's follows, newest first.
func (db *DB) Followings(ctx context.Context, offset, limit int) ([]*vestiging.Following, int, error) {
	out := []*vestiging.Following{}
	total, err := db.page(ctx, "followings", followingColumns, followingFrom, `g.created_at DESC, g.actor_id DESC`,
		offset, limit, func(row scanner) error {
			f, err := scanFollowing(row)
			if err != nil {
				return err
			}
			out = append(out, f)
			return nil
		})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

const activityColumns = `a.id, a.iri, a.type, a.object_iri, a.json, a.public, a.created_at`

func scanActivity(row scanner) (*vestiging.Activity, error) {
	a := &vestiging.Activity{}
	if err := row.Scan(&a.ID, &a.IRI, &a.Type, &a.ObjectIRI, &a.JSON, &a.Public, scanTime(&a.CreatedAt)); err != nil {
		return nil, err
	}
	return a, nil
}

// SaveActivity stores an outgoing activity and queues jobs with it, in one
// transaction. A stored IRI leaves everything as it was: saved is false.
func (db *DB) SaveActivity(ctx context.Context, a *vestiging.Activity, jobs []vestiging.JobArgs) (saved bool, err error) {
	return db.saveActivity(ctx, a, func(tx *sql.Tx) error { return db.insertJobs(ctx, tx, jobs...) })
}

// SaveActivityToFollowers is SaveActivity with a job deliver(inbox) for
// each of the followers' distinct delivery inboxes, queued a page at a time.
func (db *DB) SaveActivityToFollowers(ctx context.Context, a *vestiging.Activity, deliver func(inbox string) vestiging.JobArgs) (saved bool, err error) {
	return db.saveActivity(ctx, a, func(tx *sql.Tx) error {
		jobs := make([]vestiging.JobArgs, 0, inboxPage)
		return db.followerInboxes(ctx, tx, func(page []string) error {
			jobs = jobs[:0]
			for _, inbox := range page {
				jobs = append(jobs, deliver(inbox))
			}
			return db.insertJobs(ctx, tx, jobs...)
		})
	})
}

// saveActivity stores a and, when it is new, queues its jobs with queue,
// in one transaction.
func (db *DB) saveActivity(ctx context.Context, a *vestiging.Activity, queue func(tx *sql.Tx) error) (saved bool, err error) {
	v := vestiging.Validation{}
	if a.IRI == "" {
		v.Add("iri", "An activity needs an id.")
	}
	if a.Type == "" {
		v.Add("type", "An activity needs a type.")
	}
	if len(a.JSON) == 0 {
		v.Add("json", "An activity needs its JSON.")
	}
	if err := v.Err(); err != nil {
		return false, err
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = db.now()
	}
	a.CreatedAt = a.CreatedAt.UTC().Truncate(time.Microsecond)
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO activities (iri, type, object_iri, json, public, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (iri) DO NOTHING RETURNING id`,
			a.IRI, a.Type, a.ObjectIRI, string(a.JSON), a.Public, db.dialect.timeArg(a.CreatedAt)).Scan(&a.ID)
		if err == sql.ErrNoRows {
			return nil // stored before: its jobs were queued then
		}
		if err != nil {
			return db.mapError(err)
		}
		saved = true
		return queue(tx)
	})
	if err != nil {
		return false, fmt.Errorf("save activity %s: %w", a.IRI, err)
	}
	return saved, nil
}

// Activities returns one page of the public activities, newest first.
func (db *DB) Activities(ctx context.Context, offset, limit int) ([]*vestiging.Activity, int, error) {
	out := []*vestiging.Activity{}
	// The constant condition reads the outbox from its index, newest first.
	total, err := db.page(ctx, "activities", activityColumns, `FROM activities a WHERE a.public = `+db.dialect.boolTrue(),
		`a.created_at DESC, a.id DESC`, offset, limit, func(row scanner) error {
			a, err := scanActivity(row)
			if err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// ActivityByIRI returns a stored outgoing activity, or ENOTFOUND.
func (db *DB) ActivityByIRI(ctx context.Context, iri string) (*vestiging.Activity, error) {
	a, err := scanActivity(db.db.QueryRowContext(ctx, `SELECT `+activityColumns+` FROM activities a WHERE a.iri = $1`, iri))
	if err != nil {
		return nil, fmt.Errorf("activity %s: %w", iri, notFound(db.mapError(err), "Activity not found."))
	}
	return a, nil
}

// LastActivity returns the newest activity of type typ about objectIRI,
// or ENOTFOUND.
func (db *DB) LastActivity(ctx context.Context, objectIRI, typ string) (*vestiging.Activity, error) {
	a, err := scanActivity(db.db.QueryRowContext(ctx, `SELECT `+activityColumns+` FROM activities a
		WHERE a.object_iri = $1 AND a.type = $2 ORDER BY a.created_at DESC, a.id DESC LIMIT 1`, objectIRI, typ))
	if err != nil {
		return nil, fmt.Errorf("%s of %s: %w", typ, objectIRI, notFound(db.mapError(err), "Activity not found."))
	}
	return a, nil
}

// Incoming activity ids are remembered for seenRetention, long after
// senders stop redelivering, and the ids of deleted remote objects for
// tombstoneRetention, long after a late Create of them could come. FirstSeen
// and DeleteRemoteObject forget older ones at most once per pruneEvery, so
// the tables stay small without a job of their own.
const (
	seenRetention      = 30 * 24 * time.Hour
	tombstoneRetention = 90 * 24 * time.Hour
	pruneEvery         = time.Hour
)

// prune deletes the rows of table whose column is older than retention,
// unless this process did so less than pruneEvery ago (last holds when,
// in Unix ns). table and column are ours, never input.
func (db *DB) prune(ctx context.Context, last *atomic.Int64, table, column string, retention time.Duration) error {
	now := db.now()
	was := last.Load()
	if now.Sub(time.Unix(0, was)) < pruneEvery || !last.CompareAndSwap(was, now.UnixNano()) {
		return nil
	}
	defer db.lockWrites()()
	if _, err := db.db.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+column+` < $1`, db.dialect.timeArg(now.Add(-retention))); err != nil {
		return fmt.Errorf("forget old %s: %w", table, db.mapError(err))
	}
	return nil
}

// FirstSeen records an incoming activity id; true the first time only.
func (db *DB) FirstSeen(ctx context.Context, activityIRI string) (bool, error) {
	if activityIRI == "" {
		return false, vestiging.Errorf(vestiging.EINVALID, "An activity needs an id.")
	}
	if err := db.prune(ctx, &db.seenPruned, "inbox_seen", "seen_at", seenRetention); err != nil {
		return false, err
	}
	now := db.now()
	unlock := db.lockWrites()
	res, err := db.db.ExecContext(ctx, `INSERT INTO inbox_seen (activity_iri, seen_at) VALUES ($1, $2)
		ON CONFLICT (activity_iri) DO NOTHING`, activityIRI, db.dialect.timeArg(now))
	unlock()
	if err != nil {
		return false, fmt.Errorf("first seen %s: %w", activityIRI, db.mapError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("first seen %s: %w", activityIRI, db.mapError(err))
	}
	return n == 1, nil
}

// UpsertRemoteEvent stores a remote event by IRI, keeping its ID when it is
// stored already. A deleted IRI (unless published again since) and a
// version older than the stored one are refused with ECONFLICT, an event
// stored as another origin's with EFORBIDDEN (nothing moves an event's
// origin), and nothing changes.
func (db *DB) UpsertRemoteEvent(ctx context.Context, e *vestiging.Event) error {
	v := vestiging.Validation{}
	if !e.Remote() {
		v.Add("iri", "A remote event needs its id.")
	}
	if e.OriginID == nil {
		v.Add("origin_id", "A remote event needs its origin.")
	}
	if e.BranchID != nil || e.PlaceID != nil {
		v.Add("branch_id", "A remote event takes place at no branch or place of ours.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return err
	}
	prepareEvent(e)
	e.RemoteUpdatedAt = e.RemoteUpdatedAt.UTC().Truncate(time.Microsecond)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.refuseDeleted(ctx, tx, e.IRI, e.RemoteUpdatedAt, "This event was deleted.", *e.OriginID); err != nil {
			return err
		}
		var stored time.Time
		var origin int64
		err := tx.QueryRowContext(ctx, `SELECT id, origin_id, remote_updated_at FROM events WHERE iri = $1`, e.IRI).
			Scan(&e.ID, &origin, scanNullTime(&stored))
		switch {
		case err == sql.ErrNoRows:
			return db.insertEvent(ctx, tx, e)
		case err != nil:
			return db.mapError(err)
		case origin != *e.OriginID:
			return vestiging.Errorf(vestiging.EFORBIDDEN, "This event belongs to another actor.")
		case e.RemoteUpdatedAt.IsZero():
			e.RemoteUpdatedAt = stored
		case e.RemoteUpdatedAt.Before(stored):
			return vestiging.Errorf(vestiging.ECONFLICT, "A newer version of the event is stored.")
		}
		return db.updateEvent(ctx, tx, e)
	})
	if err != nil {
		e.ID = 0
		return fmt.Errorf("upsert remote event %s: %w", e.IRI, refine(err, vestiging.EINVALID,
			"The event's origin or theme is not known.", nil))
	}
	return nil
}

// refuseDeleted takes iri's lock for the rest of tx (see lockKey) and
// returns ECONFLICT with msg when one of owners (actor ids: who is storing
// iri) deleted it, unless version (the origin's time of what is being
// stored) is after the deletion: the origin published it again, as an
// event back from a draft or an offer approved again after an edit, and
// the tombstone goes. A late copy from before the deletion stays out. A
// tombstone left by anyone else does not count: nobody deletes another's
// future objects.
func (db *DB) refuseDeleted(ctx context.Context, tx *sql.Tx, iri string, version time.Time, msg string, owners ...int64) error {
	if err := db.dialect.lockKey(ctx, tx, iri); err != nil {
		return db.mapError(err)
	}
	ids := make([]any, 0, len(owners)+1)
	ids = append(ids, iri)
	by := `t.iri = $1 AND (t.actor_iri = ''`
	if len(owners) > 0 {
		for _, id := range owners {
			ids = append(ids, id)
		}
		by += ` OR t.actor_iri IN (SELECT a.iri FROM actors a WHERE a.id IN (` + placeholders(2, len(owners)) + `))`
	}
	by += `)`
	var deletedAt time.Time
	err := tx.QueryRowContext(ctx, `SELECT MAX(t.deleted_at) FROM tombstones t WHERE `+by, ids...).Scan(scanNullTime(&deletedAt))
	switch {
	case err != nil:
		return db.mapError(err)
	case deletedAt.IsZero():
		return nil
	case !version.IsZero() && version.After(deletedAt):
		_, err := tx.ExecContext(ctx, `DELETE FROM tombstones AS t WHERE `+by, ids...)
		return db.mapError(err)
	}
	return vestiging.Errorf(vestiging.ECONFLICT, "%s", msg)
}

// DeleteRemoteObject removes the remote event, offer, reply or actor stored
// under iri that by owns: an event of which it is the origin, an offer it
// wrote or announced, a reply it wrote, or by itself. It remembers iri as
// deleted by by (for tombstoneRetention), so a late Create of by's cannot
// bring it back. What by does not own stays as it is; deleting twice, or
// what was never stored, is fine.
func (db *DB) DeleteRemoteObject(ctx context.Context, iri string, by *vestiging.Actor) error {
	if iri == "" || by == nil || by.ID == 0 || by.IRI == "" {
		return vestiging.Errorf(vestiging.EINVALID, "Give the id of what to delete, and who deletes it.")
	}
	if err := db.prune(ctx, &db.tombstonesPruned, "tombstones", "deleted_at", tombstoneRetention); err != nil {
		return err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.dialect.lockKey(ctx, tx, iri); err != nil {
			return db.mapError(err)
		}
		queries := []string{`DELETE FROM replies WHERE iri = $1 AND actor_id = $2`,
			`DELETE FROM offers WHERE iri = $1 AND (author_actor_id = $2 OR origin_id = $2)`,
			`DELETE FROM events WHERE iri = $1 AND origin_id = $2`}
		if iri == by.IRI {
			// An actor that goes gives up its places here first.
			if _, err := db.cancelAllOf(ctx, tx, "actor_id", by.ID); err != nil {
				return err
			}
			queries = append(queries, `DELETE FROM actors WHERE iri = $1 AND id = $2`)
		}
		for _, q := range queries {
			if _, err := tx.ExecContext(ctx, q, iri, by.ID); err != nil {
				return db.mapError(err)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO tombstones (iri, actor_iri, deleted_at) VALUES ($1, $2, $3)
			ON CONFLICT (iri, actor_iri) DO NOTHING`, iri, by.IRI, db.dialect.timeArg(db.now()))
		return db.mapError(err)
	})
	if err != nil {
		return fmt.Errorf("delete remote %s by %s: %w", iri, by.IRI, err)
	}
	return nil
}

const hostColumns = `host, failures, first_failure, last_failure, last_success, retry_after, unavailable_since, last_error`

func scanHost(row scanner) (*vestiging.Host, error) {
	h := &vestiging.Host{}
	err := row.Scan(&h.Host, &h.Failures, scanNullTime(&h.FirstFailure), scanNullTime(&h.LastFailure),
		scanNullTime(&h.LastSuccess), scanNullTime(&h.RetryAfter), scanNullTime(&h.UnavailableSince), &h.LastError)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// Hosts lists the health of every host delivered to, by name.
func (db *DB) Hosts(ctx context.Context) ([]*vestiging.Host, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+hostColumns+` FROM hosts ORDER BY host`)
	if err != nil {
		return nil, fmt.Errorf("hosts: %w", db.mapError(err))
	}
	defer rows.Close()
	out := []*vestiging.Host{}
	for rows.Next() {
		h, err := scanHost(rows)
		if err != nil {
			return nil, fmt.Errorf("hosts: %w", db.mapError(err))
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("hosts: %w", db.mapError(err))
	}
	return out, nil
}

// HostByName returns a host's health, or ENOTFOUND when never delivered to.
func (db *DB) HostByName(ctx context.Context, host string) (*vestiging.Host, error) {
	h, err := scanHost(db.db.QueryRowContext(ctx, `SELECT `+hostColumns+` FROM hosts WHERE host = $1`, strings.ToLower(host)))
	if err != nil {
		return nil, fmt.Errorf("host %s: %w", host, notFound(db.mapError(err), "Host not known."))
	}
	return h, nil
}

// RecordDelivery applies Host.RecordSuccess or RecordFailure to the stored
// state under a row lock, so concurrent deliveries to one host all count.
func (db *DB) RecordDelivery(ctx context.Context, host string, at time.Time, deliveryErr error) (*vestiging.Host, error) {
	host = strings.ToLower(host)
	if host == "" {
		return nil, vestiging.Errorf(vestiging.EINVALID, "Give a host.")
	}
	at = at.UTC().Truncate(time.Microsecond)
	var h *vestiging.Host
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO hosts (host) VALUES ($1) ON CONFLICT (host) DO NOTHING`, host); err != nil {
			return db.mapError(err)
		}
		var err error
		h, err = scanHost(tx.QueryRowContext(ctx, `SELECT `+hostColumns+` FROM hosts WHERE host = $1`+db.dialect.forUpdate(), host))
		if err != nil {
			return db.mapError(err)
		}
		if deliveryErr != nil {
			h.RecordFailure(at, deliveryErr)
		} else {
			h.RecordSuccess(at)
		}
		t := db.dialect.nullTimeArg
		_, err = tx.ExecContext(ctx, `UPDATE hosts SET failures = $2, first_failure = $3, last_failure = $4,
			last_success = $5, retry_after = $6, unavailable_since = $7, last_error = $8 WHERE host = $1`,
			host, h.Failures, t(h.FirstFailure), t(h.LastFailure), t(h.LastSuccess), t(h.RetryAfter), t(h.UnavailableSince), h.LastError)
		return db.mapError(err)
	})
	if err != nil {
		return nil, fmt.Errorf("record delivery to %s: %w", host, err)
	}
	return h, nil
}

// ClaimHostTrial moves retry_after from was to until only if no other
// call has moved it since: the row's own compare-and-set, no transaction.
func (db *DB) ClaimHostTrial(ctx context.Context, host string, was, until time.Time) (bool, error) {
	defer db.lockWrites()()
	res, err := db.db.ExecContext(ctx, `UPDATE hosts SET retry_after = $3 WHERE host = $1 AND retry_after = $2`,
		strings.ToLower(host), db.dialect.timeArg(was), db.dialect.timeArg(until))
	if err != nil {
		return false, fmt.Errorf("claim trial of %s: %w", host, db.mapError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim trial of %s: %w", host, db.mapError(err))
	}
	return n == 1, nil
}

// DomainRules lists the block and allow rules by host. The inbox asks on
// every request: the list is kept for a while (see readCache).
func (db *DB) DomainRules(ctx context.Context) ([]*vestiging.DomainRule, error) {
	return db.rules.get(func() ([]*vestiging.DomainRule, error) { return db.readDomainRules(ctx) })
}

func (db *DB) readDomainRules(ctx context.Context) ([]*vestiging.DomainRule, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT host, mode, reason, created_at FROM domain_rules ORDER BY host`)
	if err != nil {
		return nil, fmt.Errorf("domain rules: %w", db.mapError(err))
	}
	defer rows.Close()
	out := []*vestiging.DomainRule{}
	for rows.Next() {
		r := &vestiging.DomainRule{}
		if err := rows.Scan(&r.Host, &r.Mode, &r.Reason, scanTime(&r.CreatedAt)); err != nil {
			return nil, fmt.Errorf("domain rules: %w", db.mapError(err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("domain rules: %w", db.mapError(err))
	}
	return out, nil
}

// SetDomainRule validates and stores a rule, replacing one for the same host.
func (db *DB) SetDomainRule(ctx context.Context, r *vestiging.DomainRule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	defer db.rules.forget()
	defer db.lockWrites()()
	if err := db.putDomainRule(ctx, db.db, r); err != nil {
		return fmt.Errorf("set domain rule %s: %w", r.Host, err)
	}
	return nil
}

func (db *DB) putDomainRule(ctx context.Context, q querier, r *vestiging.DomainRule) error {
	err := q.QueryRowContext(ctx, `INSERT INTO domain_rules (host, mode, reason, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (host) DO UPDATE SET mode = excluded.mode, reason = excluded.reason RETURNING created_at`,
		r.Host, r.Mode, r.Reason, db.dialect.timeArg(db.now())).Scan(scanTime(&r.CreatedAt))
	return db.mapError(err)
}

// RemoveDomainRule deletes the rule for host, or returns ENOTFOUND.
func (db *DB) RemoveDomainRule(ctx context.Context, host string) error {
	host = strings.ToLower(strings.TrimSpace(host))
	defer db.rules.forget()
	return db.deleteOne(ctx, "remove domain rule "+host, "No rule for this host.",
		`DELETE FROM domain_rules WHERE host = $1`, host)
}
