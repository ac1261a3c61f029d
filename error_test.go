package vestiging

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestError(t *testing.T) {
	cause := errors.New("disk full")
	tests := []struct {
		name        string
		err         error
		wantString  string
		wantCode    string
		wantMessage string
		wantFields  map[string]string
	}{
		{"Nil", nil, "", "", "Internal error.", nil},
		{"Plain", errors.New("boom"), "boom", EINTERNAL, "Internal error.", nil},
		{"Errorf", Errorf(ENOTFOUND, "event %d not found", 7), "not_found: event 7 not found", ENOTFOUND, "event 7 not found", nil},
		{"Wrapped", fmt.Errorf("event 7: %w", Errorf(ECONFLICT, "taken")), "event 7: conflict: taken", ECONFLICT, "taken", nil},
		{"InternalHidden", &Error{Code: EINTERNAL, Message: "sql: syntax error near SELECT", Err: cause},
			"internal: sql: syntax error near SELECT: disk full", EINTERNAL, "Internal error.", nil},
		{"NoMessage", &Error{Code: EFORBIDDEN}, "forbidden", EFORBIDDEN, "Internal error.", nil},
		{"Fields", &Error{Code: EINVALID, Message: "Fix it.", Fields: map[string]string{"title": "Required.", "email": "Bad."}},
			"invalid: Fix it.; email: Bad.; title: Required.", EINVALID, "Fix it.", map[string]string{"title": "Required.", "email": "Bad."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err != nil {
				if got := tt.err.Error(); got != tt.wantString {
					t.Errorf("Error(): got %q, want %q", got, tt.wantString)
				}
			}
			if got := ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("ErrorCode: got %q, want %q", got, tt.wantCode)
			}
			if got := ErrorMessage(tt.err); got != tt.wantMessage {
				t.Errorf("ErrorMessage: got %q, want %q", got, tt.wantMessage)
			}
			if got := FieldErrors(tt.err); !reflect.DeepEqual(got, tt.wantFields) {
				t.Errorf("FieldErrors: got %v, want %v", got, tt.wantFields)
			}
		})
	}

	t.Run("Unwrap", func(t *testing.T) {
		err := fmt.Errorf("ctx: %w", &Error{Code: EUNAVAILABLE, Message: "down", Err: cause})
		if !errors.Is(err, cause) {
			t.Error("errors.Is does not reach the cause")
		}
	})
}

func TestValidation(t *testing.T) {
	t.Run("Empty", func(t *testing.T) {
		if err := (Validation{}).Err(); err != nil {
			t.Errorf("got %v, want nil", err)
		}
	})
	t.Run("FirstMessageWins", func(t *testing.T) {
		v := Validation{}
		v.Add("title", "first")
		v.Add("title", "second")
		err := v.Err()
		if got, want := ErrorCode(err), EINVALID; got != want {
			t.Errorf("code: got %q, want %q", got, want)
		}
		if got, want := FieldErrors(err)["title"], "first"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}
