package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// wantAuditEntries fails unless the audit log holds n entries.
func wantAuditEntries(t *testing.T, db *store.DB, n int) []*vestiging.AuditEntry {
	t.Helper()
	entries, total, err := db.AuditLog(t.Context(), 0, 100)
	if err != nil {
		t.Fatalf("audit log: %v", err)
	}
	if total != n || len(entries) != n {
		t.Errorf("audit log: %d entries (total %d), want %d", len(entries), total, n)
	}
	return entries
}

// remoteContent is what b.example has stored here: an upcoming event of
// its library, an offer it announced, and its person's reply, shown.
type remoteContent struct {
	event *vestiging.Event
	offer *vestiging.Offer
	reply *vestiging.Reply
}

func (c *community) remoteContent(t *testing.T, lib, author *vestiging.Actor) *remoteContent {
	t.Helper()
	ctx := t.Context()
	c.n++
	rc := &remoteContent{event: remoteEvent(lib, c.n, time.Now().Add(24*time.Hour))}
	if err := c.db.UpsertRemoteEvent(ctx, rc.event); err != nil {
		t.Fatal(err)
	}
	rc.offer = &vestiging.Offer{Kind: vestiging.OfferKindRequest, Title: "Wie oefent Nederlands?", Description: "<p>Graag.</p>",
		IRI: fmt.Sprintf("https://%s/offers/%d", lib.Host, c.n), OriginID: &lib.ID, AuthorActorID: &author.ID}
	if err := c.db.UpsertRemoteOffer(ctx, rc.offer); err != nil {
		t.Fatal(err)
	}
	rc.reply = c.create(t, c.remoteReply(author))
	if err := c.db.SetReplyStatus(ctx, rc.reply.ID, vestiging.ReplyApproved, "", nil); err != nil {
		t.Fatal(err)
	}
	return rc
}

// shown reports whether the event is on the agenda, the offer on the
// board (and not Hidden when read alone) and the reply under the event.
func (c *community) shown(t *testing.T, rc *remoteContent) (event, offer, reply bool) {
	t.Helper()
	ctx := t.Context()
	events, _, err := c.db.FindEvents(ctx, vestiging.EventFilter{From: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		event = event || e.ID == rc.event.ID
	}
	if e, err := c.db.Event(ctx, rc.event.ID); err != nil || e.Hidden == event {
		t.Errorf("event Hidden %v (%v), on the agenda %v", e != nil && e.Hidden, err, event)
	}
	offers, _, err := c.db.FindOffers(ctx, vestiging.OfferFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range offers {
		offer = offer || o.ID == rc.offer.ID
	}
	o, err := c.db.Offer(ctx, rc.offer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Hidden == offer {
		t.Errorf("offer Hidden %v, on the board %v", o.Hidden, offer)
	}
	for _, id := range c.replyIDs(t, vestiging.ReplyFilter{ObjectType: vestiging.ReplyToEvent, ObjectID: c.event.ID}) {
		reply = reply || id == rc.reply.ID
	}
	return event, offer, reply
}

func (c *community) wantShown(t *testing.T, what string, rc *remoteContent, event, offer, reply bool) {
	t.Helper()
	e, o, r := c.shown(t, rc)
	if e != event || o != offer || r != reply {
		t.Errorf("%s: event, offer, reply shown %v %v %v; want %v %v %v", what, e, o, r, event, offer, reply)
	}
}

// follows counts the follow rows with a: the library's and residents',
// both ways.
func (c *community) follows(t *testing.T, a *vestiging.Actor) int {
	t.Helper()
	ctx := t.Context()
	n := 0
	if _, err := c.db.FollowingByActor(ctx, a.ID); err == nil {
		n++
	}
	followers, _, err := c.db.Followers(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range followers {
		if f.Actor.ID == a.ID {
			n++
		}
	}
	if _, err := c.db.PersonFollowing(ctx, c.resident.ID, a.ID); err == nil {
		n++
	}
	pf, err := c.db.PersonFollowers(ctx, c.resident.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range pf {
		if f.Actor.ID == a.ID {
			n++
		}
	}
	return n
}

func (c *community) follow(t *testing.T, a *vestiging.Actor) {
	t.Helper()
	ctx := t.Context()
	if err := c.db.AddFollower(ctx, a.ID, a.IRI+"#follow-1"); err != nil {
		t.Fatal(err)
	}
	if err := c.db.SetFollowing(ctx, &vestiging.Following{Actor: a, ActivityIRI: "https://here.example/follows/" + a.Host,
		State: vestiging.FollowAccepted}); err != nil {
		t.Fatal(err)
	}
	if err := c.db.SetPersonFollowing(ctx, &vestiging.PersonFollowing{PersonID: c.resident.ID, Actor: a,
		ActivityIRI: "https://here.example/rosa/follows/" + a.Host, State: vestiging.FollowAccepted}); err != nil {
		t.Fatal(err)
	}
	if err := c.db.AddPersonFollower(ctx, c.resident.ID, a.ID, a.IRI+"#follow-2"); err != nil {
		t.Fatal(err)
	}
	if got := c.follows(t, a); got != 4 {
		t.Fatalf("%d follows with %s, want 4", got, a.IRI)
	}
}

func testModeration(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("BlockActor", func(t *testing.T) {
		c := newCommunity(t, open)
		ctx := t.Context()
		c.settings(t, false, 0)
		rc := c.remoteContent(t, c.library, c.library)
		c.follow(t, c.library)
		c.wantShown(t, "before", rc, true, true, true)

		by := &vestiging.AuditEntry{PersonID: c.staff.ID, Reason: "Spam"}
		if err := c.db.SetActorModeration(ctx, c.library.ID, vestiging.ModerationBlock, by); err != nil {
			t.Fatal(err)
		}
		c.wantShown(t, "blocked", rc, false, false, false)
		if got := c.follows(t, c.library); got != 0 {
			t.Errorf("%d follows left after the block", got)
		}
		moderated, err := c.db.ModeratedActors(ctx)
		if err != nil || len(moderated) != 1 || moderated[0].Actor.ID != c.library.ID || moderated[0].Mode != vestiging.ModerationBlock ||
			moderated[0].UpdatedAt.IsZero() {
			t.Errorf("moderated actors %+v, %v", moderated, err)
		}
		r := c.remoteReply(c.library)
		c.create(t, r)
		if r.Status != vestiging.ReplyPending {
			t.Errorf("a blocked actor's new reply is %s", r.Status)
		}

		if err := c.db.SetActorModeration(ctx, c.library.ID, vestiging.ModerationNone, &vestiging.AuditEntry{PersonID: c.staff.ID}); err != nil {
			t.Fatal(err)
		}
		c.wantShown(t, "cleared", rc, true, true, true)
		if moderated, err := c.db.ModeratedActors(ctx); err != nil || len(moderated) != 0 {
			t.Errorf("moderated actors after clearing: %+v, %v", moderated, err)
		}
		entries := wantAuditEntries(t, c.db, 2)
		if len(entries) == 2 {
			if e := entries[1]; e.Action != "actor.block" || e.Target != c.library.IRI || e.Reason != "Spam" || e.PersonName != "Balie" {
				t.Errorf("block entry %+v", e)
			}
			if e := entries[0]; e.Action != "actor.clear" || e.ID != entries[1].ID+1 {
				t.Errorf("newest entry %+v", e)
			}
		}
	})
	t.Run("SilenceActor", func(t *testing.T) {
		c := newCommunity(t, open)
		ctx := t.Context()
		c.settings(t, false, 0)
		rc := c.remoteContent(t, c.library, c.remote)
		c.follow(t, c.library)
		if err := c.db.SetActorModeration(ctx, c.remote.ID, vestiging.ModerationSilence, nil); err != nil {
			t.Fatal(err)
		}
		// The offer's author is silenced; its library is not.
		c.wantShown(t, "author silenced", rc, true, false, true)
		if err := c.db.SetActorModeration(ctx, c.library.ID, vestiging.ModerationSilence, nil); err != nil {
			t.Fatal(err)
		}
		c.wantShown(t, "library silenced", rc, false, false, true)
		if got := c.follows(t, c.library); got != 4 {
			t.Errorf("silencing ended follows: %d left", got)
		}
		entries := wantAuditEntries(t, c.db, 2)
		if len(entries) == 2 && (entries[0].Action != "actor.silence" || entries[0].PersonID != 0 || entries[0].PersonName != "") {
			t.Errorf("command line entry %+v", entries[0])
		}
	})
	t.Run("DomainRules", func(t *testing.T) {
		c := newCommunity(t, open)
		ctx := t.Context()
		c.settings(t, false, 0)
		rc := c.remoteContent(t, c.library, c.remote)
		c.follow(t, c.library)
		other := upsertActor(t, c.db, actor("c.example", "Bibliotheek C"))
		kept := c.remoteContent(t, other, other)
		c.follow(t, other)

		for _, tc := range []struct {
			rule   string // "" lifts it
			host   string
			shown  bool
			follow int
		}{
			{vestiging.DomainSilence, "b.example", false, 4},
			{vestiging.DomainAllow, "b.example", true, 4},
			{vestiging.DomainBlock, "B.example", false, 0},
			{"", "b.example", true, 0},
		} {
			var err error
			if tc.rule == "" {
				err = c.db.LiftDomainRule(ctx, tc.host, &vestiging.AuditEntry{PersonID: c.staff.ID})
			} else {
				err = c.db.ApplyDomainRule(ctx, &vestiging.DomainRule{Host: tc.host, Mode: tc.rule, Reason: "test"},
					&vestiging.AuditEntry{PersonID: c.staff.ID})
			}
			if err != nil {
				t.Fatalf("%s %s: %v", tc.rule, tc.host, err)
			}
			what := "rule " + tc.rule
			c.wantShown(t, what, rc, tc.shown, tc.shown, tc.shown || tc.rule == vestiging.DomainSilence)
			c.wantShown(t, what+", other host", kept, true, true, true)
			if got := c.follows(t, c.library); got != tc.follow {
				t.Errorf("%s: %d follows with b.example, want %d", what, got, tc.follow)
			}
			if got := c.follows(t, other); got != 4 {
				t.Errorf("%s: %d follows with c.example, want 4", what, got)
			}
		}
		rules, err := c.db.DomainRules(ctx)
		if err != nil || len(rules) != 0 {
			t.Errorf("rules after lifting: %+v, %v", rules, err)
		}
		entries := wantAuditEntries(t, c.db, 4)
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action+" "+e.Target)
		}
		same(t, "actions", actions, []string{"domain.lift b.example", "domain.block b.example", "domain.allow b.example", "domain.silence b.example"})

		// A rule covers subdomains and ports too.
		sub := upsertActor(t, c.db, actor("bieb.d.example:8443", "D"))
		subContent := c.remoteContent(t, sub, sub)
		if err := c.db.ApplyDomainRule(ctx, &vestiging.DomainRule{Host: "d.example", Mode: vestiging.DomainBlock}, nil); err != nil {
			t.Fatal(err)
		}
		c.wantShown(t, "subdomain blocked", subContent, false, false, false)

		t.Run("Err", func(t *testing.T) {
			wantCode(t, c.db.ApplyDomainRule(ctx, &vestiging.DomainRule{Host: "b.example", Mode: "maybe"}, nil), vestiging.EINVALID)
			wantCode(t, c.db.LiftDomainRule(ctx, "none.example", nil), vestiging.ENOTFOUND)
			wantCode(t, c.db.ApplyDomainRule(ctx, &vestiging.DomainRule{Host: "e.example", Mode: vestiging.DomainBlock},
				&vestiging.AuditEntry{PersonID: 999}), vestiging.EINVALID)
			if rules, err := c.db.DomainRules(ctx); err != nil || len(rules) != 1 {
				t.Errorf("rules after failures: %+v, %v", rules, err)
			}
			wantAuditEntries(t, c.db, 5)
		})
	})
	t.Run("HideRemoteObject", func(t *testing.T) {
		c := newCommunity(t, open)
		ctx := t.Context()
		c.settings(t, false, 0)
		rc := c.remoteContent(t, c.library, c.remote)
		for _, iri := range []string{rc.event.IRI, rc.offer.IRI, rc.reply.IRI} {
			if err := c.db.HideRemoteObject(ctx, iri, true, &vestiging.AuditEntry{PersonID: c.staff.ID}); err != nil {
				t.Fatal(err)
			}
		}
		c.wantShown(t, "hidden", rc, false, false, false)
		for _, iri := range []string{rc.event.IRI, rc.offer.IRI, rc.reply.IRI} {
			if err := c.db.HideRemoteObject(ctx, iri, false, nil); err != nil {
				t.Fatal(err)
			}
		}
		c.wantShown(t, "shown again", rc, true, true, true)
		// An update from the origin leaves staff's choice alone.
		if err := c.db.HideRemoteObject(ctx, rc.offer.IRI, true, nil); err != nil {
			t.Fatal(err)
		}
		rc.offer.Title = "Wie oefent Nederlands met mij?"
		if err := c.db.UpsertRemoteOffer(ctx, rc.offer); err != nil || !rc.offer.Hidden {
			t.Errorf("upsert of a hidden offer: hidden %v, %v", rc.offer.Hidden, err)
		}
		wantCode(t, c.db.HideRemoteObject(ctx, "https://b.example/none", true, nil), vestiging.ENOTFOUND)
		wantCode(t, c.db.HideRemoteObject(ctx, "", true, nil), vestiging.EINVALID)
		entries := wantAuditEntries(t, c.db, 7)
		if len(entries) == 7 && (entries[0].Action != "object.hide" || entries[1].Action != "object.show" || entries[0].Target != rc.offer.IRI) {
			t.Errorf("entries %+v %+v", entries[0], entries[1])
		}
	})
	t.Run("Reports", func(t *testing.T) {
		c := newCommunity(t, open)
		ctx := t.Context()
		flag := &vestiging.Report{IRI: "https://b.example/flags/1", ActorID: c.library.ID,
			Targets: []string{"https://here.example/events/1", "https://here.example/users/rosa"}, Content: "<b>Spam</b>"}
		if err := c.db.CreateReport(ctx, flag, nil); err != nil {
			t.Fatal(err)
		}
		if flag.ID == 0 || flag.Status != vestiging.ReportOpen || flag.Content != "Spam" {
			t.Errorf("after create: %+v", flag)
		}
		got, err := c.db.Report(ctx, flag.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *flag
		want.ReporterName = "Bibliotheek B"
		same(t, "report", got, &want)

		byResident := &vestiging.Report{PersonID: c.resident.ID, Targets: []string{c.remote.IRI}}
		outgoing := &vestiging.Report{IRI: "https://here.example/flags/1", PersonID: c.staff.ID, Outgoing: true,
			ToActorID: c.library.ID, Targets: []string{c.remote.IRI}, Content: "Scheldwoorden"}
		sent := &vestiging.AuditEntry{PersonID: c.staff.ID, Reason: "Scheldwoorden"}
		for _, rc := range []struct {
			r  *vestiging.Report
			by *vestiging.AuditEntry
		}{{byResident, nil}, {outgoing, sent}} {
			if err := c.db.CreateReport(ctx, rc.r, rc.by); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := c.db.Report(ctx, outgoing.ID); err != nil || !got.Outgoing || got.ToActorID != c.library.ID || got.ReporterName != "Balie" {
			t.Errorf("outgoing report %+v, %v", got, err)
		}
		by := &vestiging.AuditEntry{PersonID: c.staff.ID}
		if err := c.db.SetReportStatus(ctx, flag.ID, vestiging.ReportResolved, by); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			status string
			want   []int64
		}{
			{"", []int64{outgoing.ID, byResident.ID, flag.ID}},
			{vestiging.ReportOpen, []int64{outgoing.ID, byResident.ID}},
			{vestiging.ReportResolved, []int64{flag.ID}},
		} {
			reports, total, err := c.db.Reports(ctx, tc.status, 0, 10)
			ids := []int64{}
			for _, r := range reports {
				ids = append(ids, r.ID)
			}
			if err != nil || total != len(tc.want) {
				t.Errorf("reports %q: total %d, %v", tc.status, total, err)
			}
			same(t, "reports "+tc.status, ids, tc.want)
		}
		// The report staff sent is in the log with its record.
		entries := wantAuditEntries(t, c.db, 2)
		if len(entries) == 2 && (entries[0].Action != "report.resolve" || entries[0].Target != fmt.Sprintf("report %d", flag.ID) ||
			entries[1].Action != "report.send" || entries[1].Target != c.remote.IRI || entries[1].Reason != "Scheldwoorden") {
			t.Errorf("entries %+v %+v", entries[0], entries[1])
		}

		t.Run("ErrConflict", func(t *testing.T) {
			again := *flag
			again.ID = 0
			wantCode(t, c.db.CreateReport(ctx, &again, &vestiging.AuditEntry{PersonID: c.staff.ID}), vestiging.ECONFLICT)
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := c.db.Report(ctx, 999)
			wantCode(t, err, vestiging.ENOTFOUND)
			wantCode(t, c.db.SetReportStatus(ctx, 999, vestiging.ReportResolved, nil), vestiging.ENOTFOUND)
			wantCode(t, c.db.SetActorModeration(ctx, 999, vestiging.ModerationBlock, nil), vestiging.ENOTFOUND)
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			for name, r := range map[string]*vestiging.Report{
				"no targets":       {ActorID: c.library.ID},
				"no reporter":      {Targets: []string{"x"}},
				"outgoing, no one": {Outgoing: true, PersonID: c.staff.ID, Targets: []string{"x"}},
				"unknown actor":    {ActorID: 999, Targets: []string{"x"}},
			} {
				t.Run(name, func(t *testing.T) { wantCode(t, c.db.CreateReport(ctx, r, nil), vestiging.EINVALID) })
			}
			wantCode(t, c.db.SetReportStatus(ctx, flag.ID, "maybe", nil), vestiging.EINVALID)
			wantCode(t, c.db.SetActorModeration(ctx, c.library.ID, "mute", nil), vestiging.EINVALID)
			_, _, err := c.db.Reports(ctx, "maybe", 0, 10)
			wantCode(t, err, vestiging.EINVALID)
			if _, total, _ := c.db.Reports(ctx, "", 0, 10); total != 3 {
				t.Errorf("%d reports after failures, want 3", total)
			}
		})
		wantAuditEntries(t, c.db, 2)
	})
	t.Run("ReviewEvent", func(t *testing.T) {
		c := newCommunity(t, open)
		ctx := t.Context()
		partner := person(t, c.db, "taal@example.nl", "Taalschool")
		partner.Role = vestiging.RolePartner
		if err := c.db.UpdatePerson(ctx, partner); err != nil {
			t.Fatal(err)
		}
		proposed := make([]*vestiging.Event, 2)
		for i := range proposed {
			proposed[i] = &vestiging.Event{Title: fmt.Sprintf("Taalles %d", i), StartsAt: c.event.StartsAt, EndsAt: c.event.EndsAt,
				BranchID: c.event.BranchID, Status: vestiging.StatusPending, PartnerID: &partner.ID}
			if err := c.db.CreateEvent(ctx, proposed[i]); err != nil {
				t.Fatal(err)
			}
		}
		log := newPublishLog(t, c.db)
		by := &vestiging.AuditEntry{PersonID: c.staff.ID, Target: "/events/x", Reason: " Past bij ons. "}
		e, err := c.db.ReviewEvent(ctx, proposed[0].ID, true, by)
		if err != nil || e.Status != vestiging.StatusPublished || e.PartnerName != "Taalschool" {
			t.Fatalf("approved: %+v, %v", e, err)
		}
		log.want(t, "approved", vestiging.PublishJob{Object: vestiging.KindEvent, ID: e.ID, Action: "Create"})
		if e, err = c.db.ReviewEvent(ctx, proposed[1].ID, false, &vestiging.AuditEntry{PersonID: c.staff.ID, Reason: "Vol"}); err != nil ||
			e.Status != vestiging.StatusDraft {
			t.Fatalf("rejected: %+v, %v", e, err)
		}
		log.want(t, "rejected")
		for _, p := range proposed {
			got, err := c.db.Event(ctx, p.ID)
			if err != nil || got.Status == vestiging.StatusPending {
				t.Errorf("%s after review: %+v, %v", p.Title, got, err)
			}
		}
		// Reviewed once only; nothing else is logged.
		_, err = c.db.ReviewEvent(ctx, proposed[0].ID, false, &vestiging.AuditEntry{PersonID: c.staff.ID})
		wantCode(t, err, vestiging.EINVALID)
		_, err = c.db.ReviewEvent(ctx, 99999, true, &vestiging.AuditEntry{PersonID: c.staff.ID})
		wantCode(t, err, vestiging.ENOTFOUND)
		entries := wantAuditEntries(t, c.db, 2)
		if len(entries) == 2 && (entries[1].Action != "event.approve" || entries[1].Target != "/events/x" || entries[1].Reason != "Past bij ons." ||
			entries[1].PersonName == "" || entries[0].Action != "event.reject" || entries[0].Target != fmt.Sprintf("event %d", proposed[1].ID)) {
			t.Errorf("entries %+v %+v", entries[0], entries[1])
		}
	})
}

// testProgrammeAudit: changes staff make to the programme are in the audit
// log, written in the change's transaction, with who and the title; the
// same changes without a staff member (an import, the federation) are not.
func testProgrammeAudit(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	s := newSignUps(t, db)
	staff := s.people(t, 1)[0]
	acting := vestiging.ActingStaff(t.Context(), staff.ID)

	e := s.event(t, 10, func(e *vestiging.Event) { e.Status = vestiging.StatusDraft })
	wantAuditEntries(t, db, 0)
	e.Status = vestiging.StatusPublished
	if err := db.UpdateEvent(acting, e); err != nil {
		t.Fatal(err)
	}
	e.StartsAt, e.EndsAt, e.Capacity = e.StartsAt.Add(time.Hour), e.EndsAt.Add(time.Hour), 12
	if err := db.UpdateEvent(acting, e); err != nil {
		t.Fatal(err)
	}
	reg := s.register(t, e, s.people(t, 1)[0])
	if _, err := db.SetRegistrationState(acting, reg.ID, vestiging.RegistrationWaitlisted); err != nil {
		t.Fatal(err)
	}
	e.Status, e.CancelReason = vestiging.StatusCancelled, "De spreker is ziek."
	if err := db.UpdateEvent(acting, e); err != nil {
		t.Fatal(err)
	}
	e.Title = "Zonder staf"
	if err := db.UpdateEvent(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	entries := wantAuditEntries(t, db, 5)
	want := []struct{ action, reason string }{
		{"event.cancel", "De spreker is ziek."},
		{"registration.move", fmt.Sprintf("registration %d: confirmed → waitlisted", reg.ID)},
		{"event.capacity", "10 → 12"},
		{"event.time", ""},
		{"event.publish", ""},
	}
	for i, w := range want {
		got := entries[i]
		if got.Action != w.action || (w.reason != "" && got.Reason != w.reason) || got.PersonID != staff.ID ||
			got.Target != fmt.Sprintf("event %d", e.ID) || !strings.HasPrefix(got.Title, "Taalcafé") {
			t.Errorf("entry %d: %+v, want %s (%q) by %d about %q", i, got, w.action, w.reason, staff.ID, "Taalcafé …")
		}
	}
	if r := entries[3].Reason; !strings.Contains(r, "→") {
		t.Errorf("time change reason %q: want from → to", r)
	}

	gone := s.event(t, 0)
	if err := db.DeleteEvent(acting, gone.ID); err != nil {
		t.Fatal(err)
	}
	entries = wantAuditEntries(t, db, 6)
	if entries[0].Action != "event.delete" || entries[0].Title != gone.Title {
		t.Errorf("delete: %+v", entries[0])
	}
}
