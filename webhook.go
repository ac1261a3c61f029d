package vestiging

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhook events: what the library's other systems can hear of.
const (
	HookRegistrationCreated   = "registration.created"   // a place or a waitlist spot taken
	HookRegistrationCancelled = "registration.cancelled" // by the person, staff or a Leave
	HookRegistrationPromoted  = "registration.promoted"  // a waitlist place given
	HookEventPublished        = "event.published"        // public for the first time (again)
	HookEventChanged          = "event.changed"          // a public event edited
	HookEventCancelled        = "event.cancelled"
	HookOfferSubmitted        = "offer.submitted" // waits for moderation
	HookReportReceived        = "report.received" // from a resident or another server
	// HookTest is what the "send a test" button sends, to one webhook.
	HookTest = "webhook.test"
)

// HookEvents lists the events a webhook can subscribe to, in form order.
var HookEvents = []string{HookRegistrationCreated, HookRegistrationCancelled, HookRegistrationPromoted,
	HookEventPublished, HookEventChanged, HookEventCancelled, HookOfferSubmitted, HookReportReceived}

// Webhook sends the events it subscribed to, signed with Secret, to URL.
type Webhook struct {
	ID     int64
	URL    string
	Events []string
	// Secret signs every delivery (HMAC-SHA256); shown to the admin once.
	Secret    string
	CreatedBy int64
	CreatedAt time.Time
}

// NewWebhookSecret returns a random signing secret.
func NewWebhookSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b)
}

// Validate checks and normalises a webhook.
func (h *Webhook) Validate() error {
	v := Validation{}
	checkURL(v, "url", &h.URL)
	if h.URL == "" {
		v.Add("url", "This field is required.")
	} else if u, err := url.Parse(h.URL); err == nil && (u.User != nil || u.Fragment != "") {
		v.Add("url", "Give the address without a user name, password or #fragment.")
	}
	checkChoices(v, "events", &h.Events, HookEvents, "Choose at least one event.")
	if len(h.Secret) < 32 {
		v.Add("secret", "A webhook needs a secret.")
	}
	return v.Err()
}

// Wants reports whether the webhook subscribed to event.
func (h *Webhook) Wants(event string) bool { return slices.Contains(h.Events, event) }

// Delivery states.
const (
	DeliveryPending   = "pending"   // queued, or waiting to be tried again
	DeliveryDelivered = "delivered" // answered 2xx
	DeliveryFailed    = "failed"    // given up
)

// WebhookDelivery is one event sent (or to be sent) to one webhook, with
// the outcome of its latest attempt.
type WebhookDelivery struct {
	ID        int64
	WebhookID int64
	Event     string
	// Data is the event's JSON object, fixed when the change happened; the
	// body sent wraps it with the delivery's id, event and time.
	Data          []byte
	Status        string
	Attempts      int
	ResponseCode  int    // of the latest attempt; 0 when none was answered
	Error         string // why the latest attempt failed
	CreatedAt     time.Time
	LastAttemptAt *time.Time
}

// WebhookJob delivers one WebhookDelivery. The store queues it in the
// transaction of the change that caused it.
type WebhookJob struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind implements JobArgs.
func (WebhookJob) Kind() string { return "webhook" }

// HookData are the objects webhook events carry: ids and what a receiver
// needs to decide whether to fetch more through the API. No personal data.
type HookData struct {
	Event        *HookEvent        `json:"event,omitempty"`
	Registration *HookRegistration `json:"registration,omitempty"`
	Offer        *HookOffer        `json:"offer,omitempty"`
	Report       *HookReport       `json:"report,omitempty"`
	Webhook      *HookWebhook      `json:"webhook,omitempty"`
}

// HookEvent is an event or course in a webhook.
type HookEvent struct {
	ID       int64     `json:"id"`
	Kind     string    `json:"kind"`
	Title    string    `json:"title"`
	Status   string    `json:"status"`
	StartsAt time.Time `json:"starts_at"`
}

// HookRegistration is a registration in a webhook.
type HookRegistration struct {
	ID      int64  `json:"id"`
	EventID int64  `json:"event_id"`
	State   string `json:"state"`
}

// HookOffer is an offer or request in a webhook.
type HookOffer struct {
	ID    int64  `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
}

// HookReport is a report in a webhook.
type HookReport struct {
	ID int64 `json:"id"`
}

// HookWebhook names the webhook a test delivery is for.
type HookWebhook struct {
	ID int64 `json:"id"`
}

// HookEventOf is the HookEvent of e.
func HookEventOf(e *Event) *HookEvent {
	return &HookEvent{ID: e.ID, Kind: e.Kind, Title: e.Title, Status: e.Status, StartsAt: e.StartsAt}
}

// CheckIntranetHost normalises the one host name an admin lets webhooks
// reach on the library's own network; "" allows none. An address is not a
// name: allowing one would let a name that resolves there in too.
func CheckIntranetHost(host string) (string, error) {
	host = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(host), "."))
	if host == "" {
		return "", nil
	}
	if net.ParseIP(host) != nil || len(host) > 253 || !validHostname(host) {
		return "", &Error{Code: EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"intranet_host": "Give a host name, such as crm.bibliotheek.local, without http:// or a port."}}
	}
	return host, nil
}

func validHostname(host string) bool {
	for label := range strings.SplitSeq(host, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// WebhookService keeps webhooks and their deliveries. Every change that a
// webhook subscribed to queues its WebhookDelivery and WebhookJob in the
// change's own transaction.
type WebhookService interface {
	// CreateWebhook stores a webhook with the audit entry and fills ID.
	CreateWebhook(ctx context.Context, h *Webhook, by *AuditEntry) error
	Webhook(ctx context.Context, id int64) (*Webhook, error)
	// Webhooks lists every webhook, oldest first.
	Webhooks(ctx context.Context) ([]*Webhook, error)
	// DeleteWebhook removes a webhook and its deliveries, with the audit entry.
	DeleteWebhook(ctx context.Context, id int64, by *AuditEntry) error
	// TestWebhook queues a HookTest delivery to one webhook.
	TestWebhook(ctx context.Context, id int64) (*WebhookDelivery, error)
	// WebhookDeliveries lists a webhook's deliveries, newest first.
	WebhookDeliveries(ctx context.Context, webhookID int64, offset, limit int) ([]*WebhookDelivery, int, error)
	WebhookDelivery(ctx context.Context, id int64) (*WebhookDelivery, error)
	// RecordWebhookAttempt stores an attempt's outcome: Status, Attempts,
	// ResponseCode, Error and LastAttemptAt of d.
	RecordWebhookAttempt(ctx context.Context, d *WebhookDelivery) error
	// IntranetHost is the one host name webhooks may reach on a private
	// address; "" for none.
	IntranetHost(ctx context.Context) (string, error)
	// SetIntranetHost changes it (CheckIntranetHost) with the audit entry.
	SetIntranetHost(ctx context.Context, host string, by *AuditEntry) error
}
