package app

import (
	"context"

	"github.com/scanpay/scanpay/domain"
)

// ReceiptForShopper is the e-receipt of one of the shopper's orders.
// Another shopper's order is ENOTFOUND order_not_found, as for Mine.
func (o *Orders) ReceiptForShopper(ctx context.Context, shopper *domain.Shopper, orderNo string) (*domain.Receipt, error) {
	ord, err := o.Mine(ctx, shopper, orderNo)
	if err != nil {
		return nil, err
	}
	return o.receipt(ctx, ord)
}

// ReceiptForStaff is the e-receipt of an order of a store the staff member
// works in (clerk and up); another store's order is ENOTFOUND, as for
// ForStaff.
func (o *Orders) ReceiptForStaff(ctx context.Context, actor *domain.Staff, orderNo string) (*domain.Receipt, error) {
	ord, err := o.ForStaff(ctx, actor, orderNo)
	if err != nil {
		return nil, err
	}
	return o.receipt(ctx, ord)
}

// receipt builds the order's receipt from what is stored now, so refunds
// made since it was issued show on it. An unpaid order is ECONFLICT
// order_not_paid; a paid one whose receipt job has not run yet is
// ENOTFOUND receipt_not_issued (it runs within moments of the payment).
func (o *Orders) receipt(ctx context.Context, ord *domain.Order) (*domain.Receipt, error) {
	if ord.PaidAt.IsZero() {
		return nil, domain.Errorf(domain.ECONFLICT, "order_not_paid", "order %s is not paid; it has no receipt", ord.OrderNo)
	}
	if o.d.Receipts == nil {
		return nil, domain.Errorf(domain.EINTERNAL, "receipts_not_wired", "receipts are not wired")
	}
	issued, err := o.d.Receipts.ReceiptOfOrder(ctx, ord.ID)
	if err != nil {
		return nil, err
	}
	store, err := o.d.Stores.StoreByCode(ctx, ord.StoreCode)
	if err != nil {
		return nil, err
	}
	payments, err := o.d.Payments.PaymentsOfOrder(ctx, ord.ID)
	if err != nil {
		return nil, err
	}
	refunds, err := o.d.Payments.RefundsOfOrder(ctx, ord.ID)
	if err != nil {
		return nil, err
	}
	return domain.BuildReceipt(domain.ReceiptInput{Order: ord, Store: store, Issued: issued, Payments: payments, Refunds: refunds})
}
