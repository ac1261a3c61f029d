package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

// TestTwoProcesses: two "vestiging serve" processes on one PostgreSQL
// database, with the test as the load balancer sending requests to either.
// Signed in on one, staff are signed in on the other; both show the same
// actor key; an event published through one reaches each of 50 followers
// exactly once, the deliveries worked by both processes.
func TestTwoProcesses(t *testing.T) {
	pg := os.Getenv(storetest.EnvPostgres)
	if pg == "" {
		t.Skip(storetest.EnvPostgres + " is not set; skipping PostgreSQL")
	}
	const followers = 50
	ctx := context.Background()
	database := storetest.CreatePostgresDatabase(t, pg)
	base := &url.URL{Scheme: "http", Host: "bibliotheek-aalten.test"} // the balancer's address

	key, err := federation.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	f := &fanout{keyID: federation.KeyID(base), key: &key.PublicKey}
	rvs := make([]*fanoutReceiver, followers)
	for i := range rvs {
		rvs[i] = f.receiver(t, true)
	}
	db, err := openDB(ctx, "", database, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.InstanceKey(ctx, func() (string, error) { return federation.EncodePrivateKeyPEM(key) }); err != nil {
		t.Fatal(err)
	}
	storetest.SeedFollowers(t, db, followers, followers, func(i int) string { return rvs[i].inbox() })
	staff := &vestiging.Person{Email: "medewerker@aalten.test", Role: vestiging.RoleStaff}
	if err := staff.SetPassword(t.Context(), "leesplezier"); err != nil {
		t.Fatal(err)
	}
	if err := db.CreatePerson(ctx, staff); err != nil {
		t.Fatal(err)
	}
	branch := &vestiging.Branch{Name: "Bibliotheek Aalten", City: "Aalten"}
	if err := db.CreateBranch(ctx, branch); err != nil {
		t.Fatal(err)
	}
	db.Close()

	args := []string{"--database", database, "--base-url", base.String(), "--allow-loopback", "--workers", "4", "--delivery-workers", "4"}
	procs := []*server{startServer(t, args...), startServer(t, args...)}
	defer func() {
		for _, p := range procs {
			if got, want := p.stop(t), 0; got != want {
				t.Errorf("exit %d, want %d", got, want)
			}
		}
	}()

	// Keys: the same actor key from both.
	keys := [2]string{actorKey(t, procs[0]), actorKey(t, procs[1])}
	if keys[0] != keys[1] {
		t.Error("the two processes show different actor keys")
	}

	// Sessions: signed in through the first, the staff pages of the
	// second open. (A cookie is for the host, whatever the port, as it is
	// for the one address of a balancer.)
	c := browser(t)
	send := func(p *server, method, path string, form url.Values) (int, string, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, p.url+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Location"), string(b)
	}
	if status, _, _ := send(procs[1], http.MethodGet, "/staff/events/new", nil); status == http.StatusOK {
		t.Fatal("the staff page opens before signing in")
	}
	if status, _, body := send(procs[0], http.MethodPost, "/login", url.Values{"email": {staff.Email}, "password": {"leesplezier"}}); status != http.StatusSeeOther {
		t.Fatalf("sign in: status %d: %.500s", status, body)
	}
	if status, loc, _ := send(procs[1], http.MethodGet, "/staff/events/new", nil); status != http.StatusOK {
		t.Fatalf("signed in on the first process, the second answers %d (to %q)", status, loc)
	}

	// Rate limits: one budget for both. The password mail allows 10 a
	// minute from one address; the 11th is refused by either process.
	for i := range 12 {
		res, err := http.PostForm(procs[i%2].url+"/password/forgot", url.Values{"email": {"x@aalten.test"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if refused := res.StatusCode == http.StatusTooManyRequests; refused != (i >= 10) {
			t.Errorf("password mail %d through process %d: status %d", i+1, i%2+1, res.StatusCode)
		}
	}

	// Jobs: an event published through the second process (the form
	// came from the first) reaches every follower once.
	start := time.Now().Add(96 * time.Hour).Truncate(time.Hour).In(amsterdam(t))
	form := url.Values{
		"title": {"Taalcafé"}, "description": {"<p>Samen Nederlands oefenen.</p>"},
		"time_zone": {"Europe/Amsterdam"}, "start_date": {start.Format(time.DateOnly)}, "start_time": {start.Format("15:04")},
		"end_date": {""}, "end_time": {start.Add(90 * time.Minute).Format("15:04")},
		"branch_id": {strconv.FormatInt(branch.ID, 10)}, "audiences": {vestiging.AudienceAll},
		"language": {"nl"}, "places": {"unlimited"}, "registration_mode": {vestiging.RegistrationNone}, "repeat": {"none"},
		"action": {"publish"},
	}
	if status, loc, body := send(procs[1], http.MethodPost, "/staff/events/new", form); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/events/") {
		t.Fatalf("publish: status %d to %q: %.1000s", status, loc, body)
	}
	eventually(t, e2eWait, func() error {
		if n := f.accepted.Load(); n < followers {
			return fmt.Errorf("%d of %d followers have the activity", n, followers)
		}
		return nil
	})
	// Once the publication and every delivery job are finished, no second
	// copy can follow the ones counted.
	check := openStore(t, database)
	eventually(t, e2eWait, func() error {
		var open int
		if err := check.SQL().QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind IN ($1, $2) AND finalized_at IS NULL`,
			federation.DeliverJob{}.Kind(), vestiging.PublishJob{}.Kind()).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return fmt.Errorf("%d publication and delivery jobs not finished", open)
		}
		return nil
	})
	for i, rv := range rvs {
		posts, seen := rv.state()
		if posts != 1 || len(seen) != 1 {
			t.Errorf("follower %d: %d POSTs of %v, want one", i, posts, seen)
		}
	}
	var workers int
	if err := check.SQL().QueryRow(`SELECT COUNT(DISTINCT attempted_by[array_length(attempted_by, 1)]) FROM river_job WHERE kind = $1`,
		federation.DeliverJob{}.Kind()).Scan(&workers); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d deliveries worked by %d processes", followers, workers)
	if workers != 2 {
		t.Errorf("deliveries worked by %d processes, want both", workers)
	}
}
