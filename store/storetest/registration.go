package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// signUps is a fixture of one library with upcoming events and people.
type signUps struct {
	db     *store.DB
	branch *vestiging.Branch
	start  time.Time // a week from now
	n      int
}

func newSignUps(t *testing.T, db *store.DB) *signUps {
	t.Helper()
	s := &signUps{db: db, branch: &vestiging.Branch{Name: "Centrale"}, start: time.Now().UTC().Add(7 * 24 * time.Hour).Truncate(time.Hour)}
	if err := db.CreateBranch(t.Context(), s.branch); err != nil {
		t.Fatal(err)
	}
	return s
}

// event stores a published event with open sign-up and the capacity.
func (s *signUps) event(t *testing.T, capacity int, change ...func(e *vestiging.Event)) *vestiging.Event {
	t.Helper()
	s.n++
	e := &vestiging.Event{Title: fmt.Sprintf("Taalcafé %d", s.n), StartsAt: s.start, EndsAt: s.start.Add(time.Hour),
		BranchID: &s.branch.ID, Status: vestiging.StatusPublished, RegistrationMode: vestiging.RegistrationOpen, Capacity: capacity}
	for _, c := range change {
		c(e)
	}
	if err := s.db.CreateEvent(t.Context(), e); err != nil {
		t.Fatalf("create event: %v", err)
	}
	return e
}

// people stores n people.
func (s *signUps) people(t *testing.T, n int) []*vestiging.Person {
	t.Helper()
	out := make([]*vestiging.Person, n)
	for i := range out {
		s.n++
		out[i] = person(t, s.db, fmt.Sprintf("lid%d@example.nl", s.n), fmt.Sprintf("Lid %d", s.n))
	}
	return out
}

// register signs p up for e and returns the registration.
func (s *signUps) register(t *testing.T, e *vestiging.Event, p *vestiging.Person) *vestiging.Registration {
	t.Helper()
	token, _ := vestiging.NewToken()
	r := &vestiging.Registration{EventID: e.ID, PersonID: p.ID, CancelToken: token}
	if err := s.db.Register(t.Context(), r); err != nil {
		t.Fatalf("register %s: %v", p.Email, err)
	}
	return r
}

// counts checks the event's stored participant and waitlist counts.
func (s *signUps) counts(t *testing.T, e *vestiging.Event, participants, waitlisted int) {
	t.Helper()
	got, err := s.db.Event(t.Context(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Participants != participants || got.Waitlisted != waitlisted {
		t.Errorf("event %d counts %d placed, %d waiting; want %d, %d", e.ID, got.Participants, got.Waitlisted, participants, waitlisted)
	}
}

// states checks the states of regs as stored, in order.
func (s *signUps) states(t *testing.T, regs []*vestiging.Registration, want ...string) {
	t.Helper()
	got := make([]string, len(regs))
	for i, r := range regs {
		stored, err := s.db.Registration(t.Context(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		got[i] = stored.State
	}
	same(t, "states", got, want)
}

// mailLog reads the RegistrationMailJobs and ParticipationJobs queued since
// its last call.
type mailLog struct {
	db          *store.DB
	mails, acts int
}

func (m *mailLog) next(t *testing.T) ([]vestiging.RegistrationMailJob, []vestiging.ParticipationJob) {
	t.Helper()
	mails := Jobs[vestiging.RegistrationMailJob](t, m.db, vestiging.RegistrationMailJob{}.Kind())
	acts := Jobs[vestiging.ParticipationJob](t, m.db, vestiging.ParticipationJob{}.Kind())
	defer func() { m.mails, m.acts = len(mails), len(acts) }()
	return mails[m.mails:], acts[m.acts:]
}

func testRegistrations(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		s := newSignUps(t, db)
		e := s.event(t, 2)
		people := s.people(t, 4)
		log := &mailLog{db: db}
		var regs []*vestiging.Registration
		for _, p := range people {
			regs = append(regs, s.register(t, e, p))
		}
		got := []string{regs[0].State, regs[1].State, regs[2].State, regs[3].State}
		same(t, "states on sign-up", got, []string{vestiging.RegistrationConfirmed, vestiging.RegistrationConfirmed,
			vestiging.RegistrationWaitlisted, vestiging.RegistrationWaitlisted})
		s.counts(t, e, 2, 2)
		mails, _ := log.next(t)
		want := make([]vestiging.RegistrationMailJob, 4)
		for i, r := range regs {
			want[i] = vestiging.RegistrationMailJob{RegistrationID: r.ID, Notice: vestiging.NoticeConfirmed, Token: r.CancelToken}
			if i >= 2 {
				want[i].Notice = vestiging.NoticeWaitlisted
			}
		}
		same(t, "mails", mails, want)

		r, err := db.Registration(ctx, regs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Name != people[0].DisplayName || r.Email != people[0].Email || r.CancelTokenHash != vestiging.HashToken(regs[0].CancelToken) {
			t.Errorf("registration read %+v: name, email or token hash wrong", r)
		}
		if byToken, err := db.RegistrationByToken(ctx, vestiging.HashToken(regs[2].CancelToken)); err != nil || byToken.ID != regs[2].ID {
			t.Errorf("by token: %v, %v", byToken, err)
		}
		if active, err := db.ActiveRegistration(ctx, e.ID, people[3].ID, 0); err != nil || active.ID != regs[3].ID {
			t.Errorf("active registration: %v, %v", active, err)
		}

		// Cancelling a place promotes the first on the waitlist.
		cancelled, err := db.CancelRegistration(ctx, regs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if cancelled.State != vestiging.RegistrationCancelled {
			t.Errorf("cancelled state %q", cancelled.State)
		}
		s.states(t, regs, vestiging.RegistrationCancelled, vestiging.RegistrationConfirmed, vestiging.RegistrationConfirmed,
			vestiging.RegistrationWaitlisted)
		s.counts(t, e, 2, 1)
		mails, _ = log.next(t)
		same(t, "mails on cancel", mails, []vestiging.RegistrationMailJob{
			{RegistrationID: regs[0].ID, Notice: vestiging.NoticeCancelled},
			{RegistrationID: regs[2].ID, Notice: vestiging.NoticePromoted}})

		// The list: places in order of sign-up, then the waitlist, then the rest.
		list, total, err := db.Registrations(ctx, vestiging.RegistrationFilter{EventID: e.ID})
		if err != nil {
			t.Fatal(err)
		}
		ids := []int64{}
		for _, r := range list {
			ids = append(ids, r.ID)
		}
		same(t, "attendee list", ids, []int64{regs[1].ID, regs[2].ID, regs[3].ID, regs[0].ID})
		if total != 4 {
			t.Errorf("total %d, want 4", total)
		}
		mine, total, err := db.Registrations(ctx, vestiging.RegistrationFilter{PersonID: people[1].ID, Upcoming: true, Now: time.Now()})
		if err != nil || total != 1 || len(mine) != 1 || mine[0].Event == nil || mine[0].Event.ID != e.ID {
			t.Errorf("a person's registrations: %+v, %d, %v", mine, total, err)
		}

		// Check-in.
		if err := db.CheckIn(ctx, regs[1].ID, true); err != nil {
			t.Fatal(err)
		}
		if r, _ := db.Registration(ctx, regs[1].ID); r.CheckedInAt == nil {
			t.Error("checked in: CheckedInAt not set")
		}
		if err := db.CheckIn(ctx, regs[1].ID, false); err != nil {
			t.Fatal(err)
		}
		if r, _ := db.Registration(ctx, regs[1].ID); r.CheckedInAt != nil {
			t.Error("checked out: CheckedInAt still set")
		}
		wantCode(t, db.CheckIn(ctx, regs[3].ID, true), vestiging.EINVALID)
		wantCode(t, db.CheckIn(ctx, 99999, true), vestiging.ENOTFOUND)

		counts := Jobs[vestiging.EventCountsJob](t, db, vestiging.EventCountsJob{}.Kind())
		if len(counts) == 0 || len(counts) > 2 {
			t.Errorf("%d EventCountsJobs for one event's changes within a minute, want one per %v window", len(counts), vestiging.CountsDelay)
		}
		for _, j := range counts {
			if j.EventID != e.ID || j.RunAt.Before(time.Now().Add(-time.Minute)) {
				t.Errorf("counts job %+v", j)
			}
		}
	})
	t.Run("ErrInvalidCancelTwice", func(t *testing.T) {
		db := open(t)
		s := newSignUps(t, db)
		e := s.event(t, 1)
		p := s.people(t, 2)
		first, second := s.register(t, e, p[0]), s.register(t, e, p[1])
		if _, err := db.CancelRegistration(t.Context(), first.ID); err != nil {
			t.Fatal(err)
		}
		log := &mailLog{db: db}
		log.next(t)
		_, err := db.CancelRegistration(t.Context(), first.ID)
		wantCode(t, err, vestiging.EINVALID)
		_, err = db.SetRegistrationState(t.Context(), first.ID, vestiging.RegistrationConfirmed)
		wantCode(t, err, vestiging.EINVALID)
		s.states(t, []*vestiging.Registration{first, second}, vestiging.RegistrationCancelled, vestiging.RegistrationConfirmed)
		s.counts(t, e, 1, 0)
		if mails, acts := log.next(t); len(mails)+len(acts) != 0 {
			t.Errorf("cancel twice queued %+v %+v", mails, acts)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		db := open(t)
		s := newSignUps(t, db)
		p := s.people(t, 1)[0]
		err := db.Register(t.Context(), &vestiging.Registration{EventID: 99999, PersonID: p.ID})
		wantCode(t, err, vestiging.ENOTFOUND)
		for _, err := range []error{
			second(db.Registration(t.Context(), 99999)),
			second(db.CancelRegistration(t.Context(), 99999)),
			second(db.SetRegistrationState(t.Context(), 99999, vestiging.RegistrationConfirmed)),
			second(db.RegistrationByToken(t.Context(), vestiging.HashToken("nope"))),
			second(db.RegistrationByJoin(t.Context(), "https://b.example/joins/1")),
			second(db.ActiveRegistration(t.Context(), 1, p.ID, 0)),
			second(db.ConfirmGuest(t.Context(), vestiging.HashToken("nope"))),
		} {
			wantCode(t, err, vestiging.ENOTFOUND)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		s := newSignUps(t, db)
		p := s.people(t, 1)[0]
		for _, tc := range []struct {
			name   string
			change func(e *vestiging.Event)
		}{
			{"past", func(e *vestiging.Event) {
				e.StartsAt, e.EndsAt = time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour)
			}},
			{"mode none", func(e *vestiging.Event) { e.RegistrationMode = vestiging.RegistrationNone }},
			{"mode external", func(e *vestiging.Event) {
				e.RegistrationMode, e.RegistrationURL = vestiging.RegistrationExternal, "https://example.nl/aanmelden"
			}},
			{"closed", func(e *vestiging.Event) { e.RegistrationClosed = true }},
			{"draft", func(e *vestiging.Event) { e.Status = vestiging.StatusDraft }},
			{"cancelled", func(e *vestiging.Event) { e.Status = vestiging.StatusCancelled }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := s.event(t, 10, tc.change)
				r := &vestiging.Registration{EventID: e.ID, PersonID: p.ID}
				wantCode(t, db.Register(t.Context(), r), vestiging.EINVALID)
				if r.ID != 0 {
					t.Errorf("refused registration got ID %d", r.ID)
				}
				list, _, err := db.Registrations(t.Context(), vestiging.RegistrationFilter{EventID: e.ID})
				if err != nil || len(list) != 0 {
					t.Errorf("after refusal: %d registrations, %v", len(list), err)
				}
				s.counts(t, e, 0, 0)
			})
		}
		e := s.event(t, 10)
		t.Run("guests not allowed", func(t *testing.T) {
			r := &vestiging.Registration{EventID: e.ID, GuestName: "Gast", GuestEmail: "gast@example.nl", CancelToken: "x"}
			wantCode(t, db.Register(t.Context(), r), vestiging.EINVALID)
		})
		t.Run("guest address", func(t *testing.T) {
			r := &vestiging.Registration{EventID: e.ID, GuestName: "Gast", GuestEmail: "geen adres", CancelToken: "x"}
			err := db.Register(t.Context(), r)
			wantCode(t, err, vestiging.EINVALID)
			if vestiging.FieldErrors(err)["email"] == "" {
				t.Errorf("no email field error: %v", err)
			}
		})
		t.Run("nobody", func(t *testing.T) {
			wantCode(t, db.Register(t.Context(), &vestiging.Registration{EventID: e.ID}), vestiging.EINVALID)
		})
		t.Run("unknown state", func(t *testing.T) {
			r := s.register(t, e, p)
			_, err := db.SetRegistrationState(t.Context(), r.ID, "maybe")
			wantCode(t, err, vestiging.EINVALID)
		})
		s.counts(t, e, 1, 0)
	})
	t.Run("ErrConflict", func(t *testing.T) {
		db := open(t)
		s := newSignUps(t, db)
		e := s.event(t, 1)
		p := s.people(t, 2)
		s.register(t, e, p[0])
		s.register(t, e, p[1]) // waitlisted
		for _, who := range p {
			r := &vestiging.Registration{EventID: e.ID, PersonID: who.ID}
			wantCode(t, db.Register(t.Context(), r), vestiging.ECONFLICT)
		}
		s.counts(t, e, 1, 1)
		b := upsertActor(t, db, actor("b.example", "B"))
		join := &vestiging.Registration{EventID: e.ID, ActorID: b.ID, JoinIRI: "https://b.example/joins/1"}
		if err := db.Register(t.Context(), join); err != nil {
			t.Fatal(err)
		}
		again := &vestiging.Registration{EventID: e.ID, ActorID: b.ID, JoinIRI: "https://b.example/joins/2"}
		wantCode(t, db.Register(t.Context(), again), vestiging.ECONFLICT)
		s.counts(t, e, 1, 2)
	})
	t.Run("Guest", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		l, err := db.Library(ctx)
		if err != nil {
			t.Fatal(err)
		}
		l.AllowGuests, l.AnonymizeAfterDays = true, 14
		if err := db.UpdateLibrary(ctx, l); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Library(ctx); err != nil || !got.AllowGuests || got.AnonymizeAfterDays != 14 {
			t.Fatalf("library settings %+v, %v", got, err)
		}
		s := newSignUps(t, db)
		e := s.event(t, 1)
		p := s.people(t, 1)[0]
		log := &mailLog{db: db}
		token, hash := vestiging.NewToken()
		g := &vestiging.Registration{EventID: e.ID, GuestName: " Gert Gast ", GuestEmail: " Gert@Example.NL", CancelToken: token}
		if err := db.Register(ctx, g); err != nil {
			t.Fatal(err)
		}
		if g.State != vestiging.RegistrationPending || g.GuestEmail != "gert@example.nl" {
			t.Errorf("guest %q %q, want pending, lower-case address", g.State, g.GuestEmail)
		}
		dup := &vestiging.Registration{EventID: e.ID, GuestName: "Gert", GuestEmail: "gert@example.nl", CancelToken: "y"}
		wantCode(t, db.Register(ctx, dup), vestiging.ECONFLICT)
		s.counts(t, e, 0, 0) // pending holds no place
		s.register(t, e, p)  // takes the one place meanwhile
		mails, _ := log.next(t)
		if len(mails) != 2 || mails[0] != (vestiging.RegistrationMailJob{RegistrationID: g.ID, Notice: vestiging.NoticeGuest, Token: token}) {
			t.Errorf("mails %+v, want the guest's confirmation with the token first", mails)
		}
		confirmed, err := db.ConfirmGuest(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if confirmed.ID != g.ID || confirmed.State != vestiging.RegistrationWaitlisted || confirmed.WaitlistedAt == nil {
			t.Errorf("confirmed guest %+v, want waitlisted", confirmed)
		}
		_, err = db.ConfirmGuest(ctx, hash)
		wantCode(t, err, vestiging.EINVALID)
		s.counts(t, e, 1, 1)
		mails, _ = log.next(t)
		same(t, "mails on confirm", mails, []vestiging.RegistrationMailJob{{RegistrationID: g.ID, Notice: vestiging.NoticeWaitlisted}})
	})
	t.Run("NoWaitlist", func(t *testing.T) {
		db := open(t)
		s := newSignUps(t, db)
		e := s.event(t, 1, func(e *vestiging.Event) { e.NoWaitlist = true })
		p := s.people(t, 1)[0]
		s.register(t, e, p)
		b := upsertActor(t, db, actor("b.example", "B"))
		log := &mailLog{db: db}
		log.next(t)
		r := &vestiging.Registration{EventID: e.ID, ActorID: b.ID, JoinIRI: "https://b.example/joins/1"}
		if err := db.Register(t.Context(), r); err != nil {
			t.Fatal(err)
		}
		if r.State != vestiging.RegistrationRejected {
			t.Errorf("state %q, want rejected", r.State)
		}
		_, acts := log.next(t)
		same(t, "activities", acts, []vestiging.ParticipationJob{{RegistrationID: r.ID, Notice: vestiging.NoticeRejected}})
		s.counts(t, e, 1, 0)
		byJoin, err := db.RegistrationByJoin(t.Context(), r.JoinIRI)
		if err != nil || byJoin.ID != r.ID || byJoin.Actor == nil || byJoin.Actor.IRI != b.IRI || byJoin.Name != "B" || byJoin.Email != "" {
			t.Errorf("by join: %+v, %v", byJoin, err)
		}
	})
	t.Run("RemoteActor", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		s := newSignUps(t, db)
		e := s.event(t, 1)
		b := upsertActor(t, db, actor("b.example", "B"))
		c := upsertActor(t, db, actor("c.example", "C"))
		log := &mailLog{db: db}
		rb := &vestiging.Registration{EventID: e.ID, ActorID: b.ID, JoinIRI: "https://b.example/joins/1"}
		rc := &vestiging.Registration{EventID: e.ID, ActorID: c.ID, JoinIRI: "https://c.example/joins/1"}
		for _, r := range []*vestiging.Registration{rb, rc} {
			if err := db.Register(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		// B leaves (hears nothing back: they sent the Leave); C gets B's place.
		if _, err := db.CancelRegistration(ctx, rb.ID); err != nil {
			t.Fatal(err)
		}
		mails, acts := log.next(t)
		same(t, "activities", acts, []vestiging.ParticipationJob{{RegistrationID: rb.ID, Notice: vestiging.NoticeConfirmed},
			{RegistrationID: rc.ID, Notice: vestiging.NoticeWaitlisted}, {RegistrationID: rc.ID, Notice: vestiging.NoticePromoted}})
		if len(mails) != 0 {
			t.Errorf("mails for remote actors: %+v", mails)
		}
		if active, err := db.ActiveRegistration(ctx, e.ID, 0, c.ID); err != nil || active.State != vestiging.RegistrationConfirmed {
			t.Errorf("C's active registration %+v, %v", active, err)
		}
		// Staff cancel C: C hears (Reject).
		if _, err := db.SetRegistrationState(ctx, rc.ID, vestiging.RegistrationCancelled); err != nil {
			t.Fatal(err)
		}
		_, acts = log.next(t)
		same(t, "staff cancel", acts, []vestiging.ParticipationJob{{RegistrationID: rc.ID, Notice: vestiging.NoticeCancelled}})
		s.counts(t, e, 0, 0)
	})
	t.Run("StaffMoves", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		s := newSignUps(t, db)
		e := s.event(t, 1)
		p := s.people(t, 3)
		regs := []*vestiging.Registration{s.register(t, e, p[0]), s.register(t, e, p[1]), s.register(t, e, p[2])}
		log := &mailLog{db: db}
		log.next(t)
		// Over capacity, on purpose.
		if _, err := db.SetRegistrationState(ctx, regs[2].ID, vestiging.RegistrationConfirmed); err != nil {
			t.Fatal(err)
		}
		s.counts(t, e, 2, 1)
		// Back to the waitlist: behind the one waiting; no place frees
		// (still 1 placed for capacity 1).
		if _, err := db.SetRegistrationState(ctx, regs[0].ID, vestiging.RegistrationWaitlisted); err != nil {
			t.Fatal(err)
		}
		s.states(t, regs, vestiging.RegistrationWaitlisted, vestiging.RegistrationWaitlisted, vestiging.RegistrationConfirmed)
		s.counts(t, e, 1, 2)
		// The same state again changes nothing and says nothing.
		if _, err := db.SetRegistrationState(ctx, regs[2].ID, vestiging.RegistrationConfirmed); err != nil {
			t.Fatal(err)
		}
		// A raised capacity promotes in waitlist order: regs[1] first.
		e.Capacity = 2
		if err := db.UpdateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		if e.Participants != 2 || e.Waitlisted != 1 {
			t.Errorf("event after raise: %d placed, %d waiting", e.Participants, e.Waitlisted)
		}
		s.states(t, regs, vestiging.RegistrationWaitlisted, vestiging.RegistrationConfirmed, vestiging.RegistrationConfirmed)
		s.counts(t, e, 2, 1)
		mails, _ := log.next(t)
		same(t, "mails", mails, []vestiging.RegistrationMailJob{
			{RegistrationID: regs[2].ID, Notice: vestiging.NoticePromoted},
			{RegistrationID: regs[0].ID, Notice: vestiging.NoticeWaitlisted},
			{RegistrationID: regs[1].ID, Notice: vestiging.NoticePromoted}})
	})
	t.Run("RemoteEvent", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		s := newSignUps(t, db)
		b := upsertActor(t, db, actor("b.example", "B"))
		e := remoteEvent(b, 1, s.start)
		e.RegistrationMode, e.Capacity, e.Participants, e.Waitlisted = vestiging.RegistrationOpen, 10, 7, 1
		if err := db.UpsertRemoteEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		s.counts(t, e, 7, 1)
		p := s.people(t, 1)[0]
		log := &mailLog{db: db}
		r := &vestiging.Registration{EventID: e.ID, PersonID: p.ID, JoinIRI: "https://a.example/users/lid/joins/1"}
		if err := db.Register(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.State != vestiging.RegistrationPending {
			t.Errorf("state %q, want pending until B answers", r.State)
		}
		mails, acts := log.next(t)
		same(t, "join", acts, []vestiging.ParticipationJob{{RegistrationID: r.ID, Notice: vestiging.NoticeJoin}})
		if len(mails) != 0 {
			t.Errorf("mails before the answer: %+v", mails)
		}
		b2 := upsertActor(t, db, actor("c.example", "C"))
		wantCode(t, db.Register(ctx, &vestiging.Registration{EventID: e.ID, ActorID: b2.ID}), vestiging.EINVALID)

		// B answers: waitlisted, then a place.
		for _, state := range []string{vestiging.RegistrationWaitlisted, vestiging.RegistrationConfirmed} {
			if _, err := db.SetRegistrationState(ctx, r.ID, state); err != nil {
				t.Fatal(err)
			}
		}
		mails, _ = log.next(t)
		same(t, "answers", mails, []vestiging.RegistrationMailJob{{RegistrationID: r.ID, Notice: vestiging.NoticeWaitlisted},
			{RegistrationID: r.ID, Notice: vestiging.NoticePromoted}})
		s.counts(t, e, 7, 1) // the origin's counts, not ours

		// The origin publishes new counts.
		e.Participants, e.Waitlisted = 8, 0
		if err := db.UpsertRemoteEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		s.counts(t, e, 8, 0)

		if _, err := db.CancelRegistration(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		mails, acts = log.next(t)
		same(t, "leave", acts, []vestiging.ParticipationJob{{RegistrationID: r.ID, Notice: vestiging.NoticeLeave}})
		if len(mails) != 0 {
			t.Errorf("mails on leave: %+v", mails)
		}
	})
	t.Run("JoinToken", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		s := newSignUps(t, db)
		e := s.event(t, 0)
		ps := s.people(t, 2)
		r, other := s.register(t, e, ps[0]), s.register(t, e, ps[1])
		token, err := db.JoinToken(ctx, r.ID)
		if err != nil || token == "" {
			t.Fatalf("join token %q, %v", token, err)
		}
		if again, err := db.JoinToken(ctx, r.ID); err != nil || again != token {
			t.Errorf("second call %q, %v; want the same token %q", again, err, token)
		}
		if theirs, err := db.JoinToken(ctx, other.ID); err != nil || theirs == token {
			t.Errorf("another registration's token %q, %v", theirs, err)
		}
		if got, err := db.RegistrationByJoinToken(ctx, token); err != nil || got.ID != r.ID {
			t.Errorf("by token: %+v, %v; want registration %d", got, err, r.ID)
		}
		for _, bad := range []string{"", "verzonnen"} {
			if _, err := db.RegistrationByJoinToken(ctx, bad); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
				t.Errorf("token %q: %v, want ENOTFOUND", bad, err)
			}
		}
		if _, err := db.JoinToken(ctx, 999999); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("unknown registration: %v, want ENOTFOUND", err)
		}
	})
	t.Run("Anonymize", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		s := newSignUps(t, db)
		old, upcoming := s.event(t, 0), s.event(t, 0)
		p := s.people(t, 1)[0]
		b := upsertActor(t, db, actor("b.example", "B"))
		gone := []*vestiging.Registration{s.register(t, old, p)}
		ra := &vestiging.Registration{EventID: old.ID, ActorID: b.ID, JoinIRI: "https://b.example/joins/1"}
		if err := db.Register(ctx, ra); err != nil {
			t.Fatal(err)
		}
		kept := s.register(t, upcoming, p)
		gone = append(gone, ra)
		// The event took place 40 days ago.
		old.StartsAt, old.EndsAt = time.Now().Add(-40*24*time.Hour), time.Now().Add(-40*24*time.Hour+time.Hour)
		if err := db.UpdateEvent(ctx, old); err != nil {
			t.Fatal(err)
		}
		joinToken, err := db.JoinToken(ctx, gone[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		n, err := db.AnonymizeRegistrations(ctx, time.Now().Add(-30*24*time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("anonymised %d, %v; want 2", n, err)
		}
		if _, err := db.RegistrationByJoinToken(ctx, joinToken); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("join token after anonymising: %v, want ENOTFOUND", err)
		}
		if _, err := db.JoinToken(ctx, gone[0].ID); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			t.Errorf("new join token for an anonymised registration: %v, want ENOTFOUND", err)
		}
		for _, r := range gone {
			got, err := db.Registration(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.PersonID != 0 || got.ActorID != 0 || got.GuestEmail != "" || got.JoinIRI != "" || got.CancelTokenHash != "" ||
				got.Name != "" || got.Email != "" || got.AnonymizedAt == nil || got.State != vestiging.RegistrationConfirmed {
				t.Errorf("anonymised registration %+v", got)
			}
		}
		s.counts(t, old, 2, 0)
		if got, err := db.Registration(ctx, kept.ID); err != nil || got.PersonID != p.ID || got.AnonymizedAt != nil {
			t.Errorf("upcoming event's registration %+v, %v", got, err)
		}
		if n, err := db.AnonymizeRegistrations(ctx, time.Now().Add(-30*24*time.Hour)); err != nil || n != 0 {
			t.Errorf("second sweep anonymised %d, %v", n, err)
		}
	})
	t.Run("DeletePerson", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		s := newSignUps(t, db)
		e := s.event(t, 1)
		p := s.people(t, 2)
		p[0].Handle = "lid"
		if err := db.UpdatePerson(ctx, p[0]); err != nil {
			t.Fatal(err)
		}
		b := upsertActor(t, db, actor("b.example", "B"))
		elsewhere := remoteEvent(b, 1, s.start)
		elsewhere.RegistrationMode = vestiging.RegistrationOpen
		if err := db.UpsertRemoteEvent(ctx, elsewhere); err != nil {
			t.Fatal(err)
		}
		regs := []*vestiging.Registration{s.register(t, e, p[0]), s.register(t, e, p[1]), s.register(t, elsewhere, p[0])}
		if _, err := db.SetRegistrationState(ctx, regs[2].ID, vestiging.RegistrationConfirmed); err != nil {
			t.Fatal(err)
		}
		log := &mailLog{db: db}
		log.next(t)
		if err := db.DeletePerson(ctx, p[0].ID); err != nil {
			t.Fatal(err)
		}
		s.states(t, regs, vestiging.RegistrationCancelled, vestiging.RegistrationConfirmed, vestiging.RegistrationCancelled)
		s.counts(t, e, 1, 0)
		if gone, err := db.Registration(ctx, regs[0].ID); err != nil || gone.PersonID != 0 || gone.Name != "" || gone.Email != "" {
			t.Errorf("deleted person's registration %+v, %v", gone, err)
		}
		mails, acts := log.next(t)
		same(t, "mails", mails, []vestiging.RegistrationMailJob{{RegistrationID: regs[1].ID, Notice: vestiging.NoticePromoted}})
		if len(acts) != 0 {
			t.Errorf("activities for a deleted account: %+v", acts)
		}
		// The Leave at B goes with the actor's Delete.
		deleted := Jobs[vestiging.PersonDeletedJob](t, db, vestiging.PersonDeletedJob{}.Kind())
		if len(deleted) != 1 {
			t.Fatalf("PersonDeletedJobs %+v, want one", deleted)
		}
		same(t, "left", deleted[0].Left, []int64{regs[2].ID})
	})
	t.Run("DeleteEvent", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		s := newSignUps(t, db)
		upcoming, past := s.event(t, 1), s.event(t, 1)
		p := s.people(t, 2)
		regs := []*vestiging.Registration{s.register(t, upcoming, p[0]), s.register(t, upcoming, p[1]), s.register(t, past, p[0])}
		// People with a place or on the waitlist would hear nothing, also
		// when it was just cancelled: the notices of that are not out yet.
		wantCode(t, db.DeleteEvent(ctx, upcoming.ID), vestiging.ECONFLICT)
		upcoming.Status = vestiging.StatusCancelled
		if err := db.UpdateEvent(ctx, upcoming); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.DeleteEvent(ctx, upcoming.ID), vestiging.ECONFLICT)
		s.states(t, regs[:2], vestiging.RegistrationConfirmed, vestiging.RegistrationWaitlisted)
		// Over, there is nothing to tell.
		past.StartsAt, past.EndsAt = time.Now().Add(-48*time.Hour), time.Now().Add(-47*time.Hour)
		if err := db.UpdateEvent(ctx, past); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteEvent(ctx, past.ID); err != nil {
			t.Errorf("delete the past event: %v", err)
		}
	})
	t.Run("DeleteActor", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		s := newSignUps(t, db)
		e := s.event(t, 1)
		b := upsertActor(t, db, actor("b.example", "B"))
		rb := &vestiging.Registration{EventID: e.ID, ActorID: b.ID, JoinIRI: "https://b.example/joins/1"}
		if err := db.Register(ctx, rb); err != nil {
			t.Fatal(err)
		}
		p := s.people(t, 1)[0]
		waiting := s.register(t, e, p)
		log := &mailLog{db: db}
		log.next(t)
		// B's account deletes itself: its place goes to the waitlist, and
		// nobody answers B.
		if err := db.DeleteRemoteObject(ctx, b.IRI, b); err != nil {
			t.Fatal(err)
		}
		s.states(t, []*vestiging.Registration{rb, waiting}, vestiging.RegistrationCancelled, vestiging.RegistrationConfirmed)
		s.counts(t, e, 1, 0)
		mails, acts := log.next(t)
		same(t, "mails", mails, []vestiging.RegistrationMailJob{{RegistrationID: waiting.ID, Notice: vestiging.NoticePromoted}})
		if len(acts) != 0 {
			t.Errorf("activities for a deleted actor: %+v", acts)
		}
		if gone, err := db.Registration(ctx, rb.ID); err != nil || gone.ActorID != 0 {
			t.Errorf("deleted actor's registration %+v, %v", gone, err)
		}
	})
	t.Run("Hybrid", func(t *testing.T) { testHybrid(t, open) })
	t.Run("Notices", func(t *testing.T) { testEventNotices(t, open) })
	t.Run("Concurrent", func(t *testing.T) {
		db := open(t)
		s := newSignUps(t, db)
		e := s.event(t, 10)
		people := s.people(t, 100)
		ConcurrentSignUps(t, []*store.DB{db}, e, people)
	})
	t.Run("ConcurrentHybrid", func(t *testing.T) {
		db := open(t)
		s := newSignUps(t, db)
		e := s.event(t, 5, hybrid(4))
		ConcurrentHybridSignUps(t, []*store.DB{db}, e, s.people(t, 40))
	})
}

// signUpAtOnce signs every person up for e at once, spread over dbs, the
// kinds of place taken in turn.
func signUpAtOnce(t *testing.T, dbs []*store.DB, e *vestiging.Event, people []*vestiging.Person, kinds ...string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(people))
	for i, p := range people {
		wg.Go(func() {
			r := &vestiging.Registration{EventID: e.ID, PersonID: p.ID, Attendance: kinds[i%len(kinds)]}
			if err := dbs[i%len(dbs)].Register(t.Context(), r); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent sign-up: %v", err)
	}
}

// AllowGuests lets people without an account sign up.
func AllowGuests(t testing.TB, db *store.DB) {
	t.Helper()
	l, err := db.Library(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	l.AllowGuests = true
	if err := db.UpdateLibrary(t.Context(), l); err != nil {
		t.Fatal(err)
	}
}

// hybrid makes an event hybrid, with online places besides its branch's.
func hybrid(online int) func(e *vestiging.Event) {
	return func(e *vestiging.Event) {
		e.OnlineURL, e.OnlineCapacity = "https://meet.example/taalcafe", online
	}
}

// ConcurrentHybridSignUps signs every person up for hybrid e at once,
// alternately in the branch and online, spread over dbs, and checks that
// each kind filled exactly its own capacity and the rest wait for it.
func ConcurrentHybridSignUps(t *testing.T, dbs []*store.DB, e *vestiging.Event, people []*vestiging.Person) {
	t.Helper()
	signUpAtOnce(t, dbs, e, people, vestiging.AttendanceInPerson, vestiging.AttendanceOnline)
	half := len(people) / 2
	regs, _, err := dbs[0].Registrations(t.Context(), vestiging.RegistrationFilter{EventID: e.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range regs {
		got[r.Attendance+" "+r.State]++
	}
	same(t, "registrations by kind and state", got, map[string]int{
		"in_person confirmed": e.Capacity, "in_person waitlisted": half - e.Capacity,
		"online confirmed": e.OnlineCapacity, "online waitlisted": half - e.OnlineCapacity,
	})
	stored, err := dbs[0].Event(t.Context(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "counts", []int{stored.Participants, stored.Waitlisted, stored.OnlineParticipants, stored.OnlineWaitlisted},
		[]int{e.Capacity, half - e.Capacity, e.OnlineCapacity, half - e.OnlineCapacity})
}

// testHybrid checks the two kinds of place of a hybrid event: each has its
// own capacity, waitlist and promotion; a Join takes a place in the branch.
func testHybrid(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	s := newSignUps(t, db)
	e := s.event(t, 1, hybrid(1))
	p := s.people(t, 5)
	signUp := func(t *testing.T, p *vestiging.Person, kind string) *vestiging.Registration {
		t.Helper()
		r := &vestiging.Registration{EventID: e.ID, PersonID: p.ID, Attendance: kind}
		if err := db.Register(ctx, r); err != nil {
			t.Fatalf("register %s: %v", kind, err)
		}
		return r
	}
	counts := func(t *testing.T, want ...int) {
		t.Helper()
		got, err := db.Event(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "counts", []int{got.Participants, got.Waitlisted, got.OnlineParticipants, got.OnlineWaitlisted}, want)
	}
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, kind := range []string{"", "somewhere"} {
			err := db.Register(ctx, &vestiging.Registration{EventID: e.ID, PersonID: p[4].ID, Attendance: kind})
			if vestiging.ErrorCode(err) != vestiging.EINVALID || vestiging.FieldErrors(err)["attendance"] == "" {
				t.Errorf("attendance %q: %v, want EINVALID on attendance", kind, err)
			}
		}
		counts(t, 0, 0, 0, 0)
		online := &vestiging.Event{Title: "Alleen online", StartsAt: s.start, EndsAt: s.start.Add(time.Hour),
			OnlineURL: "https://meet.example/x", OnlineCapacity: 3, Status: vestiging.StatusPublished,
			RegistrationMode: vestiging.RegistrationOpen}
		if err := db.CreateEvent(ctx, online); vestiging.FieldErrors(err)["online_capacity"] == "" {
			t.Errorf("online places without a branch: %v, want EINVALID on online_capacity", err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		inPerson, online := signUp(t, p[0], vestiging.AttendanceInPerson), signUp(t, p[1], vestiging.AttendanceOnline)
		waitOnline, waitInPerson := signUp(t, p[2], vestiging.AttendanceOnline), signUp(t, p[3], vestiging.AttendanceInPerson)
		got := []string{inPerson.State, online.State, waitOnline.State, waitInPerson.State}
		same(t, "states", got, []string{vestiging.RegistrationConfirmed, vestiging.RegistrationConfirmed,
			vestiging.RegistrationWaitlisted, vestiging.RegistrationWaitlisted})
		counts(t, 1, 1, 1, 1)
		stored, err := db.Registration(ctx, online.ID)
		if err != nil || stored.Attendance != vestiging.AttendanceOnline {
			t.Errorf("stored %+v, %v; want attendance online", stored, err)
		}
		// An online place frees: the online waitlist gets it, though the
		// branch's waited as long.
		if _, err := db.CancelRegistration(ctx, online.ID); err != nil {
			t.Fatal(err)
		}
		s.states(t, []*vestiging.Registration{waitOnline, waitInPerson}, vestiging.RegistrationConfirmed, vestiging.RegistrationWaitlisted)
		counts(t, 1, 1, 1, 0)
		// More places in the branch promote from its waitlist.
		e.Capacity = 2
		if err := db.UpdateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		s.states(t, []*vestiging.Registration{waitInPerson}, vestiging.RegistrationConfirmed)
		counts(t, 2, 0, 1, 0)
	})
	t.Run("ErrInvalidOnlinePlacesTaken", func(t *testing.T) {
		changed := *e
		changed.OnlineCapacity = 0
		if err := db.UpdateEvent(ctx, &changed); vestiging.FieldErrors(err)["online_capacity"] == "" {
			t.Errorf("online places removed while taken: %v, want EINVALID on online_capacity", err)
		}
		counts(t, 2, 0, 1, 0)
	})
	t.Run("RemoteActor", func(t *testing.T) {
		a := upsertActor(t, db, actor("b.example", "B"))
		r := &vestiging.Registration{EventID: e.ID, ActorID: a.ID, JoinIRI: "https://b.example/joins/h"}
		if err := db.Register(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.Attendance != vestiging.AttendanceInPerson || r.State != vestiging.RegistrationWaitlisted {
			t.Errorf("Join got %s %s, want a waitlist entry in the branch", r.Attendance, r.State)
		}
		counts(t, 2, 1, 1, 0)
	})
	t.Run("Guest", func(t *testing.T) {
		AllowGuests(t, db)
		// A guest's kind of place waits for their confirmation: then the
		// online pool, full, puts them on its waitlist.
		token, hash := vestiging.NewToken()
		g := &vestiging.Registration{EventID: e.ID, GuestName: "Gert", GuestEmail: "gert@example.nl", CancelToken: token,
			Attendance: vestiging.AttendanceOnline}
		if err := db.Register(ctx, g); err != nil {
			t.Fatal(err)
		}
		confirmed, err := db.ConfirmGuest(ctx, hash)
		if err != nil || confirmed.State != vestiging.RegistrationWaitlisted || confirmed.Attendance != vestiging.AttendanceOnline {
			t.Fatalf("confirmed guest %+v, %v; want on the online waitlist", confirmed, err)
		}
		counts(t, 2, 1, 1, 1)
	})
}

// ConcurrentSignUps signs every person up for e at once, spread over dbs
// (handles on one database, as separate processes would be), and checks
// that exactly Capacity got a place and the rest wait, in rows and counts.
func ConcurrentSignUps(t *testing.T, dbs []*store.DB, e *vestiging.Event, people []*vestiging.Person) {
	t.Helper()
	signUpAtOnce(t, dbs, e, people, "")
	db := dbs[0]
	for state, want := range map[string]int{vestiging.RegistrationConfirmed: e.Capacity, vestiging.RegistrationWaitlisted: len(people) - e.Capacity} {
		_, n, err := db.Registrations(t.Context(), vestiging.RegistrationFilter{EventID: e.ID, State: state})
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%d %s, want %d", n, state, want)
		}
	}
	got, err := db.Event(t.Context(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Participants != e.Capacity || got.Waitlisted != len(people)-e.Capacity {
		t.Errorf("event counts %d placed, %d waiting; want %d, %d", got.Participants, got.Waitlisted, e.Capacity, len(people)-e.Capacity)
	}
}

// testEventNotices checks the RegistrantsJobs an event's changes queue.
func testEventNotices(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	s := newSignUps(t, db)
	seen := 0
	next := func(t *testing.T) []vestiging.RegistrantsJob {
		t.Helper()
		all := Jobs[vestiging.RegistrantsJob](t, db, vestiging.RegistrantsJob{}.Kind())
		defer func() { seen = len(all) }()
		return all[seen:]
	}
	reminder := func(e *vestiging.Event) vestiging.RegistrantsJob {
		return vestiging.RegistrantsJob{EventID: e.ID, Notice: vestiging.NoticeReminder, StartsAt: e.StartsAt,
			RunAt: e.StartsAt.Add(-vestiging.ReminderLead)}
	}
	draft := s.event(t, 5, func(e *vestiging.Event) { e.Status = vestiging.StatusDraft })
	same(t, "draft", next(t), []vestiging.RegistrantsJob{})
	none := s.event(t, 0, func(e *vestiging.Event) { e.RegistrationMode = vestiging.RegistrationNone })
	same(t, "without sign-up", next(t), []vestiging.RegistrantsJob{})
	_ = none

	draft.Status = vestiging.StatusPublished
	if err := db.UpdateEvent(ctx, draft); err != nil {
		t.Fatal(err)
	}
	same(t, "published", next(t), []vestiging.RegistrantsJob{reminder(draft)})

	draft.Title = "Nieuwe titel"
	if err := db.UpdateEvent(ctx, draft); err != nil {
		t.Fatal(err)
	}
	same(t, "title, nobody signed up", next(t), []vestiging.RegistrantsJob{})

	s.register(t, draft, s.people(t, 1)[0])
	draft.Title = "Nog een titel"
	if err := db.UpdateEvent(ctx, draft); err != nil {
		t.Fatal(err)
	}
	same(t, "title", next(t), []vestiging.RegistrantsJob{})

	draft.StartsAt, draft.EndsAt = draft.StartsAt.Add(time.Hour), draft.EndsAt.Add(time.Hour)
	if err := db.UpdateEvent(ctx, draft); err != nil {
		t.Fatal(err)
	}
	same(t, "moved", next(t), []vestiging.RegistrantsJob{reminder(draft),
		{EventID: draft.ID, Notice: vestiging.NoticeChanged, StartsAt: draft.StartsAt}})

	draft.BranchID, draft.OnlineURL = nil, "https://meet.example.nl/taalcafe"
	if err := db.UpdateEvent(ctx, draft); err != nil {
		t.Fatal(err)
	}
	same(t, "online now", next(t), []vestiging.RegistrantsJob{{EventID: draft.ID, Notice: vestiging.NoticeChanged, StartsAt: draft.StartsAt}})

	// A replaced link is news only for those with a place (see NoticeStates).
	draft.OnlineURL = "https://meet.example.nl/taalcafe-nieuw"
	if err := db.UpdateEvent(ctx, draft); err != nil {
		t.Fatal(err)
	}
	same(t, "new link", next(t), []vestiging.RegistrantsJob{{EventID: draft.ID, Notice: vestiging.NoticeLinkChanged, StartsAt: draft.StartsAt}})

	draft.Status = vestiging.StatusCancelled
	if err := db.UpdateEvent(ctx, draft); err != nil {
		t.Fatal(err)
	}
	same(t, "cancelled", next(t), []vestiging.RegistrantsJob{{EventID: draft.ID, Notice: vestiging.NoticeEventOff, StartsAt: draft.StartsAt}})
	if got, err := db.Event(ctx, draft.ID); err != nil || got.Participants != 1 {
		t.Fatalf("cancelled: %d places kept, %v; want 1", got.Participants, err)
	}

	// On again: the places are still held, their holders hear so, and the
	// reminder queued before the cancellation still stands.
	draft.Status = vestiging.StatusPublished
	if err := db.UpdateEvent(ctx, draft); err != nil {
		t.Fatal(err)
	}
	same(t, "on again", next(t), []vestiging.RegistrantsJob{{EventID: draft.ID, Notice: vestiging.NoticeEventBack, StartsAt: draft.StartsAt}})

	// River holds the reminder until a day before the start.
	var scheduled int
	q := `SELECT COUNT(*) FROM river_job WHERE kind = $1 AND state = 'scheduled'`
	if err := db.SQL().QueryRowContext(ctx, q, vestiging.RegistrantsJob{}.Kind()).Scan(&scheduled); err != nil {
		t.Fatal(err)
	}
	if scheduled != 2 {
		t.Errorf("%d scheduled registrants jobs, want the 2 reminders", scheduled)
	}
}

func second[T any](_ T, err error) error { return err }
