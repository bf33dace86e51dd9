package mysql

import (
	"context"

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
// use cases compose. fn's error rolls everything back.
func (db *DB) WithinTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*txState); ok {
		return fn(ctx)
	}
	if db.writeLock != nil {
		// SQLite has one writer. Queueing writers here, in order, beats
		// letting them spin in SQLite's busy handler, which sleeps in
		// growing steps and gives up with SQLITE_BUSY under contention.
		db.writeLock.Lock()
		defer db.writeLock.Unlock()
	}
	for attempt := 1; ; attempt++ {
		err := db.runTx(ctx, fn)
		if attempt < maxTxAttempts && isDeadlock(err) {
			// InnoDB picked this transaction as a deadlock victim and rolled
			// it back whole; running it again is what the manual advises.
			continue
		}
		return err
	}
}

// maxTxAttempts bounds deadlock retries of one transaction.
const maxTxAttempts = 3

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
