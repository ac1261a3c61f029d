package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// backup writes the database, read in one snapshot while the server may
// keep running, to FILE: a gzip'd portable copy that restore reads into
// SQLite or PostgreSQL alike.
func backup(ctx context.Context, args []string, stdout io.Writer) error {
	var d dbFlags
	fs := newFlags("backup")
	d.register(fs)
	baseURL := fs.String("base-url", "http://localhost:8080", "public address of the instance, recorded in the backup (as for serve)")
	rest, err := parse(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return &usageError{"backup: give one FILE to write, as in \"vestiging backup vestiging-backup.gz\""}
	}
	file := rest[0]
	if d.database == "" { // opening would create an empty database
		path := filepath.Join(d.data, "vestiging.db")
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("backup: no database at %s; is --data right?", path)
		}
	}
	// Opened without migrating: the server may be an older version, whose
	// database a backup must not change.
	db, err := d.openUnmigrated(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if v, err := db.SchemaVersion(ctx); err != nil {
		return err
	} else if v == 0 {
		return vestiging.Errorf(vestiging.ENOTFOUND, "backup: the database is empty; is --data or --database right?")
	}

	// Written beside FILE and renamed at the end, so FILE is never half a backup.
	tmp, err := os.CreateTemp(filepath.Dir(file), filepath.Base(file)+".*.tmp")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	w := store.NewBackupWriter(tmp)
	counter := &store.CheckSink{}
	if err := db.Export(ctx, strings.TrimRight(*baseURL, "/"), store.TeeSink(w, counter)); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := errors.Join(w.Close(), tmp.Sync(), tmp.Close()); err != nil {
		return fmt.Errorf("backup: write %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "Backed up %d rows and %d queued jobs (schema %d, %s) to %s.\n",
		counter.Rows, counter.Jobs, counter.Head.Schema, counter.Head.Dialect, file)
	return nil
}

// restore reads a backup into an empty database. The file is read twice:
// once to check it whole, so a damaged file changes nothing, then into
// one transaction.
func restore(ctx context.Context, args []string, stdout io.Writer) error {
	var d dbFlags
	fs := newFlags("restore")
	d.register(fs)
	baseURL := fs.String("base-url", "http://localhost:8080", "public address of this instance (as for serve); a backup of another address is refused")
	force := fs.Bool("force", false, "restore a backup made under another --base-url")
	rest, err := parse(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return &usageError{"restore: give one backup FILE to read, as in \"vestiging restore vestiging-backup.gz\""}
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	check := &store.CheckSink{}
	if err := store.ReadBackup(f, check); err != nil {
		return fmt.Errorf("restore %s: %w", rest[0], err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	db, err := d.openUnmigrated(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()
	im := db.Import(ctx, store.ImportOptions{BaseURL: strings.TrimRight(*baseURL, "/"), Force: *force})
	if err := store.ReadBackup(f, im); err != nil {
		im.Rollback()
		return fmt.Errorf("restore %s: %w", rest[0], err)
	}
	if err := im.Commit(); err != nil {
		return fmt.Errorf("restore %s: %w", rest[0], err)
	}
	fmt.Fprintf(stdout, "Restored %d rows and %d queued jobs of %s (made %s by vestiging %s) into the %s database.\n",
		check.Rows, check.Jobs, check.Head.BaseURL, check.Head.CreatedAt.Format("2006-01-02 15:04 MST"), check.Head.Version, db.Dialect())
	return nil
}

// migrateTo copies the database into another, empty one (normally
// PostgreSQL) in one transaction on the target. The server must be
// stopped, so nothing written after the copy is left behind.
func migrateTo(ctx context.Context, args []string, stdout io.Writer) error {
	var d dbFlags
	fs := newFlags("migrate-to")
	d.register(fs)
	rest, err := parse(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return &usageError{"migrate-to: give the target database, as in \"vestiging migrate-to postgres://vestiging@localhost/vestiging\""}
	}
	src, err := d.open(ctx, true)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := store.Open(ctx, rest[0], store.Options{Lock: true})
	if err != nil {
		return fmt.Errorf("migrate-to: %w", err)
	}
	defer dst.Close()
	im := dst.Import(ctx, store.ImportOptions{})
	if err := src.Export(ctx, "", im); err != nil {
		im.Rollback()
		return fmt.Errorf("migrate-to: %w", err)
	}
	rows, jobs := im.Rows(), im.Jobs()
	if err := im.Commit(); err != nil {
		return fmt.Errorf("migrate-to: %w", err)
	}
	fmt.Fprintf(stdout, "Copied %d rows and %d queued jobs from the %s database to the %s one. Start serve with --database set to it.\n",
		rows, jobs, src.Dialect(), dst.Dialect())
	return nil
}

// openUnmigrated opens the database as it is, without migrating it.
func (d *dbFlags) openUnmigrated(ctx context.Context, lock bool) (*store.DB, error) {
	url := d.database
	if url == "" {
		url = filepath.Join(d.data, "vestiging.db")
	}
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	return store.Open(ctx, url, store.Options{Lock: lock})
}
