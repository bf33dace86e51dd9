package app

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// Message is follow-up work (pay, refund, receipt ...) for the worker. It is
// written to the outbox in the same transaction as the change it follows, so
// a crash between commit and enqueue loses nothing.
type Message struct {
	Type    string // asynq task type, e.g. "payment:apply"
	Queue   string // critical | default | low
	Payload []byte // JSON
}

// Outbox records messages inside the caller's transaction (taken from ctx).
type Outbox interface {
	Add(ctx context.Context, m Message) (id int64, err error)
}

// OutboxRow is one leased outbox row, ready to enqueue.
type OutboxRow struct {
	ID int64
	Message
}

// OutboxStore is the relay's view of the outbox table.
type OutboxStore interface {
	// Claim leases up to limit unsent rows to owner until now+lease; rows
	// leased by another live relay are skipped, so two relays never send
	// the same row at the same time.
	Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]OutboxRow, error)
	MarkSent(ctx context.Context, id int64, now time.Time) error
	// Release gives a leased row back at once after a failed enqueue, noting
	// why, so the next sweep retries it.
	Release(ctx context.Context, id int64, owner, reason string) error
}

// TaskQueue enqueues tasks under a caller-chosen id. Enqueueing an id that is
// already queued is not an error: that is how a double send is absorbed.
type TaskQueue interface {
	Enqueue(ctx context.Context, taskID string, m Message) error
}

// OutboxTaskID is the asynq task id of an outbox row.
func OutboxTaskID(id int64) string { return "outbox:" + strconv.FormatInt(id, 10) }

// OutboxRelay moves committed outbox rows to the task queue.
type OutboxRelay struct {
	store OutboxStore
	queue TaskQueue
	clock Clock
	owner string
	lease time.Duration
	batch int
	log   *slog.Logger
	kick  chan struct{}
}

// NewOutboxRelay builds a relay; owner must be unique per running relay
// (host, pid and a random part), so leases tell relays apart.
func NewOutboxRelay(store OutboxStore, queue TaskQueue, clock Clock, owner string, log *slog.Logger) *OutboxRelay {
	return &OutboxRelay{store: store, queue: queue, clock: clock, owner: owner,
		lease: 30 * time.Second, batch: 100, log: log, kick: make(chan struct{}, 1)}
}

// Kick asks a running relay to sweep now, e.g. right after a commit that
// wrote outbox rows, instead of waiting for the next tick. It never blocks.
func (r *OutboxRelay) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// RelayOnce claims one batch of rows and enqueues them. It stops at the first
// enqueue failure (Redis down) and releases that row for the next sweep.
func (r *OutboxRelay) RelayOnce(ctx context.Context) (sent int, err error) {
	rows, err := r.store.Claim(ctx, r.owner, r.clock.Now(), r.lease, r.batch)
	if err != nil {
		return 0, err
	}
	for i, row := range rows {
		if err := r.queue.Enqueue(ctx, OutboxTaskID(row.ID), row.Message); err != nil {
			for _, rest := range rows[i:] {
				// Best effort: if the DB is down too, the lease simply expires.
				_ = r.store.Release(ctx, rest.ID, r.owner, err.Error())
			}
			return sent, fmt.Errorf("enqueue outbox %d: %w", row.ID, err)
		}
		if err := r.store.MarkSent(ctx, row.ID, r.clock.Now()); err != nil {
			// The task is queued; the row will be sent again after the lease
			// and absorbed by the task id. Nothing is lost.
			return sent, fmt.Errorf("mark outbox %d sent: %w", row.ID, err)
		}
		sent++
	}
	return sent, nil
}

// Run sweeps every interval and on Kick until ctx ends. A full batch is
// followed at once by another, so a backlog drains without waiting.
func (r *OutboxRelay) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	failing := false
	for {
		for {
			n, err := r.RelayOnce(ctx)
			if err != nil {
				if !failing && ctx.Err() == nil {
					r.log.Warn("outbox relay failing; will retry", "err", err)
				}
				failing = true
				break
			}
			if failing {
				r.log.Info("outbox relay recovered")
				failing = false
			}
			if n < r.batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.kick:
		}
	}
}
