package vestiging

import (
	"strings"
	"testing"
)

// hashed is a placeholder hash: Validate only checks that one is set, and
// hashing for real in every case would make the tests slow.
const hashed = "$argon2id$placeholder"

func TestPersonValidate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		p := &Person{Email: "  Anna.DeJong@Voorbeeld.Example ", DisplayName: " Anna ", PasswordHash: hashed}
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		if got, want := p.Email, "anna.dejong@voorbeeld.example"; got != want {
			t.Errorf("email: got %q, want %q", got, want)
		}
		if got, want := p.Role, RoleResident; got != want {
			t.Errorf("role: got %q, want %q", got, want)
		}
		if got, want := p.DisplayName, "Anna"; got != want {
			t.Errorf("name: got %q, want %q", got, want)
		}
	})
	tests := []struct {
		name   string
		person Person
		field  string
	}{
		{"BadEmail", Person{Email: "anna", PasswordHash: hashed}, "email"},
		{"EmailWithName", Person{Email: "Anna <anna@x.example>", PasswordHash: hashed}, "email"},
		{"LongEmail", Person{Email: strings.Repeat("a", 250) + "@x.example", PasswordHash: hashed}, "email"},
		{"LongName", Person{Email: "a@x.example", DisplayName: strings.Repeat("x", 101), PasswordHash: hashed}, "display_name"},
		{"BadRole", Person{Email: "a@x.example", Role: "root", PasswordHash: hashed}, "role"},
		{"NoPassword", Person{Email: "a@x.example"}, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertField(t, tt.person.Validate(), tt.field)
		})
	}
}

func TestPersonSetPassword(t *testing.T) {
	tests := []struct {
		name     string
		password string
		wantErr  bool
	}{
		{"OK", "correct horse", false},
		{"Short", "1234567", true},
		{"Long", strings.Repeat("x", 1001), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Person
			err := p.SetPassword(tt.password)
			if tt.wantErr {
				assertField(t, err, "password")
				if p.PasswordHash != "" {
					t.Error("a refused password was hashed")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !CheckPassword(p.PasswordHash, tt.password) {
				t.Error("the stored hash does not match the password")
			}
		})
	}
}

func TestPersonIsStaff(t *testing.T) {
	tests := []struct {
		person *Person
		want   bool
	}{
		{nil, false},
		{&Person{Role: RoleResident}, false},
		{&Person{Role: RoleStaff}, true},
		{&Person{Role: RoleAdmin}, true},
	}
	for _, tt := range tests {
		if got := tt.person.IsStaff(); got != tt.want {
			t.Errorf("%+v: got %v, want %v", tt.person, got, tt.want)
		}
	}
}
