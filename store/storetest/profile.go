package storetest

import (
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// testActorUpdates: a change of what an actor shows queues its Update
// (ActorUpdateJob) with the change; other changes, and failed ones, queue
// nothing.
func testActorUpdates(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	seen := 0
	// queued checks the jobs queued since the last call: one per want.
	queued := func(what string, want ...vestiging.ActorUpdateJob) {
		t.Helper()
		jobs := Jobs[vestiging.ActorUpdateJob](t, db, vestiging.ActorUpdateJob{}.Kind())
		got := jobs[seen:]
		seen = len(jobs)
		for i := range got {
			if got[i].At.IsZero() {
				t.Errorf("%s: job without its time", what)
			}
			got[i].At = time.Time{}
		}
		if want == nil {
			want = []vestiging.ActorUpdateJob{}
		}
		same(t, what, got, want)
	}
	library := vestiging.ActorUpdateJob{}

	t.Run("Library", func(t *testing.T) {
		l, err := db.Library(ctx)
		if err != nil {
			t.Fatal(err)
		}
		l.AllowGuests, l.Phone = true, "0344 123456"
		if err := db.UpdateLibrary(ctx, l); err != nil {
			t.Fatal(err)
		}
		queued("settings and phone")
		for _, change := range []struct {
			what string
			fn   func(l *vestiging.Library)
		}{
			{"name", func(l *vestiging.Library) { l.Name = "Bibliotheek Aalten" }},
			{"description", func(l *vestiging.Library) { l.Description = "<p>Welkom</p>" }},
			{"logo", func(l *vestiging.Library) { l.LogoURL, l.LogoAlt = "https://example.nl/logo.png", "Logo" }},
			{"banner", func(l *vestiging.Library) { l.BannerURL, l.BannerAlt = "https://example.nl/zaal.jpg", "De leeszaal" }},
			{"website", func(l *vestiging.Library) { l.Website = "https://example.nl" }},
		} {
			change.fn(l)
			if err := db.UpdateLibrary(ctx, l); err != nil {
				t.Fatalf("%s: %v", change.what, err)
			}
			queued(change.what, library)
		}
		got, err := db.Library(ctx)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "library with a banner", got, l)
		if err := db.UpdateLibrary(ctx, l); err != nil {
			t.Fatal(err)
		}
		queued("unchanged")
		bad := *l
		bad.Name, bad.BannerAlt = "Elders", ""
		err = db.UpdateLibrary(ctx, &bad)
		wantCode(t, err, vestiging.EINVALID)
		if vestiging.FieldErrors(err)["banner_alt"] == "" {
			t.Errorf("a banner without a description: %v, want banner_alt", err)
		}
		queued("invalid")
	})

	t.Run("Branches", func(t *testing.T) {
		bare := &vestiging.Branch{Name: "Uitleenpunt"}
		if err := db.CreateBranch(ctx, bare); err != nil {
			t.Fatal(err)
		}
		queued("branch without address or hours")
		b := &vestiging.Branch{Name: "Centrum", Street: "Markt 3", City: "Aalten"}
		if err := db.CreateBranch(ctx, b); err != nil {
			t.Fatal(err)
		}
		queued("branch with an address", library)
		b.Latitude, b.Longitude = ptr(51.92), ptr(6.58)
		if err := db.UpdateBranch(ctx, b); err != nil {
			t.Fatal(err)
		}
		queued("on the map")
		b.OpeningHours = []vestiging.OpeningHours{{Day: time.Tuesday, Opens: "10:00", Closes: "17:00"}}
		if err := db.UpdateBranch(ctx, b); err != nil {
			t.Fatal(err)
		}
		queued("opening hours", library)
		b.Street = "Markt 5"
		if err := db.UpdateBranch(ctx, b); err != nil {
			t.Fatal(err)
		}
		queued("address", library)
		wantCode(t, db.UpdateBranch(ctx, &vestiging.Branch{ID: 999, Name: "X", City: "Y"}), vestiging.ENOTFOUND)
		queued("missing")
	})

	t.Run("Residents", func(t *testing.T) {
		anna := &vestiging.Person{Email: "anna@example.nl", DisplayName: "Anna", PasswordHash: "$argon2id$test", Handle: "anna"}
		bert := person(t, db, "bert@example.nl", "Bert")
		if err := db.CreatePerson(ctx, anna); err != nil {
			t.Fatal(err)
		}
		for _, change := range []struct {
			what string
			p    *vestiging.Person
			fn   func(p *vestiging.Person)
			want []vestiging.ActorUpdateJob
		}{
			{"name", anna, func(p *vestiging.Person) { p.DisplayName = "Anna de Jong" }, []vestiging.ActorUpdateJob{{PersonID: anna.ID}}},
			{"discoverable", anna, func(p *vestiging.Person) { p.Discoverable = true }, []vestiging.ActorUpdateJob{{PersonID: anna.ID}}},
			{"email", anna, func(p *vestiging.Person) { p.Email = "anna.dejong@example.nl" }, nil},
			{"name without a handle", bert, func(p *vestiging.Person) { p.DisplayName = "Bert B." }, nil},
			{"a first handle", bert, func(p *vestiging.Person) { p.Handle, p.DisplayName = "bert", "Bert" }, nil},
		} {
			change.fn(change.p)
			if err := db.UpdatePerson(ctx, change.p); err != nil {
				t.Fatalf("%s: %v", change.what, err)
			}
			queued(change.what, change.want...)
		}
	})
}
