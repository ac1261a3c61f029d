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
	Theme       string
	Area        string // neighbourhood or town
	Contact     string // how to respond, as the author wrote it
	AuthorID    int64
	AuthorName  string // filled on read
	Status      string
	Reason      string // why staff rejected it, shown to the author
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

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
	o.Description = SanitizeHTML(o.Description)
	checkText(v, "description", o.Description, true, MaxDescription)
	checkText(v, "area", strings.TrimSpace(o.Area), false, 100)
	checkText(v, "contact", strings.TrimSpace(o.Contact), false, 300)
	checkText(v, "reason", o.Reason, false, 1000)
	if o.AuthorID == 0 {
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
	Offset   int
	Limit    int
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
	// SetOfferStatus moves an offer to status with a reason (for rejections).
	SetOfferStatus(ctx context.Context, id int64, status, reason string) error
}
