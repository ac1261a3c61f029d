package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging/federation"
)

// TestProfileUpdatesReachFollowers: a Mastodon-like peer follows library A
// and its resident Anna. Each change of what their actors show, made on
// A's staff and account pages (logo, name, description, banner, a branch's
// address and opening hours; Anna's display name), reaches the peer as an
// Update of the actor carrying the change.
func TestProfileUpdatesReachFollowers(t *testing.T) {
	ctx := t.Context()
	a := startNode(t, "A", "", true, nil)
	peer := newMastodonPeer(t)
	peer.follow(t, a.actorID(), a.URL+"/inbox")
	anna := federation.PersonActorID(a.cfg.BaseURL, "anna")
	peer.follow(t, anna, anna+"/inbox")

	// updated waits for an Update of actor whose object passes check.
	updated := func(t *testing.T, actor string, check func(obj map[string]any) error) {
		t.Helper()
		eventually(t, e2eWait, func() error {
			err := fmt.Errorf("no Update of %s yet", actor)
			for _, d := range peer.deliveries("Update") {
				obj, _ := d.Activity["object"].(map[string]any)
				if d.Activity["actor"] != actor || obj["id"] != actor {
					continue
				}
				if err = check(obj); err == nil {
					return nil
				}
			}
			return fmt.Errorf("%w (refused: %v)", err, peer.refusals())
		})
	}
	has := func(field string, want any) func(obj map[string]any) error {
		return func(obj map[string]any) error {
			got := obj[field]
			if m, ok := got.(map[string]any); ok {
				got = m["url"]
			}
			if got != want {
				return fmt.Errorf("%s = %v, want %v", field, got, want)
			}
			return nil
		}
	}

	lib, err := a.DB.Library(ctx)
	if err != nil {
		t.Fatal(err)
	}
	profile := url.Values{"name": {lib.Name}, "description": {lib.Description}, "email": {lib.Email}, "phone": {lib.Phone},
		"website": {lib.Website}, "logo_url": {lib.LogoURL}, "logo_alt": {lib.LogoAlt}}
	for _, change := range []struct{ name, field, value, property string }{
		{"Logo", "logo_url", "https://cdn.example/nieuw-logo.png", "icon"},
		{"Name", "name", "Bibliotheek Aalten en Dinxperlo", "name"},
		{"Description", "description", "<p>Lezen, leren en ontmoeten.</p>", "summary"},
		{"Banner", "banner_url", "https://cdn.example/leeszaal.jpg", "image"},
	} {
		t.Run(change.name, func(t *testing.T) {
			profile.Set(change.field, change.value)
			profile.Set("banner_alt", "De leeszaal")
			a.submit("/staff/library", profile)
			updated(t, a.actorID(), has(change.property, change.value))
		})
	}

	branches, err := a.DB.Branches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := branches[0]
	branch := url.Values{"name": {b.Name}, "street": {b.Street}, "postal_code": {b.PostalCode}, "city": {b.City}}
	field := func(label, want string) func(obj map[string]any) error {
		return func(obj map[string]any) error {
			list, _ := obj["attachment"].([]any)
			for _, f := range list {
				f, _ := f.(map[string]any)
				if f["name"] != label+" "+b.Name {
					continue
				}
				if v := fmt.Sprint(f["value"]); !strings.Contains(v, want) {
					return fmt.Errorf("%s: %q lacks %q", label, v, want)
				}
				return nil
			}
			return fmt.Errorf("no field %s %s", label, b.Name)
		}
	}
	t.Run("Address", func(t *testing.T) {
		branch.Set("street", "Nieuwstraat 8")
		a.submit("/staff/branches/"+strconv.FormatInt(b.ID, 10)+"/edit", branch)
		updated(t, a.actorID(), field("Adres", "Nieuwstraat 8"))
	})
	t.Run("OpeningHours", func(t *testing.T) {
		branch.Set(fmt.Sprintf("opens_%d", time.Wednesday), "13:00")
		branch.Set(fmt.Sprintf("closes_%d", time.Wednesday), "20:30")
		a.submit("/staff/branches/"+strconv.FormatInt(b.ID, 10)+"/edit", branch)
		updated(t, a.actorID(), field("Open", "wo 13:00–20:30"))
	})

	t.Run("ResidentName", func(t *testing.T) {
		c := a.signIn("anna.dejong@voorbeeld.example", demoPassword)
		if res := a.do(c, http.MethodPost, "/account", url.Values{"display_name": {"Anna de Jong-Visser"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("account: status %d", res.Status)
		}
		updated(t, anna, has("name", "Anna de Jong-Visser"))
	})
	if r := peer.refusals(); len(r) > 0 {
		t.Errorf("the peer refused: %v", r)
	}
}
