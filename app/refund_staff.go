package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// StaffRefundRequest is a refund as staff ask for it (DESIGN §4
// "Refunds"): some lines and quantities, or none for everything still
// refundable, under an Idempotency-Key chosen by the console.
type StaffRefundRequest struct {
	OrderNo        string
	IdempotencyKey string
	Lines          []domain.RefundAsk
	Reason         string
	Restock        bool
}

// hash tells a replay of a request from another request under the same
// key. Quantities are compared as numbers ("1" and 1.0 are one request).
func (r StaffRefundRequest) hash() string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(r.Reason))
	b.WriteString("\x00" + strconv.FormatBool(r.Restock))
	for _, l := range r.Lines {
		qty := strings.TrimSpace(l.Quantity)
		if d, err := decimal.NewFromString(qty); err == nil {
			qty = d.String()
		}
		b.WriteString("\x00" + strings.TrimSpace(l.LineID) + "\x01" + qty)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// StaffRefund is a refund with the lines it gives back; Order is the order
// as the refund left it (set by RefundByStaff and RetryRefund only).
type StaffRefund struct {
	Refund *domain.Refund
	Lines  []domain.RefundLine
	Order  *domain.Order
}

// RefundByStaff refunds lines of a paid order, or all of what is left
// (manager and up, in the order's store; another store's order is
// ENOTFOUND as in ForStaff). Everything happens in one transaction with
// the order row locked first: the check against what remains, the lines'
// and order's refunded amounts and status, the refund with its lines, the
// return movements when restocking, the coupon's release on a full refund
// and the refund:submit job. So parallel requests can never refund more
// than was paid. created is false when the key names a refund the same
// request already made.
func (o *Orders) RefundByStaff(ctx context.Context, actor *domain.Staff, req StaffRefundRequest) (*StaffRefund, bool, error) {
	req.IdempotencyKey = strings.TrimSpace(req.IdempotencyKey)
	if err := checkIdempotencyKey(req.IdempotencyKey); err != nil {
		return nil, false, err
	}
	ord, err := o.ForStaff(ctx, actor, req.OrderNo)
	if err != nil {
		return nil, false, err
	}
	if err := actor.Authorize(domain.RoleManager, ord.StoreCode); err != nil {
		return nil, false, err
	}
	reason, err := domain.CheckRefundReason(req.Reason)
	if err != nil {
		return nil, false, err
	}
	hash := req.hash()
	var out *StaffRefund
	var replay *domain.Refund
	err = o.d.Tx.WithinTx(ctx, func(ctx context.Context) error {
		out, replay = nil, nil
		var plan domain.RefundPlan
		var seq int
		now := o.d.Clock.Now()
		// The order row is locked before anything of the order is read, so
		// every read below sees what earlier refunds committed.
		locked, err := o.d.Orders.UpdateOrder(ctx, ord.OrderNo, func(locked *domain.Order) error {
			prior, err := o.d.Refunds.RefundByIdempotencyKey(ctx, locked.ID, req.IdempotencyKey)
			switch {
			case err == nil && prior.RequestHash != hash:
				return domain.Errorf(domain.ECONFLICT, "idempotency_key_reused",
					"Idempotency-Key %q was used for another refund of this order; use a new key for a new refund", req.IdempotencyKey)
			case err == nil:
				replay = prior
				return nil
			case domain.ErrorCode(err) != domain.ENOTFOUND:
				return err
			}
			if plan, err = domain.PlanRefund(locked, req.Lines); err != nil {
				return err
			}
			earlier, err := o.d.Payments.RefundsOfOrder(ctx, locked.ID)
			if err != nil {
				return err
			}
			if len(earlier) >= domain.MaxRefundsPerOrder {
				return domain.Errorf(domain.EINVALID, "refund_limit_reached",
					"order %s has %d refunds, the most WeChat Pay accepts for one payment; refund what is left in one go",
					locked.OrderNo, len(earlier))
			}
			seq = len(earlier) + 1
			return locked.ApplyRefund(plan, now)
		})
		if err != nil || replay != nil {
			return err
		}
		out, err = o.recordStaffRefund(ctx, actor, locked, plan, seq, reason, req, hash)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	if replay != nil {
		res, err := o.withLines(ctx, []*domain.Refund{replay})
		if err != nil {
			return nil, false, err
		}
		if res[0].Order, err = o.d.Orders.OrderByNo(ctx, ord.OrderNo); err != nil {
			return nil, false, err
		}
		return res[0], false, nil
	}
	o.d.Log.Info("staff refund recorded", "order_no", ord.OrderNo, "out_refund_no", out.Refund.OutRefundNo,
		"amount", out.Refund.Amount.StringFixed(2), "staff_id", actor.ID, "order_status", string(out.Order.Status))
	return out, true, nil
}

// recordStaffRefund writes what a planned refund sets off, in the
// transaction that holds the order: the refund and its lines, the goods
// back on the shelf, the coupon back to the shopper when the order is
// refunded in full, and the job that sends the refund to WeChat Pay.
func (o *Orders) recordStaffRefund(ctx context.Context, actor *domain.Staff, ord *domain.Order, plan domain.RefundPlan,
	seq int, reason string, req StaffRefundRequest, hash string) (*StaffRefund, error) {
	now := o.d.Clock.Now()
	// order_no (≤ 32) + "R" + sequence: unique, and ≤ 64 characters of
	// [0-9A-Za-z] as WeChat Pay wants; the order lock keeps the sequence.
	ref := &domain.Refund{ID: o.d.IDs.NewID(), OrderID: ord.ID, OrderNo: ord.OrderNo,
		OutRefundNo: fmt.Sprintf("%sR%02d", ord.OrderNo, seq), Amount: plan.Amount, Reason: reason,
		Status: domain.RefundPending, StaffID: actor.ID, StoreID: ord.StoreID, IdempotencyKey: req.IdempotencyKey,
		RequestHash: hash, Restock: req.Restock, CreatedAt: now, UpdatedAt: now}
	lines := make([]domain.RefundLine, len(plan.Lines))
	for i, l := range plan.Lines {
		l.ID, l.RefundID = o.d.IDs.NewID(), ref.ID
		lines[i] = l
	}
	if err := o.d.Refunds.CreateStaffRefund(ctx, ref, lines); err != nil {
		return nil, err
	}
	if req.Restock {
		if err := o.restock(ctx, actor, ord, lines, ref.OutRefundNo); err != nil {
			return nil, err
		}
	}
	if ord.Status == domain.OrderRefunded && ord.CouponID != 0 {
		// A full refund gives the coupon back (DESIGN §4 "Coupons").
		if _, err := o.d.Redemptions.SettleCoupon(ctx, ord.OrderNo, []domain.RedemptionStatus{domain.RedemptionRedeemed},
			domain.RedemptionReleased, now); err != nil {
			return nil, err
		}
	}
	payload, _ := json.Marshal(RefundTask{OutRefundNo: ref.OutRefundNo})
	if _, err := o.d.Outbox.Add(ctx, Message{Type: TaskRefundSubmit, Queue: QueueCritical, Payload: payload}); err != nil {
		return nil, err
	}
	return &StaffRefund{Refund: ref, Lines: lines, Order: ord}, nil
}

// restock books one return movement per product, in product id order as
// sales do, so a refund and a payment of the same products cannot lock
// stock rows in opposite orders.
func (o *Orders) restock(ctx context.Context, actor *domain.Staff, ord *domain.Order, lines []domain.RefundLine, ref string) error {
	byID := make(map[int64]*domain.OrderLine, len(ord.Lines))
	for _, l := range ord.Lines {
		byID[l.ID] = l
	}
	returned := make([]*domain.OrderLine, 0, len(lines))
	for _, rl := range lines {
		l := byID[rl.OrderLineID]
		returned = append(returned, &domain.OrderLine{ProductID: l.ProductID, Weighed: l.Weighed, Quantity: rl.Quantity})
	}
	for _, s := range saleQuantities(returned) {
		if _, err := o.d.Stock.Return(ctx, ord.StoreID, s.productID, s.unit, s.qty, actor.ID, ref); err != nil {
			return err
		}
	}
	return nil
}

// withLines pairs refunds with their lines, read in one query.
func (o *Orders) withLines(ctx context.Context, refunds []*domain.Refund) ([]*StaffRefund, error) {
	ids := make([]int64, len(refunds))
	for i, r := range refunds {
		ids[i] = r.ID
	}
	byRefund, err := o.d.Refunds.RefundLinesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*StaffRefund, len(refunds))
	for i, r := range refunds {
		out[i] = &StaffRefund{Refund: r, Lines: byRefund[r.ID]}
	}
	return out, nil
}
