package federation

import (
	"context"
	"net/http"
	"sync"

	"github.com/vestiging/vestiging"
)

// Joining the network: every library publishes the libraries it follows
// (accepted) as its "libraries" collection, linked from its actor, so a
// library that follows one it knows can follow the rest.

// Bounds of FollowNetwork: a nationwide network has a few hundred
// libraries; a hostile collection must not have us fetch without end.
const (
	maxNetworkPages      = 50
	maxNetworkCandidates = 1000
	networkParallel      = 8
)

// serveLibraries lists the organisations the library follows with an
// accepted follow: other libraries, not Mastodon accounts or groups.
func (f *Federator) serveLibraries(w http.ResponseWriter, r *http.Request) {
	f.serveIDs(w, r, librariesID(f.cfg.BaseURL), mayBeLibrary)
}

// mayBeLibrary reports whether a stored actor may be a library: libraries
// are Organizations; people and groups are not.
func mayBeLibrary(a *vestiging.Actor) bool { return a.Type == "Organization" }

// FollowNetwork follows every library that the libraries this one follows
// list in their libraries collection and that it neither follows nor has
// asked yet. A candidate is followed only when its actor document is a
// Vestiging library's (an Organization with a libraries collection);
// addresses the client refuses, blocked domains and other actors are
// skipped. Each follow still waits for the other side's Accept.
func (f *Federator) FollowNetwork(ctx context.Context) (*vestiging.NetworkResult, error) {
	known := map[string]bool{ActorID(f.cfg.BaseURL): true}
	var sources []string
	err := f.eachFollowing(ctx, func(fl *vestiging.Following) {
		if fl.Actor == nil {
			return
		}
		known[fl.Actor.IRI] = true
		if fl.State == vestiging.FollowAccepted && mayBeLibrary(fl.Actor) {
			sources = append(sources, fl.Actor.IRI)
		}
	})
	if err != nil {
		return nil, err
	}
	var candidates []string
	for _, src := range sources {
		for _, iri := range f.networkOf(ctx, src) {
			if !known[iri] && len(candidates) < maxNetworkCandidates {
				known[iri] = true
				candidates = append(candidates, iri)
			}
		}
	}
	res := &vestiging.NetworkResult{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, networkParallel)
	for _, iri := range candidates {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			library, followed := f.followLibrary(ctx, iri)
			mu.Lock()
			defer mu.Unlock()
			if library {
				res.Found++
			}
			if followed {
				res.Followed++
			}
		}()
	}
	wg.Wait()
	return res, nil
}

// networkOf reads the libraries collection of the followed library src,
// on src's own host; what cannot be read is logged and left out.
func (f *Federator) networkOf(ctx context.Context, src string) []string {
	doc, err := f.fetchMap(ctx, src)
	if err != nil {
		f.log.InfoContext(ctx, "network: actor not read", "actor", src, "err", err)
		return nil
	}
	var out []string
	var next any = doc["libraries"]
	for pages := 0; next != nil && pages < maxNetworkPages; pages++ {
		page, ok := next.(map[string]any)
		if !ok {
			iri := refID(next)
			if iri == "" || !SameHost(src, iri) {
				break
			}
			if page, err = f.fetchMap(ctx, iri); err != nil {
				f.log.InfoContext(ctx, "network: collection not read", "actor", src, "page", iri, "err", err)
				break
			}
		}
		for _, it := range append(asList(page["orderedItems"]), asList(page["items"])...) {
			if iri := refID(it); iri != "" {
				out = append(out, iri)
			}
		}
		next = page["next"]
		if first, ok := page["first"]; ok && pages == 0 {
			next = first
		}
	}
	return out
}

// followLibrary follows iri when it is a Vestiging library: whether it is
// one, and whether the follow was sent.
func (f *Federator) followLibrary(ctx context.Context, iri string) (library, followed bool) {
	if err := f.checkDomain(ctx, iriHost(iri)); err != nil {
		f.log.InfoContext(ctx, "network: library skipped", "actor", iri, "err", err)
		return false, false
	}
	doc, err := f.fetchMap(ctx, iri)
	if err != nil {
		f.log.InfoContext(ctx, "network: library skipped", "actor", iri, "err", err)
		return false, false
	}
	if str(doc["type"]) != "Organization" || refID(doc["libraries"]) == "" || str(doc["id"]) != iri {
		f.log.InfoContext(ctx, "network: not a library", "actor", iri)
		return false, false
	}
	if _, err := f.Follow(ctx, iri); err != nil {
		f.log.InfoContext(ctx, "network: follow failed", "actor", iri, "err", err)
		return true, false
	}
	return true, true
}
