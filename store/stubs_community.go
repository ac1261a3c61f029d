package store

// TEMPORARY: replaced by store/reply.go and store/moderation.go (issue 6).

import (
	"context"

	"github.com/vestiging/vestiging"
)

func (db *DB) UpsertRemoteOffer(ctx context.Context, o *vestiging.Offer) error { return notYet() }
func (db *DB) ApprovedPosts(ctx context.Context, personID int64) (int, error)  { return 0, notYet() }

func (db *DB) CreateReply(ctx context.Context, r *vestiging.Reply) error     { return notYet() }
func (db *DB) Reply(ctx context.Context, id int64) (*vestiging.Reply, error) { return nil, notYet() }
func (db *DB) ReplyByIRI(ctx context.Context, iri string) (*vestiging.Reply, error) {
	return nil, notYet()
}
func (db *DB) Replies(ctx context.Context, f vestiging.ReplyFilter) ([]*vestiging.Reply, int, error) {
	return nil, 0, notYet()
}
func (db *DB) SetReplyStatus(ctx context.Context, id int64, status, reason string, by *vestiging.AuditEntry) error {
	return notYet()
}

func (db *DB) CreateReport(ctx context.Context, r *vestiging.Report) error     { return notYet() }
func (db *DB) Report(ctx context.Context, id int64) (*vestiging.Report, error) { return nil, notYet() }
func (db *DB) Reports(ctx context.Context, status string, offset, limit int) ([]*vestiging.Report, int, error) {
	return nil, 0, notYet()
}
func (db *DB) SetReportStatus(ctx context.Context, id int64, status string, by *vestiging.AuditEntry) error {
	return notYet()
}
func (db *DB) SetActorModeration(ctx context.Context, actorID int64, mode string, by *vestiging.AuditEntry) error {
	return notYet()
}
func (db *DB) ModeratedActors(ctx context.Context) ([]*vestiging.ModeratedActor, error) {
	return nil, notYet()
}
func (db *DB) ApplyDomainRule(ctx context.Context, r *vestiging.DomainRule, by *vestiging.AuditEntry) error {
	return notYet()
}
func (db *DB) LiftDomainRule(ctx context.Context, host string, by *vestiging.AuditEntry) error {
	return notYet()
}
func (db *DB) HideRemoteObject(ctx context.Context, iri string, hidden bool, by *vestiging.AuditEntry) error {
	return notYet()
}
func (db *DB) AuditLog(ctx context.Context, offset, limit int) ([]*vestiging.AuditEntry, int, error) {
	return nil, 0, notYet()
}
