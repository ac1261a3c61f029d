package federation

import (
	"html"
	"net/url"
	"strings"

	"github.com/vestiging/vestiging"
)

// What a follower sees without opening anything (docs/federation.md has
// examples): Mastodon shows an Event or Page as its name, its summary and
// a link to its url, and drops the rest; GoToSocial shows the summary as a
// content warning, the only visible line, ignores name when a summary
// exists, and keeps content hidden behind it. So the summary is one line
// with the title, when and where: "Voorlezen · za 19 december 2026,
// 14:00–15:30 · Bibliotheek Tiel, Markt 12, Tiel", and content, which
// GoToSocial shows once opened and other servers at once, ends with the
// link.

// words are the few words federation writes itself. An event held in
// English (vestiging.English of its language) gets English ones and
// English dates; everything else, offers included, Dutch ones.
type words struct {
	cancelled, organisedWith    string
	memberPrice, members        string
	sessions, session, from, to string // "%d bijeenkomsten", "bijeenkomst %d van %d", …
	// linkWithheld follows "Online" when the link is only for people with a place.
	linkWithheld, linkNotPublic string
}

var (
	dutchWords = words{cancelled: "Geannuleerd", organisedWith: "Georganiseerd met %s", memberPrice: "Ledenprijs", members: "Leden",
		sessions: "%d bijeenkomsten", session: "bijeenkomst %d van %d", from: "van", to: "tot en met",
		linkWithheld: "je krijgt de link als je je aanmeldt en een plek hebt", linkNotPublic: "de link krijg je van de bibliotheek"}
	englishWords = words{cancelled: "Cancelled", organisedWith: "Organised with %s", memberPrice: "Member price", members: "Members",
		sessions: "%d sessions", session: "session %d of %d", from: "from", to: "to",
		linkWithheld: "you get the link when you sign up and have a place", linkNotPublic: "the library gives you the link"}
)

func wordsFor(lang string) *words {
	if vestiging.English(lang) {
		return &englishWords
	}
	return &dutchWords
}

// summaryLine joins the non-empty parts of the visible line with " · ".
// Servers built on go-fed (GoToSocial) read a summary that parses as a URL
// with a scheme, such as "Lezing: Harry Potter · …", as an IRI, lower-case
// its "scheme" and escape the rest; such a line gets its first part in
// quotation marks, which no scheme contains. "<" is escaped, since both
// servers read the line as HTML; the rest stays plain text.
func summaryLine(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return ""
	}
	if u, err := url.Parse(strings.Join(kept, " · ")); err == nil && u.Scheme != "" {
		kept[0] = "„" + kept[0] + "”"
	}
	return strings.ReplaceAll(strings.Join(kept, " · "), "<", "&lt;")
}

// pageLink is content's last paragraph: the object's page as a link.
func pageLink(page string) string {
	return `<p><a href="` + html.EscapeString(page) + `">` + html.EscapeString(page) + `</a></p>`
}

// placeLine is "Bibliotheek Centrum, Stationsplein 1, Tiel", or
// "online", a word Dutch and English share.
func placeLine(b *vestiging.Place, online bool) string {
	if b == nil {
		if online {
			return "online"
		}
		return ""
	}
	var parts []string
	for _, p := range []string{b.Name, b.Street, b.City} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}
