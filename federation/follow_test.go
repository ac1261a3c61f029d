package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// gtsPeer behaves as GoToSocial does towards a follower: every GET,
// WebFinger included, must be signed; its keyId has no '#'; its actor
// has no sharedInbox. It knows one account, "lib".
type gtsPeer struct {
	srv      *httptest.Server
	unsigned int
	mu       sync.Mutex
	inbox    []map[string]any
}

func newGTSPeer(t testing.TB, follower *testInstance) *gtsPeer {
	t.Helper()
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pemKey, err := EncodePublicKeyPEM(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	p := &gtsPeer{}
	mux := http.NewServeMux()
	signed := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if _, err := Verify(r, body, time.Now(), follower.publicKeyOf); err != nil {
				p.mu.Lock()
				p.unsigned++
				p.mu.Unlock()
				http.Error(w, "Unauthorized", http.StatusUnauthorized)
				return
			}
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			h(w, r)
		}
	}
	mux.HandleFunc("GET /.well-known/webfinger", signed(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("resource") != "acct:lib@"+r.Host {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jrd+json")
		fmt.Fprintf(w, `{"subject":"acct:lib@%s","links":[{"rel":"self","type":"application/activity+json","href":"%s/users/lib"}]}`, r.Host, p.srv.URL)
	}))
	mux.HandleFunc("GET /users/lib", signed(func(w http.ResponseWriter, r *http.Request) {
		id := p.srv.URL + "/users/lib"
		doc, _ := json.Marshal(map[string]any{
			"@context": []any{ActivityStreamsContext, "https://w3id.org/security/v1"},
			"id":       id, "type": "Person", "preferredUsername": "lib", "name": "Bieb GTS",
			"inbox": id + "/inbox", "outbox": id + "/outbox", "followers": id + "/followers",
			"publicKey": map[string]any{"id": id + "/main-key", "owner": id, "publicKeyPem": pemKey},
		})
		w.Header().Set("Content-Type", "application/activity+json")
		_, _ = w.Write(doc)
	}))
	mux.HandleFunc("POST /users/lib/inbox", signed(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		p.inbox = append(p.inbox, m)
		p.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *gtsPeer) received() []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]map[string]any(nil), p.inbox...)
}

func TestFollow(t *testing.T) {
	db := storetest.SQLite(t)
	in := startInstance(t, db, nil)
	ctx := t.Context()
	peer := newGTSPeer(t, in)
	host := iriHost(peer.srv.URL)
	peerActor := peer.srv.URL + "/users/lib"

	var fl *vestiging.Following
	t.Run("OK", func(t *testing.T) {
		var err error
		if fl, err = in.fed.Follow(ctx, "@lib@"+host); err != nil {
			t.Fatalf("follow: %v", err)
		}
		if fl.State != vestiging.FollowPending || fl.Actor.IRI != peerActor || fl.ActivityIRI == "" {
			t.Errorf("following %+v", fl)
		}
		// Its key, at another URL than the actor, is taken when that URL
		// is dereferenced: at its first signed request.
		if fl.Actor.SharedInbox != "" || fl.Actor.KeyID != "" || fl.Actor.Username != "lib" {
			t.Errorf("actor %+v", fl.Actor)
		}
		stored, err := db.FollowingByActor(ctx, fl.Actor.ID)
		if err != nil || stored.State != vestiging.FollowPending || stored.ActivityIRI != fl.ActivityIRI {
			t.Fatalf("stored following %+v, %v", stored, err)
		}
		if got := queuedDeliveries(t, db, fl.ActivityIRI); got != 1 {
			t.Fatalf("%d Follow deliveries queued, want 1", got)
		}
		if err := in.fed.deliver(ctx, DeliverJob{ActivityIRI: fl.ActivityIRI, Inbox: peerActor + "/inbox"}, time.Now()); err != nil {
			t.Fatalf("deliver: %v", err)
		}
		got := peer.received()
		if len(got) != 1 || got[0]["type"] != "Follow" || got[0]["actor"] != ActorID(in.base) || got[0]["object"] != peerActor || got[0]["id"] != fl.ActivityIRI {
			t.Errorf("peer received %v", got)
		}
		if peer.unsigned != 0 {
			t.Errorf("%d unsigned requests", peer.unsigned)
		}
	})
	t.Run("AlreadyFollowing", func(t *testing.T) {
		again, err := in.fed.Follow(ctx, "lib@"+host)
		if err != nil {
			t.Fatal(err)
		}
		if again.ActivityIRI != fl.ActivityIRI {
			t.Errorf("follow again made %s, want the existing %s", again.ActivityIRI, fl.ActivityIRI)
		}
	})
	t.Run("ResolveURL", func(t *testing.T) {
		a, err := in.fed.Resolve(ctx, peerActor)
		if err != nil || a.IRI != peerActor || a.Inbox != peerActor+"/inbox" {
			t.Fatalf("resolve: %+v %v", a, err)
		}
	})

	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jrd+json")
		_, _ = w.Write([]byte("<html>not what you asked for"))
	}))
	t.Cleanup(garbage.Close)
	errs := []struct {
		name, target, code string
	}{
		{"Malformed", "not a handle", vestiging.EINVALID},
		{"MalformedHost", "@lib@bad/host", vestiging.EINVALID},
		{"Self", "@agenda@" + in.base.Host, vestiging.EINVALID},
		{"SelfURL", ActorID(in.base), vestiging.EINVALID},
		{"UnknownHandle", "@nobody@" + host, vestiging.ENOTFOUND},
		{"UnknownURL", peer.srv.URL + "/users/nobody", vestiging.ENOTFOUND},
		{"ServerDown", "@lib@" + iriHost(down.URL), vestiging.EUNAVAILABLE},
		{"Garbage", "@lib@" + iriHost(garbage.URL), vestiging.EUNAVAILABLE},
	}
	for _, tt := range errs {
		t.Run("Err"+tt.name, func(t *testing.T) {
			_, before, err := db.Followings(ctx, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			_, err = in.fed.Follow(ctx, tt.target)
			if got := vestiging.ErrorCode(err); got != tt.code {
				t.Errorf("follow %q: %v (code %q), want %q", tt.target, err, got, tt.code)
			}
			if _, after, _ := db.Followings(ctx, 0, 10); after != before {
				t.Errorf("followings %d → %d after a failed follow", before, after)
			}
		})
	}

	t.Run("Unfollow", func(t *testing.T) {
		if err := in.fed.Unfollow(ctx, fl.Actor.ID); err != nil {
			t.Fatalf("unfollow: %v", err)
		}
		if _, err := db.FollowingByActor(ctx, fl.Actor.ID); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("following after unfollow: %v", err)
		}
		jobs := storetest.Jobs[DeliverJob](t, db, DeliverJob{}.Kind())
		undo := jobs[len(jobs)-1]
		if undo.Inbox != peerActor+"/inbox" || undo.ActivityIRI == fl.ActivityIRI {
			t.Fatalf("last job %+v, want the Undo to the peer", undo)
		}
		if err := in.fed.deliver(ctx, undo, time.Now()); err != nil {
			t.Fatalf("deliver undo: %v", err)
		}
		got := peer.received()
		last := got[len(got)-1]
		obj, _ := last["object"].(map[string]any)
		if last["type"] != "Undo" || obj["id"] != fl.ActivityIRI || obj["type"] != "Follow" {
			t.Errorf("peer received %v", last)
		}
	})
}

// runJobs works the instance's jobs with every federation worker, n at
// once (0: the store's default), until the test ends.
func (in *testInstance) runJobs(t testing.TB, n int) {
	t.Helper()
	workers := river.NewWorkers()
	in.fed.AddWorkers(workers)
	if err := in.db.StartJobs(t.Context(), workers, store.JobsConfig{Workers: n, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.db.StopJobs(context.Background()) })
}

// eventually polls cond until it holds, failing after 15 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 15 s", what)
		}
	}
}

// TestFollowVestiging runs two instances with their River workers: A
// follows B, B's inbox accepts, and B's publishing, cancelling and
// deleting reach A's agenda; after Unfollow B has no follower left.
func TestFollowVestiging(t *testing.T) {
	a := startInstance(t, storetest.SQLite(t), nil)
	dbB := storetest.SQLite(t)
	if os.Getenv(storetest.EnvPostgres) != "" {
		dbB = storetest.Postgres(t)
	}
	b := startInstance(t, dbB, nil)
	a.runJobs(t, 0)
	b.runJobs(t, 0)
	ctx := t.Context()

	fl, err := a.fed.Follow(ctx, "@agenda@"+b.base.Host)
	if err != nil {
		t.Fatalf("follow: %v", err)
	}
	eventually(t, "Accept", func() bool {
		got, err := a.db.FollowingByActor(ctx, fl.Actor.ID)
		return err == nil && got.State == vestiging.FollowAccepted
	})

	branches, err := b.db.Branches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	e := &vestiging.Event{Title: "Schrijfcafé", Status: vestiging.StatusPublished, StartsAt: start, EndsAt: start.Add(2 * time.Hour), BranchID: &branches[0].ID}
	if err := b.db.CreateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	remote := func() *vestiging.Event {
		events, _, err := a.db.FindEvents(ctx, vestiging.EventFilter{Source: vestiging.SourceRemote})
		if err != nil || len(events) != 1 {
			return nil
		}
		return events[0]
	}
	eventually(t, "Create", func() bool { r := remote(); return r != nil && r.Title == "Schrijfcafé" })
	if r := remote(); r.IRI != EventID(b.base, e) || r.OriginID == nil || *r.OriginID != fl.Actor.ID {
		t.Errorf("remote event %s from %v, want %s from %d", r.IRI, r.OriginID, EventID(b.base, e), fl.Actor.ID)
	}

	e.Status = vestiging.StatusCancelled
	if err := b.db.UpdateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Update (cancelled)", func() bool { r := remote(); return r != nil && r.Status == vestiging.StatusCancelled })

	if err := b.db.DeleteEvent(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Delete", func() bool {
		_, n, err := a.db.FindEvents(ctx, vestiging.EventFilter{Source: vestiging.SourceRemote})
		return err == nil && n == 0
	})

	if err := a.fed.Unfollow(ctx, fl.Actor.ID); err != nil {
		t.Fatalf("unfollow: %v", err)
	}
	eventually(t, "Undo", func() bool {
		_, n, err := b.db.Followers(ctx, 0, 10)
		return err == nil && n == 0
	})
}
