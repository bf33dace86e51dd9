package mysql

import (
	"context"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// UnsettledRefundList lists up to limit refunds still pending or processing
// whose row was last touched before updatedBefore, least recently touched
// first, for the refund reconcile sweep. Every attempt touches the row
// (answer or error), so sweep after sweep works through all of them instead
// of retrying the same few. Abnormal refunds are not listed: WeChat Pay
// will not settle them by itself, staff must act.
func (r *PaymentRepo) UnsettledRefundList(ctx context.Context, updatedBefore time.Time, limit int) ([]*domain.Refund, error) {
	var rows []refundRow
	err := r.db.conn(ctx).Where("status IN ? AND updated_at < ?",
		[]string{string(domain.RefundPending), string(domain.RefundProcessing)}, utcTime(updatedBefore)).
		Order("updated_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]*domain.Refund, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}
