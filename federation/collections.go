package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/vestiging/vestiging"
)

// CollectionPageSize is the number of items on one collection page.
const CollectionPageSize = 20

// pageFunc returns the items at offset (at most limit) and the total.
type pageFunc func(ctx context.Context, offset, limit int) ([]any, int, error)

// serveCollection serves an OrderedCollection with totalItems, first and
// last page links, or with ?page=N (from 1) that page as an
// OrderedCollectionPage with partOf, orderedItems and next/prev. A page
// past the end is empty; a page that is not a positive number is 400.
func (f *Federator) serveCollection(w http.ResponseWriter, r *http.Request, id string, page pageFunc) {
	ctx := r.Context()
	q := r.URL.Query()
	if !q.Has("page") {
		_, total, err := page(ctx, 0, 1)
		if err != nil {
			f.serveError(w, r, err)
			return
		}
		last := max(1, (total+CollectionPageSize-1)/CollectionPageSize)
		f.writeActivity(w, r, map[string]any{
			"id":         id,
			"type":       "OrderedCollection",
			"totalItems": total,
			"first":      pageURL(id, 1),
			"last":       pageURL(id, last),
		})
		return
	}
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 || (n-1)*CollectionPageSize > vestiging.MaxOffset {
		http.Error(w, "The page must be a number from 1.", http.StatusBadRequest)
		return
	}
	offset := (n - 1) * CollectionPageSize
	items, total, err := page(ctx, offset, CollectionPageSize)
	if err != nil {
		f.serveError(w, r, err)
		return
	}
	if items == nil {
		items = []any{}
	}
	doc := map[string]any{
		"id":           pageURL(id, n),
		"type":         "OrderedCollectionPage",
		"partOf":       id,
		"totalItems":   total,
		"orderedItems": items,
	}
	if offset+len(items) < total {
		doc["next"] = pageURL(id, n+1)
	}
	if n > 1 {
		doc["prev"] = pageURL(id, n-1)
	}
	f.writeActivity(w, r, doc)
}

func pageURL(id string, n int) string { return id + "?page=" + strconv.Itoa(n) }

// serveOutbox lists the published activities, newest first, as stored
// (without their @context, which the page carries).
func (f *Federator) serveOutbox(w http.ResponseWriter, r *http.Request) {
	f.serveCollection(w, r, outboxID(f.cfg.BaseURL), func(ctx context.Context, offset, limit int) ([]any, int, error) {
		acts, total, err := f.cfg.Federation.Activities(ctx, offset, limit)
		if err != nil {
			return nil, 0, fmt.Errorf("outbox: %w", err)
		}
		items := make([]any, 0, len(acts))
		for _, a := range acts {
			var m map[string]any
			if err := json.Unmarshal(a.JSON, &m); err != nil {
				return nil, 0, fmt.Errorf("outbox: activity %s: %w", a.IRI, err)
			}
			delete(m, "@context")
			items = append(items, m)
		}
		return items, total, nil
	})
}

// serveUpcoming is the FEP-8a8e upcomingEvents collection: the local
// public events and courses that have not ended, by start. A library that
// starts following this one reads it to fill its agenda at once.
func (f *Federator) serveUpcoming(w http.ResponseWriter, r *http.Request) {
	f.serveCollection(w, r, upcomingID(f.cfg.BaseURL), func(ctx context.Context, offset, limit int) ([]any, int, error) {
		events, total, err := f.cfg.Services.FindEvents(ctx, vestiging.EventFilter{
			From: f.now(), Source: vestiging.SourceLocal, Offset: offset, Limit: limit})
		if err != nil {
			return nil, 0, fmt.Errorf("upcoming events: %w", err)
		}
		items := make([]any, 0, len(events))
		for _, e := range events {
			items = append(items, EventObject(e, f.cfg.BaseURL))
		}
		return items, total, nil
	})
}

// serveFollowers gives the number of followers only: they are residents
// of other libraries and Mastodon users, not ours to list.
func (f *Federator) serveFollowers(w http.ResponseWriter, r *http.Request) {
	_, total, err := f.cfg.Federation.Followers(r.Context(), 0, 1)
	if err != nil {
		f.serveError(w, r, err)
		return
	}
	f.writeActivity(w, r, map[string]any{
		"id": FollowersID(f.cfg.BaseURL), "type": "OrderedCollection", "totalItems": total})
}

// serveFollowing lists the accepted follows: the libraries this one
// shows in its agenda are public knowledge.
func (f *Federator) serveFollowing(w http.ResponseWriter, r *http.Request) {
	f.serveIDs(w, r, followingID(f.cfg.BaseURL), func(*vestiging.Actor) bool { return true })
}

// serveIDs serves the actor ids of the accepted follows that keep wants
// as a collection.
func (f *Federator) serveIDs(w http.ResponseWriter, r *http.Request, id string, keep func(*vestiging.Actor) bool) {
	f.serveCollection(w, r, id, func(ctx context.Context, offset, limit int) ([]any, int, error) {
		ids, err := f.acceptedFollowing(ctx, keep)
		if err != nil {
			return nil, 0, err
		}
		items := []any{}
		for i := offset; i < len(ids) && i < offset+limit; i++ {
			items = append(items, ids[i])
		}
		return items, len(ids), nil
	})
}

// acceptedFollowing returns the actor ids of the accepted follows that
// keep wants.
func (f *Federator) acceptedFollowing(ctx context.Context, keep func(*vestiging.Actor) bool) ([]string, error) {
	var ids []string
	err := f.eachFollowing(ctx, func(fl *vestiging.Following) {
		if fl.State == vestiging.FollowAccepted && fl.Actor != nil && keep(fl.Actor) {
			ids = append(ids, fl.Actor.IRI)
		}
	})
	return ids, err
}

// eachFollowing calls fn with every follow of the library, in any state.
// A library follows tens or hundreds of others, not millions.
func (f *Federator) eachFollowing(ctx context.Context, fn func(*vestiging.Following)) error {
	for offset := 0; ; offset += vestiging.MaxPageSize {
		page, total, err := f.cfg.Federation.Followings(ctx, offset, vestiging.MaxPageSize)
		if err != nil {
			return fmt.Errorf("following: %w", err)
		}
		for _, fl := range page {
			fn(fl)
		}
		if len(page) == 0 || offset+len(page) >= total || offset+len(page) >= vestiging.MaxOffset {
			return nil
		}
	}
}

// serveFeatured is the (empty) collection Mastodon reads for pinned posts.
func (f *Federator) serveFeatured(w http.ResponseWriter, r *http.Request) {
	f.writeActivity(w, r, map[string]any{
		"id": featuredID(f.cfg.BaseURL), "type": "OrderedCollection", "totalItems": 0, "orderedItems": []any{}})
}
