package mysql

import (
	"context"
	"time"

	"github.com/scanpay/scanpay/domain"
)

var _ domain.ReceiptRepository = (*PaymentRepo)(nil)

var errReceiptNotIssued = domain.Errorf(domain.ENOTFOUND, "receipt_not_issued",
	"the receipt is being issued; try again in a moment")

// ReceiptOfOrder reads the order's receipt row; the payment repository
// writes it (IssueReceipt), so it reads it too.
func (r *PaymentRepo) ReceiptOfOrder(ctx context.Context, orderID int64) (*domain.IssuedReceipt, error) {
	var row receiptRow
	if err := r.db.conn(ctx).Where("order_id = ?", orderID).Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, errReceiptNotIssued
		}
		return nil, mapErr(err)
	}
	return &domain.IssuedReceipt{ID: row.ID, OrderID: row.OrderID, OrderNo: row.OrderNo, IssuedAt: row.IssuedAt.Time()}, nil
}

// PaidWithoutReceipt reads orders by paid time (ix_orders_paid) and keeps
// those without a receipt row (ux_receipts_order): a minute of the chain's
// orders per call.
func (r *PaymentRepo) PaidWithoutReceipt(ctx context.Context, from, to time.Time, limit int) ([]string, error) {
	var nos []string
	err := r.db.conn(ctx).Raw(`SELECT o.order_no FROM orders o
		WHERE o.paid_at >= ? AND o.paid_at < ? AND o.status IN ?
		AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.order_id = o.id)
		ORDER BY o.paid_at, o.id LIMIT ?`,
		utcTime(from), utcTime(to), []string{string(domain.OrderPaid), string(domain.OrderCompleted),
			string(domain.OrderPartiallyRefunded), string(domain.OrderRefunded)}, limit).Scan(&nos).Error
	return nos, mapErr(err)
}
