package vestiging

import (
	"html"
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// policy is the one HTML policy for everything residents, staff and remote
// servers send. It allows no more than Mastodon does.
var policy = newPolicy()

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "span", "a", "del", "s", "pre", "blockquote", "code",
		"b", "strong", "u", "i", "em", "ul", "ol", "li")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	p.RequireNoReferrerOnLinks(false)
	p.AddSpaceWhenStrippingTag(true)
	return p
}

var strict = bluemonday.StrictPolicy()

// SanitizeHTML returns s with everything outside the policy removed. Links
// keep only http(s) targets and get rel="nofollow noopener".
func SanitizeHTML(s string) string {
	out := policy.Sanitize(s)
	// bluemonday adds rel="nofollow"; noopener as well, as Mastodon does.
	out = strings.ReplaceAll(out, `rel="nofollow"`, `rel="nofollow noopener"`)
	return strings.TrimSpace(out)
}

// breaks keeps paragraphs and line breaks as newlines; built once, as a
// feed of a thousand events calls PlainText a thousand times.
var breaks = strings.NewReplacer("</p>", "\n\n", "<br>", "\n", "<br/>", "\n", "<br />", "\n")

// PlainText strips all markup and unescapes entities, for summaries and feeds.
func PlainText(s string) string {
	s = breaks.Replace(s)
	return strings.TrimSpace(html.UnescapeString(strict.Sanitize(s)))
}

// TextToHTML turns plain text (an imported description) into safe paragraphs.
func TextToHTML(s string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n"), "\n\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(strings.TrimSpace(para)), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}
