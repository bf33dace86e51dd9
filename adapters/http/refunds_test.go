package http_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
)

type refundJSON struct {
	OutRefundNo string `json:"out_refund_no"`
	OrderNo     string `json:"order_no"`
	Amount      string `json:"amount"`
	Status      string `json:"status"`
	Reason      string `json:"reason"`
	Restock     bool   `json:"restock"`
	LastError   string `json:"last_error"`
	Lines       []struct {
		LineID   string `json:"line_id"`
		SKU      string `json:"sku"`
		Quantity string `json:"quantity"`
		Amount   string `json:"amount"`
	} `json:"lines"`
	CreatedAt string     `json:"created_at"`
	Order     *orderJSON `json:"order"`
}

type refundListJSON struct {
	Items      []refundJSON `json:"items"`
	NextCursor string       `json:"next_cursor"`
}

// paidColas is a paid order of n colas (¥3.00 each): checked out, paid
// at the fake WeChat Pay, notified and applied as the worker would.
func (a *testAPI) paidColas(t *testing.T, openID string, n int) orderJSON {
	t.Helper()
	tok := a.shopperInStore(t, openID)
	version := a.scanCola(t, tok, n)
	var ord orderJSON
	a.mustKeyed(t, http.StatusCreated, "/v1/mp/orders", map[string]any{"store_code": "DEMO01", "cart_version": version},
		tok, &ord, newKey())
	a.mustDo(t, http.StatusOK, http.MethodPost, "/v1/mp/orders/"+ord.OrderNo+"/payments", nil, tok, nil)
	if err := a.Pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	if resp, body := a.notify(t, transactionsHook, a.notification(t, ord.OrderNo)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("payment notification: %d %s", resp.StatusCode, body)
	}
	runPaymentApplyJobs(t, a, ord.OrderNo)
	return ord
}

// runLatestJob runs the newest queued task of taskType that names key,
// as the worker would.
func (a *testAPI) runLatestJob(t *testing.T, taskType, key string) {
	t.Helper()
	var payload []byte
	if err := a.DB.SQL().QueryRow("SELECT payload FROM outbox WHERE task_type = ? AND payload LIKE ? ORDER BY id DESC LIMIT 1",
		taskType, "%"+key+"%").Scan(&payload); err != nil {
		t.Fatalf("%s job for %s: %v", taskType, key, err)
	}
	ctx := context.Background()
	var err error
	switch taskType {
	case app.TaskRefundSubmit:
		var task app.RefundTask
		mustUnmarshal(t, payload, &task)
		err = a.Orders.SubmitRefund(ctx, task)
	case app.TaskRefundApply:
		var task app.RefundApplyTask
		mustUnmarshal(t, payload, &task)
		err = a.Orders.ApplyRefundEvent(ctx, task)
	}
	// A refund WeChat Pay is still processing fails its job on purpose
	// (to be polled again); anything else must not fail.
	if err != nil && !strings.Contains(err.Error(), "refund_processing") {
		t.Fatalf("%s: %v", taskType, err)
	}
}

// mustKeyed posts body under an Idempotency-Key, checks the status and
// decodes the answer into dst.
func (a *testAPI) mustKeyed(t *testing.T, want int, path string, body any, token string, dst any, key string) *http.Response {
	t.Helper()
	resp, out := a.do(t, http.MethodPost, path, body, token, "Idempotency-Key", key)
	if resp.StatusCode != want {
		t.Fatalf("POST %s: status %d, want %d; body %s", path, resp.StatusCode, want, out)
	}
	if dst != nil {
		if err := json.Unmarshal(out, dst); err != nil {
			t.Fatalf("POST %s: decode %s: %v", path, out, err)
		}
	}
	return resp
}

func refundsPath(orderNo string) string { return "/v1/admin/orders/" + orderNo + "/refunds" }

// Who may refund: a manager of the order's store (201); a clerk is 403, a
// manager of another store 404 (the order does not exist for them).
// Replays, key reuse and the refusals of bad bodies; the lists.
func TestStaffRefundOverHTTP(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	manager := api.login(t, "manager1", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	elsewhere := api.newStoreWithManager(t, admin, "SH08", "sh08.manager")
	ord := api.paidColas(t, "oRefund01", 2)
	line := ord.Lines[0].ID
	body := map[string]any{"lines": []map[string]any{{"line_id": line, "quantity": "1"}}, "reason": "dented can"}
	path := refundsPath(ord.OrderNo)

	resp, raw := api.do(t, http.MethodPost, path, body, clerk, "Idempotency-Key", "k1")
	wantProblem(t, resp, raw, 403, "forbidden", "role_insufficient")
	resp, raw = api.do(t, http.MethodPost, path, body, elsewhere, "Idempotency-Key", "k1")
	wantProblem(t, resp, raw, 404, "not_found", "order_not_found")
	resp, raw = api.do(t, http.MethodPost, path, body, manager)
	wantProblem(t, resp, raw, 400, "malformed", "idempotency_key_required")
	for _, bad := range []struct {
		body   map[string]any
		reason string
		field  string
	}{
		{map[string]any{"lines": []map[string]any{{"line_id": line, "quantity": "abc"}}, "reason": "x"}, "refund_invalid", "lines[0].quantity"},
		{map[string]any{"lines": []map[string]any{{"line_id": line, "quantity": 0}}, "reason": "x"}, "refund_invalid", "lines[0].quantity"},
		{map[string]any{"lines": []map[string]any{{"line_id": "1", "quantity": 1}}, "reason": "x"}, "refund_invalid", "lines[0].line_id"},
		{map[string]any{"lines": []map[string]any{{"line_id": line, "quantity": 1}, {"line_id": line, "quantity": 1}}, "reason": "x"},
			"refund_invalid", "lines[1].line_id"},
		{map[string]any{"lines": []map[string]any{{"line_id": line, "quantity": 3}}, "reason": "x"}, "refund_exceeds_refundable", "lines[0].quantity"},
		{map[string]any{"lines": []map[string]any{}, "reason": "x"}, "refund_invalid", "lines"},
		{map[string]any{"reason": ""}, "refund_invalid", "reason"},
	} {
		resp, raw := api.do(t, http.MethodPost, path, bad.body, manager, "Idempotency-Key", "bad")
		p := wantProblem(t, resp, raw, 422, "invalid", bad.reason)
		if names := fieldNames(p); len(names) == 0 || names[0] != bad.field {
			t.Errorf("%v: fields %v, want %s", bad.body, names, bad.field)
		}
	}

	var created refundJSON
	resp = api.mustKeyed(t, http.StatusCreated, path, body, manager, &created, "k1")
	if created.OutRefundNo != ord.OrderNo+"R01" || created.Amount != "3.00" || created.Status != "pending" ||
		len(created.Lines) != 1 || created.Lines[0].LineID != line || created.Lines[0].Quantity != "1" ||
		created.Order == nil || created.Order.Status != "partially_refunded" || created.Order.RefundedTotal != "3.00" ||
		created.Order.Lines[0].RefundedQuantity != "1" {
		t.Fatalf("created %+v (%d)", created, resp.StatusCode)
	}
	var replay refundJSON
	api.mustKeyed(t, http.StatusOK, path, body, manager, &replay, "k1")
	if replay.OutRefundNo != created.OutRefundNo || replay.Order.RefundedTotal != "3.00" {
		t.Fatalf("replay %+v", replay)
	}
	resp, raw = api.do(t, http.MethodPost, path, map[string]any{"reason": "other"}, manager, "Idempotency-Key", "k1")
	wantProblem(t, resp, raw, 409, "conflict", "idempotency_key_reused")

	var mine refundListJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, path, nil, clerk, &mine)
	if len(mine.Items) != 1 || mine.Items[0].OutRefundNo != created.OutRefundNo || mine.Items[0].Lines[0].SKU == "" {
		t.Fatalf("order refunds %+v", mine)
	}
	resp, raw = api.do(t, http.MethodGet, path, nil, elsewhere)
	wantProblem(t, resp, raw, 404, "not_found", "order_not_found")
	for _, q := range []string{"", "?store=DEMO01", "?status=pending"} {
		var list refundListJSON
		api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/refunds"+q, nil, manager, &list)
		if len(list.Items) != 1 || list.Items[0].OutRefundNo != created.OutRefundNo {
			t.Errorf("refunds%s %+v", q, list)
		}
	}
	var none refundListJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/refunds", nil, elsewhere, &none)
	if len(none.Items) != 0 {
		t.Errorf("another store's manager lists %+v", none)
	}
	resp, raw = api.do(t, http.MethodGet, "/v1/admin/refunds", nil, clerk)
	wantProblem(t, resp, raw, 403, "forbidden", "role_insufficient")
	resp, raw = api.do(t, http.MethodGet, "/v1/admin/refunds?status=lost", nil, manager)
	wantProblem(t, resp, raw, 422, "invalid", "status_invalid")

	// The rest of the order, without lines: refunded in full.
	var rest refundJSON
	api.mustKeyed(t, http.StatusCreated, path, map[string]any{"reason": "all back", "restock": true}, manager, &rest, "k2")
	if rest.Amount != "3.00" || rest.Order.Status != "refunded" || rest.Order.RefundedTotal != ord.Total || !rest.Restock {
		t.Fatalf("rest %+v", rest)
	}
	resp, raw = api.do(t, http.MethodPost, path, map[string]any{"reason": "again"}, manager, "Idempotency-Key", "k3")
	wantProblem(t, resp, raw, 422, "invalid", "refund_exceeds_refundable")
	unpaid := api.placeOrder(t, api.shopperInStore(t, "oRefund02"))
	resp, raw = api.do(t, http.MethodPost, refundsPath(unpaid.OrderNo), map[string]any{"reason": "x"}, admin, "Idempotency-Key", "k")
	wantProblem(t, resp, raw, 409, "conflict", "order_not_refundable")
}

// The refund job sends the refund to the fake WeChat Pay, which answers
// PROCESSING; its signed REFUND.SUCCESS notification to the webhook
// settles it. An ABNORMAL refund is listed under status=abnormal with its
// last error; a manager retries it (under the same out_refund_no) and it
// settles.
func TestRefundSettlesAndRetriesOverHTTP(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	manager := api.login(t, "manager1", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	elsewhere := api.newStoreWithManager(t, admin, "SH09", "sh09.manager")
	ord := api.paidColas(t, "oRefund03", 2)
	path := refundsPath(ord.OrderNo)
	if err := api.Pay.SetRefundMode(wechatpaytest.RefundProcessing); err != nil {
		t.Fatal(err)
	}
	var first refundJSON
	api.mustKeyed(t, http.StatusCreated, path, map[string]any{"reason": "one back",
		"lines": []map[string]any{{"line_id": ord.Lines[0].ID, "quantity": 1}}}, manager, &first, "p1")
	api.runLatestJob(t, app.TaskRefundSubmit, first.OutRefundNo)
	if err := api.Pay.SetRefundStatus(first.OutRefundNo, wechatpaytest.RefundSuccess); err != nil {
		t.Fatal(err)
	}
	n, err := api.Pay.RefundNotification(first.OutRefundNo)
	if err != nil {
		t.Fatal(err)
	}
	if resp, raw := api.notify(t, refundsHook, n); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("refund notification: %d %s", resp.StatusCode, raw)
	}
	api.runLatestJob(t, app.TaskRefundApply, first.OutRefundNo)
	var list refundListJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/refunds?status=success", nil, manager, &list)
	if len(list.Items) != 1 || list.Items[0].OutRefundNo != first.OutRefundNo {
		t.Fatalf("successful refunds %+v", list)
	}

	if err := api.Pay.SetRefundMode(wechatpaytest.RefundAbnormal); err != nil {
		t.Fatal(err)
	}
	var second refundJSON
	api.mustKeyed(t, http.StatusCreated, path, map[string]any{"reason": "rest"}, manager, &second, "p2")
	api.runLatestJob(t, app.TaskRefundSubmit, second.OutRefundNo)
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/refunds?status=abnormal", nil, manager, &list)
	if len(list.Items) != 1 || list.Items[0].OutRefundNo != second.OutRefundNo || list.Items[0].LastError == "" {
		t.Fatalf("abnormal refunds %+v", list)
	}
	retry := "/v1/admin/refunds/" + second.OutRefundNo + "/retry"
	resp, raw := api.do(t, http.MethodPost, retry, nil, clerk)
	wantProblem(t, resp, raw, 403, "forbidden", "role_insufficient")
	resp, raw = api.do(t, http.MethodPost, retry, nil, elsewhere)
	wantProblem(t, resp, raw, 404, "not_found", "refund_not_found")
	resp, raw = api.do(t, http.MethodPost, "/v1/admin/refunds/"+first.OutRefundNo+"/retry", nil, manager)
	wantProblem(t, resp, raw, 409, "conflict", "refund_not_retryable")
	resp, raw = api.do(t, http.MethodPost, "/v1/admin/refunds/no-such-refund/retry", nil, manager)
	wantProblem(t, resp, raw, 404, "not_found", "refund_not_found")

	if err := api.Pay.SetRefundStatus(second.OutRefundNo, wechatpaytest.RefundSuccess); err != nil {
		t.Fatal(err)
	}
	var retried refundJSON
	api.mustDo(t, http.StatusOK, http.MethodPost, retry, nil, manager, &retried)
	if retried.Status != "pending" || retried.LastError != "" || retried.OutRefundNo != second.OutRefundNo {
		t.Fatalf("retried %+v", retried)
	}
	resp, raw = api.do(t, http.MethodPost, retry, nil, manager)
	wantProblem(t, resp, raw, 409, "conflict", "refund_not_retryable")
	api.runLatestJob(t, app.TaskRefundSubmit, second.OutRefundNo)
	var mine refundListJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, path, nil, clerk, &mine)
	if len(mine.Items) != 2 || mine.Items[1].Status != "success" || mine.Items[0].Status != "success" {
		t.Fatalf("order refunds %+v", mine)
	}
	if got := api.count(t, "SELECT COUNT(*) FROM outbox WHERE task_type = ? AND payload LIKE ?", app.TaskRefundSubmit,
		"%"+second.OutRefundNo+"%"); got != 2 {
		t.Fatalf("%d submit jobs for the retried refund, want 2", got)
	}
}
