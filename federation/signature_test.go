package federation

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-fed/httpsig"
)

// verifyServer is an inbox that only verifies signatures, answering with
// the SignatureError's status and reason, or 202 and the keyId.
type verifyServer struct {
	*httptest.Server
	keyCalls atomic.Int32
}

func newVerifyServer(t *testing.T, now time.Time, keys map[string]*rsa.PublicKey) *verifyServer {
	t.Helper()
	s := &verifyServer{}
	getKey := func(ctx context.Context, keyID string) (*rsa.PublicKey, error) {
		s.keyCalls.Add(1)
		if k, ok := keys[keyID]; ok {
			return k, nil
		}
		return nil, fmt.Errorf("key %s: not found", keyID)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		keyID, err := Verify(r, body, now, getKey)
		var se *SignatureError
		if errors.As(err, &se) {
			w.WriteHeader(se.Status())
			fmt.Fprint(w, se.Reason)
			return
		} else if err != nil {
			t.Errorf("Verify: untyped error %v", err)
		}
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, keyID)
	}))
	t.Cleanup(s.Close)
	return s
}

// do sends req and returns the status and body.
func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func fixtureKey(t testing.TB, name string) *rsa.PublicKey {
	t.Helper()
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
	return k
}

func TestVerifyGoToSocialDelivery(t *testing.T) {
	d := readDelivery(t)
	captured, err := http.ParseTime(d.Headers["Date"])
	if err != nil {
		t.Fatal(err)
	}
	const keyID = "http://gts-a.test/users/alice/main-key"
	keys := map[string]*rsa.PublicKey{keyID: fixtureKey(t, "gotosocial/actor.json")}

	// replay builds the captured request against srv, after mutate.
	replay := func(t *testing.T, srv *verifyServer, mutate func(r *http.Request, body *[]byte)) *http.Request {
		t.Helper()
		body := []byte(d.BodyRaw)
		r, err := http.NewRequest(d.Method, srv.URL+d.Path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range d.Headers {
			if k != "Host" && k != "Content-Length" {
				r.Header.Set(k, v)
			}
		}
		r.Host = d.Headers["Host"]
		if mutate != nil {
			mutate(r, &body)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		return r
	}

	tests := []struct {
		name      string
		now       time.Time
		mutate    func(r *http.Request, body *[]byte)
		status    int
		reason    SignatureReason
		keyLookup bool
	}{
		{name: "OK", now: captured, status: 202, keyLookup: true},
		{name: "OK/59 minutes later", now: captured.Add(59 * time.Minute), status: 202, keyLookup: true},
		{name: "ErrBodyByte", now: captured, status: 400, reason: ReasonDigest, mutate: func(r *http.Request, body *[]byte) {
			b := bytes.Clone(*body)
			b[len(b)/2] ^= 1
			*body = b
		}},
		{name: "ErrPath", now: captured, status: 401, reason: ReasonInvalid, keyLookup: true, mutate: func(r *http.Request, body *[]byte) {
			r.URL.Path = "/users/lib/inbox"
		}},
		{name: "ErrQuery", now: captured, status: 401, reason: ReasonInvalid, keyLookup: true, mutate: func(r *http.Request, body *[]byte) {
			r.URL.RawQuery = "a=b"
		}},
		{name: "ErrHost", now: captured, status: 401, reason: ReasonInvalid, keyLookup: true, mutate: func(r *http.Request, body *[]byte) {
			r.Host = "lib-b.test"
		}},
		{name: "ErrDateLater", now: captured.Add(2 * time.Hour), status: 401, reason: ReasonDate},
		{name: "ErrDateEarlier", now: captured.Add(-2 * time.Hour), status: 401, reason: ReasonDate},
		{name: "ErrDateChanged", now: captured, status: 401, reason: ReasonInvalid, keyLookup: true, mutate: func(r *http.Request, body *[]byte) {
			r.Header.Set("Date", captured.Add(time.Second).Format(http.TimeFormat))
		}},
		{name: "ErrNoSignature", now: captured, status: 401, reason: ReasonMissing, mutate: func(r *http.Request, body *[]byte) {
			r.Header.Del("Signature")
		}},
		{name: "ErrTwoSignatures", now: captured, status: 400, reason: ReasonMalformed, mutate: func(r *http.Request, body *[]byte) {
			r.Header.Add("Signature", r.Header.Get("Signature"))
		}},
		{name: "ErrDigestNotSigned", now: captured, status: 401, reason: ReasonHeaders, mutate: func(r *http.Request, body *[]byte) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), " digest", "", 1))
		}},
		{name: "ErrHostNotSigned", now: captured, status: 401, reason: ReasonHeaders, mutate: func(r *http.Request, body *[]byte) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), " host", "", 1))
		}},
		{name: "ErrNoDigestHeader", now: captured, status: 400, reason: ReasonDigest, mutate: func(r *http.Request, body *[]byte) {
			r.Header.Set("Digest", "SHA-512=abc")
		}},
		{name: "ErrAlgorithm", now: captured, status: 401, reason: ReasonAlgorithm, mutate: func(r *http.Request, body *[]byte) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), "hs2019", "hmac-sha256", 1))
		}},
		{name: "OK/rsa-sha256 label", now: captured, status: 202, keyLookup: true, mutate: func(r *http.Request, body *[]byte) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), "hs2019", "rsa-sha256", 1))
		}},
		{name: "ErrMalformed", now: captured, status: 400, reason: ReasonMalformed, mutate: func(r *http.Request, body *[]byte) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), `keyId="`, `keyId=`, 1))
		}},
		{name: "ErrUnknownKey", now: captured, status: 401, reason: ReasonKey, keyLookup: true, mutate: func(r *http.Request, body *[]byte) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), "main-key", "other-key", 1))
		}},
		{name: "ErrSignatureBits", now: captured, status: 401, reason: ReasonInvalid, keyLookup: true, mutate: func(r *http.Request, body *[]byte) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), `signature="Lp8q`, `signature="Lp8r`, 1))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newVerifyServer(t, tt.now, keys)
			status, body := do(t, replay(t, srv, tt.mutate))
			if status != tt.status {
				t.Errorf("status = %d (%s), want %d", status, body, tt.status)
			}
			if tt.status == 202 && body != keyID {
				t.Errorf("keyId = %q, want %q", body, keyID)
			}
			if tt.reason != "" && body != string(tt.reason) {
				t.Errorf("reason = %q, want %q", body, tt.reason)
			}
			if got := srv.keyCalls.Load() > 0; got != tt.keyLookup {
				t.Errorf("key looked up = %v, want %v", got, tt.keyLookup)
			}
		})
	}
}

func TestSignVerify(t *testing.T) {
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	other, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	const keyID = "https://bieb.example/actor#main-key"
	now := time.Date(2026, 12, 5, 13, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	srv := newVerifyServer(t, now, map[string]*rsa.PublicKey{keyID: &key.PublicKey, "https://other.example/actor#main-key": &other.PublicKey})
	body := []byte(`{"type":"Follow"}`)

	tests := []struct {
		name   string
		method string
		path   string
		signer *Signer
		after  func(r *http.Request)
		status int
		reason SignatureReason
	}{
		{name: "OK/GET", method: "GET", path: "/users/a?page=1", signer: &Signer{KeyID: keyID, Key: key, Clock: clock}, status: 202},
		{name: "OK/POST", method: "POST", path: "/inbox", signer: &Signer{KeyID: keyID, Key: key, Clock: clock}, status: 202},
		{name: "OK/escaped path", method: "POST", path: "/users/%C3%A9/inbox", signer: &Signer{KeyID: keyID, Key: key, Clock: clock}, status: 202},
		{name: "ErrOldClock", method: "POST", path: "/inbox", signer: &Signer{KeyID: keyID, Key: key, Clock: func() time.Time { return now.Add(-2 * time.Hour) }}, status: 401, reason: ReasonDate},
		{name: "ErrWrongKey", method: "POST", path: "/inbox", signer: &Signer{KeyID: keyID, Key: other, Clock: clock}, status: 401, reason: ReasonInvalid},
		{name: "ErrMethod", method: "POST", path: "/inbox", signer: &Signer{KeyID: keyID, Key: key, Clock: clock}, status: 401, reason: ReasonInvalid,
			after: func(r *http.Request) { r.Method = "PUT" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b []byte
			if tt.method == "POST" {
				b = body
			}
			r, err := http.NewRequest(tt.method, srv.URL+tt.path, bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.signer.Sign(r, b); err != nil {
				t.Fatal(err)
			}
			p, err := ParseSignatureHeader(r.Header.Get("Signature"))
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"(request-target)", "host", "date"}
			if tt.method == "POST" {
				want = append(want, "digest")
			}
			if !reflect.DeepEqual(p.Headers, want) || p.Algorithm != AlgorithmRSASHA256 || p.KeyID != keyID {
				t.Errorf("signature params = %+v, want headers %v, rsa-sha256, %s", p, want, keyID)
			}
			if r.Header.Get("Host") != "" {
				t.Error("Sign left a Host entry in the header map")
			}
			if tt.after != nil {
				tt.after(r)
			}
			status, got := do(t, r)
			if status != tt.status {
				t.Errorf("status = %d (%s), want %d", status, got, tt.status)
			}
			if tt.reason != "" && got != string(tt.reason) {
				t.Errorf("reason = %q, want %q", got, tt.reason)
			}
		})
	}

	t.Run("ErrPOSTWithoutDigest", func(t *testing.T) {
		// Signed correctly by httpsig, but over (request-target) host date only:
		// the body would be unprotected, so it is refused before any key lookup.
		r, err := http.NewRequest("POST", srv.URL+"/inbox", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Date", now.Format(http.TimeFormat))
		r.Header.Set("Host", r.URL.Host)
		hs, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256,
			[]string{httpsig.RequestTarget, "host", "date"}, httpsig.Signature, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := hs.SignRequest(key, keyID, r, nil); err != nil {
			t.Fatal(err)
		}
		before := srv.keyCalls.Load()
		status, got := do(t, r)
		if status != 401 || got != string(ReasonHeaders) {
			t.Errorf("got %d %s, want 401 headers", status, got)
		}
		if srv.keyCalls.Load() != before {
			t.Error("key looked up for a request refused on its headers")
		}
	})
}

func TestParseSignatureHeader(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		tests := []struct {
			in   string
			want SignatureParams
		}{
			{
				in:   `keyId="https://a.example/actor#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="AQID"`,
				want: SignatureParams{KeyID: "https://a.example/actor#main-key", Algorithm: "rsa-sha256", Headers: []string{"(request-target)", "host", "date", "digest"}, Signature: []byte{1, 2, 3}},
			},
			{
				in:   ` signature="AQID" , headers="Date Host",keyId="k", created=1700000000,expires="1700000300",unknown="x" `,
				want: SignatureParams{KeyID: "k", Headers: []string{"date", "host"}, Signature: []byte{1, 2, 3}, Created: 1700000000, Expires: 1700000300},
			},
		}
		for _, tt := range tests {
			got, err := ParseSignatureHeader(tt.in)
			if err != nil {
				t.Fatalf("%s: %v", tt.in, err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("%s:\ngot  %+v\nwant %+v", tt.in, *got, tt.want)
			}
		}
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		for _, in := range []string{
			``,
			`keyId="k"`,
			`keyId="k",headers="date"`,
			`keyId="k",signature="AQID"`,
			`headers="date",signature="AQID"`,
			`keyId=k,headers="date",signature="AQID"`,
			`keyId="k",headers="date",signature="AQID",keyId="j"`,
			`keyId="k",headers="date",signature="not base64!"`,
			`keyId="k",headers="date  host",signature="AQID"`,
			`keyId="k",headers="date date",signature="AQID"`,
			`keyId="k",headers="da:te",signature="AQID"`,
			`keyId="k\"",headers="date",signature="AQID"`,
			"keyId=\"k\x00\",headers=\"date\",signature=\"AQID\"",
			`keyId="k",headers="date",signature="AQID",`,
			`keyId="k" headers="date",signature="AQID"`,
			`keyId="k",headers="date",signature="AQID`,
			`keyId="k",headers="date",signature="AQID",created=-1`,
			`keyId="k",headers="date",signature="AQID",created=0`,
			`Signature keyId="k",headers="date",signature="AQID"`,
		} {
			if p, err := ParseSignatureHeader(in); err == nil {
				t.Errorf("%q parsed as %+v", in, p)
			}
		}
	})
}

// FuzzSignatureHeader checks that the parser never panics and that what it
// accepts survives a round trip through String unchanged.
func FuzzSignatureHeader(f *testing.F) {
	f.Add(readDelivery(f).Headers["Signature"])
	f.Add(`keyId="https://a.example/actor#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="AQID"`)
	f.Add(`keyId="k",created=1,expires="2",headers="(created) (expires)",signature="AQID",x=1`)
	f.Add(`keyId="a,b",headers="date",signature="AQID"`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseSignatureHeader(s)
		if err != nil {
			return
		}
		out := p.String()
		p2, err := ParseSignatureHeader(out)
		if err != nil {
			t.Fatalf("%q re-serialised as %q, which does not parse: %v", s, out, err)
		}
		if !reflect.DeepEqual(p, p2) {
			t.Fatalf("round trip changed %+v into %+v", p, p2)
		}
		if out2 := p2.String(); out2 != out {
			t.Fatalf("String not stable: %q then %q", out, out2)
		}
	})
}
