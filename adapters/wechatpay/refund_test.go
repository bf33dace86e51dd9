package wechatpay_test

import (
	"context"
	"testing"

	"github.com/scanpay/scanpay/adapters/wechatpay"
	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

func refundReq(outTradeNo, outRefundNo, amount, total string) app.RefundRequest {
	return app.RefundRequest{OutTradeNo: outTradeNo, OutRefundNo: outRefundNo, Reason: "商品退货", Amount: yuan(amount), Total: yuan(total)}
}

func TestRefundCreateQueryAndRetry(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	ctx := context.Background()
	const no, rno = "SP20250301000601", "RF20250301000601"
	mustPaid(t, srv, c, no, "12.34")

	r, err := c.Refund(ctx, refundReq(no, rno, "5.00", "12.34"))
	if err != nil {
		t.Fatal(err)
	}
	if r.OutTradeNo != no || r.OutRefundNo != rno || r.RefundID == "" || r.Status != app.RefundSuccess || !r.Amount.Equal(yuan("5")) {
		t.Fatalf("refund = %+v", r)
	}
	rec, ok := srv.Refund(rno)
	if !ok || rec.Refund != 500 || rec.Total != 1234 || rec.NotifyURL != refundURL || rec.Reason != "商品退货" {
		t.Fatalf("the fake's refund = %+v", rec)
	}

	// A retry (say after a timeout) is the same refund, not a second one.
	again, err := c.Refund(ctx, refundReq(no, rno, "5.00", "12.34"))
	if err != nil {
		t.Fatal(err)
	}
	if again.RefundID != r.RefundID {
		t.Fatalf("retry made refund %s, first was %s", again.RefundID, r.RefundID)
	}

	q, err := c.QueryRefund(ctx, rno)
	if err != nil {
		t.Fatal(err)
	}
	if q.RefundID != r.RefundID || q.Status != app.RefundSuccess || !q.Amount.Equal(yuan("5.00")) || q.SuccessTime.IsZero() {
		t.Fatalf("query = %+v", q)
	}

	// 5.00 of 12.34 is refunded; 8.00 more is more than is left.
	_, err = c.Refund(ctx, refundReq(no, "RF20250301000602", "8.00", "12.34"))
	wantCode(t, err, domain.ECONFLICT, wechatpay.ReasonRefundNotEnough)

	_, err = c.QueryRefund(ctx, "RF20250301999999")
	wantCode(t, err, domain.ENOTFOUND, wechatpay.ReasonPaymentNotFound)
}

func TestRefundSettlesLater(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	ctx := context.Background()
	const no, rno = "SP20250301000701", "RF20250301000701"
	mustPaid(t, srv, c, no, "20.00")
	if err := srv.SetRefundMode(wechatpaytest.RefundProcessing); err != nil {
		t.Fatal(err)
	}

	r, err := c.Refund(ctx, refundReq(no, rno, "20.00", "20.00"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != app.RefundProcessing || !r.SuccessTime.IsZero() {
		t.Fatalf("refund = %+v, want PROCESSING", r)
	}
	if err := srv.SetRefundStatus(rno, wechatpaytest.RefundSuccess); err != nil {
		t.Fatal(err)
	}
	q, err := c.QueryRefund(ctx, rno)
	if err != nil {
		t.Fatal(err)
	}
	if q.Status != app.RefundSuccess || q.SuccessTime.IsZero() {
		t.Fatalf("query = %+v, want SUCCESS", q)
	}
}

func TestRefundRefusesBadRequestsWithoutCalling(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	tests := []struct {
		name string
		req  app.RefundRequest
	}{
		{"more than the total", refundReq("SP20250301000801", "RF1", "12.35", "12.34")},
		{"tenth of a fen", refundReq("SP20250301000801", "RF1", "0.001", "12.34")},
		{"no refund number", refundReq("SP20250301000801", "", "1.00", "12.34")},
		{"zero total", refundReq("SP20250301000801", "RF1", "1.00", "0")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.Requests()
			_, err := c.Refund(context.Background(), tt.req)
			wantCode(t, err, domain.EINVALID, "")
			if srv.Requests() != before {
				t.Fatal("a request was sent")
			}
		})
	}
}
