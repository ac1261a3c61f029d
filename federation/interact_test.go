package federation

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store/storetest"
)

// webFingerServer is a server on loopback whose WebFinger knows the
// accounts in users (and itself, as Mastodon's instance account) with the
// subscribe template (path, with {uri}; "" for none), and answers only
// signed requests, as GoToSocial does.
func webFingerServer(t *testing.T, template string, users ...string) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/webfinger" || r.Header.Get("Signature") == "" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		host := strings.TrimPrefix(srv.URL, "http://")
		resource := r.URL.Query().Get("resource")
		known := resource == "acct:"+host+"@"+host
		for _, u := range users {
			known = known || resource == "acct:"+u+"@"+host
		}
		if !known {
			http.NotFound(w, r)
			return
		}
		jrd := JRD{Subject: resource, Links: []JRDLink{{Rel: "self", Type: ContentTypeActivity, Href: srv.URL + "/users/x"}}}
		if template != "" {
			jrd.Links = append(jrd.Links, JRDLink{Rel: relSubscribe, Template: srv.URL + template})
		}
		w.Header().Set("Content-Type", "application/jrd+json")
		_ = json.NewEncoder(w).Encode(jrd)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestInteractionURL(t *testing.T) {
	in := startInstance(t, storetest.SQLite(t), nil)
	event := "http://" + in.base.Host + "/events/7"
	mastodon := webFingerServer(t, "/authorize_interaction?uri={uri}", "fan")
	misskey := webFingerServer(t, "/authorize-follow?acct={uri}", "lezer")
	plain := webFingerServer(t, "", "stil")
	host := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }

	t.Run("OK", func(t *testing.T) {
		for _, tt := range []struct{ name, account, want string }{
			{"MastodonHandle", "@fan@" + host(mastodon), mastodon.URL + "/authorize_interaction?uri=" + url.QueryEscape(event)},
			{"MastodonServer", host(mastodon), mastodon.URL + "/authorize_interaction?uri=" + url.QueryEscape(event)},
			{"MastodonAddress", mastodon.URL + "/", mastodon.URL + "/authorize_interaction?uri=" + url.QueryEscape(event)},
			{"TemplateHandle", " lezer@" + host(misskey) + " ", misskey.URL + "/authorize-follow?acct=" + url.QueryEscape(event)},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, err := in.fed.InteractionURL(t.Context(), tt.account, event)
				if err != nil || got != tt.want {
					t.Errorf("got %q, %v; want %q", got, err, tt.want)
				}
			})
		}
	})
	t.Run("Err", func(t *testing.T) {
		for _, tt := range []struct{ name, account, code string }{
			{"NoTemplate", "stil@" + host(plain), vestiging.ENOTFOUND},
			{"UnknownAccount", "niemand@" + host(mastodon), vestiging.ENOTFOUND},
			{"NotAServer", "mijn server", vestiging.EINVALID},
			{"Empty", "", vestiging.EINVALID},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, err := in.fed.InteractionURL(t.Context(), tt.account, event)
				if vestiging.ErrorCode(err) != tt.code {
					t.Errorf("got %q, %v; want %s", got, err, tt.code)
				}
			})
		}
	})
	t.Run("OurOwnTemplate", func(t *testing.T) {
		var jrd JRD
		_, body := in.get(t, "/.well-known/webfinger?resource="+url.QueryEscape(in.fed.Acct()), "application/jrd+json", nil)
		if err := json.Unmarshal(body, &jrd); err != nil {
			t.Fatal(err)
		}
		want := in.base.String() + "/authorize_interaction?uri={uri}"
		for _, l := range jrd.Links {
			if l.Rel == relSubscribe && l.Template == want {
				return
			}
		}
		t.Errorf("our WebFinger %s lacks the subscribe template %s", body, want)
	})
}
