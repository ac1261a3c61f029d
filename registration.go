package vestiging

import (
	"context"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Registration states. A place is held only while confirmed; the waitlist
// is served in order of WaitlistedAt.
const (
	// RegistrationPending: a guest who has not yet confirmed their address,
	// or (for a remote event) a Join sent and not yet answered. It holds
	// no place.
	RegistrationPending    = "pending"
	RegistrationConfirmed  = "confirmed"  // has a place
	RegistrationWaitlisted = "waitlisted" // waits for a place
	RegistrationCancelled  = "cancelled"  // by the person, by staff, or by a Leave
	RegistrationRejected   = "rejected"   // refused: full without waitlist, closed, blocked
)

// Kinds of place at a hybrid event (Event.Hybrid).
const (
	AttendanceInPerson = "in_person"
	AttendanceOnline   = "online"
)

// Online reports whether the registration's place lets its holder in
// online: at a hybrid event its kind says, at another whether the event
// meets online at all.
func (r *Registration) Online(e *Event) bool { return e.As(r.Attendance).HasOnlineMeeting() }

// Registration is one sign-up for an event or a course (a course sign-up
// covers all its sessions). Exactly one of PersonID, ActorID or GuestEmail
// says who signed up:
//   - PersonID: a resident of this instance; for an event of another
//     library the registration mirrors the state that library answered.
//   - ActorID: a resident of another instance who sent a Join here.
//   - GuestEmail: a guest without an account (where the library allows it).
type Registration struct {
	ID         int64
	EventID    int64
	PersonID   int64
	ActorID    int64
	GuestName  string
	GuestEmail string
	State      string
	// Attendance is the kind of place at a hybrid event (AttendanceInPerson
	// or AttendanceOnline); "" at any other, which has one kind.
	Attendance string
	// JoinIRI is the Join's id: the remote actor's for ActorID, ours for a
	// resident's registration at another library. Answers (Accept,
	// TentativeAccept, Reject) carry it as their object.
	JoinIRI string
	// CancelTokenHash is the hash of the secret in the cancel (and guest
	// confirmation) link; the token itself goes only into the mail.
	CancelTokenHash string
	CheckedInAt     *time.Time // attendance marked by staff
	WaitlistedAt    *time.Time // the place in the waitlist's order
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// AnonymizedAt is set once the personal data is gone (AnonymizeRegistrations).
	AnonymizedAt *time.Time
	// CancelToken is the raw link token (NewToken) the caller of Register
	// sets for local people and guests: the store keeps only its hash and
	// hands the token to the first RegistrationMailJob. Never stored.
	CancelToken string
	// Answers to the event's questions, in their order; Register checks
	// and stores them, reads fill them (with each question's label).
	Answers []Answer

	// Filled on read.
	Name  string // the person's, actor's or guest's name
	Email string // local people and guests only; "" for remote actors
	// Handle is a local person's name in the network, without the host
	// (Person.Handle); "" for guests and remote actors (see Actor).
	Handle string
	Actor  *Actor // when ActorID is set
	Event  *Event // the event, on reads that list a person's registrations
}

// Where people who sign up come from, as the statistics count them.
const (
	OriginResident = "resident" // a resident of this instance (PersonID)
	OriginGuest    = "guest"    // a guest without an account (GuestEmail)
	OriginRemote   = "remote"   // a resident of another library (ActorID, a federated Join)
)

// Origin says where the person who signed up comes from; the store keeps
// it apart, as anonymisation clears PersonID, ActorID and GuestEmail.
func (r *Registration) Origin() string {
	switch {
	case r.PersonID != 0:
		return OriginResident
	case r.ActorID != 0:
		return OriginRemote
	case r.GuestEmail != "":
		return OriginGuest
	}
	return ""
}

// Holds reports whether the registration counts against the capacity.
func (r *Registration) Holds() bool { return r.State == RegistrationConfirmed }

// Active reports whether the person is still signed up (placed, waiting or
// about to be).
func (r *Registration) Active() bool {
	return r.State == RegistrationConfirmed || r.State == RegistrationWaitlisted || r.State == RegistrationPending
}

// Validate checks who signs up; the state is the store's to decide.
func (r *Registration) Validate() error {
	v := Validation{}
	if r.EventID == 0 {
		v.Add("event", "A registration needs an event.")
	}
	r.GuestName = strings.TrimSpace(r.GuestName)
	r.GuestEmail = strings.ToLower(strings.TrimSpace(r.GuestEmail))
	who := 0
	for _, set := range []bool{r.PersonID != 0, r.ActorID != 0, r.GuestEmail != ""} {
		if set {
			who++
		}
	}
	if who != 1 {
		v.Add("email", "Sign in, or give your name and email address.")
	}
	if r.GuestEmail != "" {
		if a, err := mail.ParseAddress(r.GuestEmail); err != nil || a.Address != r.GuestEmail || len(r.GuestEmail) > 254 {
			v.Add("email", "Enter a valid email address.")
		}
		checkText(v, "name", r.GuestName, true, 100)
	}
	return v.Err()
}

// RegistrationFilter selects registrations; zero values mean "any".
type RegistrationFilter struct {
	EventID  int64
	PersonID int64
	State    string
	// Upcoming keeps registrations for events that have not ended at Now.
	Upcoming bool
	Now      time.Time
	Offset   int
	Limit    int
}

// Normalize applies the paging defaults and caps.
func (f *RegistrationFilter) Normalize() error {
	var err error
	f.Offset, f.Limit, err = NormalizePage(f.Offset, f.Limit)
	return err
}

// RegistrationService stores sign-ups. Every change that someone must hear
// of queues its notice jobs (RegistrationMailJob for people and guests,
// ParticipationJob for remote actors) in the same transaction, so a notice
// is sent exactly when the change is durable.
type RegistrationService interface {
	// Register signs r up for an event in one transaction. For a remote
	// event (a resident joining another library's) it stores r pending and
	// queues ParticipationJob NoticeJoin; the answer comes later through
	// SetRegistrationState. For a local event: the event
	// must be published, not yet ended, RegistrationOpen and not closed;
	// otherwise EINVALID (or ENOTFOUND for an unknown event). An active
	// registration of the same person, actor or guest address is ECONFLICT.
	// A guest starts pending (no place until confirmed); anyone else gets a
	// place if one is free, else the waitlist, else (NoWaitlist) rejected,
	// which is stored too so the actor's Reject is sent. r.Answers are
	// checked against the event's questions (CheckAnswers: a required one
	// left open is EINVALID) and stored with it. r.ID and r.State
	// are filled. Capacity is never exceeded, also under concurrent calls
	// from several processes.
	Register(ctx context.Context, r *Registration) error
	// ConfirmGuest turns a pending guest registration, found by the hash of
	// its link's token, into a place or a waitlist entry, like Register.
	// A used link or a cancelled registration is EINVALID.
	ConfirmGuest(ctx context.Context, tokenHash string) (*Registration, error)
	// CancelRegistration cancels an active registration and, when it held
	// a place, promotes the first waitlisted one(s) into the freed place(s).
	// Cancelling twice is EINVALID and changes nothing.
	CancelRegistration(ctx context.Context, id int64) (*Registration, error)
	// SetRegistrationState is a staff move (confirm over capacity, to the
	// waitlist, cancel) or, for a resident's registration at another
	// library, the state that library answered. It promotes like
	// CancelRegistration when a place frees.
	SetRegistrationState(ctx context.Context, id int64, state string) (*Registration, error)
	// CheckIn marks (or unmarks) attendance at now.
	CheckIn(ctx context.Context, id int64, attended bool) error
	// Registration returns one registration, or ENOTFOUND.
	Registration(ctx context.Context, id int64) (*Registration, error)
	// RegistrationByToken finds a registration by its link token's hash.
	RegistrationByToken(ctx context.Context, tokenHash string) (*Registration, error)
	// JoinToken returns the token of the registration's join link
	// (/events/{id}/join?token=…), made on first use and kept, so every mail
	// of a place carries the same link. Unlike the cancel link's, it is kept
	// as it is, since later mails repeat it (as a feed token is): it lets its
	// holder into the online meeting, and does nothing else. Anonymising
	// removes it. ENOTFOUND for an unknown or anonymised registration.
	JoinToken(ctx context.Context, id int64) (string, error)
	// RegistrationByJoinToken finds a registration by its join token.
	RegistrationByJoinToken(ctx context.Context, token string) (*Registration, error)
	// RegistrationByJoin finds a registration by its Join's id.
	RegistrationByJoin(ctx context.Context, joinIRI string) (*Registration, error)
	// ActiveRegistration finds the active registration of a person (or,
	// with personID 0, of an actor) for an event, or ENOTFOUND.
	ActiveRegistration(ctx context.Context, eventID, personID, actorID int64) (*Registration, error)
	// Registrations lists matching registrations: for one event in order
	// of sign-up (places first, then the waitlist in order), for one person
	// by event start, each with Event filled.
	Registrations(ctx context.Context, f RegistrationFilter) ([]*Registration, int, error)
	// AnonymizeRegistrations removes who signed up (person, actor, guest
	// name and address, tokens, answers) from registrations of events that ended
	// before before, keeping states and counts; it returns how many.
	AnonymizeRegistrations(ctx context.Context, before time.Time) (int, error)
}

// Notices about a registration: what happened, as the person hears of it.
const (
	NoticeConfirmed  = "confirmed"  // you have a place
	NoticeWaitlisted = "waitlisted" // you are on the waitlist
	NoticePromoted   = "promoted"   // a place freed: you have it now
	NoticeRejected   = "rejected"   // no place and no waitlist, or closed
	NoticeCancelled  = "cancelled"  // your registration is cancelled
	NoticeGuest      = "guest"      // confirm your address (guest sign-up)
	NoticeReminder   = "reminder"   // the activity is tomorrow
	NoticeChanged    = "changed"    // time or place changed
	NoticeEventOff   = "event_cancelled"
	// NoticeEventBack: a cancelled activity takes place after all, and
	// whoever had a place (or a waitlist spot) still has it.
	NoticeEventBack = "event_back"
	// For a resident's registration at another library: send the Join, or
	// the Leave when it is cancelled here.
	NoticeJoin  = "join"
	NoticeLeave = "leave"
	// NoticeLinkChanged: staff replaced the online meeting's link (a leaked
	// one, say); those with a place hear that their join link leads to the
	// new one.
	NoticeLinkChanged = "link_changed"
)

// noticeStates lists, per notice about a registration, the states in which
// it still holds. Mails and federation both use it: the notice of a
// registration that has since moved on (a waitlist mail for someone
// promoted meanwhile, a reminder after cancelling) is dropped, as a later
// notice tells the news; and a notice to an event's registrants (reminder,
// change, cancellation) goes to the registrations in these states. Those
// on the waitlist hear the reminder too, with a line saying they still
// wait, and guests who have not confirmed yet hear a change.
var noticeStates = map[string][]string{
	NoticeConfirmed:  {RegistrationConfirmed},
	NoticePromoted:   {RegistrationConfirmed},
	NoticeWaitlisted: {RegistrationWaitlisted},
	NoticeRejected:   {RegistrationRejected},
	NoticeCancelled:  {RegistrationCancelled},
	NoticeGuest:      {RegistrationPending},
	NoticeReminder:   {RegistrationConfirmed, RegistrationWaitlisted},
	NoticeChanged:    {RegistrationConfirmed, RegistrationWaitlisted, RegistrationPending},
	NoticeEventOff:   {RegistrationConfirmed, RegistrationWaitlisted, RegistrationPending},
	NoticeEventBack:  {RegistrationConfirmed, RegistrationWaitlisted},
	// Only a place brings the link.
	NoticeLinkChanged: {RegistrationConfirmed},
}

// NoticeStates returns the states in which notice holds (see noticeStates),
// and false for a notice that is not about a registration's state.
func NoticeStates(notice string) ([]string, bool) {
	states, ok := noticeStates[notice]
	return slices.Clone(states), ok
}

// NoticeHolds reports whether notice is still true of a registration in state.
func NoticeHolds(notice, state string) bool {
	return slices.Contains(noticeStates[notice], state)
}

// RegistrationMailJob mails a local person or a guest about their
// registration. Its worker renders the mail at send time in the person's
// language, with the cancel link and an .ics attachment where it fits.
// Token carries the raw link token (Registration.CancelToken) in the first
// mail of a sign-up; later mails link to the account or say to reply.
type RegistrationMailJob struct {
	RegistrationID int64  `json:"registration_id" river:"unique"`
	Notice         string `json:"notice"`
	Token          string `json:"token,omitempty"`
	// Key is set by a RegistrantsJob, which queues one notice per
	// registration: run again, it queues none twice.
	Key string `json:"key,omitempty" river:"unique"`
}

// Kind implements JobArgs.
func (RegistrationMailJob) Kind() string { return "registration_mail" }

// OnceKey implements Once.
func (j RegistrationMailJob) OnceKey() string { return j.Key }

// ParticipationJob tells a remote actor about their registration here:
// Accept (confirmed, promoted), TentativeAccept (waitlisted) or Reject
// (rejected, cancelled by staff) with the Join as object, or a direct Note
// for a reminder or a change. For a resident's registration at another
// library it sends the resident's Join (NoticeJoin) or Leave (NoticeLeave).
type ParticipationJob struct {
	RegistrationID int64  `json:"registration_id" river:"unique"`
	Notice         string `json:"notice"`
	Key            string `json:"key,omitempty" river:"unique"` // as RegistrationMailJob's
}

// Kind implements JobArgs.
func (ParticipationJob) Kind() string { return "participation" }

// OnceKey implements Once.
func (j ParticipationJob) OnceKey() string { return j.Key }

// RegistrantsJob tells everyone with an active place or waitlist entry for
// an event: a reminder the day before (scheduled at StartsAt minus a day;
// skipped when the event moved, was cancelled or the registration was),
// or a change of time or place, or a cancellation. Its worker queues one
// RegistrationMailJob or ParticipationJob per registration.
type RegistrantsJob struct {
	EventID  int64     `json:"event_id"`
	Notice   string    `json:"notice"`
	StartsAt time.Time `json:"starts_at"` // the start the notice is about
	RunAt    time.Time `json:"run_at,omitempty"`
}

// Kind implements JobArgs.
func (RegistrantsJob) Kind() string { return "registrants" }

// ScheduledAt implements Scheduled.
func (j RegistrantsJob) ScheduledAt() time.Time { return j.RunAt }

// EventCountsJob sends followers an Update of an event whose participant
// counts changed. At most one waits per event (the store queues it unique
// by event while one is waiting), so a busy event sends one Update per
// CountsDelay, not one per sign-up.
type EventCountsJob struct {
	EventID int64     `json:"event_id"`
	RunAt   time.Time `json:"run_at"`
}

// Kind implements JobArgs.
func (EventCountsJob) Kind() string { return "event_counts" }

// ScheduledAt implements Scheduled.
func (j EventCountsJob) ScheduledAt() time.Time { return j.RunAt }

// UniqueByArgs implements Unique.
func (EventCountsJob) UniqueByArgs() bool { return true }

// CountsDelay is how long participant counts gather before followers hear.
const CountsDelay = 30 * time.Second

// ReminderLead is how long before the start the reminder goes out.
const ReminderLead = 24 * time.Hour

// Scheduled is a job that must not run before a time; the zero time means now.
type Scheduled interface {
	ScheduledAt() time.Time
}

// Unique is a job of which at most one with the same arguments may wait
// (available or scheduled) at a time; inserting another changes nothing.
type Unique interface {
	UniqueByArgs() bool
}

// Once is a job queued at most once for its key, also after it ran (for
// as long as finished jobs are kept, a day); inserting another changes
// nothing. The key is its fields tagged `river:"unique"`; an empty key
// makes no such promise.
type Once interface {
	OnceKey() string
}

// AnonymizeJob is the daily sweep that anonymises registrations of events
// that ended more than the library's AnonymizeAfterDays ago.
type AnonymizeJob struct{}

// Kind implements JobArgs.
func (AnonymizeJob) Kind() string { return "anonymize_registrations" }
