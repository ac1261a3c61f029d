package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vestiging/vestiging/federation"
)

// mastodonPeer is a Mastodon-like server on a loopback listener with one
// user, "fan", and its own RSA key. It behaves as the peers DESIGN.md §4
// describes: deliveries to its inbox and shared inbox count only when their
// signature and Digest verify with the key fetched from the sender's actor
// (whose owner must be the activity's actor), as Mastodon checks them; its
// own GETs and POSTs are signed like GoToSocial's (hs2019, a keyId without
// "#"), and its actor answers only signed GETs, as GoToSocial's does.
type mastodonPeer struct {
	t      *testing.T
	srv    *httptest.Server
	key    *rsa.PrivateKey
	client *http.Client

	gets    atomic.Int64 // GETs of the actor and its key: key fetches by others
	follows atomic.Int64 // Follows sent, for their ids

	mu       sync.Mutex
	received []peerDelivery            // verified deliveries, in arrival order
	refused  []string                  // why deliveries or GETs were refused
	keys     map[string]*rsa.PublicKey // verified keys by keyId, as Mastodon caches them
	owners   map[string]string         // keyId → owning actor id
}

// peerDelivery is one verified POST to the peer's inboxes.
type peerDelivery struct {
	Path     string // /inbox (shared) or /users/fan/inbox
	Activity map[string]any
}

func newMastodonPeer(t *testing.T) *mastodonPeer {
	t.Helper()
	key, err := federation.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p := &mastodonPeer{t: t, key: key, keys: map[string]*rsa.PublicKey{}, owners: map[string]string{},
		client: federation.NewClient(federation.ClientOptions{AllowLoopback: true, UserAgent: "MastodonLikePeer/4.3"})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/webfinger", p.serveWebFinger)
	mux.HandleFunc("GET /users/fan", p.serveActor)
	mux.HandleFunc("GET /users/fan/main-key", p.serveKeyStub)
	mux.HandleFunc("POST /users/fan/inbox", p.serveInbox)
	mux.HandleFunc("POST /inbox", p.serveInbox)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *mastodonPeer) actorID() string { return p.srv.URL + "/users/fan" }
func (p *mastodonPeer) keyID() string   { return p.actorID() + "/main-key" }

func (p *mastodonPeer) publicKey() map[string]any {
	pem, err := federation.EncodePublicKeyPEM(&p.key.PublicKey)
	if err != nil {
		p.t.Error(err)
	}
	return map[string]any{"id": p.keyID(), "owner": p.actorID(), "publicKeyPem": pem}
}

func writeAS(w http.ResponseWriter, doc any) {
	w.Header().Set("Content-Type", federation.ContentTypeActivity)
	_ = json.NewEncoder(w).Encode(doc)
}

// serveActor answers signed GETs only, like GoToSocial.
func (p *mastodonPeer) serveActor(w http.ResponseWriter, r *http.Request) {
	p.gets.Add(1)
	if _, err := p.verify(r, nil); err != nil {
		p.refuse("GET actor: %v", err)
		http.Error(w, "signature required", http.StatusUnauthorized)
		return
	}
	writeAS(w, map[string]any{
		"@context":          []any{federation.ActivityStreamsContext, "https://w3id.org/security/v1"},
		"id":                p.actorID(),
		"type":              "Person",
		"preferredUsername": "fan",
		"name":              "Fan van de bibliotheek",
		"inbox":             p.actorID() + "/inbox",
		"outbox":            p.actorID() + "/outbox",
		"endpoints":         map[string]any{"sharedInbox": p.srv.URL + "/inbox"},
		"publicKey":         p.publicKey(),
	})
}

// serveWebFinger knows the fan and the server's own account
// (host@host), as Mastodon does, each with Mastodon's subscribe template:
// its page for following or answering what a URI names.
func (p *mastodonPeer) serveWebFinger(w http.ResponseWriter, r *http.Request) {
	host := strings.TrimPrefix(p.srv.URL, "http://")
	resource := r.URL.Query().Get("resource")
	if resource != "acct:fan@"+host && resource != "acct:"+host+"@"+host {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/jrd+json")
	_ = json.NewEncoder(w).Encode(federation.JRD{Subject: resource, Links: []federation.JRDLink{
		{Rel: "self", Type: federation.ContentTypeActivity, Href: p.actorID()},
		{Rel: "http://ostatus.org/schema/1.0/subscribe", Template: p.srv.URL + "/authorize_interaction?uri={uri}"},
	}})
}

// serveKeyStub is GoToSocial's public key URL: a stub whose id is the actor's.
func (p *mastodonPeer) serveKeyStub(w http.ResponseWriter, r *http.Request) {
	p.gets.Add(1)
	writeAS(w, map[string]any{
		"@context":          []any{federation.ActivityStreamsContext, "https://w3id.org/security/v1"},
		"id":                p.actorID(),
		"type":              "Person",
		"preferredUsername": "fan",
		"publicKey":         p.publicKey(),
	})
}

func (p *mastodonPeer) serveInbox(w http.ResponseWriter, r *http.Request) {
	body, err := federation.ReadBody(r.Body, federation.MaxBodySize)
	if err != nil {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	owner, err := p.verify(r, body)
	if err != nil {
		p.refuse("POST %s: %v", r.URL.Path, err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var act map[string]any
	if err := json.Unmarshal(body, &act); err != nil {
		p.refuse("POST %s: %v", r.URL.Path, err)
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	if act["actor"] != owner {
		p.refuse("POST %s: actor %v signed by %s", r.URL.Path, act["actor"], owner)
		http.Error(w, "signer is not the actor", http.StatusUnauthorized)
		return
	}
	p.mu.Lock()
	p.received = append(p.received, peerDelivery{Path: r.URL.Path, Activity: act})
	p.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func (p *mastodonPeer) refuse(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refused = append(p.refused, fmt.Sprintf(format, args...))
}

// verify checks a request's signature (and for a POST its Digest) with
// the signer's key and returns the key's owner.
func (p *mastodonPeer) verify(r *http.Request, body []byte) (string, error) {
	keyID, err := federation.Verify(r, body, time.Now(), p.fetchKey)
	if err != nil {
		return "", err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.owners[keyID], nil
}

// fetchKey dereferences a keyId like Mastodon: the actor document (the
// fragment dropped), fetched signed, whose publicKey must be that keyId
// and be owned by the actor itself.
func (p *mastodonPeer) fetchKey(ctx context.Context, keyID string) (*rsa.PublicKey, error) {
	p.mu.Lock()
	k := p.keys[keyID]
	p.mu.Unlock()
	if k != nil {
		return k, nil
	}
	doc, err := p.get(ctx, keyID)
	if err != nil {
		return nil, err
	}
	a, err := federation.ParseActor(doc)
	if err != nil {
		return nil, err
	}
	if a.PublicKey.ID != keyID || a.PublicKey.Owner != a.ID {
		return nil, fmt.Errorf("key %s: actor %s has key %q owned by %q", keyID, a.ID, a.PublicKey.ID, a.PublicKey.Owner)
	}
	if k, err = federation.ParsePublicKeyPEM(a.PublicKey.PEM); err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.keys[keyID], p.owners[keyID] = k, a.ID
	p.mu.Unlock()
	return k, nil
}

// sign signs r as GoToSocial does: hs2019 over (request-target) host date
// (+ digest for a POST).
func (p *mastodonPeer) sign(r *http.Request, body []byte) error {
	s := &federation.Signer{KeyID: p.keyID(), Key: p.key}
	if err := s.Sign(r, body); err != nil {
		return err
	}
	sp, err := federation.ParseSignatureHeader(r.Header.Get("Signature"))
	if err != nil {
		return err
	}
	sp.Algorithm = federation.AlgorithmHS2019
	r.Header.Set("Signature", sp.String())
	return nil
}

// newRequest builds a request with body (nil for none), signed or not.
// The peer's handlers use it too, so it returns errors rather than fail.
func (p *mastodonPeer) newRequest(ctx context.Context, method, rawURL, accept string, body []byte, signed bool) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	if body != nil {
		req.Header.Set("Content-Type", federation.ContentTypeActivity)
	}
	if signed {
		if err := p.sign(req, body); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// request is newRequest for the test's own goroutine.
func (p *mastodonPeer) request(ctx context.Context, method, rawURL, accept string, body []byte, signed bool) *http.Request {
	p.t.Helper()
	req, err := p.newRequest(ctx, method, rawURL, accept, body, signed)
	if err != nil {
		p.t.Fatal(err)
	}
	return req
}

// do sends a request, signed or not, and returns status and body.
func (p *mastodonPeer) do(ctx context.Context, method, rawURL, accept string, body []byte, signed bool) (int, []byte, error) {
	req, err := p.newRequest(ctx, method, rawURL, accept, body, signed)
	if err != nil {
		return 0, nil, err
	}
	return p.send(req)
}

func (p *mastodonPeer) send(req *http.Request) (int, []byte, error) {
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := federation.ReadBody(resp.Body, federation.MaxBodySize)
	return resp.StatusCode, b, err
}

// get is a signed GET of an ActivityPub document that must answer 200.
func (p *mastodonPeer) get(ctx context.Context, rawURL string) ([]byte, error) {
	status, body, err := p.do(ctx, http.MethodGet, rawURL, federation.AcceptActivity, nil, true)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d: %s", rawURL, status, body)
	}
	return body, nil
}

// deliveries returns the verified deliveries of type typ so far.
func (p *mastodonPeer) deliveries(typ string) []peerDelivery {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []peerDelivery
	for _, d := range p.received {
		if d.Activity["type"] == typ {
			out = append(out, d)
		}
	}
	return out
}

// await waits for a verified delivery of type typ whose object is (or has
// the id) objectID, and returns the object, embedded or not. Activities
// about objects go to the shared inbox.
func (p *mastodonPeer) await(t *testing.T, typ, objectID string) map[string]any {
	t.Helper()
	var obj map[string]any
	eventually(t, e2eWait, func() error {
		for _, d := range p.deliveries(typ) {
			o, _ := d.Activity["object"].(map[string]any)
			if o == nil {
				o = map[string]any{"id": d.Activity["object"]}
			}
			if o["id"] == objectID {
				if d.Path != "/inbox" {
					t.Errorf("%s went to %s, want the shared inbox", typ, d.Path)
				}
				obj = o
				return nil
			}
		}
		return fmt.Errorf("no %s of %s yet (refused: %v)", typ, objectID, p.refusals())
	})
	return obj
}

// refusals returns what the peer refused so far.
func (p *mastodonPeer) refusals() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.refused...)
}

// follow sends the fan's Follow of actor (whose inbox is inbox) and waits
// for its Accept, addressed to the fan's own inbox; it returns the
// Follow's id.
func (p *mastodonPeer) follow(t *testing.T, actor, inbox string) string {
	t.Helper()
	followID := fmt.Sprintf("%s/follows/%d", p.srv.URL, p.follows.Add(1))
	follow, err := json.Marshal(map[string]any{"@context": federation.ActivityStreamsContext,
		"id": followID, "type": "Follow", "actor": p.actorID(), "object": actor})
	if err != nil {
		t.Fatal(err)
	}
	status, body, err := p.do(t.Context(), http.MethodPost, inbox, federation.AcceptActivity, follow, true)
	if err != nil || status != http.StatusAccepted {
		t.Fatalf("follow: %d %v: %s", status, err, body)
	}
	eventually(t, e2eWait, func() error {
		for _, d := range p.deliveries("Accept") {
			obj, _ := d.Activity["object"].(map[string]any)
			if obj["id"] == followID && d.Activity["actor"] == actor && d.Path == "/users/fan/inbox" {
				return nil
			}
		}
		return fmt.Errorf("no Accept of the Follow yet (refused: %v)", p.refusals())
	})
	return followID
}
