// Package mail sends the site's email over SMTP with go-mail, from a River
// job, so a slow or unreachable mail server never holds up a request and a
// temporary failure is retried.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/riverqueue/river"
	gomail "github.com/wneessen/go-mail"

	"github.com/vestiging/vestiging"
)

// TLS modes of the connection to the SMTP server.
const (
	TLSNone     = "none"     // plain text, for a server on the same machine
	TLSStartTLS = "starttls" // upgrade with STARTTLS, required (port 587)
	TLSImplicit = "tls"      // TLS from the start (port 465)
)

// Config says how to reach the SMTP server.
type Config struct {
	Host     string
	Port     int // 0: 587, or 465 with TLSImplicit, or 25 with TLSNone
	Username string
	Password string // with Username: authenticate (PLAIN, LOGIN, CRAM-MD5 or SCRAM, as offered)
	TLS      string // TLSNone, TLSStartTLS (default) or TLSImplicit
	From     string // sender, e.g. "Bibliotheek Rivierenland <agenda@bibliotheek.example>"

	// TLSConfig overrides the TLS settings, e.g. to trust a test server's
	// certificate; nil verifies the server's certificate for Host.
	TLSConfig *tls.Config
	Timeout   time.Duration // per connection; 0: 30 s
}

// Sender sends one mail now.
type Sender interface {
	Send(ctx context.Context, m vestiging.Mail) error
}

// SMTP sends mail through an SMTP server.
type SMTP struct {
	cfg  Config
	from *netmail.Address
}

// NewSMTP checks cfg and returns a sender for it.
func NewSMTP(cfg Config) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, vestiging.Errorf(vestiging.EINVALID, "mail: no SMTP host given")
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if cfg.Port == 0 {
		cfg.Port = map[string]int{TLSNone: 25, TLSStartTLS: 587, TLSImplicit: 465}[cfg.TLS]
	}
	if cfg.Port == 0 {
		return nil, vestiging.Errorf(vestiging.EINVALID, "mail: TLS mode %q: use none, starttls or tls", cfg.TLS)
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, vestiging.Errorf(vestiging.EINVALID, "mail: port %d is not a port", cfg.Port)
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, vestiging.Errorf(vestiging.EINVALID, "mail: sender %q is not an email address", cfg.From)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &SMTP{cfg: cfg, from: from}, nil
}

// client builds a go-mail client for one delivery.
func (s *SMTP) client() (*gomail.Client, error) {
	tc := s.cfg.TLSConfig
	if tc == nil {
		tc = &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
	}
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.cfg.Timeout), gomail.WithTLSConfig(tc)}
	switch s.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	}
	if s.cfg.Username != "" {
		// Over TLS, the strongest mechanism the server offers; without it,
		// PLAIN, which go-mail otherwise refuses to send unencrypted: the
		// operator chose "none" for a relay on a trusted network.
		auth := gomail.SMTPAuthAutoDiscover
		if s.cfg.TLS == TLSNone {
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	return gomail.NewClient(s.cfg.Host, opts...)
}

// message turns a mail into a go-mail message.
func (s *SMTP) message(m vestiging.Mail) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	msg.FromMailAddress(s.from)
	if err := msg.To(m.To); err != nil {
		return nil, vestiging.Errorf(vestiging.EINVALID, "mail: recipient %q is not an email address", m.To)
	}
	msg.Subject(m.Subject)
	msg.SetMessageID()
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		msg.AttachReadSeeker(a.Name, strings.NewReader(string(a.Data)), gomail.WithFileContentType(gomail.ContentType(ct)))
	}
	return msg, nil
}

// Send delivers m. A refusal that will not change (the server rejects the
// sender or recipient for good, or the mail is malformed) is EINVALID;
// anything else is worth trying again later.
func (s *SMTP) Send(ctx context.Context, m vestiging.Mail) error {
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return vestiging.Errorf(vestiging.EINVALID, "mail: %v", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		if permanent(err) {
			return &vestiging.Error{Code: vestiging.EINVALID, Message: "The mail server refused the mail.", Err: err}
		}
		return &vestiging.Error{Code: vestiging.EUNAVAILABLE, Message: "The mail server is not available.",
			Err: fmt.Errorf("smtp %s: %w", net.JoinHostPort(s.cfg.Host, fmt.Sprint(s.cfg.Port)), err)}
	}
	return nil
}

// permanent reports whether the server refused the sender or a recipient
// with a 5xx reply, which sending again would not change.
func permanent(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) || se.IsTemp() {
		return false
	}
	return (se.Reason == gomail.ErrSMTPMailFrom || se.Reason == gomail.ErrSMTPRcptTo) && se.ErrorCode() >= 500
}

// Log "sends" mail by logging it, links and all, so a site without an SMTP
// server (`make run`) still shows what it would have sent.
type Log struct {
	Logger *slog.Logger
}

// Send logs m at info.
func (l Log) Send(ctx context.Context, m vestiging.Mail) error {
	names := make([]string, len(m.Attachments))
	for i, a := range m.Attachments {
		names[i] = a.Name
	}
	l.Logger.InfoContext(ctx, "mail not sent (no --smtp-host): "+m.Subject, "to", m.To, "text", m.Text,
		"attachments", strings.Join(names, ","))
	return nil
}

// Worker sends MailJobs.
type Worker struct {
	river.WorkerDefaults[vestiging.MailJob]
	sender Sender
	log    *slog.Logger
}

// NewWorker returns the worker of MailJobs, sending with sender.
func NewWorker(sender Sender, log *slog.Logger) *Worker {
	if log == nil {
		log = slog.Default()
	}
	return &Worker{sender: sender, log: log}
}

// Register adds the mail worker to workers.
func Register(workers *river.Workers, sender Sender, log *slog.Logger) {
	river.AddWorker(workers, NewWorker(sender, log))
}

// Work sends the job's mail; a permanent refusal ends the job, since
// retrying would only be refused again.
func (w *Worker) Work(ctx context.Context, job *river.Job[vestiging.MailJob]) error {
	err := w.sender.Send(ctx, job.Args.Mail)
	if vestiging.ErrorCode(err) == vestiging.EINVALID {
		w.log.WarnContext(ctx, "mail refused; not retrying", "to", job.Args.Mail.To, "subject", job.Args.Mail.Subject, "err", err)
		return river.JobCancel(err)
	}
	return err
}

// Timeout bounds one attempt: a connection, the conversation and the data.
func (w *Worker) Timeout(*river.Job[vestiging.MailJob]) time.Duration { return 2 * time.Minute }
