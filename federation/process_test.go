package federation

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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
// the inbox worker, over a real store. On loopback are three servers: one
// holds two followed actors (a library, tiel, and a group, groep), one a
// followed library (bieb) with an event, an offer and a reply stored here,
// and one an actor only a resident follows (mallory). Each input is built
// from structured fields: who signs, the activity's type, its object's
// host, path, type, id and attributedTo, whether it is embedded, and what
// the signer's server answers for it (the document, a redirect elsewhere,
// or a 404). Each has an activity id of its own, so none stops at "already
// seen". The instance runs in allowlist mode with only the three servers
// allowed, so no input reaches another host. After each input: nothing
// panicked, an error is a permanent one (the servers are up), nothing
// owned by an actor other than the signer changed, every stored remote
// event, offer, reply and actor lies on its origin actor's host, and the
// public agenda holds remote events only of actors the library follows.
func FuzzInboxProcess(f *testing.F) {
	fz := newFuzzInbox(f)
	for _, typ := range []string{"Create", "Update", "Delete", "Announce", "Follow", "Undo", "Accept", "Reject",
		"TentativeAccept", "Join", "Leave", "Flag", "Like"} {
		for signer := range uint8(len(fz.peers)) {
			f.Add(typ, signer, uint8(0), uint8(0), uint8(0), uint8(0), uint8(0), "Event", true)
		}
	}
	for _, s := range []struct {
		typ, objType                                 string
		signer, host, path, served, id, attributedTo uint8
		embed                                        bool
	}{
		{"Create", "Event", 0, 0, 0, 1, 0, 0, false}, // a redirect to bieb's event
		{"Update", "Event", 1, 0, 0, 0, 0, 2, true},  // groep attributes an event to bieb
		{"Update", "Event", 1, 0, 1, 0, 0, 1, true},  // groep updates tiel's event
		{"Delete", "Tombstone", 1, 0, 1, 0, 0, 0, false},
		{"Announce", "Event", 3, 1, 0, 0, 0, 2, false}, // mallory announces bieb's event
		{"Create", "Note", 0, 0, 3, 0, 0, 0, true},
		{"Update", "Page", 1, 0, 2, 0, 0, 1, true},
		{"Announce", "Page", 1, 1, 2, 0, 0, 2, false},
		{"Update", "Organization", 0, 0, 4, 3, 0, 0, false}, // tiel's actor redirects to bieb's
		{"Create", "Event", 0, 0, 0, 0, 1, 0, false},        // a document whose id is bieb's
		{"Join", "Join", 3, 3, 0, 0, 0, 0, false},
		{"Flag", "Flag", 2, 3, 5, 0, 0, 0, false},
		{"Follow", "Follow", 3, 3, 5, 0, 0, 0, false},
		{"Undo", "Follow", 0, 0, 5, 0, 0, 0, true},
		{"Accept", "Follow", 2, 3, 6, 0, 0, 0, true},
	} {
		f.Add(s.typ, s.signer, s.host, s.path, s.served, s.id, s.attributedTo, s.objType, s.embed)
	}
	f.Fuzz(func(t *testing.T, typ string, signer, host, path, served, id, attributedTo uint8, objType string, embed bool) {
		fz.run(t, fuzzInput{typ: typ, signer: signer, host: host, path: path, served: served, id: id,
			attributedTo: attributedTo, objType: objType, embed: embed})
	})
}

// fuzzInbox is FuzzInboxProcess's instance and peers.
type fuzzInbox struct {
	env   *inEnv
	peers []*inPeer // tiel, groep (on tiel's server), bieb, mallory
	ours  string    // one of our events
	n     atomic.Int64
	held  []holding // what the store held after the last input
}

// fuzzInput is one input of FuzzInboxProcess, each field an index into
// the choices fuzzInbox.activity explains.
type fuzzInput struct {
	typ, objType                                 string
	signer, host, path, served, id, attributedTo uint8
	embed                                        bool
}

func newFuzzInbox(f testing.TB) *fuzzInbox {
	ctx := context.Background()
	db := storetest.SQLite(f)
	env := newInEnv(f, db, nil)
	tiel := newInPeer(f, "tiel", 0)
	fz := &fuzzInbox{env: env, peers: []*inPeer{tiel, tiel.colleague(f, "groep", 1), newInPeer(f, "bieb", 2), newInPeer(f, "mallory", 3)}}
	fz.ours = EventID(env.base, openEvent(f, env, 10, 72*time.Hour, nil))
	for _, p := range fz.peers[:3] {
		env.follow(f, p, vestiging.FollowAccepted)
	}
	for _, p := range []*inPeer{tiel, fz.peers[2], fz.peers[3]} {
		if err := db.SetDomainRule(ctx, &vestiging.DomainRule{Host: iriHost(p.actor), Mode: vestiging.DomainAllow}); err != nil {
			f.Fatal(err)
		}
	}
	env.f.cfg.Allowlist = true
	// A resident follows mallory; the library does not.
	anna := &vestiging.Person{Email: "anna@example.nl", DisplayName: "Anna", PasswordHash: "x", Handle: "anna"}
	if err := db.CreatePerson(ctx, anna); err != nil {
		f.Fatal(err)
	}
	m, err := env.f.remoteActor(ctx, fz.peers[3].actor)
	if err != nil {
		f.Fatal(err)
	}
	if err := db.SetPersonFollowing(ctx, &vestiging.PersonFollowing{PersonID: anna.ID, Actor: m,
		ActivityIRI: env.base.String() + "/follows/anna", State: vestiging.FollowAccepted}); err != nil {
		f.Fatal(err)
	}
	// What others own: each actor's event, bieb's offer and reply.
	for _, p := range fz.peers {
		ev := p.event("/events/"+p.name, "Van "+p.name, 3)
		p.put("/events/"+p.name, ev)
		fz.process(f, p, p.activity("Create", "/setup/"+p.name, ev))
	}
	bieb := fz.peers[2]
	page := OfferObject(&vestiging.Offer{ID: 1, Kind: vestiging.OfferKindOffer, Title: "Hulp", Description: "<p>x</p>"}, bieb.actor, mustURL(bieb.base))
	page["@context"] = Context
	bieb.put("/offers/1", page)
	fz.process(f, bieb, bieb.activity("Announce", "/setup/offer", bieb.id("/offers/1")))
	fz.process(f, bieb, bieb.activity("Create", "/setup/note", map[string]any{"type": "Note", "id": bieb.id("/notes/1"),
		"attributedTo": bieb.actor, "inReplyTo": fz.ours, "content": "<p>Leuk</p>", "to": []string{Public}}))
	if got := env.ownedBy(f, ""); !strings.Contains(got, bieb.id("/offers/1")) || !strings.Contains(got, bieb.id("/notes/1")) ||
		!strings.Contains(got, "Van mallory") {
		f.Fatalf("set-up: an event, the offer or the reply is missing:\n%s", got)
	}
	return fz
}

// process applies body as p's, failing on any but a permanent error.
func (fz *fuzzInbox) process(t testing.TB, p *inPeer, body []byte) {
	t.Helper()
	a, err := ParseActivity(body)
	if err != nil {
		return
	}
	owner, err := fz.env.db.ActorByIRI(t.Context(), p.actor)
	if err != nil {
		t.Fatal(err)
	}
	if fz.env.f.authorize(t.Context(), owner, a) != nil {
		return // the inbox refuses it
	}
	if err := fz.env.f.process(t.Context(), InboxJob{Actor: p.actor, Body: activityBody(body)}, 1); err != nil && !isPermanent(err) {
		t.Errorf("process %s: %v", body, err)
	}
}

// activity builds in's activity and, on the signer's server, what that
// server answers for its object; restore puts back what was there.
//   - signer: tiel, groep, bieb, mallory.
//   - host of the object: the signer's, bieb's, mallory's, ours.
//   - path: an event, another actor's event, an offer, a note, an actor,
//     the library actor (ours), an activity of ours.
//   - served: the document, a redirect to bieb's event, to our event, to
//     bieb's actor, to tiel's event; or 404.
//   - id of the document: the object's IRI, bieb's event, tiel's event.
//   - attributedTo: the signer, tiel, bieb, the library, nobody.
func (fz *fuzzInbox) activity(in fuzzInput) (signer *inPeer, body []byte, restore func()) {
	pick := func(i uint8, n int) int { return int(i) % n }
	signer = fz.peers[pick(in.signer, len(fz.peers))]
	bieb, tiel := fz.peers[2], fz.peers[0]
	base := []string{signer.base, bieb.base, fz.peers[3].base, fz.env.base.String()}[pick(in.host, 4)]
	path := []string{"/events/" + signer.name, "/events/tiel", "/offers/1", "/notes/1", "/users/" + signer.name,
		"/actor", "/activities/1"}[pick(in.path, 7)]
	if base == fz.env.base.String() && path == "/events/"+signer.name {
		path = strings.TrimPrefix(fz.ours, base)
	}
	if in.typ == "Delete" && base+path == signer.actor {
		path = "/events/" + signer.name // an actor deleting itself is TestTrustOwnership's; here it would end the run
	}
	iri := base + path
	docID := []string{iri, bieb.id("/events/bieb"), tiel.id("/events/tiel")}[pick(in.id, 3)]
	attributed := []any{signer.actor, tiel.actor, bieb.actor, ActorID(fz.env.base), nil}[pick(in.attributedTo, 5)]
	start := time.Now().UTC().Add(96 * time.Hour).Truncate(time.Hour)
	doc := map[string]any{"@context": Context, "type": in.objType, "id": docID, "attributedTo": attributed,
		"name": "Gefuzzd", "content": "<p>Gefuzzd</p>", "startTime": start.Format(time.RFC3339),
		"endTime": start.Add(time.Hour).Format(time.RFC3339), "inReplyTo": fz.ours, "offerKind": "offer",
		"actor": signer.actor, "object": ActorID(fz.env.base), "to": []string{Public}}
	restore = func() {}
	if base == signer.base {
		server := signer
		if server.server != nil {
			server = server.server
		}
		var answer any = doc
		switch pick(in.served, 6) {
		case 1:
			answer = redirectTo(bieb.id("/events/bieb"))
		case 2:
			answer = redirectTo(fz.ours)
		case 3:
			answer = redirectTo(bieb.actor)
		case 4:
			answer = redirectTo(tiel.id("/events/tiel"))
		case 5:
			answer = http.StatusNotFound
		}
		server.mu.Lock()
		was, had := server.docs[path]
		server.docs[path] = answer
		server.mu.Unlock()
		// The signer's server keeps what the signer published at its own
		// addresses, so a later fetch gets what the signer last said. What
		// names a colleague on that server, or lies at another's address, is
		// served for this input only: who else the server may speak for is
		// not the signer's to decide.
		own := path == "/events/"+signer.name || path == "/users/"+signer.name ||
			signer == bieb && (path == "/offers/1" || path == "/notes/1")
		colleague := attributed != signer.actor && attributed != nil && SameHost(fmt.Sprint(attributed), signer.actor)
		if own && !colleague {
			return signer, signer.activity(in.typ, fmt.Sprintf("/fuzz/%d", fz.n.Add(1)), fz.object(iri, doc, in.embed)), restore
		}
		restore = func() {
			server.mu.Lock()
			defer server.mu.Unlock()
			if had {
				server.docs[path] = was
			} else {
				delete(server.docs, path)
			}
		}
	}
	return signer, signer.activity(in.typ, fmt.Sprintf("/fuzz/%d", fz.n.Add(1)), fz.object(iri, doc, in.embed)), restore
}

// object is an activity's object: doc embedded, or its IRI.
func (fz *fuzzInbox) object(iri string, doc map[string]any, embed bool) any {
	if !embed {
		return iri
	}
	embedded := maps.Clone(doc)
	delete(embedded, "@context")
	return embedded
}

// run applies one input and checks the invariants.
func (fz *fuzzInbox) run(t *testing.T, in fuzzInput) {
	signer, body, restore := fz.activity(in)
	defer restore()
	if fz.held == nil {
		fz.held = fz.env.holdings(t)
	}
	fz.process(t, signer, body)
	after := fz.env.holdings(t)
	sameHoldings(t, notMine(fz.held, signer.actor), notMine(after, signer.actor))
	if !slices.EqualFunc(fz.held, after, func(a, b holding) bool { return a.line == b.line }) {
		fz.onOwnHosts(t)
	}
	// The next input starts from here, with no jobs queued.
	if slices.ContainsFunc(after, func(h holding) bool { return h.job }) {
		if _, err := fz.env.db.SQL().ExecContext(t.Context(), `DELETE FROM river_job`); err != nil {
			t.Fatal(err)
		}
		after = slices.DeleteFunc(after, func(h holding) bool { return h.job })
	}
	fz.held = after
}

// onOwnHosts fails unless every stored remote event, offer, reply and
// actor key lies on its origin actor's host and none is ours, and the
// public agenda holds only the remote events of actors the library follows.
func (fz *fuzzInbox) onOwnHosts(t *testing.T) {
	t.Helper()
	rows := fz.env.query(t, `
		SELECT 'event', e.iri, a.iri FROM events e JOIN actors a ON a.id = e.origin_id
		UNION ALL SELECT 'offer', o.iri, a.iri FROM offers o JOIN actors a ON a.id = o.origin_id WHERE o.iri IS NOT NULL
		UNION ALL SELECT 'offer', o.iri, a.iri FROM offers o JOIN actors a ON a.id = o.author_actor_id WHERE o.iri IS NOT NULL
		UNION ALL SELECT 'reply', r.iri, a.iri FROM replies r JOIN actors a ON a.id = r.actor_id WHERE r.iri IS NOT NULL
		UNION ALL SELECT 'actor key', a.key_id, a.iri FROM actors a WHERE a.key_id <> ''`)
	defer rows.Close()
	for rows.Next() {
		var what, iri, owner string
		if err := rows.Scan(&what, &iri, &owner); err != nil {
			t.Fatal(err)
		}
		if !SameHost(iri, owner) || fz.env.f.ours(iri) {
			t.Errorf("%s %s stored as %s's", what, iri, owner)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	events, _, err := fz.env.db.FindEvents(t.Context(), vestiging.EventFilter{Public: true, Source: vestiging.SourceRemote, Feed: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if fl, err := fz.env.db.FollowingByActor(t.Context(), *e.OriginID); err != nil || fl.State != vestiging.FollowAccepted {
			t.Errorf("%s on the public agenda, from an actor the library does not follow", e.IRI)
		}
	}
}
