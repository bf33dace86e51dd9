package mysql_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
)

// The report data set: store 100 (RPT01, Asia/Shanghai, UTC+8), reported
// for 2026-01-01..2026-01-03 local. Local days start at 16:00 UTC the day
// before, so:
//
//	D1 = [2025-12-31T16:00Z, 2026-01-01T16:00Z)
//	D2 = [2026-01-01T16:00Z, 2026-01-02T16:00Z)
//	D3 = [2026-01-02T16:00Z, 2026-01-03T16:00Z)
//
// Store 200 is another store whose rows must never count.
const (
	rptStore  = int64(100)
	rptOther  = int64(200)
	before    = "2025-12-31T15:59:59.999999Z" // local 2025-12-31 23:59:59.999999: before D1
	d1Start   = "2025-12-31T16:00:00Z"        // local 2026-01-01 00:00:00
	d1Last    = "2026-01-01T15:59:59Z"        // local 2026-01-01 23:59:59
	d2Start   = "2026-01-01T16:00:00Z"        // local 2026-01-02 00:00:00
	d2Mid     = "2026-01-02T03:00:00Z"
	d2Last    = "2026-01-02T15:59:59.999999Z" // local 2026-01-02 23:59:59.999999
	d3Early   = "2026-01-03T01:00:00Z"
	d3Mid     = "2026-01-03T02:00:00Z"
	d3Last    = "2026-01-03T15:59:59.999999Z"
	afterLast = "2026-01-03T16:00:00Z" // local 2026-01-04 00:00:00: after D3
)

type rptLine struct {
	weighed bool
	qty     string
}

type rptOrder struct {
	id     int64
	store  int64
	status string
	paidAt string // "" = NULL
	total  string
	lines  []rptLine
}

// Orders: only paid, completed, partially_refunded and refunded with
// paid_at in a day count. Items: unit lines by quantity, weighed lines 1.
//
//	D1: o2 25.50 (2 units + 1 weighed = 3 items), o3 12.30 (3 items)
//	    → 2 orders, 37.80, 6 items
//	D2: o4 40.00 (1 unit + 2 weighed = 3), o5 10.00 (4)
//	    → 2 orders, 50.00, 7 items
//	D3: o9 8.88 (1 + 1 weighed = 2), o12 0.10 (1), o13 0.20 (1 weighed)
//	    → 3 orders, 9.18, 4 items (0.10 + 0.20 is 0.30000000000000004 as REAL)
//	total: 7 orders, 96.98, 17 items
var rptOrders = []rptOrder{
	{1, rptStore, "paid", before, "99.00", []rptLine{{false, "5"}}}, // a second early
	{2, rptStore, "completed", d1Start, "25.50", []rptLine{{false, "2"}, {true, "0.458"}}},
	{3, rptStore, "paid", d1Last, "12.30", []rptLine{{false, "3"}}},
	{4, rptStore, "partially_refunded", d2Start, "40.00", []rptLine{{false, "1"}, {true, "1.250"}, {true, "0.300"}}},
	{5, rptStore, "refunded", d2Mid, "10.00", []rptLine{{false, "4"}}},
	{6, rptStore, "pending_payment", "", "50.00", []rptLine{{false, "9"}}},
	{7, rptStore, "closed", "", "60.00", []rptLine{{false, "9"}}},
	// Paid after it was closed: the money is refunded, never a sale.
	{8, rptStore, "closed", d2Mid, "7.77", []rptLine{{false, "9"}}},
	{9, rptStore, "paid", d3Last, "8.88", []rptLine{{false, "1"}, {true, "2.000"}}},
	{10, rptStore, "completed", afterLast, "66.00", []rptLine{{false, "9"}}}, // local next day
	{11, rptOther, "paid", d2Mid, "1000.00", []rptLine{{false, "10"}}},
	{12, rptStore, "completed", d3Early, "0.10", []rptLine{{false, "1"}}},
	{13, rptStore, "paid", d3Mid, "0.20", []rptLine{{true, "0.125"}}},
}

// Refunds count by created_at unless closed or paid_after_close:
//
//	D1: r2 2.50 (pending)                     → 2.50
//	D2: r1 15.00 (success), r5 10.00 (processing) → 25.00; r3 closed, r4 paid_after_close out
//	D3: r6 0.10 (abnormal), r7 0.20 (success) → 0.30
//	total 27.80
var rptRefunds = []struct {
	id                            int64
	store                         int64
	status, reason, created, amnt string
}{
	{1, rptStore, "success", "customer", d2Start, "15.00"},
	{2, rptStore, "pending", "damaged", d1Last, "2.50"},
	{3, rptStore, "closed", "customer", d2Mid, "9.99"},
	{4, rptStore, "success", domain.RefundReasonPaidAfterClose, d2Mid, "7.77"},
	{5, rptStore, "processing", "customer", d2Mid, "10.00"},
	{6, rptStore, "abnormal", "customer", d3Early, "0.10"},
	{7, rptStore, "success", "customer", d3Mid, "0.20"},
	{8, rptOther, "success", "customer", d1Last, "50.00"},
	{9, rptStore, "success", "customer", before, "1.00"},
}

// Scans, any result, by created_at; unknown ones apart:
//
//	D1: 3 added + 1 unknown → 4 scans, 1 unknown
//	D2: unknown, inactive, label_rule_miss → 3 scans, 1 unknown
//	D3: none
var rptScans = []struct {
	store           int64
	result, created string
}{
	{rptStore, "added", d1Start}, {rptStore, "added", d1Start}, {rptStore, "added", d1Last},
	{rptStore, "unknown", d1Last},
	{rptStore, "unknown", d2Start}, {rptStore, "inactive", d2Mid}, {rptStore, "label_rule_miss", d2Last},
	{rptStore, "added", before}, {rptStore, "unknown", afterLast}, {rptOther, "unknown", d2Mid},
}

// Exit checks by checked_at; audits, those with a result, and those whose
// result found something unscanned:
//
//	D1: pass, audit clean (result, 0), audit missed (result, 2), pass
//	    → 4 checks, 2 audits, 2 with result, 1 missed
//	D2: audit without result, audit missed (result, 0.500 kg), pass
//	    → 3 checks, 2 audits, 1 with result, 1 missed
//	D3: none
var rptChecks = []struct {
	store            int64
	verdict, checked string
	result           bool
	unscanned        string
}{
	{rptStore, "pass", d1Start, false, "0"},
	{rptStore, "audit", d1Last, true, "0"},
	{rptStore, "audit", d1Last, true, "2"},
	{rptStore, "pass", d1Last, false, "0"},
	{rptStore, "audit", d2Start, false, "0"},
	{rptStore, "audit", d2Mid, true, "0.500"},
	{rptStore, "pass", d2Last, false, "0"},
	{rptOther, "audit", d1Last, true, "3"},
	{rptStore, "audit", before, true, "1"},
	{rptStore, "audit", afterLast, true, "1"},
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// insertReportData writes the data set with plain SQL, as the tables'
// owners (checkout, payments, refunds, exit checks) would have.
func insertReportData(t *testing.T, db *mysql.DB) {
	t.Helper()
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	created := at("2025-12-30T00:00:00Z")
	lineID := int64(1000)
	for _, o := range rptOrders {
		var paid any
		if o.paidAt != "" {
			paid = at(o.paidAt)
		}
		exec(`INSERT INTO orders (id, order_no, shopper_id, store_id, store_code, status, subtotal, discount_total, total,
			idempotency_key, request_hash, created_at, expires_at, paid_at, updated_at)
			VALUES (?, ?, 1, ?, ?, ?, ?, 0, ?, ?, 'h', ?, ?, ?, ?)`,
			o.id, fmt.Sprintf("RPT%04d", o.id), o.store, fmt.Sprintf("S%d", o.store), o.status, o.total, o.total,
			fmt.Sprintf("k%d", o.id), created, created, paid, created)
		for _, l := range o.lines {
			lineID++
			exec(`INSERT INTO order_lines (id, order_id, product_id, sku, name, barcode, weighed, quantity,
				unit_price, list_amount, net_amount, tax_rate, discounts) VALUES (?, ?, 1, 'SKU', 'n', 'b', ?, ?, 1, 1, 1, 13, '[]')`,
				lineID, o.id, l.weighed, l.qty)
		}
	}
	for _, r := range rptRefunds {
		exec(`INSERT INTO refunds (id, order_id, order_no, out_refund_no, amount, reason, status, store_id, created_at, updated_at)
			VALUES (?, 5, 'RPT0005', ?, ?, ?, ?, ?, ?, ?)`,
			r.id, fmt.Sprintf("RF%d", r.id), r.amnt, r.reason, r.status, r.store, at(r.created), at(r.created))
	}
	for i, s := range rptScans {
		exec(`INSERT INTO scan_events (id, shopper_id, store_id, barcode, result, created_at) VALUES (?, 1, ?, '123', ?, ?)`,
			2000+i, s.store, s.result, at(s.created))
	}
	for i, c := range rptChecks {
		var resultAt any
		if c.result {
			resultAt = at(c.checked).Add(time.Minute)
		}
		exec(`INSERT INTO exit_checks (id, order_id, order_no, store_id, staff_id, verdict, checked_at, result_at, unscanned_qty)
			VALUES (?, ?, 'RPTX', ?, 7, ?, ?, ?, ?)`, 3000+i, 3000+i, c.store, c.verdict, at(c.checked), resultAt, c.unscanned)
	}
}

func reportBounds(t *testing.T) []time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	p, err := domain.NewReportPeriod("2026-01-01", "2026-01-03", loc, at(d1Start))
	if err != nil {
		t.Fatal(err)
	}
	return p.Bounds
}

// reportLine is a day's (or the totals') figures as the API prints them.
type reportLine struct {
	orders                        int64
	revenue, refunds, net, basket string
	items                         int64
	itemsPer                      string
	scans                         int64
	scansPer                      string
	unknown                       int64
	unknownRate                   string
	checks, audits                int64
	auditRate                     string
	withResult, missed            int64
	missRate                      string
}

func lineOf(f domain.SalesFigures) reportLine {
	return reportLine{orders: f.Orders, revenue: f.Revenue.StringFixed(2), refunds: f.Refunds.StringFixed(2),
		net: f.NetRevenue().StringFixed(2), basket: f.AverageBasket().StringFixed(2), items: f.Items,
		itemsPer: f.ItemsPerOrder().StringFixed(2), scans: f.Scans, scansPer: f.ScansPerOrder().StringFixed(2),
		unknown: f.UnknownScans, unknownRate: f.UnknownBarcodeRate().StringFixed(4), checks: f.ExitChecks,
		audits: f.Audits, auditRate: f.AuditRate().StringFixed(4), withResult: f.AuditsWithResult,
		missed: f.AuditsMissed, missRate: f.AuditMissRate().StringFixed(4)}
}

// Every figure of the known data set, per day and in total, on both
// engines. Expected values are worked out by hand above and here.
func TestSalesReportKnownDataSet(t *testing.T) {
	want := []reportLine{
		// D1: 37.80 − 2.50 = 35.30; 37.80/2 = 18.90; 6/2; 4/2; 1/4; 2/4; 1/2
		{orders: 2, revenue: "37.80", refunds: "2.50", net: "35.30", basket: "18.90", items: 6, itemsPer: "3.00",
			scans: 4, scansPer: "2.00", unknown: 1, unknownRate: "0.2500", checks: 4, audits: 2, auditRate: "0.5000",
			withResult: 2, missed: 1, missRate: "0.5000"},
		// D2: 50.00 − 25.00; 50.00/2; 7/2; 3/2; 1/3; 2/3; 1/1
		{orders: 2, revenue: "50.00", refunds: "25.00", net: "25.00", basket: "25.00", items: 7, itemsPer: "3.50",
			scans: 3, scansPer: "1.50", unknown: 1, unknownRate: "0.3333", checks: 3, audits: 2, auditRate: "0.6667",
			withResult: 1, missed: 1, missRate: "1.0000"},
		// D3: 9.18 − 0.30 = 8.88; 9.18/3 = 3.06; 4/3; no scans, no checks: zero rates
		{orders: 3, revenue: "9.18", refunds: "0.30", net: "8.88", basket: "3.06", items: 4, itemsPer: "1.33",
			scans: 0, scansPer: "0.00", unknown: 0, unknownRate: "0.0000", checks: 0, audits: 0, auditRate: "0.0000",
			withResult: 0, missed: 0, missRate: "0.0000"},
	}
	// Totals: 96.98 − 27.80 = 69.18; 96.98/7 = 13.854… → 13.85; 17/7 =
	// 2.428… → 2.43; 7/7; 2/7 = 0.28571… → 0.2857; 4/7 = 0.571428… →
	// 0.5714; 2/3 → 0.6667.
	wantTotal := reportLine{orders: 7, revenue: "96.98", refunds: "27.80", net: "69.18", basket: "13.85", items: 17,
		itemsPer: "2.43", scans: 7, scansPer: "1.00", unknown: 2, unknownRate: "0.2857", checks: 7, audits: 4,
		auditRate: "0.5714", withResult: 3, missed: 2, missRate: "0.6667"}

	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		insertReportData(t, db)
		got, err := mysql.NewReportRepo(db).SalesByDay(context.Background(), rptStore, reportBounds(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("%d days, want 3", len(got))
		}
		var total domain.SalesFigures
		for i, f := range got {
			if l := lineOf(f); l != want[i] {
				t.Errorf("D%d:\n got %+v\nwant %+v", i+1, l, want[i])
			}
			if f.Revenue.Exponent() < -2 || f.Refunds.Exponent() < -2 {
				t.Errorf("D%d money %s/%s carries more than 2 decimals", i+1, f.Revenue, f.Refunds)
			}
			total = total.Add(f)
		}
		if l := lineOf(total); l != wantTotal {
			t.Errorf("totals:\n got %+v\nwant %+v", l, wantTotal)
		}
	})
}

// A store with no activity gets one zero entry per day, and a one-day
// period needs no bucket expression at all.
func TestSalesReportEmptyAndSingleDay(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		insertReportData(t, db)
		repo := mysql.NewReportRepo(db)
		got, err := repo.SalesByDay(context.Background(), 999, reportBounds(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0] != (domain.SalesFigures{}) || got[1] != (domain.SalesFigures{}) || got[2] != (domain.SalesFigures{}) {
			t.Errorf("store without rows: %+v, want three zero days", got)
		}
		// D2 alone: the same figures as D2 of the three-day report.
		one, err := repo.SalesByDay(context.Background(), rptStore, []time.Time{at(d2Start), at("2026-01-02T16:00:00Z")})
		if err != nil {
			t.Fatal(err)
		}
		if len(one) != 1 || one[0].Orders != 2 || one[0].Revenue.StringFixed(2) != "50.00" || one[0].Refunds.StringFixed(2) != "25.00" ||
			one[0].Items != 7 || one[0].Scans != 3 || one[0].ExitChecks != 3 || one[0].AuditsMissed != 1 {
			t.Errorf("D2 alone: %+v", one)
		}
	})
}

// Each report query reads its rows through the (store, time) index meant
// for it, on MariaDB, with the data set in place.
func TestSalesReportQueriesUseIndexes(t *testing.T) {
	db := mysqltest.OpenMariaDB(t)
	insertReportData(t, db)
	plans, err := mysql.ExplainSales(context.Background(), db, rptStore, reportBounds(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		"orders":      {"o": "ix_orders_store_paid"},
		"items":       {"o": "ix_orders_store_paid", "l": "ix_order_lines_order"},
		"refunds":     {"refunds": "ix_refunds_store"},
		"scans":       {"scan_events": "ix_scan_events_store_time"},
		"exit_checks": {"exit_checks": "ix_exit_checks_store"},
	}
	if len(plans) != len(want) {
		t.Errorf("explained queries %v, want %d", plans, len(want))
	}
	for name, tables := range want {
		if len(plans[name]) != len(tables) {
			t.Errorf("%s reads tables %v, want %v", name, plans[name], tables)
		}
		for table, key := range tables {
			// range: a slice of the (store, time) index; ref/eq_ref: lines
			// looked up per order. Never ALL or index (whole table or index).
			got := plans[name][table]
			if got.Key != key || (got.Type != "range" && got.Type != "ref" && got.Type != "eq_ref") {
				t.Errorf("%s reads %s by key %q (%s), want %s by range or ref", name, table, got.Key, got.Type, key)
			}
		}
	}
}
