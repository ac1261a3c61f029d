package federation

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// resident adds a resident with a handle to db; confirmed sets ConfirmedAt.
func resident(t *testing.T, db *store.DB, handle string, confirmed, discoverable bool) *vestiging.Person {
	t.Helper()
	p := &vestiging.Person{Email: handle + "@mail.example", DisplayName: "Anna de Vries", PasswordHash: "x",
		Handle: handle, Discoverable: discoverable}
	if confirmed {
		now := time.Now().UTC()
		p.ConfirmedAt = &now
	}
	if err := db.CreatePerson(t.Context(), p); err != nil {
		t.Fatalf("create person: %v", err)
	}
	return p
}

func TestPersonActor(t *testing.T) {
	in := startInstance(t, storetest.SQLite(t), nil)
	hidden := resident(t, in.db, "anna", true, false)
	resident(t, in.db, "bram", true, true)
	t.Run("OK", func(t *testing.T) {
		for _, tc := range []struct {
			handle       string
			discoverable bool
		}{{"anna", false}, {"bram", true}} {
			resp, body := in.get(t, "/users/"+tc.handle, ContentTypeActivity, nil)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != ContentTypeActivityJSON {
				t.Fatalf("GET /users/%s: %d %s", tc.handle, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if strings.Contains(string(body), "mail.example") || strings.Contains(string(body), "@mail") {
				t.Errorf("actor document holds the email address: %s", body)
			}
			a, err := ParseActor(body)
			if err != nil {
				t.Fatal(err)
			}
			id := PersonActorID(in.base, tc.handle)
			if a.ID != id || a.Type != "Person" || a.PreferredUsername != tc.handle || a.Name != "Anna de Vries" ||
				a.Inbox != id+"/inbox" || a.SharedInbox != in.base.JoinPath("inbox").String() ||
				a.PublicKey.ID != id+"#main-key" || a.PublicKey.Owner != id || a.PublicKey.PEM == "" {
				t.Errorf("actor %+v", a)
			}
			var doc map[string]any
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			if got, want := doc["discoverable"], tc.discoverable; got != want {
				t.Errorf("%s discoverable: got %v, want %v", tc.handle, got, want)
			}
			// The key is made once and kept.
			_, again := in.get(t, "/users/"+tc.handle, ContentTypeActivity, nil)
			if b, _ := ParseActor(again); b.PublicKey.PEM != a.PublicKey.PEM {
				t.Errorf("%s: the key changed between two reads", tc.handle)
			}
		}
	})
	t.Run("OKWebFinger", func(t *testing.T) {
		for _, resource := range []string{"acct:anna@" + in.base.Host, "acct:ANNA@" + in.base.Host, PersonActorID(in.base, "anna")} {
			resp, body := in.get(t, "/.well-known/webfinger?resource="+url.QueryEscape(resource), "", nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("webfinger %s: %d", resource, resp.StatusCode)
			}
			var jrd JRD
			if err := json.Unmarshal(body, &jrd); err != nil {
				t.Fatal(err)
			}
			if got, want := jrd.Subject, "acct:anna@"+in.base.Host; got != want || len(jrd.Links) == 0 || jrd.Links[0].Href != PersonActorID(in.base, hidden.Handle) {
				t.Errorf("webfinger %s: %+v, want subject %s", resource, jrd, want)
			}
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, path := range []string{"/users/nobody", "/users/nobody/outbox",
			"/.well-known/webfinger?resource=acct:nobody@" + in.base.Host,
			"/.well-known/webfinger?resource=acct:anna@elsewhere.example"} {
			if resp, _ := in.get(t, path, ContentTypeActivity, nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
			}
		}
	})
}

// TestResidentFollowVestiging: a resident of A follows B's library by
// handle, as their own Person actor. B fetches the resident's actor and
// key to check the signature, records the resident as a follower and
// accepts; B's events then reach A although A's library does not follow
// B; unfollowing sends Undo, and deleting the resident sends Delete.
func TestResidentFollowVestiging(t *testing.T) {
	a := startInstance(t, storetest.SQLite(t), nil)
	dbB := storetest.SQLite(t)
	if os.Getenv(storetest.EnvPostgres) != "" {
		dbB = storetest.Postgres(t)
	}
	b := startInstance(t, dbB, nil)
	a.runJobs(t, 0)
	b.runJobs(t, 0)
	ctx := t.Context()
	anna := resident(t, a.db, "anna", false, true)

	t.Run("ErrForbiddenUnconfirmed", func(t *testing.T) {
		_, err := a.fed.FollowAs(ctx, anna, "@agenda@"+b.base.Host)
		if got, want := vestiging.ErrorCode(err), vestiging.EFORBIDDEN; got != want {
			t.Fatalf("got %v, want %s", err, want)
		}
		if fs, err := a.db.PersonFollowings(ctx, anna.ID); err != nil || len(fs) != 0 {
			t.Errorf("follows stored: %d, %v", len(fs), err)
		}
	})
	now := time.Now().UTC()
	anna.ConfirmedAt = &now
	if err := a.db.UpdatePerson(ctx, anna); err != nil {
		t.Fatal(err)
	}

	t.Run("ErrInvalidPerson", func(t *testing.T) {
		resident(t, b.db, "bram", true, true)
		_, err := a.fed.FollowAs(ctx, anna, "@bram@"+b.base.Host)
		if got, want := vestiging.ErrorCode(err), vestiging.EINVALID; got != want {
			t.Fatalf("got %v, want %s", err, want)
		}
		if fs, err := a.db.PersonFollowings(ctx, anna.ID); err != nil || len(fs) != 0 {
			t.Errorf("follows stored: %d, %v", len(fs), err)
		}
	})
	fl, err := a.fed.FollowAs(ctx, anna, "@agenda@"+b.base.Host)
	if err != nil {
		t.Fatalf("follow: %v", err)
	}
	annaID := PersonActorID(a.base, "anna")
	eventually(t, "B records the resident as a follower", func() bool {
		fs, n, err := b.db.Followers(ctx, 0, 10)
		return err == nil && n == 1 && fs[0].Actor.IRI == annaID
	})
	follower, err := b.db.ActorByIRI(ctx, annaID)
	if err != nil {
		t.Fatal(err)
	}
	key, err := a.fed.personKey(ctx, anna.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	wantPEM, err := EncodePublicKeyPEM(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if follower.Type != "Person" || follower.KeyID != annaID+"#main-key" || follower.PublicKeyPEM != wantPEM ||
		follower.Inbox != annaID+"/inbox" {
		t.Errorf("B's copy of the resident: %+v", follower)
	}
	eventually(t, "Accept", func() bool {
		got, err := a.db.PersonFollowing(ctx, anna.ID, fl.Actor.ID)
		return err == nil && got.State == vestiging.FollowAccepted
	})
	if _, err := a.db.FollowingByActor(ctx, fl.Actor.ID); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
		t.Errorf("the library follows B too: %v", err)
	}

	branches, err := b.db.Branches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	e := &vestiging.Event{Title: "Schrijfcafé", Status: vestiging.StatusPublished, StartsAt: start, EndsAt: start.Add(2 * time.Hour), BranchID: &branches[0].ID}
	if err := b.db.CreateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	mine := vestiging.EventFilter{OriginIDs: []int64{fl.Actor.ID}, IncludeLocal: true}
	eventually(t, "B's event in the resident's agenda", func() bool {
		events, _, err := a.db.FindEvents(ctx, mine)
		return err == nil && len(events) == 1 && events[0].Title == "Schrijfcafé"
	})

	if err := a.fed.UnfollowAs(ctx, anna, fl.Actor.ID); err != nil {
		t.Fatalf("unfollow: %v", err)
	}
	eventually(t, "Undo", func() bool {
		_, n, err := b.db.Followers(ctx, 0, 10)
		return err == nil && n == 0
	})

	t.Run("OKFollowed", func(t *testing.T) {
		// B's library follows the resident; the Accept comes in the
		// resident's name, signed with their key.
		bf, err := b.fed.Follow(ctx, "@anna@"+a.base.Host)
		if err != nil {
			t.Fatalf("follow the resident: %v", err)
		}
		eventually(t, "the resident's Accept", func() bool {
			got, err := b.db.FollowingByActor(ctx, bf.Actor.ID)
			return err == nil && got.State == vestiging.FollowAccepted
		})
		followers, err := a.db.PersonFollowers(ctx, anna.ID)
		if err != nil || len(followers) != 1 || followers[0].Actor.IRI != ActorID(b.base) {
			t.Fatalf("the resident's followers: %d, %v", len(followers), err)
		}
		_, body := a.get(t, "/users/anna/followers", ContentTypeActivity, nil)
		var coll struct{ TotalItems int }
		if err := json.Unmarshal(body, &coll); err != nil || coll.TotalItems != 1 {
			t.Errorf("followers collection %s, %v", body, err)
		}
		if err := b.fed.Unfollow(ctx, bf.Actor.ID); err != nil {
			t.Fatal(err)
		}
		eventually(t, "Undo of the resident's follow", func() bool {
			fs, err := a.db.PersonFollowers(ctx, anna.ID)
			return err == nil && len(fs) == 0
		})
	})

	t.Run("OKDelete", func(t *testing.T) {
		if _, err := a.fed.FollowAs(ctx, anna, b.base.JoinPath("actor").String()); err != nil {
			t.Fatalf("follow by URL: %v", err)
		}
		if _, err := b.fed.Follow(ctx, PersonActorID(a.base, "anna")); err != nil {
			t.Fatalf("follow the resident by URL: %v", err)
		}
		eventually(t, "followed back", func() bool {
			fs, err := a.db.PersonFollowers(ctx, anna.ID)
			return err == nil && len(fs) == 1
		})
		eventually(t, "follow again", func() bool {
			_, n, err := b.db.Followers(ctx, 0, 10)
			return err == nil && n == 1
		})
		// Account deletion queues PersonDeletedJob with the delete.
		if err := a.db.DeletePerson(ctx, anna.ID); err != nil {
			t.Fatal(err)
		}
		eventually(t, "Delete{Person}", func() bool {
			_, n, err := b.db.Followers(ctx, 0, 10)
			return err == nil && n == 0
		})
		eventually(t, "follows forgotten", func() bool {
			fs, err := a.db.PersonFollowings(ctx, anna.ID)
			followers, err2 := a.db.PersonFollowers(ctx, anna.ID)
			return err == nil && err2 == nil && len(fs) == 0 && len(followers) == 0
		})
		if _, n, err := b.db.Followings(ctx, 0, 10); err != nil || n != 0 {
			t.Errorf("B still follows the deleted resident: %d, %v", n, err)
		}
		// The key outlives the deliveries it signs, and no longer.
		expiry := storetest.Jobs[PersonKeyExpiryJob](t, a.db, PersonKeyExpiryJob{}.Kind())
		if len(expiry) != 1 || expiry[0].PersonID != anna.ID || expiry[0].At.Before(time.Now().Add(MaxDeliveryAge-time.Hour)) {
			t.Fatalf("key expiry jobs %+v, want one for %d after %s", expiry, anna.ID, MaxDeliveryAge)
		}
		if _, err := a.fed.personKey(ctx, anna.ID, false); err != nil {
			t.Errorf("key gone before its deliveries: %v", err)
		}
		if _, err := b.db.ActorByIRI(ctx, annaID); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("B still knows the deleted resident: %v", err)
		}
	})
}
