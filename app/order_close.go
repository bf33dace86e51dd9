package app

import (
	"context"
	"errors"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// Cancel closes one of the shopper's unpaid orders, at WeChat Pay first
// so it cannot be paid afterwards, and puts its goods back in the cart
// (restoreCart). An order that turns out to be paid is
// applied as paid and the cancel is refused (ECONFLICT order_paid).
func (o *Orders) Cancel(ctx context.Context, shopper *domain.Shopper, orderNo string) (*domain.Order, error) {
	ord, err := o.Mine(ctx, shopper, orderNo)
	if err != nil {
		return nil, err
	}
	if ord.Status != domain.OrderPendingPayment {
		return nil, domain.Errorf(domain.ECONFLICT, "order_not_pending", "order %s is %s; only unpaid orders can be cancelled", ord.OrderNo, ord.Status)
	}
	closed, err := o.closeOrder(ctx, ord.OrderNo, domain.CloseCancelled)
	if err != nil {
		return nil, err
	}
	o.restoreCart(ctx, shopper, closed)
	return closed, nil
}

// Expire is the job behind TaskOrderExpire: an unpaid order past its
// expiry is closed. One no longer pending is left alone; one not yet due
// is EUNAVAILABLE order_not_due, so the job runs again later.
func (o *Orders) Expire(ctx context.Context, t OrderTask) error {
	ord, err := o.d.Orders.OrderByNo(ctx, t.OrderNo)
	if err != nil {
		return err
	}
	if ord.Status != domain.OrderPendingPayment {
		return nil
	}
	if o.d.Clock.Now().Before(ord.ExpiresAt) {
		// Run early (clocks of hosts differ): the job retries later.
		return domain.Errorf(domain.EUNAVAILABLE, "order_not_due", "order %s expires at %s", ord.OrderNo, ord.ExpiresAt.Format(time.RFC3339))
	}
	_, err = o.closeOrder(ctx, ord.OrderNo, domain.CloseExpired)
	if domain.ErrorReason(err) == "order_paid" {
		return nil // applied as paid instead: nothing left to do
	}
	return err
}

// closeOrder closes an order at WeChat Pay, then here, releasing its
// coupon. If WeChat Pay says it is paid, the payment is applied instead
// (ECONFLICT order_paid); if that payment does not match the order (an
// anomaly), the order is closed here as payment_anomaly for staff to
// settle. A payment that still slips in after the local close is refunded
// by ApplyPayment (paid_after_close).
func (o *Orders) closeOrder(ctx context.Context, orderNo, reason string) (*domain.Order, error) {
	// A payment start racing the close can create the prepay right after
	// WeChat Pay answered "no such order": the locked order then shows a
	// prepay id, and the close at WeChat Pay is done again.
	for attempt := 0; ; attempt++ {
		// The prepay id as it was before asking: only one that appears
		// while WeChat Pay answers is a race. One WeChat Pay does not
		// know although we stored it (a restarted stand-in, a transient
		// answer) cannot be paid there and does not stop the close.
		before, err := o.d.Orders.OrderByNo(ctx, orderNo)
		if err != nil {
			return nil, err
		}
		err = o.d.Gateway.ClosePayment(ctx, orderNo)
		switch {
		case domain.ErrorReason(err) == "order_paid":
			return o.paidAtClose(ctx, orderNo)
		case err != nil && domain.ErrorCode(err) != domain.ENOTFOUND:
			return nil, err
		}
		unknownThere := err != nil // ENOTFOUND: WeChat Pay had no such order
		ord, err := o.closeHere(ctx, orderNo, reason, unknownThere, before.PrepayID)
		if !errors.Is(err, errPrepayRaced) {
			return ord, err
		}
		if attempt == 2 {
			return nil, domain.Errorf(domain.EUNAVAILABLE, "close_raced", "order %s is being paid; try again", orderNo)
		}
	}
}

// errPrepayRaced: the order got a prepay after WeChat Pay said it had none.
var errPrepayRaced = errors.New("prepay created during close")

// closeHere closes the order locally and releases its coupon.
func (o *Orders) closeHere(ctx context.Context, orderNo, reason string, unknownThere bool, prepayBefore string) (*domain.Order, error) {
	var out *domain.Order
	err := o.d.Tx.WithinTx(ctx, func(ctx context.Context) error {
		ord, err := o.d.Orders.UpdateOrder(ctx, orderNo, func(ord *domain.Order) error {
			if unknownThere && ord.PrepayID != prepayBefore && ord.Status == domain.OrderPendingPayment {
				return errPrepayRaced
			}
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

// paidAtClose takes in the payment WeChat Pay reported when asked to close.
// Applied, the order is paid (ECONFLICT order_paid for the caller). Not
// applied (an anomaly), it can never be paid as it stands: it is closed
// so it leaves the sweeps and frees its coupon.
func (o *Orders) paidAtClose(ctx context.Context, orderNo string) (*domain.Order, error) {
	res, err := o.d.Gateway.QueryPayment(ctx, orderNo)
	if err != nil {
		return nil, err
	}
	if err := o.ApplyPayment(ctx, res, SourceQuery); err != nil {
		return nil, err
	}
	ord, err := o.d.Orders.OrderByNo(ctx, orderNo)
	if err != nil {
		return nil, err
	}
	if ord.Status != domain.OrderPendingPayment {
		return nil, domain.Errorf(domain.ECONFLICT, "order_paid", "order %s is paid", orderNo)
	}
	if res.TradeState != TradeSuccess {
		// Paid by WeChat Pay's word (ORDERPAID), yet not SUCCESS when asked
		// (refunded in the merchant portal, say): staff must see it, as
		// they see a mismatched payment.
		err := o.recordAnomaly(ctx, res, domain.PaymentAnomaly{Kind: domain.AnomalyTradeState,
			Detail: "close refused as paid, then reported " + res.TradeState})
		if err != nil {
			return nil, err
		}
	}
	return o.closeHere(ctx, orderNo, domain.CloseAnomaly, false, "")
}
