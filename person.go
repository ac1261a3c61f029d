package vestiging

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// Roles of people.
const (
	RoleResident = "resident"
	RoleStaff    = "staff"
	RoleAdmin    = "admin"
)

// Person is someone with an account: a resident, staff or an administrator.
type Person struct {
	ID           int64
	Email        string // stored lower-case; unique
	DisplayName  string
	PasswordHash string
	Role         string
	CreatedAt    time.Time
}

// IsStaff reports whether the person may manage the library.
func (p *Person) IsStaff() bool {
	return p != nil && (p.Role == RoleStaff || p.Role == RoleAdmin)
}

// MinPasswordLength follows NIST SP 800-63B's minimum for chosen passwords.
const MinPasswordLength = 8

// SetPassword validates and hashes a new password.
func (p *Person) SetPassword(password string) error {
	if len(password) < MinPasswordLength {
		return &Error{Code: EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"password": "Use at least 8 characters."}}
	}
	if len(password) > 1000 {
		return &Error{Code: EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"password": "This text is too long."}}
	}
	h, err := HashPassword(password)
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
	if !isOneOf(p.Role, RoleResident, RoleStaff, RoleAdmin) {
		v.Add("role", "Role must be resident, staff or admin.")
	}
	if p.PasswordHash == "" {
		v.Add("password", "This field is required.")
	}
	return v.Err()
}

// PersonService stores people.
type PersonService interface {
	Person(ctx context.Context, id int64) (*Person, error)
	PersonByEmail(ctx context.Context, email string) (*Person, error)
	// CreatePerson fails with ECONFLICT when the email is taken.
	CreatePerson(ctx context.Context, p *Person) error
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
