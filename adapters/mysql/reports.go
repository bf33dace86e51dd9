package mysql

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// ReportRepo adds up the sales report in SQL, one grouped query per source
// table, each a range scan of a (store_id, time) index.
type ReportRepo struct{ db *DB }

// NewReportRepo returns the report repository.
func NewReportRepo(db *DB) *ReportRepo { return &ReportRepo{db: db} }

var _ domain.ReportRepository = (*ReportRepo)(nil)

// salesStatuses are the order states that count as a sale: paid and
// everything a paid order becomes. A closed order stays out even when a
// payment came after the close: that money is refunded, never revenue.
var salesStatuses = []string{string(domain.OrderPaid), string(domain.OrderCompleted),
	string(domain.OrderPartiallyRefunded), string(domain.OrderRefunded)}

// reportQuery is one grouped query of the report: its SQL returns a
// day_idx column (the bucket index) and the figures fill reads from a row.
type reportQuery struct {
	name string
	sql  string
	args []any
	fill func(f *domain.SalesFigures, row reportRow)
}

// reportRow is the union of the columns the report queries return; each
// query fills only its own. Money comes as ROUND(SUM(x), 2): SQLite keeps
// DECIMAL as REAL, so an unrounded sum could carry float noise.
type reportRow struct {
	DayIdx       int
	N            int64
	Money        decimal.NullDecimal
	Items        decimal.NullDecimal
	UnknownScans int64
	Audits       int64
	WithResult   int64
	Missed       int64
}

// SalesByDay runs the report queries and lays their rows onto the days.
func (r *ReportRepo) SalesByDay(ctx context.Context, storeID int64, bounds []time.Time) ([]domain.SalesFigures, error) {
	if len(bounds) < 2 {
		return nil, fmt.Errorf("report: %d day bounds, need at least 2", len(bounds))
	}
	out := make([]domain.SalesFigures, len(bounds)-1)
	for _, q := range salesQueries(r.db.Dialect, storeID, bounds) {
		var rows []reportRow
		if err := r.db.conn(ctx).Raw(q.sql, q.args...).Scan(&rows).Error; err != nil {
			return nil, mapErr(fmt.Errorf("report %s: %w", q.name, err))
		}
		for _, row := range rows {
			if row.DayIdx < 0 || row.DayIdx >= len(out) {
				return nil, fmt.Errorf("report %s: day bucket %d out of range", q.name, row.DayIdx)
			}
			q.fill(&out[row.DayIdx], row)
		}
	}
	return out, nil
}

// salesQueries are the report's queries for a store and day bounds, each
// filtered on the range [first bound, last bound) of its indexed time
// column and bucketed by dayBucket.
func salesQueries(dialect Dialect, storeID int64, bounds []time.Time) []reportQuery {
	start, end := utcTime(bounds[0]), utcTime(bounds[len(bounds)-1])
	from := func(table, alias, index string) string { return fromIndexed(dialect, table, alias, index) }
	bucket := func(col string) (string, []any) { return dayBucket(col, bounds) }
	var qs []reportQuery

	day, args := bucket("o.paid_at")
	qs = append(qs, reportQuery{name: "orders",
		sql: "SELECT " + day + " AS day_idx, COUNT(*) AS n, ROUND(SUM(o.total), 2) AS money FROM " + from("orders", "o", "ix_orders_store_paid") +
			" WHERE o.store_id = ? AND o.paid_at >= ? AND o.paid_at < ? AND o.status IN ? GROUP BY day_idx",
		args: append(args, storeID, start, end, salesStatuses),
		fill: func(f *domain.SalesFigures, row reportRow) {
			f.Orders, f.Revenue = row.N, row.Money.Decimal.Round(2)
		}})

	// A weighed line is one item whatever it weighs; a unit line is its
	// quantity (a whole number).
	day, args = bucket("o.paid_at")
	qs = append(qs, reportQuery{name: "items",
		sql: "SELECT " + day + " AS day_idx, ROUND(SUM(CASE WHEN l.weighed THEN 1 ELSE l.quantity END), 0) AS items" +
			" FROM " + from("orders", "o", "ix_orders_store_paid") + " JOIN order_lines l ON l.order_id = o.id" +
			" WHERE o.store_id = ? AND o.paid_at >= ? AND o.paid_at < ? AND o.status IN ? GROUP BY day_idx",
		args: append(args, storeID, start, end, salesStatuses),
		fill: func(f *domain.SalesFigures, row reportRow) { f.Items = row.Items.Decimal.IntPart() }})

	// Closed refunds moved no money; paid-after-close refunds return money
	// that was never revenue (its order is closed, not a sale).
	day, args = bucket("created_at")
	qs = append(qs, reportQuery{name: "refunds",
		sql: "SELECT " + day + " AS day_idx, ROUND(SUM(amount), 2) AS money FROM " + from("refunds", "", "ix_refunds_store") +
			" WHERE store_id = ? AND created_at >= ? AND created_at < ? AND status <> ? AND reason <> ? GROUP BY day_idx",
		args: append(args, storeID, start, end, string(domain.RefundClosed), domain.RefundReasonPaidAfterClose),
		fill: func(f *domain.SalesFigures, row reportRow) { f.Refunds = row.Money.Decimal.Round(2) }})

	day, args = bucket("created_at")
	qs = append(qs, reportQuery{name: "scans",
		sql: "SELECT " + day + " AS day_idx, COUNT(*) AS n, SUM(CASE WHEN result = ? THEN 1 ELSE 0 END) AS unknown_scans" +
			" FROM " + from("scan_events", "", "ix_scan_events_store_time") + " WHERE store_id = ? AND created_at >= ? AND created_at < ? GROUP BY day_idx",
		args: append(args, string(domain.ScanUnknown), storeID, start, end),
		fill: func(f *domain.SalesFigures, row reportRow) { f.Scans, f.UnknownScans = row.N, row.UnknownScans }})

	day, args = bucket("checked_at")
	audit := "verdict = 'audit'"
	qs = append(qs, reportQuery{name: "exit_checks",
		sql: "SELECT " + day + " AS day_idx, COUNT(*) AS n," +
			" SUM(CASE WHEN " + audit + " THEN 1 ELSE 0 END) AS audits," +
			" SUM(CASE WHEN " + audit + " AND result_at IS NOT NULL THEN 1 ELSE 0 END) AS with_result," +
			" SUM(CASE WHEN " + audit + " AND result_at IS NOT NULL AND unscanned_qty > 0 THEN 1 ELSE 0 END) AS missed" +
			" FROM " + from("exit_checks", "", "ix_exit_checks_store") + " WHERE store_id = ? AND checked_at >= ? AND checked_at < ? GROUP BY day_idx",
		args: append(args, storeID, start, end),
		fill: func(f *domain.SalesFigures, row reportRow) {
			f.ExitChecks, f.Audits, f.AuditsWithResult, f.AuditsMissed = row.N, row.Audits, row.WithResult, row.Missed
		}})
	return qs
}

// dayBucket is a portable SQL expression giving the index of the day a
// time column falls in: CASE WHEN col < start of day 2 THEN 0 WHEN col <
// start of day 3 THEN 1 ... ELSE last END. The day starts are computed in
// Go from the store's zone (DST included), so neither engine needs time
// zone tables (MySQL's CONVERT_TZ does). Rows outside the period are
// filtered by the query's range condition, not here.
func dayBucket(col string, bounds []time.Time) (string, []any) {
	inner := bounds[1 : len(bounds)-1]
	if len(inner) == 0 {
		return "0", nil
	}
	var b strings.Builder
	args := make([]any, 0, len(inner))
	b.WriteString("CASE")
	for i, t := range inner {
		fmt.Fprintf(&b, " WHEN %s < ? THEN %d", col, i)
		args = append(args, utcTime(t))
	}
	fmt.Fprintf(&b, " ELSE %d END", len(inner))
	return b.String(), args
}

// fromIndexed names a table read through the given index. The planner
// cannot know that a report asks for a short time range of one store, and
// on small or freshly analysed tables it would rather scan whole tables,
// which is what a report over months of orders must never do. MySQL is
// told with FORCE INDEX; SQLite's INDEXED BY fails the query outright if
// the index cannot serve it, so a drift shows at once.
func fromIndexed(dialect Dialect, table, alias, index string) string {
	if dialect == DialectSQLite {
		if alias != "" {
			return table + " AS " + alias + " INDEXED BY " + index
		}
		return table + " INDEXED BY " + index
	}
	if alias != "" {
		return table + " " + alias + " FORCE INDEX (" + index + ")"
	}
	return table + " FORCE INDEX (" + index + ")"
}
