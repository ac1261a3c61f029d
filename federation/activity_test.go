package federation

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/vestiging/vestiging"
)

func TestParseActivityFixtures(t *testing.T) {
	for _, name := range fixtureFiles(t) {
		t.Run(name, func(t *testing.T) {
			a, err := ParseActivity(fixtureBody(t, name))
			if err != nil {
				t.Fatal(err)
			}
			if a.Type == "" || a.ID == "" {
				t.Errorf("type %q, id %q: want both", a.Type, a.ID)
			}
		})
	}
}

func TestParseActivity(t *testing.T) {
	tests := []struct {
		file    string
		typ     string
		id      string
		actor   string
		objects []ObjectRef // Raw is only checked for being set
		to, cc  []string
	}{
		{
			file: "gotosocial/create-note.json", typ: "Create",
			id:      "http://gts-a.test/users/alice/statuses/01M8JN5H8QDFAZ5ES4G0JR865A/activity#Create",
			actor:   "http://gts-a.test/users/alice",
			objects: []ObjectRef{{ID: "http://gts-a.test/users/alice/statuses/01M8JN5H8QDFAZ5ES4G0JR865A", Type: "Note"}},
			to:      []string{Public}, cc: []string{"http://gts-a.test/users/alice/followers"},
		},
		{
			file: "pleroma/delete.json", typ: "Delete",
			objects: []ObjectRef{{ID: "https://greenish.red/objects/38e2b983-ebf5-4387-9bc2-3b80305469c9"}},
		},
		{
			file: "gancio/event-activity.json", typ: "Create", id: "https://demo.gancio.org/federation/m/1#create",
			actor:   "https://demo.gancio.org/federation/u/gancio",
			objects: []ObjectRef{{ID: "https://demo.gancio.org/federation/m/1", Type: "Event"}},
			to:      []string{Public}, cc: []string{"https://demo.gancio.org/federation/u/gancio/followers"},
		},
		{file: "mastodon/delete-tombstone.json", typ: "Delete"},
		{file: "gotosocial/undo-follow.json", typ: "Undo"},
		{file: "mobilizon/accept-join-activity.json", typ: "Accept"},
		{file: "mobilizon/leave-activity.json", typ: "Leave"},
		{file: "mastodon/flag.json", typ: "Flag"},
		{file: "wordpress/event.json", typ: "Event", id: "https://wp-test.event-federation.eu/?p=227",
			to: []string{Public, "https://wp-test.event-federation.eu/wp-json/activitypub/1.0/actors/0/followers"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a, err := ParseActivity(readFixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if a.Type != tt.typ {
				t.Errorf("type = %q, want %q", a.Type, tt.typ)
			}
			if tt.id != "" && a.ID != tt.id {
				t.Errorf("id = %q, want %q", a.ID, tt.id)
			}
			if tt.actor != "" && a.Actor != tt.actor {
				t.Errorf("actor = %q, want %q", a.Actor, tt.actor)
			}
			if tt.to != nil && !reflect.DeepEqual(a.To, tt.to) {
				t.Errorf("to = %q, want %q", a.To, tt.to)
			}
			if tt.cc != nil && !reflect.DeepEqual(a.Cc, tt.cc) {
				t.Errorf("cc = %q, want %q", a.Cc, tt.cc)
			}
			for i, want := range tt.objects {
				if i >= len(a.Objects) {
					t.Fatalf("objects = %+v, want %+v", a.Objects, tt.objects)
				}
				got := a.Objects[i]
				if got.ID != want.ID || got.Type != want.Type || (got.Raw == nil) != (want.Type == "") {
					t.Errorf("object %d = {%s %s raw %d bytes}, want %+v", i, got.ID, got.Type, len(got.Raw), want)
				}
			}
		})
	}

	t.Run("OK/EmbeddedObjects", func(t *testing.T) {
		for file, want := range map[string]string{
			"mastodon/delete-tombstone.json":      "Tombstone",
			"gotosocial/undo-follow.json":         "Follow",
			"mobilizon/accept-join-activity.json": "Join",
			"gotosocial/accept-follow.json":       "Follow",
		} {
			a, err := ParseActivity(readFixture(t, file))
			if err != nil {
				t.Fatal(err)
			}
			o := a.Object()
			if o.Type != want || o.ID == "" || len(o.Raw) == 0 {
				t.Errorf("%s: object = {%s %s raw %d bytes}, want an embedded %s", file, o.ID, o.Type, len(o.Raw), want)
			}
			// The embedded object parses on its own.
			if inner, err := ParseActivity(o.Raw); err != nil || inner.Type != want {
				t.Errorf("%s: embedded object: %v", file, err)
			}
		}
	})

	t.Run("OK/EmbeddedResolvedWhereUsed", func(t *testing.T) {
		// The inbox reads only the embedded object's type and id; what it
		// holds is resolved where it is used, and refused there.
		body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://a.example/c/1","type":"Create",
			"actor":"https://a.example/u","object":{"id":"https://a.example/e/1","type":"Event","name":"Quiz",
			"startTime":5,"tag":[{"type":"Hashtag","name":"#quiz"}]}}`)
		a, err := ParseActivity(body)
		if err != nil {
			t.Fatal(err)
		}
		o := a.Object()
		if o.ID != "https://a.example/e/1" || o.Type != "Event" {
			t.Errorf("object = {%s %s}, want the Event", o.ID, o.Type)
		}
		var got any
		var doc map[string]any
		if err := json.Unmarshal(o.Raw, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		if want := doc["object"]; !reflect.DeepEqual(got, want) {
			t.Errorf("raw = %s, want the object as sent", o.Raw)
		}
		if _, err := ParseRemoteEvent(o.Raw); vestiging.ErrorCode(err) != vestiging.EINVALID {
			t.Errorf("the Event with a number for its start: %v, want invalid", err)
		}
	})

	t.Run("OK/FlagManyObjects", func(t *testing.T) {
		a, err := ParseActivity(readFixture(t, "mastodon/flag.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Objects) < 2 {
			t.Errorf("objects = %+v, want the account and the posts", a.Objects)
		}
	})

	t.Run("ErrUnknownType", func(t *testing.T) {
		_, err := ParseActivity([]byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://a.example/1","type":"EmojiReact","actor":"https://a.example/u"}`))
		if !errors.Is(err, ErrUnknownType) {
			t.Errorf("got %v, want ErrUnknownType", err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, in := range []string{``, `null`, `[]`, `"Create"`, `{"id":"https://a.example/1"}`, `{"type":"Create"`} {
			_, err := ParseActivity([]byte(in))
			if got := vestiging.ErrorCode(err); got != vestiging.EINVALID {
				t.Errorf("%s: code %q (%v), want invalid", in, got, err)
			}
		}
	})
}

func TestIconAddress(t *testing.T) {
	for _, tt := range []struct {
		name string
		icon string
		want string
	}{
		{"Image", `{"type":"Image","mediaType":"image/png","url":"https://bieb.example/media/logo.png"}`, "https://bieb.example/media/logo.png"},
		{"Link", `{"type":"Image","url":{"type":"Link","href":"http://localhost:8081/media/logo.png"}}`, "http://localhost:8081/media/logo.png"},
		{"List", `[{"type":"Image","url":"data:image/png;base64,AAAA"},"https://bieb.example/logo.png"]`, "https://bieb.example/logo.png"},
		{"ErrScheme", `{"type":"Image","url":"javascript:alert(1)"}`, ""},
		{"ErrUser", `{"type":"Image","url":"https://bieb.example@evil.example/logo.png"}`, ""},
		{"ErrRelative", `{"type":"Image","url":"/logo.png"}`, ""},
		{"None", `null`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tt.icon), &v); err != nil {
				t.Fatal(err)
			}
			if got := iconAddress(v); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseActor(t *testing.T) {
	tests := []struct {
		file string
		want Actor
	}{
		{"gotosocial/actor.json", Actor{
			ID: "http://gts-a.test/users/alice", Type: "Person", PreferredUsername: "alice", Name: "alice on gts-a.test",
			URL: "http://gts-a.test/@alice", Inbox: "http://gts-a.test/users/alice/inbox", Outbox: "http://gts-a.test/users/alice/outbox",
			Followers: "http://gts-a.test/users/alice/followers",
			PublicKey: PublicKey{ID: "http://gts-a.test/users/alice/main-key", Owner: "http://gts-a.test/users/alice"},
		}},
		{"misskey/actor.json", Actor{
			ID: "https://misskey.io/users/83ssedkv53", Type: "Person", PreferredUsername: "aimu", Name: "あいむ",
			URL: "https://misskey.io/@aimu", Inbox: "https://misskey.io/users/83ssedkv53/inbox", SharedInbox: "https://misskey.io/inbox",
			Outbox: "https://misskey.io/users/83ssedkv53/outbox", Followers: "https://misskey.io/users/83ssedkv53/followers",
			Icon: "https://s3.arkjp.net/misskey/webpublic-3f7e93c0-34f5-443c-acc0-f415cb2342b4.jpg",
			Summary: `<p><span>わずかな作曲要素 巣穴で独り言<br>Twitter </span><a href="https://twitter.com/aimu_53">https://twitter.com/aimu_53</a>` +
				`<span><br>Soundcloud </span><a href="https://soundcloud.com/aimu-53">https://soundcloud.com/aimu-53</a></p>`,
			PublicKey: PublicKey{ID: "https://misskey.io/users/83ssedkv53#main-key", Owner: "https://misskey.io/users/83ssedkv53"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParseActor(readFixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got.PublicKey.PEM = ""
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}

	t.Run("Fixtures", func(t *testing.T) {
		wantShared := map[string]bool{"mastodon/actor.json": true, "misskey/actor.json": true, "pleroma/actor.json": true}
		for _, file := range actorFixtures {
			a, err := ParseActor(readFixture(t, file))
			if err != nil {
				t.Errorf("%s: %v", file, err)
				continue
			}
			if a.PublicKey.ID == "" || a.PublicKey.Owner != a.ID {
				t.Errorf("%s: key %q owned by %q, want one owned by %q", file, a.PublicKey.ID, a.PublicKey.Owner, a.ID)
			}
			if _, err := ParsePublicKeyPEM(a.PublicKey.PEM); err != nil {
				t.Errorf("%s: %v", file, err)
			}
			if file != "gotosocial/main-key.json" && a.PreferredUsername == "" {
				t.Errorf("%s: no preferredUsername", file)
			}
			if wantShared[file] && a.SharedInbox == "" {
				t.Errorf("%s: no sharedInbox", file)
			}
		}
	})

	t.Run("Location", func(t *testing.T) {
		// Only places with coordinates in range are kept, from a list or
		// a single Place, at most maxActorPlaces of them.
		many := strings.Repeat(`{"type":"Place","name":"Filiaal","latitude":52,"longitude":5},`, maxActorPlaces+1)
		for _, tt := range []struct {
			name, location string
			want           int
		}{
			{"List", `[{"type":"Place","name":"Tiel","address":"Markt 12, Tiel","latitude":51.8866,"longitude":5.4296},{"type":"Place","name":"Zonder"}]`, 1},
			{"One", `{"type":"Place","name":"Tiel","latitude":51.8866,"longitude":5.4296}`, 1},
			{"OutOfRange", `[{"type":"Place","name":"Nergens","latitude":91,"longitude":5}]`, 0},
			{"Text", `[{"type":"Place","name":"Tekst","latitude":"51.9","longitude":"5.4"}]`, 0},
			{"Online", `[{"type":"VirtualLocation","url":"https://meet.example/x"}]`, 0},
			{"Many", "[" + strings.TrimSuffix(many, ",") + "]", maxActorPlaces},
		} {
			t.Run(tt.name, func(t *testing.T) {
				body := `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://bieb.example/actor","type":"Organization",` +
					`"inbox":"https://bieb.example/actor/inbox","location":` + tt.location + `}`
				a, err := ParseActor([]byte(body))
				if err != nil {
					t.Fatal(err)
				}
				if len(a.Places) != tt.want {
					t.Fatalf("places %+v, want %d", a.Places, tt.want)
				}
				if tt.name == "List" {
					if got, want := a.Places[0], (vestiging.ActorPlace{Name: "Tiel", Address: "Markt 12, Tiel", Latitude: 51.8866, Longitude: 5.4296}); got != want {
						t.Errorf("place %+v, want %+v", got, want)
					}
				}
			})
		}
	})

	t.Run("ErrNotActor", func(t *testing.T) {
		_, err := ParseActor(readFixture(t, "misskey/note.json"))
		if got := vestiging.ErrorCode(err); got != vestiging.EINVALID {
			t.Errorf("code = %q (%v), want invalid", got, err)
		}
	})
}

// FuzzParseActivity feeds inbox bodies to the parsers. None may panic, and
// what ParseActivity returns holds: each embedded object carries the id and
// type it is listed with (its Raw is that object's own JSON, not a
// neighbour's), a bare IRI has no Raw, there are at most MaxObjects, and
// parsing again gives the same.
func FuzzParseActivity(f *testing.F) {
	for _, name := range fixtureFiles(f) {
		f.Add(fixtureBody(f, name))
	}
	f.Add([]byte(`{"type":["Create","Note"],"object":[null,1,"x",{"type":"Event","startTime":"x"}]}`))
	f.Add([]byte(`{"type":"Delete","actor":"https://a.example/u","object":[null,{"id":"https://a.example/1","type":"Note"},"https://a.example/2",{"id":"https://b.example/3","type":"Tombstone"}]}`))
	f.Add([]byte(`{"type":"Announce","object":[{"type":"Event"},{"id":"https://a.example/e","type":"Event"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := ParseActivity(body)
		if err == nil {
			if len(a.Objects) > MaxObjects {
				t.Errorf("%d objects, more than %d", len(a.Objects), MaxObjects)
			}
			for i, o := range a.Objects {
				if o.Raw == nil {
					if o.Type != "" {
						t.Errorf("object %d: type %q without its JSON", i, o.Type)
					}
					continue
				}
				var doc struct {
					ID   any `json:"id"`
					Type any `json:"type"`
				}
				if err := json.Unmarshal(o.Raw, &doc); err != nil {
					t.Fatalf("object %d: its JSON %s: %v", i, o.Raw, err)
				}
				id, _ := doc.ID.(string)
				if u, err := url.Parse(id); err == nil {
					id = u.String() // as go-fed writes it: "a b" as "a%20b"
				}
				if o.ID != "" && id != o.ID {
					t.Errorf("object %d is listed as %q, its JSON has id %v: %s", i, o.ID, doc.ID, o.Raw)
				}
				if types := fmt.Sprint(doc.Type); o.Type == "" || !strings.Contains(types, o.Type) {
					t.Errorf("object %d is listed as a %q, its JSON has type %v", i, o.Type, doc.Type)
				}
			}
			again, err := ParseActivity(body)
			if err != nil || !reflect.DeepEqual(again.Objects, a.Objects) || again.ID != a.ID || again.Actor != a.Actor {
				t.Errorf("parsed again: %+v, %v; first %+v", again, err, a)
			}
			for _, o := range a.Objects {
				if o.Raw != nil {
					_, _ = ParseRemoteEvent(o.Raw)
				}
			}
		}
		_, _ = ParseActor(body)
		_, _ = ParseRemoteEvent(body)
	})
}

func TestSameHost(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://bieb.example/actor", "https://bieb.example/events/1", true},
		{"https://bieb.example/actor", "https://BIEB.example/x", true},
		{"http://127.0.0.1:8080/actor", "http://127.0.0.1:8080/x", true},
		{"https://bieb.example/actor", "http://bieb.example/x", false},
		{"https://bieb.example/actor", "https://bieb.example:8443/x", false},
		{"https://bieb.example/actor", "https://bieb.example.evil.example/x", false},
		{"https://bieb.example/actor", "https://evil-bieb.example/x", false},
		{"https://bieb.example/actor", "https://bieb.example@evil.example/x", false},
		{"https://bieb.example/actor", "/events/1", false},
		{"https://bieb.example/actor", "", false},
		{"", "", false},
		{"mailto:a@bieb.example", "mailto:b@bieb.example", false},
		{"https://bieb.example/actor", "https://sub.bieb.example/x", false},
	}
	for _, tt := range tests {
		if got := SameHost(tt.a, tt.b); got != tt.want {
			t.Errorf("SameHost(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
