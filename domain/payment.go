package domain

import (
	"time"

	"github.com/shopspring/decimal"
)

// PaymentStatus says what a received payment did to its order.
type PaymentStatus string

const (
	// PaymentApplied made its order paid.
	PaymentApplied PaymentStatus = "applied"
	// PaymentAfterClose arrived for an order already closed: the money is
	// refunded in full (RefundReasonPaidAfterClose).
	PaymentAfterClose PaymentStatus = "paid_after_close"
)

// Payment is money received for an order, one per WeChat Pay transaction.
type Payment struct {
	ID            int64
	OrderID       int64
	OrderNo       string
	TransactionID string
	Amount        decimal.Decimal
	PayerTotal    decimal.Decimal
	Currency      string
	Status        PaymentStatus
	Source        string // "notification" or "query"
	PaidAt        time.Time
	CreatedAt     time.Time
}

// Anomaly kinds: a reported payment that does not match its order is
// never applied; it is recorded for staff.
const (
	AnomalyAmount       = "amount_mismatch"
	AnomalyCurrency     = "currency_mismatch"
	AnomalyAppID        = "appid_mismatch"
	AnomalyMchID        = "mchid_mismatch"
	AnomalyUnknownOrder = "unknown_order"
	// AnomalySecondTransaction: a paid order reported paid again by
	// another transaction.
	AnomalySecondTransaction = "second_transaction"
	// AnomalyTradeState: WeChat Pay refused to close an order as paid but
	// then reported another state (e.g. REFUND) when asked.
	AnomalyTradeState = "trade_state_unexpected"
)

// PaymentAnomaly is a payment report that did not match its order.
type PaymentAnomaly struct {
	ID            int64
	OrderNo       string
	TransactionID string
	Kind          string
	Detail        string
	CreatedAt     time.Time
}

// PaymentEvent is a verified WeChat Pay notification as received.
type PaymentEvent struct {
	ID         int64
	EventID    string // WeChat Pay's notification id
	EventType  string
	OutTradeNo string
	Resource   []byte // the decrypted resource JSON
	ReceivedAt time.Time
	AppliedAt  time.Time // zero until its job ran
}

// RefundStatus is where a refund is at WeChat Pay.
type RefundStatus string

const (
	RefundPending    RefundStatus = "pending" // recorded, not yet accepted by WeChat Pay
	RefundProcessing RefundStatus = "processing"
	RefundSucceeded  RefundStatus = "success"
	RefundClosed     RefundStatus = "closed"
	RefundAbnormal   RefundStatus = "abnormal"
)

// RefundReasonPaidAfterClose refunds money that arrived for a closed order.
const RefundReasonPaidAfterClose = "paid_after_close"

// Refund is money sent back for an order; OutRefundNo is reused by every
// retry so WeChat Pay refunds once.
type Refund struct {
	ID          int64
	OrderID     int64
	OrderNo     string
	OutRefundNo string
	RefundID    string
	Amount      decimal.Decimal
	Reason      string
	Status      RefundStatus
	StaffID     int64 // 0: by the system
	StoreID     int64 // the order's store, for the sales report
	// IdempotencyKey and RequestHash make a staff refund repeatable (empty
	// for the system's refunds); Restock puts the goods back on the shelf.
	IdempotencyKey string
	RequestHash    string
	Restock        bool
	LastError      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	SucceededAt    time.Time
}
