package app

import (
	"context"
	"strings"

	"github.com/scanpay/scanpay/domain"
)

// SubmitRefund is the job behind TaskRefundSubmit: it sends a recorded
// refund to WeChat Pay under its out_refund_no (so a retry is the same
// refund there) and records the answer. A refund still PROCESSING returns
// EUNAVAILABLE refund_processing, so the job runs again later and polls.
func (o *Orders) SubmitRefund(ctx context.Context, t RefundTask) error {
	ref, err := o.d.Payments.RefundByOutRefundNo(ctx, t.OutRefundNo)
	if err != nil {
		return err
	}
	if ref.Status == domain.RefundSucceeded || ref.Status == domain.RefundClosed || ref.Status == domain.RefundAbnormal {
		return nil
	}
	ord, err := o.d.Orders.OrderByNo(ctx, ref.OrderNo)
	if err != nil {
		return err
	}
	res, err := o.d.Gateway.Refund(ctx, RefundRequest{OutTradeNo: ord.OrderNo, OutRefundNo: ref.OutRefundNo,
		Reason: ref.Reason, Amount: ref.Amount, Total: ord.Total})
	if err != nil {
		if domain.ErrorCode(err) != domain.EUNAVAILABLE {
			o.noteRefundError(ctx, ref.OutRefundNo, err)
		}
		return err
	}
	if err := o.applyRefundResult(ctx, res); err != nil {
		return err
	}
	if res.Status == RefundProcessing {
		return domain.Errorf(domain.EUNAVAILABLE, "refund_processing", "refund %s is still processing at WeChat Pay", ref.OutRefundNo)
	}
	return nil
}

// applyRefundResult records a refund's status as WeChat Pay reported it.
// A final status is never overwritten by an older report.
func (o *Orders) applyRefundResult(ctx context.Context, res *RefundResult) error {
	_, err := o.d.Payments.UpdateRefund(ctx, res.OutRefundNo, func(r *domain.Refund) error {
		if r.Status == domain.RefundSucceeded || r.Status == domain.RefundClosed {
			return nil
		}
		if res.RefundID != "" {
			r.RefundID = res.RefundID
		}
		r.Status = refundStatus(res.Status)
		if r.Status == domain.RefundSucceeded {
			r.SucceededAt = res.SuccessTime
			if r.SucceededAt.IsZero() {
				r.SucceededAt = o.d.Clock.Now()
			}
		}
		r.UpdatedAt = o.d.Clock.Now()
		return nil
	})
	if err == nil && res.Status == RefundAbnormal {
		o.d.Log.Error("refund abnormal at WeChat Pay: staff must act", "out_refund_no", res.OutRefundNo)
	}
	return err
}

func (o *Orders) noteRefundError(ctx context.Context, outRefundNo string, cause error) {
	_, _ = o.d.Payments.UpdateRefund(ctx, outRefundNo, func(r *domain.Refund) error {
		msg := domain.ErrorMessage(cause)
		if len(msg) > 500 {
			msg = msg[:500]
		}
		r.LastError, r.UpdatedAt = msg, o.d.Clock.Now()
		return nil
	})
}

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
