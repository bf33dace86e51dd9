package mysql

import (
	"context"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
	"gorm.io/gorm/clause"
)

type stockAlertRow struct {
	ID           int64 `gorm:"primaryKey;autoIncrement:false"`
	StoreID      int64
	ProductID    int64
	OnHand       decimal.Decimal
	ReorderPoint decimal.Decimal
	MovementID   int64
	CreatedAt    utcTime
}

func (stockAlertRow) TableName() string { return "stock_alerts" }

// RecordLowStock stores an alert once per movement: a job that runs twice
// (retry after a crash) leaves one row.
func (r *StockRepo) RecordLowStock(ctx context.Context, a domain.LowStockAlert) error {
	row := stockAlertRow{ID: a.ID, StoreID: a.StoreID, ProductID: a.ProductID, OnHand: a.OnHand,
		ReorderPoint: a.ReorderPoint, MovementID: a.MovementID, CreatedAt: utcTime(a.CreatedAt)}
	err := r.db.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "movement_id"}}, DoNothing: true}).Create(&row).Error
	return mapErr(err)
}

// LowStockAlerts pages through a store's alerts by id, with SKUs.
func (r *StockRepo) LowStockAlerts(ctx context.Context, storeID int64, p domain.Page) ([]domain.LowStockAlert, error) {
	var rows []struct {
		ID           int64
		ProductID    int64
		SKU          string `gorm:"column:sku"`
		OnHand       decimal.Decimal
		ReorderPoint decimal.Decimal
		MovementID   int64
		CreatedAt    utcTime
	}
	err := r.db.conn(ctx).Table("stock_alerts a").
		Select("a.id, a.product_id, p.sku, a.on_hand, a.reorder_point, a.movement_id, a.created_at").
		Joins("JOIN products p ON p.id = a.product_id").
		Where("a.store_id = ? AND a.id > ?", storeID, p.After).Order("a.id").Limit(p.Limit).Scan(&rows).Error
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]domain.LowStockAlert, len(rows))
	for i, r := range rows {
		out[i] = domain.LowStockAlert{ID: r.ID, StoreID: storeID, ProductID: r.ProductID, SKU: r.SKU,
			OnHand: r.OnHand, ReorderPoint: r.ReorderPoint, MovementID: r.MovementID, CreatedAt: r.CreatedAt.Time()}
	}
	return out, nil
}
