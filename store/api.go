package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
)

var _ vestiging.APIService = (*DB)(nil)

const apiTokenColumns = `t.id, t.name, t.token_hash, t.scopes, COALESCE(t.created_by, 0), COALESCE(p.display_name, ''),
	t.created_at, t.expires_at, t.last_used_at, t.revoked_at`

func scanAPIToken(row scanner) (*vestiging.APIToken, error) {
	t := &vestiging.APIToken{}
	var scopes string
	var used, revoked time.Time
	err := row.Scan(&t.ID, &t.Name, &t.Hash, &scopes, &t.CreatedBy, &t.CreatedByName, scanTime(&t.CreatedAt), scanTime(&t.ExpiresAt),
		scanNullTime(&used), scanNullTime(&revoked))
	if err != nil {
		return nil, err
	}
	t.Scopes = strings.Fields(scopes)
	t.LastUsedAt, t.RevokedAt = timePtr(used), timePtr(revoked)
	return t, nil
}

// CreateAPIToken stores a token's hash and writes the audit entry in the
// same transaction.
func (db *DB) CreateAPIToken(ctx context.Context, t *vestiging.APIToken, by *vestiging.AuditEntry) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = db.now()
	}
	if err := t.Validate(); err != nil {
		return err
	}
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC().Truncate(time.Microsecond), t.ExpiresAt.UTC().Truncate(time.Microsecond)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (name, token_hash, scopes, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, t.Name, t.Hash, strings.Join(t.Scopes, " "), nullID(t.CreatedBy),
			db.dialect.timeArg(t.CreatedAt), db.dialect.timeArg(t.ExpiresAt)).Scan(&t.ID)
		if err != nil {
			return refine(db.mapError(err), vestiging.EINVALID, "The staff member does not exist.", nil)
		}
		return db.audit(ctx, tx, by, "token.create", fmt.Sprintf("API token %d (%s)", t.ID, t.Name), strings.Join(t.Scopes, " "))
	})
	if err != nil {
		t.ID = 0
		return fmt.Errorf("create API token %q: %w", t.Name, err)
	}
	return nil
}

// APITokens lists every token, newest first.
func (db *DB) APITokens(ctx context.Context) ([]*vestiging.APIToken, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens t LEFT JOIN people p ON p.id = t.created_by
		ORDER BY t.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("API tokens: %w", db.mapError(err))
	}
	defer rows.Close()
	out := []*vestiging.APIToken{}
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, fmt.Errorf("API tokens: %w", db.mapError(err))
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("API tokens: %w", db.mapError(err))
	}
	return out, nil
}

// APITokenByHash finds a token by its hash, whatever its state.
func (db *DB) APITokenByHash(ctx context.Context, hash string) (*vestiging.APIToken, error) {
	t, err := scanAPIToken(db.db.QueryRowContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens t
		LEFT JOIN people p ON p.id = t.created_by WHERE t.token_hash = $1`, hash))
	if err != nil {
		return nil, fmt.Errorf("API token: %w", notFound(db.mapError(err), "Unknown API token."))
	}
	return t, nil
}

// RevokeAPIToken revokes a token and writes the audit entry in the same
// transaction.
func (db *DB) RevokeAPIToken(ctx context.Context, id int64, by *vestiging.AuditEntry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var name string
		var revoked time.Time
		err := tx.QueryRowContext(ctx, `SELECT name, revoked_at FROM api_tokens WHERE id = $1`+db.dialect.forUpdate(), id).
			Scan(&name, scanNullTime(&revoked))
		if err != nil {
			return notFound(db.mapError(err), "Unknown API token.")
		}
		if !revoked.IsZero() {
			return vestiging.Errorf(vestiging.EINVALID, "This API token was revoked already.")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE id = $1`, id, db.dialect.timeArg(db.now())); err != nil {
			return db.mapError(err)
		}
		return db.audit(ctx, tx, by, "token.revoke", fmt.Sprintf("API token %d (%s)", id, name), "")
	})
	if err != nil {
		return fmt.Errorf("revoke API token %d: %w", id, err)
	}
	return nil
}

// TouchAPIToken notes a use; the write is skipped while the last one is
// less than a minute old, so a busy client does not write per request.
func (db *DB) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	defer db.lockWrites()()
	_, err := db.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $2
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)`, id, db.dialect.timeArg(at), db.dialect.timeArg(at.Add(-time.Minute)))
	if err != nil {
		return fmt.Errorf("touch API token %d: %w", id, db.mapError(err))
	}
	return nil
}

// IdempotentResponse returns the answer stored for the key in the window.
func (db *DB) IdempotentResponse(ctx context.Context, k *vestiging.Idempotency) (*vestiging.IdempotentResponse, error) {
	r := &vestiging.IdempotentResponse{}
	var event sql.NullInt64
	err := db.db.QueryRowContext(ctx, `SELECT fingerprint, status, body, event_id, created_at FROM api_idempotency
		WHERE token_id = $1 AND key = $2 AND created_at >= $3`, k.TokenID, k.Key, db.dialect.timeArg(db.now().Add(-vestiging.IdempotencyWindow))).
		Scan(&r.Fingerprint, &r.Status, &r.Body, &event, scanTime(&r.CreatedAt))
	if err != nil {
		return nil, fmt.Errorf("idempotency key: %w", notFound(db.mapError(err), "No answer is stored for this key."))
	}
	r.EventID = event.Int64
	return r, nil
}

// idempotencyRetention: keys are kept a little past their window, then
// forgotten.
const idempotencyRetention = vestiging.IdempotencyWindow + time.Hour

// SaveIdempotentResponse stores the answer for the key, or completes the
// row CreateEventOnce wrote. A row of an expired key is replaced.
func (db *DB) SaveIdempotentResponse(ctx context.Context, k *vestiging.Idempotency, status int, body []byte) error {
	if err := db.prune(ctx, &db.idempotencyPruned, "api_idempotency", "created_at", idempotencyRetention); err != nil {
		return err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error { return db.storeIdempotency(ctx, tx, k, status, body, 0) })
	if err != nil {
		return fmt.Errorf("save idempotent answer: %w", err)
	}
	return nil
}

// storeIdempotency writes the key's row in tx: it completes the row
// CreateEventOnce wrote (same fingerprint, no body yet), takes over a row
// older than the window, or inserts one. Any other row of the key is
// ECONFLICT.
func (db *DB) storeIdempotency(ctx context.Context, tx *sql.Tx, k *vestiging.Idempotency, status int, body []byte, eventID int64) error {
	now := db.now()
	cutoff := db.dialect.timeArg(now.Add(-vestiging.IdempotencyWindow))
	if body != nil {
		res, err := tx.ExecContext(ctx, `UPDATE api_idempotency SET body = $4 WHERE token_id = $1 AND key = $2
			AND fingerprint = $3 AND body IS NULL AND created_at >= $5`, k.TokenID, k.Key, k.Fingerprint, body, cutoff)
		if n, err := affected(res, err); err != nil || n == 1 {
			return db.mapError(err)
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO api_idempotency (token_id, key, fingerprint, status, body, event_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (token_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, status = excluded.status,
			body = excluded.body, event_id = excluded.event_id, created_at = excluded.created_at
		WHERE api_idempotency.created_at < $8`,
		k.TokenID, k.Key, k.Fingerprint, status, body, nullID(eventID), db.dialect.timeArg(now), cutoff)
	n, err := affected(res, err)
	if err != nil {
		return db.mapError(err)
	}
	if n == 0 {
		return vestiging.Errorf(vestiging.ECONFLICT, "A request with this Idempotency-Key was answered already.")
	}
	return nil
}

// affected returns the rows an Exec changed.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CreateEventOnce creates the event and stores the key in one
// transaction; a fresh key stored before is ECONFLICT and nothing is made.
func (db *DB) CreateEventOnce(ctx context.Context, e *vestiging.Event, k *vestiging.Idempotency) error {
	if err := validateLocal(e); err != nil {
		return err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.insertLocalEvent(ctx, tx, e); err != nil {
			return err
		}
		return db.storeIdempotency(ctx, tx, k, 201, nil, e.ID)
	})
	if err != nil {
		e.ID = 0
		return fmt.Errorf("create event: %w", err)
	}
	return nil
}
