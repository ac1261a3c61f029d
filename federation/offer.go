package federation

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/vestiging/vestiging"
)

// VestigingNamespace prefixes the IRIs of our own extension terms, such as
// offerKind; the page documents them.
const VestigingNamespace = "https://github.com/vestiging/vestiging/blob/main/docs/federation.md#"

// OfferID is the id and page of an offer on the board.
func OfferID(base *url.URL, id int64) string {
	return base.JoinPath("offers", strconv.FormatInt(id, 10)).String()
}

// offerKindLabels name the kinds as the board does.
var offerKindLabels = map[string]string{vestiging.OfferKindOffer: "Aanbod", vestiging.OfferKindRequest: "Vraag"}

// OfferObject returns the AS2 Page for an approved offer or request,
// without @context, attributed to author (an actor id: the resident's
// Person, or the library for partners and residents without a handle).
// Mastodon shows name and summary and GoToSocial the summary alone, so
// the summary is the visible line (summary.go) "title · Aanbod · theme ·
// area"; the same words are hashtags, so people following #Tiel find it. Kind, theme and area are also there as declared terms
// (offerKind, theme, areaServed) for other libraries to file it by.
func OfferObject(o *vestiging.Offer, author string, base *url.URL) map[string]any {
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
	area := strings.TrimSpace(o.Area)
	if area != "" {
		parts = append(parts, area)
		addTag(area, base.JoinPath("offers").String()+"?area="+url.QueryEscape(area))
	}
	what := strings.Join(parts, " · ")
	obj := map[string]any{
		"type":         "Page",
		"id":           id,
		"url":          id,
		"name":         o.Title,
		"summary":      summaryLine(append([]string{o.Title}, parts...)...),
		"content":      vestiging.SanitizeHTML("<p>" + html.EscapeString(what) + "</p>" + o.Description + pageLink(id)),
		"mediaType":    "text/html",
		"attributedTo": author,
		"replies":      RepliesID(id),
		"to":           []any{Public},
		"cc":           []any{FollowersID(base)},
		"offerKind":    o.Kind,
	}
	if o.Theme != "" {
		obj["theme"] = o.Theme
	}
	if area != "" {
		obj["areaServed"] = area
	}
	if tags != nil {
		obj["tag"] = tags
	}
	publishedTimes(obj, o.PublishedAt, o.UpdatedAt)
	return obj
}

// author is the actor a resident's offer or reply is attributed to, and
// the resident whose key signs its activities: the Person actor of a
// resident with a handle; the library (personID 0) for partners, whose
// content the library publishes, and for residents without a handle.
func (f *Federator) author(ctx context.Context, personID int64) (actor string, signer int64, err error) {
	if personID == 0 {
		return ActorID(f.cfg.BaseURL), 0, nil
	}
	p, err := f.cfg.Services.Person(ctx, personID)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return ActorID(f.cfg.BaseURL), 0, nil // the account is gone; the library speaks for what is left
	}
	if err != nil {
		return "", 0, fmt.Errorf("author %d: %w", personID, err)
	}
	actor, signer = f.authorOf(p)
	return actor, signer, nil
}

// authorOf is author for the person p.
func (f *Federator) authorOf(p *vestiging.Person) (actor string, signer int64) {
	if p.Handle == "" || p.IsPartner() {
		return ActorID(f.cfg.BaseURL), 0
	}
	return PersonActorID(f.cfg.BaseURL, p.Handle), p.ID
}

// RemoteOffer is a Page from another library in domain terms.
type RemoteOffer struct {
	ID           string
	URL          string
	AttributedTo string
	Kind         string
	Title        string
	Content      string // sanitised HTML
	Theme        string // the slug as sent; kept only when it is one of ours
	Area         string
	Updated      time.Time // its version (versionOf); zero when unknown
}

// ParseRemoteOffer decodes a Page as OfferObject writes it. A Page
// without offerKind (an article from a blog) is not an offer: EINVALID.
func ParseRemoteOffer(body []byte) (*RemoteOffer, error) {
	m, v, err := resolve(body, nil)
	if err != nil {
		return nil, err
	}
	if v.GetTypeName() != "Page" {
		return nil, vestiging.Errorf(vestiging.EINVALID, "A %s is not an offer.", v.GetTypeName())
	}
	r := &RemoteOffer{ID: idOf(v), Kind: str(m["offerKind"]), Theme: str(m["theme"])}
	if r.Kind != vestiging.OfferKindOffer && r.Kind != vestiging.OfferKindRequest {
		return nil, vestiging.Errorf(vestiging.EINVALID, "The page %s is no offer or request.", r.ID)
	}
	r.Title = strings.TrimSpace(vestiging.PlainText(naturalText(m, "name")))
	r.Content = vestiging.SanitizeHTML(naturalText(m, "content"))
	r.Area = strings.TrimSpace(vestiging.PlainText(str(m["areaServed"])))
	r.Updated = versionOf(m)
	for _, u := range asList(m["url"]) {
		if s := str(u); s != "" {
			r.URL = s
			break
		}
		if l, ok := u.(map[string]any); ok && str(l["href"]) != "" {
			r.URL = str(l["href"])
			break
		}
	}
	if r.URL == "" {
		r.URL = r.ID
	}
	for _, a := range asList(m["attributedTo"]) {
		if s := str(a); s != "" {
			r.AttributedTo = s
		} else if o, ok := a.(map[string]any); ok {
			r.AttributedTo = str(o["id"])
		}
		if r.AttributedTo != "" {
			break
		}
	}
	if r.ID == "" || r.AttributedTo == "" || !SameHost(r.AttributedTo, r.ID) {
		return nil, vestiging.Errorf(vestiging.EINVALID, "The page %s has no author on its own host.", r.ID)
	}
	return r, nil
}

// storeOffer stores a Page fetched from its origin (raw) as origin's
// offer, its author's actor fetched too; sender, when set, must be that
// author. Only what origin's server published is stored: a Page on
// origin's host (and so its author's, ParseRemoteOffer), never one of
// ours. A Page deleted before stays deleted, and one stored with another
// origin or author is not taken over; one that is no offer, or by a
// blocked actor, is ignored.
func (f *Federator) storeOffer(ctx context.Context, raw []byte, sender string, origin *vestiging.Actor) error {
	r, err := ParseRemoteOffer(raw)
	if err != nil {
		f.log.Debug("inbox: page ignored", "error", err)
		return nil
	}
	if sender != "" && r.AttributedTo != sender || f.ours(r.ID) || !SameHost(origin.IRI, r.ID) {
		f.log.Info("inbox: page of someone else than its sender or origin ignored", "actor", sender, "origin", origin.IRI, "object", r.ID)
		return nil
	}
	if blocked, err := f.actorBlocked(ctx, r.AttributedTo); err != nil || blocked {
		return err
	}
	author, err := f.remoteActor(ctx, r.AttributedTo)
	if err != nil {
		return fetchError(err)
	}
	themes, err := f.cfg.Services.Themes(ctx)
	if err != nil {
		return err
	}
	theme := ""
	for _, t := range themes {
		if t.Slug == r.Theme {
			theme = t.Slug
		}
	}
	o := &vestiging.Offer{
		Kind: r.Kind, Title: r.Title, Description: r.Content, Theme: theme, Area: r.Area,
		Status: vestiging.OfferApproved, IRI: r.ID, URL: r.URL, OriginID: &origin.ID, AuthorActorID: &author.ID,
		RemoteUpdatedAt: r.Updated,
	}
	err = f.cfg.Services.UpsertRemoteOffer(ctx, o)
	switch vestiging.ErrorCode(err) {
	case vestiging.ECONFLICT, vestiging.EFORBIDDEN: // deleted, a newer version stored, or another's
		f.log.Info("inbox: offer not stored", "iri", r.ID, "why", err)
		return nil
	case vestiging.EINVALID:
		return &permanentError{err}
	}
	return err
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

// onPage applies a Create or Update of an offer by its author, a resident
// of a library we follow (found on the author's own server), as that
// library's. The inbox checked that the Page is on the author's host.
func (f *Federator) onPage(ctx context.Context, o ObjectRef, actor *vestiging.Actor) error {
	libs, err := f.cfg.Federation.KnownLibraries(ctx, f.now())
	if err != nil {
		return err
	}
	var origin *vestiging.Actor
	for _, l := range libs {
		if l.Followed && SameHost(l.Actor.IRI, actor.IRI) {
			origin = l.Actor
			break
		}
	}
	if origin == nil {
		f.log.Debug("inbox: page from a server we do not follow", "actor", actor.IRI, "object", o.ID)
		return nil
	}
	raw := []byte(o.Raw)
	if raw == nil {
		if raw, err = f.fetcher.Fetch(ctx, o.ID); err != nil {
			return fetchError(err)
		}
	}
	return f.storeOffer(ctx, raw, actor.IRI, origin)
}
