package federation

import (
	"bytes"
	"context"
	"crypto/rsa"
	"net/http"
	"testing"
)

// BenchmarkInboxVerifyParse is the inbox's hot path for one delivery:
// verify the captured GoToSocial signature (key already cached), then parse.
func BenchmarkInboxVerifyParse(b *testing.B) {
	d := readDelivery(b)
	now, err := http.ParseTime(d.Headers["Date"])
	if err != nil {
		b.Fatal(err)
	}
	key := fixtureKey(b, "gotosocial/actor.json")
	getKey := func(context.Context, string) (*rsa.PublicKey, error) { return key, nil }
	body := []byte(d.BodyRaw)
	r, err := http.NewRequest(d.Method, "http://"+d.Headers["Host"]+d.Path, nil)
	if err != nil {
		b.Fatal(err)
	}
	for k, v := range d.Headers {
		r.Header.Set(k, v)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(r, body, now, getKey); err != nil {
			b.Fatal(err)
		}
		if _, err := ParseActivity(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignPOST is the per-inbox cost of a fan-out delivery's signature.
func BenchmarkSignPOST(b *testing.B) {
	key, err := GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	s := &Signer{KeyID: "https://bieb.example/actor#main-key", Key: key}
	body := bytes.Repeat([]byte("a"), 4096)
	b.ReportAllocs()
	for b.Loop() {
		r, err := http.NewRequest("POST", "https://peer.example/inbox", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Sign(r, body); err != nil {
			b.Fatal(err)
		}
	}
}
