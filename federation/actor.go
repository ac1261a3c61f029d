package federation

import (
	"context"
	"fmt"
	"html"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
)

// LibraryURL is the library's HTML profile page, the actor's url.
func LibraryURL(base *url.URL) string { return base.JoinPath("library").String() }

// The library actor's endpoints (see the package comment).
func actorInbox(base *url.URL) string            { return base.JoinPath("actor", "inbox").String() }
func sharedInbox(base *url.URL) string           { return base.JoinPath("inbox").String() }
func outboxID(base *url.URL) string              { return base.JoinPath("actor", "outbox").String() }
func followingID(base *url.URL) string           { return base.JoinPath("actor", "following").String() }
func featuredID(base *url.URL) string            { return base.JoinPath("actor", "featured").String() }
func upcomingID(base *url.URL) string            { return base.JoinPath("actor", "upcoming").String() }
func librariesID(base *url.URL) string           { return base.JoinPath("actor", "libraries").String() }
func activityIRI(base *url.URL, h string) string { return base.JoinPath("activities", h).String() }

// ActorDocument is the library's Organization actor: what Mastodon,
// GoToSocial and Mobilizon read (inbox, sharedInbox, a publicKey whose
// owner is the actor, icon, PropertyValue attachments) and the FEP-8a8e
// upcomingEvents collection.
func (f *Federator) ActorDocument(ctx context.Context) (map[string]any, error) {
	lib, err := f.cfg.Services.Library(ctx)
	if err != nil {
		return nil, fmt.Errorf("actor: %w", err)
	}
	branches, err := f.cfg.Services.Branches(ctx)
	if err != nil {
		return nil, fmt.Errorf("actor: %w", err)
	}
	pemKey, err := EncodePublicKeyPEM(&f.key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("actor: %w", err)
	}
	base := f.cfg.BaseURL
	id := ActorID(base)
	doc := map[string]any{
		"@context":                  Context,
		"type":                      "Organization",
		"id":                        id,
		"preferredUsername":         f.cfg.Handle,
		"name":                      lib.Name,
		"summary":                   vestiging.SanitizeHTML(lib.Description),
		"url":                       LibraryURL(base),
		"inbox":                     actorInbox(base),
		"outbox":                    outboxID(base),
		"followers":                 FollowersID(base),
		"following":                 followingID(base),
		"featured":                  featuredID(base),
		"upcomingEvents":            upcomingID(base),
		"libraries":                 librariesID(base),
		"endpoints":                 map[string]any{"sharedInbox": sharedInbox(base)},
		"publicKey":                 map[string]any{"id": KeyID(base), "owner": id, "publicKeyPem": pemKey},
		"manuallyApprovesFollowers": false,
		"discoverable":              true,
		"attachment":                actorAttachments(lib, branches),
	}
	// Where the branches are, for the map of the network's libraries.
	var location []any
	for _, b := range branches {
		if p := b.Place(); p.HasCoordinates() {
			location = append(location, locationJSON(p, ""))
		}
	}
	if location != nil {
		doc["location"] = location
	}
	if !lib.UpdatedAt.IsZero() {
		// The library row has no creation time; its last change is the
		// nearest honest date.
		doc["published"] = lib.UpdatedAt.UTC().Format(time.RFC3339)
	}
	// The logo is the avatar, the banner the header above the profile.
	if lib.LogoURL != "" {
		alt := lib.LogoAlt
		if alt == "" {
			alt = lib.Name
		}
		doc["icon"] = imageJSON("Image", lib.LogoURL, alt)
	}
	if lib.BannerURL != "" {
		doc["image"] = imageJSON("Image", lib.BannerURL, lib.BannerAlt)
	}
	return doc, nil
}

// imageJSON is an Image or Document of a picture with its alt text as
// name, and its media type when the address's extension names one.
func imageJSON(typ, address, alt string) map[string]any {
	img := map[string]any{"type": typ, "url": address, "name": alt}
	if u, err := url.Parse(address); err == nil {
		if mt := mime.TypeByExtension(strings.ToLower(path.Ext(u.Path))); strings.HasPrefix(mt, "image/") {
			img["mediaType"] = mt
		}
	}
	return img
}

// actorAttachments are the profile fields Mastodon shows as a table: each
// branch's address and opening hours, and the website as a link.
func actorAttachments(lib *vestiging.Library, branches []*vestiging.Branch) []any {
	field := func(name, value string) map[string]any {
		return map[string]any{"type": "PropertyValue", "name": name, "value": value}
	}
	var out []any
	for _, b := range branches {
		if a := b.Address(); a != "" {
			out = append(out, field("Adres "+b.Name, html.EscapeString(a)))
		}
		if h := openingHoursLine(b.OpeningHours); h != "" {
			out = append(out, field("Open "+b.Name, html.EscapeString(h)))
		}
	}
	if lib.Website != "" {
		label := lib.Website
		if u, err := url.Parse(lib.Website); err == nil && u.Host != "" {
			label = strings.TrimSuffix(u.Host+u.Path, "/")
		}
		out = append(out, field("Website", fmt.Sprintf(`<a href="%s" rel="me nofollow noopener noreferrer" target="_blank">%s</a>`,
			html.EscapeString(lib.Website), html.EscapeString(label))))
	}
	return out
}

// openingHoursLine is "ma 09:00–17:00, di 09:00–12:00 en 13:00–17:00",
// Monday first.
func openingHoursLine(hours []vestiging.OpeningHours) string {
	var days []string
	for _, d := range vestiging.Weekdays {
		var periods []string
		for _, h := range hours {
			if h.Day == d {
				periods = append(periods, h.Opens+"–"+h.Closes)
			}
		}
		if len(periods) > 0 {
			days = append(days, vestiging.WeekdayAbbr("nl", d)+" "+strings.Join(periods, " en "))
		}
	}
	return strings.Join(days, ", ")
}

func (f *Federator) serveActor(w http.ResponseWriter, r *http.Request) {
	doc, err := f.ActorDocument(r.Context())
	if err != nil {
		f.serveError(w, r, err)
		return
	}
	f.writeActivity(w, r, doc)
}
