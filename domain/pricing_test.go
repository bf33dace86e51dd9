package domain_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// priceNow is the instant carts are priced at; promotions made by promo run
// from a day before to a day after it.
var priceNow = time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)

func yuan(s string) decimal.Decimal     { return decimal.RequireFromString(s) }
func yuanPtr(s string) *decimal.Decimal { d := yuan(s); return &d }

// promo builds a valid promotion; unless in says otherwise it is named
// after its id, runs around priceNow and is created id minutes after a base
// time, so a smaller id is the older promotion.
func promo(t testing.TB, id int64, in domain.PromotionInput) *domain.Promotion {
	t.Helper()
	if in.Name == nil {
		in.Name = ptr(fmt.Sprintf("promo %d", id))
	}
	if in.StartsAt == nil {
		in.StartsAt = ptr(priceNow.Add(-24 * time.Hour))
	}
	if in.EndsAt == nil {
		in.EndsAt = ptr(priceNow.Add(24 * time.Hour))
	}
	p, err := domain.NewPromotion(id, in, priceNow.Add(-48*time.Hour+time.Duration(id)*time.Minute))
	if err != nil {
		t.Fatalf("NewPromotion(%d): %v", id, err)
	}
	return p
}

// on scopes an item promotion: "cat:X" is a category, anything else a sku.
func on(in domain.PromotionInput, scope ...string) domain.PromotionInput {
	var skus, cats []string
	for _, s := range scope {
		if c, ok := strings.CutPrefix(s, "cat:"); ok {
			cats = append(cats, c)
		} else {
			skus = append(skus, s)
		}
	}
	in.SKUs, in.Categories = &skus, &cats
	return in
}

func kind(k domain.PromotionKind) *domain.PromotionKind { return &k }

func percentOff(pct string) domain.PromotionInput {
	return domain.PromotionInput{Kind: kind(domain.PromoPercentOff), Percent: yuanPtr(pct)}
}

func specialPrice(price string) domain.PromotionInput {
	return domain.PromotionInput{Kind: kind(domain.PromoSpecialPrice), Price: yuanPtr(price)}
}

func multiBuy(n int, bundle string) domain.PromotionInput {
	return domain.PromotionInput{Kind: kind(domain.PromoMultiBuy), Quantity: &n, BundlePrice: yuanPtr(bundle)}
}

func buyGet(buy, get int) domain.PromotionInput {
	return domain.PromotionInput{Kind: kind(domain.PromoBuyGet), BuyQuantity: &buy, GetQuantity: &get}
}

func threshold(minAmount, off string) domain.PromotionInput {
	return domain.PromotionInput{Kind: kind(domain.PromoThreshold), MinAmount: yuanPtr(minAmount), DiscountAmount: yuanPtr(off)}
}

// coupon builds a valid coupon running around priceNow.
func coupon(t testing.TB, id int64, code string, in domain.CouponInput) *domain.Coupon {
	t.Helper()
	if in.Name == nil {
		in.Name = ptr("coupon " + code)
	}
	if in.StartsAt == nil {
		in.StartsAt = ptr(priceNow.Add(-24 * time.Hour))
	}
	if in.EndsAt == nil {
		in.EndsAt = ptr(priceNow.Add(24 * time.Hour))
	}
	c, err := domain.NewCoupon(id, code, in, priceNow.Add(-48*time.Hour))
	if err != nil {
		t.Fatalf("NewCoupon(%s): %v", code, err)
	}
	return c
}

func amountCoupon(amount, minSpend string) domain.CouponInput {
	k := domain.CouponAmount
	return domain.CouponInput{Kind: &k, Amount: yuanPtr(amount), MinSpend: yuanPtr(minSpend)}
}

func percentCoupon(pct, maxDiscount, minSpend string) domain.CouponInput {
	k := domain.CouponPercent
	in := domain.CouponInput{Kind: &k, Percent: yuanPtr(pct), MinSpend: yuanPtr(minSpend)}
	if maxDiscount != "" {
		in.MaxDiscount = yuanPtr(maxDiscount)
	}
	return in
}

// pieces is a packaged line in category "grocery".
func pieces(id int64, sku, qty, price string) domain.PriceLine {
	return domain.PriceLine{ID: id, SKU: sku, Category: "grocery", Quantity: yuan(qty), UnitPrice: yuan(price)}
}

// weighed is a weight-label line in category "fresh".
func weighed(id int64, sku, kg, perKg string) domain.PriceLine {
	return domain.PriceLine{ID: id, SKU: sku, Category: "fresh", Weighed: true, Quantity: yuan(kg), UnitPrice: yuan(perKg)}
}

func withMember(l domain.PriceLine, price string) domain.PriceLine {
	l.MemberPrice = yuanPtr(price)
	return l
}
func withLabel(l domain.PriceLine, amount string) domain.PriceLine {
	l.LabelAmount = yuanPtr(amount)
	return l
}
func withCategory(l domain.PriceLine, c string) domain.PriceLine { l.Category = c; return l }

// render writes a priced cart one line per cart line plus a totals line, so
// a table states the whole expected result and a failure shows the diff.
func render(c domain.PricedCart) []string {
	var out []string
	for _, l := range c.Lines {
		var b strings.Builder
		fmt.Fprintf(&b, "%d: unit %s list %s", l.ID, l.UnitPrice.StringFixed(2), l.ListAmount.StringFixed(2))
		for _, d := range l.Discounts {
			fmt.Fprintf(&b, " %s#%d %s", d.Kind, d.ID, d.Amount.StringFixed(2))
		}
		fmt.Fprintf(&b, " net %s", l.NetAmount.StringFixed(2))
		out = append(out, b.String())
	}
	total := fmt.Sprintf("subtotal %s discounts %s total %s",
		c.Subtotal.StringFixed(2), c.DiscountTotal.StringFixed(2), c.Total.StringFixed(2))
	if c.Threshold != nil {
		total += fmt.Sprintf(" threshold#%d %s", c.Threshold.ID, c.Threshold.Amount.StringFixed(2))
	}
	if c.Coupon != nil {
		total += fmt.Sprintf(" coupon %s %s", c.Coupon.Code, c.Coupon.Amount.StringFixed(2))
	}
	if c.CouponProblem != nil {
		total += " problem " + domain.ErrorReason(c.CouponProblem)
	}
	return append(out, total)
}

type pricingCase struct {
	name   string
	member bool
	lines  []domain.PriceLine
	promos []*domain.Promotion
	coupon *domain.Coupon
	want   []string
}

func runPricingCases(t *testing.T, tests []pricingCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := domain.PricingInput{StoreCode: "DEMO01", Member: tt.member, Now: priceNow,
				Lines: tt.lines, Promotions: tt.promos, Coupon: tt.coupon}
			cart, err := domain.Price(in)
			if err != nil {
				t.Fatalf("Price: %v", err)
			}
			got := render(cart)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("priced cart:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			checkCartInvariants(t, in, cart)
		})
	}
}

func TestPriceListAmounts(t *testing.T) {
	runPricingCases(t, []pricingCase{
		{name: "empty cart totals 0.00", want: []string{"subtotal 0.00 discounts 0.00 total 0.00"}},
		{name: "pieces and weight, half-up", lines: []domain.PriceLine{
			pieces(1, "MILK", "2", "3.50"),        // 2 × 3.50 = 7.00
			weighed(2, "APPLE", "0.458", "12.98"), // 5.94484 → 5.94
			weighed(3, "PEAR", "0.333", "4.50"),   // 1.4985 → 1.50
			weighed(4, "HERB", "0.001", "5.00"),   // 0.005 → 0.01: half-up
		}, want: []string{
			"1: unit 3.50 list 7.00 net 7.00",
			"2: unit 12.98 list 5.94 net 5.94",
			"3: unit 4.50 list 1.50 net 1.50",
			"4: unit 5.00 list 0.01 net 0.01",
			"subtotal 14.45 discounts 0.00 total 14.45",
		}},
		{name: "member price when lower", member: true, lines: []domain.PriceLine{
			withMember(pieces(1, "MILK", "3", "3.00"), "2.80"), // 3 × 2.80
			withMember(pieces(2, "EGGS", "1", "9.90"), "9.95"), // member price higher: store price
			pieces(3, "SALT", "1", "2.00"),                     // no member price
		}, want: []string{
			"1: unit 2.80 list 8.40 net 8.40",
			"2: unit 9.90 list 9.90 net 9.90",
			"3: unit 2.00 list 2.00 net 2.00",
			"subtotal 20.30 discounts 0.00 total 20.30",
		}},
		{name: "no member price for non-members", lines: []domain.PriceLine{
			withMember(pieces(1, "MILK", "3", "3.00"), "2.80"),
		}, want: []string{"1: unit 3.00 list 9.00 net 9.00", "subtotal 9.00 discounts 0.00 total 9.00"}},
		{name: "price label amount as printed", member: true, lines: []domain.PriceLine{
			// 0.512 kg × 75.98 = 38.90176, but the scale printed 38.88
			withLabel(weighed(1, "SALMON", "0.512", "75.98"), "38.88"),
			// the unit shows the member price; the printed amount still rules
			withLabel(withMember(weighed(2, "BEEF", "0.300", "80.00"), "70.00"), "24.00"),
		}, want: []string{
			"1: unit 75.98 list 38.88 net 38.88",
			"2: unit 70.00 list 24.00 net 24.00",
			"subtotal 62.88 discounts 0.00 total 62.88",
		}},
	})
}

func TestPriceItemPromotions(t *testing.T) {
	runPricingCases(t, []pricingCase{
		{name: "percent_off", lines: []domain.PriceLine{pieces(1, "MILK", "3", "3.33")},
			promos: []*domain.Promotion{promo(t, 1, on(percentOff("15"), "MILK"))},
			// 9.99 × 15 % = 1.4985 → 1.50
			want: []string{"1: unit 3.33 list 9.99 percent_off#1 1.50 net 8.49", "subtotal 9.99 discounts 1.50 total 8.49"}},
		{name: "special_price", lines: []domain.PriceLine{pieces(1, "TEA", "3", "4.50")},
			promos: []*domain.Promotion{promo(t, 1, on(specialPrice("3.99"), "TEA"))},
			// 13.50 − round(3.99 × 3 = 11.97) = 1.53
			want: []string{"1: unit 4.50 list 13.50 special_price#1 1.53 net 11.97", "subtotal 13.50 discounts 1.53 total 11.97"}},
		{name: "special_price not below the unit price", lines: []domain.PriceLine{pieces(1, "TEA", "3", "4.50")},
			promos: []*domain.Promotion{promo(t, 1, on(specialPrice("4.50"), "TEA"))},
			want:   []string{"1: unit 4.50 list 13.50 net 13.50", "subtotal 13.50 discounts 0.00 total 13.50"}},
		{name: "special_price above a member price", member: true,
			lines:  []domain.PriceLine{withMember(pieces(1, "TEA", "3", "4.50"), "3.80")},
			promos: []*domain.Promotion{promo(t, 1, on(specialPrice("3.99"), "TEA"))},
			// unit is the member price 3.80 < 3.99: no special price
			want: []string{"1: unit 3.80 list 11.40 net 11.40", "subtotal 11.40 discounts 0.00 total 11.40"}},
		{name: "multi_buy 3 for 10.00", lines: []domain.PriceLine{pieces(1, "JUICE", "7", "3.90")},
			promos: []*domain.Promotion{promo(t, 1, on(multiBuy(3, "10.00"), "JUICE"))},
			// floor(7/3) = 2 × (3 × 3.90 − 10.00 = 1.70) = 3.40: 2 bundles 20.00 + 3.90 = 23.90
			want: []string{"1: unit 3.90 list 27.30 multi_buy#1 3.40 net 23.90", "subtotal 27.30 discounts 3.40 total 23.90"}},
		{name: "multi_buy below N and not worth it", lines: []domain.PriceLine{
			pieces(1, "JUICE", "2", "3.90"), // floor(2/3) = 0
			pieces(2, "WATER", "3", "3.00"), // 3 × 3.00 − 10.00 < 0: only if positive
		}, promos: []*domain.Promotion{promo(t, 1, on(multiBuy(3, "10.00"), "JUICE", "WATER"))},
			want: []string{"1: unit 3.90 list 7.80 net 7.80", "2: unit 3.00 list 9.00 net 9.00", "subtotal 16.80 discounts 0.00 total 16.80"}},
		{name: "buy_get buy 2 get 1", lines: []domain.PriceLine{
			pieces(1, "COLA", "7", "5.00"),  // floor(7/3) = 2 × 1 × 5.00 = 10.00
			pieces(2, "FANTA", "2", "5.00"), // floor(2/3) = 0
		}, promos: []*domain.Promotion{promo(t, 1, on(buyGet(2, 1), "COLA", "FANTA"))},
			want: []string{"1: unit 5.00 list 35.00 buy_get#1 10.00 net 25.00", "2: unit 5.00 list 10.00 net 10.00", "subtotal 45.00 discounts 10.00 total 35.00"}},
		{name: "buy_get uses the member price", member: true,
			lines:  []domain.PriceLine{withMember(pieces(1, "COLA", "4", "5.00"), "4.50")},
			promos: []*domain.Promotion{promo(t, 1, on(buyGet(3, 1), "COLA"))},
			// floor(4/4) = 1 × 1 × 4.50
			want: []string{"1: unit 4.50 list 18.00 buy_get#1 4.50 net 13.50", "subtotal 18.00 discounts 4.50 total 13.50"}},
		{name: "weighed lines take only percent_off", lines: []domain.PriceLine{
			weighed(1, "APPLE", "1.500", "8.00"),                   // 12.00 × 10 % = 1.20
			weighed(2, "PEAR", "2.000", "6.00"),                    // special, multi, buy_get do not apply
			withLabel(weighed(3, "PLUM", "0.500", "9.00"), "4.44"), // 4.44 × 10 % = 0.444 → 0.44
		}, promos: []*domain.Promotion{
			promo(t, 1, on(specialPrice("1.00"), "APPLE", "PEAR")),
			promo(t, 2, on(multiBuy(2, "1.00"), "APPLE", "PEAR")),
			promo(t, 3, on(buyGet(1, 1), "APPLE", "PEAR")),
			promo(t, 4, on(percentOff("10"), "APPLE", "PLUM")),
		}, want: []string{
			"1: unit 8.00 list 12.00 percent_off#4 1.20 net 10.80",
			"2: unit 6.00 list 12.00 net 12.00",
			"3: unit 9.00 list 4.44 percent_off#4 0.44 net 4.00",
			"subtotal 28.44 discounts 1.64 total 26.80",
		}},
		{name: "the largest discount wins", lines: []domain.PriceLine{pieces(1, "SOAP", "4", "5.00")},
			promos: []*domain.Promotion{
				promo(t, 1, on(percentOff("10"), "SOAP")),     // 2.00
				promo(t, 2, on(specialPrice("4.20"), "SOAP")), // 20.00 − 16.80 = 3.20
				promo(t, 3, on(buyGet(3, 1), "SOAP")),         // 1 × 1 × 5.00 = 5.00
				promo(t, 4, on(multiBuy(2, "9.00"), "SOAP")),  // 2 × (10.00 − 9.00) = 2.00
			},
			want: []string{"1: unit 5.00 list 20.00 buy_get#3 5.00 net 15.00", "subtotal 20.00 discounts 5.00 total 15.00"}},
		{name: "by category, case-insensitively", lines: []domain.PriceLine{
			withCategory(pieces(1, "KIWI", "2", "2.50"), "fruit"), // 5.00 × 20 % = 1.00
			withCategory(pieces(2, "BREAD", "1", "8.00"), "bakery"),
		}, promos: []*domain.Promotion{promo(t, 1, on(percentOff("20"), "cat:Fruit"))},
			want: []string{"1: unit 2.50 list 5.00 percent_off#1 1.00 net 4.00", "2: unit 8.00 list 8.00 net 8.00", "subtotal 13.00 discounts 1.00 total 12.00"}},
		{name: "a 0.00 percent_off is no discount", lines: []domain.PriceLine{weighed(1, "HERB", "0.004", "1.00")},
			promos: []*domain.Promotion{promo(t, 1, on(percentOff("10"), "HERB"))},
			// list round(0.004) = 0.00; 0.00 × 10 % = 0.00: nothing listed
			want: []string{"1: unit 1.00 list 0.00 net 0.00", "subtotal 0.00 discounts 0.00 total 0.00"}},
	})
}

func TestPriceItemPromotionTies(t *testing.T) {
	line := []domain.PriceLine{pieces(1, "SOAP", "2", "5.00")}
	// Both take 1.00: 10.00 × 10 %, and 10.00 − 2 × 4.50.
	older := promo(t, 9, on(specialPrice("4.50"), "SOAP"))
	older.CreatedAt = priceNow.Add(-72 * time.Hour)
	sameTimeLow := promo(t, 3, on(specialPrice("4.50"), "SOAP"))
	sameTimeHigh := promo(t, 4, on(percentOff("10"), "SOAP"))
	sameTimeHigh.CreatedAt = sameTimeLow.CreatedAt
	runPricingCases(t, []pricingCase{
		{name: "older by created_at, despite a larger id", lines: line,
			promos: []*domain.Promotion{promo(t, 1, on(percentOff("10"), "SOAP")), older},
			want:   []string{"1: unit 5.00 list 10.00 special_price#9 1.00 net 9.00", "subtotal 10.00 discounts 1.00 total 9.00"}},
		{name: "same created_at: smaller id", lines: line,
			promos: []*domain.Promotion{sameTimeHigh, sameTimeLow},
			want:   []string{"1: unit 5.00 list 10.00 special_price#3 1.00 net 9.00", "subtotal 10.00 discounts 1.00 total 9.00"}},
	})
}

func TestPriceSkipsPromotionsNotInForce(t *testing.T) {
	line := []domain.PriceLine{pieces(1, "SOAP", "1", "10.00")}
	off := func(id int64, in domain.PromotionInput) []*domain.Promotion {
		return []*domain.Promotion{promo(t, id, on(in, "SOAP"))}
	}
	inactive := percentOff("10")
	inactive.Active = ptr(false)
	otherStore := percentOff("10")
	otherStore.StoreCodes = &[]string{"OTHER"}
	thisStore := percentOff("10")
	thisStore.StoreCodes = &[]string{"OTHER", "demo01"} // normalised to DEMO01
	notYet := percentOff("10")
	notYet.StartsAt = ptr(priceNow.Add(time.Second))
	startsNow := percentOff("10")
	startsNow.StartsAt = ptr(priceNow)
	endsNow := percentOff("10")
	endsNow.EndsAt = ptr(priceNow)
	none := []string{"1: unit 10.00 list 10.00 net 10.00", "subtotal 10.00 discounts 0.00 total 10.00"}
	some := []string{"1: unit 10.00 list 10.00 percent_off#1 1.00 net 9.00", "subtotal 10.00 discounts 1.00 total 9.00"}
	runPricingCases(t, []pricingCase{
		{name: "inactive", lines: line, promos: off(1, inactive), want: none},
		{name: "other store", lines: line, promos: off(1, otherStore), want: none},
		{name: "listed store", lines: line, promos: off(1, thisStore), want: some},
		{name: "not started", lines: line, promos: off(1, notYet), want: none},
		{name: "starts_at = now applies", lines: line, promos: off(1, startsNow), want: some},
		{name: "ends_at = now does not", lines: line, promos: off(1, endsNow), want: none},
		{name: "other sku", lines: line, promos: []*domain.Promotion{promo(t, 1, on(percentOff("10"), "SOAP2"))}, want: none},
	})
}

func TestPriceRefusesImpossibleInput(t *testing.T) {
	broken := promo(t, 1, on(multiBuy(3, "10.00"), "SOAP"))
	broken.Quantity = 0 // a damaged row: would divide by zero
	brokenCoupon := coupon(t, 1, "BROKEN", amountCoupon("5.00", "0"))
	brokenCoupon.Amount = yuan("0.001")
	tests := []struct {
		name string
		in   domain.PricingInput
	}{
		{"zero quantity", domain.PricingInput{Lines: []domain.PriceLine{pieces(1, "A", "0", "1.00")}}},
		{"negative quantity", domain.PricingInput{Lines: []domain.PriceLine{pieces(1, "A", "-1", "1.00")}}},
		{"price with fractions of a cent", domain.PricingInput{Lines: []domain.PriceLine{pieces(1, "A", "1", "1.005")}}},
		{"negative price", domain.PricingInput{Lines: []domain.PriceLine{pieces(1, "A", "1", "-1.00")}}},
		{"negative member price", domain.PricingInput{Lines: []domain.PriceLine{withMember(pieces(1, "A", "1", "1.00"), "-0.50")}}},
		{"label amount with fractions of a cent", domain.PricingInput{Lines: []domain.PriceLine{withLabel(weighed(1, "A", "1", "1.00"), "0.999")}}},
		{"damaged promotion", domain.PricingInput{Lines: []domain.PriceLine{pieces(1, "SOAP", "3", "4.00")}, Promotions: []*domain.Promotion{broken}}},
		{"damaged coupon", domain.PricingInput{Lines: []domain.PriceLine{pieces(1, "SOAP", "3", "4.00")}, Coupon: brokenCoupon}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := domain.Price(tt.in)
			wantDomainError(t, err, domain.EINTERNAL, "pricing_input_invalid")
		})
	}
}
