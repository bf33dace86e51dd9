package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/scanpay/scanpay/adapters/redis/redistest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

func TestHitHonoursLimit(t *testing.T) {
	l := NewRateLimiter(redistest.Client(t), "rl:")
	for _, limit := range []int{1, 3, 10} {
		key := fmt.Sprintf("limit-%d", limit)
		t.Run(key, func(t *testing.T) {
			for i := 1; i <= limit; i++ {
				d := mustHit(t, l, key, limit, time.Minute)
				if !d.Allowed || d.Remaining != limit-i || d.RetryAfter != 0 {
					t.Fatalf("hit %d of %d: %+v, want allowed with %d remaining", i, limit, d, limit-i)
				}
			}
			for i := 0; i < 3; i++ {
				d := mustHit(t, l, key, limit, time.Minute)
				if d.Allowed || d.Remaining != 0 {
					t.Fatalf("hit over limit %d: %+v, want denied", limit, d)
				}
				if d.RetryAfter <= 0 || d.RetryAfter > time.Minute {
					t.Fatalf("RetryAfter = %s, want in (0, 1m]", d.RetryAfter)
				}
			}
		})
	}
}

func TestResetForgetsTheCount(t *testing.T) {
	ctx := context.Background()
	l := NewRateLimiter(redistest.Client(t), "rl:")
	const limit = 2
	mustHit(t, l, "k", limit, time.Minute)
	mustHit(t, l, "other", limit, time.Minute)
	mustHit(t, l, "k", limit, time.Minute)
	if d := mustHit(t, l, "k", limit, time.Minute); d.Allowed {
		t.Fatalf("third hit allowed before reset: %+v", d)
	}
	if err := l.Reset(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if d := mustHit(t, l, "k", limit, time.Minute); !d.Allowed || d.Remaining != limit-1 {
		t.Fatalf("hit after reset: %+v, want allowed with %d remaining", d, limit-1)
	}
	if d := mustHit(t, l, "other", limit, time.Minute); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("reset of k touched other: %+v", d)
	}
}

func TestWindowExpiryFreesTheKey(t *testing.T) {
	addr, db := redistest.Addr(t)
	c := newClient(t, addr, db)
	l := NewRateLimiter(c, "rl:")
	// On miniredis time is fast-forwarded, so a long window costs nothing;
	// on real Redis the test really waits, so keep it short.
	window := time.Minute
	if !redistest.IsMiniredis(addr) {
		window = 300 * time.Millisecond
	}
	const limit = 2
	mustHit(t, l, "k", limit, window)
	mustHit(t, l, "k", limit, window)
	for i := 0; i < 5; i++ { // denied hits must not extend the window
		if d := mustHit(t, l, "k", limit, window); d.Allowed {
			t.Fatalf("hit %d over the limit allowed", i)
		}
	}
	redistest.Wait(t, addr, window+50*time.Millisecond)
	d := mustHit(t, l, "k", limit, window)
	if !d.Allowed || d.Remaining != limit-1 {
		t.Fatalf("first hit of a new window: %+v, want allowed with %d remaining", d, limit-1)
	}
}

func TestKeysAndPrefixesAreSeparate(t *testing.T) {
	c := redistest.Client(t)
	login := NewRateLimiter(c, "login:")
	scan := NewRateLimiter(c, "scan:")
	mustHit(t, login, "shopper-1", 1, time.Minute)
	tests := []struct {
		name string
		l    *RateLimiter
		key  string
		want bool
	}{
		{"same limiter, same key", login, "shopper-1", false},
		{"same limiter, other key", login, "shopper-2", true},
		{"other prefix, same key", scan, "shopper-1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := mustHit(t, tt.l, tt.key, 1, time.Minute); d.Allowed != tt.want {
				t.Fatalf("allowed = %v, want %v", d.Allowed, tt.want)
			}
		})
	}
}

// TestTwoProcessesShareOneLimit stands in for two API processes: two
// clients, two limiters, one key, hit concurrently.
func TestTwoProcessesShareOneLimit(t *testing.T) {
	addr, db := redistest.Addr(t)
	limiters := []*RateLimiter{
		NewRateLimiter(newClient(t, addr, db), "rl:"),
		NewRateLimiter(newClient(t, addr, db), "rl:"),
	}
	const limit, callers = 10, 50
	var allowed atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func(l *RateLimiter) {
			defer wg.Done()
			d, err := l.Hit(context.Background(), "shared", limit, time.Minute)
			if err != nil {
				errs <- err
				return
			}
			if d.Allowed {
				allowed.Add(1)
			} else if d.RetryAfter <= 0 {
				errs <- errDenialWithoutRetry
			}
		}(limiters[i%2])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := allowed.Load(); got != limit {
		t.Fatalf("%d of %d concurrent hits allowed, want exactly %d", got, callers, limit)
	}
}

var errDenialWithoutRetry = errors.New("denied with RetryAfter <= 0")

func TestCounterWithoutTTLIsHealed(t *testing.T) {
	ctx := context.Background()
	c := redistest.Client(t)
	l := NewRateLimiter(c, "rl:")
	if err := c.Set(ctx, "rl:stuck", "5", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if d := mustHit(t, l, "stuck", 5, time.Minute); d.Allowed || d.RetryAfter <= 0 {
		t.Fatalf("hit on a full key without TTL: %+v, want denied", d)
	}
	if ttl := c.PTTL(ctx, "rl:stuck").Val(); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("TTL after a denied hit = %s, want in (0, 1m]: the key must not stay blocked forever", ttl)
	}
}

func TestRedisDownIsUnavailable(t *testing.T) {
	c := goredis.NewClient(&goredis.Options{
		Addr:          closedAddr(t),
		DialTimeout:   200 * time.Millisecond,
		MaxRetries:    -1,
		DialerRetries: 1,
	})
	t.Cleanup(func() { _ = c.Close() })
	l := NewRateLimiter(c, "rl:")
	ctx := context.Background()
	calls := map[string]func() error{
		"hit":   func() error { _, err := l.Hit(ctx, "k", 1, time.Second); return err },
		"reset": func() error { return l.Reset(ctx, "k") },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			if code := domain.ErrorCode(call()); code != domain.EUNAVAILABLE {
				t.Fatalf("error code = %q, want %q", code, domain.EUNAVAILABLE)
			}
		})
	}
}

func TestBadArgumentsAreRejected(t *testing.T) {
	l := NewRateLimiter(redistest.Client(t), "rl:")
	tests := []struct {
		name   string
		limit  int
		window time.Duration
	}{
		{"zero limit", 0, time.Second},
		{"negative limit", -1, time.Second},
		{"zero window", 1, 0},
		{"negative window", 1, -time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Hit(context.Background(), "k", tt.limit, tt.window)
			if code := domain.ErrorCode(err); code != domain.EINTERNAL {
				t.Fatalf("error %v has code %q, want %q", err, code, domain.EINTERNAL)
			}
		})
	}
}

func TestRetryAfterRoundsUpToWholeSeconds(t *testing.T) {
	tests := []struct {
		left, want time.Duration
	}{
		{-time.Millisecond, time.Second},
		{0, time.Second},
		{time.Millisecond, time.Second},
		{time.Second, time.Second},
		{time.Second + time.Millisecond, 2 * time.Second},
		{59500 * time.Millisecond, time.Minute},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.left); got != tt.want {
			t.Errorf("retryAfter(%s) = %s, want %s", tt.left, got, tt.want)
		}
	}
}

func mustHit(t *testing.T, l *RateLimiter, key string, limit int, window time.Duration) app.RateDecision {
	t.Helper()
	got, err := l.Hit(context.Background(), key, limit, window)
	if err != nil {
		t.Fatalf("hit %q: %v", key, err)
	}
	return got
}

func newClient(t *testing.T, addr string, db int) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: addr, DB: db})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
