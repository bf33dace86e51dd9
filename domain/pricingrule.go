package domain

import (
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// Checks and arithmetic shared by promotions, coupons and the pricing.

var oneCent = decimal.New(1, -2)

// roundCents rounds to 0.01 half-up, the one rounding DESIGN §4 allows.
// shopspring rounds half away from zero, which is half-up for the
// non-negative amounts pricing rounds.
func roundCents(d decimal.Decimal) decimal.Decimal { return d.Round(2) }

// clampAmount bounds a computed discount to [0, most]: discounts never take
// more than what is left, and a rule that gives nothing gives zero.
func clampAmount(d, most decimal.Decimal) decimal.Decimal {
	if d.IsNegative() {
		return decimal.Zero
	}
	return decimal.Min(d, most)
}

// checkPercent requires 0 < p < 100 with at most 2 decimals: 100 % off is a
// gift, which is not what a promotion or coupon is for.
func checkPercent(fe *Fields, field string, p decimal.Decimal) {
	if !p.IsPositive() || !p.LessThan(hundredPercent) || !p.Equal(p.Round(2)) {
		fe.Add(field, "must be more than 0 and less than 100, with at most 2 decimals, such as \"12.5\"")
	}
}

// checkCount requires a whole number of pieces in [least, 999].
func checkCount(fe *Fields, field string, n, least int) {
	if n < least || n > maxPromotionQuantity {
		fe.Add(field, "must be between %d and %d", least, maxPromotionQuantity)
	}
}

// checkStoreScope checks a normalised list of store codes.
func checkStoreScope(fe *Fields, codes []string) {
	if len(codes) > maxScopeStores {
		fe.Add("store_codes", "at most %d stores", maxScopeStores)
	}
	for _, c := range codes {
		if !storeCodePattern.MatchString(c) {
			fe.Add("store_codes", "%q is not a store code", c)
			break
		}
	}
}

// checkWindow requires both ends of a validity window, start before end.
func checkWindow(fe *Fields, starts, ends time.Time) {
	if starts.IsZero() {
		fe.Add("starts_at", "is required")
	}
	if ends.IsZero() {
		fe.Add("ends_at", "is required")
	}
	if !starts.IsZero() && !ends.IsZero() && !ends.After(starts) {
		fe.Add("ends_at", "must be after starts_at")
	}
}

// inStoreScope reports whether a store is in a scope; empty means all.
func inStoreScope(codes []string, store string) bool {
	return len(codes) == 0 || slices.Contains(codes, store)
}
