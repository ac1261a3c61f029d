package vestiging

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Roles of people.
const (
	RoleResident = "resident"
	RoleStaff    = "staff"
	RoleAdmin    = "admin"
	// RolePartner: a local organisation (a welfare group, a language
	// school). Its DisplayName is the organisation's name; its events and
	// offers wait for staff approval and name it as organiser.
	RolePartner = "partner"
)

// Person is someone with an account: a resident, staff or an administrator.
type Person struct {
	ID           int64
	Email        string // stored lower-case; unique
	DisplayName  string
	PasswordHash string
	Role         string
	CreatedAt    time.Time

	// Handle is the resident's name in the federation (@handle@host),
	// chosen at sign-up; staff created on the command line have none ("").
	Handle string
	// Discoverable: others may find the resident (search, directory).
	Discoverable bool
	// ConfirmedAt is when the email address was confirmed; nil: not yet.
	ConfirmedAt *time.Time
	// FeedTokenHash is the hash (HashToken) of the secret in the personal
	// iCalendar feed's URL, "" while the person has made none. The token
	// itself is shown once, when it is made (PersonService.SetFeedHash).
	FeedTokenHash string
}

// Confirmed reports whether the person confirmed their email address.
func (p *Person) Confirmed() bool { return p != nil && p.ConfirmedAt != nil }

// IsStaff reports whether the person may run the library's programme and
// moderation: staff and administrators.
func (p *Person) IsStaff() bool {
	return p != nil && (p.Role == RoleStaff || p.Role == RoleAdmin)
}

// IsAdmin reports whether the person may also change what the library is
// and who works for it: its profile and branches, partners, domain rules
// and people's roles.
func (p *Person) IsAdmin() bool { return p != nil && p.Role == RoleAdmin }

// IsPartner reports whether the person is a partner organisation.
func (p *Person) IsPartner() bool { return p != nil && p.Role == RolePartner }

// MinPasswordLength follows NIST SP 800-63B's minimum for chosen passwords.
const MinPasswordLength = 8

// SetPassword validates and hashes a new password; see HashPassword for ctx.
func (p *Person) SetPassword(ctx context.Context, password string) error {
	if len(password) < MinPasswordLength {
		return &Error{Code: EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"password": "Use at least 8 characters."}}
	}
	if len(password) > 1000 {
		return &Error{Code: EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"password": "This text is too long."}}
	}
	h, err := HashPassword(ctx, password)
	if err != nil {
		return err
	}
	p.PasswordHash = h
	return nil
}

// Validate checks and normalises a person.
func (p *Person) Validate() error {
	v := Validation{}
	p.Email = strings.ToLower(strings.TrimSpace(p.Email))
	if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email || len(p.Email) > 254 {
		v.Add("email", "Enter a valid email address.")
	}
	p.DisplayName = strings.TrimSpace(p.DisplayName)
	checkText(v, "display_name", p.DisplayName, false, 100)
	if p.Role == "" {
		p.Role = RoleResident
	}
	if !isOneOf(p.Role, RoleResident, RolePartner, RoleStaff, RoleAdmin) {
		v.Add("role", "Role must be resident, partner, staff or admin.")
	}
	if p.PasswordHash == "" {
		v.Add("password", "This field is required.")
	}
	p.Handle = NormalizeHandle(p.Handle)
	if p.Handle != "" {
		if msg := CheckHandle(p.Handle); msg != "" {
			v.Add("handle", msg)
		}
	}
	return v.Err()
}

var handlePattern = regexp.MustCompile(`^[a-z0-9_]{2,30}$`)

// ReservedHandles are names residents cannot take: they would be mistaken
// for the library, for staff, or for paths of the site and ActivityPub.
var ReservedHandles = []string{
	"about", "account", "actor", "admin", "administrator", "agenda", "api", "bibliotheek", "feed", "feeds",
	"followers", "following", "help", "inbox", "info", "library", "login", "logout", "mail", "medewerker",
	"network", "nodeinfo", "noreply", "offers", "outbox", "password", "postmaster", "root", "signup", "staff",
	"static", "support", "system", "users", "webmaster", "www",
}

// NormalizeHandle lower-cases a handle and drops spaces and a leading "@".
func NormalizeHandle(h string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "@"))
}

// CheckHandle returns why a normalised handle cannot be used, or "".
func CheckHandle(h string) string {
	switch {
	case h == "":
		return "This field is required."
	case !handlePattern.MatchString(h):
		return "Use 2 to 30 characters: lower-case letters, digits and _."
	case slices.Contains(ReservedHandles, h):
		return "This name is reserved; choose another."
	}
	return ""
}

// Purposes of email tokens.
const (
	TokenConfirm = "confirm" // confirms the email address
	TokenReset   = "reset"   // resets a forgotten password
)

// Lifetimes of email tokens.
const (
	ConfirmTokenLifetime = 48 * time.Hour
	ResetTokenLifetime   = time.Hour
)

// Token is a single-use link sent by email. Only a SHA-256 hash of the
// random token is stored, so a copy of the database opens no account.
type Token struct {
	Hash      string
	PersonID  int64
	Purpose   string
	ExpiresAt time.Time
	UsedAt    time.Time // zero until used
}

// NewToken returns a random token for a link (256 bits, URL-safe) and the
// hash to store.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the hex SHA-256 of a token: what the store keeps and looks up.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// PersonDeletedJob tells federation that a resident's account is gone, so
// it sends Delete for their actor. The store queues it in the same
// transaction as the delete; it carries the handle because the row is gone.
type PersonDeletedJob struct {
	PersonID int64     `json:"person_id"`
	Handle   string    `json:"handle"`
	At       time.Time `json:"at"`
	// Left are their registrations at other libraries' events, cancelled
	// with the account: each library gets the actor's Leave.
	Left []int64 `json:"left,omitempty"`
	// Posted: they had offers or replies out, whose Deletes (PublishJobs
	// queued with this one) their key signs, and whose readers, the
	// library's followers, get the actor's Delete too.
	Posted bool `json:"posted,omitempty"`
}

// Kind implements JobArgs.
func (PersonDeletedJob) Kind() string { return "person_deleted" }

// PersonService stores people.
type PersonService interface {
	Person(ctx context.Context, id int64) (*Person, error)
	PersonByEmail(ctx context.Context, email string) (*Person, error)
	// PersonByHandle finds a person by handle, or ENOTFOUND.
	PersonByHandle(ctx context.Context, handle string) (*Person, error)
	// PersonByFeedHash finds the owner of the personal feed whose token
	// has this hash, or ENOTFOUND.
	PersonByFeedHash(ctx context.Context, hash string) (*Person, error)
	// SetFeedHash gives the person a new personal feed token (its hash);
	// the old one stops working. ENOTFOUND when the person is gone.
	SetFeedHash(ctx context.Context, personID int64, hash string) error
	// PeopleByRole lists everyone with a role (the partner organisations
	// for the staff), by name; at most MaxPageSize.
	PeopleByRole(ctx context.Context, role string) ([]*Person, error)
	// CreatePerson fails with ECONFLICT when the email or handle is taken.
	CreatePerson(ctx context.Context, p *Person) error
	// UpdatePerson validates and saves every field but ID, CreatedAt and
	// FeedTokenHash; ECONFLICT when the email or handle is taken, ENOTFOUND
	// when gone. A
	// resident's changed display name or discoverability queues an
	// ActorUpdateJob in the same transaction.
	UpdatePerson(ctx context.Context, p *Person) error
	// DeletePerson removes the person and all their personal data (offers,
	// replies, sessions, tokens, follows), cancels their registrations, and
	// queues a Delete of each published offer and reply and, when they had
	// a handle, PersonDeletedJob, in one transaction.
	DeletePerson(ctx context.Context, id int64) error

	// CreateToken stores an email token (its hash).
	CreateToken(ctx context.Context, t *Token) error
	// UseToken spends a token of the purpose and returns its person. It is
	// atomic and single use: an unknown, expired or used token is EINVALID
	// and changes nothing. Using it also spends the person's other tokens
	// of that purpose, and a TokenConfirm sets ConfirmedAt.
	UseToken(ctx context.Context, hash, purpose string) (*Person, error)
	// DeleteSessions signs the person out everywhere.
	DeleteSessions(ctx context.Context, personID int64) error
	// PersonSessions lists the person's unexpired sessions, newest first.
	PersonSessions(ctx context.Context, personID int64) ([]*LoginSession, error)
}

// LoginSession is a signed-in browser session. Only a hash of its token is stored.
type LoginSession struct {
	TokenHash string
	PersonID  int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionService keeps login sessions in the database, so every server
// process sharing it knows them.
type SessionService interface {
	CreateSession(ctx context.Context, s *LoginSession) error
	// SessionPerson returns the person of an unexpired session, or ENOTFOUND.
	SessionPerson(ctx context.Context, tokenHash string) (*Person, error)
	DeleteSession(ctx context.Context, tokenHash string) error
}
