package app

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"

	"github.com/scanpay/scanpay/domain"
)

// ListRefunds pages through refunds newest first, for managers to follow
// them up: of one store when storeCode is set, else of every store the
// manager works in (an admin: every store). status narrows to one status;
// abnormal lists those WeChat Pay could not pay out, with their last_error.
func (o *Orders) ListRefunds(ctx context.Context, actor *domain.Staff, storeCode string, status domain.RefundStatus, p domain.Page) (PageResult[*StaffRefund], error) {
	if status != "" && !slices.Contains(domain.RefundStatuses, status) {
		return PageResult[*StaffRefund]{}, domain.Invalid("status_invalid", domain.FieldError{Field: "status",
			Message: "must be one of pending, processing, success, closed, abnormal"})
	}
	storeIDs, err := o.staffStoreIDs(ctx, actor, domain.RoleManager, storeCode)
	if err != nil {
		return PageResult[*StaffRefund]{}, err
	}
	page, err := fetchPage(p, func(r *domain.Refund) int64 { return r.ID }, func(p domain.Page) ([]*domain.Refund, error) {
		return o.d.Refunds.ListRefunds(ctx, domain.RefundFilter{StoreIDs: storeIDs, Status: status}, p)
	})
	if err != nil {
		return PageResult[*StaffRefund]{}, err
	}
	items, err := o.withLines(ctx, page.Items)
	if err != nil {
		return PageResult[*StaffRefund]{}, err
	}
	return PageResult[*StaffRefund]{Items: items, NextAfter: page.NextAfter}, nil
}

// staffStoreIDs is the store filter of a staff list: the one store asked
// for, or every store the staff member works in (nil for an admin: all).
func (o *Orders) staffStoreIDs(ctx context.Context, actor *domain.Staff, min domain.Role, storeCode string) ([]int64, error) {
	if storeCode != "" {
		if err := actor.Authorize(min, storeCode); err != nil {
			return nil, err
		}
		st, err := o.d.Stores.StoreByCode(ctx, storeCode)
		if err != nil {
			return nil, err
		}
		return []int64{st.ID}, nil
	}
	if err := actor.Authorize(min, ""); err != nil {
		return nil, err
	}
	if actor.Role == domain.RoleAdmin {
		return nil, nil
	}
	ids := []int64{}
	for _, code := range actor.StoreCodes {
		st, err := o.d.Stores.StoreByCode(ctx, code)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		ids = append(ids, st.ID)
	}
	return ids, nil
}

// OrderRefunds lists an order's refunds, oldest first, with their lines:
// any staff member who may see the order (clerk and up) may read them.
func (o *Orders) OrderRefunds(ctx context.Context, actor *domain.Staff, orderNo string) ([]*StaffRefund, error) {
	ord, err := o.ForStaff(ctx, actor, orderNo)
	if err != nil {
		return nil, err
	}
	refunds, err := o.d.Payments.RefundsOfOrder(ctx, ord.ID)
	if err != nil {
		return nil, err
	}
	return o.withLines(ctx, refunds)
}

// outRefundNoRE is the shape of every out_refund_no scanpay makes.
var outRefundNoRE = regexp.MustCompile(`^[0-9A-Za-z]{1,64}$`)

// RetryRefund sends an ABNORMAL or CLOSED refund to WeChat Pay again
// (manager and up), once staff have sorted out why it failed: it goes back
// to pending with a new refund:submit job under the same out_refund_no, so
// WeChat Pay can never pay it twice. It stays counted on its order all
// along. Any other status is ECONFLICT refund_not_retryable: pending and
// processing refunds are already being worked on, a successful one is done.
func (o *Orders) RetryRefund(ctx context.Context, actor *domain.Staff, outRefundNo string) (*StaffRefund, error) {
	if !outRefundNoRE.MatchString(outRefundNo) {
		return nil, errRefundNotFound(outRefundNo)
	}
	ref, err := o.d.Payments.RefundByOutRefundNo(ctx, outRefundNo)
	if err != nil {
		return nil, err
	}
	ord, err := o.ForStaff(ctx, actor, ref.OrderNo)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, errRefundNotFound(outRefundNo)
	}
	if err != nil {
		return nil, err
	}
	if err := actor.Authorize(domain.RoleManager, ord.StoreCode); err != nil {
		return nil, err
	}
	err = o.d.Tx.WithinTx(ctx, func(ctx context.Context) error {
		ref, err = o.d.Payments.UpdateRefund(ctx, outRefundNo, func(r *domain.Refund) error {
			if r.Status != domain.RefundAbnormal && r.Status != domain.RefundClosed {
				return domain.Errorf(domain.ECONFLICT, "refund_not_retryable",
					"refund %s is %s; only abnormal or closed refunds are retried", r.OutRefundNo, r.Status)
			}
			r.Status, r.LastError, r.UpdatedAt = domain.RefundPending, "", o.d.Clock.Now()
			return nil
		})
		if err != nil {
			return err
		}
		payload, _ := json.Marshal(RefundTask{OutRefundNo: outRefundNo})
		_, err = o.d.Outbox.Add(ctx, Message{Type: TaskRefundSubmit, Queue: QueueCritical, Payload: payload})
		return err
	})
	if err != nil {
		return nil, err
	}
	o.d.Log.Info("refund retried by staff", "out_refund_no", outRefundNo, "order_no", ord.OrderNo, "staff_id", actor.ID)
	res, err := o.withLines(ctx, []*domain.Refund{ref})
	if err != nil {
		return nil, err
	}
	res[0].Order = ord
	return res[0], nil
}

func errRefundNotFound(outRefundNo string) error {
	return domain.Errorf(domain.ENOTFOUND, "refund_not_found", "no refund %s", outRefundNo)
}

// refundStatusNote is what a refund's last_error says once WeChat Pay has
// answered: nothing, except for the two outcomes where the payer has not
// got the money and staff must act (they see it in the refund lists).
func refundStatusNote(s domain.RefundStatus) string {
	switch s {
	case domain.RefundAbnormal:
		return "WeChat Pay reports the refund ABNORMAL: the payer's account could not take it (card cancelled or frozen); " +
			"settle it on the merchant platform, then retry"
	case domain.RefundClosed:
		return "WeChat Pay closed the refund without paying it; retry it or settle it with the payer"
	}
	return ""
}
