package storetest

import (
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

func testOffers(t *testing.T, open func(t *testing.T) *store.DB) {
	newOffer := func(author *vestiging.Person, kind, title, area string) *vestiging.Offer {
		return &vestiging.Offer{Kind: kind, Title: title, Description: "<p>" + title + "</p>", Area: area,
			Theme: "digitale-vaardigheden", Contact: "via de balie", AuthorID: author.ID}
	}
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		anna := person(t, db, "anna@example.nl", "Anna")
		before := time.Now()
		o := newOffer(anna, vestiging.OfferKindOffer, "Hulp met de computer", "Noord")
		if err := db.CreateOffer(t.Context(), o); err != nil {
			t.Fatalf("create: %v", err)
		}
		if o.ID == 0 || o.Status != vestiging.OfferPending {
			t.Errorf("after create: ID %d status %q", o.ID, o.Status)
		}
		between(t, "CreatedAt", o.CreatedAt, before, time.Now())
		got, err := db.Offer(t.Context(), o.ID)
		if err != nil {
			t.Fatalf("offer: %v", err)
		}
		want := *o
		want.AuthorName = "Anna"
		same(t, "offer", got, &want)

		o.Title, o.Status = "Hulp met de tablet", vestiging.OfferApproved
		if err := db.UpdateOffer(t.Context(), o); err != nil {
			t.Fatalf("update: %v", err)
		}
		if err := db.SetOfferStatus(t.Context(), o.ID, vestiging.OfferRejected, "Graag zonder telefoonnummer.", nil); err != nil {
			t.Fatalf("set status: %v", err)
		}
		got, err = db.Offer(t.Context(), o.ID)
		if err != nil {
			t.Fatalf("offer: %v", err)
		}
		if got.Title != "Hulp met de tablet" || got.Status != vestiging.OfferRejected || got.Reason != "Graag zonder telefoonnummer." ||
			!got.CreatedAt.Equal(o.CreatedAt) || got.AuthorID != anna.ID {
			t.Errorf("after update and status: %+v", got)
		}
	})
	t.Run("FindOffers", func(t *testing.T) {
		db := open(t)
		anna := person(t, db, "anna@example.nl", "Anna")
		bert := person(t, db, "bert@example.nl", "Bert")
		var all []*vestiging.Offer
		for _, o := range []*vestiging.Offer{
			newOffer(anna, vestiging.OfferKindOffer, "one", "Noord"),
			newOffer(bert, vestiging.OfferKindRequest, "two", "Zuid"),
			newOffer(anna, vestiging.OfferKindRequest, "three", " noord "),
			newOffer(bert, vestiging.OfferKindOffer, "four", "Zuid"),
		} {
			if err := db.CreateOffer(t.Context(), o); err != nil {
				t.Fatalf("create: %v", err)
			}
			all = append(all, o)
		}
		if err := db.SetOfferStatus(t.Context(), all[3].ID, vestiging.OfferApproved, "", nil); err != nil {
			t.Fatalf("approve: %v", err)
		}
		tests := []struct {
			name   string
			filter vestiging.OfferFilter
			want   []string
			total  int
		}{
			{"newest first", vestiging.OfferFilter{}, []string{"four", "three", "two", "one"}, 4},
			{"kind", vestiging.OfferFilter{Kind: vestiging.OfferKindRequest}, []string{"three", "two"}, 2},
			{"status", vestiging.OfferFilter{Status: vestiging.OfferApproved}, []string{"four"}, 1},
			{"author", vestiging.OfferFilter{AuthorID: anna.ID}, []string{"three", "one"}, 2},
			{"area ignores case", vestiging.OfferFilter{Area: "NOORD"}, []string{"three", "one"}, 2},
			{"theme", vestiging.OfferFilter{Theme: "leesplezier"}, []string{}, 0},
			{"page", vestiging.OfferFilter{Limit: 2, Offset: 1}, []string{"three", "two"}, 4},
			{"offset beyond total", vestiging.OfferFilter{Offset: 10}, []string{}, 4},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := db.FindOffers(t.Context(), tt.filter)
				if err != nil {
					t.Fatalf("find: %v", err)
				}
				names := []string{}
				for _, o := range got {
					names = append(names, o.Title)
					if want := map[int64]string{anna.ID: "Anna", bert.ID: "Bert"}[o.AuthorID]; o.AuthorName != want {
						t.Errorf("%s: AuthorName %q, want %q", o.Title, o.AuthorName, want)
					}
				}
				same(t, "titles", names, tt.want)
				if total != tt.total {
					t.Errorf("total %d, want %d", total, tt.total)
				}
			})
		}
		_, _, err := db.FindOffers(t.Context(), vestiging.OfferFilter{Offset: 10_000_000})
		wantCode(t, err, vestiging.EINVALID)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		db := open(t)
		anna := person(t, db, "anna@example.nl", "Anna")
		_, err := db.Offer(t.Context(), 999)
		wantCode(t, err, vestiging.ENOTFOUND)
		o := newOffer(anna, vestiging.OfferKindOffer, "x", "")
		o.ID = 999
		wantCode(t, db.UpdateOffer(t.Context(), o), vestiging.ENOTFOUND)
		wantCode(t, db.SetOfferStatus(t.Context(), 999, vestiging.OfferApproved, "", nil), vestiging.ENOTFOUND)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		anna := person(t, db, "anna@example.nl", "Anna")
		noTitle := newOffer(anna, vestiging.OfferKindOffer, "", "")
		unknownAuthor := newOffer(&vestiging.Person{ID: 999}, vestiging.OfferKindOffer, "x", "")
		unknownTheme := newOffer(anna, vestiging.OfferKindOffer, "x", "")
		unknownTheme.Theme = "bestaat-niet"
		for _, o := range []*vestiging.Offer{noTitle, unknownAuthor, unknownTheme} {
			wantCode(t, db.CreateOffer(t.Context(), o), vestiging.EINVALID)
		}
		if _, total, err := db.FindOffers(t.Context(), vestiging.OfferFilter{}); err != nil || total != 0 {
			t.Errorf("%d offers after invalid creates (%v), want 0", total, err)
		}
		o := newOffer(anna, vestiging.OfferKindOffer, "Geldig", "")
		if err := db.CreateOffer(t.Context(), o); err != nil {
			t.Fatalf("create: %v", err)
		}
		wantCode(t, db.SetOfferStatus(t.Context(), o.ID, "deleted", "", nil), vestiging.EINVALID)
		if got, err := db.Offer(t.Context(), o.ID); err != nil || got.Status != vestiging.OfferPending {
			t.Errorf("after invalid status: %+v, %v", got, err)
		}
	})
}
