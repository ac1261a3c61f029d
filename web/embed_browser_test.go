package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vestiging/vestiging"
)

// TestBrowserEmbed: a library's own website (another origin) frames the
// embeddable agenda, which loads; the same site framing the agenda page is
// refused by the browser. The colour reaches the page under the strict CSP.
func TestBrowserEmbed(t *testing.T) {
	tab := newBrowser(t)
	e := newEnv(t)
	b := e.branch("Bibliotheek Tiel")
	e.event("Voorleesuur", vestiging.StatusPublished, b, testNow.Add(24*time.Hour))
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="nl"><title>Bibliotheek</title>
<iframe name="embed" title="Agenda" src="%[1]s/embed/agenda?color=%%23aa0000"></iframe>
<iframe name="agenda" title="Agenda" src="%[1]s/agenda"></iframe></html>`, e.srv.URL)
	}))
	t.Cleanup(site.Close)
	ctx := tab()
	if err := chromedp.Do(ctx, chromedp.Navigate(site.URL)); err != nil {
		t.Fatal(err)
	}
	// The frames load after the page; wait until both have an answer.
	frames := map[string]*cdp.Frame{}
	for start := time.Now(); time.Since(start) < 20*time.Second; time.Sleep(100 * time.Millisecond) {
		tree, err := chromedp.Call(ctx, cdppage.GetFrameTree, cdp.Empty{})
		if err != nil {
			t.Fatal(err)
		}
		for _, child := range tree.FrameTree.ChildFrames {
			frames[child.Frame.Name] = child.Frame
		}
		if f := frames["agenda"]; f != nil && f.URL != "about:blank" && frames["embed"] != nil && frames["embed"].URL != "about:blank" {
			break
		}
	}
	if f := frames["embed"]; f == nil || f.UnreachableURL != "" || f.URL != e.srv.URL+"/embed/agenda?color=%23aa0000" {
		t.Errorf("embed frame did not load: %+v", f)
	}
	if f := frames["agenda"]; f == nil || (f.UnreachableURL == "" && f.URL == e.srv.URL+"/agenda") {
		t.Errorf("agenda frame was not refused: %+v", f)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/embed/agenda?color=%23aa0000")); err != nil {
		t.Fatal(err)
	}
	color, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".embed-list a")).color`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := color, "rgb(170, 0, 0)"; got != want {
		t.Errorf("link colour: got %q, want %q", got, want)
	}
}
