package vestiging

import (
	"context"
	"time"
)

// Message is a private message to or from a resident here: a response to
// an offer, the author's answer, or a direct Note from another server (a
// reminder from a library where the resident signed up). Sender and
// recipient are each a local person or a remote actor; email addresses are
// never part of a message.
type Message struct {
	ID           int64
	FromPersonID int64
	FromActorID  int64
	ToPersonID   int64
	ToActorID    int64
	// OfferID is the offer (local or remote) the conversation is about.
	OfferID int64
	// EventID is the event a library's notice is about.
	EventID int64
	// IRI is a received Note's id (a duplicate is ECONFLICT); "" for
	// messages sent from here, whose Note federation names by ID.
	IRI       string
	InReplyTo string // the Note answered, if any
	Content   string // sanitised HTML
	CreatedAt time.Time
	ReadAt    *time.Time

	// Filled on read.
	FromName string
	ToName   string
}

// Validate checks and normalises a message.
func (m *Message) Validate() error {
	v := Validation{}
	if (m.FromPersonID == 0) == (m.FromActorID == 0) {
		v.Add("from", "A message needs one sender.")
	}
	if (m.ToPersonID == 0) == (m.ToActorID == 0) {
		v.Add("to", "A message needs one recipient.")
	}
	m.Content = SanitizeHTML(m.Content)
	checkText(v, "content", m.Content, true, 5000)
	return v.Err()
}

// MessageService stores private messages.
type MessageService interface {
	// CreateMessage stores a message and fills ID; one sent from here
	// keeps IRI "" (federation names its Note by ID). For a local recipient
	// it queues MessageMailJob, for a remote one SendNoteJob, in the same
	// transaction.
	CreateMessage(ctx context.Context, m *Message) error
	Message(ctx context.Context, id int64) (*Message, error)
	MessageByIRI(ctx context.Context, iri string) (*Message, error)
	// Messages lists the messages a person sent or received, newest first.
	Messages(ctx context.Context, personID int64, offset, limit int) ([]*Message, int, error)
	MarkMessageRead(ctx context.Context, id int64) error
}

// MessageMailJob tells a local person by email that a message arrived,
// with its text and a link to answer on the site (no sender address).
type MessageMailJob struct {
	MessageID int64 `json:"message_id"`
}

// Kind implements JobArgs.
func (MessageMailJob) Kind() string { return "message_mail" }

// SendNoteJob delivers a message to its remote recipient as a direct Note
// (addressed to them only) from the sender's Person actor.
type SendNoteJob struct {
	MessageID int64 `json:"message_id"`
}

// Kind implements JobArgs.
func (SendNoteJob) Kind() string { return "send_note" }
