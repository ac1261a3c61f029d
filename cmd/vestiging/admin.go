package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
	"github.com/vestiging/vestiging/store"
)

// adminTimeout bounds looking up a library and queueing a follow.
const adminTimeout = 30 * time.Second

func admin(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		switch cmd, rest := args[0], args[1:]; cmd {
		case "create-user":
			return createUser(ctx, rest, stdout)
		case "follow":
			return adminFollow(ctx, rest, stdout)
		case "unfollow":
			return adminUnfollow(ctx, rest, stdout)
		case "block":
			return adminDomainRule(ctx, rest, stdout, vestiging.DomainBlock)
		case "allow":
			return adminDomainRule(ctx, rest, stdout, vestiging.DomainAllow)
		case "unblock":
			return adminUnblock(ctx, rest, stdout)
		case "token":
			return adminToken(ctx, rest, stdout)
		}
	}
	return &usageError{`unknown admin command; run "vestiging help" for the list`}
}

// adminArgs parses an admin command's flags, the database's and those each
// register adds, and returns its single positional argument named what.
func adminArgs(name string, args []string, stdout io.Writer, what string, register ...func(*flag.FlagSet)) (string, *dbFlags, error) {
	var d dbFlags
	fs := newFlags(name)
	d.register(fs)
	for _, r := range register {
		r(fs)
	}
	rest, err := parse(fs, args, stdout)
	if err != nil {
		return "", nil, err
	}
	arg, err := oneArg(fs, rest, what)
	if err != nil {
		return "", nil, err
	}
	return arg, &d, nil
}

// oneArg returns the single positional argument named what.
func oneArg(fs interface{ Name() string }, args []string, what string) (string, error) {
	if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
		return "", &usageError{fmt.Sprintf("%s: give exactly one %s", fs.Name(), what)}
	}
	return strings.TrimSpace(args[0]), nil
}

// federator opens the database and builds the federator with the key kept
// there, for commands that talk to other servers without serving HTTP.
func federator(ctx context.Context, d *dbFlags, ff *fedFlags, cmd string) (*store.DB, *federation.Federator, error) {
	base, err := ff.parse(cmd)
	if err != nil {
		return nil, nil, err
	}
	db, err := d.open(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	fed, err := federation.New(ctx, federation.Config{
		Services:   db,
		Federation: db,
		BaseURL:    base,
		Handle:     ff.handle,
		Client:     ff.client(base),
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("federation: %w", err)
	}
	return db, fed, nil
}

// adminFollow looks the library up and queues the Follow in the database;
// the running server delivers it.
func adminFollow(ctx context.Context, args []string, stdout io.Writer) error {
	var ff fedFlags
	target, d, err := adminArgs("admin follow", args, stdout, "HANDLE_OR_URL, such as @agenda@bibliotheek.example.nl", ff.register)
	if err != nil {
		return err
	}
	db, fed, err := federator(ctx, d, &ff, "admin follow")
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	f, err := fed.Follow(ctx, target)
	if err != nil {
		return fmt.Errorf("follow %s: %w", target, err)
	}
	if f.State == vestiging.FollowAccepted {
		fmt.Fprintf(stdout, "Already following %s (%s).\n", f.Actor.DisplayName(), f.Actor.IRI)
		return nil
	}
	fmt.Fprintf(stdout, "Queued a follow request to %s (%s); the running server delivers it, and their events appear once they accept.\n",
		f.Actor.DisplayName(), f.Actor.IRI)
	return nil
}

// adminUnfollow finds the library among those followed, so it works even
// when the other server is down, and queues the Undo.
func adminUnfollow(ctx context.Context, args []string, stdout io.Writer) error {
	var ff fedFlags
	target, d, err := adminArgs("admin unfollow", args, stdout, "HANDLE_OR_URL", ff.register)
	if err != nil {
		return err
	}
	db, fed, err := federator(ctx, d, &ff, "admin unfollow")
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := followedActor(ctx, db, target)
	if err != nil {
		return err
	}
	if err := fed.Unfollow(ctx, a.ID); err != nil {
		return fmt.Errorf("unfollow %s: %w", target, err)
	}
	fmt.Fprintf(stdout, "Stopped following %s (%s); the running server tells them.\n", a.DisplayName(), a.IRI)
	return nil
}

// followedActor finds a followed actor by handle ("@user@host", the "@"
// optional), id or profile address.
func followedActor(ctx context.Context, fs vestiging.FederationService, target string) (*vestiging.Actor, error) {
	handle := "@" + strings.TrimPrefix(strings.ToLower(target), "@")
	for offset := 0; ; offset += vestiging.MaxPageSize {
		list, total, err := fs.Followings(ctx, offset, vestiging.MaxPageSize)
		if err != nil {
			return nil, fmt.Errorf("following: %w", err)
		}
		for _, f := range list {
			a := f.Actor
			if strings.ToLower(a.Handle()) == handle || a.IRI == target || (a.URL != "" && a.URL == target) {
				return a, nil
			}
		}
		if offset+len(list) >= total || len(list) == 0 {
			return nil, vestiging.Errorf(vestiging.ENOTFOUND, "this library does not follow %s", target)
		}
	}
}

func adminDomainRule(ctx context.Context, args []string, stdout io.Writer, mode string) error {
	var reason string
	domain, d, err := adminArgs("admin "+mode, args, stdout, "DOMAIN", func(fs *flag.FlagSet) {
		fs.StringVar(&reason, "reason", "", "why, for the other staff (shown on the Network page)")
	})
	if err != nil {
		return err
	}
	rule := &vestiging.DomainRule{Host: domain, Mode: mode, Reason: reason, CreatedAt: vestiging.Now()}
	if err := rule.Validate(); err != nil {
		return err
	}
	db, err := d.open(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SetDomainRule(ctx, rule); err != nil {
		return fmt.Errorf("%s %s: %w", mode, rule.Host, err)
	}
	if mode == vestiging.DomainBlock {
		fmt.Fprintf(stdout, "Blocked %s: nothing from it is accepted and nothing is sent to it.\n", rule.Host)
	} else {
		fmt.Fprintf(stdout, "Allowed %s; this matters when the server runs with --allowlist.\n", rule.Host)
	}
	return nil
}

func adminUnblock(ctx context.Context, args []string, stdout io.Writer) error {
	domain, d, err := adminArgs("admin unblock", args, stdout, "DOMAIN")
	if err != nil {
		return err
	}
	// Validate normalises the domain as block and allow stored it.
	rule := &vestiging.DomainRule{Host: domain, Mode: vestiging.DomainBlock}
	if err := rule.Validate(); err != nil {
		return err
	}
	db, err := d.open(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.RemoveDomainRule(ctx, rule.Host); err != nil {
		return fmt.Errorf("unblock %s: %w", rule.Host, err)
	}
	fmt.Fprintf(stdout, "Removed the rule for %s.\n", rule.Host)
	return nil
}
