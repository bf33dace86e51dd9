// Package redis adapts Redis to scanpay's ports: state that several API
// processes must share, such as rate-limit counters, lives here.
package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

var _ app.RateLimiter = (*RateLimiter)(nil)

// RateLimiter enforces "limit events per window" per key with a fixed-window
// counter in Redis, so every API process counts against one shared limit.
//
// The window starts at the first event for a key and lasts window; the
// counter then expires and the next event starts a new window. Redis keeps
// the time (PEXPIRE/PTTL), so API hosts with skewed clocks still agree.
// A fixed window lets a client burst up to twice the limit across a window
// boundary; for login and scan throttling that is acceptable, and it costs
// one small key per client instead of a sorted set of timestamps.
//
// Denied hits are not counted: the counter holds allowed events only, so a
// client that keeps retrying while blocked is free again when its window
// ends rather than locked out for as long as it keeps trying.
type RateLimiter struct {
	client goredis.UniversalClient
	prefix string
}

// NewRateLimiter returns a limiter whose keys are prefix+key, so limiters for
// different purposes (or different deployments on one Redis) do not share
// counters.
func NewRateLimiter(client goredis.UniversalClient, prefix string) *RateLimiter {
	return &RateLimiter{client: client, prefix: prefix}
}

// rateScript checks and counts one event atomically, so concurrent hits
// from many processes never exceed the limit.
//
// KEYS[1] counter; ARGV[1] limit; ARGV[2] window in ms.
// Returns {allowed 0/1, remaining, ms until the window ends}.
// A counter without a TTL (left by an interrupted older version or a manual
// SET) is given one on the next hit, so it can never block a key forever.
var rateScript = goredis.NewScript(`
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 and n > 0 then
	redis.call('PEXPIRE', KEYS[1], window)
	ttl = window
end
if n >= limit then
	return {0, 0, ttl}
end
n = redis.call('INCR', KEYS[1])
if ttl < 0 then
	redis.call('PEXPIRE', KEYS[1], window)
	ttl = window
end
return {1, limit - n, ttl}
`)

// Hit records one event under key when it is within limit events per window
// and reports the decision. Remaining is how many more hits this window
// allows; RetryAfter, set only when denied, is the time until the window
// ends, rounded up to whole seconds.
func (l *RateLimiter) Hit(ctx context.Context, key string, limit int, window time.Duration) (app.RateDecision, error) {
	if limit < 1 || window <= 0 {
		// A caller bug, not a client's fault: EINTERNAL, never a 429.
		return app.RateDecision{}, fmt.Errorf("redis: rate limit %d per %s: limit and window must be positive", limit, window)
	}
	windowMS := window.Milliseconds()
	if windowMS < 1 {
		windowMS = 1 // PEXPIRE's resolution; a shorter window cannot be kept
	}
	res, err := rateScript.Run(ctx, l.client, []string{l.prefix + key}, limit, windowMS).Int64Slice()
	if err != nil {
		return app.RateDecision{}, domain.Unavailable("redis", fmt.Errorf("rate limit %q: %w", key, err))
	}
	if len(res) != 3 {
		return app.RateDecision{}, fmt.Errorf("redis: rate limit script returned %d values, want 3", len(res))
	}
	d := app.RateDecision{Allowed: res[0] == 1, Remaining: int(res[1])}
	if !d.Allowed {
		d.RetryAfter = retryAfter(time.Duration(res[2]) * time.Millisecond)
	}
	return d, nil
}

// Reset forgets the events counted under key, e.g. a username's failed
// logins once the right password was given.
func (l *RateLimiter) Reset(ctx context.Context, key string) error {
	if err := l.client.Del(ctx, l.prefix+key).Err(); err != nil {
		return domain.Unavailable("redis", fmt.Errorf("rate limit reset %q: %w", key, err))
	}
	return nil
}

// retryAfter rounds the time left in the window up to whole seconds, at
// least one: clients see it as an HTTP Retry-After in seconds, and rounding
// down could tell a denied client to retry after 0 s, or too early.
func retryAfter(left time.Duration) time.Duration {
	if left <= 0 {
		return time.Second
	}
	return ((left + time.Second - 1) / time.Second) * time.Second
}
