package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// person stores a resident with a placeholder hash; hashing a real
// password costs 64 MiB and tests do not need it.
func person(t *testing.T, db *store.DB, email, name string) *vestiging.Person {
	t.Helper()
	p := &vestiging.Person{Email: email, DisplayName: name, PasswordHash: "$argon2id$test"}
	if err := db.CreatePerson(t.Context(), p); err != nil {
		t.Fatalf("create person %s: %v", email, err)
	}
	return p
}

func testPeople(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		before := time.Now()
		p := person(t, db, " Anna@Example.NL ", "Anna")
		if p.ID == 0 || p.Email != "anna@example.nl" || p.Role != vestiging.RoleResident {
			t.Errorf("after create: %+v", p)
		}
		between(t, "CreatedAt", p.CreatedAt, before, time.Now())
		got, err := db.Person(t.Context(), p.ID)
		if err != nil {
			t.Fatalf("person: %v", err)
		}
		same(t, "person", got, p)
		got, err = db.PersonByEmail(t.Context(), "ANNA@example.nl ")
		if err != nil {
			t.Fatalf("by email: %v", err)
		}
		same(t, "person by email", got, p)
	})
	t.Run("ByRole", func(t *testing.T) {
		db := open(t)
		person(t, db, "anna@example.nl", "Anna")
		var want []*vestiging.Person
		for _, name := range []string{"taalschool Noord", "Buurthuis Oost"} {
			p := &vestiging.Person{Email: strings.Fields(name)[1] + "@partner.example", DisplayName: name,
				PasswordHash: "$argon2id$test", Role: vestiging.RolePartner}
			if err := db.CreatePerson(t.Context(), p); err != nil {
				t.Fatal(err)
			}
			want = append([]*vestiging.Person{p}, want...) // by name, whatever its case
		}
		got, err := db.PeopleByRole(t.Context(), vestiging.RolePartner)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "partners", got, want)
		if got, err := db.PeopleByRole(t.Context(), vestiging.RoleAdmin); err != nil || len(got) != 0 {
			t.Errorf("admins: %v, %v", got, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		db := open(t)
		person(t, db, "anna@example.nl", "Anna")
		_, err := db.Person(t.Context(), 999)
		wantCode(t, err, vestiging.ENOTFOUND)
		_, err = db.PersonByEmail(t.Context(), "bert@example.nl")
		wantCode(t, err, vestiging.ENOTFOUND)
	})
	t.Run("ErrConflict", func(t *testing.T) {
		db := open(t)
		person(t, db, "anna@example.nl", "Anna")
		err := db.CreatePerson(t.Context(), &vestiging.Person{Email: "ANNA@example.nl", PasswordHash: "x"})
		wantCode(t, err, vestiging.ECONFLICT)
		if vestiging.FieldErrors(err)["email"] == "" {
			t.Errorf("conflict %v does not name the email field", err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		for _, p := range []*vestiging.Person{
			{Email: "geen adres", PasswordHash: "x"},
			{Email: "anna@example.nl"},
			{Email: "anna@example.nl", PasswordHash: "x", Role: "king"},
		} {
			wantCode(t, db.CreatePerson(t.Context(), p), vestiging.EINVALID)
		}
		_, err := db.PersonByEmail(t.Context(), "anna@example.nl")
		wantCode(t, err, vestiging.ENOTFOUND)
	})
}

func testSessions(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		p := person(t, db, "anna@example.nl", "Anna")
		s := &vestiging.LoginSession{TokenHash: "hash-1", PersonID: p.ID, ExpiresAt: time.Now().Add(time.Hour)}
		if err := db.CreateSession(t.Context(), s); err != nil {
			t.Fatalf("create session: %v", err)
		}
		got, err := db.SessionPerson(t.Context(), "hash-1")
		if err != nil {
			t.Fatalf("session person: %v", err)
		}
		same(t, "session person", got, p)
		if err := db.DeleteSession(t.Context(), "hash-1"); err != nil {
			t.Fatalf("delete: %v", err)
		}
		_, err = db.SessionPerson(t.Context(), "hash-1")
		wantCode(t, err, vestiging.ENOTFOUND)
		if err := db.DeleteSession(t.Context(), "hash-1"); err != nil {
			t.Errorf("second delete: %v, want nil (signing out twice is fine)", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		db := open(t)
		p := person(t, db, "anna@example.nl", "Anna")
		expired := &vestiging.LoginSession{TokenHash: "old", PersonID: p.ID, CreatedAt: time.Now().Add(-2 * time.Hour),
			ExpiresAt: time.Now().Add(-time.Second)}
		if err := db.CreateSession(t.Context(), expired); err != nil {
			t.Fatalf("create session: %v", err)
		}
		for _, token := range []string{"old", "unknown", ""} {
			_, err := db.SessionPerson(t.Context(), token)
			wantCode(t, err, vestiging.ENOTFOUND)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		db := open(t)
		p := person(t, db, "anna@example.nl", "Anna")
		s := vestiging.LoginSession{TokenHash: "same", PersonID: p.ID, ExpiresAt: time.Now().Add(time.Hour)}
		if err := db.CreateSession(t.Context(), &s); err != nil {
			t.Fatalf("create session: %v", err)
		}
		wantCode(t, db.CreateSession(t.Context(), &s), vestiging.ECONFLICT)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		wantCode(t, db.CreateSession(t.Context(), &vestiging.LoginSession{TokenHash: "x", PersonID: 999, ExpiresAt: time.Now().Add(time.Hour)}), vestiging.EINVALID)
		wantCode(t, db.CreateSession(t.Context(), &vestiging.LoginSession{PersonID: 1}), vestiging.EINVALID)
	})
}

// resident stores a confirmed resident with a handle.
func resident(t *testing.T, db *store.DB, email, handle string) *vestiging.Person {
	t.Helper()
	confirmed := time.Now().UTC().Truncate(time.Microsecond)
	p := &vestiging.Person{Email: email, DisplayName: handle, PasswordHash: "$argon2id$test", Handle: handle,
		ConfirmedAt: &confirmed}
	if err := db.CreatePerson(t.Context(), p); err != nil {
		t.Fatalf("create resident %s: %v", email, err)
	}
	return p
}

func testResidents(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		staff := person(t, db, "balie@example.nl", "Balie")
		if staff.Handle != "" || staff.Discoverable || staff.ConfirmedAt != nil || staff.FeedTokenHash != "" {
			t.Errorf("staff after create: %+v, want no handle, not discoverable, unconfirmed, no feed", staff)
		}
		anna := &vestiging.Person{Email: "anna@example.nl", DisplayName: "Anna", PasswordHash: "x", Handle: " @Anna_1"}
		if err := db.CreatePerson(t.Context(), anna); err != nil {
			t.Fatalf("create: %v", err)
		}
		if anna.Handle != "anna_1" {
			t.Errorf("after create: handle %q", anna.Handle)
		}
		for _, handle := range []string{"anna_1", "@ANNA_1"} {
			got, err := db.PersonByHandle(t.Context(), handle)
			if err != nil {
				t.Fatalf("by handle %q: %v", handle, err)
			}
			same(t, "person by handle", got, anna)
		}
		_, old := vestiging.NewToken()
		if err := db.SetFeedHash(t.Context(), anna.ID, old); err != nil {
			t.Fatalf("set feed: %v", err)
		}
		anna.FeedTokenHash = old
		got, err := db.PersonByFeedHash(t.Context(), old)
		if err != nil {
			t.Fatalf("by feed token: %v", err)
		}
		same(t, "person by feed token", got, anna)

		// An update keeps the feed, whatever the person it is given holds.
		confirmed := time.Now().UTC().Truncate(time.Microsecond)
		anna.Email, anna.DisplayName, anna.Handle, anna.Discoverable = "anna@voorbeeld.nl", "Anna J.", "anna", true
		anna.ConfirmedAt, anna.FeedTokenHash, anna.PasswordHash = &confirmed, "", "y"
		if err := db.UpdatePerson(t.Context(), anna); err != nil {
			t.Fatalf("update: %v", err)
		}
		if anna.FeedTokenHash != old {
			t.Errorf("feed token after update: %q, want %q", anna.FeedTokenHash, old)
		}
		got, err = db.Person(t.Context(), anna.ID)
		if err != nil {
			t.Fatalf("person: %v", err)
		}
		same(t, "updated person", got, anna)

		// A new token: the old one finds no one.
		_, renewed := vestiging.NewToken()
		if err := db.SetFeedHash(t.Context(), anna.ID, renewed); err != nil {
			t.Fatalf("renew feed: %v", err)
		}
		_, err = db.PersonByFeedHash(t.Context(), old)
		wantCode(t, err, vestiging.ENOTFOUND)
		if got, err = db.PersonByFeedHash(t.Context(), renewed); err != nil || got.ID != anna.ID {
			t.Errorf("by renewed feed token: %v, %v", got, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		db := open(t)
		resident(t, db, "anna@example.nl", "anna")
		for _, handle := range []string{"bert", "", "@"} {
			_, err := db.PersonByHandle(t.Context(), handle)
			wantCode(t, err, vestiging.ENOTFOUND)
		}
		_, err := db.PersonByFeedHash(t.Context(), "")
		wantCode(t, err, vestiging.ENOTFOUND)
		wantCode(t, db.SetFeedHash(t.Context(), 999, vestiging.HashToken("x")), vestiging.ENOTFOUND)
		wantCode(t, db.UpdatePerson(t.Context(), &vestiging.Person{ID: 999, Email: "x@example.nl", PasswordHash: "x"}), vestiging.ENOTFOUND)
		wantCode(t, db.DeletePerson(t.Context(), 999), vestiging.ENOTFOUND)
	})
	t.Run("ErrConflict", func(t *testing.T) {
		db := open(t)
		anna := resident(t, db, "anna@example.nl", "anna")
		bert := resident(t, db, "bert@example.nl", "bert")
		err := db.CreatePerson(t.Context(), &vestiging.Person{Email: "carla@example.nl", PasswordHash: "x", Handle: "ANNA"})
		wantCode(t, err, vestiging.ECONFLICT)
		if vestiging.FieldErrors(err)["handle"] == "" {
			t.Errorf("create: conflict %v does not name the handle field", err)
		}
		_, err = db.PersonByEmail(t.Context(), "carla@example.nl")
		wantCode(t, err, vestiging.ENOTFOUND)

		b := *bert
		b.Handle = "anna"
		err = db.UpdatePerson(t.Context(), &b)
		wantCode(t, err, vestiging.ECONFLICT)
		if vestiging.FieldErrors(err)["handle"] == "" {
			t.Errorf("update: conflict %v does not name the handle field", err)
		}
		b = *bert
		b.Email = anna.Email
		err = db.UpdatePerson(t.Context(), &b)
		wantCode(t, err, vestiging.ECONFLICT)
		if vestiging.FieldErrors(err)["email"] == "" {
			t.Errorf("update: conflict %v does not name the email field", err)
		}
		got, err := db.Person(t.Context(), bert.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "bert after refused updates", got, bert)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		anna := resident(t, db, "anna@example.nl", "anna")
		for _, handle := range []string{"a", "anna.j", "admin", "inbox", "users"} {
			err := db.CreatePerson(t.Context(), &vestiging.Person{Email: "b@example.nl", PasswordHash: "x", Handle: handle})
			wantCode(t, err, vestiging.EINVALID)
			a := *anna
			a.Handle = handle
			wantCode(t, db.UpdatePerson(t.Context(), &a), vestiging.EINVALID)
		}
		got, err := db.Person(t.Context(), anna.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "anna after refused updates", got, anna)
	})
}

func testDeletePerson(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		anna := resident(t, db, "anna@example.nl", "anna")
		staff := person(t, db, "balie@example.nl", "Balie")
		bert := resident(t, db, "bert@example.nl", "bert")
		var offers []*vestiging.Offer
		for _, author := range []*vestiging.Person{anna, anna, staff, bert} {
			o := &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: "Hulp", Description: "Hulp", AuthorID: author.ID}
			if err := db.CreateOffer(ctx, o); err != nil {
				t.Fatalf("offer: %v", err)
			}
			offers = append(offers, o)
		}
		for _, o := range []*vestiging.Offer{offers[0], offers[3]} {
			if err := db.SetOfferStatus(ctx, o.ID, vestiging.OfferApproved, "", nil); err != nil {
				t.Fatal(err)
			}
		}
		// anna replies to bert's offer twice; one reply is approved.
		var replies []*vestiging.Reply
		for range 2 {
			r := &vestiging.Reply{ObjectType: vestiging.ReplyToOffer, ObjectID: offers[3].ID, PersonID: anna.ID, Content: "<p>Ik doe mee</p>"}
			if err := db.CreateReply(ctx, r); err != nil {
				t.Fatal(err)
			}
			replies = append(replies, r)
		}
		if err := db.SetReplyStatus(ctx, replies[0].ID, vestiging.ReplyApproved, "", nil); err != nil {
			t.Fatal(err)
		}
		for _, p := range []*vestiging.Person{anna, staff, bert} {
			if err := db.CreateSession(ctx, &vestiging.LoginSession{TokenHash: p.Email, PersonID: p.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		_, hash := vestiging.NewToken()
		if err := db.CreateToken(ctx, &vestiging.Token{Hash: hash, PersonID: anna.ID, Purpose: vestiging.TokenReset, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		before := time.Now()
		for _, p := range []*vestiging.Person{anna, staff} {
			if err := db.DeletePerson(ctx, p.ID); err != nil {
				t.Fatalf("delete %s: %v", p.Email, err)
			}
			_, err := db.Person(ctx, p.ID)
			wantCode(t, err, vestiging.ENOTFOUND)
			_, err = db.SessionPerson(ctx, p.Email)
			wantCode(t, err, vestiging.ENOTFOUND)
		}
		for i, o := range offers {
			_, err := db.Offer(ctx, o.ID)
			if want := i == 3; (err == nil) != want {
				t.Errorf("offer %d of %d after delete: %v", i, o.AuthorID, err)
			}
		}
		if _, err := db.SessionPerson(ctx, bert.Email); err != nil {
			t.Errorf("bert's session after others' deletes: %v", err)
		}
		_, err := db.UseToken(ctx, hash, vestiging.TokenReset)
		wantCode(t, err, vestiging.EINVALID)

		deleted := Jobs[vestiging.PersonDeletedJob](t, db, vestiging.PersonDeletedJob{}.Kind())
		if len(deleted) != 1 || deleted[0].PersonID != anna.ID || deleted[0].Handle != "anna" || !deleted[0].Posted {
			t.Fatalf("person_deleted jobs: %+v, want one for anna, who posted (staff without a handle has no actor)", deleted)
		}
		between(t, "PersonDeletedJob.At", deleted[0].At, before, time.Now())
		// Her approved offer and reply get a Delete that names her, since
		// the rows are gone.
		var got []string
		for _, j := range Jobs[vestiging.PublishJob](t, db, vestiging.PublishJob{}.Kind()) {
			if j.Action == "Delete" {
				if j.Author == nil {
					t.Fatalf("Delete %s %d without its author", j.Object, j.ID)
				}
				got = append(got, fmt.Sprintf("%s %d by %d %s", j.Object, j.ID, j.Author.PersonID, j.Author.Handle))
			}
		}
		same(t, "Delete publish jobs", got, []string{fmt.Sprintf("offer %d by %d anna", offers[0].ID, anna.ID),
			fmt.Sprintf("reply %d by %d anna", replies[0].ID, anna.ID)})
	})
}

func testTokens(t *testing.T, open func(t *testing.T) *store.DB) {
	newToken := func(t *testing.T, db *store.DB, p *vestiging.Person, purpose string, expires time.Time) string {
		t.Helper()
		_, hash := vestiging.NewToken()
		if err := db.CreateToken(t.Context(), &vestiging.Token{Hash: hash, PersonID: p.ID, Purpose: purpose, ExpiresAt: expires}); err != nil {
			t.Fatalf("create token: %v", err)
		}
		return hash
	}
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		anna := person(t, db, "anna@example.nl", "Anna")
		confirm := newToken(t, db, anna, vestiging.TokenConfirm, time.Now().Add(vestiging.ConfirmTokenLifetime))
		before := time.Now()
		got, err := db.UseToken(t.Context(), confirm, vestiging.TokenConfirm)
		if err != nil {
			t.Fatalf("use: %v", err)
		}
		if got.ID != anna.ID || got.ConfirmedAt == nil {
			t.Fatalf("after confirm: %+v, want anna confirmed", got)
		}
		between(t, "ConfirmedAt", *got.ConfirmedAt, before, time.Now())
		stored, err := db.Person(t.Context(), anna.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "confirmed person", stored, got)

		// A reset spends the other reset links too, and leaves ConfirmedAt.
		first := newToken(t, db, anna, vestiging.TokenReset, time.Now().Add(time.Hour))
		second := newToken(t, db, anna, vestiging.TokenReset, time.Now().Add(time.Hour))
		again, err := db.UseToken(t.Context(), second, vestiging.TokenReset)
		if err != nil {
			t.Fatalf("use reset: %v", err)
		}
		same(t, "person after reset", again, got)
		_, err = db.UseToken(t.Context(), first, vestiging.TokenReset)
		wantCode(t, err, vestiging.EINVALID)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		anna := person(t, db, "anna@example.nl", "Anna")
		used := newToken(t, db, anna, vestiging.TokenConfirm, time.Now().Add(time.Hour))
		if _, err := db.UseToken(t.Context(), used, vestiging.TokenConfirm); err != nil {
			t.Fatal(err)
		}
		if err := db.UpdatePerson(t.Context(), anna); err != nil { // unconfirm, to see that nothing confirms again
			t.Fatal(err)
		}
		expired := newToken(t, db, anna, vestiging.TokenConfirm, time.Now().Add(-time.Second))
		reset := newToken(t, db, anna, vestiging.TokenReset, time.Now().Add(time.Hour))
		for _, tt := range []struct{ name, hash, purpose string }{
			{"Reused", used, vestiging.TokenConfirm},
			{"Expired", expired, vestiging.TokenConfirm},
			{"WrongPurpose", reset, vestiging.TokenConfirm},
			{"Unknown", vestiging.HashToken("unknown"), vestiging.TokenReset},
			{"Empty", "", vestiging.TokenReset},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := db.UseToken(t.Context(), tt.hash, tt.purpose)
				wantCode(t, err, vestiging.EINVALID)
				if msg := vestiging.ErrorMessage(err); !strings.Contains(msg, "link") {
					t.Errorf("message %q does not explain the link is not valid", msg)
				}
			})
		}
		got, err := db.Person(t.Context(), anna.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "person after refused tokens", got, anna)
		if _, err := db.UseToken(t.Context(), reset, vestiging.TokenReset); err != nil {
			t.Errorf("the reset token after a use with the wrong purpose: %v, want it still valid", err)
		}
		for _, tok := range []vestiging.Token{
			{PersonID: anna.ID, Purpose: vestiging.TokenReset, ExpiresAt: time.Now()},
			{Hash: "h", Purpose: vestiging.TokenReset, ExpiresAt: time.Now()},
			{Hash: "h", PersonID: anna.ID, Purpose: "login", ExpiresAt: time.Now()},
			{Hash: "h", PersonID: anna.ID, Purpose: vestiging.TokenReset},
			{Hash: "h", PersonID: 999, Purpose: vestiging.TokenReset, ExpiresAt: time.Now()},
		} {
			wantCode(t, db.CreateToken(t.Context(), &tok), vestiging.EINVALID)
		}
	})
}

func testDeleteSessions(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		anna := person(t, db, "anna@example.nl", "Anna")
		bert := person(t, db, "bert@example.nl", "Bert")
		for _, s := range []struct {
			hash string
			p    *vestiging.Person
		}{{"a1", anna}, {"a2", anna}, {"b1", bert}} {
			if err := db.CreateSession(t.Context(), &vestiging.LoginSession{TokenHash: s.hash, PersonID: s.p.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		sessions, err := db.PersonSessions(t.Context(), anna.ID)
		if err != nil {
			t.Fatalf("person sessions: %v", err)
		}
		if len(sessions) != 2 || sessions[0].PersonID != anna.ID || sessions[1].PersonID != anna.ID {
			t.Errorf("anna's sessions: %+v, want two", sessions)
		}
		if err := db.DeleteSessions(t.Context(), anna.ID); err != nil {
			t.Fatalf("delete sessions: %v", err)
		}
		if sessions, err := db.PersonSessions(t.Context(), anna.ID); err != nil || len(sessions) != 0 {
			t.Errorf("anna's sessions after delete: %v, %v; want none", sessions, err)
		}
		for _, hash := range []string{"a1", "a2"} {
			_, err := db.SessionPerson(t.Context(), hash)
			wantCode(t, err, vestiging.ENOTFOUND)
		}
		if _, err := db.SessionPerson(t.Context(), "b1"); err != nil {
			t.Errorf("bert's session: %v", err)
		}
		if err := db.DeleteSessions(t.Context(), anna.ID); err != nil {
			t.Errorf("second delete: %v, want nil", err)
		}
	})
}
