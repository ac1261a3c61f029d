package store

// TEMPORARY: replaced by store/registration.go and store/message.go (issue 5).

import (
	"context"
	"time"

	"github.com/vestiging/vestiging"
)

func notYet() error { return vestiging.Errorf(vestiging.ENOTIMPLEMENT, "not yet") }

func (db *DB) Register(ctx context.Context, r *vestiging.Registration) error { return notYet() }
func (db *DB) ConfirmGuest(ctx context.Context, tokenHash string) (*vestiging.Registration, error) {
	return nil, notYet()
}
func (db *DB) CancelRegistration(ctx context.Context, id int64) (*vestiging.Registration, error) {
	return nil, notYet()
}
func (db *DB) SetRegistrationState(ctx context.Context, id int64, state string) (*vestiging.Registration, error) {
	return nil, notYet()
}
func (db *DB) CheckIn(ctx context.Context, id int64, attended bool) error { return notYet() }
func (db *DB) Registration(ctx context.Context, id int64) (*vestiging.Registration, error) {
	return nil, notYet()
}
func (db *DB) RegistrationByToken(ctx context.Context, tokenHash string) (*vestiging.Registration, error) {
	return nil, notYet()
}
func (db *DB) RegistrationByJoin(ctx context.Context, joinIRI string) (*vestiging.Registration, error) {
	return nil, notYet()
}
func (db *DB) ActiveRegistration(ctx context.Context, eventID, personID, actorID int64) (*vestiging.Registration, error) {
	return nil, notYet()
}
func (db *DB) Registrations(ctx context.Context, f vestiging.RegistrationFilter) ([]*vestiging.Registration, int, error) {
	return nil, 0, notYet()
}
func (db *DB) AnonymizeRegistrations(ctx context.Context, before time.Time) (int, error) {
	return 0, notYet()
}

func (db *DB) CreateMessage(ctx context.Context, m *vestiging.Message) error { return notYet() }
func (db *DB) Message(ctx context.Context, id int64) (*vestiging.Message, error) {
	return nil, notYet()
}
func (db *DB) MessageByIRI(ctx context.Context, iri string) (*vestiging.Message, error) {
	return nil, notYet()
}
func (db *DB) Messages(ctx context.Context, personID int64, offset, limit int) ([]*vestiging.Message, int, error) {
	return nil, 0, notYet()
}
func (db *DB) MarkMessageRead(ctx context.Context, id int64) error { return notYet() }
