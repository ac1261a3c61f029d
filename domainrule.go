package vestiging

import (
	"net/url"
	"strings"
)

// Validate normalises a domain rule before it is stored: the host in lower
// case, taken from a pasted address when need be, and a known mode.
func (r *DomainRule) Validate() error {
	v := Validation{}
	r.Host = normalizeHost(r.Host)
	if r.Host == "" {
		v.Add("host", "Give a domain name, such as bibliotheek.example.nl.")
	}
	if !isOneOf(r.Mode, DomainBlock, DomainSilence, DomainAllow) {
		v.Add("mode", "Choose block, silence or allow.")
	}
	r.Reason = strings.TrimSpace(r.Reason)
	checkText(v, "reason", r.Reason, false, 500)
	return v.Err()
}

// normalizeHost returns host[:port] in lower case from a host name or an
// address, or "" when s names no host.
func normalizeHost(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if !strings.Contains(s, "://") {
		s = "//" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || strings.ContainsAny(u.Host, " \t%") ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return ""
	}
	return strings.TrimSuffix(u.Host, ".")
}
