package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/domain"
	"github.com/scanpay/scanpay/internal/netfault"
)

// payEnv is a whole scanpay process (API, worker, relay, scheduler) on
// MariaDB and Redis (through a proxy a test can cut), with fake WeChat and
// WeChat Pay servers speaking the real protocols.
type payEnv struct {
	svc    *service
	db     *sql.DB
	wechat *wechattest.Server
	pay    *wechatpaytest.Server
	redis  *netfault.Proxy
}

func startPayEnv(t *testing.T) *payEnv {
	t.Helper()
	s := newPaySetup(t, false)
	return &payEnv{svc: startService(t, s.env, "all"), db: s.db, wechat: s.wechat, pay: s.pay, redis: s.redis}
}

// call sends a JSON request with the shopper's token and decodes the answer.
func (p *payEnv) call(t *testing.T, method, path, token string, body any, headers ...string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+p.svc.addr+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (p *payEnv) must(t *testing.T, want int, method, path, token string, body any, headers ...string) map[string]any {
	t.Helper()
	code, out := p.call(t, method, path, token, body, headers...)
	if code != want {
		t.Fatalf("%s %s: %d %v, want %d", method, path, code, out, want)
	}
	return out
}

// get reads a plain-text page.
func (p *payEnv) get(t *testing.T, path string) string {
	t.Helper()
	resp, err := http.Get("http://" + p.svc.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func (p *payEnv) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := p.db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// shopperCheckout logs a shopper in through WeChat, opens a visit, scans
// two cola and two orange juice (¥31.80), applies coupon WELCOME5 (¥5 off
// ¥30) and checks out; it returns the token and the order number.
func (p *payEnv) shopperCheckout(t *testing.T, name string) (string, string) {
	t.Helper()
	p.wechat.AddCode("code-"+name, "openid-"+name, "")
	token := p.must(t, http.StatusCreated, "POST", "/v1/mp/sessions", "", map[string]string{"code": "code-" + name})["token"].(string)
	p.must(t, http.StatusCreated, "POST", "/v1/mp/visits", token, map[string]string{"store_code": "DEMO01"})
	for _, body := range []string{"692451300104", "692451300401"} {
		code := body + strconv.Itoa(domain.GS1CheckDigit(body))
		p.must(t, http.StatusCreated, "POST", "/v1/mp/stores/DEMO01/cart/scans", token, map[string]any{"barcode": code, "quantity": 2})
	}
	p.must(t, http.StatusOK, "PUT", "/v1/mp/stores/DEMO01/cart/coupon", token, map[string]string{"code": "WELCOME5"})
	cart := p.must(t, http.StatusOK, "GET", "/v1/mp/stores/DEMO01/cart", token, nil)
	if cart["total"] != "26.80" {
		t.Fatalf("cart %v", cart)
	}
	ord := p.must(t, http.StatusCreated, "POST", "/v1/mp/orders", token,
		map[string]any{"store_code": "DEMO01", "cart_version": cart["version"]}, "Idempotency-Key", "checkout-"+name)
	if ord["total"] != cart["total"] || ord["status"] != "pending_payment" {
		t.Fatalf("order %v from cart %v", ord, cart)
	}
	return token, ord["order_no"].(string)
}

// waitStatus polls the shopper's order until it has status want.
func (p *payEnv) waitStatus(t *testing.T, token, orderNo, want string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, ord := p.call(t, "GET", "/v1/mp/orders/"+orderNo, token, nil)
		if ord["status"] == want {
			return ord
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s is %v after 15 s, want %s\n%s", orderNo, ord["status"], want, p.svc.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The whole path through the running service: scan → checkout → payment
// parameters → WeChat Pay pays and notifies → the worker applies it →
// paid, stock down, receipt issued.
func TestPaymentFlowEndToEnd(t *testing.T) {
	p := startPayEnv(t)
	token, orderNo := p.shopperCheckout(t, "alice")
	params := p.must(t, http.StatusOK, "POST", "/v1/mp/orders/"+orderNo+"/payments", token, nil)
	p.must(t, http.StatusNotFound, "POST", "/v1/dev/orders/"+orderNo+"/pay", token, nil) // dev mode only
	if params["signType"] != "RSA" || params["paySign"] == "" {
		t.Fatalf("payment params %v", params)
	}
	status, err := p.pay.Pay(orderNo)
	if err != nil || status != http.StatusNoContent {
		t.Fatalf("notification answered %d, %v", status, err)
	}
	ord := p.waitStatus(t, token, orderNo, "paid")
	if ord["paid_at"] == nil {
		t.Fatalf("paid order without paid_at: %v", ord)
	}
	if n := p.count(t, "SELECT COUNT(*) FROM stock_movements WHERE ref = ? AND kind = 'sale'", orderNo); n != 2 {
		t.Fatalf("%d sale movements", n)
	}
	if n := p.count(t, "SELECT COUNT(*) FROM coupon_redemptions WHERE order_no = ? AND status = 'redeemed'", orderNo); n != 1 {
		t.Fatalf("coupon not redeemed (%d)", n)
	}
	metrics := p.get(t, "/metrics")
	for _, want := range []string{"scanpay_payment_anomalies 0", "scanpay_orders_overdue 0", "scanpay_refunds_unsettled 0"} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for p.count(t, "SELECT COUNT(*) FROM receipts WHERE order_no = ?", orderNo) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("no receipt issued")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Redis is down when the notification arrives: the webhook still stores
// it with its outbox row and acknowledges; once Redis is back the relay
// queues the job and the order becomes paid. Nothing is lost.
func TestNotificationWhileRedisIsDown(t *testing.T) {
	p := startPayEnv(t)
	token, orderNo := p.shopperCheckout(t, "bob")
	p.must(t, http.StatusOK, "POST", "/v1/mp/orders/"+orderNo+"/payments", token, nil)
	p.redis.SetDown(true)
	status, err := p.pay.Pay(orderNo)
	if err != nil || status != http.StatusNoContent {
		t.Fatalf("notification answered %d, %v", status, err)
	}
	time.Sleep(500 * time.Millisecond) // several relay sweeps fail meanwhile
	if n := p.count(t, "SELECT COUNT(*) FROM payments WHERE order_no = ?", orderNo); n != 0 {
		t.Fatalf("applied without a queue?")
	}
	if n := p.count(t, "SELECT COUNT(*) FROM outbox WHERE task_type = 'payment:apply' AND sent_at IS NULL"); n != 1 {
		t.Fatalf("%d unsent apply rows while Redis is down", n)
	}
	p.redis.SetDown(false)
	p.waitStatus(t, token, orderNo, "paid")
	if n := p.count(t, "SELECT COUNT(*) FROM payments WHERE order_no = ?", orderNo); n != 1 {
		t.Fatal(fmt.Sprint(n, " payments"))
	}
}

// make run's walkthrough: in embedded mode, with nothing installed, a dev
// shopper goes from scan to paid; the in-process WeChat Pay stand-in pays
// on POST /v1/dev/orders/{order_no}/pay and notifies the service.
func TestEmbeddedScanToPaid(t *testing.T) {
	p := &payEnv{svc: startService(t, embeddedEnv(t), "all")}
	token := p.must(t, http.StatusCreated, "POST", "/v1/mp/sessions", "", map[string]string{"code": "dev:alice"})["token"].(string)
	p.must(t, http.StatusCreated, "POST", "/v1/mp/visits", token, map[string]string{"store_code": "DEMO01"})
	body := "692451300401"
	p.must(t, http.StatusCreated, "POST", "/v1/mp/stores/DEMO01/cart/scans", token,
		map[string]any{"barcode": body + strconv.Itoa(domain.GS1CheckDigit(body))})
	cart := p.must(t, http.StatusOK, "GET", "/v1/mp/stores/DEMO01/cart", token, nil)
	ord := p.must(t, http.StatusCreated, "POST", "/v1/mp/orders", token,
		map[string]any{"store_code": "DEMO01", "cart_version": cart["version"]}, "Idempotency-Key", "walkthrough")
	orderNo := ord["order_no"].(string)
	p.must(t, http.StatusConflict, "POST", "/v1/dev/orders/"+orderNo+"/pay", token, nil) // no payment started yet
	p.must(t, http.StatusOK, "POST", "/v1/mp/orders/"+orderNo+"/payments", token, nil)
	p.must(t, http.StatusAccepted, "POST", "/v1/dev/orders/"+orderNo+"/pay", token, nil)
	p.waitStatus(t, token, orderNo, "paid")
}
