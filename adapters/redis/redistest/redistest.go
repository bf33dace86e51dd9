// Package redistest gives each test its own Redis key space, so test packages
// that run at the same time (go test runs packages in parallel) never see or
// flush each other's keys.
//
// Tests run against the Redis at TEST_REDIS_ADDR (default 127.0.0.1:6379).
// When that Redis does not answer, tests fall back to an in-process miniredis
// and say so loudly, so a laptop without Redis still runs the suite; with
// CI=true a missing Redis fails the test instead, because on CI a silent
// fallback would hide a broken service.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"
)

// DefaultAddr is where tests look for Redis when TEST_REDIS_ADDR is unset.
const DefaultAddr = "127.0.0.1:6379"

const (
	// lockPrefix names the DB 0 keys that say which DB a test holds; the
	// value is a random token so only the holder releases it.
	lockPrefix = "scanpay:test:dblock:"
	// lockTTL frees a DB whose holder died without cleaning up (killed
	// test binary); it is the default go test timeout, so no live test
	// outlives its lock.
	lockTTL = 10 * time.Minute
	// firstDB..lastDB are the DBs handed out; DB 0 holds only the locks.
	firstDB, lastDB = 1, 15
	// lockWait bounds how long a test waits for a free DB before failing.
	lockWait = 30 * time.Second
	// pingTimeout bounds the reachability probe so a laptop without Redis
	// does not stall.
	pingTimeout = time.Second
)

var (
	warnOnce sync.Once

	mu sync.Mutex
	// reachable caches the probe per address: one dial timeout per
	// process, not one per test.
	reachable = map[string]bool{}
	// minis maps the address of each in-process server to it, so Wait can
	// move its clock.
	minis = map[string]*miniredis.Miniredis{}
)

// Addr returns the address and DB number of a Redis key space that belongs
// to t alone until t ends; it is empty at the start and flushed at the end.
func Addr(t testing.TB) (addr string, db int) {
	t.Helper()
	addr = os.Getenv("TEST_REDIS_ADDR")
	if addr == "" {
		addr = DefaultAddr
	}
	if probe(addr) {
		return addr, lockDB(t, addr)
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("redistest: Redis at %s is not reachable and CI=true: start Redis or set TEST_REDIS_ADDR (on CI a missing service is a failure, not a fallback)", addr)
		return "", 0
	}
	warnOnce.Do(func() {
		fmt.Fprintf(os.Stderr, "WARNING: Redis at %s not reachable; tests run on in-process miniredis, not real Redis\n", addr)
	})
	return startMini(t), 0
}

// Client returns a client on t's own key space, closed when t ends.
func Client(t testing.TB) *goredis.Client {
	t.Helper()
	addr, db := Addr(t)
	c := goredis.NewClient(&goredis.Options{Addr: addr, DB: db})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// IsMiniredis reports whether addr is an in-process miniredis started by
// Addr, for the few tests whose timing differs between the two.
func IsMiniredis(addr string) bool {
	mu.Lock()
	defer mu.Unlock()
	return minis[addr] != nil
}

// Wait lets d pass for the server at addr. miniredis expires keys only when
// its clock is moved, so there it fast-forwards at once; real Redis expires
// keys on its own clock, so there it sleeps.
func Wait(t testing.TB, addr string, d time.Duration) {
	t.Helper()
	mu.Lock()
	m := minis[addr]
	mu.Unlock()
	if m != nil {
		m.FastForward(d)
		return
	}
	time.Sleep(d)
}

// probe reports whether Redis answers PING at addr, once per address.
func probe(addr string) bool {
	mu.Lock()
	defer mu.Unlock()
	if ok, seen := reachable[addr]; seen {
		return ok
	}
	c := goredis.NewClient(&goredis.Options{
		Addr: addr, DialTimeout: pingTimeout, ReadTimeout: pingTimeout,
		MaxRetries: -1, DialerRetries: 1,
	})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	defer cancel()
	ok := c.Ping(ctx).Err() == nil
	reachable[addr] = ok
	return ok
}

// startMini runs an in-process miniredis that stops when t ends.
func startMini(t testing.TB) string {
	t.Helper()
	m := miniredis.RunT(t)
	addr := m.Addr()
	mu.Lock()
	minis[addr] = m
	mu.Unlock()
	t.Cleanup(func() {
		mu.Lock()
		delete(minis, addr)
		mu.Unlock()
	})
	return addr
}

// unlockScript deletes the lock only if it still holds our token, so a test
// whose lock expired and was taken by another never frees the other's DB.
var unlockScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0`)

// lockDB claims a DB no other running test holds, empties it, and frees it
// when t ends.
func lockDB(t testing.TB, addr string) int {
	t.Helper()
	ctx := context.Background()
	locks := goredis.NewClient(&goredis.Options{Addr: addr, DB: 0})
	token := newToken(t)
	db, err := claim(ctx, locks, token)
	if err != nil {
		_ = locks.Close()
		t.Fatalf("redistest: %v", err)
		return 0
	}
	lockKey := lockPrefix + fmt.Sprint(db)
	c := goredis.NewClient(&goredis.Options{Addr: addr, DB: db})
	t.Cleanup(func() {
		if err := c.FlushDB(ctx).Err(); err != nil {
			t.Errorf("redistest: flush DB %d at %s: %v", db, addr, err)
		}
		_ = c.Close()
		if err := unlockScript.Run(ctx, locks, []string{lockKey}, token).Err(); err != nil {
			t.Errorf("redistest: release DB %d at %s: %v", db, addr, err)
		}
		_ = locks.Close()
	})
	if err := c.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("redistest: flush DB %d at %s: %v", db, addr, err)
	}
	return db
}

// claim takes the first free DB lock, waiting for one to free up while all
// are held by other test packages.
func claim(ctx context.Context, locks *goredis.Client, token string) (int, error) {
	deadline := time.Now().Add(lockWait)
	for {
		for n := firstDB; n <= lastDB; n++ {
			ok, err := locks.SetNX(ctx, lockPrefix+fmt.Sprint(n), token, lockTTL).Result()
			if err != nil {
				return 0, fmt.Errorf("lock a test DB: %w", err)
			}
			if ok {
				return n, nil
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("all Redis DBs %d..%d stayed held by other tests for %s (stale %s* keys in DB 0?)",
				firstDB, lastDB, lockWait, lockPrefix)
		}
		time.Sleep(50*time.Millisecond + jitter())
	}
}

// newToken returns a random value that identifies this lock holder.
func newToken(t testing.TB) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("redistest: token: %v", err)
	}
	return hex.EncodeToString(b)
}

// jitter spreads retries so waiting packages do not poll in lockstep.
func jitter() time.Duration {
	b := make([]byte, 1)
	_, _ = rand.Read(b)
	return time.Duration(b[0]) * time.Millisecond / 4
}
