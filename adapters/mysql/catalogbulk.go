package mysql

import (
	"context"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
	"gorm.io/gorm/clause"
)

// CatalogBulkRepo implements domain.CatalogBulkRepository: a few queries
// per batch of rows instead of a few per row, which is what makes a 50 000
// row import take seconds rather than minutes.
type CatalogBulkRepo struct{ db *DB }

var _ domain.CatalogBulkRepository = (*CatalogBulkRepo)(nil)

// NewCatalogBulkRepo returns the bulk catalog repository on db.
func NewCatalogBulkRepo(db *DB) *CatalogBulkRepo { return &CatalogBulkRepo{db: db} }

// LockProductsBySKU loads and locks (FOR UPDATE; a no-op on SQLite, which
// has one writer) the products with these SKUs, with their barcodes.
func (r *CatalogBulkRepo) LockProductsBySKU(ctx context.Context, skus []string) ([]*domain.Product, error) {
	if len(skus) == 0 {
		return nil, nil
	}
	var rows []productRow
	err := r.db.conn(ctx).Where("sku IN ?", skus).Clauses(clause.Locking{Strength: "UPDATE"}).Order("id").Find(&rows).Error
	if err != nil {
		return nil, mapErr(err)
	}
	return (&ProductRepo{db: r.db}).withBarcodes(ctx, rows)
}

// BarcodeOwners maps the GTINs some product has to that product's SKU.
func (r *CatalogBulkRepo) BarcodeOwners(ctx context.Context, gtins []string) (map[string]string, error) {
	out := make(map[string]string, len(gtins))
	if len(gtins) == 0 {
		return out, nil
	}
	var owners []struct {
		GTIN string `gorm:"column:gtin"`
		SKU  string
	}
	err := r.db.conn(ctx).Table("barcodes b").Select("b.gtin, p.sku").Joins("JOIN products p ON p.id = b.product_id").
		Where("b.gtin IN ?", gtins).Scan(&owners).Error
	if err != nil {
		return nil, mapErr(err)
	}
	for _, o := range owners {
		out[o.GTIN] = o.SKU
	}
	return out, nil
}

// StoreItemsOf loads the items of the given stores and products (every
// pair that exists).
func (r *CatalogBulkRepo) StoreItemsOf(ctx context.Context, storeIDs, productIDs []int64) (map[domain.StoreItemKey]*domain.StoreItem, error) {
	out := map[domain.StoreItemKey]*domain.StoreItem{}
	if len(storeIDs) == 0 || len(productIDs) == 0 {
		return out, nil
	}
	var v []storeItemView
	err := r.db.conn(ctx).Table("store_items si").Select(storeItemSelect).Joins("JOIN products p ON p.id = si.product_id").
		Where("si.store_id IN ? AND si.product_id IN ?", storeIDs, productIDs).Scan(&v).Error
	if err != nil {
		return nil, mapErr(err)
	}
	for i := range v {
		it := v[i].toDomain()
		out[domain.StoreItemKey{StoreID: it.StoreID, ProductID: it.Product.ID}] = it
	}
	return out, nil
}

// SaveCatalogBatch inserts the new rows with one multi-row INSERT per
// table and updates changed rows one by one (an import changes few rows
// of a catalog it has seen before).
func (r *CatalogBulkRepo) SaveCatalogBatch(ctx context.Context, b *domain.CatalogBatch) error {
	if b.Empty() {
		return nil
	}
	return r.db.WithinTx(ctx, func(ctx context.Context) error {
		db := r.db.conn(ctx)
		now := utcTime(r.db.gorm.NowFunc())
		var codes []barcodeRow
		if len(b.NewProducts) > 0 {
			rows := make([]productRow, len(b.NewProducts))
			for i, p := range b.NewProducts {
				rows[i] = productToRow(p)
				for _, bc := range p.Barcodes {
					codes = append(codes, barcodeRow{GTIN: bc.GTIN, ProductID: p.ID, Raw: bc.Raw, CreatedAt: now})
				}
			}
			if err := db.Create(&rows).Error; err != nil {
				return conflictOr(err, "sku_taken", "a SKU of this batch was just created by another writer")
			}
		}
		for _, nb := range b.NewBarcodes {
			codes = append(codes, barcodeRow{GTIN: nb.Barcode.GTIN, ProductID: nb.ProductID, Raw: nb.Barcode.Raw, CreatedAt: now})
		}
		if len(codes) > 0 {
			if err := db.Create(&codes).Error; err != nil {
				return conflictOr(err, "barcode_taken", "a barcode of this batch was just given to another product")
			}
		}
		for _, p := range b.ChangedProducts {
			err := db.Model(&productRow{}).Where("id = ?", p.ID).Updates(map[string]any{
				"name": p.Name, "unit": string(p.Unit), "tax_rate": p.TaxRate, "category": p.Category,
				"age_restricted": p.AgeRestricted, "active": p.Active, "updated_at": utcTime(p.UpdatedAt),
			}).Error
			if err != nil {
				return mapErr(err)
			}
		}
		if len(b.NewItems) > 0 {
			rows := make([]storeItemRow, len(b.NewItems))
			for i, it := range b.NewItems {
				rows[i] = storeItemToRow(it)
			}
			if err := db.Create(&rows).Error; err != nil {
				return conflictOr(err, "store_item_taken", "a store item of this batch was just created by another writer")
			}
		}
		for _, it := range b.ChangedItems {
			row := storeItemToRow(it)
			err := db.Model(&storeItemRow{}).Where("store_id = ? AND product_id = ?", it.StoreID, it.Product.ID).
				Updates(map[string]any{"price": row.Price, "member_price": row.MemberPrice, "active": row.Active,
					"reorder_point": row.ReorderPoint, "plu": row.PLU, "updated_at": row.UpdatedAt}).Error
			if err != nil {
				return conflictOr(err, "plu_taken", "a PLU of this batch was just given to another item")
			}
		}
		return nil
	})
}

// BarcodesOf loads the barcodes of products, oldest first per product.
func (r *CatalogBulkRepo) BarcodesOf(ctx context.Context, productIDs []int64) (map[int64][]domain.ProductBarcode, error) {
	out := make(map[int64][]domain.ProductBarcode, len(productIDs))
	if len(productIDs) == 0 {
		return out, nil
	}
	var codes []barcodeRow
	if err := r.db.conn(ctx).Where("product_id IN ?", productIDs).Order("created_at, gtin").Find(&codes).Error; err != nil {
		return nil, mapErr(err)
	}
	for _, c := range codes {
		out[c.ProductID] = append(out[c.ProductID], domain.ProductBarcode{GTIN: c.GTIN, Raw: c.Raw})
	}
	return out, nil
}

func storeItemToRow(it *domain.StoreItem) storeItemRow {
	row := storeItemRow{StoreID: it.StoreID, ProductID: it.Product.ID, Price: it.Price, Active: it.Active,
		ReorderPoint: it.ReorderPoint, UpdatedAt: utcTime(it.UpdatedAt)}
	if it.Member != nil {
		row.MemberPrice = decimal.NewNullDecimal(*it.Member)
	}
	if it.PLU != "" {
		plu := it.PLU
		row.PLU = &plu
	}
	return row
}

// conflictOr maps a unique-key violation to ECONFLICT (someone else wrote
// the same key between our read and our write) and anything else as usual.
func conflictOr(err error, reason, msg string) error {
	if isDuplicate(err) {
		return &domain.Error{Code: domain.ECONFLICT, Reason: reason, Message: msg, Err: err}
	}
	return mapErr(err)
}
