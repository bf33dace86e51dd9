package app

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/scanpay/scanpay/domain"
)

// refundReasonTexts are what the payer reads for scanpay's refund reason
// codes: WeChat Pay shows the reason in the payer's refund notice, so a
// code like paid_after_close must not reach it. The code stays in
// refunds.reason, for staff and reports.
var refundReasonTexts = map[string]string{
	domain.RefundReasonPaidAfterClose: "订单已关闭，款项原路退回 (order closed, refunded)",
}

// maxRefundReason is WeChat Pay's limit on a refund reason, in characters;
// a longer one is refused (EINVALID) and the refund would never go out.
const maxRefundReason = 80

// refundReasonText is the reason sent to WeChat Pay for a stored reason:
// the payer's text for a known code, any other reason as it is, cut to
// WeChat Pay's limit.
func refundReasonText(reason string) string {
	if text, ok := refundReasonTexts[reason]; ok {
		reason = text
	}
	if utf8.RuneCountInString(reason) <= maxRefundReason {
		return reason
	}
	return string([]rune(reason)[:maxRefundReason])
}

// SubmitRefund is the job behind TaskRefundSubmit, and what the refund
// sweep (ReconcileRefunds) runs for each unsettled refund. A refund WeChat
// Pay has not accepted yet is sent under its out_refund_no (so a retry is
// the same refund there); one it has accepted is only asked about
// (QueryRefund), as DESIGN §4 wants PROCESSING polled, not re-submitted.
// A refund still PROCESSING returns EUNAVAILABLE refund_processing, so the
// job runs again later with backoff; when the job gives up, the sweep
// carries on. A refused refund stays pending with its last error, for the
// sweep to try again: money owed to a payer is never dropped.
func (o *Orders) SubmitRefund(ctx context.Context, t RefundTask) error {
	ref, err := o.d.Payments.RefundByOutRefundNo(ctx, t.OutRefundNo)
	if err != nil {
		return err
	}
	if ref.Status == domain.RefundSucceeded || ref.Status == domain.RefundClosed || ref.Status == domain.RefundAbnormal {
		return nil // settled, or ABNORMAL: WeChat Pay will not move it, staff must
	}
	res, err := o.askRefund(ctx, ref)
	if err != nil {
		o.refundFailed(ctx, ref, err)
		return err
	}
	if err := o.applyRefundResult(ctx, res); err != nil {
		return err
	}
	if refundStatus(res.Status) == domain.RefundProcessing {
		return domain.Errorf(domain.EUNAVAILABLE, "refund_processing", "refund %s is still processing at WeChat Pay", ref.OutRefundNo)
	}
	return nil
}

// askRefund gets WeChat Pay's word on ref: a query once WeChat Pay has
// accepted it (it has a refund id, or was reported processing), a create
// otherwise. A query WeChat Pay answers "no such refund" falls back to the
// create: the same out_refund_no cannot refund twice, so it is safe.
func (o *Orders) askRefund(ctx context.Context, ref *domain.Refund) (*RefundResult, error) {
	if ref.RefundID != "" || ref.Status == domain.RefundProcessing {
		res, err := o.d.Gateway.QueryRefund(ctx, ref.OutRefundNo)
		if domain.ErrorCode(err) != domain.ENOTFOUND {
			return res, err
		}
		o.d.Log.Warn("refund unknown to WeChat Pay on query; submitting it again", "out_refund_no", ref.OutRefundNo)
	}
	ord, err := o.d.Orders.OrderByNo(ctx, ref.OrderNo)
	if err != nil {
		return nil, err
	}
	return o.d.Gateway.Refund(ctx, RefundRequest{OutTradeNo: ord.OrderNo, OutRefundNo: ref.OutRefundNo,
		Reason: refundReasonText(ref.Reason), Amount: ref.Amount, Total: ord.Total})
}

// refundFailed records why a refund attempt failed. Every failure is noted
// (last_error, and updated_at so the sweep takes the others first next
// time). One that is not an outage (EINVALID: WeChat Pay refused it;
// ECONFLICT refund_not_enough: the merchant balance is too low) is logged
// at ERROR, because retrying alone will not fix it (the job gives up on
// EINVALID at once and on NOT_ENOUGH after its retries): a person must act,
// and until then the sweep keeps retrying.
func (o *Orders) refundFailed(ctx context.Context, ref *domain.Refund, cause error) {
	o.noteRefundError(ctx, ref.OutRefundNo, cause)
	if domain.ErrorCode(cause) == domain.EUNAVAILABLE {
		return
	}
	o.d.Log.Error("refund not accepted by WeChat Pay; kept for the refund sweep, staff must act",
		"out_refund_no", ref.OutRefundNo, "order_no", ref.OrderNo, "status", string(ref.Status),
		"code", domain.ErrorCode(cause), "reason", domain.ErrorReason(cause), "err", cause)
}

// applyRefundResult records a refund's status as WeChat Pay reported it
// (answer, query or notification). Reports may come late and out of
// order, so a final status (success, closed) is never overwritten, and
// ABNORMAL only by a final one: a stale PROCESSING must not hide a refund
// that needs staff.
func (o *Orders) applyRefundResult(ctx context.Context, res *RefundResult) error {
	next := refundStatus(res.Status)
	_, err := o.d.Payments.UpdateRefund(ctx, res.OutRefundNo, func(r *domain.Refund) error {
		switch {
		case r.Status == domain.RefundSucceeded || r.Status == domain.RefundClosed:
			return nil
		case r.Status == domain.RefundAbnormal && next == domain.RefundProcessing:
			return nil
		}
		if res.RefundID != "" {
			r.RefundID = res.RefundID
		}
		r.Status = next
		if r.Status == domain.RefundSucceeded {
			r.SucceededAt = res.SuccessTime
			if r.SucceededAt.IsZero() {
				r.SucceededAt = o.d.Clock.Now()
			}
		}
		// WeChat Pay answered: an earlier failure no longer describes it,
		// but an ABNORMAL or CLOSED answer is noted for staff.
		r.LastError, r.UpdatedAt = refundStatusNote(next), o.d.Clock.Now()
		return nil
	})
	if err == nil && (next == domain.RefundAbnormal || next == domain.RefundClosed) {
		// Either way the payer has not got the money back.
		o.d.Log.Error("refund "+string(next)+" at WeChat Pay: the payer is not refunded; staff must act",
			"out_refund_no", res.OutRefundNo, "out_trade_no", res.OutTradeNo)
	}
	return err
}

// noteRefundError keeps the failure on the refund for staff (the
// repository cuts it to the column's 500 characters); a failure to note it
// is not worth failing the job over (the job's error is logged).
func (o *Orders) noteRefundError(ctx context.Context, outRefundNo string, cause error) {
	_, _ = o.d.Payments.UpdateRefund(ctx, outRefundNo, func(r *domain.Refund) error {
		r.LastError, r.UpdatedAt = domain.ErrorMessage(cause), o.d.Clock.Now()
		return nil
	})
}

// refundStatus maps WeChat Pay's refund status to ours; anything unknown
// is taken as still processing, so it is polled again.
func refundStatus(s string) domain.RefundStatus {
	switch strings.ToUpper(s) {
	case RefundSuccess:
		return domain.RefundSucceeded
	case RefundClosed:
		return domain.RefundClosed
	case RefundAbnormal:
		return domain.RefundAbnormal
	}
	return domain.RefundProcessing
}
