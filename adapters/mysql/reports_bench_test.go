package mysql_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
)

// A month of a busy store's activity, and as much again in a second store
// the report must skip: per store and day 300 paid orders of 3 lines, 5
// scans per order, an exit check per order and 6 refunds.
const (
	benchDays          = 30
	benchOrdersPerDay  = 300
	benchLinesPerOrder = 3
	benchScansPerOrder = 5
	benchRefundsPerDay = 6
)

// BenchmarkSalesReport times one 30-day sales report (GET
// /v1/admin/reports/sales) over benchDays × benchOrdersPerDay orders per
// store on MariaDB: five grouped queries on the report indexes.
func BenchmarkSalesReport(b *testing.B) {
	db := mysqltest.OpenMariaDB(b)
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	seedReportBench(b, db, start)
	loc, err := time.LoadLocation(domain.DefaultTimeZone)
	if err != nil {
		b.Fatal(err)
	}
	bounds := make([]time.Time, benchDays+1)
	for d := range bounds {
		bounds[d] = time.Date(2026, 10, 1+d, 0, 0, 0, 0, loc).UTC()
	}
	repo := mysql.NewReportRepo(db)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		days, err := repo.SalesByDay(ctx, 1, bounds)
		if err != nil {
			b.Fatal(err)
		}
		var orders int64
		for _, d := range days {
			orders += d.Orders
		}
		// The first local day starts 8 h after the first UTC day, so the
		// last 8 h of orders fall outside; at least 29 full days count.
		if orders < (benchDays-1)*benchOrdersPerDay {
			b.Fatalf("report counted %d orders", orders)
		}
	}
}

// seedReportBench writes the data set with multi-row inserts.
func seedReportBench(b *testing.B, db *mysql.DB, start time.Time) {
	b.Helper()
	ins := &batchInserter{b: b, db: db}
	id := int64(1)
	next := func() int64 { id++; return id }
	for store := int64(1); store <= 2; store++ {
		for day := 0; day < benchDays; day++ {
			for n := 0; n < benchOrdersPerDay; n++ {
				at := start.AddDate(0, 0, day).Add(time.Duration(n) * 24 * time.Hour / benchOrdersPerDay)
				orderID := next()
				ins.add("INSERT INTO orders (id, order_no, shopper_id, store_id, store_code, status, subtotal, discount_total, total, idempotency_key, request_hash, created_at, expires_at, paid_at, updated_at) VALUES ",
					"(?, ?, 1, ?, 'S', 'completed', 30, 0, 30, ?, 'h', ?, ?, ?, ?)", orderID, fmt.Sprintf("B%d", orderID), store, fmt.Sprintf("k%d", orderID), at, at, at, at)
				for l := 0; l < benchLinesPerOrder; l++ {
					ins.add("INSERT INTO order_lines (id, order_id, product_id, sku, name, barcode, weighed, quantity, unit_price, list_amount, net_amount, tax_rate, discounts) VALUES ",
						"(?, ?, 1, 'SKU', 'n', 'b', FALSE, 2, 5, 10, 10, 0.13, '[]')", next(), orderID)
				}
				for s := 0; s < benchScansPerOrder; s++ {
					ins.add("INSERT INTO scan_events (id, shopper_id, store_id, barcode, result, created_at) VALUES ",
						"(?, 1, ?, '123', 'added', ?)", next(), store, at)
				}
				ins.add("INSERT INTO exit_checks (id, order_id, order_no, store_id, staff_id, verdict, checked_at) VALUES ",
					"(?, ?, 'B', ?, 1, 'pass', ?)", next(), orderID, store, at)
			}
			for r := 0; r < benchRefundsPerDay; r++ {
				rid := next()
				at := start.AddDate(0, 0, day).Add(time.Duration(r) * time.Hour)
				ins.add("INSERT INTO refunds (id, order_id, order_no, out_refund_no, amount, reason, status, store_id, created_at, updated_at) VALUES ",
					"(?, 1, 'B', ?, 5, 'r', 'success', ?, ?, ?)", rid, fmt.Sprintf("R%d", rid), store, at, at)
			}
		}
	}
	ins.flush()
}

// batchInserter groups rows of each INSERT into statements of up to 500
// rows (one buffer per statement, since the tables' rows interleave).
type batchInserter struct {
	b       *testing.B
	db      *mysql.DB
	pending map[string]*rowBatch
}

type rowBatch struct {
	rows []string
	args []any
}

func (i *batchInserter) add(prefix, row string, args ...any) {
	if i.pending == nil {
		i.pending = map[string]*rowBatch{}
	}
	batch := i.pending[prefix]
	if batch == nil {
		batch = &rowBatch{}
		i.pending[prefix] = batch
	}
	batch.rows = append(batch.rows, row)
	batch.args = append(batch.args, args...)
	if len(batch.rows) == 500 {
		i.exec(prefix, batch)
	}
}

func (i *batchInserter) exec(prefix string, batch *rowBatch) {
	if len(batch.rows) == 0 {
		return
	}
	if _, err := i.db.SQL().Exec(prefix+strings.Join(batch.rows, ","), batch.args...); err != nil {
		i.b.Fatal(err)
	}
	batch.rows, batch.args = batch.rows[:0], batch.args[:0]
}

func (i *batchInserter) flush() {
	for prefix, batch := range i.pending {
		i.exec(prefix, batch)
	}
}
