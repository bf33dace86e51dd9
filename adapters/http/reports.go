package http

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// salesFiguresDTO is one day of the sales report, or its totals (without
// date). Money and per-order averages have 2 decimals, rates 4; a ratio
// over zero (no orders, scans, checks) is zero, see docs/reports.md.
type salesFiguresDTO struct {
	Date               string `json:"date,omitempty"`
	Orders             int64  `json:"orders"`
	Revenue            string `json:"revenue"`
	Refunds            string `json:"refunds"`
	NetRevenue         string `json:"net_revenue"`
	AverageBasket      string `json:"average_basket"`
	Items              int64  `json:"items"`
	ItemsPerOrder      string `json:"items_per_order"`
	Scans              int64  `json:"scans"`
	ScansPerOrder      string `json:"scans_per_order"`
	UnknownScans       int64  `json:"unknown_scans"`
	UnknownBarcodeRate string `json:"unknown_barcode_rate"`
	ExitChecks         int64  `json:"exit_checks"`
	Audits             int64  `json:"audits"`
	AuditRate          string `json:"audit_rate"`
	AuditsWithResult   int64  `json:"audits_with_result"`
	AuditsMissed       int64  `json:"audits_missed"`
	AuditMissRate      string `json:"audit_miss_rate"`
}

// salesReportDTO is GET /v1/admin/reports/sales.
type salesReportDTO struct {
	StoreCode string            `json:"store_code"`
	TimeZone  string            `json:"time_zone"`
	From      string            `json:"from"`
	To        string            `json:"to"`
	Days      []salesFiguresDTO `json:"days"`
	Totals    salesFiguresDTO   `json:"totals"`
}

func toSalesFiguresDTO(date string, f domain.SalesFigures) salesFiguresDTO {
	return salesFiguresDTO{Date: date, Orders: f.Orders, Revenue: f.Revenue.StringFixed(2), Refunds: f.Refunds.StringFixed(2),
		NetRevenue: f.NetRevenue().StringFixed(2), AverageBasket: f.AverageBasket().StringFixed(2),
		Items: f.Items, ItemsPerOrder: f.ItemsPerOrder().StringFixed(2),
		Scans: f.Scans, ScansPerOrder: f.ScansPerOrder().StringFixed(2),
		UnknownScans: f.UnknownScans, UnknownBarcodeRate: f.UnknownBarcodeRate().StringFixed(4),
		ExitChecks: f.ExitChecks, Audits: f.Audits, AuditRate: f.AuditRate().StringFixed(4),
		AuditsWithResult: f.AuditsWithResult, AuditsMissed: f.AuditsMissed, AuditMissRate: f.AuditMissRate().StringFixed(4)}
}

func toSalesReportDTO(r *domain.SalesReport) salesReportDTO {
	out := salesReportDTO{StoreCode: r.StoreCode, TimeZone: r.TimeZone, From: r.From.String(), To: r.To.String(),
		Days: make([]salesFiguresDTO, 0, len(r.Days)), Totals: toSalesFiguresDTO("", r.Totals)}
	for _, d := range r.Days {
		out.Days = append(out.Days, toSalesFiguresDTO(d.Date.String(), d.SalesFigures))
	}
	return out
}

func (s *Server) reportRoutes() {
	// Role and store scope are checked in app.Reports: they depend on the
	// store in the query.
	s.App.Get("/v1/admin/reports/sales", s.requireStaff, s.salesReport)
}

// salesReport is GET /v1/admin/reports/sales?store=&from=&to=: a store's
// sales per local day for its managers.
func (s *Server) salesReport(c *fiber.Ctx) error {
	rep, err := s.deps.Reports.Sales(c.UserContext(), actor(c), app.SalesQuery{
		StoreCode: utils.CopyString(c.Query("store")),
		From:      utils.CopyString(c.Query("from")),
		To:        utils.CopyString(c.Query("to")),
	})
	if err != nil {
		return err
	}
	return c.JSON(toSalesReportDTO(rep))
}
