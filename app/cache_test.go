package app

import (
	"errors"
	"testing"
	"time"
)

// Values are reused until their TTL passes; errors are never cached.
func TestTTLCache(t *testing.T) {
	c := newTTLCache[string, int](5 * time.Second)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	loads := 0
	load := func() (int, error) { loads++; return loads, nil }
	for _, at := range []time.Duration{0, time.Second, 4999 * time.Millisecond} {
		if v, _ := c.get("k", t0.Add(at), load); v != 1 {
			t.Fatalf("at +%s got %d, want the first load", at, v)
		}
	}
	if v, _ := c.get("k", t0.Add(5*time.Second), load); v != 2 {
		t.Fatalf("after the TTL got %d, want a fresh load", v)
	}
	if _, err := c.get("bad", t0, func() (int, error) { return 0, errors.New("db down") }); err == nil {
		t.Fatal("error swallowed")
	}
	if v, _ := c.get("bad", t0, load); v != 3 {
		t.Fatalf("an error was cached: got %d", v)
	}
	off := newTTLCache[string, int](0)
	off.get("k", t0, load)
	if v, _ := off.get("k", t0, load); v != 5 {
		t.Fatalf("TTL 0 must not cache: got %d", v)
	}
}
