package storetest

import (
	"context"
	"testing"

	"github.com/vestiging/vestiging/store"
)

// Run runs the conformance suite; open returns a fresh, migrated database.
func Run(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("Library", func(t *testing.T) {
		db := open(t)
		l, err := db.Library(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := l.Name, "Bibliotheek"; got != want {
			t.Errorf("name %q, want %q", got, want)
		}
	})
}
