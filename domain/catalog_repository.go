package domain

import "context"

// ProductRepository persists chain-wide products with their barcodes.
type ProductRepository interface {
	// CreateProduct inserts p; ECONFLICT sku_taken or barcode_taken.
	CreateProduct(ctx context.Context, p *Product) error
	ProductBySKU(ctx context.Context, sku string) (*Product, error)
	// ProductByGTIN finds the product owning a GTIN-14.
	ProductByGTIN(ctx context.Context, gtin string) (*Product, error)
	// SearchProducts pages through products matching f, by id.
	SearchProducts(ctx context.Context, f ProductFilter, p Page) ([]*Product, error)
	// UpdateProduct locks the product, runs fn and saves fields and
	// barcodes; a barcode another product owns is ECONFLICT barcode_taken.
	UpdateProduct(ctx context.Context, sku string, fn func(*Product) error) (*Product, error)
}

// StoreItemRepository persists what each store sells at what price.
type StoreItemRepository interface {
	// PutStoreItem creates or replaces the item; a PLU used by another
	// item of the store is ECONFLICT plu_taken.
	PutStoreItem(ctx context.Context, it *StoreItem) error
	StoreItem(ctx context.Context, storeID, productID int64) (*StoreItem, error)
	// ListStoreItems pages through a store's items by product id.
	ListStoreItems(ctx context.Context, storeID int64, p Page) ([]*StoreItem, error)
	// ItemsByProductIDs loads a store's items for the given products at
	// once (pricing a cart); missing ones are absent from the map.
	ItemsByProductIDs(ctx context.Context, storeID int64, productIDs []int64) (map[int64]*StoreItem, error)
	// ItemByGTIN finds, in one read, the product owning a barcode and the
	// store's item for it: ENOTFOUND barcode_unknown when no product has
	// the code, store_item_not_found (with the product) when the store
	// does not sell it.
	ItemByGTIN(ctx context.Context, storeID int64, gtin string) (*StoreItem, error)
	// ItemByPLU finds the weighed item a scale label's PLU names.
	ItemByPLU(ctx context.Context, storeID int64, plu string) (*StoreItem, error)
}

// StockRepository keeps book stock: levels and their ledger.
type StockRepository interface {
	// ApplyMovement changes the level atomically and writes the ledger
	// row, inside the caller's transaction. For a count it sets the level
	// and records the difference. It returns the level before and after.
	ApplyMovement(ctx context.Context, m *StockMovement) (before, after StockLevel, err error)
	// StockLevels pages through a store's levels by product id.
	StockLevels(ctx context.Context, storeID int64, belowReorder bool, p Page) ([]StockLevel, error)
	// Movements pages through one item's ledger, newest last.
	Movements(ctx context.Context, storeID, productID int64, p Page) ([]*StockMovement, error)
	// RecordLowStock stores one low-stock alert per movement (idempotent).
	RecordLowStock(ctx context.Context, a LowStockAlert) error
	// LowStockAlerts pages through a store's alerts by id.
	LowStockAlerts(ctx context.Context, storeID int64, p Page) ([]LowStockAlert, error)
}

// LabelRuleRepository persists each store's scale-label rules.
type LabelRuleRepository interface {
	// CreateLabelRule inserts r for the store after check accepted the
	// store's current rules; the store is locked meanwhile, so two
	// overlapping rules cannot both pass the check.
	CreateLabelRule(ctx context.Context, storeID int64, r *LabelRule, check func(existing []*LabelRule) error) error
	LabelRules(ctx context.Context, storeID int64) ([]*LabelRule, error)
	// DeleteLabelRule removes a rule; ENOTFOUND label_rule_not_found.
	DeleteLabelRule(ctx context.Context, storeID, id int64) error
}
