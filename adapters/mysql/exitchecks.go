package mysql

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// exitCheckRow is one row of exit_checks. StoreCode is not a column: it is
// joined from stores when reading, so a check always names its store.
type exitCheckRow struct {
	ID            int64 `gorm:"primaryKey;autoIncrement:false"`
	OrderID       int64
	OrderNo       string
	StoreID       int64
	StaffID       int64
	Verdict       string
	AuditReasons  string
	CheckedAt     utcTime
	ResultAt      *utcTime
	ResultStaffID *int64
	Unscanned     *string // JSON array of unscannedJSON; NULL until a result
	UnscannedQty  decimal.Decimal
	StoreCode     string `gorm:"->;column:store_code"`
}

func (exitCheckRow) TableName() string { return "exit_checks" }

// unscannedJSON is one element of exit_checks.unscanned.
type unscannedJSON struct {
	Barcode  string `json:"barcode"`
	GTIN     string `json:"gtin,omitempty"`
	SKU      string `json:"sku"`
	Name     string `json:"name"`
	Quantity int    `json:"quantity"`
}

// ExitCheckRepo implements domain.ExitCheckRepository and the audit facts
// (domain.AuditFacts) read at check time.
type ExitCheckRepo struct{ db *DB }

var (
	_ domain.ExitCheckRepository = (*ExitCheckRepo)(nil)
	_ domain.AuditFacts          = (*ExitCheckRepo)(nil)
)

// NewExitCheckRepo returns the exit check repository on db.
func NewExitCheckRepo(db *DB) *ExitCheckRepo { return &ExitCheckRepo{db: db} }

var errExitCheckNotFound = domain.Errorf(domain.ENOTFOUND, "exit_check_not_found", "no such exit check")

// CreateExitCheck inserts the check. The unique index on order_id is what
// makes a pass single-use even when two gates scan it at once.
func (r *ExitCheckRepo) CreateExitCheck(ctx context.Context, c *domain.ExitCheck) error {
	row, err := exitCheckToRow(c)
	if err != nil {
		return err
	}
	if err := r.db.conn(ctx).Omit("store_code").Create(&row).Error; err != nil {
		if isDuplicate(err) {
			return &domain.Error{Code: domain.ECONFLICT, Reason: "exit_pass_used",
				Message: "order " + c.OrderNo + " has already been checked at the exit", Err: err}
		}
		return mapErr(err)
	}
	return nil
}

// ExitCheckByID reads one check with its store's code.
func (r *ExitCheckRepo) ExitCheckByID(ctx context.Context, id int64) (*domain.ExitCheck, error) {
	return r.take(r.selectJoined(ctx).Where("exit_checks.id = ?", id))
}

// ExitCheckOfOrder reads the check of an order, if it has one.
func (r *ExitCheckRepo) ExitCheckOfOrder(ctx context.Context, orderID int64) (*domain.ExitCheck, error) {
	return r.take(r.selectJoined(ctx).Where("exit_checks.order_id = ?", orderID))
}

// UpdateExitCheck locks the check row, runs fn and saves the result
// columns (the only ones that change after the check).
func (r *ExitCheckRepo) UpdateExitCheck(ctx context.Context, id int64, fn func(*domain.ExitCheck) error) (*domain.ExitCheck, error) {
	var out *domain.ExitCheck
	err := r.db.WithinTx(ctx, func(ctx context.Context) error {
		var locked exitCheckRow
		q := r.db.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").Where("id = ?", id)
		if err := q.Take(&locked).Error; err != nil {
			if isNotFound(err) {
				return errExitCheckNotFound
			}
			return mapErr(err)
		}
		c, err := r.ExitCheckByID(ctx, id)
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		row, err := exitCheckToRow(c)
		if err != nil {
			return err
		}
		out = c
		return mapErr(r.db.conn(ctx).Model(&exitCheckRow{}).Where("id = ?", id).Updates(map[string]any{
			"result_at": row.ResultAt, "result_staff_id": row.ResultStaffID, "unscanned": row.Unscanned,
			"unscanned_qty": row.UnscannedQty}).Error)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListExitChecks pages through checks newest first, on the index
// (store_id, checked_at) when a store filters; ids are time-ordered, so
// id order is check order.
func (r *ExitCheckRepo) ListExitChecks(ctx context.Context, f domain.ExitCheckFilter, p domain.Page) ([]*domain.ExitCheck, error) {
	out := []*domain.ExitCheck{}
	if f.StoreIDs != nil && len(f.StoreIDs) == 0 {
		return out, nil // staff of no store see nothing, not everything
	}
	q := r.selectJoined(ctx)
	if f.StoreIDs != nil {
		q = q.Where("exit_checks.store_id IN ?", f.StoreIDs)
	}
	if f.Verdict != "" {
		q = q.Where("exit_checks.verdict = ?", string(f.Verdict))
	}
	if p.After > 0 {
		q = q.Where("exit_checks.id < ?", p.After)
	}
	var rows []exitCheckRow
	if err := q.Order("exit_checks.id DESC").Limit(p.Limit).Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	for i := range rows {
		c, err := rows[i].toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// AnyAgeRestricted reads the products' flag as it is now.
func (r *ExitCheckRepo) AnyAgeRestricted(ctx context.Context, productIDs []int64) (bool, error) {
	if len(productIDs) == 0 {
		return false, nil
	}
	var n int64
	err := r.db.conn(ctx).Table("products").Where("id IN ? AND age_restricted = ?", productIDs, true).Count(&n).Error
	return n > 0, mapErr(err)
}

// PaidOrdersBefore counts the shopper's orders paid before o, whatever
// happened to them since (a refunded first order still was one).
func (r *ExitCheckRepo) PaidOrdersBefore(ctx context.Context, o *domain.Order) (int, error) {
	var n int64
	paid := utcTime(o.PaidAt)
	err := r.db.conn(ctx).Table("orders").Where("shopper_id = ? AND paid_at IS NOT NULL", o.ShopperID).
		Where("paid_at < ? OR (paid_at = ? AND id < ?)", paid, paid, o.ID).Count(&n).Error
	return int(n), mapErr(err)
}

func (r *ExitCheckRepo) selectJoined(ctx context.Context) *gorm.DB {
	return r.db.conn(ctx).Model(&exitCheckRow{}).Select("exit_checks.*, stores.code AS store_code").
		Joins("JOIN stores ON stores.id = exit_checks.store_id")
}

func (r *ExitCheckRepo) take(q *gorm.DB) (*domain.ExitCheck, error) {
	var row exitCheckRow
	if err := q.Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, errExitCheckNotFound
		}
		return nil, mapErr(err)
	}
	return row.toDomain()
}

func exitCheckToRow(c *domain.ExitCheck) (exitCheckRow, error) {
	row := exitCheckRow{ID: c.ID, OrderID: c.OrderID, OrderNo: c.OrderNo, StoreID: c.StoreID, StaffID: c.StaffID,
		Verdict: string(c.Verdict), AuditReasons: domain.JoinAuditReasons(c.AuditReasons), CheckedAt: utcTime(c.CheckedAt),
		UnscannedQty: decimal.NewFromInt(int64(c.UnscannedQty))}
	if !c.ResultRecorded() {
		return row, nil
	}
	items := make([]unscannedJSON, len(c.Unscanned))
	for i, it := range c.Unscanned {
		items[i] = unscannedJSON{Barcode: it.Barcode, GTIN: it.GTIN, SKU: it.SKU, Name: it.Name, Quantity: it.Quantity}
	}
	raw, err := json.Marshal(items)
	if err != nil {
		return row, fmt.Errorf("encode unscanned items: %w", err)
	}
	s, staff := string(raw), c.ResultStaffID
	row.Unscanned, row.ResultStaffID, row.ResultAt = &s, &staff, optTime(c.ResultAt)
	return row, nil
}

func (row exitCheckRow) toDomain() (*domain.ExitCheck, error) {
	c := &domain.ExitCheck{ID: row.ID, OrderID: row.OrderID, OrderNo: row.OrderNo, StoreID: row.StoreID,
		StoreCode: row.StoreCode, StaffID: row.StaffID, Verdict: domain.ExitVerdict(row.Verdict),
		AuditReasons: domain.SplitAuditReasons(row.AuditReasons), CheckedAt: row.CheckedAt.Time(),
		UnscannedQty: int(row.UnscannedQty.IntPart())}
	if row.ResultAt != nil {
		c.ResultAt = row.ResultAt.Time()
	}
	if row.ResultStaffID != nil {
		c.ResultStaffID = *row.ResultStaffID
	}
	if row.Unscanned != nil {
		var items []unscannedJSON
		if err := json.Unmarshal([]byte(*row.Unscanned), &items); err != nil {
			return nil, fmt.Errorf("exit check %d: unscanned items: %w", row.ID, err)
		}
		c.Unscanned = make([]domain.UnscannedItem, len(items))
		for i, it := range items {
			c.Unscanned[i] = domain.UnscannedItem{Barcode: it.Barcode, GTIN: it.GTIN, SKU: it.SKU, Name: it.Name, Quantity: it.Quantity}
		}
	}
	return c, nil
}
