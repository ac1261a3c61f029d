package vestiging

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

var (
	t0 = time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Hour)
)

// validEvent is a minimal event that passes Validate.
func validEvent() *Event {
	return &Event{Title: "Voorleesuurtje", StartsAt: t0, EndsAt: t1, BranchID: ptr(int64(1))}
}

func TestEventValidate(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		e := validEvent()
		e.Title = "  Voorleesuurtje  "
		e.Description = `<p onclick="x()">Hallo</p><script>alert(1)</script>`
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ field, got, want string }{
			{"Kind", e.Kind, KindEvent},
			{"Status", e.Status, StatusDraft},
			{"TimeZone", e.TimeZone, DefaultTimeZone},
			{"Language", e.Language, "nl"},
			{"Audiences", strings.Join(e.Audiences, ","), AudienceAll},
			{"RegistrationMode", e.RegistrationMode, RegistrationNone},
			{"Title", e.Title, "Voorleesuurtje"},
			{"Description", e.Description, "<p>Hallo</p>"},
		} {
			if c.got != c.want {
				t.Errorf("%s: got %q, want %q", c.field, c.got, c.want)
			}
		}
	})

	t.Run("UTC", func(t *testing.T) {
		ams, _ := time.LoadLocation("Europe/Amsterdam")
		e := validEvent()
		e.StartsAt, e.EndsAt = t0.In(ams), t1.In(ams)
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		if e.StartsAt.Location() != time.UTC || !e.StartsAt.Equal(t0) {
			t.Errorf("got %v, want %v in UTC", e.StartsAt, t0)
		}
	})

	t.Run("Online", func(t *testing.T) {
		e := validEvent()
		e.BranchID, e.OnlineURL = nil, " https://webinar.example/x "
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		if !e.Online() || e.OnlineURL != "https://webinar.example/x" {
			t.Errorf("got online %v, url %q", e.Online(), e.OnlineURL)
		}
	})

	t.Run("AtPlace", func(t *testing.T) {
		e := validEvent()
		e.BranchID, e.PlaceID = nil, ptr(int64(7))
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		if e.Online() {
			t.Error("an event at a place is not online only")
		}
		e.PlaceID, e.Place = nil, &Place{Name: " Buurthuis De Kom ", City: "Tiel", Latitude: ptr(51.88), Longitude: ptr(5.43)}
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		if got := e.Venue(); got != e.Place || got.Name != "Buurthuis De Kom" || !got.HasCoordinates() {
			t.Errorf("venue %+v", got)
		}
	})

	t.Run("Labels", func(t *testing.T) {
		e := validEvent()
		e.Audiences = []string{AudienceSeniors, AudienceChildren, AudienceSeniors}
		e.Themes = []string{"leven-lang-leren", " ", "leesplezier", "leven-lang-leren"}
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		if got, want := e.Audiences, []string{AudienceChildren, AudienceSeniors}; !slices.Equal(got, want) {
			t.Errorf("audiences: got %q, want %q (in the list's order, once)", got, want)
		}
		if got, want := e.Themes, []string{"leven-lang-leren", "leesplezier"}; !slices.Equal(got, want) {
			t.Errorf("themes: got %q, want %q (as given, once)", got, want)
		}
	})

	t.Run("Price", func(t *testing.T) {
		e := validEvent()
		if e.Free() {
			t.Error("an event without a price is not free")
		}
		e.Price = &Price{Cents: 750, MemberCents: ptr(int64(750)), Note: " incl. materiaal "}
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		if e.Free() || e.Price.MemberCents != nil || e.Price.Note != "incl. materiaal" {
			t.Errorf("price %+v: a member price equal to the price says nothing", e.Price)
		}
		e.Price = &Price{}
		if err := e.Validate(); err != nil || !e.Free() {
			t.Errorf("free: %v, %v", e.Free(), err)
		}
	})

	tests := []struct {
		name   string
		change func(e *Event)
		field  string
	}{
		{"MissingTitle", func(e *Event) { e.Title = "   " }, "title"},
		{"LongTitle", func(e *Event) { e.Title = strings.Repeat("x", 201) }, "title"},
		{"HugeDescription", func(e *Event) { e.Description = "<p>" + strings.Repeat("x", 2<<20) + "</p>" }, "description"},
		{"EndBeforeStart", func(e *Event) { e.StartsAt, e.EndsAt = t1, t0 }, "ends_at"},
		{"EndAtStart", func(e *Event) { e.EndsAt = e.StartsAt }, "ends_at"},
		{"NoStart", func(e *Event) { e.StartsAt = time.Time{} }, "starts_at"},
		{"NoEnd", func(e *Event) { e.EndsAt = time.Time{} }, "ends_at"},
		{"NoPlace", func(e *Event) { e.BranchID = nil }, "branch_id"},
		{"JavascriptOnlineURL", func(e *Event) { e.BranchID, e.OnlineURL = nil, "javascript:alert(1)" }, "online_url"},
		{"DataImageURL", func(e *Event) { e.ImageURL, e.ImageAlt = "data:image/png;base64,AAAA", "x" }, "image_url"},
		{"RelativeImageURL", func(e *Event) { e.ImageURL, e.ImageAlt = "/img.png", "x" }, "image_url"},
		{"ImageWithoutAlt", func(e *Event) { e.ImageURL = "https://bieb.example/a.png" }, "image_alt"},
		{"LongURL", func(e *Event) { e.BranchID, e.OnlineURL = nil, "https://x.example/"+strings.Repeat("a", 2000) }, "online_url"},
		{"ExternalWithoutURL", func(e *Event) { e.RegistrationMode = RegistrationExternal }, "registration_url"},
		{"BadRegistrationURL", func(e *Event) {
			e.RegistrationMode, e.RegistrationURL = RegistrationExternal, "javascript:alert(1)"
		}, "registration_url"},
		{"BadKind", func(e *Event) { e.Kind = "party" }, "kind"},
		{"BadStatus", func(e *Event) { e.Status = "secret" }, "status"},
		{"BadAudience", func(e *Event) { e.Audiences = []string{AudienceChildren, "cats"} }, "audiences"},
		{"EveryoneAndChildren", func(e *Event) { e.Audiences = []string{AudienceChildren, AudienceAll} }, "audiences"},
		{"BadThemeSlug", func(e *Event) { e.Themes = []string{"Lees Plezier"} }, "themes"},
		{"TooManyThemes", func(e *Event) {
			for i := range MaxThemes + 1 {
				e.Themes = append(e.Themes, fmt.Sprintf("thema-%d", i))
			}
		}, "themes"},
		{"NegativePrice", func(e *Event) { e.Price = &Price{Cents: -1} }, "price"},
		{"HugePrice", func(e *Event) { e.Price = &Price{Cents: MaxPriceCents + 1} }, "price"},
		{"NegativeMemberPrice", func(e *Event) { e.Price = &Price{Cents: 500, MemberCents: ptr(int64(-1))} }, "member_price"},
		{"MemberPriceAbovePrice", func(e *Event) { e.Price = &Price{Cents: 500, MemberCents: ptr(int64(750))} }, "member_price"},
		{"MemberPriceOnFree", func(e *Event) { e.Price = &Price{MemberCents: ptr(int64(100))} }, "member_price"},
		{"LongPriceNote", func(e *Event) { e.Price = &Price{Cents: 500, Note: strings.Repeat("x", 101)} }, "price_note"},
		{"BranchAndPlace", func(e *Event) { e.PlaceID = ptr(int64(2)) }, "place_id"},
		{"NewPlaceWithoutName", func(e *Event) { e.BranchID, e.Place = nil, &Place{City: "Tiel"} }, "place_name"},
		{"NewPlaceLatitude", func(e *Event) {
			e.BranchID, e.Place = nil, &Place{Name: "Buurthuis", Latitude: ptr(91.0), Longitude: ptr(5.0)}
		}, "place_latitude"},
		{"NewPlaceOnlyLongitude", func(e *Event) { e.BranchID, e.Place = nil, &Place{Name: "Buurthuis", Longitude: ptr(5.0)} }, "place_latitude"},
		{"SessionBranchAndPlace", func(e *Event) {
			e.Kind = KindCourse
			e.Sessions = []*Session{{StartsAt: t0, EndsAt: t1, BranchID: ptr(int64(1)), PlaceID: ptr(int64(2))}}
		}, "place_id"},
		{"BadRegistrationMode", func(e *Event) { e.RegistrationMode = "lottery" }, "registration_mode"},
		{"BadTimeZone", func(e *Event) { e.TimeZone = "Mars/Olympus" }, "time_zone"},
		{"LocalTimeZone", func(e *Event) { e.TimeZone = "Local" }, "time_zone"},
		{"LongLanguage", func(e *Event) { e.Language = strings.Repeat("n", 21) }, "language"},
		{"NegativeCapacity", func(e *Event) { e.Capacity = -1 }, "capacity"},
		{"LongUID", func(e *Event) { e.UID = strings.Repeat("u", 501) }, "uid"},
		{"CourseWithoutSessions", func(e *Event) { e.Kind = KindCourse }, "sessions"},
		{"SessionEndBeforeStart", func(e *Event) {
			e.Kind = KindCourse
			e.Sessions = []*Session{{StartsAt: t1, EndsAt: t0, BranchID: ptr(int64(1))}}
		}, "sessions"},
		{"SessionWithoutPlace", func(e *Event) {
			e.Kind = KindCourse
			e.Sessions = []*Session{{StartsAt: t0, EndsAt: t1}}
		}, "sessions"},
		{"SessionBadURL", func(e *Event) {
			e.Kind = KindCourse
			e.Sessions = []*Session{{StartsAt: t0, EndsAt: t1, OnlineURL: "javascript:x"}}
		}, "sessions"},
		{"TooManySessions", func(e *Event) {
			e.Kind = KindCourse
			for i := 0; i < 101; i++ {
				s := t0.AddDate(0, 0, 7*i)
				e.Sessions = append(e.Sessions, &Session{StartsAt: s, EndsAt: s.Add(time.Hour), BranchID: ptr(int64(1))})
			}
		}, "sessions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validEvent()
			tt.change(e)
			err := e.Validate()
			if got, want := ErrorCode(err), EINVALID; got != want {
				t.Fatalf("code: got %q, want %q (err %v)", got, want, err)
			}
			if _, ok := FieldErrors(err)[tt.field]; !ok {
				t.Errorf("fields: got %v, want one for %q", FieldErrors(err), tt.field)
			}
		})
	}
}

func TestCourseSessions(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 12, d, 18, 0, 0, 0, time.UTC) }
	online := &Session{StartsAt: day(16), EndsAt: day(16).Add(2 * time.Hour), OnlineURL: "https://les.example/4"}
	long := &Session{StartsAt: day(9), EndsAt: day(9).Add(30 * time.Hour), BranchID: ptr(int64(2))} // runs past the last start
	first := &Session{StartsAt: day(2), EndsAt: day(2).Add(2 * time.Hour), BranchID: ptr(int64(3))}
	c := &Event{Kind: KindCourse, Title: "Klik & Tik", Sessions: []*Session{online, long, first}}

	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Sessions, []*Session{first, long, online}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("sessions are not sorted by start")
	}
	if got, want := c.StartsAt, day(2); !got.Equal(want) {
		t.Errorf("start: got %v, want %v", got, want)
	}
	if got, want := c.EndsAt, day(16).Add(2*time.Hour); !got.Equal(want) {
		t.Errorf("end: got %v, want %v", got, want)
	}
	if c.BranchID == nil || *c.BranchID != 3 {
		t.Errorf("branch: got %v, want the first session's (3)", c.BranchID)
	}

	t.Run("LastSessionNotLatestEnd", func(t *testing.T) {
		short := &Session{StartsAt: day(10), EndsAt: day(10).Add(time.Hour), BranchID: ptr(int64(1))}
		c := &Event{Kind: KindCourse, Title: "x", Sessions: []*Session{{StartsAt: day(9), EndsAt: day(9).Add(48 * time.Hour), BranchID: ptr(int64(1))}, short}}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if got, want := c.EndsAt, day(11); !got.Equal(want) {
			t.Errorf("end: got %v, want %v", got, want)
		}
	})

	t.Run("EventDropsSessions", func(t *testing.T) {
		e := validEvent()
		e.Sessions = []*Session{first}
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		if e.Sessions != nil {
			t.Errorf("got %d sessions on a plain event, want none", len(e.Sessions))
		}
	})
}

func TestEventLocation(t *testing.T) {
	tests := []struct{ name, zone, want string }{
		{"OK", "Europe/Brussels", "Europe/Brussels"},
		{"Empty", "", DefaultTimeZone},
		{"Unknown", "Mars/Olympus", DefaultTimeZone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (&Event{TimeZone: tt.zone}).Location().String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEventFilterNormalize(t *testing.T) {
	tests := []struct {
		name              string
		f                 EventFilter
		wantLimit         int
		wantErr           bool
		wantStatusesCount int
	}{
		{"Defaults", EventFilter{}, DefaultPageSize, false, 2},
		{"Capped", EventFilter{Limit: 1000}, MaxPageSize, false, 2},
		{"Feed", EventFilter{Limit: 1000, Feed: true}, 1000, false, 2},
		{"FeedCapped", EventFilter{Limit: 5000, Feed: true}, MaxFeedSize, false, 2},
		{"FeedDefault", EventFilter{Feed: true}, DefaultPageSize, false, 2},
		{"Statuses", EventFilter{Statuses: []string{StatusDraft}}, DefaultPageSize, false, 1},
		{"NegativeOffset", EventFilter{Offset: -1}, DefaultPageSize, true, 2},
		{"DeepOffset", EventFilter{Offset: MaxOffset + 1}, DefaultPageSize, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.f.Normalize()
			if (err != nil) != tt.wantErr {
				t.Errorf("err: got %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr && ErrorCode(err) != EINVALID {
				t.Errorf("code: got %q, want %q", ErrorCode(err), EINVALID)
			}
			if tt.f.Limit != tt.wantLimit {
				t.Errorf("limit: got %d, want %d", tt.f.Limit, tt.wantLimit)
			}
			if len(tt.f.Statuses) != tt.wantStatusesCount {
				t.Errorf("statuses: got %v", tt.f.Statuses)
			}
		})
	}
}

func TestEventPublic(t *testing.T) {
	const link = "https://meet.example/geheim"
	tests := []struct {
		name     string
		event    Event
		withheld bool
	}{
		{"SignUpHere", Event{OnlineURL: link, RegistrationMode: RegistrationOpen, OnlineLinkPublic: true}, true},
		{"NoSignUpPrivate", Event{OnlineURL: link, RegistrationMode: RegistrationNone}, true},
		{"NoSignUpPublic", Event{OnlineURL: link, RegistrationMode: RegistrationNone, OnlineLinkPublic: true}, false},
		{"Remote", Event{OnlineURL: link, RegistrationMode: RegistrationOpen, IRI: "https://elders.example/events/1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.event
			e.Sessions = []*Session{{OnlineURL: link}}
			got := e.Public()
			if withheld := got.OnlineURL == "" && got.LinkWithheld; withheld != tt.withheld {
				t.Fatalf("withheld %v, want %v: %+v", withheld, tt.withheld, got)
			}
			if !got.Online() || !got.Sessions[0].MeetsOnline() {
				t.Errorf("the public copy no longer meets online: %+v", got)
			}
			if tt.withheld && (got.Sessions[0].OnlineURL != "" || got.OnlineLink("page") != "page") {
				t.Errorf("session link %q, OnlineLink %q", got.Sessions[0].OnlineURL, got.OnlineLink("page"))
			}
			if e.OnlineURL != link || e.Sessions[0].OnlineURL != link {
				t.Errorf("Public changed the event itself")
			}
		})
	}
}

func TestHybrid(t *testing.T) {
	branch := int64(1)
	hybrid := func() *Event {
		return &Event{BranchID: &branch, Branch: &Branch{Name: "Centrale"}, OnlineURL: "https://meet.example/x",
			Capacity: 10, OnlineCapacity: 4, Participants: 10, Waitlisted: 2, OnlineParticipants: 1}
	}
	tests := []struct {
		name     string
		e        *Event
		hybrid   bool
		mode     string
		capacity int
		left     int
	}{
		{"Hybrid", hybrid(), true, "MixedEventAttendanceMode", 14, 3},
		{"NoOnlinePlaces", &Event{BranchID: &branch, Branch: &Branch{Name: "Centrale"}, OnlineURL: "https://meet.example/x", Capacity: 10, Participants: 4},
			false, "MixedEventAttendanceMode", 10, 6},
		{"OnlineOnly", &Event{OnlineURL: "https://meet.example/x", OnlineCapacity: 4}, false, "OnlineEventAttendanceMode", 0, 0},
		{"Offline", &Event{BranchID: &branch, Branch: &Branch{Name: "Centrale"}}, false, "OfflineEventAttendanceMode", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			capacity, left := tt.e.Places()
			if got := tt.e.Hybrid(); got != tt.hybrid {
				t.Errorf("Hybrid() = %v, want %v", got, tt.hybrid)
			}
			if got := tt.e.AttendanceMode(); got != tt.mode {
				t.Errorf("AttendanceMode() = %q, want %q", got, tt.mode)
			}
			if capacity != tt.capacity || left != tt.left {
				t.Errorf("Places() = %d, %d; want %d, %d", capacity, left, tt.capacity, tt.left)
			}
		})
	}
	t.Run("As", func(t *testing.T) {
		e := hybrid()
		inPerson, online := e.As(AttendanceInPerson), e.As(AttendanceOnline)
		if inPerson.MeetsOnline() || inPerson.Venue() == nil || online.Venue() != nil || !online.Online() || e.OnlineURL == "" {
			t.Errorf("As: in person %+v, online %+v; the event itself %+v", inPerson, online, e)
		}
		reg := &Registration{Attendance: AttendanceInPerson}
		if reg.Online(e) {
			t.Error("a place in the library lets in online")
		}
		if reg.Attendance = AttendanceOnline; !reg.Online(e) {
			t.Error("an online place does not let in online")
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		e := hybrid()
		e.OnlineURL = ""
		if err := e.Validate(); FieldErrors(err)["online_capacity"] == "" {
			t.Errorf("online places without an online link: %v", err)
		}
	})
}

// TestLocationWithoutFiles reads an event's zone while the process can
// open no file, as happened to 150 instances in one test process: the
// zone comes from the embedded copy, not nil.
func TestLocationWithoutFiles(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	low := lim
	low.Cur = 64
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
	}()
	// Take every descriptor left under the lowered limit.
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			break
		}
		defer f.Close()
	}
	loc := (&Event{TimeZone: "Europe/Amsterdam"}).Location()
	if loc == nil || loc.String() != "Europe/Amsterdam" {
		t.Fatalf("Location() = %v, want Europe/Amsterdam", loc)
	}
}
