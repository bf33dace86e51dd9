package wechatpay

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// Refund submits a refund. WeChat Pay keys refunds by out_refund_no, so a
// retry after a timeout is the same refund, not a second one; the answer is
// usually PROCESSING and the outcome arrives by notification or query.
func (c *Client) Refund(ctx context.Context, req app.RefundRequest) (*app.RefundResult, error) {
	var f domain.Fields
	checkOutTradeNo(&f, req.OutTradeNo)
	checkOutRefundNo(&f, req.OutRefundNo)
	if utf8.RuneCountInString(req.Reason) > 80 {
		f.Add("reason", "must be at most 80 characters")
	}
	if err := f.Err("refund_invalid"); err != nil {
		return nil, err
	}
	refund, err := toFen("amount", req.Amount)
	if err != nil {
		return nil, err
	}
	total, err := toFen("total", req.Total)
	if err != nil {
		return nil, err
	}
	if refund > total {
		return nil, domain.Invalid("amount_invalid", domain.FieldError{Field: "amount", Message: "must not be more than the order total"})
	}
	cr := refunddomestic.CreateRequest{
		OutTradeNo:  core.String(req.OutTradeNo),
		OutRefundNo: core.String(req.OutRefundNo),
		Amount:      &refunddomestic.AmountReq{Refund: core.Int64(refund), Total: core.Int64(total), Currency: core.String(Currency)},
	}
	if req.Reason != "" {
		cr.Reason = core.String(req.Reason)
	}
	if c.refundNotifyURL != "" {
		cr.NotifyUrl = core.String(c.refundNotifyURL)
	}
	r, result, err := c.refunds.Create(ctx, cr)
	closeResult(result)
	if err != nil {
		return nil, mapError("refund", err)
	}
	return refundResult(r), nil
}

// QueryRefund asks WeChat Pay how a refund went; the refund job polls it
// for refunds whose notification has not come.
func (c *Client) QueryRefund(ctx context.Context, outRefundNo string) (*app.RefundResult, error) {
	var f domain.Fields
	checkOutRefundNo(&f, outRefundNo)
	if err := f.Err("refund_invalid"); err != nil {
		return nil, err
	}
	r, result, err := c.refunds.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String(outRefundNo)})
	closeResult(result)
	if err != nil {
		return nil, mapError("refund query", err)
	}
	return refundResult(r), nil
}

// refundResult converts the SDK's refund to the port's type; Amount is what
// this refund gives back, in yuan.
func refundResult(r *refunddomestic.Refund) *app.RefundResult {
	res := &app.RefundResult{
		OutTradeNo: deref(r.OutTradeNo), OutRefundNo: deref(r.OutRefundNo), RefundID: deref(r.RefundId),
		Amount: fromFen(0),
	}
	if r.Status != nil {
		res.Status = string(*r.Status)
	}
	if r.Amount != nil {
		res.Amount = fenPtr(r.Amount.Refund)
	}
	if r.SuccessTime != nil {
		res.SuccessTime = *r.SuccessTime
	}
	return res
}

// refundNotice is the decrypted resource of a REFUND.* notification. The
// SDK has no type for it (its Refund is the API answer, which names the
// status "status", not "refund_status"), so it is spelled out here.
type refundNotice struct {
	MchID               string `json:"mchid"`
	TransactionID       string `json:"transaction_id"`
	OutTradeNo          string `json:"out_trade_no"`
	RefundID            string `json:"refund_id"`
	OutRefundNo         string `json:"out_refund_no"`
	RefundStatus        string `json:"refund_status"`
	SuccessTime         string `json:"success_time"`
	UserReceivedAccount string `json:"user_received_account"`
	Amount              struct {
		Total       int64 `json:"total"`
		Refund      int64 `json:"refund"`
		PayerTotal  int64 `json:"payer_total"`
		PayerRefund int64 `json:"payer_refund"`
	} `json:"amount"`
}

// result converts the notice to the port's type.
func (n *refundNotice) result() (*app.RefundResult, error) {
	r := &app.RefundResult{
		OutTradeNo: n.OutTradeNo, OutRefundNo: n.OutRefundNo, RefundID: n.RefundID,
		Status: n.RefundStatus, Amount: fromFen(n.Amount.Refund),
	}
	if n.SuccessTime != "" {
		t, err := time.Parse(time.RFC3339, n.SuccessTime)
		if err != nil {
			return nil, err
		}
		r.SuccessTime = t
	}
	return r, nil
}

// checkOutRefundNo applies WeChat Pay's rule for out_refund_no (1 to 64 of
// 0-9 A-Z a-z _ - | * @).
func checkOutRefundNo(f *domain.Fields, s string) {
	if len(s) < 1 || len(s) > 64 || !onlyChars(s, "_-|*@") {
		f.Add("out_refund_no", "must be 1 to 64 letters, digits, _, -, |, * or @")
	}
}
