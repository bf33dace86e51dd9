package domain

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// MovementKind says why stock changed. Staff record receive, adjust and
// count; sale and return come from orders and refunds.
type MovementKind string

const (
	MoveReceive MovementKind = "receive" // goods in: +quantity
	MoveAdjust  MovementKind = "adjust"  // damage, theft, found: ±quantity, reason required
	MoveCount   MovementKind = "count"   // stock take: quantity is the level counted
	MoveSale    MovementKind = "sale"    // sold: -quantity, never refused for book stock
	MoveReturn  MovementKind = "return"  // refunded goods back on the shelf: +quantity
)

// StaffMovementKinds are the kinds staff may post by hand.
var StaffMovementKinds = []MovementKind{MoveReceive, MoveAdjust, MoveCount}

// StockMovement is one ledger row. Quantity is what the caller gave: for a
// count the level counted, else the amount moved (always positive, except
// adjust which is signed). Delta and LevelAfter are filled when applied.
type StockMovement struct {
	ID         int64
	StoreID    int64
	ProductID  int64
	Kind       MovementKind
	Quantity   decimal.Decimal
	Delta      decimal.Decimal
	LevelAfter decimal.Decimal
	StaffID    int64 // 0 for movements made by the system (sales)
	Reason     string
	Ref        string // order or refund number for sales and returns
	CreatedAt  time.Time
}

// NewStockMovement validates a movement for a product sold in unit.
func NewStockMovement(id int64, kind MovementKind, unit Unit, qty decimal.Decimal, reason string, now time.Time) (*StockMovement, error) {
	m := &StockMovement{ID: id, Kind: kind, Quantity: qty, Reason: strings.TrimSpace(reason), CreatedAt: now}
	var fe Fields
	switch {
	case !qty.Equal(qty.Round(3)) || qty.Abs().GreaterThan(maxQuantity):
		fe.Add("quantity", "must have at most 3 decimals and be below 1000000000")
	case unit == UnitEach && !qty.IsInteger():
		fe.Add("quantity", "must be a whole number for items sold by the piece")
	}
	switch kind {
	case MoveReceive, MoveSale, MoveReturn:
		if !qty.IsPositive() {
			fe.Add("quantity", "must be more than 0 for %s", kind)
		}
	case MoveAdjust:
		if qty.IsZero() {
			fe.Add("quantity", "must not be 0 for an adjustment (negative removes stock)")
		}
		if m.Reason == "" {
			fe.Add("reason", "is required for an adjustment")
		}
	case MoveCount:
		if qty.IsNegative() {
			fe.Add("quantity", "is the level counted and cannot be negative")
		}
	default:
		fe.Add("kind", "%q is not a movement kind: receive, adjust or count", kind)
	}
	if len([]rune(m.Reason)) > 200 {
		fe.Add("reason", "must be at most 200 characters")
	}
	if err := fe.Err("movement_invalid"); err != nil {
		return nil, err
	}
	switch kind {
	case MoveSale:
		m.Delta = qty.Neg()
	case MoveCount:
		// Known only against the current level; the repository sets it.
	default:
		m.Delta = qty
	}
	return m, nil
}

// StockLevel is the book stock of one product in one store.
type StockLevel struct {
	StoreID      int64
	ProductID    int64
	SKU          string
	Name         string
	Unit         Unit
	OnHand       decimal.Decimal
	ReorderPoint decimal.Decimal
	// NeedsRecount is set when the level went below zero: the books are
	// wrong somewhere (unscanned goods, a missed delivery) and a count is
	// due. A count clears it.
	NeedsRecount bool
	UpdatedAt    time.Time
}

// BelowReorder reports whether the level is under its reorder point.
func (l StockLevel) BelowReorder() bool { return l.OnHand.LessThan(l.ReorderPoint) }

// CrossedBelow reports whether a movement took the level from at or above
// the reorder point to below it: the one moment a low-stock alert is due,
// so a run of sales below the point alerts once, not once per sale.
func CrossedBelow(before, after, reorderPoint decimal.Decimal) bool {
	return reorderPoint.IsPositive() && !before.LessThan(reorderPoint) && after.LessThan(reorderPoint)
}

// LowStockAlert records that a movement took an item below its reorder
// point, for the stock report (a notification channel can come later).
type LowStockAlert struct {
	ID           int64
	StoreID      int64
	ProductID    int64
	SKU          string
	OnHand       decimal.Decimal
	ReorderPoint decimal.Decimal
	MovementID   int64
	CreatedAt    time.Time
}
