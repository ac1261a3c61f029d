package federation

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store/storetest"
)

func TestActorDocument(t *testing.T) {
	db := storetest.SQLite(t)
	in := startInstance(t, db, nil)
	// A second branch, on the map; the first has no coordinates.
	lat, lon := 51.8089, 5.2496
	if err := db.CreateBranch(t.Context(), &vestiging.Branch{Name: "Zaltbommel", Street: "Oliestraat 10", PostalCode: "5301 AV", City: "Zaltbommel",
		Latitude: &lat, Longitude: &lon}); err != nil {
		t.Fatal(err)
	}
	resp, body := in.get(t, "/actor", AcceptActivity, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	id := ActorID(in.base)

	t.Run("ParseActor", func(t *testing.T) {
		a, err := ParseActor(body)
		if err != nil {
			t.Fatal(err)
		}
		want := Actor{
			ID: id, Type: "Organization", PreferredUsername: "agenda", Name: "Bibliotheek Rivierenland",
			URL: in.srv.URL + "/library", Inbox: id + "/inbox", SharedInbox: in.srv.URL + "/inbox",
			Outbox: id + "/outbox", Followers: id + "/followers", Icon: "https://cdn.example/logo.png", Summary: "<p>Lezen, leren en ontmoeten.</p>",
			PublicKey: PublicKey{ID: id + "#main-key", Owner: id, PEM: a.PublicKey.PEM},
			Places:    []vestiging.ActorPlace{{Name: "Zaltbommel", Address: "Oliestraat 10, 5301 AV Zaltbommel, NL", Latitude: lat, Longitude: lon}},
		}
		if !reflect.DeepEqual(*a, want) {
			t.Errorf("actor\n got %+v\nwant %+v", *a, want)
		}
		k, err := ParsePublicKeyPEM(a.PublicKey.PEM)
		if err != nil {
			t.Fatal(err)
		}
		if !k.Equal(&in.fed.key.PublicKey) {
			t.Error("publicKeyPem is not the instance key")
		}
	})

	// What Mastodon and GoToSocial read, as plain JSON.
	t.Run("MastodonReader", func(t *testing.T) {
		var doc struct {
			Context   []any  `json:"@context"`
			ID        string `json:"id"`
			Type      string `json:"type"`
			Inbox     string `json:"inbox"`
			Summary   string `json:"summary"`
			Endpoints struct {
				SharedInbox string `json:"sharedInbox"`
			} `json:"endpoints"`
			PublicKey struct {
				ID, Owner, PublicKeyPem string
			} `json:"publicKey"`
			Icon, Image struct {
				Type, URL, Name, MediaType string
			}
			Attachment []struct {
				Type, Name, Value string
			} `json:"attachment"`
			Following      string `json:"following"`
			Featured       string `json:"featured"`
			UpcomingEvents string `json:"upcomingEvents"`
			Manually       *bool  `json:"manuallyApprovesFollowers"`
			Discoverable   *bool  `json:"discoverable"`
			Published      string `json:"published"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Inbox == "" || doc.Endpoints.SharedInbox == "" || doc.PublicKey.Owner != doc.ID || doc.PublicKey.PublicKeyPem == "" {
			t.Errorf("inbox %q sharedInbox %q key owner %q id %q", doc.Inbox, doc.Endpoints.SharedInbox, doc.PublicKey.Owner, doc.ID)
		}
		if strings.Contains(doc.Summary, "script") {
			t.Errorf("summary not sanitised: %q", doc.Summary)
		}
		if doc.Icon.URL != "https://cdn.example/logo.png" || doc.Icon.Name != "Logo van de bibliotheek" || doc.Icon.Type != "Image" {
			t.Errorf("icon %+v", doc.Icon)
		}
		// The logo is the avatar, the banner the header.
		if doc.Image.URL != "https://cdn.example/zaal.jpg" || doc.Image.Name != "De leeszaal" || doc.Image.MediaType != "image/jpeg" {
			t.Errorf("image %+v", doc.Image)
		}
		if doc.Following != id+"/following" || doc.Featured != id+"/featured" || doc.UpcomingEvents != id+"/upcoming" {
			t.Errorf("following %q featured %q upcomingEvents %q", doc.Following, doc.Featured, doc.UpcomingEvents)
		}
		if doc.Manually == nil || *doc.Manually || doc.Discoverable == nil || !*doc.Discoverable || doc.Published == "" {
			t.Errorf("manuallyApprovesFollowers %v discoverable %v published %q", doc.Manually, doc.Discoverable, doc.Published)
		}
		fields := map[string]string{}
		for _, a := range doc.Attachment {
			if a.Type != "PropertyValue" {
				t.Errorf("attachment type %q", a.Type)
			}
			fields[a.Name] = a.Value
		}
		wantFields := map[string]string{
			"Adres Tiel": "Stationsplein 1, 4001 AA Tiel",
			"Open Tiel":  "ma 09:00–17:00, za 10:00–13:00",
			"Website":    `<a href="https://www.bibliotheekrivierenland.example/" rel="me nofollow noopener noreferrer" target="_blank">www.bibliotheekrivierenland.example</a>`,
		}
		for k, want := range wantFields {
			if got := fields[k]; got != want {
				t.Errorf("field %q = %q, want %q", k, got, want)
			}
		}
		terms, _ := doc.Context[len(doc.Context)-1].(map[string]any)
		if got, want := fmt.Sprint(terms["upcomingEvents"]), "map[@id:https://w3id.org/fep/8a8e/upcomingEvents @type:@id]"; got != want {
			t.Errorf("upcomingEvents term %s, want %s", got, want)
		}
		for _, term := range []string{"PropertyValue", "value", "discoverable", "featured", "manuallyApprovesFollowers", "upcomingEvents"} {
			if terms[term] == nil {
				t.Errorf("@context does not declare %s", term)
			}
		}
	})
}
