package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"

	"github.com/vestiging/vestiging"
)

// Public is the special collection that addresses everyone.
const Public = "https://www.w3.org/ns/activitystreams#Public"

// ActivityStreamsContext is the AS2 JSON-LD context.
const ActivityStreamsContext = "https://www.w3.org/ns/activitystreams"

// ErrUnknownType is wrapped by ParseActivity for a well-formed document of
// a type go-fed does not know (an inbox answers 202 and ignores it).
var ErrUnknownType = errors.New("unknown ActivityStreams type")

// ErrTooManyObjects is wrapped by the parsers for a document with more
// than MaxObjects objects, or more than maxEmbedded embedded objects in
// all: refused before go-fed resolves them, which costs about 0.1 ms each.
var ErrTooManyObjects = errors.New("too many objects")

// Bounds of a document. An activity names a handful of objects: as many
// as a report may (a Delete or Flag of more is refused, not worked
// through). A real event, note or actor embeds a few dozen objects
// (places, tags, sessions, attachments); 500 leave room for a long course.
const (
	MaxObjects  = vestiging.MaxReportTargets
	maxEmbedded = 500
)

// Activity is an incoming AS2 document, usually an activity, as the inbox
// needs it.
type Activity struct {
	Type    string // AS2 type name: "Create", "Follow", "Note", …
	ID      string
	Actor   string // first actor's id; "" for non-activities
	Objects []ObjectRef
	To, Cc  []string
}

// ObjectRef is one value of an activity's object: a bare IRI, or an
// embedded object (a Note, a Follow, a Tombstone, …) with its JSON.
type ObjectRef struct {
	ID   string
	Type string          // "" for a bare IRI
	Raw  json.RawMessage // the embedded object as sent; nil for a bare IRI
}

// Object returns the first object, or a zero ObjectRef.
func (a *Activity) Object() ObjectRef {
	if len(a.Objects) == 0 {
		return ObjectRef{}
	}
	return a.Objects[0]
}

// ParseActivity decodes an AS2 JSON document with go-fed's type resolver.
// It tolerates what real servers send: no @context (Gancio), @context last,
// single values or arrays, objects as IRIs or embedded, escaped slashes,
// unknown extension properties. The body must already be size-capped.
// An embedded object is resolved where it is used, from its Raw (an Event
// by ParseRemoteEvent, an inner Follow by ParseActivity again): here
// go-fed sees only its type and id. Resolving a whole Event with its tags
// in the request as well was a third of the inbox's time per activity.
func ParseActivity(body []byte) (*Activity, error) {
	m, v, err := resolve(body, objectsByTypeAndID)
	if err != nil {
		return nil, err
	}
	a := &Activity{Type: v.GetTypeName(), ID: idOf(v)}
	if p, ok := v.(interface {
		GetActivityStreamsActor() vocab.ActivityStreamsActorProperty
	}); ok && p.GetActivityStreamsActor() != nil {
		if ids := iterIDs(p.GetActivityStreamsActor().Begin()); len(ids) > 0 {
			a.Actor = ids[0]
		}
	}
	if p, ok := v.(interface {
		GetActivityStreamsObject() vocab.ActivityStreamsObjectProperty
	}); ok && p.GetActivityStreamsObject() != nil {
		raw := asList(m["object"])
		for i, it := 0, p.GetActivityStreamsObject().Begin(); it != nil; i, it = i+1, it.Next() {
			ref := ObjectRef{ID: valueID(it)}
			if t := it.GetType(); t != nil {
				ref.Type = t.GetTypeName()
				if i < len(raw) {
					if ref.Raw, err = json.Marshal(raw[i]); err != nil {
						return nil, fmt.Errorf("activity %s: object: %w", a.ID, err)
					}
				}
			}
			a.Objects = append(a.Objects, ref)
		}
	}
	if p, ok := v.(interface {
		GetActivityStreamsTo() vocab.ActivityStreamsToProperty
	}); ok && p.GetActivityStreamsTo() != nil {
		a.To = iterIDs(p.GetActivityStreamsTo().Begin())
	}
	if p, ok := v.(interface {
		GetActivityStreamsCc() vocab.ActivityStreamsCcProperty
	}); ok && p.GetActivityStreamsCc() != nil {
		a.Cc = iterIDs(p.GetActivityStreamsCc().Begin())
	}
	return a, nil
}

// resolve decodes body into a map and a go-fed value of what shape makes
// of the map (nil: all of it).
func resolve(body []byte, shape func(map[string]any) map[string]any) (map[string]any, vocab.Type, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, nil, &vestiging.Error{Code: vestiging.EINVALID, Message: "The body is not a JSON object.", Err: err}
	}
	if m == nil {
		return nil, nil, vestiging.Errorf(vestiging.EINVALID, "The body is not a JSON object.")
	}
	if n := len(asList(m["object"])); n > MaxObjects {
		return nil, nil, &vestiging.Error{Code: vestiging.EINVALID, Err: ErrTooManyObjects,
			Message: fmt.Sprintf("An activity names at most %d objects, not %d.", MaxObjects, n)}
	}
	if n := embedded(m, maxEmbedded); n > maxEmbedded {
		return nil, nil, &vestiging.Error{Code: vestiging.EINVALID, Err: ErrTooManyObjects,
			Message: fmt.Sprintf("A document embeds at most %d objects.", maxEmbedded)}
	}
	if _, ok := m["@context"]; !ok {
		// go-fed needs a context to resolve type names; AS2 is what was meant.
		m["@context"] = ActivityStreamsContext
	}
	resolved := m
	if shape != nil {
		resolved = shape(m)
	}
	v, err := streams.ToType(context.Background(), resolved)
	if errors.Is(err, streams.ErrUnhandledType) {
		return nil, nil, fmt.Errorf("type %v: %w", m["type"], ErrUnknownType)
	}
	if err != nil {
		return nil, nil, &vestiging.Error{Code: vestiging.EINVALID, Message: "The body is not valid ActivityStreams.", Err: err}
	}
	return m, v, nil
}

// objectsByTypeAndID is m with each embedded object of its "object"
// reduced to what names it: its type and id (a Link's href).
func objectsByTypeAndID(m map[string]any) map[string]any {
	objects := asList(m["object"])
	if !slices.ContainsFunc(objects, func(o any) bool { _, ok := o.(map[string]any); return ok }) {
		return m
	}
	named := make([]any, len(objects))
	for i, o := range objects {
		named[i] = o
		if full, ok := o.(map[string]any); ok {
			stub := map[string]any{}
			for _, k := range []string{"type", "id", "href"} {
				if v, ok := full[k]; ok {
					stub[k] = v
				}
			}
			named[i] = stub
		}
	}
	shaped := maps.Clone(m)
	shaped["object"] = named
	return shaped
}

// embedded counts the JSON objects inside v, its @context aside (go-fed
// does not resolve it), stopping once past limit.
func embedded(v any, limit int) int {
	n := 0
	var walk func(v any)
	walk = func(v any) {
		if n > limit {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if k == "@context" {
					continue
				}
				if _, ok := e.(map[string]any); ok {
					n++
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				if _, ok := e.(map[string]any); ok {
					n++
				}
				walk(e)
			}
		}
	}
	walk(v)
	return n
}

// asList returns v as a list: a JSON array as is, anything else alone.
func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	default:
		return []any{x}
	}
}

func idOf(t vocab.Type) string {
	if t == nil || t.GetJSONLDId() == nil || t.GetJSONLDId().Get() == nil {
		return ""
	}
	return t.GetJSONLDId().Get().String()
}

// idIter is a go-fed property iterator whose values are IRIs or objects.
type idIter[I any] interface {
	IsIRI() bool
	GetIRI() *url.URL
	GetType() vocab.Type
	Next() I
}

// iterIDs returns the ids of every value from it on.
func iterIDs[I idIter[I]](it I) []string {
	var ids []string
	for ; any(it) != nil; it = it.Next() {
		if id := valueID(it); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// naturalText returns a natural-language property (name, summary,
// content) from the JSON: its plain value, or else the Dutch, English or
// first (by language tag) entry of its …Map. go-fed is not asked: it reads
// a value such as "Geannuleerd: za 5 december" as an IRI with scheme
// "geannuleerd" and lower-cases it.
func naturalText(m map[string]any, key string) string {
	if s, ok := m[key].(string); ok {
		return s
	}
	langs, _ := m[key+"Map"].(map[string]any)
	for _, l := range []string{"nl", "en"} {
		if s, ok := langs[l].(string); ok {
			return s
		}
	}
	keys := make([]string, 0, len(langs))
	for k := range langs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if s, ok := langs[k].(string); ok {
			return s
		}
	}
	return ""
}

// Actor types a remote actor may have.
var actorTypes = []string{"Person", "Group", "Application", "Organization", "Service"}

// Actor is what we need of a remote actor.
type Actor struct {
	ID                string
	Type              string // Person, Group, Application, Organization or Service
	PreferredUsername string
	Name              string
	URL               string // profile page
	Inbox             string
	SharedInbox       string // endpoints.sharedInbox, or Misskey's top-level sharedInbox; "" when none
	Outbox            string
	Followers         string
	Summary           string                 // as sent: HTML to sanitise before use
	Icon              string                 // the avatar's address (a library's logo), http(s) only
	Places            []vestiging.ActorPlace // the places of its location that have coordinates
	PublicKey         PublicKey
}

// maxActorPlaces bounds the places kept of an actor: a library has a few
// dozen branches at most.
const maxActorPlaces = 100

// PublicKey is an actor's publicKey entry.
type PublicKey struct {
	ID    string // the keyId signatures name
	Owner string // must equal the actor's id
	PEM   string
}

// ParseActor decodes an actor document with go-fed. The actor must have an
// id; Inbox is empty for a key document such as GoToSocial's public
// …/main-key, so deliveries must check it. The first publicKey is taken as it is (callers check that
// its owner is the actor, and parse the PEM with ParsePublicKeyPEM).
func ParseActor(body []byte) (*Actor, error) {
	m, v, err := resolve(body, nil)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(actorTypes, v.GetTypeName()) {
		return nil, vestiging.Errorf(vestiging.EINVALID, "A %s is not an actor.", v.GetTypeName())
	}
	t, ok := v.(actorType)
	if !ok {
		return nil, fmt.Errorf("actor %s: go-fed type %T lacks actor properties", idOf(v), v)
	}
	a := &Actor{ID: idOf(v), Type: v.GetTypeName()}
	if p := t.GetActivityStreamsPreferredUsername(); p != nil && p.IsXMLSchemaString() {
		a.PreferredUsername = p.GetXMLSchemaString()
	}
	a.Name = naturalText(m, "name")
	a.Summary = naturalText(m, "summary")
	if p := t.GetActivityStreamsUrl(); p != nil {
		a.URL = firstURL(p)
	}
	if p := t.GetActivityStreamsInbox(); p != nil {
		a.Inbox = valueID(p)
	}
	if p := t.GetActivityStreamsOutbox(); p != nil {
		a.Outbox = valueID(p)
	}
	if p := t.GetActivityStreamsFollowers(); p != nil {
		a.Followers = valueID(p)
	}
	// go-fed v1.0.0 does not know endpoints; read it from the document.
	if e, ok := m["endpoints"].(map[string]any); ok {
		a.SharedInbox, _ = e["sharedInbox"].(string)
	}
	if a.SharedInbox == "" {
		a.SharedInbox, _ = m["sharedInbox"].(string)
	}
	a.Icon = iconAddress(m["icon"])
	for _, l := range asList(m["location"]) {
		l, ok := l.(map[string]any)
		if !ok || len(a.Places) == maxActorPlaces {
			continue
		}
		var r RemoteEvent
		r.readLocation(l)
		if p := r.Place; p.Latitude != nil && p.Longitude != nil {
			a.Places = append(a.Places, vestiging.ActorPlace{Name: p.Name, Address: p.Address, Latitude: *p.Latitude, Longitude: *p.Longitude})
		}
	}
	if p := t.GetW3IDSecurityV1PublicKey(); p != nil {
		for it := p.Begin(); it != nil; it = it.Next() {
			k := it.Get()
			if k == nil {
				continue
			}
			a.PublicKey.ID = idOf(k)
			if o := k.GetW3IDSecurityV1Owner(); o != nil && o.Get() != nil {
				a.PublicKey.Owner = o.Get().String()
			}
			if pem := k.GetW3IDSecurityV1PublicKeyPem(); pem != nil {
				a.PublicKey.PEM = pem.Get()
			}
			break
		}
	}
	if a.ID == "" {
		return nil, vestiging.Errorf(vestiging.EINVALID, "The actor has no id.")
	}
	return a, nil
}

// iconAddress is the address of an actor's icon: an Image whose url is a
// string or a Link, or the address itself; only absolute http(s)
// addresses, which pages may show as images.
func iconAddress(v any) string {
	for _, c := range asList(v) {
		if img, ok := c.(map[string]any); ok {
			c = img["url"]
		}
		for _, u := range asList(c) {
			if link, ok := u.(map[string]any); ok {
				u = link["href"]
			}
			p, err := url.Parse(str(u))
			if err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != "" && p.User == nil {
				return p.String()
			}
		}
	}
	return ""
}

// actorType is what Person, Group, Application, Organization and Service
// have in common in go-fed.
type actorType interface {
	GetActivityStreamsPreferredUsername() vocab.ActivityStreamsPreferredUsernameProperty
	GetActivityStreamsUrl() vocab.ActivityStreamsUrlProperty
	GetActivityStreamsInbox() vocab.ActivityStreamsInboxProperty
	GetActivityStreamsOutbox() vocab.ActivityStreamsOutboxProperty
	GetActivityStreamsFollowers() vocab.ActivityStreamsFollowersProperty
	GetW3IDSecurityV1PublicKey() vocab.W3IDSecurityV1PublicKeyProperty
}

// valueID returns a property value's IRI, or its embedded object's id.
func valueID(p interface {
	IsIRI() bool
	GetIRI() *url.URL
	GetType() vocab.Type
}) string {
	if p.IsIRI() {
		return p.GetIRI().String()
	}
	return idOf(p.GetType())
}

// SameHost reports whether two ids are absolute http(s) URLs on the same
// scheme, host and port, compared after parsing (never as string
// prefixes), and without user information, which could make
// "https://victim.example@evil.example/" look like the victim's.
func SameHost(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil || ua.User != nil || ub.User != nil || ua.Host == "" {
		return false
	}
	if ua.Scheme != "https" && ua.Scheme != "http" {
		return false
	}
	return ua.Scheme == ub.Scheme && strings.EqualFold(ua.Host, ub.Host)
}
