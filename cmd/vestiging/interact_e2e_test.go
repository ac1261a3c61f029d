package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging/federation"
)

// TestInteractFromOwnServer: "follow or reply from your own server" on
// A's event and library pages sends a reader to their server's page for
// it, found by WebFinger: a Mastodon-style server by handle or by name
// alone, and a server with another template (Misskey's). A server that
// gives none leaves the reader on A with the address to search for. Who
// comes the other way finds A's own template in its WebFinger, which
// leads to A's page.
func TestInteractFromOwnServer(t *testing.T) {
	a := startNode(t, "A", "", true, nil)
	peer := newMastodonPeer(t)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if r.URL.Path != "/.well-known/webfinger" || r.URL.Query().Get("resource") != "acct:lezer@"+host {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(federation.JRD{Subject: "acct:lezer@" + host, Links: []federation.JRDLink{
			{Rel: "http://ostatus.org/schema/1.0/subscribe", Template: "http://" + host + "/authorize-follow?acct={uri}"}}})
	}))
	t.Cleanup(other.Close)
	start := time.Now().AddDate(0, 0, 9).In(amsterdam(t))
	eventIRI := a.publishEvent("Schrijfcafé", time.Date(start.Year(), start.Month(), start.Day(), 10, 0, 0, 0, start.Location()))
	peerHost, otherHost := strings.TrimPrefix(peer.srv.URL, "http://"), strings.TrimPrefix(other.URL, "http://")
	reader := browser(t)

	for _, tt := range []struct{ name, page, uri, account, want string }{
		{"MastodonHandle", strings.TrimPrefix(eventIRI, a.URL), eventIRI, "@fan@" + peerHost,
			peer.srv.URL + "/authorize_interaction?uri=" + url.QueryEscape(eventIRI)},
		{"MastodonServer", "/library", a.actorID(), peerHost,
			peer.srv.URL + "/authorize_interaction?uri=" + url.QueryEscape(a.actorID())},
		{"Template", strings.TrimPrefix(eventIRI, a.URL), eventIRI, "lezer@" + otherHost,
			other.URL + "/authorize-follow?acct=" + url.QueryEscape(eventIRI)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			page := a.do(reader, http.MethodGet, tt.page, nil)
			if !strings.Contains(page.Body, `action="/interact"`) || !strings.Contains(page.Body, `name="uri" value="`+tt.uri+`"`) {
				t.Fatalf("%s has no form to act from one's own server for %s", tt.page, tt.uri)
			}
			res := a.do(reader, http.MethodPost, "/interact", url.Values{"uri": {tt.uri}, "account": {tt.account}})
			if res.Status != http.StatusSeeOther || res.Location != tt.want {
				t.Errorf("status %d to %q, want 303 to %s: %.300s", res.Status, res.Location, tt.want, res.Body)
			}
		})
	}
	t.Run("ErrNoTemplate", func(t *testing.T) {
		res := a.do(reader, http.MethodPost, "/interact", url.Values{"uri": {eventIRI}, "account": {"niemand@" + otherHost}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, eventIRI) {
			t.Errorf("status %d, want 422 with the address to search for: %.300s", res.Status, res.Body)
		}
	})
	t.Run("OurTemplate", func(t *testing.T) {
		status, jrdBody, err := peer.do(t.Context(), http.MethodGet, a.URL+"/.well-known/webfinger?resource="+url.QueryEscape("acct:agenda@"+a.host),
			"application/jrd+json", nil, true)
		var jrd federation.JRD
		if err != nil || status != http.StatusOK || json.Unmarshal(jrdBody, &jrd) != nil {
			t.Fatalf("webfinger: %d %v", status, err)
		}
		for _, l := range jrd.Links {
			if l.Rel == "http://ostatus.org/schema/1.0/subscribe" {
				to := strings.ReplaceAll(l.Template, "{uri}", url.QueryEscape(eventIRI))
				res := a.do(reader, http.MethodGet, strings.TrimPrefix(to, a.URL), nil)
				if res.Status != http.StatusSeeOther || res.Location != strings.TrimPrefix(eventIRI, a.URL) {
					t.Errorf("our template for our own event: %d to %q", res.Status, res.Location)
				}
				return
			}
		}
		t.Errorf("A's WebFinger has no subscribe template: %s", jrdBody)
	})
}
