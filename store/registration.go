package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
)

// Sign-ups. An event keeps participant_count and waitlist_count next to
// its capacity, changed in the same transaction as its registrations. A
// place is taken by one conditional UPDATE of the event row, which
// PostgreSQL runs one at a time per row whatever the number of processes,
// so the capacity holds without a lock of our own. Every other change of
// a registration locks its event's row first (lockEvent), so changes to
// one event never interleave and never deadlock.

const registrationColumns = `r.id, r.event_id, r.person_id, r.actor_id, r.guest_name, r.guest_email, r.state, r.attendance,
	COALESCE(r.join_iri, ''), COALESCE(r.cancel_token_hash, ''), r.checked_in_at, r.waitlisted_at, r.created_at,
	r.updated_at, r.anonymized_at,
	CASE WHEN r.person_id IS NOT NULL THEN COALESCE(NULLIF(p.display_name, ''), p.handle, p.email)
		WHEN r.actor_id IS NOT NULL THEN COALESCE(NULLIF(a.name, ''), a.username) ELSE r.guest_name END,
	CASE WHEN r.person_id IS NOT NULL THEN p.email ELSE r.guest_email END, COALESCE(p.handle, '')`

const registrationFrom = ` FROM registrations r LEFT JOIN people p ON p.id = r.person_id LEFT JOIN actors a ON a.id = r.actor_id`

func scanRegistration(row scanner) (*vestiging.Registration, error) {
	r := &vestiging.Registration{}
	var person, actor sql.NullInt64
	var checkedIn, waitlisted, anonymized time.Time
	err := row.Scan(&r.ID, &r.EventID, &person, &actor, &r.GuestName, &r.GuestEmail, &r.State, &r.Attendance, &r.JoinIRI,
		&r.CancelTokenHash, scanNullTime(&checkedIn), scanNullTime(&waitlisted), scanTime(&r.CreatedAt),
		scanTime(&r.UpdatedAt), scanNullTime(&anonymized), &r.Name, &r.Email, &r.Handle)
	if err != nil {
		return nil, err
	}
	r.PersonID, r.ActorID = person.Int64, actor.Int64
	r.CheckedInAt, r.WaitlistedAt, r.AnonymizedAt = timePtr(checkedIn), timePtr(waitlisted), timePtr(anonymized)
	return r, nil
}

// timePtr reads an optional time: the zero time is absent.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// nullID binds an id where 0 means none as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// signUpEvent is what a sign-up needs to know of its event.
type signUpEvent struct {
	id                           int64
	remote                       bool
	status, mode                 string
	endsAt                       time.Time
	closed, noWaitlist           bool
	capacity, participants, wait int
	// A hybrid event's online places (onlineCapacity > 0).
	onlineCapacity, onlineParticipants, onlineWait int
}

// pool is the counter columns and counts of a kind of place: the online
// pool's for an online place, else the event's only (or branch) pool.
type pool struct {
	capacity, participants, waitlist string // columns
	free, wait                       int    // free < 0: no limit
	online                           bool
}

func (e *signUpEvent) pool(attendance string) pool {
	if attendance == vestiging.AttendanceOnline {
		return pool{"online_capacity", "online_participant_count", "online_waitlist_count",
			max(0, e.onlineCapacity-e.onlineParticipants), e.onlineWait, true}
	}
	free := max(0, e.capacity-e.participants) // staff may place over capacity
	if e.capacity == 0 {
		free = -1
	}
	return pool{"capacity", "participant_count", "waitlist_count", free, e.wait, false}
}

// attendance checks (and for a remote actor's Join, which cannot say,
// chooses: in the branch) the kind of place r asks of e.
func (e *signUpEvent) attendance(r *vestiging.Registration) error {
	if e.remote || e.onlineCapacity == 0 {
		r.Attendance = ""
		return nil
	}
	if r.Attendance == "" && r.ActorID != 0 {
		r.Attendance = vestiging.AttendanceInPerson
	}
	if r.Attendance != vestiging.AttendanceInPerson && r.Attendance != vestiging.AttendanceOnline {
		return &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"attendance": "Choose whether you take part in the library or online."}}
	}
	return nil
}

// open reports whether the event takes sign-ups at now, and why not.
func (e *signUpEvent) open(now time.Time) error {
	switch {
	case e.status != vestiging.StatusPublished:
		return vestiging.Errorf(vestiging.EINVALID, "This activity does not take sign-ups.")
	case !e.endsAt.After(now):
		return vestiging.Errorf(vestiging.EINVALID, "This activity is over.")
	case e.remote:
		return nil // the organising library decides the rest
	case e.mode != vestiging.RegistrationOpen:
		return vestiging.Errorf(vestiging.EINVALID, "This activity does not take sign-ups here.")
	case e.closed:
		return vestiging.Errorf(vestiging.EINVALID, "Sign-up for this activity is closed.")
	}
	return nil
}

// readSignUpEvent reads the event; lock locks its row for the rest of tx
// on PostgreSQL (SQLite's transactions here are serial already).
func (db *DB) readSignUpEvent(ctx context.Context, tx *sql.Tx, id int64, lock bool) (*signUpEvent, error) {
	q := `SELECT id, iri IS NOT NULL, status, registration_mode, ends_at, registration_closed, no_waitlist,
		capacity, participant_count, waitlist_count, online_capacity, online_participant_count, online_waitlist_count
		FROM events WHERE id = $1`
	if lock {
		q += db.dialect.forUpdate()
	}
	e := &signUpEvent{}
	err := tx.QueryRowContext(ctx, q, id).Scan(&e.id, &e.remote, &e.status, &e.mode, scanTime(&e.endsAt),
		&e.closed, &e.noWaitlist, &e.capacity, &e.participants, &e.wait, &e.onlineCapacity, &e.onlineParticipants, &e.onlineWait)
	if err != nil {
		return nil, notFound(db.mapError(err), "Activity not found.")
	}
	return e, nil
}

// Register signs r up; see vestiging.RegistrationService.
func (db *DB) Register(ctx context.Context, r *vestiging.Registration) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if r.GuestEmail != "" && r.CancelToken == "" {
		return vestiging.Errorf(vestiging.EINVALID, "A guest sign-up needs a confirmation link.")
	}
	now := db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		e, err := db.readSignUpEvent(ctx, tx, r.EventID, false)
		if err != nil {
			return err
		}
		if err := e.open(now); err != nil {
			return err
		}
		if err := e.attendance(r); err != nil {
			return err
		}
		var notice string // what they hear first
		switch {
		case e.remote:
			if r.PersonID == 0 {
				return vestiging.Errorf(vestiging.EINVALID, "Only residents of this library can sign up for another library's activity here.")
			}
			r.State, notice = vestiging.RegistrationPending, vestiging.NoticeJoin
		case r.GuestEmail != "":
			var guests bool
			if err := tx.QueryRowContext(ctx, `SELECT allow_guests FROM library WHERE id = 1`).Scan(&guests); err != nil {
				return db.mapError(err)
			}
			if !guests {
				return vestiging.Errorf(vestiging.EINVALID, "Sign in to sign up for this activity.")
			}
			r.State, notice = vestiging.RegistrationPending, vestiging.NoticeGuest
		default:
			if r.State, err = db.takePlace(ctx, tx, e, r.Attendance); err != nil {
				return err
			}
			notice = noticeOf(r.State)
		}
		if err := db.insertRegistration(ctx, tx, r, now); err != nil {
			return err
		}
		if err := db.insertAnswers(ctx, tx, r); err != nil {
			return err
		}
		// The first mail carries the link's token.
		jobs := []vestiging.JobArgs{noticeJob(r, notice, r.CancelToken)}
		if e.remote {
			jobs[0] = vestiging.ParticipationJob{RegistrationID: r.ID, Notice: notice}
		}
		if r.State == vestiging.RegistrationConfirmed || r.State == vestiging.RegistrationWaitlisted {
			jobs = append(jobs, countsJob(e.id, now))
			if err := db.registrationHook(ctx, tx, vestiging.HookRegistrationCreated, r, e); err != nil {
				return err
			}
		}
		return db.insertJobs(ctx, tx, jobs...)
	})
	if err != nil {
		r.ID, r.State = 0, ""
		return fmt.Errorf("register for event %d: %w", r.EventID, err)
	}
	return nil
}

// takePlace gives a place of the attendance's kind on e if one is free,
// else a waitlist entry, else (NoWaitlist) nothing, and counts it on the
// event. The conditional UPDATE is what keeps the capacity: it takes the
// row's lock and reads the count it changes, so concurrent sign-ups cannot
// both see the last place free. (An online pool always has a limit.)
func (db *DB) takePlace(ctx context.Context, tx *sql.Tx, e *signUpEvent, attendance string) (string, error) {
	p := e.pool(attendance)
	res, err := tx.ExecContext(ctx, `UPDATE events SET `+p.participants+` = `+p.participants+` + 1
		WHERE id = $1 AND (`+p.capacity+` = 0 OR `+p.participants+` < `+p.capacity+`)`, e.id)
	if err != nil {
		return "", db.mapError(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return "", db.mapError(err)
	} else if n == 1 {
		return vestiging.RegistrationConfirmed, nil
	}
	if e.noWaitlist {
		return vestiging.RegistrationRejected, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE events SET `+p.waitlist+` = `+p.waitlist+` + 1 WHERE id = $1`, e.id); err != nil {
		return "", db.mapError(err)
	}
	return vestiging.RegistrationWaitlisted, nil
}

func (db *DB) insertRegistration(ctx context.Context, tx *sql.Tx, r *vestiging.Registration, now time.Time) error {
	r.CreatedAt, r.UpdatedAt, r.WaitlistedAt, r.CheckedInAt, r.AnonymizedAt = now, now, nil, nil, nil
	if r.State == vestiging.RegistrationWaitlisted {
		r.WaitlistedAt = &now
	}
	r.CancelTokenHash = ""
	if r.CancelToken != "" {
		r.CancelTokenHash = vestiging.HashToken(r.CancelToken)
	}
	t := db.dialect.timeArg
	err := tx.QueryRowContext(ctx, `INSERT INTO registrations (event_id, person_id, actor_id, guest_name, guest_email, state,
		join_iri, cancel_token_hash, waitlisted_at, created_at, updated_at, origin, attendance)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		RETURNING id`, r.EventID, nullID(r.PersonID), nullID(r.ActorID), r.GuestName, r.GuestEmail, r.State,
		nullString(r.JoinIRI), nullString(r.CancelTokenHash), db.nullTimePtr(r.WaitlistedAt), t(now), t(now), r.Origin(),
		r.Attendance).Scan(&r.ID)
	if err != nil {
		err = refine(db.mapError(err), vestiging.ECONFLICT, "You are already signed up for this activity.", nil)
		return refine(err, vestiging.EINVALID, "The person or actor signing up does not exist.", nil)
	}
	return nil
}

// noticeOf is what someone who just got state hears.
func noticeOf(state string) string {
	switch state {
	case vestiging.RegistrationConfirmed:
		return vestiging.NoticeConfirmed
	case vestiging.RegistrationWaitlisted:
		return vestiging.NoticeWaitlisted
	case vestiging.RegistrationRejected:
		return vestiging.NoticeRejected
	}
	return vestiging.NoticeCancelled
}

// noticeJob tells r's person, guest or actor of notice: a mail for people
// and guests, an activity for a remote actor.
func noticeJob(r *vestiging.Registration, notice, token string) vestiging.JobArgs {
	if r.ActorID != 0 {
		return vestiging.ParticipationJob{RegistrationID: r.ID, Notice: notice}
	}
	return vestiging.RegistrationMailJob{RegistrationID: r.ID, Notice: notice, Token: token}
}

// countsJob has followers hear the event's new counts once the current
// CountsDelay window ends. All changes in one window name the same job,
// which is unique by its arguments: one Update per window, however busy.
// A change after the window's job started names the next window's.
func countsJob(eventID int64, now time.Time) vestiging.EventCountsJob {
	return vestiging.EventCountsJob{EventID: eventID, RunAt: now.Truncate(vestiging.CountsDelay).Add(vestiging.CountsDelay)}
}

// ConfirmGuest turns a pending guest sign-up into a place, a waitlist
// entry or a refusal, once.
func (db *DB) ConfirmGuest(ctx context.Context, tokenHash string) (*vestiging.Registration, error) {
	var r *vestiging.Registration
	now := db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = db.lockRegistration(ctx, tx, "r.cancel_token_hash = $1", tokenHash); err != nil {
			return err
		}
		if r.GuestEmail == "" || r.State != vestiging.RegistrationPending {
			return vestiging.Errorf(vestiging.EINVALID, "This link was used already.")
		}
		e, err := db.readSignUpEvent(ctx, tx, r.EventID, false)
		if err != nil {
			return err
		}
		if err := e.open(now); err != nil {
			return err
		}
		state, err := db.takePlace(ctx, tx, e, r.Attendance)
		if err != nil {
			return err
		}
		jobs := []vestiging.JobArgs{noticeJob(r, noticeOf(state), "")}
		if state != vestiging.RegistrationRejected {
			jobs = append(jobs, countsJob(e.id, now))
		}
		if err := db.setState(ctx, tx, r, state, now); err != nil { // takePlace counted it
			return err
		}
		if state != vestiging.RegistrationRejected {
			if err := db.registrationHook(ctx, tx, vestiging.HookRegistrationCreated, r, e); err != nil {
				return err
			}
		}
		return db.insertJobs(ctx, tx, jobs...)
	})
	if err != nil {
		return nil, fmt.Errorf("confirm guest: %w", notFound(err, "This link is not valid."))
	}
	return r, nil
}

// lockRegistration reads the registration matching cond (on r, one
// argument) in tx, after locking its event's row: the order every change
// takes, so two changes to one event wait for each other and never deadlock.
func (db *DB) lockRegistration(ctx context.Context, tx *sql.Tx, cond string, arg any) (*vestiging.Registration, error) {
	var eventID int64
	err := tx.QueryRowContext(ctx, `SELECT r.event_id FROM registrations r WHERE `+cond, arg).Scan(&eventID)
	if err != nil {
		return nil, notFound(db.mapError(err), "Registration not found.")
	}
	if db.dialect == postgresDialect {
		if _, err := tx.ExecContext(ctx, `SELECT id FROM events WHERE id = $1 FOR UPDATE`, eventID); err != nil {
			return nil, db.mapError(err)
		}
	}
	// Read after the lock, so it is the state the last change committed.
	r, err := scanRegistration(tx.QueryRowContext(ctx, `SELECT `+registrationColumns+registrationFrom+` WHERE `+cond, arg))
	if err != nil {
		return nil, notFound(db.mapError(err), "Registration not found.")
	}
	return r, nil
}

// setState stores r's new state.
func (db *DB) setState(ctx context.Context, tx *sql.Tx, r *vestiging.Registration, state string, now time.Time) error {
	if state == vestiging.RegistrationWaitlisted && r.State != state {
		r.WaitlistedAt = &now // the back of the line
	}
	// A place given from the waitlist, by promotion or by staff, is
	// counted in the statistics even after the registration is cancelled.
	var promoted any
	if r.State == vestiging.RegistrationWaitlisted && state == vestiging.RegistrationConfirmed {
		promoted = db.dialect.timeArg(now)
	}
	_, err := tx.ExecContext(ctx, `UPDATE registrations SET state = $2, waitlisted_at = $3, updated_at = $4,
		promoted_at = COALESCE($5, promoted_at) WHERE id = $1`,
		r.ID, state, db.nullTimePtr(r.WaitlistedAt), db.dialect.timeArg(now), promoted)
	if err != nil {
		return db.mapError(err)
	}
	r.State, r.UpdatedAt = state, now
	return nil
}

// writeState stores r's new state and counts the change on its event
// (a remote event's counts are its origin's, so they stay).
func (db *DB) writeState(ctx context.Context, tx *sql.Tx, r *vestiging.Registration, state string, now time.Time) error {
	old := r.State
	if err := db.setState(ctx, tx, r, state, now); err != nil {
		return err
	}
	count := func(s string) (int, int) {
		switch s {
		case vestiging.RegistrationConfirmed:
			return 1, 0
		case vestiging.RegistrationWaitlisted:
			return 0, 1
		}
		return 0, 0
	}
	p0, w0 := count(old)
	p1, w1 := count(state)
	if p0 == p1 && w0 == w1 {
		return nil
	}
	p := (&signUpEvent{}).pool(r.Attendance)
	_, err := tx.ExecContext(ctx, `UPDATE events SET `+p.participants+` = `+p.participants+` + $2, `+p.waitlist+` = `+p.waitlist+` + $3
		WHERE id = $1 AND iri IS NULL`, r.EventID, p1-p0, w1-w0)
	return db.mapError(err)
}

// CancelRegistration cancels an active registration at the person's or
// actor's request and promotes from the waitlist into a freed place. A
// remote actor asked by Leave, so hears nothing back; a resident's
// registration at another library sends the Leave.
func (db *DB) CancelRegistration(ctx context.Context, id int64) (*vestiging.Registration, error) {
	r, err := db.changeState(ctx, id, vestiging.RegistrationCancelled, byThemselves)
	if err != nil {
		return nil, fmt.Errorf("cancel registration %d: %w", id, err)
	}
	return r, nil
}

// SetRegistrationState is a staff move or another library's answer; see
// vestiging.RegistrationService.
func (db *DB) SetRegistrationState(ctx context.Context, id int64, state string) (*vestiging.Registration, error) {
	switch state {
	case vestiging.RegistrationConfirmed, vestiging.RegistrationWaitlisted, vestiging.RegistrationCancelled, vestiging.RegistrationRejected:
	default:
		return nil, vestiging.Errorf(vestiging.EINVALID, "Unknown registration state.")
	}
	r, err := db.changeState(ctx, id, state, byStaff)
	if err != nil {
		return nil, fmt.Errorf("registration %d to %s: %w", id, state, err)
	}
	return r, nil
}

// Who changes a registration, for what they hear of it.
type mover int

const (
	byStaff      mover = iota // staff, or the organising library's answer: they hear of it
	byThemselves              // the person or actor: a resident's Leave goes out; an actor sent theirs
	byDeletion                // the account goes: nothing is sent to it
)

// changeState moves an active registration to state in one transaction
// with its notices, the promotions a freed place allows and the counts'
// Update.
func (db *DB) changeState(ctx context.Context, id int64, state string, by mover) (*vestiging.Registration, error) {
	var r *vestiging.Registration
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = db.lockRegistration(ctx, tx, "r.id = $1", id); err != nil {
			return err
		}
		old := r.State
		if err := db.move(ctx, tx, r, state, by); err != nil {
			return err
		}
		// A move staff make is in the audit log (vestiging.ActingStaff);
		// the registration by number, as names go when it is anonymised.
		if staff, ok := vestiging.StaffActing(ctx); ok && by == byStaff && old != r.State {
			return db.audit(ctx, tx, &vestiging.AuditEntry{PersonID: staff}, "registration.move",
				fmt.Sprintf("event %d", r.EventID), fmt.Sprintf("registration %d: %s → %s", r.ID, old, r.State))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// move is changeState for r, read in tx by lockRegistration.
func (db *DB) move(ctx context.Context, tx *sql.Tx, r *vestiging.Registration, state string, by mover) error {
	if !r.Active() {
		return vestiging.Errorf(vestiging.EINVALID, "This registration was cancelled or refused already.")
	}
	old := r.State
	if old == state {
		return nil // an answer heard twice: nothing changes
	}
	now := db.now()
	e, err := db.readSignUpEvent(ctx, tx, r.EventID, false)
	if err != nil {
		return err
	}
	if !e.remote && state == vestiging.RegistrationRejected {
		return vestiging.Errorf(vestiging.EINVALID, "Cancel the registration instead.")
	}
	if err := db.writeState(ctx, tx, r, state, now); err != nil {
		return err
	}
	var jobs []vestiging.JobArgs
	notice := noticeOf(state)
	if old == vestiging.RegistrationWaitlisted && state == vestiging.RegistrationConfirmed {
		notice = vestiging.NoticePromoted
	}
	switch {
	case by == byDeletion:
	case e.remote && by == byThemselves:
		jobs = append(jobs, vestiging.ParticipationJob{RegistrationID: r.ID, Notice: vestiging.NoticeLeave})
	case by == byThemselves && r.ActorID != 0:
		// They sent the Leave: nothing to answer.
	default:
		jobs = append(jobs, noticeJob(r, notice, ""))
	}
	if !e.remote {
		hook := map[string]string{vestiging.NoticeCancelled: vestiging.HookRegistrationCancelled,
			vestiging.NoticePromoted: vestiging.HookRegistrationPromoted}[notice]
		if err := db.registrationHook(ctx, tx, hook, r, e); err != nil {
			return err
		}
		promoted, err := db.promote(ctx, tx, e.id, now)
		if err != nil {
			return err
		}
		jobs = append(append(jobs, promoted...), countsJob(e.id, now))
	}
	return db.insertJobs(ctx, tx, jobs...)
}

// cancelAllOf cancels the active registrations of an account that goes,
// a person here (who is "person_id") or a remote actor ("actor_id"),
// promoting others into the freed places; nothing is sent to the account.
// It returns the ids of those at other libraries' events, whose Leave the
// caller sends. Called in the deletion's transaction.
func (db *DB) cancelAllOf(ctx context.Context, tx *sql.Tx, who string, id int64) (elsewhere []int64, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT r.id, e.iri IS NOT NULL FROM registrations r JOIN events e ON e.id = r.event_id
		WHERE r.`+who+` = $1 AND r.state IN ($2, $3, $4) ORDER BY r.id`,
		id, vestiging.RegistrationPending, vestiging.RegistrationConfirmed, vestiging.RegistrationWaitlisted)
	if err != nil {
		return nil, db.mapError(err)
	}
	var ids []int64
	for rows.Next() {
		var (
			reg    int64
			remote bool
		)
		if err := rows.Scan(&reg, &remote); err != nil {
			rows.Close()
			return nil, db.mapError(err)
		}
		ids = append(ids, reg)
		if remote {
			elsewhere = append(elsewhere, reg)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, db.mapError(err)
	}
	for _, reg := range ids {
		r, err := db.lockRegistration(ctx, tx, "r.id = $1", reg)
		if err != nil {
			return nil, err
		}
		if !r.Active() {
			continue // cancelled meanwhile, by the actor's own Leave say
		}
		if err := db.move(ctx, tx, r, vestiging.RegistrationCancelled, byDeletion); err != nil {
			return nil, fmt.Errorf("registration %d: %w", reg, err)
		}
	}
	return elsewhere, nil
}

// promote moves the first waitlisted registrations of a local event into
// its free places, in waitlist order, and returns their notices. Each kind
// of place of a hybrid event promotes from its own waitlist. The caller
// holds the event's row. An event that is over or not published promotes
// nobody.
func (db *DB) promote(ctx context.Context, tx *sql.Tx, eventID int64, now time.Time) ([]vestiging.JobArgs, error) {
	e, err := db.readSignUpEvent(ctx, tx, eventID, true)
	if err != nil {
		return nil, err
	}
	if e.remote || e.status != vestiging.StatusPublished || !e.endsAt.After(now) {
		return nil, nil
	}
	var jobs []vestiging.JobArgs
	for _, kind := range []string{"", vestiging.AttendanceOnline} {
		promoted, err := db.promotePool(ctx, tx, e, e.pool(kind), now)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, promoted...)
	}
	return jobs, nil
}

// promotePool promotes into p's free places from p's waitlist.
func (db *DB) promotePool(ctx context.Context, tx *sql.Tx, e *signUpEvent, p pool, now time.Time) ([]vestiging.JobArgs, error) {
	free := p.free
	if free < 0 {
		free = p.wait
	}
	if p.wait == 0 || free <= 0 {
		return nil, nil
	}
	kind := `r.attendance <> $3`
	if p.online {
		kind = `r.attendance = $3`
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+registrationColumns+registrationFrom+`
		WHERE r.event_id = $1 AND r.state = $2 AND `+kind+` ORDER BY r.waitlisted_at, r.id LIMIT $4`,
		e.id, vestiging.RegistrationWaitlisted, vestiging.AttendanceOnline, free)
	if err != nil {
		return nil, db.mapError(err)
	}
	var next []*vestiging.Registration
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			rows.Close()
			return nil, db.mapError(err)
		}
		next = append(next, r)
	}
	if err := rows.Close(); err != nil {
		return nil, db.mapError(err)
	}
	var jobs []vestiging.JobArgs
	for _, r := range next {
		if err := db.writeState(ctx, tx, r, vestiging.RegistrationConfirmed, now); err != nil {
			return nil, err
		}
		if err := db.registrationHook(ctx, tx, vestiging.HookRegistrationPromoted, r, e); err != nil {
			return nil, err
		}
		jobs = append(jobs, noticeJob(r, vestiging.NoticePromoted, ""))
	}
	return jobs, nil
}

// CheckIn marks or clears the attendance of someone with a place.
func (db *DB) CheckIn(ctx context.Context, id int64, attended bool) error {
	var at any
	if attended {
		at = db.dialect.timeArg(db.now())
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var state string
		if err := tx.QueryRowContext(ctx, `SELECT state FROM registrations WHERE id = $1`, id).Scan(&state); err != nil {
			return notFound(db.mapError(err), "Registration not found.")
		}
		if state != vestiging.RegistrationConfirmed {
			return vestiging.Errorf(vestiging.EINVALID, "Only someone with a place can be checked in.")
		}
		_, err := tx.ExecContext(ctx, `UPDATE registrations SET checked_in_at = $2, updated_at = $3 WHERE id = $1`,
			id, at, db.dialect.timeArg(db.now()))
		return db.mapError(err)
	})
	if err != nil {
		return fmt.Errorf("check in registration %d: %w", id, err)
	}
	return nil
}

// Registration returns one registration, or ENOTFOUND.
func (db *DB) Registration(ctx context.Context, id int64) (*vestiging.Registration, error) {
	return db.registrationWhere(ctx, fmt.Sprint(id), "r.id = $1", id)
}

// RegistrationByToken finds a registration by its link token's hash.
func (db *DB) RegistrationByToken(ctx context.Context, tokenHash string) (*vestiging.Registration, error) {
	if tokenHash == "" {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "This link is not valid.")
	}
	return db.registrationWhere(ctx, "by link", "r.cancel_token_hash = $1", tokenHash)
}

// JoinToken returns the registration's join token, making it on first use.
func (db *DB) JoinToken(ctx context.Context, id int64) (string, error) {
	fresh, _ := vestiging.NewToken()
	var token string
	err := db.db.QueryRowContext(ctx, `UPDATE registrations SET join_token = COALESCE(join_token, $2)
		WHERE id = $1 AND anonymized_at IS NULL RETURNING join_token`, id, fresh).Scan(&token)
	if err != nil {
		return "", fmt.Errorf("join token of registration %d: %w", id, notFound(db.mapError(err), "Registration not found."))
	}
	return token, nil
}

// RegistrationByJoinToken finds a registration by its join token.
func (db *DB) RegistrationByJoinToken(ctx context.Context, token string) (*vestiging.Registration, error) {
	if token == "" {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "This link is not valid.")
	}
	return db.registrationWhere(ctx, "by join link", "r.join_token = $1", token)
}

// RegistrationByJoin finds a registration by its Join's id.
func (db *DB) RegistrationByJoin(ctx context.Context, joinIRI string) (*vestiging.Registration, error) {
	if joinIRI == "" {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "Registration not found.")
	}
	return db.registrationWhere(ctx, joinIRI, "r.join_iri = $1", joinIRI)
}

// ActiveRegistration finds the active registration of a person (or, with
// personID 0, an actor) for an event.
func (db *DB) ActiveRegistration(ctx context.Context, eventID, personID, actorID int64) (*vestiging.Registration, error) {
	who, id := "r.person_id", personID
	if personID == 0 {
		who, id = "r.actor_id", actorID
	}
	if id == 0 {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "Registration not found.")
	}
	rows, err := db.registrations(ctx, db.db, `WHERE r.event_id = $1 AND `+who+` = $2 AND r.state IN ($3, $4, $5)`, "",
		eventID, id, vestiging.RegistrationPending, vestiging.RegistrationConfirmed, vestiging.RegistrationWaitlisted)
	if err != nil {
		return nil, fmt.Errorf("active registration for event %d: %w", eventID, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("active registration for event %d: %w", eventID,
			vestiging.Errorf(vestiging.ENOTFOUND, "Registration not found."))
	}
	return rows[0], nil
}

func (db *DB) registrationWhere(ctx context.Context, what, cond string, arg any) (*vestiging.Registration, error) {
	rows, err := db.registrations(ctx, db.db, `WHERE `+cond, "", arg)
	if err == nil && len(rows) == 0 {
		err = vestiging.Errorf(vestiging.ENOTFOUND, "Registration not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("registration %s: %w", what, err)
	}
	return rows[0], nil
}

// registrations reads the registrations matching where (with order and
// paging after it) and fills their actors.
func (db *DB) registrations(ctx context.Context, q querier, where, order string, args ...any) ([]*vestiging.Registration, error) {
	query := `SELECT ` + registrationColumns + registrationFrom + ` ` + where
	if order != "" {
		query += ` ORDER BY ` + order
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, db.mapError(err)
	}
	defer rows.Close()
	out := []*vestiging.Registration{}
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			return nil, db.mapError(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, db.mapError(err)
	}
	rows.Close()
	if err := db.loadRegistrationActors(ctx, q, out); err != nil {
		return nil, err
	}
	return out, db.loadAnswers(ctx, q, out)
}

// loadRegistrationActors sets Actor where ActorID is set, in one query.
func (db *DB) loadRegistrationActors(ctx context.Context, q querier, regs []*vestiging.Registration) error {
	byID := map[int64][]*vestiging.Registration{}
	var ids []any
	for _, r := range regs {
		if r.ActorID == 0 {
			continue
		}
		if _, ok := byID[r.ActorID]; !ok {
			ids = append(ids, r.ActorID)
		}
		byID[r.ActorID] = append(byID[r.ActorID], r)
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT `+actorColumns+` FROM actors a WHERE a.id IN (`+placeholders(1, len(ids))+`)`, ids...)
	if err != nil {
		return fmt.Errorf("actors: %w", db.mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		a := &vestiging.Actor{}
		if err := rows.Scan(actorDest(a)...); err != nil {
			return fmt.Errorf("actors: %w", db.mapError(err))
		}
		for _, r := range byID[a.ID] {
			r.Actor = a
		}
	}
	return db.mapError(rows.Err())
}

// Registrations lists one event's registrations (places in order of
// sign-up, then the waitlist in its order, then the rest) or one person's
// by event start, with Event filled.
func (db *DB) Registrations(ctx context.Context, f vestiging.RegistrationFilter) ([]*vestiging.Registration, int, error) {
	if err := f.Normalize(); err != nil {
		return nil, 0, err
	}
	w := &where{}
	if f.EventID != 0 {
		w.add("r.event_id = ?", f.EventID)
	}
	if f.PersonID != 0 {
		w.add("r.person_id = ?", f.PersonID)
	}
	if f.State != "" {
		w.add("r.state = ?", f.State)
	}
	if f.Upcoming {
		w.add("e.ends_at > ?", db.dialect.timeArg(f.Now))
	}
	from := ` JOIN events e ON e.id = r.event_id` + w.String()
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM registrations r`+from, w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count registrations: %w", db.mapError(err))
	}
	order := `e.starts_at, e.id, r.id`
	if f.PersonID == 0 {
		order = fmt.Sprintf(`CASE r.state WHEN '%s' THEN 0 WHEN '%s' THEN 1 WHEN '%s' THEN 2 ELSE 3 END,
			CASE WHEN r.state = '%s' THEN r.waitlisted_at ELSE r.created_at END, r.id`,
			vestiging.RegistrationConfirmed, vestiging.RegistrationWaitlisted, vestiging.RegistrationPending, vestiging.RegistrationWaitlisted)
	}
	regs, err := db.registrations(ctx, db.db, strings.TrimPrefix(from, " "),
		order+` LIMIT `+w.arg(f.Limit)+` OFFSET `+w.arg(f.Offset), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("registrations: %w", err)
	}
	if err := db.loadRegistrationEvents(ctx, regs); err != nil {
		return nil, 0, fmt.Errorf("registrations: %w", err)
	}
	return regs, total, nil
}

// loadRegistrationEvents sets Event on each registration, reading each
// event once.
func (db *DB) loadRegistrationEvents(ctx context.Context, regs []*vestiging.Registration) error {
	byID := map[int64]*vestiging.Event{}
	var ids []any
	for _, r := range regs {
		if _, ok := byID[r.EventID]; !ok {
			byID[r.EventID] = nil
			ids = append(ids, r.EventID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+eventColumns+` FROM events e WHERE e.id IN (`+placeholders(1, len(ids))+`)`, ids...)
	if err != nil {
		return fmt.Errorf("events: %w", db.mapError(err))
	}
	defer rows.Close()
	var events []*vestiging.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return fmt.Errorf("events: %w", db.mapError(err))
		}
		byID[e.ID] = e
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("events: %w", db.mapError(err))
	}
	rows.Close()
	if err := db.fillEvents(ctx, db.db, events); err != nil {
		return err
	}
	for _, r := range regs {
		r.Event = byID[r.EventID]
	}
	return nil
}

// AnonymizeRegistrations removes who signed up, and their answers, from
// registrations of events that ended before before; states and counts stay.
func (db *DB) AnonymizeRegistrations(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		t := db.dialect.timeArg
		if _, err := tx.ExecContext(ctx, eraseAnswersSQL+`r.anonymized_at IS NULL
			AND r.event_id IN (SELECT id FROM events WHERE ends_at < $1))`, t(before)); err != nil {
			return db.mapError(err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE registrations SET person_id = NULL, actor_id = NULL, guest_name = '',
			guest_email = '', join_iri = NULL, cancel_token_hash = NULL, join_token = NULL, anonymized_at = $2, updated_at = $2
			WHERE anonymized_at IS NULL AND event_id IN (SELECT id FROM events WHERE ends_at < $1)`, t(before), t(db.now()))
		if err != nil {
			return db.mapError(err)
		}
		n, err = res.RowsAffected()
		return db.mapError(err)
	})
	if err != nil {
		return 0, fmt.Errorf("anonymize registrations: %w", err)
	}
	return int(n), nil
}

// promoteAfterEdit gives the places an edit of e freed (a raised
// capacity) to its waitlist, and updates e's counts to match.
func (db *DB) promoteAfterEdit(ctx context.Context, tx *sql.Tx, e *vestiging.Event) error {
	if e.Waitlisted+e.OnlineWaitlisted == 0 {
		return nil
	}
	now := db.now()
	jobs, err := db.promote(ctx, tx, e.ID, now)
	if err != nil || len(jobs) == 0 {
		return err
	}
	err = tx.QueryRowContext(ctx, `SELECT participant_count, waitlist_count, online_participant_count, online_waitlist_count
		FROM events WHERE id = $1`, e.ID).Scan(&e.Participants, &e.Waitlisted, &e.OnlineParticipants, &e.OnlineWaitlisted)
	if err != nil {
		return db.mapError(err)
	}
	return db.insertJobs(ctx, tx, append(jobs, countsJob(e.ID, now))...)
}

// queueRegistrants queues what an event's registrants hear of its change
// from old (nil: just created) to e: the reminder once it is published
// with open sign-up and whenever its start moves, a notice when its time
// or place changes, and one when it is cancelled. The reminder worker
// skips a reminder whose start no longer matches the event's.
func (db *DB) queueRegistrants(ctx context.Context, tx *sql.Tx, old, e *vestiging.Event) error {
	now := db.now()
	var jobs []vestiging.JobArgs
	published := e.Status == vestiging.StatusPublished
	wasPublished := old != nil && old.Status == vestiging.StatusPublished
	// A cancellation keeps the registrations (and the reminder queued
	// before it, which waits for the activity to be on again).
	wasCancelled := old != nil && old.Status == vestiging.StatusCancelled
	takes := published && e.RegistrationMode == vestiging.RegistrationOpen
	took := (wasPublished || wasCancelled) && old.RegistrationMode == vestiging.RegistrationOpen
	if takes && e.StartsAt.After(now) && (!took || !old.StartsAt.Equal(e.StartsAt)) {
		jobs = append(jobs, vestiging.RegistrantsJob{EventID: e.ID, Notice: vestiging.NoticeReminder, StartsAt: e.StartsAt,
			RunAt: e.StartsAt.Add(-vestiging.ReminderLead)})
	}
	if e.Signed() > 0 && e.EndsAt.After(now) {
		switch {
		case wasPublished && e.Status == vestiging.StatusCancelled:
			jobs = append(jobs, vestiging.RegistrantsJob{EventID: e.ID, Notice: vestiging.NoticeEventOff, StartsAt: e.StartsAt})
		case wasCancelled && published:
			jobs = append(jobs, vestiging.RegistrantsJob{EventID: e.ID, Notice: vestiging.NoticeEventBack, StartsAt: e.StartsAt})
		case wasPublished && published && (moved(old, e) || movedPlace(old, e)):
			jobs = append(jobs, vestiging.RegistrantsJob{EventID: e.ID, Notice: vestiging.NoticeChanged, StartsAt: e.StartsAt})
		case wasPublished && published && newLink(old, e):
			// Only the link: those with a place hear of it, not the waitlist.
			jobs = append(jobs, vestiging.RegistrantsJob{EventID: e.ID, Notice: vestiging.NoticeLinkChanged, StartsAt: e.StartsAt})
		}
	}
	return db.insertJobs(ctx, tx, jobs...)
}

// moved reports whether b takes place at another time than a.
func moved(a, b *vestiging.Event) bool {
	if !a.StartsAt.Equal(b.StartsAt) || !a.EndsAt.Equal(b.EndsAt) || len(a.Sessions) != len(b.Sessions) {
		return true
	}
	for i, s := range a.Sessions {
		if t := b.Sessions[i]; !s.StartsAt.Equal(t.StartsAt) || !s.EndsAt.Equal(t.EndsAt) {
			return true
		}
	}
	return false
}

// movedPlace reports whether b takes place in another branch than a,
// a course's sessions included.
func movedPlace(a, b *vestiging.Event) bool {
	if !sameID(a.BranchID, b.BranchID) || len(a.Sessions) != len(b.Sessions) {
		return true
	}
	for i, s := range a.Sessions {
		if !sameID(s.BranchID, b.Sessions[i].BranchID) {
			return true
		}
	}
	return false
}

// newLink reports whether b's online link, or one of the sessions both
// have, is another than a's.
func newLink(a, b *vestiging.Event) bool {
	if a.OnlineURL != b.OnlineURL {
		return true
	}
	for i := range min(len(a.Sessions), len(b.Sessions)) {
		if a.Sessions[i].OnlineURL != b.Sessions[i].OnlineURL {
			return true
		}
	}
	return false
}
