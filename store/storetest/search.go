package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// testSearch checks FindEvents with a Query: Dutch words in title,
// description, place and library, ranked, with the other filters, and
// text that is SQL, FTS syntax or HTML taken as plain words.
func testSearch(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	f := &fixture{db: db, a: &vestiging.Branch{Name: "Centrale", City: "Tiel"},
		b: &vestiging.Branch{Name: "De Poort", City: "Culemborg"}}
	for _, b := range []*vestiging.Branch{f.a, f.b} {
		if err := db.CreateBranch(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.UpdateLibrary(ctx, &vestiging.Library{Name: "Bibliotheek Rivierenland"}); err != nil {
		t.Fatal(err)
	}
	f.origin = time.Date(2026, time.March, 10, 10, 0, 0, 0, time.UTC)
	day := func(d int) time.Time { return f.origin.AddDate(0, 0, d) }

	repair := f.event("Fiets repareren", 1)
	beginners := f.event("Fietsen voor beginners", 2)
	beginners.Description = "<p>Leer <strong>veilig</strong> fietsen in het verkeer.</p>"
	tour := f.event("Fietstocht langs de Linge", 4)
	tour.Themes = []string{"leesplezier"}
	oldTour := f.event("Fietstocht in de winter", -30)
	secret := f.event("Fietsgeheim", 3)
	secret.Status = vestiging.StatusDraft
	cafe := f.event("Taalcafé", 5)
	cafe.BranchID = &f.b.ID
	cafe.Description = "<p>Oefen Nederlands met anderen.</p>"
	chess := f.event("Schaken", 8)
	games := f.event("Spellenmiddag", 6)
	games.Description = "<p>Schaken, dammen en kaarten voor iedereen.</p>"
	course := &vestiging.Event{Kind: vestiging.KindCourse, Title: "Computercursus", Status: vestiging.StatusPublished,
		Sessions: []*vestiging.Session{{StartsAt: day(7), EndsAt: day(7).Add(time.Hour), BranchID: &f.a.ID},
			{StartsAt: day(10), EndsAt: day(10).Add(time.Hour), BranchID: &f.b.ID}}}
	for _, e := range []*vestiging.Event{games, chess, repair, beginners, tour, oldTour, secret, cafe, course} {
		f.create(t, e)
	}
	eemland := upsertActor(t, db, actor("eemland.example", "Bibliotheek Eemland"))
	remote := remoteEvent(eemland, 1, day(9))
	remote.Title, remote.Place.Name, remote.Place.City = "Codeclub", "De Observant", "Amersfoort"
	if err := db.UpsertRemoteEvent(ctx, remote); err != nil {
		t.Fatal(err)
	}
	local := []*vestiging.Event{oldTour, repair, beginners, tour, cafe, games, course, chess}
	all := append(slices.Clone(local), remote)

	tests := []struct {
		name    string
		filter  vestiging.EventFilter
		want    []*vestiging.Event
		total   int
		anyRank bool // several equally good matches: compare in start order
	}{
		{"singular finds plural", vestiging.EventFilter{Query: "fiets"},
			[]*vestiging.Event{oldTour, repair, beginners, tour}, 4, true},
		{"plural finds singular", vestiging.EventFilter{Query: "fietsen"},
			[]*vestiging.Event{oldTour, repair, beginners, tour}, 4, true},
		{"case and diacritics", vestiging.EventFilter{Query: "TAALCAFE"}, []*vestiging.Event{cafe}, 1, false},
		{"diacritics typed", vestiging.EventFilter{Query: "taalcafé"}, []*vestiging.Event{cafe}, 1, false},
		{"prefix", vestiging.EventFilter{Query: "comput"}, []*vestiging.Event{course}, 1, false},
		{"every word required", vestiging.EventFilter{Query: "fietstocht Linge"}, []*vestiging.Event{tour}, 1, false},
		{"description", vestiging.EventFilter{Query: "verkeer"}, []*vestiging.Event{beginners}, 1, false},
		{"title above description", vestiging.EventFilter{Query: "schaken"}, []*vestiging.Event{chess, games}, 2, false},
		{"branch name", vestiging.EventFilter{Query: "poort"}, []*vestiging.Event{cafe, course}, 2, true},
		{"branch city, course session", vestiging.EventFilter{Query: "Culemborg"}, []*vestiging.Event{cafe, course}, 2, true},
		{"remote place", vestiging.EventFilter{Query: "Amersfoort"}, []*vestiging.Event{remote}, 1, false},
		{"remote place name", vestiging.EventFilter{Query: "Observant"}, []*vestiging.Event{remote}, 1, false},
		{"remote library", vestiging.EventFilter{Query: "Eemland"}, []*vestiging.Event{remote}, 1, false},
		{"own library", vestiging.EventFilter{Query: "Rivierenland"}, local, len(local), true},
		{"with from", vestiging.EventFilter{Query: "fiets", From: day(0)}, []*vestiging.Event{repair, beginners, tour}, 3, true},
		{"with theme", vestiging.EventFilter{Query: "fiets", Theme: "leesplezier"}, []*vestiging.Event{tour}, 1, false},
		{"with statuses", vestiging.EventFilter{Query: "fiets", Statuses: []string{vestiging.StatusDraft}},
			[]*vestiging.Event{secret}, 1, false},
		{"with source", vestiging.EventFilter{Query: "bibliotheek", Source: vestiging.SourceRemote}, []*vestiging.Event{remote}, 1, false},
		{"with branch", vestiging.EventFilter{Query: "poort", BranchID: f.b.ID, Kind: vestiging.KindCourse},
			[]*vestiging.Event{course}, 1, false},
		{"no match", vestiging.EventFilter{Query: "sterrenkunde"}, []*vestiging.Event{}, 0, false},
		{"empty query is no search", vestiging.EventFilter{Query: ""}, all, len(all), false},
		{"blank query is no search", vestiging.EventFilter{Query: "  \t"}, all, len(all), false},
		{"only punctuation is no search", vestiging.EventFilter{Query: `"*' -- ()`}, all, len(all), false},
		{"SQL", vestiging.EventFilter{Query: `'; DROP TABLE events; --`}, []*vestiging.Event{}, 0, false},
		{"SQL around a word", vestiging.EventFilter{Query: `schaken' OR '1'='1`}, []*vestiging.Event{}, 0, false},
		{"quote", vestiging.EventFilter{Query: `"schaken`}, []*vestiging.Event{chess, games}, 2, false},
		{"FTS operators", vestiging.EventFilter{Query: `schaken*`}, []*vestiging.Event{chess, games}, 2, false},
		{"FTS NEAR", vestiging.EventFilter{Query: `NEAR(schaken`}, []*vestiging.Event{}, 0, false},
		{"FTS column filter", vestiging.EventFilter{Query: `title:schaken ^schaken {title}`}, []*vestiging.Event{}, 0, false},
		{"tsquery syntax", vestiging.EventFilter{Query: `schaken:* & !(| <->`}, []*vestiging.Event{chess, games}, 2, false},
		{"HTML", vestiging.EventFilter{Query: `<script>alert("schaken")</script>`}, []*vestiging.Event{}, 0, false},
		{"only combining marks", vestiging.EventFilter{Query: "\u0301\u0308 ́"}, []*vestiging.Event{}, 0, false},
		{"other scripts and emoji", vestiging.EventFilter{Query: "图书馆 ـ 📚 ① ß"}, []*vestiging.Event{}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := db.FindEvents(ctx, tt.filter)
			if err != nil {
				t.Fatalf("find %q: %v", tt.filter.Query, err)
			}
			if tt.anyRank {
				slices.SortFunc(got, func(a, b *vestiging.Event) int { return a.StartsAt.Compare(b.StartsAt) })
			}
			if total != tt.total {
				t.Errorf("total %d, want %d", total, tt.total)
			}
			if got, want := titles(got), titles(tt.want); got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
	t.Run("paging", func(t *testing.T) {
		var pages []*vestiging.Event
		for offset := 0; offset < 4; offset++ {
			got, total, err := db.FindEvents(ctx, vestiging.EventFilter{Query: "fiets", Offset: offset, Limit: 1})
			if err != nil || total != 4 || len(got) != 1 {
				t.Fatalf("offset %d: %d of %d, %v", offset, len(got), total, err)
			}
			pages = append(pages, got[0])
		}
		whole, _, err := db.FindEvents(ctx, vestiging.EventFilter{Query: "fiets"})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := titles(pages), titles(whole); got != want {
			t.Errorf("pages %s, want %s", got, want)
		}
	})
	t.Run("filled like Event", func(t *testing.T) {
		got, _, err := db.FindEvents(ctx, vestiging.EventFilter{Query: "Amersfoort"})
		if err != nil || len(got) != 1 {
			t.Fatalf("find: %v, %v", got, err)
		}
		if got[0].Origin == nil || got[0].Origin.Name != "Bibliotheek Eemland" || got[0].Place == nil {
			t.Errorf("origin %+v, place %+v", got[0].Origin, got[0].Place)
		}
	})
	// The index follows every write: changes of an event, its sessions, a
	// branch, the library or a remote library, and deletes.
	find := func(t *testing.T, q string) string {
		t.Helper()
		got, _, err := db.FindEvents(ctx, vestiging.EventFilter{Query: q, Limit: vestiging.MaxPageSize})
		if err != nil {
			t.Fatalf("find %q: %v", q, err)
		}
		slices.SortFunc(got, func(a, b *vestiging.Event) int { return a.StartsAt.Compare(b.StartsAt) })
		return titles(got)
	}
	changes := []struct {
		name   string
		change func(t *testing.T)
		query  string
		want   []*vestiging.Event
	}{
		{"event title", func(t *testing.T) {
			chess.Title = "Schaakclub"
			if err := db.UpdateEvent(ctx, chess); err != nil {
				t.Fatal(err)
			}
		}, "schaakclub", []*vestiging.Event{chess}},
		{"old title gone", func(*testing.T) {}, "schaken", []*vestiging.Event{games}},
		{"course sessions", func(t *testing.T) {
			course.Sessions = course.Sessions[:1]
			if err := db.UpdateEvent(ctx, course); err != nil {
				t.Fatal(err)
			}
		}, "Culemborg", []*vestiging.Event{cafe}},
		{"branch renamed", func(t *testing.T) {
			f.b.City = "Buren"
			if err := db.UpdateBranch(ctx, f.b); err != nil {
				t.Fatal(err)
			}
		}, "Buren", []*vestiging.Event{cafe}},
		{"library renamed", func(t *testing.T) {
			if err := db.UpdateLibrary(ctx, &vestiging.Library{Name: "Bibliotheek Betuwe"}); err != nil {
				t.Fatal(err)
			}
		}, "Betuwe", local},
		{"remote event counts", func(t *testing.T) {
			remote.Participants, remote.RemoteUpdatedAt = 7, time.Now()
			if err := db.UpsertRemoteEvent(ctx, remote); err != nil {
				t.Fatal(err)
			}
		}, "codeclub", []*vestiging.Event{remote}},
		{"remote event title", func(t *testing.T) {
			remote.Title, remote.RemoteUpdatedAt = "Robotclub", remote.RemoteUpdatedAt.Add(time.Minute)
			if err := db.UpsertRemoteEvent(ctx, remote); err != nil {
				t.Fatal(err)
			}
		}, "robotclub", []*vestiging.Event{remote}},
		{"old remote title gone", func(*testing.T) {}, "codeclub", []*vestiging.Event{}},
		{"remote place", func(t *testing.T) {
			remote.Place.City, remote.RemoteUpdatedAt = "Leusden", remote.RemoteUpdatedAt.Add(time.Minute)
			if err := db.UpsertRemoteEvent(ctx, remote); err != nil {
				t.Fatal(err)
			}
		}, "amersfoort", []*vestiging.Event{}},
		{"remote library renamed", func(t *testing.T) {
			eemland.Name = "Bibliotheek Amersfoort-Leusden"
			upsertActor(t, db, eemland)
		}, "Leusden", []*vestiging.Event{remote}},
		{"event deleted", func(t *testing.T) {
			if err := db.DeleteEvent(ctx, cafe.ID); err != nil {
				t.Fatal(err)
			}
		}, "taalcafe", []*vestiging.Event{}},
		{"remote event deleted", func(t *testing.T) {
			if err := db.DeleteRemoteObject(ctx, remote.IRI, eemland); err != nil {
				t.Fatal(err)
			}
		}, "Leusden", []*vestiging.Event{}},
	}
	for _, tt := range changes {
		t.Run("follows "+tt.name, func(t *testing.T) {
			tt.change(t)
			if got, want := find(t, tt.query), titles(tt.want); got != want {
				t.Errorf("%q finds %s, want %s", tt.query, got, want)
			}
		})
	}
}
