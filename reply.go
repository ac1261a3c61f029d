package vestiging

import (
	"context"
	"strings"
	"time"
)

// Reply statuses: the moderation of replies, reports and partner content
// shares these words.
const (
	ReplyPending  = "pending"
	ReplyApproved = "approved"
	ReplyRejected = "rejected"
	ReplyRemoved  = "removed" // taken down by staff after it was shown
)

// What a reply answers.
const (
	ReplyToEvent = "event" // an event or a course
	ReplyToOffer = "offer"
)

// Reply is a Note with inReplyTo one of the library's events, courses or
// offers: from a Mastodon user or a resident of another instance (ActorID),
// or from a resident here (PersonID), shown under it once approved.
type Reply struct {
	ID         int64
	ObjectType string // ReplyToEvent or ReplyToOffer
	ObjectID   int64
	// IRI is the Note's id: the remote one, or ours (/replies/{id}) for a
	// resident's reply, set by the store.
	IRI      string
	URL      string // the page to link to, for remote notes
	ActorID  int64  // remote author
	PersonID int64  // local author
	Content  string // sanitised HTML
	// ContentSource is the Markdown a resident here wrote; "" for remote replies.
	ContentSource string
	Status        string
	// Reason is why staff rejected or removed it.
	Reason    string
	CreatedAt time.Time
	UpdatedAt time.Time
	// PublishedAt is when a resident's reply was first approved, as
	// Event.PublishedAt; zero until then and for remote replies.
	PublishedAt time.Time

	// Filled on read.
	AuthorName   string // the person's display name or the actor's
	AuthorHandle string // @handle@host
	Actor        *Actor
}

// Validate checks and normalises a reply.
func (r *Reply) Validate() error {
	v := Validation{}
	if !isOneOf(r.ObjectType, ReplyToEvent, ReplyToOffer) || r.ObjectID == 0 {
		v.Add("object", "A reply answers an event or an offer.")
	}
	if (r.ActorID == 0) == (r.PersonID == 0) {
		v.Add("author", "A reply needs one author.")
	}
	if r.Status == "" {
		r.Status = ReplyPending
	}
	if !isOneOf(r.Status, ReplyPending, ReplyApproved, ReplyRejected, ReplyRemoved) {
		v.Add("status", "Unknown status.")
	}
	if r.ActorID != 0 {
		r.Content, r.ContentSource = SanitizeHTML(r.Content), ""
	} else {
		renderWritten(&r.ContentSource, &r.Content)
	}
	checkText(v, "content", r.ContentSource, r.ActorID == 0, MaxReply)
	checkText(v, "content", r.Content, true, 2*MaxReply)
	r.Reason = strings.TrimSpace(r.Reason)
	checkText(v, "reason", r.Reason, false, 1000)
	return v.Err()
}

// MaxReply caps a reply's text in characters.
const MaxReply = 5000

// ReplyFilter selects replies; zero values mean "any".
type ReplyFilter struct {
	ObjectType string
	ObjectID   int64
	Status     string
	Offset     int
	Limit      int
}

// Normalize applies the paging defaults and caps.
func (f *ReplyFilter) Normalize() error {
	var err error
	f.Offset, f.Limit, err = NormalizePage(f.Offset, f.Limit)
	return err
}

// ReplyService stores replies. A reply's first status follows the
// library's settings: approved at once unless RepliesNeedApproval, the
// author is silenced (actor or domain), or a resident has fewer than
// FirstPostsReviewed approved posts.
type ReplyService interface {
	// CreateReply decides Status as above, stores the reply and fills ID
	// (and IRI for a local author). A remote IRI stored before is ECONFLICT
	// (a duplicate delivery), a deleted one too. An approved local reply is
	// published (PublishJob object "reply") in the same transaction.
	CreateReply(ctx context.Context, r *Reply) error
	// EditRemoteReply applies a remote author's edit (Update) to their
	// stored reply r.IRI: r.Content replaces the text, and a shown reply
	// is decided again as CreateReply would, so where replies wait for
	// approval an edit waits too; r.ID and r.Status are filled. Another actor's
	// or an unknown reply is ENOTFOUND; one staff rejected or removed is
	// EINVALID and keeps its text.
	EditRemoteReply(ctx context.Context, r *Reply) error
	Reply(ctx context.Context, id int64) (*Reply, error)
	ReplyByIRI(ctx context.Context, iri string) (*Reply, error)
	// Replies lists matching replies, oldest first, and the total.
	Replies(ctx context.Context, f ReplyFilter) ([]*Reply, int, error)
	// SetReplyStatus moderates a reply, writing the audit entry in the same
	// transaction; approving a local reply publishes it.
	SetReplyStatus(ctx context.Context, id int64, status, reason string, by *AuditEntry) error
}
