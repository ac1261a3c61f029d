package vestiging

import (
	"context"
	"strings"
	"time"
)

// Offer kinds: a resident offers help, or asks for it.
const (
	OfferKindOffer   = "offer"
	OfferKindRequest = "request"
)

// Offer statuses.
const (
	OfferPending  = "pending"
	OfferApproved = "approved"
	OfferRejected = "rejected"
	OfferClosed   = "closed"
)

// Offer is an entry on the "vraag en aanbod" board.
type Offer struct {
	ID          int64
	Kind        string
	Title       string
	Description string // sanitised HTML
	// DescriptionSource is the Markdown the author wrote; "" for remote offers.
	DescriptionSource string
	Theme             string
	Area              string // neighbourhood or town
	Contact           string // how to respond, as the author wrote it
	AuthorID          int64
	AuthorName        string // filled on read
	Status            string
	Reason            string // why staff rejected it, shown to the author
	CreatedAt         time.Time
	UpdatedAt         time.Time
	// PublishedAt is when a local offer was first approved, as
	// Event.PublishedAt; zero until then.
	PublishedAt time.Time

	// Remote offers come from libraries this one follows, announced by
	// them; AuthorID is then 0 and AuthorActorID the resident's actor there.
	IRI           string // the Page's id; "" for local offers
	URL           string
	OriginID      *int64 // Actor.ID of the library that announced it
	Origin        *Actor // filled on read when OriginID is set
	AuthorActorID *int64
	AuthorActor   *Actor // filled on read when AuthorActorID is set
	// RemoteUpdatedAt is the version, as for Event.RemoteUpdatedAt.
	RemoteUpdatedAt time.Time
	// Hidden: removed locally by staff, or from a blocked or silenced
	// actor or domain; hidden offers are on no board.
	Hidden bool
}

// Remote reports whether the offer came from another server.
func (o *Offer) Remote() bool { return o.IRI != "" }

// Validate checks and normalises an offer.
func (o *Offer) Validate() error {
	v := Validation{}
	if o.Status == "" {
		o.Status = OfferPending
	}
	if !isOneOf(o.Kind, OfferKindOffer, OfferKindRequest) {
		v.Add("kind", "Choose offer or request.")
	}
	if !isOneOf(o.Status, OfferPending, OfferApproved, OfferRejected, OfferClosed) {
		v.Add("status", "Unknown status.")
	}
	o.Title = strings.TrimSpace(o.Title)
	checkText(v, "title", o.Title, true, 200)
	if o.Remote() {
		o.Description, o.DescriptionSource = SanitizeHTML(o.Description), ""
	} else {
		renderWritten(&o.DescriptionSource, &o.Description)
	}
	checkText(v, "description", o.DescriptionSource, !o.Remote(), MaxDescription)
	checkText(v, "description", o.Description, true, 2*MaxDescription)
	checkText(v, "area", strings.TrimSpace(o.Area), false, 100)
	checkText(v, "contact", strings.TrimSpace(o.Contact), false, 300)
	checkText(v, "reason", o.Reason, false, 1000)
	if o.AuthorID == 0 && o.AuthorActorID == nil {
		v.Add("author", "An offer needs an author.")
	}
	return v.Err()
}

// OfferFilter selects offers; zero values mean "any".
type OfferFilter struct {
	Kind     string
	Theme    string
	Area     string
	Status   string
	AuthorID int64
	// Source: "" for all, "local" or "remote".
	Source string
	// Query matches words in title and description.
	Query  string
	Offset int
	Limit  int
}

// Normalize applies the paging defaults and caps.
func (f *OfferFilter) Normalize() error {
	var err error
	f.Offset, f.Limit, err = NormalizePage(f.Offset, f.Limit)
	return err
}

// OfferService stores and moderates offers.
type OfferService interface {
	Offer(ctx context.Context, id int64) (*Offer, error)
	// FindOffers returns one page of matching offers, newest first, and the total.
	FindOffers(ctx context.Context, f OfferFilter) ([]*Offer, int, error)
	CreateOffer(ctx context.Context, o *Offer) error
	UpdateOffer(ctx context.Context, o *Offer) error
	// SetOfferStatus moves an offer to status with a reason (for
	// rejections) and writes the audit entry (when by is set) in the same
	// transaction. Approving publishes it: the library Announces the Page.
	SetOfferStatus(ctx context.Context, id int64, status, reason string, by *AuditEntry) error
	// UpsertRemoteOffer stores an announced remote offer by IRI and fills
	// its ID; an IRI deleted before stays deleted, and a version older
	// (RemoteUpdatedAt) than the stored one is not stored (ECONFLICT), and
	// an offer stored with another origin or author is refused
	// (EFORBIDDEN): nothing moves an offer to another owner.
	UpsertRemoteOffer(ctx context.Context, o *Offer) error
	// ApprovedPosts counts a person's approved offers and replies, for
	// Library.FirstPostsReviewed.
	ApprovedPosts(ctx context.Context, personID int64) (int, error)
}

// OfferMailJob tells a resident here that staff approved or rejected
// their offer (with the reason). SetOfferStatus queues it in the
// moderation's transaction; its worker writes the mail when it runs.
type OfferMailJob struct {
	OfferID int64  `json:"offer_id"`
	Status  string `json:"status"`
	// Key names the moderation (its audit entry), so the job is queued once.
	Key string `json:"key,omitempty" river:"unique"`
}

// Kind implements JobArgs.
func (OfferMailJob) Kind() string { return "offer_mail" }

// OnceKey implements Once.
func (j OfferMailJob) OnceKey() string { return j.Key }
