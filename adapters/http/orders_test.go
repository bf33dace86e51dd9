package http_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// Checkout freezes the cart once per Idempotency-Key: a replay of the same
// request gets the same order back (200), anything else is refused and
// changes nothing.
func TestCheckoutOverHTTP(t *testing.T) {
	api := newTestAPI(t)
	tok := api.shopperInStore(t, "oCheckout01")
	api.scanCola(t, tok, 2)
	var out scanJSON
	api.mustDo(t, http.StatusCreated, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": demoEAN("693782100015")}, tok, &out)
	cart := out.Cart
	body := map[string]any{"store_code": "demo01", "cart_version": cart.Version}

	for _, tc := range []struct {
		name         string
		key          string
		body         any
		status       int
		code, reason string
		fields       []string
	}{
		{"no Idempotency-Key", "", body, 400, "malformed", "idempotency_key_required", []string{"Idempotency-Key"}},
		{"key with a space", "two words", body, 422, "invalid", "idempotency_key_invalid", []string{"Idempotency-Key"}},
		{"key over 64 characters", strings.Repeat("k", 65), body, 422, "invalid", "idempotency_key_invalid", nil},
		{"cart_version missing", newKey(), map[string]any{"store_code": "DEMO01"}, 422, "invalid", "checkout_invalid", []string{"cart_version"}},
		{"cart_version negative", newKey(), map[string]any{"store_code": "DEMO01", "cart_version": -1}, 422, "invalid", "checkout_invalid", []string{"cart_version"}},
		{"store_code missing", newKey(), map[string]any{"cart_version": cart.Version}, 422, "invalid", "checkout_invalid", []string{"store_code"}},
		{"cart_version a string", newKey(), map[string]any{"store_code": "DEMO01", "cart_version": "3"}, 400, "malformed", "json_field_invalid", []string{"cart_version"}},
		{"cart_version a fraction", newKey(), `{"store_code":"DEMO01","cart_version":1.5}`, 400, "malformed", "json_field_invalid", []string{"cart_version"}},
		{"unknown field", newKey(), map[string]any{"store_code": "DEMO01", "cart_version": cart.Version, "total": "1.00"}, 400, "malformed", "json_field_invalid", []string{"total"}},
		{"no body", newKey(), nil, 400, "malformed", "body_required", nil},
		{"stale cart version", newKey(), map[string]any{"store_code": "DEMO01", "cart_version": cart.Version - 1}, 409, "conflict", "cart_changed", nil},
		{"unknown store", newKey(), map[string]any{"store_code": "NOPE9", "cart_version": 0}, 404, "not_found", "store_not_found", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, out := api.checkoutResp(t, tok, tc.key, tc.body)
			p := wantProblem(t, resp, out, tc.status, tc.code, tc.reason)
			if tc.fields != nil && !slices.Equal(fieldNames(p), tc.fields) {
				t.Errorf("fields %v, want %v", fieldNames(p), tc.fields)
			}
		})
	}
	if n := api.count(t, "SELECT COUNT(*) FROM orders"); n != 0 {
		t.Fatalf("refused checkouts left %d orders", n)
	}

	key := newKey()
	resp, raw := api.checkoutResp(t, tok, key, body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("checkout: %d %s", resp.StatusCode, raw)
	}
	var ord orderJSON
	mustUnmarshal(t, raw, &ord)
	if loc := resp.Header.Get("Location"); loc != "/v1/mp/orders/"+ord.OrderNo {
		t.Errorf("Location %q", loc)
	}
	created, _ := time.Parse(time.RFC3339Nano, ord.CreatedAt)
	expires, _ := time.Parse(time.RFC3339Nano, ord.ExpiresAt)
	if ord.Status != "pending_payment" || ord.StoreCode != "DEMO01" || len(ord.Lines) != 2 || ord.Total != cart.Total ||
		ord.Subtotal != cart.Subtotal || ord.DiscountTotal != cart.DiscountTotal || ord.RefundedTotal != "0.00" ||
		expires.Sub(created) != testOrderTTL || !strings.HasSuffix(ord.CreatedAt, "Z") {
		t.Errorf("order %s: want pending, DEMO01, the cart's 2 lines and totals, expiring 15 min after creation", raw)
	}
	cola := ord.Lines[0]
	if cola.SKU != "DRK-COLA-330" || cola.Quantity != "2" || cola.UnitPrice != "3.00" || cola.ListAmount != "6.00" ||
		cola.TaxRate != "0.13" || cola.RefundedQuantity != "0" || cola.RefundedAmount != "0.00" || cola.ID == "" || cola.Name == "" {
		t.Errorf("cola line %+v", cola)
	}
	var shape map[string]any
	mustUnmarshal(t, raw, &shape)
	for _, k := range []string{"paid_at", "closed_at"} {
		if v, ok := shape[k]; !ok || v != nil {
			t.Errorf("%s = %v (present %v), want null", k, v, ok)
		}
	}
	for _, k := range []string{"coupon_code", "close_reason", "shopper_id", "transaction_id"} {
		if _, ok := shape[k]; ok {
			t.Errorf("the shopper's order has %s: %s", k, raw)
		}
	}

	// The retry of a lost answer: same key, same body (store code in
	// another case) answers the same order with 200, and no second order.
	var again orderJSON
	resp, raw = api.checkoutResp(t, tok, key, map[string]any{"store_code": "DEMO01", "cart_version": cart.Version})
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &again) != nil || again.OrderNo != ord.OrderNo {
		t.Fatalf("replay: %d %s, want 200 with order %s", resp.StatusCode, raw, ord.OrderNo)
	}
	resp, raw = api.checkoutResp(t, tok, key, map[string]any{"store_code": "DEMO01", "cart_version": cart.Version + 1})
	wantProblem(t, resp, raw, 409, "conflict", "idempotency_key_reused")
	if n := api.count(t, "SELECT COUNT(*) FROM orders"); n != 1 {
		t.Fatalf("%d orders, want 1", n)
	}

	var emptied cartJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, cartPath, nil, tok, &emptied)
	if len(emptied.Lines) != 0 || emptied.Total != "0.00" {
		t.Fatalf("cart after checkout: %+v, want empty", emptied)
	}
	resp, raw = api.checkoutResp(t, tok, newKey(), map[string]any{"store_code": "DEMO01", "cart_version": emptied.Version})
	wantProblem(t, resp, raw, 422, "invalid", "cart_empty")
}

// A shopper sees only their own orders; another shopper's order is 404
// like one that does not exist. Lists filter by status and page by cursor.
func TestShopperOrdersAreTheirOwn(t *testing.T) {
	api := newTestAPI(t)
	tok := api.shopperInStore(t, "oOrders01")
	other := api.shopperInStore(t, "oOrders02")
	first := api.placeOrder(t, tok)
	second := api.placeOrder(t, tok)
	third := api.placeOrder(t, tok)
	theirs := api.placeOrder(t, other)

	var got orderJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/mp/orders/"+first.OrderNo, nil, tok, &got)
	if got.OrderNo != first.OrderNo || got.Total != first.Total || len(got.Lines) != 1 {
		t.Errorf("GET own order: %+v", got)
	}
	for _, path := range []string{"/v1/mp/orders/" + theirs.OrderNo, "/v1/mp/orders/" + theirs.OrderNo + "/payments",
		"/v1/mp/orders/" + theirs.OrderNo + "/cancel"} {
		method := http.MethodPost
		if !strings.HasSuffix(path, "payments") && !strings.HasSuffix(path, "cancel") {
			method = http.MethodGet
		}
		resp, body := api.do(t, method, path, nil, tok)
		wantProblem(t, resp, body, 404, "not_found", "order_not_found")
	}
	for _, bad := range []string{"x", "ab%21cdefg", strings.Repeat("A", 33)} {
		resp, body := api.do(t, http.MethodGet, "/v1/mp/orders/"+bad, nil, tok)
		wantProblem(t, resp, body, 404, "not_found", "order_not_found")
	}
	resp, body := api.do(t, http.MethodGet, "/v1/mp/orders/"+first.OrderNo, nil, "")
	wantProblem(t, resp, body, 401, "unauthorized", "token_missing")

	api.mustDo(t, http.StatusOK, http.MethodPost, "/v1/mp/orders/"+second.OrderNo+"/cancel", nil, tok, nil)

	var page orderListJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/mp/orders?limit=2", nil, tok, &page)
	if len(page.Items) != 2 || page.Items[0].OrderNo != third.OrderNo || page.Items[1].OrderNo != second.OrderNo || page.NextCursor == "" {
		t.Fatalf("first page %+v, want the two newest and a cursor", page)
	}
	var rest orderListJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/mp/orders?limit=2&cursor="+page.NextCursor, nil, tok, &rest)
	if len(rest.Items) != 1 || rest.Items[0].OrderNo != first.OrderNo || rest.NextCursor != "" {
		t.Fatalf("second page %+v, want the first order and no cursor", rest)
	}
	var closed orderListJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/mp/orders?status=closed", nil, tok, &closed)
	if len(closed.Items) != 1 || closed.Items[0].OrderNo != second.OrderNo || closed.Items[0].CloseReason != "cancelled" {
		t.Fatalf("closed orders %+v", closed)
	}
	var pending orderListJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/mp/orders?status=pending_payment", nil, tok, &pending)
	if len(pending.Items) != 2 {
		t.Fatalf("pending orders %+v, want 2", pending)
	}
	resp, body = api.do(t, http.MethodGet, "/v1/mp/orders?status=lost", nil, tok)
	wantProblem(t, resp, body, 422, "invalid", "status_invalid")
	resp, body = api.do(t, http.MethodGet, "/v1/mp/orders?cursor=nope", nil, tok)
	wantProblem(t, resp, body, 422, "invalid", "page_invalid")
}

// Paying: the parameters are signed by the merchant key as
// wx.requestPayment checks them, and a second call reuses the prepay
// without asking WeChat Pay again. A cancelled order cannot be paid.
func TestStartPaymentAndCancel(t *testing.T) {
	api := newTestAPI(t)
	tok := api.shopperInStore(t, "oPay01")
	ord := api.placeOrder(t, tok)
	path := "/v1/mp/orders/" + ord.OrderNo

	var params map[string]string
	api.mustDo(t, http.StatusOK, http.MethodPost, path+"/payments", nil, tok, &params)
	if len(params) != 6 || params["appId"] != api.PayKeys.AppID || params["signType"] != "RSA" ||
		!strings.HasPrefix(params["package"], "prepay_id=") || params["timeStamp"] == "" || params["nonceStr"] == "" {
		t.Fatalf("payment params %v", params)
	}
	verifyPaySign(t, &api.PayKeys.MerchantKey.PublicKey, params)
	if fo, ok := api.Pay.Order(ord.OrderNo); !ok || fo.Total != 300 {
		t.Fatalf("fake order %+v (known %v), want 300 fen", fo, ok)
	}

	calls := api.Pay.Requests()
	var again map[string]string
	resp, body := api.do(t, http.MethodPost, path+"/payments", "{}", tok, "Idempotency-Key", newKey())
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &again) != nil {
		t.Fatalf("second start: %d %s", resp.StatusCode, body)
	}
	if again["package"] != params["package"] || api.Pay.Requests() != calls {
		t.Fatalf("second start: package %q (first %q), fake requests %d -> %d: want the prepay reused",
			again["package"], params["package"], calls, api.Pay.Requests())
	}
	verifyPaySign(t, &api.PayKeys.MerchantKey.PublicKey, again)
	resp, body = api.do(t, http.MethodPost, path+"/payments", map[string]any{"amount": "0.01"}, tok)
	wantProblem(t, resp, body, 400, "malformed", "json_field_invalid")

	var closed orderJSON
	api.mustDo(t, http.StatusOK, http.MethodPost, path+"/cancel", "{}", tok, &closed)
	if closed.Status != "closed" || closed.CloseReason != "cancelled" || closed.ClosedAt == nil || closed.PaidAt != nil {
		t.Fatalf("cancelled order %+v", closed)
	}
	if fo, _ := api.Pay.Order(ord.OrderNo); fo.TradeState != "CLOSED" {
		t.Errorf("fake trade state %s, want CLOSED: closed at WeChat Pay first", fo.TradeState)
	}
	resp, body = api.do(t, http.MethodPost, path+"/payments", nil, tok)
	wantProblem(t, resp, body, 409, "conflict", "order_not_pending")
	resp, body = api.do(t, http.MethodPost, path+"/cancel", nil, tok)
	wantProblem(t, resp, body, 409, "conflict", "order_not_pending")
}

// verifyPaySign checks paySign as the WeChat client does: the merchant's
// RSA-SHA256 (PKCS #1 v1.5) over appId, timeStamp, nonceStr and package.
func verifyPaySign(t *testing.T, pub *rsa.PublicKey, p map[string]string) {
	t.Helper()
	msg := p["appId"] + "\n" + p["timeStamp"] + "\n" + p["nonceStr"] + "\n" + p["package"] + "\n"
	sig, err := base64.StdEncoding.DecodeString(p["paySign"])
	if err != nil {
		t.Fatalf("paySign is not base64: %v", err)
	}
	sum := sha256.Sum256([]byte(msg))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("paySign does not verify with the merchant key: %v", err)
	}
}

// Staff see the orders of their stores only: a clerk of DEMO01 lists and
// reads them, a manager of another store neither (its order is 404, the
// store 403).
func TestStaffOrderScoping(t *testing.T) {
	api := newTestAPI(t)
	tok := api.shopperInStore(t, "oStaffView01")
	ord := api.placeOrder(t, tok)
	admin := api.login(t, "admin", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	elsewhere := api.newStoreWithManager(t, admin, "SH07", "sh07.manager")

	var got orderJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/orders/"+ord.OrderNo, nil, clerk, &got)
	if got.OrderNo != ord.OrderNo || got.ShopperID == "" || got.Total != ord.Total {
		t.Errorf("clerk reads %+v", got)
	}
	for _, q := range []string{"", "?store=demo01", "?store=DEMO01&status=pending_payment"} {
		var list orderListJSON
		api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/orders"+q, nil, clerk, &list)
		if len(list.Items) != 1 || list.Items[0].OrderNo != ord.OrderNo {
			t.Errorf("clerk lists %s: %+v", q, list)
		}
	}
	var paid orderListJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/orders?status=paid", nil, admin, &paid)
	if len(paid.Items) != 0 {
		t.Errorf("paid orders %+v, want none", paid)
	}
	var none orderListJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/orders", nil, elsewhere, &none)
	if len(none.Items) != 0 {
		t.Errorf("another store's manager lists %+v", none)
	}
	resp, body := api.do(t, http.MethodGet, "/v1/admin/orders/"+ord.OrderNo, nil, elsewhere)
	wantProblem(t, resp, body, 404, "not_found", "order_not_found")
	resp, body = api.do(t, http.MethodGet, "/v1/admin/orders?store=DEMO01", nil, elsewhere)
	wantProblem(t, resp, body, 403, "forbidden", "store_not_assigned")
	resp, body = api.do(t, http.MethodGet, "/v1/admin/orders", nil, tok)
	wantProblem(t, resp, body, 401, "unauthorized", "token_invalid")
	resp, body = api.do(t, http.MethodGet, "/v1/mp/orders/"+ord.OrderNo, nil, clerk)
	wantProblem(t, resp, body, 401, "unauthorized", "token_invalid")
}

func mustUnmarshal(t *testing.T, raw []byte, dst any) {
	t.Helper()
	if err := json.Unmarshal(raw, dst); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}
