package domain

import (
	"context"
	"time"
)

// PromotionRepository persists promotions.
type PromotionRepository interface {
	CreatePromotion(ctx context.Context, p *Promotion) error
	PromotionByID(ctx context.Context, id int64) (*Promotion, error)
	ListPromotions(ctx context.Context, p Page) ([]*Promotion, error)
	UpdatePromotion(ctx context.Context, id int64, fn func(*Promotion) error) (*Promotion, error)
	// PromotionsInForce are the active promotions of storeCode (or of all
	// stores) whose window contains now: what pricing considers.
	PromotionsInForce(ctx context.Context, storeCode string, now time.Time) ([]*Promotion, error)
}

// CouponUsage is what CheckUsable needs to know about a coupon and a shopper.
type CouponUsage struct {
	UsedByShopper int  // redeemed or held by open orders
	UsedTotal     int  // the same, over all shoppers
	Granted       bool // granted to this shopper
}

// CouponRepository persists coupons, grants and redemptions.
type CouponRepository interface {
	CreateCoupon(ctx context.Context, c *Coupon) error // ECONFLICT coupon_code_taken
	CouponByCode(ctx context.Context, code string) (*Coupon, error)
	CouponByID(ctx context.Context, id int64) (*Coupon, error)
	ListCoupons(ctx context.Context, p Page) ([]*Coupon, error)
	UpdateCoupon(ctx context.Context, code string, fn func(*Coupon) error) (*Coupon, error)
	// GrantCoupon gives a granted coupon to a shopper (idempotent).
	GrantCoupon(ctx context.Context, couponID, shopperID int64, now time.Time) error
	Usage(ctx context.Context, couponID, shopperID int64) (CouponUsage, error)
	// ShopperCoupons pages through the coupons granted to a shopper.
	ShopperCoupons(ctx context.Context, shopperID int64, p Page) ([]*Coupon, error)
}
