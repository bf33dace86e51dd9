package http_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestCartCaps(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	api.mustDo(t, 200, http.MethodPatch, "/v1/admin/stores/DEMO01",
		map[string]any{"max_line_quantity": 5, "max_basket_total": "50.00", "max_lines": 3}, admin, nil)
	tok := api.scanShopper(t, "oCaps")

	var out scanJSON
	api.mustDo(t, 201, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": colaEAN, "quantity": 5}, tok, &out)
	cola := out.Line.ID
	resp, body := api.do(t, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": colaEAN}, tok)
	wantProblem(t, resp, body, 422, "invalid", "cap_max_quantity")
	resp, body = api.do(t, http.MethodPatch, cartPath+"/lines/"+cola, map[string]any{"quantity": 6}, tok)
	wantProblem(t, resp, body, 422, "invalid", "cap_max_quantity")

	// 15.00 + 39.90 = 54.90 is over ¥50: refused, the cart as it was.
	before := api.getCart(t, tok)
	resp, body = api.do(t, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": riceEAN}, tok)
	wantProblem(t, resp, body, 422, "invalid", "cap_basket_amount")
	after := api.getCart(t, tok)
	if after.Version != before.Version || len(after.Lines) != 1 || after.Total != "15.00" {
		t.Fatalf("refused scan changed the cart: %+v, was %+v", after, before)
	}

	// Down to one cola, the rice fits (3.00 + 39.90 = 42.90); raising the
	// cola line to 5 again would make 54.90 and is refused the same way.
	api.mustDo(t, 200, http.MethodPatch, cartPath+"/lines/"+cola, map[string]any{"quantity": 1}, tok, nil)
	api.scanLine(t, tok, riceEAN)
	resp, body = api.do(t, http.MethodPatch, cartPath+"/lines/"+cola, map[string]any{"quantity": 5}, tok)
	wantProblem(t, resp, body, 422, "invalid", "cap_basket_amount")
	got := api.getCart(t, tok)
	if got.quantities()["DRK-COLA-330"] != "1" || got.Total != "42.90" {
		t.Fatalf("refused PATCH changed the cart: %+v", got)
	}

	// Lines: a third line fits, a fourth does not.
	api.scanLine(t, tok, waterEAN)
	resp, body = api.do(t, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": porkWeightLabel}, tok)
	wantProblem(t, resp, body, 422, "invalid", "cap_max_lines")
}

func TestUnavailableItems(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	tok := api.scanShopper(t, "oInactive")
	api.scanLine(t, tok, colaEAN)
	api.scanLine(t, tok, chipsEAN)

	api.mustDo(t, 200, http.MethodPut, "/v1/admin/stores/DEMO01/items/DRK-COLA-330",
		map[string]any{"price": "3.00", "active": false}, admin, nil)
	resp, body := api.do(t, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": colaEAN}, tok)
	wantProblem(t, resp, body, 422, "invalid", "item_unavailable")

	// The line already in the cart stays, marked and priced at nothing.
	c := api.getCart(t, tok)
	if len(c.Lines) != 2 || c.Total != "6.50" || c.Subtotal != "6.50" {
		t.Fatalf("cart %+v, want the cola line unpriced and total 6.50", c)
	}
	for _, l := range c.Lines {
		if (l.SKU == "DRK-COLA-330") != l.Unavailable {
			t.Errorf("line %s unavailable=%v", l.SKU, l.Unavailable)
		}
		if l.SKU == "DRK-COLA-330" && (l.NetAmount != "0.00" || l.Name == "") {
			t.Errorf("unavailable line %+v", l)
		}
	}

	// A kg product's GTIN is refused: it must be weighed and its label scanned.
	bananaEAN := demoEAN("696120599991")
	api.mustDo(t, 200, http.MethodPatch, "/v1/admin/products/FRS-BANANA", map[string]any{"add_barcodes": []string{bananaEAN}}, admin, nil)
	resp, body = api.do(t, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": bananaEAN}, tok)
	wantProblem(t, resp, body, 422, "invalid", "weigh_first")
	if got := api.getCart(t, tok); got.Version != c.Version {
		t.Fatalf("refused scans changed the cart: version %d, want %d", got.Version, c.Version)
	}
}

func TestCartCoupon(t *testing.T) {
	api := newTestAPI(t)
	tok := api.scanShopper(t, "oCoupon")
	api.scanLine(t, tok, chipsEAN) // ¥6.50, below WELCOME5's ¥30

	resp, body := api.do(t, http.MethodPut, cartPath+"/coupon", map[string]any{"code": "WELCOME5"}, tok)
	if p := wantProblem(t, resp, body, 422, "invalid", "coupon_min_spend"); !slices.Contains(fieldNames(p), "code") {
		t.Errorf("fields %v, want code", fieldNames(p))
	}
	resp, body = api.do(t, http.MethodPut, cartPath+"/coupon", map[string]any{"code": "NOSUCH99"}, tok)
	if p := wantProblem(t, resp, body, 422, "invalid", "coupon_not_found"); !slices.Contains(fieldNames(p), "code") {
		t.Errorf("fields %v, want code", fieldNames(p))
	}
	resp, body = api.do(t, http.MethodPut, cartPath+"/coupon", map[string]any{"code": " "}, tok)
	wantProblem(t, resp, body, 422, "invalid", "")
	c := api.getCart(t, tok)
	if c.Coupon != nil || c.Version != 1 || c.Total != "6.50" {
		t.Fatalf("refused coupons left a mark: %+v", c)
	}

	rice := api.scanLine(t, tok, riceEAN) // 46.40
	var with cartDetailJSON
	api.mustDo(t, 200, http.MethodPut, cartPath+"/coupon", map[string]any{"code": "welcome5"}, tok, &with)
	if with.Coupon == nil || !with.Coupon.Applied || with.Coupon.Code != "WELCOME5" || with.Total != "41.40" || with.Version != 3 {
		t.Fatalf("with WELCOME5: %+v", with)
	}

	// Below the minimum again, the coupon stays on the cart, not applied,
	// with its reason; back above it, it applies again.
	var below cartDetailJSON
	api.mustDo(t, 200, http.MethodDelete, cartPath+"/lines/"+rice, nil, tok, &below)
	if below.Coupon == nil || below.Coupon.Applied || below.Coupon.Problem == nil ||
		below.Coupon.Problem.Reason != "coupon_min_spend" || below.Total != "6.50" {
		t.Fatalf("coupon below its minimum: %+v", below)
	}
	api.scanLine(t, tok, riceEAN)
	if c := api.getCart(t, tok); c.Coupon == nil || !c.Coupon.Applied || c.Coupon.Problem != nil || c.Total != "41.40" {
		t.Fatalf("coupon back above its minimum: %+v", c)
	}

	var without cartDetailJSON
	api.mustDo(t, 200, http.MethodDelete, cartPath+"/coupon", nil, tok, &without)
	if without.Coupon != nil || without.Total != "46.40" || without.DiscountTotal != "0.00" || without.Version != 6 {
		t.Fatalf("after removing the coupon: %+v", without)
	}
	if got := api.getCart(t, tok); got.Coupon != nil || got.Total != "46.40" {
		t.Fatalf("GET after removing the coupon: %+v", got)
	}
}

func TestScanRateLimit(t *testing.T) {
	api := newTestAPI(t, withScanLimit(3, time.Minute))
	tok := api.scanShopper(t, "oFast")
	for range 3 {
		api.scanLine(t, tok, colaEAN)
	}
	resp, body := api.do(t, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": colaEAN}, tok)
	wantProblem(t, resp, body, 429, "rate_limited", "scan_rate_limited")
	retryAfter(t, resp, 60)
	if c := api.getCart(t, tok); c.quantities()["DRK-COLA-330"] != "3" {
		t.Fatalf("cart %+v, want 3 colas", c)
	}
	// The limit is per shopper.
	api.scanLine(t, api.scanShopper(t, "oSlow"), colaEAN)
}

func TestCartBelongsToItsShopper(t *testing.T) {
	api := newTestAPI(t)
	alice := api.scanShopper(t, "oAliceCart")
	line := api.scanLine(t, alice, colaEAN)

	staff := api.login(t, "admin", "scanpay-demo")
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, cartPath},
		{http.MethodPost, cartPath + "/scans"},
		{http.MethodPatch, cartPath + "/lines/" + line},
		{http.MethodDelete, cartPath + "/lines/" + line},
		{http.MethodPut, cartPath + "/coupon"},
		{http.MethodDelete, cartPath + "/coupon"},
	} {
		var body any
		if tc.method == http.MethodPost || tc.method == http.MethodPatch || tc.method == http.MethodPut {
			body = map[string]any{"barcode": colaEAN}
		}
		resp, out := api.do(t, tc.method, tc.path, body, staff)
		wantProblem(t, resp, out, 401, "unauthorized", "token_invalid")
		resp, out = api.do(t, tc.method, tc.path, body, "")
		wantProblem(t, resp, out, 401, "unauthorized", "token_missing")
	}

	bob := api.scanShopper(t, "oBobCart")
	var raw map[string]any
	api.mustDo(t, 200, http.MethodGet, cartPath, nil, bob, &raw)
	if lines, _ := raw["lines"].([]any); lines == nil || len(lines) != 0 || raw["total"] != "0.00" ||
		raw["subtotal"] != "0.00" || raw["coupon"] != nil || raw["store_code"] != "DEMO01" {
		t.Fatalf("bob's cart %v, want empty", raw)
	}
	resp, body := api.do(t, http.MethodPatch, cartPath+"/lines/"+line, map[string]any{"quantity": 9}, bob)
	wantProblem(t, resp, body, 404, "not_found", "line_not_found")
	resp, body = api.do(t, http.MethodDelete, cartPath+"/lines/"+line, nil, bob)
	wantProblem(t, resp, body, 404, "not_found", "line_not_found")
	if c := api.getCart(t, alice); len(c.Lines) != 1 || c.Lines[0].Quantity != "1" {
		t.Fatalf("alice's cart after bob's tries: %+v", c)
	}
}

func TestMemberPrice(t *testing.T) {
	api := newTestAPI(t)
	tok := api.scanShopper(t, "oMember")
	api.scanLine(t, tok, waterEAN)
	if c := api.getCart(t, tok); c.Lines[0].UnitPrice != "2.00" {
		t.Fatalf("non-member unit price %s, want 2.00", c.Lines[0].UnitPrice)
	}
	if _, err := api.DB.SQL().Exec("UPDATE shoppers SET member = TRUE"); err != nil {
		t.Fatal(err)
	}
	api.scanLine(t, tok, colaEAN) // no member price: the store price
	c := api.getCart(t, tok)
	if q := c.quantities(); len(q) != 2 || c.Subtotal != "4.80" {
		t.Fatalf("member cart %+v, want water 1.80 + cola 3.00 = 4.80", c)
	}
	raw, _ := json.Marshal(c)
	for _, l := range c.Lines {
		if l.SKU == "DRK-WATER-550" && l.UnitPrice != "1.80" {
			t.Errorf("member water unit price %s, want 1.80 (%s)", l.UnitPrice, raw)
		}
	}
}
