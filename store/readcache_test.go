package store

import (
	"errors"
	"testing"
)

func TestReadCache(t *testing.T) {
	loader := func(v int, err error, loads *int) func() (int, error) {
		return func() (int, error) { *loads++; return v, err }
	}
	t.Run("OKKept", func(t *testing.T) {
		var c readCache[int]
		loads := 0
		for range 3 {
			got, err := c.get(loader(7, nil, &loads))
			if err != nil || got != 7 {
				t.Fatalf("get = %d, %v, want 7", got, err)
			}
		}
		if got, want := loads, 1; got != want {
			t.Errorf("loads = %d, want %d", got, want)
		}
	})
	t.Run("OKForget", func(t *testing.T) {
		var c readCache[int]
		loads := 0
		_, _ = c.get(loader(1, nil, &loads))
		c.forget()
		got, err := c.get(loader(2, nil, &loads))
		if err != nil || got != 2 {
			t.Fatalf("get after forget = %d, %v, want 2", got, err)
		}
		if got, want := loads, 2; got != want {
			t.Errorf("loads = %d, want %d", got, want)
		}
	})
	t.Run("OKReadDuringWrite", func(t *testing.T) {
		// A read that began before a write committed and ended after it
		// may hold the old value: it is returned, not kept.
		var c readCache[int]
		loads := 0
		got, _ := c.get(func() (int, error) { c.forget(); return loader(1, nil, &loads)() })
		if got != 1 {
			t.Fatalf("get = %d, want 1", got)
		}
		if got, _ := c.get(loader(2, nil, &loads)); got != 2 {
			t.Errorf("next get = %d, want 2 (read again)", got)
		}
	})
	t.Run("ErrNotKept", func(t *testing.T) {
		var c readCache[int]
		loads := 0
		if _, err := c.get(loader(0, errors.New("down"), &loads)); err == nil {
			t.Fatal("get: no error")
		}
		if got, err := c.get(loader(3, nil, &loads)); err != nil || got != 3 {
			t.Errorf("get after error = %d, %v, want 3", got, err)
		}
	})
}
