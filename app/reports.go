package app

import (
	"context"
	"strings"

	"github.com/scanpay/scanpay/domain"
)

// ReportDeps are what the report use cases need.
type ReportDeps struct {
	Stores  domain.StoreRepository
	Reports domain.ReportRepository
	Clock   Clock
}

// Reports are the figures managers read about their stores.
type Reports struct{ d ReportDeps }

// NewReports wires the report use cases.
func NewReports(d ReportDeps) *Reports { return &Reports{d: d} }

// SalesQuery asks for a store's sales report: From and To are local dates
// YYYY-MM-DD, inclusive; empty ones default (domain.NewReportPeriod).
type SalesQuery struct {
	StoreCode string
	From, To  string
}

// Sales is a store's sales, basket, scan and audit figures per local day
// (manager of the store, or admin). The store is checked before the
// dates, so staff of other stores learn nothing from validation answers.
func (r *Reports) Sales(ctx context.Context, actor *domain.Staff, q SalesQuery) (*domain.SalesReport, error) {
	code := strings.ToUpper(strings.TrimSpace(q.StoreCode))
	if code == "" {
		return nil, domain.Invalid("report_store_required", domain.FieldError{Field: "store", Message: "is required"})
	}
	if err := actor.Authorize(domain.RoleManager, code); err != nil {
		return nil, err
	}
	store, err := r.d.Stores.StoreByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	_, loc := domain.ReportZone(store)
	period, err := domain.NewReportPeriod(strings.TrimSpace(q.From), strings.TrimSpace(q.To), loc, r.d.Clock.Now())
	if err != nil {
		return nil, err
	}
	perDay, err := r.d.Reports.SalesByDay(ctx, store.ID, period.Bounds)
	if err != nil {
		return nil, err
	}
	return domain.NewSalesReport(store, period, perDay), nil
}
