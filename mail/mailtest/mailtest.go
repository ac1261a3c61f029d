// Package mailtest runs a real SMTP server (emersion/go-smtp) on a loopback
// port for tests, and keeps every message it receives, decoded.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/vestiging/vestiging/mail"
)

// Message is one mail the server received.
type Message struct {
	From        string
	To          []string
	Subject     string
	Text        string // the text/plain part
	HTML        string // the text/html part, if any
	Attachments []Attachment
	Raw         []byte
}

// Attachment is a received attachment.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// Link returns the first link in the text whose path contains part, such
// as "/confirm?token=", and fails the test without one.
func (m Message) Link(t testing.TB, part string) string {
	t.Helper()
	for _, l := range linkPattern.FindAllString(m.Text, -1) {
		if strings.Contains(l, part) {
			return l
		}
	}
	t.Fatalf("no link with %q in the mail %q:\n%s", part, m.Subject, m.Text)
	return ""
}

// Options set up a server other than the plain default.
type Options struct {
	// TLS is mail.TLSNone (default), mail.TLSStartTLS (STARTTLS offered and
	// required before MAIL) or mail.TLSImplicit (TLS from the start), with
	// a self-signed certificate for 127.0.0.1 that Config trusts.
	TLS string
	// Username and Password, when set, are required (AUTH PLAIN).
	Username, Password string
	// Reject, when set, answers RCPT TO with its error, e.g. an
	// *smtp.SMTPError with code 550 (permanent) or 451 (temporary).
	Reject func(to string) error
}

// Server is a running test SMTP server.
type Server struct {
	Host string
	Port int

	opts   Options
	tls    *tls.Config // server side
	caPool *x509.CertPool

	mu       sync.Mutex
	messages []Message
	arrived  chan struct{} // closed and replaced on every message
}

// Start runs a plain SMTP server until the test ends.
func Start(t testing.TB) *Server { return StartWith(t, Options{}) }

// StartWith runs a server with opts until the test ends.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{opts: opts, arrived: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, conn: c}, nil
	}))
	srv.Domain = "127.0.0.1"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.AllowInsecureAuth = opts.TLS == "" || opts.TLS == mail.TLSNone
	if opts.TLS == mail.TLSStartTLS || opts.TLS == mail.TLSImplicit {
		s.selfSign(t)
		srv.TLSConfig = s.tls
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	if opts.TLS == mail.TLSImplicit {
		l = tls.NewListener(l, s.tls)
	}
	addr := l.Addr().(*net.TCPAddr)
	s.Host, s.Port = "127.0.0.1", addr.Port
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Config returns a mail.Config that reaches this server.
func (s *Server) Config() mail.Config {
	cfg := mail.Config{Host: s.Host, Port: s.Port, TLS: s.opts.TLS, From: "Bibliotheek <agenda@bibliotheek.example>",
		Username: s.opts.Username, Password: s.opts.Password, Timeout: 10 * time.Second}
	if cfg.TLS == "" {
		cfg.TLS = mail.TLSNone
	}
	if s.caPool != nil {
		cfg.TLSConfig = &tls.Config{RootCAs: s.caPool, ServerName: s.Host, MinVersion: tls.VersionTLS12}
	}
	return cfg
}

// Messages returns every message received so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// WaitFor waits up to timeout for a message to the address and returns the
// newest one; it fails the test when none arrives.
func (s *Server) WaitFor(t testing.TB, to string, timeout time.Duration) Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		arrived := s.arrived
		for i := len(s.messages) - 1; i >= 0; i-- {
			for _, rcpt := range s.messages[i].To {
				if strings.EqualFold(rcpt, to) {
					m := s.messages[i]
					s.mu.Unlock()
					return m
				}
			}
		}
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-deadline:
			t.Fatalf("mailtest: no mail to %s within %v (%d others received)", to, timeout, len(s.Messages()))
			return Message{}
		}
	}
}

// MessagesTo returns the messages received for the address, oldest first.
func (s *Server) MessagesTo(to string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		for _, rcpt := range m.To {
			if strings.EqualFold(rcpt, to) {
				out = append(out, m)
			}
		}
	}
	return out
}

func (s *Server) add(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// selfSign makes a certificate for 127.0.0.1 and a pool trusting it.
func (s *Server) selfSign(t testing.TB) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("mailtest: key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailtest"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("mailtest: certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("mailtest: certificate: %v", err)
	}
	s.caPool = x509.NewCertPool()
	s.caPool.AddCert(cert)
	s.tls = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
}

// session records one SMTP conversation.
type session struct {
	s    *Server
	conn *smtp.Conn
	auth bool
	from string
	to   []string
}

var errTLSRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}

func (se *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (se *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != se.s.opts.Username || password != se.s.opts.Password {
			return smtp.ErrAuthFailed
		}
		se.auth = true
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.opts.TLS == mail.TLSStartTLS {
		if _, ok := se.conn.TLSConnectionState(); !ok {
			return errTLSRequired
		}
	}
	if se.s.opts.Username != "" && !se.auth {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if se.s.opts.Reject != nil {
		if err := se.s.opts.Reject(to); err != nil {
			return err
		}
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "mailtest cannot parse the message: " + err.Error()}
	}
	m.From, m.To = se.from, append([]string(nil), se.to...)
	se.s.add(m)
	return nil
}

func (se *session) Reset()        { se.from, se.to = "", nil }
func (se *session) Logout() error { return nil }

// parse decodes a MIME message into its text, HTML and attachments.
func parse(raw []byte) (Message, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	m := Message{Raw: raw}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Message{}, err
	}
	err = m.part(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body)
	return m, err
}

// part reads one MIME part, descending into multiparts.
func (m *Message) part(contentType, encoding, disposition string, body io.Reader) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, params = "text/plain", nil
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := m.part(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"),
				p.Header.Get("Content-Disposition"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	_, dparams, _ := mime.ParseMediaType(disposition)
	switch {
	case strings.HasPrefix(disposition, "attachment"):
		name := dparams["filename"]
		if name == "" {
			name = params["name"]
		}
		m.Attachments = append(m.Attachments, Attachment{Name: name, ContentType: contentType, Data: data})
	case mt == "text/html" && m.HTML == "":
		m.HTML = string(data)
	case mt == "text/plain" && m.Text == "":
		m.Text = strings.ReplaceAll(string(data), "\r\n", "\n")
	}
	return nil
}
