// Command vestiging runs a library's branch of the national virtual library:
// the web server, database migrations, administration, iCalendar import and
// demo data.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

const usage = `Usage: vestiging <command> [flags]

Commands:
  serve                 run the web server
  migrate               bring the database schema up to date
  admin create-user     add a person (--email, --password, --role, --name)
  admin follow HANDLE   follow another library (@agenda@example.nl or its address)
  admin unfollow HANDLE stop following it
  admin block DOMAIN    refuse a server (--reason R); admin unblock DOMAIN undoes it
  admin allow DOMAIN    allow a server, for serve --allowlist
  admin token create    make an API token, printed once (--name, --scope S[,S], --expires 90d)
  admin token list      list the API tokens; admin token revoke ID revokes one
  import ics FILE       import events from an iCalendar file (--branch ID)
  demo                  fill an empty database with a demo library
  config check          check the settings serve would use and print them
  backup FILE           write the database to FILE, also while serve runs
  restore FILE          read a backup into an empty database (--base-url, --force)
  migrate-to URL        copy the database into an empty one (postgres://…), serve stopped
  version               print the version
  help                  print this text

Every flag can also be set with an environment variable (--base-url with
VESTIGING_BASE_URL, --data with VESTIGING_DATA and so on; VESTIGING_X_FILE
reads the value from a file) or in a TOML file given with --config
(base_url = "https://…"). Flags win over the environment, the environment
over the file.
Run "vestiging <command> -h" for the flags of a command.
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is a mistake on the command line: exit status 2, not 1.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// run executes one command and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdout)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	fmt.Fprintf(stderr, "vestiging: %s\n", message(err))
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func dispatch(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout)
	case "migrate":
		return migrate(ctx, rest, stdout)
	case "admin":
		return admin(ctx, rest, stdout)
	case "import":
		if len(rest) == 0 || rest[0] != "ics" {
			return &usageError{`unknown import format; try "vestiging import ics FILE"`}
		}
		return importICS(ctx, rest[1:], stdout)
	case "demo":
		return demo(ctx, rest, stdout)
	case "config":
		if len(rest) == 0 || rest[0] != "check" {
			return &usageError{`unknown config command; try "vestiging config check"`}
		}
		return configCheck(rest[1:], stdout)
	case "backup":
		return backup(ctx, rest, stdout)
	case "restore":
		return restore(ctx, rest, stdout)
	case "migrate-to":
		return migrateTo(ctx, rest, stdout)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "vestiging %s\n", vestiging.Version)
		return nil
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return &usageError{fmt.Sprintf("unknown command %q; run \"vestiging help\" for the list", cmd)}
}

// message renders err as one line. Domain errors show, after any context
// wrapped around them, their field messages (the form-style message is for
// the web) or their message, and their cause; never their code.
func message(err error) string {
	var e *vestiging.Error
	s := err.Error()
	if errors.As(err, &e) {
		var b strings.Builder
		if strings.HasSuffix(s, e.Error()) {
			b.WriteString(strings.TrimSuffix(s, e.Error()))
		}
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s: %s", k, e.Fields[k])
		}
		switch {
		case len(keys) > 0:
		case e.Message != "":
			b.WriteString(e.Message)
		default:
			b.WriteString(e.Code)
		}
		if e.Err != nil {
			fmt.Fprintf(&b, ": %v", e.Err)
		}
		s = b.String()
	}
	return strings.Join(strings.Fields(s), " ")
}

// newFlags returns a flag set whose errors come back to run as one line,
// instead of the whole flag list on stderr; parse prints that list on
// stdout for -h.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// envName is the environment variable that backs a flag: --base-url ← VESTIGING_BASE_URL.
func envName(flagName string) string {
	return "VESTIGING_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse sets fs from the configuration file, the VESTIGING_* environment
// and the arguments, each winning over the one before (see parseSources).
// Flags may come before or after the positional arguments, which it returns.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, error) {
	_, rest, err := parseSources(fs, args, stdout)
	return rest, err
}

// parseArgs parses the command line over what the file and environment set.
func parseArgs(fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(stdout, "Usage: vestiging %s [flags]\n\nFlags (each also from VESTIGING_<FLAG> in the environment, or <flag> in the --config file):\n", fs.Name())
				fs.SetOutput(stdout)
				fs.PrintDefaults()
				return nil, err
			}
			return nil, &usageError{fmt.Sprintf("%s: %v (run \"vestiging %s -h\" for its flags)", fs.Name(), err, fs.Name())}
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(positional, rest...), nil // Parse ate the "--"
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// dbFlags are the flags of every command that opens the database.
type dbFlags struct {
	data     string
	database string
}

func (d *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.data, "data", "./data", "directory for the SQLite database (vestiging.db)")
	fs.StringVar(&d.database, "database", "", `database URL: "postgres://…" for PostgreSQL; default the SQLite file <data>/vestiging.db`)
}

// openTimeout bounds opening and migrating, so an unreachable database is
// reported in seconds rather than hanging.
const openTimeout = 30 * time.Second

// open opens and migrates the database. lock keeps a second server off the
// same SQLite file.
func (d *dbFlags) open(ctx context.Context, lock bool) (*store.DB, error) {
	return openDB(ctx, d.data, d.database, store.Options{Lock: lock})
}

// openDB opens and migrates the database at databaseURL, or the SQLite
// file in the data directory when it is empty.
func openDB(ctx context.Context, data, databaseURL string, opts store.Options) (*store.DB, error) {
	url := databaseURL
	if url == "" {
		if err := os.MkdirAll(data, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		url = filepath.Join(data, "vestiging.db")
	}
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	db, err := store.Open(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func noArgs(fs *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return &usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), args[0])}
	}
	return nil
}

// openOnly parses a command that takes only the database flags and opens
// (and migrates) its database.
func openOnly(ctx context.Context, name string, args []string, stdout io.Writer) (*store.DB, error) {
	var d dbFlags
	fs := newFlags(name)
	d.register(fs)
	rest, err := parse(fs, args, stdout)
	if err != nil {
		return nil, err
	}
	if err := noArgs(fs, rest); err != nil {
		return nil, err
	}
	return d.open(ctx, false)
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	db, err := openOnly(ctx, "migrate", args, stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "The %s database is up to date.\n", db.Dialect())
	return nil
}

func createUser(ctx context.Context, args []string, stdout io.Writer) error {
	var d dbFlags
	fs := newFlags("admin create-user")
	d.register(fs)
	email := fs.String("email", "", "email address, used to sign in (required)")
	password := fs.String("password", "", "password, at least 8 characters (required; VESTIGING_PASSWORD keeps it out of the process list)")
	role := fs.String("role", vestiging.RoleResident, "resident, partner, staff or admin")
	name := fs.String("name", "", "display name")
	rest, err := parse(fs, args, stdout)
	if err != nil {
		return err
	}
	if err := noArgs(fs, rest); err != nil {
		return err
	}
	if *email == "" || *password == "" {
		return &usageError{"admin create-user: --email and --password are required"}
	}
	// The administrator vouches for the address: no confirmation mail.
	now := vestiging.Now()
	p := &vestiging.Person{Email: *email, DisplayName: *name, Role: *role, ConfirmedAt: &now}
	if err := p.SetPassword(ctx, *password); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	db, err := d.open(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreatePerson(ctx, p); err != nil {
		if vestiging.ErrorCode(err) == vestiging.ECONFLICT {
			return vestiging.Errorf(vestiging.ECONFLICT, "a person with email %s already exists", p.Email)
		}
		return err
	}
	fmt.Fprintf(stdout, "Created %s %s (id %d).\n", p.Role, p.Email, p.ID)
	return nil
}
