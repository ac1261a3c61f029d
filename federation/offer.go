package federation

import (
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/vestiging/vestiging"
)

// OfferID is the id and page of an offer on the board.
func OfferID(base *url.URL, id int64) string {
	return base.JoinPath("offers", strconv.FormatInt(id, 10)).String()
}

// offerKindLabels name the kinds as the board does.
var offerKindLabels = map[string]string{vestiging.OfferKindOffer: "Aanbod", vestiging.OfferKindRequest: "Vraag"}

// OfferObject returns the AS2 Page for an approved offer or request,
// without @context. Mastodon shows name and summary, so the summary is
// the line "Aanbod · theme · area"; the same words are hashtags, so
// people following #Tiel find it. It is attributed to the library actor
// until residents have actors of their own.
func OfferObject(o *vestiging.Offer, base *url.URL) map[string]any {
	id := OfferID(base, o.ID)
	parts := []string{offerKindLabels[o.Kind]}
	var tags []any
	addTag := func(name, href string) {
		if t := hashtagText(name); t != "" {
			tags = append(tags, map[string]any{"type": "Hashtag", "name": "#" + t, "href": href})
		}
	}
	addTag(offerKindLabels[o.Kind], base.JoinPath("offers").String()+"?kind="+url.QueryEscape(o.Kind))
	if o.Theme != "" {
		parts = append(parts, themeName(o.Theme))
		addTag(hashtag(o.Theme), ThemeURL(base, o.Theme))
	}
	if area := strings.TrimSpace(o.Area); area != "" {
		parts = append(parts, area)
		addTag(area, base.JoinPath("offers").String()+"?area="+url.QueryEscape(area))
	}
	summary := strings.Join(parts, " · ")
	obj := map[string]any{
		"type":         "Page",
		"id":           id,
		"url":          id,
		"name":         o.Title,
		"summary":      summary,
		"content":      vestiging.SanitizeHTML("<p>" + html.EscapeString(summary) + "</p>" + o.Description),
		"mediaType":    "text/html",
		"attributedTo": ActorID(base),
		"to":           []any{Public},
		"cc":           []any{FollowersID(base)},
	}
	if tags != nil {
		obj["tag"] = tags
	}
	if !o.CreatedAt.IsZero() {
		obj["published"] = o.CreatedAt.UTC().Format(time.RFC3339)
		if o.UpdatedAt.After(o.CreatedAt) {
			obj["updated"] = o.UpdatedAt.UTC().Format(time.RFC3339)
		}
	}
	return obj
}

// themeName is the Dutch name of a default theme, else the slug as words.
func themeName(slug string) string {
	for _, t := range vestiging.DefaultThemes {
		if t.Slug == slug {
			return t.NameNL
		}
	}
	s := strings.ReplaceAll(slug, "-", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// hashtagText keeps the letters and digits of s, each word capitalised:
// "Tiel-Oost" → "TielOost".
func hashtagText(s string) string {
	var b strings.Builder
	upper := true
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if upper {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
			upper = false
		default:
			upper = true
		}
	}
	return b.String()
}
