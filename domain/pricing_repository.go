package domain

import (
	"context"
	"time"
)

// PromotionRepository persists promotions.
type PromotionRepository interface {
	CreatePromotion(ctx context.Context, p *Promotion) error
	// PromotionByID is ENOTFOUND promotion_not_found for an unknown id.
	PromotionByID(ctx context.Context, id int64) (*Promotion, error)
	// ListPromotions pages through all promotions by id.
	ListPromotions(ctx context.Context, p Page) ([]*Promotion, error)
	// UpdatePromotion locks the row, runs fn and saves the result, in its
	// own transaction or the caller's; fn's error leaves the row as it was.
	UpdatePromotion(ctx context.Context, id int64, fn func(*Promotion) error) (*Promotion, error)
	// PromotionsInForce are the active promotions of storeCode (or of all
	// stores) whose window contains now: what pricing considers. They come
	// oldest first (created_at, then id).
	PromotionsInForce(ctx context.Context, storeCode string, now time.Time) ([]*Promotion, error)
}

// CouponUsage is what CheckUsable needs to know about a coupon and a shopper.
type CouponUsage struct {
	UsedByShopper int  // redeemed or held by open orders
	UsedTotal     int  // the same, over all shoppers; 0 when the coupon has no total limit (not counted)
	Granted       bool // granted to this shopper
}

// CouponRepository persists coupons, grants and redemptions.
type CouponRepository interface {
	CreateCoupon(ctx context.Context, c *Coupon) error // ECONFLICT coupon_code_taken
	// CouponByCode finds a coupon by its code as stored (upper case, see
	// NormalizeCouponCode); ENOTFOUND coupon_not_found.
	CouponByCode(ctx context.Context, code string) (*Coupon, error)
	CouponByID(ctx context.Context, id int64) (*Coupon, error)
	// ListCoupons pages through all coupons by id.
	ListCoupons(ctx context.Context, p Page) ([]*Coupon, error)
	// UpdateCoupon locks the row, runs fn and saves the result (see
	// UpdatePromotion).
	UpdateCoupon(ctx context.Context, code string, fn func(*Coupon) error) (*Coupon, error)
	// GrantCoupon gives a granted coupon to a shopper (idempotent: a second
	// grant keeps the first one's time).
	GrantCoupon(ctx context.Context, couponID, shopperID int64, now time.Time) error
	// Usage counts the coupon's held and redeemed uses, by the shopper and
	// in all, and says whether it was granted to the shopper.
	Usage(ctx context.Context, couponID, shopperID int64) (CouponUsage, error)
	// ShopperCoupons pages through the coupons granted to a shopper, by
	// coupon id.
	ShopperCoupons(ctx context.Context, shopperID int64, p Page) ([]*Coupon, error)
}
