package federation

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
)

// InboxJob is an incoming activity that passed every check of the inbox:
// the inbox worker applies it as Actor, and only as Actor. Body is the
// activity exactly as received.
type InboxJob struct {
	Actor string       `json:"actor"` // the verified signer's id, equal to the activity's actor
	Body  activityBody `json:"body"`
	// fetches is set by the inbox when applying the activity may fetch
	// from the network (see mayFetch); it chooses the queue.
	fetches bool
}

// Kind implements vestiging.JobArgs.
func (InboxJob) Kind() string { return "inbox" }

// InsertOpts puts the job in vestiging.InboxQueue, or with the other jobs
// that wait on the network when applying it may fetch.
func (j InboxJob) InsertOpts() river.InsertOpts {
	if j.fetches {
		return river.InsertOpts{}
	}
	return river.InsertOpts{Queue: vestiging.InboxQueue}
}

// mayFetch reports whether applying a may fetch from the network: an
// Announce's object, a changed actor's profile, an object sent as its id
// alone.
func mayFetch(a *Activity) bool {
	switch a.Type {
	case "Announce":
		return true
	case "Create", "Update":
		o := a.Object()
		return o.Raw == nil || o.ID == a.Actor
	}
	return false
}

// activityBody is an activity as received, kept in the job's arguments as
// one JSON string: PostgreSQL indexes River's arguments (GIN), and as an
// object every key and value of the activity would be an index entry.
type activityBody string

// UnmarshalJSON implements json.Unmarshaler. It also takes the activity as
// an object, as jobs queued before it was a string carry it.
func (b *activityBody) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*b = activityBody(s)
		return nil
	}
	*b = activityBody(data)
	return nil
}

// hostCheckInterval is how often a host that signs requests has its health
// looked at, so a busy peer does not cost a query per delivery.
const hostCheckInterval = time.Minute

// inboxState is the inbox's in-memory state; its zero value is ready.
type inboxState struct {
	keys keyCache

	mu      sync.Mutex
	checked map[string]time.Time // host → when its health was last looked at
}

// hostDue reports whether host's health should be looked at now, and notes it.
func (s *inboxState) hostDue(host string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if at, ok := s.checked[host]; ok && now.Sub(at) < hostCheckInterval {
		return false
	}
	s.checked = bounded(s.checked, keyCacheSize)
	s.checked[host] = now
	return true
}

// inboxError is a refused inbox request: the status to answer and why.
type inboxError struct {
	status int
	reason string
	err    error
}

func (e *inboxError) Error() string {
	if e.err != nil {
		return e.reason + ": " + e.err.Error()
	}
	return e.reason
}

func (e *inboxError) Unwrap() error { return e.err }

func refuse(status int, reason string, err error) *inboxError {
	return &inboxError{status: status, reason: reason, err: err}
}

// Inbox receives signed POSTs to the shared inbox and the actor's inbox.
// Checks run cheapest first and change nothing (but the key cache) until
// the activity is queued: body size; Signature header; that the request
// was signed for one of our hosts; domain rules for the keyId's host and
// actor blocks by the keyId, before any key is fetched; the signature
// (Digest, Date, key from its owner's own document); the activity's JSON,
// parsed once, with at most MaxObjects objects; that the signer is the
// actor and that the ids it creates or changes are on the actor's host.
// Then the activity is queued durably as an InboxJob carrying the signer,
// and the answer is 202; the worker applies it as that signer.
func (f *Federator) Inbox(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "Only POST is accepted here.", http.StatusMethodNotAllowed)
		return
	}
	status, msg := http.StatusAccepted, "Accepted."
	var typ string
	result := "accepted"
	if err := f.receive(w, r, &typ); err != nil {
		var ie *inboxError
		if !errors.As(err, &ie) {
			ie = refuse(http.StatusInternalServerError, "internal error", err)
		}
		status, msg = ie.status, ie.reason
		result = ie.reason
		level := f.log.Info
		if status >= 500 {
			level = f.log.Error
		}
		level("inbox: refused", "status", status, "reason", ie.reason, "error", ie.err, "remote", r.RemoteAddr)
	}
	f.cfg.Metrics.Inbox(typ, result)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// receive runs the inbox checks and queues the activity; ignored
// activities (of an unknown type) return nil without being queued. It sets
// *typ to the activity's type once the body is parsed, for the metrics.
// The rate limit of replies and reports sets its headers on w.
func (f *Federator) receive(w http.ResponseWriter, r *http.Request, typ *string) error {
	ctx := r.Context()
	if r.ContentLength > MaxBodySize {
		return refuse(http.StatusRequestEntityTooLarge, "body too large", nil)
	}
	body, err := ReadBody(r.Body, MaxBodySize)
	if err != nil {
		if vestiging.ErrorCode(err) == vestiging.ETOOLARGE {
			return refuse(http.StatusRequestEntityTooLarge, "body too large", nil)
		}
		return refuse(http.StatusBadRequest, "unreadable body", err)
	}
	values := r.Header.Values("Signature")
	if len(values) == 0 {
		return refuse(http.StatusUnauthorized, "signature missing", nil)
	}
	p, err := ParseSignatureHeader(values[0])
	if err != nil {
		return refuse(http.StatusBadRequest, "signature malformed", err)
	}
	// Verify makes sure the Host is signed: a request signed for another
	// server, replayed here, is not for us.
	if host := requestHost(r); !f.ourHost(host) {
		return refuse(http.StatusUnauthorized, "signed for another host", fmt.Errorf("host %q", host))
	}
	if err := f.domainAllowed(ctx, p.KeyID); err != nil {
		return err
	}
	// A blocked actor is known by its stored key: refused before any fetch.
	if blocked, err := f.blocked(ctx, func(a *vestiging.Actor) bool { return a.KeyID == p.KeyID }); err != nil || blocked {
		if blocked {
			err = refuse(http.StatusForbidden, "actor blocked", fmt.Errorf("key %s", p.KeyID))
		}
		return err
	}
	owner, err := f.verify(r, body)
	if err != nil {
		var se *SignatureError
		var st *StatusError
		if errors.As(err, &se) && se.Reason == ReasonKey && errors.As(err, &st) && st.StatusCode == http.StatusGone {
			// The signer's account is gone (after its Delete, say, which may
			// overtake its Leave): taken and dropped, so its server stops
			// retrying, as Mastodon does.
			f.log.Debug("inbox: activity of a deleted actor dropped", "key", p.KeyID)
			*typ = "other"
			return nil
		}
		if se != nil {
			return refuse(se.Status(), "signature "+string(se.Reason), err)
		}
		return err
	}
	a, err := ParseActivity(body)
	if errors.Is(err, ErrUnknownType) {
		*typ = "other"
		f.log.Debug("inbox: unknown type ignored", "actor", owner.IRI, "error", err)
		f.signedBy(ctx, owner.Host)
		return nil
	}
	if errors.Is(err, ErrTooManyObjects) {
		return refuse(http.StatusBadRequest, "too many objects", err)
	}
	if err != nil {
		return refuse(http.StatusBadRequest, "invalid activity", err)
	}
	*typ = a.Type
	if err := f.authorize(ctx, owner, a); err != nil {
		return err
	}
	if isPost(a) {
		if err := f.takePost(ctx, w, owner.IRI); err != nil {
			return err
		}
	}
	if err := f.cfg.Federation.InsertJob(ctx, InboxJob{Actor: owner.IRI, Body: activityBody(body), fetches: mayFetch(a)}); err != nil {
		return fmt.Errorf("queue %s %s: %w", a.Type, a.ID, err)
	}
	f.signedBy(ctx, owner.Host)
	return nil
}

// takePost counts a reply or report of actor against its limit, in the
// database so that every process behind the inbox keeps one budget: one
// statement, for replies and reports only. Over the limit, or when the
// count fails (logged), the post is refused with 429 and its server
// retries after the window.
func (f *Federator) takePost(ctx context.Context, w http.ResponseWriter, actor string) error {
	ok, err := f.cfg.Services.TakeRate(ctx, "inbox-posts", actor, f.cfg.PostLimit, f.cfg.PostWindow)
	if err != nil {
		f.log.Error("inbox: count a post", "error", err)
	}
	if err != nil || !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(f.cfg.PostWindow.Seconds())))
		return refuse(http.StatusTooManyRequests, "too many replies and reports", fmt.Errorf("actor %s", actor))
	}
	return nil
}

// isPost reports whether an activity is a reply or a report, which are
// limited per remote actor: Follows, answers and events are not.
func isPost(a *Activity) bool {
	switch a.Type {
	case "Flag":
		return true
	case "Create", "Update":
		return a.Object().Type == "Note"
	}
	return false
}

// verify checks the request's signature with the key from the key cache
// and returns the key's owner. A stored key that does not verify is
// fetched once more from its owner, who may have rotated it, unless it
// was fetched less than keyRefetchAfter ago.
func (f *Federator) verify(r *http.Request, body []byte) (*vestiging.Actor, error) {
	now := f.now()
	var k cachedKey
	var fetched bool
	getKey := func(refetch bool) KeyFunc {
		return func(ctx context.Context, keyID string) (*rsa.PublicKey, error) {
			var err error
			k, fetched, err = f.publicKey(ctx, keyID, refetch)
			return k.key, err
		}
	}
	_, err := Verify(r, body, now, getKey(false))
	var se *SignatureError
	if errors.As(err, &se) && se.Reason == ReasonInvalid && !fetched && now.Sub(k.owner.FetchedAt) >= keyRefetchAfter {
		_, err = Verify(r, body, now, getKey(true))
	}
	if err != nil {
		return nil, err
	}
	return k.owner, nil
}

// authorize checks that the signer may send this activity: it is the
// activity's actor, on an allowed host, and every id the activity creates
// or changes (and its own id) is on the actor's host, so one server cannot
// speak for another's objects.
func (f *Federator) authorize(ctx context.Context, owner *vestiging.Actor, a *Activity) error {
	if a.Actor != owner.IRI {
		return refuse(http.StatusForbidden, "signer is not the actor", fmt.Errorf("signed by %s, actor %q", owner.IRI, a.Actor))
	}
	// The keyId's host passed the domain rules before the key was fetched;
	// an actor elsewhere than its key must pass them too.
	if iriHost(a.Actor) != iriHost(owner.KeyID) {
		if err := f.domainAllowed(ctx, a.Actor); err != nil {
			return err
		}
	}
	if a.ID != "" && !SameHost(a.Actor, a.ID) {
		return refuse(http.StatusForbidden, "activity id not on the actor's host", fmt.Errorf("id %s, actor %s", a.ID, a.Actor))
	}
	switch a.Type {
	case "Create", "Update", "Delete":
		if len(a.Objects) == 0 {
			return refuse(http.StatusBadRequest, "activity without object", nil)
		}
		for _, o := range a.Objects {
			if !SameHost(a.Actor, o.ID) {
				return refuse(http.StatusForbidden, "object not on the actor's host", fmt.Errorf("object %q, actor %s", o.ID, a.Actor))
			}
		}
	}
	return nil
}

// domainAllowed applies the domain rules to the host of iri (403 when refused).
func (f *Federator) domainAllowed(ctx context.Context, iri string) error {
	refused, err := f.hostRefused(ctx, iriHost(iri))
	if err != nil {
		return err
	}
	if refused {
		return refuse(http.StatusForbidden, "domain not allowed", fmt.Errorf("host of %s", iri))
	}
	return nil
}

// hostRefused applies the domain rules to host (host[:port]): a block rule
// for it or for a parent domain refuses it, as Mastodon's blocks do; in
// allowlist mode, so does the lack of an allow rule.
func (f *Federator) hostRefused(ctx context.Context, host string) (bool, error) {
	rules, err := f.cfg.Federation.DomainRules(ctx)
	if err != nil {
		return false, fmt.Errorf("domain rules: %w", err)
	}
	allowed := false
	for _, r := range rules {
		if !ruleCovers(r.Host, host) {
			continue
		}
		switch r.Mode {
		case vestiging.DomainBlock:
			return true, nil
		case vestiging.DomainAllow:
			allowed = true
		}
	}
	return f.cfg.Allowlist && !allowed, nil
}

// ruleCovers reports whether a rule for ruleHost covers host: the same
// host[:port], the same name on any port, or a subdomain of it.
func ruleCovers(ruleHost, host string) bool {
	ruleHost, host = strings.ToLower(ruleHost), strings.ToLower(host)
	if ruleHost == "" || host == "" {
		return false
	}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	return host == ruleHost || name == ruleHost || strings.HasSuffix(name, "."+ruleHost)
}

// signedBy records that host answered with a signed request: a host
// marked failing is healthy again. The health is read at most once per
// hostCheckInterval per host, and written only when it changes.
func (f *Federator) signedBy(ctx context.Context, host string) {
	now := f.now()
	if host == "" || !f.in.hostDue(host, now) {
		return
	}
	h, err := f.cfg.Federation.HostByName(ctx, host)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return
	}
	if err == nil && h.Failures == 0 && !h.Unavailable() {
		return
	}
	if err == nil {
		_, err = f.cfg.Federation.RecordDelivery(ctx, host, now, nil)
	}
	if err != nil {
		f.log.Warn("inbox: host health", "host", host, "error", err)
		return
	}
	f.cameBack(ctx, host)
}

func (f *Federator) addInboxWorkers(w *river.Workers) {
	river.AddWorker(w, &inboxWorker{f: f})
	river.AddWorker(w, &backfillWorker{f: f})
}
