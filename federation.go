package vestiging

import (
	"context"
	"time"
)

// Actor is an ActivityPub actor on another server: a library, a resident of
// another library, a Mastodon user.
type Actor struct {
	ID           int64
	IRI          string // the actor's id
	Type         string // Organization, Person, Service, Group, Application
	Username     string // preferredUsername
	Host         string // host[:port] of IRI
	Name         string
	Summary      string // sanitised HTML
	URL          string // profile page
	Inbox        string
	SharedInbox  string // "" when the server has none (GoToSocial)
	KeyID        string
	PublicKeyPEM string
	IconURL      string
	Places       []ActorPlace // where a library's branches are, from its location
	FetchedAt    time.Time
}

// ActorPlace is a place an actor names as its location: a library's branch.
type ActorPlace struct {
	Name      string  `json:"name"`
	Address   string  `json:"address,omitempty"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// DeliveryInbox is where activities for this actor go: the shared inbox
// when the server has one, so one POST serves every follower there.
func (a *Actor) DeliveryInbox() string {
	if a.SharedInbox != "" {
		return a.SharedInbox
	}
	return a.Inbox
}

// Handle returns "@user@host", or the IRI when the username is unknown.
func (a *Actor) Handle() string {
	if a.Username == "" {
		return a.IRI
	}
	return "@" + a.Username + "@" + a.Host
}

// DisplayName is the name to show: the name, else the handle.
func (a *Actor) DisplayName() string {
	if a.Name != "" {
		return a.Name
	}
	return a.Handle()
}

// Follow states of the library following another actor.
const (
	FollowPending  = "pending"
	FollowAccepted = "accepted"
	FollowRejected = "rejected"
)

// Follower is a remote actor following this library.
type Follower struct {
	Actor       *Actor
	ActivityIRI string // their Follow's id, for matching an Undo
	CreatedAt   time.Time
}

// Following is a remote actor this library follows (or asked to).
type Following struct {
	Actor       *Actor
	ActivityIRI string // our Follow's id
	State       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// PersonFollowing is a resident's follow of a remote actor (a library),
// sent as the resident's own Person actor.
type PersonFollowing struct {
	PersonID    int64
	Actor       *Actor
	ActivityIRI string // the resident's Follow's id
	State       string // FollowPending, FollowAccepted or FollowRejected
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// KnownLibrary is a remote library in the directory: one the library
// follows or that follows it.
type KnownLibrary struct {
	Actor    *Actor
	Upcoming int  // its upcoming events stored here
	Followed bool // the library follows it (accepted)
	Follower bool // it follows the library
}

// NetworkResult is what following every library in the network did.
type NetworkResult struct {
	Found    int // libraries in the network the library did not follow yet
	Followed int // of those, the ones asked to be followed now
}

// Activity is an activity this library published: its outbox.
type Activity struct {
	ID        int64
	IRI       string
	Type      string // Create, Update, Delete, Announce, Follow, Accept, …
	ObjectIRI string
	JSON      []byte // the whole activity as sent, with @context
	Public    bool   // listed in the outbox (Follow and Accept are not)
	CreatedAt time.Time
}

// Host is what this instance knows of a remote server's health as a
// delivery target: a circuit breaker and the "unavailable" mark.
type Host struct {
	Host         string
	Failures     int       // consecutive failed deliveries
	FirstFailure time.Time // start of the current run of failures; zero when healthy
	LastFailure  time.Time
	LastSuccess  time.Time
	RetryAfter   time.Time // the breaker is open until then: deliveries wait
	// UnavailableSince is when the host had failed for UnavailableAfter;
	// zero while it is available. Any success or signed request clears it.
	UnavailableSince time.Time
	LastError        string
}

// Domain rule modes: a blocked host is refused everywhere; in allowlist
// mode only allowed hosts federate.
const (
	DomainBlock = "block"
	DomainAllow = "allow"
)

// DomainRule blocks or allows a remote host.
type DomainRule struct {
	Host      string
	Mode      string
	Reason    string
	CreatedAt time.Time
}

// JobArgs is background work. Its Kind names the worker; it matches River's
// JobArgs, so the store can queue it in the transaction of the change that
// causes it.
type JobArgs interface {
	Kind() string
}

// DeliveryQueue is the job queue of outgoing deliveries, worked by workers
// of its own (store.JobsConfig.DeliveryWorkers): a fan-out's thousands of
// deliveries, which mostly wait on other servers, then never hold up the
// inbox's jobs and the rest, nor wait behind them.
const DeliveryQueue = "delivery"

// InboxQueue is the job queue of received activities that are applied
// with what they carry, worked by workers of their own
// (store.JobsConfig.InboxWorkers), about as many as there are cores:
// applying is work for the processor and the database, and more at once
// would only take the processor from the inbox's door and the pages. An
// activity whose applying may wait on another server goes to the default
// queue instead.
const InboxQueue = "inbox"

// PublishAction names the activity that a change of a local object sends
// to followers: Create when it becomes public, Update while it stays public,
// Delete when it stops being public, "" otherwise. Events are public when
// published or cancelled; offers when approved.
func PublishAction(wasPublic, isPublic bool) string {
	switch {
	case !wasPublic && isPublic:
		return "Create"
	case wasPublic && isPublic:
		return "Update"
	case wasPublic && !isPublic:
		return "Delete"
	}
	return ""
}

// IsPublic reports whether an event status is visible to the public and followers.
func IsPublic(status string) bool { return status == StatusPublished || status == StatusCancelled }

// PublishJob asks federation to tell the followers about a change to a local
// object. The store queues it in the same transaction as the change.
type PublishJob struct {
	Object string `json:"object"` // KindEvent, KindCourse or "offer"
	ID     int64  `json:"id"`
	Action string `json:"action"` // "Create", "Update" or "Delete"
	// At is when the change happened: Update and Delete activities carry
	// it, and it makes each change's activity id unique.
	At time.Time `json:"at"`
	// Author is set on the Delete of an offer or reply that goes with its
	// author's account: who published it, since neither row is left when
	// the job runs.
	Author *Author `json:"author,omitempty"`
}

// Kind implements JobArgs.
func (PublishJob) Kind() string { return "publish" }

// ActorUpdateJob tells federation that what an actor shows changed (the
// library's profile or a branch; a resident's name or whether they can be
// found), so its followers get an Update of the actor. The store queues it
// in the same transaction as the change.
type ActorUpdateJob struct {
	// PersonID is the resident whose Person actor changed; 0 is the library.
	PersonID int64 `json:"person_id,omitempty"`
	// At is when it changed; it makes each change's activity id unique.
	At time.Time `json:"at"`
}

// Kind implements JobArgs.
func (ActorUpdateJob) Kind() string { return "actor_update" }

// Author is a deleted resident as their published content named them.
type Author struct {
	PersonID int64  `json:"person_id"`
	Handle   string `json:"handle,omitempty"`
	Role     string `json:"role,omitempty"`
}

// FederationService stores what federation needs: the instance key, remote
// actors, follow relations, the outbox, remote events, host health and
// domain rules.
type FederationService interface {
	// InstanceKey returns the library actor's private key (PEM), creating it
	// with generate the first time; every process sharing the database gets
	// the same key.
	InstanceKey(ctx context.Context, generate func() (string, error)) (string, error)

	Actor(ctx context.Context, id int64) (*Actor, error)
	ActorByIRI(ctx context.Context, iri string) (*Actor, error)
	ActorByKeyID(ctx context.Context, keyID string) (*Actor, error)
	// UpsertActor stores a (re)fetched actor by IRI and fills its ID. A key
	// id belongs to one actor: one another actor holds is ECONFLICT.
	UpsertActor(ctx context.Context, a *Actor) error

	// AddFollower records a follower; doing it twice changes nothing.
	AddFollower(ctx context.Context, actorID int64, activityIRI string) error
	RemoveFollower(ctx context.Context, actorID int64) error
	Followers(ctx context.Context, offset, limit int) ([]*Follower, int, error)
	// FollowerInboxes lists the distinct delivery inboxes of all followers.
	FollowerInboxes(ctx context.Context) ([]string, error)

	// SetFollowing creates or updates the library's follow of an actor.
	SetFollowing(ctx context.Context, f *Following) error
	FollowingByActor(ctx context.Context, actorID int64) (*Following, error)
	FollowingByActivity(ctx context.Context, activityIRI string) (*Following, error)
	RemoveFollowing(ctx context.Context, actorID int64) error
	Followings(ctx context.Context, offset, limit int) ([]*Following, int, error)

	// PersonKey returns a resident's private key (PEM), creating it with
	// generate the first time; racing callers get the same key. With a nil
	// generate a missing key is ENOTFOUND.
	PersonKey(ctx context.Context, personID int64, generate func() (string, error)) (string, error)
	// RemovePersonKey forgets a deleted resident's key.
	RemovePersonKey(ctx context.Context, personID int64) error

	// SetPersonFollowing creates or updates a resident's follow of an actor.
	SetPersonFollowing(ctx context.Context, f *PersonFollowing) error
	PersonFollowing(ctx context.Context, personID, actorID int64) (*PersonFollowing, error)
	PersonFollowingByActivity(ctx context.Context, activityIRI string) (*PersonFollowing, error)
	// PersonFollowings lists a resident's follows, newest first.
	PersonFollowings(ctx context.Context, personID int64) ([]*PersonFollowing, error)
	RemovePersonFollowing(ctx context.Context, personID, actorID int64) error
	// AddPersonFollower records a remote actor following a resident; doing
	// it twice changes nothing.
	AddPersonFollower(ctx context.Context, personID, actorID int64, activityIRI string) error
	RemovePersonFollower(ctx context.Context, personID, actorID int64) error
	// PersonFollowers lists a resident's followers, oldest first.
	PersonFollowers(ctx context.Context, personID int64) ([]*Follower, error)
	// FollowedLocally reports whether the library or any resident follows
	// the actor and was accepted: its events are then stored here.
	FollowedLocally(ctx context.Context, actorID int64) (bool, error)
	// KnownLibraries lists the directory: remote organisations the library
	// follows or is followed by, by name.
	KnownLibraries(ctx context.Context, now time.Time) ([]*KnownLibrary, error)

	// SaveActivity stores an outgoing activity and queues jobs (its
	// deliveries) in one transaction. An activity whose IRI is already stored
	// changes nothing and queues nothing, so a retried job does not send twice.
	SaveActivity(ctx context.Context, a *Activity, jobs []JobArgs) (saved bool, err error)
	// SaveActivityToFollowers is SaveActivity whose jobs are deliver(inbox)
	// for each distinct delivery inbox of the followers, read in the same
	// transaction a page at a time, so memory does not grow with them.
	SaveActivityToFollowers(ctx context.Context, a *Activity, deliver func(inbox string) JobArgs) (saved bool, err error)
	Activities(ctx context.Context, offset, limit int) ([]*Activity, int, error)
	ActivityByIRI(ctx context.Context, iri string) (*Activity, error)
	// LastActivity returns the newest activity of type typ about objectIRI
	// (the Delete that made an object a tombstone), or ENOTFOUND.
	LastActivity(ctx context.Context, objectIRI, typ string) (*Activity, error)

	// FirstSeen records an incoming activity id and reports whether it is
	// new: an activity delivered twice is applied once.
	FirstSeen(ctx context.Context, activityIRI string) (bool, error)
	// UpsertRemoteEvent stores a remote event by IRI (OriginID set) and
	// fills its ID. An IRI its origin deleted before stays deleted, and a
	// version older (RemoteUpdatedAt) than the stored one is not stored:
	// both ECONFLICT, so a Create after its Delete, or an Update overtaken
	// by a later one, changes nothing. An event stored as another origin's
	// is refused (EFORBIDDEN): nothing moves an event's origin.
	UpsertRemoteEvent(ctx context.Context, e *Event) error
	// DeleteRemoteObject removes what by owns under iri (an event it is the
	// origin of, an offer it wrote or announced, a reply it wrote, or by
	// itself) and remembers the iri as deleted by by. What others own is
	// left as it is.
	DeleteRemoteObject(ctx context.Context, iri string, by *Actor) error

	// InsertJob queues background work outside any other change.
	InsertJob(ctx context.Context, args JobArgs) error
	// WakeJobs makes the waiting jobs of kind whose arguments contain text
	// due now, and returns how many: a host that answers again need not
	// wait out the retries of what it missed.
	WakeJobs(ctx context.Context, kind, text string) (int, error)

	Hosts(ctx context.Context) ([]*Host, error)
	HostByName(ctx context.Context, host string) (*Host, error)
	// RecordDelivery updates a host's health after a delivery attempt with
	// Host.RecordFailure (deliveryErr set) or RecordSuccess, atomically, and
	// returns the new state. A signed request from the host counts as a success.
	RecordDelivery(ctx context.Context, host string, at time.Time, deliveryErr error) (*Host, error)
	// ClaimHostTrial moves host's RetryAfter from was to until and reports
	// whether this call did: of the deliveries that find a breaker's time
	// up (Host.HalfOpen), one tries the host and the others wait.
	ClaimHostTrial(ctx context.Context, host string, was, until time.Time) (bool, error)

	DomainRules(ctx context.Context) ([]*DomainRule, error)
	SetDomainRule(ctx context.Context, r *DomainRule) error
	RemoveDomainRule(ctx context.Context, host string) error
}
