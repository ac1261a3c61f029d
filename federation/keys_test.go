package federation

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
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
