package app

import (
	"context"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// ReconcileAfter is how long an order may wait for its notification before
// the reconcile sweep asks WeChat Pay about it.
const ReconcileAfter = time.Minute

// reconcileBatch bounds one sweep; the next sweep takes the rest.
const reconcileBatch = 200

// ReconcileReport says what one sweep did, for the log.
type ReconcileReport struct {
	Checked, Paid, Closed, Failed int
}

// Reconcile is the periodic safety net of the payment flow: for orders
// still pending a minute after checkout it asks WeChat Pay (a lost
// notification is found and applied through ApplyPayment, as a notification
// would be) and it closes the ones past their expiry whose expiry job was
// lost. Errors on one order are logged and counted; the sweep goes on.
func (o *Orders) Reconcile(ctx context.Context) (ReconcileReport, error) {
	var rep ReconcileReport
	now := o.d.Clock.Now()
	pending, err := o.d.Orders.PendingOrders(ctx, now.Add(-ReconcileAfter), reconcileBatch)
	if err != nil {
		return rep, err
	}
	for _, ord := range pending {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		rep.Checked++
		outcome, err := o.reconcileOne(ctx, ord, now)
		switch {
		case err != nil:
			rep.Failed++
			o.d.Log.Warn("reconcile order", "order_no", ord.OrderNo, "err", err)
		case outcome == domain.OrderPaid:
			rep.Paid++
		case outcome == domain.OrderClosed:
			rep.Closed++
		}
	}
	if rep.Checked > 0 {
		o.d.Log.Info("orders reconciled", "checked", rep.Checked, "paid", rep.Paid, "closed", rep.Closed, "failed", rep.Failed)
	}
	return rep, nil
}

// reconcileOne settles one pending order: paid if WeChat Pay has the
// money, closed if it expired, else left to wait.
func (o *Orders) reconcileOne(ctx context.Context, ord *domain.Order, now time.Time) (domain.OrderStatus, error) {
	if ord.PrepayID != "" {
		res, err := o.d.Gateway.QueryPayment(ctx, ord.OrderNo)
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return "", err
		}
		if err == nil && res.TradeState == TradeSuccess {
			if err := o.ApplyPayment(ctx, res, SourceQuery); err != nil {
				return "", err
			}
			return domain.OrderPaid, nil
		}
	}
	if now.Before(ord.ExpiresAt) {
		return "", nil
	}
	_, err := o.closeOrder(ctx, ord.OrderNo, domain.CloseExpired)
	switch domain.ErrorReason(err) {
	case "":
		return domain.OrderClosed, nil
	case "order_paid":
		return domain.OrderPaid, nil
	}
	return "", err
}
