package app

import (
	"context"
	"time"
)

// FollowUpsAfter are the ages, since payment, at which the reconcile sweep
// looks for paid orders without a receipt. A receipt normally follows the
// payment within a second; none after 5 minutes means the receipt and
// message jobs were lost (Redis lost its data after the outbox handed
// them over). Later slots catch orders whose sweeps did not run while
// Redis was away. Each order is looked at once per slot, so the sweep's
// cost is a few minutes' worth of the chain's orders, not a day's.
var FollowUpsAfter = []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, 80 * time.Minute}

// reissueFollowUps is the reconcile sweep's last pass: for each order paid
// in one of the FollowUpsAfter slots that has no receipt, it issues the
// receipt now and queues the payment message again (the message job sends
// at most once, so a duplicate is harmless). It returns how many orders it
// repaired.
func (o *Orders) reissueFollowUps(ctx context.Context, now time.Time, every time.Duration) (int, error) {
	if o.d.Receipts == nil {
		return 0, nil
	}
	repaired := 0
	for _, age := range FollowUpsAfter {
		nos, err := o.d.Receipts.PaidWithoutReceipt(ctx, now.Add(-age-every), now.Add(-age), reconcileBatch)
		if err != nil {
			return repaired, err
		}
		for _, no := range nos {
			if err := o.reissue(ctx, no); err != nil {
				o.d.Log.Error("payment follow-ups not reissued", "order_no", no, "err", err)
				continue
			}
			repaired++
			o.d.Log.Warn("receipt and payment message were lost after payment; reissued", "order_no", no, "paid_age", age.String())
		}
	}
	return repaired, nil
}

// reissue issues the order's receipt and queues its payment message, in
// one transaction.
func (o *Orders) reissue(ctx context.Context, orderNo string) error {
	return o.d.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := o.IssueReceipt(ctx, OrderTask{OrderNo: orderNo}); err != nil {
			return err
		}
		return o.addOrderTask(ctx, TaskMessagePaymentSuccess, QueueDefault, orderNo, time.Time{})
	})
}
