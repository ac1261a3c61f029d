package main

import (
	"errors"
	"flag"
	"log/slog"
	"net/url"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/mail"
)

// mailFlags are serve's SMTP settings. Without --smtp-host, mails are
// written to the log instead, so a trial (`make run`) needs no mail server.
type mailFlags struct {
	host, user, password, tls, from string
	port                            int
}

func (m *mailFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.host, "smtp-host", "", "send mail through this SMTP server; empty: write mails (with their links) to the log")
	fs.IntVar(&m.port, "smtp-port", 0, "the SMTP server's port; 0: 587 for starttls, 465 for tls, 25 for none")
	fs.StringVar(&m.user, "smtp-user", "", "SMTP user name; empty: no authentication")
	fs.StringVar(&m.password, "smtp-password", "", "SMTP password (VESTIGING_SMTP_PASSWORD_FILE reads it from a file)")
	fs.StringVar(&m.tls, "smtp-tls", mail.TLSStartTLS, "SMTP encryption: starttls, tls (from the start) or none")
	fs.StringVar(&m.from, "mail-from", "", `sender of the mails, e.g. "Bibliotheek <agenda@bibliotheek.example>"; empty: noreply@ the --base-url host`)
}

// sender checks the flags and returns the mail sender.
func (m *mailFlags) sender(base *url.URL, logger *slog.Logger) (mail.Sender, error) {
	if m.host == "" {
		return mail.Log{Logger: logger}, nil
	}
	from := m.from
	if from == "" {
		from = "noreply@" + base.Hostname()
	}
	s, err := mail.NewSMTP(mail.Config{Host: m.host, Port: m.port, Username: m.user, Password: m.password, TLS: m.tls, From: from})
	if err != nil {
		return nil, errors.New(vestiging.ErrorMessage(err))
	}
	return s, nil
}
