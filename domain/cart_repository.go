package domain

import (
	"context"
	"time"
)

// CartRepository persists carts, their lines and scan events. Changes are
// made line by line (a scan touches one line), inside the caller's
// transaction, with the cart row locked by LockCart.
type CartRepository interface {
	// EnsureCart creates an empty cart with newID when the shopper has none
	// in the store; call it before the transaction that locks the cart.
	EnsureCart(ctx context.Context, shopperID, storeID, newID int64, now time.Time) error
	// LockCart returns the shopper's cart in the store locked until the
	// transaction ends, so two phones of one shopper take turns.
	LockCart(ctx context.Context, shopperID, storeID, newID int64, now time.Time) (*Cart, error)
	// Cart reads the cart without locking; a missing cart is an empty one
	// with ID 0.
	Cart(ctx context.Context, shopperID, storeID int64) (*Cart, error)
	InsertLine(ctx context.Context, cartID int64, l *CartLine) error
	UpdateLineQuantity(ctx context.Context, cartID int64, l *CartLine) error
	DeleteLine(ctx context.Context, cartID, lineID int64) error
	// DeleteLines empties a cart (checkout consumed it).
	DeleteLines(ctx context.Context, cartID int64) error
	// SaveCartHeader stores version, coupon and updated_at.
	SaveCartHeader(ctx context.Context, c *Cart) error
	RecordScan(ctx context.Context, e *ScanEvent) error
	// UnknownBarcodes counts a store's unknown scans per barcode, most
	// scanned first.
	UnknownBarcodes(ctx context.Context, storeID int64, offset, limit int) ([]UnknownBarcode, error)
}
