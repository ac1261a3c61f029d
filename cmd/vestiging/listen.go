package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// netFlags are how serve meets the internet: behind reverse proxies, or
// serving TLS itself from certificate files or with ACME.
type netFlags struct {
	trustedProxies listFlag
	tlsCert        string
	tlsKey         string
	acme           bool
	acmeEmail      string
	acmeDirectory  string
	httpListen     string
}

func (n *netFlags) register(fs *flag.FlagSet) {
	fs.Var(&n.trustedProxies, "trusted-proxies", "reverse proxies, as addresses or CIDRs separated by commas, whose X-Forwarded-For, -Proto and -Host are believed")
	fs.StringVar(&n.tlsCert, "tls-cert", "", "serve https with this certificate file (PEM, with its chain); needs --tls-key")
	fs.StringVar(&n.tlsKey, "tls-key", "", "the certificate's private key file (PEM)")
	fs.BoolVar(&n.acme, "acme", false, "serve https with a certificate from Let's Encrypt (ACME) for the --base-url host, kept in <data>/acme")
	fs.StringVar(&n.acmeEmail, "acme-email", "", "--acme: contact address for the certificate authority's expiry warnings")
	fs.StringVar(&n.acmeDirectory, "acme-directory", "", "--acme: the certificate authority's directory URL; default Let's Encrypt")
	fs.StringVar(&n.httpListen, "http-listen", "", `also listen for plain http here (":80") to redirect visitors to the base URL and answer ACME challenges`)
}

// netSettings are the checked netFlags.
type netSettings struct {
	proxies []netip.Prefix
	tls     *tls.Config // nil serves plain http
	acme    *autocert.Manager
}

// check validates the flags with the base URL and returns what serve needs;
// it reads the certificate files but contacts no certificate authority.
func (n *netFlags) check(base *url.URL, data string) (*netSettings, []string) {
	var problems []string
	ns := &netSettings{}
	for _, p := range n.trustedProxies {
		prefix, err := parsePrefix(p)
		if err != nil {
			problems = append(problems, fmt.Sprintf("--trusted-proxies: %q is not an address or CIDR such as 10.0.0.0/8", p))
			continue
		}
		ns.proxies = append(ns.proxies, prefix)
	}
	if n.httpListen != "" {
		if err := checkAddr(n.httpListen); err != nil {
			problems = append(problems, fmt.Sprintf("--http-listen: %v", err))
		}
	}
	switch {
	case n.acme && (n.tlsCert != "" || n.tlsKey != ""):
		problems = append(problems, "--acme gets certificates itself: leave out --tls-cert and --tls-key")
	case n.acme:
		host := base.Hostname()
		if base.Scheme != "https" || net.ParseIP(host) != nil || !strings.Contains(host, ".") {
			problems = append(problems, fmt.Sprintf("--acme needs an https --base-url with a public domain name, not %s", base))
			break
		}
		ns.acme = &autocert.Manager{
			Prompt:     autocert.AcceptTOS,
			Cache:      autocert.DirCache(filepath.Join(data, "acme")),
			HostPolicy: autocert.HostWhitelist(host),
			Email:      n.acmeEmail,
		}
		if n.acmeDirectory != "" {
			ns.acme.Client = &acme.Client{DirectoryURL: n.acmeDirectory}
		}
		ns.tls = ns.acme.TLSConfig()
	case n.tlsCert != "" || n.tlsKey != "":
		if n.tlsCert == "" || n.tlsKey == "" {
			problems = append(problems, "--tls-cert and --tls-key go together")
			break
		}
		files, err := loadCertFiles(n.tlsCert, n.tlsKey)
		if err != nil {
			problems = append(problems, fmt.Sprintf("--tls-cert %s, --tls-key %s: %v", n.tlsCert, n.tlsKey, err))
			break
		}
		if err := files.cert.Leaf.VerifyHostname(base.Hostname()); err != nil {
			problems = append(problems, fmt.Sprintf("--tls-cert %s is not valid for the base URL: %v", n.tlsCert, err))
			break
		}
		ns.tls = &tls.Config{GetCertificate: files.GetCertificate, MinVersion: tls.VersionTLS12}
	}
	if n.acmeEmail != "" && !n.acme || n.acmeDirectory != "" && !n.acme {
		problems = append(problems, "--acme-email and --acme-directory are for --acme")
	}
	return ns, problems
}

// redirect answers the plain-http listener: ACME http-01 challenges when
// ACME is on, and a permanent redirect to the base URL for the rest.
func (ns *netSettings) redirect(base *url.URL) http.Handler {
	h := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := *base
		target.Path, target.RawQuery = r.URL.Path, r.URL.RawQuery
		http.Redirect(w, r, target.String(), http.StatusMovedPermanently)
	}))
	if ns.acme != nil {
		h = ns.acme.HTTPHandler(h)
	}
	return h
}

// certFiles serves the certificate in its files and reads them again when
// they change, so a renewed certificate (certbot's) is used without a restart.
type certFiles struct {
	certFile, keyFile string
	every             time.Duration // how often the files are looked at
	mu                sync.Mutex
	cert              *tls.Certificate
	modTime           time.Time // the newer of the files' times when cert was read
	checked           time.Time
}

func loadCertFiles(certFile, keyFile string) (*certFiles, error) {
	c := &certFiles{certFile: certFile, keyFile: keyFile, every: time.Minute, checked: time.Now()}
	modTime, err := c.modified()
	if err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	c.cert, c.modTime = &cert, modTime
	return c, nil
}

// modified returns the newer of the two files' modification times.
func (c *certFiles) modified() (time.Time, error) {
	var newest time.Time
	for _, f := range []string{c.certFile, c.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return time.Time{}, err
		}
		if fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
	}
	return newest, nil
}

// GetCertificate returns the certificate, read again when its files
// changed. Files that do not load (a renewal half written) leave the
// current certificate in use until the next look.
func (c *certFiles) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now(); now.Sub(c.checked) >= c.every {
		c.checked = now
		if modTime, err := c.modified(); err == nil && !modTime.Equal(c.modTime) {
			if cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile); err == nil {
				c.cert, c.modTime = &cert, modTime
			}
		}
	}
	return c.cert, nil
}

// parsePrefix reads a CIDR, or one address as the prefix of just it.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// checkAddr validates a listen address, host:port with the host optional.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %v", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: the port must be a number from 0 to 65535", addr)
	}
	return nil
}
