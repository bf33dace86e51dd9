package domain

import (
	"time"

	"github.com/shopspring/decimal"
)

// OrderStatus is where an order is in its life (DESIGN §4 "Orders").
type OrderStatus string

const (
	OrderPendingPayment    OrderStatus = "pending_payment"
	OrderPaid              OrderStatus = "paid"
	OrderCompleted         OrderStatus = "completed"
	OrderClosed            OrderStatus = "closed"
	OrderPartiallyRefunded OrderStatus = "partially_refunded"
	OrderRefunded          OrderStatus = "refunded"
)

// OrderStatuses lists every status, for filters.
var OrderStatuses = []OrderStatus{OrderPendingPayment, OrderPaid, OrderCompleted, OrderClosed,
	OrderPartiallyRefunded, OrderRefunded}

// Why an order closed unpaid.
const (
	CloseExpired   = "expired"
	CloseCancelled = "cancelled"
	// CloseAnomaly: WeChat Pay took a payment that did not match the order
	// (see PaymentAnomaly); staff settle it with the payer.
	CloseAnomaly = "payment_anomaly"
)

// OrderLine is a cart line frozen at checkout: what was bought, at which
// price, with which discounts. Refunds are counted against it.
type OrderLine struct {
	ID         int64
	ProductID  int64
	SKU        string
	Name       string
	Barcode    string
	Weighed    bool
	Quantity   decimal.Decimal
	UnitPrice  decimal.Decimal
	ListAmount decimal.Decimal
	Discounts  []Discount
	NetAmount  decimal.Decimal
	TaxRate    decimal.Decimal // a fraction (0.13 for 13 %); prices include it
	LabelCode  string
	// RefundedQty and RefundedAmount are what refunds took back so far.
	RefundedQty    decimal.Decimal
	RefundedAmount decimal.Decimal
}

// Order is one checkout: frozen lines and totals, and the payment's state.
// Its status changes only by the methods below, each from the one state
// the diagram allows; repositories save it with a conditional update on
// the state it was read in.
type Order struct {
	ID            int64
	OrderNo       string // also WeChat Pay's out_trade_no
	ShopperID     int64
	StoreID       int64
	StoreCode     string
	Status        OrderStatus
	Lines         []*OrderLine
	Subtotal      decimal.Decimal
	DiscountTotal decimal.Decimal
	Total         decimal.Decimal
	RefundedTotal decimal.Decimal
	CouponID      int64 // 0: none
	CouponCode    string
	// IdempotencyKey and RequestHash make checkout repeatable: the same key
	// with the same request finds this order again.
	IdempotencyKey  string
	RequestHash     string
	PrepayID        string
	PrepayExpiresAt time.Time // zero: no prepay yet
	TransactionID   string
	CloseReason     string
	CreatedAt       time.Time
	ExpiresAt       time.Time
	PaidAt          time.Time // zero until paid
	ClosedAt        time.Time // zero unless closed
	UpdatedAt       time.Time
}

// CheckoutInput is what an order is made of: the cart as priced now.
type CheckoutInput struct {
	ID, ShopperID  int64
	OrderNo        string
	Store          *Store
	Cart           *Cart
	Priced         PricedCart
	Products       map[int64]*Product // by product id, for names and tax rates
	IdempotencyKey string
	RequestHash    string
	Now            time.Time
	TTL            time.Duration
	NewLineID      func() int64
}

// NewOrder freezes a priced cart into an order waiting for payment. An
// empty cart or a closed store is refused (EINVALID, 422).
func NewOrder(in CheckoutInput) (*Order, error) {
	if !in.Store.Active {
		return nil, Errorf(EINVALID, "store_closed", "store %s is closed", in.Store.Code)
	}
	if len(in.Cart.Lines) == 0 {
		return nil, Errorf(EINVALID, "cart_empty", "the cart is empty")
	}
	if len(in.Priced.Lines) != len(in.Cart.Lines) {
		return nil, Errorf(EINVALID, "cart_item_unavailable", "some items in the cart are no longer sold; remove them first")
	}
	if !in.Priced.Total.IsPositive() {
		return nil, Errorf(EINVALID, "order_total_zero", "the order total is 0.00; nothing to pay")
	}
	o := &Order{ID: in.ID, OrderNo: in.OrderNo, ShopperID: in.ShopperID, StoreID: in.Store.ID, StoreCode: in.Store.Code,
		Status: OrderPendingPayment, Subtotal: in.Priced.Subtotal, DiscountTotal: in.Priced.DiscountTotal,
		Total: in.Priced.Total, RefundedTotal: decimal.Zero, IdempotencyKey: in.IdempotencyKey, RequestHash: in.RequestHash,
		CreatedAt: in.Now, ExpiresAt: in.Now.Add(in.TTL), UpdatedAt: in.Now}
	if c := in.Priced.Coupon; c != nil {
		o.CouponID, o.CouponCode = c.ID, c.Code
	}
	for i, cl := range in.Cart.Lines {
		pl := in.Priced.Lines[i]
		p := in.Products[cl.ProductID]
		if p == nil || pl.ID != cl.ID {
			return nil, Errorf(EINTERNAL, "order_line_mismatch", "priced line %d does not match cart line %d", pl.ID, cl.ID)
		}
		o.Lines = append(o.Lines, &OrderLine{ID: in.NewLineID(), ProductID: cl.ProductID, SKU: p.SKU, Name: p.Name,
			Barcode: cl.Barcode, Weighed: cl.Weighed, Quantity: cl.Quantity, UnitPrice: pl.UnitPrice,
			ListAmount: pl.ListAmount, Discounts: pl.Discounts, NetAmount: pl.NetAmount, TaxRate: p.TaxRate,
			LabelCode: cl.LabelCode, RefundedQty: decimal.Zero, RefundedAmount: decimal.Zero})
	}
	return o, nil
}

// Payable reports whether the shopper may start paying now: pending and
// not past its expiry.
func (o *Order) Payable(now time.Time) error {
	switch {
	case o.Status == OrderPaid || o.Status == OrderCompleted:
		return Errorf(ECONFLICT, "order_paid", "order %s is already paid", o.OrderNo)
	case o.Status != OrderPendingPayment:
		return Errorf(ECONFLICT, "order_not_pending", "order %s is %s", o.OrderNo, o.Status)
	case !now.Before(o.ExpiresAt):
		return Errorf(ECONFLICT, "order_expired", "order %s expired at %s", o.OrderNo, o.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}

// SetPrepay keeps WeChat Pay's prepay id for reuse until validUntil.
func (o *Order) SetPrepay(prepayID string, validUntil, now time.Time) error {
	if o.Status != OrderPendingPayment {
		return Errorf(ECONFLICT, "order_not_pending", "order %s is %s", o.OrderNo, o.Status)
	}
	o.PrepayID, o.PrepayExpiresAt, o.UpdatedAt = prepayID, validUntil, now
	return nil
}

// MarkPaid is pending_payment --paid--> paid.
func (o *Order) MarkPaid(transactionID string, paidAt, now time.Time) error {
	if o.Status != OrderPendingPayment {
		return Errorf(ECONFLICT, "order_not_pending", "order %s is %s, not pending payment", o.OrderNo, o.Status)
	}
	o.Status, o.TransactionID, o.PaidAt, o.UpdatedAt = OrderPaid, transactionID, paidAt, now
	return nil
}

// Complete is paid --exit_checked--> completed: the shopper left the
// store through an exit check.
func (o *Order) Complete(now time.Time) error {
	if o.Status != OrderPaid {
		return Errorf(ECONFLICT, "order_not_paid", "order %s is %s, not paid", o.OrderNo, o.Status)
	}
	o.Status, o.UpdatedAt = OrderCompleted, now
	return nil
}

// Close is pending_payment --cancel/expire--> closed.
func (o *Order) Close(reason string, now time.Time) error {
	if o.Status != OrderPendingPayment {
		return Errorf(ECONFLICT, "order_not_pending", "order %s is %s, not pending payment", o.OrderNo, o.Status)
	}
	o.Status, o.CloseReason, o.ClosedAt, o.UpdatedAt = OrderClosed, reason, now, now
	return nil
}

// AddRefund is paid|completed|partially_refunded --refund--> partially_refunded,
// or refunded once the refunds reach the total. A refund counts from the
// moment it is recorded, before WeChat Pay settles it, so the refundable
// amount can never be asked for twice.
func (o *Order) AddRefund(amount decimal.Decimal, now time.Time) error {
	if err := o.Refundable(); err != nil {
		return err
	}
	next := o.RefundedTotal.Add(amount)
	if !amount.IsPositive() || next.GreaterThan(o.Total) {
		return Errorf(EINVALID, "refund_exceeds_refundable", "refund %s exceeds what is left of order %s (%s)",
			amount.StringFixed(2), o.OrderNo, o.Total.Sub(o.RefundedTotal).StringFixed(2))
	}
	o.RefundedTotal, o.Status, o.UpdatedAt = next, OrderPartiallyRefunded, now
	if next.Equal(o.Total) {
		o.Status = OrderRefunded
	}
	return nil
}
