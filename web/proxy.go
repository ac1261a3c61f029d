package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// forwardedKey holds, in a request's context, the scheme a trusted proxy
// said the visitor used.
type forwardedKey struct{}

// forwarded believes X-Forwarded-For, -Proto and -Host only when the peer
// is one of the trusted proxies; from anyone else they are ignored, so a
// visitor cannot pick the address the rate limits and logs see. The client
// is the rightmost address in X-Forwarded-For that is not itself a trusted
// proxy, since each proxy appends the peer it saw and only the left part
// can be forged.
func (s *Server) forwarded(next http.Handler) http.Handler {
	if len(s.proxies) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, ok := remoteAddr(r.RemoteAddr)
		if !ok || !s.trustedProxy(peer) {
			next.ServeHTTP(w, r)
			return
		}
		r = r.Clone(r.Context())
		if client, ok := s.forwardedFor(r.Header.Values("X-Forwarded-For")); ok {
			r.RemoteAddr = client.String()
		}
		if proto := strings.ToLower(lastValue(r.Header.Values("X-Forwarded-Proto"))); proto == "https" || proto == "http" {
			r = r.WithContext(context.WithValue(r.Context(), forwardedKey{}, proto))
		}
		if host := lastValue(r.Header.Values("X-Forwarded-Host")); validHost(host) {
			// The origin check of forms and the signatures of inbox posts
			// compare against the host the visitor or peer addressed.
			r.Host = host
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor returns the rightmost untrusted address of the
// X-Forwarded-For lists, or the leftmost when all are proxies. A malformed
// entry ends the walk: what is left of it cannot be believed.
func (s *Server) forwardedFor(headers []string) (netip.Addr, bool) {
	var hops []string
	for _, h := range headers {
		hops = append(hops, strings.Split(h, ",")...)
	}
	var client netip.Addr
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := remoteAddr(strings.TrimSpace(hops[i]))
		if !ok {
			break
		}
		client = a
		if !s.trustedProxy(a) {
			break
		}
	}
	return client, client.IsValid()
}

// remoteAddr parses "ip", "ip:port" or "[ipv6]:port", unmapping IPv4 in IPv6.
func remoteAddr(s string) (netip.Addr, bool) {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// lastValue is the last comma-separated value of a header: the one the
// nearest proxy set.
func lastValue(values []string) string {
	if len(values) == 0 {
		return ""
	}
	v := values[len(values)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// validHost accepts host or host:port of letters, digits and the
// punctuation of names and addresses.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.ContainsRune(".-:[]", c):
		default:
			return false
		}
	}
	return true
}

// https reports whether the visitor reached the site over https: the base
// URL says so, the connection is TLS, or a trusted proxy said so. Cookies
// are marked Secure then.
func (s *Server) https(r *http.Request) bool {
	proto, _ := r.Context().Value(forwardedKey{}).(string)
	return s.secure || r.TLS != nil || proto == "https"
}
