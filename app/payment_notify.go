package app

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/scanpay/scanpay/domain"
)

// PaymentApplyTask is the payload of TaskPaymentApply: the stored event
// and the transaction it reported, as the gateway decoded it.
type PaymentApplyTask struct {
	EventID     int64         `json:"event_id"`
	Transaction PaymentResult `json:"transaction"`
}

// RefundApplyTask is the payload of TaskRefundApply.
type RefundApplyTask struct {
	EventID int64        `json:"event_id"`
	Refund  RefundResult `json:"refund"`
}

// ReceiveNotification takes a WeChat Pay notification as the webhook got
// it: verified and decrypted by the gateway (EUNAUTHORIZED and nothing
// stored when it fails), then stored with its follow-up job in one
// transaction. Processing happens in the job, so the answer comes well
// inside WeChat Pay's 5 s. A duplicate (same notification id) is
// acknowledged and changes nothing. An error other than EUNAUTHORIZED means
// nothing was stored: the webhook answers 5xx and WeChat Pay sends again.
func (o *Orders) ReceiveNotification(ctx context.Context, header http.Header, body []byte) (*PaymentNotification, error) {
	n, err := o.d.Gateway.ParseNotification(ctx, header, body)
	if err != nil {
		return nil, err
	}
	ev := &domain.PaymentEvent{ID: o.d.IDs.NewID(), EventID: n.ID, EventType: n.EventType, Resource: n.Resource,
		ReceivedAt: o.d.Clock.Now()}
	var msg Message
	switch {
	case n.Transaction != nil:
		ev.OutTradeNo = n.Transaction.OutTradeNo
		payload, _ := json.Marshal(PaymentApplyTask{EventID: ev.ID, Transaction: *n.Transaction})
		msg = Message{Type: TaskPaymentApply, Queue: QueueCritical, Payload: payload}
	case n.Refund != nil:
		ev.OutTradeNo = n.Refund.OutTradeNo
		payload, _ := json.Marshal(RefundApplyTask{EventID: ev.ID, Refund: *n.Refund})
		msg = Message{Type: TaskRefundApply, Queue: QueueCritical, Payload: payload}
	}
	err = o.d.Tx.WithinTx(ctx, func(ctx context.Context) error {
		stored, err := o.d.Payments.RecordEvent(ctx, ev)
		if err != nil || !stored || msg.Type == "" {
			return err
		}
		_, err = o.d.Outbox.Add(ctx, msg)
		return err
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// ApplyPaymentEvent is the job behind TaskPaymentApply. The event is marked
// applied in the payment's own transaction: one commit, and never one
// without the other.
func (o *Orders) ApplyPaymentEvent(ctx context.Context, t PaymentApplyTask) error {
	return o.applyPayment(ctx, &t.Transaction, SourceNotification, func(ctx context.Context) error {
		return o.d.Payments.MarkEventApplied(ctx, t.EventID, o.d.Clock.Now())
	})
}

// ApplyRefundEvent is the job behind TaskRefundApply: the refund's final
// status as WeChat Pay notified it. A refund scanpay did not make is logged
// and dropped.
func (o *Orders) ApplyRefundEvent(ctx context.Context, t RefundApplyTask) error {
	err := o.applyRefundResult(ctx, &t.Refund)
	switch {
	case domain.ErrorCode(err) == domain.ENOTFOUND:
		// A refund made outside scanpay (the merchant portal): the event
		// is kept, there is nothing of ours to update.
		o.d.Log.Warn("refund notification for a refund we did not make", "out_refund_no", t.Refund.OutRefundNo,
			"out_trade_no", t.Refund.OutTradeNo)
	case err != nil:
		return err
	}
	return o.d.Payments.MarkEventApplied(ctx, t.EventID, o.d.Clock.Now())
}

// IssueReceipt is the job behind TaskReceiptIssue: one receipt per paid
// order, however often the job runs.
func (o *Orders) IssueReceipt(ctx context.Context, t OrderTask) error {
	ord, err := o.d.Orders.OrderByNo(ctx, t.OrderNo)
	if err != nil {
		return err
	}
	if ord.PaidAt.IsZero() {
		return domain.Errorf(domain.EINVALID, "order_not_paid", "order %s is not paid; no receipt", ord.OrderNo)
	}
	_, err = o.d.Payments.IssueReceipt(ctx, o.d.IDs.NewID(), ord.ID, ord.OrderNo, o.d.Clock.Now())
	return err
}
