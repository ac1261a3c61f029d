package main

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

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
