package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/scanpay/scanpay/domain"
)

// ErrNoFreeNode is returned (wrapped) by LeaseNode when every node number
// is leased by another process.
var ErrNoFreeNode = errors.New("redis: every id node is leased")

// NodeLease is this process's claim on one id-generator node number, so no
// two running processes make ids with the same node (they would collide).
// The claim is a Redis key prefix+"idnode:"+n holding a random token, with a
// TTL the lease refreshes in the background; a process that dies without
// releasing frees its node when the TTL runs out.
type NodeLease struct {
	client goredis.UniversalClient
	key    string
	token  string
	node   int
	ttl    time.Duration
	log    *slog.Logger

	stop     chan struct{}
	done     chan struct{}
	lost     chan struct{}
	stopOnce sync.Once
}

// minLeaseTTL keeps the heartbeat (every ttl/3) at whole milliseconds, the
// resolution of PEXPIRE.
const minLeaseTTL = 30 * time.Millisecond

// LeaseNode claims the lowest node number in 0..maxNode that no live process
// holds, with SET NX PX ttl, and keeps it alive by refreshing the TTL every
// ttl/3 until Release. Redis errors are EUNAVAILABLE; when every node is
// taken the error wraps ErrNoFreeNode. ttl is how long a dead process's
// node stays taken (tens of seconds suits); it must be at least 30 ms.
func LeaseNode(ctx context.Context, client goredis.UniversalClient, prefix string, maxNode int, ttl time.Duration, log *slog.Logger) (*NodeLease, error) {
	if maxNode < 0 || ttl < minLeaseTTL {
		return nil, fmt.Errorf("redis: lease node 0..%d for %s: maxNode must be >= 0 and ttl >= %s", maxNode, ttl, minLeaseTTL)
	}
	if log == nil {
		log = slog.Default()
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("redis: lease token: %w", err)
	}
	token := hex.EncodeToString(b)
	for n := 0; n <= maxNode; n++ {
		key := prefix + "idnode:" + strconv.Itoa(n)
		ok, err := client.SetNX(ctx, key, token, ttl).Result()
		if err != nil {
			return nil, domain.Unavailable("redis", fmt.Errorf("lease id node %d: %w", n, err))
		}
		if !ok {
			continue
		}
		l := &NodeLease{client: client, key: key, token: token, node: n, ttl: ttl, log: log,
			stop: make(chan struct{}), done: make(chan struct{}), lost: make(chan struct{})}
		go l.heartbeat()
		log.Info("id node leased", "node", n, "key", key, "ttl", ttl)
		return l, nil
	}
	return nil, fmt.Errorf("%w: all of 0..%d under %q are held by live processes; stop one or raise the limit",
		ErrNoFreeNode, maxNode, prefix+"idnode:")
}

// Node is the leased node number.
func (l *NodeLease) Node() int { return l.node }

// Lost is closed when the lease was found held by another process: ids made
// from now on may collide with that process's, so the caller should stop
// making them (shut down, and let a restart lease a fresh node).
func (l *NodeLease) Lost() <-chan struct{} { return l.lost }

// refreshScript extends the lease while KEYS[1] still holds our token
// (ARGV[1]); when the key has expired (Redis was out of reach for longer
// than the TTL) and nobody took it since, it takes it back. It returns 1
// refreshed, 2 re-taken, 0 held by another.
var refreshScript = goredis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
	return 1
end
if not v then
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
	return 2
end
return 0`)

// releaseScript deletes KEYS[1] only while it holds our token, so a lease
// that expired and was taken by another process is left to that process.
var releaseScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0`)

// heartbeat refreshes the lease every ttl/3 until Release, or until the key
// turns out to belong to another process.
func (l *NodeLease) heartbeat() {
	defer close(l.done)
	every := l.ttl / 3
	t := time.NewTicker(every)
	defer t.Stop()
	lastOK := time.Now()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), every)
		res, err := refreshScript.Run(ctx, l.client, []string{l.key}, l.token, l.ttl.Milliseconds()).Int()
		cancel()
		switch {
		case err != nil:
			if since := time.Since(lastOK); since >= l.ttl {
				l.log.Error("id node lease NOT refreshed for longer than its TTL; another process may take this node and make colliding ids",
					"node", l.node, "key", l.key, "since", since.Round(time.Millisecond), "err", err)
			} else {
				l.log.Warn("id node lease refresh failed; will retry", "node", l.node, "err", err)
			}
		case res == 1:
			lastOK = time.Now()
		case res == 2:
			lastOK = time.Now()
			l.log.Warn("id node lease had expired and was re-taken; it was unguarded for a while",
				"node", l.node, "key", l.key)
		default:
			l.log.Error("ID NODE LEASE LOST: another process holds this node; ids made here may collide with its ids",
				"node", l.node, "key", l.key)
			close(l.lost)
			return
		}
	}
}

// Release stops the heartbeat and frees the node, but only while the key
// still holds this lease's token: a lease that was lost is left to its new
// holder. Calling it more than once is harmless.
func (l *NodeLease) Release(ctx context.Context) error {
	l.stopOnce.Do(func() { close(l.stop) })
	<-l.done
	n, err := releaseScript.Run(ctx, l.client, []string{l.key}, l.token).Int()
	if err != nil {
		return domain.Unavailable("redis", fmt.Errorf("release id node %d: %w", l.node, err))
	}
	if n == 1 {
		l.log.Info("id node released", "node", l.node)
	}
	return nil
}
