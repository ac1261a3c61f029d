package federation

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
)

// PersonActorID is a resident's Person actor: base/users/{handle}.
func PersonActorID(base *url.URL, handle string) string {
	return base.JoinPath("users", handle).String()
}

// personKeyID is the id of a resident's public key.
func personKeyID(base *url.URL, handle string) string {
	return PersonActorID(base, handle) + "#main-key"
}

// personHandle returns the handle of a local resident's actor id, or "".
func personHandle(base *url.URL, id string) string {
	h, ok := strings.CutPrefix(id, base.JoinPath("users").String()+"/")
	if !ok || h == "" || strings.ContainsAny(h, "/?#") {
		return ""
	}
	return h
}

// personKey returns a resident's private key, created once and kept in
// the database; with create false a missing key is ENOTFOUND.
func (f *Federator) personKey(ctx context.Context, personID int64, create bool) (*rsa.PrivateKey, error) {
	var generate func() (string, error)
	if create {
		generate = func() (string, error) {
			k, err := GenerateKey()
			if err != nil {
				return "", err
			}
			return EncodePrivateKeyPEM(k)
		}
	}
	pemKey, err := f.cfg.Federation.PersonKey(ctx, personID, generate)
	if err != nil {
		return nil, err
	}
	return ParsePrivateKeyPEM(pemKey)
}

// resident returns the resident with a handle, or ENOTFOUND.
func (f *Federator) resident(ctx context.Context, handle string) (*vestiging.Person, error) {
	p, err := f.cfg.Services.PersonByHandle(ctx, handle)
	if err != nil {
		return nil, err
	}
	if p.Handle == "" {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "No such account here.")
	}
	return p, nil
}

// PersonDocument is a resident's Person actor. It holds the display name,
// the handle and the key: no email address or other personal data.
func (f *Federator) PersonDocument(ctx context.Context, p *vestiging.Person) (map[string]any, error) {
	key, err := f.personKey(ctx, p.ID, true)
	if err != nil {
		return nil, fmt.Errorf("person actor %s: %w", p.Handle, err)
	}
	pemKey, err := EncodePublicKeyPEM(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("person actor %s: %w", p.Handle, err)
	}
	base := f.cfg.BaseURL
	id := PersonActorID(base, p.Handle)
	name := p.DisplayName
	if name == "" {
		name = p.Handle
	}
	return map[string]any{
		"@context":                  Context,
		"type":                      "Person",
		"id":                        id,
		"preferredUsername":         p.Handle,
		"name":                      name,
		"url":                       id, // browsers get the resident's page there
		"inbox":                     id + "/inbox",
		"outbox":                    id + "/outbox",
		"followers":                 id + "/followers",
		"following":                 id + "/following",
		"featured":                  id + "/featured", // GoToSocial logs an error for an actor without one
		"endpoints":                 map[string]any{"sharedInbox": sharedInbox(base)},
		"publicKey":                 map[string]any{"id": personKeyID(base, p.Handle), "owner": id, "publicKeyPem": pemKey},
		"manuallyApprovesFollowers": false,
		"discoverable":              p.Discoverable,
		"indexable":                 p.Discoverable,
	}, nil
}

func (f *Federator) servePerson(w http.ResponseWriter, r *http.Request) {
	p, err := f.resident(r.Context(), chi.URLParam(r, "handle"))
	if err != nil {
		f.serveError(w, r, err)
		return
	}
	doc, err := f.PersonDocument(r.Context(), p)
	if err != nil {
		f.serveError(w, r, err)
		return
	}
	f.writeActivity(w, r, doc)
}

// servePersonCollection serves a resident's outbox, followers or following
// as a count without items: who follows whom is the resident's to know;
// and their featured (pinned) posts, of which there are none.
func (f *Federator) servePersonCollection(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := f.resident(r.Context(), chi.URLParam(r, "handle"))
		if err != nil {
			f.serveError(w, r, err)
			return
		}
		f.serveCollection(w, r, PersonActorID(f.cfg.BaseURL, p.Handle)+"/"+name, func(ctx context.Context, _, _ int) ([]any, int, error) {
			switch name {
			case "followers":
				fs, err := f.cfg.Federation.PersonFollowers(ctx, p.ID)
				return []any{}, len(fs), err
			case "following":
				fs, err := f.cfg.Federation.PersonFollowings(ctx, p.ID)
				n := 0
				for _, fl := range fs {
					if fl.State == vestiging.FollowAccepted {
						n++
					}
				}
				return []any{}, n, err
			}
			return []any{}, 0, nil
		})
	}
}

// FollowAs has a resident follow a remote actor (a library), named by
// handle or URL, as their own Person actor: the Follow is signed with the
// resident's key. Errors as Follow's, and EFORBIDDEN for a resident
// without a handle or with an unconfirmed email address. Following again
// returns the existing follow.
func (f *Federator) FollowAs(ctx context.Context, p *vestiging.Person, target string) (*vestiging.PersonFollowing, error) {
	if p.Handle == "" {
		return nil, vestiging.Errorf(vestiging.EFORBIDDEN, "Choose a handle for your account before you follow libraries.")
	}
	if !p.Confirmed() {
		return nil, vestiging.Errorf(vestiging.EFORBIDDEN, "Confirm your email address before you follow libraries.")
	}
	a, err := f.Resolve(ctx, target)
	if err != nil {
		return nil, err
	}
	// Followed accounts' events reach the network agenda everyone sees:
	// only organisations (libraries, Mobilizon groups) are followed here.
	if !isOrganisation(a.Type) {
		return nil, vestiging.Errorf(vestiging.EINVALID, "That account is not a library; only libraries can be followed here.")
	}
	existing, err := f.cfg.Federation.PersonFollowing(ctx, p.ID, a.ID)
	switch {
	case err == nil && existing.State != vestiging.FollowRejected:
		return existing, nil
	case err != nil && vestiging.ErrorCode(err) != vestiging.ENOTFOUND:
		return nil, fmt.Errorf("follow %s as %s: %w", a.IRI, p.Handle, err)
	}
	if _, err := f.personKey(ctx, p.ID, true); err != nil {
		return nil, fmt.Errorf("follow %s as %s: %w", a.IRI, p.Handle, err)
	}
	me := PersonActorID(f.cfg.BaseURL, p.Handle)
	fl := &vestiging.PersonFollowing{PersonID: p.ID, Actor: a, ActivityIRI: activityIRI(f.cfg.BaseURL, randomID()), State: vestiging.FollowPending}
	body, err := json.Marshal(map[string]any{
		"@context": ActivityStreamsContext,
		"id":       fl.ActivityIRI,
		"type":     "Follow",
		"actor":    me,
		"object":   a.IRI,
	})
	if err != nil {
		return nil, fmt.Errorf("follow %s as %s: %w", a.IRI, p.Handle, err)
	}
	if err := f.cfg.Federation.SetPersonFollowing(ctx, fl); err != nil {
		return nil, fmt.Errorf("follow %s as %s: %w", a.IRI, p.Handle, err)
	}
	err = f.sendAs(ctx, p.ID, &vestiging.Activity{IRI: fl.ActivityIRI, Type: "Follow", ObjectIRI: a.IRI, JSON: body}, []string{a.Inbox})
	if err != nil {
		return nil, err
	}
	return fl, nil
}

// isOrganisation reports whether an actor type can be a library: the types
// the directory lists.
func isOrganisation(typ string) bool {
	switch typ {
	case "Organization", "Group", "Application", "Service":
		return true
	}
	return false
}

// UnfollowAs sends Undo{Follow} as the resident and forgets the follow.
func (f *Federator) UnfollowAs(ctx context.Context, p *vestiging.Person, actorID int64) error {
	fl, err := f.cfg.Federation.PersonFollowing(ctx, p.ID, actorID)
	if err != nil {
		return fmt.Errorf("unfollow %d as %s: %w", actorID, p.Handle, err)
	}
	if err := f.undoFollow(ctx, p.ID, p.Handle, fl); err != nil {
		return err
	}
	if err := f.cfg.Federation.RemovePersonFollowing(ctx, p.ID, actorID); err != nil {
		return fmt.Errorf("unfollow %s as %s: %w", fl.Actor.IRI, p.Handle, err)
	}
	return nil
}

// undoFollow sends Undo of a resident's Follow to the followed actor.
func (f *Federator) undoFollow(ctx context.Context, personID int64, handle string, fl *vestiging.PersonFollowing) error {
	me := PersonActorID(f.cfg.BaseURL, handle)
	id := activityIRI(f.cfg.BaseURL, randomID())
	body, err := json.Marshal(map[string]any{
		"@context": ActivityStreamsContext,
		"id":       id,
		"type":     "Undo",
		"actor":    me,
		"object":   map[string]any{"id": fl.ActivityIRI, "type": "Follow", "actor": me, "object": fl.Actor.IRI},
	})
	if err != nil {
		return fmt.Errorf("unfollow %s as %s: %w", fl.Actor.IRI, handle, err)
	}
	return f.sendAs(ctx, personID, &vestiging.Activity{IRI: id, Type: "Undo", ObjectIRI: fl.ActivityIRI, JSON: body}, []string{fl.Actor.Inbox})
}

// onPersonFollow records a follower of a resident and accepts in the
// resident's name, signed with their key. A Follow of an unknown resident
// changes nothing.
func (f *Federator) onPersonFollow(ctx context.Context, a *Activity, actor *vestiging.Actor, body []byte, handle string) error {
	p, err := f.resident(ctx, handle)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		f.log.Debug("inbox: Follow of an unknown resident ignored", "object", a.Object().ID)
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := f.personKey(ctx, p.ID, true); err != nil {
		return err
	}
	if err := f.cfg.Federation.AddPersonFollower(ctx, p.ID, actor.ID, a.ID); err != nil {
		return err
	}
	return f.answerAs(ctx, p.ID, PersonActorID(f.cfg.BaseURL, p.Handle), "Accept", a.ID, actor, body, nil)
}

// onPersonUnfollow ends a follow of a resident.
func (f *Federator) onPersonUnfollow(ctx context.Context, actor *vestiging.Actor, handle string) error {
	p, err := f.resident(ctx, handle)
	if err == nil {
		err = f.cfg.Federation.RemovePersonFollower(ctx, p.ID, actor.ID)
	}
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return nil
	}
	return err
}

// onPersonFollowAnswer applies Accept or Reject of a resident's Follow;
// it reports false when the Follow is not a resident's.
func (f *Federator) onPersonFollowAnswer(ctx context.Context, a *Activity, followID string) (bool, error) {
	if followID == "" {
		return false, nil
	}
	fl, err := f.cfg.Federation.PersonFollowingByActivity(ctx, followID)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if fl.Actor == nil || fl.Actor.IRI != a.Actor {
		f.log.Info("inbox: "+a.Type+" of a resident's Follow of someone else", "actor", a.Actor, "object", followID)
		return true, nil
	}
	fl.State = vestiging.FollowRejected
	if a.Type == "Accept" {
		fl.State = vestiging.FollowAccepted
	}
	if err := f.cfg.Federation.SetPersonFollowing(ctx, fl); err != nil {
		return true, err
	}
	if fl.State == vestiging.FollowAccepted {
		return true, f.cfg.Federation.InsertJob(ctx, BackfillJob{Actor: a.Actor})
	}
	return true, nil
}

// personDeletedWorker sends a deleted resident's Leave to each library
// where they were signed up, then Delete{Person} to those libraries, the
// servers they followed or were followed from and, when they had offers or
// replies out, the library's followers, signed with their key, and forgets
// the follows.
type personDeletedWorker struct {
	river.WorkerDefaults[vestiging.PersonDeletedJob]
	f *Federator
}

func (w *personDeletedWorker) Work(ctx context.Context, job *river.Job[vestiging.PersonDeletedJob]) error {
	return w.f.personDeleted(ctx, job.Args)
}

func (f *Federator) personDeleted(ctx context.Context, j vestiging.PersonDeletedJob) error {
	follows, err := f.cfg.Federation.PersonFollowings(ctx, j.PersonID)
	if err != nil {
		return err
	}
	followers, err := f.cfg.Federation.PersonFollowers(ctx, j.PersonID)
	if err != nil {
		return err
	}
	// Each library where they were signed up gets the Leave, and then the
	// Delete with everyone else.
	var organisers []string
	for _, id := range j.Left {
		inbox, err := f.leaveFor(ctx, j, id)
		if err != nil {
			return fmt.Errorf("registration %d: %w", id, err)
		}
		if inbox != "" {
			organisers = append(organisers, inbox)
		}
	}
	if j.Handle == "" || len(follows)+len(followers)+len(organisers) == 0 && !j.Posted {
		// Nobody to tell: the key has no more use.
		if err := f.forgetPerson(ctx, j.PersonID, follows, followers); err != nil {
			return err
		}
		return f.cfg.Federation.RemovePersonKey(ctx, j.PersonID)
	}
	if _, err := f.personKey(ctx, j.PersonID, false); err != nil {
		if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
			// Never federated: nobody knows the actor.
			return f.forgetPerson(ctx, j.PersonID, follows, followers)
		}
		return err
	}
	me := PersonActorID(f.cfg.BaseURL, j.Handle)
	inboxes := append(organisers, knownBy(follows, followers)...)
	if j.Posted {
		readers, err := f.cfg.Federation.FollowerInboxes(ctx)
		if err != nil {
			return err
		}
		inboxes = append(inboxes, readers...)
	}
	// One id per deletion, so a retried job sends it once; a handle taken
	// again and deleted again gets a new one.
	id := f.answerIRI("Delete", me+" "+j.At.UTC().Format(time.RFC3339Nano))
	body, err := json.Marshal(map[string]any{
		"@context": ActivityStreamsContext,
		"id":       id,
		"type":     "Delete",
		"actor":    me,
		"object":   me,
		"to":       []string{Public},
	})
	if err != nil {
		return err
	}
	if err := f.sendAs(ctx, j.PersonID, &vestiging.Activity{IRI: id, Type: "Delete", ObjectIRI: me, JSON: body}, inboxes); err != nil {
		return err
	}
	if err := f.forgetPerson(ctx, j.PersonID, follows, followers); err != nil {
		return err
	}
	return f.cfg.Federation.InsertJob(ctx, PersonKeyExpiryJob{PersonID: j.PersonID, At: f.now().Add(MaxDeliveryAge)})
}

// leaveFor sends a deleted resident's Leave for their registration id at
// another library and returns where it went; "" when nothing was sent
// (the registration or its event is gone, or no Join went out).
func (f *Federator) leaveFor(ctx context.Context, j vestiging.PersonDeletedJob, id int64) (string, error) {
	r, err := f.cfg.Services.Registration(ctx, id)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	e, err := f.cfg.Services.Event(ctx, r.EventID)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return f.joinOrLeave(ctx, vestiging.NoticeLeave, r, e, j.PersonID, j.Handle)
}

// PersonKeyExpiryJob forgets a deleted resident's key once the deliveries
// of their Delete, which it signs, have ended one way or another.
type PersonKeyExpiryJob struct {
	PersonID int64     `json:"person_id"`
	At       time.Time `json:"at"`
}

// Kind implements vestiging.JobArgs.
func (PersonKeyExpiryJob) Kind() string { return "person_key_expiry" }

// InsertOpts runs the job no earlier than At.
func (j PersonKeyExpiryJob) InsertOpts() river.InsertOpts { return river.InsertOpts{ScheduledAt: j.At} }

type personKeyExpiryWorker struct {
	river.WorkerDefaults[PersonKeyExpiryJob]
	f *Federator
}

func (w *personKeyExpiryWorker) Work(ctx context.Context, job *river.Job[PersonKeyExpiryJob]) error {
	return w.f.cfg.Federation.RemovePersonKey(ctx, job.Args.PersonID)
}

// forgetPerson removes a deleted resident's follows both ways.
func (f *Federator) forgetPerson(ctx context.Context, personID int64, follows []*vestiging.PersonFollowing, followers []*vestiging.Follower) error {
	for _, fl := range follows {
		err := f.cfg.Federation.RemovePersonFollowing(ctx, personID, fl.Actor.ID)
		if err != nil && vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			return err
		}
	}
	for _, fl := range followers {
		err := f.cfg.Federation.RemovePersonFollower(ctx, personID, fl.Actor.ID)
		if err != nil && vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			return err
		}
	}
	return nil
}

// signerFor returns the signer of a delivery: the resident's key when the
// job was queued for one, the library's otherwise.
func (f *Federator) signerFor(ctx context.Context, j DeliverJob, act *vestiging.Activity) (*Signer, error) {
	if j.PersonID == 0 {
		return f.signer, nil
	}
	var doc struct {
		Actor string `json:"actor"`
	}
	if err := json.Unmarshal(act.JSON, &doc); err != nil || personHandle(f.cfg.BaseURL, doc.Actor) == "" {
		return nil, river.JobCancel(fmt.Errorf("deliver %s: not a resident's activity", act.IRI))
	}
	key, err := f.personKey(ctx, j.PersonID, false)
	if err != nil {
		if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
			return nil, river.JobCancel(err)
		}
		return nil, err
	}
	return &Signer{KeyID: doc.Actor + "#main-key", Key: key, Clock: f.cfg.Clock}, nil
}
