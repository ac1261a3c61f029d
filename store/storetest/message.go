package storetest

import (
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

func testMessages(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		anna := person(t, db, "anna@example.nl", "Anna")
		bert := person(t, db, "bert@example.nl", "Bert")
		b := upsertActor(t, db, actor("b.example", "B"))
		o := &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: "Hulp met de computer", Description: "Hulp", AuthorID: bert.ID}
		if err := db.CreateOffer(ctx, o); err != nil {
			t.Fatal(err)
		}
		before := time.Now()
		toBert := &vestiging.Message{FromPersonID: anna.ID, ToPersonID: bert.ID, OfferID: o.ID,
			Content: `<p>Graag!<script>alert(1)</script></p>`}
		if err := db.CreateMessage(ctx, toBert); err != nil {
			t.Fatal(err)
		}
		if toBert.ID == 0 || toBert.IRI != "" || toBert.Content != "<p>Graag!</p>" {
			t.Errorf("stored message %+v: want an id, no IRI (named by id), sanitised content", toBert)
		}
		between(t, "CreatedAt", toBert.CreatedAt, before, time.Now())
		toB := &vestiging.Message{FromPersonID: anna.ID, ToActorID: b.ID, Content: "Tot morgen", InReplyTo: "https://b.example/notes/1"}
		if err := db.CreateMessage(ctx, toB); err != nil {
			t.Fatal(err)
		}
		fromB := &vestiging.Message{FromActorID: b.ID, ToPersonID: anna.ID, IRI: "https://b.example/notes/2", Content: "Herinnering"}
		if err := db.CreateMessage(ctx, fromB); err != nil {
			t.Fatal(err)
		}
		same(t, "mail jobs", Jobs[vestiging.MessageMailJob](t, db, vestiging.MessageMailJob{}.Kind()),
			[]vestiging.MessageMailJob{{MessageID: toBert.ID}, {MessageID: fromB.ID}})
		same(t, "note jobs", Jobs[vestiging.SendNoteJob](t, db, vestiging.SendNoteJob{}.Kind()),
			[]vestiging.SendNoteJob{{MessageID: toB.ID}})

		got, err := db.Message(ctx, toBert.ID)
		if err != nil {
			t.Fatal(err)
		}
		toBert.FromName, toBert.ToName = "Anna", "Bert"
		same(t, "message", got, toBert)
		got, err = db.MessageByIRI(ctx, fromB.IRI)
		if err != nil || got.ID != fromB.ID || got.FromName != "B" || got.ToName != "Anna" {
			t.Errorf("by IRI: %+v, %v", got, err)
		}
		list, total, err := db.Messages(ctx, anna.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		ids := []int64{}
		for _, m := range list {
			ids = append(ids, m.ID)
		}
		same(t, "anna's messages, newest first", ids, []int64{fromB.ID, toB.ID, toBert.ID})
		if total != 3 {
			t.Errorf("total %d, want 3", total)
		}
		if list, total, _ := db.Messages(ctx, bert.ID, 0, 0); total != 1 || len(list) != 1 || list[0].ID != toBert.ID {
			t.Errorf("bert's messages %+v, total %d", list, total)
		}

		if err := db.MarkMessageRead(ctx, fromB.ID); err != nil {
			t.Fatal(err)
		}
		first, _ := db.Message(ctx, fromB.ID)
		if first.ReadAt == nil {
			t.Fatal("ReadAt not set")
		}
		if err := db.MarkMessageRead(ctx, fromB.ID); err != nil {
			t.Fatal(err)
		}
		again, _ := db.Message(ctx, fromB.ID)
		if again.ReadAt == nil || !again.ReadAt.Equal(*first.ReadAt) {
			t.Errorf("read again: %v, want the first time %v", again.ReadAt, first.ReadAt)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		db := open(t)
		anna := person(t, db, "anna@example.nl", "Anna")
		b := upsertActor(t, db, actor("b.example", "B"))
		m := &vestiging.Message{FromActorID: b.ID, ToPersonID: anna.ID, IRI: "https://b.example/notes/2", Content: "Herinnering"}
		if err := db.CreateMessage(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		dup := &vestiging.Message{FromActorID: b.ID, ToPersonID: anna.ID, IRI: m.IRI, Content: "Herinnering"}
		wantCode(t, db.CreateMessage(t.Context(), dup), vestiging.ECONFLICT)
		if dup.ID != 0 {
			t.Errorf("duplicate got ID %d", dup.ID)
		}
		if jobs := Jobs[vestiging.MessageMailJob](t, db, vestiging.MessageMailJob{}.Kind()); len(jobs) != 1 {
			t.Errorf("%d mail jobs, want 1", len(jobs))
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		anna := person(t, db, "anna@example.nl", "Anna")
		for _, m := range []*vestiging.Message{
			{FromPersonID: anna.ID, Content: "Aan niemand"},
			{ToPersonID: anna.ID, Content: "Van niemand"},
			{FromPersonID: anna.ID, ToPersonID: anna.ID, Content: " "},
			{FromPersonID: anna.ID, ToPersonID: 99999, Content: "Aan een onbekende"},
		} {
			wantCode(t, db.CreateMessage(t.Context(), m), vestiging.EINVALID)
		}
		if _, total, err := db.Messages(t.Context(), anna.ID, 0, 0); err != nil || total != 0 {
			t.Errorf("after refusals: %d messages, %v", total, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		db := open(t)
		_, err := db.Message(t.Context(), 99999)
		wantCode(t, err, vestiging.ENOTFOUND)
		_, err = db.MessageByIRI(t.Context(), "https://b.example/notes/404")
		wantCode(t, err, vestiging.ENOTFOUND)
		wantCode(t, db.MarkMessageRead(t.Context(), 99999), vestiging.ENOTFOUND)
	})
}
