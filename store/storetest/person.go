package storetest

import (
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// person stores a resident with a placeholder hash; hashing a real
// password costs 64 MiB and tests do not need it.
func person(t *testing.T, db *store.DB, email, name string) *vestiging.Person {
	t.Helper()
	p := &vestiging.Person{Email: email, DisplayName: name, PasswordHash: "$argon2id$test"}
	if err := db.CreatePerson(t.Context(), p); err != nil {
		t.Fatalf("create person %s: %v", email, err)
	}
	return p
}

func testPeople(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		before := time.Now()
		p := person(t, db, " Anna@Example.NL ", "Anna")
		if p.ID == 0 || p.Email != "anna@example.nl" || p.Role != vestiging.RoleResident {
			t.Errorf("after create: %+v", p)
		}
		between(t, "CreatedAt", p.CreatedAt, before, time.Now())
		got, err := db.Person(t.Context(), p.ID)
		if err != nil {
			t.Fatalf("person: %v", err)
		}
		same(t, "person", got, p)
		got, err = db.PersonByEmail(t.Context(), "ANNA@example.nl ")
		if err != nil {
			t.Fatalf("by email: %v", err)
		}
		same(t, "person by email", got, p)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		db := open(t)
		person(t, db, "anna@example.nl", "Anna")
		_, err := db.Person(t.Context(), 999)
		wantCode(t, err, vestiging.ENOTFOUND)
		_, err = db.PersonByEmail(t.Context(), "bert@example.nl")
		wantCode(t, err, vestiging.ENOTFOUND)
	})
	t.Run("ErrConflict", func(t *testing.T) {
		db := open(t)
		person(t, db, "anna@example.nl", "Anna")
		err := db.CreatePerson(t.Context(), &vestiging.Person{Email: "ANNA@example.nl", PasswordHash: "x"})
		wantCode(t, err, vestiging.ECONFLICT)
		if vestiging.FieldErrors(err)["email"] == "" {
			t.Errorf("conflict %v does not name the email field", err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		for _, p := range []*vestiging.Person{
			{Email: "geen adres", PasswordHash: "x"},
			{Email: "anna@example.nl"},
			{Email: "anna@example.nl", PasswordHash: "x", Role: "king"},
		} {
			wantCode(t, db.CreatePerson(t.Context(), p), vestiging.EINVALID)
		}
		_, err := db.PersonByEmail(t.Context(), "anna@example.nl")
		wantCode(t, err, vestiging.ENOTFOUND)
	})
}

func testSessions(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		p := person(t, db, "anna@example.nl", "Anna")
		s := &vestiging.LoginSession{TokenHash: "hash-1", PersonID: p.ID, ExpiresAt: time.Now().Add(time.Hour)}
		if err := db.CreateSession(t.Context(), s); err != nil {
			t.Fatalf("create session: %v", err)
		}
		got, err := db.SessionPerson(t.Context(), "hash-1")
		if err != nil {
			t.Fatalf("session person: %v", err)
		}
		same(t, "session person", got, p)
		if err := db.DeleteSession(t.Context(), "hash-1"); err != nil {
			t.Fatalf("delete: %v", err)
		}
		_, err = db.SessionPerson(t.Context(), "hash-1")
		wantCode(t, err, vestiging.ENOTFOUND)
		if err := db.DeleteSession(t.Context(), "hash-1"); err != nil {
			t.Errorf("second delete: %v, want nil (signing out twice is fine)", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		db := open(t)
		p := person(t, db, "anna@example.nl", "Anna")
		expired := &vestiging.LoginSession{TokenHash: "old", PersonID: p.ID, CreatedAt: time.Now().Add(-2 * time.Hour),
			ExpiresAt: time.Now().Add(-time.Second)}
		if err := db.CreateSession(t.Context(), expired); err != nil {
			t.Fatalf("create session: %v", err)
		}
		for _, token := range []string{"old", "unknown", ""} {
			_, err := db.SessionPerson(t.Context(), token)
			wantCode(t, err, vestiging.ENOTFOUND)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		db := open(t)
		p := person(t, db, "anna@example.nl", "Anna")
		s := vestiging.LoginSession{TokenHash: "same", PersonID: p.ID, ExpiresAt: time.Now().Add(time.Hour)}
		if err := db.CreateSession(t.Context(), &s); err != nil {
			t.Fatalf("create session: %v", err)
		}
		wantCode(t, db.CreateSession(t.Context(), &s), vestiging.ECONFLICT)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		wantCode(t, db.CreateSession(t.Context(), &vestiging.LoginSession{TokenHash: "x", PersonID: 999, ExpiresAt: time.Now().Add(time.Hour)}), vestiging.EINVALID)
		wantCode(t, db.CreateSession(t.Context(), &vestiging.LoginSession{PersonID: 1}), vestiging.EINVALID)
	})
}
