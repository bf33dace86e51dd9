// Package queue is the client side of asynq: it implements app.TaskQueue,
// opens the Redis connection (real or in-process) and reports queue sizes.
package queue

import (
	"context"
	"errors"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// Retention keeps a finished task's id in Redis for a while, so an outbox
// row relayed again shortly after (a MarkSent that failed, an expired lease)
// is still recognised as a duplicate. Handlers are idempotent beyond that.
const Retention = 10 * time.Minute

// Client enqueues tasks to asynq.
type Client struct {
	c *asynq.Client
}

var _ app.TaskQueue = (*Client)(nil)

// NewClient connects an asynq client.
func NewClient(opt asynq.RedisConnOpt) *Client { return &Client{c: asynq.NewClient(opt)} }

// Enqueue queues m under taskID. A task id that is already queued (or
// retained) is success: the work is there once, which is all that matters.
func (c *Client) Enqueue(ctx context.Context, taskID string, m app.Message) error {
	task := asynq.NewTask(m.Type, m.Payload)
	_, err := c.c.EnqueueContext(ctx, task, asynq.TaskID(taskID), asynq.Queue(m.Queue),
		asynq.Retention(Retention), asynq.MaxRetry(25))
	if err == nil || errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil
	}
	return domain.Unavailable("redis", err)
}

// Close closes the client's connections.
func (c *Client) Close() error { return c.c.Close() }

// StartEmbeddedRedis runs an in-process Redis (miniredis) on loopback for
// embedded mode; asynq and the rate limiter talk to it like to real Redis.
func StartEmbeddedRedis() (*miniredis.Miniredis, error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, err
	}
	return m, nil
}

// Queues and their priorities for the worker (DESIGN §7).
const (
	QueueCritical = "critical" // payments, refunds
	QueueDefault  = "default"  // receipts, messages
	QueueLow      = "low"      // imports, reports, alerts
)

// QueuePriorities weights the worker's polling of the queues.
var QueuePriorities = map[string]int{QueueCritical: 6, QueueDefault: 3, QueueLow: 1}
