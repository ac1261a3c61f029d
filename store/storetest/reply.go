package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// community is a library with one published event and a resident's
// approved offer, a remote library actor and a remote person on it.
type community struct {
	db       *store.DB
	event    *vestiging.Event
	offer    *vestiging.Offer
	resident *vestiging.Person
	staff    *vestiging.Person
	library  *vestiging.Actor // b.example's library
	remote   *vestiging.Actor // a person on b.example
	n        int
}

func newCommunity(t *testing.T, open func(t *testing.T) *store.DB) *community {
	t.Helper()
	f := newFixture(t, open)
	c := &community{db: f.db, event: f.create(t, f.event("Voorlezen", 1))}
	c.resident = resident(t, c.db, "rosa@example.nl", "rosa")
	c.staff = person(t, c.db, "balie@example.nl", "Balie")
	c.staff.Role = vestiging.RoleStaff
	if err := c.db.UpdatePerson(t.Context(), c.staff); err != nil {
		t.Fatal(err)
	}
	c.offer = &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: "Hulp met de tablet", Description: "<p>Op dinsdag.</p>",
		AuthorID: c.resident.ID, Status: vestiging.OfferApproved}
	if err := c.db.CreateOffer(t.Context(), c.offer); err != nil {
		t.Fatal(err)
	}
	c.library = upsertActor(t, c.db, actor("b.example", "Bibliotheek B"))
	c.remote = upsertActor(t, c.db, &vestiging.Actor{IRI: "https://b.example/users/piet", Type: "Person", Username: "piet",
		Name: "Piet", Inbox: "https://b.example/users/piet/inbox"})
	return c
}

// settings sets the library's moderation settings.
func (c *community) settings(t *testing.T, needApproval bool, firstReviewed int) {
	t.Helper()
	l, err := c.db.Library(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	l.RepliesNeedApproval, l.FirstPostsReviewed = needApproval, firstReviewed
	if err := c.db.UpdateLibrary(t.Context(), l); err != nil {
		t.Fatal(err)
	}
}

// remoteReply returns an unsaved Note of a on the event.
func (c *community) remoteReply(a *vestiging.Actor) *vestiging.Reply {
	c.n++
	iri := fmt.Sprintf("https://%s/notes/%d", a.Host, c.n)
	return &vestiging.Reply{ObjectType: vestiging.ReplyToEvent, ObjectID: c.event.ID, IRI: iri, URL: iri, ActorID: a.ID,
		Content: fmt.Sprintf("<p>Note %d</p>", c.n)}
}

func (c *community) create(t *testing.T, r *vestiging.Reply) *vestiging.Reply {
	t.Helper()
	if err := c.db.CreateReply(t.Context(), r); err != nil {
		t.Fatalf("create reply: %v", err)
	}
	return r
}

// replyIDs lists the ids Replies returns for f.
func (c *community) replyIDs(t *testing.T, f vestiging.ReplyFilter) []int64 {
	t.Helper()
	replies, total, err := c.db.Replies(t.Context(), f)
	if err != nil {
		t.Fatalf("replies: %v", err)
	}
	ids := []int64{}
	for _, r := range replies {
		ids = append(ids, r.ID)
	}
	if total != len(ids) {
		t.Errorf("replies: total %d, listed %d", total, len(ids))
	}
	return ids
}

func testReplies(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		c := newCommunity(t, open)
		ctx := t.Context()
		r := c.remoteReply(c.remote)
		r.Content = `<p onclick="x()">Leuk!<script>alert(1)</script></p>`
		c.create(t, r)
		if r.ID == 0 || r.Status != vestiging.ReplyPending || r.Content != "<p>Leuk!</p>" {
			t.Errorf("after create: %+v", r)
		}
		got, err := c.db.Reply(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *r
		want.AuthorName, want.AuthorHandle, want.Actor = "Piet", "@piet@b.example", c.remote
		same(t, "reply", got, &want)
		if got, err := c.db.ReplyByIRI(ctx, r.IRI); err != nil || got.ID != r.ID {
			t.Errorf("by IRI: %+v, %v", got, err)
		}

		local := c.create(t, &vestiging.Reply{ObjectType: vestiging.ReplyToOffer, ObjectID: c.offer.ID, PersonID: c.resident.ID,
			Content: "Ik doe mee"})
		if local.IRI != "" || local.Status != vestiging.ReplyPending {
			t.Errorf("local reply: IRI %q status %q", local.IRI, local.Status)
		}
		if got, err := c.db.Reply(ctx, local.ID); err != nil || got.AuthorName != "rosa" || got.ObjectType != vestiging.ReplyToOffer {
			t.Errorf("local reply read: %+v, %v", got, err)
		}

		by := &vestiging.AuditEntry{PersonID: c.staff.ID}
		if err := c.db.SetReplyStatus(ctx, r.ID, vestiging.ReplyApproved, "", by); err != nil {
			t.Fatal(err)
		}
		if by.ID == 0 || by.Action != "reply.approve" || by.Target != fmt.Sprintf("reply %d", r.ID) {
			t.Errorf("audit entry %+v", by)
		}
		for _, tc := range []struct {
			name   string
			filter vestiging.ReplyFilter
			want   []int64
		}{
			{"all", vestiging.ReplyFilter{}, []int64{r.ID, local.ID}},
			{"event", vestiging.ReplyFilter{ObjectType: vestiging.ReplyToEvent, ObjectID: c.event.ID}, []int64{r.ID}},
			{"offers", vestiging.ReplyFilter{ObjectType: vestiging.ReplyToOffer}, []int64{local.ID}},
			{"approved", vestiging.ReplyFilter{Status: vestiging.ReplyApproved}, []int64{r.ID}},
			{"pending", vestiging.ReplyFilter{Status: vestiging.ReplyPending}, []int64{local.ID}},
			{"other event", vestiging.ReplyFilter{ObjectType: vestiging.ReplyToEvent, ObjectID: c.event.ID + 1}, []int64{}},
		} {
			t.Run(tc.name, func(t *testing.T) { same(t, "ids", c.replyIDs(t, tc.filter), tc.want) })
		}
		// Deleting the event takes its replies with it.
		if err := c.db.DeleteEvent(ctx, c.event.ID); err != nil {
			t.Fatal(err)
		}
		_, err = c.db.Reply(ctx, r.ID)
		wantCode(t, err, vestiging.ENOTFOUND)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		c := newCommunity(t, open)
		ctx := t.Context()
		_, err := c.db.Reply(ctx, 999)
		wantCode(t, err, vestiging.ENOTFOUND)
		_, err = c.db.ReplyByIRI(ctx, "https://b.example/notes/none")
		wantCode(t, err, vestiging.ENOTFOUND)
		wantCode(t, c.db.SetReplyStatus(ctx, 999, vestiging.ReplyApproved, "", &vestiging.AuditEntry{}), vestiging.ENOTFOUND)
		r := c.remoteReply(c.remote)
		r.ObjectID = 999
		wantCode(t, c.db.CreateReply(ctx, r), vestiging.ENOTFOUND)
		if r.ID != 0 {
			t.Errorf("ID %d after a failed create", r.ID)
		}
		wantAuditEntries(t, c.db, 0)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		c := newCommunity(t, open)
		ctx := t.Context()
		for name, change := range map[string]func(r *vestiging.Reply){
			"no content":     func(r *vestiging.Reply) { r.Content = "<script>x</script>" },
			"two authors":    func(r *vestiging.Reply) { r.PersonID = c.resident.ID },
			"no object":      func(r *vestiging.Reply) { r.ObjectType = "" },
			"remote, no IRI": func(r *vestiging.Reply) { r.IRI = "" },
			"local with IRI": func(r *vestiging.Reply) { r.ActorID, r.PersonID = 0, c.resident.ID },
			"unknown actor":  func(r *vestiging.Reply) { r.ActorID = 999 },
		} {
			t.Run(name, func(t *testing.T) {
				r := c.remoteReply(c.remote)
				change(r)
				wantCode(t, c.db.CreateReply(ctx, r), vestiging.EINVALID)
			})
		}
		r := c.create(t, c.remoteReply(c.remote))
		wantCode(t, c.db.SetReplyStatus(ctx, r.ID, "maybe", "", nil), vestiging.EINVALID)
		_, _, err := c.db.Replies(ctx, vestiging.ReplyFilter{ObjectType: "page"})
		wantCode(t, err, vestiging.EINVALID)
		same(t, "replies", c.replyIDs(t, vestiging.ReplyFilter{}), []int64{r.ID})
	})
	t.Run("ErrConflict", func(t *testing.T) {
		c := newCommunity(t, open)
		ctx := t.Context()
		r := c.create(t, c.remoteReply(c.remote))
		again := *r
		again.ID = 0
		wantCode(t, c.db.CreateReply(ctx, &again), vestiging.ECONFLICT)
		// Someone else's Delete leaves it.
		if err := c.db.DeleteRemoteObject(ctx, r.IRI, c.library); err != nil {
			t.Fatal(err)
		}
		if _, err := c.db.Reply(ctx, r.ID); err != nil {
			t.Errorf("reply after another's Delete: %v", err)
		}
		// Its author's removes it and keeps a late Create out.
		if err := c.db.DeleteRemoteObject(ctx, r.IRI, c.remote); err != nil {
			t.Fatal(err)
		}
		_, err := c.db.Reply(ctx, r.ID)
		wantCode(t, err, vestiging.ENOTFOUND)
		again.ID = 0
		wantCode(t, c.db.CreateReply(ctx, &again), vestiging.ECONFLICT)
		same(t, "replies", c.replyIDs(t, vestiging.ReplyFilter{}), []int64{})
	})
	t.Run("FirstStatus", func(t *testing.T) {
		c := newCommunity(t, open)
		ctx := t.Context()
		silenced := upsertActor(t, c.db, &vestiging.Actor{IRI: "https://b.example/users/stil", Username: "stil"})
		if err := c.db.SetActorModeration(ctx, silenced.ID, vestiging.ModerationSilence, nil); err != nil {
			t.Fatal(err)
		}
		onSilencedHost := upsertActor(t, c.db, &vestiging.Actor{IRI: "https://social.stil.example/users/x", Username: "x"})
		if err := c.db.ApplyDomainRule(ctx, &vestiging.DomainRule{Host: "stil.example", Mode: vestiging.DomainSilence}, nil); err != nil {
			t.Fatal(err)
		}
		newcomer := resident(t, c.db, "nieuw@example.nl", "nieuw")
		partner := person(t, c.db, "taal@example.nl", "Taalschool")
		partner.Role = vestiging.RolePartner
		if err := c.db.UpdatePerson(ctx, partner); err != nil {
			t.Fatal(err)
		}
		// rosa has one approved post (her offer).
		pending, approved := vestiging.ReplyPending, vestiging.ReplyApproved
		for _, tc := range []struct {
			name          string
			needApproval  bool
			firstReviewed int
			actor         *vestiging.Actor
			person        *vestiging.Person
			want          string
		}{
			{"remote, approval needed", true, 0, c.remote, nil, pending},
			{"remote, shown at once", false, 0, c.remote, nil, approved},
			{"silenced actor", false, 0, silenced, nil, pending},
			{"silenced host", false, 0, onSilencedHost, nil, pending},
			{"resident, approval needed", true, 0, nil, c.resident, pending},
			{"resident, shown at once", false, 0, nil, c.resident, approved},
			{"resident past first posts", false, 1, nil, c.resident, approved},
			{"resident in first posts", false, 2, nil, c.resident, pending},
			{"newcomer", false, 1, nil, newcomer, pending},
			{"staff", true, 5, nil, c.staff, approved},
			{"partner", true, 5, nil, partner, approved},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c.settings(t, tc.needApproval, tc.firstReviewed)
				r := &vestiging.Reply{ObjectType: vestiging.ReplyToEvent, ObjectID: c.event.ID, Content: "Hallo"}
				if tc.actor != nil {
					r = c.remoteReply(tc.actor)
				} else {
					r.PersonID = tc.person.ID
				}
				r.Status = vestiging.ReplyApproved // decided by the store, not the caller
				c.create(t, r)
				if r.Status != tc.want {
					t.Errorf("status %q, want %q", r.Status, tc.want)
				}
				// Count no approved reply towards the next cases.
				if err := c.db.SetReplyStatus(ctx, r.ID, vestiging.ReplyRejected, "", nil); err != nil {
					t.Fatal(err)
				}
			})
		}
	})
	t.Run("EditRemoteReply", func(t *testing.T) {
		c := newCommunity(t, open)
		ctx := t.Context()
		pending, approved := vestiging.ReplyPending, vestiging.ReplyApproved
		for _, tc := range []struct {
			name         string
			needApproval bool
			status       string // before the edit
			content      string
			want         string // after
		}{
			{"shown, shown at once", false, approved, "<p>Bewerkt</p>", approved},
			{"shown, approval needed", true, approved, "<p>Bewerkt</p>", pending},
			{"shown, same text", true, approved, "", approved},
			{"waiting", false, pending, "<p>Bewerkt</p>", pending},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c.settings(t, false, 0)
				r := c.create(t, c.remoteReply(c.remote))
				if err := c.db.SetReplyStatus(ctx, r.ID, tc.status, "", nil); err != nil {
					t.Fatal(err)
				}
				c.settings(t, tc.needApproval, 0)
				content := tc.content
				if content == "" {
					content = r.Content
				}
				edit := &vestiging.Reply{IRI: r.IRI, ActorID: c.remote.ID, Content: content}
				if err := c.db.EditRemoteReply(ctx, edit); err != nil {
					t.Fatal(err)
				}
				got, err := c.db.Reply(ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Content != content || got.Status != tc.want || edit.ID != r.ID || edit.Status != tc.want {
					t.Errorf("after the edit %q %s (edit %d %s), want %q %s", got.Content, got.Status, edit.ID, edit.Status, content, tc.want)
				}
			})
		}
		t.Run("ErrInvalid", func(t *testing.T) {
			r := c.create(t, c.remoteReply(c.remote))
			for _, status := range []string{vestiging.ReplyRejected, vestiging.ReplyRemoved} {
				if err := c.db.SetReplyStatus(ctx, r.ID, status, "Reclame", nil); err != nil {
					t.Fatal(err)
				}
				wantCode(t, c.db.EditRemoteReply(ctx, &vestiging.Reply{IRI: r.IRI, ActorID: c.remote.ID, Content: "<p>Terug!</p>"}), vestiging.EINVALID)
				if got, err := c.db.Reply(ctx, r.ID); err != nil || got.Content != r.Content || got.Status != status {
					t.Errorf("%s reply after an edit: %+v, %v", status, got, err)
				}
			}
			wantCode(t, c.db.EditRemoteReply(ctx, &vestiging.Reply{IRI: r.IRI, ActorID: c.remote.ID}), vestiging.EINVALID)
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			r := c.create(t, c.remoteReply(c.remote))
			for _, edit := range []*vestiging.Reply{
				{IRI: r.IRI, ActorID: c.library.ID, Content: "<p>Van een ander</p>"},
				{IRI: "https://b.example/notes/nooit", ActorID: c.remote.ID, Content: "<p>Onbekend</p>"},
			} {
				wantCode(t, c.db.EditRemoteReply(ctx, edit), vestiging.ENOTFOUND)
			}
			if got, err := c.db.Reply(ctx, r.ID); err != nil || got.Content != r.Content {
				t.Errorf("reply after others' edits: %+v, %v", got, err)
			}
		})
	})
	t.Run("Publish", func(t *testing.T) {
		c := newCommunity(t, open)
		ctx := t.Context()
		c.settings(t, false, 0)
		log := newPublishLog(t, c.db)
		c.create(t, c.remoteReply(c.remote))
		log.want(t, "remote reply")
		r := c.create(t, &vestiging.Reply{ObjectType: vestiging.ReplyToEvent, ObjectID: c.event.ID, PersonID: c.resident.ID,
			Content: "Tot dan!"})
		job := func(action string) vestiging.PublishJob {
			return vestiging.PublishJob{Object: "reply", ID: r.ID, Action: action}
		}
		log.want(t, "approved local reply", job("Create"))
		if err := c.db.SetReplyStatus(ctx, r.ID, vestiging.ReplyRemoved, "Reclame", nil); err != nil {
			t.Fatal(err)
		}
		log.want(t, "removed", job("Delete"))
		c.settings(t, true, 0)
		held := c.create(t, &vestiging.Reply{ObjectType: vestiging.ReplyToEvent, ObjectID: c.event.ID, PersonID: c.resident.ID,
			Content: "Nog een vraag"})
		log.want(t, "pending local reply")
		if !held.PublishedAt.IsZero() {
			t.Errorf("pending reply published at %v", held.PublishedAt)
		}
		before := time.Now()
		if err := c.db.SetReplyStatus(ctx, held.ID, vestiging.ReplyApproved, "", nil); err != nil {
			t.Fatal(err)
		}
		log.want(t, "approved", vestiging.PublishJob{Object: "reply", ID: held.ID, Action: "Create"})
		// Published when approved, not when written.
		got, err := c.db.Reply(ctx, held.ID)
		if err != nil {
			t.Fatal(err)
		}
		between(t, "approved reply published at", got.PublishedAt, before, time.Now())
		same(t, "approved at once: published at", r.PublishedAt, r.CreatedAt)
		wantCode(t, c.db.SetReplyStatus(ctx, held.ID, vestiging.ReplyApproved, string(make([]byte, 1001)), nil), vestiging.EINVALID)
		log.want(t, "failed status")
	})
}
