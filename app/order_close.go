package app

import (
	"context"

	"github.com/scanpay/scanpay/domain"
)

// Cancel closes one of the shopper's unpaid orders, at WeChat Pay first
// so it cannot be paid afterwards. An order that turns out to be paid is
// applied as paid and the cancel is refused (ECONFLICT order_paid).
func (o *Orders) Cancel(ctx context.Context, shopper *domain.Shopper, orderNo string) (*domain.Order, error) {
	ord, err := o.Mine(ctx, shopper, orderNo)
	if err != nil {
		return nil, err
	}
	if ord.Status != domain.OrderPendingPayment {
		return nil, domain.Errorf(domain.ECONFLICT, "order_not_pending", "order %s is %s; only unpaid orders can be cancelled", ord.OrderNo, ord.Status)
	}
	return o.closeOrder(ctx, ord.OrderNo, domain.CloseCancelled)
}

// Expire is the job behind TaskOrderExpire: an unpaid order past its
// expiry is closed. One not yet due, or no longer pending, is left alone.
func (o *Orders) Expire(ctx context.Context, t OrderTask) error {
	ord, err := o.d.Orders.OrderByNo(ctx, t.OrderNo)
	if err != nil {
		return err
	}
	if ord.Status != domain.OrderPendingPayment || o.d.Clock.Now().Before(ord.ExpiresAt) {
		return nil
	}
	_, err = o.closeOrder(ctx, ord.OrderNo, domain.CloseExpired)
	if domain.ErrorReason(err) == "order_paid" {
		return nil // applied as paid instead: nothing left to do
	}
	return err
}

// closeOrder closes an order at WeChat Pay, then here, releasing its
// coupon. If WeChat Pay says it is paid, the payment is applied instead.
// A payment that still slips in after the local close is refunded by
// ApplyPayment (paid_after_close).
func (o *Orders) closeOrder(ctx context.Context, orderNo, reason string) (*domain.Order, error) {
	err := o.d.Gateway.ClosePayment(ctx, orderNo)
	switch {
	case domain.ErrorReason(err) == "order_paid":
		if err := o.syncPayment(ctx, orderNo); err != nil {
			return nil, err
		}
		return nil, domain.Errorf(domain.ECONFLICT, "order_paid", "order %s is paid", orderNo)
	case err != nil && domain.ErrorCode(err) != domain.ENOTFOUND:
		// ENOTFOUND: never reached WeChat Pay (no prepay); closing here is enough.
		return nil, err
	}
	var out *domain.Order
	err = o.d.Tx.WithinTx(ctx, func(ctx context.Context) error {
		ord, err := o.d.Orders.UpdateOrder(ctx, orderNo, func(ord *domain.Order) error {
			return ord.Close(reason, o.d.Clock.Now())
		})
		if err != nil {
			return err
		}
		out = ord
		if ord.CouponID == 0 {
			return nil
		}
		_, err = o.d.Redemptions.SettleCoupon(ctx, orderNo, []domain.RedemptionStatus{domain.RedemptionHeld},
			domain.RedemptionReleased, o.d.Clock.Now())
		return err
	})
	if err != nil {
		return nil, err
	}
	o.d.Log.Info("order closed", "order_no", orderNo, "reason", reason)
	return out, nil
}
