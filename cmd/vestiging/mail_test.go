package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/mail"
	"github.com/vestiging/vestiging/mail/mailtest"
)

// TestServeMail runs the binary with --smtp-* flags against a real SMTP
// server: a sign-up's confirmation mail arrives, from --mail-from.
func TestServeMail(t *testing.T) {
	smtp := mailtest.StartWith(t, mailtest.Options{TLS: mail.TLSNone, Username: "agenda", Password: "geheim"})
	s := startServer(t, "--data", t.TempDir(), "--smtp-host", smtp.Host, "--smtp-port", strconv.Itoa(smtp.Port),
		"--smtp-tls", "none", "--smtp-user", "agenda", "--smtp-password", "geheim", "--mail-from", "Bieb <agenda@bieb.example>")
	defer s.stop(t)
	form := url.Values{"email": {"anna@example.nl"}, "display_name": {"Anna"}, "handle": {"anna"},
		"password": {"correct horse battery"}, "password_confirm": {"correct horse battery"}}
	resp, err := http.PostForm(s.url+"/signup", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-up: status %d", resp.StatusCode)
	}
	m := smtp.WaitFor(t, "anna@example.nl", 15*time.Second)
	if m.From != "agenda@bieb.example" || !strings.Contains(m.Link(t, "/confirm?token="), "/confirm?token=") {
		t.Errorf("mail from %q:\n%s", m.From, m.Text)
	}
}

// TestWaitlistReminder runs the reminder through the real queue: the event
// moves to within a day, so the store queues a RegistrantsJob due at once;
// federation's worker fans it out as one RegistrationMailJob per
// registration with a place or on the waitlist, the web's worker writes
// each mail and the mail worker sends it over SMTP. The person on the
// waitlist gets theirs, saying they still wait.
func TestWaitlistReminder(t *testing.T) {
	smtp := mailtest.Start(t)
	sender, err := mail.NewSMTP(smtp.Config())
	if err != nil {
		t.Fatal(err)
	}
	n := startNode(t, "A", "", false, func(c *serveConfig) { c.Mail = sender })
	ctx := context.Background()
	start := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Minute)
	e := &vestiging.Event{Title: "Schrijfcafé", Status: vestiging.StatusPublished, StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		OnlineURL: "https://meet.example/schrijfcafe", RegistrationMode: vestiging.RegistrationOpen, Capacity: 1}
	if err := n.DB.CreateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ handle, state string }{
		{"bert", vestiging.RegistrationConfirmed},
		{"anna", vestiging.RegistrationWaitlisted},
	} {
		r := &vestiging.Registration{EventID: e.ID, PersonID: n.person(p.handle).ID}
		if err := n.DB.Register(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.State != p.state {
			t.Fatalf("%s: %s, want %s", p.handle, r.State, p.state)
		}
	}
	e.StartsAt = time.Now().UTC().Add(20 * time.Hour).Truncate(time.Minute)
	e.EndsAt = e.StartsAt.Add(2 * time.Hour)
	if err := n.DB.UpdateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ to, says string }{
		{"anna@mail.example", "Je staat nog op de wachtlijst"},
		{"bert@mail.example", "Ter herinnering: Schrijfcafé is morgen."},
	} {
		reminder := waitSubject(t, smtp, p.to, "Morgen: Schrijfcafé")
		if !strings.Contains(reminder.Text, p.says) {
			t.Errorf("the reminder to %s does not say %q:\n%s", p.to, p.says, reminder.Text)
		}
	}
}

// waitSubject waits for a mail to to with the subject and returns it.
func waitSubject(t *testing.T, smtp *mailtest.Server, to, subject string) mailtest.Message {
	t.Helper()
	var found mailtest.Message
	eventually(t, e2eWait, func() error {
		var got []string
		for _, m := range smtp.MessagesTo(to) {
			if m.Subject == subject {
				found = m
				return nil
			}
			got = append(got, m.Subject)
		}
		return fmt.Errorf("mails to %s: %q, want %q", to, got, subject)
	})
	return found
}
