package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// Where a payment report came from.
const (
	SourceNotification = "notification"
	SourceQuery        = "query"
)

// errUnchanged tells UpdateOrder's caller that fn left the order as it was;
// it rolls back nothing of the surrounding transaction.
var errUnchanged = errors.New("order unchanged")

// applyOutcome is what a payment report means for its order.
type applyOutcome int

const (
	outcomeNothing     applyOutcome = iota // not paid yet, or already applied
	outcomePaid                            // pending → paid
	outcomeAnomaly                         // does not match the order: never applied
	outcomeAfterClose                      // money for a closed order: refund it
	outcomeOtherTxPaid                     // a second transaction for a paid order
)

// ApplyPayment applies what WeChat Pay reported about an order (by
// notification or query) exactly once, however often and in whatever order
// reports arrive. A successful payment that matches the order moves it
// pending → paid by a conditional update and, in the same transaction,
// books the stock sales, redeems the coupon and queues the receipt. A
// payment that does not match (amount, currency, appid, mchid) is recorded
// as an anomaly and the order stays unpaid. Money for a closed order is
// recorded and refunded in full.
func (o *Orders) ApplyPayment(ctx context.Context, r *PaymentResult, source string) error {
	return o.applyPayment(ctx, r, source, nil)
}

// applyPayment is ApplyPayment; also, when set, runs in the same
// transaction (a notification's job marks its event applied with it).
func (o *Orders) applyPayment(ctx context.Context, r *PaymentResult, source string, also func(ctx context.Context) error) error {
	if also == nil {
		also = func(context.Context) error { return nil }
	}
	if r.TradeState != TradeSuccess {
		return also(ctx) // NOTPAY, USERPAYING, CLOSED ...: nothing to apply
	}
	if r.SuccessTime.IsZero() {
		// WeChat Pay always sends it; a report without it is still money
		// received, dated when we learnt of it.
		copied := *r
		copied.SuccessTime = o.d.Clock.Now()
		r = &copied
	}
	// An order we do not have is found before any lock: locking a missing
	// row would take a gap lock that blocks other orders' inserts.
	if _, err := o.d.Orders.OrderByNo(ctx, r.OutTradeNo); domain.ErrorCode(err) == domain.ENOTFOUND {
		if err := o.recordAnomaly(ctx, r, domain.PaymentAnomaly{Kind: domain.AnomalyUnknownOrder,
			Detail: "WeChat Pay reported a payment for an order we do not have"}); err != nil {
			return err
		}
		return also(ctx)
	} else if err != nil {
		return err
	}
	return o.d.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := o.applyLocked(ctx, r, source); err != nil {
			return err
		}
		return also(ctx)
	})
}

// applyLocked locks the order, judges the report and does what it means,
// inside the caller's transaction.
func (o *Orders) applyLocked(ctx context.Context, r *PaymentResult, source string) error {
	var (
		outcome applyOutcome
		anomaly domain.PaymentAnomaly
	)
	now := o.d.Clock.Now()
	ord, err := o.d.Orders.UpdateOrder(ctx, r.OutTradeNo, func(ord *domain.Order) error {
		outcome, anomaly = o.judge(ord, r)
		if outcome != outcomePaid {
			return errUnchanged
		}
		return ord.MarkPaid(r.TransactionID, r.SuccessTime, now)
	})
	switch {
	case errors.Is(err, errUnchanged):
		ord, err = o.d.Orders.OrderByNo(ctx, r.OutTradeNo)
		if err != nil {
			return err
		}
	case err != nil:
		return err
	}
	switch outcome {
	case outcomePaid:
		return o.afterPaid(ctx, ord, r, source)
	case outcomeAnomaly, outcomeOtherTxPaid:
		return o.recordAnomaly(ctx, r, anomaly)
	case outcomeAfterClose:
		return o.refundAfterClose(ctx, ord, r, source)
	}
	return nil
}

// judge decides what report r means for ord, as it is now (locked).
func (o *Orders) judge(ord *domain.Order, r *PaymentResult) (applyOutcome, domain.PaymentAnomaly) {
	mismatch := func(kind, format string, args ...any) (applyOutcome, domain.PaymentAnomaly) {
		return outcomeAnomaly, domain.PaymentAnomaly{Kind: kind, Detail: fmt.Sprintf(format, args...)}
	}
	switch {
	case o.d.AppID != "" && r.AppID != o.d.AppID:
		return mismatch(domain.AnomalyAppID, "paid to appid %q, expected %q", r.AppID, o.d.AppID)
	case o.d.MchID != "" && r.MchID != o.d.MchID:
		return mismatch(domain.AnomalyMchID, "paid to mchid %q, expected %q", r.MchID, o.d.MchID)
	case r.Currency != "CNY":
		return mismatch(domain.AnomalyCurrency, "paid in %q, expected CNY", r.Currency)
	case !r.Total.Equal(ord.Total):
		return mismatch(domain.AnomalyAmount, "paid %s, order total %s", r.Total.StringFixed(2), ord.Total.StringFixed(2))
	}
	switch ord.Status {
	case domain.OrderPendingPayment:
		return outcomePaid, domain.PaymentAnomaly{}
	case domain.OrderClosed:
		return outcomeAfterClose, domain.PaymentAnomaly{}
	}
	if ord.TransactionID != "" && ord.TransactionID != r.TransactionID {
		return outcomeOtherTxPaid, domain.PaymentAnomaly{Kind: domain.AnomalySecondTransaction,
			Detail: fmt.Sprintf("order already paid by %s", ord.TransactionID)}
	}
	return outcomeNothing, domain.PaymentAnomaly{}
}

// afterPaid does what a paid order sets off, in the transaction that made
// it paid: the payment row, stock sales, the coupon, the receipt job.
func (o *Orders) afterPaid(ctx context.Context, ord *domain.Order, r *PaymentResult, source string) error {
	if _, err := o.recordPayment(ctx, ord, r, domain.PaymentApplied, source); err != nil {
		return err
	}
	for _, s := range saleQuantities(ord.Lines) {
		if _, err := o.d.Stock.Sell(ctx, ord.StoreID, s.productID, s.unit, s.qty, ord.OrderNo); err != nil {
			return err
		}
	}
	if ord.CouponID != 0 {
		if _, err := o.d.Redemptions.SettleCoupon(ctx, ord.OrderNo, []domain.RedemptionStatus{domain.RedemptionHeld},
			domain.RedemptionRedeemed, o.d.Clock.Now()); err != nil {
			return err
		}
	}
	o.d.Log.Info("order paid", "order_no", ord.OrderNo, "total", ord.Total.StringFixed(2), "source", source)
	if err := o.addOrderTask(ctx, TaskReceiptIssue, QueueDefault, ord.OrderNo, time.Time{}); err != nil {
		return err
	}
	// The shopper's "payment succeeded" subscribe message (Messages).
	return o.addOrderTask(ctx, TaskMessagePaymentSuccess, QueueDefault, ord.OrderNo, time.Time{})
}

// refundAfterClose records money that came for a closed order and queues
// its full refund, once per transaction: the refund number names the
// transaction (order no + "C" + transaction id, at most 53 characters of
// WeChat Pay's 64), so a second payment of the order is refunded too.
func (o *Orders) refundAfterClose(ctx context.Context, ord *domain.Order, r *PaymentResult, source string) error {
	stored, err := o.recordPayment(ctx, ord, r, domain.PaymentAfterClose, source)
	if err != nil || !stored {
		return err
	}
	now := o.d.Clock.Now()
	ref := &domain.Refund{ID: o.d.IDs.NewID(), OrderID: ord.ID, OrderNo: ord.OrderNo, OutRefundNo: ord.OrderNo + "C" + r.TransactionID,
		Amount: r.Total, Reason: domain.RefundReasonPaidAfterClose, Status: domain.RefundPending, StoreID: ord.StoreID,
		CreatedAt: now, UpdatedAt: now}
	if err := o.d.Payments.CreateRefund(ctx, ref); err != nil {
		return err
	}
	o.d.Log.Warn("payment for a closed order; refunding it", "order_no", ord.OrderNo, "transaction_id", r.TransactionID)
	payload, _ := json.Marshal(RefundTask{OutRefundNo: ref.OutRefundNo})
	_, err = o.d.Outbox.Add(ctx, Message{Type: TaskRefundSubmit, Queue: QueueCritical, Payload: payload})
	return err
}

func (o *Orders) recordPayment(ctx context.Context, ord *domain.Order, r *PaymentResult, status domain.PaymentStatus, source string) (bool, error) {
	return o.d.Payments.RecordPayment(ctx, &domain.Payment{ID: o.d.IDs.NewID(), OrderID: ord.ID, OrderNo: ord.OrderNo,
		TransactionID: r.TransactionID, Amount: r.Total, PayerTotal: r.PayerTotal, Currency: r.Currency, Status: status,
		Source: source, PaidAt: r.SuccessTime, CreatedAt: o.d.Clock.Now()})
}

// recordAnomaly keeps a payment that must not be applied, for staff, and
// says so loudly in the log (alerting watches error lines).
func (o *Orders) recordAnomaly(ctx context.Context, r *PaymentResult, a domain.PaymentAnomaly) error {
	a.ID, a.OrderNo, a.TransactionID, a.CreatedAt = o.d.IDs.NewID(), r.OutTradeNo, r.TransactionID, o.d.Clock.Now()
	o.d.Log.Error("payment anomaly: not applied", "order_no", r.OutTradeNo, "transaction_id", r.TransactionID,
		"kind", a.Kind, "detail", a.Detail)
	return o.d.Payments.RecordAnomaly(ctx, &a)
}

// sale is what one product of an order takes off the shelf.
type sale struct {
	productID int64
	unit      domain.Unit
	qty       decimal.Decimal
}

// saleQuantities sums an order's lines per product (a product may have a
// packaged line and several scale labels) and sorts them by product id.
// Every payment then locks stock rows in the same order, so two baskets
// holding the same products in another order cannot deadlock each other.
func saleQuantities(lines []*domain.OrderLine) []sale {
	byProduct := map[int64]*sale{}
	var out []*sale
	for _, l := range lines {
		s := byProduct[l.ProductID]
		if s == nil {
			unit := domain.UnitEach
			if l.Weighed {
				unit = domain.UnitKg
			}
			s = &sale{productID: l.ProductID, unit: unit}
			byProduct[l.ProductID] = s
			out = append(out, s)
		}
		s.qty = s.qty.Add(l.Quantity)
	}
	slices.SortFunc(out, func(a, b *sale) int { return cmp.Compare(a.productID, b.productID) })
	sales := make([]sale, len(out))
	for i, s := range out {
		sales[i] = *s
	}
	return sales
}
