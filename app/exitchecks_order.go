package app

import (
	"context"

	"github.com/scanpay/scanpay/domain"
)

// CheckOfOrder returns the exit check of an order the staff member may see
// (clerk and up, in the order's store; another store's order is ENOTFOUND
// as in Orders.ForStaff), or nil when the order has not been checked yet.
// The console's order page shows it.
func (e *ExitChecks) CheckOfOrder(ctx context.Context, actor *domain.Staff, orderNo string) (*domain.ExitCheck, error) {
	ord, err := orderForStaff(ctx, e.d.Orders, actor, orderNo)
	if err != nil {
		return nil, err
	}
	c, err := e.d.Checks.ExitCheckOfOrder(ctx, ord.ID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, nil
	}
	return c, err
}
