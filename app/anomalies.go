package app

import (
	"context"

	"github.com/scanpay/scanpay/domain"
)

// Anomalies pages through payment anomalies, newest first, for admins:
// a payment that did not match its order is never applied (DESIGN §4), so
// staff need to see it to settle it by hand. Only admins may, because an
// anomaly can name no store at all (a payment for an order we do not
// have), so store scoping cannot decide who sees it, and it concerns the
// merchant account as a whole.
func (o *Orders) Anomalies(ctx context.Context, actor *domain.Staff, p domain.Page) (PageResult[*domain.PaymentAnomaly], error) {
	if err := actor.Authorize(domain.RoleAdmin, ""); err != nil {
		return PageResult[*domain.PaymentAnomaly]{}, err
	}
	// The repository pages newest first with Page.After as the smallest id
	// of the previous page, so the last item's id is the cursor.
	return fetchPage(p, func(a *domain.PaymentAnomaly) int64 { return a.ID }, func(p domain.Page) ([]*domain.PaymentAnomaly, error) {
		return o.d.Payments.Anomalies(ctx, p)
	})
}
