// Package migrations embeds the SQL that builds the database, one directory
// per dialect. Files are named NNNN_name.sql and both directories hold the
// same numbers and names, so a schema version means the same on both.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// SQLite and Postgres hold the migrations of each dialect at their root.
var (
	SQLite   = sub("sqlite")
	Postgres = sub("postgres")
)

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // only if the embed pattern above changes
	}
	return f
}
