package federation

import (
	"context"
	"fmt"
	"net/url"
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
// themes: a hashtag that names one of them (its slug or its CamelCase
// hashtag) sets Theme. The place becomes Branch with ID 0, a place known by
// name and address only. Registration happens at the origin: joinMode free
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
		Branch:       remoteBranch(r.Place),
		Theme:        remoteTheme(r.Tags, themes),

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
				Branch:    remoteBranch(s.Place),
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

// remoteBranch is the remote place as a Branch that is not one of ours
// (ID 0), or nil when the event names no place.
func remoteBranch(p RemotePlace) *vestiging.Branch {
	if p.Name == "" && p.Address == "" {
		return nil
	}
	b := &vestiging.Branch{Name: p.Name, Street: p.Street, PostalCode: p.PostalCode, City: p.City,
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

// remoteTheme returns the slug of the first of our themes a tag names.
func remoteTheme(tags []string, themes []*vestiging.Theme) string {
	for _, tag := range tags {
		for _, th := range themes {
			if strings.EqualFold(tag, th.Slug) || strings.EqualFold(tag, hashtag(th.Slug)) {
				return th.Slug
			}
		}
	}
	return ""
}

// storedActor is a fetched actor in domain terms, ready for UpsertActor.
func storedActor(a *Actor, fetchedAt time.Time) (*vestiging.Actor, error) {
	u, err := url.Parse(a.ID)
	if err != nil || u.Host == "" {
		return nil, vestiging.Errorf(vestiging.EINVALID, "The actor id %q is not a web address.", a.ID)
	}
	return &vestiging.Actor{
		IRI:          a.ID,
		Type:         a.Type,
		Username:     a.PreferredUsername,
		Host:         strings.ToLower(u.Host),
		Name:         a.Name,
		URL:          a.URL,
		Inbox:        a.Inbox,
		SharedInbox:  a.SharedInbox,
		KeyID:        a.PublicKey.ID,
		PublicKeyPEM: a.PublicKey.PEM,
		FetchedAt:    fetchedAt,
	}, nil
}

// remoteActor returns the stored actor for iri, fetching (signed) and
// storing it when unknown or when it has no inbox yet.
func (f *Federator) remoteActor(ctx context.Context, iri string) (*vestiging.Actor, error) {
	a, err := f.cfg.Federation.ActorByIRI(ctx, iri)
	if err == nil && a.Inbox != "" {
		return a, nil
	}
	if err != nil && vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
		return nil, fmt.Errorf("actor %s: %w", iri, err)
	}
	return f.fetchActor(ctx, iri)
}

// fetchActor fetches an actor document and stores it.
func (f *Federator) fetchActor(ctx context.Context, iri string) (*vestiging.Actor, error) {
	body, err := f.fetcher.Fetch(ctx, iri)
	if err != nil {
		return nil, fmt.Errorf("actor %s: %w", iri, err)
	}
	parsed, err := ParseActor(body)
	if err != nil {
		return nil, fmt.Errorf("actor %s: %w", iri, err)
	}
	a, err := storedActor(parsed, f.now())
	if err != nil {
		return nil, err
	}
	if err := f.cfg.Federation.UpsertActor(ctx, a); err != nil {
		return nil, fmt.Errorf("actor %s: %w", iri, err)
	}
	return a, nil
}

// iriHost is the lower-cased host[:port] of an IRI, "" when it has none.
func iriHost(iri string) string {
	u, err := url.Parse(iri)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}
