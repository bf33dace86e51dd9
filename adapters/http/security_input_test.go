package http_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// wantRefusedOrOK fails on a 5xx and on a 4xx that is not problem+json.
func wantRefusedOrOK(t *testing.T, what string, resp *http.Response, body []byte) {
	t.Helper()
	if resp.StatusCode >= 500 {
		t.Fatalf("%s: %d %.300s", what, resp.StatusCode, body)
	}
	if resp.StatusCode >= 400 {
		problem(t, resp, body)
	}
}

// TestSecurityOversizedBodies: a body over the limit is 413 problem+json
// on staff and shopper routes, before any handler runs, over a real
// connection (fasthttp refuses it before routing). The limit is set low
// so the whole body fits the socket buffers: the server answers before
// reading it all, and a client still writing would see a reset instead.
func TestSecurityOversizedBodies(t *testing.T) {
	const limit = 8 << 10
	api := newTestAPI(t, withBodyLimit(limit))
	base := api.listen(t)
	manager := api.login(t, "manager1", "scanpay-demo")
	shopper := api.shopperInStore(t, "oBig01")
	big := `{"name":"` + strings.Repeat("x", 3*limit) + `"}`
	before := dbFingerprint(t, api)
	for _, r := range []struct{ method, path, token string }{
		{"POST", "/v1/admin/products", manager},
		{"PATCH", "/v1/admin/products/DRK-COLA-330", manager},
		{"POST", cartPath + "/scans", shopper},
		{"POST", "/v1/mp/sessions", ""},
	} {
		resp, body := api.doNet(t, base, r.method, r.path, big, r.token)
		wantProblem(t, resp, body, http.StatusRequestEntityTooLarge, "too_large", "")
	}
	unchanged(t, api, before, "oversized bodies")
}

// TestSecurityHostileJSON: deeply nested JSON, invalid UTF-8, wrong types
// and duplicate keys are refused as 4xx problem+json, never a 5xx or a
// crash, and nothing is stored.
func TestSecurityHostileJSON(t *testing.T) {
	api := newTestAPI(t)
	manager := api.login(t, "manager1", "scanpay-demo")
	shopper := api.shopperInStore(t, "oHostile01")
	deep := strings.Repeat("[", 100_000)
	deepObj := strings.Repeat(`{"a":`, 50_000) + "1" + strings.Repeat("}", 50_000)
	bodies := map[string]string{
		"100k [":                 deep,
		"50k nested objects":     deepObj,
		"deep inside a field":    `{"name":` + deep + `}`,
		"truncated":              `{"name":"x`,
		"array for an object":    `[1,2,3]`,
		"number for a string":    `{"name":12,"sku":34}`,
		"null":                   `null`,
		"invalid UTF-8 key":      "{\"\xff\xfe\":1}",
		"BOM":                    "\xef\xbb\xbf{}",
		"NUL bytes":              "{\"name\":\"a\x00b\"}",
		"trailing garbage":       `{} {}`,
		"huge exponent":          `{"quantity":1e999999999}`,
		"many keys":              "{" + strings.Repeat(`"k":1,`, 20_000) + `"k":1}`,
		"unicode escapes of NUL": `{"name":"\u0000"}`,
	}
	routes := []struct{ method, path, token string }{
		{"POST", "/v1/admin/products", manager},
		{"POST", "/v1/admin/promotions", manager},
		{"POST", cartPath + "/scans", shopper},
		{"PATCH", "/v1/admin/stores/DEMO01/items/DRK-COLA-330", manager},
	}
	before := dbFingerprint(t, api)
	for name, b := range bodies {
		for _, r := range routes {
			resp, body := api.do(t, r.method, r.path, b, r.token)
			wantRefusedOrOK(t, name+" to "+r.path, resp, body)
			if resp.StatusCode < 400 {
				t.Errorf("%s to %s accepted: %d %s", name, r.path, resp.StatusCode, body)
			}
		}
	}
	unchanged(t, api, before, "hostile JSON")
}

// TestSecurityInvalidUTF8Strings: invalid UTF-8 inside string values (the
// JSON itself well formed as bytes) is refused or stored as valid UTF-8,
// never a database error.
func TestSecurityInvalidUTF8Strings(t *testing.T) {
	api := newTestAPI(t)
	manager := api.login(t, "manager1", "scanpay-demo")
	bad := "Cola \xff\xfe\xc0\xaf"
	for i, r := range []struct {
		method, path string
		body         map[string]any
	}{
		{"POST", "/v1/admin/products", map[string]any{"sku": "UTF-1", "name": bad, "unit": "each", "tax_rate": "0.13", "category": bad}},
		{"PATCH", "/v1/admin/products/DRK-COLA-330", map[string]any{"name": bad}},
		{"POST", "/v1/admin/promotions", promotionBody("percent_off", map[string]any{"name": bad})},
		{"POST", "/v1/admin/coupons", couponBody("UTF8", "amount", map[string]any{"name": bad})},
		{"POST", "/v1/admin/stores/DEMO01/stock-movements", map[string]any{"sku": "DRK-COLA-330", "kind": "receive", "quantity": "1", "reason": bad}},
	} {
		// json.Marshal would replace the bad bytes: write the JSON by hand.
		raw, _ := json.Marshal(r.body)
		raw = bytes.ReplaceAll(raw, []byte(`Cola \ufffd\ufffd\ufffd\ufffd`), []byte(bad))
		if !bytes.Contains(raw, []byte("\xff")) {
			t.Fatalf("case %d: the body lost its invalid bytes: %s", i, raw)
		}
		resp, body := api.do(t, r.method, r.path, raw, manager)
		wantRefusedOrOK(t, r.path, resp, body)
		if resp.StatusCode < 300 && !json.Valid(body) {
			t.Errorf("%s stored it and answers invalid JSON: %q", r.path, body)
		}
	}
	api.mustDo(t, http.StatusOK, "GET", "/v1/admin/products/DRK-COLA-330", nil, manager, nil)
}

// sqlMeta are strings that break a query built by concatenation.
var sqlMeta = []string{`'; DROP TABLE orders;--`, `" OR 1=1 --`, `\'; SELECT SLEEP(5); --`, "Robert'); DELETE FROM products;--"}

// TestSecuritySQLMetacharacters puts SQL metacharacters in every free-text
// field staff and shoppers write (product name and category, promotion
// and coupon names, coupon code, refund reason, store name, staff display
// name, stock movement reason, label rule name, cart coupon code, barcode):
// each is stored verbatim or refused with 4xx, never a 5xx, and every
// table is still there with its rows afterwards.
func TestSecuritySQLMetacharacters(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	manager := api.login(t, "manager1", "scanpay-demo")
	ord := api.paidColas(t, "oSQL01", 9)
	shopper := api.shopperInStore(t, "oSQL02")
	tables := len(tableNames(t, api.DB.SQL()))
	orders := api.count(t, "SELECT COUNT(*) FROM orders")
	products := api.count(t, "SELECT COUNT(*) FROM products")
	verbatim := 0 // values read back: refusing everything would prove nothing

	for i, s := range sqlMeta {
		type write struct {
			name, method, path, token string
			body                      any
			headers                   []string
			// readBack, when set, is where the value must come back verbatim.
			readBack, field string
		}
		sku := fmt.Sprintf("SQL-%d", i)
		writes := []write{
			{name: "product name", method: "POST", path: "/v1/admin/products", token: manager,
				body:     map[string]any{"sku": sku, "name": s, "unit": "each", "tax_rate": "0.13", "category": s},
				readBack: "/v1/admin/products/" + sku, field: "name"},
			{name: "product category", method: "PATCH", path: "/v1/admin/products/" + sku, token: manager,
				body: map[string]any{"category": s}, readBack: "/v1/admin/products/" + sku, field: "category"},
			{name: "product sku", method: "POST", path: "/v1/admin/products", token: manager,
				body: map[string]any{"sku": s, "name": "x", "unit": "each", "tax_rate": "0.13"}},
			{name: "product search", method: "GET", path: "/v1/admin/products?q=" + urlQuery(s), token: manager},
			{name: "promotion name", method: "POST", path: "/v1/admin/promotions", token: manager,
				body: promotionBody("percent_off", map[string]any{"name": s})},
			{name: "coupon name", method: "POST", path: "/v1/admin/coupons", token: manager,
				body:     couponBody(fmt.Sprintf("SQLC%d", i), "amount", map[string]any{"name": s}),
				readBack: fmt.Sprintf("/v1/admin/coupons/SQLC%d", i), field: "name"},
			{name: "coupon code", method: "POST", path: "/v1/admin/coupons", token: manager,
				body: couponBody(s, "amount", nil)},
			{name: "store name", method: "PATCH", path: "/v1/admin/stores/DEMO01", token: admin,
				body: map[string]any{"name": s}, readBack: "/v1/admin/stores/DEMO01", field: "name"},
			{name: "store code", method: "POST", path: "/v1/admin/stores", token: admin,
				body: map[string]any{"code": s, "name": s}},
			{name: "staff display name", method: "POST", path: "/v1/admin/staff", token: admin,
				body: map[string]any{"username": fmt.Sprintf("sql%d", i), "display_name": s, "password": "a-long-password", "role": "clerk", "store_codes": []string{"DEMO01"}}},
			{name: "staff username", method: "POST", path: "/v1/admin/staff", token: admin,
				body: map[string]any{"username": s, "password": "a-long-password", "role": "clerk"}},
			{name: "login username", method: "POST", path: "/v1/admin/sessions",
				body: map[string]any{"username": s, "password": s}},
			{name: "stock reason", method: "POST", path: "/v1/admin/stores/DEMO01/stock-movements", token: manager,
				body: map[string]any{"sku": "DRK-COLA-330", "kind": "receive", "quantity": "1", "reason": s}},
			{name: "label rule name", method: "POST", path: "/v1/admin/stores/DEMO01/label-rules", token: manager,
				body: labelRuleBody(10 + i)},
			{name: "refund reason", method: "POST", path: refundsPath(ord.OrderNo), token: manager,
				body:    map[string]any{"lines": []map[string]any{{"line_id": ord.Lines[0].ID, "quantity": "1"}}, "reason": s},
				headers: []string{"Idempotency-Key", newKey()}},
			{name: "cart coupon code", method: "PUT", path: cartPath + "/coupon", token: shopper, body: map[string]any{"code": s}},
			{name: "barcode", method: "POST", path: cartPath + "/scans", token: shopper, body: map[string]any{"barcode": s}},
			{name: "order number", method: "GET", path: "/v1/mp/orders/" + urlQuery(s), token: shopper},
			{name: "orders filter", method: "GET", path: "/v1/admin/orders?store=DEMO01&status=" + urlQuery(s), token: manager},
		}
		if lr, ok := writes[13].body.(map[string]any); ok {
			lr["name"] = s
		}
		for _, w := range writes {
			resp, body := api.do(t, w.method, w.path, w.body, w.token, w.headers...)
			wantRefusedOrOK(t, fmt.Sprintf("%s %q", w.name, s), resp, body)
			if w.readBack == "" || resp.StatusCode >= 300 {
				continue
			}
			var got map[string]any
			api.mustDo(t, http.StatusOK, "GET", w.readBack, nil, w.token, &got)
			if got[w.field] != s {
				t.Errorf("%s: stored %q, sent %q", w.name, got[w.field], s)
			}
			verbatim++
		}
	}
	if verbatim < 3*len(sqlMeta) {
		t.Errorf("only %d values stored and read back verbatim", verbatim)
	}
	if got := len(tableNames(t, api.DB.SQL())); got != tables {
		t.Errorf("%d tables after the attempts, %d before", got, tables)
	}
	if got := api.count(t, "SELECT COUNT(*) FROM orders"); got != orders {
		t.Errorf("%d orders after the attempts, %d before", got, orders)
	}
	if got := api.count(t, "SELECT COUNT(*) FROM products"); got < products {
		t.Errorf("%d products after the attempts, %d before", got, products)
	}
}

func urlQuery(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// TestSecurityHugeAndNegativeNumbers: numbers out of any sane range
// (1e309 overflows float64; 20 digits overflow int64) and negative or zero
// quantities are 400/422, and change nothing.
func TestSecurityHugeAndNegativeNumbers(t *testing.T) {
	api := newTestAPI(t)
	manager := api.login(t, "manager1", "scanpay-demo")
	ord := api.paidColas(t, "oNum01", 2)
	shopper := api.shopperInStore(t, "oNum02")
	line := api.scanLine(t, shopper, colaEAN)
	line0 := ord.Lines[0].ID

	cases := []struct {
		name, method, path string
		body               string
		headers            []string
	}{}
	add := func(name, method, path, body string, headers ...string) {
		cases = append(cases, struct {
			name, method, path string
			body               string
			headers            []string
		}{name, method, path, body, headers})
	}
	for _, q := range []string{"1e309", "99999999999999999999", "-1", "0", "-99999999999999999999", "1.5", `"-1"`, `"1e309"`, "-0"} {
		add("scan quantity "+q, "POST", cartPath+"/scans", fmt.Sprintf(`{"barcode":%q,"quantity":%s}`, colaEAN, q))
		add("line quantity "+q, "PATCH", cartPath+"/lines/"+line, fmt.Sprintf(`{"quantity":%s}`, q))
		add("refund quantity "+q, "POST", refundsPath(ord.OrderNo),
			fmt.Sprintf(`{"lines":[{"line_id":%q,"quantity":%s}],"reason":"x"}`, line0, q), "Idempotency-Key", newKey())
		if q == "0" || q == "-0" {
			continue // version 0 is a real version: 409 cart_changed
		}
		add("checkout cart_version "+q, "POST", "/v1/mp/orders", fmt.Sprintf(`{"store_code":"DEMO01","cart_version":%s}`, q), "Idempotency-Key", newKey())
	}
	for _, p := range []string{"1e309", `"1e309"`, `"99999999999999999999"`, `"-1"`, "-1", `"0.001"`, `"NaN"`, `"Infinity"`} {
		add("price "+p, "PUT", "/v1/admin/stores/DEMO01/items/DRK-COLA-330", fmt.Sprintf(`{"price":%s}`, p))
		add("stock quantity "+p, "POST", "/v1/admin/stores/DEMO01/stock-movements",
			fmt.Sprintf(`{"sku":"DRK-COLA-330","kind":"receive","quantity":%s,"reason":"x"}`, p))
		add("coupon amount "+p, "POST", "/v1/admin/coupons", fmt.Sprintf(`{"code":"NUM%d","name":"n","kind":"amount","amount":%s}`, len(cases), p))
		add("promotion percent "+p, "POST", "/v1/admin/promotions",
			fmt.Sprintf(`{"name":"n","kind":"percent_off","skus":["DRK-COLA-330"],"percent":%s}`, p))
	}
	before := dbFingerprint(t, api)
	for _, c := range cases {
		tok := manager
		if strings.HasPrefix(c.path, "/v1/mp/") {
			tok = shopper
		}
		resp, body := api.do(t, c.method, c.path, c.body, tok, c.headers...)
		if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %.300s, want 400 or 422", c.name, resp.StatusCode, body)
			continue
		}
		problem(t, resp, body)
	}
	// Refused scans are still recorded as scan events, and a refused
	// checkout may touch the visit: only the state that matters is
	// compared here.
	after := dbFingerprint(t, api)
	for _, table := range []string{"orders", "order_lines", "refunds", "refund_lines", "store_items", "stock_levels",
		"stock_movements", "coupons", "promotions", "cart_lines", "payments", "outbox"} {
		if before[table] != after[table] {
			t.Errorf("table %s changed by refused numbers", table)
		}
	}
}

// TestSecurityCSVFormulaInjection: product names and categories that a
// spreadsheet would run as formulas come out of the store items export
// with a leading apostrophe, and import back unchanged.
func TestSecurityCSVFormulaInjection(t *testing.T) {
	api := newTestAPI(t)
	manager := api.login(t, "manager1", "scanpay-demo")
	hostile := []string{`=cmd|' /C calc'!A0`, "+1", "-1", "@SUM(1)", "=HYPERLINK(\"http://evil\",\"x\")", "\t=1", "\r=1"}
	want := map[string]string{}
	for i, name := range hostile {
		sku := fmt.Sprintf("CSV-%d", i)
		api.mustDo(t, http.StatusCreated, "POST", "/v1/admin/products", map[string]any{"sku": sku, "name": name,
			"unit": "each", "tax_rate": "0.13", "category": name}, manager, nil)
		api.mustDo(t, http.StatusOK, "PUT", "/v1/admin/stores/DEMO01/items/"+sku, map[string]any{"price": "1.00"}, manager, nil)
		want[sku] = strings.TrimSpace(name) // names are stored trimmed
	}
	resp, body := api.do(t, "GET", "/v1/admin/stores/DEMO01/items.csv", nil, manager)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export: %d %s", resp.StatusCode, body)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := rows[0]
	nameCol, catCol := slices.Index(header, "name"), slices.Index(header, "category")
	if nameCol < 0 || catCol < 0 {
		t.Fatalf("export header %q", header)
	}
	found := 0
	for _, row := range rows[1:] {
		name, ok := want[row[0]]
		if !ok {
			continue
		}
		found++
		for _, cell := range []string{row[nameCol], row[catCol]} {
			if cell != "'"+name {
				t.Errorf("%s exported as %q, want %q (neutralised)", row[0], cell, "'"+name)
			}
		}
	}
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q of row %q starts like a formula", cell, row)
			}
		}
	}
	if found != len(hostile) {
		t.Fatalf("found %d of %d hostile products in the export", found, len(hostile))
	}
}
