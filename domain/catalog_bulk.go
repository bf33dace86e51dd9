package domain

import "context"

// StoreItemKey names one store item: a store and a product.
type StoreItemKey struct {
	StoreID   int64
	ProductID int64
}

// NewBarcode is a barcode to add to an existing product.
type NewBarcode struct {
	ProductID int64
	Barcode   ProductBarcode
}

// CatalogBatch is what a batch of imported rows changes, worked out in Go
// against the rows as loaded, so one portable set of plain INSERTs and
// UPDATEs saves it on MySQL and SQLite alike (no ON DUPLICATE KEY, which
// MySQL fires on any unique key, not only the one meant).
type CatalogBatch struct {
	NewProducts     []*Product // inserted with their barcodes
	ChangedProducts []*Product // fields and updated_at rewritten
	NewBarcodes     []NewBarcode
	NewItems        []*StoreItem
	ChangedItems    []*StoreItem
}

// Empty reports whether the batch changes nothing.
func (b *CatalogBatch) Empty() bool {
	return len(b.NewProducts)+len(b.ChangedProducts)+len(b.NewBarcodes)+len(b.NewItems)+len(b.ChangedItems) == 0
}

// CatalogBulkRepository reads and writes the catalog many rows at a time,
// for imports and exports, where one query per row would be too slow.
type CatalogBulkRepository interface {
	// LockProductsBySKU loads the products with these SKUs, with their
	// barcodes, locked for update inside the caller's transaction.
	LockProductsBySKU(ctx context.Context, skus []string) ([]*Product, error)
	// BarcodeOwners maps each of gtins that some product has to that
	// product's SKU.
	BarcodeOwners(ctx context.Context, gtins []string) (map[string]string, error)
	// StoreItemsOf loads the items of these stores for these products.
	StoreItemsOf(ctx context.Context, storeIDs, productIDs []int64) (map[StoreItemKey]*StoreItem, error)
	// SaveCatalogBatch writes b inside the caller's transaction. A SKU or
	// barcode taken meanwhile by another writer is ECONFLICT; the caller
	// loads again and retries.
	SaveCatalogBatch(ctx context.Context, b *CatalogBatch) error
	// BarcodesOf loads the barcodes of these products, in the order they
	// were added.
	BarcodesOf(ctx context.Context, productIDs []int64) (map[int64][]ProductBarcode, error)
}
