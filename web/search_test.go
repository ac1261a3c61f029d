package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
	"github.com/vestiging/vestiging/store/storetest"
)

func TestAgendaSearch(t *testing.T) {
	e := newEnv(t)
	b := e.branch("Centrale Bibliotheek")
	// The description match starts first; the title match ranks first.
	e.event("Spellenmiddag", vestiging.StatusPublished, b, testNow.Add(24*time.Hour), func(ev *vestiging.Event) {
		ev.Description = "<p>Met fietsen en schaken.</p>"
	})
	e.event("Fietsen voor beginners", vestiging.StatusPublished, b, testNow.Add(48*time.Hour), func(ev *vestiging.Event) {
		ev.Themes = []string{"digitale-vaardigheden"}
	})
	e.event("Voorleesuur", vestiging.StatusPublished, b, testNow.Add(72*time.Hour))
	storetest.SeedEvents(t, e.db, 25, testNow.Add(96*time.Hour)) // "Activiteit 1" to "Activiteit 25"
	c := e.client()
	q := func(s string) string { return "/agenda?q=" + url.QueryEscape(s) }

	tests := []struct {
		name   string
		path   string
		status int
		want   []string
		not    []string
	}{
		{"OK", q("fiets"), 200, []string{"2 activiteiten gevonden", `<input id="q" name="q" type="search" value="fiets"`,
			`<label for="q">Zoeken</label>`, `aria-describedby="q-hint"`}, []string{"Voorleesuur"}},
		{"Dutch plural and case", q("FIETSEN"), 200, []string{"2 activiteiten gevonden", "Spellenmiddag", "Fietsen voor beginners"}, nil},
		{"Title and place", q("voorlees Centrale"), 200, []string{"1 activiteit gevonden", "Voorleesuur"}, nil},
		{"With filters", q("fiets") + "&theme=leesplezier", 200, []string{"1 activiteit gevonden", "Spellenmiddag",
			`<option value="leesplezier" selected>`}, []string{"Fietsen voor beginners<"}},
		{"Paging keeps the search", q("activiteit"), 200, []string{"25 activiteiten gevonden", `href="/agenda?page=2&amp;q=activiteit" rel="next"`}, nil},
		{"Second page", q("activiteit") + "&page=2", 200, []string{`href="/agenda?q=activiteit" rel="prev"`}, []string{`rel="next"`}},
		{"No results", q("sterrenkunde"), 200, []string{"0 activiteiten gevonden",
			"Niets gevonden voor “sterrenkunde”. Probeer andere of minder woorden, of wis de filters."}, []string{"Geen activiteiten gevonden."}},
		{"Blank is no search", q("   "), 200, []string{"28 activiteiten gevonden"}, nil},
		{"SQL", q(`'; DROP TABLE events; --`), 200, []string{"0 activiteiten gevonden",
			"Niets gevonden voor “&#39;; DROP TABLE events; --”."}, nil},
		{"SQL around a word", q(`fiets' OR '1'='1`), 200, []string{"0 activiteiten gevonden"}, nil},
		{"Quotes and FTS syntax", q(`"fiets* NEAR(`), 200, []string{"0 activiteiten gevonden"}, nil},
		{"Only syntax", q(`"*"`), 200, []string{"28 activiteiten gevonden"}, nil},
		{"HTML", q(`"><script>alert(1)</script>`), 200, []string{"0 activiteiten gevonden",
			`value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`, "Niets gevonden voor “&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;”."},
			[]string{"<script>"}},
		{"ErrTooLong", q(strings.Repeat("boek ", 50)), 400, []string{"Deze tekst is te lang.", `id="q-error"`,
			`aria-describedby="q-error q-hint"`}, []string{"Voorleesuur"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.get(c, tt.path)
			wantStatus(t, res, tt.status)
			wantContains(t, res, tt.want...)
			wantNotContains(t, res, tt.not...)
		})
	}
	t.Run("NoResultsInEnglish", func(t *testing.T) {
		res := e.get(e.client(), q("sterrenkunde")+"&lang=en")
		wantContains(t, res, "Nothing found for “sterrenkunde”. Try other or fewer words, or clear the filters.")
	})
	t.Run("Ranked", func(t *testing.T) {
		res := e.get(c, q("fietsen"))
		if title, desc := strings.Index(res.Body, "Fietsen voor beginners<"), strings.Index(res.Body, "Spellenmiddag<"); title < 0 || desc < title {
			t.Errorf("title match at %d, description match at %d: want the title match first", title, desc)
		}
	})
	t.Run("NothingChanged", func(t *testing.T) {
		if got := len(e.events()); got != 28 {
			t.Errorf("%d events after the searches, want 28", got)
		}
	})
}

// hostileEvent is what a malicious or careless library could publish:
// scripts, event handlers, javascript: links, styles and frames in every
// text field.
const hostileEvent = `{
	"@context": "https://www.w3.org/ns/activitystreams",
	"type": "Event",
	"id": "https://bieb.example/events/666",
	"url": "https://bieb.example/events/666",
	"attributedTo": "https://bieb.example/actor",
	"name": "Kwaadaardig <script>alert('naam')</script>",
	"content": "<p>Welkom</p><script>alert(1)</script><img src=x onerror=alert(2)><a href=\"javascript:alert(3)\">klik</a><a href=\"https://bieb.example/info\" onclick=\"alert(4)\" style=\"color:red\">meer</a><iframe src=\"https://evil.example/\"></iframe>",
	"startTime": "2026-03-05T18:00:00Z",
	"endTime": "2026-03-05T20:00:00Z",
	"location": {"type": "Place", "name": "Zaal <img src=x onerror=alert(5)>",
		"address": {"type": "PostalAddress", "streetAddress": "<b onmouseover=alert(6)>Kerkstraat 2</b>", "addressLocality": "Elders"}}
}`

// TestRemoteContentSafe: a remote event, converted as the inbox converts
// it, shows on every page a resident sees it without anything that runs,
// and always with the library it came from, linked.
func TestRemoteContentSafe(t *testing.T) {
	e := newFedEnv(t)
	ctx := context.Background()
	a := &vestiging.Actor{IRI: "https://bieb.example/actor", Type: "Organization", Username: "agenda", Host: "bieb.example",
		Name: `Bibliotheek <i onclick="alert(7)">Elders</i>`, URL: "https://bieb.example/library",
		// A row written by another path than the federation, which sanitises it.
		Summary: `<p onclick="alert(8)">Over ons<script>alert(9)</script></p>`,
		Inbox:   "https://bieb.example/actor/inbox", FetchedAt: testNow}
	if err := e.db.UpsertActor(ctx, a); err != nil {
		t.Fatal(err)
	}
	e.libraryFollows(a)
	remote, err := federation.ParseRemoteEvent([]byte(hostileEvent))
	if err != nil {
		t.Fatal(err)
	}
	ev := remote.Event(nil)
	ev.OriginID = &a.ID
	if err := e.db.UpsertRemoteEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	origin := `<a href="https://bieb.example/library" rel="nofollow noopener">Van Bibliotheek &lt;i onclick=&#34;alert(7)&#34;&gt;Elders&lt;/i&gt;</a>` +
		` · <a href="https://bieb.example/events/666" rel="nofollow noopener">`
	for _, path := range []string{"/", "/agenda", "/agenda?q=kwaadaardig", fmt.Sprintf("/agenda?library=%d", a.ID),
		fmt.Sprintf("/events/%d", ev.ID)} {
		t.Run(path, func(t *testing.T) {
			res := e.get(c, path, "Accept", browserAccept)
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, "Kwaadaardig &lt;script&gt;", origin)
			wantInert(t, res)
		})
	}
	t.Run("EventPageDescription", func(t *testing.T) {
		res := e.get(c, fmt.Sprintf("/events/%d", ev.ID), "Accept", browserAccept)
		wantContains(t, res, "<p>Welkom</p>", `<a href="https://bieb.example/info" rel="nofollow noopener">meer</a>`,
			"Zaal &lt;img", "&lt;b onmouseover=alert(6)&gt;Kerkstraat 2&lt;/b&gt;")
	})
	for _, path := range []string{"/libraries", "/embed/agenda"} {
		t.Run(path, func(t *testing.T) {
			res := e.get(c, path)
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, "Bibliotheek &lt;i onclick=&#34;alert(7)&#34;&gt;Elders&lt;/i&gt;")
			wantInert(t, res)
		})
	}
	t.Run("API", func(t *testing.T) {
		res := e.get(c, "/api/v1/events?q=kwaadaardig")
		wantStatus(t, res, http.StatusOK)
		var list struct {
			Events []struct {
				DescriptionHTML string `json:"description_html"`
				Library         struct{ Name, Handle, URL string }
			}
		}
		if err := json.Unmarshal([]byte(res.Body), &list); err != nil || len(list.Events) != 1 {
			t.Fatalf("decode %s: %v", res.Body, err)
		}
		got := list.Events[0]
		if active.MatchString(got.DescriptionHTML) || got.Library.Handle != "@agenda@bieb.example" ||
			got.Library.URL != "https://bieb.example/library" {
			t.Errorf("event %+v: want inert HTML and its library", got)
		}
	})
}

// active matches markup that runs or restyles: tags that load or run
// something, event handler and style attributes, javascript: URLs. Text
// that merely shows such markup, escaped, does not match.
var active = regexp.MustCompile(`(?i)<(script|img|iframe|object|embed|style|svg)\b|<[^>]*\s(on\w+|style)\s*=|<[^>]*=\s*["']?\s*javascript:`)

// ownMarkup is what the site itself puts on its pages that active would
// match: the drawings of activities without an image, its own scripts, the
// JSON-LD (whose JSON has no "<"), and meta tags (whose escaped content has
// none either).
var ownMarkup = regexp.MustCompile(`<svg class="placeholder tint-\d" viewBox="0 0 160 90" aria-hidden="true" focusable="false"><use href="/static/placeholders\.svg#[a-z-]+"></use></svg>` +
	`|<script src="/static/[a-z/.]+" defer></script>|<script type="application/ld\+json">[^<]*</script>|<meta (?:name|property)="[^"]+" content="[^"<>]*">`)

func wantInert(t *testing.T, res response) {
	t.Helper()
	if m := active.FindAllString(ownMarkup.ReplaceAllString(res.Body, ""), -1); len(m) > 0 {
		t.Errorf("active markup on the page: %q", m)
	}
}
