package vestiging

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: RFC 9106's second recommended option (64 MiB, 3 passes).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// hashSlots bounds the argon2id hashes running at once to the number of
// cores: each takes 64 MiB and a core for most of a second, so a burst of
// sign-ins would otherwise take the server's memory, and more at once
// would only wait for the CPU. A hash waits for a slot; its request's
// context ending first gives up.
var hashSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// argon2Key computes one argon2id key in a slot of hashSlots.
func argon2Key(ctx context.Context, password, salt []byte, t, m uint32, p uint8, keyLen uint32) ([]byte, error) {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, &Error{Code: EUNAVAILABLE, Message: "The service is temporarily unavailable. Please try again later.",
			Err: fmt.Errorf("waiting to hash a password: %w", ctx.Err())}
	}
	defer func() { <-hashSlots }()
	return argon2.IDKey(password, salt, t, m, p, keyLen), nil
}

// HashPassword returns an argon2id hash in the PHC string format. It waits
// for a free hashing slot, or fails with EUNAVAILABLE when ctx ends first.
func HashPassword(ctx context.Context, password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key, err := argon2Key(ctx, []byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches hash, in constant time.
// Like HashPassword it waits for a hashing slot; the error is only ever
// ctx ending first (EUNAVAILABLE): a malformed hash matches nothing.
func CheckPassword(ctx context.Context, hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, nil
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, nil
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, nil
	}
	got, err := argon2Key(ctx, []byte(password), salt, t, m, p, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
