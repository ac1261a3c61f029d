package federation

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"code.dny.dev/ssrf"

	"github.com/vestiging/vestiging"
)

// Limits of every outbound request.
const (
	ConnectTimeout  = 5 * time.Second
	RequestTimeout  = 30 * time.Second
	MaxRedirects    = 5
	MaxBodySize     = 1 << 20 // 1 MiB, for fetched documents and inbox bodies alike
	maxConnsPerHost = 8       // a busy peer cannot take every connection
)

// ContentTypeActivity is the content type we send and ask for.
const ContentTypeActivity = "application/activity+json"

// AcceptActivity is the Accept header of every fetch.
const AcceptActivity = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`

// ClientOptions configures NewClient.
type ClientOptions struct {
	// AllowLoopback also permits 127.0.0.0/8 and ::1, for tests that run
	// peers on loopback listeners. Other private addresses stay refused.
	AllowLoopback bool
	// LoopbackPorts permits 127.0.0.0/8 and ::1 on these ports only: the
	// demo's libraries, which run side by side on one machine, reach each
	// other and nothing else there.
	LoopbackPorts []uint16
	UserAgent     string // e.g. "Vestiging/0.1.0 (+https://bieb.example)"
	// IntranetHost is the one host name (as written in URLs) whose private
	// addresses (RFC 1918, IPv6 ULA) may be reached, for webhooks to a
	// system on the library's own network. Loopback, link-local and the
	// other special addresses stay refused for it too.
	IntranetHost string
	// MaxIdleConns bounds the idle connections kept for reuse, to all
	// servers together; 0 is 100.
	MaxIdleConns int
}

// NewClient returns the one HTTP client for all outbound federation traffic
// (deliveries, fetches, WebFinger, media). It refuses, at dial time, every
// address that is not global unicast (CheckIP), so neither a hostile DNS
// answer nor a redirect can reach the internal network; it follows at most
// MaxRedirects redirects and gives up after ConnectTimeout to connect or
// RequestTimeout in all. Read bodies with ReadBody to cap them.
func NewClient(o ClientOptions) *http.Client {
	dialer := &net.Dialer{
		Timeout: ConnectTimeout,
		// Control sees the resolved address of every connection attempt,
		// so every address of a name and every redirect hop is checked.
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("dial %s: %w", address, err)
			}
			if ap.Addr().Unmap().IsLoopback() && slices.Contains(o.LoopbackPorts, ap.Port()) {
				return nil
			}
			return CheckIP(ap.Addr(), o.AllowLoopback)
		},
	}
	dial := dialer.DialContext
	if o.IntranetHost != "" {
		intranet := &net.Dialer{
			Timeout: ConnectTimeout,
			Control: func(network, address string, _ syscall.RawConn) error {
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return fmt.Errorf("dial %s: %w", address, err)
				}
				return CheckIntranetIP(ap.Addr(), o.AllowLoopback)
			},
		}
		dial = func(ctx context.Context, network, address string) (net.Conn, error) {
			if host, _, err := net.SplitHostPort(address); err == nil && strings.EqualFold(strings.TrimSuffix(host, "."), o.IntranetHost) {
				return intranet.DialContext(ctx, network, address)
			}
			return dialer.DialContext(ctx, network, address)
		}
	}
	transport := &http.Transport{
		Proxy:               nil, // a proxy would dial on our behalf, unchecked
		DialContext:         dial,
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: ConnectTimeout,
		MaxIdleConns:        cmp.Or(o.MaxIdleConns, 100),
		MaxConnsPerHost:     maxConnsPerHost,
		// A busy peer's connections are kept for its next requests rather
		// than closed beyond net/http's default of two.
		MaxIdleConnsPerHost: maxConnsPerHost,
		IdleConnTimeout:     90 * time.Second,
	}
	var rt http.RoundTripper = transport
	if o.UserAgent != "" {
		rt = userAgent{rt: transport, ua: o.UserAgent}
	}
	return &http.Client{
		Transport: rt,
		Timeout:   RequestTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return fmt.Errorf("more than %d redirects", MaxRedirects)
			}
			return nil
		},
	}
}

type userAgent struct {
	rt http.RoundTripper
	ua string
}

func (u userAgent) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("User-Agent") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("User-Agent", u.ua)
	}
	return u.rt.RoundTrip(r)
}

// BlockedAddressError is the dial error for an address we refuse to reach.
type BlockedAddressError struct {
	Addr   netip.Addr
	Reason string // "loopback", "private", "link-local" or "special-purpose"
	Err    error  // the guard's refusal, naming the registry entry
}

func (e *BlockedAddressError) Error() string {
	return fmt.Sprintf("refusing to connect to %s address %s", e.Reason, e.Addr)
}

func (e *BlockedAddressError) Unwrap() error { return e.Err }

// The guards decide from the IANA special-purpose address registries as
// code.dny.dev/ssrf keeps them: for IPv4 every registry entry is refused,
// for IPv6 everything outside 2000::/3 (global unicast) and every entry
// inside it. That covers NAT64 (64:ff9b::/96 and 64:ff9b:1::/48), 6to4
// (2002::/16), Teredo (2001::/32), IPv4-compatible and IPv4-mapped
// addresses (::/96, ::ffff:0:0/96), benchmarking (198.18.0.0/15), the
// documentation ranges and 192.0.0.0/24. Any port is allowed: instances
// may run on one of their own.
var (
	guard         = ssrf.New(ssrf.WithAnyPort(), ssrf.WithDeniedV6Prefixes(srv6SIDs))
	loopbackGuard = ssrf.New(ssrf.WithAnyPort(), ssrf.WithDeniedV6Prefixes(srv6SIDs),
		ssrf.WithAllowedV4Prefixes(netip.MustParsePrefix("127.0.0.0/8")),
		ssrf.WithAllowedV6Prefixes(netip.MustParsePrefix("::1/128")))
)

// srv6SIDs is the one special-purpose block inside 2000::/3 that the
// registry gained (RFC 9602, 2024) after ssrf v0.3.0 was generated:
// Segment Routing SIDs, not globally reachable.
var srv6SIDs = netip.MustParsePrefix("5f00::/16")

// CheckIP returns a *BlockedAddressError unless ip is a global unicast
// address. With allowLoopback, 127.0.0.0/8 and ::1 are allowed too (tests
// run peers on loopback listeners); every other address stays refused.
func CheckIP(ip netip.Addr, allowLoopback bool) error {
	g := guard
	if allowLoopback {
		g = loopbackGuard
	}
	err := g.SafeAddr(ip)
	if err == nil {
		return nil
	}
	reason := "special-purpose"
	switch u := ip.Unmap(); {
	case u.IsLoopback():
		reason = "loopback"
	case u.IsPrivate():
		reason = "private"
	case u.IsLinkLocalUnicast():
		reason = "link-local"
	}
	return &BlockedAddressError{Addr: ip, Reason: reason, Err: err}
}

// CheckIntranetIP is CheckIP that also allows the private ranges (RFC 1918
// and IPv6 unique local addresses), for the one intranet host an admin
// named; loopback (unless allowLoopback), link-local and the rest stay
// refused, so the server itself and cloud metadata remain out of reach.
func CheckIntranetIP(ip netip.Addr, allowLoopback bool) error {
	err := CheckIP(ip, allowLoopback)
	if err != nil && ip.Unmap().IsPrivate() {
		return nil
	}
	return err
}

// ReadBody reads at most limit bytes; a longer body is an ETOOLARGE error.
func ReadBody(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, &vestiging.Error{Code: vestiging.ETOOLARGE, Message: fmt.Sprintf("The body is larger than %d bytes.", limit)}
	}
	return b, nil
}

// StatusError is a request answered with an unexpected status.
type StatusError struct {
	URL        string
	StatusCode int
	RetryAfter time.Duration // from a Retry-After header in seconds or as a date; 0 if none
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: HTTP %d", e.URL, e.StatusCode)
}

// Fetcher dereferences ActivityPub documents with signed GETs.
type Fetcher struct {
	Client *http.Client // from NewClient
	Signer *Signer      // every GET is signed: GoToSocial answers 401 otherwise
}

// Fetch GETs the AS2 document whose id is iri and returns its body. The
// request is signed (again at every redirect hop, since the signature
// covers host and path) with Accept AcceptActivity; the answer must be 200
// with an activity+json or ld+json content type, at most MaxBodySize, and
// a JSON object whose id is iri itself, whatever redirects led to it: a
// redirect may move where a document is served, never who or what it is.
// The fragment of iri (…#main-key) is not part of the document's id.
// Everything fetched to be stored or acted on comes through here.
func (f *Fetcher) Fetch(ctx context.Context, iri string) ([]byte, error) {
	body, asked, err := f.fetch(ctx, iri)
	if err != nil {
		return nil, err
	}
	if id := documentID(body); !sameURL(id, asked) {
		return nil, &vestiging.Error{Code: vestiging.EFORBIDDEN,
			Message: fmt.Sprintf("The document fetched for %s is %q.", asked, id)}
	}
	return body, nil
}

// fetch is Fetch without the id check, for a keyId whose document may be
// another's (FetchKey); it returns the URL asked for, without fragment.
func (f *Fetcher) fetch(ctx context.Context, rawURL string) ([]byte, *url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, nil, vestiging.Errorf(vestiging.EINVALID, "Not a web address: %q.", rawURL)
	}
	u.Fragment, u.RawFragment = "", ""
	asked := *u
	client := *f.Client
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for hop := 0; ; hop++ {
		resp, err := f.get(ctx, &client, u)
		if err != nil {
			return nil, nil, err
		}
		if isRedirect(resp.StatusCode) {
			resp.Body.Close()
			if hop == MaxRedirects {
				return nil, nil, fmt.Errorf("fetch %s: more than %d redirects", rawURL, MaxRedirects)
			}
			next, err := resp.Location()
			if err != nil {
				return nil, nil, fmt.Errorf("fetch %s: redirect: %w", u, err)
			}
			next.Fragment, next.RawFragment = "", ""
			u = next
			continue
		}
		defer resp.Body.Close()
		body, err := readDocument(resp, u)
		return body, &asked, err
	}
}

func (f *Fetcher) get(ctx context.Context, client *http.Client, u *url.URL) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	req.Header.Set("Accept", AcceptActivity)
	if f.Signer != nil {
		if err := f.Signer.Sign(req, nil); err != nil {
			return nil, fmt.Errorf("fetch %s: %w", u, err)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	return resp, nil
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// readDocument checks a fetched response: status, content type, size, JSON.
func readDocument(resp *http.Response, final *url.URL) ([]byte, error) {
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(resp, final.String(), time.Now())
	}
	if !IsActivityContentType(resp.Header.Get("Content-Type")) {
		return nil, fmt.Errorf("fetch %s: content type %q is not ActivityStreams JSON", final, resp.Header.Get("Content-Type"))
	}
	body, err := ReadBody(resp.Body, MaxBodySize)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", final, err)
	}
	if !json.Valid(body) {
		return nil, fmt.Errorf("fetch %s: the body is not JSON", final)
	}
	return body, nil
}

// documentID returns the top-level id of a JSON document, or "".
func documentID(body []byte) string {
	var doc struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &doc) // a non-object has no id, which is the answer
	return doc.ID
}

// sameURL compares id with u after parsing, so only spelling differences
// that do not change the URL (an escaped slash in JSON, say) are forgiven.
func sameURL(id string, u *url.URL) bool {
	p, err := url.Parse(id)
	return err == nil && id != "" && p.String() == u.String()
}

// IsActivityContentType reports whether a Content-Type is AS2 JSON:
// application/activity+json, or application/ld+json (whose profile peers
// do not always send).
func IsActivityContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == ContentTypeActivity || mt == "application/ld+json")
}

// statusError builds a *StatusError, reading Retry-After relative to now.
func statusError(resp *http.Response, u string, now time.Time) *StatusError {
	e := &StatusError{URL: u, StatusCode: resp.StatusCode}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil && secs > 0 {
			e.RetryAfter = time.Duration(secs) * time.Second
		} else if t, err := http.ParseTime(ra); err == nil && t.After(now) {
			e.RetryAfter = t.Sub(now)
		}
	}
	return e
}

// Deliver POSTs an activity to an inbox, signed, as application/activity+json.
// Any 2xx is success; any other answer is a *StatusError (the delivery job
// decides from its code and RetryAfter whether to retry); network failures
// and refused addresses are returned wrapped.
func Deliver(ctx context.Context, client *http.Client, s *Signer, inbox string, activity []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(activity))
	if err != nil {
		return fmt.Errorf("deliver to %s: %w", inbox, err)
	}
	req.Header.Set("Content-Type", ContentTypeActivity)
	req.Header.Set("Accept", AcceptActivity)
	if err := s.Sign(req, activity); err != nil {
		return fmt.Errorf("deliver to %s: %w", inbox, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("deliver to %s: %w", inbox, err)
	}
	defer resp.Body.Close()
	// Drain a little so the connection can be reused; the answer is not needed.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return statusError(resp, inbox, time.Now())
	}
	return nil
}
