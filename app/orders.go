package app

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// Tasks of the order and payment life (DESIGN §7). The outbox names them;
// jobs/ registers their handlers.
const (
	// TaskPaymentApply applies one payment notification (PaymentApplyTask).
	TaskPaymentApply = "payment:apply"
	// TaskRefundApply applies one refund notification (RefundApplyTask).
	TaskRefundApply = "refund:apply"
	// TaskOrderExpire closes an unpaid order at its expiry (OrderTask).
	TaskOrderExpire = "order:expire"
	// TaskRefundSubmit sends a recorded refund to WeChat Pay (RefundTask).
	TaskRefundSubmit = "refund:submit"
	// TaskReceiptIssue issues a paid order's e-receipt (OrderTask).
	TaskReceiptIssue = "receipt:issue"
	// TaskMessagePaymentSuccess sends the shopper the payment's subscribe
	// message (OrderTask; Messages.SendPaymentSuccess).
	TaskMessagePaymentSuccess = "message:payment-success"
	// TaskOrdersReconcile is the periodic sweep (Orders.Reconcile).
	TaskOrdersReconcile = "orders:reconcile"
)

// OrderTask names the order a task is about.
type OrderTask struct {
	OrderNo string `json:"order_no"`
}

// RefundTask names the refund a task is about.
type RefundTask struct {
	OutRefundNo string `json:"out_refund_no"`
}

// OrderDeps are what the order use cases need.
type OrderDeps struct {
	Tx          Tx
	Orders      domain.OrderRepository
	Payments    domain.PaymentRepository
	Redemptions domain.CouponRedemptionRepository
	Stores      domain.StoreRepository
	CartRepo    domain.CartRepository
	// Receipts reads the receipt rows the receipt job writes (app/receipt.go).
	Receipts domain.ReceiptRepository
	// Refunds are staff refunds with their lines (refund_staff.go).
	Refunds domain.RefundRepository
	// Visits checks the shopper is in the store at checkout.
	Visits VisitGate
	// Carts prices carts exactly as the shopper saw them.
	Carts   *Carts
	Stock   *Stock
	Gateway PaymentGateway
	Outbox  Outbox
	IDs     IDs
	Clock   Clock
	// Random feeds order numbers (crypto/rand.Reader in production).
	Random io.Reader
	// TTL is how long an order waits for payment (ORDER_TTL).
	TTL time.Duration
	// ReconcileEvery is how often Reconcile runs (RECONCILE_INTERVAL); it
	// sizes the age slots each sweep checks.
	ReconcileEvery time.Duration
	// AppID and MchID are who payments must be for; a report naming
	// another is an anomaly.
	AppID, MchID string
	Log          *slog.Logger
}

// Orders are checkout, payment and the order's life afterwards.
type Orders struct{ d OrderDeps }

// NewOrders wires the order use cases.
func NewOrders(d OrderDeps) *Orders {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Orders{d: d}
}

// Mine returns one of the shopper's orders. Another shopper's order is
// ENOTFOUND, as if it did not exist: order numbers must not be probed.
func (o *Orders) Mine(ctx context.Context, shopper *domain.Shopper, orderNo string) (*domain.Order, error) {
	if !domain.ValidOrderNo(orderNo) {
		return nil, orderNotFound(orderNo)
	}
	ord, err := o.d.Orders.OrderByNo(ctx, orderNo)
	if err != nil {
		return nil, err
	}
	if ord.ShopperID != shopper.ID {
		return nil, orderNotFound(orderNo)
	}
	return ord, nil
}

// ListMine pages through the shopper's orders, newest first.
func (o *Orders) ListMine(ctx context.Context, shopper *domain.Shopper, status domain.OrderStatus, p domain.Page) (PageResult[*domain.Order], error) {
	if err := checkOrderStatus(status); err != nil {
		return PageResult[*domain.Order]{}, err
	}
	return o.list(ctx, domain.OrderFilter{ShopperID: shopper.ID, Status: status}, p)
}

// ForStaff returns an order of a store the staff member works in (clerk
// and up); an order of another store is ENOTFOUND.
func (o *Orders) ForStaff(ctx context.Context, actor *domain.Staff, orderNo string) (*domain.Order, error) {
	return orderForStaff(ctx, o.d.Orders, actor, orderNo)
}

// orderForStaff is ForStaff on any order repository, for the use cases
// that show staff something of an order (its exit check).
func orderForStaff(ctx context.Context, orders domain.OrderRepository, actor *domain.Staff, orderNo string) (*domain.Order, error) {
	if !domain.ValidOrderNo(orderNo) {
		return nil, orderNotFound(orderNo)
	}
	ord, err := orders.OrderByNo(ctx, orderNo)
	if err != nil {
		return nil, err
	}
	if err := actor.Authorize(domain.RoleClerk, ord.StoreCode); err != nil {
		if domain.ErrorReason(err) == "store_not_assigned" {
			return nil, orderNotFound(orderNo)
		}
		return nil, err
	}
	return ord, nil
}

// ListForStaff pages through orders, newest first: of one store when
// storeCode is set, else of every store the staff member works in.
func (o *Orders) ListForStaff(ctx context.Context, actor *domain.Staff, storeCode string, status domain.OrderStatus, p domain.Page) (PageResult[*domain.Order], error) {
	if err := checkOrderStatus(status); err != nil {
		return PageResult[*domain.Order]{}, err
	}
	f := domain.OrderFilter{Status: status}
	switch {
	case storeCode != "":
		if err := actor.Authorize(domain.RoleClerk, storeCode); err != nil {
			return PageResult[*domain.Order]{}, err
		}
		st, err := o.d.Stores.StoreByCode(ctx, storeCode)
		if err != nil {
			return PageResult[*domain.Order]{}, err
		}
		f.StoreIDs = []int64{st.ID}
	case actor.Role != domain.RoleAdmin:
		if err := actor.Authorize(domain.RoleClerk, ""); err != nil {
			return PageResult[*domain.Order]{}, err
		}
		f.StoreIDs = []int64{}
		for _, code := range actor.StoreCodes {
			st, err := o.d.Stores.StoreByCode(ctx, code)
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				continue
			}
			if err != nil {
				return PageResult[*domain.Order]{}, err
			}
			f.StoreIDs = append(f.StoreIDs, st.ID)
		}
	}
	return o.list(ctx, f, p)
}

func (o *Orders) list(ctx context.Context, f domain.OrderFilter, p domain.Page) (PageResult[*domain.Order], error) {
	return fetchPage(p, func(o *domain.Order) int64 { return o.ID }, func(p domain.Page) ([]*domain.Order, error) {
		return o.d.Orders.ListOrders(ctx, f, p)
	})
}

func checkOrderStatus(s domain.OrderStatus) error {
	if s == "" {
		return nil
	}
	for _, ok := range domain.OrderStatuses {
		if s == ok {
			return nil
		}
	}
	return domain.Invalid("status_invalid", domain.FieldError{Field: "status",
		Message: "must be one of pending_payment, paid, completed, closed, partially_refunded, refunded"})
}

func orderNotFound(orderNo string) error {
	return domain.Errorf(domain.ENOTFOUND, "order_not_found", "no order %s", orderNo)
}
