package storetest

import (
	"fmt"
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
	t.Run("Remote", func(t *testing.T) { testRemoteOffers(t, open) })
	t.Run("Query", func(t *testing.T) {
		db := open(t)
		anna := person(t, db, "anna@example.nl", "Anna")
		for _, title := range []string{"Hulp met de Tablet", "100% zeker: taalcafé", "Fietsen_maken"} {
			if err := db.CreateOffer(t.Context(), newOffer(anna, vestiging.OfferKindOffer, title, "")); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"tablet", []string{"Hulp met de Tablet"}},
			{"HULP tablet", []string{"Hulp met de Tablet"}},
			{"hulp fiets", []string{}},
			{"100%", []string{"100% zeker: taalcafé"}},
			{"%", []string{"100% zeker: taalcafé"}},
			{"n_m", []string{"Fietsen_maken"}},
			{"_", []string{"Fietsen_maken"}},
			{`\`, []string{}},
		} {
			t.Run(tc.query, func(t *testing.T) {
				got, total, err := db.FindOffers(t.Context(), vestiging.OfferFilter{Query: tc.query})
				if err != nil || total != len(tc.want) {
					t.Fatalf("find %q: total %d, %v", tc.query, total, err)
				}
				titles := []string{}
				for _, o := range got {
					titles = append(titles, o.Title)
				}
				same(t, "titles", titles, tc.want)
			})
		}
	})
	t.Run("Audit", func(t *testing.T) {
		db := open(t)
		anna := person(t, db, "anna@example.nl", "Anna")
		o := newOffer(anna, vestiging.OfferKindOffer, "Hulp", "")
		if err := db.CreateOffer(t.Context(), o); err != nil {
			t.Fatal(err)
		}
		if n, err := db.ApprovedPosts(t.Context(), anna.ID); err != nil || n != 0 {
			t.Errorf("approved posts %d, %v; want 0", n, err)
		}
		by := &vestiging.AuditEntry{PersonID: anna.ID}
		if err := db.SetOfferStatus(t.Context(), o.ID, vestiging.OfferApproved, "", by); err != nil {
			t.Fatal(err)
		}
		if n, err := db.ApprovedPosts(t.Context(), anna.ID); err != nil || n != 1 {
			t.Errorf("approved posts %d, %v; want 1", n, err)
		}
		// The author closing it is no moderation: no entry without by.
		if err := db.SetOfferStatus(t.Context(), o.ID, vestiging.OfferClosed, "", nil); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.SetOfferStatus(t.Context(), o.ID, vestiging.OfferApproved, "",
			&vestiging.AuditEntry{PersonID: anna.ID, Reason: string(make([]byte, 1001))}), vestiging.EINVALID)
		if got, err := db.Offer(t.Context(), o.ID); err != nil || got.Status != vestiging.OfferClosed {
			t.Errorf("after a failed audit: %+v, %v", got, err)
		}
		entries := wantAuditEntries(t, db, 1)
		if len(entries) == 1 && (entries[0].Action != "offer.approve" || entries[0].PersonName != "Anna" ||
			entries[0].Target != fmt.Sprintf("offer %d", o.ID)) {
			t.Errorf("entry %+v", entries[0])
		}
	})
	t.Run("Partner", func(t *testing.T) { testPartnerEvents(t, open) })
}

// testRemoteOffers: offers announced by other libraries are stored by IRI,
// read with their library and author, and stay deleted once deleted.
func testRemoteOffers(t *testing.T, open func(t *testing.T) *store.DB) {
	c := newCommunity(t, open)
	ctx := t.Context()
	o := &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: "Samen breien", Description: "<p>Woensdag</p>", Area: "Tiel",
		IRI: "https://b.example/offers/1", URL: "https://b.example/aanbod/1", OriginID: &c.library.ID, AuthorActorID: &c.remote.ID}
	if err := c.db.UpsertRemoteOffer(ctx, o); err != nil {
		t.Fatal(err)
	}
	if o.ID == 0 || o.Status != vestiging.OfferApproved || o.Hidden {
		t.Errorf("after upsert: %+v", o)
	}
	got, err := c.db.Offer(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *o
	want.Origin, want.AuthorActor, want.AuthorName = c.library, c.remote, "Piet"
	same(t, "remote offer", got, &want)

	id := o.ID
	o.ID, o.Title = 0, "Samen breien en haken"
	if err := c.db.UpsertRemoteOffer(ctx, o); err != nil || o.ID != id || !o.CreatedAt.Equal(got.CreatedAt) {
		t.Errorf("second upsert: id %d (want %d), created %v, %v", o.ID, id, o.CreatedAt, err)
	}
	for _, tc := range []struct {
		source string
		want   []int64
	}{
		{"", []int64{o.ID, c.offer.ID}},
		{vestiging.SourceLocal, []int64{c.offer.ID}},
		{vestiging.SourceRemote, []int64{o.ID}},
	} {
		offers, _, err := c.db.FindOffers(ctx, vestiging.OfferFilter{Source: tc.source})
		if err != nil {
			t.Fatal(err)
		}
		ids := []int64{}
		for _, f := range offers {
			ids = append(ids, f.ID)
			if f.Remote() && (f.Origin == nil || f.AuthorActor == nil || f.AuthorName != "Piet") {
				t.Errorf("board's remote offer lacks its actors: %+v", f)
			}
		}
		same(t, "source "+tc.source, ids, tc.want)
	}
	_, _, err = c.db.FindOffers(ctx, vestiging.OfferFilter{Source: "elsewhere"})
	wantCode(t, err, vestiging.EINVALID)

	t.Run("Versions", func(t *testing.T) {
		checkVersions(t, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), func(title string, version time.Time) error {
			o.Title, o.RemoteUpdatedAt = title, version
			return c.db.UpsertRemoteOffer(ctx, o)
		}, func() (string, time.Time, error) {
			got, err := c.db.Offer(ctx, id)
			if err != nil {
				return "", time.Time{}, err
			}
			return got.Title, got.RemoteUpdatedAt, nil
		})
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		for name, change := range map[string]func(o *vestiging.Offer){
			"no IRI":         func(o *vestiging.Offer) { o.IRI = "" },
			"no origin":      func(o *vestiging.Offer) { o.OriginID = nil },
			"local author":   func(o *vestiging.Offer) { o.AuthorID = c.resident.ID },
			"no title":       func(o *vestiging.Offer) { o.Title = "" },
			"unknown origin": func(o *vestiging.Offer) { o.OriginID = ptr(int64(999)) },
		} {
			t.Run(name, func(t *testing.T) {
				bad := *o
				bad.ID, bad.IRI = 0, "https://b.example/offers/2"
				change(&bad)
				wantCode(t, c.db.UpsertRemoteOffer(ctx, &bad), vestiging.EINVALID)
			})
		}
		// Local writes leave remote offers alone.
		local := *o
		wantCode(t, c.db.UpdateOffer(ctx, &local), vestiging.EINVALID)
		local.IRI, local.OriginID, local.AuthorActorID, local.AuthorID = "", nil, nil, c.resident.ID
		wantCode(t, c.db.UpdateOffer(ctx, &local), vestiging.ENOTFOUND)
		wantCode(t, c.db.SetOfferStatus(ctx, o.ID, vestiging.OfferRejected, "", nil), vestiging.ENOTFOUND)
		if _, total, _ := c.db.FindOffers(ctx, vestiging.OfferFilter{Source: vestiging.SourceRemote}); total != 1 {
			t.Errorf("%d remote offers, want 1", total)
		}
	})
	t.Run("ErrOwnerMoves", func(t *testing.T) {
		// Another actor on the same server (or another library) cannot
		// take the offer over, nor delete it.
		other := upsertActor(t, c.db, &vestiging.Actor{IRI: "https://b.example/users/kees", Type: "Person", Username: "kees"})
		for name, change := range map[string]func(o *vestiging.Offer){
			"author": func(o *vestiging.Offer) { o.AuthorActorID = &other.ID },
			"origin": func(o *vestiging.Offer) { o.OriginID = &other.ID },
		} {
			taken := *o
			taken.ID, taken.Title, taken.RemoteUpdatedAt = 0, "Overgenomen", time.Now()
			change(&taken)
			if err := c.db.UpsertRemoteOffer(ctx, &taken); vestiging.ErrorCode(err) != vestiging.EFORBIDDEN {
				t.Errorf("%s moved: %v, want EFORBIDDEN", name, err)
			}
		}
		if err := c.db.DeleteRemoteObject(ctx, o.IRI, other); err != nil {
			t.Fatal(err)
		}
		got, err := c.db.Offer(ctx, id)
		if err != nil || got.Title == "Overgenomen" || *got.AuthorActorID != c.remote.ID {
			t.Errorf("after another's Update and Delete: %+v, %v", got, err)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		if err := c.db.DeleteRemoteObject(ctx, o.IRI, c.remote); err != nil {
			t.Fatal(err)
		}
		_, err := c.db.Offer(ctx, o.ID)
		wantCode(t, err, vestiging.ENOTFOUND)
		o.RemoteUpdatedAt = time.Now().Add(-time.Hour) // a copy from before the Delete
		wantCode(t, c.db.UpsertRemoteOffer(ctx, o), vestiging.ECONFLICT)
		if o.ID != 0 {
			t.Errorf("ID %d after a refused upsert", o.ID)
		}
		// Approved again after an edit: newer than the Delete, so back.
		o.Title, o.RemoteUpdatedAt = "Weer goedgekeurd", time.Now().Add(time.Hour)
		if err := c.db.UpsertRemoteOffer(ctx, o); err != nil {
			t.Fatalf("approved again: %v", err)
		}
		if got, err := c.db.Offer(ctx, o.ID); err != nil || got.Title != "Weer goedgekeurd" {
			t.Errorf("offer approved again: %+v, %v", got, err)
		}
	})
}

// testPartnerEvents: an event names its partner organisation, who must
// have the partner role.
func testPartnerEvents(t *testing.T, open func(t *testing.T) *store.DB) {
	f := newFixture(t, open)
	ctx := t.Context()
	partner := person(t, f.db, "taal@example.nl", "Taalschool Tiel")
	partner.Role = vestiging.RolePartner
	if err := f.db.UpdatePerson(ctx, partner); err != nil {
		t.Fatal(err)
	}
	e := f.event("Taalcafé", 1)
	e.PartnerID = &partner.ID
	f.create(t, e)
	if e.PartnerName != "Taalschool Tiel" {
		t.Errorf("PartnerName %q after create", e.PartnerName)
	}
	got, err := f.db.Event(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "event", got, f.withBranches(e))
	resident := person(t, f.db, "anna@example.nl", "Anna")
	e.PartnerID = &resident.ID
	wantCode(t, f.db.UpdateEvent(ctx, e), vestiging.EINVALID)
	e.PartnerID = ptr(int64(999))
	wantCode(t, f.db.UpdateEvent(ctx, e), vestiging.EINVALID)
	// A partner who leaves leaves the event without one.
	if err := f.db.DeletePerson(ctx, partner.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := f.db.Event(ctx, e.ID); err != nil || got.PartnerID != nil || got.PartnerName != "" {
		t.Errorf("after the partner left: %v %q, %v", got.PartnerID, got.PartnerName, err)
	}
}
