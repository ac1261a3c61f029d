package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
)

const personColumns = `p.id, p.email, p.display_name, p.password_hash, p.role, p.created_at,
	COALESCE(p.handle, ''), p.discoverable, p.confirmed_at, COALESCE(p.feed_token_hash, '')`

func scanPerson(row scanner) (*vestiging.Person, error) {
	p := &vestiging.Person{}
	var confirmed time.Time
	if err := row.Scan(&p.ID, &p.Email, &p.DisplayName, &p.PasswordHash, &p.Role, scanTime(&p.CreatedAt),
		&p.Handle, &p.Discoverable, scanNullTime(&confirmed), &p.FeedTokenHash); err != nil {
		return nil, err
	}
	if !confirmed.IsZero() {
		p.ConfirmedAt = &confirmed
	}
	return p, nil
}

// personWhere returns the one person matching cond (on alias p), or ENOTFOUND with msg.
func (db *DB) personWhere(ctx context.Context, what, msg, cond string, arg any) (*vestiging.Person, error) {
	p, err := scanPerson(db.db.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people p WHERE `+cond, arg))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, notFound(db.mapError(err), msg))
	}
	return p, nil
}

// Person returns one person, or ENOTFOUND.
func (db *DB) Person(ctx context.Context, id int64) (*vestiging.Person, error) {
	return db.personWhere(ctx, fmt.Sprintf("person %d", id), "Person not found.", `p.id = $1`, id)
}

// PersonByEmail finds a person by email, ignoring case and surrounding space.
func (db *DB) PersonByEmail(ctx context.Context, email string) (*vestiging.Person, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	return db.personWhere(ctx, "person by email", "No account with this email address.", `p.email = $1`, email)
}

// PersonByHandle finds a person by handle, ignoring case and a leading "@".
func (db *DB) PersonByHandle(ctx context.Context, handle string) (*vestiging.Person, error) {
	handle = vestiging.NormalizeHandle(handle)
	if handle == "" {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "No account with this name.")
	}
	return db.personWhere(ctx, "person by handle", "No account with this name.", `p.handle = $1`, handle)
}

// PeopleByRole lists everyone with role, by name, at most MaxPageSize.
func (db *DB) PeopleByRole(ctx context.Context, role string) ([]*vestiging.Person, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+personColumns+` FROM people p WHERE p.role = $1
		ORDER BY LOWER(p.display_name), p.id LIMIT $2`, role, vestiging.MaxPageSize)
	if err != nil {
		return nil, fmt.Errorf("people with role %s: %w", role, db.mapError(err))
	}
	defer rows.Close()
	people := []*vestiging.Person{}
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, fmt.Errorf("people with role %s: %w", role, db.mapError(err))
		}
		people = append(people, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("people with role %s: %w", role, db.mapError(err))
	}
	return people, nil
}

// PersonByFeedHash finds the owner of a personal feed by its token's hash.
func (db *DB) PersonByFeedHash(ctx context.Context, hash string) (*vestiging.Person, error) {
	if hash == "" {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "Unknown feed.")
	}
	return db.personWhere(ctx, "person by feed token", "Unknown feed.", `p.feed_token_hash = $1`, hash)
}

// SetFeedHash replaces a person's feed token (its hash).
func (db *DB) SetFeedHash(ctx context.Context, personID int64, hash string) error {
	if hash == "" {
		return vestiging.Errorf(vestiging.EINVALID, "A feed token is required.")
	}
	var id int64
	err := db.db.QueryRowContext(ctx, `UPDATE people SET feed_token_hash = $2 WHERE id = $1 RETURNING id`, personID, hash).Scan(&id)
	if err != nil {
		return fmt.Errorf("set feed token of person %d: %w", personID, notFound(db.mapError(err), "Person not found."))
	}
	return nil
}

// handleTaken is the conflict of a handle someone else has.
var handleTaken = &vestiging.Error{Code: vestiging.ECONFLICT, Message: "Please correct the marked fields.",
	Fields: map[string]string{"handle": "This name is already taken."}}

// checkHandle fails with handleTaken when another person has p's handle,
// so the conflict names the right field; the unique index still decides races.
func (db *DB) checkHandle(ctx context.Context, tx *sql.Tx, p *vestiging.Person) error {
	if p.Handle == "" {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM people WHERE handle = $1 AND id <> $2`, p.Handle, p.ID).Scan(&n); err != nil {
		return db.mapError(err)
	}
	if n > 0 {
		return handleTaken
	}
	return nil
}

// personWriteError names the email field in a conflict left after checkHandle.
func personWriteError(err error) error {
	return refine(err, vestiging.ECONFLICT, "An account with this email address already exists.",
		map[string]string{"email": "This email address is already in use."})
}

// CreatePerson validates and stores a person; a taken email or handle is
// ECONFLICT. They have no personal feed until they make one (SetFeedHash).
func (db *DB) CreatePerson(ctx context.Context, p *vestiging.Person) error {
	if err := p.Validate(); err != nil {
		return err
	}
	now := db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.checkHandle(ctx, tx, p); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO people (email, display_name, password_hash, role, created_at,
			handle, discoverable, confirmed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			p.Email, p.DisplayName, p.PasswordHash, p.Role, db.dialect.timeArg(now),
			nullString(p.Handle), p.Discoverable, db.nullTimePtr(p.ConfirmedAt)).Scan(&p.ID)
		return personWriteError(db.mapError(err))
	})
	if err != nil {
		return fmt.Errorf("create person: %w", err)
	}
	p.CreatedAt = now
	return nil
}

// nullTimePtr binds an optional time, truncated as the store keeps it.
func (db *DB) nullTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return db.dialect.timeArg(*t)
}

// UpdatePerson validates and saves a person's fields but ID and CreatedAt.
func (db *DB) UpdatePerson(ctx context.Context, p *vestiging.Person) error {
	if err := p.Validate(); err != nil {
		return err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.checkHandle(ctx, tx, p); err != nil {
			return err
		}
		var name string
		var handle sql.NullString
		var discoverable bool
		err := tx.QueryRowContext(ctx, `SELECT display_name, handle, discoverable FROM people WHERE id = $1`+db.dialect.forUpdate(), p.ID).
			Scan(&name, &handle, &discoverable)
		if err != nil {
			return notFound(db.mapError(err), "Person not found.")
		}
		err = tx.QueryRowContext(ctx, `UPDATE people SET email = $2, display_name = $3, password_hash = $4, role = $5,
			handle = $6, discoverable = $7, confirmed_at = $8 WHERE id = $1 RETURNING created_at, COALESCE(feed_token_hash, '')`,
			p.ID, p.Email, p.DisplayName, p.PasswordHash, p.Role, nullString(p.Handle), p.Discoverable,
			db.nullTimePtr(p.ConfirmedAt)).Scan(scanTime(&p.CreatedAt), &p.FeedTokenHash)
		if err != nil {
			return notFound(personWriteError(db.mapError(err)), "Person not found.")
		}
		// Their actor shows the name and whether they may be found.
		if p.Handle == "" || handle.String != p.Handle || name == p.DisplayName && discoverable == p.Discoverable {
			return nil
		}
		return db.insertJobs(ctx, tx, vestiging.ActorUpdateJob{PersonID: p.ID, At: db.now()})
	})
	if err != nil {
		return fmt.Errorf("update person %d: %w", p.ID, err)
	}
	if p.ConfirmedAt != nil {
		t := p.ConfirmedAt.UTC().Truncate(time.Microsecond)
		p.ConfirmedAt = &t
	}
	return nil
}

// DeletePerson removes a person; the foreign keys cascade to their offers,
// replies, sessions, tokens and follows. Followers heard of their approved
// offers and replies, so each gets a Delete, which names its author since
// the rows are gone when it is sent; a person with a handle was an actor,
// so federation hears of that too, with their registrations at other
// libraries to leave. Their places go to the waitlists first; their
// registrations stay, cancelled and without them.
func (db *DB) DeletePerson(ctx context.Context, id int64) error {
	now := db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var handle sql.NullString
		author := &vestiging.Author{PersonID: id}
		err := tx.QueryRowContext(ctx, `SELECT handle, role FROM people WHERE id = $1`+db.dialect.forUpdate(), id).Scan(&handle, &author.Role)
		if err != nil {
			return notFound(db.mapError(err), "Person not found.")
		}
		author.Handle = handle.String
		var jobs []vestiging.JobArgs
		for _, posts := range []struct{ object, query, status string }{
			{publishOffer, `SELECT id FROM offers WHERE author_id = $1 AND status = $2 ORDER BY id`, vestiging.OfferApproved},
			{publishReply, `SELECT id FROM replies WHERE person_id = $1 AND status = $2 ORDER BY id`, vestiging.ReplyApproved},
		} {
			ids, err := db.ids(ctx, tx, posts.query, id, posts.status)
			if err != nil {
				return err
			}
			for _, post := range ids {
				jobs = append(jobs, vestiging.PublishJob{Object: posts.object, ID: post, Action: "Delete", At: now, Author: author})
			}
		}
		elsewhere, err := db.cancelAllOf(ctx, tx, "person_id", id)
		if err != nil {
			return err
		}
		if author.Handle != "" {
			jobs = append(jobs, vestiging.PersonDeletedJob{PersonID: id, Handle: author.Handle, At: now, Left: elsewhere, Posted: len(jobs) > 0})
		}
		// Their answers go with them; the registrations stay for the counts.
		if _, err := tx.ExecContext(ctx, eraseAnswersSQL+`r.person_id = $1)`, id); err != nil {
			return db.mapError(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM people WHERE id = $1`, id); err != nil {
			return db.mapError(err)
		}
		return db.insertJobs(ctx, tx, jobs...)
	})
	if err != nil {
		return fmt.Errorf("delete person %d: %w", id, err)
	}
	return nil
}

// CreateToken stores an email token's hash.
func (db *DB) CreateToken(ctx context.Context, t *vestiging.Token) error {
	v := vestiging.Validation{}
	if t.Hash == "" {
		v.Add("hash", "This field is required.")
	}
	if t.PersonID == 0 {
		v.Add("person_id", "This field is required.")
	}
	if t.Purpose != vestiging.TokenConfirm && t.Purpose != vestiging.TokenReset {
		v.Add("purpose", "Purpose must be confirm or reset.")
	}
	if t.ExpiresAt.IsZero() {
		v.Add("expires_at", "This field is required.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	_, err := db.db.ExecContext(ctx, `INSERT INTO person_tokens (hash, person_id, purpose, created_at, expires_at, used_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, t.Hash, t.PersonID, t.Purpose, db.dialect.timeArg(db.now()),
		db.dialect.timeArg(t.ExpiresAt), db.dialect.nullTimeArg(t.UsedAt))
	if err != nil {
		return fmt.Errorf("create token: %w", refine(db.mapError(err), vestiging.EINVALID, "No such person.", nil))
	}
	return nil
}

// badLink is the one answer to an unknown, expired or used token: which of
// them it was is no business of whoever holds the link.
var badLink = vestiging.Errorf(vestiging.EINVALID,
	"This link is not valid: it has expired or was used already. Ask for a new one.")

// UseToken spends a token and returns its person; see vestiging.PersonService.
func (db *DB) UseToken(ctx context.Context, hash, purpose string) (*vestiging.Person, error) {
	now := db.now()
	var p *vestiging.Person
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var personID int64
		// The conditional UPDATE is the single-use check: of two
		// concurrent uses only one finds used_at still NULL.
		err := tx.QueryRowContext(ctx, `UPDATE person_tokens SET used_at = $3
			WHERE hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING person_id`,
			hash, purpose, db.dialect.timeArg(now)).Scan(&personID)
		if err != nil {
			if err = db.mapError(err); vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
				return badLink
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE person_tokens SET used_at = $3
			WHERE person_id = $1 AND purpose = $2 AND used_at IS NULL`, personID, purpose, db.dialect.timeArg(now)); err != nil {
			return db.mapError(err)
		}
		if purpose == vestiging.TokenConfirm {
			if _, err := tx.ExecContext(ctx, `UPDATE people SET confirmed_at = $2 WHERE id = $1 AND confirmed_at IS NULL`,
				personID, db.dialect.timeArg(now)); err != nil {
				return db.mapError(err)
			}
		}
		p, err = scanPerson(tx.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people p WHERE p.id = $1`, personID))
		return db.mapError(err)
	})
	if err != nil {
		return nil, fmt.Errorf("use %s token: %w", purpose, err)
	}
	return p, nil
}

// PersonSessions lists a person's unexpired sessions, newest first.
func (db *DB) PersonSessions(ctx context.Context, personID int64) ([]*vestiging.LoginSession, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT token_hash, person_id, created_at, expires_at FROM login_sessions
		WHERE person_id = $1 AND expires_at > $2 ORDER BY created_at DESC, token_hash`, personID, db.dialect.timeArg(db.now()))
	if err != nil {
		return nil, fmt.Errorf("sessions of person %d: %w", personID, db.mapError(err))
	}
	defer rows.Close()
	out := []*vestiging.LoginSession{}
	for rows.Next() {
		s := &vestiging.LoginSession{}
		if err := rows.Scan(&s.TokenHash, &s.PersonID, scanTime(&s.CreatedAt), scanTime(&s.ExpiresAt)); err != nil {
			return nil, fmt.Errorf("sessions of person %d: %w", personID, db.mapError(err))
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sessions of person %d: %w", personID, db.mapError(err))
	}
	return out, nil
}

// DeleteSessions signs a person out everywhere.
func (db *DB) DeleteSessions(ctx context.Context, personID int64) error {
	if _, err := db.db.ExecContext(ctx, `DELETE FROM login_sessions WHERE person_id = $1`, personID); err != nil {
		return fmt.Errorf("delete sessions of person %d: %w", personID, db.mapError(err))
	}
	return nil
}

// CreateSession stores a login session; CreatedAt defaults to now.
func (db *DB) CreateSession(ctx context.Context, s *vestiging.LoginSession) error {
	v := vestiging.Validation{}
	if s.TokenHash == "" {
		v.Add("token_hash", "This field is required.")
	}
	if s.PersonID == 0 {
		v.Add("person_id", "This field is required.")
	}
	if s.ExpiresAt.IsZero() {
		v.Add("expires_at", "This field is required.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = db.now()
	}
	_, err := db.db.ExecContext(ctx, `INSERT INTO login_sessions (token_hash, person_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4)`, s.TokenHash, s.PersonID, db.dialect.timeArg(s.CreatedAt), db.dialect.timeArg(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create session: %w", refine(db.mapError(err), vestiging.EINVALID, "No such person.", nil))
	}
	return nil
}

// SessionPerson returns the person of an unexpired session, or ENOTFOUND.
func (db *DB) SessionPerson(ctx context.Context, tokenHash string) (*vestiging.Person, error) {
	p, err := scanPerson(db.db.QueryRowContext(ctx, `SELECT `+personColumns+` FROM login_sessions s
		JOIN people p ON p.id = s.person_id WHERE s.token_hash = $1 AND s.expires_at > $2`,
		tokenHash, db.dialect.timeArg(db.now())))
	if err != nil {
		return nil, fmt.Errorf("session: %w", notFound(db.mapError(err), "Session expired or unknown."))
	}
	return p, nil
}

// DeleteSession ends a session. Ending an unknown or already ended session
// is not an error: signing out twice must not fail.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := db.db.ExecContext(ctx, `DELETE FROM login_sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", db.mapError(err))
	}
	return nil
}
