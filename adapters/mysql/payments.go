package mysql

import (
	"context"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type paymentEventRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement:false"`
	EventID    string
	EventType  string
	OutTradeNo string
	Resource   string
	ReceivedAt utcTime
	AppliedAt  *utcTime
}

func (paymentEventRow) TableName() string { return "payment_events" }

type paymentRow struct {
	ID            int64 `gorm:"primaryKey;autoIncrement:false"`
	OrderID       int64
	OrderNo       string
	TransactionID string
	Amount        decimal.Decimal
	PayerTotal    decimal.Decimal
	Currency      string
	Status        string
	Source        string
	PaidAt        utcTime
	CreatedAt     utcTime
}

func (paymentRow) TableName() string { return "payments" }

type paymentAnomalyRow struct {
	ID            int64 `gorm:"primaryKey;autoIncrement:false"`
	OrderNo       string
	TransactionID string
	Kind          string
	Detail        string
	CreatedAt     utcTime
}

func (paymentAnomalyRow) TableName() string { return "payment_anomalies" }

type refundRow struct {
	ID          int64 `gorm:"primaryKey;autoIncrement:false"`
	OrderID     int64
	OrderNo     string
	OutRefundNo string
	RefundID    string
	Amount      decimal.Decimal
	Reason      string
	Status      string
	StaffID     *int64
	LastError   string
	CreatedAt   utcTime
	UpdatedAt   utcTime
	SucceededAt *utcTime
	// Columns of migration 11 (staff refunds); the key is NULL for the
	// system's refunds, so they never collide in ux_refunds_idempotency.
	StoreID        int64
	IdempotencyKey *string
	RequestHash    string
	Restock        bool
}

func (refundRow) TableName() string { return "refunds" }

type receiptRow struct {
	ID       int64 `gorm:"primaryKey;autoIncrement:false"`
	OrderID  int64
	OrderNo  string
	IssuedAt utcTime
}

func (receiptRow) TableName() string { return "receipts" }

func refundToRow(f *domain.Refund) refundRow {
	row := refundRow{ID: f.ID, OrderID: f.OrderID, OrderNo: f.OrderNo, OutRefundNo: f.OutRefundNo, RefundID: f.RefundID,
		Amount: f.Amount, Reason: f.Reason, Status: string(f.Status), LastError: f.LastError,
		CreatedAt: utcTime(f.CreatedAt), UpdatedAt: utcTime(f.UpdatedAt), SucceededAt: optTime(f.SucceededAt)}
	if f.StaffID != 0 {
		id := f.StaffID
		row.StaffID = &id
	}
	row.StoreID, row.RequestHash, row.Restock = f.StoreID, f.RequestHash, f.Restock
	if f.IdempotencyKey != "" {
		key := f.IdempotencyKey
		row.IdempotencyKey = &key
	}
	return row
}

func (r refundRow) toDomain() *domain.Refund {
	f := &domain.Refund{ID: r.ID, OrderID: r.OrderID, OrderNo: r.OrderNo, OutRefundNo: r.OutRefundNo, RefundID: r.RefundID,
		Amount: r.Amount, Reason: r.Reason, Status: domain.RefundStatus(r.Status), LastError: r.LastError,
		CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time(), SucceededAt: timeOf(r.SucceededAt)}
	if r.StaffID != nil {
		f.StaffID = *r.StaffID
	}
	f.StoreID, f.RequestHash, f.Restock = r.StoreID, r.RequestHash, r.Restock
	if r.IdempotencyKey != nil {
		f.IdempotencyKey = *r.IdempotencyKey
	}
	return f
}

// PaymentRepo implements domain.PaymentRepository. Everything WeChat Pay
// may tell us twice is inserted once, by a unique index, so duplicate
// deliveries and racing workers need no lock.
type PaymentRepo struct{ db *DB }

var _ domain.PaymentRepository = (*PaymentRepo)(nil)

// NewPaymentRepo returns the payment repository on db; the rows carry
// their own ids.
func NewPaymentRepo(db *DB) *PaymentRepo { return &PaymentRepo{db: db} }

// insertOnce inserts row unless a unique index already holds it, and
// reports whether it did. ON CONFLICT DO NOTHING (ON DUPLICATE KEY UPDATE
// of the key to itself on MySQL) leaves the caller's transaction usable on
// both engines; a duplicate error that still gets through means the same.
func (r *PaymentRepo) insertOnce(ctx context.Context, row any) (bool, error) {
	res := r.db.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(row)
	if res.Error != nil {
		if isDuplicate(res.Error) {
			return false, nil
		}
		return false, mapErr(res.Error)
	}
	return res.RowsAffected == 1, nil
}

// RecordEvent stores a notification once per WeChat Pay notification id,
// so a redelivered notification is recognised and not applied twice.
func (r *PaymentRepo) RecordEvent(ctx context.Context, e *domain.PaymentEvent) (bool, error) {
	return r.insertOnce(ctx, &paymentEventRow{ID: e.ID, EventID: e.EventID, EventType: e.EventType,
		OutTradeNo: e.OutTradeNo, Resource: string(e.Resource), ReceivedAt: utcTime(e.ReceivedAt), AppliedAt: optTime(e.AppliedAt)})
}

// EventByID reads a stored notification, for the job that applies it.
func (r *PaymentRepo) EventByID(ctx context.Context, id int64) (*domain.PaymentEvent, error) {
	var row paymentEventRow
	if err := r.db.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, domain.Errorf(domain.ENOTFOUND, "payment_event_not_found", "no such payment event")
		}
		return nil, mapErr(err)
	}
	return &domain.PaymentEvent{ID: row.ID, EventID: row.EventID, EventType: row.EventType, OutTradeNo: row.OutTradeNo,
		Resource: []byte(row.Resource), ReceivedAt: row.ReceivedAt.Time(), AppliedAt: timeOf(row.AppliedAt)}, nil
}

// MarkEventApplied records when the event's job ran; a rerun keeps the
// first time.
func (r *PaymentRepo) MarkEventApplied(ctx context.Context, id int64, now time.Time) error {
	return mapErr(r.db.conn(ctx).Model(&paymentEventRow{}).Where("id = ? AND applied_at IS NULL", id).
		Update("applied_at", utcTime(now)).Error)
}

// RecordPayment stores a payment once per WeChat Pay transaction: the
// notification and the active query may both report it.
func (r *PaymentRepo) RecordPayment(ctx context.Context, p *domain.Payment) (bool, error) {
	return r.insertOnce(ctx, &paymentRow{ID: p.ID, OrderID: p.OrderID, OrderNo: p.OrderNo, TransactionID: p.TransactionID,
		Amount: p.Amount, PayerTotal: p.PayerTotal, Currency: p.Currency, Status: string(p.Status), Source: p.Source,
		PaidAt: utcTime(p.PaidAt), CreatedAt: utcTime(p.CreatedAt)})
}

// PaymentsOfOrder lists an order's payments, oldest first (by time: ids
// may carry random shard bits on top).
func (r *PaymentRepo) PaymentsOfOrder(ctx context.Context, orderID int64) ([]*domain.Payment, error) {
	var rows []paymentRow
	if err := r.db.conn(ctx).Where("order_id = ?", orderID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	out := make([]*domain.Payment, len(rows))
	for i, row := range rows {
		out[i] = &domain.Payment{ID: row.ID, OrderID: row.OrderID, OrderNo: row.OrderNo, TransactionID: row.TransactionID,
			Amount: row.Amount, PayerTotal: row.PayerTotal, Currency: row.Currency, Status: domain.PaymentStatus(row.Status),
			Source: row.Source, PaidAt: row.PaidAt.Time(), CreatedAt: row.CreatedAt.Time()}
	}
	return out, nil
}

// RecordAnomaly stores an anomaly once per (order, transaction, kind),
// however often WeChat Pay reports the same mismatch.
func (r *PaymentRepo) RecordAnomaly(ctx context.Context, a *domain.PaymentAnomaly) error {
	_, err := r.insertOnce(ctx, &paymentAnomalyRow{ID: a.ID, OrderNo: a.OrderNo, TransactionID: a.TransactionID,
		Kind: a.Kind, Detail: cutRunes(a.Detail, 500), CreatedAt: utcTime(a.CreatedAt)})
	return err
}

// Anomalies pages through anomalies newest first for staff: Page.After is
// the smallest id of the previous page.
func (r *PaymentRepo) Anomalies(ctx context.Context, p domain.Page) ([]*domain.PaymentAnomaly, error) {
	q := r.db.conn(ctx)
	if p.After > 0 {
		q = q.Where("id < ?", p.After)
	}
	var rows []paymentAnomalyRow
	if err := q.Order("id DESC").Limit(p.Limit).Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	out := make([]*domain.PaymentAnomaly, len(rows))
	for i, row := range rows {
		out[i] = &domain.PaymentAnomaly{ID: row.ID, OrderNo: row.OrderNo, TransactionID: row.TransactionID,
			Kind: row.Kind, Detail: row.Detail, CreatedAt: row.CreatedAt.Time()}
	}
	return out, nil
}

var errRefundNotFound = domain.Errorf(domain.ENOTFOUND, "refund_not_found", "no such refund")

// CreateRefund inserts a refund. Its out_refund_no is unique, so two
// workers racing to refund the same thing record it once.
func (r *PaymentRepo) CreateRefund(ctx context.Context, f *domain.Refund) error {
	row := refundToRow(f)
	if err := r.db.conn(ctx).Create(&row).Error; err != nil {
		return conflictOr(err, "refund_exists", "refund "+f.OutRefundNo+" already exists")
	}
	return nil
}

// RefundByOutRefundNo reads a refund by the number every retry reuses.
func (r *PaymentRepo) RefundByOutRefundNo(ctx context.Context, outRefundNo string) (*domain.Refund, error) {
	return r.loadRefund(r.db.conn(ctx).Where("out_refund_no = ?", outRefundNo), false)
}

func (r *PaymentRepo) loadRefund(q *gorm.DB, lock bool) (*domain.Refund, error) {
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var row refundRow
	if err := q.Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, errRefundNotFound
		}
		return nil, mapErr(err)
	}
	return row.toDomain(), nil
}

// UpdateRefund locks the refund, lets fn record what WeChat Pay answered
// and saves the fields that answer changes. Order, number, amount and
// reason never change.
func (r *PaymentRepo) UpdateRefund(ctx context.Context, outRefundNo string, fn func(*domain.Refund) error) (*domain.Refund, error) {
	var out *domain.Refund
	err := r.db.WithinTx(ctx, func(ctx context.Context) error {
		f, err := r.loadRefund(r.db.conn(ctx).Where("out_refund_no = ?", outRefundNo), true)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
		// A map, not the struct: gorm skips zero values in a struct.
		err = r.db.conn(ctx).Model(&refundRow{}).Where("id = ?", f.ID).Updates(map[string]any{
			"refund_id": f.RefundID, "status": string(f.Status), "last_error": cutRunes(f.LastError, 500),
			"updated_at": utcTime(f.UpdatedAt), "succeeded_at": optTime(f.SucceededAt),
		}).Error
		if err != nil {
			return mapErr(err)
		}
		out = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RefundsOfOrder lists an order's refunds, oldest first.
func (r *PaymentRepo) RefundsOfOrder(ctx context.Context, orderID int64) ([]*domain.Refund, error) {
	var rows []refundRow
	if err := r.db.conn(ctx).Where("order_id = ?", orderID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	out := make([]*domain.Refund, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}

// IssueReceipt records the order's e-receipt once; the unique order_id
// makes a second payment report or a rerun issue nothing.
func (r *PaymentRepo) IssueReceipt(ctx context.Context, id, orderID int64, orderNo string, now time.Time) (bool, error) {
	return r.insertOnce(ctx, &receiptRow{ID: id, OrderID: orderID, OrderNo: orderNo, IssuedAt: utcTime(now)})
}
