package federation

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

// BenchmarkInboxVerifyParse is the inbox's hot path for one delivery:
// verify the captured GoToSocial signature (key already cached), then parse.
func BenchmarkInboxVerifyParse(b *testing.B) {
	d := readDelivery(b)
	now, err := http.ParseTime(d.Headers["Date"])
	if err != nil {
		b.Fatal(err)
	}
	key := fixtureKey(b, "gotosocial/actor.json")
	getKey := func(context.Context, string) (*rsa.PublicKey, error) { return key, nil }
	body := []byte(d.BodyRaw)
	r, err := http.NewRequest(d.Method, "http://"+d.Headers["Host"]+d.Path, nil)
	if err != nil {
		b.Fatal(err)
	}
	for k, v := range d.Headers {
		r.Header.Set(k, v)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(r, body, now, getKey); err != nil {
			b.Fatal(err)
		}
		if _, err := ParseActivity(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignPOST is the per-inbox cost of a fan-out delivery's signature.
func BenchmarkSignPOST(b *testing.B) {
	key, err := GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	s := &Signer{KeyID: "https://bieb.example/actor#main-key", Key: key}
	body := bytes.Repeat([]byte("a"), 4096)
	b.ReportAllocs()
	for b.Loop() {
		r, err := http.NewRequest("POST", "https://peer.example/inbox", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Sign(r, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseActivity is the inbox's parse of a delivery alone: a
// Create of a Vestiging event as libraries send them, of a Gancio event
// and of a GoToSocial note, and a Like.
func BenchmarkParseActivity(b *testing.B) {
	base := mustURL("https://tiel.example/")
	start := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	branch := int64(1)
	e := &vestiging.Event{ID: 7, Kind: vestiging.KindEvent, Title: "Voorleesuurtje",
		Description: "<p>Voorlezen voor peuters en kleuters, met een knutselwerkje na afloop.</p>",
		StartsAt:    start, EndsAt: start.Add(90 * time.Minute), TimeZone: "Europe/Amsterdam", BranchID: &branch,
		Branch:    &vestiging.Branch{ID: 1, Name: "Bibliotheek Tiel", Street: "Markt 12", PostalCode: "4001 AA", City: "Tiel"},
		Audiences: []string{"children"}, Themes: []string{"voorlezen", "jeugd"}, Language: "nl", Capacity: 30,
		RegistrationMode: vestiging.RegistrationOpen, Status: vestiging.StatusPublished, PublishedAt: start, UpdatedAt: start}
	create, err := json.Marshal(map[string]any{"@context": Context, "id": "https://tiel.example/activities/1", "type": "Create",
		"actor": ActorID(base), "to": []string{Public}, "object": EventObject(e, base)})
	if err != nil {
		b.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		body []byte
	}{
		{"VestigingEvent", create},
		{"GancioEvent", readFixture(b, "gancio/event-activity.json")},
		{"GoToSocialNote", readFixture(b, "gotosocial/create-note.json")},
		{"Like", readFixture(b, "gotosocial/like.json")},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseActivity(tt.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
