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
