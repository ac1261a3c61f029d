package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// binary is the vestiging command built once for all tests, which run it
// as a subprocess the way people do.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vestiging-cmd")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "vestiging")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// command prepares the binary with a clean VESTIGING_* environment plus env.
func command(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, binary, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VESTIGING_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

type result struct {
	stdout, stderr string
	code           int
}

func runEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := command(ctx, env, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

func runCmd(t *testing.T, args ...string) result {
	t.Helper()
	return runEnv(t, nil, args...)
}

// httpGet fetches u and returns the status and body.
func httpGet(t *testing.T, u string) (int, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// wantOK fails unless the command succeeded.
func wantOK(t *testing.T, r result) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q, stdout %q", r.code, r.stderr, r.stdout)
	}
}

// wantError checks the error contract: exit code, exactly one line on
// stderr starting "vestiging: " and containing want.
func wantError(t *testing.T, r result, code int, want string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit: got %d, want %d", r.code, code)
	}
	if got := strings.Count(r.stderr, "\n"); got != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Errorf("stderr: got %d lines %q, want one line", got, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "vestiging: ") || !strings.Contains(r.stderr, want) {
		t.Errorf("stderr: got %q, want \"vestiging: …%s…\"", r.stderr, want)
	}
}

// openStore opens the database of a data directory, or a PostgreSQL URL.
func openStore(t *testing.T, dataOrURL string) *store.DB {
	t.Helper()
	url := dataOrURL
	if !strings.HasPrefix(url, "postgres://") {
		url = filepath.Join(dataOrURL, "vestiging.db")
	}
	db, err := store.Open(context.Background(), url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func countEvents(t *testing.T, dataOrURL string, statuses ...string) int {
	t.Helper()
	_, n, err := openStore(t, dataOrURL).FindEvents(context.Background(), vestiging.EventFilter{Statuses: statuses, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var allStatuses = []string{vestiging.StatusDraft, vestiging.StatusPublished, vestiging.StatusCancelled}

func TestUsage(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"BadFlag", nil, []string{"serve", "--nope"}, "flag provided but not defined: -nope"},
		{"UnknownCommand", nil, []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"UnknownAdmin", nil, []string{"admin", "drop-all"}, "unknown admin command"},
		{"UnknownImport", nil, []string{"import", "csv", "x.csv"}, "unknown import format"},
		{"ImportNoFile", nil, []string{"import", "ics"}, "give exactly one FILE"},
		{"ExtraArgument", nil, []string{"migrate", "now"}, `unexpected argument "now"`},
		{"BadBaseURL", nil, []string{"serve", "--base-url", "ftp://example.org"}, "must be an absolute http"},
		{"BadEnv", []string{"VESTIGING_DEMO=perhaps"}, []string{"serve"}, "VESTIGING_DEMO"},
		{"CreateUserNoEmail", nil, []string{"admin", "create-user", "--password", "geheim123"}, "--email and --password are required"},
		{"LoopbackWithHTTPS", nil, []string{"serve", "--allow-loopback", "--base-url", "https://bieb.example"}, "--allow-loopback is for local trials over http and cannot be used with the https --base-url"},
		{"LoopbackWithHTTPSEnv", []string{"VESTIGING_ALLOW_LOOPBACK=true", "VESTIGING_BASE_URL=https://bieb.example"}, []string{"serve"}, "cannot be used with the https --base-url"},
		{"NoWorkers", nil, []string{"serve", "--workers", "0"}, "--workers must be at least 1"},
		{"NoDeliveryWorkers", nil, []string{"serve", "--delivery-workers", "0"}, "--delivery-workers must be at least 1"},
		{"NoInboxWorkers", nil, []string{"serve", "--inbox-workers", "0"}, "--inbox-workers must be at least 1"},
		{"BadSMTPTLS", nil, []string{"serve", "--smtp-host", "127.0.0.1", "--smtp-tls", "ssl"}, `TLS mode "ssl": use none, starttls or tls`},
		{"BadMailFrom", []string{"VESTIGING_SMTP_HOST=127.0.0.1", "VESTIGING_MAIL_FROM=bibliotheek"}, []string{"serve"}, `sender "bibliotheek" is not an email address`},
		{"FollowNothing", nil, []string{"admin", "follow"}, "give exactly one HANDLE_OR_URL"},
		{"FollowLoopbackHTTPS", nil, []string{"admin", "follow", "@agenda@127.0.0.1:1", "--allow-loopback", "--base-url", "https://bieb.example"}, "cannot be used with the https --base-url"},
		{"BlockTwo", nil, []string{"admin", "block", "a.example", "b.example"}, "give exactly one DOMAIN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runEnv(t, tt.env, tt.args...)
			wantError(t, r, 2, tt.want)
			if r.stdout != "" {
				t.Errorf("stdout: got %q, want nothing", r.stdout)
			}
		})
	}

	t.Run("Help", func(t *testing.T) {
		for _, args := range [][]string{{"help"}, {}} {
			r := runCmd(t, args...)
			wantOK(t, r)
			if !strings.Contains(r.stdout, "Usage: vestiging <command>") {
				t.Errorf("%v: got %q", args, r.stdout)
			}
		}
	})

	t.Run("CommandHelp", func(t *testing.T) {
		r := runCmd(t, "serve", "-h")
		wantOK(t, r)
		if !strings.Contains(r.stdout, "-base-url") {
			t.Errorf("got %q", r.stdout)
		}
	})

	t.Run("Version", func(t *testing.T) {
		r := runCmd(t, "version")
		wantOK(t, r)
		if got, want := r.stdout, "vestiging "+vestiging.Version+"\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestUnreachablePostgres(t *testing.T) {
	start := time.Now()
	r := runCmd(t, "migrate", "--database", "postgres://x@127.0.0.1:1/x")
	wantError(t, r, 1, "cannot reach PostgreSQL at 127.0.0.1:1")
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v, want a few seconds at most", d)
	}
}

// server is a running "vestiging serve".
type server struct {
	cmd    *exec.Cmd
	url    string
	stdout []string // lines up to the running line
	done   chan error
}

var runningRE = regexp.MustCompile(`listening on (https?://[^)]+)\)`)

// startServer runs serve on a free port and waits until it listens.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	cmd := command(context.Background(), nil, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, done: make(chan error, 1)}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		s.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	})
	timeout := time.After(time.Minute)
	for s.url == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited before listening; stderr %q", stderr.String())
			}
			s.stdout = append(s.stdout, line)
			if m := runningRE.FindStringSubmatch(line); m != nil {
				s.url = m[1]
			}
		case <-timeout:
			t.Fatal("serve did not start within a minute")
		}
	}
	go func() {
		for range lines { // keep the pipe drained
		}
	}()
	return s
}

// stop sends SIGTERM and returns the exit code.
func (s *server) stop(t *testing.T) int {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop within 40s of SIGTERM")
	}
	return s.cmd.ProcessState.ExitCode()
}

func TestServe(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, "--data", data, "--demo")

	t.Run("Healthz", func(t *testing.T) {
		resp, err := http.Get(s.url + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got, want := resp.StatusCode, http.StatusOK; got != want {
			t.Errorf("got %d, want %d", got, want)
		}
	})

	t.Run("DemoLogin", func(t *testing.T) {
		out := strings.Join(s.stdout, "\n")
		// The base URL is not the port it listens on: the neighbours could
		// not reach it, and do not start.
		for _, want := range []string{"Filled the empty database", "Admin login: " + demoStaffEmail + " / " + demoPassword,
			"The demo's neighbouring libraries start only when --base-url is http://localhost:PORT with --listen's port."} {
			if !strings.Contains(out, want) {
				t.Errorf("stdout %q lacks %q", out, want)
			}
		}
	})

	t.Run("SecondServeSameData", func(t *testing.T) {
		r := runCmd(t, "serve", "--listen", "127.0.0.1:0", "--data", data)
		wantError(t, r, 1, "in use by another vestiging process")
	})

	t.Run("PortInUse", func(t *testing.T) {
		addr := strings.TrimPrefix(s.url, "http://")
		r := runCmd(t, "serve", "--listen", addr, "--data", t.TempDir())
		wantError(t, r, 1, "cannot listen on "+addr+": the address is already in use")
	})

	if got, want := s.stop(t), 0; got != want {
		t.Fatalf("exit after SIGTERM: got %d, want %d", got, want)
	}
	n := countEvents(t, data, allStatuses...)

	t.Run("DemoOnlyOnce", func(t *testing.T) {
		s := startServer(t, "--data", data, "--demo")
		defer s.stop(t)
		out := strings.Join(s.stdout, "\n")
		if strings.Contains(out, "Filled") {
			t.Errorf("filled again: %q", out)
		}
		if !strings.Contains(out, "Admin login:") {
			t.Errorf("stdout %q lacks the admin login", out)
		}
		if got := countEvents(t, data, allStatuses...); got != n {
			t.Errorf("events: got %d, want %d as before", got, n)
		}
	})
}

func TestServeFinishesRequestsInFlight(t *testing.T) {
	s := startServer(t, "--data", t.TempDir())
	// A sign-in whose body is still to come is a request in flight. With
	// "Expect: 100-continue" the server says when the handler starts reading
	// the form; SIGTERM comes after that, and the request must still be answered.
	host := strings.TrimPrefix(s.url, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "email=a%40b.example&password=wrongwrong"
	head := fmt.Sprintf("POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", host, len(body))
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(conn)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("got %q, %v; want 100 Continue", line, err)
	}
	if _, err := r.ReadString('\n'); err != nil { // the blank line after 100 Continue
		t.Fatal(err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Shutdown has begun once the listener is closed: a new connection is
	// refused. Only then does the rest of the request go out.
	eventually(t, 30*time.Second, func() error {
		c, err := net.Dial("tcp", host)
		if err != nil {
			return nil
		}
		c.Close()
		return errors.New("the server still accepts connections")
	})
	if _, err := conn.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	status, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("no answer to the request in flight: %v", err)
	}
	if !strings.HasPrefix(status, "HTTP/1.1 ") || strings.HasPrefix(status, "HTTP/1.1 100") {
		t.Errorf("got %q, want a final HTTP status line", status)
	}
	select {
	case <-s.done:
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop")
	}
	if got, want := s.cmd.ProcessState.ExitCode(), 0; got != want {
		t.Errorf("exit: got %d, want %d", got, want)
	}
}

func TestCreateUser(t *testing.T) {
	data := t.TempDir()
	t.Run("OK", func(t *testing.T) {
		// The password comes from the environment; --role beats VESTIGING_ROLE.
		r := runEnv(t, []string{"VESTIGING_PASSWORD=correct horse", "VESTIGING_ROLE=admin"},
			"admin", "create-user", "--data", data, "--email", "Balie@Bieb.example", "--role", "staff", "--name", "Balie")
		wantOK(t, r)
		p, err := openStore(t, data).PersonByEmail(context.Background(), "balie@bieb.example")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := p.Role, vestiging.RoleStaff; got != want {
			t.Errorf("role: got %q, want %q", got, want)
		}
		if ok, err := vestiging.CheckPassword(t.Context(), p.PasswordHash, "correct horse"); !ok || err != nil {
			t.Errorf("password does not match: %v", err)
		}
	})
	t.Run("Partner", func(t *testing.T) {
		r := runCmd(t, "admin", "create-user", "--data", data, "--email", "taal@school.example", "--password", "correct horse",
			"--role", "partner", "--name", "Taalschool Noord")
		wantOK(t, r)
		p, err := openStore(t, data).PersonByEmail(context.Background(), "taal@school.example")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := p.Role, vestiging.RolePartner; got != want || !p.IsPartner() || p.DisplayName != "Taalschool Noord" {
			t.Errorf("partner: role %q (want %q), name %q", got, want, p.DisplayName)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		r := runCmd(t, "admin", "create-user", "--data", data, "--email", "balie@bieb.example", "--password", "anders123", "--role", "resident")
		wantError(t, r, 1, "a person with email balie@bieb.example already exists")
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		r := runCmd(t, "admin", "create-user", "--data", data, "--email", "x@bieb.example", "--password", "anders123", "--role", "god")
		wantError(t, r, 1, "role: Role must be resident, partner, staff or admin.")
	})
	t.Run("ErrShortPassword", func(t *testing.T) {
		r := runCmd(t, "admin", "create-user", "--data", data, "--email", "y@bieb.example", "--password", "kort")
		wantError(t, r, 1, "password: Use at least 8 characters.")
	})
}

func TestDemo(t *testing.T) {
	data := t.TempDir()
	r := runCmd(t, "demo", "--data", data)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "Admin login: "+demoStaffEmail) {
		t.Errorf("stdout: got %q", r.stdout)
	}
	ctx := context.Background()
	db := openStore(t, data)

	_, published, err := db.FindEvents(ctx, vestiging.EventFilter{Statuses: []string{vestiging.StatusPublished}, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if published < 30 {
		t.Errorf("published events: got %d, want at least 30", published)
	}
	for _, tc := range []struct {
		name string
		f    vestiging.EventFilter
		min  int
	}{
		{"Cancelled", vestiging.EventFilter{Statuses: []string{vestiging.StatusCancelled}}, 1},
		{"Drafts", vestiging.EventFilter{Statuses: []string{vestiging.StatusDraft}}, 2},
		{"Courses", vestiging.EventFilter{Kind: vestiging.KindCourse}, 2},
		{"Online", vestiging.EventFilter{OnlineOnly: true}, 2},
		{"Children", vestiging.EventFilter{Audience: vestiging.AudienceChildren}, 1},
		{"Youth", vestiging.EventFilter{Audience: vestiging.AudienceYouth}, 1},
		{"Seniors", vestiging.EventFilter{Audience: vestiging.AudienceSeniors}, 1},
		{"Adults", vestiging.EventFilter{Audience: vestiging.AudienceAdults}, 1},
		{"All", vestiging.EventFilter{Audience: vestiging.AudienceAll}, 1},
		{"Digital", vestiging.EventFilter{Theme: "digitale-vaardigheden"}, 1},
		{"Reading", vestiging.EventFilter{Theme: "leesplezier"}, 1},
		{"Learning", vestiging.EventFilter{Theme: "leven-lang-leren"}, 1},
		{"Upcoming", vestiging.EventFilter{From: time.Now(), To: time.Now().AddDate(0, 0, 21)}, 15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, n, err := db.FindEvents(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if n < tc.min {
				t.Errorf("got %d, want at least %d", n, tc.min)
			}
		})
	}

	t.Run("Series", func(t *testing.T) {
		events, _, err := db.FindEvents(ctx, vestiging.EventFilter{Limit: vestiging.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		var taalcafe int
		for _, e := range events {
			if e.SeriesID != nil && e.Title == "Taalcafé" {
				taalcafe++
			}
		}
		// Eight weeks from today but the fourth and public holidays.
		f := demoFill{loc: amsterdam(t)}
		now := time.Now().In(f.loc)
		f.today = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, f.loc)
		want := 0
		for w := 0; w < 8; w++ {
			if w != 3 && !f.closed(w, 2) {
				want++
			}
		}
		if got := taalcafe; got != want {
			t.Errorf("taalcafé occurrences: got %d, want %d", got, want)
		}
	})

	t.Run("Offers", func(t *testing.T) {
		_, approved, err := db.FindOffers(ctx, vestiging.OfferFilter{Status: vestiging.OfferApproved})
		if err != nil {
			t.Fatal(err)
		}
		_, pending, err := db.FindOffers(ctx, vestiging.OfferFilter{Status: vestiging.OfferPending})
		if err != nil {
			t.Fatal(err)
		}
		if approved < 3 || pending < 1 {
			t.Errorf("got %d approved and %d pending offers", approved, pending)
		}
	})

	t.Run("AdminLogin", func(t *testing.T) {
		p, err := db.PersonByEmail(ctx, demoStaffEmail)
		if err != nil {
			t.Fatal(err)
		}
		ok, err := vestiging.CheckPassword(t.Context(), p.PasswordHash, demoPassword)
		if !p.IsAdmin() || !ok || err != nil {
			t.Errorf("got role %q, password ok %v, %v", p.Role, ok, err)
		}
	})

	t.Run("ErrNotEmpty", func(t *testing.T) {
		r := runCmd(t, "demo", "--data", data)
		wantError(t, r, 1, "the database already holds a library")
	})
}

func TestImportICS(t *testing.T) {
	data := t.TempDir()
	wantOK(t, runCmd(t, "demo", "--data", data)) // the branches the file names
	agenda := filepath.Join("..", "..", "ical", "testdata", "agenda.ics")

	t.Run("OK", func(t *testing.T) {
		r := runCmd(t, "import", "ics", agenda, "--data", data)
		wantOK(t, r)
		if got, want := r.stdout, "created 6, updated 0\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("Again", func(t *testing.T) {
		r := runCmd(t, "import", "ics", "--data", data, agenda)
		wantOK(t, r)
		if got, want := r.stdout, "created 0, updated 0\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		before := countEvents(t, data, allStatuses...)
		r := runCmd(t, "import", "ics", filepath.Join("..", "..", "ical", "testdata", "malformed.ics"), "--data", data)
		wantError(t, r, 1, "malformed.ics: line 12: DTSTART")
		if got := countEvents(t, data, allStatuses...); got != before {
			t.Errorf("events: got %d, want %d as before", got, before)
		}
	})
	t.Run("ErrNoBranch", func(t *testing.T) {
		r := runCmd(t, "import", "ics", agenda, "--data", data, "--branch", "999")
		wantError(t, r, 1, "--branch 999")
	})
	t.Run("DashFileAfterDoubleDash", func(t *testing.T) {
		r := runCmd(t, "import", "ics", "--data", data, "--", "-x.ics")
		wantError(t, r, 1, "open -x.ics: no such file or directory")
	})
	t.Run("ErrNoFile", func(t *testing.T) {
		r := runCmd(t, "import", "ics", "nope.ics", "--data", data)
		wantError(t, r, 1, "open nope.ics: no such file or directory")
	})
}

func TestMessage(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"Plain", errors.New("disk\nfull"), "disk full"},
		{"Domain", vestiging.Errorf(vestiging.ECONFLICT, "taken"), "taken"},
		{"Wrapped", fmt.Errorf("file.ics: %w", vestiging.Errorf(vestiging.EINVALID, "line 3: bad")), "file.ics: line 3: bad"},
		{"Fields", &vestiging.Error{Code: vestiging.EINVALID, Message: "Fix it.", Fields: map[string]string{"b": "B.", "a": "A."}}, "a: A.; b: B."},
		{"CodeOnly", fmt.Errorf("x: %w", &vestiging.Error{Code: vestiging.EFORBIDDEN}), "x: forbidden"},
		{"Cause", &vestiging.Error{Code: vestiging.EUNAVAILABLE, Message: "cannot reach", Err: errors.New("refused")}, "cannot reach: refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := message(tt.err); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPostgres runs the commands on a PostgreSQL database of its own, when
// VESTIGING_TEST_POSTGRES names a server (CI sets it).
func TestPostgres(t *testing.T) {
	pg := os.Getenv(storetest.EnvPostgres)
	if pg == "" {
		t.Skip(storetest.EnvPostgres + " is not set; skipping PostgreSQL")
	}
	db := storetest.CreatePostgresDatabase(t, pg)
	agenda := filepath.Join("..", "..", "ical", "testdata", "agenda.ics")

	wantOK(t, runCmd(t, "migrate", "--database", db))
	wantOK(t, runCmd(t, "demo", "--database", db))
	if got := countEvents(t, db, vestiging.StatusPublished); got < 30 {
		t.Errorf("published events: got %d, want at least 30", got)
	}
	for i, want := range []string{"created 6, updated 0\n", "created 0, updated 0\n"} {
		r := runCmd(t, "import", "ics", agenda, "--database", db)
		wantOK(t, r)
		if r.stdout != want {
			t.Errorf("import %d: got %q, want %q", i+1, r.stdout, want)
		}
	}
	r := runCmd(t, "admin", "create-user", "--database", db, "--email", demoStaffEmail, "--password", "anders123")
	wantError(t, r, 1, "a person with email "+demoStaffEmail+" already exists")

	// PostgreSQL is shared by design: two servers on one database both run.
	a := startServer(t, "--database", db)
	b := startServer(t, "--database", db)
	for _, s := range []*server{a, b} {
		resp, err := http.Get(s.url + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got, want := resp.StatusCode, http.StatusOK; got != want {
			t.Errorf("%s: got %d, want %d", s.url, got, want)
		}
	}
	for _, s := range []*server{a, b} {
		if got, want := s.stop(t), 0; got != want {
			t.Errorf("exit: got %d, want %d", got, want)
		}
	}
}
