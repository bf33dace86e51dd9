package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// The embedded mode wires the paid path's follow-ups end to end: the
// receipt job issues the e-receipt the shopper then reads, and the payment
// message goes to the in-process WeChat stand-in with the dev template.
func TestEmbeddedPaidOrderGetsReceiptAndMessage(t *testing.T) {
	p := &payEnv{svc: startService(t, embeddedEnv(t), "all")}
	token := p.must(t, http.StatusCreated, "POST", "/v1/mp/sessions", "", map[string]string{"code": "dev:rita"})["token"].(string)
	p.must(t, http.StatusCreated, "POST", "/v1/mp/visits", token, map[string]string{"store_code": "DEMO01"})
	body := "692451300104"
	p.must(t, http.StatusCreated, "POST", "/v1/mp/stores/DEMO01/cart/scans", token,
		map[string]any{"barcode": body + strconv.Itoa(domain.GS1CheckDigit(body))})
	cart := p.must(t, http.StatusOK, "GET", "/v1/mp/stores/DEMO01/cart", token, nil)
	ord := p.must(t, http.StatusCreated, "POST", "/v1/mp/orders", token,
		map[string]any{"store_code": "DEMO01", "cart_version": cart["version"]}, "Idempotency-Key", "receipt-flow")
	orderNo := ord["order_no"].(string)
	p.must(t, http.StatusOK, "POST", "/v1/mp/orders/"+orderNo+"/payments", token, nil)
	p.must(t, http.StatusAccepted, "POST", "/v1/dev/orders/"+orderNo+"/pay", token, nil)
	p.waitStatus(t, token, orderNo, "paid")

	deadline := time.Now().Add(15 * time.Second)
	for {
		code, r := p.call(t, "GET", "/v1/mp/orders/"+orderNo+"/receipt", token, nil)
		if code == http.StatusOK {
			if r["receipt_no"] != orderNo || r["total"] != ord["total"] {
				t.Fatalf("receipt %v", r)
			}
			break
		}
		if code != http.StatusNotFound || time.Now().After(deadline) {
			t.Fatalf("receipt: %d %v", code, r)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for !strings.Contains(p.svc.out.String(), `"msg":"payment message sent","order_no":"`+orderNo+`"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no payment message sent for %s:\n%s", orderNo, p.svc.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
