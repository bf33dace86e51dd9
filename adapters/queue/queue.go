// Package queue is the client side of asynq: it implements app.TaskQueue,
// opens the Redis connection (real or in-process) and reports queue and
// outbox sizes.
package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	goredis "github.com/redis/go-redis/v9"

	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// Retention keeps a finished task's id in Redis for a while, so an outbox
// row relayed again shortly after (a MarkSent that failed, an expired lease)
// is still recognised as a duplicate. Handlers are idempotent beyond that.
const Retention = 10 * time.Minute

// probeTimeout bounds the PING that tells "Redis is down" from "Redis
// refused this task" when an enqueue error does not say which.
const probeTimeout = time.Second

// Client enqueues tasks to asynq.
type Client struct {
	c  *asynq.Client
	rc goredis.UniversalClient // asynq's connection, also used to probe; nil if opt gave none
}

var _ app.TaskQueue = (*Client)(nil)

// NewClient connects an asynq client. The Redis options should have short
// timeouts (about a second): an enqueue to an unreachable Redis then fails
// fast and the relay retries on its next sweep.
func NewClient(opt asynq.RedisConnOpt) *Client {
	if rc, ok := opt.MakeRedisClient().(goredis.UniversalClient); ok {
		return &Client{c: asynq.NewClientFromRedisClient(rc), rc: rc}
	}
	return &Client{c: asynq.NewClient(opt)}
}

// Enqueue queues m under taskID. A task id that is already queued (or
// retained) is success: the work is there once, which is all that matters.
//
// Errors: a message that fails app.Message.Validate is EINVALID; Redis
// unreachable, timing out or refusing all writes (LOADING, READONLY, OOM,
// CLUSTERDOWN ...) is EUNAVAILABLE; anything else (asynq cannot encode the
// task, a script error on this task's key) is EINTERNAL, an error about
// this message, so the relay goes on with the next one.
func (c *Client) Enqueue(ctx context.Context, taskID string, m app.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	task := asynq.NewTask(m.Type, m.Payload)
	opts := []asynq.Option{asynq.TaskID(taskID), asynq.Queue(m.Queue), asynq.Retention(Retention), asynq.MaxRetry(25)}
	if !m.ProcessAt.IsZero() {
		opts = append(opts, asynq.ProcessAt(m.ProcessAt))
	}
	_, err := c.c.EnqueueContext(ctx, task, opts...)
	if err == nil || errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil
	}
	if c.unavailable(ctx, err) {
		return domain.Unavailable("redis", err)
	}
	return &domain.Error{Code: domain.EINTERNAL, Reason: "enqueue_refused",
		Message: fmt.Sprintf("asynq refused task %s (%s)", taskID, m.Type), Err: err}
}

// unavailable reports whether err means Redis cannot be used right now,
// rather than that this task is bad. asynq flattens the errors of its Lua
// scripts to text, so typed checks are not enough: known texts are matched
// too, and when neither says, a PING decides.
func (c *Client) unavailable(ctx context.Context, err error) bool {
	if ctx.Err() != nil || isConnError(err) {
		return true
	}
	msg := err.Error()
	for _, marker := range unavailableTexts {
		if strings.Contains(msg, marker) {
			return true
		}
	}
	if c.rc == nil {
		return true // cannot tell; stopping the sweep is the safe guess
	}
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	return c.rc.Ping(pctx).Err() != nil
}

// isConnError recognises typed connection, timeout and server-state errors.
func isConnError(err error) bool {
	var netErr net.Error
	var errno syscall.Errno
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, goredis.ErrPoolTimeout), errors.Is(err, goredis.ErrClosed),
		errors.As(err, &netErr), errors.As(err, &errno):
		return true
	}
	return goredis.IsLoadingError(err) || goredis.IsReadOnlyError(err) || goredis.IsClusterDownError(err) ||
		goredis.IsTryAgainError(err) || goredis.IsMasterDownError(err) || goredis.IsMaxClientsError(err) ||
		goredis.IsOOMError(err) || goredis.IsNoReplicasError(err) || goredis.IsAuthError(err)
}

// unavailableTexts are the same conditions as text, for errors asynq passed
// on only as a message ("redis eval error: ...").
var unavailableTexts = []string{
	"connection refused", "connection reset", "broken pipe", "i/o timeout", "EOF",
	"use of closed network connection", "no route to host", "network is unreachable",
	"context deadline exceeded", "context canceled", "connection pool timeout", "client is closed",
	"LOADING ", "READONLY ", "CLUSTERDOWN ", "TRYAGAIN ", "MASTERDOWN ", "OOM ", "NOREPLICAS ",
	"max number of clients", "NOAUTH ", "WRONGPASS ",
}

// Close closes the client's connections.
func (c *Client) Close() error {
	if c.rc != nil {
		return c.rc.Close()
	}
	return c.c.Close()
}

// StartEmbeddedRedis runs an in-process Redis (miniredis) on loopback for
// embedded mode; asynq and the rate limiter talk to it like to real Redis.
func StartEmbeddedRedis() (*miniredis.Miniredis, error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, err
	}
	return m, nil
}

// Queues and their priorities for the worker (DESIGN §7). The names are
// app's, which checks every outbox message against them.
const (
	QueueCritical = app.QueueCritical // payments, refunds
	QueueDefault  = app.QueueDefault  // receipts, messages
	QueueLow      = app.QueueLow      // imports, reports, alerts
)

// QueuePriorities weights the worker's polling of the queues.
var QueuePriorities = map[string]int{QueueCritical: 6, QueueDefault: 3, QueueLow: 1}
