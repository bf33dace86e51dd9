package app_test

import (
	"context"
	"testing"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// The demo promotions are in force in DEMO01 and, with WELCOME5, price a
// demo basket as a hand calculation does: 3 green teas at ¥3.50 for ¥10
// (-0.50), milk ¥13.80 and cheese ¥19.90 at 10 % off (-1.38, -1.99), then
// ¥5 off the ¥40.33 left: ¥35.33 to pay.
func TestSeedDemoPricing(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ctx := context.Background()
		s, _ := seedDemo(t, db)
		now := app.SystemClock{}.Now()
		promos, err := s.repos.Promotions.PromotionsInForce(ctx, app.DemoStoreCode, now)
		if err != nil || len(promos) != demoPromotions {
			t.Fatalf("%d promotions in force in %s (err %v), want %d", len(promos), app.DemoStoreCode, err, demoPromotions)
		}
		coupon, err := s.repos.Coupons.CouponByCode(ctx, app.DemoCouponCode)
		if err != nil {
			t.Fatal(err)
		}
		if coupon.Kind != domain.CouponAmount || coupon.Amount.StringFixed(2) != "5.00" || coupon.MinSpend.StringFixed(2) != "30.00" ||
			coupon.Granted || coupon.PerShopperLimit != 1 || len(coupon.StoreCodes) != 0 || !coupon.EndsAt.After(now.AddDate(1, 0, 0)) {
			t.Errorf("WELCOME5 = %+v, want ¥5 off ¥30, a code for every store, once per shopper, valid for years", coupon)
		}
		usage, err := s.repos.Coupons.Usage(ctx, coupon.ID, 42)
		if err != nil {
			t.Fatal(err)
		}
		if err := coupon.CheckUsable(app.DemoStoreCode, now, usage.UsedByShopper, usage.UsedTotal, usage.Granted); err != nil {
			t.Errorf("a new shopper cannot use WELCOME5: %v", err)
		}

		in := domain.PricingInput{StoreCode: app.DemoStoreCode, Now: now, Promotions: promos, Coupon: coupon}
		for i, l := range []struct {
			sku string
			qty int64
		}{{"DRK-GREENTEA-500", 3}, {"DRY-MILK-950", 1}, {"DRY-CHEESE-200", 1}} {
			p, err := s.repos.Products.ProductBySKU(ctx, l.sku)
			if err != nil {
				t.Fatal(err)
			}
			item, err := s.repos.Items.StoreItem(ctx, s.store.ID, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			in.Lines = append(in.Lines, domain.PriceLine{ID: int64(i + 1), SKU: p.SKU, Category: p.Category,
				Quantity: decimal.NewFromInt(l.qty), UnitPrice: item.Price, MemberPrice: item.Member})
		}
		cart, err := domain.Price(in)
		if err != nil {
			t.Fatal(err)
		}
		if cart.Subtotal.StringFixed(2) != "44.20" || cart.DiscountTotal.StringFixed(2) != "8.87" || cart.Total.StringFixed(2) != "35.33" ||
			cart.Coupon == nil || cart.CouponProblem != nil {
			t.Errorf("demo basket: subtotal %s, discounts %s, total %s, coupon %+v (%v); want 44.20, 8.87, 35.33 with WELCOME5",
				cart.Subtotal, cart.DiscountTotal, cart.Total, cart.Coupon, cart.CouponProblem)
		}
		for i, want := range []string{"0.50", "1.38", "1.99"} {
			if d := cart.Lines[i].Discounts; len(d) == 0 || d[0].Amount.StringFixed(2) != want {
				t.Errorf("line %d discounts %+v, want the item promotion's %s first", i+1, d, want)
			}
		}
	})
}

// Staff changes to the demo pricing rules survive the next start's seed.
func TestSeedDemoKeepsStaffPricingChanges(t *testing.T) {
	ctx := context.Background()
	s, _ := seedDemo(t, mysqltest.Open(t))
	promos, err := s.repos.Promotions.ListPromotions(ctx, domain.Page{Limit: 10})
	if err != nil || len(promos) != demoPromotions {
		t.Fatalf("%d promotions (err %v)", len(promos), err)
	}
	off := false
	if _, err := s.repos.Promotions.UpdatePromotion(ctx, promos[0].ID, func(p *domain.Promotion) error {
		return p.Update(domain.PromotionInput{Active: &off}, p.UpdatedAt)
	}); err != nil {
		t.Fatal(err)
	}
	spend := decimal.RequireFromString("50.00")
	if _, err := s.repos.Coupons.UpdateCoupon(ctx, app.DemoCouponCode, func(c *domain.Coupon) error {
		return c.Update(domain.CouponInput{MinSpend: &spend}, c.UpdatedAt)
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.seeder.SeedDemo(ctx); err != nil || n != 0 {
		t.Fatalf("second seed created %d (err %v), want 0", n, err)
	}
	if p, err := s.repos.Promotions.PromotionByID(ctx, promos[0].ID); err != nil || p.Active {
		t.Errorf("seed switched the promotion back on: %+v %v", p, err)
	}
	if c, err := s.repos.Coupons.CouponByCode(ctx, app.DemoCouponCode); err != nil || c.MinSpend.StringFixed(2) != "50.00" {
		t.Errorf("seed reset WELCOME5: %+v %v", c, err)
	}
}
