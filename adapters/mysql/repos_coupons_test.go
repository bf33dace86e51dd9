package mysql_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
)

func newCoupon(t *testing.T, id int64, code string, kind domain.CouponKind, granted bool) *domain.Coupon {
	t.Helper()
	in := domain.CouponInput{Name: rptr("Coupon " + code), Kind: &kind, MinSpend: rdec("30.00"),
		StoreCodes: &[]string{"demo01"}, StartsAt: rptr(promoStart), EndsAt: rptr(promoStart.AddDate(1, 0, 0)),
		PerShopperLimit: rptr(2), TotalLimit: rptr(100), Granted: &granted}
	if kind == domain.CouponAmount {
		in.Amount = rdec("5.00")
	} else {
		in.Percent, in.MaxDiscount = rdec("7.5"), rdec("20.00")
	}
	c, err := domain.NewCoupon(id, code, in, repoNow)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func couponKey(c *domain.Coupon) string {
	tm := func(t time.Time) string { return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano) }
	capped := "none"
	if c.MaxDiscount != nil {
		capped = c.MaxDiscount.String()
	}
	return fmt.Sprintf("%d|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%d|%d|%v|%v|%s|%s",
		c.ID, c.Code, c.Name, c.Kind, c.Amount.String(), c.Percent.String(), capped, c.MinSpend.String(),
		strings.Join(c.StoreCodes, ","), tm(c.StartsAt), tm(c.EndsAt), c.PerShopperLimit, c.TotalLimit,
		c.Active, c.Granted, tm(c.CreatedAt), tm(c.UpdatedAt))
}

func sameCoupon(t *testing.T, got, want *domain.Coupon) {
	t.Helper()
	if g, w := couponKey(got), couponKey(want); g != w {
		t.Errorf("coupon:\n got %s\nwant %s", g, w)
	}
}

func TestCouponRepoCreateGetListUpdate(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewCouponRepo(db)
		ctx := context.Background()
		amount, percent := newCoupon(t, 1, "WELCOME5", domain.CouponAmount, false), newCoupon(t, 2, "TEN-OFF", domain.CouponPercent, true)
		for _, c := range []*domain.Coupon{amount, percent} {
			if err := repo.CreateCoupon(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, repo.CreateCoupon(ctx, newCoupon(t, 3, "WELCOME5", domain.CouponAmount, false)), domain.ECONFLICT, "coupon_code_taken")

		got, err := repo.CouponByCode(ctx, "WELCOME5")
		if err != nil {
			t.Fatal(err)
		}
		sameCoupon(t, got, amount)
		if got, err = repo.CouponByID(ctx, 2); err != nil {
			t.Fatal(err)
		}
		sameCoupon(t, got, percent)
		_, err = repo.CouponByCode(ctx, "NOPE")
		wantCode(t, err, domain.ENOTFOUND, "coupon_not_found")
		_, err = repo.CouponByID(ctx, 3)
		wantCode(t, err, domain.ENOTFOUND, "coupon_not_found")

		page, err := repo.ListCoupons(ctx, domain.Page{Limit: 1, After: 1})
		if err != nil || len(page) != 1 || page[0].Code != "TEN-OFF" {
			t.Fatalf("second page: %v %v", page, err)
		}

		// Removing the cap must write NULL, and every field must be saved.
		later := repoNow.Add(time.Hour)
		updated, err := repo.UpdateCoupon(ctx, "TEN-OFF", func(c *domain.Coupon) error {
			return c.Update(domain.CouponInput{MaxDiscount: rdec("0"), MinSpend: rdec("0"), StoreCodes: &[]string{},
				PerShopperLimit: rptr(1), TotalLimit: rptr(0), Active: rptr(false), Granted: rptr(false)}, later)
		})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := repo.CouponByCode(ctx, "TEN-OFF")
		if err != nil {
			t.Fatal(err)
		}
		sameCoupon(t, stored, updated)
		if stored.MaxDiscount != nil || stored.Active || stored.Granted || len(stored.StoreCodes) != 0 || stored.TotalLimit != 0 {
			t.Errorf("updated coupon %+v", stored)
		}
		_, err = repo.UpdateCoupon(ctx, "TEN-OFF", func(c *domain.Coupon) error { c.Name = "lost"; return errBoom })
		if err != errBoom {
			t.Fatalf("err = %v, want errBoom", err)
		}
		if again, _ := repo.CouponByCode(ctx, "TEN-OFF"); again.Name != "Coupon TEN-OFF" {
			t.Errorf("a failed update saved name %q", again.Name)
		}
		_, err = repo.UpdateCoupon(ctx, "NOPE", func(*domain.Coupon) error { t.Error("fn called"); return nil })
		wantCode(t, err, domain.ENOTFOUND, "coupon_not_found")
	})
}

// addRedemption writes what the orders use case will: one row per order.
func addRedemption(t *testing.T, db *mysql.DB, id, couponID, shopperID int64, status domain.RedemptionStatus) {
	t.Helper()
	_, err := db.SQL().Exec(`INSERT INTO coupon_redemptions (id, coupon_id, shopper_id, order_no, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, couponID, shopperID, fmt.Sprintf("ORD%06d", id), string(status), repoNow.UTC(), repoNow.UTC())
	if err != nil {
		t.Fatal(err)
	}
}

func TestCouponRepoGrantsAndUsage(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewCouponRepo(db)
		ctx := context.Background()
		for i, code := range []string{"GIFT-A", "GIFT-B", "GIFT-C"} {
			if err := repo.CreateCoupon(ctx, newCoupon(t, int64(i+1), code, domain.CouponAmount, true)); err != nil {
				t.Fatal(err)
			}
		}
		const alice, bob = 100, 200
		for _, g := range []struct{ coupon, shopper int64 }{{1, alice}, {3, alice}, {2, alice}, {1, bob}, {1, alice}} {
			if err := repo.GrantCoupon(ctx, g.coupon, g.shopper, repoNow); err != nil {
				t.Fatalf("grant %v: %v", g, err)
			}
		}
		var codes []string
		for after := int64(0); ; {
			page, err := repo.ShopperCoupons(ctx, alice, domain.Page{Limit: 2, After: after})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, c := range page {
				codes = append(codes, c.Code)
				after = c.ID
			}
		}
		if strings.Join(codes, ",") != "GIFT-A,GIFT-B,GIFT-C" {
			t.Errorf("alice's coupons %v", codes)
		}
		if bobs, err := repo.ShopperCoupons(ctx, bob, domain.Page{Limit: 10}); err != nil || len(bobs) != 1 || bobs[0].Code != "GIFT-A" {
			t.Errorf("bob's coupons %v %v", bobs, err)
		}

		addRedemption(t, db, 1, 1, alice, domain.RedemptionRedeemed)
		addRedemption(t, db, 2, 1, alice, domain.RedemptionHeld)
		addRedemption(t, db, 3, 1, alice, domain.RedemptionReleased)
		addRedemption(t, db, 4, 1, bob, domain.RedemptionRedeemed)
		addRedemption(t, db, 5, 2, bob, domain.RedemptionHeld)
		addRedemption(t, db, 6, 3, alice, domain.RedemptionRedeemed)
		if _, err := repo.UpdateCoupon(ctx, "GIFT-C", func(c *domain.Coupon) error {
			return c.Update(domain.CouponInput{TotalLimit: rptr(0)}, c.UpdatedAt)
		}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			coupon, shopper int64
			want            domain.CouponUsage
		}{
			{1, alice, domain.CouponUsage{UsedByShopper: 2, UsedTotal: 3, Granted: true}},
			{1, bob, domain.CouponUsage{UsedByShopper: 1, UsedTotal: 3, Granted: true}},
			{2, bob, domain.CouponUsage{UsedByShopper: 1, UsedTotal: 1, Granted: false}},
			{3, 300, domain.CouponUsage{}},
			{3, alice, domain.CouponUsage{UsedByShopper: 1, UsedTotal: 0, Granted: true}}, // no total limit: not counted
		} {
			got, err := repo.Usage(ctx, tc.coupon, tc.shopper)
			if err != nil || got != tc.want {
				t.Errorf("Usage(%d, %d) = %+v (%v), want %+v", tc.coupon, tc.shopper, got, err, tc.want)
			}
		}
	})
}
