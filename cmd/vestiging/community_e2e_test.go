package main

// End-to-end community and moderation (issue 6): a resident's offer
// travels from A to B by A's Announce and comes back there after an edit
// is reviewed, a Mastodon-like peer's reply (and
// its edit) waits for A's approval, B's Flag reaches A's report queue, the
// offer leaves B's board when its author deletes her account, and once A blocks
// B's domain B's events are gone from A's agenda and B's deliveries are
// refused.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
)

func TestCommunityFederation(t *testing.T) {
	ctx := context.Background()
	a := startNode(t, "A", "", true, nil)
	b := startNode(t, "B", "", true, nil)
	a.rename("Bibliotheek Aalten")
	b.rename("Bibliotheek Bommelerwaard")
	peer := newMastodonPeer(t)
	step := func(name string, fn func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, fn) {
			t.FailNow()
		}
	}
	// follow makes from follow to and waits for the Accept.
	follow := func(t *testing.T, from, to *node) *vestiging.Actor {
		t.Helper()
		fl, err := from.Fed.Follow(ctx, "@agenda@"+to.host)
		if err != nil {
			t.Fatalf("%s follows %s: %v", from.name, to.name, err)
		}
		eventually(t, e2eWait, func() error {
			got, err := from.DB.FollowingByActor(ctx, fl.Actor.ID)
			if err != nil {
				return err
			}
			if got.State != vestiging.FollowAccepted {
				return fmt.Errorf("%s follows %s: %s", from.name, to.name, got.State)
			}
			return nil
		})
		return fl.Actor
	}
	staff, err := a.DB.PersonByEmail(ctx, demoStaffEmail)
	if err != nil {
		t.Fatal(err)
	}
	audit := func(action, target string) *vestiging.AuditEntry {
		return &vestiging.AuditEntry{PersonID: staff.ID, Action: action, Target: target}
	}

	// remoteOffer finds the offer iri on n's board, or nil.
	remoteOffer := func(n *node, iri string) (*vestiging.Offer, error) {
		offers, _, err := n.DB.FindOffers(ctx, vestiging.OfferFilter{Source: "remote", Limit: vestiging.MaxPageSize})
		for _, o := range offers {
			if o.IRI == iri {
				return o, nil
			}
		}
		return nil, err
	}

	var offerIRI string
	var offer *vestiging.Offer
	step("OfferAnnounced", func(t *testing.T) {
		follow(t, b, a)
		sanne := &vestiging.Person{Email: "sanne@mail.example", DisplayName: "Sanne Jansen", PasswordHash: "x", Handle: "sanne"}
		if err := a.DB.CreatePerson(ctx, sanne); err != nil {
			t.Fatal(err)
		}
		offer = &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: "Hulp met je smartphone", Description: "<p>Op dinsdagmiddag.</p>",
			Theme: "digitale-vaardigheden", Area: "Aalten", AuthorID: sanne.ID}
		if err := a.DB.CreateOffer(ctx, offer); err != nil {
			t.Fatal(err)
		}
		offerIRI = federation.OfferID(a.cfg.BaseURL, offer.ID)
		if err := a.DB.SetOfferStatus(ctx, offer.ID, vestiging.OfferApproved, "", audit("offer.approve", offerIRI)); err != nil {
			t.Fatal(err)
		}
		var got *vestiging.Offer
		eventually(t, e2eWait, func() error {
			got, err = remoteOffer(b, offerIRI)
			if got == nil && err == nil {
				return fmt.Errorf("B has no offer %s yet", offerIRI)
			}
			return err
		})
		if got.Title != offer.Title || got.Kind != offer.Kind || got.Theme != offer.Theme || got.Area != "Aalten" ||
			got.Origin == nil || got.Origin.IRI != a.actorID() ||
			got.AuthorActor == nil || got.AuthorActor.IRI != federation.PersonActorID(a.cfg.BaseURL, "sanne") {
			t.Errorf("B stored %+v (origin %+v, author %+v)", got, got.Origin, got.AuthorActor)
		}
		if res := b.do(browser(t), http.MethodGet, "/offers", nil); res.Status != http.StatusOK || !strings.Contains(res.Body, offer.Title) {
			t.Errorf("B's board: status %d, has the offer: %v", res.Status, strings.Contains(res.Body, offer.Title))
		}
	})

	step("EditReviewedAgain", func(t *testing.T) {
		// Sanne edits her offer. A reviews edits, so it leaves B's board
		// (a Delete) until A's staff approve it again; then it is back
		// with the edit, newer than the Delete.
		offer.Title, offer.Status = "Hulp met je smartphone of tablet", vestiging.OfferPending
		if err := a.DB.UpdateOffer(ctx, offer); err != nil {
			t.Fatal(err)
		}
		eventually(t, e2eWait, func() error {
			if got, err := remoteOffer(b, offerIRI); got != nil || err != nil {
				return fmt.Errorf("B still shows the offer under review: %+v, %v", got, err)
			}
			return nil
		})
		if err := a.DB.SetOfferStatus(ctx, offer.ID, vestiging.OfferApproved, "", audit("offer.approve", offerIRI)); err != nil {
			t.Fatal(err)
		}
		eventually(t, e2eWait, func() error {
			got, err := remoteOffer(b, offerIRI)
			if err != nil || got == nil || got.Title != offer.Title {
				return fmt.Errorf("B's copy after the new approval: %+v, %v", got, err)
			}
			return nil
		})
	})

	step("ReplyAfterApproval", func(t *testing.T) {
		start := time.Now().AddDate(0, 0, 10).In(amsterdam(t))
		eventIRI := a.publishEvent("Voorlezen aan de Slinge", time.Date(start.Year(), start.Month(), start.Day(), 15, 0, 0, 0, start.Location()))
		noteID := peer.srv.URL + "/users/fan/statuses/1"
		// send delivers the fan's Note to A's inbox in an activity.
		send := func(typ, activityID, text string) {
			t.Helper()
			body, err := json.Marshal(map[string]any{
				"@context": federation.ActivityStreamsContext, "id": activityID, "type": typ, "actor": peer.actorID(),
				"to": []any{federation.Public},
				"object": map[string]any{"id": noteID, "type": "Note", "attributedTo": peer.actorID(), "inReplyTo": eventIRI,
					"content": "<p>" + text + "</p>", "url": peer.srv.URL + "/@fan/1", "to": []any{federation.Public}},
			})
			if err != nil {
				t.Fatal(err)
			}
			status, answer, err := peer.do(ctx, http.MethodPost, a.URL+"/inbox", federation.AcceptActivity, body, true)
			if err != nil || status != http.StatusAccepted {
				t.Fatalf("%s: %d %v: %s", typ, status, err, answer)
			}
		}
		text := "Wat leuk, wij komen met de kleinkinderen!"
		send("Create", noteID+"/activity", text)
		var reply *vestiging.Reply
		var err error
		eventually(t, e2eWait, func() error {
			reply, err = a.DB.ReplyByIRI(ctx, noteID)
			return err
		})
		if reply.Status != vestiging.ReplyPending || reply.Actor == nil || reply.Actor.IRI != peer.actorID() {
			t.Fatalf("reply %+v, want pending by the peer's actor", reply)
		}
		path := strings.TrimPrefix(eventIRI, a.URL)
		if res := a.do(browser(t), http.MethodGet, path, nil); strings.Contains(res.Body, text) {
			t.Error("the reply shows before approval")
		}
		if err := a.DB.SetReplyStatus(ctx, reply.ID, vestiging.ReplyApproved, "", audit("reply.approve", noteID)); err != nil {
			t.Fatal(err)
		}
		if res := a.do(browser(t), http.MethodGet, path, nil); res.Status != http.StatusOK || !strings.Contains(res.Body, text) {
			t.Errorf("event page: status %d, shows the approved reply: %v", res.Status, strings.Contains(res.Body, text))
		}

		// The fan edits the reply: where replies wait for approval, the
		// edit waits too, and the page shows neither text meanwhile.
		edited := "Wij komen met zijn vijven!"
		send("Update", noteID+"/edit/1", edited)
		eventually(t, e2eWait, func() error {
			if reply, err = a.DB.ReplyByIRI(ctx, noteID); err != nil {
				return err
			}
			if reply.Status != vestiging.ReplyPending || !strings.Contains(reply.Content, edited) {
				return fmt.Errorf("reply after the edit: %s %q", reply.Status, reply.Content)
			}
			return nil
		})
		if res := a.do(browser(t), http.MethodGet, path, nil); strings.Contains(res.Body, text) || strings.Contains(res.Body, edited) {
			t.Error("the edited reply shows before approval")
		}
	})

	step("FlagReachesQueue", func(t *testing.T) {
		libA, err := b.DB.ActorByIRI(ctx, a.actorID())
		if err != nil {
			t.Fatal(err)
		}
		r := &vestiging.Report{ToActorID: libA.ID, Targets: []string{offerIRI, federation.PersonActorID(a.cfg.BaseURL, "sanne")}, Content: "Dit is reclame."}
		if err := b.Fed.SendReport(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
		var got *vestiging.Report
		eventually(t, e2eWait, func() error {
			reports, _, err := a.DB.Reports(ctx, vestiging.ReportOpen, 0, 10)
			if err != nil {
				return err
			}
			for _, rep := range reports {
				if rep.IRI == r.IRI {
					got = rep
					return nil
				}
			}
			return fmt.Errorf("A has no report %s yet", r.IRI)
		})
		if got.Outgoing || got.Content != r.Content || strings.Join(got.Targets, " ") != strings.Join(r.Targets, " ") {
			t.Errorf("A's report %+v", got)
		}
		eventually(t, e2eWait, func() error {
			sent, _, err := b.DB.Reports(ctx, vestiging.ReportOpen, 0, 10)
			if err != nil {
				return err
			}
			if len(sent) != 1 || !sent[0].Outgoing || sent[0].IRI != r.IRI {
				return fmt.Errorf("B's reports: %+v", sent)
			}
			return nil
		})
	})

	step("AuthorLeaves", func(t *testing.T) {
		// Sanne deletes her account at A: her offer leaves B's board, and
		// B forgets her actor.
		sanne, err := a.DB.PersonByHandle(ctx, "sanne")
		if err != nil {
			t.Fatal(err)
		}
		if err := a.DB.DeletePerson(ctx, sanne.ID); err != nil {
			t.Fatal(err)
		}
		eventually(t, e2eWait, func() error {
			if o, err := remoteOffer(b, offerIRI); o != nil || err != nil {
				return fmt.Errorf("B still has the offer: %+v, %v", o, err)
			}
			if _, err := b.DB.ActorByIRI(ctx, federation.PersonActorID(a.cfg.BaseURL, "sanne")); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
				return fmt.Errorf("B still has sanne's actor (%v)", err)
			}
			return nil
		})
		if res := b.do(browser(t), http.MethodGet, "/offers", nil); strings.Contains(res.Body, "Hulp met je smartphone") {
			t.Error("B's board shows the deleted resident's offer")
		}
	})

	step("DomainBlock", func(t *testing.T) {
		libB := follow(t, a, b)
		upcoming := func() int {
			_, n, err := a.DB.FindEvents(ctx, vestiging.EventFilter{From: time.Now(), OriginID: libB.ID, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		eventually(t, e2eWait, func() error {
			if upcoming() == 0 {
				return fmt.Errorf("A shows none of B's events yet")
			}
			return nil
		})
		if err := a.DB.ApplyDomainRule(ctx, &vestiging.DomainRule{Host: b.host, Mode: vestiging.DomainBlock, Reason: "test"}, audit("domain.block", b.host)); err != nil {
			t.Fatal(err)
		}
		if n := upcoming(); n != 0 {
			t.Errorf("A's agenda shows %d of B's events after the block", n)
		}
		// B's next delivery, signed with B's own key, is refused.
		key, err := b.DB.InstanceKey(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		pk, err := federation.ParsePrivateKeyPEM(key)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]any{"@context": federation.ActivityStreamsContext, "id": b.URL + "/activities/blocked",
			"type": "Follow", "actor": b.actorID(), "object": a.actorID()})
		req, err := http.NewRequest(http.MethodPost, a.URL+"/inbox", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", federation.ContentTypeActivity)
		if err := (&federation.Signer{KeyID: federation.KeyID(b.cfg.BaseURL), Key: pk}).Sign(req, body); err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got, want := res.StatusCode, http.StatusForbidden; got != want {
			t.Errorf("B's delivery to A: status %d, want %d", got, want)
		}
	})
}
