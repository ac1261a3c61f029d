package vestiging

import (
	"context"
	"strings"
	"time"
)

// Report statuses.
const (
	ReportOpen     = "open"
	ReportResolved = "resolved"
)

// Report is a complaint about content or an actor: a Flag another server
// sent (ActorID is who sent it), one a resident filed here (PersonID), or
// one staff sent to another server (Outgoing).
type Report struct {
	ID       int64
	IRI      string   // the Flag's id, incoming or ours
	ActorID  int64    // the reporting remote actor (usually an instance or library actor)
	PersonID int64    // the reporting local person
	Targets  []string // the reported actor and object IRIs, or local URLs
	Content  string   // the reason, plain text
	Outgoing bool     // sent by this library to another server
	// ToActorID is who an outgoing Flag went to (the remote library).
	ToActorID int64
	Status    string
	CreatedAt time.Time
	UpdatedAt time.Time

	// Filled on read.
	ReporterName string
}

// MaxReportTargets is how many objects one report may name.
const MaxReportTargets = 50

// Validate checks and normalises a report.
func (r *Report) Validate() error {
	v := Validation{}
	if r.Status == "" {
		r.Status = ReportOpen
	}
	if !isOneOf(r.Status, ReportOpen, ReportResolved) {
		v.Add("status", "Unknown status.")
	}
	if len(r.Targets) == 0 || len(r.Targets) > MaxReportTargets {
		v.Add("targets", "Say what is reported.")
	}
	switch {
	case r.Outgoing && r.ToActorID == 0:
		v.Add("to", "Say which server the report goes to.")
	case !r.Outgoing && r.ActorID == 0 && r.PersonID == 0:
		v.Add("reporter", "A report needs who made it.")
	}
	r.Content = PlainText(r.Content)
	checkText(v, "content", strings.TrimSpace(r.Content), false, 5000)
	return v.Err()
}

// Moderation of a remote actor or domain: blocked ones are refused
// everywhere (their content hidden, follows ended, nothing delivered to
// them); silenced ones keep federating, but their content stays off the
// public agenda and board and their replies always wait for approval.
const (
	ModerationNone    = ""
	ModerationSilence = "silence"
	ModerationBlock   = "block"
)

// DomainSilence is the domain rule mode for silencing a whole host.
const DomainSilence = "silence"

// AuditEntry records one moderation action: who (a staff member; 0 for the
// command line), what (Action, Target), when and why.
type AuditEntry struct {
	ID       int64
	PersonID int64
	Action   string // e.g. "offer.approve", "reply.reject", "actor.block", "domain.silence", "report.resolve"
	Target   string // what it was done to: a URL, IRI, host or "offer 12"
	// Title names the target as people know it (an activity's title, an
	// account's name), kept when the target itself is deleted.
	Title     string
	Reason    string
	CreatedAt time.Time

	PersonName string // filled on read
}

type staffKey struct{}

// ActingStaff returns ctx saying that staff member personID makes the
// changes done with it. The store then writes the audit entries of the
// programme (publishing, cancelling, deleting, changing time, place or
// capacity, moving registrations) in each change's own transaction;
// changes without one (the federation, an import) are not logged.
func ActingStaff(ctx context.Context, personID int64) context.Context {
	return context.WithValue(ctx, staffKey{}, personID)
}

// StaffActing returns the staff member ActingStaff set, if any.
func StaffActing(ctx context.Context) (int64, bool) {
	id, ok := ctx.Value(staffKey{}).(int64)
	return id, ok
}

// ModerationService keeps the moderation state: reports, actor rules,
// local removal of remote content and the audit log. Every change writes
// its AuditEntry in the same transaction.
type ModerationService interface {
	// CreateReport stores a report and fills its ID; an incoming Flag whose
	// IRI is stored already is ECONFLICT. by, for a report staff sent, is
	// written to the audit log in the same transaction.
	CreateReport(ctx context.Context, r *Report, by *AuditEntry) error
	Report(ctx context.Context, id int64) (*Report, error)
	// Reports lists reports with the status ("" for all), newest first.
	Reports(ctx context.Context, status string, offset, limit int) ([]*Report, int, error)
	SetReportStatus(ctx context.Context, id int64, status string, by *AuditEntry) error

	// SetActorModeration blocks, silences (or with ModerationNone clears)
	// one remote actor. Blocking hides the actor's stored events, offers and
	// replies and ends follows both ways; clearing shows them again.
	SetActorModeration(ctx context.Context, actorID int64, mode string, by *AuditEntry) error
	// ModeratedActors lists blocked and silenced actors.
	ModeratedActors(ctx context.Context) ([]*ModeratedActor, error)
	// ApplyDomainRule stores a domain rule (block, silence or allow) and,
	// for block, hides the host's content and ends follows with its actors
	// in the same transaction; RemoveDomainRule's audited twin is
	// LiftDomainRule, which shows the content again.
	ApplyDomainRule(ctx context.Context, r *DomainRule, by *AuditEntry) error
	LiftDomainRule(ctx context.Context, host string, by *AuditEntry) error
	// HideRemoteObject hides (or shows again) a stored remote event, offer
	// or reply by IRI: staff removed it locally.
	HideRemoteObject(ctx context.Context, iri string, hidden bool, by *AuditEntry) error

	// ReviewEvent approves a partner's proposed activity (StatusPending),
	// which publishes it, or rejects it back to a draft, with the audit
	// entry, in one transaction. An activity not waiting is EINVALID.
	ReviewEvent(ctx context.Context, id int64, approve bool, by *AuditEntry) (*Event, error)
	// AuditLog lists audit entries, newest first.
	AuditLog(ctx context.Context, offset, limit int) ([]*AuditEntry, int, error)
}

// ModeratedActor is a remote actor with its moderation mode.
type ModeratedActor struct {
	Actor     *Actor
	Mode      string
	UpdatedAt time.Time
}
