package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
)

// onFlag stores a report another server sent: its objects are what it
// reports (an actor of ours, an event, an offer, a reply), its content
// why. A Flag delivered twice is stored once.
func (f *Federator) onFlag(ctx context.Context, a *Activity, actor *vestiging.Actor, body []byte) error {
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return &permanentError{err}
	}
	var targets []string
	for _, o := range a.Objects {
		if o.ID != "" && !slices.Contains(targets, o.ID) {
			targets = append(targets, o.ID)
		}
	}
	r := &vestiging.Report{IRI: a.ID, ActorID: actor.ID, Targets: targets, Content: naturalText(doc, "content")}
	err := f.cfg.Services.CreateReport(ctx, r, nil)
	switch vestiging.ErrorCode(err) {
	case vestiging.ECONFLICT:
		f.log.Debug("inbox: Flag stored before", "id", a.ID)
		return nil
	case vestiging.EINVALID:
		return &permanentError{err}
	}
	return err
}

// SendReport reports remote content to the server it came from: a Flag
// from the library actor to r.ToActorID (the library that published the
// item), whose objects are r.Targets (the item's id and its author's
// actor). The Flag, its delivery and the job that records r as an outgoing
// report are queued in one transaction, so a report is never recorded
// unsent nor sent unrecorded; by, who sent it and why, goes to the audit
// log with the record. The Flag's id, r.IRI, derives from what is
// reported, to whom and when.
func (f *Federator) SendReport(ctx context.Context, r *vestiging.Report, by *vestiging.AuditEntry) error {
	to, err := f.cfg.Federation.Actor(ctx, r.ToActorID)
	if err != nil {
		return fmt.Errorf("report to actor %d: %w", r.ToActorID, err)
	}
	if blocked, err := f.actorBlocked(ctx, to.IRI); err != nil || blocked {
		if blocked {
			err = vestiging.Errorf(vestiging.EFORBIDDEN, "This library does not federate with %s.", to.Handle())
		}
		return err
	}
	r.Outgoing = true
	if r.CreatedAt.IsZero() {
		r.CreatedAt = f.now()
	}
	if err := r.Validate(); err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(strings.Join(r.Targets, "\n") + "\n" + to.IRI + "\n" + r.CreatedAt.UTC().Format(time.RFC3339Nano)))
	r.IRI = f.cfg.BaseURL.JoinPath("flags", hex.EncodeToString(sum[:16])).String()
	body, err := json.Marshal(map[string]any{
		"@context": ActivityStreamsContext,
		"id":       r.IRI,
		"type":     "Flag",
		"actor":    ActorID(f.cfg.BaseURL),
		"object":   r.Targets,
		"content":  r.Content,
		"to":       []string{to.IRI},
	})
	if err != nil {
		return err
	}
	_, err = f.cfg.Federation.SaveActivity(ctx, &vestiging.Activity{IRI: r.IRI, Type: "Flag", ObjectIRI: r.Targets[0], JSON: body, CreatedAt: r.CreatedAt},
		[]vestiging.JobArgs{DeliverJob{ActivityIRI: r.IRI, Inbox: to.DeliveryInbox()}, ReportJob{Report: *r, By: by}})
	if err != nil {
		return fmt.Errorf("report %s: %w", r.IRI, err)
	}
	return nil
}

// ReportJob records an outgoing report whose Flag was queued with it, and
// the audit entry of whoever sent it.
type ReportJob struct {
	Report vestiging.Report      `json:"report"`
	By     *vestiging.AuditEntry `json:"by,omitempty"`
}

// Kind implements vestiging.JobArgs.
func (ReportJob) Kind() string { return "outgoing_report" }

type reportWorker struct {
	river.WorkerDefaults[ReportJob]
	f *Federator
}

func (w *reportWorker) Work(ctx context.Context, job *river.Job[ReportJob]) error {
	return w.f.recordReport(ctx, job.Args)
}

// recordReport stores an outgoing report; one stored before (a retried
// job) is done.
func (f *Federator) recordReport(ctx context.Context, j ReportJob) error {
	r := j.Report
	err := f.cfg.Services.CreateReport(ctx, &r, j.By)
	switch vestiging.ErrorCode(err) {
	case vestiging.ECONFLICT:
		return nil
	case vestiging.EINVALID:
		return river.JobCancel(err)
	}
	return err
}

func (f *Federator) addModerationWorkers(w *river.Workers) {
	river.AddWorker(w, &reportWorker{f: f})
}

// blocked reports whether staff blocked a remote actor that match
// selects. The moderated actors are few, and read afresh each time, so a
// block applies at once in every process sharing the database.
func (f *Federator) blocked(ctx context.Context, match func(a *vestiging.Actor) bool) (bool, error) {
	moderated, err := f.cfg.Services.ModeratedActors(ctx)
	if err != nil {
		return false, fmt.Errorf("moderated actors: %w", err)
	}
	for _, m := range moderated {
		if m.Mode == vestiging.ModerationBlock && m.Actor != nil && match(m.Actor) {
			return true, nil
		}
	}
	return false, nil
}

// actorBlocked reports whether staff blocked the actor iri, or its host.
func (f *Federator) actorBlocked(ctx context.Context, iri string) (bool, error) {
	if refused, err := f.hostRefused(ctx, iriHost(iri)); err != nil || refused {
		return refused, err
	}
	return f.blocked(ctx, func(a *vestiging.Actor) bool { return a.IRI == iri })
}

// ownedByBlocked reports whether an object id lies on a refused host or
// under a blocked actor's id (as Mastodon's …/users/x/statuses/1 does), so
// an Announce of it is not even fetched.
func (f *Federator) ownedByBlocked(ctx context.Context, iri string) (bool, error) {
	if refused, err := f.hostRefused(ctx, iriHost(iri)); err != nil || refused {
		return refused, err
	}
	return f.blocked(ctx, func(a *vestiging.Actor) bool { return iri == a.IRI || strings.HasPrefix(iri, a.IRI+"/") })
}
