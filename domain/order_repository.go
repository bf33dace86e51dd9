package domain

import (
	"context"
	"time"
)

// OrderFilter narrows an order list: a shopper's own orders, or the
// orders of some stores (nil StoreIDs: every store), optionally by status.
type OrderFilter struct {
	ShopperID int64   // 0: any shopper
	StoreIDs  []int64 // nil: any store
	Status    OrderStatus
}

// PendingQuery selects unpaid orders for the sweeps. Zero fields do not
// filter.
type PendingQuery struct {
	// CreatedFrom and CreatedTo select orders created in [from, to).
	CreatedFrom, CreatedTo time.Time
	// ExpiredBefore selects orders whose expiry is before it.
	ExpiredBefore time.Time
	// WithPrepay selects orders that reached WeChat Pay (have a prepay id).
	WithPrepay bool
	// PrepayValidFrom and PrepayValidTo select orders whose prepay is
	// valid until a time in [from, to): the prepay's time shifted by its
	// fixed validity, so this is "prepaid in a window".
	PrepayValidFrom, PrepayValidTo time.Time
	// AfterID pages: orders with a greater id.
	AfterID int64
	Limit   int
}

// OrderRepository persists orders with their frozen lines.
type OrderRepository interface {
	// CreateOrder inserts the order and its lines. A second order under the
	// shopper's idempotency key is ECONFLICT idempotency_key_used.
	CreateOrder(ctx context.Context, o *Order) error
	// OrderByNo reads an order with its lines; ENOTFOUND order_not_found.
	OrderByNo(ctx context.Context, orderNo string) (*Order, error)
	// OrderByIdempotencyKey finds the order a shopper's checkout key made;
	// ENOTFOUND order_not_found when there is none.
	OrderByIdempotencyKey(ctx context.Context, shopperID int64, key string) (*Order, error)
	// UpdateOrder locks the order row (inside the caller's transaction, or
	// its own), runs fn on it and saves its header with a conditional
	// update on the status it was read in; lines are not saved. fn's error
	// rolls back and is returned.
	UpdateOrder(ctx context.Context, orderNo string, fn func(*Order) error) (*Order, error)
	// ListOrders pages through orders newest first: Page.After is the
	// smallest id of the previous page (0 for the first page).
	ListOrders(ctx context.Context, f OrderFilter, p Page) ([]*Order, error)
	// PendingOrders lists orders still pending_payment that match q, by
	// id, without lines (the sweeps need only headers).
	PendingOrders(ctx context.Context, q PendingQuery) ([]*Order, error)
}

// PaymentRepository persists what WeChat Pay reported and what we did
// about it: notifications, payments, anomalies, refunds and receipts.
type PaymentRepository interface {
	// RecordEvent stores a notification once per event id; stored is
	// false when that id is already there (a duplicate delivery).
	RecordEvent(ctx context.Context, e *PaymentEvent) (stored bool, err error)
	// EventByID reads a stored notification; ENOTFOUND when missing.
	EventByID(ctx context.Context, id int64) (*PaymentEvent, error)
	// MarkEventApplied notes when a notification's job ran (the first time
	// counts), so unapplied events can be found.
	MarkEventApplied(ctx context.Context, id int64, now time.Time) error
	// RecordPayment stores a payment once per transaction id; stored is
	// false when that transaction is already recorded.
	RecordPayment(ctx context.Context, p *Payment) (stored bool, err error)
	// PaymentsOfOrder lists an order's payments, oldest first.
	PaymentsOfOrder(ctx context.Context, orderID int64) ([]*Payment, error)
	// RecordAnomaly stores an anomaly once per (order, transaction, kind).
	RecordAnomaly(ctx context.Context, a *PaymentAnomaly) error
	// Anomalies pages through anomalies by id, newest first.
	Anomalies(ctx context.Context, p Page) ([]*PaymentAnomaly, error)
	// CreateRefund inserts a refund; a used out_refund_no is ECONFLICT.
	CreateRefund(ctx context.Context, r *Refund) error
	// RefundByOutRefundNo reads a refund; ENOTFOUND refund_not_found.
	RefundByOutRefundNo(ctx context.Context, outRefundNo string) (*Refund, error)
	// UpdateRefund locks the refund, runs fn and saves it.
	UpdateRefund(ctx context.Context, outRefundNo string, fn func(*Refund) error) (*Refund, error)
	// RefundsOfOrder lists an order's refunds, oldest first.
	RefundsOfOrder(ctx context.Context, orderID int64) ([]*Refund, error)
	// UnsettledRefundList lists up to limit refunds still pending or
	// processing, last updated before updatedBefore, least recently updated
	// first: the refund reconcile sweep retries and polls them.
	UnsettledRefundList(ctx context.Context, updatedBefore time.Time, limit int) ([]*Refund, error)
	// IssueReceipt records the order's receipt once; issued is false when
	// it already has one.
	IssueReceipt(ctx context.Context, id, orderID int64, orderNo string, now time.Time) (issued bool, err error)
}

// CouponRedemptionRepository holds and settles the coupon uses of orders.
type CouponRedemptionRepository interface {
	// HoldCoupon locks the coupon row, gives check the coupon and its usage
	// as now counted, and when check passes records a held use for the
	// order. The lock makes limits hold under parallel checkouts.
	HoldCoupon(ctx context.Context, id, couponID, shopperID int64, orderNo string, now time.Time,
		check func(*Coupon, CouponUsage) error) error
	// SettleCoupon moves the order's use from one of from to to; changed
	// is false when the order has no use in those states.
	SettleCoupon(ctx context.Context, orderNo string, from []RedemptionStatus, to RedemptionStatus, now time.Time) (changed bool, err error)
}
