package mysql

import (
	"context"
	"strings"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

type refundLineRow struct {
	ID          int64 `gorm:"primaryKey;autoIncrement:false"`
	RefundID    int64
	OrderLineID int64
	Quantity    decimal.Decimal
	Amount      decimal.Decimal
}

func (refundLineRow) TableName() string { return "refund_lines" }

// RefundRepo implements domain.RefundRepository: staff refunds with the
// order lines they give back. It shares the refunds table (and refundRow)
// with PaymentRepo, which records how WeChat Pay settles them.
type RefundRepo struct{ db *DB }

var _ domain.RefundRepository = (*RefundRepo)(nil)

// NewRefundRepo returns the staff refund repository on db.
func NewRefundRepo(db *DB) *RefundRepo { return &RefundRepo{db: db} }

// CreateStaffRefund inserts the refund and its lines and adds each line's
// quantity and amount to its order line. The caller holds the order row
// locked, so the increments cannot race another refund of the order; they
// are increments all the same, ROUNDed because SQLite keeps DECIMAL as
// REAL, so the column never drifts by a float's error.
func (r *RefundRepo) CreateStaffRefund(ctx context.Context, f *domain.Refund, lines []domain.RefundLine) error {
	return r.db.WithinTx(ctx, func(ctx context.Context) error {
		db := r.db.conn(ctx)
		row := refundToRow(f)
		if err := db.Create(&row).Error; err != nil {
			return refundInsertErr(err, f)
		}
		if len(lines) == 0 {
			return nil
		}
		rows := make([]refundLineRow, len(lines))
		for i, l := range lines {
			rows[i] = refundLineRow{ID: l.ID, RefundID: f.ID, OrderLineID: l.OrderLineID, Quantity: l.Quantity, Amount: l.Amount}
		}
		if err := db.Create(&rows).Error; err != nil {
			return mapErr(err)
		}
		for _, l := range lines {
			res := db.Exec("UPDATE order_lines SET refunded_qty = ROUND(refunded_qty + ?, 3), "+
				"refunded_amount = ROUND(refunded_amount + ?, 2) WHERE id = ? AND order_id = ?",
				l.Quantity, l.Amount, l.OrderLineID, f.OrderID)
			if res.Error != nil {
				return mapErr(res.Error)
			}
			if res.RowsAffected != 1 {
				return domain.Errorf(domain.EINTERNAL, "refund_line_mismatch", "order line %d is not on order %s", l.OrderLineID, f.OrderNo)
			}
		}
		return nil
	})
}

// refundInsertErr names the unique index a refund insert hit: MySQL names
// the index (ux_refunds_idempotency), SQLite its columns
// (refunds.idempotency_key); both contain the same word.
func refundInsertErr(err error, f *domain.Refund) error {
	if isDuplicate(err) && strings.Contains(err.Error(), "idempotency") {
		return &domain.Error{Code: domain.ECONFLICT, Reason: "idempotency_key_used",
			Message: "this refund key was already used for another refund of the order", Err: err}
	}
	return conflictOr(err, "refund_exists", "refund "+f.OutRefundNo+" already exists")
}

// RefundByIdempotencyKey finds the refund an order's key made, so a
// replayed request answers with it instead of refunding twice.
func (r *RefundRepo) RefundByIdempotencyKey(ctx context.Context, orderID int64, key string) (*domain.Refund, error) {
	var row refundRow
	if err := r.db.conn(ctx).Where("order_id = ? AND idempotency_key = ?", orderID, key).Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, errRefundNotFound
		}
		return nil, mapErr(err)
	}
	return row.toDomain(), nil
}

// ListRefunds pages through refunds newest first. An order's refunds come
// by ix_refunds_order; a store's are few enough per page that the id order
// over ix_refunds_store's rows is cheap.
func (r *RefundRepo) ListRefunds(ctx context.Context, f domain.RefundFilter, p domain.Page) ([]*domain.Refund, error) {
	out := []*domain.Refund{}
	if f.StoreIDs != nil && len(f.StoreIDs) == 0 {
		return out, nil // a staff member of no store sees nothing, not everything
	}
	q := r.db.conn(ctx)
	if f.StoreIDs != nil {
		q = q.Where("store_id IN ?", f.StoreIDs)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.OrderID != 0 {
		q = q.Where("order_id = ?", f.OrderID)
	}
	if p.After > 0 {
		q = q.Where("id < ?", p.After)
	}
	var rows []refundRow
	if err := q.Order("id DESC").Limit(p.Limit).Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	for i := range rows {
		out = append(out, rows[i].toDomain())
	}
	return out, nil
}

// refundLineView is a refund line with its order line's SKU and name.
type refundLineView struct {
	ID          int64
	RefundID    int64
	OrderLineID int64
	Quantity    decimal.Decimal
	Amount      decimal.Decimal
	SKU         string `gorm:"column:sku"`
	Name        string
}

// RefundLinesOf reads the lines of several refunds in one query, each
// joined to its order line for the SKU and name the receipt and staff show.
func (r *RefundRepo) RefundLinesOf(ctx context.Context, refundIDs []int64) (map[int64][]domain.RefundLine, error) {
	out := make(map[int64][]domain.RefundLine, len(refundIDs))
	if len(refundIDs) == 0 {
		return out, nil
	}
	var rows []refundLineView
	err := r.db.conn(ctx).Table("refund_lines").
		Select("refund_lines.id, refund_lines.refund_id, refund_lines.order_line_id, refund_lines.quantity, "+
			"refund_lines.amount, order_lines.sku, order_lines.name").
		Joins("JOIN order_lines ON order_lines.id = refund_lines.order_line_id").
		Where("refund_lines.refund_id IN ?", refundIDs).
		Order("refund_lines.refund_id, refund_lines.id").Find(&rows).Error
	if err != nil {
		return nil, mapErr(err)
	}
	for _, row := range rows {
		out[row.RefundID] = append(out[row.RefundID], domain.RefundLine{ID: row.ID, RefundID: row.RefundID,
			OrderLineID: row.OrderLineID, SKU: row.SKU, Name: row.Name, Quantity: row.Quantity, Amount: row.Amount})
	}
	return out, nil
}
