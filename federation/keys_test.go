package federation

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestKeys(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		k, err := GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := k.N.BitLen(), KeyBits; got != want {
			t.Errorf("bits = %d, want %d", got, want)
		}
		priv, err := EncodePrivateKeyPEM(k)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := ParsePrivateKeyPEM(priv)
		if err != nil {
			t.Fatal(err)
		}
		if !k2.Equal(k) {
			t.Error("private key changed in PEM round trip")
		}
		pub, err := EncodePublicKeyPEM(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(pub, "-----BEGIN PUBLIC KEY-----\n") {
			t.Errorf("public PEM = %q, want PKIX", pub)
		}
		p, err := ParsePublicKeyPEM(pub + "\n\n")
		if err != nil {
			t.Fatal(err)
		}
		if !p.Equal(&k.PublicKey) {
			t.Error("public key changed in PEM round trip")
		}
		// PKCS#1 forms, as Mobilizon and older software write them.
		p1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.PublicKey)}))
		if p, err := ParsePublicKeyPEM(p1); err != nil || !p.Equal(&k.PublicKey) {
			t.Errorf("PKCS#1 public key: %v", err)
		}
		s1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
		if k3, err := ParsePrivateKeyPEM(s1); err != nil || !k3.Equal(k) {
			t.Errorf("PKCS#1 private key: %v", err)
		}
	})

	t.Run("Fixtures", func(t *testing.T) {
		for _, name := range actorFixtures {
			t.Run(name, func(t *testing.T) {
				var a struct {
					PublicKey struct {
						PEM string `json:"publicKeyPem"`
					} `json:"publicKey"`
				}
				if err := json.Unmarshal(readFixture(t, name), &a); err != nil {
					t.Fatal(err)
				}
				k, err := ParsePublicKeyPEM(a.PublicKey.PEM)
				if err != nil {
					t.Fatal(err)
				}
				if k.N.BitLen() < 2048 {
					t.Errorf("bits = %d", k.N.BitLen())
				}
			})
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		small, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Fatal(err)
		}
		smallPEM, err := EncodePublicKeyPEM(&small.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		k, err := GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		privPEM, err := EncodePrivateKeyPEM(k)
		if err != nil {
			t.Fatal(err)
		}
		for name, in := range map[string]string{
			"empty":       "",
			"not PEM":     "hello",
			"wrong type":  "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
			"bad DER":     "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
			"1024 bits":   smallPEM,
			"private key": privPEM,
		} {
			if _, err := ParsePublicKeyPEM(in); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
		if _, err := ParsePrivateKeyPEM(smallPEM); err == nil {
			t.Error("public key parsed as private")
		}
	})
}

func TestFetchKey(t *testing.T) {
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pemText, err := EncodePublicKeyPEM(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	var base string
	actor := func(id, keyID, owner string) string {
		b, err := json.Marshal(map[string]any{
			"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
			"type":     "Person", "id": base + id, "inbox": base + id + "/inbox", "preferredUsername": strings.TrimPrefix(id, "/users/"),
			"publicKey": map[string]any{"id": base + keyID, "owner": base + owner, "publicKeyPem": pemText},
		})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ContentTypeActivity)
		switch r.URL.Path {
		case "/users/m": // Mastodon: keyId actor#main-key
			fmt.Fprint(w, actor("/users/m", "/users/m#main-key", "/users/m"))
		case "/users/g/main-key": // GoToSocial: a stub with the actor's id
			fmt.Fprint(w, actor("/users/g", "/users/g/main-key", "/users/g"))
		case "/users/g":
			if r.Header.Get("Signature") == "" {
				http.Error(w, "sign your GETs", http.StatusUnauthorized)
				return
			}
			fmt.Fprint(w, actor("/users/g", "/users/g/main-key", "/users/g"))
		case "/keys/k": // a bare key document
			fmt.Fprintf(w, `{"id":%q,"type":"Key","owner":%q,"publicKeyPem":%q}`, base+"/keys/k", base+"/users/k", pemText)
		case "/users/k":
			fmt.Fprint(w, actor("/users/k", "/keys/k", "/users/k"))
		case "/users/evil/main-key": // claims to be the victim's key
			fmt.Fprint(w, actor("/users/victim", "/users/evil/main-key", "/users/victim"))
		case "/users/victim":
			fmt.Fprint(w, actor("/users/victim", "/users/victim#main-key", "/users/victim"))
		case "/users/swap": // a redirect to the victim, as if its actor moved
			http.Redirect(w, r, "/users/victim", http.StatusFound)
		case "/users/stranger": // a key owned by someone else
			fmt.Fprint(w, actor("/users/stranger", "/users/stranger#main-key", "/users/m"))
		case "/keys/orphan":
			fmt.Fprintf(w, `{"id":%q,"type":"Key","owner":%q,"publicKeyPem":%q}`, base+"/keys/orphan", base+"/users/m", pemText)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	base = srv.URL
	f := &Fetcher{Client: NewClient(ClientOptions{AllowLoopback: true}), Signer: &Signer{KeyID: base + "/actor#main-key", Key: key}}

	t.Run("OK", func(t *testing.T) {
		for keyPath, owner := range map[string]string{
			"/users/m#main-key": "/users/m",
			"/users/g/main-key": "/users/g",
			"/keys/k":           "/users/k",
		} {
			rk, err := f.FetchKey(context.Background(), base+keyPath)
			if err != nil {
				t.Errorf("%s: %v", keyPath, err)
				continue
			}
			if rk.Actor.ID != base+owner || rk.KeyID != base+keyPath || !rk.Key.Equal(&key.PublicKey) {
				t.Errorf("%s: owner %q key id %q", keyPath, rk.Actor.ID, rk.KeyID)
			}
		}
	})
	t.Run("ErrNotClaimed", func(t *testing.T) {
		for keyPath, want := range map[string]string{
			"/users/evil/main-key":     "does not hold the key", // the victim's actor names another key
			"/users/swap#main-key":     "does not hold the key", // redirected to the victim's actor
			"/users/m#other-key":       "does not hold the key", // the actor holds a different key
			"/users/stranger#main-key": "is not its own",        // owner is not the actor
			"/keys/orphan":             "does not hold the key", // the owner does not list it
			"/users/none#main-key":     "HTTP 404",
		} {
			rk, err := f.FetchKey(context.Background(), base+keyPath)
			if err == nil {
				t.Errorf("%s: accepted, owned by %s", keyPath, rk.Actor.ID)
			} else if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want %q", keyPath, err, want)
			}
		}
	})
}
