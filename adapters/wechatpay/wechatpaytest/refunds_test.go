package wechatpaytest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
)

type refundView struct {
	RefundID    string `json:"refund_id"`
	OutRefundNo string `json:"out_refund_no"`
	OutTradeNo  string `json:"out_trade_no"`
	Transaction string `json:"transaction_id"`
	Channel     string
	Status      string
	CreateTime  string `json:"create_time"`
	SuccessTime string `json:"success_time"`
	Amount      struct {
		Total, Refund int64
		PayerTotal    int64 `json:"payer_total"`
		PayerRefund   int64 `json:"payer_refund"`
		Currency      string
	}
}

func refundBody(outTradeNo, outRefundNo string, refund, total int64) map[string]any {
	return map[string]any{
		"out_trade_no": outTradeNo, "out_refund_no": outRefundNo, "reason": "退货",
		"notify_url": "https://example.invalid/refund-notify",
		"amount":     map[string]any{"refund": refund, "total": total, "currency": "CNY"},
	}
}

func (f *fake) refund(t *testing.T, body map[string]any) (answer, refundView) {
	t.Helper()
	a := f.call(t, "POST", wechatpaytest.PathRefunds, body)
	var v refundView
	if a.status == 200 {
		f.verified(t, a)
		if err := json.Unmarshal([]byte(a.body), &v); err != nil {
			t.Fatal(err)
		}
	}
	return a, v
}

// paidOrder places and pays an order of total fen.
func (f *fake) paidOrder(t *testing.T, no string, total int64) {
	t.Helper()
	f.prepay(t, f.prepayBody(no, total))
	if err := f.MarkPaid(no, -1); err != nil {
		t.Fatal(err)
	}
}

func TestRefunds(t *testing.T) {
	f := newFake(t)
	f.prepay(t, f.prepayBody("SP20261126010", 1000))
	if a, _ := f.refund(t, refundBody("SP20261126010", "RF1", 100, 1000)); a.status != 400 || a.code() != "INVALID_REQUEST" {
		t.Fatalf("refund of an unpaid order: %d %s", a.status, a.body)
	}
	if err := f.MarkPaid("SP20261126010", -1); err != nil {
		t.Fatal(err)
	}
	a, v := f.refund(t, refundBody("SP20261126010", "RF1", 600, 1000))
	o, _ := f.Order("SP20261126010")
	if a.status != 200 || v.Status != "SUCCESS" || v.RefundID == "" || v.Transaction != o.TransactionID || v.Channel != "ORIGINAL" ||
		v.Amount.Refund != 600 || v.Amount.PayerRefund != 600 || v.Amount.Total != 1000 || v.Amount.Currency != "CNY" || v.SuccessTime == "" {
		t.Fatalf("refund: %d %s", a.status, a.body)
	}
	if _, again := f.refund(t, refundBody("SP20261126010", "RF1", 600, 1000)); again.RefundID != v.RefundID {
		t.Fatalf("same out_refund_no: refund %s, first %s", again.RefundID, v.RefundID)
	}
	for name, c := range map[string]struct {
		body   map[string]any
		status int
		code   string
	}{
		"over the rest":          {refundBody("SP20261126010", "RF2", 401, 1000), 403, "NOT_ENOUGH"},
		"total not the order's":  {refundBody("SP20261126010", "RF2", 100, 999), 400, "PARAM_ERROR"},
		"unknown order":          {refundBody("SP_NO_SUCH", "RF2", 100, 1000), 404, "RESOURCE_NOT_EXISTS"},
		"out_refund_no reused":   {refundBody("SP20261126010", "RF1", 100, 1000), 400, "INVALID_REQUEST"},
		"no currency":            {map[string]any{"out_trade_no": "SP20261126010", "out_refund_no": "RF2", "amount": map[string]any{"refund": 1, "total": 1000}}, 400, "PARAM_ERROR"},
		"no out_refund_no":       {refundBody("SP20261126010", "", 100, 1000), 400, "PARAM_ERROR"},
		"zero refund":            {refundBody("SP20261126010", "RF2", 0, 1000), 400, "PARAM_ERROR"},
		"no order reference":     {refundBody("", "RF2", 100, 1000), 400, "PARAM_ERROR"},
		"transaction_id not its": {map[string]any{"out_trade_no": "SP20261126010", "transaction_id": "4200000000", "out_refund_no": "RF2", "amount": map[string]any{"refund": 1, "total": 1000, "currency": "CNY"}}, 404, "RESOURCE_NOT_EXISTS"},
	} {
		if a, _ := f.refund(t, c.body); a.status != c.status || a.code() != c.code {
			t.Errorf("%s: %d %s", name, a.status, a.body)
		}
	}
	// The rest, by transaction_id.
	byTx := refundBody("", "RF3", 400, 1000)
	byTx["transaction_id"] = o.TransactionID
	if a, _ := f.refund(t, byTx); a.status != 200 {
		t.Fatalf("the rest by transaction_id: %d %s", a.status, a.body)
	}
	q := f.call(t, "GET", wechatpaytest.PathRefunds+"/RF3", nil)
	f.verified(t, q)
	var qv refundView
	if err := json.Unmarshal([]byte(q.body), &qv); err != nil || qv.OutRefundNo != "RF3" || qv.Amount.Refund != 400 || qv.OutTradeNo != "SP20261126010" {
		t.Fatalf("query: %d %s", q.status, q.body)
	}
	if a := f.call(t, "GET", wechatpaytest.PathRefunds+"/RF_NO_SUCH", nil); a.status != 404 || a.code() != "RESOURCE_NOT_EXISTS" {
		t.Fatalf("unknown refund: %d %s", a.status, a.body)
	}
	if rf, ok := f.Refund("RF1"); !ok || rf.Reason != "退货" || rf.NotifyURL == "" || rf.Refund != 600 || rf.Total != 1000 {
		t.Fatalf("Refund: %+v", rf)
	}
}

// Refunds can start PROCESSING and settle later; a CLOSED refund gives its
// amount back to the refundable rest.
func TestRefundModeAndStatus(t *testing.T) {
	f := newFake(t)
	f.paidOrder(t, "SP20261126011", 1000)
	if err := f.SetRefundMode(wechatpaytest.RefundProcessing); err != nil {
		t.Fatal(err)
	}
	if _, v := f.refund(t, refundBody("SP20261126011", "RF1", 1000, 1000)); v.Status != "PROCESSING" || v.SuccessTime != "" {
		t.Fatalf("processing: %+v", v)
	}
	if _, err := f.RefundNotification("RF1"); err == nil {
		t.Fatal("a notification of a PROCESSING refund")
	}
	if err := f.SetRefundStatus("RF1", "CLOSED"); err != nil {
		t.Fatal(err)
	}
	if _, v := f.refund(t, refundBody("SP20261126011", "RF2", 1000, 1000)); v.Status != "PROCESSING" {
		t.Fatalf("after the first closed: %+v", v)
	}
	if err := f.SetRefundStatus("RF2", "SUCCESS"); err != nil {
		t.Fatal(err)
	}
	q := f.call(t, "GET", wechatpaytest.PathRefunds+"/RF2", nil)
	var v refundView
	if err := json.Unmarshal([]byte(q.body), &v); err != nil || v.Status != "SUCCESS" || v.SuccessTime == "" {
		t.Fatalf("settled: %s", q.body)
	}
	if f.SetRefundStatus("RF2", "DONE") == nil || f.SetRefundStatus("RF_NO_SUCH", "SUCCESS") == nil || f.SetRefundMode("x") == nil {
		t.Fatal("bad statuses accepted")
	}
}

// Parallel refunds never exceed the order total (run with -race).
func TestParallelRefunds(t *testing.T) {
	f := newFake(t)
	f.paidOrder(t, "SP20261126012", 1000)
	i := 0
	answers := parallel(t, 10, func() *http.Request {
		i++
		b, _ := json.Marshal(refundBody("SP20261126012", fmt.Sprintf("RF%d", i), 300, 1000))
		return f.signer().request(t, f.URL, "POST", wechatpaytest.PathRefunds, string(b))
	})
	ok := 0
	for _, a := range answers {
		switch {
		case a.status == 200:
			ok++
		case a.status != 403 || a.code() != "NOT_ENOUGH":
			t.Fatalf("%d %s", a.status, a.body)
		}
	}
	if ok != 3 {
		t.Fatalf("%d refunds of 300 fen out of 1000 went through", ok)
	}
}
