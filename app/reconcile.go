package app

import (
	"context"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// ReconcileAfter is how long an order may wait for its notification before
// the reconcile sweep first asks WeChat Pay about it.
const ReconcileAfter = time.Minute

// reconcileBatch bounds one query of a sweep; sweeps page through all.
const reconcileBatch = 200

// ReconcileReport says what one sweep did, for the log.
type ReconcileReport struct {
	Checked, Paid, Closed, Failed int
	// FollowUps counts paid orders whose receipt and message were reissued.
	FollowUps int
}

// Reconcile is the periodic safety net of the payment flow (run every
// ReconcileEvery):
//
//   - orders past their expiry whose expiry job was lost are closed (at
//     WeChat Pay first; one paid there meanwhile is applied as paid);
//   - orders that reached WeChat Pay are asked about 1, 2, 4, 8 ... minutes
//     after their payment started (up to ORDER_TTL), so a lost notification is
//     found within a minute or two, and each order costs a handful of
//     queries in its life, however many sit unpaid; nothing needs to be
//     stored per order to schedule it;
//   - orders paid 5, 10, 20 ... minutes ago without a receipt get it, and
//     their payment message is queued again (reconcile_followups.go).
//
// A sweep that does not run leaves its age slots unchecked; the expiry
// still settles those orders. Errors on one order are logged and counted;
// the sweep goes on.
func (o *Orders) Reconcile(ctx context.Context) (ReconcileReport, error) {
	var rep ReconcileReport
	now := o.d.Clock.Now()
	// A minute's grace: each order's own expiry job is due a second after
	// its expiry, and the sweep should not race it.
	err := o.eachPending(ctx, domain.PendingQuery{ExpiredBefore: now.Add(-time.Minute)}, func(ord *domain.Order) {
		status, err := o.settleExpired(ctx, ord.OrderNo)
		o.count(&rep, ord, status, err)
	})
	if err != nil {
		return rep, err
	}
	every := o.d.ReconcileEvery
	if every <= 0 {
		every = time.Minute
	}
	for age := ReconcileAfter; age < o.d.TTL; age *= 2 {
		// Age counts from the payment start (a prepay is valid a fixed
		// PrepayValidity from then), not from checkout: a shopper may
		// tap "pay" minutes after checking out.
		q := domain.PendingQuery{WithPrepay: true, PrepayValidFrom: now.Add(-age - every + PrepayValidity),
			PrepayValidTo: now.Add(-age + PrepayValidity)}
		err := o.eachPending(ctx, q, func(ord *domain.Order) {
			status, err := o.syncPending(ctx, ord.OrderNo)
			o.count(&rep, ord, status, err)
		})
		if err != nil {
			return rep, err
		}
	}
	if rep.FollowUps, err = o.reissueFollowUps(ctx, now, every); err != nil {
		return rep, err
	}
	if rep.Checked > 0 || rep.FollowUps > 0 {
		o.d.Log.Info("orders reconciled", "checked", rep.Checked, "paid", rep.Paid, "closed", rep.Closed, "failed", rep.Failed,
			"follow_ups", rep.FollowUps)
	}
	return rep, nil
}

// eachPending pages through the pending orders q selects.
func (o *Orders) eachPending(ctx context.Context, q domain.PendingQuery, fn func(*domain.Order)) error {
	q.Limit = reconcileBatch
	for {
		page, err := o.d.Orders.PendingOrders(ctx, q)
		if err != nil {
			return err
		}
		for _, ord := range page {
			if err := ctx.Err(); err != nil {
				return err
			}
			fn(ord)
		}
		if len(page) < q.Limit {
			return nil
		}
		q.AfterID = page[len(page)-1].ID
	}
}

// count notes one order's outcome: the status it has now, as the sweep
// saw it, so the report says what really happened.
func (o *Orders) count(rep *ReconcileReport, ord *domain.Order, status domain.OrderStatus, err error) {
	rep.Checked++
	switch {
	case err != nil:
		rep.Failed++
		o.d.Log.Warn("reconcile order", "order_no", ord.OrderNo, "err", err)
	case status == domain.OrderPaid:
		rep.Paid++
	case status == domain.OrderClosed:
		rep.Closed++
	}
}

// syncPending asks WeChat Pay about an order that reached it, applies a
// payment it reports and returns the order's status. An order WeChat Pay
// does not know, or has not been paid, is left alone (and not read again).
func (o *Orders) syncPending(ctx context.Context, orderNo string) (domain.OrderStatus, error) {
	res, err := o.d.Gateway.QueryPayment(ctx, orderNo)
	switch {
	case domain.ErrorCode(err) == domain.ENOTFOUND:
		return domain.OrderPendingPayment, nil
	case err != nil:
		return "", err
	case res.TradeState != TradeSuccess:
		return domain.OrderPendingPayment, nil
	}
	if err := o.ApplyPayment(ctx, res, SourceQuery); err != nil {
		return "", err
	}
	return o.statusOf(ctx, orderNo) // paid, or still pending (an anomaly)
}

// settleExpired closes an expired order; if WeChat Pay has it paid, it is
// applied instead (closeOrder's order_paid is then no failure).
func (o *Orders) settleExpired(ctx context.Context, orderNo string) (domain.OrderStatus, error) {
	closed, err := o.closeOrder(ctx, orderNo, domain.CloseExpired)
	switch {
	case domain.ErrorReason(err) == "order_paid":
		return o.statusOf(ctx, orderNo)
	case err != nil:
		return "", err
	}
	return closed.Status, nil
}

func (o *Orders) statusOf(ctx context.Context, orderNo string) (domain.OrderStatus, error) {
	ord, err := o.d.Orders.OrderByNo(ctx, orderNo)
	if err != nil {
		return "", err
	}
	return ord.Status, nil
}
