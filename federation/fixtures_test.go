package federation

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtureDir holds byte-for-byte copies of /work/shared/fixtures (real server output).
const fixtureDir = "testdata/fixtures"

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtureFiles returns every JSON fixture, relative to fixtureDir.
func fixtureFiles(t testing.TB) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(fixtureDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".json") {
			rel, err := filepath.Rel(fixtureDir, path)
			names = append(names, rel)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 30 {
		t.Fatalf("found %d fixtures, want the full set", len(names))
	}
	return names
}

// actorFixtures are the fixtures that are actors with a public key.
var actorFixtures = []string{
	"gancio/actor.json",
	"gotosocial/actor.json",
	"gotosocial/main-key.json",
	"mastodon/actor.json",
	"misskey/actor.json",
	"mobilizon/group-actor.json",
	"mobilizon/person-actor.json",
	"pleroma/actor.json",
}

// delivery is gotosocial/delivery-create-note.json: one signed inbox POST as received.
type delivery struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
	BodyRaw string            `json:"body_raw"`
}

func readDelivery(t testing.TB) delivery {
	t.Helper()
	var d delivery
	if err := json.Unmarshal(readFixture(t, "gotosocial/delivery-create-note.json"), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// fixtureBody returns the AS2 document of a fixture: the body for the
// recorded delivery, the file itself otherwise.
func fixtureBody(t testing.TB, name string) []byte {
	t.Helper()
	if name == filepath.Join("gotosocial", "delivery-create-note.json") {
		return []byte(readDelivery(t).BodyRaw)
	}
	return readFixture(t, name)
}
