package redis

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/scanpay/scanpay/adapters/redis/redistest"
	"github.com/scanpay/scanpay/domain"
)

// leaseEnv is one test's Redis key space and a client on it.
type leaseEnv struct {
	addr string
	c    *goredis.Client
}

func newLeaseEnv(t *testing.T) leaseEnv {
	t.Helper()
	addr, db := redistest.Addr(t)
	c := goredis.NewClient(&goredis.Options{Addr: addr, DB: db})
	t.Cleanup(func() { _ = c.Close() })
	return leaseEnv{addr: addr, c: c}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func mustLease(t *testing.T, c goredis.UniversalClient, maxNode int, ttl time.Duration) *NodeLease {
	t.Helper()
	l, err := LeaseNode(context.Background(), c, "sp:", maxNode, ttl, quietLog())
	if err != nil {
		t.Fatalf("LeaseNode: %v", err)
	}
	t.Cleanup(func() { _ = l.Release(context.Background()) })
	return l
}

func TestLeasesGetDifferentNodes(t *testing.T) {
	env := newLeaseEnv(t)
	a := mustLease(t, env.c, 3, time.Minute)
	b := mustLease(t, env.c, 3, time.Minute)
	if a.Node() != 0 || b.Node() != 1 {
		t.Fatalf("nodes %d and %d, want 0 and 1 (lowest free first)", a.Node(), b.Node())
	}
	if got := env.c.Get(context.Background(), "sp:idnode:0").Val(); got != a.token || got == b.token {
		t.Fatalf("key of node 0 holds %q, want lease a's token", got)
	}
}

func TestConcurrentLeasesAreDistinct(t *testing.T) {
	env := newLeaseEnv(t)
	const n = 8
	nodes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			nodes[i] = mustLease(t, env.c, n-1, time.Minute).Node()
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, node := range nodes {
		if seen[node] {
			t.Fatalf("node %d leased twice: %v", node, nodes)
		}
		seen[node] = true
	}
}

func TestReleaseFreesTheNode(t *testing.T) {
	env := newLeaseEnv(t)
	ctx := context.Background()
	a := mustLease(t, env.c, 3, time.Minute)
	mustLease(t, env.c, 3, time.Minute)
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	if n := env.c.Exists(ctx, "sp:idnode:0").Val(); n != 0 {
		t.Fatal("node 0 still held after Release")
	}
	if c := mustLease(t, env.c, 3, time.Minute); c.Node() != 0 {
		t.Fatalf("next lease got node %d, want the freed node 0", c.Node())
	}
}

func TestAllNodesTaken(t *testing.T) {
	env := newLeaseEnv(t)
	mustLease(t, env.c, 1, time.Minute)
	mustLease(t, env.c, 1, time.Minute)
	l, err := LeaseNode(context.Background(), env.c, "sp:", 1, time.Minute, quietLog())
	if !errors.Is(err, ErrNoFreeNode) || l != nil {
		t.Fatalf("third lease of 0..1: %v, %v; want ErrNoFreeNode", l, err)
	}
	if !strings.Contains(err.Error(), "0..1") {
		t.Fatalf("error does not name the range: %v", err)
	}
	// Another prefix is another deployment with its own nodes.
	other, err := LeaseNode(context.Background(), env.c, "other:", 1, time.Minute, quietLog())
	if err != nil || other.Node() != 0 {
		t.Fatalf("lease under another prefix: %v", err)
	}
	_ = other.Release(context.Background())
}

// A process that died without releasing frees its node once the TTL runs out.
func TestExpiredLeaseCanBeRetaken(t *testing.T) {
	env := newLeaseEnv(t)
	ctx := context.Background()
	ttl := 200 * time.Millisecond
	if err := env.c.Set(ctx, "sp:idnode:0", "dead-process", ttl).Err(); err != nil {
		t.Fatal(err)
	}
	if l := mustLease(t, env.c, 3, time.Minute); l.Node() != 1 {
		t.Fatalf("lease beside a live holder got node %d, want 1", l.Node())
	}
	redistest.Wait(t, env.addr, ttl+100*time.Millisecond)
	if l := mustLease(t, env.c, 3, time.Minute); l.Node() != 0 {
		t.Fatalf("lease after the dead holder's TTL got node %d, want 0", l.Node())
	}
}

func TestHeartbeatKeepsTheLeasePastItsTTL(t *testing.T) {
	env := newLeaseEnv(t)
	ctx := context.Background()
	ttl := 600 * time.Millisecond
	a := mustLease(t, env.c, 3, ttl)
	// Three TTLs pass, in steps shorter than the refresh interval; on
	// miniredis the server clock is moved along with the wall clock.
	step := ttl / 4
	for range 12 {
		time.Sleep(step)
		if redistest.IsMiniredis(env.addr) {
			redistest.Wait(t, env.addr, step)
		}
	}
	if got := env.c.Get(ctx, "sp:idnode:0").Val(); got != a.token {
		t.Fatalf("after 3×TTL node 0 holds %q, want the live lease's token", got)
	}
	if pttl := env.c.PTTL(ctx, "sp:idnode:0").Val(); pttl <= 0 || pttl > ttl {
		t.Fatalf("PTTL %s, want in (0, %s]", pttl, ttl)
	}
	if b := mustLease(t, env.c, 3, ttl); b.Node() != 1 {
		t.Fatalf("second lease got node %d while node 0 is alive", b.Node())
	}
	select {
	case <-a.Lost():
		t.Fatal("a live lease reports itself lost")
	default:
	}
}

// syncBuffer is a log sink the heartbeat goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A lease whose key another process took (after an outage longer than the
// TTL) says so loudly, stops refreshing, and on Release leaves the thief's
// key alone.
func TestStolenLeaseIsLostAndNotDeleted(t *testing.T) {
	env := newLeaseEnv(t)
	ctx := context.Background()
	var logs syncBuffer
	ttl := 300 * time.Millisecond
	a, err := LeaseNode(ctx, env.c, "sp:", 3, ttl, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := env.c.Set(ctx, "sp:idnode:0", "thief", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-a.Lost():
	case <-time.After(5 * time.Second):
		t.Fatal("lease not reported lost 5 s after its key was taken")
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "LOST") {
		t.Fatalf("no loud log about the lost lease:\n%s", logs.String())
	}
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if got := env.c.Get(ctx, "sp:idnode:0").Val(); got != "thief" {
		t.Fatalf("after Release node 0 holds %q, want the thief's token", got)
	}
	if pttl := env.c.PTTL(ctx, "sp:idnode:0").Val(); pttl <= ttl {
		t.Fatalf("the lost lease touched the thief's TTL: %s", pttl)
	}
}

// A key that expired while Redis was out of reach, and that nobody took
// meanwhile, is taken back by the heartbeat.
func TestHeartbeatRetakesAnExpiredKey(t *testing.T) {
	env := newLeaseEnv(t)
	ctx := context.Background()
	a := mustLease(t, env.c, 3, 300*time.Millisecond)
	if err := env.c.Del(ctx, "sp:idnode:0").Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for env.c.Get(ctx, "sp:idnode:0").Val() != a.token {
		if time.Now().After(deadline) {
			t.Fatal("heartbeat did not take back its expired key")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLeaseRedisDownIsUnavailable(t *testing.T) {
	c := goredis.NewClient(&goredis.Options{Addr: closedAddr(t), DialTimeout: 200 * time.Millisecond,
		MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { _ = c.Close() })
	_, err := LeaseNode(context.Background(), c, "sp:", 3, time.Minute, quietLog())
	if code := domain.ErrorCode(err); code != domain.EUNAVAILABLE {
		t.Fatalf("error %v, code %q; want %q", err, code, domain.EUNAVAILABLE)
	}
}

func TestLeaseBadArguments(t *testing.T) {
	env := newLeaseEnv(t)
	for _, tt := range []struct {
		maxNode int
		ttl     time.Duration
	}{{-1, time.Minute}, {3, time.Millisecond}} {
		if l, err := LeaseNode(context.Background(), env.c, "sp:", tt.maxNode, tt.ttl, quietLog()); err == nil {
			_ = l.Release(context.Background())
			t.Errorf("LeaseNode(max %d, ttl %s) succeeded", tt.maxNode, tt.ttl)
		}
	}
}
