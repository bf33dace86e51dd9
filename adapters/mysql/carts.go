package mysql

import (
	"context"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
	"gorm.io/gorm/clause"
)

type cartRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement:false"`
	ShopperID  int64
	StoreID    int64
	Version    int
	CouponCode string
	CreatedAt  utcTime
	UpdatedAt  utcTime
}

func (cartRow) TableName() string { return "carts" }

type cartLineRow struct {
	ID          int64 `gorm:"primaryKey;autoIncrement:false"`
	CartID      int64
	ProductID   int64
	SKU         string `gorm:"column:sku"`
	Barcode     string
	Weighed     bool
	Quantity    decimal.Decimal
	LabelCode   *string
	LabelAmount decimal.NullDecimal
	CreatedAt   utcTime
}

func (cartLineRow) TableName() string { return "cart_lines" }

type scanEventRow struct {
	ID        int64 `gorm:"primaryKey;autoIncrement:false"`
	ShopperID int64
	StoreID   int64
	Barcode   string
	Result    string
	ProductID *int64
	CreatedAt utcTime
}

func (scanEventRow) TableName() string { return "scan_events" }

// CartRepo implements domain.CartRepository.
type CartRepo struct{ db *DB }

var _ domain.CartRepository = (*CartRepo)(nil)

// NewCartRepo returns the cart repository on db.
func NewCartRepo(db *DB) *CartRepo { return &CartRepo{db: db} }

// EnsureCart creates the shopper's cart in the store when there is none,
// before (and outside) the transaction that changes it. Creating it inside
// would take a gap lock on the unique index for a row that does not exist
// yet, and shoppers making their first scans at the same moment would
// deadlock on each other's gaps; reading it there first would also fix
// the transaction's snapshot before the cart is locked.
func (r *CartRepo) EnsureCart(ctx context.Context, shopperID, storeID, newID int64, now time.Time) error {
	var ids []int64
	db := r.db.conn(ctx)
	if err := db.Model(&cartRow{}).Where("shopper_id = ? AND store_id = ?", shopperID, storeID).Limit(1).Pluck("id", &ids).Error; err != nil {
		return mapErr(err)
	}
	if len(ids) > 0 {
		return nil
	}
	row := cartRow{ID: newID, ShopperID: shopperID, StoreID: storeID, CreatedAt: utcTime(now), UpdatedAt: utcTime(now)}
	// A concurrent creation of the same cart is absorbed by the unique index.
	err := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "shopper_id"}, {Name: "store_id"}}, DoNothing: true}).Create(&row).Error
	return mapErr(err)
}

// LockCart locks the cart row for the caller's transaction; it must be the
// transaction's first read (see EnsureCart), so the lines read after the
// lock see every committed change. A cart that vanished since EnsureCart
// (checked out) is created again here.
func (r *CartRepo) LockCart(ctx context.Context, shopperID, storeID, newID int64, now time.Time) (*domain.Cart, error) {
	c, err := r.read(ctx, shopperID, storeID, true)
	if err != nil || c.ID != 0 {
		return c, err
	}
	if err := r.EnsureCart(ctx, shopperID, storeID, newID, now); err != nil {
		return nil, err
	}
	return r.read(ctx, shopperID, storeID, true)
}

// Cart reads a cart and its lines without locking.
func (r *CartRepo) Cart(ctx context.Context, shopperID, storeID int64) (*domain.Cart, error) {
	return r.read(ctx, shopperID, storeID, false)
}

func (r *CartRepo) read(ctx context.Context, shopperID, storeID int64, lock bool) (*domain.Cart, error) {
	q := r.db.conn(ctx).Where("shopper_id = ? AND store_id = ?", shopperID, storeID)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var rows []cartRow
	if err := q.Limit(1).Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	if len(rows) == 0 {
		return &domain.Cart{ShopperID: shopperID, StoreID: storeID}, nil
	}
	row := rows[0]
	c := &domain.Cart{ID: row.ID, ShopperID: row.ShopperID, StoreID: row.StoreID, Version: row.Version,
		CouponCode: row.CouponCode, CreatedAt: row.CreatedAt.Time(), UpdatedAt: row.UpdatedAt.Time()}
	var lines []cartLineRow
	// A plain read: with the cart row locked first in the transaction, the
	// snapshot is taken now, after the lock, and sees every committed line.
	// (Locking the lines instead would take gap locks on an empty cart's
	// index range and deadlock first scans against each other.)
	if err := r.db.conn(ctx).Where("cart_id = ?", row.ID).Order("id").Find(&lines).Error; err != nil {
		return nil, mapErr(err)
	}
	for _, l := range lines {
		cl := &domain.CartLine{ID: l.ID, ProductID: l.ProductID, SKU: l.SKU, Barcode: l.Barcode, Weighed: l.Weighed,
			Quantity: l.Quantity, CreatedAt: l.CreatedAt.Time()}
		if l.LabelCode != nil {
			cl.LabelCode = *l.LabelCode
		}
		if l.LabelAmount.Valid {
			a := l.LabelAmount.Decimal
			cl.LabelAmount = &a
		}
		c.Lines = append(c.Lines, cl)
	}
	return c, nil
}

// InsertLine adds a line; a label already in the cart hits the unique
// index and is ECONFLICT label_already_scanned.
func (r *CartRepo) InsertLine(ctx context.Context, cartID int64, l *domain.CartLine) error {
	row := cartLineRow{ID: l.ID, CartID: cartID, ProductID: l.ProductID, SKU: l.SKU, Barcode: l.Barcode,
		Weighed: l.Weighed, Quantity: l.Quantity, CreatedAt: utcTime(l.CreatedAt)}
	if l.LabelCode != "" {
		row.LabelCode = &l.LabelCode
	}
	if l.LabelAmount != nil {
		row.LabelAmount = decimal.NewNullDecimal(*l.LabelAmount)
	}
	if err := r.db.conn(ctx).Create(&row).Error; err != nil {
		if isDuplicate(err) {
			return domain.Errorf(domain.ECONFLICT, "label_already_scanned", "this scale label is already in the cart")
		}
		return mapErr(err)
	}
	return nil
}

// UpdateLineQuantity stores a line's new quantity.
func (r *CartRepo) UpdateLineQuantity(ctx context.Context, cartID int64, l *domain.CartLine) error {
	return mapErr(r.db.conn(ctx).Model(&cartLineRow{}).Where("id = ? AND cart_id = ?", l.ID, cartID).
		Update("quantity", l.Quantity).Error)
}

// DeleteLine removes a line.
func (r *CartRepo) DeleteLine(ctx context.Context, cartID, lineID int64) error {
	return mapErr(r.db.conn(ctx).Where("id = ? AND cart_id = ?", lineID, cartID).Delete(&cartLineRow{}).Error)
}

// DeleteLines removes every line of the cart.
func (r *CartRepo) DeleteLines(ctx context.Context, cartID int64) error {
	return mapErr(r.db.conn(ctx).Where("cart_id = ?", cartID).Delete(&cartLineRow{}).Error)
}

// SaveCartHeader stores the cart's version, coupon and time.
func (r *CartRepo) SaveCartHeader(ctx context.Context, c *domain.Cart) error {
	return mapErr(r.db.conn(ctx).Model(&cartRow{}).Where("id = ?", c.ID).Updates(map[string]any{
		"version": c.Version, "coupon_code": c.CouponCode, "updated_at": utcTime(c.UpdatedAt)}).Error)
}

// RecordScan stores one scan event.
func (r *CartRepo) RecordScan(ctx context.Context, e *domain.ScanEvent) error {
	row := scanEventRow{ID: e.ID, ShopperID: e.ShopperID, StoreID: e.StoreID, Barcode: e.Barcode,
		Result: string(e.Result), CreatedAt: utcTime(e.CreatedAt)}
	if e.ProductID != 0 {
		row.ProductID = &e.ProductID
	}
	return mapErr(r.db.conn(ctx).Create(&row).Error)
}

// UnknownBarcodes aggregates a store's unknown scans per barcode.
func (r *CartRepo) UnknownBarcodes(ctx context.Context, storeID int64, offset, limit int) ([]domain.UnknownBarcode, error) {
	var rows []struct {
		Barcode   string
		N         int
		FirstSeen utcTime
		LastSeen  utcTime
	}
	err := r.db.conn(ctx).Table("scan_events").
		Select("barcode, COUNT(*) AS n, MIN(created_at) AS first_seen, MAX(created_at) AS last_seen").
		Where("store_id = ? AND result = ?", storeID, string(domain.ScanUnknown)).
		Group("barcode").Order("n DESC, barcode").Offset(offset).Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]domain.UnknownBarcode, len(rows))
	for i, row := range rows {
		out[i] = domain.UnknownBarcode{Barcode: row.Barcode, Count: row.N, FirstSeen: row.FirstSeen.Time(), LastSeen: row.LastSeen.Time()}
	}
	return out, nil
}
