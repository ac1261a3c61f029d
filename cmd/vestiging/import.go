package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/ical"
)

func importICS(ctx context.Context, args []string, stdout io.Writer) error {
	var d dbFlags
	fs := newFlags("import ics")
	d.register(fs)
	branch := fs.Int64("branch", 0, "id of the branch for events whose LOCATION names no branch (default: the first branch)")
	rest, err := parse(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return &usageError{"import ics: give exactly one FILE (vestiging import ics FILE [--branch ID])"}
	}
	name := rest[0]
	f, err := os.Open(name)
	if err != nil {
		return err // *PathError names the file
	}
	defer f.Close()

	db, err := d.open(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	opts := ical.Options{Now: vestiging.Now()}
	if opts.Branches, err = db.Branches(ctx); err != nil {
		return err
	}
	if opts.Themes, err = db.Themes(ctx); err != nil {
		return err
	}
	if opts.Places, err = db.Places(ctx); err != nil {
		return err
	}
	if *branch != 0 {
		b, err := db.Branch(ctx, *branch)
		if err != nil {
			return fmt.Errorf("--branch %d: %w", *branch, err)
		}
		opts.BranchID = &b.ID
	}
	events, err := ical.Decode(f, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	lib, err := db.Library(ctx)
	if err != nil {
		return err
	}
	for _, e := range events {
		e.LibraryID = lib.ID
	}
	created, updated, err := db.ImportEvents(ctx, events)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Fprintf(stdout, "created %d, updated %d\n", created, updated)
	return nil
}
