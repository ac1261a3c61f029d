package federation

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// testInstance is one Vestiging instance for tests: a real store, a
// Federator and its HTTP side on a loopback listener.
type testInstance struct {
	db   *store.DB
	fed  *Federator
	srv  *httptest.Server
	base *url.URL
}

// startInstance serves a Federator over db on a loopback listener, with a
// library profile and one branch; configure adjusts its Config.
func startInstance(t testing.TB, db *store.DB, configure func(*Config)) *testInstance {
	t.Helper()
	in := &testInstance{db: db}
	in.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { in.fed.ServeHTTP(w, r) }))
	t.Cleanup(in.srv.Close)
	base, err := url.Parse(in.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	in.base = base
	cfg := Config{
		Services:   db,
		Federation: db,
		BaseURL:    base,
		Client:     NewClient(ClientOptions{AllowLoopback: true}),
	}
	if configure != nil {
		configure(&cfg)
	}
	if in.fed, err = New(t.Context(), cfg); err != nil {
		t.Fatalf("new federator: %v", err)
	}
	ctx := context.Background()
	lib := &vestiging.Library{Name: "Bibliotheek Rivierenland", Description: "<p>Lezen, leren en <script>x</script>ontmoeten.</p>",
		Website: "https://www.bibliotheekrivierenland.example/", LogoURL: "https://cdn.example/logo.png", LogoAlt: "Logo van de bibliotheek",
		BannerURL: "https://cdn.example/zaal.jpg", BannerAlt: "De leeszaal"}
	if err := db.UpdateLibrary(ctx, lib); err != nil {
		t.Fatalf("library: %v", err)
	}
	if branches, err := db.Branches(ctx); err != nil || len(branches) == 0 {
		b := &vestiging.Branch{Name: "Tiel", Street: "Stationsplein 1", PostalCode: "4001 AA", City: "Tiel",
			OpeningHours: []vestiging.OpeningHours{{Day: time.Monday, Opens: "09:00", Closes: "17:00"}, {Day: time.Saturday, Opens: "10:00", Closes: "13:00"}}}
		if err := db.CreateBranch(ctx, b); err != nil {
			t.Fatalf("branch: %v", err)
		}
	}
	return in
}

// get fetches path with the given Accept; signer signs it when not nil.
func (in *testInstance) get(t testing.TB, path, accept string, signer *Signer) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, in.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if signer != nil {
		if err := signer.Sign(req, nil); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// getAS2 fetches an AS2 document, expecting 200 and the AS2 headers.
func (in *testInstance) getAS2(t testing.TB, path string) map[string]any {
	t.Helper()
	resp, body := in.get(t, path, AcceptActivity, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if got, want := resp.Header.Get("Content-Type"), ContentTypeActivityJSON; got != want {
		t.Errorf("GET %s: Content-Type %q, want %q", path, got, want)
	}
	if got := resp.Header.Get("Vary"); !strings.Contains(got, "Accept") {
		t.Errorf("GET %s: Vary %q lacks Accept", path, got)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return m
}

// publicKeyOf is a KeyFunc that knows only in's key.
func (in *testInstance) publicKeyOf(_ context.Context, keyID string) (*rsa.PublicKey, error) {
	if keyID != KeyID(in.base) {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "unknown key %s", keyID)
	}
	return &in.fed.key.PublicKey, nil
}

func TestWantsActivity(t *testing.T) {
	tests := []struct {
		accept string
		want   bool
	}{
		{"application/activity+json", true},
		{`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, true},
		{`application/ld+json;profile="https://www.w3.org/ns/activitystreams#"`, true},
		{`application/ld+json; profile="http://example.org/other https://www.w3.org/ns/activitystreams"`, true},
		{AcceptActivity, true},
		{"application/ld+json", false}, // without the profile it may be any JSON-LD
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false},
		{"text/html, application/activity+json;q=0.9", false},
		{"text/html;q=0.5, application/activity+json", true},
		{"application/activity+json, text/html", true},
		{"text/html, application/activity+json", false},
		{"application/activity+json;q=0", false},
		{"application/json", false},
		{"*/*", false},
		{"", false},
		{"garbage;;;, application/activity+json", true},
		{"application/activity+json;q=oops", false},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/events/1", nil)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			if got := (&Federator{}).WantsActivity(r); got != tt.want {
				t.Errorf("WantsActivity(%q) = %v, want %v", tt.accept, got, tt.want)
			}
		})
	}
}

func TestAuthorizedFetch(t *testing.T) {
	a := startInstance(t, storetest.SQLite(t), func(c *Config) { c.AuthorizedFetch = true })
	b := startInstance(t, storetest.SQLite(t), nil)
	t.Run("SignedFetchClearsFailures", func(t *testing.T) {
		if _, err := a.db.RecordDelivery(t.Context(), b.base.Host, time.Now(), errors.New("connection refused")); err != nil {
			t.Fatal(err)
		}
		if resp, _ := a.get(t, "/actor/outbox", AcceptActivity, b.fed.signer); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if h, err := a.db.HostByName(t.Context(), b.base.Host); err != nil || h.Failures != 0 {
			t.Errorf("host after a signed fetch: %+v %v", h, err)
		}
	})
	for _, path := range []string{"/actor/outbox", "/actor/followers", "/actor/upcoming", "/actor/following", "/actor/featured"} {
		t.Run("Unsigned"+path, func(t *testing.T) {
			resp, _ := a.get(t, path, AcceptActivity, nil)
			if got, want := resp.StatusCode, http.StatusUnauthorized; got != want {
				t.Errorf("status %d, want %d", got, want)
			}
		})
		t.Run("Signed"+path, func(t *testing.T) {
			resp, body := a.get(t, path, AcceptActivity, b.fed.signer)
			if got, want := resp.StatusCode, http.StatusOK; got != want {
				t.Errorf("status %d, want %d: %s", got, want, body)
			}
		})
	}
	t.Run("ActorAlwaysPublic", func(t *testing.T) {
		resp, _ := a.get(t, "/actor", AcceptActivity, nil)
		if got, want := resp.StatusCode, http.StatusOK; got != want {
			t.Errorf("status %d, want %d", got, want)
		}
	})
	t.Run("FetchSignedByBOK", func(t *testing.T) {
		// The Fetcher B uses for everything: a signed GET, id = URL.
		if _, err := b.fed.fetcher.Fetch(t.Context(), a.base.JoinPath("actor", "outbox").String()); err != nil {
			t.Fatalf("fetch: %v", err)
		}
	})
	t.Run("BadSignature", func(t *testing.T) {
		forged := &Signer{KeyID: KeyID(b.base), Key: a.fed.key} // B's keyId, someone else's key
		resp, _ := a.get(t, "/actor/outbox", AcceptActivity, forged)
		if got, want := resp.StatusCode, http.StatusUnauthorized; got != want {
			t.Errorf("status %d, want %d", got, want)
		}
	})
	t.Run("BlockedSigner", func(t *testing.T) {
		if err := a.db.SetDomainRule(t.Context(), &vestiging.DomainRule{Host: b.base.Host, Mode: vestiging.DomainBlock}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a.db.RemoveDomainRule(context.Background(), b.base.Host) })
		resp, _ := a.get(t, "/actor/outbox", AcceptActivity, b.fed.signer)
		if got, want := resp.StatusCode, http.StatusForbidden; got != want {
			t.Errorf("status %d, want %d", got, want)
		}
	})
}

func TestObjects(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		in := startInstance(t, db, nil)
		ctx := t.Context()
		branches, err := db.Branches(ctx)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
		mk := func(title, status string) *vestiging.Event {
			e := &vestiging.Event{Title: title, Status: status, StartsAt: start, EndsAt: start.Add(time.Hour), BranchID: &branches[0].ID}
			if err := db.CreateEvent(ctx, e); err != nil {
				t.Fatalf("create %s: %v", title, err)
			}
			return e
		}
		published := mk("Voorleesuur", vestiging.StatusPublished)
		draft := mk("Concept", vestiging.StatusDraft)
		cancelled := mk("Afgelast", vestiging.StatusCancelled)
		author := &vestiging.Person{Email: "anna@example.nl", DisplayName: "Anna", PasswordHash: "$argon2id$test"}
		if err := db.CreatePerson(ctx, author); err != nil {
			t.Fatal(err)
		}
		offer := &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: "Hulp met de computer", Description: "<p>Ik help graag.</p>",
			Theme: "digitale-vaardigheden", Area: "Tiel-Oost", AuthorID: author.ID}
		if err := db.CreateOffer(ctx, offer); err != nil {
			t.Fatal(err)
		}
		t.Run("OK", func(t *testing.T) {
			m := in.getAS2(t, "/events/"+itoa(published.ID))
			if got, want := m["id"], EventID(in.base, published); got != want {
				t.Errorf("id %v, want %v", got, want)
			}
			if s, _ := m["summary"].(string); !strings.Contains(s, "Tiel") {
				t.Errorf("summary %q lacks the place", s)
			}
			if m["@context"] == nil {
				t.Error("no @context")
			}
		})
		t.Run("Cancelled", func(t *testing.T) {
			m := in.getAS2(t, "/events/"+itoa(cancelled.ID))
			if got, want := m["eventStatus"], EventCancelled; got != want {
				t.Errorf("eventStatus %v, want %v", got, want)
			}
		})
		origin := &vestiging.Actor{IRI: "https://elders.example/actor", Type: "Organization", Host: "elders.example", Inbox: "https://elders.example/inbox"}
		if err := db.UpsertActor(ctx, origin); err != nil {
			t.Fatal(err)
		}
		remote := &vestiging.Event{Title: "Elders", Status: vestiging.StatusPublished, StartsAt: start, EndsAt: start.Add(time.Hour),
			IRI: "https://elders.example/events/1", URL: "https://elders.example/events/1", OriginID: &origin.ID}
		if err := db.UpsertRemoteEvent(ctx, remote); err != nil {
			t.Fatal(err)
		}
		t.Run("ErrNotFound", func(t *testing.T) {
			for _, path := range []string{"/events/" + itoa(draft.ID), "/events/" + itoa(remote.ID), "/courses/" + itoa(published.ID), "/events/999999",
				"/events/abc", "/offers/" + itoa(offer.ID), "/activities/nope"} {
				if resp, _ := in.get(t, path, AcceptActivity, nil); resp.StatusCode != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
				}
			}
		})
		t.Run("Offer", func(t *testing.T) {
			if err := db.SetOfferStatus(ctx, offer.ID, vestiging.OfferApproved, "", nil); err != nil {
				t.Fatal(err)
			}
			m := in.getAS2(t, "/offers/"+itoa(offer.ID))
			if got, want := m["type"], "Page"; got != want {
				t.Errorf("type %v, want %v", got, want)
			}
			if got, want := m["summary"], "Hulp met de computer · Aanbod · Digitale vaardigheden · Tiel-Oost"; got != want {
				t.Errorf("summary %q, want %q", got, want)
			}
			tags, _ := json.Marshal(m["tag"])
			for _, want := range []string{"#Aanbod", "#DigitaleVaardigheden", "#TielOost"} {
				if !strings.Contains(string(tags), want) {
					t.Errorf("tags %s lack %s", tags, want)
				}
			}
		})
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
