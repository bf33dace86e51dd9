package mysql

import (
	"context"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type storeItemRow struct {
	StoreID      int64 `gorm:"primaryKey;autoIncrement:false"`
	ProductID    int64 `gorm:"primaryKey;autoIncrement:false"`
	Price        decimal.Decimal
	MemberPrice  decimal.NullDecimal
	Active       bool
	ReorderPoint decimal.Decimal
	PLU          *string `gorm:"column:plu"`
	UpdatedAt    utcTime
}

func (storeItemRow) TableName() string { return "store_items" }

// StoreItemRepo implements domain.StoreItemRepository.
type StoreItemRepo struct{ db *DB }

var _ domain.StoreItemRepository = (*StoreItemRepo)(nil)

// NewStoreItemRepo returns the store item repository on db.
func NewStoreItemRepo(db *DB) *StoreItemRepo { return &StoreItemRepo{db: db} }

// PutStoreItem creates or replaces a store's item. It is not an upsert
// statement on purpose: MySQL's ON DUPLICATE KEY fires on any unique key,
// so a PLU clash would silently rewrite another item.
func (r *StoreItemRepo) PutStoreItem(ctx context.Context, it *domain.StoreItem) error {
	return r.db.WithinTx(ctx, func(ctx context.Context) error {
		db := r.db.conn(ctx)
		// Item writes of one store take turns on the store row, so the PLU
		// check below cannot be passed by two items at once.
		var lock []storeRow
		if err := db.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").Where("id = ?", it.StoreID).Find(&lock).Error; err != nil {
			return mapErr(err)
		}
		if it.PLU != "" {
			var other []struct{ SKU string }
			// A locking read sees the latest commit; a plain one would read
			// the transaction's snapshot, taken before the store lock.
			err := db.Table("store_items si").Select("p.sku").Joins("JOIN products p ON p.id = si.product_id").
				Where("si.store_id = ? AND si.plu = ? AND si.product_id <> ?", it.StoreID, it.PLU, it.Product.ID).
				Clauses(clause.Locking{Strength: "UPDATE"}).Scan(&other).Error
			if err != nil {
				return mapErr(err)
			}
			if len(other) > 0 {
				return domain.Errorf(domain.ECONFLICT, "plu_taken", "PLU %s is already used by SKU %s in this store", it.PLU, other[0].SKU)
			}
		}
		row := storeItemRow{StoreID: it.StoreID, ProductID: it.Product.ID, Price: it.Price, Active: it.Active,
			ReorderPoint: it.ReorderPoint, UpdatedAt: utcTime(it.UpdatedAt)}
		if it.Member != nil {
			row.MemberPrice = decimal.NewNullDecimal(*it.Member)
		}
		if it.PLU != "" {
			row.PLU = &it.PLU
		}
		var own []storeItemRow
		if err := db.Clauses(clause.Locking{Strength: "UPDATE"}).Select("store_id").
			Where("store_id = ? AND product_id = ?", it.StoreID, it.Product.ID).Find(&own).Error; err != nil {
			return mapErr(err)
		}
		if len(own) == 0 {
			err := db.Create(&row).Error
			if err == nil {
				return nil
			}
			if !isDuplicate(err) {
				return mapErr(err)
			}
			// Either an import (which does not take the store lock) just
			// created our row, or the PLU index refused: tell them apart.
			if err := db.Clauses(clause.Locking{Strength: "UPDATE"}).Select("store_id").
				Where("store_id = ? AND product_id = ?", it.StoreID, it.Product.ID).Find(&own).Error; err != nil {
				return mapErr(err)
			}
			if len(own) == 0 {
				return domain.Errorf(domain.ECONFLICT, "plu_taken", "PLU %s is already used by another item in this store", it.PLU)
			}
		}
		res := db.Model(&storeItemRow{}).Where("store_id = ? AND product_id = ?", it.StoreID, it.Product.ID).
			Updates(map[string]any{"price": row.Price, "member_price": row.MemberPrice, "active": row.Active,
				"reorder_point": row.ReorderPoint, "plu": row.PLU, "updated_at": row.UpdatedAt})
		if res.Error != nil {
			if isDuplicate(res.Error) {
				return domain.Errorf(domain.ECONFLICT, "plu_taken", "PLU %s is already used by another item in this store", it.PLU)
			}
			return mapErr(res.Error)
		}
		return nil
	})
}

// itemsQuery selects store items joined with their products, as
// storeItemView reads them.
func (r *StoreItemRepo) itemsQuery(ctx context.Context) *gorm.DB {
	return r.db.conn(ctx).Table("store_items si").Select(storeItemSelect).Joins("JOIN products p ON p.id = si.product_id")
}

// storeItemView is a store item joined with its product. The parts are
// named, exported fields: gorm skips anonymous fields of unexported types,
// which left every field of the view zero.
type storeItemView struct {
	Item    storeItemRow `gorm:"embedded"`
	Product productRow   `gorm:"embedded;embeddedPrefix:p_"`
}

const storeItemSelect = "si.store_id, si.product_id, si.price, si.member_price, si.active, si.reorder_point, si.plu, si.updated_at, " +
	"p.id AS p_id, p.sku AS p_sku, p.name AS p_name, p.unit AS p_unit, p.tax_rate AS p_tax_rate, p.category AS p_category, " +
	"p.age_restricted AS p_age_restricted, p.active AS p_active, p.created_at AS p_created_at, p.updated_at AS p_updated_at"

func (v storeItemView) toDomain() *domain.StoreItem {
	it := &domain.StoreItem{StoreID: v.Item.StoreID, Product: v.Product.toDomain(), Price: v.Item.Price,
		Active: v.Item.Active, ReorderPoint: v.Item.ReorderPoint, UpdatedAt: v.Item.UpdatedAt.Time()}
	if v.Item.MemberPrice.Valid {
		m := v.Item.MemberPrice.Decimal
		it.Member = &m
	}
	if v.Item.PLU != nil {
		it.PLU = *v.Item.PLU
	}
	return it
}

// StoreItem loads one item with its product.
func (r *StoreItemRepo) StoreItem(ctx context.Context, storeID, productID int64) (*domain.StoreItem, error) {
	var v []storeItemView
	err := r.itemsQuery(ctx).
		Where("si.store_id = ? AND si.product_id = ?", storeID, productID).Scan(&v).Error
	if err != nil {
		return nil, mapErr(err)
	}
	if len(v) == 0 {
		return nil, domain.Errorf(domain.ENOTFOUND, "store_item_not_found", "the product is not sold in this store")
	}
	return v[0].toDomain(), nil
}

// ListStoreItems pages through a store's items by product id.
func (r *StoreItemRepo) ListStoreItems(ctx context.Context, storeID int64, p domain.Page) ([]*domain.StoreItem, error) {
	var v []storeItemView
	err := r.itemsQuery(ctx).
		Where("si.store_id = ? AND si.product_id > ?", storeID, p.After).Order("si.product_id").Limit(p.Limit).Scan(&v).Error
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]*domain.StoreItem, len(v))
	for i := range v {
		out[i] = v[i].toDomain()
	}
	return out, nil
}

// ItemByPLU finds the store's item whose scale PLU is plu.
func (r *StoreItemRepo) ItemByPLU(ctx context.Context, storeID int64, plu string) (*domain.StoreItem, error) {
	var v []storeItemView
	err := r.itemsQuery(ctx).
		Where("si.store_id = ? AND si.plu = ?", storeID, plu).Scan(&v).Error
	if err != nil {
		return nil, mapErr(err)
	}
	if len(v) == 0 {
		return nil, domain.Errorf(domain.ENOTFOUND, "plu_unknown", "no item of this store has scale PLU %s", plu)
	}
	return v[0].toDomain(), nil
}

// ItemsByProductIDs loads a store's items for several products in one query.
func (r *StoreItemRepo) ItemsByProductIDs(ctx context.Context, storeID int64, productIDs []int64) (map[int64]*domain.StoreItem, error) {
	out := make(map[int64]*domain.StoreItem, len(productIDs))
	if len(productIDs) == 0 {
		return out, nil
	}
	var v []storeItemView
	err := r.itemsQuery(ctx).
		Where("si.store_id = ? AND si.product_id IN ?", storeID, productIDs).Scan(&v).Error
	if err != nil {
		return nil, mapErr(err)
	}
	for i := range v {
		it := v[i].toDomain()
		out[it.Product.ID] = it
	}
	return out, nil
}

// ItemByGTIN reads barcode, product and store item in one query on the
// scan path's usual case (a product the store sells): one round trip
// instead of three. Only a miss takes a second query, to tell an unknown
// barcode from a product the store does not sell.
func (r *StoreItemRepo) ItemByGTIN(ctx context.Context, storeID int64, gtin string) (*domain.StoreItem, error) {
	var v []storeItemView
	err := r.db.conn(ctx).Table("barcodes b").Select(storeItemSelect).
		Joins("JOIN products p ON p.id = b.product_id").
		Joins("JOIN store_items si ON si.product_id = p.id AND si.store_id = ?", storeID).
		Where("b.gtin = ?", gtin).Scan(&v).Error
	if err != nil {
		return nil, mapErr(err)
	}
	if len(v) > 0 {
		return v[0].toDomain(), nil
	}
	var rows []productRow
	err = r.db.conn(ctx).Where("id = (SELECT product_id FROM barcodes WHERE gtin = ?)", gtin).Limit(1).Find(&rows).Error
	if err != nil {
		return nil, mapErr(err)
	}
	if len(rows) == 0 {
		return nil, domain.Errorf(domain.ENOTFOUND, "barcode_unknown", "no product has barcode %s", gtin)
	}
	return &domain.StoreItem{StoreID: storeID, Product: rows[0].toDomain()},
		domain.Errorf(domain.ENOTFOUND, "store_item_not_found", "the product is not sold in this store")
}
