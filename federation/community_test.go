package federation

import (
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

// approvedOffer stores an offer by author and approves it.
func approvedOffer(t testing.TB, db *store.DB, author *vestiging.Person, title string) *vestiging.Offer {
	t.Helper()
	o := &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: title, Description: "<p>Op dinsdag.</p>",
		Theme: "digitale-vaardigheden", Area: "Tiel-Oost", AuthorID: author.ID}
	if err := db.CreateOffer(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	if err := db.SetOfferStatus(t.Context(), o.ID, vestiging.OfferApproved, "", nil); err != nil {
		t.Fatal(err)
	}
	return o
}

// localEvent stores a published event of the library, days from now.
func localEvent(t testing.TB, db *store.DB, title string, status string) *vestiging.Event {
	t.Helper()
	branches, err := db.Branches(t.Context())
	if err != nil || len(branches) == 0 {
		t.Fatalf("branches: %v", err)
	}
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	e := &vestiging.Event{Title: title, Status: status, StartsAt: start, EndsAt: start.Add(time.Hour), BranchID: &branches[0].ID}
	if err := db.CreateEvent(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestOfferPage(t *testing.T) {
	db := storetest.SQLite(t)
	in := startInstance(t, db, nil)
	anna := resident(t, db, "anna", true, true)
	noHandle := &vestiging.Person{Email: "piet@mail.example", DisplayName: "Piet", PasswordHash: "x"}
	partner := &vestiging.Person{Email: "taal@mail.example", DisplayName: "Taalhuis", PasswordHash: "x", Role: vestiging.RolePartner, Handle: "taalhuis"}
	for _, p := range []*vestiging.Person{noHandle, partner} {
		if err := db.CreatePerson(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		author *vestiging.Person
		want   string
	}{
		{"Resident", anna, PersonActorID(in.base, "anna")},
		{"NoHandle", noHandle, ActorID(in.base)},
		{"Partner", partner, ActorID(in.base)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := approvedOffer(t, db, tt.author, "Hulp met je telefoon")
			m := in.getAS2(t, "/offers/"+itoa(o.ID))
			if got := m["attributedTo"]; got != tt.want {
				t.Errorf("attributedTo = %v, want %s", got, tt.want)
			}
			if m["type"] != "Page" || m["offerKind"] != "offer" || m["theme"] != "digitale-vaardigheden" || m["areaServed"] != "Tiel-Oost" {
				t.Errorf("page %v", m)
			}
			if got, want := m["summary"], "Hulp met je telefoon · Aanbod · Digitale vaardigheden · Tiel-Oost"; got != want {
				t.Errorf("summary = %v, want %q", got, want)
			}
		})
	}
	t.Run("ContextDeclaresTerms", func(t *testing.T) {
		terms := Context[2].(map[string]any)
		for _, term := range []string{"offerKind", "theme", "areaServed"} {
			if terms[term] == nil {
				t.Errorf("@context lacks %s", term)
			}
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		o := &vestiging.Offer{Kind: vestiging.OfferKindRequest, Title: "Nog niet goedgekeurd", Description: "<p>x</p>", AuthorID: anna.ID}
		if err := db.CreateOffer(t.Context(), o); err != nil {
			t.Fatal(err)
		}
		resp, _ := in.get(t, "/offers/"+itoa(o.ID), ContentTypeActivity, nil)
		if got, want := resp.StatusCode, http.StatusNotFound; got != want {
			t.Errorf("pending offer: status %d, want %d", got, want)
		}
	})
}

func TestParseRemoteOffer(t *testing.T) {
	page := func(change func(m map[string]any)) []byte {
		m := map[string]any{
			"@context": Context, "type": "Page", "id": "https://b.example/offers/1", "url": "https://b.example/offers/1",
			"attributedTo": "https://b.example/users/anna", "name": "Taalmaatje", "offerKind": "request",
			"content": `<p>Wie oefent met mij?</p><script>alert(1)</script>`, "theme": "taal", "areaServed": "Culemborg",
		}
		if change != nil {
			change(m)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Run("OK", func(t *testing.T) {
		r, err := ParseRemoteOffer(page(nil))
		if err != nil {
			t.Fatal(err)
		}
		want := RemoteOffer{ID: "https://b.example/offers/1", URL: "https://b.example/offers/1", AttributedTo: "https://b.example/users/anna",
			Kind: "request", Title: "Taalmaatje", Content: "<p>Wie oefent met mij?</p>", Theme: "taal", Area: "Culemborg"}
		if *r != want {
			t.Errorf("got %+v, want %+v", *r, want)
		}
	})
	t.Run("OwnPage", func(t *testing.T) {
		base := mustURL("https://a.example")
		o := &vestiging.Offer{ID: 3, Kind: vestiging.OfferKindOffer, Title: "Fietsen repareren", Description: "<p>Zaterdag</p>", Area: "Tiel"}
		m := OfferObject(o, PersonActorID(base, "anna"), base)
		m["@context"] = Context
		b, _ := json.Marshal(m)
		r, err := ParseRemoteOffer(b)
		if err != nil {
			t.Fatal(err)
		}
		if r.Kind != o.Kind || r.Title != o.Title || r.Area != "Tiel" || r.AttributedTo != PersonActorID(base, "anna") {
			t.Errorf("round trip %+v", r)
		}
	})
	bad := []struct {
		name   string
		change func(m map[string]any)
	}{
		{"NoKind", func(m map[string]any) { delete(m, "offerKind") }},
		{"UnknownKind", func(m map[string]any) { m["offerKind"] = "sale" }},
		{"Note", func(m map[string]any) { m["type"] = "Note" }},
		{"AuthorElsewhere", func(m map[string]any) { m["attributedTo"] = "https://evil.example/users/x" }},
		{"NoAuthor", func(m map[string]any) { delete(m, "attributedTo") }},
	}
	for _, tt := range bad {
		t.Run("ErrInvalid/"+tt.name, func(t *testing.T) {
			if _, err := ParseRemoteOffer(page(tt.change)); vestiging.ErrorCode(err) != vestiging.EINVALID {
				t.Errorf("err = %v, want EINVALID", err)
			}
		})
	}
}

// TestPublishOfferAuthor: a resident's offer is announced by the library,
// but its Update and Delete are the resident's own, signed with their key,
// as Mastodon takes them only from the Page's author.
func TestPublishOfferAuthor(t *testing.T) {
	db := storetest.SQLite(t)
	in := startInstance(t, db, nil)
	storetest.SeedFollowers(t, db, 2, 1, func(i int) string { return "https://peer.example/inbox" })
	anna := resident(t, db, "anna", true, true)
	o := approvedOffer(t, db, anna, "Hulp met je telefoon")
	at := time.Now().UTC().Truncate(time.Second)
	for i, tt := range []struct{ action, typ, actor string }{
		{"Create", "Announce", ActorID(in.base)},
		{"Update", "Update", PersonActorID(in.base, "anna")},
		{"Delete", "Delete", PersonActorID(in.base, "anna")},
	} {
		t.Run(tt.action, func(t *testing.T) {
			j := vestiging.PublishJob{Object: KindOffer, ID: o.ID, Action: tt.action, At: at.Add(time.Duration(i) * time.Minute)}
			if err := in.fed.publish(t.Context(), j); err != nil {
				t.Fatal(err)
			}
			id := publishedActivityID(in.base, OfferID(in.base, o.ID), tt.action, j.At)
			a, err := db.ActivityByIRI(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(a.JSON, &m); err != nil {
				t.Fatal(err)
			}
			if m["type"] != tt.typ || m["actor"] != tt.actor {
				t.Errorf("%s by %s, want %s by %s", m["type"], m["actor"], tt.typ, tt.actor)
			}
			var signer int64
			if tt.actor != ActorID(in.base) {
				signer = anna.ID
			}
			jobs := storetest.Jobs[DeliverJob](t, db, DeliverJob{}.Kind())
			found := false
			for _, dj := range jobs {
				if dj.ActivityIRI == id {
					found = true
					if dj.PersonID != signer {
						t.Errorf("signed by person %d, want %d", dj.PersonID, signer)
					}
				}
			}
			if !found {
				t.Error("nothing queued to the followers")
			}
		})
	}
}

// TestPublishDeletedAuthor: a resident deletes their account. The Delete
// of their offer still comes from their actor, signed with their key,
// though neither the offer nor the person is left; their actor's Delete
// goes to the library's followers, who saw the offer, and the key stays
// until those deliveries end.
func TestPublishDeletedAuthor(t *testing.T) {
	db := storetest.SQLite(t)
	in := startInstance(t, db, nil)
	storetest.SeedFollowers(t, db, 2, 1, func(i int) string { return "https://peer.example/inbox" })
	anna := resident(t, db, "anna", true, true)
	o := approvedOffer(t, db, anna, "Hulp met je telefoon")
	if _, err := in.fed.personKey(t.Context(), anna.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := db.DeletePerson(t.Context(), anna.ID); err != nil {
		t.Fatal(err)
	}
	for _, j := range storetest.Jobs[vestiging.PublishJob](t, db, vestiging.PublishJob{}.Kind()) {
		if j.Action == "Delete" {
			if err := in.fed.publish(t.Context(), j); err != nil {
				t.Fatal(err)
			}
		}
	}
	deleted := storetest.Jobs[vestiging.PersonDeletedJob](t, db, vestiging.PersonDeletedJob{}.Kind())
	if len(deleted) != 1 {
		t.Fatalf("person deleted jobs %+v", deleted)
	}
	if err := in.fed.personDeleted(t.Context(), deleted[0]); err != nil {
		t.Fatal(err)
	}
	annaID := PersonActorID(in.base, "anna")
	signedBy := map[string]int64{}
	for _, dj := range storetest.Jobs[DeliverJob](t, db, DeliverJob{}.Kind()) {
		a, err := db.ActivityByIRI(t.Context(), dj.ActivityIRI)
		if err != nil {
			t.Fatal(err)
		}
		var m struct{ Type, Actor string }
		if err := json.Unmarshal(a.JSON, &m); err != nil {
			t.Fatal(err)
		}
		if m.Actor == annaID && dj.Inbox == "https://peer.example/inbox" {
			signedBy[m.Type+" "+a.ObjectIRI] = dj.PersonID
		}
	}
	want := map[string]int64{"Delete " + OfferID(in.base, o.ID): anna.ID, "Delete " + annaID: anna.ID}
	if fmt.Sprint(signedBy) != fmt.Sprint(want) {
		t.Errorf("sent to the followers as anna: %v, want %v", signedBy, want)
	}
	if _, err := in.fed.personKey(t.Context(), anna.ID, false); err != nil {
		t.Errorf("the key is gone before the deliveries it signs: %v", err)
	}
}

func TestEventPartner(t *testing.T) {
	library := "https://a.example/actor"
	partner := int64(7)
	start := time.Date(2026, 12, 5, 14, 0, 0, 0, time.UTC)
	e := &vestiging.Event{ID: 1, Title: "Taalcafé", StartsAt: start, EndsAt: start.Add(time.Hour), Status: vestiging.StatusPublished,
		PartnerID: &partner, PartnerName: "Taalhuis <Tiel>"}
	orgs := organizers(e, library)
	if len(orgs) != 2 || orgs[0] != library {
		t.Fatalf("organizers = %v", orgs)
	}
	if p, _ := orgs[1].(map[string]any); p["type"] != "Organization" || p["name"] != "Taalhuis <Tiel>" {
		t.Errorf("partner = %v", orgs[1])
	}
	if c := eventContent(e, "https://a.example/events/1"); !strings.HasPrefix(c, "<p>Georganiseerd met Taalhuis &lt;Tiel&gt;<br>") {
		t.Errorf("content = %q, want the partner first", c)
	}
	e.PartnerID, e.PartnerName = nil, ""
	if orgs := organizers(e, library); len(orgs) != 1 {
		t.Errorf("organizers without partner = %v", orgs)
	}
}

// note builds a Note by the peer's actor at path, in reply to inReplyTo.
func (p *inPeer) note(path, inReplyTo, content string) map[string]any {
	return map[string]any{
		"type": "Note", "id": p.id(path), "url": p.id(path) + "/page", "attributedTo": p.actor,
		"inReplyTo": inReplyTo, "content": content, "to": []any{Public},
	}
}

// replies lists the replies stored for an event, any status.
func replies(t testing.TB, db *store.DB, eventID int64) []*vestiging.Reply {
	t.Helper()
	rs, _, err := db.Replies(t.Context(), vestiging.ReplyFilter{ObjectType: vestiging.ReplyToEvent, ObjectID: eventID, Limit: vestiging.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestInboxReply(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		if err := db.UpdateLibrary(t.Context(), &vestiging.Library{Name: "Bibliotheek"}); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateBranch(t.Context(), &vestiging.Branch{Name: "Tiel", City: "Tiel"}); err != nil {
			t.Fatal(err)
		}
		event := localEvent(t, db, "Voorleesuur", vestiging.StatusPublished)
		draft := localEvent(t, db, "Concept", vestiging.StatusDraft)
		p := newInPeer(t, "mastodon", 0)
		other := newInPeer(t, "ander", 1)
		deliver := env.deliver
		eventIRI := EventID(env.base, event)

		t.Run("OK", func(t *testing.T) {
			deliver(t, p, p.activity("Create", "/statuses/1/activity", p.note("/statuses/1", eventIRI, `<p>Leuk! <script>x</script></p>`)))
			rs := replies(t, db, event.ID)
			if len(rs) != 1 {
				t.Fatalf("%d replies, want 1", len(rs))
			}
			r := rs[0]
			if r.IRI != p.id("/statuses/1") || r.URL != p.id("/statuses/1/page") || r.Content != "<p>Leuk! </p>" || r.Actor == nil || r.Actor.IRI != p.actor {
				t.Errorf("reply %+v", r)
			}
		})
		t.Run("Duplicate", func(t *testing.T) {
			// The same Note in a new Create: stored once.
			deliver(t, p, p.activity("Create", "/statuses/1/again", p.note("/statuses/1", eventIRI, "<p>Leuk!</p>")))
			if got := len(replies(t, db, event.ID)); got != 1 {
				t.Errorf("%d replies, want 1", got)
			}
		})
		t.Run("NotOurs", func(t *testing.T) {
			for i, target := range []string{other.id("/events/1"), env.base.String() + "/events/abc", eventIRI + "/x", ""} {
				deliver(t, p, p.activity("Create", fmt.Sprintf("/statuses/n%d/activity", i), p.note(fmt.Sprintf("/statuses/n%d", i), target, "<p>Hallo</p>")))
			}
			if got := len(replies(t, db, event.ID)); got != 1 {
				t.Errorf("%d replies, want 1", got)
			}
		})
		t.Run("NotPublic", func(t *testing.T) {
			deliver(t, p, p.activity("Create", "/statuses/2/activity", p.note("/statuses/2", EventID(env.base, draft), "<p>Hallo</p>")))
			if got := len(replies(t, db, draft.ID)); got != 0 {
				t.Errorf("%d replies to a draft, want 0", got)
			}
		})
		t.Run("SomeoneElsesNote", func(t *testing.T) {
			n := p.note("/statuses/3", eventIRI, "<p>Namens een ander</p>")
			n["attributedTo"] = p.id("/users/iemand")
			deliver(t, p, p.activity("Create", "/statuses/3/activity", n))
			if got := len(replies(t, db, event.ID)); got != 1 {
				t.Errorf("%d replies, want 1", got)
			}
		})
		t.Run("Update", func(t *testing.T) {
			// An edit replaces the text, sanitised like a new reply.
			deliver(t, p, p.activity("Update", "/statuses/1/edit", p.note("/statuses/1", eventIRI, `<p>Bewerkt <script>x</script></p>`)))
			r, err := db.ReplyByIRI(t.Context(), p.id("/statuses/1"))
			if err != nil || r.Content != "<p>Bewerkt </p>" {
				t.Errorf("reply after its Update: %+v, %v", r, err)
			}
			// An edit of a reply never received is taken as new.
			deliver(t, p, p.activity("Update", "/statuses/5/edit", p.note("/statuses/5", eventIRI, "<p>Gemist</p>")))
			if r, err := db.ReplyByIRI(t.Context(), p.id("/statuses/5")); err != nil || r.Content != "<p>Gemist</p>" {
				t.Errorf("reply from an Update: %+v, %v", r, err)
			}
			if err := db.DeleteRemoteObject(t.Context(), p.id("/statuses/5"), env.actor(t, p)); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			empty := p.note("/statuses/4", eventIRI, "")
			if got, want := p.post(t, env.inbox, p.activity("Create", "/statuses/4/activity", empty)), http.StatusAccepted; got != want {
				t.Fatalf("status = %d, want %d", got, want)
			}
			if cancelled := env.work(t); len(cancelled) != 1 {
				t.Errorf("cancelled %v, want the empty reply dropped", cancelled)
			}
			if got := len(replies(t, db, event.ID)); got != 1 {
				t.Errorf("%d replies, want 1", got)
			}
		})
		t.Run("Delete", func(t *testing.T) {
			deliver(t, p, p.activity("Delete", "/statuses/1/delete", map[string]any{"id": p.id("/statuses/1"), "type": "Tombstone"}))
			if _, err := db.ReplyByIRI(t.Context(), p.id("/statuses/1")); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
				t.Errorf("reply after Delete: %v, want ENOTFOUND", err)
			}
			// A late Create of the deleted Note changes nothing.
			deliver(t, p, p.activity("Create", "/statuses/1/late", p.note("/statuses/1", eventIRI, "<p>Leuk!</p>")))
			if got := len(replies(t, db, event.ID)); got != 0 {
				t.Errorf("%d replies after Delete, want 0", got)
			}
		})
	})
}

func TestPublishReply(t *testing.T) {
	db := storetest.SQLite(t)
	in := startInstance(t, db, nil)
	storetest.SeedFollowers(t, db, 2, 1, func(i int) string { return "https://peer.example/inbox" })
	anna := resident(t, db, "anna", true, true)
	event := localEvent(t, db, "Voorleesuur", vestiging.StatusPublished)
	r := &vestiging.Reply{ObjectType: vestiging.ReplyToEvent, ObjectID: event.ID, PersonID: anna.ID, Content: "<p>Ik kom!</p>"}
	if err := db.CreateReply(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	if r.Status != vestiging.ReplyApproved {
		if err := db.SetReplyStatus(t.Context(), r.ID, vestiging.ReplyApproved, "", &vestiging.AuditEntry{Action: "reply.approve", Target: "reply"}); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Now().UTC().Truncate(time.Second)
	if err := in.fed.publish(t.Context(), vestiging.PublishJob{Object: KindReply, ID: r.ID, Action: "Create", At: at}); err != nil {
		t.Fatal(err)
	}
	id := publishedActivityID(in.base, ReplyID(in.base, r.ID), "Create", at)
	a, err := db.ActivityByIRI(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Type, Actor string
		To, Cc      []string
		Object      struct{ ID, Type, AttributedTo, InReplyTo, Content string }
	}
	if err := json.Unmarshal(a.JSON, &m); err != nil {
		t.Fatal(err)
	}
	annaID := PersonActorID(in.base, "anna")
	if m.Type != "Create" || m.Actor != annaID || m.Object.Type != "Note" || m.Object.ID != ReplyID(in.base, r.ID) ||
		m.Object.AttributedTo != annaID || m.Object.InReplyTo != EventID(in.base, event) || m.Object.Content != "<p>Ik kom!</p>" {
		t.Errorf("activity %s", a.JSON)
	}
	if !slices.Equal(m.To, []string{Public}) || !slices.Equal(m.Cc, []string{FollowersID(in.base)}) {
		t.Errorf("addressed to %v cc %v", m.To, m.Cc)
	}
	// The library shares it, so servers that take a Create only from
	// actors their users follow show it too.
	announceID := publishedActivityID(in.base, ReplyID(in.base, r.ID), "Announce", at)
	announce, err := db.ActivityByIRI(t.Context(), announceID)
	if err != nil {
		t.Fatal(err)
	}
	var shared struct{ Type, Actor, Object string }
	if err := json.Unmarshal(announce.JSON, &shared); err != nil || shared.Type != "Announce" || shared.Actor != ActorID(in.base) ||
		shared.Object != ReplyID(in.base, r.ID) || !announce.Public {
		t.Errorf("announce %s (%v)", announce.JSON, err)
	}
	jobs := storetest.Jobs[DeliverJob](t, db, DeliverJob{}.Kind())
	want := []DeliverJob{{ActivityIRI: id, Inbox: "https://peer.example/inbox", PersonID: anna.ID},
		{ActivityIRI: announceID, Inbox: "https://peer.example/inbox"}}
	if !slices.Equal(jobs, want) {
		t.Errorf("deliveries %+v, want %+v", jobs, want)
	}
	t.Run("Served", func(t *testing.T) {
		got := in.getAS2(t, "/replies/"+itoa(r.ID))
		if got["id"] != ReplyID(in.base, r.ID) || got["inReplyTo"] != EventID(in.base, event) {
			t.Errorf("served %v", got)
		}
	})
	t.Run("RepliesCollection", func(t *testing.T) {
		// A pending reply is not in it; the approved one is.
		pending := &vestiging.Reply{ObjectType: vestiging.ReplyToEvent, ObjectID: event.ID, PersonID: anna.ID, Content: "<p>Nog iets</p>",
			Status: vestiging.ReplyPending}
		if err := db.CreateReply(t.Context(), pending); err != nil {
			t.Fatal(err)
		}
		if err := db.SetReplyStatus(t.Context(), pending.ID, vestiging.ReplyRejected, "", nil); err != nil {
			t.Fatal(err)
		}
		path := "/events/" + itoa(event.ID) + "/replies"
		if got := in.getAS2(t, "/events/"+itoa(event.ID)); got["replies"] != in.base.String()+path {
			t.Errorf("event's replies %v", got["replies"])
		}
		if got := in.getAS2(t, path); got["totalItems"] != 1.0 || got["first"] != in.base.String()+path+"?page=1" {
			t.Errorf("collection %v", got)
		}
		page := in.getAS2(t, path+"?page=1")
		if items, _ := page["orderedItems"].([]any); len(items) != 1 || items[0] != ReplyID(in.base, r.ID) {
			t.Errorf("page %v", page)
		}
		resp, _ := in.get(t, "/events/999999/replies", ContentTypeActivity, nil)
		if got, want := resp.StatusCode, http.StatusNotFound; got != want {
			t.Errorf("replies of no event: status %d, want %d", got, want)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, path := range []string{"/replies/999999", "/replies/x"} {
			resp, _ := in.get(t, path, ContentTypeActivity, nil)
			if got, want := resp.StatusCode, http.StatusNotFound; got != want {
				t.Errorf("%s: status %d, want %d", path, got, want)
			}
		}
	})
}

func TestInboxFlag(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		p := newInPeer(t, "tiel", 0)
		flag := func(path string, objects []any, content string) []byte {
			b, _ := json.Marshal(map[string]any{"@context": ActivityStreamsContext, "id": p.id(path), "type": "Flag",
				"actor": p.actor, "object": objects, "content": content})
			return b
		}
		reports := func(t *testing.T) []*vestiging.Report {
			t.Helper()
			rs, _, err := db.Reports(t.Context(), "", 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			return rs
		}
		targets := []any{ActorID(env.base), env.base.String() + "/events/1"}
		t.Run("OK", func(t *testing.T) {
			if got, want := p.post(t, env.inbox, flag("/flags/1", targets, "Reclame")), http.StatusAccepted; got != want {
				t.Fatalf("status = %d, want %d", got, want)
			}
			env.work(t)
			rs := reports(t)
			if len(rs) != 1 {
				t.Fatalf("%d reports, want 1", len(rs))
			}
			r := rs[0]
			if r.IRI != p.id("/flags/1") || r.Content != "Reclame" || r.Outgoing || r.ActorID == 0 ||
				fmt.Sprint(r.Targets) != fmt.Sprint(targets) || r.Status != vestiging.ReportOpen {
				t.Errorf("report %+v", r)
			}
		})
		t.Run("Duplicate", func(t *testing.T) {
			// The same Flag with another signature date: FirstSeen and the store keep one.
			p.post(t, env.inbox, flag("/flags/1", targets, "Reclame"))
			env.work(t)
			if got := len(reports(t)); got != 1 {
				t.Errorf("%d reports, want 1", got)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			if got, want := p.post(t, env.inbox, flag("/flags/2", nil, "Niets")), http.StatusAccepted; got != want {
				t.Fatalf("status = %d, want %d", got, want)
			}
			if cancelled := env.work(t); len(cancelled) != 1 {
				t.Errorf("cancelled = %v, want the Flag without object dropped", cancelled)
			}
			if got := len(reports(t)); got != 1 {
				t.Errorf("%d reports, want 1", got)
			}
		})
	})
}

func TestSendReport(t *testing.T) {
	db := storetest.SQLite(t)
	env := newInEnv(t, db, nil)
	p := newInPeer(t, "tiel", 0)
	lib, err := env.f.remoteActor(t.Context(), p.actor)
	if err != nil {
		t.Fatal(err)
	}
	r := &vestiging.Report{ToActorID: lib.ID, Targets: []string{p.id("/events/1"), p.actor}, Content: "Onjuiste informatie"}
	if err := env.f.SendReport(t.Context(), r, &vestiging.AuditEntry{Reason: "Onjuiste informatie"}); err != nil {
		t.Fatal(err)
	}
	// The report is recorded, and audited, by the job queued with the
	// Flag; run twice, as a retry would.
	queued := storetest.Jobs[ReportJob](t, db, ReportJob{}.Kind())
	if len(queued) != 1 {
		t.Fatalf("%d report jobs, want 1", len(queued))
	}
	for range 2 {
		if err := env.f.recordReport(t.Context(), queued[0]); err != nil {
			t.Fatal(err)
		}
	}
	stored, total, err := db.Reports(t.Context(), "", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 || !stored[0].Outgoing || stored[0].ToActorID != lib.ID || stored[0].IRI != r.IRI || !SameHost(r.IRI, env.base.String()) {
		t.Errorf("stored %d: %+v", total, stored)
	}
	entries, total, err := db.AuditLog(t.Context(), 0, 10)
	if err != nil || total != 1 || entries[0].Action != "report.send" || entries[0].Target != r.Targets[0] {
		t.Errorf("audit log %d: %+v, %v", total, entries, err)
	}
	a, err := db.ActivityByIRI(t.Context(), r.IRI)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Type, Actor, Content string
		Object, To           []string
	}
	if err := json.Unmarshal(a.JSON, &m); err != nil {
		t.Fatal(err)
	}
	if m.Type != "Flag" || m.Actor != ActorID(env.base) || !slices.Equal(m.Object, r.Targets) || !slices.Equal(m.To, []string{p.actor}) || m.Content != r.Content || a.Public {
		t.Errorf("flag %s", a.JSON)
	}
	jobs := storetest.Jobs[DeliverJob](t, db, DeliverJob{}.Kind())
	if len(jobs) != 1 || jobs[0].Inbox != p.base+"/inbox" || jobs[0].ActivityIRI != r.IRI {
		t.Errorf("deliveries %+v", jobs)
	}
	t.Run("Blocked", func(t *testing.T) {
		if err := db.SetActorModeration(t.Context(), lib.ID, vestiging.ModerationBlock, &vestiging.AuditEntry{Action: "actor.block", Target: lib.IRI}); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := db.SetActorModeration(t.Context(), lib.ID, vestiging.ModerationNone, &vestiging.AuditEntry{Action: "actor.unblock", Target: lib.IRI}); err != nil {
				t.Fatal(err)
			}
		}()
		err := env.f.SendReport(t.Context(), &vestiging.Report{ToActorID: lib.ID, Targets: []string{p.actor}, Content: "x"}, nil)
		if vestiging.ErrorCode(err) != vestiging.EFORBIDDEN {
			t.Errorf("err = %v, want EFORBIDDEN", err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		if err := env.f.SendReport(t.Context(), &vestiging.Report{ToActorID: lib.ID, Content: "Niets"}, nil); vestiging.ErrorCode(err) != vestiging.EINVALID {
			t.Errorf("err = %v, want EINVALID", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if err := env.f.SendReport(t.Context(), &vestiging.Report{ToActorID: 999999, Targets: []string{p.actor}}, nil); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("err = %v, want ENOTFOUND", err)
		}
	})
}

func TestInboxBlockedActor(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		p := newInPeer(t, "tiel", 0)
		neighbour := newInPeer(t, "buren", 1)
		actor, err := env.f.remoteActor(t.Context(), p.actor)
		if err != nil {
			t.Fatal(err)
		}
		follow := func(n int) []byte { return p.activity("Follow", fmt.Sprintf("/follows/%d", n), ActorID(env.base)) }
		// Queued before the block: the worker drops it.
		if got, want := p.post(t, env.inbox, follow(1)), http.StatusAccepted; got != want {
			t.Fatalf("status = %d, want %d", got, want)
		}
		// A delivery to the actor queued before the block.
		err = env.f.send(t.Context(), &vestiging.Activity{IRI: env.base.String() + "/activities/x", Type: "Note", JSON: []byte(`{}`)}, []string{p.inbox, neighbour.inbox})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetActorModeration(t.Context(), actor.ID, vestiging.ModerationBlock, &vestiging.AuditEntry{Action: "actor.block", Target: p.actor}); err != nil {
			t.Fatal(err)
		}
		t.Run("Refused", func(t *testing.T) {
			before := env.jobs(t, "inbox")
			if got, want := p.post(t, env.inbox, follow(2)), http.StatusForbidden; got != want {
				t.Errorf("status = %d, want %d", got, want)
			}
			if got := env.jobs(t, "inbox"); got != before {
				t.Errorf("%d inbox jobs, want %d", got, before)
			}
		})
		t.Run("QueuedDropped", func(t *testing.T) {
			env.work(t)
			if _, total, err := db.Followers(t.Context(), 0, 10); err != nil || total != 0 {
				t.Errorf("followers = %d, %v; want none", total, err)
			}
		})
		t.Run("NoDeliveries", func(t *testing.T) {
			jobs := storetest.Jobs[DeliverJob](t, db, DeliverJob{}.Kind())
			var toBlocked, toNeighbour error
			for _, j := range jobs {
				err := env.f.deliver(t.Context(), j, time.Now())
				switch j.Inbox {
				case p.inbox:
					toBlocked = err
				case neighbour.inbox:
					toNeighbour = err
				}
			}
			if toBlocked == nil || !strings.Contains(toBlocked.Error(), "blocked") {
				t.Errorf("delivery to the blocked actor: %v, want cancelled", toBlocked)
			}
			if toNeighbour != nil {
				t.Errorf("delivery to another actor: %v", toNeighbour)
			}
		})
		t.Run("AnnouncedNotFetched", func(t *testing.T) {
			env.follow(t, neighbour, vestiging.FollowAccepted)
			before := p.fetches.Load()
			body := neighbour.activity("Announce", "/announces/1", p.actor+"/offers/1")
			if got, want := neighbour.post(t, env.inbox, body), http.StatusAccepted; got != want {
				t.Fatalf("status = %d, want %d", got, want)
			}
			if cancelled := env.work(t); len(cancelled) != 0 {
				t.Fatalf("cancelled: %v", cancelled)
			}
			if p.fetches.Load() != before {
				t.Error("an object of the blocked actor was fetched")
			}
		})
		t.Run("DomainBlockDropsQueued", func(t *testing.T) {
			if got, want := neighbour.post(t, env.inbox, neighbour.activity("Follow", "/follows/2", ActorID(env.base))), http.StatusAccepted; got != want {
				t.Fatalf("status = %d, want %d", got, want)
			}
			if err := db.SetDomainRule(t.Context(), &vestiging.DomainRule{Host: iriHost(neighbour.actor), Mode: vestiging.DomainBlock}); err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := db.RemoveDomainRule(t.Context(), iriHost(neighbour.actor)); err != nil {
					t.Fatal(err)
				}
			}()
			env.work(t)
			if _, total, err := db.Followers(t.Context(), 0, 10); err != nil || total != 0 {
				t.Errorf("followers = %d, %v; want none", total, err)
			}
		})
		t.Run("Silenced", func(t *testing.T) {
			other, err := env.f.remoteActor(t.Context(), neighbour.actor)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.SetActorModeration(t.Context(), other.ID, vestiging.ModerationSilence, &vestiging.AuditEntry{Action: "actor.silence", Target: neighbour.actor}); err != nil {
				t.Fatal(err)
			}
			if got, want := neighbour.post(t, env.inbox, neighbour.activity("Follow", "/follows/1", ActorID(env.base))), http.StatusAccepted; got != want {
				t.Errorf("status = %d, want %d", got, want)
			}
		})
	})
}

// TestInboxPostLimit: replies and reports are limited per remote actor,
// with one budget across the processes sharing a database (here two
// Federators, each with its own inbox).
func TestInboxPostLimit(t *testing.T) {
	for _, backend := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		t.Run(backend.name, func(t *testing.T) {
			db := backend.open(t)
			env, second := newInEnv(t, db, nil), newInEnv(t, db, nil)
			for _, e := range []*inEnv{env, second} {
				e.f.cfg.PostLimit, e.f.cfg.PostWindow = 2, time.Hour
			}
			p := newInPeer(t, "mastodon", 0)
			other := newInPeer(t, "ander", 1)
			reply := func(from *inPeer, n int) []byte {
				return from.activity("Create", fmt.Sprintf("/statuses/%d/activity", n), from.note(fmt.Sprintf("/statuses/%d", n), env.base.String()+"/events/1", "<p>Hoi</p>"))
			}
			for i, want := range []int{http.StatusAccepted, http.StatusAccepted, http.StatusTooManyRequests} {
				inbox := []string{env.inbox, second.inbox}[i%2]
				if got := p.post(t, inbox, reply(p, i)); got != want {
					t.Errorf("reply %d to %s: status %d, want %d", i+1, inbox, got, want)
				}
			}
			flag, _ := json.Marshal(map[string]any{"id": p.id("/flags/1"), "type": "Flag", "actor": p.actor, "object": ActorID(env.base)})
			if got, want := p.post(t, second.inbox, flag), http.StatusTooManyRequests; got != want {
				t.Errorf("flag: status %d, want %d", got, want)
			}
			// Follows and events are not limited, nor is anyone else.
			if got, want := p.post(t, env.inbox, p.activity("Follow", "/follows/1", ActorID(env.base))), http.StatusAccepted; got != want {
				t.Errorf("follow: status %d, want %d", got, want)
			}
			if got, want := other.post(t, env.inbox, reply(other, 1)), http.StatusAccepted; got != want {
				t.Errorf("another actor: status %d, want %d", got, want)
			}
		})
	}
}

// TestInboxAnnouncedOffer: a library we follow announces a resident's
// Page; it is fetched from its origin with its author, and the author's
// Update and Delete apply.
func TestInboxAnnouncedOffer(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		lib := newInPeer(t, "agenda", 0)
		env.follow(t, lib, vestiging.FollowAccepted)
		anna := lib.colleague(t, "anna", 2) // the resident, on the library's server
		base := mustURL(lib.base)
		page := func(title string) map[string]any {
			o := OfferObject(&vestiging.Offer{ID: 1, Kind: vestiging.OfferKindOffer, Title: title, Description: "<p>Dinsdag</p>",
				Theme: "digitale-vaardigheden", Area: "Tiel"}, anna.actor, base)
			o["@context"] = Context
			return o
		}
		lib.put("/offers/1", page("Hulp met je telefoon"))
		offers := func(t *testing.T) []*vestiging.Offer {
			t.Helper()
			os, _, err := db.FindOffers(t.Context(), vestiging.OfferFilter{Source: "remote", Limit: vestiging.MaxPageSize})
			if err != nil {
				t.Fatal(err)
			}
			return os
		}
		deliver := env.deliver
		t.Run("OK", func(t *testing.T) {
			forged := page("Vervalst")
			deliver(t, lib, lib.activity("Announce", "/announces/1", forged))
			os := offers(t)
			if len(os) != 1 {
				t.Fatalf("%d remote offers, want 1", len(os))
			}
			o := os[0]
			if o.Title != "Hulp met je telefoon" || o.IRI != lib.id("/offers/1") || o.Kind != vestiging.OfferKindOffer ||
				o.Theme != "digitale-vaardigheden" || o.Area != "Tiel" || o.Status != vestiging.OfferApproved {
				t.Errorf("offer %+v", o)
			}
			if o.Origin == nil || o.Origin.IRI != lib.actor || o.AuthorActor == nil || o.AuthorActor.IRI != anna.actor {
				t.Errorf("origin %+v author %+v", o.Origin, o.AuthorActor)
			}
		})
		t.Run("Update", func(t *testing.T) {
			deliver(t, anna, anna.activity("Update", "/offers/1/update", page("Hulp met je tablet")))
			if os := offers(t); len(os) != 1 || os[0].Title != "Hulp met je tablet" {
				t.Errorf("offers after Update %+v", os)
			}
		})
		t.Run("Overtaken", func(t *testing.T) {
			// Two edits whose deliveries were retried: the later stays.
			later, earlier := page("Hulp met je laptop"), page("Hulp met je e-reader")
			later["updated"], earlier["updated"] = "2026-11-02T10:04:00Z", "2026-11-02T10:03:00Z"
			deliver(t, anna, anna.activity("Update", "/offers/1/update4", later))
			deliver(t, anna, anna.activity("Update", "/offers/1/update3", earlier))
			if os := offers(t); len(os) != 1 || os[0].Title != "Hulp met je laptop" {
				t.Errorf("offers after Updates out of order %+v", os)
			}
			// The page as it is now is the newest version again.
			now := page("Hulp met je tablet")
			now["updated"] = "2026-11-02T10:05:00Z"
			deliver(t, anna, anna.activity("Update", "/offers/1/update5", now))
		})
		t.Run("UpdateBySomeoneElse", func(t *testing.T) {
			p := page("Overgenomen")
			p["attributedTo"] = lib.actor
			deliver(t, anna, anna.activity("Update", "/offers/1/update2", p))
			if os := offers(t); len(os) != 1 || os[0].Title != "Hulp met je tablet" {
				t.Errorf("offers after a forged Update %+v", os)
			}
		})
		t.Run("NotFollowed", func(t *testing.T) {
			stranger := newInPeer(t, "vreemd", 3)
			p := page("Van elders")
			p["id"], p["url"], p["attributedTo"] = stranger.id("/offers/9"), stranger.id("/offers/9"), stranger.actor
			stranger.put("/offers/9", p)
			deliver(t, stranger, stranger.activity("Announce", "/announces/9", stranger.id("/offers/9")))
			if got := len(offers(t)); got != 1 {
				t.Errorf("%d remote offers, want 1", got)
			}
		})
		t.Run("Delete", func(t *testing.T) {
			deliver(t, anna, anna.activity("Delete", "/offers/1/delete", map[string]any{"id": lib.id("/offers/1"), "type": "Tombstone"}))
			if got := len(offers(t)); got != 0 {
				t.Errorf("%d remote offers after Delete, want 0", got)
			}
			deliver(t, lib, lib.activity("Announce", "/announces/2", lib.id("/offers/1")))
			if got := len(offers(t)); got != 0 {
				t.Errorf("%d remote offers after a late Announce, want 0", got)
			}
		})
	})
}
