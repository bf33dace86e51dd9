package http_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
)

const (
	transactionsHook = "/v1/webhooks/wechatpay/transactions"
	refundsHook      = "/v1/webhooks/wechatpay/refunds"
)

// paidOrder places an order, starts its payment (so WeChat Pay knows it)
// and has the fake mark it paid, without notifying anyone yet.
func (a *testAPI) paidOrder(t *testing.T, openID string) string {
	t.Helper()
	tok := a.shopperInStore(t, openID)
	ord := a.placeOrder(t, tok)
	a.mustDo(t, http.StatusOK, http.MethodPost, "/v1/mp/orders/"+ord.OrderNo+"/payments", nil, tok, nil)
	if err := a.Pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	return ord.OrderNo
}

// notify delivers n to the webhook at path through the router, exactly as
// WeChat Pay sends it.
func (a *testAPI) notify(t *testing.T, path string, n *wechatpaytest.Notification) (*http.Response, []byte) {
	t.Helper()
	resp, err := a.Srv.App.Test(n.Request(path), -1)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return resp, readBody(t, resp)
}

func (a *testAPI) notification(t *testing.T, orderNo string, opts ...wechatpaytest.NotifyOption) *wechatpaytest.Notification {
	t.Helper()
	n, err := a.Pay.Notification(orderNo, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// wantFail checks a refusal in WeChat Pay's format: status, JSON
// {"code":"FAIL","message":...} (not problem+json) and a request id.
func wantFail(t *testing.T, resp *http.Response, body []byte, status int) {
	t.Helper()
	var reply map[string]string
	if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/json" ||
		json.Unmarshal(body, &reply) != nil || len(reply) != 2 || reply["code"] != "FAIL" || reply["message"] == "" ||
		resp.Header.Get("X-Request-Id") == "" {
		t.Fatalf("answer %d %q %s (X-Request-Id %q), want %d application/json {code: FAIL, message}",
			resp.StatusCode, resp.Header.Get("Content-Type"), body, resp.Header.Get("X-Request-Id"), status)
	}
}

// A verified notification is stored once with its job and answered 204;
// the same notification again is acknowledged and stores nothing more.
func TestPaymentNotificationIsStoredOnce(t *testing.T) {
	api := newTestAPI(t)
	no := api.paidOrder(t, "oHook01")
	n := api.notification(t, no)
	// Once over a real connection (the body streamed in, as in
	// production), once more through the router directly.
	status, body, err := wechatpaytest.Send(api.listen(t)+transactionsHook, n)
	if err != nil || status != http.StatusNoContent || len(body) != 0 {
		t.Fatalf("notification over the network: %d %q %v, want 204 with no body", status, body, err)
	}
	resp, body := api.notify(t, transactionsHook, n)
	if resp.StatusCode != http.StatusNoContent || len(body) != 0 || resp.Header.Get("X-Request-Id") == "" {
		t.Fatalf("duplicate notification: %d %q, want 204 with no body", resp.StatusCode, body)
	}
	if got := api.count(t, "SELECT COUNT(*) FROM payment_events WHERE out_trade_no = ? AND event_type = 'TRANSACTION.SUCCESS'", no); got != 1 {
		t.Fatalf("%d payment events, want 1", got)
	}
	if got := api.count(t, "SELECT COUNT(*) FROM outbox WHERE task_type = 'payment:apply' AND payload LIKE ?", "%"+no+"%"); got != 1 {
		t.Fatalf("%d payment:apply jobs, want 1", got)
	}
	// Another notification (new id) about the same payment is stored too:
	// applying it is the job's business, and it is idempotent.
	resp, body = api.notify(t, transactionsHook, api.notification(t, no))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("second notification: %d %s", resp.StatusCode, body)
	}
	if got := api.count(t, "SELECT COUNT(*) FROM payment_events WHERE out_trade_no = ?", no); got != 2 {
		t.Fatalf("%d payment events, want 2", got)
	}
}

// Probes, forgeries, replays and tampering are refused with 401 in WeChat
// Pay's format, logged, and store nothing.
func TestForgedNotificationsAreRefused(t *testing.T) {
	api := newTestAPI(t)
	no := api.paidOrder(t, "oHook02")
	for _, tc := range []struct {
		name string
		path string
		opt  wechatpaytest.NotifyOption
	}{
		{"signature probe", transactionsHook, wechatpaytest.WithSignTest()},
		{"bad signature", transactionsHook, wechatpaytest.WithBadSignature()},
		{"tampered body", transactionsHook, wechatpaytest.WithTamperedBody()},
		{"tampered ciphertext", transactionsHook, wechatpaytest.WithTamperedCiphertext()},
		{"ten minutes old", transactionsHook, wechatpaytest.WithTimestamp(time.Now().Add(-10 * time.Minute))},
		{"bad signature on the refund hook", refundsHook, wechatpaytest.WithBadSignature()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.notify(t, tc.path, api.notification(t, no, tc.opt))
			wantFail(t, resp, body, http.StatusUnauthorized)
			if strings.Contains(string(body), "signature") && strings.Contains(string(body), "WECHATPAY") {
				t.Errorf("the answer echoes the request: %s", body)
			}
		})
	}
	resp, body := api.do(t, http.MethodPost, transactionsHook, "not json at all", "")
	wantFail(t, resp, body, http.StatusUnauthorized)
	if got := api.count(t, "SELECT COUNT(*) FROM payment_events"); got != 0 {
		t.Fatalf("%d payment events stored from refused notifications", got)
	}
	if got := api.count(t, "SELECT COUNT(*) FROM outbox WHERE task_type = 'payment:apply'"); got != 0 {
		t.Fatalf("%d payment:apply jobs from refused notifications", got)
	}
	if logs := api.Logs.String(); !strings.Contains(logs, "wechatpay notification refused") || !strings.Contains(logs, `"reason":"signature_probe"`) {
		t.Errorf("refusals were not logged with their reason:\n%s", logs)
	}
}

// When the database is down the notification is refused with 503 in
// WeChat Pay's format, so it is sent again later.
func TestNotificationWhileDatabaseIsDown(t *testing.T) {
	api := newTestAPI(t)
	no := api.paidOrder(t, "oHook03")
	n := api.notification(t, no)
	if err := api.DB.Close(); err != nil {
		t.Fatal(err)
	}
	resp, body := api.notify(t, transactionsHook, n)
	wantFail(t, resp, body, http.StatusServiceUnavailable)
	if strings.Contains(string(body), "database") {
		t.Errorf("the answer names the cause: %s", body)
	}
	if logs := api.Logs.String(); !strings.Contains(logs, `"level":"ERROR","msg":"wechatpay notification refused"`) {
		t.Errorf("the 503 was not logged as an error:\n%s", logs)
	}
}

// The dev payment route exists only when DevPay is set, takes the
// shopper's token and only their own orders, and answers 202.
func TestDevPayRoute(t *testing.T) {
	plain := newTestAPI(t)
	tok := plain.shopperInStore(t, "oDev01")
	ord := plain.placeOrder(t, tok)
	resp, body := plain.do(t, http.MethodPost, "/v1/dev/orders/"+ord.OrderNo+"/pay", nil, tok)
	wantProblem(t, resp, body, 404, "not_found", "route_not_found")

	// As the embedded mode does: the fake pays and notifies the webhook.
	var api *testAPI
	var paid atomic.Int32
	api = newTestAPI(t, withDevPay(func(ctx context.Context, orderNo string) error {
		if err := api.Pay.MarkPaid(orderNo, -1); err != nil {
			return err
		}
		resp, body := api.notify(t, transactionsHook, api.notification(t, orderNo))
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("dev notification: %d %s", resp.StatusCode, body)
		}
		paid.Add(1)
		return nil
	}))
	tok = api.shopperInStore(t, "oDev02")
	other := api.shopperInStore(t, "oDev03")
	ord = api.placeOrder(t, tok)
	api.mustDo(t, http.StatusOK, http.MethodPost, "/v1/mp/orders/"+ord.OrderNo+"/payments", nil, tok, nil)
	path := "/v1/dev/orders/" + ord.OrderNo + "/pay"

	resp, body = api.do(t, http.MethodPost, path, nil, "")
	wantProblem(t, resp, body, 401, "unauthorized", "token_missing")
	resp, body = api.do(t, http.MethodPost, path, nil, other)
	wantProblem(t, resp, body, 404, "not_found", "order_not_found")
	if paid.Load() != 0 {
		t.Fatal("DevPay ran for a refused request")
	}
	var out map[string]string
	api.mustDo(t, http.StatusAccepted, http.MethodPost, path, nil, tok, &out)
	if out["order_no"] != ord.OrderNo || out["status"] != "notified" || len(out) != 2 || paid.Load() != 1 {
		t.Fatalf("dev pay: %v (DevPay ran %d times)", out, paid.Load())
	}
	if got := api.count(t, "SELECT COUNT(*) FROM payment_events WHERE out_trade_no = ?", ord.OrderNo); got != 1 {
		t.Fatalf("%d payment events after dev pay, want 1", got)
	}
}
