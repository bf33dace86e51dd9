package domain_test

import (
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
)

func TestPriceThreshold(t *testing.T) {
	lines := []domain.PriceLine{pieces(1, "MILK", "4", "15.00"), pieces(2, "WINE", "1", "45.00")}
	tenOff := promo(t, 1, on(percentOff("10"), "MILK")) // 60.00 × 10 % = 6.00
	runPricingCases(t, []pricingCase{
		{name: "on nets after item promotions, largest eligible", lines: lines, promos: []*domain.Promotion{
			tenOff,
			promo(t, 10, threshold("50.00", "5.00")),
			promo(t, 11, threshold("100.00", "12.00")), // list 105.00, but nets 99.00 < 100
			promo(t, 12, threshold("20.00", "3.00")),   // eligible, smaller
		}, want: []string{
			// D = 5.00 over nets 54.00 / 45.00 (N = 99.00); anchor line 1 (largest)
			// line 2: round(5.00 × 45.00 / 99.00 = 2.2727) = 2.27; line 1: 5.00 − 2.27 = 2.73
			"1: unit 15.00 list 60.00 percent_off#1 6.00 threshold#10 2.73 net 51.27",
			"2: unit 45.00 list 45.00 threshold#10 2.27 net 42.73",
			"subtotal 105.00 discounts 11.00 total 94.00 threshold#10 5.00",
		}},
		{name: "none reached", lines: lines, promos: []*domain.Promotion{promo(t, 11, threshold("200.00", "12.00"))},
			want: []string{"1: unit 15.00 list 60.00 net 60.00", "2: unit 45.00 list 45.00 net 45.00", "subtotal 105.00 discounts 0.00 total 105.00"}},
		{name: "min_amount = net is reached", lines: lines, promos: []*domain.Promotion{promo(t, 11, threshold("105.00", "10.50"))},
			// line 1: round(10.50 × 60 / 105 = 6.00); anchor line 1 gets 10.50 − 4.50 = 6.00
			want: []string{
				"1: unit 15.00 list 60.00 threshold#11 6.00 net 54.00",
				"2: unit 45.00 list 45.00 threshold#11 4.50 net 40.50",
				"subtotal 105.00 discounts 10.50 total 94.50 threshold#11 10.50",
			}},
		{name: "tie: the older", lines: lines, promos: []*domain.Promotion{
			promo(t, 21, threshold("60.00", "5.00")), promo(t, 20, threshold("50.00", "5.00")),
		}, want: []string{
			// 5.00 over 60/45: line 2 round(2.142857) = 2.14, line 1 2.86
			"1: unit 15.00 list 60.00 threshold#20 2.86 net 57.14",
			"2: unit 45.00 list 45.00 threshold#20 2.14 net 42.86",
			"subtotal 105.00 discounts 5.00 total 100.00 threshold#20 5.00",
		}},
		{name: "empty cart reaches none", promos: []*domain.Promotion{promo(t, 20, threshold("50.00", "5.00"))},
			want: []string{"subtotal 0.00 discounts 0.00 total 0.00"}},
	})
}

func TestPriceCoupon(t *testing.T) {
	lines := []domain.PriceLine{pieces(1, "MILK", "3", "3.50"), pieces(2, "CHEESE", "1", "12.00")} // 22.50
	welcome := coupon(t, 7, "WELCOME5", amountCoupon("5.00", "20.00"))
	expired := coupon(t, 8, "OLD", amountCoupon("5.00", "0"))
	expired.EndsAt = priceNow
	runPricingCases(t, []pricingCase{
		{name: "amount", lines: lines, coupon: welcome, want: []string{
			// 5.00 over 10.50 / 12.00 (N = 22.50): line 1 round(2.3333) = 2.33, anchor line 2 2.67
			"1: unit 3.50 list 10.50 coupon#7 2.33 net 8.17",
			"2: unit 12.00 list 12.00 coupon#7 2.67 net 9.33",
			"subtotal 22.50 discounts 5.00 total 17.50 coupon WELCOME5 5.00",
		}},
		{name: "below min spend: priced without, with the reason", lines: lines[1:], coupon: welcome, want: []string{
			"2: unit 12.00 list 12.00 net 12.00",
			"subtotal 12.00 discounts 0.00 total 12.00 problem coupon_min_spend",
		}},
		{name: "min spend is checked after the threshold", lines: []domain.PriceLine{pieces(1, "WINE", "1", "60.00")},
			promos: []*domain.Promotion{promo(t, 10, threshold("50.00", "5.00"))},
			coupon: coupon(t, 7, "SPEND58", amountCoupon("3.00", "58.00")), // 55.00 < 58.00
			want: []string{
				"1: unit 60.00 list 60.00 threshold#10 5.00 net 55.00",
				"subtotal 60.00 discounts 5.00 total 55.00 threshold#10 5.00 problem coupon_min_spend",
			}},
		{name: "amount above the basket takes the basket", lines: []domain.PriceLine{pieces(1, "GUM", "2", "3.50")},
			coupon: coupon(t, 7, "BIG20", amountCoupon("20.00", "0")),
			want:   []string{"1: unit 3.50 list 7.00 coupon#7 7.00 net 0.00", "subtotal 7.00 discounts 7.00 total 0.00 coupon BIG20 7.00"}},
		{name: "percent capped by max_discount", lines: []domain.PriceLine{pieces(1, "RICE", "1", "45.50")},
			coupon: coupon(t, 7, "TEN", percentCoupon("10", "3.00", "0")), // 4.55 → 3.00
			want:   []string{"1: unit 45.50 list 45.50 coupon#7 3.00 net 42.50", "subtotal 45.50 discounts 3.00 total 42.50 coupon TEN 3.00"}},
		{name: "percent half-up under the cap", lines: []domain.PriceLine{pieces(1, "OIL", "1", "12.35")},
			coupon: coupon(t, 7, "TEN", percentCoupon("10", "3.00", "0")), // 1.235 → 1.24
			want:   []string{"1: unit 12.35 list 12.35 coupon#7 1.24 net 11.11", "subtotal 12.35 discounts 1.24 total 11.11 coupon TEN 1.24"}},
		{name: "expired in the cart", lines: lines[1:], coupon: expired,
			want: []string{"2: unit 12.00 list 12.00 net 12.00", "subtotal 12.00 discounts 0.00 total 12.00 problem coupon_expired"}},
		{name: "empty cart: nothing to discount", coupon: coupon(t, 7, "FREE", amountCoupon("5.00", "0")),
			want: []string{"subtotal 0.00 discounts 0.00 total 0.00 problem coupon_no_discount"}},
		{name: "a 0.00 percent is not applied", lines: []domain.PriceLine{pieces(1, "GUM", "1", "0.04")},
			coupon: coupon(t, 7, "TEN", percentCoupon("10", "", "0")), // 0.004 → 0.00
			want:   []string{"1: unit 0.04 list 0.04 net 0.04", "subtotal 0.04 discounts 0.00 total 0.04 problem coupon_no_discount"}},
	})
}

// TestPriceAllocation pins step 5 with amount coupons (D = the amount).
func TestPriceAllocation(t *testing.T) {
	c := func(amount string) *domain.Coupon { return coupon(t, 7, "CUT", amountCoupon(amount, "0")) }
	p := func(id int64, price string) domain.PriceLine { return pieces(id, "SKU", "1", price) }
	runPricingCases(t, []pricingCase{
		{name: "0.01 over three equal lines: the first takes it", coupon: c("0.01"),
			lines: []domain.PriceLine{p(1, "1.00"), p(2, "1.00"), p(3, "1.00")},
			// others round(0.01 / 3 = 0.0033) = 0.00; anchor = first of the equals
			want: []string{"1: unit 1.00 list 1.00 coupon#7 0.01 net 0.99", "2: unit 1.00 list 1.00 net 1.00",
				"3: unit 1.00 list 1.00 net 1.00", "subtotal 3.00 discounts 0.01 total 2.99 coupon CUT 0.01"}},
		{name: "10.00 over 3.33/3.33/3.34: all of it", coupon: c("10.00"),
			lines: []domain.PriceLine{p(1, "3.33"), p(2, "3.33"), p(3, "3.34")},
			// round(10 × 3.33 / 10) = 3.33 twice; anchor 3.34 gets 10.00 − 6.66 = 3.34
			want: []string{"1: unit 3.33 list 3.33 coupon#7 3.33 net 0.00", "2: unit 3.33 list 3.33 coupon#7 3.33 net 0.00",
				"3: unit 3.34 list 3.34 coupon#7 3.34 net 0.00", "subtotal 10.00 discounts 10.00 total 0.00 coupon CUT 10.00"}},
		{name: "1.00 over 3.33/3.33/3.34", coupon: c("1.00"),
			lines: []domain.PriceLine{p(1, "3.33"), p(2, "3.33"), p(3, "3.34")},
			// round(0.333) = 0.33 twice; the largest takes 0.34
			want: []string{"1: unit 3.33 list 3.33 coupon#7 0.33 net 3.00", "2: unit 3.33 list 3.33 coupon#7 0.33 net 3.00",
				"3: unit 3.34 list 3.34 coupon#7 0.34 net 3.00", "subtotal 10.00 discounts 1.00 total 9.00 coupon CUT 1.00"}},
		{name: "remainder to the largest, first among equals", coupon: c("0.10"),
			lines: []domain.PriceLine{p(1, "1.00"), p(2, "3.00"), p(3, "3.00")},
			// N = 7.00: line 1 round(0.0143) = 0.01, line 3 round(0.0429) = 0.04; anchor line 2: 0.05
			want: []string{"1: unit 1.00 list 1.00 coupon#7 0.01 net 0.99", "2: unit 3.00 list 3.00 coupon#7 0.05 net 2.95",
				"3: unit 3.00 list 3.00 coupon#7 0.04 net 2.96", "subtotal 7.00 discounts 0.10 total 6.90 coupon CUT 0.10"}},
		{name: "guard: rounding up would overspend", coupon: c("0.02"),
			lines: []domain.PriceLine{p(1, "1.00"), p(2, "1.00"), p(3, "1.00"), p(4, "1.00")},
			// 0.005 → 0.01 for lines 2-4 = 0.03 > 0.02: line 2 (first among the equal
			// errors) gives its cent back; the anchor's remainder is 0.00
			want: []string{"1: unit 1.00 list 1.00 net 1.00", "2: unit 1.00 list 1.00 net 1.00",
				"3: unit 1.00 list 1.00 coupon#7 0.01 net 0.99", "4: unit 1.00 list 1.00 coupon#7 0.01 net 0.99",
				"subtotal 4.00 discounts 0.02 total 3.98 coupon CUT 0.02"}},
		{name: "guard: rounding down would overfill the anchor", coupon: c("0.02"),
			lines: []domain.PriceLine{p(1, "0.01"), p(2, "0.01"), p(3, "0.01"), p(4, "0.01"), p(5, "0.01")},
			// 0.004 → 0.00 for lines 2-5, remainder 0.02 > the anchor's 0.01:
			// line 2 takes a cent more
			want: []string{"1: unit 0.01 list 0.01 coupon#7 0.01 net 0.00", "2: unit 0.01 list 0.01 coupon#7 0.01 net 0.00",
				"3: unit 0.01 list 0.01 net 0.01", "4: unit 0.01 list 0.01 net 0.01", "5: unit 0.01 list 0.01 net 0.01",
				"subtotal 0.05 discounts 0.02 total 0.03 coupon CUT 0.02"}},
		{name: "zero nets get no share", coupon: c("1.00"),
			lines: []domain.PriceLine{withLabel(weighed(1, "HERB", "0.001", "1.00"), "0.00"), p(2, "5.00")},
			want: []string{"1: unit 1.00 list 0.00 net 0.00", "2: unit 5.00 list 5.00 coupon#7 1.00 net 4.00",
				"subtotal 5.00 discounts 1.00 total 4.00 coupon CUT 1.00"}},
	})
}

// TestPriceEverythingTogether is a basket with every step at work.
func TestPriceEverythingTogether(t *testing.T) {
	runPricingCases(t, []pricingCase{{
		name: "member, labels, weighed, item, threshold and coupon", member: true,
		lines: []domain.PriceLine{
			withMember(pieces(1, "MILK", "3", "4.50"), "4.20"),                               // 3 × 4.20 = 12.60
			withCategory(weighed(2, "APPLE", "1.234", "9.98"), "fruit"),                      // 12.31532 → 12.32
			withLabel(withCategory(weighed(3, "SALMON", "0.512", "75.98"), "fish"), "38.88"), // as printed
			pieces(4, "COLA", "4", "3.00"),                                                   // 12.00
		},
		promos: []*domain.Promotion{
			promo(t, 1, on(multiBuy(3, "11.00"), "MILK")),    // 1 × (12.60 − 11.00) = 1.60
			promo(t, 2, on(percentOff("20"), "cat:fruit")),   // 12.32 × 20 % = 2.464 → 2.46
			promo(t, 3, on(specialPrice("60.00"), "SALMON")), // weighed: not applicable
			promo(t, 4, on(buyGet(3, 1), "COLA")),            // 1 × 1 × 3.00 = 3.00
			promo(t, 5, on(percentOff("10"), "COLA")),        // 1.20 < 3.00
			promo(t, 10, threshold("50.00", "5.00")),         // nets 68.74 ≥ 50
			promo(t, 11, threshold("70.00", "8.00")),         // 68.74 < 70 (subtotal 75.80 would reach it)
		},
		// Threshold 5.00 over 11.00 / 9.86 / 38.88 / 9.00 (N = 68.74), anchor line 3:
		//   55.00/68.74 = 0.8001 → 0.80; 49.30/68.74 = 0.7172 → 0.72; 45.00/68.74 = 0.6546 → 0.65;
		//   line 3: 5.00 − 2.17 = 2.83. Nets 10.20 / 9.14 / 36.05 / 8.35 = 63.74.
		// Coupon 10 % of 63.74 = 6.374 → 6.37, capped at 5.00; min spend 60 ≤ 63.74.
		//   51.00/63.74 = 0.8001 → 0.80; 45.70/63.74 = 0.71697 → 0.72; 41.75/63.74 = 0.655005 → 0.66;
		//   line 3: 5.00 − 2.18 = 2.82.
		coupon: coupon(t, 7, "TEN", percentCoupon("10", "5.00", "60.00")),
		want: []string{
			"1: unit 4.20 list 12.60 multi_buy#1 1.60 threshold#10 0.80 coupon#7 0.80 net 9.40",
			"2: unit 9.98 list 12.32 percent_off#2 2.46 threshold#10 0.72 coupon#7 0.72 net 8.42",
			"3: unit 75.98 list 38.88 threshold#10 2.83 coupon#7 2.82 net 33.23",
			"4: unit 3.00 list 12.00 buy_get#4 3.00 threshold#10 0.65 coupon#7 0.66 net 7.69",
			// 75.80 − (7.06 + 5.00 + 5.00) = 58.74
			"subtotal 75.80 discounts 17.06 total 58.74 threshold#10 5.00 coupon TEN 5.00",
		},
	}})
}

func TestPriceCouponScopeReasons(t *testing.T) {
	lines := []domain.PriceLine{pieces(1, "RICE", "1", "30.00")}
	tests := []struct {
		name, reason string
		edit         func(c *domain.Coupon)
	}{
		{"inactive", "coupon_inactive", func(c *domain.Coupon) { c.Active = false }},
		{"not started", "coupon_not_started", func(c *domain.Coupon) { c.StartsAt = priceNow.Add(time.Minute) }},
		{"expired", "coupon_expired", func(c *domain.Coupon) { c.EndsAt = priceNow }},
		{"other store", "coupon_wrong_store", func(c *domain.Coupon) { c.StoreCodes = []string{"OTHER"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := coupon(t, 7, "FIVE", amountCoupon("5.00", "0"))
			tt.edit(c)
			cart, err := domain.Price(domain.PricingInput{StoreCode: "DEMO01", Now: priceNow, Lines: lines, Coupon: c})
			if err != nil {
				t.Fatal(err)
			}
			wantDomainError(t, cart.CouponProblem, domain.EINVALID, tt.reason)
			if cart.Coupon != nil || !cart.Total.Equal(yuan("30.00")) {
				t.Errorf("coupon %v applied, total %s; want none, 30.00", cart.Coupon, cart.Total)
			}
		})
	}
}
