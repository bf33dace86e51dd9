package http_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/app"
)

type receiptJSON struct {
	ReceiptNo string `json:"receipt_no"`
	Store     struct {
		Code     string `json:"code"`
		Name     string `json:"name"`
		TimeZone string `json:"time_zone"`
	} `json:"store"`
	IssuedAt    string `json:"issued_at"`
	PaidAt      string `json:"paid_at"`
	PaidAtLocal string `json:"paid_at_local"`
	TimeZone    string `json:"time_zone"`
	Lines       []struct {
		SKU              string `json:"sku"`
		Name             string `json:"name"`
		Barcode          string `json:"barcode"`
		Quantity         string `json:"quantity"`
		UnitPrice        string `json:"unit_price"`
		ListAmount       string `json:"list_amount"`
		Discounts        []any  `json:"discounts"`
		NetAmount        string `json:"net_amount"`
		TaxRate          string `json:"tax_rate"`
		RefundedQuantity string `json:"refunded_quantity"`
		RefundedAmount   string `json:"refunded_amount"`
	} `json:"lines"`
	Subtotal      string `json:"subtotal"`
	DiscountTotal string `json:"discount_total"`
	Total         string `json:"total"`
	Tax           []struct {
		Rate    string `json:"rate"`
		Taxable string `json:"taxable"`
		Tax     string `json:"tax"`
	} `json:"tax"`
	Payment struct {
		Method        string `json:"method"`
		TransactionID string `json:"transaction_id"`
		Amount        string `json:"amount"`
		PaidAt        string `json:"paid_at"`
	} `json:"payment"`
	Refunds       []any  `json:"refunds"`
	RefundedTotal string `json:"refunded_total"`
	NetPaid       string `json:"net_paid"`
}

// paidWithReceipt places a cola order for a new shopper, pays it by
// notification and runs the payment job, then (when issue is set) the
// receipt job. It returns the shopper's token and the order number.
func (a *testAPI) paidWithReceipt(t *testing.T, openID string, issue bool) (string, string) {
	t.Helper()
	tok := a.shopperInStore(t, openID)
	ord := a.placeOrder(t, tok)
	// The name is frozen on the order line: a hostile one must come out
	// escaped on the page.
	if _, err := a.DB.SQL().Exec("UPDATE order_lines SET name = ? WHERE order_id = (SELECT id FROM orders WHERE order_no = ?)",
		`Cola <script>alert(1)</script>`, ord.OrderNo); err != nil {
		t.Fatal(err)
	}
	resp, body := a.do(t, http.MethodGet, "/v1/mp/orders/"+ord.OrderNo+"/receipt", nil, tok)
	wantProblem(t, resp, body, http.StatusConflict, "conflict", "order_not_paid")
	a.mustDo(t, http.StatusOK, http.MethodPost, "/v1/mp/orders/"+ord.OrderNo+"/payments", nil, tok, nil)
	if err := a.Pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	if resp, body := a.notify(t, transactionsHook, a.notification(t, ord.OrderNo)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("notification: %d %s", resp.StatusCode, body)
	}
	runPaymentApplyJobs(t, a, ord.OrderNo)
	if issue {
		if err := a.Orders.IssueReceipt(context.Background(), app.OrderTask{OrderNo: ord.OrderNo}); err != nil {
			t.Fatal(err)
		}
	}
	return tok, ord.OrderNo
}

// The shopper reads the receipt of their paid order as JSON once the
// receipt job ran (404 receipt_not_issued before); another shopper finds
// no such order.
func TestShopperReceiptOverHTTP(t *testing.T) {
	api := newTestAPI(t)
	tok, no := api.paidWithReceipt(t, "oReceipt01", false)
	path := "/v1/mp/orders/" + no + "/receipt"
	resp, body := api.do(t, http.MethodGet, path, nil, tok)
	wantProblem(t, resp, body, http.StatusNotFound, "not_found", "receipt_not_issued")
	if err := api.Orders.IssueReceipt(context.Background(), app.OrderTask{OrderNo: no}); err != nil {
		t.Fatal(err)
	}

	var r receiptJSON
	resp = api.mustDo(t, http.StatusOK, http.MethodGet, path, nil, tok, &r)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var tx string
	if err := api.DB.SQL().QueryRow("SELECT transaction_id FROM orders WHERE order_no = ?", no).Scan(&tx); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ what, got, want string }{
		{"receipt_no", r.ReceiptNo, no},
		{"store code", r.Store.Code, "DEMO01"},
		{"store zone", r.Store.TimeZone, "Asia/Shanghai"},
		{"time_zone", r.TimeZone, "Asia/Shanghai"},
		{"line name", r.Lines[0].Name, `Cola <script>alert(1)</script>`},
		{"line quantity", r.Lines[0].Quantity, "1"},
		{"line unit price", r.Lines[0].UnitPrice, "3.00"},
		{"line net", r.Lines[0].NetAmount, "3.00"},
		{"line tax rate", r.Lines[0].TaxRate, r.Tax[0].Rate},
		{"line refunded", r.Lines[0].RefundedAmount, "0.00"},
		{"total", r.Total, "3.00"},
		{"taxable", r.Tax[0].Taxable, "3.00"},
		{"payment method", r.Payment.Method, "wechat_pay"},
		{"transaction", r.Payment.TransactionID, tx},
		{"paid", r.Payment.Amount, "3.00"},
		{"refunded", r.RefundedTotal, "0.00"},
		{"net paid", r.NetPaid, "3.00"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if len(r.Lines) != 1 || len(r.Tax) != 1 || r.Refunds == nil || len(r.Refunds) != 0 || r.IssuedAt == "" ||
		r.PaidAt != r.Payment.PaidAt || len(r.PaidAtLocal) != len("2006-01-02 15:04:05") || tx == "" {
		t.Errorf("receipt %+v", r)
	}

	other := api.shopperInStore(t, "oReceipt02")
	resp, body = api.do(t, http.MethodGet, path, nil, other)
	wantProblem(t, resp, body, http.StatusNotFound, "not_found", "order_not_found")
	resp, body = api.do(t, http.MethodGet, path+"?format=xml", nil, tok)
	wantProblem(t, resp, body, http.StatusUnprocessableEntity, "invalid", "format_invalid")
}

// A browser (Accept: text/html) or ?format=html gets the receipt as a
// phone-sized page: the lines, totals and transaction id, with the
// product name escaped.
func TestReceiptPageOverHTTP(t *testing.T) {
	api := newTestAPI(t)
	tok, no := api.paidWithReceipt(t, "oReceipt03", true)
	path := "/v1/mp/orders/" + no + "/receipt"
	var tx string
	if err := api.DB.SQL().QueryRow("SELECT transaction_id FROM orders WHERE order_no = ?", no).Scan(&tx); err != nil {
		t.Fatal(err)
	}
	browser := "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	for _, req := range []struct {
		name, query string
		headers     []string
	}{
		{"Accept", "", []string{"Accept", browser}},
		{"format=html", "?format=html", nil},
	} {
		resp, body := api.do(t, http.MethodGet, path+req.query, nil, tok, req.headers...)
		page := string(body)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %q %s", req.name, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		for _, want := range []string{`<meta name="viewport"`, no, tx, "¥3.00", "Cola &lt;script&gt;alert(1)&lt;/script&gt;",
			"DEMO01", "Asia/Shanghai"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: page lacks %q", req.name, want)
			}
		}
		if strings.Contains(page, "<script>") || strings.Contains(page, "Refunds") {
			t.Errorf("%s: page has a raw script tag or a refunds section:\n%s", req.name, page)
		}
	}
	// format=json wins over a browser's Accept.
	resp, body := api.do(t, http.MethodGet, path+"?format=json", nil, tok, "Accept", browser)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("format=json: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

// Staff of the order's store read its receipt; staff of another store
// find no such order, and a shopper token opens no staff route.
func TestStaffReceiptOverHTTP(t *testing.T) {
	api := newTestAPI(t)
	tok, no := api.paidWithReceipt(t, "oReceipt04", true)
	path := "/v1/admin/orders/" + no + "/receipt"
	admin := api.login(t, "admin", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	elsewhere := api.newStoreWithManager(t, admin, "SH08", "sh08.manager")

	var r receiptJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, path, nil, clerk, &r)
	if r.ReceiptNo != no || r.Total != "3.00" || r.Payment.TransactionID == "" {
		t.Errorf("clerk reads %+v", r)
	}
	resp, body := api.do(t, http.MethodGet, path+"?format=html", nil, clerk)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), r.Payment.TransactionID) {
		t.Errorf("clerk's page: %d %s", resp.StatusCode, body)
	}
	resp, body = api.do(t, http.MethodGet, path, nil, elsewhere)
	wantProblem(t, resp, body, http.StatusNotFound, "not_found", "order_not_found")
	resp, body = api.do(t, http.MethodGet, path, nil, tok)
	wantProblem(t, resp, body, http.StatusUnauthorized, "unauthorized", "token_invalid")
}
