package storetest

import (
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// publishLog reads the PublishJobs queued since its last call.
type publishLog struct {
	db   *store.DB
	seen int
	mark time.Time // when the current step began
}

func newPublishLog(t *testing.T, db *store.DB) *publishLog {
	t.Helper()
	p := &publishLog{db: db}
	p.step(t)
	return p
}

// step forgets the jobs queued so far and starts timing the next write.
func (p *publishLog) step(t *testing.T) {
	t.Helper()
	p.seen = len(Jobs[vestiging.PublishJob](t, p.db, vestiging.PublishJob{}.Kind()))
	p.mark = time.Now()
}

// want checks the jobs queued since the last step, ignoring At but for its
// range, and starts the next step.
func (p *publishLog) want(t *testing.T, what string, want ...vestiging.PublishJob) {
	t.Helper()
	got := Jobs[vestiging.PublishJob](t, p.db, vestiging.PublishJob{}.Kind())[p.seen:]
	for _, j := range got {
		between(t, what+": At", j.At, p.mark, time.Now())
	}
	for i := range got {
		got[i].At = time.Time{}
	}
	if want == nil {
		want = []vestiging.PublishJob{}
	}
	same(t, what, got, want)
	p.step(t)
}

func testPublishEvents(t *testing.T, open func(t *testing.T) *store.DB) {
	f := newFixture(t, open)
	ctx := t.Context()
	log := newPublishLog(t, f.db)
	job := func(e *vestiging.Event, action string) vestiging.PublishJob {
		return vestiging.PublishJob{Object: e.Kind, ID: e.ID, Action: action}
	}

	draft := f.event("Draft", 1)
	draft.Status = vestiging.StatusDraft
	f.create(t, draft)
	log.want(t, "create draft")
	if !draft.PublishedAt.IsZero() {
		t.Errorf("draft published at %v", draft.PublishedAt)
	}

	e := f.create(t, f.event("Published", 2))
	log.want(t, "create published", job(e, "Create"))
	published := e.PublishedAt
	same(t, "published at", published, e.CreatedAt)

	for _, tc := range []struct {
		name, status, action string
	}{
		{"edit", vestiging.StatusPublished, "Update"},
		{"cancel", vestiging.StatusCancelled, "Update"},
		{"unpublish", vestiging.StatusDraft, "Delete"},
		{"edit draft", vestiging.StatusDraft, ""},
		{"publish", vestiging.StatusPublished, "Create"},
	} {
		e.Title, e.Status = "Published, "+tc.name, tc.status
		if err := f.db.UpdateEvent(ctx, e); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tc.action == "" {
			log.want(t, tc.name)
		} else {
			log.want(t, tc.name, job(e, tc.action))
		}
		// First published once, whatever happens after.
		got, err := f.db.Event(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, tc.name+": published at", []time.Time{e.PublishedAt, got.PublishedAt}, []time.Time{published, published})
	}

	t.Run("PublishedLater", func(t *testing.T) {
		// A draft published later is published then, not when written.
		before := time.Now()
		draft.Status = vestiging.StatusPublished
		if err := f.db.UpdateEvent(ctx, draft); err != nil {
			t.Fatal(err)
		}
		between(t, "published at", draft.PublishedAt, before, time.Now())
		if !draft.PublishedAt.After(draft.CreatedAt) {
			t.Errorf("published at %v, not after its creation %v", draft.PublishedAt, draft.CreatedAt)
		}
		draft.Status = vestiging.StatusDraft
		if err := f.db.UpdateEvent(ctx, draft); err != nil {
			t.Fatal(err)
		}
		log.step(t)
	})

	t.Run("ErrWriteQueuesNothing", func(t *testing.T) {
		bad := *e
		bad.Title = ""
		wantCode(t, f.db.UpdateEvent(ctx, &bad), vestiging.EINVALID)
		missing := *e
		missing.ID = e.ID + 1000
		wantCode(t, f.db.UpdateEvent(ctx, &missing), vestiging.ENOTFOUND)
		noBranch := f.event("Nowhere", 3)
		noBranch.BranchID = ptr(int64(9999))
		wantCode(t, f.db.CreateEvent(ctx, noBranch), vestiging.EINVALID)
		wantCode(t, f.db.DeleteEvent(ctx, e.ID+1000), vestiging.ENOTFOUND)
		log.want(t, "failed writes")
	})

	t.Run("Delete", func(t *testing.T) {
		course := f.event("Course", 4)
		course.Kind = vestiging.KindCourse
		course.Sessions = []*vestiging.Session{{StartsAt: course.StartsAt, EndsAt: course.EndsAt, BranchID: &f.a.ID}}
		f.create(t, course)
		log.want(t, "create course", job(course, "Create"))
		if err := f.db.DeleteEvent(ctx, course.ID); err != nil {
			t.Fatal(err)
		}
		log.want(t, "delete course", job(course, "Delete"))
		if err := f.db.DeleteEvent(ctx, draft.ID); err != nil {
			t.Fatal(err)
		}
		log.want(t, "delete draft")
	})

	t.Run("Series", func(t *testing.T) {
		first := f.event("Weekly", 7)
		s := &vestiging.Series{Frequency: vestiging.FrequencyWeekly, Until: first.StartsAt.In(first.Location()).AddDate(0, 0, 14).Format(time.DateOnly)}
		occ, err := f.db.CreateSeries(ctx, s, first)
		if err != nil || len(occ) != 3 {
			t.Fatalf("series: %d occurrences, %v", len(occ), err)
		}
		log.want(t, "series", job(occ[0], "Create"), job(occ[1], "Create"), job(occ[2], "Create"))
	})

	t.Run("Import", func(t *testing.T) {
		feed := func(title string) []*vestiging.Event {
			a, b := f.event("Imported A", 30), f.event(title, 31)
			a.UID, b.UID = "a@feed", "b@feed"
			return []*vestiging.Event{a, b}
		}
		first := feed("Imported B")
		if _, _, err := f.db.ImportEvents(ctx, first); err != nil {
			t.Fatal(err)
		}
		log.want(t, "import new", job(first[0], "Create"), job(first[1], "Create"))
		if _, _, err := f.db.ImportEvents(ctx, feed("Imported B")); err != nil {
			t.Fatal(err)
		}
		log.want(t, "import unchanged")
		again := feed("Imported B, changed")
		if _, _, err := f.db.ImportEvents(ctx, again); err != nil {
			t.Fatal(err)
		}
		log.want(t, "import changed", job(again[1], "Update"))
	})
}

func testPublishOffers(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	log := newPublishLog(t, db)
	author := person(t, db, "bea@example.nl", "Bea")
	o := &vestiging.Offer{Kind: vestiging.OfferKindOffer, Title: "Hulp bij de computer", Description: "<p>Elke dinsdag.</p>",
		AuthorID: author.ID}
	if err := db.CreateOffer(ctx, o); err != nil {
		t.Fatal(err)
	}
	log.want(t, "create pending")
	job := func(action string) vestiging.PublishJob {
		return vestiging.PublishJob{Object: "offer", ID: o.ID, Action: action}
	}
	setStatus := func(status string) {
		t.Helper()
		if err := db.SetOfferStatus(ctx, o.ID, status, "", nil); err != nil {
			t.Fatalf("status %s: %v", status, err)
		}
	}
	// published is when the offer was first approved, kept after that.
	publishedAt := func() time.Time {
		t.Helper()
		got, err := db.Offer(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.PublishedAt
	}
	if at := publishedAt(); !at.IsZero() || !o.PublishedAt.IsZero() {
		t.Errorf("pending offer published at %v, %v", at, o.PublishedAt)
	}
	before := time.Now()
	setStatus(vestiging.OfferApproved)
	log.want(t, "approve", job("Create"))
	published := publishedAt()
	between(t, "approved: published at", published, before, time.Now())
	o.Status, o.Title = vestiging.OfferApproved, "Hulp bij de computer en de telefoon"
	if err := db.UpdateOffer(ctx, o); err != nil {
		t.Fatal(err)
	}
	log.want(t, "edit approved", job("Update"))
	same(t, "edited: published at", []time.Time{o.PublishedAt, publishedAt()}, []time.Time{published, published})
	setStatus(vestiging.OfferClosed)
	log.want(t, "close", job("Delete"))
	setStatus(vestiging.OfferRejected)
	log.want(t, "reject closed")
	same(t, "rejected: published at", publishedAt(), published)

	t.Run("ErrWriteQueuesNothing", func(t *testing.T) {
		wantCode(t, db.SetOfferStatus(ctx, o.ID+1000, vestiging.OfferApproved, "", nil), vestiging.ENOTFOUND)
		missing := *o
		missing.ID, missing.Status = o.ID+1000, vestiging.OfferApproved
		wantCode(t, db.UpdateOffer(ctx, &missing), vestiging.ENOTFOUND)
		log.want(t, "failed writes")
	})
	t.Run("CreateApproved", func(t *testing.T) {
		approved := &vestiging.Offer{Kind: vestiging.OfferKindRequest, Title: "Wie leest voor?", Description: "<p>Graag.</p>",
			AuthorID: author.ID, Status: vestiging.OfferApproved}
		if err := db.CreateOffer(ctx, approved); err != nil {
			t.Fatal(err)
		}
		log.want(t, "create approved", vestiging.PublishJob{Object: "offer", ID: approved.ID, Action: "Create"})
	})
}
