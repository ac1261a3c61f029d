package federation

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store/storetest"
)

// TestDirectNote: a Note addressed to residents here and not public
// becomes a Message for each, filed with the event when its context is one
// the resident signed up for; a public Note, one to nobody here, one
// attributed to someone else and a second delivery store nothing.
func TestDirectNote(t *testing.T) {
	env := newInEnv(t, storetest.SQLite(t), nil)
	lib := newInPeer(t, "tiel", 0)
	fl := env.follow(t, lib, vestiging.FollowAccepted)
	e := remoteOpenEvent(t, env, lib, "/events/7", fl.Actor)
	anna := resident(t, env.db, "anna", true, false)
	bram := resident(t, env.db, "bram", true, false)
	ctx := t.Context()
	if err := env.db.Register(ctx, &vestiging.Registration{EventID: e.ID, PersonID: anna.ID}); err != nil {
		t.Fatal(err)
	}
	annaIRI, bramIRI := PersonActorID(env.base, "anna"), PersonActorID(env.base, "bram")
	messages := func(t *testing.T, p *vestiging.Person) []*vestiging.Message {
		t.Helper()
		list, _, err := env.db.Messages(ctx, p.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	note := func(path string, to []string, change func(n map[string]any)) []byte {
		n := map[string]any{
			"id": lib.id(path), "type": "Note", "attributedTo": lib.actor, "to": to, "cc": []string{},
			"content": `<p><span class="h-card"><a href="` + annaIRI + `">@anna</a></span> Herinnering: morgen is het Schrijfcafé.<script>x</script></p>`,
			"context": e.IRI,
		}
		if change != nil {
			change(n)
		}
		body := map[string]any{"@context": ActivityStreamsContext, "id": lib.id(path + "/activity"), "type": "Create",
			"actor": lib.actor, "to": to, "object": n}
		return mustJSON(t, body)
	}

	t.Run("OK", func(t *testing.T) {
		env.deliver(t, lib, note("/notes/1", []string{annaIRI}, nil))
		got := messages(t, anna)
		if len(got) != 1 {
			t.Fatalf("anna has %d messages, want 1", len(got))
		}
		m := got[0]
		if m.FromActorID != fl.Actor.ID || m.IRI != lib.id("/notes/1") || m.EventID != e.ID ||
			!strings.Contains(m.Content, "Herinnering") || strings.Contains(m.Content, "script") {
			t.Errorf("message %+v", m)
		}
	})
	t.Run("TwoResidents", func(t *testing.T) {
		env.deliver(t, lib, note("/notes/2", []string{annaIRI, bramIRI}, func(n map[string]any) { delete(n, "context") }))
		if got := messages(t, anna); len(got) != 2 {
			t.Errorf("anna has %d messages, want 2", len(got))
		}
		got := messages(t, bram)
		if len(got) != 1 || got[0].EventID != 0 {
			t.Fatalf("bram's messages %+v, want one without event", got)
		}
	})
	tests := []struct {
		name string
		body []byte
	}{
		{"Duplicate", note("/notes/1", []string{annaIRI}, func(n map[string]any) { n["content"] = "<p>Anders</p>" })},
		{"Public", note("/notes/3", []string{Public, annaIRI}, nil)},
		{"PublicInCc", note("/notes/4", []string{annaIRI}, func(n map[string]any) { n["cc"] = []string{"as:Public"} })},
		{"NobodyHere", note("/notes/5", []string{lib.id("/users/someone"), PersonActorID(env.base, "nobody")}, nil)},
		{"SomeoneElses", note("/notes/6", []string{annaIRI}, func(n map[string]any) { n["attributedTo"] = lib.id("/users/other") })},
	}
	for _, tt := range tests {
		t.Run("Err"+tt.name, func(t *testing.T) {
			before := len(messages(t, anna))
			env.deliver(t, lib, tt.body)
			if got := len(messages(t, anna)); got != before {
				t.Errorf("anna has %d messages, want %d", got, before)
			}
		})
	}
}

// TestSendNote: a resident's message to a remote actor leaves as a direct
// Note from their Person actor, signed with their key, to the recipient
// only, mentioning them, in reply to the Note it answers.
func TestSendNote(t *testing.T) {
	env := newInEnv(t, storetest.SQLite(t), nil)
	ada := newInPeer(t, "ada", 0)
	anna := resident(t, env.db, "anna", true, false)
	to := mustActor(t, env, ada)
	m := &vestiging.Message{FromPersonID: anna.ID, ToActorID: to.ID, Content: "<p>Ja, dat kan dinsdag.</p>", InReplyTo: ada.id("/notes/9")}
	if err := env.db.CreateMessage(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	if n := runJobs(t, env, &sendNoteWorker{f: env.f}); n != 1 {
		t.Fatalf("%d send_note jobs ran, want 1", n)
	}
	jobs := storetest.Jobs[DeliverJob](t, env.db, "deliver")
	if len(jobs) != 1 || jobs[0].PersonID != anna.ID || jobs[0].Inbox != ada.inbox {
		t.Fatalf("deliveries %+v, want one to ada signed by anna", jobs)
	}
	sent := env.sent(t)[ada.inbox]
	create := sent[0]
	n, _ := create["object"].(map[string]any)
	me := PersonActorID(env.base, "anna")
	if create["type"] != "Create" || create["actor"] != me || n["attributedTo"] != me || n["id"] != MessageID(env.base, m.ID) ||
		n["inReplyTo"] != ada.id("/notes/9") {
		t.Errorf("sent %v", create)
	}
	if to, _ := n["to"].([]any); len(to) != 1 || to[0] != ada.actor {
		t.Errorf("note to %v, want ada alone", n["to"])
	}
	content, _ := n["content"].(string)
	if !strings.Contains(content, "Ja, dat kan dinsdag.") || !strings.Contains(content, ada.actor) {
		t.Errorf("content %q", content)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
