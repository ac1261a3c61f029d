package federation

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store/storetest"
)

func TestRuleCovers(t *testing.T) {
	tests := []struct {
		rule, host string
		want       bool
	}{
		{"evil.example", "evil.example", true},
		{"evil.example", "EVIL.example", true},
		{"evil.example", "social.evil.example", true},
		{"evil.example", "evil.example:8443", true},
		{"127.0.0.1:8080", "127.0.0.1:8080", true},
		{"127.0.0.1:8080", "127.0.0.1:8081", false},
		{"evil.example", "notevil.example", false},
		{"evil.example", "evil.example.org", false},
		{"", "evil.example", false},
		{"evil.example", "", false},
	}
	for _, tt := range tests {
		if got := ruleCovers(tt.rule, tt.host); got != tt.want {
			t.Errorf("ruleCovers(%q, %q) = %v, want %v", tt.rule, tt.host, got, tt.want)
		}
	}
}

func TestFetchError(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		permanent bool
	}{
		{"Network", fmt.Errorf("fetch: %w", &url.Error{Op: "Get", URL: "https://x.example/", Err: errors.New("connection refused")}), false},
		{"Unavailable", &StatusError{StatusCode: 503}, false},
		{"TooMany", &StatusError{StatusCode: 429}, false},
		{"Gone", &StatusError{StatusCode: 410}, true},
		{"Refused", fmt.Errorf("fetch: %w", &url.Error{Op: "Get", URL: "https://x.example/", Err: &BlockedAddressError{Reason: "private"}}), true},
		{"WrongID", errors.New(`fetch https://x.example/a: document id "https://y.example/a" is not the URL`), true},
		{"Invalid", vestiging.Errorf(vestiging.EINVALID, "Not a web address."), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isPermanent(fetchError(tt.err)); got != tt.permanent {
				t.Errorf("permanent = %v, want %v", got, tt.permanent)
			}
		})
	}
}

// FuzzInboxProcess feeds activities that pass the inbox's authorisation to
// the inbox worker, over a real store, with a followed peer on loopback.
// The instance runs in allowlist mode with only the peer allowed, so no
// input can make it reach another host. Nothing may panic, and the only
// errors allowed are permanent ones (bad data): the peer is up, so a
// retryable error would be a bug. In the inputs PEER stands for the
// peer's URL and US for ours.
func FuzzInboxProcess(f *testing.F) {
	db := storetest.SQLite(f)
	env := newInEnv(f, db, nil)
	p := newInPeer(f, "tiel", 0)
	fl := env.follow(f, p, vestiging.FollowAccepted)
	p.put("/events/1", p.event("/events/1", "Opgehaald", 3))
	if err := db.SetDomainRule(context.Background(), &vestiging.DomainRule{Host: iriHost(p.actor), Mode: vestiging.DomainAllow}); err != nil {
		f.Fatal(err)
	}
	env.f.cfg.Allowlist = true
	owner, err := db.ActorByIRI(context.Background(), p.actor)
	if err != nil {
		f.Fatal(err)
	}
	event := `{"type":"Event","id":"PEER/events/1","name":"Voorleesuur","startTime":"2030-05-01T10:00:00Z","endTime":"2030-05-01T11:00:00Z",` +
		`"location":{"type":"Place","name":"Bieb","address":{"type":"PostalAddress","streetAddress":"Plein 1"}},"tag":[{"type":"Hashtag","name":"#Leesplezier"}],` +
		`"subEvent":[{"type":"Event","startTime":"2030-05-01T10:00:00Z"}]}`
	for _, s := range []string{
		`{"id":"PEER/a/1","type":"Follow","actor":"PEER/users/tiel","object":"US/actor"}`,
		`{"id":"PEER/a/2","type":"Undo","actor":"PEER/users/tiel","object":{"id":"PEER/a/1","type":"Follow","actor":"PEER/users/tiel","object":"US/actor"}}`,
		`{"id":"PEER/a/3","type":"Create","actor":"PEER/users/tiel","object":` + event + `}`,
		`{"id":"PEER/a/4","type":"Update","actor":"PEER/users/tiel","object":"PEER/events/1"}`,
		`{"id":"PEER/a/5","type":"Delete","actor":"PEER/users/tiel","object":{"type":"Tombstone","id":"PEER/events/1"}}`,
		`{"id":"PEER/a/6","type":"Announce","actor":"PEER/users/tiel","object":"PEER/events/1"}`,
		`{"id":"PEER/a/7","type":"Accept","actor":"PEER/users/tiel","object":"` + fl.ActivityIRI + `"}`,
		`{"id":"PEER/a/8","type":"Reject","actor":"PEER/users/tiel","object":{"type":"Follow","id":"US/follows/x"}}`,
		`{"id":"PEER/a/9","type":"Join","actor":"PEER/users/tiel","object":"US/events/1"}`,
		`{"id":"PEER/a/10","type":"Flag","actor":"PEER/users/tiel","object":["US/actor","US/events/1"]}`,
		`{"id":"PEER/a/21","type":"Leave","actor":"PEER/users/tiel","object":"US/events/1"}`,
		`{"id":"PEER/a/22","type":"Undo","actor":"PEER/users/tiel","object":{"id":"PEER/a/9","type":"Join","actor":"PEER/users/tiel","object":"US/events/1"}}`,
		`{"id":"PEER/a/23","type":"TentativeAccept","actor":"PEER/users/tiel","object":{"id":"US/activities/join-1-0011223344556677","type":"Join"}}`,
		`{"id":"PEER/a/24","type":"Create","actor":"PEER/users/tiel","object":{"id":"PEER/notes/1","type":"Note","attributedTo":"PEER/users/tiel","to":["US/users/anna"],"content":"<p>Hoi</p>","context":"PEER/events/1"}}`,
		`{"id":"PEER/a/11","type":"Create","actor":"PEER/users/tiel","object":{"type":"Note","id":"PEER/notes/1","attributedTo":"PEER/users/tiel","inReplyTo":"US/events/1","content":"<p>Hoi</p>"}}`,
		`{"id":"PEER/a/12","type":"Update","actor":"PEER/users/tiel","object":{"type":"Page","id":"PEER/offers/1","attributedTo":"PEER/users/tiel","name":"Hulp","offerKind":"offer","content":"<p>x</p>"}}`,
		`{"id":"PEER/a/13","type":"Announce","actor":"PEER/users/tiel","object":"PEER/offers/1"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		body := []byte(strings.NewReplacer("PEER", p.base, "US", env.base.String()).Replace(s))
		a, err := ParseActivity(body)
		if err != nil || a.Actor != p.actor || env.f.authorize(t.Context(), owner, a) != nil {
			return
		}
		if err := env.f.process(t.Context(), InboxJob{Actor: p.actor, Body: body}, 1); err != nil && !isPermanent(err) {
			t.Errorf("process %s: %v", body, err)
		}
	})
}
