package main

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// staffLogin logs a demo staff account in and returns its token.
func (p *payEnv) staffLogin(t *testing.T, username string) string {
	t.Helper()
	out := p.must(t, http.StatusCreated, "POST", "/v1/admin/sessions", "",
		map[string]string{"username": username, "password": app.DemoPassword})
	return out["token"].(string)
}

// paidOrder runs shopperCheckout for name and has WeChat Pay pay it; it
// returns the shopper's token and the order number once the order is paid
// and its receipt issued.
func (p *payEnv) paidOrder(t *testing.T, name string) (string, string) {
	t.Helper()
	token, orderNo := p.shopperCheckout(t, name)
	p.must(t, http.StatusOK, "POST", "/v1/mp/orders/"+orderNo+"/payments", token, nil)
	if status, err := p.pay.Pay(orderNo); err != nil || status != http.StatusNoContent {
		t.Fatalf("notification answered %d, %v", status, err)
	}
	p.waitStatus(t, token, orderNo, "paid")
	p.eventually(t, "receipt of "+orderNo, func() bool {
		code, _ := p.call(t, "GET", "/v1/mp/orders/"+orderNo+"/receipt", token, nil)
		return code == http.StatusOK
	})
	return token, orderNo
}

// eventually polls cond for up to 15 s.
func (p *payEnv) eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 15 s\n%s", what, p.svc.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// page fetches path with Accept: text/html and returns the body.
func (p *payEnv) page(t *testing.T, path, token string) (string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+p.svc.addr+path, nil)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s as HTML: %d %s", path, resp.StatusCode, b)
	}
	return resp.Header.Get("Content-Type"), string(b)
}

// setAuditRate sets DEMO01's audit rate as the admin.
func (p *payEnv) setAuditRate(t *testing.T, admin, rate string) {
	t.Helper()
	p.must(t, http.StatusOK, "PATCH", "/v1/admin/stores/DEMO01", admin, map[string]string{"audit_rate": rate})
}

// After the sale, through the running service: two shoppers pay; one
// leaves through a plain pass, the other is audited and a missed item is
// recorded; the receipt reads right as JSON and HTML; a manager refunds
// one cola, WeChat Pay settles it and notifies; the receipt shows the
// refund; and the day's sales report holds the numbers worked out by hand
// below.
func TestAfterSaleEndToEnd(t *testing.T) {
	p := startPayEnv(t)
	admin, manager, clerk := p.staffLogin(t, "admin"), p.staffLogin(t, "manager1"), p.staffLogin(t, "clerk1")
	if err := p.pay.SetRefundMode(wechatpaytest.RefundProcessing); err != nil {
		t.Fatal(err)
	}

	// Each basket: 2 cola at 3.00 and 2 orange juice at 12.90 = 31.80,
	// WELCOME5 takes 5.00 off: total 26.80. The 5.00 is allocated by net:
	// cola round(5 × 6.00/31.80) = 0.94, juice the rest 4.06, so the cola
	// line's net is 5.06.
	aliceToken, aliceOrder := p.paidOrder(t, "alice")
	bobToken, bobOrder := p.paidOrder(t, "bob")
	// Alice also scanned a barcode the store does not know (after paying:
	// the scan still counts for the day).
	unknown := "4006381333931" // a valid EAN-13 the demo catalog lacks
	if code, out := p.call(t, "POST", "/v1/mp/stores/DEMO01/cart/scans", aliceToken, map[string]any{"barcode": unknown}); code != http.StatusNotFound {
		t.Fatalf("unknown barcode scan: %d %v", code, out)
	}

	// Alice's pass at audit rate 0: pass, order completed.
	p.setAuditRate(t, admin, "0")
	pass := p.must(t, http.StatusOK, "GET", "/v1/mp/orders/"+aliceOrder+"/exit-pass", aliceToken, nil)
	payload, _ := pass["payload"].(string)
	if !strings.HasPrefix(payload, aliceOrder+".") || pass["expires_at"] == nil {
		t.Fatalf("exit pass %v", pass)
	}
	check := p.must(t, http.StatusCreated, "POST", "/v1/admin/exit-checks", clerk, map[string]string{"payload": payload})
	if check["verdict"] != "pass" {
		t.Fatalf("check at rate 0: %v", check)
	}
	p.waitStatus(t, aliceToken, aliceOrder, "completed")
	if code, out := p.call(t, "POST", "/v1/admin/exit-checks", clerk, map[string]string{"payload": payload}); code != http.StatusConflict || out["reason"] != "exit_pass_used" {
		t.Fatalf("second use: %d %v", code, out)
	}
	forged := payload[:len(payload)-2] + "AA"
	if code, out := p.call(t, "POST", "/v1/admin/exit-checks", clerk, map[string]string{"payload": forged}); code != http.StatusUnprocessableEntity || out["reason"] != "exit_pass_forged" {
		t.Fatalf("forged pass: %d %v", code, out)
	}

	// Bob's pass at audit rate 1: audit; the clerk finds one cola unscanned.
	p.setAuditRate(t, admin, "1")
	bobPass := p.must(t, http.StatusOK, "GET", "/v1/mp/orders/"+bobOrder+"/exit-pass", bobToken, nil)
	audit := p.must(t, http.StatusCreated, "POST", "/v1/admin/exit-checks", clerk, map[string]string{"payload": bobPass["payload"].(string)})
	if audit["verdict"] != "audit" {
		t.Fatalf("check at rate 1: %v", audit)
	}
	checkID := audit["id"].(string)
	cola := "692451300104" + strconv.Itoa(domain.GS1CheckDigit("692451300104"))
	p.must(t, http.StatusOK, "POST", "/v1/admin/exit-checks/"+checkID+"/result", clerk,
		map[string]any{"unscanned": []map[string]any{{"barcode": cola, "quantity": 1}}})

	// Alice's receipt: lines, VAT, the payment.
	receipt := p.must(t, http.StatusOK, "GET", "/v1/mp/orders/"+aliceOrder+"/receipt", aliceToken, nil)
	payment, _ := receipt["payment"].(map[string]any)
	if receipt["total"] != "26.80" || len(receipt["lines"].([]any)) != 2 || payment == nil || payment["transaction_id"] == "" {
		t.Fatalf("receipt %v", receipt)
	}
	ctype, html := p.page(t, "/v1/mp/orders/"+aliceOrder+"/receipt", aliceToken)
	if !strings.HasPrefix(ctype, "text/html") || !strings.Contains(html, "26.80") || !strings.Contains(html, payment["transaction_id"].(string)) {
		t.Fatalf("receipt page (%s):\n%s", ctype, html)
	}
	if code, _ := p.call(t, "GET", "/v1/mp/orders/"+aliceOrder+"/receipt", bobToken, nil); code != http.StatusNotFound {
		t.Fatalf("bob reads alice's receipt: %d", code)
	}

	// A manager refunds one of alice's two colas: round(5.06 × 1/2) = 2.53.
	var colaLine string
	for _, l := range p.must(t, http.StatusOK, "GET", "/v1/admin/orders/"+aliceOrder, manager, nil)["lines"].([]any) {
		if line := l.(map[string]any); line["sku"] == "COLA-330" || strings.Contains(strings.ToLower(line["name"].(string)), "cola") {
			colaLine = line["id"].(string)
		}
	}
	refund := p.must(t, http.StatusCreated, "POST", "/v1/admin/orders/"+aliceOrder+"/refunds", manager,
		map[string]any{"lines": []map[string]any{{"line_id": colaLine, "quantity": "1"}}, "reason": "dented can", "restock": true},
		"Idempotency-Key", "refund-alice-1")
	outRefundNo := refund["out_refund_no"].(string)
	if refund["amount"] != "2.53" {
		t.Fatalf("refund %v", refund)
	}
	p.waitStatus(t, aliceToken, aliceOrder, "partially_refunded")
	// The worker submits it; WeChat Pay answers PROCESSING, then settles
	// it and notifies.
	p.eventually(t, "refund submitted", func() bool { _, ok := p.pay.Refund(outRefundNo); return ok })
	if err := p.pay.SetRefundStatus(outRefundNo, wechatpaytest.RefundSuccess); err != nil {
		t.Fatal(err)
	}
	if status, err := p.pay.NotifyRefund(outRefundNo); err != nil || status != http.StatusNoContent {
		t.Fatalf("refund notification answered %d, %v", status, err)
	}
	p.eventually(t, "refund success on the receipt", func() bool {
		r := p.must(t, http.StatusOK, "GET", "/v1/mp/orders/"+aliceOrder+"/receipt", aliceToken, nil)
		refunds, _ := r["refunds"].([]any)
		return len(refunds) == 1 && refunds[0].(map[string]any)["status"] == "success" && r["refunded_total"] == "2.53"
	})

	// The day's report, by hand: 2 orders of 26.80 = 53.60; refunds 2.53,
	// net 51.07; 4 items each (2 + 2), 8 / 2 = 4 per order; scans: 2 per
	// basket (quantity 2 each) + 1 unknown = 5, 2.5 per order, unknown rate
	// 1/5 = 0.2; exit checks 2, audits 1 (rate 0.5), the one audit has a
	// result with a missed item (miss rate 1).
	today := time.Now().In(mustZone(t, domain.DefaultTimeZone)).Format("2006-01-02")
	report := p.must(t, http.StatusOK, "GET", "/v1/admin/reports/sales?store=DEMO01&from="+today+"&to="+today, manager, nil)
	totals, _ := report["totals"].(map[string]any)
	want := map[string]any{"orders": float64(2), "revenue": "53.60", "refunds": "2.53", "net_revenue": "51.07",
		"average_basket": "26.80", "scans": float64(5), "unknown_scans": float64(1), "unknown_barcode_rate": "0.2000",
		"exit_checks": float64(2), "audits": float64(1), "audit_rate": "0.5000", "audits_missed": float64(1), "audit_miss_rate": "1.0000"}
	for k, v := range want {
		if totals[k] != v {
			t.Errorf("report %s = %v (%T), want %v", k, totals[k], totals[k], v)
		}
	}
	if days, _ := report["days"].([]any); len(days) != 1 {
		t.Errorf("report days %v", report["days"])
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
