package app

import (
	"context"

	"github.com/scanpay/scanpay/domain"
)

// Coupons is what staff do with coupons, and the shopper's own list of
// coupons granted to them. Staff rules are those of Promotions: managers
// and admins, a manager only within their stores (a coupon for every
// store needs an admin), and that includes granting a coupon.
type Coupons struct {
	tx       Tx
	repo     domain.CouponRepository
	stores   domain.StoreRepository
	shoppers domain.ShopperRepository
	ids      IDs
	clock    Clock
}

// NewCoupons wires the coupon use cases. shoppers may be nil; grants then
// trust the shopper id they are given instead of looking it up.
func NewCoupons(tx Tx, repo domain.CouponRepository, stores domain.StoreRepository, shoppers domain.ShopperRepository, ids IDs, clock Clock) *Coupons {
	return &Coupons{tx: tx, repo: repo, stores: stores, shoppers: shoppers, ids: ids, clock: clock}
}

// Create adds a coupon with a code nobody else uses (409
// coupon_code_taken). By default it is a code anyone may enter, once per
// shopper, without a budget.
func (u *Coupons) Create(ctx context.Context, actor *domain.Staff, code string, in domain.CouponInput) (*domain.Coupon, error) {
	if err := actor.Authorize(domain.RoleManager, ""); err != nil {
		return nil, err
	}
	in.StartsAt, in.EndsAt = dbTime(in.StartsAt), dbTime(in.EndsAt)
	c, err := domain.NewCoupon(u.ids.NewID(), code, in, u.clock.Now())
	if err != nil {
		return nil, err
	}
	if err := authorizeScope(actor, c.StoreCodes); err != nil {
		return nil, err
	}
	if err := checkStoresExist(ctx, u.stores, c.StoreCodes); err != nil {
		return nil, err
	}
	if err := u.repo.CreateCoupon(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Get returns a coupon the actor may see, by code in any case.
func (u *Coupons) Get(ctx context.Context, actor *domain.Staff, code string) (*domain.Coupon, error) {
	if err := actor.Authorize(domain.RoleManager, ""); err != nil {
		return nil, err
	}
	c, err := u.repo.CouponByCode(ctx, domain.NormalizeCouponCode(code))
	if err != nil {
		return nil, err
	}
	if err := authorizeView(actor, c.StoreCodes); err != nil {
		return nil, err
	}
	return c, nil
}

// List pages through the coupons the actor may see, by id.
func (u *Coupons) List(ctx context.Context, actor *domain.Staff, p domain.Page) (PageResult[*domain.Coupon], error) {
	if err := actor.Authorize(domain.RoleManager, ""); err != nil {
		return PageResult[*domain.Coupon]{}, err
	}
	return fetchVisible(p, func(c *domain.Coupon) int64 { return c.ID },
		func(c *domain.Coupon) bool { return authorizeView(actor, c.StoreCodes) == nil },
		func(p domain.Page) ([]*domain.Coupon, error) { return u.repo.ListCoupons(ctx, p) })
}

// Update changes a coupon with its row locked; the code and the kind stay.
// The actor must be allowed the coupon's scope before and after.
func (u *Coupons) Update(ctx context.Context, actor *domain.Staff, code string, in domain.CouponInput) (*domain.Coupon, error) {
	if err := actor.Authorize(domain.RoleManager, ""); err != nil {
		return nil, err
	}
	in.StartsAt, in.EndsAt = dbTime(in.StartsAt), dbTime(in.EndsAt)
	var out *domain.Coupon
	err := u.tx.WithinTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = u.repo.UpdateCoupon(ctx, domain.NormalizeCouponCode(code), func(c *domain.Coupon) error {
			if err := authorizeScope(actor, c.StoreCodes); err != nil {
				return err
			}
			if err := c.Update(in, u.clock.Now()); err != nil {
				return err
			}
			if err := authorizeScope(actor, c.StoreCodes); err != nil {
				return err
			}
			if in.StoreCodes == nil {
				return nil
			}
			return checkStoresExist(ctx, u.stores, c.StoreCodes)
		})
		return err
	})
	return out, err
}

// Grant gives a granted coupon to a shopper, so it shows in their coupon
// list and only they (and others it was granted to) may apply it.
// Granting twice changes nothing. A code coupon needs no grant: 409
// coupon_not_granted_kind. An unknown shopper is 422 shopper_unknown.
func (u *Coupons) Grant(ctx context.Context, actor *domain.Staff, code string, shopperID int64) error {
	if err := actor.Authorize(domain.RoleManager, ""); err != nil {
		return err
	}
	if shopperID <= 0 {
		return domain.Invalid("grant_invalid", domain.FieldError{Field: "shopper_id", Message: "is required: the shopper's id"})
	}
	c, err := u.repo.CouponByCode(ctx, domain.NormalizeCouponCode(code))
	if err != nil {
		return err
	}
	if err := authorizeScope(actor, c.StoreCodes); err != nil {
		return err
	}
	if !c.Granted {
		return domain.Errorf(domain.ECONFLICT, "coupon_not_granted_kind",
			"coupon %s is a code anyone may enter; only coupons with granted=true are granted", c.Code)
	}
	if u.shoppers != nil {
		if _, err := u.shoppers.ShopperByID(ctx, shopperID); err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return domain.Invalid("shopper_unknown", domain.FieldError{Field: "shopper_id", Message: "no shopper has this id"})
			}
			return err
		}
	}
	return u.repo.GrantCoupon(ctx, c.ID, shopperID, u.clock.Now())
}

// ShopperCoupon is a coupon in a shopper's list, with what is left of it.
type ShopperCoupon struct {
	Coupon *domain.Coupon
	// RemainingUses is how often the shopper may still use it (0 when
	// Problem is set).
	RemainingUses int
	// Problem says why it cannot be used now (an EINVALID error with
	// reason coupon_expired, coupon_not_started, coupon_inactive,
	// coupon_limit_reached or coupon_used_up); nil when it can.
	Problem error
}

// ForShopper pages through the coupons granted to the shopper (GET
// /v1/mp/coupons), each with its remaining uses, by coupon id. Expired and
// used-up coupons stay in the list, marked, so the shopper sees why.
func (u *Coupons) ForShopper(ctx context.Context, shopperID int64, p domain.Page) (PageResult[ShopperCoupon], error) {
	now := u.clock.Now()
	return fetchPage(p, func(sc ShopperCoupon) int64 { return sc.Coupon.ID }, func(p domain.Page) ([]ShopperCoupon, error) {
		coupons, err := u.repo.ShopperCoupons(ctx, shopperID, p)
		if err != nil {
			return nil, err
		}
		out := make([]ShopperCoupon, len(coupons))
		for i, c := range coupons {
			usage, err := u.repo.Usage(ctx, c.ID, shopperID)
			if err != nil {
				return nil, err
			}
			out[i].Coupon = c
			out[i].RemainingUses, out[i].Problem = c.Availability(now, usage)
		}
		return out, nil
	})
}
