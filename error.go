package vestiging

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes. Every layer maps its own failures onto these, so the web
// can pick an HTTP status and a message without knowing the store.
const (
	ECONFLICT     = "conflict"     // duplicate email, second server on one database, …
	EINTERNAL     = "internal"     // a bug or an unreachable dependency
	EINVALID      = "invalid"      // input failed validation
	ENOTFOUND     = "not_found"    // no such record
	EUNAUTHORIZED = "unauthorized" // not signed in, or wrong credentials
	EFORBIDDEN    = "forbidden"    // signed in but not allowed
	ETOOLARGE     = "too_large"    // a body or field over its limit
	EUNAVAILABLE  = "unavailable"  // a dependency (database, remote) does not answer
	ETOOMANY      = "too_many"     // rate limited
	ENOTIMPLEMENT = "not_implemented"
)

// Error is the one domain error. Message is safe to show to the user;
// Fields holds per-field messages for forms.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
	Err     error // underlying cause, never shown to users
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "; %s: %s", k, e.Fields[k])
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted user-facing message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain,
// EINTERNAL for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message, hiding internal details.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL && e.Message != "" {
		return e.Message
	}
	return "Internal error."
}

// FieldErrors returns the per-field messages of a validation error, or nil.
func FieldErrors(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Validation collects field errors; Err returns nil when there are none.
type Validation map[string]string

// Add records msg for field unless the field already has a message.
func (v Validation) Add(field, msg string) {
	if _, ok := v[field]; !ok {
		v[field] = msg
	}
}

// Err returns an EINVALID *Error holding the fields, or nil.
func (v Validation) Err() error {
	if len(v) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Please correct the marked fields.", Fields: v}
}
