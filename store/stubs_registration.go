package store

// TEMPORARY: replaced by store/registration.go and store/message.go (issue 5).

import (
	"context"

	"github.com/vestiging/vestiging"
)

func notYet() error { return vestiging.Errorf(vestiging.ENOTIMPLEMENT, "not yet") }

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
