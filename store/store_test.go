package store_test

import (
	"testing"

	"github.com/vestiging/vestiging/store"
	"github.com/vestiging/vestiging/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) *store.DB { return storetest.SQLite(t) })
	})
	t.Run("postgres", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) *store.DB { return storetest.Postgres(t) })
	})
}

func TestRateCounts(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { storetest.RateCounts(t, storetest.SQLiteClock) })
	t.Run("postgres", func(t *testing.T) { storetest.RateCounts(t, storetest.PostgresClock) })
}
