package app

import (
	"context"
	"strings"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// VisitGate says whether a shopper is in a store right now (app.Visits).
type VisitGate interface {
	// Require returns the shopper's active visit of the store (extending
	// it) and the store, or ECONFLICT visit_required.
	Require(ctx context.Context, shopperID int64, storeCode string) (*domain.Visit, *domain.Store, error)
}

// ScanLimits bound how fast one shopper may scan (Redis, shared by every
// API process), so a script cannot flood a cart or the scan log.
type ScanLimits struct {
	PerShopper int
	Window     time.Duration
}

// CartDeps are the repositories and ports the cart use cases need.
type CartDeps struct {
	Tx         Tx
	Stores     domain.StoreRepository
	Items      domain.StoreItemRepository
	LabelRules domain.LabelRuleRepository
	Carts      domain.CartRepository
	Promotions domain.PromotionRepository
	Coupons    domain.CouponRepository
	Visits     VisitGate
	Limiter    RateLimiter
	IDs        IDs
	Clock      Clock
	// CacheTTL keeps label rules and promotions in force per store this
	// long (0: no cache), see ttlCache.
	CacheTTL time.Duration
}

// Carts is what a shopper does with their cart: scan, change, price.
type Carts struct {
	d          CartDeps
	limits     ScanLimits
	rules      *ttlCache[int64, []*domain.LabelRule]
	promotions *ttlCache[string, []*domain.Promotion]
}

// NewCarts wires the cart use cases.
func NewCarts(d CartDeps, limits ScanLimits) *Carts {
	return &Carts{d: d, limits: limits, rules: newTTLCache[int64, []*domain.LabelRule](d.CacheTTL),
		promotions: newTTLCache[string, []*domain.Promotion](d.CacheTTL)}
}

// ScanOutcome is a scan's line and the cart it is now in.
type ScanOutcome struct {
	Line *domain.CartLine
	Cart *PricedCart
}

// Scan adds what a barcode names to the shopper's cart: a packaged
// product (merged into its line) or a scale label (a line of its own).
// Every scan, added or not, is logged for the store's reports.
func (c *Carts) Scan(ctx context.Context, shopper *domain.Shopper, storeCode, barcode string, qty int) (*ScanOutcome, error) {
	barcode = strings.TrimSpace(barcode)
	if err := c.throttle(ctx, shopper.ID); err != nil {
		return nil, err
	}
	if barcode == "" || len(barcode) > 32 {
		return nil, domain.Invalid("barcode_format", domain.FieldError{Field: "barcode", Message: "must be 1-32 characters"})
	}
	_, store, err := c.d.Visits.Require(ctx, shopper.ID, storeCode)
	if err != nil {
		return nil, err
	}
	target, result, err := c.resolve(ctx, store, barcode)
	if err != nil {
		c.logScan(ctx, shopper, store, barcode, result, 0)
		return nil, err
	}
	if err := c.d.Carts.EnsureCart(ctx, shopper.ID, store.ID, c.d.IDs.NewID(), c.d.Clock.Now()); err != nil {
		return nil, err
	}
	var out *ScanOutcome
	err = c.d.Tx.WithinTx(ctx, func(ctx context.Context) error {
		now := c.d.Clock.Now()
		cart, err := c.d.Carts.LockCart(ctx, shopper.ID, store.ID, c.d.IDs.NewID(), now)
		if err != nil {
			return err
		}
		cart.StoreCode = store.Code
		lineID := c.d.IDs.NewID()
		var line *domain.CartLine
		if target.label != nil {
			line, err = cart.AddLabel(lineID, target.item.Product, barcode, target.quantity, target.label.Amount, store, now)
		} else {
			line, err = cart.AddItem(lineID, target.item.Product, barcode, qty, store, now)
		}
		if err != nil {
			return err
		}
		priced, err := c.price(ctx, store, shopper, cart)
		if err != nil {
			return err
		}
		if err := domain.CheckBasketCap(priced.Priced.Total, store); err != nil {
			return err
		}
		if line.ID == lineID {
			err = c.d.Carts.InsertLine(ctx, cart.ID, line)
		} else {
			err = c.d.Carts.UpdateLineQuantity(ctx, cart.ID, line)
		}
		if err != nil {
			return err
		}
		if err := c.d.Carts.SaveCartHeader(ctx, cart); err != nil {
			return err
		}
		out = &ScanOutcome{Line: line, Cart: priced}
		return c.d.Carts.RecordScan(ctx, &domain.ScanEvent{ID: c.d.IDs.NewID(), ShopperID: shopper.ID, StoreID: store.ID,
			Barcode: barcode, Result: domain.ScanAdded, ProductID: line.ProductID, CreatedAt: now})
	})
	if err != nil {
		c.logScan(ctx, shopper, store, barcode, domain.ScanRefused, target.item.Product.ID)
		return nil, err
	}
	return out, nil
}

func (c *Carts) throttle(ctx context.Context, shopperID int64) error {
	if c.limits.PerShopper <= 0 {
		return nil
	}
	d, err := c.d.Limiter.Hit(ctx, "scan:"+itoa64(shopperID), c.limits.PerShopper, c.limits.Window)
	if err != nil {
		return err
	}
	if !d.Allowed {
		return &domain.Error{Code: domain.ETOOMANY, Reason: "scan_rate_limited", RetryAfterSeconds: retrySeconds(d.RetryAfter),
			Message: "scanning too fast; wait a moment"}
	}
	return nil
}

// logScan records a scan that added nothing. It runs outside the failed
// transaction and never fails the request: the shopper's answer matters
// more than the report.
func (c *Carts) logScan(ctx context.Context, shopper *domain.Shopper, store *domain.Store, barcode string, result domain.ScanResult, productID int64) {
	_ = c.d.Carts.RecordScan(ctx, &domain.ScanEvent{ID: c.d.IDs.NewID(), ShopperID: shopper.ID, StoreID: store.ID,
		Barcode: barcode, Result: result, ProductID: productID, CreatedAt: c.d.Clock.Now()})
}
