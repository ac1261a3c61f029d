package federation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
)

// ResolveTimeout bounds a Follow or Resolve: staff wait for the answer.
const ResolveTimeout = 10 * time.Second

// Follow asks a remote actor, named by "@user@host", "user@host" or its
// actor URL, to be followed by the library: it resolves the actor (signed
// WebFinger and actor GETs, as GoToSocial requires), stores it, records
// the follow as pending and queues a Follow to the actor's inbox. Already
// following it returns the existing follow. Errors: EINVALID for a
// malformed handle or the library itself, ENOTFOUND for an unknown
// account, EUNAVAILABLE for a server that is down or answers garbage;
// nothing is stored then.
func (f *Federator) Follow(ctx context.Context, target string) (*vestiging.Following, error) {
	a, err := f.Resolve(ctx, target)
	if err != nil {
		return nil, err
	}
	existing, err := f.cfg.Federation.FollowingByActor(ctx, a.ID)
	switch {
	case err == nil && existing.State != vestiging.FollowRejected:
		return existing, nil
	case err != nil && vestiging.ErrorCode(err) != vestiging.ENOTFOUND:
		return nil, fmt.Errorf("follow %s: %w", a.IRI, err)
	}
	base := f.cfg.BaseURL
	fl := &vestiging.Following{Actor: a, ActivityIRI: activityIRI(base, randomID()), State: vestiging.FollowPending}
	body, err := json.Marshal(map[string]any{
		"@context": ActivityStreamsContext,
		"id":       fl.ActivityIRI,
		"type":     "Follow",
		"actor":    ActorID(base),
		"object":   a.IRI,
	})
	if err != nil {
		return nil, fmt.Errorf("follow %s: %w", a.IRI, err)
	}
	if err := f.cfg.Federation.SetFollowing(ctx, fl); err != nil {
		return nil, fmt.Errorf("follow %s: %w", a.IRI, err)
	}
	// The Follow goes to the actor's own inbox: some servers accept follows
	// only there.
	if err := f.send(ctx, &vestiging.Activity{IRI: fl.ActivityIRI, Type: "Follow", ObjectIRI: a.IRI, JSON: body}, []string{a.Inbox}); err != nil {
		return nil, err
	}
	return fl, nil
}

// Unfollow sends Undo{Follow} to the actor and forgets the follow.
func (f *Federator) Unfollow(ctx context.Context, actorID int64) error {
	fl, err := f.cfg.Federation.FollowingByActor(ctx, actorID)
	if err != nil {
		return fmt.Errorf("unfollow %d: %w", actorID, err)
	}
	a := fl.Actor
	if a == nil {
		if a, err = f.cfg.Federation.Actor(ctx, actorID); err != nil {
			return fmt.Errorf("unfollow %d: %w", actorID, err)
		}
	}
	base := f.cfg.BaseURL
	id := activityIRI(base, randomID())
	body, err := json.Marshal(map[string]any{
		"@context": ActivityStreamsContext,
		"id":       id,
		"type":     "Undo",
		"actor":    ActorID(base),
		"object":   map[string]any{"id": fl.ActivityIRI, "type": "Follow", "actor": ActorID(base), "object": a.IRI},
	})
	if err != nil {
		return fmt.Errorf("unfollow %s: %w", a.IRI, err)
	}
	if err := f.send(ctx, &vestiging.Activity{IRI: id, Type: "Undo", ObjectIRI: fl.ActivityIRI, JSON: body}, []string{a.Inbox}); err != nil {
		return err
	}
	if err := f.cfg.Federation.RemoveFollowing(ctx, actorID); err != nil {
		return fmt.Errorf("unfollow %s: %w", a.IRI, err)
	}
	return nil
}

// Resolve finds a remote actor by "@user@host", "user@host" or actor URL,
// fetches it (signed) and stores it. It takes at most ResolveTimeout.
func (f *Federator) Resolve(ctx context.Context, target string) (*vestiging.Actor, error) {
	ctx, cancel := context.WithTimeout(ctx, ResolveTimeout)
	defer cancel()
	actorURL, err := f.actorURL(ctx, target)
	if err != nil {
		return nil, err
	}
	if actorURL == ActorID(f.cfg.BaseURL) {
		return nil, vestiging.Errorf(vestiging.EINVALID, "The library cannot follow itself.")
	}
	if err := f.checkDomain(ctx, iriHost(actorURL)); err != nil {
		return nil, err
	}
	body, err := f.fetcher.Fetch(ctx, actorURL)
	if err != nil {
		return nil, remoteError(target, err)
	}
	parsed, err := ParseActor(body)
	if err != nil {
		return nil, unavailable(target, err)
	}
	if parsed.Inbox == "" || parsed.PublicKey.ID == "" || !SameHost(parsed.Inbox, parsed.ID) {
		return nil, unavailable(target, fmt.Errorf("actor %s has no inbox of its own or no key", parsed.ID))
	}
	a, err := f.storeActor(ctx, parsed, false)
	if err != nil {
		return nil, unavailable(target, err)
	}
	return a, nil
}

// actorURL turns a target into an actor URL, asking WebFinger for a handle.
func (f *Federator) actorURL(ctx context.Context, target string) (string, error) {
	target = strings.TrimSpace(target)
	if strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "http://") {
		u, err := url.Parse(target)
		if err != nil || u.Host == "" || u.User != nil {
			return "", vestiging.Errorf(vestiging.EINVALID, "%q is not an actor address.", target)
		}
		u.Fragment = ""
		return u.String(), nil
	}
	user, host, ok := strings.Cut(strings.TrimPrefix(target, "@"), "@")
	if !ok || !validHandle(user, host) {
		return "", vestiging.Errorf(vestiging.EINVALID, "Give a handle such as @agenda@bibliotheek.example or an actor address.")
	}
	if strings.EqualFold(user, f.cfg.Handle) && strings.EqualFold(host, f.cfg.BaseURL.Host) {
		return "", vestiging.Errorf(vestiging.EINVALID, "The library cannot follow itself.")
	}
	if err := f.checkDomain(ctx, strings.ToLower(host)); err != nil {
		return "", err
	}
	jrd, err := f.webFinger(ctx, f.cfg.BaseURL.Scheme, host, "acct:"+user+"@"+host)
	if err != nil {
		return "", remoteError(target, err)
	}
	for _, l := range jrd.Links {
		if l.Rel == relSelf && IsActivityContentType(l.Type) && l.Href != "" {
			return l.Href, nil
		}
	}
	return "", vestiging.Errorf(vestiging.ENOTFOUND, "%s has no ActivityPub account.", target)
}

// validHandle reports whether user@host is a handle: a user without
// separators on a host[:port] and nothing more.
func validHandle(user, host string) bool {
	hu, err := url.Parse("//" + host)
	return user != "" && !strings.ContainsAny(user, "/?#@ ") && err == nil && hu.Host == host && hu.Host != "" &&
		hu.Path == "" && hu.User == nil
}

// webFinger looks a resource up on host with a signed GET (GoToSocial
// answers 401 to unsigned ones). scheme is the instance's own: https,
// or http for instances federating over loopback.
func (f *Federator) webFinger(ctx context.Context, scheme, host, resource string) (*JRD, error) {
	u := &url.URL{Scheme: scheme, Host: host, Path: "/.well-known/webfinger", RawQuery: "resource=" + url.QueryEscape(resource)}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("webfinger %s: %w", resource, err)
	}
	req.Header.Set("Accept", "application/jrd+json, application/json")
	if err := f.signer.Sign(req, nil); err != nil {
		return nil, fmt.Errorf("webfinger %s: %w", resource, err)
	}
	resp, err := f.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("webfinger %s: %w", resource, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(resp, u.String(), time.Now())
	}
	body, err := ReadBody(resp.Body, MaxBodySize)
	if err != nil {
		return nil, fmt.Errorf("webfinger %s: %w", resource, err)
	}
	var jrd JRD
	if err := json.Unmarshal(body, &jrd); err != nil {
		return nil, fmt.Errorf("webfinger %s: %w", resource, err)
	}
	return &jrd, nil
}

// remoteError maps a failed lookup onto the error staff see: 404 and 410
// are an unknown account, anything else a server that cannot be used now.
func remoteError(target string, err error) error {
	var se *StatusError
	if errors.As(err, &se) && (se.StatusCode == http.StatusNotFound || se.StatusCode == http.StatusGone) {
		return &vestiging.Error{Code: vestiging.ENOTFOUND, Message: fmt.Sprintf("%s was not found.", target), Err: err}
	}
	if code := vestiging.ErrorCode(err); code == vestiging.EINVALID || code == vestiging.EFORBIDDEN {
		return err
	}
	return unavailable(target, err)
}

func unavailable(target string, err error) error {
	return &vestiging.Error{Code: vestiging.EUNAVAILABLE, Message: fmt.Sprintf("The server of %s does not answer properly; try again later.", target), Err: err}
}

// randomID is a fresh activity id for activities that are not tied to a
// change (Follow, Undo).
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}
