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

func TestDirectory(t *testing.T) {
	e := newFedEnv(t)
	_, actor := e.remoteEvent("Daar", testNow.Add(48*time.Hour))
	if err := e.db.SetFollowing(context.Background(), &vestiging.Following{Actor: actor, ActivityIRI: e.srv.URL + "/activities/1",
		State: vestiging.FollowAccepted}); err != nil {
		t.Fatal(err)
	}
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
		// The network agenda has everything, for everyone.
		wantContains(t, e.get(e.client(), "/agenda"), ">Hier</a>", ">Daar</a>")
	})
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

// TestResidentFollowsAcrossInstances: a resident of A follows B's library
// from the page, as their own actor; B's event shows in their agenda on A,
// not in another resident's; unfollowing from the page reaches B.
func TestResidentFollowsAcrossInstances(t *testing.T) {
	a, b := newFedEnv(t), newFedEnv(t)
	a.runJobs()
	b.runJobs()
	ctx := context.Background()
	b.event("Schrijfcafé in B", vestiging.StatusPublished, b.branch("Bibliotheek B"), testNow.Add(48*time.Hour))
	c := a.signIn("anna@example.nl", vestiging.RoleResident)
	other := a.signIn("bram@example.nl", vestiging.RoleResident)
	p, err := a.db.PersonByEmail(ctx, "anna@example.nl")
	if err != nil {
		t.Fatal(err)
	}
	p.Handle, p.ConfirmedAt = "anna", &testNow
	if err := a.db.UpdatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}

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
	wantContains(t, a.get(a.client(), "/agenda"), ">Schrijfcafé in B</a>")

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
