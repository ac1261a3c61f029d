package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vestiging/vestiging/federation"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

const backupBase = "http://bibliotheek-aalten.test"

// tableCounts is a CopySink counting rows per table and queued jobs, and
// of those the ones due now (not scheduled for later, like reminders).
type tableCounts struct {
	rows map[string]int
	last string
	jobs int
	due  int
}

func (c *tableCounts) Header(store.CopyHeader) error { return nil }
func (c *tableCounts) Table(name string, _ []string) error {
	c.last = name
	c.rows[name] = 0
	return nil
}
func (c *tableCounts) Row([]any) error { c.rows[c.last]++; return nil }
func (c *tableCounts) Job(j store.CopyJob) error {
	c.jobs++
	if !j.ScheduledAt.After(time.Now()) {
		c.due++
	}
	return nil
}

func countsOf(t *testing.T, dataOrURL string) *tableCounts {
	t.Helper()
	db := openStore(t, dataOrURL)
	c := &tableCounts{rows: map[string]int{}}
	if err := db.Export(context.Background(), "", c); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return c
}

func instanceKey(t *testing.T, dataOrURL string) string {
	t.Helper()
	var key string
	if err := openStore(t, dataOrURL).SQL().QueryRow("SELECT private_key_pem FROM instance_key").Scan(&key); err != nil {
		t.Fatal(err)
	}
	return key
}

// TestBackupCommand: a backup made while serve runs restores into an
// empty data directory with every row, the same instance key and the
// queued jobs; restores that do not fit are refused with one line and
// change nothing.
func TestBackupCommand(t *testing.T) {
	data := t.TempDir()
	wantOK(t, runCmd(t, "demo", "--data", data))
	wantOK(t, runCmd(t, "admin", "create-user", "--data", data, "--email", "lezer@aalten.test", "--password", "leesplezier", "--name", "Lezer"))
	srv := startServer(t, "--data", data, "--base-url", backupBase)
	// The demo's publish jobs worked first, so the backup and the data
	// after the server stops are the same.
	waitJobs(t, data)
	originalKey := actorKey(t, srv)
	file := filepath.Join(t.TempDir(), "aalten.backup.gz")
	r := runCmd(t, "backup", "--data", data, "--base-url", backupBase, file)
	wantOK(t, r)
	t.Log(r.stdout)
	if got, want := srv.stop(t), 0; got != want {
		t.Fatalf("serve exit %d, want %d", got, want)
	}
	want := countsOf(t, data)

	restored := t.TempDir()
	r = runEnv(t, []string{"VESTIGING_BASE_URL=" + backupBase}, "restore", "--data", restored, file)
	wantOK(t, r)
	t.Log(r.stdout)
	got := countsOf(t, restored)
	for table, n := range want.rows {
		if got.rows[table] != n {
			t.Errorf("%s: %d rows restored, want %d", table, got.rows[table], n)
		}
	}
	for _, table := range []string{"library", "branches", "events", "people", "instance_key"} {
		if want.rows[table] == 0 {
			t.Errorf("the original has no %s", table)
		}
	}
	if instanceKey(t, restored) != instanceKey(t, data) {
		t.Error("the restored instance has another key")
	}
	// The restored instance is the same actor with the same key.
	srv = startServer(t, "--data", restored, "--base-url", backupBase)
	if got, want := actorKey(t, srv), originalKey; got != want {
		t.Errorf("restored actor key %q, want %q", got, want)
	}
	srv.stop(t)

	t.Run("ErrNoDatabase", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "elders")
		wantError(t, runCmd(t, "backup", "--data", missing, filepath.Join(t.TempDir(), "b.gz")), 1, "no database at")
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Errorf("backup left %s behind (%v)", missing, err)
		}
	})

	t.Run("ErrNotEmpty", func(t *testing.T) {
		r := runEnv(t, []string{"VESTIGING_BASE_URL=" + backupBase}, "restore", "--data", restored, file)
		wantError(t, r, 1, "the target database is not empty")
	})
	for _, tt := range []struct {
		name string
		args []string
		file func(t *testing.T) string
		want string
	}{
		{"ErrOtherInstance", []string{"--base-url", "https://bibliotheek-elders.example"}, func(*testing.T) string { return file }, "use --force"},
		{"ErrTruncated", []string{"--base-url", backupBase}, func(t *testing.T) string {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cut := filepath.Join(t.TempDir(), "cut.gz")
			if err := os.WriteFile(cut, b[:len(b)/2], 0o600); err != nil {
				t.Fatal(err)
			}
			return cut
		}, "The backup file is damaged"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			empty := t.TempDir()
			args := append([]string{"restore", "--data", empty, tt.file(t)}, tt.args...)
			wantError(t, runCmd(t, args...), 1, tt.want)
			if v, err := openStore(t, empty).SchemaVersion(context.Background()); err != nil || v != 0 {
				t.Errorf("the refused restore left schema %d (%v)", v, err)
			}
		})
	}
}

// TestMigrateTo: migrate-to copies a SQLite instance, keys and queued
// jobs included, into an empty PostgreSQL database, refuses a non-empty
// one, and serve on PostgreSQL then works off the jobs.
func TestMigrateTo(t *testing.T) {
	pg := os.Getenv(storetest.EnvPostgres)
	if pg == "" {
		t.Skip(storetest.EnvPostgres + " is not set; skipping PostgreSQL")
	}
	data := t.TempDir()
	wantOK(t, runCmd(t, "demo", "--data", data))
	// The key serve would make at its first start; the demo's publish
	// jobs are still queued, as no server ran.
	db := openStore(t, data)
	key, err := federation.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.InstanceKey(context.Background(), func() (string, error) { return federation.EncodePrivateKeyPEM(key) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	want := countsOf(t, data)
	if want.jobs == 0 {
		t.Fatal("no queued jobs to copy")
	}

	target := storetest.CreatePostgresDatabase(t, pg)
	r := runCmd(t, "migrate-to", "--data", data, target)
	wantOK(t, r)
	t.Log(r.stdout)
	got := countsOf(t, target)
	for table, n := range want.rows {
		if got.rows[table] != n {
			t.Errorf("%s: %d rows copied, want %d", table, got.rows[table], n)
		}
	}
	if got.jobs != want.jobs {
		t.Errorf("queued jobs: got %d, want %d", got.jobs, want.jobs)
	}
	if instanceKey(t, target) != instanceKey(t, data) {
		t.Error("the PostgreSQL instance has another key")
	}
	wantError(t, runCmd(t, "migrate-to", "--data", data, target), 1, "the target database is not empty")

	srv := startServer(t, "--database", target)
	defer srv.stop(t)
	waitJobs(t, target)
}

// waitJobs waits until no queued job is due: jobs scheduled for later
// (reminders, the daily sweep) wait their turn.
func waitJobs(t *testing.T, dataOrURL string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if c := countsOf(t, dataOrURL); c.due == 0 {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("%d jobs still due after a minute", c.due)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// actorKey returns the public key of the library's actor as srv serves it.
func actorKey(t *testing.T, srv *server) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.url+"/actor", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/activity+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var actor struct {
		PublicKey struct{ PublicKeyPem string } `json:"publicKey"`
	}
	if err := json.NewDecoder(res.Body).Decode(&actor); err != nil || actor.PublicKey.PublicKeyPem == "" {
		t.Fatalf("actor: status %d, %v", res.StatusCode, err)
	}
	return actor.PublicKey.PublicKeyPem
}
