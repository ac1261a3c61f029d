package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// runJobs works the queued jobs of w's kind with w, oldest first, as River
// would, and removes them from the queue; it returns how many ran.
// Cancelled jobs are fine (bad data); any other error fails the test.
func runJobs[T river.JobArgs](t testing.TB, env *inEnv, w river.Worker[T]) int {
	t.Helper()
	ctx := context.Background()
	var zero T
	n := 0
	for {
		var id int64
		var args []byte
		err := env.db.SQL().QueryRowContext(ctx, `SELECT id, `+env.jobArgs()+` FROM river_job WHERE kind = $1 ORDER BY id LIMIT 1`,
			zero.Kind()).Scan(&id, &args)
		if err != nil {
			return n // sql.ErrNoRows: the queue is empty
		}
		var a T
		if err := json.Unmarshal(args, &a); err != nil {
			t.Fatal(err)
		}
		row := &rivertype.JobRow{ID: id, Kind: zero.Kind(), Attempt: 1, EncodedArgs: args, CreatedAt: time.Now()}
		err = w.Work(ctx, &river.Job[T]{JobRow: row, Args: a})
		var ce *rivertype.JobCancelError
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("%s job %d: %v", zero.Kind(), id, err)
		}
		if _, err := env.db.SQL().ExecContext(ctx, `DELETE FROM river_job WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		n++
	}
}

// sent returns the activities queued for delivery since the last call, by
// inbox, and takes their delivery jobs off the queue.
func (env *inEnv) sent(t testing.TB) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, j := range storetest.Jobs[DeliverJob](t, env.db, "deliver") {
		act, err := env.db.ActivityByIRI(context.Background(), j.ActivityIRI)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(act.JSON, &m); err != nil {
			t.Fatal(err)
		}
		out[j.Inbox] = append(out[j.Inbox], m)
	}
	if _, err := env.db.SQL().ExecContext(context.Background(), `DELETE FROM river_job WHERE kind = 'deliver'`); err != nil {
		t.Fatal(err)
	}
	return out
}

// participate works the participation jobs and returns what they sent.
func (env *inEnv) participate(t testing.TB) map[string][]map[string]any {
	t.Helper()
	runJobs(t, env, &participationWorker{f: env.f})
	return env.sent(t)
}

// deliver posts body from p to the inbox and applies it.
func (env *inEnv) deliver(t testing.TB, p *inPeer, body []byte) {
	t.Helper()
	if got := p.post(t, env.inbox, body); got != http.StatusAccepted {
		t.Fatalf("POST %s: %d", body, got)
	}
	if cancelled := env.work(t); len(cancelled) > 0 {
		t.Fatalf("inbox job cancelled: %v", cancelled)
	}
}

// openEvent stores a published event with open sign-up for capacity
// places, starting in the given time; change adjusts it first.
func openEvent(t testing.TB, env *inEnv, capacity int, in time.Duration, change func(e *vestiging.Event)) *vestiging.Event {
	t.Helper()
	start := time.Now().UTC().Add(in).Truncate(time.Minute)
	e := &vestiging.Event{Title: "Digicafé", Status: vestiging.StatusPublished, StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		OnlineURL: "https://meet.example/digicafe", RegistrationMode: vestiging.RegistrationOpen, Capacity: capacity}
	if change != nil {
		change(e)
	}
	if err := env.db.CreateEvent(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

// registrations lists an event's registrations by actor IRI: their states.
func (env *inEnv) registrations(t testing.TB, eventID int64) map[string]string {
	t.Helper()
	list, _, err := env.db.Registrations(context.Background(), vestiging.RegistrationFilter{EventID: eventID, Limit: vestiging.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range list {
		who := r.Name
		if r.Actor != nil {
			who = r.Actor.IRI
		}
		out[who] = r.State
	}
	return out
}

// answerOf checks that activities holds exactly one activity, an answer
// of type typ from the library to p about the Join joinID of eventIRI;
// an Accept may come with the direct Note that carries an online
// meeting's private link, which it returns ("" when none came).
func answerOf(t *testing.T, env *inEnv, activities []map[string]any, typ string, p *inPeer, joinID string) (note string) {
	t.Helper()
	if typ == "Accept" && len(activities) == 2 && activities[1]["type"] == "Create" {
		obj, _ := activities[1]["object"].(map[string]any)
		note, _ = obj["content"].(string)
		activities = activities[:1]
	}
	if len(activities) != 1 {
		t.Fatalf("sent %d activities to %s, want one %s: %v", len(activities), p.name, typ, activities)
	}
	a := activities[0]
	obj, _ := a["object"].(map[string]any)
	if a["type"] != typ || a["actor"] != ActorID(env.base) || obj["id"] != joinID || obj["type"] != "Join" || obj["actor"] != p.actor {
		t.Errorf("sent %v, want %s of %s", a, typ, joinID)
	}
	if to, _ := a["to"].([]any); len(to) != 1 || to[0] != p.actor {
		t.Errorf("addressed to %v, want %s alone", a["to"], p.actor)
	}
	return note
}

// TestJoin is the organiser's side: remote actors join an event with one
// place, the second waits, a second Join changes nothing, a Leave frees
// the place for the waiting one, and Undo{Join} cancels too.
func TestJoin(t *testing.T) {
	storetest.Backends(t, testJoin)
}

func testJoin(t *testing.T, db *store.DB) {
	env := newInEnv(t, db, nil)
	ada, bea := newInPeer(t, "ada", 0), newInPeer(t, "bea", 1)
	e := openEvent(t, env, 1, 72*time.Hour, nil)
	iri := EventID(env.base, e)

	t.Run("OK", func(t *testing.T) {
		env.deliver(t, ada, ada.activity("Join", "/joins/1", iri))
		if got, want := env.registrations(t, e.ID)[ada.actor], vestiging.RegistrationConfirmed; got != want {
			t.Fatalf("ada: %q, want %q", got, want)
		}
		// The Event withholds the online link; the place brings it.
		note := answerOf(t, env, env.participate(t)[ada.inbox], "Accept", ada, ada.id("/joins/1"))
		if !strings.Contains(note, `<a href="`+iri+`/join?token=`) || !strings.Contains(note, "Je hebt een plaats bij") ||
			strings.Contains(note, "meet.example") {
			t.Errorf("the Note with the Accept lacks the join link, or carries the meeting's: %q", note)
		}
	})
	t.Run("Waitlisted", func(t *testing.T) {
		env.deliver(t, bea, bea.activity("Join", "/joins/2", iri))
		if got, want := env.registrations(t, e.ID)[bea.actor], vestiging.RegistrationWaitlisted; got != want {
			t.Fatalf("bea: %q, want %q", got, want)
		}
		answerOf(t, env, env.participate(t)[bea.inbox], "TentativeAccept", bea, bea.id("/joins/2"))
	})
	t.Run("SecondJoin", func(t *testing.T) {
		before := env.registrations(t, e.ID)
		env.deliver(t, ada, ada.activity("Join", "/joins/3", iri))
		if got := env.registrations(t, e.ID); len(got) != len(before) || got[ada.actor] != before[ada.actor] {
			t.Errorf("registrations %v, want %v", got, before)
		}
		if n := env.jobs(t, "participation"); n != 0 {
			t.Errorf("%d participation jobs queued", n)
		}
		answerOf(t, env, env.sent(t)[ada.inbox], "Accept", ada, ada.id("/joins/3"))
	})
	t.Run("Leave", func(t *testing.T) {
		env.deliver(t, ada, ada.activity("Leave", "/leaves/1", iri))
		got := env.registrations(t, e.ID)
		if got[ada.actor] != vestiging.RegistrationCancelled || got[bea.actor] != vestiging.RegistrationConfirmed {
			t.Fatalf("after ada's Leave: %v", got)
		}
		sent := env.participate(t)
		// Her place from the waitlist brings the link.
		if note := answerOf(t, env, sent[bea.inbox], "Accept", bea, bea.id("/joins/2")); !strings.Contains(note, iri+"/join?token=") {
			t.Errorf("the Note with bea's place lacks the link: %q", note)
		}
	})
	t.Run("UndoJoin", func(t *testing.T) {
		join := map[string]any{"id": bea.id("/joins/2"), "type": "Join", "actor": bea.actor, "object": iri}
		env.deliver(t, bea, bea.activity("Undo", "/undos/1", join))
		if got, want := env.registrations(t, e.ID)[bea.actor], vestiging.RegistrationCancelled; got != want {
			t.Errorf("bea: %q, want %q", got, want)
		}
	})
}

// TestJoinRefused: every Join that cannot be registered gets Reject at
// once, and nothing is stored or queued; a Leave without a Join changes
// nothing and is not answered.
func TestJoinRefused(t *testing.T) {
	storetest.Backends(t, testJoinRefused)
}

func testJoinRefused(t *testing.T, db *store.DB) {
	env := newInEnv(t, db, nil)
	p := newInPeer(t, "ada", 0)
	past := openEvent(t, env, 0, -72*time.Hour, nil)
	none := openEvent(t, env, 0, 72*time.Hour, func(e *vestiging.Event) { e.RegistrationMode = vestiging.RegistrationNone })
	external := openEvent(t, env, 0, 72*time.Hour, func(e *vestiging.Event) {
		e.RegistrationMode, e.RegistrationURL = vestiging.RegistrationExternal, "https://tickets.example/1"
	})
	closed := openEvent(t, env, 0, 72*time.Hour, func(e *vestiging.Event) { e.RegistrationClosed = true })
	cancelled := openEvent(t, env, 0, 72*time.Hour, func(e *vestiging.Event) { e.Status = vestiging.StatusCancelled })
	draft := openEvent(t, env, 0, 72*time.Hour, func(e *vestiging.Event) { e.Status = vestiging.StatusDraft })
	events := []*vestiging.Event{past, none, external, closed, cancelled, draft}

	tests := []struct {
		name   string
		object string
	}{
		{"ErrNotFound", env.base.JoinPath("events", "999999").String()},
		{"ErrNotFoundCourse", env.base.JoinPath("courses", "1").String()}, // event 1 is no course
		{"ErrNotFoundElsewhere", p.id("/events/1")},
		{"ErrPast", EventID(env.base, past)},
		{"ErrModeNone", EventID(env.base, none)},
		{"ErrExternal", EventID(env.base, external)},
		{"ErrClosed", EventID(env.base, closed)},
		{"ErrCancelled", EventID(env.base, cancelled)},
		{"ErrDraft", EventID(env.base, draft)},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			join := p.id("/joins/" + tt.name)
			jobs := env.jobs(t, "")
			env.deliver(t, p, p.activity("Join", "/joins/"+tt.name, tt.object))
			answerOf(t, env, env.sent(t)[p.inbox], "Reject", p, join)
			for _, e := range events {
				if got := env.registrations(t, e.ID); len(got) != 0 {
					t.Errorf("after Join %d: event %d has registrations %v", i, e.ID, got)
				}
			}
			if n := env.jobs(t, ""); n != jobs {
				t.Errorf("%d jobs queued, want the %d before", n, jobs)
			}
		})
	}
	t.Run("ErrQuestions", func(t *testing.T) {
		// A required question cannot be answered by a Join: Reject, with the
		// reason and the page where it is asked; an optional one is no bar.
		asks := openEvent(t, env, 0, 72*time.Hour, func(e *vestiging.Event) {
			e.Questions = []*vestiging.Question{{Kind: vestiging.QuestionText, Label: "Hoe oud is je kind?", Required: true}}
		})
		optional := openEvent(t, env, 0, 72*time.Hour, func(e *vestiging.Event) {
			e.Questions = []*vestiging.Question{{Kind: vestiging.QuestionText, Label: "Hoe oud is je kind?"}}
		})
		jobs := env.jobs(t, "")
		env.deliver(t, p, p.activity("Join", "/joins/questions", EventID(env.base, asks)))
		sent := env.sent(t)[p.inbox]
		answerOf(t, env, sent, "Reject", p, p.id("/joins/questions"))
		page := EventID(env.base, asks)
		for _, k := range []string{"summary", "content"} {
			if got, _ := sent[0][k].(string); !strings.Contains(got, page) || !strings.Contains(got, "vragen") {
				t.Errorf("Reject's %s %q, want the reason and %s", k, got, page)
			}
		}
		if got := env.registrations(t, asks.ID); len(got) != 0 {
			t.Errorf("registrations %v, want none", got)
		}
		if n := env.jobs(t, ""); n != jobs {
			t.Errorf("%d jobs queued, want the %d before", n, jobs)
		}
		env.deliver(t, p, p.activity("Join", "/joins/optional", EventID(env.base, optional)))
		if got := env.registrations(t, optional.ID); got[p.actor] != vestiging.RegistrationConfirmed {
			t.Errorf("registrations %v, want %s with a place", got, p.actor)
		}
	})
	t.Run("LeaveWithoutJoin", func(t *testing.T) {
		open := openEvent(t, env, 0, 72*time.Hour, nil)
		jobs := env.jobs(t, "")
		env.deliver(t, p, p.activity("Leave", "/leaves/1", EventID(env.base, open)))
		if got := env.registrations(t, open.ID); len(got) != 0 {
			t.Errorf("registrations %v", got)
		}
		if n := env.jobs(t, ""); n != jobs {
			t.Errorf("%d jobs queued, want the %d before", n, jobs)
		}
	})
}

// remoteOpenEvent stores an event of the followed peer p with open
// sign-up, as if p had published it.
func remoteOpenEvent(t testing.TB, env *inEnv, p *inPeer, path string, origin *vestiging.Actor) *vestiging.Event {
	t.Helper()
	start := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Minute)
	e := &vestiging.Event{Title: "Schrijfcafé", IRI: p.id(path), URL: p.id(path), StartsAt: start, EndsAt: start.Add(time.Hour),
		Status: vestiging.StatusPublished, RegistrationMode: vestiging.RegistrationOpen, Capacity: 2, OriginID: &origin.ID}
	if err := env.db.UpsertRemoteEvent(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestJoinAnswer is the resident's side: a resident's registration for a
// followed library's event sends their Join; that library's answers set
// the state (a second Accept after TentativeAccept is a promotion); a
// forged answer changes nothing; cancelling sends a Leave.
func TestJoinAnswer(t *testing.T) {
	storetest.Backends(t, testJoinAnswer)
}

func testJoinAnswer(t *testing.T, db *store.DB) {
	env := newInEnv(t, db, nil)
	lib, other := newInPeer(t, "tiel", 0), newInPeer(t, "mallory", 1)
	fl := env.follow(t, lib, vestiging.FollowAccepted)
	e := remoteOpenEvent(t, env, lib, "/events/7", fl.Actor)
	anna := resident(t, env.db, "anna", true, false)
	ctx := t.Context()

	r := &vestiging.Registration{EventID: e.ID, PersonID: anna.ID}
	if err := env.db.Register(ctx, r); err != nil {
		t.Fatal(err)
	}
	if r.State != vestiging.RegistrationPending {
		t.Fatalf("state %q, want pending", r.State)
	}
	state := func(t *testing.T) string {
		t.Helper()
		got, err := env.db.Registration(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.State
	}
	var joinID string
	t.Run("Join", func(t *testing.T) {
		sent := env.participate(t)[lib.inbox]
		if len(sent) != 1 {
			t.Fatalf("sent to the library: %v", sent)
		}
		j := sent[0]
		joinID, _ = j["id"].(string)
		if j["type"] != "Join" || j["actor"] != PersonActorID(env.base, "anna") || j["object"] != e.IRI || !SameHost(joinID, env.base.String()) {
			t.Errorf("sent %v", j)
		}
	})
	answer := func(t *testing.T, p *inPeer, typ, path string, object any) {
		t.Helper()
		env.deliver(t, p, p.activity(typ, path, object))
	}
	tests := []struct {
		name   string
		from   *inPeer
		typ    string
		object func() any
		want   string
	}{
		{"Waitlisted", lib, "TentativeAccept", func() any { return joinID }, vestiging.RegistrationWaitlisted},
		{"ErrForgedActor", other, "Accept", func() any { return joinID }, vestiging.RegistrationWaitlisted},
		{"ErrUnknownJoin", lib, "Accept", func() any {
			return map[string]any{"id": activityIRI(env.base, "join-999-0011223344556677"), "type": "Join"}
		}, vestiging.RegistrationWaitlisted},
		{"ErrForgedHash", lib, "Accept", func() any { return joinID[:strings.LastIndex(joinID, "-")+1] + "0000000000000000" }, vestiging.RegistrationWaitlisted},
		{"Promoted", lib, "Accept", func() any {
			return map[string]any{"id": joinID, "type": "Join", "actor": PersonActorID(env.base, "anna"), "object": e.IRI}
		}, vestiging.RegistrationConfirmed},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer(t, tt.from, tt.typ, "/answers/"+tt.name, tt.object())
			if got := state(t); got != tt.want {
				t.Errorf("answer %d: state %q, want %q", i, got, tt.want)
			}
		})
	}
	t.Run("Leave", func(t *testing.T) {
		if _, err := env.db.CancelRegistration(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		sent := env.participate(t)[lib.inbox]
		if len(sent) != 1 || sent[0]["type"] != "Leave" || sent[0]["actor"] != PersonActorID(env.base, "anna") || sent[0]["object"] != e.IRI {
			t.Fatalf("sent %v, want anna's Leave", sent)
		}
		// An Accept after the Leave does not bring the registration back.
		answer(t, lib, "Accept", "/answers/late", joinID)
		if got, want := state(t), vestiging.RegistrationCancelled; got != want {
			t.Errorf("state %q, want %q", got, want)
		}
	})
	t.Run("FollowTentativeAccept", func(t *testing.T) {
		fl := env.follow(t, other, vestiging.FollowPending)
		answer(t, other, "TentativeAccept", "/answers/follow", map[string]any{"id": fl.ActivityIRI, "type": "Follow"})
		got, err := env.db.FollowingByActor(ctx, fl.Actor.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != vestiging.FollowPending {
			t.Errorf("follow %q, want pending", got.State)
		}
	})
}

// TestRegistrants: a reminder reaches those with a place and those on
// the waitlist (who read that they still wait), as a direct Note to each
// remote actor alone that mentions them and says what, when and where; a
// reminder for a start the event no longer has, or for a cancelled event,
// sends nothing.
func TestRegistrants(t *testing.T) {
	env := newInEnv(t, storetest.SQLite(t), nil)
	ada, bea := newInPeer(t, "ada", 0), newInPeer(t, "bea", 1)
	e := openEvent(t, env, 1, 20*time.Hour, nil)
	iri := EventID(env.base, e)
	env.deliver(t, ada, ada.activity("Join", "/joins/1", iri))
	env.deliver(t, bea, bea.activity("Join", "/joins/2", iri))
	env.participate(t)
	reminders := func(t *testing.T, j vestiging.RegistrantsJob) map[string][]map[string]any {
		t.Helper()
		if _, err := env.db.SQL().ExecContext(context.Background(), `DELETE FROM river_job`); err != nil {
			t.Fatal(err)
		}
		if err := env.db.InsertJob(t.Context(), j); err != nil {
			t.Fatal(err)
		}
		runJobs(t, env, &registrantsWorker{f: env.f})
		return env.participate(t)
	}

	t.Run("OK", func(t *testing.T) {
		sent := reminders(t, vestiging.RegistrantsJob{EventID: e.ID, Notice: vestiging.NoticeReminder, StartsAt: e.StartsAt})
		if len(sent) != 2 || len(sent[ada.inbox]) != 1 || len(sent[bea.inbox]) != 1 {
			t.Fatalf("sent %v, want one Note to ada, with the place, and one to bea, on the waitlist", sent)
		}
		waiting, _ := sent[bea.inbox][0]["object"].(map[string]any)
		if content, _ := waiting["content"].(string); !strings.Contains(content, waitlistLine) || strings.Contains(content, "meet.example") {
			t.Errorf("bea's reminder does not say she waits, or gives her the link without a place: %s", content)
		}
		create := sent[ada.inbox][0]
		note, _ := create["object"].(map[string]any)
		content, _ := note["content"].(string)
		if create["type"] != "Create" || note["type"] != "Note" || note["attributedTo"] != ActorID(env.base) || note["context"] != iri {
			t.Errorf("sent %v", create)
		}
		for _, want := range []string{"Herinnering", "morgen", "Digicafé", `href="` + iri + `"`, "online", ada.actor,
			`<a href="` + iri + `/join?token=`} {
			if !strings.Contains(content, want) {
				t.Errorf("content lacks %q: %s", want, content)
			}
		}
		if strings.Contains(content, waitlistLine) {
			t.Errorf("ada, with a place, reads she waits: %s", content)
		}
		for _, field := range []string{"to", "cc"} {
			for _, doc := range []map[string]any{create, note} {
				for _, to := range asList(doc[field]) {
					if to != ada.actor {
						t.Errorf("%s addressed to %v", field, to)
					}
				}
			}
		}
		tags, _ := note["tag"].([]any)
		if len(tags) != 1 || tags[0].(map[string]any)["type"] != "Mention" || tags[0].(map[string]any)["href"] != ada.actor {
			t.Errorf("tag %v, want a Mention of ada", note["tag"])
		}
	})
	t.Run("Twice", func(t *testing.T) {
		// A fan-out that runs again (its job retried) sends nothing more.
		if sent := reminders(t, vestiging.RegistrantsJob{EventID: e.ID, Notice: vestiging.NoticeReminder, StartsAt: e.StartsAt}); len(sent) != 0 {
			t.Errorf("sent %v again", sent)
		}
	})
	t.Run("SameJobTwice", func(t *testing.T) {
		// One job run again after a crash, before River heard it finished:
		// each registrant's notice (of a change: ada has the place, bea and
		// Cor wait) is queued once.
		p := &vestiging.Person{Email: "cor@example.nl", DisplayName: "Cor", PasswordHash: "x"}
		if err := env.db.CreatePerson(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		if err := env.db.Register(t.Context(), &vestiging.Registration{EventID: e.ID, PersonID: p.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := env.db.SQL().ExecContext(context.Background(), `DELETE FROM river_job`); err != nil {
			t.Fatal(err)
		}
		j := vestiging.RegistrantsJob{EventID: e.ID, Notice: vestiging.NoticeChanged, StartsAt: e.StartsAt}
		for range 2 {
			if err := env.f.tellRegistrants(t.Context(), j, "registrants 77"); err != nil {
				t.Fatal(err)
			}
		}
		mails := storetest.Jobs[vestiging.RegistrationMailJob](t, env.db, vestiging.RegistrationMailJob{}.Kind())
		acts := storetest.Jobs[vestiging.ParticipationJob](t, env.db, vestiging.ParticipationJob{}.Kind())
		if len(mails) != 1 || len(acts) != 2 {
			t.Errorf("queued %d mails and %d notes for 1 person and 2 actors: %+v %+v", len(mails), len(acts), mails, acts)
		}
	})
	t.Run("Moved", func(t *testing.T) {
		sent := reminders(t, vestiging.RegistrantsJob{EventID: e.ID, Notice: vestiging.NoticeReminder, StartsAt: e.StartsAt.Add(-time.Hour)})
		if len(sent) != 0 {
			t.Errorf("sent %v for a start the event no longer has", sent)
		}
	})
	t.Run("LinkChanged", func(t *testing.T) {
		// Only those with a place hear of a replaced link: ada, with her join link.
		sent := reminders(t, vestiging.RegistrantsJob{EventID: e.ID, Notice: vestiging.NoticeLinkChanged, StartsAt: e.StartsAt})
		if len(sent) != 1 || len(sent[ada.inbox]) != 1 {
			t.Fatalf("sent %v, want one Note, to ada", sent)
		}
		note, _ := sent[ada.inbox][0]["object"].(map[string]any)
		content, _ := note["content"].(string)
		if !strings.Contains(content, "vervangen; de oude werkt niet meer") || !strings.Contains(content, iri+"/join?token=") ||
			strings.Contains(content, "meet.example") {
			t.Errorf("content %q", content)
		}
	})
	t.Run("EventOff", func(t *testing.T) {
		e.Status = vestiging.StatusCancelled
		if err := env.db.UpdateEvent(t.Context(), e); err != nil {
			t.Fatal(err)
		}
		if sent := reminders(t, vestiging.RegistrantsJob{EventID: e.ID, Notice: vestiging.NoticeReminder, StartsAt: e.StartsAt}); len(sent) != 0 {
			t.Errorf("reminder of a cancelled event sent %v", sent)
		}
		sent := reminders(t, vestiging.RegistrantsJob{EventID: e.ID, Notice: vestiging.NoticeEventOff, StartsAt: e.StartsAt})
		if len(sent[ada.inbox]) != 1 || len(sent[bea.inbox]) != 1 {
			t.Fatalf("sent %v, want a Note to each", sent)
		}
		note, _ := sent[bea.inbox][0]["object"].(map[string]any)
		if content, _ := note["content"].(string); !strings.Contains(content, "gaat helaas niet door") {
			t.Errorf("content %q", content)
		}
	})
}

// TestEventCounts: the counts job publishes an Update whose
// participantCount and remainingAttendeeCapacity are the stored counts.
func TestEventCounts(t *testing.T) {
	env := newInEnv(t, storetest.SQLite(t), nil)
	ada := newInPeer(t, "ada", 0)
	if err := env.db.AddFollower(t.Context(), mustActor(t, env, ada).ID, ada.id("/follows/1")); err != nil {
		t.Fatal(err)
	}
	e := openEvent(t, env, 3, 72*time.Hour, nil)
	env.deliver(t, ada, ada.activity("Join", "/joins/1", EventID(env.base, e)))
	env.participate(t)
	if n := runJobs(t, env, &eventCountsWorker{f: env.f}); n != 1 {
		t.Fatalf("%d counts jobs ran, want 1", n)
	}
	sent := env.sent(t)[ada.base+"/inbox"] // the follower's shared inbox
	if len(sent) != 1 || sent[0]["type"] != "Update" {
		t.Fatalf("sent %v, want one Update", sent)
	}
	obj, _ := sent[0]["object"].(map[string]any)
	if obj["participantCount"] != 1.0 || obj["remainingAttendeeCapacity"] != 2.0 {
		t.Errorf("participantCount %v remaining %v, want 1 and 2", obj["participantCount"], obj["remainingAttendeeCapacity"])
	}
}

func mustActor(t testing.TB, env *inEnv, p *inPeer) *vestiging.Actor {
	t.Helper()
	a, err := env.f.remoteActor(context.Background(), p.actor)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// BenchmarkJoin applies remote Joins of one popular event as the inbox
// worker does (claim the id, register, queue the answer and the counts
// Update), each by another actor, on SQLite and PostgreSQL; the first 100
// get a place, the rest the waitlist.
func BenchmarkJoin(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkJoin(b, storetest.SQLite(b)) })
	if os.Getenv(storetest.EnvPostgres) != "" {
		b.Run("postgres", func(b *testing.B) { benchmarkJoin(b, storetest.Postgres(b)) })
	}
}

func benchmarkJoin(b *testing.B, db *store.DB) {
	env := newInEnv(b, db, nil)
	e := openEvent(b, env, 100, 72*time.Hour, nil)
	iri := EventID(env.base, e)
	ctx := context.Background()
	bodies := make([]InboxJob, b.N)
	for i := range bodies {
		actor := fmt.Sprintf("https://peer.example/users/p%d", i)
		a := &vestiging.Actor{IRI: actor, Type: "Person", Username: fmt.Sprintf("p%d", i), Host: "peer.example",
			Inbox: actor + "/inbox", KeyID: actor + "#main-key", FetchedAt: time.Now()}
		if err := db.UpsertActor(ctx, a); err != nil {
			b.Fatal(err)
		}
		body := fmt.Sprintf(`{"id":%q,"type":"Join","actor":%q,"object":%q}`, actor+"/join", actor, iri)
		bodies[i] = InboxJob{Actor: actor, Body: activityBody(body)}
	}
	b.ResetTimer()
	for i := range bodies {
		if err := env.f.process(ctx, bodies[i], 1); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	got, err := db.Event(ctx, e.ID)
	if err != nil {
		b.Fatal(err)
	}
	if want := min(b.N, 100); got.Participants != want || got.Waitlisted != b.N-want {
		b.Fatalf("%d places and %d waiting, want %d and %d", got.Participants, got.Waitlisted, want, b.N-want)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "joins/s")
}

// TestJoinHybrid: a Join cannot say which place it wants, so at a hybrid
// activity it gets one at the venue: the Accept brings no link to the
// online meeting. The Event says it is mixed, with the venue's places
// (which a Join takes) and the online ones apart.
func TestJoinHybrid(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		env := newInEnv(t, db, nil)
		ada := newInPeer(t, "ada", 0)
		b := &vestiging.Branch{Name: "Centrale"}
		if err := db.CreateBranch(t.Context(), b); err != nil {
			t.Fatal(err)
		}
		e := openEvent(t, env, 1, 72*time.Hour, func(e *vestiging.Event) { e.BranchID, e.OnlineCapacity = &b.ID, 3 })
		iri := EventID(env.base, e)
		env.deliver(t, ada, ada.activity("Join", "/joins/1", iri))
		reg, err := db.RegistrationByJoin(t.Context(), ada.id("/joins/1"))
		if err != nil || reg.State != vestiging.RegistrationConfirmed || reg.Attendance != vestiging.AttendanceInPerson {
			t.Fatalf("ada's registration %+v, %v; want a place at the venue", reg, err)
		}
		if note := answerOf(t, env, env.participate(t)[ada.inbox], "Accept", ada, ada.id("/joins/1")); note != "" {
			t.Errorf("a place at the venue came with a Note: %q", note)
		}
		stored, err := db.Event(t.Context(), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		o := EventObject(stored, env.base)
		got := []any{o["eventAttendanceMode"], o["maximumAttendeeCapacity"], o["remainingAttendeeCapacity"], o["participantCount"],
			o["onlineAttendeeCapacity"], o["remainingOnlineAttendeeCapacity"]}
		storetest.Same(t, "hybrid Event", got, []any{"https://schema.org/MixedEventAttendanceMode", 1, 0, 1, 3, 3})
	})
}
