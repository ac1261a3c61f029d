package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/acme/autocert"
)

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// setting finds key's line in config check's output: its value and source.
func setting(t *testing.T, out, key string) (value, source string) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + key + `\s+= (.*?)\s+# (.*)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %s in %q", key, out)
	}
	return m[1], m[2]
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "vestiging.toml", "# a comment\nworkers = 5\nhandle = \"bieb\"\n")
	tests := []struct {
		name       string
		env        []string
		args       []string
		wantValue  string
		wantSource string
	}{
		{name: "default", wantValue: "20", wantSource: "default"},
		{name: "file", args: []string{"--config", file}, wantValue: "5", wantSource: "file " + file},
		{name: "file from VESTIGING_CONFIG", env: []string{"VESTIGING_CONFIG=" + file}, wantValue: "5", wantSource: "file " + file},
		{name: "environment over file", env: []string{"VESTIGING_WORKERS=7"}, args: []string{"--config=" + file},
			wantValue: "7", wantSource: "environment VESTIGING_WORKERS"},
		{name: "flag over environment", env: []string{"VESTIGING_WORKERS=7", "VESTIGING_CONFIG=" + file}, args: []string{"--workers", "9"},
			wantValue: "9", wantSource: "command line"},
		{name: "flag before config", args: []string{"-workers=9", "-config", file}, wantValue: "9", wantSource: "command line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runEnv(t, tt.env, append([]string{"config", "check"}, tt.args...)...)
			wantOK(t, r)
			value, source := setting(t, r.stdout, "workers")
			if value != tt.wantValue || source != tt.wantSource {
				t.Errorf("workers = %s # %s; want %s # %s", value, source, tt.wantValue, tt.wantSource)
			}
		})
	}
	t.Run("serve reads the file", func(t *testing.T) {
		s := startServer(t, "--data", t.TempDir(), "--config", file)
		defer s.stop(t)
		if out := strings.Join(s.stdout, "\n"); !strings.Contains(out, "@bieb@") {
			t.Errorf("stdout %q lacks the handle from the file", out)
		}
	})
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string
		env     []string
		want    string
	}{
		{name: "unknown key", content: "workers = 5\nwrokers = 6\n", want: `unknown key "wrokers"`},
		{name: "dashes", content: "base-url = \"https://x.nl\"\n", want: `unknown key "base-url" (keys are written with underscores: base_url)`},
		{name: "table", content: "[server]\nlisten = \":80\"\n", want: `unknown key "server"`},
		{name: "string for a number", content: "workers = \"5\"\n", want: "workers must be a whole number, not a string in quotes"},
		{name: "number for a string", content: "listen = 8080\n", want: "listen must be a string in quotes, not a whole number"},
		{name: "string for a bool", content: "demo = \"yes\"\n", want: "demo must be true or false, not a string in quotes"},
		{name: "list of numbers", content: "trusted_proxies = [10]\n", want: "trusted_proxies must be a list of strings, not a list holding a whole number"},
		{name: "syntax", content: "workers = 5\nbase_url = \n", want: "line 2:"},
		{name: "value and file", content: "database = \"x.db\"\ndatabase_file = \"/nonexistent\"\n", want: "set database or database_file, not both"},
		{name: "missing secret file", content: "database_file = \"/nonexistent/secret\"\n", want: "database_file: open /nonexistent/secret"},
		{name: "variable and file variable", env: []string{"VESTIGING_DATABASE=x.db", "VESTIGING_DATABASE_FILE=/nonexistent"},
			want: "set VESTIGING_DATABASE or VESTIGING_DATABASE_FILE, not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, dir, strings.ReplaceAll(tt.name, " ", "_")+".toml", tt.content)
			for _, cmd := range [][]string{{"config", "check"}, {"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir()}} {
				r := runEnv(t, tt.env, append(cmd, "--config", file)...)
				wantError(t, r, exitCode(cmd[0], tt.env), tt.want)
			}
		})
	}
	t.Run("another command's key", func(t *testing.T) {
		file := writeFile(t, dir, "admin.toml", "workers = 5\nhandle = \"bieb\"\n")
		wantOK(t, runCmd(t, "migrate", "--data", t.TempDir(), "--config", file))
	})
	t.Run("missing file", func(t *testing.T) {
		wantError(t, runCmd(t, "config", "check", "--config", filepath.Join(dir, "none.toml")), 1, "none.toml: no such file")
	})
}

// exitCode is the exit status of a bad setting: 2 for a mistake on the
// command line or in the environment, 1 in a file, and always 1 from
// config check, whose contract is exit 0 or 1.
func exitCode(cmd string, env []string) int {
	if cmd == "serve" && len(env) > 0 {
		return 2
	}
	return 1
}

func TestConfigSecrets(t *testing.T) {
	dir := t.TempDir()
	secret := writeFile(t, dir, "database", "postgres://vestiging:geheim@db.bieb.example.nl:5432/vestiging?sslmode=disable\n")
	want := `"postgres://vestiging:****@db.bieb.example.nl:5432/vestiging?sslmode=disable"`
	tests := []struct {
		name       string
		env        []string
		args       []string
		wantSource string
	}{
		{name: "file key", args: []string{"--config", writeFile(t, dir, "c.toml", "database_file = \""+secret+"\"\n")}, wantSource: "file " + filepath.Join(dir, "c.toml") + ", database_file"},
		{name: "variable", env: []string{"VESTIGING_DATABASE_FILE=" + secret}, wantSource: "environment VESTIGING_DATABASE_FILE"},
		{name: "flag", args: []string{"--database", "postgres://vestiging:geheim@db.bieb.example.nl:5432/vestiging?sslmode=disable"}, wantSource: "command line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runEnv(t, tt.env, append([]string{"config", "check"}, tt.args...)...)
			wantOK(t, r)
			value, source := setting(t, r.stdout, "database")
			if value != want || !strings.HasPrefix(source, tt.wantSource) {
				t.Errorf("database = %s # %s; want %s # %s…", value, source, want, tt.wantSource)
			}
			if strings.Contains(r.stdout, "geheim") {
				t.Errorf("the password shows: %q", r.stdout)
			}
		})
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{"database", "postgres://u:p@h/db", "postgres://u:****@h/db"},
		{"database", "postgres://u@h/db?password=p&sslmode=require", "postgres://u@h/db?password=****&sslmode=require"},
		{"database", "postgres://u@h/db", "postgres://u@h/db"},
		{"database", "/var/lib/vestiging/vestiging.db", "/var/lib/vestiging/vestiging.db"},
		{"smtp-password", "geheim", "****"},
		{"webhook-secret", "geheim", "****"},
		{"smtp-url", "smtp://u:geheim@mail.example.nl:587", "smtp://u:****@mail.example.nl:587"},
		{"base-url", "https://agenda.bieb.example.nl", "https://agenda.bieb.example.nl"},
		{"password", "", ""},
	}
	for _, tt := range tests {
		if got := mask(tt.name, tt.value); got != tt.want {
			t.Errorf("mask(%q, %q) = %q, want %q", tt.name, tt.value, got, tt.want)
		}
	}
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir, "agenda.bieb.example.nl")
	tests := []struct {
		name string
		args []string
		want string // "" is valid
	}{
		{name: "OK", args: []string{"--base-url", "https://agenda.bieb.example.nl", "--tls-cert", cert, "--tls-key", key,
			"--trusted-proxies", "127.0.0.1,10.0.0.0/8,fd00::/8", "--listen", ":443", "--http-listen", ":80"}},
		{name: "https with allow-loopback", args: []string{"--base-url", "https://x.nl", "--allow-loopback"}, want: "--allow-loopback is for local trials"},
		{name: "relative base URL", args: []string{"--base-url", "agenda.nl"}, want: `--base-url "agenda.nl" must be an absolute`},
		{name: "listen", args: []string{"--listen", "8080"}, want: `--listen: "8080" is not host:port`},
		{name: "port", args: []string{"--listen", ":99999"}, want: "the port must be a number from 0 to 65535"},
		{name: "trusted proxy", args: []string{"--trusted-proxies", "10.0.0.0/8,proxy"}, want: `--trusted-proxies: "proxy" is not an address or CIDR`},
		{name: "database", args: []string{"--database", "mysql://x:y@h/db"}, want: "--database must be a postgres:// URL or the path of a SQLite file"},
		{name: "missing certificate", args: []string{"--base-url", "https://agenda.bieb.example.nl", "--tls-cert", filepath.Join(dir, "none.pem"), "--tls-key", key},
			want: "none.pem: no such file"},
		{name: "certificate without key", args: []string{"--tls-cert", cert}, want: "--tls-cert and --tls-key go together"},
		{name: "key of another certificate", args: []string{"--tls-cert", cert, "--tls-key", cert}, want: "--tls-key"},
		{name: "certificate for another host", args: []string{"--base-url", "https://other.example.nl", "--tls-cert", cert, "--tls-key", key},
			want: "is not valid for the base URL"},
		{name: "acme over http", args: []string{"--acme"}, want: "--acme needs an https --base-url with a public domain name"},
		{name: "acme and files", args: []string{"--base-url", "https://agenda.bieb.example.nl", "--acme", "--tls-cert", cert, "--tls-key", key},
			want: "leave out --tls-cert and --tls-key"},
		{name: "log level", args: []string{"--log-level", "loud"}, want: `--log-level "loud" must be debug, info, warn or error`},
		{name: "metrics address", args: []string{"--metrics-listen", "localhost"}, want: `--metrics-listen: "localhost" is not host:port`},
		{name: "several problems at once", args: []string{"--listen", "x", "--workers", "0"}, want: "--listen: \"x\" is not host:port: address x: missing port in address; --workers must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, append([]string{"config", "check", "--data", dir}, tt.args...)...)
			if tt.want == "" {
				wantOK(t, r)
				if !strings.Contains(r.stdout, "# The configuration is valid.") {
					t.Errorf("stdout %q lacks the verdict", r.stdout)
				}
				return
			}
			wantError(t, r, 1, tt.want)
		})
	}
}

// selfSigned writes a self-signed certificate for host, localhost and
// 127.0.0.1 and its key, and returns their paths.
func selfSigned(t *testing.T, dir, host string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{host, "localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = writeFile(t, dir, host+".pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	keyFile = writeFile(t, dir, host+".key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))
	return certFile, keyFile
}

// TestServeTLS serves https from certificate files: a client trusting the
// self-signed certificate gets the pages, with HSTS and HTTP/2.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir, "localhost")
	s := startServer(t, "--data", t.TempDir(), "--base-url", "https://localhost", "--tls-cert", cert, "--tls-key", key)
	defer s.stop(t)
	if !strings.HasPrefix(s.url, "https://") {
		t.Fatalf("serving on %s, want https", s.url)
	}
	pem, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	for _, path := range []string{"/", "/agenda", "/healthz"} {
		resp, err := client.Get(s.url + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		if got, want := resp.StatusCode, http.StatusOK; got != want {
			t.Errorf("GET %s: status %d, want %d", path, got, want)
		}
		if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
			t.Errorf("GET %s: Strict-Transport-Security %q", path, got)
		}
		if got, want := resp.Proto, "HTTP/2.0"; got != want {
			t.Errorf("GET %s: protocol %s, want %s", path, got, want)
		}
	}
	t.Run("untrusted certificate refused", func(t *testing.T) {
		if resp, err := http.Get(s.url + "/"); err == nil {
			resp.Body.Close()
			t.Error("a client without the certificate connected")
		}
	})
}

// TestACME checks the ACME set-up without contacting a certificate
// authority: certificates only for the base URL's host, cached in the
// data directory, and the plain-http listener's answers.
func TestACME(t *testing.T) {
	data := t.TempDir()
	base, _ := url.Parse("https://agenda.bieb.example.nl")
	n := netFlags{acme: true, acmeEmail: "ict@bieb.example.nl"}
	ns, problems := n.check(base, data)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	m := ns.acme
	t.Run("host policy", func(t *testing.T) {
		if err := m.HostPolicy(t.Context(), "agenda.bieb.example.nl"); err != nil {
			t.Errorf("the base URL's host refused: %v", err)
		}
		for _, host := range []string{"bieb.example.nl", "evil.example", "127.0.0.1"} {
			if err := m.HostPolicy(t.Context(), host); err == nil {
				t.Errorf("host %s allowed", host)
			}
		}
		if _, err := ns.tls.GetCertificate(&tls.ClientHelloInfo{ServerName: "evil.example"}); err == nil {
			t.Error("a certificate for another host")
		}
	})
	t.Run("cache", func(t *testing.T) {
		if got, want := m.Cache, autocert.DirCache(filepath.Join(data, "acme")); got != want {
			t.Errorf("cache %v, want %v", got, want)
		}
	})
	t.Run("TLS-ALPN", func(t *testing.T) {
		if !slices.Contains(ns.tls.NextProtos, "acme-tls/1") {
			t.Errorf("NextProtos %v lack acme-tls/1", ns.tls.NextProtos)
		}
	})
	t.Run("plain http", func(t *testing.T) {
		srv := httptest.NewServer(ns.redirect(base))
		defer srv.Close()
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(srv.URL + "/agenda?theme=leesplezier")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got, want := resp.Header.Get("Location"), "https://agenda.bieb.example.nl/agenda?theme=leesplezier"; resp.StatusCode != http.StatusMovedPermanently || got != want {
			t.Errorf("status %d to %q, want 301 to %q", resp.StatusCode, got, want)
		}
		resp, err = c.Get(srv.URL + "/.well-known/acme-challenge/unknown-token")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusMovedPermanently {
			t.Error("an ACME challenge was redirected")
		}
	})
}

// TestServeNewerSchema: on a database a newer vestiging made, serve says so
// in one line and exits 1 without touching it.
func TestServeNewerSchema(t *testing.T) {
	data := t.TempDir()
	wantOK(t, runCmd(t, "migrate", "--data", data))
	db := openStore(t, data)
	if _, err := db.SQL().ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at)
		SELECT 9999, 'future', applied_at FROM schema_migrations WHERE version = 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r := runCmd(t, "serve", "--listen", "127.0.0.1:0", "--data", data)
	wantError(t, r, 1, "database schema 9999 is newer than this vestiging")
	if v, err := openStore(t, data).SchemaVersion(t.Context()); err != nil || v != 9999 {
		t.Errorf("schema version %d, %v after the refused start", v, err)
	}
}

// TestCertReload: renewed certificate files are served without a restart;
// files that do not load keep the certificate in use.
func TestCertReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir, "old.bieb.example.nl")
	c, err := loadCertFiles(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	c.every = 0
	serves := func(want string) {
		t.Helper()
		cert, err := c.GetCertificate(nil)
		if err != nil || cert.Leaf.Subject.CommonName != want {
			t.Fatalf("serving %v (%v), want %s", cert.Leaf.Subject.CommonName, err, want)
		}
	}
	serves("old.bieb.example.nl")
	renewed, renewedKey := selfSigned(t, dir, "new.bieb.example.nl")
	later := time.Now().Add(time.Minute)
	for from, to := range map[string]string{renewed: certFile, renewedKey: keyFile} {
		if err := os.Rename(from, to); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(to, later, later); err != nil {
			t.Fatal(err)
		}
	}
	serves("new.bieb.example.nl")
	writeFile(t, dir, filepath.Base(keyFile), "half written")
	if err := os.Chtimes(keyFile, later.Add(time.Minute), later.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	serves("new.bieb.example.nl")
}

// TestServeTrustedProxies: serve passes --trusted-proxies to the site, whose
// cookies are Secure when the trusted proxy says the visitor came over https.
func TestServeTrustedProxies(t *testing.T) {
	tests := []struct {
		name    string
		proxies string
		want    bool
	}{
		{name: "trusted", proxies: "127.0.0.1", want: true},
		{name: "not trusted", proxies: "10.0.0.0/8", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, "--data", t.TempDir(), "--trusted-proxies", tt.proxies)
			defer s.stop(t)
			req, err := http.NewRequest(http.MethodGet, s.url+"/?lang=en", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Forwarded-Proto", "https")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			cookies := resp.Cookies()
			if len(cookies) != 1 || cookies[0].Secure != tt.want {
				t.Errorf("cookies %v, want one with Secure %v", cookies, tt.want)
			}
		})
	}
}
