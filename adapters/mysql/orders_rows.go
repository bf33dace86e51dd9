package mysql

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// orderRow is one row of orders. Nullable columns are pointers: a zero
// time and a zero coupon id are stored as NULL, not as a fake value.
type orderRow struct {
	ID              int64 `gorm:"primaryKey;autoIncrement:false"`
	OrderNo         string
	ShopperID       int64
	StoreID         int64
	StoreCode       string
	Status          string
	Subtotal        decimal.Decimal
	DiscountTotal   decimal.Decimal
	Total           decimal.Decimal
	RefundedTotal   decimal.Decimal
	CouponID        *int64
	CouponCode      string
	IdempotencyKey  string
	RequestHash     string
	PrepayID        string
	PrepayExpiresAt *utcTime
	TransactionID   string
	CloseReason     string
	CreatedAt       utcTime
	ExpiresAt       utcTime
	PaidAt          *utcTime
	ClosedAt        *utcTime
	UpdatedAt       utcTime
}

func (orderRow) TableName() string { return "orders" }

type orderLineRow struct {
	ID             int64 `gorm:"primaryKey;autoIncrement:false"`
	OrderID        int64
	ProductID      int64
	SKU            string `gorm:"column:sku"`
	Name           string
	Barcode        string
	Weighed        bool
	Quantity       decimal.Decimal
	UnitPrice      decimal.Decimal
	ListAmount     decimal.Decimal
	NetAmount      decimal.Decimal
	TaxRate        decimal.Decimal
	Discounts      string // JSON array of discountJSON, never null
	LabelCode      string
	RefundedQty    decimal.Decimal
	RefundedAmount decimal.Decimal
}

func (orderLineRow) TableName() string { return "order_lines" }

// discountJSON is one element of order_lines.discounts. The amount is a
// string so that neither engine nor encoding/json turns money into a float.
type discountJSON struct {
	Kind   string `json:"kind"`
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Amount string `json:"amount"`
}

func orderToRow(o *domain.Order) orderRow {
	row := orderRow{ID: o.ID, OrderNo: o.OrderNo, ShopperID: o.ShopperID, StoreID: o.StoreID, StoreCode: o.StoreCode,
		Status: string(o.Status), Subtotal: o.Subtotal, DiscountTotal: o.DiscountTotal, Total: o.Total,
		RefundedTotal: o.RefundedTotal, CouponCode: o.CouponCode, IdempotencyKey: o.IdempotencyKey,
		RequestHash: o.RequestHash, PrepayID: o.PrepayID, PrepayExpiresAt: optTime(o.PrepayExpiresAt),
		TransactionID: o.TransactionID, CloseReason: o.CloseReason, CreatedAt: utcTime(o.CreatedAt),
		ExpiresAt: utcTime(o.ExpiresAt), PaidAt: optTime(o.PaidAt), ClosedAt: optTime(o.ClosedAt), UpdatedAt: utcTime(o.UpdatedAt)}
	if o.CouponID != 0 {
		id := o.CouponID
		row.CouponID = &id
	}
	return row
}

func (r orderRow) toDomain() *domain.Order {
	o := &domain.Order{ID: r.ID, OrderNo: r.OrderNo, ShopperID: r.ShopperID, StoreID: r.StoreID, StoreCode: r.StoreCode,
		Status: domain.OrderStatus(r.Status), Subtotal: r.Subtotal, DiscountTotal: r.DiscountTotal, Total: r.Total,
		RefundedTotal: r.RefundedTotal, CouponCode: r.CouponCode, IdempotencyKey: r.IdempotencyKey,
		RequestHash: r.RequestHash, PrepayID: r.PrepayID, PrepayExpiresAt: timeOf(r.PrepayExpiresAt),
		TransactionID: r.TransactionID, CloseReason: r.CloseReason, CreatedAt: r.CreatedAt.Time(),
		ExpiresAt: r.ExpiresAt.Time(), PaidAt: timeOf(r.PaidAt), ClosedAt: timeOf(r.ClosedAt), UpdatedAt: r.UpdatedAt.Time()}
	if r.CouponID != nil {
		o.CouponID = *r.CouponID
	}
	return o
}

// orderHeader is what UpdateOrder saves: the fields the order's methods
// change. Lines and totals are frozen at checkout.
func orderHeader(o *domain.Order) map[string]any {
	return map[string]any{"status": string(o.Status), "prepay_id": o.PrepayID,
		"prepay_expires_at": optTime(o.PrepayExpiresAt), "transaction_id": o.TransactionID,
		"close_reason": o.CloseReason, "paid_at": optTime(o.PaidAt), "closed_at": optTime(o.ClosedAt),
		"refunded_total": o.RefundedTotal, "updated_at": utcTime(o.UpdatedAt)}
}

// orderHeaderKey is the header as the columns store it (times at
// microseconds, money at fen). Equal keys mean an UPDATE would change
// nothing, and MySQL would then report no affected row.
func orderHeaderKey(o *domain.Order) string {
	tk := func(t time.Time) string {
		if t.IsZero() {
			return "null"
		}
		return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%s|%s", o.Status, o.PrepayID, tk(o.PrepayExpiresAt), o.TransactionID,
		o.CloseReason, tk(o.PaidAt), tk(o.ClosedAt), o.RefundedTotal.StringFixed(2), tk(o.UpdatedAt))
}

func orderLineToRow(orderID int64, l *domain.OrderLine) orderLineRow {
	return orderLineRow{ID: l.ID, OrderID: orderID, ProductID: l.ProductID, SKU: l.SKU, Name: l.Name, Barcode: l.Barcode,
		Weighed: l.Weighed, Quantity: l.Quantity, UnitPrice: l.UnitPrice, ListAmount: l.ListAmount, NetAmount: l.NetAmount,
		TaxRate: l.TaxRate, Discounts: encodeDiscounts(l.Discounts), LabelCode: l.LabelCode,
		RefundedQty: l.RefundedQty, RefundedAmount: l.RefundedAmount}
}

func (r orderLineRow) toDomain() (*domain.OrderLine, error) {
	ds, err := decodeDiscounts(r.ID, r.Discounts)
	if err != nil {
		return nil, err
	}
	return &domain.OrderLine{ID: r.ID, ProductID: r.ProductID, SKU: r.SKU, Name: r.Name, Barcode: r.Barcode,
		Weighed: r.Weighed, Quantity: r.Quantity, UnitPrice: r.UnitPrice, ListAmount: r.ListAmount, Discounts: ds,
		NetAmount: r.NetAmount, TaxRate: r.TaxRate, LabelCode: r.LabelCode, RefundedQty: r.RefundedQty,
		RefundedAmount: r.RefundedAmount}, nil
}

// encodeDiscounts keeps each amount at its own scale ("1.50" stays
// "1.50"), so a receipt shows what checkout froze. Empty is "[]".
func encodeDiscounts(ds []domain.Discount) string {
	out := make([]discountJSON, len(ds))
	for i, d := range ds {
		amount := d.Amount.String()
		if exp := d.Amount.Exponent(); exp < 0 {
			amount = d.Amount.StringFixed(-exp)
		}
		out[i] = discountJSON{Kind: d.Kind, ID: d.ID, Name: d.Name, Amount: amount}
	}
	b, _ := json.Marshal(out) // strings and ints always marshal
	return string(b)
}

// decodeDiscounts reads the list back; a damaged value is an internal
// error naming the line, never a line silently without its discounts.
func decodeDiscounts(lineID int64, raw string) ([]domain.Discount, error) {
	bad := func(err error) error {
		return &domain.Error{Code: domain.EINTERNAL, Message: "database error",
			Err: fmt.Errorf("order line %d: bad discounts %q: %w", lineID, raw, err)}
	}
	var in []discountJSON
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		return nil, bad(err)
	}
	out := make([]domain.Discount, len(in))
	for i, d := range in {
		amount, err := decimal.NewFromString(d.Amount)
		if err != nil {
			return nil, bad(err)
		}
		out[i] = domain.Discount{Kind: d.Kind, ID: d.ID, Name: d.Name, Amount: amount}
	}
	return out, nil
}

// timeOf reads a nullable DATETIME column: NULL is the zero time.
func timeOf(t *utcTime) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Time()
}
