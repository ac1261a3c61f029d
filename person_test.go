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
		{"ShortHandle", Person{Email: "a@x.example", PasswordHash: hashed, Handle: "a"}, "handle"},
		{"LongHandle", Person{Email: "a@x.example", PasswordHash: hashed, Handle: strings.Repeat("a", 31)}, "handle"},
		{"HandleWithDot", Person{Email: "a@x.example", PasswordHash: hashed, Handle: "anna.j"}, "handle"},
		{"HandleWithAccent", Person{Email: "a@x.example", PasswordHash: hashed, Handle: "anné"}, "handle"},
		{"ReservedHandle", Person{Email: "a@x.example", PasswordHash: hashed, Handle: "Agenda"}, "handle"},
		{"ReservedHandleAdmin", Person{Email: "a@x.example", PasswordHash: hashed, Handle: "admin"}, "handle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertField(t, tt.person.Validate(), tt.field)
		})
	}
}

func TestPersonHandle(t *testing.T) {
	tests := []struct{ in, want string }{
		{" @Anna_1 ", "anna_1"},
		{"", ""},
		{"jo", "jo"},
		{strings.Repeat("a", 30), strings.Repeat("a", 30)},
	}
	for _, tt := range tests {
		p := &Person{Email: "a@x.example", PasswordHash: hashed, Handle: tt.in}
		if err := p.Validate(); err != nil {
			t.Errorf("%q: %v", tt.in, err)
		}
		if got := p.Handle; got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewToken(t *testing.T) {
	token, hash := NewToken()
	other, _ := NewToken()
	if len(token) != 43 || token == other {
		t.Errorf("tokens %q and %q: want two different 43-character tokens", token, other)
	}
	if got, want := hash, HashToken(token); got != want || len(got) != 64 {
		t.Errorf("hash: got %q, want %q (64 hex digits)", got, want)
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
			err := p.SetPassword(t.Context(), tt.password)
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
			if ok, err := CheckPassword(t.Context(), p.PasswordHash, tt.password); !ok || err != nil {
				t.Error("the stored hash does not match the password")
			}
		})
	}
}

func TestPersonIsStaff(t *testing.T) {
	tests := []struct {
		person       *Person
		staff, admin bool
	}{
		{nil, false, false},
		{&Person{Role: RoleResident}, false, false},
		{&Person{Role: RolePartner}, false, false},
		{&Person{Role: RoleStaff}, true, false},
		{&Person{Role: RoleAdmin}, true, true},
	}
	for _, tt := range tests {
		if got := tt.person.IsStaff(); got != tt.staff {
			t.Errorf("%+v: staff %v, want %v", tt.person, got, tt.staff)
		}
		if got := tt.person.IsAdmin(); got != tt.admin {
			t.Errorf("%+v: admin %v, want %v", tt.person, got, tt.admin)
		}
	}
}
