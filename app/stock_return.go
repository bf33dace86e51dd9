package app

import (
	"context"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// Return books refunded goods back on the shelf (a return movement), with
// the staff member who refunded them and the refund's number as its
// reference, so the ledger tells which refund put them back.
func (s *Stock) Return(ctx context.Context, storeID, productID int64, unit domain.Unit, qty decimal.Decimal, staffID int64, ref string) (*MovementResult, error) {
	m, err := domain.NewStockMovement(s.ids.NewID(), domain.MoveReturn, unit, qty, "", s.clock.Now())
	if err != nil {
		return nil, err
	}
	m.StoreID, m.ProductID, m.StaffID, m.Ref = storeID, productID, staffID, ref
	return s.apply(ctx, m)
}
