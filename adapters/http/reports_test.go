package http_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"
)

const salesPath = "/v1/admin/reports/sales"

// seedSalesDay writes a small known day into DEMO01 (Asia/Shanghai) with
// plain SQL: 2026-02-10 local is [2026-02-09T16:00Z, 2026-02-10T16:00Z).
func seedSalesDay(t *testing.T, api *testAPI) {
	t.Helper()
	ctx := context.Background()
	db := api.DB.SQL()
	var store int64
	if err := db.QueryRowContext(ctx, "SELECT id FROM stores WHERE code = 'DEMO01'").Scan(&store); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	created := ts("2026-02-09T15:00:00Z")
	order := func(id int64, status, paidAt, total string, lines ...[2]any) {
		exec(`INSERT INTO orders (id, order_no, shopper_id, store_id, store_code, status, subtotal, discount_total, total,
			idempotency_key, request_hash, created_at, expires_at, paid_at, updated_at)
			VALUES (?, ?, 1, ?, 'DEMO01', ?, ?, 0, ?, ?, 'h', ?, ?, ?, ?)`,
			id, "RPTH"+status, store, status, total, total, status, created, created, ts(paidAt), created)
		for i, l := range lines {
			exec(`INSERT INTO order_lines (id, order_id, product_id, sku, name, barcode, weighed, quantity,
				unit_price, list_amount, net_amount, tax_rate, discounts) VALUES (?, ?, 1, 'SKU', 'n', 'b', ?, ?, 1, 1, 1, 13, '[]')`,
				id*10+int64(i), id, l[0], l[1])
		}
	}
	order(1, "completed", "2026-02-09T16:00:00Z", "30.00", [2]any{false, "2"}, [2]any{true, "0.750"}) // local 02-10 00:00:00
	order(2, "paid", "2026-02-10T15:59:59Z", "12.35", [2]any{false, "1"})                             // local 02-10 23:59:59
	order(3, "closed", "2026-02-10T03:00:00Z", "5.00", [2]any{false, "1"})                            // paid after close: no sale
	exec(`INSERT INTO refunds (id, order_id, order_no, out_refund_no, amount, reason, status, store_id, created_at, updated_at)
		VALUES (1, 1, 'RPTHcompleted', 'RF1', '4.00', 'customer', 'success', ?, ?, ?)`,
		store, ts("2026-02-10T16:00:00Z"), ts("2026-02-10T16:00:00Z")) // local 02-11 00:00:00
	for i, result := range []string{"added", "unknown", "added"} {
		exec(`INSERT INTO scan_events (id, shopper_id, store_id, barcode, result, created_at) VALUES (?, 1, ?, '1', ?, ?)`,
			100+i, store, result, ts("2026-02-10T02:00:00Z"))
	}
	exec(`INSERT INTO exit_checks (id, order_id, order_no, store_id, staff_id, verdict, checked_at, result_at, unscanned_qty)
		VALUES (1, 1, 'RPTHcompleted', ?, 1, 'pass', ?, NULL, 0), (2, 2, 'RPTHpaid', ?, 1, 'audit', ?, ?, 1)`,
		store, ts("2026-02-10T01:00:00Z"), store, ts("2026-02-10T08:00:00Z"), ts("2026-02-10T08:05:00Z"))
}

// The answer, field for field and nothing more, for a known day and the
// quiet day after it.
func TestSalesReportShape(t *testing.T) {
	api := newTestAPI(t)
	seedSalesDay(t, api)
	manager := api.login(t, "manager1", "scanpay-demo")

	resp, body := api.do(t, "GET", salesPath+"?store=demo01&from=2026-02-10&to=2026-02-11", nil, manager)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	// 02-10: orders 1 and 2 (30.00 + 12.35 = 42.35; items 2 + 1 weighed +
	// 1 = 4); basket 42.35 / 2 = 21.175 → 21.18 (half-up); 3 scans, 1
	// unknown → 1.50 per order, 0.3333; 2 checks, 1 audit missed → 0.5000
	// and 1.0000. 02-11: only the 4.00 refund, so net −4.00 and zeros.
	want := `{"store_code":"DEMO01","time_zone":"Asia/Shanghai","from":"2026-02-10","to":"2026-02-11","days":[
	 {"date":"2026-02-10","orders":2,"revenue":"42.35","refunds":"0.00","net_revenue":"42.35","average_basket":"21.18",
	  "items":4,"items_per_order":"2.00","scans":3,"scans_per_order":"1.50","unknown_scans":1,"unknown_barcode_rate":"0.3333",
	  "exit_checks":2,"audits":1,"audit_rate":"0.5000","audits_with_result":1,"audits_missed":1,"audit_miss_rate":"1.0000"},
	 {"date":"2026-02-11","orders":0,"revenue":"0.00","refunds":"4.00","net_revenue":"-4.00","average_basket":"0.00",
	  "items":0,"items_per_order":"0.00","scans":0,"scans_per_order":"0.00","unknown_scans":0,"unknown_barcode_rate":"0.0000",
	  "exit_checks":0,"audits":0,"audit_rate":"0.0000","audits_with_result":0,"audits_missed":0,"audit_miss_rate":"0.0000"}],
	 "totals":{"orders":2,"revenue":"42.35","refunds":"4.00","net_revenue":"38.35","average_basket":"21.18",
	  "items":4,"items_per_order":"2.00","scans":3,"scans_per_order":"1.50","unknown_scans":1,"unknown_barcode_rate":"0.3333",
	  "exit_checks":2,"audits":1,"audit_rate":"0.5000","audits_with_result":1,"audits_missed":1,"audit_miss_rate":"1.0000"}}`
	var got, exp any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("report\n got %s\nwant %s", body, want)
	}

	// No dates: today in the store's zone, one day.
	var today struct {
		From string `json:"from"`
		To   string `json:"to"`
		Days []any  `json:"days"`
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().In(shanghai).Format("2006-01-02")
	api.mustDo(t, 200, "GET", salesPath+"?store=DEMO01", nil, manager, &today)
	after := time.Now().In(shanghai).Format("2006-01-02")
	if today.From != today.To || (today.From != before && today.From != after) || len(today.Days) != 1 {
		t.Errorf("default period %s..%s with %d days, want today in Shanghai (%s)", today.From, today.To, len(today.Days), before)
	}
}

func TestSalesReportAccessAndValidation(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	manager := api.login(t, "manager1", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	api.mustDo(t, 201, "POST", "/v1/admin/stores", map[string]any{"code": "SH02", "name": "Shop 2"}, admin, nil)

	for _, tc := range []struct {
		name, who, query string
		status           int
		code, reason     string
		fields           []string
	}{
		{"manager of the store", manager, "?store=DEMO01&from=2026-01-01&to=2026-01-31", 200, "", "", nil},
		{"admin, any store", admin, "?store=SH02&from=2026-01-01", 200, "", "", nil},
		{"clerk of the store", clerk, "?store=DEMO01", 403, "forbidden", "role_insufficient", nil},
		{"manager of another store", manager, "?store=SH02", 403, "forbidden", "store_not_assigned", nil},
		{"manager, unknown store", manager, "?store=NOPE9", 403, "forbidden", "store_not_assigned", nil},
		{"admin, unknown store", admin, "?store=NOPE9", 404, "not_found", "store_not_found", nil},
		{"no store", admin, "?from=2026-01-01", 422, "invalid", "report_store_required", []string{"store"}},
		{"bad date", manager, "?store=DEMO01&from=2026-02-30&to=2026-03-01", 422, "invalid", "report_range_invalid", []string{"from"}},
		{"from after to", manager, "?store=DEMO01&from=2026-03-02&to=2026-03-01", 422, "invalid", "report_range_invalid", []string{"to"}},
		{"93 days", manager, "?store=DEMO01&from=2026-01-01&to=2026-04-03", 422, "invalid", "report_range_invalid", []string{"to"}},
		// The store is checked first: staff of other stores learn nothing.
		{"other store, bad dates", manager, "?store=SH02&from=x", 403, "forbidden", "store_not_assigned", nil},
		{"no token", "", "?store=DEMO01", 401, "unauthorized", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, "GET", salesPath+tc.query, nil, tc.who)
			if tc.status == 200 {
				if resp.StatusCode != 200 {
					t.Fatalf("status %d, want 200; body %s", resp.StatusCode, body)
				}
				return
			}
			p := wantProblem(t, resp, body, tc.status, tc.code, tc.reason)
			if got := fieldNames(p); tc.fields != nil && !slices.Equal(got, tc.fields) {
				t.Errorf("fields %v, want %v", got, tc.fields)
			}
		})
	}

	// 92 days, both ends included, is the longest report: 92 entries.
	var long struct {
		Days []struct {
			Date string `json:"date"`
		} `json:"days"`
	}
	api.mustDo(t, 200, "GET", salesPath+"?store=DEMO01&from=2026-01-01&to=2026-04-02", nil, manager, &long)
	if n := len(long.Days); n != 92 || long.Days[0].Date != "2026-01-01" || long.Days[91].Date != "2026-04-02" {
		t.Errorf("%d days from %v, want 92 from 2026-01-01 to 2026-04-02", n, long.Days[:min(n, 1)])
	}
}
