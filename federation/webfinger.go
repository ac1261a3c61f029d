package federation

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/vestiging/vestiging"
)

// WebFinger link relations.
const (
	relSelf        = "self"
	relProfilePage = "http://webfinger.net/rel/profile-page"
)

// JRD is a WebFinger answer (RFC 7033).
type JRD struct {
	Subject string    `json:"subject"`
	Aliases []string  `json:"aliases,omitempty"`
	Links   []JRDLink `json:"links"`
}

// JRDLink is one link of a JRD: an address (Href), or a Template with
// {uri} in it.
type JRDLink struct {
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

// Acct is the library actor's acct: URI, "acct:agenda@bieb.example".
func (f *Federator) Acct() string { return "acct:" + f.cfg.Handle + "@" + f.cfg.BaseURL.Host }

// serveWebFinger answers for acct:HANDLE@HOST (HOST being the base URL's
// host[:port]) and for the actor's own URL, which GoToSocial and Mastodon
// look up to confirm an actor's handle.
func (f *Federator) serveWebFinger(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	resource := r.URL.Query().Get("resource")
	if resource == "" {
		http.Error(w, "The resource parameter is required.", http.StatusBadRequest)
		return
	}
	id := ActorID(f.cfg.BaseURL)
	if !strings.EqualFold(resource, f.Acct()) && resource != id {
		f.serveResidentWebFinger(w, r, resource)
		return
	}
	jrd := JRD{
		Subject: f.Acct(),
		Aliases: []string{id, LibraryURL(f.cfg.BaseURL)},
		Links: []JRDLink{
			{Rel: relSelf, Type: ContentTypeActivity, Href: id},
			{Rel: relProfilePage, Type: "text/html", Href: LibraryURL(f.cfg.BaseURL)},
			f.subscribeLink(),
		},
	}
	writeJSON(w, "application/jrd+json; charset=utf-8", jrd)
}

// serveResidentWebFinger answers for a resident: acct:HANDLE@HOST or
// their actor URL. It answers for residents who chose not to be found too:
// Mastodon and GoToSocial look up every actor that writes to them, so
// following needs it; "discoverable" in the actor keeps them out of
// directories and search.
func (f *Federator) serveResidentWebFinger(w http.ResponseWriter, r *http.Request, resource string) {
	handle := personHandle(f.cfg.BaseURL, resource)
	if acct, ok := strings.CutPrefix(strings.ToLower(resource), "acct:"); ok {
		user, host, _ := strings.Cut(acct, "@")
		if host == strings.ToLower(f.cfg.BaseURL.Host) {
			handle = user
		}
	}
	p, err := f.resident(r.Context(), handle)
	if handle == "" || vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		http.Error(w, "No such account here.", http.StatusNotFound)
		return
	}
	if err != nil {
		f.serveError(w, r, err)
		return
	}
	id := PersonActorID(f.cfg.BaseURL, p.Handle)
	writeJSON(w, "application/jrd+json; charset=utf-8", JRD{
		Subject: "acct:" + p.Handle + "@" + f.cfg.BaseURL.Host,
		Aliases: []string{id},
		Links:   []JRDLink{{Rel: relSelf, Type: ContentTypeActivity, Href: id}, f.subscribeLink()},
	})
}

// subscribeLink points people who come the other way, from an account
// elsewhere, at our interaction page (InteractionPath).
func (f *Federator) subscribeLink() JRDLink {
	return JRDLink{Rel: relSubscribe, Template: f.cfg.BaseURL.JoinPath(InteractionPath).String() + "?uri={uri}"}
}

// hostMeta is the XRD that points older clients at WebFinger.
type hostMeta struct {
	XMLName xml.Name `xml:"http://docs.oasis-open.org/ns/xri/xrd-1.0 XRD"`
	Link    struct {
		Rel      string `xml:"rel,attr"`
		Type     string `xml:"type,attr"`
		Template string `xml:"template,attr"`
	} `xml:"Link"`
}

func (f *Federator) serveHostMeta(w http.ResponseWriter, r *http.Request) {
	var m hostMeta
	m.Link.Rel, m.Link.Type = "lrdd", "application/jrd+json"
	m.Link.Template = f.cfg.BaseURL.JoinPath(".well-known", "webfinger").String() + "?resource={uri}"
	b, err := xml.Marshal(m)
	if err != nil {
		f.serveError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}
