package federation

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"

	"github.com/vestiging/vestiging"
)

// KeyBits is the size of the keys we generate; Mastodon and GoToSocial use the same.
const KeyBits = 2048

// Remote keys outside these bounds are refused: smaller ones are forgeable,
// larger ones make every verification expensive for whoever sends them.
const (
	minRemoteKeyBits = 2048
	maxRemoteKeyBits = 8192
)

// GenerateKey returns a new RSA-2048 key for an actor.
func GenerateKey() (*rsa.PrivateKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return k, nil
}

// EncodePrivateKeyPEM returns the key as a PKCS#8 "PRIVATE KEY" PEM block.
func EncodePrivateKeyPEM(k *rsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", fmt.Errorf("encode private key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// ParsePrivateKeyPEM reads an RSA private key in PKCS#8 ("PRIVATE KEY") or
// PKCS#1 ("RSA PRIVATE KEY") form.
func ParsePrivateKeyPEM(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, fmt.Errorf("private key: no PEM block")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("private key: %T is not RSA", k)
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("private key: unexpected PEM type %q", block.Type)
}

// EncodePublicKeyPEM returns the key as a PKIX "PUBLIC KEY" PEM block, the
// form Mastodon publishes as publicKeyPem.
func EncodePublicKeyPEM(k *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return "", fmt.Errorf("encode public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// ParsePublicKeyPEM reads a remote actor's publicKeyPem: PKIX "PUBLIC KEY"
// (Mastodon, GoToSocial, Misskey) or PKCS#1 "RSA PUBLIC KEY" (Mobilizon),
// with whatever whitespace surrounds it. Keys under 2048 or over 8192 bits
// are refused.
func ParsePublicKeyPEM(s string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, fmt.Errorf("public key: no PEM block")
	}
	var k *rsa.PublicKey
	switch block.Type {
	case "PUBLIC KEY":
		pk, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("public key: %w", err)
		}
		rk, ok := pk.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("public key: %T is not RSA", pk)
		}
		k = rk
	case "RSA PUBLIC KEY":
		rk, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("public key: %w", err)
		}
		k = rk
	default:
		return nil, fmt.Errorf("public key: unexpected PEM type %q", block.Type)
	}
	if n := k.N.BitLen(); n < minRemoteKeyBits || n > maxRemoteKeyBits {
		return nil, fmt.Errorf("public key: %d bits is outside %d–%d", n, minRemoteKeyBits, maxRemoteKeyBits)
	}
	return k, nil
}

// RemoteKey is a remote actor's public key, confirmed by its owner.
type RemoteKey struct {
	KeyID string
	Key   *rsa.PublicKey
	Actor *Actor // the owner; Actor.ID is what an activity's actor must equal
}

// FetchKey dereferences a keyId the way peers publish keys and returns the
// key only from its owner's own document, fetched for the owner's id
// (Fetch: no redirect can swap the owner), which lists that keyId as its
// key and itself as the key's owner (checkKey):
//   - Mastodon, Misskey, …: keyId is actor#main-key; the actor comes back.
//   - GoToSocial: keyId is …/main-key and answers a stub Person whose id is
//     the actor's, not the URL; the actor is fetched (signed) to confirm.
//   - a bare Key document {id, owner, publicKeyPem}: the owner is fetched
//     to confirm.
//
// Callers cache the result (a key fetch may cost two requests).
func (f *Fetcher) FetchKey(ctx context.Context, keyID string) (*RemoteKey, error) {
	body, asked, err := f.fetch(ctx, keyID)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", keyID, err)
	}
	owner := ""
	if a, err := ParseActor(body); err == nil {
		if sameURL(a.ID, asked) {
			// The keyId names the actor's own document.
			return remoteKey(keyID, a)
		}
		owner = a.ID
	} else {
		var k struct {
			ID    string `json:"id"`
			Owner string `json:"owner"`
		}
		if json.Unmarshal(body, &k) != nil || k.ID != keyID || k.Owner == "" {
			return nil, fmt.Errorf("key %s: neither an actor nor a key document", keyID)
		}
		owner = k.Owner
	}
	body, err = f.Fetch(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("key %s: owner: %w", keyID, err)
	}
	a, err := ParseActor(body)
	if err != nil {
		return nil, fmt.Errorf("key %s: owner %s: %w", keyID, owner, err)
	}
	return remoteKey(keyID, a)
}

// remoteKey is the key keyID from its owner a's own document.
func remoteKey(keyID string, a *Actor) (*RemoteKey, error) {
	if a.PublicKey.ID != keyID {
		return nil, vestiging.Errorf(vestiging.EFORBIDDEN, "The actor %s does not hold the key %s.", a.ID, keyID)
	}
	if err := checkKey(a); err != nil {
		return nil, err
	}
	k, err := ParsePublicKeyPEM(a.PublicKey.PEM)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", keyID, err)
	}
	return &RemoteKey{KeyID: keyID, Key: k, Actor: a}, nil
}

// checkKey checks that an actor document's key, if it has one, is its
// own: the key names the actor as owner, and its id is on the actor's
// host. A key id belongs to one actor; no document can claim another's.
func checkKey(a *Actor) error {
	if a.PublicKey.ID == "" && a.PublicKey.PEM == "" {
		return nil
	}
	if a.PublicKey.Owner != a.ID || !SameHost(a.ID, a.PublicKey.ID) {
		return vestiging.Errorf(vestiging.EFORBIDDEN, "The key %q of %s is not its own (owner %q).", a.PublicKey.ID, a.ID, a.PublicKey.Owner)
	}
	return nil
}
