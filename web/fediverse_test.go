package web

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

// TestReactionCounts: the page of an event liked and shared in the
// fediverse says how often, in the reader's language; without
// reactions it says nothing.
func TestReactionCounts(t *testing.T) {
	e := newEnv(t)
	ev := e.event("Voorleesuur", vestiging.StatusPublished, e.branch("Centrum"), time.Now().Add(72*time.Hour))
	quiet := e.event("Stil", vestiging.StatusPublished, e.branch("Oost"), time.Now().Add(96*time.Hour))
	for i, kind := range []string{vestiging.ReactionShare, vestiging.ReactionShare, vestiging.ReactionLike} {
		a := &vestiging.Actor{IRI: "https://m.example/users/" + string(rune('a'+i)), Type: "Person", Inbox: "https://m.example/inbox"}
		if err := e.db.UpsertActor(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.AddReaction(t.Context(), &vestiging.Reaction{ObjectType: vestiging.ReplyToEvent, ObjectID: ev.ID,
			ActorID: a.ID, Kind: kind, ActivityIRI: a.IRI + "/likes/1"}); err != nil {
			t.Fatal(err)
		}
	}
	path := fmt.Sprintf("/events/%d", ev.ID)
	wantContains(t, e.get(e.client(), path), `<p class="reactions">2 keer gedeeld, 1 vind-ik-leuk</p>`)
	wantContains(t, e.get(e.client(), path+"?lang=en"), `<p class="reactions">shared 2 times, 1 like</p>`)
	wantNotContains(t, e.get(e.client(), fmt.Sprintf("/events/%d", quiet.ID)), `class="reactions"`)
}

// TestAuthorizeInteraction: our page for someone who comes from their
// account elsewhere (our WebFinger's template) shows our own object's page,
// offers a signed-in resident to follow one elsewhere from here, asks
// others to sign in, and refuses what is no address.
func TestAuthorizeInteraction(t *testing.T) {
	e := newFedEnv(t)
	ev := e.event("Voorleesuur", vestiging.StatusPublished, e.branch("Centrum"), testNow.Add(48*time.Hour))
	remote := "https://bibliotheek-b.example/actor"
	path := func(uri string) string { return "/authorize_interaction?uri=" + url.QueryEscape(uri) }

	t.Run("Ours", func(t *testing.T) {
		res := e.get(e.client(), path(fmt.Sprintf("%s/events/%d", e.srv.URL, ev.ID)))
		wantStatus(t, res, http.StatusSeeOther)
		if got, want := res.Location, fmt.Sprintf("/events/%d", ev.ID); got != want {
			t.Errorf("location %q, want %q", got, want)
		}
		if res := e.get(e.client(), path(e.srv.URL+"/actor")); res.Location != "/library" {
			t.Errorf("the library's actor: location %q, want /library", res.Location)
		}
	})
	t.Run("Elsewhere", func(t *testing.T) {
		res := e.get(e.client(), path(remote))
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Volgen of reageren vanaf je eigen server", remote,
			`href="/login?next=`+url.QueryEscape(path(remote))+`"`)
		resident := e.signIn("anna@example.nl", vestiging.RoleResident)
		res = e.get(resident, path(remote))
		wantContains(t, res, `action="/account/following"`, `name="target" value="`+remote+`"`, "Volgen met mijn account hier")
	})
	t.Run("ErrNoAddress", func(t *testing.T) {
		for _, uri := range []string{"", "javascript:alert(1)", "mijn server"} {
			wantStatus(t, e.get(e.client(), path(uri)), http.StatusBadRequest)
		}
	})
	t.Run("ErrNotOurs", func(t *testing.T) {
		res := e.post(e.client(), "/interact", url.Values{"uri": {remote}, "account": {"mastodon.social"}})
		wantStatus(t, res, http.StatusBadRequest)
	})
}
