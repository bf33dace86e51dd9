package http

import (
	"time"

	"github.com/scanpay/scanpay/domain"
)

// orderLineDTO is a cart line as it was frozen at checkout, with what
// refunds took back of it since. It keeps the cart line's names, so the
// app shows an order with the code that shows a cart.
type orderLineDTO struct {
	lineDTO
	// TaxRate is a fraction ("0.13"), as products show it.
	TaxRate          string `json:"tax_rate"`
	RefundedQuantity string `json:"refunded_quantity"`
	RefundedAmount   string `json:"refunded_amount"`
}

// orderDTO is an order as its shopper sees it (DESIGN §5). paid_at and
// closed_at are always present, null until they happen, so the app can
// tell "not yet" from a field it does not know.
type orderDTO struct {
	OrderNo       string         `json:"order_no"`
	Status        string         `json:"status"`
	StoreCode     string         `json:"store_code"`
	Lines         []orderLineDTO `json:"lines"`
	Subtotal      string         `json:"subtotal"`
	DiscountTotal string         `json:"discount_total"`
	Total         string         `json:"total"`
	RefundedTotal string         `json:"refunded_total"`
	CouponCode    string         `json:"coupon_code,omitempty"`
	CreatedAt     string         `json:"created_at"`
	ExpiresAt     string         `json:"expires_at"`
	PaidAt        *string        `json:"paid_at"`
	ClosedAt      *string        `json:"closed_at"`
	CloseReason   string         `json:"close_reason,omitempty"`
}

// staffOrderDTO adds what staff need to follow an order up (whose it is,
// WeChat Pay's transaction id for a query or a complaint) and what the
// shopper has no use for.
type staffOrderDTO struct {
	orderDTO
	ShopperID     int64  `json:"shopper_id,string"`
	TransactionID string `json:"transaction_id,omitempty"`
}

func toOrderDTO(o *domain.Order) orderDTO {
	d := orderDTO{OrderNo: o.OrderNo, Status: string(o.Status), StoreCode: o.StoreCode,
		Lines: make([]orderLineDTO, 0, len(o.Lines)), Subtotal: money(o.Subtotal),
		DiscountTotal: money(o.DiscountTotal), Total: money(o.Total), RefundedTotal: money(o.RefundedTotal),
		CouponCode: o.CouponCode, CreatedAt: timestamp(o.CreatedAt), ExpiresAt: timestamp(o.ExpiresAt),
		PaidAt: optionalTime(o.PaidAt), ClosedAt: optionalTime(o.ClosedAt), CloseReason: o.CloseReason}
	for _, l := range o.Lines {
		ld := orderLineDTO{lineDTO: lineDTO{ID: l.ID, SKU: l.SKU, Name: l.Name, Barcode: l.Barcode, Weighed: l.Weighed,
			Quantity: l.Quantity.String(), UnitPrice: money(l.UnitPrice), ListAmount: money(l.ListAmount),
			Discounts: make([]discountDTO, 0, len(l.Discounts)), NetAmount: money(l.NetAmount)},
			TaxRate: l.TaxRate.StringFixed(2), RefundedQuantity: l.RefundedQty.String(),
			RefundedAmount: money(l.RefundedAmount)}
		for _, disc := range l.Discounts {
			ld.Discounts = append(ld.Discounts, discountDTO{Kind: disc.Kind, ID: disc.ID, Name: disc.Name, Amount: money(disc.Amount)})
		}
		d.Lines = append(d.Lines, ld)
	}
	return d
}

func toStaffOrderDTO(o *domain.Order) staffOrderDTO {
	return staffOrderDTO{orderDTO: toOrderDTO(o), ShopperID: o.ShopperID, TransactionID: o.TransactionID}
}

// optionalTime is null for a zero time: an event that has not happened.
func optionalTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := timestamp(t)
	return &s
}
