package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// Queues the worker serves (DESIGN §7). Every outbox message names one; a
// message for any other queue would sit in Redis with no worker to run it.
const (
	QueueCritical = "critical" // payments, refunds
	QueueDefault  = "default"  // receipts, messages
	QueueLow      = "low"      // imports, reports, alerts
)

// Limits of an outbox message, those of its columns (task_type VARCHAR(64),
// payload TEXT), checked in Go so MariaDB and SQLite refuse the same rows.
const (
	OutboxMaxTypeLen = 64
	OutboxMaxPayload = 65535
)

// OutboxMaxAttempts parks a row: a row claimed this many times without being
// sent is no longer claimed, so a message the queue keeps refusing cannot
// take a relay's time forever. Parked rows stay in the table (unsent, with
// last_error saying why) and are counted by the scanpay_outbox_parked gauge;
// after fixing the cause an operator sends them again with
//
//	UPDATE outbox SET attempts = 0 WHERE sent_at IS NULL AND attempts >= 20;
//
// Sweeps that find the queue unavailable do not count (see OutboxStore.Unclaim),
// so a long Redis outage parks nothing.
const OutboxMaxAttempts = 20

// Message is follow-up work (pay, refund, receipt ...) for the worker. It is
// written to the outbox in the same transaction as the change it follows, so
// a crash between commit and enqueue loses nothing.
type Message struct {
	Type    string // asynq task type, e.g. "payment:apply"
	Queue   string // QueueCritical | QueueDefault | QueueLow
	Payload []byte // JSON
	// ProcessAt delays the task until then (an order's expiry); zero runs
	// it at once.
	ProcessAt time.Time
}

// Validate refuses a message that could never be delivered, before it is
// written: a row the relay cannot enqueue would only be retried until it is
// parked. The error is EINVALID with reason outbox_message_invalid; from a
// use case it means a bug in that use case, not bad user input.
func (m Message) Validate() error {
	var f domain.Fields
	switch {
	case strings.TrimSpace(m.Type) == "":
		f.Add("type", "is required")
	case len(m.Type) > OutboxMaxTypeLen:
		f.Add("type", "is %d bytes, at most %d", len(m.Type), OutboxMaxTypeLen)
	}
	switch m.Queue {
	case QueueCritical, QueueDefault, QueueLow:
	default:
		f.Add("queue", "%q is not one of %s, %s, %s", m.Queue, QueueCritical, QueueDefault, QueueLow)
	}
	if len(m.Payload) > OutboxMaxPayload {
		f.Add("payload", "is %d bytes, at most %d", len(m.Payload), OutboxMaxPayload)
	}
	return f.Err("outbox_message_invalid")
}

// Outbox records messages inside the caller's transaction (taken from ctx).
// Add refuses a message that fails Message.Validate and writes nothing.
type Outbox interface {
	Add(ctx context.Context, m Message) (id int64, err error)
}

// OutboxRow is one leased outbox row, ready to enqueue.
type OutboxRow struct {
	ID int64
	// Attempts counts the claims of this row, this one included; at
	// OutboxMaxAttempts a failure parks the row.
	Attempts int
	Message
}

// OutboxStore is the relay's view of the outbox table.
type OutboxStore interface {
	// Claim leases up to limit unsent rows with fewer than
	// OutboxMaxAttempts attempts to owner until now+lease, counting one
	// attempt on each; rows leased by another live relay are skipped, so
	// two relays never send the same row at the same time.
	Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]OutboxRow, error)
	// MarkSentMany marks rows sent, all in one statement: a relay batch
	// costs one commit, not one per row.
	MarkSentMany(ctx context.Context, ids []int64, now time.Time) error
	// Release gives a leased row back at once after a failed enqueue, noting
	// why, so the next sweep retries it. The attempt counts.
	Release(ctx context.Context, id int64, owner, reason string) error
	// Unclaim gives leased rows back at once without counting the claim as
	// an attempt: they were not tried, or failed only because the queue was
	// unavailable, which is no fault of theirs. reason is noted on each.
	Unclaim(ctx context.Context, owner string, ids []int64, reason string) error
}

// OutboxPurger deletes sent outbox rows older than olderThan, batch rows per
// statement, and returns how many it deleted. An OutboxStore that also
// implements it is purged by OutboxRelay.Run (see PurgeEvery).
type OutboxPurger interface {
	PurgeSent(ctx context.Context, olderThan time.Time, batch int) (int64, error)
}

// TaskQueue enqueues tasks under a caller-chosen id. Enqueueing an id that is
// already queued is not an error: that is how a double send is absorbed.
// An error with code EUNAVAILABLE means the queue cannot be reached (the
// relay stops its sweep and retries later); any other error is about this
// message (the relay notes it on the row and goes on with the next).
type TaskQueue interface {
	Enqueue(ctx context.Context, taskID string, m Message) error
}

// OutboxTaskID is the asynq task id of an outbox row.
func OutboxTaskID(id int64) string { return "outbox:" + strconv.FormatInt(id, 10) }

// Purge defaults: sent rows are kept a week (for support questions such as
// "was the receipt ever sent?") and purged about once an hour.
const (
	DefaultOutboxPurgeEvery = time.Hour
	DefaultOutboxKeep       = 7 * 24 * time.Hour
	outboxPurgeBatch        = 1000
)

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

	purger     OutboxPurger // nil: no purging
	purgeEvery time.Duration
	purgeKeep  time.Duration
}

// NewOutboxRelay builds a relay; owner must be unique per running relay
// (host, pid and a random part), so leases tell relays apart. When store
// implements OutboxPurger, Run purges sent rows older than
// DefaultOutboxKeep every DefaultOutboxPurgeEvery; PurgeEvery changes that.
func NewOutboxRelay(store OutboxStore, queue TaskQueue, clock Clock, owner string, log *slog.Logger) *OutboxRelay {
	r := &OutboxRelay{store: store, queue: queue, clock: clock, owner: owner,
		lease: 30 * time.Second, batch: 100, log: log, kick: make(chan struct{}, 1)}
	if p, ok := store.(OutboxPurger); ok {
		r.purger, r.purgeEvery, r.purgeKeep = p, DefaultOutboxPurgeEvery, DefaultOutboxKeep
	}
	return r
}

// PurgeEvery makes Run delete sent rows older than keep every interval (and
// once when it starts). interval <= 0 turns purging off; keep <= 0 means
// DefaultOutboxKeep. It has no effect when the store cannot purge. Call it
// before Run.
func (r *OutboxRelay) PurgeEvery(interval, keep time.Duration) {
	if keep <= 0 {
		keep = DefaultOutboxKeep
	}
	r.purgeEvery, r.purgeKeep = interval, keep
}

// Kick asks a running relay to sweep now, e.g. right after a commit that
// wrote outbox rows, instead of waiting for the next tick. It never blocks.
func (r *OutboxRelay) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// RelayOnce claims one batch of rows and enqueues them. When the queue is
// unavailable (or ctx ends) it stops, gives the rest of the batch back
// uncounted and returns the error. A row the queue refuses for any other
// reason is released with that reason and the sweep goes on, so one bad row
// never holds up the rows behind it; after OutboxMaxAttempts it is parked.
func (r *OutboxRelay) RelayOnce(ctx context.Context) (sent int, err error) {
	rows, err := r.store.Claim(ctx, r.owner, r.clock.Now(), r.lease, r.batch)
	if err != nil {
		return 0, err
	}
	queued := make([]int64, 0, len(rows))
	for i, row := range rows {
		if err := ctx.Err(); err != nil {
			r.unclaim(ctx, rows[i:], "relay stopped")
			return r.markSent(ctx, queued, err)
		}
		if err := r.queue.Enqueue(ctx, OutboxTaskID(row.ID), row.Message); err != nil {
			if ctx.Err() != nil || domain.ErrorCode(err) == domain.EUNAVAILABLE {
				r.unclaim(ctx, rows[i:], "queue unavailable: "+err.Error())
				return r.markSent(ctx, queued, fmt.Errorf("enqueue outbox %d: %w", row.ID, err))
			}
			r.release(ctx, row, err)
			continue
		}
		queued = append(queued, row.ID)
	}
	return r.markSent(ctx, queued, nil)
}

// markSent marks the rows queued so far sent, in one statement, and
// returns how many with cause (or the marking's own error). If marking
// fails the tasks are queued all the same; the rows are sent again after
// their lease and absorbed by the task ids. Nothing is lost.
func (r *OutboxRelay) markSent(ctx context.Context, ids []int64, cause error) (int, error) {
	if len(ids) == 0 {
		return 0, cause
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := r.store.MarkSentMany(ctx, ids, r.clock.Now()); err != nil {
		return 0, errors.Join(cause, fmt.Errorf("mark %d outbox rows sent: %w", len(ids), err))
	}
	return len(ids), cause
}

// release gives back a row the queue refused, counting the attempt, and
// says so: at the last attempt loudly, because the row is parked.
func (r *OutboxRelay) release(ctx context.Context, row OutboxRow, cause error) {
	attrs := []any{"id", row.ID, "type", row.Type, "queue", row.Queue, "attempt", row.Attempts, "err", cause}
	if err := r.store.Release(ctx, row.ID, r.owner, cause.Error()); err != nil {
		// The lease expires on its own; the row is retried then.
		r.log.Warn("outbox: release a refused row", append(attrs, "release_err", err)...)
	}
	if row.Attempts >= OutboxMaxAttempts {
		r.log.Error("outbox row parked: the queue refused it on every attempt; fix the cause and reset its attempts", attrs...)
		return
	}
	r.log.Warn("outbox row refused by the queue; will retry", attrs...)
}

// unclaim gives rows back uncounted. It runs also when ctx has ended (the
// relay is stopping), briefly, so the rows need not wait out their lease.
// Best effort: if the database is down too, the lease simply expires.
func (r *OutboxRelay) unclaim(ctx context.Context, rows []OutboxRow, reason string) {
	if len(rows) == 0 {
		return
	}
	ids := make([]int64, len(rows))
	for i, row := range rows {
		ids[i] = row.ID
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = r.store.Unclaim(ctx, r.owner, ids, reason)
}

// Run sweeps every interval and on Kick until ctx ends. A full batch is
// followed at once by another, so a backlog drains without waiting. When
// purging is on, it also purges sent rows (see PurgeEvery) in the
// background; Run returns once both have stopped.
func (r *OutboxRelay) Run(ctx context.Context, interval time.Duration) {
	var wg sync.WaitGroup
	defer wg.Wait()
	if r.purger != nil && r.purgeEvery > 0 {
		wg.Go(func() { r.purgeLoop(ctx) })
	}
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

// purgeLoop purges at once and then every purgeEvery until ctx ends. Several
// relays purging at the same time is harmless: each deletes by id.
func (r *OutboxRelay) purgeLoop(ctx context.Context) {
	t := time.NewTicker(r.purgeEvery)
	defer t.Stop()
	for {
		cut := r.clock.Now().Add(-r.purgeKeep)
		n, err := r.purger.PurgeSent(ctx, cut, outboxPurgeBatch)
		switch {
		case err != nil && ctx.Err() == nil:
			r.log.Warn("outbox purge failed; will retry", "err", err, "deleted", n)
		case n > 0:
			r.log.Info("outbox purged", "deleted", n, "sent_before", cut)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
