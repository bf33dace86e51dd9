package domain

import "time"

// RedemptionStatus is the state of one order's use of a coupon. An open
// order holds the use, payment redeems it, closing (or a full refund)
// releases it; held and redeemed uses count against the limits.
type RedemptionStatus string

const (
	RedemptionHeld     RedemptionStatus = "held"
	RedemptionRedeemed RedemptionStatus = "redeemed"
	RedemptionReleased RedemptionStatus = "released"
)

// Availability is what the shopper's coupon list shows about a granted
// coupon without a cart or a store: how many more times the shopper may use
// it, and, when it cannot be used now, why (an EINVALID error with the
// reason CheckUsable would give). The store is left out: a coupon of some
// stores is usable in those, which the list shows by its store_codes.
func (c *Coupon) Availability(now time.Time, u CouponUsage) (remaining int, problem error) {
	remaining = max(c.PerShopperLimit-u.UsedByShopper, 0)
	if c.TotalLimit > 0 {
		remaining = min(remaining, max(c.TotalLimit-u.UsedTotal, 0))
	}
	anyStore := ""
	if len(c.StoreCodes) > 0 {
		anyStore = c.StoreCodes[0]
	}
	if err := c.CheckUsable(anyStore, now, u.UsedByShopper, u.UsedTotal, u.Granted); err != nil {
		return 0, err
	}
	return remaining, nil
}
