package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // BigBlueButton's API checksum is SHA-1 by its documentation
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
)

// Rooms makes an activity's online room on the library's own meeting
// server, where it has one: an unguessable Jitsi Meet room, or a
// BigBlueButton meeting made through its API. Without one, staff paste a
// link (Teams, Zoom, Jitsi) as before.
type Rooms struct {
	// Jitsi is the Jitsi Meet server's address; a room is a name under it.
	Jitsi *url.URL
	// BBB is BigBlueButton's address, up to and with /bigbluebutton/, and
	// BBBSecret the shared secret its API checks each call's checksum with.
	BBB       *url.URL
	BBBSecret string
	// Client calls BigBlueButton; nil is one with a 10-second time-out.
	Client *http.Client
}

// Room kinds staff choose from.
const (
	RoomJitsi = "jitsi"
	RoomBBB   = "bbb"
)

// Kinds are the room kinds this library can make, for the staff form.
func (r *Rooms) Kinds() []string {
	var out []string
	if r != nil && r.Jitsi != nil {
		out = append(out, RoomJitsi)
	}
	if r != nil && r.BBB != nil && r.BBBSecret != "" {
		out = append(out, RoomBBB)
	}
	return out
}

// Make makes a room of kind for an activity named title and returns its
// link, the event's OnlineURL.
func (r *Rooms) Make(ctx context.Context, kind, title string) (string, error) {
	switch {
	case kind == RoomJitsi && r.Jitsi != nil:
		// 120 random bits: no one finds the room by trying names.
		return r.Jitsi.JoinPath("Bibliotheek-" + randomName()).String(), nil
	case kind == RoomBBB && r.BBB != nil && r.BBBSecret != "":
		id := "vestiging-" + randomName()
		if err := r.create(ctx, id, title); err != nil {
			return "", err
		}
		return r.call("join", url.Values{"meetingID": {id}, "fullName": {"Deelnemer"}, "password": {r.password("attendee", id)},
			"redirect": {"true"}}), nil
	}
	return "", vestiging.Errorf(vestiging.EINVALID, "Choose a kind of room this library has.")
}

// JoinLink is where someone called name goes into the meeting at link: a
// BigBlueButton meeting of ours is made again first (its create call is
// idempotent, and BigBlueButton ends a meeting nobody joined soon after it
// was made) and entered under their own name; any other link is itself.
func (r *Rooms) JoinLink(ctx context.Context, link, title, name string) (string, error) {
	id, ok := r.bbbMeeting(link)
	if !ok {
		return link, nil
	}
	if err := r.create(ctx, id, title); err != nil {
		return "", err
	}
	if name == "" {
		name = "Deelnemer"
	}
	return r.call("join", url.Values{"meetingID": {id}, "fullName": {name}, "password": {r.password("attendee", id)},
		"redirect": {"true"}}), nil
}

// bbbMeeting reads the meeting id of a join link Make wrote.
func (r *Rooms) bbbMeeting(link string) (string, bool) {
	if r == nil || r.BBB == nil || r.BBBSecret == "" {
		return "", false
	}
	prefix := r.BBB.JoinPath("api", "join").String() + "?"
	if !strings.HasPrefix(link, prefix) {
		return "", false
	}
	q, err := url.ParseQuery(strings.TrimPrefix(link, prefix))
	id := q.Get("meetingID")
	return id, err == nil && strings.HasPrefix(id, "vestiging-")
}

// bbbResponse is the part of BigBlueButton's XML answers we read.
type bbbResponse struct {
	ReturnCode string `xml:"returncode"`
	MessageKey string `xml:"messageKey"`
	Message    string `xml:"message"`
}

// create makes (or finds running) the meeting id, named title.
func (r *Rooms) create(ctx context.Context, id, title string) error {
	q := url.Values{"name": {title}, "meetingID": {id}, "attendeePW": {r.password("attendee", id)},
		"moderatorPW": {r.password("moderator", id)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.call("create", q), nil)
	if err != nil {
		return fmt.Errorf("bigbluebutton create: %w", err)
	}
	client := r.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	res, err := client.Do(req)
	if err != nil {
		return vestiging.Errorf(vestiging.EUNAVAILABLE, "The meeting server cannot be reached: %v", err)
	}
	defer res.Body.Close()
	var answer bbbResponse
	if err := xml.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&answer); err != nil || answer.ReturnCode != "SUCCESS" {
		return vestiging.Errorf(vestiging.EUNAVAILABLE, "The meeting server did not make the room (%d %s %s %v).",
			res.StatusCode, answer.MessageKey, answer.Message, err)
	}
	return nil
}

// call is the address of an API call with its checksum, as BigBlueButton
// documents it: the hex SHA-1 of the call's name, its query string and the
// shared secret, added as the last parameter.
func (r *Rooms) call(name string, q url.Values) string {
	query := q.Encode()
	sum := sha1.Sum([]byte(name + query + r.BBBSecret)) //nolint:gosec // see the import
	return r.BBB.JoinPath("api", name).String() + "?" + query + "&checksum=" + hex.EncodeToString(sum[:])
}

// password is a meeting's attendee or moderator password, derived from
// the shared secret so that a later create call repeats it.
func (r *Rooms) password(role, id string) string {
	mac := hmac.New(sha256.New, []byte(r.BBBSecret))
	mac.Write([]byte(role + " " + id))
	return hex.EncodeToString(mac.Sum(nil))[:24]
}

// randomName is 24 random base32 characters.
func randomName() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return strings.ToLower(base32.StdEncoding.EncodeToString(b))
}
