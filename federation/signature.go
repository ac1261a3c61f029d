package federation

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-fed/httpsig"

	"github.com/vestiging/vestiging"
)

// MaxClockSkew is how far a signed request's Date may be from our clock.
const MaxClockSkew = time.Hour

// Signature algorithms we accept. hs2019 says "ask the key"; every key we
// accept is RSA, so it is verified as rsa-sha256, as Mastodon does.
const (
	AlgorithmRSASHA256 = "rsa-sha256"
	AlgorithmHS2019    = "hs2019"
)

// SignatureParams is a parsed draft-cavage Signature header.
type SignatureParams struct {
	KeyID     string
	Algorithm string   // empty when absent
	Headers   []string // lower-case, in signed order
	Signature []byte
	Created   int64 // (created) and expires parameters; 0 when absent
	Expires   int64
}

// ParseSignatureHeader parses a Signature header strictly: comma-separated
// name="value" parameters (created and expires may be bare digits), no
// escapes or control characters in values, no repeated parameter, keyId,
// headers and a base64 signature present. Unknown parameters are skipped,
// as the draft asks.
func ParseSignatureHeader(s string) (*SignatureParams, error) {
	p := &SignatureParams{}
	seen := map[string]bool{}
	rest := s
	for {
		rest = strings.TrimLeft(rest, " \t")
		name, value, quoted, tail, err := nextSignatureParam(rest)
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, fmt.Errorf("signature header: repeated parameter %q", name)
		}
		seen[name] = true
		if err := p.set(name, value, quoted); err != nil {
			return nil, err
		}
		tail = strings.TrimLeft(tail, " \t")
		if tail == "" {
			break
		}
		if tail[0] != ',' {
			return nil, fmt.Errorf("signature header: expected ',' after parameter %q", name)
		}
		rest = tail[1:]
	}
	switch {
	case p.KeyID == "":
		return nil, errors.New("signature header: missing keyId")
	case len(p.Headers) == 0:
		return nil, errors.New("signature header: missing headers")
	case len(p.Signature) == 0:
		return nil, errors.New("signature header: missing signature")
	}
	return p, nil
}

// nextSignatureParam reads one name=value at the start of s.
func nextSignatureParam(s string) (name, value string, quoted bool, rest string, err error) {
	i := 0
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	if i == 0 || i == len(s) || s[i] != '=' {
		return "", "", false, "", fmt.Errorf("signature header: malformed parameter at %q", truncate(s, 20))
	}
	name, s = s[:i], s[i+1:]
	if strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return "", "", false, "", fmt.Errorf("signature header: unterminated value of %q", name)
		}
		value = s[1 : 1+end]
		for j := 0; j < len(value); j++ {
			if c := value[j]; c < 0x20 || c > 0x7e || c == '\\' {
				return "", "", false, "", fmt.Errorf("signature header: invalid character in %q", name)
			}
		}
		return name, value, true, s[2+end:], nil
	}
	j := 0
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == 0 {
		return "", "", false, "", fmt.Errorf("signature header: value of %q must be quoted", name)
	}
	return name, s[:j], false, s[j:], nil
}

func (p *SignatureParams) set(name, value string, quoted bool) error {
	switch name {
	case "keyId", "algorithm", "headers", "signature":
		if !quoted {
			return fmt.Errorf("signature header: value of %q must be quoted", name)
		}
	}
	switch name {
	case "keyId":
		p.KeyID = value
	case "algorithm":
		p.Algorithm = value
	case "headers":
		for _, h := range strings.Split(value, " ") {
			h = strings.ToLower(h)
			if !isSignedHeaderName(h) {
				return fmt.Errorf("signature header: invalid header name %q", h)
			}
			if slices.Contains(p.Headers, h) {
				return fmt.Errorf("signature header: header %q listed twice", h)
			}
			p.Headers = append(p.Headers, h)
		}
	case "signature":
		sig, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			return fmt.Errorf("signature header: signature is not base64: %w", err)
		}
		p.Signature = sig
	case "created", "expires":
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("signature header: invalid %s %q", name, value)
		}
		if name == "created" {
			p.Created = n
		} else {
			p.Expires = n
		}
	}
	return nil
}

// String serialises the parameters in the order Mastodon writes them.
func (p *SignatureParams) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, `keyId="%s"`, p.KeyID)
	if p.Algorithm != "" {
		fmt.Fprintf(&b, `,algorithm="%s"`, p.Algorithm)
	}
	if p.Created != 0 {
		fmt.Fprintf(&b, `,created=%d`, p.Created)
	}
	if p.Expires != 0 {
		fmt.Fprintf(&b, `,expires=%d`, p.Expires)
	}
	fmt.Fprintf(&b, `,headers="%s",signature="%s"`, strings.Join(p.Headers, " "), base64.StdEncoding.EncodeToString(p.Signature))
	return b.String()
}

func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isSignedHeaderName(h string) bool {
	switch h {
	case "(request-target)", "(created)", "(expires)":
		return true
	case "":
		return false
	}
	for i := 0; i < len(h); i++ {
		if !isTokenChar(h[i]) {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// SignatureReason says why a signed request was refused.
type SignatureReason string

const (
	ReasonMissing   SignatureReason = "missing"   // no Signature header
	ReasonMalformed SignatureReason = "malformed" // the header does not parse
	ReasonAlgorithm SignatureReason = "algorithm" // neither rsa-sha256 nor hs2019
	ReasonHeaders   SignatureReason = "headers"   // a required header is not signed or absent
	ReasonDigest    SignatureReason = "digest"    // Digest missing, malformed or not the body's
	ReasonDate      SignatureReason = "date"      // Date missing or outside MaxClockSkew
	ReasonExpired   SignatureReason = "expired"   // the expires parameter has passed
	ReasonKey       SignatureReason = "key"       // the key could not be found or fetched
	ReasonInvalid   SignatureReason = "invalid"   // the signature does not verify with the key
)

// SignatureError is what Verify returns. KeyID is set once the header parsed.
type SignatureError struct {
	Reason SignatureReason
	KeyID  string
	Err    error
}

func (e *SignatureError) Error() string {
	s := "http signature: " + string(e.Reason)
	if e.KeyID != "" {
		s += " (keyId " + e.KeyID + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *SignatureError) Unwrap() error { return e.Err }

// Status is the HTTP status an inbox answers: 400 when the request itself
// is malformed (bad header, body not matching its Digest), 401 otherwise,
// as Mastodon does.
func (e *SignatureError) Status() int {
	switch e.Reason {
	case ReasonMalformed, ReasonDigest:
		return http.StatusBadRequest
	}
	return http.StatusUnauthorized
}

// KeyFunc returns the public key for a keyId, fetching it if needed.
type KeyFunc func(ctx context.Context, keyID string) (*rsa.PublicKey, error)

// Verify checks the HTTP signature of an incoming request whose body has
// already been read (and capped) into body. Everything that can be checked
// without the key is checked first, so a bad request costs no key fetch:
// the header parses; the algorithm is rsa-sha256 or hs2019; (request-target),
// host and date are signed, and digest too for POST; Date is within
// MaxClockSkew of now; Digest is the SHA-256 of body. Then getKey is asked
// for the key and go-fed/httpsig verifies the signature. It returns the keyId.
func Verify(r *http.Request, body []byte, now time.Time, getKey KeyFunc) (string, error) {
	values := r.Header.Values("Signature")
	if len(values) == 0 {
		return "", &SignatureError{Reason: ReasonMissing}
	}
	if len(values) > 1 {
		return "", &SignatureError{Reason: ReasonMalformed, Err: errors.New("more than one Signature header")}
	}
	p, err := ParseSignatureHeader(values[0])
	if err != nil {
		return "", &SignatureError{Reason: ReasonMalformed, Err: err}
	}
	fail := func(reason SignatureReason, err error) (string, error) {
		return "", &SignatureError{Reason: reason, KeyID: p.KeyID, Err: err}
	}
	if a := strings.ToLower(p.Algorithm); a != AlgorithmRSASHA256 && a != AlgorithmHS2019 {
		return fail(ReasonAlgorithm, fmt.Errorf("algorithm %q", p.Algorithm))
	}
	required := []string{"(request-target)", "host", "date"}
	if r.Method == http.MethodPost {
		required = append(required, "digest")
	}
	for _, h := range required {
		if !slices.Contains(p.Headers, h) {
			return fail(ReasonHeaders, fmt.Errorf("%s is not signed", h))
		}
	}
	header := r.Header.Clone()
	// Servers keep Host out of the header map; the signing string needs it.
	header.Set("Host", requestHost(r))
	for _, h := range p.Headers {
		if !strings.HasPrefix(h, "(") && len(header.Values(h)) == 0 {
			return fail(ReasonHeaders, fmt.Errorf("signed header %s is absent", h))
		}
	}
	if slices.Contains(p.Headers, "(created)") && p.Created == 0 || slices.Contains(p.Headers, "(expires)") && p.Expires == 0 {
		return fail(ReasonMalformed, errors.New("(created) or (expires) signed without its parameter"))
	}
	if p.Expires != 0 && now.Unix() > p.Expires {
		return fail(ReasonExpired, fmt.Errorf("expired at %s", time.Unix(p.Expires, 0).UTC()))
	}
	date, err := http.ParseTime(header.Get("Date"))
	if err != nil {
		return fail(ReasonDate, fmt.Errorf("date %q: %w", header.Get("Date"), err))
	}
	if d := now.Sub(date); d > MaxClockSkew || d < -MaxClockSkew {
		return fail(ReasonDate, fmt.Errorf("date %s is %s from now", date.UTC().Format(time.RFC3339), d.Round(time.Second)))
	}
	if slices.Contains(p.Headers, "digest") {
		if err := checkDigest(header.Values("Digest"), body); err != nil {
			return fail(ReasonDigest, err)
		}
	}
	key, err := getKey(r.Context(), p.KeyID)
	if err != nil {
		return fail(ReasonKey, err)
	}
	if key == nil {
		return fail(ReasonKey, errors.New("no key"))
	}
	// httpsig parses the header laxly (it splits on every comma), so it gets
	// our canonical serialisation: the same headers we checked above, no
	// room for the two parsers to disagree.
	header.Set("Signature", p.String())
	v, err := httpsig.NewVerifier(wireRequest(r, header))
	if err != nil {
		return fail(ReasonMalformed, err)
	}
	if err := v.Verify(key, httpsig.RSA_SHA256); err != nil {
		return fail(ReasonInvalid, err)
	}
	return p.KeyID, nil
}

// wireRequest returns a copy of r for httpsig, with header and with the
// path as sent on the wire: httpsig writes URL.Path, which Go keeps
// unescaped, while peers sign the escaped path they send.
func wireRequest(r *http.Request, header http.Header) *http.Request {
	return &http.Request{Method: r.Method, Header: header, Host: requestHost(r),
		URL: &url.URL{Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery}}
}

// requestHost is the Host a request was sent to: r.Host on the server,
// the URL's host for a request built by a client.
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	return r.URL.Host
}

// checkDigest finds the SHA-256 entry among the Digest header's
// comma-separated algorithm=value pairs and compares it with the body.
func checkDigest(values []string, body []byte) error {
	sum := sha256.Sum256(body)
	want := base64.StdEncoding.EncodeToString(sum[:])
	found := false
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			alg, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || !strings.EqualFold(alg, "SHA-256") {
				continue
			}
			if val != want {
				return errors.New("SHA-256 digest does not match the body")
			}
			found = true
		}
	}
	if !found {
		return errors.New("no SHA-256 digest")
	}
	return nil
}

// Signer signs outgoing requests as one actor's key.
type Signer struct {
	KeyID string // e.g. https://bibliotheek.example/actor#main-key
	Key   *rsa.PrivateKey
	Clock vestiging.Clock // nil: vestiging.Now
}

// Sign sets Date (and for POST, Digest over body) and a Signature header
// over (request-target) host date [digest], labelled rsa-sha256 as
// Mastodon does. body must be the exact bytes that will be sent; nil for GET.
func (s *Signer) Sign(r *http.Request, body []byte) error {
	now := vestiging.Now
	if s.Clock != nil {
		now = s.Clock
	}
	headers := []string{httpsig.RequestTarget, "host", "date"}
	if r.Method == http.MethodPost || body != nil {
		headers = append(headers, "digest")
		if body == nil {
			body = []byte{}
		}
		r.Header.Del("Digest")
	}
	r.Header.Del("Signature")
	r.Header.Set("Date", now().UTC().Format(http.TimeFormat))
	// httpsig reads Host from the header map; the transport never sends
	// that entry (it writes r.Host or the URL's host), so it is removed after.
	r.Header.Set("Host", requestHost(r))
	defer r.Header.Del("Host")
	hs, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256, headers, httpsig.Signature, 0)
	if err != nil {
		return fmt.Errorf("sign %s: %w", r.URL, err)
	}
	// The copy shares r.Header, so Digest and Signature land on r.
	if err := hs.SignRequest(s.Key, s.KeyID, wireRequest(r, r.Header), body); err != nil {
		return fmt.Errorf("sign %s: %w", r.URL, err)
	}
	// httpsig labels every signature hs2019; older peers only know rsa-sha256.
	// The label is not part of the signed string, so relabelling is safe.
	p, err := ParseSignatureHeader(r.Header.Get("Signature"))
	if err != nil {
		return fmt.Errorf("sign %s: %w", r.URL, err)
	}
	p.Algorithm = AlgorithmRSASHA256
	r.Header.Set("Signature", p.String())
	return nil
}
