package main

// End-to-end federated participation (issue 5): a resident of A signs up
// for B's full event, is waitlisted, gets the place that frees, receives
// the reminder as a direct Note, and both sides see the current counts.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
	"github.com/vestiging/vestiging/store/storetest"
)

// person adds a confirmed resident with a handle to n.
func (n *node) person(handle string) *vestiging.Person {
	n.t.Helper()
	now := time.Now().UTC()
	p := &vestiging.Person{Email: handle + "@mail.example", DisplayName: handle, PasswordHash: "x", Handle: handle, ConfirmedAt: &now}
	if err := n.DB.CreatePerson(context.Background(), p); err != nil {
		n.t.Fatalf("%s: person %s: %v", n.name, handle, err)
	}
	return p
}

// TestRegistrationAcrossInstances: A follows B (B on PostgreSQL when
// VESTIGING_TEST_POSTGRES is set). B's event has two places, both taken
// by B's people. A's resident signs up through A: B answers
// TentativeAccept and A shows waitlisted; one of B's people cancels, B
// promotes A's resident with Accept and A shows confirmed; B moves the
// event to within a day, so the reminder runs and reaches A's resident as
// a direct Note, stored as a Message with the event. Between the two,
// participantCount is current in B's Event and, after the coalesced
// Update, in A's copy. Last, anna deletes her account: B hears her Leave
// and her actor's Delete, and gives her place to the next on its list.
func TestRegistrationAcrossInstances(t *testing.T) {
	ctx := context.Background()
	databaseB := ""
	if pg := os.Getenv(storetest.EnvPostgres); pg != "" {
		databaseB = storetest.CreatePostgresDatabase(t, pg)
	}
	a := startNode(t, "A", "", false, nil)
	b := startNode(t, "B", databaseB, false, nil)
	b.rename("Bibliotheek Bommelerwaard")
	step := func(name string, fn func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, fn) {
			t.FailNow()
		}
	}

	step("Follow", func(t *testing.T) {
		fl, err := a.Fed.Follow(ctx, "@agenda@"+b.host)
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, e2eWait, func() error {
			got, err := a.DB.FollowingByActor(ctx, fl.Actor.ID)
			if err != nil || got.State != vestiging.FollowAccepted {
				return fmt.Errorf("A's follow of B: %v %v", got, err)
			}
			return nil
		})
	})

	start := time.Now().UTC().Add(30 * time.Hour).Truncate(time.Minute)
	e := &vestiging.Event{Title: "Schrijfcafé", Status: vestiging.StatusPublished, StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		OnlineURL: "https://meet.example/schrijfcafe", RegistrationMode: vestiging.RegistrationOpen, Capacity: 2}
	var remote *vestiging.Event
	var bRegs []*vestiging.Registration
	step("Publish", func(t *testing.T) {
		if err := b.DB.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"bert", "bo"} {
			r := &vestiging.Registration{EventID: e.ID, PersonID: b.person(h).ID}
			if err := b.DB.Register(ctx, r); err != nil {
				t.Fatal(err)
			}
			if r.State != vestiging.RegistrationConfirmed {
				t.Fatalf("%s: %s, want confirmed", h, r.State)
			}
			bRegs = append(bRegs, r)
		}
		iri := federation.EventID(b.cfg.BaseURL, e)
		eventually(t, e2eWait, func() error {
			var err error
			if remote, err = a.remoteEvent(iri); err != nil {
				return err
			}
			if remote.RegistrationMode != vestiging.RegistrationOpen || remote.Capacity != 2 {
				return fmt.Errorf("A's copy: mode %q capacity %d", remote.RegistrationMode, remote.Capacity)
			}
			return nil
		})
		// The meeting's link is for those with a place: A's copy has the
		// page to sign up on.
		if !remote.Online() || remote.OnlineURL != iri {
			t.Errorf("A's copy: online %v at %q, want B's page", remote.Online(), remote.OnlineURL)
		}
	})

	anna := a.person("anna")
	r := &vestiging.Registration{EventID: remote.ID, PersonID: anna.ID}
	waitState := func(t *testing.T, want string) {
		t.Helper()
		eventually(t, e2eWait, func() error {
			got, err := a.DB.Registration(ctx, r.ID)
			if err != nil {
				return err
			}
			if got.State != want {
				return fmt.Errorf("anna's registration at A: %s, want %s", got.State, want)
			}
			return nil
		})
	}
	step("Waitlisted", func(t *testing.T) {
		if err := a.DB.Register(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.State != vestiging.RegistrationPending {
			t.Errorf("state at sign-up %q, want pending until B answers", r.State)
		}
		waitState(t, vestiging.RegistrationWaitlisted)
		list, _, err := b.DB.Registrations(ctx, vestiging.RegistrationFilter{EventID: e.ID, State: vestiging.RegistrationWaitlisted})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Actor == nil || list[0].Actor.IRI != federation.PersonActorID(a.cfg.BaseURL, "anna") {
			t.Fatalf("B's waitlist: %+v", list)
		}
	})

	step("Promoted", func(t *testing.T) {
		if _, err := b.DB.CancelRegistration(ctx, bRegs[0].ID); err != nil {
			t.Fatal(err)
		}
		waitState(t, vestiging.RegistrationConfirmed)
		// The place brings the way in: a direct Note with B's join link.
		join := federation.EventID(b.cfg.BaseURL, e) + "/join?token="
		eventually(t, e2eWait, func() error {
			list, _, err := a.DB.Messages(ctx, anna.ID, 0, 10)
			if err != nil {
				return err
			}
			for _, m := range list {
				if strings.Contains(m.Content, join) {
					if m.EventID != remote.ID || strings.Contains(m.Content, "meet.example") {
						return fmt.Errorf("the Note with the join link %+v, want it filed with event %d", m, remote.ID)
					}
					return nil
				}
			}
			return fmt.Errorf("anna has %d messages, none with the join link", len(list))
		})
	})

	step("Counts", func(t *testing.T) {
		// bo leaves too: anna holds the one place taken. Five changes of
		// the counts so far (bert, bo, anna waitlisted, anna promoted, bo
		// gone) reach A as far fewer Updates.
		if _, err := b.DB.CancelRegistration(ctx, bRegs[1].ID); err != nil {
			t.Fatal(err)
		}
		iri := federation.EventID(b.cfg.BaseURL, e)
		// updates counts B's Updates of the event; current reports whether
		// one of them carries the count of one.
		updates := func() (n int, current bool, err error) {
			acts, _, err := b.DB.Activities(ctx, 0, vestiging.MaxPageSize)
			for _, act := range acts {
				if act.Type != "Update" || act.ObjectIRI != iri {
					continue
				}
				n++
				var u struct {
					Object struct{ ParticipantCount int }
				}
				if err := json.Unmarshal(act.JSON, &u); err != nil {
					return 0, false, err
				}
				current = current || u.Object.ParticipantCount == 1
			}
			return n, current, err
		}
		eventually(t, vestiging.CountsDelay+e2eWait, func() error {
			doc, err := getAS2(iri)
			if err != nil {
				return err
			}
			if doc["participantCount"] != 1.0 || doc["remainingAttendeeCapacity"] != 1.0 {
				return fmt.Errorf("B's Event: participantCount %v remaining %v", doc["participantCount"], doc["remainingAttendeeCapacity"])
			}
			if _, current, err := updates(); err != nil || !current {
				return fmt.Errorf("B has sent no Update with the current count (%v)", err)
			}
			got, err := a.remoteEvent(iri)
			if err != nil {
				return err
			}
			if got.Participants != 1 {
				return fmt.Errorf("A's copy: %d participants", got.Participants)
			}
			return nil
		})
		if n, _, err := updates(); err != nil || n >= 5 {
			t.Errorf("B sent %d Updates of the event for 5 changes of its counts (%v)", n, err)
		}
	})

	step("Reminder", func(t *testing.T) {
		// Within a day of the new start, the reminder is due at once.
		now := time.Now().UTC().Truncate(time.Minute)
		e.StartsAt, e.EndsAt = now.Add(20*time.Hour), now.Add(22*time.Hour)
		if err := b.DB.UpdateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		eventually(t, e2eWait, func() error {
			list, _, err := a.DB.Messages(ctx, anna.ID, 0, 10)
			if err != nil {
				return err
			}
			for _, m := range list {
				if strings.Contains(m.Content, "Herinnering") {
					if m.EventID != remote.ID || !strings.Contains(m.Content, "Schrijfcafé") {
						return fmt.Errorf("reminder %+v, want it filed with event %d", m, remote.ID)
					}
					return nil
				}
			}
			return fmt.Errorf("anna has %d messages, none a reminder", len(list))
		})
	})

	step("AccountDeleted", func(t *testing.T) {
		// B fills up again, with bea waiting; anna deletes her account at
		// A: B hears her Leave and her actor's Delete, bea gets the place
		// and B keeps nothing of anna.
		var full []*vestiging.Registration
		for _, h := range []string{"bas", "bea"} {
			r := &vestiging.Registration{EventID: e.ID, PersonID: b.person(h).ID}
			if err := b.DB.Register(ctx, r); err != nil {
				t.Fatal(err)
			}
			full = append(full, r)
		}
		if full[1].State != vestiging.RegistrationWaitlisted {
			t.Fatalf("bea: %s, want waitlisted", full[1].State)
		}
		if err := a.DB.DeletePerson(ctx, anna.ID); err != nil {
			t.Fatal(err)
		}
		annaAtB := federation.PersonActorID(a.cfg.BaseURL, "anna")
		eventually(t, e2eWait, func() error {
			got, err := b.DB.Registration(ctx, full[1].ID)
			if err != nil {
				return err
			}
			if got.State != vestiging.RegistrationConfirmed {
				return fmt.Errorf("bea at B: %s, want confirmed", got.State)
			}
			if _, err := b.DB.ActorByIRI(ctx, annaAtB); vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
				return fmt.Errorf("B still has anna's actor (%v)", err)
			}
			return nil
		})
		// Either could have done it: both went.
		for typ, object := range map[string]string{"Leave": federation.EventID(b.cfg.BaseURL, e), "Delete": annaAtB} {
			var n int
			err := a.DB.SQL().QueryRowContext(ctx, `SELECT count(*) FROM activities WHERE type = $1 AND object_iri = $2 AND json LIKE $3`,
				typ, object, `%"actor":"`+annaAtB+`"%`).Scan(&n)
			if err != nil || n != 1 {
				t.Errorf("A sent %d %s of %s as anna (%v), want one", n, typ, object, err)
			}
		}
		list, _, err := b.DB.Registrations(ctx, vestiging.RegistrationFilter{EventID: e.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list {
			if r.Actor != nil || r.ActorID != 0 && r.Active() {
				t.Errorf("B's registration %d still has a remote actor: %+v", r.ID, r)
			}
		}
	})
}

// getAS2 fetches an ActivityStreams document, unsigned.
func getAS2(iri string) (map[string]any, error) {
	req, err := http.NewRequest(http.MethodGet, iri, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", federation.AcceptActivity)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d", iri, res.StatusCode)
	}
	var doc map[string]any
	return doc, json.NewDecoder(res.Body).Decode(&doc)
}
