package mail_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/mail"
	"github.com/vestiging/vestiging/mail/mailtest"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

func sample(to string) vestiging.Mail {
	return vestiging.Mail{
		To: to, Subject: "Bevestig je e-mailadres — één klik",
		Text: "Hallo Anna,\n\nKlik op de link: http://localhost/confirm?token=abc\n",
		HTML: "<p>Hallo Anna</p>",
		Attachments: []vestiging.MailAttachment{
			{Name: "activiteit.ics", ContentType: "text/calendar; method=PUBLISH", Data: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")},
		},
	}
}

func newSMTP(t *testing.T, cfg mail.Config) *mail.SMTP {
	t.Helper()
	s, err := mail.NewSMTP(cfg)
	if err != nil {
		t.Fatalf("new smtp: %v", err)
	}
	return s
}

func TestSMTPSend(t *testing.T) {
	tests := []struct {
		name string
		opts mailtest.Options
	}{
		{"OK", mailtest.Options{}},
		{"PlainWithAuth", mailtest.Options{TLS: mail.TLSNone, Username: "agenda", Password: "geheim"}},
		{"StartTLS", mailtest.Options{TLS: mail.TLSStartTLS, Username: "agenda", Password: "geheim"}},
		{"ImplicitTLS", mailtest.Options{TLS: mail.TLSImplicit, Username: "agenda", Password: "geheim"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.StartWith(t, tt.opts)
			if err := newSMTP(t, srv.Config()).Send(t.Context(), sample("anna@example.nl")); err != nil {
				t.Fatalf("send: %v", err)
			}
			got := srv.WaitFor(t, "anna@example.nl", 5*time.Second)
			want := sample("anna@example.nl")
			if got.Subject != want.Subject || got.Text != want.Text || got.HTML != want.HTML || got.From != "agenda@bibliotheek.example" {
				t.Errorf("received from %q %q\n%q\n%q", got.From, got.Subject, got.Text, got.HTML)
			}
			if len(got.Attachments) != 1 || got.Attachments[0].Name != "activiteit.ics" ||
				string(got.Attachments[0].Data) != string(want.Attachments[0].Data) ||
				!strings.HasPrefix(got.Attachments[0].ContentType, "text/calendar") {
				t.Errorf("attachments: %+v", got.Attachments)
			}
			if link := got.Link(t, "/confirm?token="); link != "http://localhost/confirm?token=abc" {
				t.Errorf("link %q", link)
			}
		})
	}
}

func TestSMTPSendErrors(t *testing.T) {
	reject := func(code int) func(string) error {
		return func(string) error {
			return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: "nee"}
		}
	}
	closed := mailtest.Start(t).Config()
	closed.Port = 1 // nothing listens on port 1 of the loopback
	tests := []struct {
		name string
		cfg  mail.Config
		code string
	}{
		{"PermanentRefusal", mailtest.StartWith(t, mailtest.Options{Reject: reject(550)}).Config(), vestiging.EINVALID},
		{"TemporaryRefusal", mailtest.StartWith(t, mailtest.Options{Reject: reject(451)}).Config(), vestiging.EUNAVAILABLE},
		{"ServerDown", closed, vestiging.EUNAVAILABLE},
		{"WrongPassword", func() mail.Config {
			c := mailtest.StartWith(t, mailtest.Options{TLS: mail.TLSStartTLS, Username: "agenda", Password: "geheim"}).Config()
			c.Password = "fout"
			return c
		}(), vestiging.EUNAVAILABLE},
		{"UntrustedCertificate", func() mail.Config {
			c := mailtest.StartWith(t, mailtest.Options{TLS: mail.TLSStartTLS}).Config()
			c.TLSConfig = nil
			return c
		}(), vestiging.EUNAVAILABLE},
		{"StartTLSNotOffered", func() mail.Config {
			c := mailtest.Start(t).Config()
			c.TLS = mail.TLSStartTLS
			return c
		}(), vestiging.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newSMTP(t, tt.cfg).Send(t.Context(), sample("anna@example.nl"))
			if got := vestiging.ErrorCode(err); got != tt.code {
				t.Errorf("send: %v: code %q, want %q", err, got, tt.code)
			}
		})
	}
	t.Run("ErrInvalid", func(t *testing.T) {
		srv := mailtest.Start(t)
		err := newSMTP(t, srv.Config()).Send(t.Context(), sample("geen adres"))
		if got := vestiging.ErrorCode(err); got != vestiging.EINVALID {
			t.Errorf("bad recipient: %v, want EINVALID", err)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("%d messages received, want 0", n)
		}
	})
}

func TestNewSMTP(t *testing.T) {
	tests := []struct {
		name string
		cfg  mail.Config
	}{
		{"NoHost", mail.Config{From: "a@example.nl"}},
		{"BadTLS", mail.Config{Host: "127.0.0.1", TLS: "ssl", From: "a@example.nl"}},
		{"BadPort", mail.Config{Host: "127.0.0.1", Port: 70000, From: "a@example.nl"}},
		{"BadFrom", mail.Config{Host: "127.0.0.1", From: "bibliotheek"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := mail.NewSMTP(tt.cfg); vestiging.ErrorCode(err) != vestiging.EINVALID {
				t.Errorf("got %v, want EINVALID", err)
			}
		})
	}
}

// TestWorker sends mail through River on a real database: a temporary
// refusal is retried until the mail goes out; a permanent one cancels the job.
func TestWorker(t *testing.T) {
	var refusals atomic.Int32
	srv := mailtest.StartWith(t, mailtest.Options{Reject: func(to string) error {
		switch {
		case to == "weg@example.nl":
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		case to == "later@example.nl" && refusals.Add(1) == 1:
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		}
		return nil
	}})
	db := storetest.SQLite(t)
	workers := river.NewWorkers()
	mail.Register(workers, newSMTP(t, srv.Config()), nil)
	if err := db.StartJobs(t.Context(), workers, store.JobsConfig{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.StopJobs(context.Background()) })
	for _, to := range []string{"anna@example.nl", "later@example.nl", "weg@example.nl"} {
		if err := db.InsertJob(t.Context(), vestiging.MailJob{Mail: sample(to)}); err != nil {
			t.Fatal(err)
		}
	}
	srv.WaitFor(t, "anna@example.nl", 5*time.Second)
	srv.WaitFor(t, "later@example.nl", 15*time.Second) // River's first retry comes after about a second
	if got := refusals.Load(); got != 2 {
		t.Errorf("later@: %d attempts, want 2", got)
	}
	t.Run("Cancelled", func(t *testing.T) {
		w := mail.NewWorker(newSMTP(t, srv.Config()), nil)
		err := w.Work(t.Context(), &river.Job[vestiging.MailJob]{Args: vestiging.MailJob{Mail: sample("weg@example.nl")}})
		var cancel *river.JobCancelError
		if !errors.As(err, &cancel) {
			t.Errorf("permanent refusal: %v, want the job cancelled", err)
		}
	})
}

// BenchmarkSMTPSend sends one mail with an attachment per operation, each
// over its own connection, as the worker does.
func BenchmarkSMTPSend(b *testing.B) {
	for _, tt := range []struct {
		name string
		opts mailtest.Options
	}{
		{"Plain", mailtest.Options{}},
		{"StartTLS", mailtest.Options{TLS: mail.TLSStartTLS, Username: "agenda", Password: "geheim"}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			srv := mailtest.StartWith(b, tt.opts)
			s, err := mail.NewSMTP(srv.Config())
			if err != nil {
				b.Fatal(err)
			}
			m := sample("anna@example.nl")
			for b.Loop() {
				if err := s.Send(b.Context(), m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
