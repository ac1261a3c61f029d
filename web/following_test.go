package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// residentFollows records that the resident with email follows actor.
func (e *env) residentFollows(email string, actor *vestiging.Actor, state string) {
	e.t.Helper()
	p, err := e.db.PersonByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatal(err)
	}
	err = e.db.SetPersonFollowing(context.Background(), &vestiging.PersonFollowing{PersonID: p.ID, Actor: actor,
		ActivityIRI: e.srv.URL + "/activities/" + email, State: state})
	if err != nil {
		e.t.Fatal(err)
	}
}

// libraryFollows records that the library follows actor and was accepted:
// the actor's events are then on the public agenda.
func (e *env) libraryFollows(actor *vestiging.Actor) {
	e.t.Helper()
	if err := e.db.SetFollowing(context.Background(), &vestiging.Following{Actor: actor, ActivityIRI: e.srv.URL + "/activities/1",
		State: vestiging.FollowAccepted, CreatedAt: testNow, UpdatedAt: testNow}); err != nil {
		e.t.Fatal(err)
	}
}

func TestDirectory(t *testing.T) {
	e := newFedEnv(t)
	_, actor := e.remoteEvent("Daar", testNow.Add(48*time.Hour))
	e.libraryFollows(actor)
	t.Run("OK", func(t *testing.T) {
		res := e.get(e.client(), "/libraries?lang=en")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "<h1>Libraries</h1>", "Bibliotheek Elders", `<img class="logo" src="https://bieb.example/media/logo-320.png" alt=""`,
			`<div class="summary"><p>De bibliotheek van Elders.</p></div>`, "Our library follows this library.", fmt.Sprintf(`<a href="/agenda?library=%d">1 upcoming activity</a>`, actor.ID),
			`href="/login?next=/libraries"`, "Follow this library on Mastodon")
		wantNotContains(t, res, `action="/account/following"`)
		// In plain words: no handles, servers or fediverse but for Mastodon users.
		i := strings.Index(res.Body, `<h2 id="mastodon">`)
		if i < 0 {
			t.Fatal("no Mastodon part")
		}
		for _, word := range []string{"@agenda@bieb.example", "server", "handle", "fediverse", "network"} {
			if strings.Contains(strings.ToLower(res.Body[strings.Index(res.Body, "<main"):i]), word) {
				t.Errorf("the page says %q before its Mastodon part", word)
			}
		}
	})
	t.Run("OKSignedIn", func(t *testing.T) {
		c := e.signIn("anna@example.nl", vestiging.RoleResident)
		res := e.get(c, "/libraries?lang=en")
		wantContains(t, res, `action="/account/following"`, `value="https://bieb.example/actor"`, "Follow Bibliotheek Elders")
		e.residentFollows("anna@example.nl", actor, vestiging.FollowPending)
		res = e.get(c, "/libraries?lang=en")
		wantContains(t, res, `action="/account/following/unfollow"`, fmt.Sprintf(`name="actor" value="%d"`, actor.ID), "Unfollow Bibliotheek Elders")
	})
	t.Run("OKDutch", func(t *testing.T) {
		res := e.get(e.client(), "/libraries?lang=nl")
		wantContains(t, res, "<h1>Bibliotheken</h1>", "1 komende activiteit", "Onze bibliotheek volgt deze bibliotheek.", "Zit je op Mastodon")
	})
}

func TestMyAgenda(t *testing.T) {
	e := newFedEnv(t)
	b := e.branch("Centrale Bibliotheek")
	e.event("Hier", vestiging.StatusPublished, b, testNow.Add(24*time.Hour))
	e.event("Vorige week", vestiging.StatusPublished, b, testNow.Add(-7*24*time.Hour))
	e.event("Gisteren", vestiging.StatusPublished, b, testNow.Add(-24*time.Hour))
	_, actor := e.remoteEvent("Daar", testNow.Add(48*time.Hour))

	t.Run("ErrNotSignedIn", func(t *testing.T) {
		res := e.get(e.client(), "/my/agenda")
		wantStatus(t, res, http.StatusSeeOther)
		if got, want := res.Location, "/login?next=%2Fmy%2Fagenda"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	c := e.signIn("anna@example.nl", vestiging.RoleResident)
	t.Run("OK", func(t *testing.T) {
		res := e.get(c, "/my/agenda?lang=en")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "<h1>My agenda</h1>", `action="/my/agenda"`, ">Hier</a>")
		wantNotContains(t, res, ">Daar</a>", ">Gisteren</a>")
		// Pending follows do not count; accepted ones do.
		e.residentFollows("anna@example.nl", actor, vestiging.FollowPending)
		wantNotContains(t, e.get(c, "/my/agenda"), ">Daar</a>")
		e.residentFollows("anna@example.nl", actor, vestiging.FollowAccepted)
		res = e.get(c, "/my/agenda")
		wantContains(t, res, ">Hier</a>", ">Daar</a>", fmt.Sprintf(`<option value="%d"`, actor.ID))
		// The public agenda has what the library follows, not what only
		// residents do.
		res = e.get(e.client(), "/agenda")
		wantContains(t, res, ">Hier</a>")
		wantNotContains(t, res, ">Daar</a>")
	})
	e.libraryFollows(actor)
	t.Run("OKFilters", func(t *testing.T) {
		for _, tc := range []struct {
			query     string
			want, not []string
		}{
			{"place=elders", []string{">Daar</a>"}, []string{">Hier</a>"}},
			{"place=DORP", []string{">Hier</a>"}, []string{">Daar</a>"}},
			{"place=1234", []string{">Hier</a>"}, []string{">Daar</a>"}},
			{"place=9999", nil, []string{">Hier</a>", ">Daar</a>"}},
			{fmt.Sprintf("library=%d", actor.ID), []string{">Daar</a>"}, []string{">Hier</a>"}},
			{"library=local", []string{">Hier</a>"}, []string{">Daar</a>"}},
		} {
			for _, path := range []string{"/my/agenda", "/agenda"} {
				t.Run(path+"?"+tc.query, func(t *testing.T) {
					res := e.get(c, path+"?"+tc.query)
					wantStatus(t, res, http.StatusOK)
					wantContains(t, res, tc.want...)
					wantNotContains(t, res, tc.not...)
				})
			}
		}
	})
	t.Run("OKArchive", func(t *testing.T) {
		for _, path := range []string{"/my/agenda", "/agenda"} {
			res := e.get(c, path+"?archive=1")
			wantStatus(t, res, http.StatusOK)
			wantNotContains(t, res, ">Hier</a>", ">Daar</a>")
			gisteren, vorige := strings.Index(res.Body, ">Gisteren</a>"), strings.Index(res.Body, ">Vorige week</a>")
			if gisteren < 0 || vorige < 0 || gisteren > vorige {
				t.Errorf("%s archive: want yesterday before last week, got positions %d and %d", path, gisteren, vorige)
			}
		}
		res := e.get(c, "/agenda?archive=1&from="+testNow.Add(-3*24*time.Hour).Format(time.DateOnly))
		wantContains(t, res, ">Gisteren</a>")
		wantNotContains(t, res, ">Vorige week</a>")
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		res := e.get(c, "/my/agenda?lang=en&place="+strings.Repeat("x", 101))
		wantStatus(t, res, http.StatusBadRequest)
		wantContains(t, res, `id="place-error"`, "This text is too long.")
		res = e.get(c, "/my/agenda?page=10000000")
		wantStatus(t, res, http.StatusBadRequest)
	})
}

func TestResidentFollowForm(t *testing.T) {
	e := newFedEnv(t)
	c := e.signIn("anna@example.nl", vestiging.RoleResident)
	t.Run("ErrNotSignedIn", func(t *testing.T) {
		res := e.get(e.client(), "/account/following")
		wantStatus(t, res, http.StatusSeeOther)
		res = e.post(e.client(), "/account/following", url.Values{"target": {"@agenda@bieb.example"}})
		wantStatus(t, res, http.StatusSeeOther)
	})
	t.Run("OK", func(t *testing.T) {
		res := e.get(c, "/account/following?lang=en")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "<h1>Libraries you follow</h1>", `<label for="target">Handle or address</label>`, "You follow no library yet.")
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, tc := range []struct {
			target string
			status int
			msg    string
		}{
			{"", http.StatusUnprocessableEntity, "Give a handle such as @agenda@bibliotheek.example.nl, or an address."},
			// A resident without a handle or a confirmed address cannot follow yet.
			{"@agenda@bieb.example", http.StatusForbidden, "Choose a handle for your account before you follow libraries."},
		} {
			res := e.post(c, "/account/following?lang=en", url.Values{"target": {tc.target}})
			wantStatus(t, res, tc.status)
			wantContains(t, res, `id="target-error"`, `aria-describedby="target-error`, tc.msg)
		}
		if fs, err := e.db.PersonFollowings(context.Background(), 1); err != nil || len(fs) != 0 {
			t.Errorf("follows stored: %d, %v", len(fs), err)
		}
	})
	t.Run("ErrUnavailable", func(t *testing.T) {
		ctx := context.Background()
		p, err := e.db.PersonByEmail(ctx, "anna@example.nl")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		p.Handle, p.ConfirmedAt = "anna", &now
		if err := e.db.UpdatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		// A port nobody listens on, and a server that answers garbage.
		garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("<html>no</html>"))
		}))
		defer garbage.Close()
		for _, target := range []string{"@agenda@127.0.0.1:1", "@agenda@" + strings.TrimPrefix(garbage.URL, "http://"),
			garbage.URL + "/actor", "agenda", "@@"} {
			res := e.post(c, "/account/following?lang=en", url.Values{"target": {target}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, `id="target-error"`)
		}
		if fs, err := e.db.PersonFollowings(ctx, p.ID); err != nil || len(fs) != 0 {
			t.Errorf("follows stored: %d, %v", len(fs), err)
		}
	})
}

// runJobs works e's federation jobs until the test ends.
func (e *env) runJobs() {
	e.t.Helper()
	workers := river.NewWorkers()
	e.fed.AddWorkers(workers)
	if err := e.db.StartJobs(e.t.Context(), workers, store.JobsConfig{Logger: slog.New(slog.DiscardHandler)}); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { e.db.StopJobs(context.Background()) })
}

// eventually waits for cond, failing after 15 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 15 s", what)
		}
	}
}

// follower signs in a resident who may follow libraries: with a handle
// and a confirmed address.
func (e *env) follower(email, handle string) (*http.Client, *vestiging.Person) {
	e.t.Helper()
	c := e.signIn(email, vestiging.RoleResident)
	p, err := e.db.PersonByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatal(err)
	}
	p.Handle, p.ConfirmedAt = handle, &testNow
	if err := e.db.UpdatePerson(context.Background(), p); err != nil {
		e.t.Fatal(err)
	}
	return c, p
}

// TestResidentFollowsAcrossInstances: a resident of A follows B's library
// from the page, as their own actor; B's event shows in their agenda on A,
// not in another resident's; unfollowing from the page reaches B.
func TestResidentFollowsAcrossInstances(t *testing.T) {
	a, b := newFedEnv(t), newFedEnv(t)
	a.runJobs()
	b.runJobs()
	ctx := context.Background()
	b.event("Schrijfcafé in B", vestiging.StatusPublished, b.branch("Bibliotheek B"), testNow.Add(48*time.Hour))
	c, p := a.follower("anna@example.nl", "anna")
	other := a.signIn("bram@example.nl", vestiging.RoleResident)

	bHost := strings.TrimPrefix(b.srv.URL, "http://")
	res := a.post(c, "/account/following", url.Values{"target": {"@agenda@" + bHost}})
	wantStatus(t, res, http.StatusSeeOther)
	eventually(t, "B's event in anna's agenda", func() bool {
		return strings.Contains(a.get(c, "/my/agenda").Body, ">Schrijfcafé in B</a>")
	})
	fs, n, err := b.db.Followers(ctx, 0, 10)
	if err != nil || n != 1 || fs[0].Actor.IRI != a.srv.URL+"/users/anna" || fs[0].Actor.Type != "Person" {
		t.Fatalf("B's followers: %d, %v", n, err)
	}
	wantContains(t, a.get(c, "/account/following?lang=en"), "Following", "@agenda@"+bHost)
	wantNotContains(t, a.get(other, "/my/agenda"), ">Schrijfcafé in B</a>")
	// Only a resident follows B: not on A's public agenda.
	wantNotContains(t, a.get(a.client(), "/agenda"), ">Schrijfcafé in B</a>")

	// Another's follow or none: nothing to undo.
	res = a.post(other, "/account/following/unfollow", url.Values{"actor": {"1"}})
	wantStatus(t, res, http.StatusNotFound)
	following, err := a.db.PersonFollowings(ctx, p.ID)
	if err != nil || len(following) != 1 {
		t.Fatalf("anna's follows: %d, %v", len(following), err)
	}
	res = a.post(c, "/account/following/unfollow", url.Values{"actor": {fmt.Sprint(following[0].Actor.ID)}})
	wantStatus(t, res, http.StatusSeeOther)
	eventually(t, "Undo reaches B", func() bool {
		_, n, err := b.db.Followers(ctx, 0, 10)
		return err == nil && n == 0
	})
	wantNotContains(t, a.get(c, "/my/agenda"), ">Schrijfcafé in B</a>")
}

// TestResidentFollowsNotPublic: issue 11, finding 7. A resident of A
// follows B, an Organization. B's Create, signed by B and delivered to A's
// inbox, is stored for the resident: on their agenda, feed and the event's
// page, not on A's public agenda, home page, feeds, JSON API, embed or the
// event's page for others, until A's library follows B too.
func TestResidentFollowsNotPublic(t *testing.T) {
	for _, backend := range storetest.Openers() {
		t.Run(backend.Name, func(t *testing.T) {
			clock := storetest.NewClock(testNow)
			a, b := newFedEnvWith(t, backend.Open(t, clock.Now), clock), newFedEnv(t)
			a.runJobs()
			b.runJobs()
			ctx := t.Context()
			c, anna := a.follower("anna@example.nl", "anna")
			other := a.signIn("bram@example.nl", vestiging.RoleResident)
			bHost := strings.TrimPrefix(b.srv.URL, "http://")
			wantStatus(t, a.post(c, "/account/following", url.Values{"target": {"@agenda@" + bHost}}), http.StatusSeeOther)
			eventually(t, "B accepts anna's follow", func() bool {
				fs, err := a.db.PersonFollowings(ctx, anna.ID)
				return err == nil && len(fs) == 1 && fs[0].State == vestiging.FollowAccepted
			})

			eventually(t, "A's backfill of B done", func() bool {
				var n int
				err := a.db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'backfill'
					AND state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&n)
				return err == nil && n == 0
			})
			// Published after the follow and its backfill: it reaches A only
			// as B's signed Create, delivered to A's inbox.
			b.event("Lezing in B", vestiging.StatusPublished, b.branch("Bibliotheek B"), testNow.Add(72*time.Hour))
			var stored *vestiging.Event
			eventually(t, "B's Create stored on A", func() bool {
				events, _, err := a.db.FindEvents(ctx, vestiging.EventFilter{Source: vestiging.SourceRemote})
				if err == nil && len(events) == 1 {
					stored = events[0]
				}
				return stored != nil
			})
			page := fmt.Sprintf("/events/%d", stored.ID)
			mine := []string{"/my/agenda", makeFeed(t, a, c), page}
			public := []string{"/", "/agenda", "/agenda?library=remote", "/agenda?q=lezing", "/agenda?view=month", "/agenda.ics",
				"/agenda.atom", "/api/v1/events", "/api/v1/events?q=lezing", "/embed/agenda"}
			for _, path := range mine {
				wantContains(t, a.get(c, path), "Lezing in B")
			}
			for _, path := range public {
				res := a.get(a.client(), path)
				wantStatus(t, res, http.StatusOK)
				wantNotContains(t, res, "Lezing in B")
			}
			for _, path := range []string{page, "/api/v1/events/" + fmt.Sprint(stored.ID)} {
				wantStatus(t, a.get(a.client(), path), http.StatusNotFound)
				wantStatus(t, a.get(other, path), http.StatusNotFound)
			}
			wantNotContains(t, a.get(other, "/my/agenda"), "Lezing in B")

			// A's library follows B as well: now it is the library's to show.
			if _, err := a.fed.Follow(ctx, "@agenda@"+bHost); err != nil {
				t.Fatal(err)
			}
			eventually(t, "B accepts the library's follow", func() bool {
				fs, _, err := a.db.Followings(ctx, 0, 10)
				return err == nil && len(fs) == 1 && fs[0].State == vestiging.FollowAccepted
			})
			for _, path := range append(public, page, "/api/v1/events/"+fmt.Sprint(stored.ID)) {
				if strings.HasPrefix(path, "/agenda?view=month") {
					continue // the month shows the current one, not the event's
				}
				wantContains(t, a.get(a.client(), path), "Lezing in B")
			}
		})
	}
}
