package mysql

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/scanpay/scanpay/app"
	"gorm.io/gorm"
)

type txKey struct{}

// txState is what a transaction carries in its ctx.
type txState struct {
	tx          *gorm.DB
	wroteOutbox bool
}

var _ app.Tx = (*DB)(nil)

// WithinTx runs fn in a transaction. A nested call joins the outer one, so
// use cases compose. fn's error rolls everything back. A transaction InnoDB
// picks as a deadlock victim runs again, after a short jittered pause.
func (db *DB) WithinTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*txState); ok {
		return fn(ctx)
	}
	for attempt := 1; ; attempt++ {
		err := db.attemptTx(ctx, fn)
		if attempt >= maxTxAttempts || !isDeadlock(err) {
			return err
		}
		// InnoDB picked this transaction as a deadlock victim and rolled it
		// back whole; running it again is what the manual advises. Not at
		// once: the winner still holds its locks, and two victims retrying
		// in lockstep would meet again in the same cycle.
		if err := sleepCtx(ctx, txBackoff(attempt)); err != nil {
			return mapErr(err)
		}
	}
}

// maxTxAttempts bounds deadlock retries of one transaction. Locks are taken
// in a fixed order where we know of a cycle (payments sell per product by
// product id), but InnoDB can still pick a victim among gap and next-key
// locks of concurrent inserts (outbox, movements, level rows), which no lock
// order rules out. A victim was rolled back whole, so running it again is
// safe; five attempts with the backoff below add at most ~250 ms, where
// failing would send a shopper a 503 or a payment task back to the queue.
const maxTxAttempts = 5

// txBackoff is the pause after the attempt-th deadlock: 5–25 ms, times the
// attempt, at random so that victims of one deadlock do not retry together.
func txBackoff(attempt int) time.Duration {
	return time.Duration(attempt) * (5*time.Millisecond + rand.N(20*time.Millisecond))
}

// sleepCtx waits d, or until ctx is done, and then returns ctx's error.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// attemptTx runs fn in one transaction. On SQLite it holds the write lock
// for the transaction only, never across WithinTx's backoff (SQLite reports
// no deadlocks, but a pause must not stall every other writer if one came).
func (db *DB) attemptTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if db.writeLock != nil {
		// SQLite has one writer. Queueing writers here, in order, beats
		// letting them spin in SQLite's busy handler, which sleeps in
		// growing steps and gives up with SQLITE_BUSY under contention.
		db.writeLock.Lock()
		defer db.writeLock.Unlock()
	}
	return db.runTx(ctx, fn)
}

func (db *DB) runTx(ctx context.Context, fn func(ctx context.Context) error) error {
	st := &txState{}
	var fnErr error
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		st.tx = tx
		fnErr = fn(context.WithValue(ctx, txKey{}, st))
		return fnErr
	})
	if err != nil {
		if err == fnErr {
			return err // the use case's own error, already in domain terms
		}
		return mapErr(err) // BEGIN or COMMIT failed
	}
	if st.wroteOutbox && db.onOutbox != nil {
		db.onOutbox()
	}
	return nil
}

// conn returns the ctx's transaction, or the pool when there is none.
func (db *DB) conn(ctx context.Context) *gorm.DB {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		return st.tx
	}
	return db.gorm.WithContext(ctx)
}
