package app

import (
	"context"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// The demo pricing rules (DESIGN §8). The README describes them; keep both
// in step.
const (
	// DemoDairyPromotion is 10 % off every product of category dairy.
	DemoDairyPromotion = "Dairy week: 10% off"
	// DemoTeaPromotion is 3 green teas (¥3.50 each) for ¥10.00.
	DemoTeaPromotion = "Green tea 3 for ¥10"
	// DemoCouponCode is ¥5 off a basket of ¥30 or more, once per shopper,
	// a code anyone may enter.
	DemoCouponCode = "WELCOME5"
)

// demoRulesYears is how long the demo rules run from the day of the first
// seed: long enough that a demo installation never sees them end.
const demoRulesYears = 5

// demoPromotions are DEMO01's promotions: a percent off by category and a
// multi-buy on one SKU whose price is more than a third of the bundle.
func demoPromotions(store string) []domain.PromotionInput {
	percentOff, multiBuy := domain.PromoPercentOff, domain.PromoMultiBuy
	stores := []string{store}
	return []domain.PromotionInput{
		{Name: ref(DemoDairyPromotion), Kind: &percentOff, StoreCodes: &stores,
			Categories: &[]string{"dairy"}, Percent: ref(mustDecimal("10"))},
		{Name: ref(DemoTeaPromotion), Kind: &multiBuy, StoreCodes: &stores,
			SKUs: &[]string{"DRK-GREENTEA-500"}, Quantity: ref(3), BundlePrice: ref(mustDecimal("10.00"))},
	}
}

// seedPricing adds the demo promotions (found by name) and coupon WELCOME5
// (found by code) when missing; what staff changed stays as it is.
func (s *Seeder) seedPricing(ctx context.Context, store *domain.Store) (int, error) {
	now := s.clock.Now()
	starts := now.UTC().Truncate(24 * time.Hour)
	ends := starts.AddDate(demoRulesYears, 0, 0)
	existing, err := s.promotionNames(ctx)
	if err != nil {
		return 0, err
	}
	created := 0
	for _, in := range demoPromotions(store.Code) {
		if existing[*in.Name] {
			continue
		}
		in.StartsAt, in.EndsAt = &starts, &ends
		p, err := domain.NewPromotion(s.ids.NewID(), in, now)
		if err != nil {
			return created, err
		}
		if err := s.repos.Promotions.CreatePromotion(ctx, p); err != nil {
			return created, err
		}
		created++
	}

	_, err = s.repos.Coupons.CouponByCode(ctx, DemoCouponCode)
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		return created, err
	}
	amount := domain.CouponAmount
	c, err := domain.NewCoupon(s.ids.NewID(), DemoCouponCode, domain.CouponInput{
		Name: ref("Welcome: ¥5 off ¥30"), Kind: &amount, Amount: ref(mustDecimal("5.00")),
		MinSpend: ref(mustDecimal("30.00")), PerShopperLimit: ref(1), StartsAt: &starts, EndsAt: &ends,
	}, now)
	if err != nil {
		return created, err
	}
	if err := s.repos.Coupons.CreateCoupon(ctx, c); err != nil {
		return created, err
	}
	return created + 1, nil
}

// promotionNames lists the names of all promotions (a demo has a few).
func (s *Seeder) promotionNames(ctx context.Context) (map[string]bool, error) {
	names := map[string]bool{}
	for after := int64(0); ; {
		page, err := s.repos.Promotions.ListPromotions(ctx, domain.Page{Limit: domain.MaxPageLimit, After: after})
		if err != nil {
			return nil, err
		}
		for _, p := range page {
			names[p.Name] = true
		}
		if len(page) < domain.MaxPageLimit {
			return names, nil
		}
		after = page[len(page)-1].ID
	}
}

func ref[T any](v T) *T { return &v }
