package web

import (
	"crypto/sha1" //nolint:gosec // BigBlueButton's checksum
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store/storetest"
)

// bbbServer is a BigBlueButton API that answers create and checks every
// call's checksum as BigBlueButton documents it: the hex SHA-1 of the
// call's name, the query string without the checksum, and the secret.
type bbbServer struct {
	*httptest.Server
	secret string
	mu     sync.Mutex
	// creates are the create calls' queries, in order.
	creates []url.Values
}

func newBBBServer(t *testing.T, secret string) *bbbServer {
	t.Helper()
	b := &bbbServer{secret: secret}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call := strings.TrimPrefix(r.URL.Path, "/bigbluebutton/api/")
		w.Header().Set("Content-Type", "text/xml")
		if !b.valid(call, r.URL.RawQuery) {
			fmt.Fprint(w, `<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>Checksums do not match</message></response>`)
			return
		}
		if call != "create" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		b.mu.Lock()
		b.creates = append(b.creates, q)
		b.mu.Unlock()
		fmt.Fprintf(w, `<response><returncode>SUCCESS</returncode><meetingID>%s</meetingID><attendeePW>%s</attendeePW>
<moderatorPW>%s</moderatorPW><messageKey></messageKey><message></message></response>`, q.Get("meetingID"), q.Get("attendeePW"), q.Get("moderatorPW"))
	}))
	t.Cleanup(b.Close)
	return b
}

// valid checks a call's checksum, the query's last parameter.
func (b *bbbServer) valid(call, rawQuery string) bool {
	query, sum, ok := strings.Cut(rawQuery, "&checksum=")
	want := sha1.Sum([]byte(call + query + b.secret)) //nolint:gosec // see the import
	return ok && sum == hex.EncodeToString(want[:])
}

func (b *bbbServer) created() []url.Values {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]url.Values(nil), b.creates...)
}

// newRoomsEnv is newEnv with rooms.
func newRoomsEnv(t *testing.T, rooms *Rooms) *env {
	t.Helper()
	clock := storetest.NewClock(testNow)
	db := storetest.SQLiteClock(t, clock.Now)
	srv := httptest.NewServer(New(Config{Services: db, BaseURL: &url.URL{Scheme: "http", Host: "localhost"}, Clock: clock.Now,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)), Rooms: rooms}))
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, clock: clock, srv: srv}
}

// roomForm is the staff form of an online activity with sign-up whose
// room the instance makes.
func roomForm(title, room string) url.Values {
	return url.Values{"title": {title}, "start_date": {"2026-03-10"}, "start_time": {"19:00"}, "end_time": {"20:00"},
		"time_zone": {"Europe/Amsterdam"}, "language": {"nl"}, "audiences": {"all"}, "room": {room},
		"registration_mode": {"open"}, "places": {"unlimited"}, "action": {"publish"}}
}

// storedEvent finds the one stored event titled title.
func (e *env) storedEvent(title string) *vestiging.Event {
	e.t.Helper()
	for _, ev := range e.events(vestiging.StatusPublished) {
		if ev.Title == title {
			return ev
		}
	}
	e.t.Fatalf("no event %q stored", title)
	return nil
}

// TestRoomsBBB: staff let the instance make a BigBlueButton meeting; the
// create call carries the checksum BigBlueButton checks, and /join makes
// the meeting again (BigBlueButton ends one nobody joined) and sends the
// person in under their own name with a join call that checks too.
func TestRoomsBBB(t *testing.T) {
	const secret = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
	bbb := newBBBServer(t, secret)
	base, _ := url.Parse(bbb.URL + "/bigbluebutton/")
	e := newRoomsEnv(t, &Rooms{BBB: base, BBBSecret: secret})
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)

	res := e.get(staff, "/staff/events/new")
	wantContains(t, res, `<option value="bbb">Een nieuwe BigBlueButton-bijeenkomst</option>`)
	wantNotContains(t, res, `value="jitsi"`)
	wantStatus(t, e.post(staff, "/staff/events/new", roomForm("Digicafé", RoomBBB)), http.StatusSeeOther)
	ev := e.storedEvent("Digicafé")
	creates := bbb.created()
	if len(creates) != 1 || creates[0].Get("name") != "Digicafé" || !strings.HasPrefix(creates[0].Get("meetingID"), "vestiging-") {
		t.Fatalf("create calls %v, want one for Digicafé", creates)
	}
	id := creates[0].Get("meetingID")
	if prefix := bbb.URL + "/bigbluebutton/api/join?"; !strings.HasPrefix(ev.OnlineURL, prefix) || !strings.Contains(ev.OnlineURL, id) {
		t.Fatalf("online link %q, want a join call of meeting %s", ev.OnlineURL, id)
	}
	wantNotContains(t, e.get(e.client(), fmt.Sprintf("/events/%d", ev.ID)), bbb.URL)

	_, ac := e.registrant("anna@example.nl")
	wantStatus(t, e.post(ac, fmt.Sprintf("/events/%d/register", ev.ID), nil), http.StatusSeeOther)
	e.clock.Set(ev.StartsAt)
	res = e.get(ac, fmt.Sprintf("/events/%d/join", ev.ID))
	wantStatus(t, res, http.StatusSeeOther)
	join, err := url.Parse(res.Location)
	if err != nil || !strings.HasPrefix(res.Location, bbb.URL+"/bigbluebutton/api/join?") || !bbb.valid("join", join.RawQuery) {
		t.Fatalf("joined at %q, want a join call with a valid checksum", res.Location)
	}
	q := join.Query()
	if q.Get("meetingID") != id || q.Get("fullName") != "anna" || q.Get("password") != creates[0].Get("attendeePW") {
		t.Errorf("join %v, want anna into %s as attendee", q, id)
	}
	if again := bbb.created(); len(again) != 2 || again[1].Get("meetingID") != id || again[1].Get("moderatorPW") != creates[0].Get("moderatorPW") {
		t.Errorf("create calls %v, want the same meeting made again on joining", again)
	}

	t.Run("ErrWrongSecret", func(t *testing.T) {
		e := newRoomsEnv(t, &Rooms{BBB: base, BBBSecret: "verkeerd"})
		staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
		res := e.post(staff, "/staff/events/new", roomForm("Mislukt", RoomBBB))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `id="room-error"`, "De vergaderserver heeft de ruimte niet gemaakt")
		if n := len(e.events()); n != 0 {
			t.Errorf("%d events saved", n)
		}
	})
}

// TestRoomsJitsi: a Jitsi room is an unguessable name on the library's
// Jitsi server, a new one each time.
func TestRoomsJitsi(t *testing.T) {
	jitsi, _ := url.Parse("https://meet.bibliotheek.example")
	e := newRoomsEnv(t, &Rooms{Jitsi: jitsi})
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	wantContains(t, e.get(staff, "/staff/events/new"), `<option value="jitsi">Een nieuwe Jitsi Meet-ruimte</option>`)
	var links []string
	for _, title := range []string{"Eerste", "Tweede"} {
		wantStatus(t, e.post(staff, "/staff/events/new", roomForm(title, RoomJitsi)), http.StatusSeeOther)
		link := e.storedEvent(title).OnlineURL
		name, ok := strings.CutPrefix(link, "https://meet.bibliotheek.example/Bibliotheek-")
		if !ok || len(name) != 24 {
			t.Errorf("room %q, want a 24-character random name on the Jitsi server", link)
		}
		links = append(links, link)
	}
	if links[0] == links[1] {
		t.Errorf("two activities share the room %s", links[0])
	}
	t.Run("ErrNotConfigured", func(t *testing.T) {
		res := e.post(staff, "/staff/events/new", roomForm("Elders", RoomBBB))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `id="room-error"`)
	})
}
