package federation

import (
	"context"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/riverqueue/river"
	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/metrics"
)

// DefaultHandle is the library actor's preferredUsername unless configured.
const DefaultHandle = "agenda"

// Config configures a Federator.
type Config struct {
	Services   vestiging.Services          // the library, events, offers
	Federation vestiging.FederationService // actors, follows, outbox, hosts
	BaseURL    *url.URL                    // the public URL; its host is the instance's domain
	// MediaURL is where uploads are served when they have a host of their
	// own; nil when they are under BaseURL. Its host is ours too.
	MediaURL *url.URL
	Handle   string       // the library actor's username; DefaultHandle when empty
	Client   *http.Client // from NewClient; every outbound request goes through it
	Clock    vestiging.Clock
	Logger   *slog.Logger
	// AuthorizedFetch requires a valid signature on GETs of ActivityPub documents.
	AuthorizedFetch bool
	// Allowlist mode: only hosts with an allow rule federate.
	Allowlist bool
	// Metrics counts inbox activities and deliveries; nil counts nothing.
	Metrics *metrics.Metrics
	// PostLimit is how many replies and reports (Flags) one remote actor
	// may send per PostWindow; more are answered 429. 0: DefaultPostLimit.
	PostLimit  int
	PostWindow time.Duration
}

// The default limit of replies and reports per remote actor: a lively
// conversation fits, a flood does not.
const (
	DefaultPostLimit  = 30
	DefaultPostWindow = 10 * time.Minute
)

// Federator is this instance's ActivityPub side: the library actor, its
// documents and collections, the inbox, publishing and delivery.
type Federator struct {
	cfg     Config
	key     *rsa.PrivateKey
	signer  *Signer
	fetcher *Fetcher
	log     *slog.Logger
	routes  routes     // the HTTP side, built on first use (routes.go)
	in      inboxState // the inbox's key cache and host checks (inbox.go)
	sent    sentActivities
}

// New loads the library actor's key (creating it once, in the database) and
// returns the Federator.
func New(ctx context.Context, cfg Config) (*Federator, error) {
	if cfg.Handle == "" {
		cfg.Handle = DefaultHandle
	}
	if cfg.Clock == nil {
		cfg.Clock = vestiging.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Client == nil {
		cfg.Client = NewClient(ClientOptions{UserAgent: UserAgent(cfg.BaseURL)})
	}
	pemKey, err := cfg.Federation.InstanceKey(ctx, func() (string, error) {
		k, err := GenerateKey()
		if err != nil {
			return "", err
		}
		return EncodePrivateKeyPEM(k)
	})
	if err != nil {
		return nil, fmt.Errorf("instance key: %w", err)
	}
	key, err := ParsePrivateKeyPEM(pemKey)
	if err != nil {
		return nil, fmt.Errorf("instance key: %w", err)
	}
	if cfg.PostLimit <= 0 {
		cfg.PostLimit = DefaultPostLimit
	}
	if cfg.PostWindow <= 0 {
		cfg.PostWindow = DefaultPostWindow
	}
	signer := &Signer{KeyID: KeyID(cfg.BaseURL), Key: key, Clock: cfg.Clock}
	return &Federator{
		cfg:     cfg,
		key:     key,
		signer:  signer,
		fetcher: &Fetcher{Client: cfg.Client, Signer: signer},
		log:     cfg.Logger,
	}, nil
}

// UserAgent names this software and instance to remote servers.
func UserAgent(base *url.URL) string {
	return "Vestiging/" + vestiging.Version + " (+" + base.String() + ")"
}

// KeyID is the library actor's key id.
func KeyID(base *url.URL) string { return ActorID(base) + "#main-key" }

// DeliverJob posts one stored activity to one inbox. One job per distinct
// (shared) inbox, so a server with many followers gets one POST.
type DeliverJob struct {
	ActivityIRI string `json:"activity"`
	Inbox       string `json:"inbox"`
	// PersonID signs with that resident's key: the activity is theirs.
	PersonID int64 `json:"person,omitempty"`
}

// Kind implements vestiging.JobArgs.
func (DeliverJob) Kind() string { return "deliver" }

// send stores an activity in the outbox and queues its deliveries in one
// transaction. Sending the same activity IRI twice queues nothing.
func (f *Federator) send(ctx context.Context, a *vestiging.Activity, inboxes []string) error {
	return f.sendAs(ctx, 0, a, inboxes)
}

// sendAs is send for an activity of a resident (personID), or of the
// library (0).
func (f *Federator) sendAs(ctx context.Context, personID int64, a *vestiging.Activity, inboxes []string) error {
	jobs := make([]vestiging.JobArgs, 0, len(inboxes))
	seen := map[string]bool{}
	for _, in := range inboxes {
		if in == "" || seen[in] {
			continue
		}
		seen[in] = true
		jobs = append(jobs, DeliverJob{ActivityIRI: a.IRI, Inbox: in, PersonID: personID})
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = f.cfg.Clock()
	}
	if _, err := f.cfg.Federation.SaveActivity(ctx, a, jobs); err != nil {
		return fmt.Errorf("send %s %s: %w", a.Type, a.IRI, err)
	}
	return nil
}

// sendToFollowers is sendAs to every follower of the library: one job per
// distinct (shared) inbox, queued as the store reads them, so a fan-out to
// any number of followers holds a page of them at a time.
func (f *Federator) sendToFollowers(ctx context.Context, personID int64, a *vestiging.Activity) error {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = f.cfg.Clock()
	}
	_, err := f.cfg.Federation.SaveActivityToFollowers(ctx, a, func(inbox string) vestiging.JobArgs {
		return DeliverJob{ActivityIRI: a.IRI, Inbox: inbox, PersonID: personID}
	})
	if err != nil {
		return fmt.Errorf("send %s %s: %w", a.Type, a.IRI, err)
	}
	return nil
}

// now is the federator's clock, in UTC.
func (f *Federator) now() time.Time { return f.cfg.Clock().UTC() }

// AddWorkers registers every federation job worker (inbox processing,
// publishing, delivery, backfill, participation, direct Notes and
// outgoing reports) with River.
func (f *Federator) AddWorkers(w *river.Workers) {
	f.addInboxWorkers(w)
	f.addOutboxWorkers(w)
	f.addParticipationWorkers(w)
	f.addModerationWorkers(w)
}
