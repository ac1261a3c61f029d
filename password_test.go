package vestiging

import (
	"strings"
	"testing"
)

func TestPassword(t *testing.T) {
	hash, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("got %q, want a PHC argon2id string", hash)
	}
	again, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if again == hash {
		t.Error("two hashes of one password are equal; the salt is not random")
	}
	parts := strings.Split(hash, "$")
	tests := []struct {
		name     string
		hash     string
		password string
		want     bool
	}{
		{"OK", hash, "correct horse battery", true},
		{"OtherSalt", again, "correct horse battery", true},
		{"Wrong", hash, "correct horse battery!", false},
		{"Empty", hash, "", false},
		{"EmptyHash", "", "correct horse battery", false},
		{"Bcrypt", "$2a$10$abcdefghijklmnopqrstuuM3h7m6zVJTQ2vCOmO9WZ1y5ICJSk3Ku", "x", false},
		{"BadParams", strings.Replace(hash, "m=65536,t=3,p=2", "m=x", 1), "correct horse battery", false},
		{"BadSalt", strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$"), "correct horse battery", false},
		{"NoKey", strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], ""}, "$"), "", false},
		{"TooFewParts", "$argon2id$v=19$m=65536,t=3,p=2$abc", "correct horse battery", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckPassword(tt.hash, tt.password); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
