package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vestiging/vestiging"
)

// adminToken makes, lists and revokes API tokens: admin token create,
// list and revoke. Creating and revoking are in the audit log, made by
// "the command line".
func adminToken(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		switch cmd, rest := args[0], args[1:]; cmd {
		case "create":
			return tokenCreate(ctx, rest, stdout)
		case "list":
			return tokenList(ctx, rest, stdout)
		case "revoke":
			return tokenRevoke(ctx, rest, stdout)
		}
	}
	return &usageError{`admin token: give create, list or revoke; run "vestiging help" for their flags`}
}

func tokenCreate(ctx context.Context, args []string, stdout io.Writer) error {
	var d dbFlags
	fs := newFlags("admin token create")
	d.register(fs)
	name := fs.String("name", "", "what the token is for, such as Website (required)")
	scopes := fs.String("scope", "", "comma-separated scopes: "+strings.Join(vestiging.Scopes, ", ")+" (required)")
	expires := fs.String("expires", "90d", "lifetime in days, at most 730d")
	rest, err := parse(fs, args, stdout)
	if err != nil {
		return err
	}
	if err := noArgs(fs, rest); err != nil {
		return err
	}
	if *name == "" || *scopes == "" {
		return &usageError{"admin token create: --name and --scope are required"}
	}
	list, err := vestiging.ParseScopes(*scopes)
	if err != nil {
		return &usageError{"admin token create: " + vestiging.ErrorMessage(err)}
	}
	lifetime, err := vestiging.ParseLifetime(*expires)
	if err != nil {
		return &usageError{"admin token create: --expires: " + vestiging.ErrorMessage(err)}
	}
	token, hash := vestiging.NewAPIToken()
	now := vestiging.Now()
	t := &vestiging.APIToken{Name: *name, Scopes: list, Hash: hash, CreatedAt: now, ExpiresAt: now.Add(lifetime)}
	if err := t.Validate(); err != nil {
		return err
	}
	db, err := d.open(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateAPIToken(ctx, t, &vestiging.AuditEntry{}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Token %d (%s), %s, valid until %s:\n\n%s\n\nIt is shown only now; keep it as a secret.\n",
		t.ID, t.Name, strings.Join(t.Scopes, " "), t.ExpiresAt.Format(time.DateOnly), token)
	return nil
}

func tokenList(ctx context.Context, args []string, stdout io.Writer) error {
	var d dbFlags
	fs := newFlags("admin token list")
	d.register(fs)
	rest, err := parse(fs, args, stdout)
	if err != nil {
		return err
	}
	if err := noArgs(fs, rest); err != nil {
		return err
	}
	db, err := d.open(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	tokens, err := db.APITokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tEXPIRES\tLAST USED\tSTATE")
	now := vestiging.Now()
	for _, t := range tokens {
		used, state := "never", "active"
		if t.LastUsedAt != nil {
			used = t.LastUsedAt.Format("2006-01-02 15:04")
		}
		if err := t.Check(now); err != nil {
			state = "expired"
			if t.RevokedAt != nil {
				state = "revoked"
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, strings.Join(t.Scopes, ","), t.ExpiresAt.Format(time.DateOnly), used, state)
	}
	return tw.Flush()
}

func tokenRevoke(ctx context.Context, args []string, stdout io.Writer) error {
	arg, d, err := adminArgs("admin token revoke", args, stdout, "token ID (see admin token list)")
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id < 1 {
		return &usageError{fmt.Sprintf("admin token revoke: %q is not a token ID", arg)}
	}
	db, err := d.open(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.RevokeAPIToken(ctx, id, &vestiging.AuditEntry{}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Revoked token %d.\n", id)
	return nil
}
