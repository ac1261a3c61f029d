package vestiging

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Scopes of API tokens: what a library's own systems may do through the
// API. Reading the public agenda needs no token at all.
const (
	ScopeEventsRead         = "events:read"         // drafts too
	ScopeEventsWrite        = "events:write"        // create, change, publish, cancel
	ScopeRegistrationsRead  = "registrations:read"  // who signed up, and the export
	ScopeRegistrationsWrite = "registrations:write" // check-in
	ScopeOffersModerate     = "offers:moderate"     // the queue, approve and reject
	ScopeStatsRead          = "stats:read"          // the statistics
)

// Scopes lists every scope, in the order forms show them.
var Scopes = []string{ScopeEventsRead, ScopeEventsWrite, ScopeRegistrationsRead, ScopeRegistrationsWrite,
	ScopeOffersModerate, ScopeStatsRead}

// Limits of API tokens.
const (
	DefaultTokenLifetime = 90 * 24 * time.Hour
	MaxTokenLifetime     = 2 * 365 * 24 * time.Hour
	// APITokenPrefix starts every token, so secret scanners and people
	// recognise one that leaked into a repository or a log.
	APITokenPrefix = "vst_"
)

// APIToken lets another system use the API with the scopes it was given,
// until it expires or is revoked. Only a hash of the token is stored: the
// token itself is shown once, when it is made.
type APIToken struct {
	ID         int64
	Name       string // what it is for, e.g. "Website CMS"
	Scopes     []string
	Hash       string // HashToken of the token
	CreatedBy  int64  // the admin; 0 for the command line
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt *time.Time // to the minute
	RevokedAt  *time.Time

	CreatedByName string // filled on read
}

// NewAPIToken returns a random token (256 bits after the prefix) and the
// hash to store.
func NewAPIToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	token = APITokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// Validate checks and normalises a token before it is stored.
func (t *APIToken) Validate() error {
	v := Validation{}
	t.Name = strings.TrimSpace(t.Name)
	checkText(v, "name", t.Name, true, 100)
	checkChoices(v, "scopes", &t.Scopes, Scopes, "Choose at least one scope.")
	switch {
	case t.ExpiresAt.IsZero():
		v.Add("expires", "Choose when the token expires.")
	case !t.ExpiresAt.After(t.CreatedAt):
		v.Add("expires", "The token must expire in the future.")
	case t.ExpiresAt.Sub(t.CreatedAt) > MaxTokenLifetime+24*time.Hour:
		v.Add("expires", "A token lasts at most two years.")
	}
	if t.Hash == "" {
		v.Add("token", "A token needs its hash.")
	}
	return v.Err()
}

// checkChoices checks that list holds at least one of allowed (none is
// the message when it is empty) and nothing else, and sorts it without
// repeats.
func checkChoices(v Validation, field string, list *[]string, allowed []string, none string) {
	if len(*list) == 0 {
		v.Add(field, none)
	}
	for _, s := range *list {
		if !slices.Contains(allowed, s) {
			v.Add(field, "Unknown choice.")
		}
	}
	slices.Sort(*list)
	*list = slices.Compact(*list)
}

// Has reports whether the token carries scope; a nil token has none.
func (t *APIToken) Has(scope string) bool { return t != nil && slices.Contains(t.Scopes, scope) }

// Check refuses a revoked or expired token (EUNAUTHORIZED, saying which).
func (t *APIToken) Check(now time.Time) error {
	switch {
	case t.RevokedAt != nil:
		return Errorf(EUNAUTHORIZED, "This API token was revoked.")
	case !now.Before(t.ExpiresAt):
		return Errorf(EUNAUTHORIZED, "This API token has expired.")
	}
	return nil
}

// ParseScopes reads a comma- or space-separated list of scopes.
func ParseScopes(s string) ([]string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if !slices.Contains(Scopes, f) {
			return nil, Errorf(EINVALID, "Unknown scope %q; the scopes are %s.", f, strings.Join(Scopes, ", "))
		}
		out = append(out, f)
	}
	return out, nil
}

// ParseLifetime reads a token's lifetime in days, as "90d" or "90".
func ParseLifetime(s string) (time.Duration, error) {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(s), "d"))
	if err != nil || n < 1 || time.Duration(n)*24*time.Hour > MaxTokenLifetime {
		return 0, Errorf(EINVALID, "Give the lifetime in days, such as 90d, at most 730d.")
	}
	return time.Duration(n) * 24 * time.Hour, nil
}

// IdempotencyWindow is how long an Idempotency-Key is remembered.
const IdempotencyWindow = 24 * time.Hour

// Idempotency names one POST by its token and Idempotency-Key, and what
// was sent (Fingerprint, a hash of method, path and body), so a repeat
// with the key gets the first answer and a different request with it is
// refused.
type Idempotency struct {
	TokenID     int64
	Key         string
	Fingerprint string
}

// Validate checks the key as a client sent it.
func (k *Idempotency) Validate() error {
	if k.Key == "" || len(k.Key) > 255 || strings.ContainsFunc(k.Key, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return &Error{Code: EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"Idempotency-Key": "Use 1 to 255 visible ASCII characters, such as a UUID."}}
	}
	return nil
}

// IdempotentResponse is the stored answer to a POST with an
// Idempotency-Key. EventID is the event it created, when it did: stored
// in the event's own transaction, it holds even when the process stopped
// before Body was saved, and the answer is then the event as it is.
type IdempotentResponse struct {
	Fingerprint string
	Status      int
	Body        []byte // nil until saved
	EventID     int64
	CreatedAt   time.Time
}

// APIService keeps API tokens and what idempotent requests answered.
type APIService interface {
	// CreateAPIToken stores a token (its hash) with the audit entry, in
	// one transaction, and fills ID.
	CreateAPIToken(ctx context.Context, t *APIToken, by *AuditEntry) error
	// APITokens lists every token, newest first.
	APITokens(ctx context.Context) ([]*APIToken, error)
	// APITokenByHash finds a token, revoked and expired ones too, or ENOTFOUND.
	APITokenByHash(ctx context.Context, hash string) (*APIToken, error)
	// RevokeAPIToken revokes a token with the audit entry, in one
	// transaction; revoking it again is EINVALID.
	RevokeAPIToken(ctx context.Context, id int64, by *AuditEntry) error
	// TouchAPIToken notes a use; it writes at most once a minute per token.
	TouchAPIToken(ctx context.Context, id int64, at time.Time) error

	// IdempotentResponse returns the answer stored for the key within the
	// IdempotencyWindow, or ENOTFOUND.
	IdempotentResponse(ctx context.Context, k *Idempotency) (*IdempotentResponse, error)
	// SaveIdempotentResponse stores (or completes) the answer for the key.
	SaveIdempotentResponse(ctx context.Context, k *Idempotency, status int, body []byte) error
	// CreateEventOnce is CreateEvent that stores the key, with status 201
	// and the event's id, in the event's transaction: a key stored before
	// is ECONFLICT and creates nothing.
	CreateEventOnce(ctx context.Context, e *Event, k *Idempotency) error
}
