package mysql

import (
	"context"
	"time"

	"github.com/scanpay/scanpay/domain"
)

type couponRedemptionRow struct {
	ID        int64 `gorm:"primaryKey;autoIncrement:false"`
	CouponID  int64
	ShopperID int64
	OrderNo   string
	Status    string
	CreatedAt utcTime
	UpdatedAt utcTime
}

func (couponRedemptionRow) TableName() string { return "coupon_redemptions" }

var _ domain.CouponRedemptionRepository = (*CouponRepo)(nil)

// HoldCoupon records the order's use of a coupon while its limits are
// checked under the coupon's row lock, so parallel checkouts cannot both
// take the last use. The coupon row exists (its id comes from a priced
// cart), so the lock is a record lock and never a gap lock.
//
// The uses are counted with locking reads, which see the latest committed
// rows whatever snapshot the caller's transaction already holds (checkout
// has read the cart and prices before it gets here). Every holder of this
// coupon queues on its row lock first, so their range locks cannot
// deadlock one another.
func (r *CouponRepo) HoldCoupon(ctx context.Context, id, couponID, shopperID int64, orderNo string, now time.Time,
	check func(*domain.Coupon, domain.CouponUsage) error) error {
	return r.db.WithinTx(ctx, func(ctx context.Context) error {
		c, err := r.load(ctx, r.db.conn(ctx).Where("id = ?", couponID), true)
		if err != nil {
			return err
		}
		u, err := r.Usage(ctx, couponID, shopperID)
		if err != nil {
			return err
		}
		if u.UsedByShopper, u.UsedTotal, err = r.lockedUses(ctx, c, shopperID); err != nil {
			return err
		}
		if err := check(c, u); err != nil {
			return err
		}
		row := couponRedemptionRow{ID: id, CouponID: couponID, ShopperID: shopperID, OrderNo: orderNo,
			Status: string(domain.RedemptionHeld), CreatedAt: utcTime(now), UpdatedAt: utcTime(now)}
		if err := r.db.conn(ctx).Create(&row).Error; err != nil {
			return conflictOr(err, "coupon_already_held", "order "+orderNo+" already uses a coupon")
		}
		return nil
	})
}

// SettleCoupon moves the order's use on (held to redeemed when paid, to
// released when closed or refunded) with a conditional update, so a
// repeated or late settlement changes nothing and says so.
func (r *CouponRepo) SettleCoupon(ctx context.Context, orderNo string, from []domain.RedemptionStatus, to domain.RedemptionStatus, now time.Time) (bool, error) {
	if len(from) == 0 {
		return false, nil
	}
	states := make([]string, len(from))
	for i, s := range from {
		states[i] = string(s)
	}
	res := r.db.conn(ctx).Model(&couponRedemptionRow{}).Where("order_no = ? AND status IN ?", orderNo, states).
		Updates(map[string]any{"status": string(to), "updated_at": utcTime(now)})
	if res.Error != nil {
		return false, mapErr(res.Error)
	}
	return res.RowsAffected > 0, nil
}

// lockedUses counts the coupon's live uses by the shopper and, when it has
// a total limit, by everyone, with locking reads (plain reads on SQLite,
// which has one writer).
func (r *CouponRepo) lockedUses(ctx context.Context, c *domain.Coupon, shopperID int64) (byShopper, total int, err error) {
	live := []string{string(domain.RedemptionHeld), string(domain.RedemptionRedeemed)}
	lock := ""
	if r.db.Dialect == DialectMySQL {
		lock = " FOR UPDATE"
	}
	count := func(where string, args ...any) (int, error) {
		var n int64
		err := r.db.conn(ctx).Raw("SELECT COUNT(*) FROM coupon_redemptions WHERE "+where+lock, args...).Scan(&n).Error
		return int(n), mapErr(err)
	}
	if byShopper, err = count("coupon_id = ? AND status IN ? AND shopper_id = ?", c.ID, live, shopperID); err != nil {
		return 0, 0, err
	}
	if c.TotalLimit > 0 {
		if total, err = count("coupon_id = ? AND status IN ?", c.ID, live); err != nil {
			return 0, 0, err
		}
	}
	return byShopper, total, nil
}
