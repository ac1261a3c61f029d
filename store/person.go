package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/vestiging/vestiging"
)

const personColumns = `p.id, p.email, p.display_name, p.password_hash, p.role, p.created_at`

func scanPerson(row scanner) (*vestiging.Person, error) {
	p := &vestiging.Person{}
	if err := row.Scan(&p.ID, &p.Email, &p.DisplayName, &p.PasswordHash, &p.Role, scanTime(&p.CreatedAt)); err != nil {
		return nil, err
	}
	return p, nil
}

// Person returns one person, or ENOTFOUND.
func (db *DB) Person(ctx context.Context, id int64) (*vestiging.Person, error) {
	p, err := scanPerson(db.db.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people p WHERE p.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("person %d: %w", id, notFound(db.mapError(err), "Person not found."))
	}
	return p, nil
}

// PersonByEmail finds a person by email, ignoring case and surrounding space.
func (db *DB) PersonByEmail(ctx context.Context, email string) (*vestiging.Person, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	p, err := scanPerson(db.db.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people p WHERE p.email = $1`, email))
	if err != nil {
		return nil, fmt.Errorf("person by email: %w", notFound(db.mapError(err), "No account with this email address."))
	}
	return p, nil
}

// CreatePerson validates and stores a person; a taken email is ECONFLICT.
func (db *DB) CreatePerson(ctx context.Context, p *vestiging.Person) error {
	if err := p.Validate(); err != nil {
		return err
	}
	now := db.now()
	err := db.db.QueryRowContext(ctx, `INSERT INTO people (email, display_name, password_hash, role, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, p.Email, p.DisplayName, p.PasswordHash, p.Role, db.dialect.timeArg(now)).Scan(&p.ID)
	if err != nil {
		err = refine(db.mapError(err), vestiging.ECONFLICT, "An account with this email address already exists.",
			map[string]string{"email": "This email address is already in use."})
		return fmt.Errorf("create person: %w", err)
	}
	p.CreatedAt = now
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
