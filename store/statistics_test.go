package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// statsSeed is a library whose figures for January to April 2026 are known:
//
//   - A, 15 January at Centrale, Leesplezier, adults, 2 places: residents
//     p1 and p2 get them, p3, guest g1 and remote x1 wait; p1 cancels, so
//     p3 gets a place; staff give x1 one too. p2 and x1 are checked in, p3
//     is a no-show. 5 sign-ups (3 residents, 1 guest, 1 other library),
//     2 attended, 1 no-show, 2 places from the waitlist.
//   - B, 10 February at Noord, Leesplezier and Digitale vaardigheden,
//     children and seniors, no limit: p1 and p2 sign up, guest g2 never
//     confirms; nobody is checked in, so attendance was not taken: no
//     no-shows. 2 sign-ups.
//   - C, 31 March 23:30 UTC, which is 1 April in Amsterdam, online,
//     Digitale vaardigheden, for all: no sign-ups.
//   - Left out: a draft in January, and an activity in December 2025 with
//     a sign-up.
//
// Followers: one on a.example since before the range, two in February (on
// a.example and b.example), one in June, after it. Everyone's
// registration is anonymised before the figures are read.
type statsSeed struct {
	db    *store.DB
	clock *storetest.Clock
	n     int
}

func (s *statsSeed) event(t *testing.T, title string, start time.Time, branch *int64, capacity int, themes, audiences []string) *vestiging.Event {
	t.Helper()
	e := &vestiging.Event{Title: title, StartsAt: start, EndsAt: start.Add(time.Hour), BranchID: branch, Themes: themes,
		Audiences: audiences, Status: vestiging.StatusPublished, RegistrationMode: vestiging.RegistrationOpen, Capacity: capacity}
	if branch == nil {
		e.OnlineURL = "https://meet.example.nl/c"
	}
	if err := s.db.CreateEvent(t.Context(), e); err != nil {
		t.Fatalf("create %s: %v", title, err)
	}
	return e
}

func (s *statsSeed) register(t *testing.T, r *vestiging.Registration) *vestiging.Registration {
	t.Helper()
	if err := s.db.Register(t.Context(), r); err != nil {
		t.Fatalf("register %+v: %v", r, err)
	}
	return r
}

func (s *statsSeed) follower(t *testing.T, host string) {
	t.Helper()
	s.n++
	iri := fmt.Sprintf("https://%s/users/f%d", host, s.n)
	a := &vestiging.Actor{IRI: iri, Type: "Person", Username: fmt.Sprintf("f%d", s.n), Inbox: iri + "/inbox"}
	if err := s.db.UpsertActor(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if err := s.db.AddFollower(t.Context(), a.ID, iri+"#follow"); err != nil {
		t.Fatal(err)
	}
}

func seedStatistics(t *testing.T, db *store.DB, clock *storetest.Clock) {
	t.Helper()
	ctx := t.Context()
	s := &statsSeed{db: db, clock: clock}
	clock.Set(time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC))
	storetest.AllowGuests(t, db)
	centrale, noord := &vestiging.Branch{Name: "Centrale"}, &vestiging.Branch{Name: "Noord"}
	for _, b := range []*vestiging.Branch{centrale, noord} {
		if err := db.CreateBranch(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	var people []*vestiging.Person
	for i := range 3 {
		p := &vestiging.Person{Email: fmt.Sprintf("p%d@example.nl", i+1), DisplayName: fmt.Sprintf("P%d", i+1), PasswordHash: "$argon2id$test"}
		if err := db.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		people = append(people, p)
	}
	x1 := &vestiging.Actor{IRI: "https://b.example/users/x1", Type: "Person", Username: "x1", Inbox: "https://b.example/users/x1/inbox"}
	if err := db.UpsertActor(ctx, x1); err != nil {
		t.Fatal(err)
	}
	s.follower(t, "a.example")

	const lees, digi = "leesplezier", "digitale-vaardigheden"
	old := s.event(t, "December", time.Date(2025, 12, 10, 10, 0, 0, 0, time.UTC), &centrale.ID, 0, []string{lees}, nil)
	s.register(t, &vestiging.Registration{EventID: old.ID, PersonID: people[0].ID})
	draft := &vestiging.Event{Title: "Concept", StartsAt: time.Date(2026, 1, 20, 10, 0, 0, 0, time.UTC),
		EndsAt: time.Date(2026, 1, 20, 11, 0, 0, 0, time.UTC), BranchID: &centrale.ID, Status: vestiging.StatusDraft}
	if err := db.CreateEvent(ctx, draft); err != nil {
		t.Fatal(err)
	}
	a := s.event(t, "A", time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC), &centrale.ID, 2, []string{lees},
		[]string{vestiging.AudienceAdults})
	b := s.event(t, "B", time.Date(2026, 2, 10, 10, 0, 0, 0, time.UTC), &noord.ID, 0, []string{lees, digi},
		[]string{vestiging.AudienceChildren, vestiging.AudienceSeniors})
	s.event(t, "C", time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC), nil, 0, []string{digi}, []string{vestiging.AudienceAll})

	clock.Set(time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC))
	p1 := s.register(t, &vestiging.Registration{EventID: a.ID, PersonID: people[0].ID})
	p2 := s.register(t, &vestiging.Registration{EventID: a.ID, PersonID: people[1].ID})
	p3 := s.register(t, &vestiging.Registration{EventID: a.ID, PersonID: people[2].ID})
	s.register(t, &vestiging.Registration{EventID: a.ID, GuestName: "G1", GuestEmail: "g1@example.nl", CancelToken: "g1-token"})
	if _, err := db.ConfirmGuest(ctx, vestiging.HashToken("g1-token")); err != nil {
		t.Fatal(err)
	}
	x := s.register(t, &vestiging.Registration{EventID: a.ID, ActorID: x1.ID, JoinIRI: "https://b.example/joins/1"})
	if _, err := db.CancelRegistration(ctx, p1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetRegistrationState(ctx, x.ID, vestiging.RegistrationConfirmed); err != nil {
		t.Fatal(err)
	}
	s.register(t, &vestiging.Registration{EventID: b.ID, PersonID: people[0].ID})
	s.register(t, &vestiging.Registration{EventID: b.ID, PersonID: people[1].ID})
	s.register(t, &vestiging.Registration{EventID: b.ID, GuestName: "G2", GuestEmail: "g2@example.nl", CancelToken: "g2-token"})
	for _, r := range []*vestiging.Registration{p2, x} {
		if err := db.CheckIn(ctx, r.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := db.Registration(ctx, p3.ID); err != nil || got.State != vestiging.RegistrationConfirmed {
		t.Fatalf("p3 after p1 cancelled: %+v, %v", got, err)
	}

	clock.Set(time.Date(2026, 2, 5, 9, 0, 0, 0, time.UTC))
	s.follower(t, "a.example")
	s.follower(t, "b.example")
	clock.Set(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	s.follower(t, "c.example")
	if n, err := db.AnonymizeRegistrations(ctx, clock.Now()); err != nil || n != 9 {
		t.Fatalf("anonymised %d, %v; want 9", n, err)
	}
}

// statsRange is January to April 2026 in Amsterdam.
func statsRange(t *testing.T) vestiging.StatisticsFilter {
	t.Helper()
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	return vestiging.StatisticsFilter{From: time.Date(2026, 1, 1, 0, 0, 0, 0, ams), To: time.Date(2026, 5, 1, 0, 0, 0, 0, ams), Location: ams}
}

func TestStatistics(t *testing.T) {
	clockBackends(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		seedStatistics(t, db, clock)
		t.Run("OK", func(t *testing.T) {
			st, err := db.Statistics(t.Context(), statsRange(t))
			if err != nil {
				t.Fatal(err)
			}
			type F = vestiging.Figures
			type N = vestiging.Network
			fa := F{Activities: 1, SignUps: 5, Attended: 2, NoShows: 1, Promoted: 2, Residents: 3, Guests: 1, Remote: 1}
			fb := F{Activities: 1, SignUps: 2, Residents: 2}
			fc := F{Activities: 1}
			sum := func(fs ...F) F {
				var out F
				for _, f := range fs {
					out.Activities += f.Activities
					out.SignUps += f.SignUps
					out.Attended += f.Attended
					out.NoShows += f.NoShows
					out.Promoted += f.Promoted
					out.Residents += f.Residents
					out.Guests += f.Guests
					out.Remote += f.Remote
				}
				return out
			}
			row := func(key, label string, f F) vestiging.StatisticsRow {
				return vestiging.StatisticsRow{Key: key, Label: label, Figures: f}
			}
			month := func(key string, f F, n N) vestiging.StatisticsRow {
				r := row(key, "", f)
				r.Network = &n
				return r
			}
			same(t, "total", st.Total, sum(fa, fb, fc))
			same(t, "months", st.Months, []vestiging.StatisticsRow{
				month("2026-01", fa, N{Followers: 1, Servers: 1}),
				month("2026-02", fb, N{Followers: 3, NewFollowers: 2, Servers: 2}),
				month("2026-03", F{}, N{Followers: 3, Servers: 2}),
				month("2026-04", fc, N{Followers: 3, Servers: 2}),
			})
			same(t, "themes", st.Themes, []vestiging.StatisticsRow{
				row("digitale-vaardigheden", "Digitale vaardigheden", sum(fb, fc)),
				row("leesplezier", "Leesplezier", sum(fa, fb)),
			})
			same(t, "branches", st.Branches, []vestiging.StatisticsRow{
				row("", "", fc),
				row(fmt.Sprint(centrale(t, db)), "Centrale", fa),
				row(fmt.Sprint(centrale(t, db)+1), "Noord", fb),
			})
			same(t, "audiences", st.Audiences, []vestiging.StatisticsRow{
				row(vestiging.AudienceAdults, "", fa),
				row(vestiging.AudienceAll, "", fc),
				row(vestiging.AudienceChildren, "", fb),
				row(vestiging.AudienceSeniors, "", fb),
			})
			same(t, "network", st.Network, N{Followers: 3, NewFollowers: 2, Servers: 2})
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			f := statsRange(t)
			f.From, f.To = f.To, f.From
			if _, err := db.Statistics(t.Context(), f); vestiging.ErrorCode(err) != vestiging.EINVALID {
				t.Errorf("reversed range: %v, want %s", err, vestiging.EINVALID)
			}
			f = statsRange(t)
			f.To = f.From.AddDate(3, 1, 0)
			if _, err := db.Statistics(t.Context(), f); vestiging.ErrorCode(err) != vestiging.EINVALID {
				t.Errorf("37 months: %v, want %s", err, vestiging.EINVALID)
			}
		})
	})
}

func centrale(t *testing.T, db *store.DB) int64 {
	t.Helper()
	branches, err := db.Branches(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range branches {
		if b.Name == "Centrale" {
			return b.ID
		}
	}
	t.Fatal("no branch Centrale")
	return 0
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// BenchmarkStatistics reads a year's statistics of 2,000 activities with
// 100,000 registrations between them, and 10,000 followers.
//
//	go test -run '^$' -bench BenchmarkStatistics ./store/
func BenchmarkStatistics(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *store.DB) {
		start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
		storetest.SeedEvents(b, db, 2_000, start) // one every two hours: Jan to mid-June
		seedRegistrations(b, db, 100_000)
		storetest.SeedFollowers(b, db, 10_000, 1_000, func(i int) string { return fmt.Sprintf("https://host%d.example/inbox", i) })
		f := vestiging.StatisticsFilter{From: start.AddDate(0, 0, -1), To: start.AddDate(1, 0, 0), Location: time.UTC}
		for b.Loop() {
			st, err := db.Statistics(b.Context(), f)
			if err != nil || st.Total.Activities != 2_000 || st.Total.SignUps == 0 {
				b.Fatalf("statistics: %+v, %v", st, err)
			}
		}
	})
}

// seedRegistrations spreads n registrations over the events, in every
// state and origin, some checked in and some given a place from the
// waitlist, inserted in one transaction.
func seedRegistrations(tb testing.TB, db *store.DB, n int) {
	tb.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z") // read as a time by both (see seedPeople)
	var events []int64
	rows, err := db.SQL().QueryContext(ctx, `SELECT id FROM events ORDER BY id`)
	if err != nil {
		tb.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			tb.Fatal(err)
		}
		events = append(events, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		tb.Fatal(err)
	}
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	states := []string{vestiging.RegistrationConfirmed, vestiging.RegistrationConfirmed, vestiging.RegistrationConfirmed,
		vestiging.RegistrationWaitlisted, vestiging.RegistrationCancelled, vestiging.RegistrationRejected}
	origins := []string{vestiging.OriginResident, vestiging.OriginResident, vestiging.OriginGuest, vestiging.OriginRemote}
	for from := 0; from < n; from += 500 {
		var values []string
		var args []any
		for i := from; i < min(from+500, n); i++ {
			var checked, promoted any
			state := states[i%len(states)]
			if state == vestiging.RegistrationConfirmed && i%3 == 0 {
				checked = now
			}
			if i%7 == 0 {
				promoted = now
			}
			p := len(args)
			values = append(values, fmt.Sprintf("($%d, $%d, $%d, $%d, $%d, $%d, $%d)", p+1, p+2, p+3, p+4, p+5, p+6, p+7))
			args = append(args, events[i%len(events)], state, origins[i%len(origins)], checked, promoted, now, now)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO registrations (event_id, state, origin, checked_in_at, promoted_at,
			created_at, updated_at) VALUES `+strings.Join(values, ", "), args...); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}
