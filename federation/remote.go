package federation

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
)

// defaultRemoteDuration is the length given to a remote event or session
// that has no endTime: the agenda needs an end, and an hour is what most
// library activities take.
const defaultRemoteDuration = time.Hour

// Event converts a remote event into a vestiging.Event to store with
// UpsertRemoteEvent (the caller sets OriginID). themes are this library's
// themes: each hashtag that names one of them (its slug or its CamelCase
// hashtag) adds it to Themes, in the order of the tags. The place becomes
// Place with ID 0, a place known by name and address only. Price and
// Audiences are what the origin said, when it said them. Registration happens at the origin: joinMode free
// or restricted makes RegistrationOpen (a resident's Join goes there and
// its answer sets the state), external makes RegistrationExternal with the
// origin's link. Participants is the origin's participantCount.
func (r *RemoteEvent) Event(themes []*vestiging.Theme) *vestiging.Event {
	e := &vestiging.Event{
		Kind:         vestiging.KindEvent,
		IRI:          r.ID,
		URL:          r.URL,
		Title:        r.Title,
		Description:  r.Content,
		StartsAt:     r.StartsAt,
		EndsAt:       remoteEnd(r.StartsAt, r.EndsAt),
		TimeZone:     r.TimeZone,
		Language:     r.Language,
		OnlineURL:    r.OnlineURL,
		ImageURL:     r.ImageURL,
		ImageAlt:     r.ImageAlt,
		Capacity:     r.Capacity,
		Participants: r.Participants,
		Status:       r.Status,
		Place:        remotePlace(r.Place),
		Themes:       remoteThemes(r.Tags, themes),
		Audiences:    r.Audiences,
		Price:        r.Price,

		RemoteUpdatedAt: r.Updated,

		RegistrationMode: vestiging.RegistrationNone,
	}
	if e.Title == "" {
		// Mastodon-like servers may give only a summary; the agenda needs a title.
		e.Title = truncate(r.Summary, 190)
	}
	if e.ImageURL != "" && e.ImageAlt == "" {
		e.ImageAlt = e.Title
	}
	switch r.JoinMode {
	case JoinFree, JoinRestricted:
		e.RegistrationMode = vestiging.RegistrationOpen
	case JoinExternal:
		e.RegistrationMode, e.RegistrationURL = vestiging.RegistrationExternal, r.ExternalURL
		if e.RegistrationURL == "" {
			e.RegistrationURL = r.URL
		}
	}
	if len(r.Sessions) > 0 {
		e.Kind = vestiging.KindCourse
		for _, s := range r.Sessions {
			e.Sessions = append(e.Sessions, &vestiging.Session{
				StartsAt:  s.StartsAt,
				EndsAt:    remoteEnd(s.StartsAt, s.EndsAt),
				Place:     remotePlace(s.Place),
				OnlineURL: s.OnlineURL,
			})
		}
	}
	return e
}

func remoteEnd(start, end time.Time) time.Time {
	if end.After(start) {
		return end
	}
	return start.Add(defaultRemoteDuration)
}

// remotePlace is the remote place as a Place that is not one of ours
// (ID 0), or nil when the event names no place.
func remotePlace(p RemotePlace) *vestiging.Place {
	if p.Name == "" && p.Address == "" {
		return nil
	}
	b := &vestiging.Place{Name: p.Name, Street: p.Street, PostalCode: p.PostalCode, City: p.City,
		Latitude: p.Latitude, Longitude: p.Longitude}
	if b.Street == "" && b.PostalCode == "" && b.City == "" {
		// Gancio sends the address as one string.
		b.Street = p.Address
	}
	if b.Name == "" {
		b.Name = p.Address
	}
	return b
}

// remoteThemes returns the slugs of our themes the tags name, in the
// tags' order, each once, at most vestiging.MaxThemes.
func remoteThemes(tags []string, themes []*vestiging.Theme) []string {
	var out []string
	for _, tag := range tags {
		for _, th := range themes {
			if (strings.EqualFold(tag, th.Slug) || strings.EqualFold(tag, hashtag(th.Slug))) && !slices.Contains(out, th.Slug) &&
				len(out) < vestiging.MaxThemes {
				out = append(out, th.Slug)
			}
		}
	}
	return out
}

// storedActor is an actor document in domain terms, ready for
// UpsertActor. It is the one way a remote actor, and so a key, enters the
// store: a document must hold only a key of its own (checkKey).
func storedActor(a *Actor, fetchedAt time.Time) (*vestiging.Actor, error) {
	u, err := url.Parse(a.ID)
	if err != nil || u.Host == "" {
		return nil, vestiging.Errorf(vestiging.EINVALID, "The actor id %q is not a web address.", a.ID)
	}
	if err := checkKey(a); err != nil {
		return nil, err
	}
	return &vestiging.Actor{
		IRI:          a.ID,
		Type:         a.Type,
		Username:     a.PreferredUsername,
		Host:         strings.ToLower(u.Host),
		Name:         a.Name,
		Summary:      vestiging.SanitizeHTML(a.Summary),
		URL:          a.URL,
		Inbox:        a.Inbox,
		SharedInbox:  a.SharedInbox,
		KeyID:        a.PublicKey.ID,
		PublicKeyPEM: a.PublicKey.PEM,
		IconURL:      a.Icon,
		Places:       a.Places,
		FetchedAt:    fetchedAt,
	}, nil
}

// remoteActor returns the stored actor for iri, fetching (signed) and
// storing it when unknown.
func (f *Federator) remoteActor(ctx context.Context, iri string) (*vestiging.Actor, error) {
	a, err := f.cfg.Federation.ActorByIRI(ctx, iri)
	if err == nil {
		return a, nil
	}
	if vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
		return nil, fmt.Errorf("actor %s: %w", iri, err)
	}
	return f.fetchActor(ctx, iri)
}

// fetchActor fetches the actor document whose id is iri (Fetch) and
// stores it.
func (f *Federator) fetchActor(ctx context.Context, iri string) (*vestiging.Actor, error) {
	body, err := f.fetcher.Fetch(ctx, iri)
	if err != nil {
		return nil, fmt.Errorf("actor %s: %w", iri, err)
	}
	parsed, err := ParseActor(body)
	if err != nil {
		return nil, fmt.Errorf("actor %s: %w", iri, err)
	}
	return f.storeActor(ctx, parsed, false)
}

// storeActor stores an actor document fetched for its own id. Our own
// actors are never stored as remote ones. A key id belongs to the actor
// its document names (a keyId is dereferenced to find its owner), so the
// document's key is taken only when that is this actor: keyConfirmed
// (FetchKey dereferenced the keyId to this document), or a keyId that is
// this actor's id with a fragment (…#main-key). Any other key the document
// names (GoToSocial's …/main-key) waits for the actor's first signed
// request to be dereferenced; until then the key stored before stays. A
// confirmed key takes the key id from whoever held it before.
func (f *Federator) storeActor(ctx context.Context, parsed *Actor, keyConfirmed bool) (*vestiging.Actor, error) {
	if f.ours(parsed.ID) {
		return nil, vestiging.Errorf(vestiging.EINVALID, "%s is an actor of this instance.", parsed.ID)
	}
	a, err := storedActor(parsed, f.now())
	if err != nil {
		return nil, err
	}
	if !keyConfirmed && !keyOfDocument(parsed) {
		a.KeyID, a.PublicKeyPEM = "", ""
		old, err := f.cfg.Federation.ActorByIRI(ctx, a.IRI)
		switch {
		case err == nil:
			a.KeyID, a.PublicKeyPEM = old.KeyID, old.PublicKeyPEM
		case vestiging.ErrorCode(err) != vestiging.ENOTFOUND:
			return nil, fmt.Errorf("actor %s: %w", a.IRI, err)
		}
	}
	err = f.cfg.Federation.UpsertActor(ctx, a)
	if keyConfirmed && vestiging.ErrorCode(err) == vestiging.ECONFLICT {
		if holder, herr := f.cfg.Federation.ActorByKeyID(ctx, a.KeyID); herr == nil && holder.IRI != a.IRI {
			f.log.Info("federation: key id taken back by the actor it names", "key", a.KeyID, "from", holder.IRI, "to", a.IRI)
			holder.KeyID, holder.PublicKeyPEM = "", ""
			if err = f.cfg.Federation.UpsertActor(ctx, holder); err == nil {
				f.in.keys.forget(holder.IRI)
				err = f.cfg.Federation.UpsertActor(ctx, a)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("actor %s: %w", a.IRI, err)
	}
	return a, nil
}

// keyOfDocument reports whether an actor document's keyId names the
// document itself: its id with a fragment, as Mastodon's #main-key.
func keyOfDocument(a *Actor) bool {
	u, err := url.Parse(a.PublicKey.ID)
	if err != nil || a.PublicKey.ID == "" {
		return false
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String() == a.ID
}

// ours reports whether iri is on this instance: on its base URL's host or
// its media host. Our own objects are never taken as remote ones.
func (f *Federator) ours(iri string) bool { return f.ourHost(iriHost(iri)) }

// ourHost reports whether host (host[:port]) is this instance's.
func (f *Federator) ourHost(host string) bool {
	if host == "" {
		return false
	}
	return strings.EqualFold(host, f.cfg.BaseURL.Host) || f.cfg.MediaURL != nil && strings.EqualFold(host, f.cfg.MediaURL.Host)
}

// iriHost is the lower-cased host[:port] of an IRI, "" when it has none.
func iriHost(iri string) string {
	u, err := url.Parse(iri)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}
