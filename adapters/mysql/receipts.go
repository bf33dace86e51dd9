package mysql

import (
	"context"

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
