package federation

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vestiging/vestiging/store/storetest"
)

func TestWebFinger(t *testing.T) {
	in := startInstance(t, storetest.SQLite(t), nil)
	acct := "acct:agenda@" + in.base.Host
	tests := []struct {
		name, resource string
		status         int
	}{
		{"Acct", acct, http.StatusOK},
		{"AcctUpperCase", strings.ToUpper(acct[:5]) + "AGENDA@" + in.base.Host, http.StatusOK},
		{"ActorURL", ActorID(in.base), http.StatusOK},
		{"ErrNotFound", "acct:someone@" + in.base.Host, http.StatusNotFound},
		{"ErrNotFoundOtherHost", "acct:agenda@elders.example", http.StatusNotFound},
		{"ErrMissing", "", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := in.get(t, "/.well-known/webfinger?resource="+url.QueryEscape(tt.resource), "", nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("CORS header %q", got)
			}
			if tt.status != http.StatusOK {
				return
			}
			if got, want := resp.Header.Get("Content-Type"), "application/jrd+json; charset=utf-8"; got != want {
				t.Errorf("Content-Type %q, want %q", got, want)
			}
			var jrd JRD
			if err := json.Unmarshal(body, &jrd); err != nil {
				t.Fatal(err)
			}
			if jrd.Subject != acct {
				t.Errorf("subject %q, want %q", jrd.Subject, acct)
			}
			links := map[string]JRDLink{}
			for _, l := range jrd.Links {
				links[l.Rel] = l
			}
			if got, want := links["self"], (JRDLink{Rel: "self", Type: ContentTypeActivity, Href: ActorID(in.base)}); got != want {
				t.Errorf("self %+v, want %+v", got, want)
			}
			if got, want := links[relProfilePage].Href, in.srv.URL+"/library"; got != want {
				t.Errorf("profile page %q, want %q", got, want)
			}
		})
	}
}

func TestHostMeta(t *testing.T) {
	in := startInstance(t, storetest.SQLite(t), nil)
	resp, body := in.get(t, "/.well-known/host-meta", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	want := `template="` + in.srv.URL + `/.well-known/webfinger?resource={uri}"`
	if !strings.Contains(string(body), want) || !strings.Contains(string(body), `rel="lrdd"`) {
		t.Errorf("host-meta %s lacks %s", body, want)
	}
	if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "application/xrd+xml") {
		t.Errorf("Content-Type %q", got)
	}
}
