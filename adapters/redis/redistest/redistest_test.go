package redistest

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"
)

func TestAddrGivesEachCallItsOwnKeySpace(t *testing.T) {
	ctx := context.Background()
	addr1, db1 := Addr(t)
	addr2, db2 := Addr(t)
	if !IsMiniredis(addr1) {
		if addr1 != addr2 {
			t.Fatalf("real Redis: addresses differ: %s vs %s", addr1, addr2)
		}
		if db1 == db2 {
			t.Fatalf("two calls got the same DB %d", db1)
		}
		for _, db := range []int{db1, db2} {
			if db < firstDB || db > lastDB {
				t.Fatalf("DB %d outside %d..%d", db, firstDB, lastDB)
			}
		}
	}
	c1 := newClient(t, addr1, db1)
	c2 := newClient(t, addr2, db2)
	if err := c1.Set(ctx, "k", "one", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c2.Get(ctx, "k").Err(); err != goredis.Nil {
		t.Fatalf("key written in space 1 seen in space 2: err=%v", err)
	}
	if got, err := c1.Get(ctx, "k").Result(); err != nil || got != "one" {
		t.Fatalf("space 1 lost its key: %q, %v", got, err)
	}
}

func TestAddrStartsEmptyAndCleansUp(t *testing.T) {
	ctx := context.Background()
	var addr, token string
	var db int
	var mini bool // asked inside: a miniredis is gone once its test ends
	t.Run("holder", func(t *testing.T) {
		addr, db = Addr(t)
		mini = IsMiniredis(addr)
		c := newClient(t, addr, db)
		if n, err := c.DBSize(ctx).Result(); err != nil || n != 0 {
			t.Fatalf("fresh key space has %d keys (err %v)", n, err)
		}
		if err := c.Set(ctx, "left-behind", "x", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if !mini {
			token = newClient(t, addr, 0).Get(ctx, lockPrefix+fmt.Sprint(db)).Val()
			if token == "" {
				t.Fatalf("no lock held for DB %d", db)
			}
		}
	})
	if mini {
		t.Skip("DB locks exist only on real Redis; miniredis servers are per test")
	}
	// Another package may claim the DB as soon as it is freed, so check
	// that our token is gone rather than that the key is.
	if got := newClient(t, addr, 0).Get(ctx, lockPrefix+fmt.Sprint(db)).Val(); got == token {
		t.Fatalf("lock for DB %d still held after the test ended", db)
	}
	if n := newClient(t, addr, db).Exists(ctx, "left-behind").Val(); n != 0 {
		t.Fatalf("DB %d not flushed after the test ended", db)
	}
}

func TestUnlockLeavesAnotherHoldersLock(t *testing.T) {
	ctx := context.Background()
	m := miniredis.RunT(t)
	c := newClient(t, m.Addr(), 0)
	tests := []struct {
		name    string
		held    string
		release string
		wantSet bool
	}{
		{"own token releases", "mine", "mine", false},
		{"foreign token keeps", "theirs", "mine", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.Set(ctx, "lock", tt.held, 0).Err(); err != nil {
				t.Fatal(err)
			}
			if err := unlockScript.Run(ctx, c, []string{"lock"}, tt.release).Err(); err != nil {
				t.Fatal(err)
			}
			if got := m.Exists("lock"); got != tt.wantSet {
				t.Fatalf("lock exists = %v, want %v", got, tt.wantSet)
			}
		})
	}
}

func TestUnreachableRedis(t *testing.T) {
	tests := []struct {
		name      string
		ci        string
		wantFatal bool
	}{
		{"on CI it is a failure", "true", true},
		{"off CI it falls back to miniredis", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dead := closedAddr(t)
			t.Setenv("TEST_REDIS_ADDR", dead)
			t.Setenv("CI", tt.ci)
			tb := &recordingTB{TB: t}
			var addr string
			done := make(chan struct{})
			go func() {
				defer close(done)
				addr, _ = Addr(tb)
			}()
			<-done
			t.Cleanup(tb.runCleanups)
			if gotFatal := tb.fatal != ""; gotFatal != tt.wantFatal {
				t.Fatalf("fatal = %q, want fatal %v", tb.fatal, tt.wantFatal)
			}
			if tt.wantFatal {
				if !strings.Contains(tb.fatal, dead) || !strings.Contains(tb.fatal, "CI=true") {
					t.Fatalf("fatal message does not name the address and CI: %q", tb.fatal)
				}
				return
			}
			if !IsMiniredis(addr) {
				t.Fatalf("fell back to %s, which is not a miniredis", addr)
			}
			if err := newClient(t, addr, 0).Ping(context.Background()).Err(); err != nil {
				t.Fatalf("fallback server does not answer: %v", err)
			}
		})
	}
}

// recordingTB records Fatalf instead of failing the real test, so the CI
// failure path can be checked; Fatalf stops the goroutine like the real one.
type recordingTB struct {
	testing.TB
	fatal    string
	cleanups []func()
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recordingTB) Cleanup(fn func()) { r.cleanups = append(r.cleanups, fn) }

func (r *recordingTB) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func newClient(t *testing.T, addr string, db int) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: addr, DB: db})
	t.Cleanup(func() { _ = c.Close() })
	return c
}
