package http

import (
	"math"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// Chart geometry in SVG user units; the SVG scales to its box (viewBox),
// so it fits a 375 px screen as well as a desktop.
const (
	chartW      = 640
	chartH      = 220
	chartLeft   = 8  // room left of the bars
	chartTop    = 22 // room above the tallest bar for its value
	chartBottom = 26 // room below the bars for the dates
	chartMaxTxt = 16 // at most this many date labels under the bars
)

type reportView struct {
	From, To string
	Report   *domain.SalesReport
	Days     []reportRow
	Totals   reportRow
	Charts   []barChart
}

// reportRow is one day's figures (or the totals) as the table shows them:
// money with 2 decimals, rates as percentages.
type reportRow struct {
	Date                                           string
	Orders, Items, Scans, UnknownScans             int64
	ExitChecks, Audits, AuditsWithResult, Missed   int64
	Revenue, Refunds, Net, AverageBasket, PerOrder string
	UnknownRate, AuditRate                         string
}

func toReportRow(date string, f domain.SalesFigures) reportRow {
	return reportRow{Date: date, Orders: f.Orders, Items: f.Items, Scans: f.Scans, UnknownScans: f.UnknownScans,
		ExitChecks: f.ExitChecks, Audits: f.Audits, AuditsWithResult: f.AuditsWithResult, Missed: f.AuditsMissed,
		Revenue: f.Revenue.StringFixed(2), Refunds: f.Refunds.StringFixed(2), Net: f.NetRevenue().StringFixed(2),
		AverageBasket: f.AverageBasket().StringFixed(2), PerOrder: f.ItemsPerOrder().StringFixed(2),
		UnknownRate: percent(f.UnknownBarcodeRate()), AuditRate: percent(f.AuditRate())}
}

// percent shows a rate (0.3333) as "33.3 %".
func percent(rate decimal.Decimal) string {
	return rate.Shift(2).StringFixed(1) + " %"
}

// barChart is one server-drawn SVG bar chart: every number the template
// writes is computed here from the report's figures, never from text a
// user typed.
type barChart struct {
	ID, Title, Desc string
	W, H            int
	BaseY           float64
	Bars            []chartBar
}

type chartBar struct {
	X, Y, W, H float64
	// TextX is the bar's centre, for its labels; DateY and ValueY where
	// they go. ShowDate is false for dates skipped to keep labels apart.
	TextX, DateY, ValueY  float64
	Date, FullDate, Value string
	ShowDate, ShowValue   bool
}

// consoleReport is GET /console/reports?from=&to=: the current store's
// sales per day (manager of the store, or admin), today by default.
func (s *Server) consoleReport(c *fiber.Ctx) error {
	v := reportView{From: utils.CopyString(c.Query("from")), To: utils.CopyString(c.Query("to"))}
	if consoleStore(c) == "" {
		return s.renderPage(c, fiber.StatusOK, "reports", "Sales report", v)
	}
	rep, err := s.deps.Reports.Sales(c.UserContext(), actor(c), app.SalesQuery{StoreCode: consoleStore(c), From: v.From, To: v.To})
	if err != nil {
		return s.renderPageError(c, "reports", "Sales report", v, err)
	}
	v.Report, v.From, v.To = rep, rep.From.String(), rep.To.String()
	revenue := make([]float64, len(rep.Days))
	revenueText := make([]string, len(rep.Days))
	orders := make([]float64, len(rep.Days))
	orderText := make([]string, len(rep.Days))
	dates := make([]string, len(rep.Days))
	v.Totals = toReportRow("", rep.Totals)
	for i, d := range rep.Days {
		v.Days = append(v.Days, toReportRow(d.Date.String(), d.SalesFigures))
		revenue[i], revenueText[i] = decimalFloat(d.Revenue), d.Revenue.StringFixed(2)
		orders[i], orderText[i] = float64(d.Orders), itoa64(d.Orders)
		dates[i] = d.Date.String()
	}
	v.Charts = append(v.Charts, newBarChart("chart-revenue", "Revenue per day (¥)",
		"Revenue per day from "+v.From+" to "+v.To+", total ¥"+rep.Totals.Revenue.StringFixed(2)+"; the table below has each day's figure",
		dates, revenue, revenueText), newBarChart("chart-orders", "Orders per day",
		"Paid orders per day from "+v.From+" to "+v.To+", total "+itoa64(rep.Totals.Orders)+"; the table below has each day's figure",
		dates, orders, orderText))
	return s.renderPage(c, fiber.StatusOK, "reports", "Sales report", v)
}

func decimalFloat(d decimal.Decimal) float64 {
	f, _ := d.Float64()
	return f
}

func itoa64(n int64) string { return decimal.NewFromInt(n).String() }

// newBarChart lays out one bar per day, scaled to the largest value (a
// period without sales draws empty bars on the base line).
func newBarChart(id, title, desc string, dates []string, values []float64, texts []string) barChart {
	ch := barChart{ID: id, Title: title, Desc: desc, W: chartW, H: chartH, BaseY: chartH - chartBottom}
	n := len(values)
	if n == 0 {
		return ch
	}
	top := 0.0
	for _, v := range values {
		top = math.Max(top, v)
	}
	slot := float64(chartW-chartLeft) / float64(n)
	gap := math.Min(slot*0.2, 8)
	every := (n + chartMaxTxt - 1) / chartMaxTxt
	plotH := ch.BaseY - chartTop
	for i, v := range values {
		h := 0.0
		if top > 0 && v > 0 {
			h = math.Max(v/top*plotH, 1) // a small day still shows
		}
		x := chartLeft + float64(i)*slot + gap/2
		b := chartBar{X: round2(x), W: round2(slot - gap), H: round2(h), Y: round2(ch.BaseY - h),
			TextX: round2(x + (slot-gap)/2), DateY: ch.BaseY + 16, ValueY: round2(ch.BaseY - h - 5),
			Date: dates[i], FullDate: dates[i], Value: texts[i], ShowDate: i%every == 0, ShowValue: n <= chartMaxTxt}
		if len(b.Date) == len("2006-01-02") {
			b.Date = b.Date[5:] // MM-DD under the bar; the full date is in its title
		}
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
