package app

import (
	"context"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// RefundSweepAfter is how long a refund rests after its last attempt (or
// answer) before the refund sweep takes it up again: the refund job has
// the first go, the sweep is the long-term retry.
const RefundSweepAfter = time.Minute

// refundSweepBatch bounds one sweep. Each sweep takes the refunds left
// alone longest, and every attempt touches its refund, so the next sweep
// takes the next ones; one batch per sweep keeps a WeChat Pay outage from
// turning a sweep into a long loop over the same failing refunds.
const refundSweepBatch = 200

// RefundReport says what one refund sweep did, for the log.
type RefundReport struct {
	Checked, Succeeded, Failed int
}

// ReconcileRefunds is the refund reconcile sweep (DESIGN §7), run with the
// orders reconcile: refunds still pending or processing, untouched for
// RefundSweepAfter, oldest first, go through SubmitRefund again. That
// sends a refund WeChat Pay never accepted (it refused it, say for a low
// balance, and the job gave up) and polls one still PROCESSING whose
// notification was lost, after the job's retries ran out. Refund
// notifications settle most refunds long before. Errors on one refund are
// logged and counted; the sweep goes on. ABNORMAL refunds are left to
// staff.
func (o *Orders) ReconcileRefunds(ctx context.Context) (RefundReport, error) {
	var rep RefundReport
	refunds, err := o.d.Payments.UnsettledRefundList(ctx, o.d.Clock.Now().Add(-RefundSweepAfter), refundSweepBatch)
	if err != nil {
		return rep, err
	}
	for _, ref := range refunds {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.Checked++
		err := o.SubmitRefund(ctx, RefundTask{OutRefundNo: ref.OutRefundNo})
		switch {
		case domain.ErrorReason(err) == "refund_processing":
			// Accepted, not settled yet: the next sweep asks again.
		case err != nil:
			rep.Failed++
			o.d.Log.Warn("reconcile refund", "out_refund_no", ref.OutRefundNo, "err", err)
		default:
			if now, err := o.d.Payments.RefundByOutRefundNo(ctx, ref.OutRefundNo); err == nil && now.Status == domain.RefundSucceeded {
				rep.Succeeded++
			}
		}
	}
	if rep.Checked > 0 {
		o.d.Log.Info("refunds reconciled", "checked", rep.Checked, "succeeded", rep.Succeeded, "failed", rep.Failed)
	}
	return rep, nil
}
