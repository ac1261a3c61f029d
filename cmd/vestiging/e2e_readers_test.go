package main

// What followers on GoToSocial and Mastodon see of the library's posts
// (issue 12). The two functions below apply each server's rule, as their
// sources and a real GoToSocial 0.20 (../shared/fixtures/gotosocial/
// api-status-vestiging-event.json) show it, to an object as the server
// receives or fetches it.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
	"github.com/vestiging/vestiging/store/storetest"
)

// readerView is what a follower sees of a post before opening anything:
// its visible text, plain, and the address the post links to.
type readerView struct {
	Visible string
	Link    string
	// Hidden is the text behind a content warning, shown once opened.
	Hidden string
}

// lacks reports which of want the visible text lacks.
func (v readerView) lacks(want ...string) []string {
	var missing []string
	for _, w := range want {
		if !strings.Contains(v.Visible, w) {
			missing = append(missing, w)
		}
	}
	return missing
}

// gotoSocialView applies GoToSocial's rule (typeutils.ASStatusToStatus and
// the client API's status): the status links to the object's first url,
// else its id; its content warning is summary when there is one, else
// name; a summary go-fed parses as a URL with a scheme is kept as that IRI
// (scheme lower-cased, fragment escaped); the API gives the warning as
// plain text, and a post with one shows nothing else until it is opened;
// one without shows its content.
func gotoSocialView(obj map[string]any) readerView {
	v := readerView{Link: firstString(obj["url"])}
	if v.Link == "" {
		v.Link, _ = obj["id"].(string)
	}
	warning, _ := obj["summary"].(string)
	if u, err := url.Parse(warning); err == nil && u.Scheme != "" {
		warning = u.String()
	}
	if warning == "" {
		warning, _ = obj["name"].(string)
	}
	content, _ := obj["content"].(string)
	if warning == "" {
		v.Visible = vestiging.PlainText(content)
		return v
	}
	v.Visible, v.Hidden = vestiging.PlainText(warning), vestiging.PlainText(content)
	return v
}

// mastodonView applies Mastodon's rule (ActivityPub::Parser::StatusParser):
// an Image, Audio, Video, Article, Page or Event is converted into a status
// whose text is the name as a heading, the summary and a link to its url
// (else its id), with no content warning; content, times and places are
// dropped. A Note shows its summary as a content warning over its content,
// or its content.
func mastodonView(obj map[string]any) readerView {
	link := firstString(obj["url"])
	if link == "" {
		link, _ = obj["id"].(string)
	}
	v := readerView{Link: link}
	text := func(k string) string { s, _ := obj[k].(string); return s }
	typ, _ := obj["type"].(string)
	if slices.Contains([]string{"Image", "Audio", "Video", "Article", "Page", "Event"}, typ) {
		var parts []string
		if name := text("name"); name != "" {
			parts = append(parts, "<h2>"+name+"</h2>")
		}
		if summary := text("summary"); summary != "" {
			parts = append(parts, summary)
		}
		parts = append(parts, `<a href="`+link+`">`+link+`</a>`)
		v.Visible = vestiging.PlainText(strings.Join(parts, "\n\n"))
		return v
	}
	if summary := text("summary"); summary != "" {
		v.Visible, v.Hidden = vestiging.PlainText(summary), vestiging.PlainText(text("content"))
		return v
	}
	v.Visible = vestiging.PlainText(text("content"))
	return v
}

// firstString is a url property's first value: an IRI, or a Link's href.
func firstString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		if len(x) > 0 {
			return firstString(x[0])
		}
	case map[string]any:
		s, _ := x["href"].(string)
		return s
	}
	return ""
}

// e2eDatabases names the databases an end-to-end test runs an instance on:
// SQLite, and PostgreSQL when VESTIGING_TEST_POSTGRES is set.
func e2eDatabases(t *testing.T) map[string]func(t *testing.T) string {
	t.Helper()
	dbs := map[string]func(t *testing.T) string{"sqlite": func(*testing.T) string { return "" }}
	if pg := os.Getenv(storetest.EnvPostgres); pg != "" {
		dbs["postgres"] = func(t *testing.T) string { return storetest.CreatePostgresDatabase(t, pg) }
	} else {
		t.Logf("%s is not set: SQLite only", storetest.EnvPostgres)
	}
	return dbs
}

// TestWhatFollowersSee: a Mastodon-like peer follows library A; A publishes
// an event (written as a draft two days before), a course and a resident's
// offer, and a resident's reply, and what a GoToSocial reader and a
// Mastodon reader see of each, without opening anything, names the title,
// when, where and links the page (of a reply: its text, and the event it
// answers). The event is dated when it was published, not when it was
// written.
func TestWhatFollowersSee(t *testing.T) {
	for name, database := range e2eDatabases(t) {
		t.Run(name, func(t *testing.T) { testWhatFollowersSee(t, database(t)) })
	}
}

func testWhatFollowersSee(t *testing.T, database string) {
	ctx := t.Context()
	// A's clock runs two days behind while the draft is written.
	var behind atomic.Int64
	behind.Store(int64(48 * time.Hour))
	a := startNode(t, "A", database, true, func(c *serveConfig) {
		c.Clock = func() time.Time { return time.Now().Add(-time.Duration(behind.Load())).UTC() }
	})
	a.rename("Bibliotheek Aalten")
	loc := amsterdam(t)
	day := time.Now().AddDate(0, 0, 20).In(loc)
	start := time.Date(day.Year(), day.Month(), day.Day(), 14, 30, 0, 0, loc)
	form := a.eventForm("Voorlezen aan de Slinge", start)
	form.Set("action", "save")
	draft := a.submit("/staff/events/new", form)
	behind.Store(0)
	written := time.Now().Add(-47 * time.Hour)

	peer := newMastodonPeer(t)
	peer.follow(t, a.actorID(), a.URL+"/actor/inbox")
	branches, err := a.DB.Branches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	branch := branches[0]
	date := func(tm time.Time) string { return vestiging.FormatDate("nl", tm.In(loc)) }

	// seen checks both readers' views of obj.
	seen := func(t *testing.T, obj map[string]any, link string, want ...string) {
		t.Helper()
		for reader, view := range map[string]readerView{"GoToSocial": gotoSocialView(obj), "Mastodon": mastodonView(obj)} {
			if missing := view.lacks(want...); len(missing) > 0 || view.Link != link {
				t.Errorf("a %s reader sees %q linking %q: it lacks %q, or the link is not %s", reader, view.Visible, view.Link, missing, link)
			}
		}
	}

	t.Run("Event", func(t *testing.T) {
		iri := a.URL + draft.Location
		before := time.Now().Truncate(time.Second)
		a.submit("/staff/events/"+localID(t, iri)+"/publish", nil)
		obj := peer.await(t, "Create", iri)
		seen(t, obj, iri, "Voorlezen aan de Slinge", date(start), "14:30–16:00", branch.Name, branch.City)
		published, err := time.Parse(time.RFC3339, fmt.Sprint(obj["published"]))
		if err != nil || published.Before(before) {
			t.Errorf("published %v, want the publication (after %s), not the draft's %s", obj["published"], before, written)
		}
	})

	t.Run("Course", func(t *testing.T) {
		form := url.Values{"title": {"Digitaal de baas"}, "description": {"<p>Drie ochtenden oefenen.</p>"},
			"time_zone": {"Europe/Amsterdam"}, "audiences": {vestiging.AudienceAll}, "language": {"nl"}, "places": {"unlimited"},
			"registration_mode": {vestiging.RegistrationNone}, "action": {"publish"}, "rows": {"3"}}
		for i := range 3 {
			p := fmt.Sprintf("s%d_", i)
			form.Set(p+"date", start.AddDate(0, 0, 7*i).Format(time.DateOnly))
			form.Set(p+"start", "10:00")
			form.Set(p+"end", "12:00")
			form.Set(p+"branch_id", strconv.FormatInt(branch.ID, 10))
		}
		iri := a.URL + a.submit("/staff/courses/new", form).Location
		obj := peer.await(t, "Create", iri)
		seen(t, obj, iri, "Digitaal de baas", "3 bijeenkomsten", date(start), "10:00–12:00", date(start.AddDate(0, 0, 14)), branch.Name)
	})

	t.Run("Offer", func(t *testing.T) {
		anna, err := a.DB.PersonByHandle(ctx, "anna")
		if err != nil {
			t.Fatal(err)
		}
		o := &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: "Hulp met je smartphone", Description: "<p>Op dinsdagmiddag.</p>",
			Theme: "digitale-vaardigheden", Area: "Aalten", AuthorID: anna.ID, Status: vestiging.OfferApproved}
		if err := a.DB.CreateOffer(ctx, o); err != nil {
			t.Fatal(err)
		}
		iri := federation.OfferID(a.cfg.BaseURL, o.ID)
		peer.await(t, "Announce", iri)
		// Both servers fetch an announced object from its origin, signed.
		seen(t, fetched(t, peer, iri), iri, "Hulp met je smartphone", "Aanbod", "Digitale vaardigheden", "Aalten")
		// Mastodon links a boost to the Announce's id: a browser gets the page.
		for _, d := range peer.deliveries("Announce") {
			if d.Activity["object"] == iri {
				id := fmt.Sprint(d.Activity["id"])
				if res := a.do(browser(t), http.MethodGet, strings.TrimPrefix(id, a.URL), nil); res.Status != http.StatusSeeOther || res.Location != iri {
					t.Errorf("a browser opening the boost %s: %d to %q, want 303 to %s", id, res.Status, res.Location, iri)
				}
			}
		}
	})

	t.Run("Reply", func(t *testing.T) {
		// Anna answers the event; the library shares her reply, so servers
		// that take a Create only from actors their users follow show it.
		anna, err := a.DB.PersonByHandle(ctx, "anna")
		if err != nil {
			t.Fatal(err)
		}
		eventIRI := a.URL + draft.Location
		id, _ := strconv.ParseInt(localID(t, eventIRI), 10, 64)
		r := &vestiging.Reply{ObjectType: vestiging.ReplyToEvent, ObjectID: id, PersonID: anna.ID, Content: "<p>Wij komen met de hele klas!</p>"}
		if err := a.DB.CreateReply(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.Status != vestiging.ReplyApproved {
			if err := a.DB.SetReplyStatus(ctx, r.ID, vestiging.ReplyApproved, "", nil); err != nil {
				t.Fatal(err)
			}
		}
		noteIRI := federation.ReplyID(a.cfg.BaseURL, r.ID)
		peer.await(t, "Announce", noteIRI)
		note := fetched(t, peer, noteIRI)
		seen(t, note, noteIRI, "Wij komen met de hele klas!")
		// What it answers is the event, whose line says what, when, where.
		if note["inReplyTo"] != eventIRI {
			t.Fatalf("inReplyTo %v, want %s", note["inReplyTo"], eventIRI)
		}
		event := fetched(t, peer, eventIRI)
		seen(t, event, eventIRI, "Voorlezen aan de Slinge", date(start), branch.Name)
		page := fetched(t, peer, fmt.Sprint(event["replies"])+"?page=1")
		if items, _ := page["orderedItems"].([]any); !slices.Contains(items, any(noteIRI)) {
			t.Errorf("the event's replies %v lack the reply %s", page, noteIRI)
		}
	})
	if r := peer.refusals(); len(r) > 0 {
		t.Errorf("the peer refused: %v", r)
	}
}

// fetched is what peer gets for a signed GET of iri, decoded.
func fetched(t *testing.T, peer *mastodonPeer, iri string) map[string]any {
	t.Helper()
	body, err := peer.get(t.Context(), iri)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}
