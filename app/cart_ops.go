package app

import (
	"context"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// Get prices the shopper's cart in a store. Reading needs no visit: the
// shopper may look at the cart on the way out.
func (c *Carts) Get(ctx context.Context, shopper *domain.Shopper, storeCode string) (*PricedCart, error) {
	store, err := c.d.Stores.StoreByCode(ctx, storeCode)
	if err != nil {
		return nil, err
	}
	cart, err := c.d.Carts.Cart(ctx, shopper.ID, store.ID)
	if err != nil {
		return nil, err
	}
	cart.StoreCode = store.Code
	return c.price(ctx, store, shopper, cart)
}

// SetQuantity changes a packaged line's quantity. A bigger quantity is
// held to the basket cap as a scan is; a smaller one is never refused, even
// in a cart a price rise has since taken over the cap.
func (c *Carts) SetQuantity(ctx context.Context, shopper *domain.Shopper, storeCode string, lineID int64, qty int) (*PricedCart, error) {
	return c.change(ctx, shopper, storeCode, func(cart *domain.Cart, store *domain.Store) (cartWrite, error) {
		before := decimal.Zero
		for _, l := range cart.Lines {
			if l.ID == lineID {
				before = l.Quantity
			}
		}
		l, err := cart.SetQuantity(lineID, qty, store, c.d.Clock.Now())
		if err != nil {
			return nil, err
		}
		grows := l.Quantity.GreaterThan(before)
		return func(ctx context.Context, priced *PricedCart) error {
			if grows {
				if err := domain.CheckBasketCap(priced.Priced.Total, store); err != nil {
					return err
				}
			}
			return c.d.Carts.UpdateLineQuantity(ctx, cart.ID, l)
		}, nil
	})
}

// RemoveLine drops a line from the cart.
func (c *Carts) RemoveLine(ctx context.Context, shopper *domain.Shopper, storeCode string, lineID int64) (*PricedCart, error) {
	return c.change(ctx, shopper, storeCode, func(cart *domain.Cart, _ *domain.Store) (cartWrite, error) {
		if err := cart.RemoveLine(lineID, c.d.Clock.Now()); err != nil {
			return nil, err
		}
		return func(ctx context.Context, _ *PricedCart) error { return c.d.Carts.DeleteLine(ctx, cart.ID, lineID) }, nil
	})
}

// ApplyCoupon puts a coupon on the cart. A coupon that would not apply
// (expired, used up, not this shopper's, below its minimum spend) is
// refused with its reason rather than kept silently unused.
func (c *Carts) ApplyCoupon(ctx context.Context, shopper *domain.Shopper, storeCode, code string) (*PricedCart, error) {
	code = domain.NormalizeCouponCode(code)
	if code == "" {
		return nil, domain.Invalid("coupon_invalid", domain.FieldError{Field: "code", Message: "is required"})
	}
	return c.change(ctx, shopper, storeCode, func(cart *domain.Cart, _ *domain.Store) (cartWrite, error) {
		cart.SetCoupon(code, c.d.Clock.Now())
		return func(_ context.Context, priced *PricedCart) error {
			if priced.CouponProblem != nil {
				return fieldError("code", priced.CouponProblem)
			}
			return nil
		}, nil
	})
}

// RemoveCoupon takes the coupon off the cart.
func (c *Carts) RemoveCoupon(ctx context.Context, shopper *domain.Shopper, storeCode string) (*PricedCart, error) {
	return c.change(ctx, shopper, storeCode, func(cart *domain.Cart, _ *domain.Store) (cartWrite, error) {
		cart.SetCoupon("", c.d.Clock.Now())
		return func(context.Context, *PricedCart) error { return nil }, nil
	})
}

// cartWrite stores one cart change, given the cart as now priced; it may
// still refuse the change (a cap), and the transaction is rolled back.
type cartWrite func(ctx context.Context, priced *PricedCart) error

// change runs one cart change with the cart locked: fn edits the domain
// cart and returns the write that stores it; the header (version) follows.
func (c *Carts) change(ctx context.Context, shopper *domain.Shopper, storeCode string,
	fn func(*domain.Cart, *domain.Store) (cartWrite, error)) (*PricedCart, error) {
	_, store, err := c.d.Visits.Require(ctx, shopper.ID, storeCode)
	if err != nil {
		return nil, err
	}
	if err := c.d.Carts.EnsureCart(ctx, shopper.ID, store.ID, c.d.IDs.NewID(), c.d.Clock.Now()); err != nil {
		return nil, err
	}
	var out *PricedCart
	err = c.d.Tx.WithinTx(ctx, func(ctx context.Context) error {
		// The cart lock comes first in the transaction (see LockCart).
		cart, err := c.d.Carts.LockCart(ctx, shopper.ID, store.ID, c.d.IDs.NewID(), c.d.Clock.Now())
		if err != nil {
			return err
		}
		cart.StoreCode = store.Code
		write, err := fn(cart, store)
		if err != nil {
			return err
		}
		if out, err = c.price(ctx, store, shopper, cart); err != nil {
			return err
		}
		if err := write(ctx, out); err != nil {
			return err
		}
		return c.d.Carts.SaveCartHeader(ctx, cart)
	})
	return out, err
}

// UnknownBarcodes reports the barcodes shoppers scanned in a store that
// matched nothing, most scanned first, so staff can fix the catalog
// (manager). The cursor is an offset into that ranking.
func (c *Carts) UnknownBarcodes(ctx context.Context, actor *domain.Staff, storeCode string, p domain.Page) (PageResult[domain.UnknownBarcode], error) {
	if err := actor.Authorize(domain.RoleManager, storeCode); err != nil {
		return PageResult[domain.UnknownBarcode]{}, err
	}
	store, err := c.d.Stores.StoreByCode(ctx, storeCode)
	if err != nil {
		return PageResult[domain.UnknownBarcode]{}, err
	}
	if p.Limit <= 0 || p.Limit > domain.MaxPageLimit {
		p.Limit = domain.DefaultPageLimit
	}
	rows, err := c.d.Carts.UnknownBarcodes(ctx, store.ID, int(p.After), p.Limit+1)
	if err != nil {
		return PageResult[domain.UnknownBarcode]{}, err
	}
	res := PageResult[domain.UnknownBarcode]{Items: rows}
	if len(rows) > p.Limit {
		res.Items, res.NextAfter = rows[:p.Limit], p.After+int64(p.Limit)
	}
	return res, nil
}
