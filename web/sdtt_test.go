package web

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
)

// sdttModules finds the node_modules folder holding
// structured-data-testing-tool: $SDTT_MODULES, else where .ci/run installs
// it. CI sets it, so the check always runs there.
func sdttModules(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SDTT_MODULES")
	if dir == "" {
		dir = filepath.Join("..", ".ci", "node", "node_modules")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "structured-data-testing-tool")); err != nil {
		if os.Getenv("SDTT_MODULES") == "" {
			t.Skip("no structured-data-testing-tool (set SDTT_MODULES, or run .ci/run which installs it)")
		}
		t.Fatalf("structured-data-testing-tool in %s: %v", dir, err)
	}
	return dir
}

// TestStructuredData: structured-data-testing-tool passes an event (with
// an image and a member price), a cancelled online one and a course:
// Google's event rich result, Twitter's card and Open Graph.
func TestStructuredData(t *testing.T) {
	modules := sdttModules(t)
	e := newEnv(t)
	b := e.branch("Bibliotheek Centrum")
	lat, lon := 51.887, 5.429
	b.Street, b.PostalCode, b.City, b.Latitude, b.Longitude = "Markt 12", "4001 BT", "Tiel", &lat, &lon
	if err := e.db.UpdateBranch(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	member := int64(500)
	ev := e.event("Voorleesuurtje", vestiging.StatusPublished, b, testNow.Add(48*time.Hour), func(ev *vestiging.Event) {
		ev.ImageURL, ev.ImageAlt = "https://beeld.example.nl/voorlezen.jpg", "Kinderen luisteren naar een verhaal"
		ev.RegistrationMode, ev.Capacity = vestiging.RegistrationOpen, 12
		ev.Price = &vestiging.Price{Cents: 750, MemberCents: &member}
	})
	online := e.event("Digitaal spreekuur", vestiging.StatusCancelled, b, testNow.Add(72*time.Hour), func(ev *vestiging.Event) {
		ev.BranchID, ev.OnlineURL = nil, "https://meet.example.nl/spreekuur"
	})
	course := &vestiging.Event{Kind: vestiging.KindCourse, Title: "Computercursus", Status: vestiging.StatusPublished,
		Description: "<p>Vier lessen.</p>", Sessions: []*vestiging.Session{
			{StartsAt: testNow.Add(24 * time.Hour), EndsAt: testNow.Add(25 * time.Hour), BranchID: &b.ID},
			{StartsAt: testNow.Add(8 * 24 * time.Hour), EndsAt: testNow.Add(8*24*time.Hour + time.Hour), BranchID: &b.ID},
		}}
	if err := e.db.CreateEvent(t.Context(), course); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fmt.Sprintf("/events/%d", ev.ID), fmt.Sprintf("/events/%d", online.ID), fmt.Sprintf("/courses/%d", course.ID)} {
		t.Run(path, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), "node", filepath.Join("testdata", "sdtt-event.js"), e.srv.URL+path)
			cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("structured-data-testing-tool: %v\n%s", err, out)
			}
		})
	}
}
