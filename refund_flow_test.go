package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
)

// refundStaffLogin logs a demo staff member in and returns the token.
func (p *payEnv) refundStaffLogin(t *testing.T, username string) string {
	t.Helper()
	return p.must(t, http.StatusCreated, "POST", "/v1/admin/sessions", "",
		map[string]string{"username": username, "password": "scanpay-demo"})["token"].(string)
}

// paidByShopper checks out name's basket (two cola, two juice, WELCOME5)
// and has WeChat Pay pay it and notify the service; it returns the order
// once the worker made it paid.
func (p *payEnv) paidByShopper(t *testing.T, name string) (string, map[string]any) {
	t.Helper()
	token, orderNo := p.shopperCheckout(t, name)
	p.must(t, http.StatusOK, "POST", "/v1/mp/orders/"+orderNo+"/payments", token, nil)
	if status, err := p.pay.Pay(orderNo); err != nil || status != http.StatusNoContent {
		t.Fatalf("payment notification answered %d, %v", status, err)
	}
	return orderNo, p.waitStatus(t, token, orderNo, "paid")
}

// waitRefund polls the order's refunds as staff until refund no has
// status want, and returns it.
func (p *payEnv) waitRefund(t *testing.T, staff, orderNo, no, want string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, out := p.call(t, "GET", "/v1/admin/orders/"+orderNo+"/refunds", staff, nil)
		items, _ := out["items"].([]any)
		for _, it := range items {
			r := it.(map[string]any)
			if r["out_refund_no"] == no && r["status"] == want {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("refund %s not %s after 15 s: %v\n%s", no, want, out, p.svc.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitFakeRefund waits until the worker's refund job reached the fake
// WeChat Pay with refund no.
func (p *payEnv) waitFakeRefund(t *testing.T, no string) wechatpaytest.Refund {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if rf, ok := p.pay.Refund(no); ok {
			return rf
		}
		if time.Now().After(deadline) {
			t.Fatalf("refund %s never reached WeChat Pay\n%s", no, p.svc.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A manager refunds a paid order in full through the running service: the
// worker's refund:submit job sends it to WeChat Pay, which accepts it as
// PROCESSING and later sends its signed REFUND.SUCCESS notification to the
// webhook; the refund:apply job settles it. The goods are back on the
// shelf and the coupon is the shopper's again.
func TestStaffRefundFlowEndToEnd(t *testing.T) {
	p := startPayEnv(t)
	manager := p.refundStaffLogin(t, "manager1")
	orderNo, ord := p.paidByShopper(t, "rhea")
	if err := p.pay.SetRefundMode(wechatpaytest.RefundProcessing); err != nil {
		t.Fatal(err)
	}
	ref := p.must(t, http.StatusCreated, "POST", "/v1/admin/orders/"+orderNo+"/refunds", manager,
		map[string]any{"reason": "customer changed mind", "restock": true}, "Idempotency-Key", "flow-1")
	no := ref["out_refund_no"].(string)
	if ref["amount"] != ord["total"] || ref["order"].(map[string]any)["status"] != "refunded" {
		t.Fatalf("refund %v", ref)
	}
	fake := p.waitFakeRefund(t, no)
	if fake.Status != wechatpaytest.RefundProcessing || fake.Refund != 2680 || fake.Reason != "customer changed mind" {
		t.Fatalf("WeChat Pay refund %+v", fake)
	}
	p.waitRefund(t, manager, orderNo, no, "processing")
	if err := p.pay.SetRefundStatus(no, wechatpaytest.RefundSuccess); err != nil {
		t.Fatal(err)
	}
	if status, err := p.pay.NotifyRefund(no); err != nil || status != http.StatusNoContent {
		t.Fatalf("refund notification answered %d, %v", status, err)
	}
	got := p.waitRefund(t, manager, orderNo, no, "success")
	if got["succeeded_at"] == nil || got["last_error"] != "" {
		t.Fatalf("settled refund %v", got)
	}
	if n := p.count(t, "SELECT COUNT(*) FROM stock_movements WHERE kind = 'return' AND ref = ?", no); n != 2 {
		t.Fatalf("%d return movements", n)
	}
	if n := p.count(t, "SELECT COUNT(*) FROM coupon_redemptions WHERE order_no = ? AND status = 'released'", orderNo); n != 1 {
		t.Fatal("coupon not released by the full refund")
	}
}

// A refund WeChat Pay reports ABNORMAL shows under status=abnormal with
// what to do; once sorted out, a manager's retry sends it again under the
// same out_refund_no and it settles. WeChat Pay holds one refund by that
// number, asked about twice.
func TestAbnormalRefundRetriedEndToEnd(t *testing.T) {
	p := startPayEnv(t)
	manager := p.refundStaffLogin(t, "manager1")
	orderNo, ord := p.paidByShopper(t, "sven")
	if err := p.pay.SetRefundMode(wechatpaytest.RefundAbnormal); err != nil {
		t.Fatal(err)
	}
	line := ord["lines"].([]any)[0].(map[string]any)
	ref := p.must(t, http.StatusCreated, "POST", "/v1/admin/orders/"+orderNo+"/refunds", manager,
		map[string]any{"reason": "broken", "lines": []map[string]any{{"line_id": line["id"], "quantity": "1"}}},
		"Idempotency-Key", "flow-2")
	no := ref["out_refund_no"].(string)
	first := p.waitFakeRefund(t, no)
	p.waitRefund(t, manager, orderNo, no, "abnormal")
	list := p.must(t, http.StatusOK, "GET", "/v1/admin/refunds?status=abnormal", manager, nil)
	items := list["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["out_refund_no"] != no || items[0].(map[string]any)["last_error"] == "" {
		t.Fatalf("abnormal refunds %v", list)
	}

	if err := p.pay.SetRefundStatus(no, wechatpaytest.RefundSuccess); err != nil {
		t.Fatal(err)
	}
	before := p.pay.Requests()
	retried := p.must(t, http.StatusOK, "POST", "/v1/admin/refunds/"+no+"/retry", manager, nil)
	if retried["status"] != "pending" || retried["out_refund_no"] != no {
		t.Fatalf("retried %v", retried)
	}
	p.waitRefund(t, manager, orderNo, no, "success")
	again, _ := p.pay.Refund(no)
	if p.pay.Requests() <= before || again.RefundID != first.RefundID || again.CreateTime != first.CreateTime {
		t.Fatalf("retry reached WeChat Pay as %+v after %d requests (first %+v)", again, p.pay.Requests()-before, first)
	}
	if list := p.must(t, http.StatusOK, "GET", "/v1/admin/refunds?status=abnormal", manager, nil); len(list["items"].([]any)) != 0 {
		t.Fatalf("still abnormal: %v", list)
	}
}
