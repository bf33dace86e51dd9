package http_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
	"github.com/shopspring/decimal"
)

const anomaliesPath = "/v1/admin/payment-anomalies"

type anomalyJSON struct {
	ID            string `json:"id"`
	OrderNo       string `json:"order_no"`
	TransactionID string `json:"transaction_id"`
	Kind          string `json:"kind"`
	Detail        string `json:"detail"`
	CreatedAt     string `json:"created_at"`
}

type anomalyListJSON struct {
	Items      []anomalyJSON `json:"items"`
	NextCursor string        `json:"next_cursor"`
}

// runPaymentApplyJobs does what the outbox relay and the worker do for
// the payment:apply jobs of order no: it hands each queued payload to the
// job's use case, so the payment is applied (or refused) as in production.
func runPaymentApplyJobs(t *testing.T, api *testAPI, no string) {
	t.Helper()
	rows, err := api.DB.SQL().Query("SELECT payload FROM outbox WHERE task_type = ? AND payload LIKE ? ORDER BY id",
		app.TaskPaymentApply, "%"+no+"%")
	if err != nil {
		t.Fatal(err)
	}
	var payloads [][]byte
	for rows.Next() {
		var p []byte
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		payloads = append(payloads, p)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if len(payloads) == 0 {
		t.Fatalf("no payment:apply job for %s", no)
	}
	for _, p := range payloads {
		var task app.PaymentApplyTask
		if err := json.Unmarshal(p, &task); err != nil {
			t.Fatalf("payment:apply payload %s: %v", p, err)
		}
		if err := api.Orders.ApplyPaymentEvent(context.Background(), task); err != nil {
			t.Fatalf("payment:apply job: %v", err)
		}
	}
}

// A payment whose amount does not match its order, notified by WeChat Pay
// and applied by the job, leaves the order unpaid and is listed for the
// admin, newest first and paged; nobody else may list anomalies.
func TestPaymentAnomaliesOverHTTP(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")

	var list anomalyListJSON
	resp, body := api.do(t, http.MethodGet, anomaliesPath, nil, admin)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"items":[]`) {
		t.Fatalf("empty list: %d %s, want 200 with items []", resp.StatusCode, body)
	}

	// A shopper pays, but WeChat Pay reports 0.01 for the 3.00 order.
	no := api.paidOrder(t, "oAnom01")
	resp, body = api.notify(t, transactionsHook, api.notification(t, no, wechatpaytest.WithPayerTotal(1)))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("notification: %d %s", resp.StatusCode, body)
	}
	runPaymentApplyJobs(t, api, no)
	var ord orderJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/orders/"+no, nil, admin, &ord)
	if ord.Status != "pending_payment" || ord.PaidAt != nil {
		t.Fatalf("order after a wrong amount: %s (paid_at %v), want pending_payment", ord.Status, ord.PaidAt)
	}

	api.mustDo(t, http.StatusOK, http.MethodGet, anomaliesPath, nil, admin, &list)
	if len(list.Items) != 1 || list.NextCursor != "" {
		t.Fatalf("anomalies: %+v, want one and no next_cursor", list)
	}
	first := list.Items[0]
	if first.Kind != "amount_mismatch" || first.OrderNo != no || first.TransactionID == "" || first.ID == "" ||
		!strings.Contains(first.Detail, "0.01") || !strings.Contains(first.Detail, "3.00") {
		t.Fatalf("anomaly %+v, want amount_mismatch of %s naming 0.01 and 3.00", first, no)
	}
	if _, err := time.Parse(time.RFC3339Nano, first.CreatedAt); err != nil || !strings.HasSuffix(first.CreatedAt, "Z") {
		t.Errorf("created_at %q: want RFC 3339 UTC (%v)", first.CreatedAt, err)
	}
	// The same report again (WeChat Pay retries) records nothing more.
	runPaymentApplyJobs(t, api, no)

	// A payment for an order we do not have: an anomaly of no store.
	unknown := &app.PaymentResult{AppID: api.PayKeys.AppID, MchID: api.PayKeys.MchID, OutTradeNo: "250601NoSuchOrder00001",
		TransactionID: "4200000000202506019999999999", TradeState: app.TradeSuccess, Total: decimal.RequireFromString("9.90"),
		PayerTotal: decimal.RequireFromString("9.90"), Currency: "CNY", SuccessTime: time.Now()}
	if err := api.Orders.ApplyPayment(context.Background(), unknown, app.SourceQuery); err != nil {
		t.Fatal(err)
	}

	// Newest first, one a page: the unknown order, then the wrong amount.
	var page1, page2 anomalyListJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, anomaliesPath+"?limit=1", nil, admin, &page1)
	if len(page1.Items) != 1 || page1.Items[0].Kind != "unknown_order" || page1.Items[0].OrderNo != unknown.OutTradeNo ||
		page1.Items[0].TransactionID != unknown.TransactionID || page1.NextCursor == "" {
		t.Fatalf("page 1: %+v, want the unknown_order anomaly and a next_cursor", page1)
	}
	api.mustDo(t, http.StatusOK, http.MethodGet, anomaliesPath+"?limit=1&cursor="+page1.NextCursor, nil, admin, &page2)
	if len(page2.Items) != 1 || page2.Items[0] != first || page2.NextCursor != "" {
		t.Fatalf("page 2: %+v, want only %+v and no next_cursor", page2, first)
	}

	for _, user := range []string{"manager1", "clerk1"} {
		resp, body := api.do(t, http.MethodGet, anomaliesPath, nil, api.login(t, user, "scanpay-demo"))
		wantProblem(t, resp, body, http.StatusForbidden, "forbidden", "role_insufficient")
	}
	resp, body = api.do(t, http.MethodGet, anomaliesPath, nil, api.loginShopper(t, "oAnom02"))
	wantProblem(t, resp, body, http.StatusUnauthorized, "unauthorized", "")
	resp, body = api.do(t, http.MethodGet, anomaliesPath, nil, "")
	wantProblem(t, resp, body, http.StatusUnauthorized, "unauthorized", "token_missing")
	resp, body = api.do(t, http.MethodGet, anomaliesPath+"?limit=0&cursor=nope", nil, admin)
	wantProblem(t, resp, body, http.StatusUnprocessableEntity, "invalid", "page_invalid")
}
