package federation

// Issue 11: an activity only ever acts as the actor who signed it, on what
// that actor owns. Each test has a real peer on loopback, with real keys,
// that redirects, claims or overreaches, and checks the inbox's answer and
// that nothing anyone else owns changed, in the store or the job queue.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// ownedQueries read what the store holds, each row led by the actors that
// own it (space-separated; "" for the library's own), so ownedBy can leave
// out one actor's. Times are left out where a row's owner may touch them.
var ownedQueries = []struct{ name, sql string }{
	{"actors", `SELECT a.iri, a.iri, a.type, a.name, a.inbox, a.shared_inbox, a.key_id, a.public_key_pem FROM actors a ORDER BY a.iri`},
	{"followers", `SELECT a.iri, f.activity_iri FROM followers f JOIN actors a ON a.id = f.actor_id ORDER BY a.iri`},
	{"following", `SELECT a.iri, g.activity_iri, g.state FROM following g JOIN actors a ON a.id = g.actor_id ORDER BY a.iri`},
	{"person_following", `SELECT a.iri, f.person_id, f.state FROM person_following f JOIN actors a ON a.id = f.actor_id ORDER BY a.iri, f.person_id`},
	{"person_followers", `SELECT a.iri, f.person_id FROM person_followers f JOIN actors a ON a.id = f.actor_id ORDER BY a.iri, f.person_id`},
	{"events", `SELECT COALESCE(a.iri, ''), e.id, COALESCE(e.iri, ''), e.title, e.description, e.status, e.starts_at, e.ends_at, e.hidden
		FROM events e LEFT JOIN actors a ON a.id = e.origin_id ORDER BY e.id`},
	{"offers", `SELECT COALESCE(au.iri, '') || ' ' || COALESCE(og.iri, ''), o.id, COALESCE(o.iri, ''), o.title, o.description, o.status
		FROM offers o LEFT JOIN actors au ON au.id = o.author_actor_id LEFT JOIN actors og ON og.id = o.origin_id ORDER BY o.id`},
	{"replies", `SELECT COALESCE(a.iri, ''), r.id, COALESCE(r.iri, ''), r.content, r.status FROM replies r LEFT JOIN actors a ON a.id = r.actor_id ORDER BY r.id`},
	{"registrations", `SELECT COALESCE(a.iri, ''), r.id, r.event_id, r.state FROM registrations r LEFT JOIN actors a ON a.id = r.actor_id ORDER BY r.id`},
	{"reports", `SELECT COALESCE(a.iri, ''), r.id, COALESCE(r.iri, ''), r.targets, r.content FROM reports r LEFT JOIN actors a ON a.id = r.actor_id ORDER BY r.id`},
	{"messages", `SELECT COALESCE(a.iri, ''), m.id, COALESCE(m.iri, ''), m.content FROM messages m LEFT JOIN actors a ON a.id = m.from_actor_id ORDER BY m.id`},
	{"tombstones", `SELECT t.actor_iri, t.iri FROM tombstones t ORDER BY t.iri, t.actor_iri`},
}

// holding is one row the store holds, or one queued job, as a line, and
// whether an activity of signer's may change it: the signer owns the row,
// or the job answers it (a delivery to its server, its backfill, a notice
// of its registration).
type holding struct {
	line string
	job  bool
	mine func(signer string) bool
}

// holdings reads what the store holds and the jobs queued, the inbox jobs
// left out.
func (env *inEnv) holdings(t testing.TB) []holding {
	t.Helper()
	var out []holding
	for _, q := range ownedQueries {
		rows := env.query(t, q.sql)
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "%s:", q.name)
			for _, v := range vals {
				s := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					s = string(b)
				}
				if len(s) > 80 { // a key: its hash is enough to see a change
					sum := sha256.Sum256([]byte(s))
					s = "sha256:" + hex.EncodeToString(sum[:6])
				}
				fmt.Fprintf(&b, " %s", s)
			}
			b.WriteByte('\n')
			owners := strings.Fields(fmt.Sprint(vals[0]))
			out = append(out, holding{line: b.String(), mine: func(signer string) bool { return slices.Contains(owners, signer) }})
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	rows := env.query(t, `SELECT j.kind, `+env.jobArgs()+`, COALESCE(a.iri, '') FROM river_job j
		LEFT JOIN registrations r ON j.kind = 'participation' AND r.id = CAST(`+env.jobField("registration_id")+` AS INTEGER)
		LEFT JOIN actors a ON a.id = r.actor_id
		WHERE j.kind <> 'inbox' ORDER BY j.id`)
	defer rows.Close()
	for rows.Next() {
		var kind, registrant string
		var args []byte
		if err := rows.Scan(&kind, &args, &registrant); err != nil {
			t.Fatal(err)
		}
		var j struct{ Inbox, Actor string }
		if err := json.Unmarshal(args, &j); err != nil {
			t.Fatal(err)
		}
		out = append(out, holding{line: fmt.Sprintf("job: %s %s\n", kind, args), job: true, mine: func(signer string) bool {
			return kind == "deliver" && SameHost(signer, j.Inbox) || kind == "backfill" && j.Actor == signer ||
				kind == "participation" && registrant == signer ||
				kind == "event_counts" // counts again what is stored: no one's to change
		}})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// notMine is what of hs no activity of signer's may change.
func notMine(hs []holding, signer string) string {
	var b strings.Builder
	for _, h := range hs {
		if !h.mine(signer) {
			b.WriteString(h.line)
		}
	}
	return b.String()
}

// ownedBy returns what the store holds that is not signer's, and the jobs
// queued but for signer: what no activity of signer's may change.
func (env *inEnv) ownedBy(t testing.TB, signer string) string {
	t.Helper()
	return notMine(env.holdings(t), signer)
}

// unchanged fails unless what is not signer's is as before.
func (env *inEnv) unchanged(t testing.TB, signer, before string) {
	t.Helper()
	sameHoldings(t, before, env.ownedBy(t, signer))
}

// sameHoldings fails unless after is before, listing the rows that went
// (-) and came (+).
func sameHoldings(t testing.TB, before, after string) {
	t.Helper()
	if after == before {
		return
	}
	was, is := strings.Split(before, "\n"), strings.Split(after, "\n")
	var diff []string
	for _, l := range was {
		if !slices.Contains(is, l) {
			diff = append(diff, "- "+l)
		}
	}
	for _, l := range is {
		if !slices.Contains(was, l) {
			diff = append(diff, "+ "+l)
		}
	}
	t.Errorf("what others own changed:\n%s", strings.Join(diff, "\n"))
}

// attempt posts body signed by p and works the queue; it fails unless the
// inbox answers want. Cancelled jobs are fine: refusing is what is tested.
func (env *inEnv) attempt(t testing.TB, p *inPeer, body []byte, want int) {
	t.Helper()
	if got := p.post(t, env.inbox, body); got != want {
		t.Fatalf("%s: status = %d, want %d", truncate(string(body), 200), got, want)
	}
	env.work(t)
	if n := env.jobs(t, "inbox"); n != 0 {
		t.Fatalf("%d inbox jobs left", n)
	}
}

// TestTrustActorSwap: finding 1. A server whose actor has a key but no
// inbox signs activities and then redirects its actor's URL to a
// victim's. The worker acts as the signer only: the victim's registration,
// follow and name are untouched, and so is everything else the victim owns.
func TestTrustActorSwap(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		victim := newInPeer(t, "tiel", 0)
		env.follow(t, victim, vestiging.FollowAccepted)
		event := openEvent(t, env, 10, 72*time.Hour, nil)
		eventIRI := EventID(env.base, event)
		env.attempt(t, victim, victim.activity("Follow", "/follows/1", ActorID(env.base)), http.StatusAccepted)
		env.attempt(t, victim, victim.activity("Join", "/joins/1", eventIRI), http.StatusAccepted)
		if got := env.registrations(t, event.ID); got[victim.actor] != vestiging.RegistrationConfirmed {
			t.Fatalf("the victim's registration: %v", got)
		}

		mallory := newInPeer(t, "mallory", 1)
		doc := mallory.docs["/users/mallory"].(map[string]any)
		delete(doc, "inbox")
		delete(doc, "endpoints")
		env.attempt(t, mallory, mallory.activity("Like", "/likes/1", eventIRI), http.StatusAccepted) // its key is stored
		mallory.put("/users/mallory", redirectTo(victim.actor))
		mallory.put("/events/1", mallory.event("/events/1", "Van Mallory", 5))
		before := env.ownedBy(t, mallory.actor)

		for _, body := range [][]byte{
			mallory.activity("Leave", "/leaves/1", eventIRI),
			mallory.activity("Undo", "/undos/1", map[string]any{"id": mallory.id("/follows/1"), "type": "Follow",
				"actor": mallory.actor, "object": ActorID(env.base)}),
			mallory.activity("Flag", "/flags/1", []string{ActorID(env.base)}),
			mallory.activity("Announce", "/announces/1", mallory.id("/events/1")),
			mallory.activity("Update", "/updates/1", mallory.actor),
		} {
			env.attempt(t, mallory, body, http.StatusAccepted)
			env.unchanged(t, mallory.actor, before)
		}
		var reporter string
		if err := db.SQL().QueryRowContext(t.Context(), `SELECT a.iri FROM reports r JOIN actors a ON a.id = r.actor_id`).Scan(&reporter); err != nil || reporter != mallory.actor {
			t.Errorf("the report was filed by %q (%v), want the signer", reporter, err)
		}
	})
}

// TestTrustEventTakeover: finding 2. A followed server names an object on
// its own host that redirects to another library's event, or attributes
// one of its own to that library: the other library's event and origin
// stay as they are, and nothing is stored in its name.
func TestTrustEventTakeover(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		victim := newInPeer(t, "tiel", 0)
		env.follow(t, victim, vestiging.FollowAccepted)
		victim.put("/events/1", victim.event("/events/1", "Voorleesuur", 4))
		env.attempt(t, victim, victim.activity("Create", "/creates/1", victim.id("/events/1")), http.StatusAccepted)
		if e := env.remoteEvents(t)[victim.id("/events/1")]; e == nil || e.Origin.IRI != victim.actor {
			t.Fatalf("the victim's event: %+v", e)
		}

		mallory := newInPeer(t, "mallory", 1)
		env.follow(t, mallory, vestiging.FollowAccepted)
		mallory.put("/events/9", redirectTo(victim.id("/events/1")))
		claimed := mallory.event("/events/8", "Van Tiel, zegt Mallory", 4)
		claimed["attributedTo"] = victim.actor
		mallory.put("/events/8", claimed)
		before := env.ownedBy(t, mallory.actor)
		for _, body := range [][]byte{
			mallory.activity("Create", "/creates/9", mallory.id("/events/9")),
			mallory.activity("Update", "/updates/9", mallory.id("/events/9")),
			mallory.activity("Create", "/creates/8", claimed),
			mallory.activity("Create", "/creates/7", mallory.id("/events/8")),
		} {
			env.attempt(t, mallory, body, http.StatusAccepted)
			env.unchanged(t, mallory.actor, before)
		}
		for iri, e := range env.remoteEvents(t) {
			if e.Origin.IRI == mallory.actor {
				t.Errorf("stored %s as the signer's", iri)
			}
		}
	})
}

// TestTrustKeyShadowing: finding 3. An actor whose document claims
// another actor's keyId never gets it, on any path that stores a key, and
// the genuine actor's deliveries keep being taken; a key id held wrongly
// (from before the store refused it) goes to the actor it names as soon as
// that actor's signature is checked against its own document.
func TestTrustKeyShadowing(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		clock := storetest.NewClock(time.Now())
		env := newInEnv(t, db, clock.Now)
		victim := newInPeer(t, "tiel", 0)
		mallory := victim.colleague(t, "mallory", 1) // on the victim's own server
		stranger := newInPeer(t, "vreemd", 2)        // on another
		env.attempt(t, victim, victim.activity("Follow", "/follows/1", ActorID(env.base)), http.StatusAccepted)
		for _, p := range []*inPeer{mallory, stranger} {
			env.attempt(t, p, p.activity("Like", "/likes/1", ActorID(env.base)), http.StatusAccepted)
		}
		claim := func(p *inPeer) {
			pemKey, err := EncodePublicKeyPEM(&p.signer.Key.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			doc := map[string]any{"@context": []any{ActivityStreamsContext, "https://w3id.org/security/v1"},
				"id": p.actor, "type": "Person", "inbox": p.inbox,
				"publicKey": map[string]any{"id": victim.signer.KeyID, "owner": p.actor, "publicKeyPem": pemKey}}
			p.put("/users/"+p.name, doc)
		}
		claim(mallory)
		claim(stranger)
		for _, p := range []*inPeer{mallory, stranger} {
			before := env.ownedBy(t, p.actor)
			// Its profile "changed": fetched again, its claim not taken.
			env.attempt(t, p, p.activity("Update", "/updates/1", p.actor), http.StatusAccepted)
			env.unchanged(t, p.actor, before)
			if a := env.actor(t, p); a.KeyID != p.signer.KeyID {
				t.Errorf("%s holds key %s, want its own", p.name, a.KeyID)
			}
			// Signed with its own key under the victim's keyId: the key is
			// the victim's, from the victim's document.
			forged := &inPeer{name: p.name, base: p.base, actor: p.actor, inbox: p.inbox,
				signer: &Signer{KeyID: victim.signer.KeyID, Key: p.signer.Key}}
			if got := forged.post(t, env.inbox, p.activity("Like", "/likes/2", ActorID(env.base))); got != http.StatusUnauthorized {
				t.Errorf("%s signing under the victim's keyId: status %d, want 401", p.name, got)
			}
			env.unchanged(t, p.actor, before)
			env.attempt(t, victim, victim.activity("Like", "/likes/"+p.name, ActorID(env.base)), http.StatusAccepted)
		}
		if a, err := db.ActorByKeyID(t.Context(), victim.signer.KeyID); err != nil || a.IRI != victim.actor {
			t.Errorf("the victim's key id names %+v, %v", a, err)
		}

		t.Run("HeldWrongly", func(t *testing.T) {
			// As an older version stored it: mallory's row holds the
			// victim's key id with mallory's key.
			if err := db.DeleteRemoteObject(t.Context(), victim.actor, env.actor(t, victim)); err != nil {
				t.Fatal(err)
			}
			m := env.actor(t, mallory)
			pemKey, err := EncodePublicKeyPEM(&mallory.signer.Key.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			m.KeyID, m.PublicKeyPEM = victim.signer.KeyID, pemKey
			if err := db.UpsertActor(t.Context(), m); err != nil {
				t.Fatal(err)
			}
			env.f.in.keys.forget(mallory.actor)
			env.f.in.keys.forget(victim.actor)
			// A key fetched less than keyRefetchAfter ago is not fetched
			// again for a bad signature.
			clock.Add(keyRefetchAfter)
			env.attempt(t, victim, victim.activity("Like", "/likes/again", ActorID(env.base)), http.StatusAccepted)
			if a, err := db.ActorByKeyID(t.Context(), victim.signer.KeyID); err != nil || a.IRI != victim.actor {
				t.Errorf("the victim's key id names %+v, %v", a, err)
			}
			if m := env.actor(t, mallory); m.KeyID != "" {
				t.Errorf("mallory still holds key %s", m.KeyID)
			}
		})
	})
}

// TestTrustOwnership: finding 4. On one server a library and another
// actor (as one Mobilizon hosts many groups): the other may neither
// update nor delete the library's event, its resident's offer and reply,
// nor the library itself; an Announce does not move the event's origin,
// nor bring in or change the library's events from the server they share;
// and a followed account's boost of the library's own event stores no
// remote copy.
func TestTrustOwnership(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		lib := newInPeer(t, "agenda", 0)
		anna := lib.colleague(t, "anna", 2)
		group := lib.colleague(t, "groep", 1)
		env.follow(t, lib, vestiging.FollowAccepted)
		env.follow(t, group, vestiging.FollowAccepted)
		ourIRI := EventID(env.base, openEvent(t, env, 10, 72*time.Hour, nil))

		event := lib.event("/events/1", "Voorleesuur", 4)
		lib.put("/events/1", event)
		env.attempt(t, lib, lib.activity("Create", "/creates/1", event), http.StatusAccepted)
		page := OfferObject(&vestiging.Offer{ID: 1, Kind: vestiging.OfferKindOffer, Title: "Hulp met je telefoon",
			Description: "<p>Dinsdag</p>"}, anna.actor, mustURL(lib.base))
		page["@context"] = Context
		lib.put("/offers/1", page)
		env.attempt(t, lib, lib.activity("Announce", "/announces/1", lib.id("/offers/1")), http.StatusAccepted)
		note := map[string]any{"type": "Note", "id": anna.id("/notes/1"), "attributedTo": anna.actor, "inReplyTo": ourIRI,
			"content": "<p>Leuk!</p>", "to": []string{Public}}
		env.attempt(t, anna, anna.activity("Create", "/creates/n1", note), http.StatusAccepted)
		before := env.ownedBy(t, group.actor)
		if !strings.Contains(before, lib.id("/offers/1")) || !strings.Contains(before, anna.id("/notes/1")) {
			t.Fatalf("set-up: the offer or reply is missing:\n%s", before)
		}

		forgedEvent := lib.event("/events/1", "Overgenomen", 4)
		forgedEvent["attributedTo"] = group.actor
		forgedEvent["updated"] = time.Now().Add(time.Hour).UTC().Format(time.RFC3339) // newer than any tombstone
		forgedPage := OfferObject(&vestiging.Offer{ID: 1, Kind: vestiging.OfferKindOffer, Title: "Overgenomen",
			Description: "<p>x</p>"}, group.actor, mustURL(lib.base))
		for _, body := range [][]byte{
			group.activity("Update", "/groep/updates/1", forgedEvent),
			group.activity("Update", "/groep/updates/2", lib.event("/events/1", "Ook overgenomen", 4)),
			group.activity("Update", "/groep/updates/3", forgedPage),
			group.activity("Update", "/groep/updates/4", map[string]any{"type": "Note", "id": anna.id("/notes/1"),
				"attributedTo": group.actor, "inReplyTo": ourIRI, "content": "<p>Overgenomen</p>"}),
			group.activity("Delete", "/groep/deletes/1", lib.id("/events/1")),
			group.activity("Delete", "/groep/deletes/2", []any{lib.id("/offers/1"), anna.id("/notes/1"), lib.actor, anna.actor}),
		} {
			env.attempt(t, group, body, http.StatusAccepted)
			env.unchanged(t, group.actor, before)
		}
		t.Run("AnnounceKeepsOrigin", func(t *testing.T) {
			// The library's server now says the group wrote the event; the
			// group announces it.
			lib.put("/events/1", forgedEvent)
			env.attempt(t, group, group.activity("Announce", "/groep/announces/1", lib.id("/events/1")), http.StatusAccepted)
			env.unchanged(t, group.actor, before)
			lib.put("/events/1", event)
		})
		t.Run("AnnounceOfANeighbour", func(t *testing.T) {
			// The server the two share answers for the library: with a
			// changed version of its event, and with a new one at an
			// address the group deleted. The group's Announce is the group's
			// word, not the library's, and changes neither.
			changed := lib.event("/events/1", "Gewijzigd", 4)
			changed["updated"] = time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
			lib.put("/events/1", changed)
			env.attempt(t, group, group.activity("Announce", "/groep/announces/2", lib.id("/events/1")), http.StatusAccepted)
			env.unchanged(t, group.actor, before)
			lib.put("/events/1", event)
			env.attempt(t, group, group.activity("Delete", "/groep/deletes/3", lib.id("/groep/events/1")), http.StatusAccepted)
			lib.put("/groep/events/1", lib.event("/groep/events/1", "Nieuw", 4))
			env.attempt(t, group, group.activity("Announce", "/groep/announces/3", lib.id("/groep/events/1")), http.StatusAccepted)
			env.unchanged(t, group.actor, before)
		})
		t.Run("OwnObjects", func(t *testing.T) {
			// A followed account boosts the library's own event and its
			// actor: nothing is fetched back or stored as remote.
			env.attempt(t, lib, lib.activity("Announce", "/announces/2", ourIRI), http.StatusAccepted)
			env.attempt(t, lib, lib.activity("Announce", "/announces/3", ActorID(env.base)), http.StatusAccepted)
			env.unchanged(t, group.actor, before)
		})
		t.Run("OwnerStillMay", func(t *testing.T) {
			// The group's Delete left a tombstone of its own only.
			moved := lib.event("/events/1", "Voorleesuur, verplaatst", 5)
			moved["updated"] = time.Now().UTC().Format(time.RFC3339)
			env.attempt(t, lib, lib.activity("Update", "/updates/lib1", moved), http.StatusAccepted)
			if e := env.remoteEvents(t)[lib.id("/events/1")]; e == nil || e.Title != "Voorleesuur, verplaatst" {
				t.Errorf("the library's own Update: %+v", e)
			}
			env.attempt(t, anna, anna.activity("Delete", "/deletes/anna1", anna.id("/notes/1")), http.StatusAccepted)
			if r, err := db.ReplyByIRI(t.Context(), anna.id("/notes/1")); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
				t.Errorf("anna's reply after her Delete: %+v, %v", r, err)
			}
		})
	})
}

// TestTrustObjectLimit: finding 5. Activities with more objects than
// MaxObjects, or a document embedding more than maxEmbedded, are refused
// with 400 before they are resolved, queued or applied.
func TestTrustObjectLimit(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		p := newInPeer(t, "tiel", 0)
		env.follow(t, p, vestiging.FollowAccepted)
		env.attempt(t, p, p.activity("Create", "/creates/1", p.event("/events/1", "Voorleesuur", 4)), http.StatusAccepted)
		many := func(n int, f func(i int) any) []any {
			out := make([]any, n)
			for i := range out {
				out[i] = f(i)
			}
			return out
		}
		tagged := p.event("/events/2", "Met veel tags", 4)
		tagged["tag"] = many(maxEmbedded+1, func(i int) any { return map[string]any{"type": "Hashtag", "name": fmt.Sprintf("#t%d", i)} })
		huge := many(16000, func(i int) any { return map[string]any{"type": "Note", "id": p.id(fmt.Sprintf("/notes/%d", i))} })
		before := env.ownedBy(t, "")
		for name, body := range map[string][]byte{
			"Delete":   p.activity("Delete", "/deletes/1", many(MaxObjects+1, func(i int) any { return p.id(fmt.Sprintf("/events/%d", i)) })),
			"Flag":     p.activity("Flag", "/flags/1", many(MaxObjects+1, func(i int) any { return ActorID(env.base) + fmt.Sprint("#", i) })),
			"Embedded": p.activity("Create", "/creates/2", tagged),
			"Huge":     p.activity("Create", "/creates/3", huge),
		} {
			t.Run(name, func(t *testing.T) {
				env.attempt(t, p, body, http.StatusBadRequest)
				env.unchanged(t, "", before)
			})
		}
		t.Run("AtTheLimit", func(t *testing.T) {
			env.attempt(t, p, p.activity("Delete", "/deletes/2", many(MaxObjects, func(i int) any { return p.id(fmt.Sprintf("/events/%d", i)) })), http.StatusAccepted)
			if e := env.remoteEvents(t)[p.id("/events/1")]; e != nil {
				t.Errorf("the event survived a Delete of %d objects", MaxObjects)
			}
		})
	})
}

// TestTrustHostBinding: finding 6. A request signed for another server
// (its signed Host is not ours) is refused before its key is fetched.
func TestTrustHostBinding(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		env.f.cfg.MediaURL = mustURL("http://media.bieb.example/media/")
		p := newInPeer(t, "tiel", 0)
		before := env.ownedBy(t, "")
		for _, host := range []string{"bieb.example", "other.example", "127.0.0.1"} {
			fetches := p.fetches.Load()
			got := p.post(t, env.inbox, p.activity("Follow", "/follows/"+host, ActorID(env.base)), func(r *http.Request) {
				r.Host = host
				if err := p.signer.Sign(r, p.activity("Follow", "/follows/"+host, ActorID(env.base))); err != nil {
					t.Fatal(err)
				}
			})
			if got != http.StatusUnauthorized {
				t.Errorf("signed for %s: status %d, want 401", host, got)
			}
			if p.fetches.Load() != fetches {
				t.Errorf("signed for %s: the key was fetched", host)
			}
			env.work(t)
			env.unchanged(t, "", before)
		}
		// Our own hosts: the base URL's and the media host.
		for _, host := range []string{env.base.Host, "media.bieb.example"} {
			body := p.activity("Like", "/likes/"+host, ActorID(env.base))
			if got := p.post(t, env.inbox, body, func(r *http.Request) {
				r.Host = host
				if err := p.signer.Sign(r, body); err != nil {
					t.Fatal(err)
				}
			}); got != http.StatusAccepted {
				t.Errorf("signed for %s: status %d, want 202", host, got)
			}
		}
	})
}
