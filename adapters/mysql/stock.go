package mysql

import (
	"context"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
	"gorm.io/gorm/clause"
)

type stockLevelRow struct {
	StoreID      int64 `gorm:"primaryKey;autoIncrement:false"`
	ProductID    int64 `gorm:"primaryKey;autoIncrement:false"`
	OnHand       decimal.Decimal
	NeedsRecount bool
	UpdatedAt    utcTime
}

func (stockLevelRow) TableName() string { return "stock_levels" }

type stockMovementRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement:false"`
	StoreID    int64
	ProductID  int64
	Kind       string
	Quantity   decimal.Decimal
	LevelAfter decimal.Decimal
	StaffID    *int64
	Reason     string
	Ref        string
	CreatedAt  utcTime
}

func (stockMovementRow) TableName() string { return "stock_movements" }

// StockRepo implements domain.StockRepository.
type StockRepo struct{ db *DB }

var _ domain.StockRepository = (*StockRepo)(nil)

// NewStockRepo returns the stock repository on db.
func NewStockRepo(db *DB) *StockRepo { return &StockRepo{db: db} }

// ApplyMovement changes the level with one atomic UPDATE (never a read,
// then a write of the sum, which loses updates under concurrent sales) and
// writes the ledger row in the same transaction. The UPDATE locks the row
// until commit, so the level read right after it is this movement's own.
// ROUND keeps SQLite, which holds DECIMAL as REAL, from drifting.
func (r *StockRepo) ApplyMovement(ctx context.Context, m *domain.StockMovement) (before, after domain.StockLevel, err error) {
	err = r.db.WithinTx(ctx, func(ctx context.Context) error {
		db := r.db.conn(ctx)
		now := utcTime(m.CreatedAt)
		err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&stockLevelRow{
			StoreID: m.StoreID, ProductID: m.ProductID, OnHand: decimal.Zero, UpdatedAt: now}).Error
		if err != nil {
			return mapErr(err)
		}
		where := db.Model(&stockLevelRow{}).Where("store_id = ? AND product_id = ?", m.StoreID, m.ProductID)
		if m.Kind == domain.MoveCount {
			var cur stockLevelRow
			if err := db.Clauses(clause.Locking{Strength: "UPDATE"}).
				Where("store_id = ? AND product_id = ?", m.StoreID, m.ProductID).Take(&cur).Error; err != nil {
				return mapErr(err)
			}
			m.Delta = m.Quantity.Sub(cur.OnHand)
			err = where.Updates(map[string]any{"on_hand": m.Quantity, "needs_recount": false, "updated_at": now}).Error
		} else {
			// needs_recount comes first: MySQL evaluates SET assignments left
			// to right with the new values, SQLite with the old ones; in this
			// order both read the level before the change.
			sum := "ROUND(on_hand + ?, 3)"
			err = db.Exec("UPDATE stock_levels SET needs_recount = CASE WHEN "+sum+" < 0 THEN TRUE ELSE needs_recount END"+
				", on_hand = "+sum+", updated_at = ?"+
				" WHERE store_id = ? AND product_id = ?", m.Delta, m.Delta, now, m.StoreID, m.ProductID).Error
		}
		if err != nil {
			return mapErr(err)
		}
		if after, err = r.level(ctx, m.StoreID, m.ProductID); err != nil {
			return err
		}
		before = after
		before.OnHand = after.OnHand.Sub(m.Delta)
		m.LevelAfter = after.OnHand
		row := stockMovementRow{ID: m.ID, StoreID: m.StoreID, ProductID: m.ProductID, Kind: string(m.Kind),
			Quantity: m.Delta, LevelAfter: m.LevelAfter, Reason: m.Reason, Ref: m.Ref, CreatedAt: now}
		if m.StaffID != 0 {
			row.StaffID = &m.StaffID
		}
		return mapErr(db.Create(&row).Error)
	})
	return before, after, err
}

// stockView is a store item with its product and stock level; an item
// never moved has no level row and reads as 0.
type stockView struct {
	StoreID      int64
	ProductID    int64
	SKU          string `gorm:"column:sku"`
	Name         string
	Unit         string
	OnHand       decimal.NullDecimal
	ReorderPoint decimal.Decimal
	NeedsRecount *bool
	UpdatedAt    *utcTime
}

const stockSelect = "si.store_id, si.product_id, p.sku, p.name, p.unit, sl.on_hand, si.reorder_point, sl.needs_recount, sl.updated_at"

func stockFrom() string {
	return "store_items si JOIN products p ON p.id = si.product_id " +
		"LEFT JOIN stock_levels sl ON sl.store_id = si.store_id AND sl.product_id = si.product_id"
}

func (v stockView) toDomain() domain.StockLevel {
	l := domain.StockLevel{StoreID: v.StoreID, ProductID: v.ProductID, SKU: v.SKU, Name: v.Name,
		Unit: domain.Unit(v.Unit), OnHand: decimal.Zero, ReorderPoint: v.ReorderPoint}
	if v.OnHand.Valid {
		l.OnHand = v.OnHand.Decimal
	}
	if v.NeedsRecount != nil {
		l.NeedsRecount = *v.NeedsRecount
	}
	if v.UpdatedAt != nil {
		l.UpdatedAt = v.UpdatedAt.Time()
	}
	return l
}

func (r *StockRepo) level(ctx context.Context, storeID, productID int64) (domain.StockLevel, error) {
	var v []stockView
	err := r.db.conn(ctx).Table(stockFrom()).Select(stockSelect).
		Where("si.store_id = ? AND si.product_id = ?", storeID, productID).Scan(&v).Error
	if err != nil {
		return domain.StockLevel{}, mapErr(err)
	}
	if len(v) == 0 {
		return domain.StockLevel{}, domain.Errorf(domain.ENOTFOUND, "store_item_not_found", "the product is not sold in this store")
	}
	return v[0].toDomain(), nil
}

// StockLevels pages through a store's items with their stock.
func (r *StockRepo) StockLevels(ctx context.Context, storeID int64, belowReorder bool, p domain.Page) ([]domain.StockLevel, error) {
	q := r.db.conn(ctx).Table(stockFrom()).Select(stockSelect).Where("si.store_id = ? AND si.product_id > ?", storeID, p.After)
	if belowReorder {
		q = q.Where("COALESCE(sl.on_hand, 0) < si.reorder_point")
	}
	var v []stockView
	if err := q.Order("si.product_id").Limit(p.Limit).Scan(&v).Error; err != nil {
		return nil, mapErr(err)
	}
	out := make([]domain.StockLevel, len(v))
	for i := range v {
		out[i] = v[i].toDomain()
	}
	return out, nil
}

// Movements pages through one item's ledger by id (oldest first).
func (r *StockRepo) Movements(ctx context.Context, storeID, productID int64, p domain.Page) ([]*domain.StockMovement, error) {
	var rows []stockMovementRow
	err := r.db.conn(ctx).Where("store_id = ? AND product_id = ? AND id > ?", storeID, productID, p.After).
		Order("id").Limit(p.Limit).Find(&rows).Error
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]*domain.StockMovement, len(rows))
	for i, row := range rows {
		out[i] = &domain.StockMovement{ID: row.ID, StoreID: row.StoreID, ProductID: row.ProductID,
			Kind: domain.MovementKind(row.Kind), Quantity: row.Quantity, Delta: row.Quantity,
			LevelAfter: row.LevelAfter, Reason: row.Reason, Ref: row.Ref, CreatedAt: row.CreatedAt.Time()}
		if row.StaffID != nil {
			out[i].StaffID = *row.StaffID
		}
	}
	return out, nil
}
