package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
)

// BackfillJob fetches the upcoming events of a library that accepted our
// Follow, so the agenda shows them at once and not only new ones.
type BackfillJob struct {
	Actor string `json:"actor"` // the followed actor's id
}

// Kind implements vestiging.JobArgs.
func (BackfillJob) Kind() string { return "backfill" }

// Backfill bounds: a library's upcoming events fit easily; a hostile or
// huge collection must not keep a worker busy.
const (
	maxBackfillPages = 10
	maxBackfillItems = 500
)

type backfillWorker struct {
	river.WorkerDefaults[BackfillJob]
	f *Federator
}

func (w *backfillWorker) Work(ctx context.Context, job *river.Job[BackfillJob]) error {
	n, err := w.f.backfill(ctx, job.Args.Actor)
	if err != nil && isPermanent(err) {
		w.f.log.Info("backfill: given up", "actor", job.Args.Actor, "error", err)
		return river.JobCancel(err)
	}
	if err == nil {
		w.f.log.Info("backfill: done", "actor", job.Args.Actor, "events", n)
	}
	return err
}

// backfill stores the followed actor's upcoming events and returns how
// many it stored. It reads the actor's upcomingEvents collection (FEP-8a8e)
// if it has one, else its outbox, page by page through first and next
// (at most maxBackfillPages pages and maxBackfillItems items). Items may be
// Events, activities wrapping them, or ids; every page and item must be on
// the actor's own host. Events that have ended are skipped, and so are
// events written since the backfill started: a delivery that arrived
// meanwhile is fresher than the collection's copy.
func (f *Federator) backfill(ctx context.Context, actorIRI string) (int, error) {
	origin, err := f.following(ctx, actorIRI, true)
	if err != nil || origin == nil {
		return 0, err
	}
	doc, err := f.fetchMap(ctx, actorIRI)
	if err != nil {
		return 0, err
	}
	coll := refID(doc["upcomingEvents"])
	if coll == "" {
		coll = refID(doc["outbox"])
	}
	if coll == "" {
		return 0, nil
	}
	b := &backfiller{f: f, actor: actorIRI, origin: origin, started: f.now().Truncate(time.Microsecond)}
	var next any = coll
	for pages := 0; next != nil && pages < maxBackfillPages && b.items < maxBackfillItems; pages++ {
		page, ok := next.(map[string]any)
		if !ok {
			if refID(next) == "" {
				break
			}
			if page, err = b.fetchOwn(ctx, refID(next)); err != nil {
				return b.stored, err
			}
		}
		if b.fresh, err = b.writtenSince(ctx); err != nil {
			return b.stored, err
		}
		for _, it := range append(asList(page["orderedItems"]), asList(page["items"])...) {
			if b.items++; b.items > maxBackfillItems {
				break
			}
			if err := b.item(ctx, it, 0); err != nil {
				return b.stored, err
			}
		}
		next = page["next"]
		if first, ok := page["first"]; ok && pages == 0 {
			next = first
		}
	}
	return b.stored, nil
}

// backfiller is the state of one backfill.
type backfiller struct {
	f       *Federator
	actor   string
	origin  *vestiging.Actor
	started time.Time
	fresh   map[string]bool // IRIs of the origin's events written since started
	items   int
	stored  int
}

// writtenSince returns the IRIs of the origin's stored events written since
// the backfill started.
func (b *backfiller) writtenSince(ctx context.Context) (map[string]bool, error) {
	fresh := map[string]bool{}
	filter := vestiging.EventFilter{Source: vestiging.SourceRemote, OriginID: b.origin.ID, Limit: vestiging.MaxPageSize}
	for {
		events, total, err := b.f.cfg.Services.FindEvents(ctx, filter)
		if err != nil {
			return nil, fmt.Errorf("backfill: stored events: %w", err)
		}
		for _, e := range events {
			if !e.UpdatedAt.Before(b.started) {
				fresh[e.IRI] = true
			}
		}
		filter.Offset += len(events)
		if len(events) == 0 || filter.Offset >= total || filter.Offset+filter.Limit > vestiging.MaxOffset {
			return fresh, nil
		}
	}
}

// item stores the Event an item is, wraps (Create, Update) or names.
// Items that are not Events, or that come from elsewhere, are skipped;
// so is an item that cannot be fetched for good.
func (b *backfiller) item(ctx context.Context, it any, depth int) error {
	m, ok := it.(map[string]any)
	if !ok {
		if depth > 1 {
			return nil
		}
		doc, err := b.fetchOwn(ctx, refID(it))
		if isPermanent(err) {
			b.f.log.Info("backfill: item skipped", "item", refID(it), "error", err)
			return nil
		}
		if err != nil {
			return err
		}
		m = doc
	}
	switch str(m["type"]) {
	case "Create", "Update":
		if depth > 0 {
			return nil
		}
		return b.item(ctx, m["object"], depth+1)
	case "Event":
	default:
		return nil
	}
	if id := str(m["id"]); !SameHost(b.actor, id) || b.fresh[id] {
		return nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	r, err := ParseRemoteEvent(raw)
	if err != nil {
		b.f.log.Info("backfill: event skipped", "id", m["id"], "error", err)
		return nil
	}
	if remoteEnd(r.StartsAt, r.EndsAt).Before(b.f.now()) {
		return nil
	}
	if err := b.f.storeEvent(ctx, r, b.origin); err != nil {
		return err
	}
	b.stored++
	return nil
}

// fetchOwn fetches a document from the followed actor's host only.
func (b *backfiller) fetchOwn(ctx context.Context, iri string) (map[string]any, error) {
	if !SameHost(b.actor, iri) {
		return nil, &permanentError{fmt.Errorf("backfill: %q is not on the host of %s", iri, b.actor)}
	}
	return b.f.fetchMap(ctx, iri)
}

// fetchMap fetches an AS2 document as a JSON object.
func (f *Federator) fetchMap(ctx context.Context, iri string) (map[string]any, error) {
	body, err := f.fetcher.Fetch(ctx, iri)
	if err != nil {
		return nil, fetchError(err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, &permanentError{fmt.Errorf("fetch %s: not a JSON object", iri)}
	}
	return m, nil
}

// refID is the id a property value names: an IRI, or an object's id.
func refID(v any) string {
	if m, ok := v.(map[string]any); ok {
		return str(m["id"])
	}
	return str(v)
}
