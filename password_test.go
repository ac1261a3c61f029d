package vestiging

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestPassword(t *testing.T) {
	hash, err := HashPassword(t.Context(), "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("got %q, want a PHC argon2id string", hash)
	}
	again, err := HashPassword(t.Context(), "correct horse battery")
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
			if got, err := CheckPassword(t.Context(), tt.hash, tt.password); got != tt.want || err != nil {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// TestPasswordSlots: no more hashes run at once than there are cores; a
// hash waiting for a slot gives up when its context ends, and runs once a
// slot frees.
func TestPasswordSlots(t *testing.T) {
	if got, want := cap(hashSlots), runtime.GOMAXPROCS(0); got != want {
		t.Errorf("%d slots, want one per core (%d)", got, want)
	}
	// Take every slot, as that many hashes running would.
	for range cap(hashSlots) {
		hashSlots <- struct{}{}
	}
	release := sync.OnceFunc(func() {
		for range cap(hashSlots) {
			<-hashSlots
		}
	})
	t.Cleanup(release)

	t.Run("ErrUnavailable", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := HashPassword(ctx, "correct horse battery"); ErrorCode(err) != EUNAVAILABLE {
			t.Errorf("hash with every slot taken and the request gone: %v, want EUNAVAILABLE", err)
		}
		ok, err := CheckPassword(ctx, "$argon2id$v=19$m=65536,t=3,p=2$fw07Rid8/Ospv5/kIEG3Bg$XPR/XeokYl7Jga8Ezl8KHYt5v1lg0yCKdi8y/Pwmyhk", "x")
		if ok || ErrorCode(err) != EUNAVAILABLE {
			t.Errorf("check with every slot taken and the request gone: %v, %v; want EUNAVAILABLE", ok, err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		done := make(chan error, 1)
		go func() {
			_, err := HashPassword(t.Context(), "correct horse battery")
			done <- err
		}()
		release()
		if err := <-done; err != nil {
			t.Errorf("hash once the slots freed: %v", err)
		}
	})
}
