package mysql

import (
	"context"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// The counts below feed Prometheus gauges (wire.go): each is one indexed or
// small-table COUNT, cheap enough for every scrape.

// AnomalyCount counts recorded payment anomalies: payments that did not
// match their order. Any rise needs a person.
func (r *PaymentRepo) AnomalyCount(ctx context.Context) (int64, error) {
	var n int64
	err := r.db.conn(ctx).Table("payment_anomalies").Count(&n).Error
	return n, mapErr(err)
}

// UnsettledRefunds counts refunds not yet settled at WeChat Pay (pending,
// processing) or stuck there (abnormal).
func (r *PaymentRepo) UnsettledRefunds(ctx context.Context) (int64, error) {
	var n int64
	err := r.db.conn(ctx).Table("refunds").Where("status IN ?", []string{string(domain.RefundPending),
		string(domain.RefundProcessing), string(domain.RefundAbnormal)}).Count(&n).Error
	return n, mapErr(err)
}

// OverdueOrders counts orders still pending payment that were created
// before createdBefore: with the expiry job and the reconcile sweep
// working, none should be older than ORDER_TTL plus a few minutes.
func (r *OrderRepo) OverdueOrders(ctx context.Context, createdBefore time.Time) (int64, error) {
	var n int64
	err := r.db.conn(ctx).Table("orders").Where("status = ? AND created_at < ?",
		string(domain.OrderPendingPayment), utcTime(createdBefore)).Count(&n).Error
	return n, mapErr(err)
}
