package app

import (
	"context"
	"strconv"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// PricedCart is a cart with its prices: the lines as stored, the pricing
// result line by line (same order), and what each line's product is.
type PricedCart struct {
	Cart   *domain.Cart
	Priced domain.PricedCart
	// Items are the store items of the lines, by product id; a line whose
	// item is gone is listed in Unavailable and priced at nothing.
	Items       map[int64]*domain.StoreItem
	Unavailable map[int64]bool
	Coupon      *domain.Coupon
	// CouponProblem says why the cart's coupon does not apply right now.
	CouponProblem error
}

// price prices a cart with the store's current prices, the promotions in
// force and the cart's coupon, as the shopper would pay now.
func (c *Carts) price(ctx context.Context, store *domain.Store, shopper *domain.Shopper, cart *domain.Cart) (*PricedCart, error) {
	now := c.d.Clock.Now()
	ids := make([]int64, 0, len(cart.Lines))
	for _, l := range cart.Lines {
		ids = append(ids, l.ProductID)
	}
	items, err := c.d.Items.ItemsByProductIDs(ctx, store.ID, ids)
	if err != nil {
		return nil, err
	}
	out := &PricedCart{Cart: cart, Items: items, Unavailable: map[int64]bool{}}
	in := domain.PricingInput{StoreCode: store.Code, Member: shopper.Member, Now: now}
	for _, l := range cart.Lines {
		it := items[l.ProductID]
		if it == nil || !it.Active || !it.Product.Active {
			out.Unavailable[l.ID] = true
			continue
		}
		in.Lines = append(in.Lines, domain.PriceLine{ID: l.ID, SKU: it.Product.SKU, Category: it.Product.Category,
			Weighed: l.Weighed, Quantity: l.Quantity, UnitPrice: it.Price, MemberPrice: it.Member, LabelAmount: l.LabelAmount})
	}
	if len(in.Lines) > 0 {
		// Cached for CacheTTL: a promotion ending inside that time is
		// filtered again by Price itself (it checks each window at now).
		in.Promotions, err = c.promotions.get(store.Code, now, func() ([]*domain.Promotion, error) {
			return c.d.Promotions.PromotionsInForce(ctx, store.Code, now)
		})
		if err != nil {
			return nil, err
		}
	}
	if cart.CouponCode != "" {
		out.Coupon, out.CouponProblem, err = c.usableCoupon(ctx, store, shopper, cart.CouponCode, now)
		if err != nil {
			return nil, err
		}
		if out.CouponProblem == nil {
			in.Coupon = out.Coupon
		}
	}
	priced, err := domain.Price(in)
	if err != nil {
		return nil, err
	}
	if out.CouponProblem == nil {
		out.CouponProblem = priced.CouponProblem
	}
	out.Priced = priced
	return out, nil
}

// usableCoupon loads the cart's coupon and checks the shopper may use it
// here and now; problem is the reason it may not (not an error: the cart
// is still priced, without it).
func (c *Carts) usableCoupon(ctx context.Context, store *domain.Store, shopper *domain.Shopper, code string, now time.Time) (coupon *domain.Coupon, problem, err error) {
	coupon, err = c.d.Coupons.CouponByCode(ctx, code)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, domain.Errorf(domain.EINVALID, "coupon_not_found", "no coupon has code %s", code), nil
	}
	if err != nil {
		return nil, nil, err
	}
	usage, err := c.d.Coupons.Usage(ctx, coupon.ID, shopper.ID)
	if err != nil {
		return nil, nil, err
	}
	return coupon, coupon.CheckUsable(store.Code, now, usage.UsedByShopper, usage.UsedTotal, usage.Granted), nil
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
