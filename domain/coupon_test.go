package domain_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
)

func validCoupon(k domain.CouponKind) domain.CouponInput {
	in := amountCoupon("5.00", "20.00")
	if k == domain.CouponPercent {
		in = percentCoupon("10", "8.00", "0")
	}
	in.Name = ptr("Welcome")
	in.StartsAt, in.EndsAt = ptr(priceNow), ptr(priceNow.Add(30*24*time.Hour))
	return in
}

func TestNewCouponDefaults(t *testing.T) {
	in := validCoupon(domain.CouponAmount)
	in.MinSpend = nil
	in.StoreCodes = &[]string{"demo01"}
	c, err := domain.NewCoupon(3, " welcome5 ", in, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if c.Code != "WELCOME5" || c.PerShopperLimit != 1 || c.TotalLimit != 0 || !c.Active || c.Granted ||
		!c.MinSpend.IsZero() || c.MaxDiscount != nil || !slices.Equal(c.StoreCodes, []string{"DEMO01"}) || !c.CreatedAt.Equal(testNow) {
		t.Errorf("coupon = %+v", c)
	}
	if got := domain.NormalizeCouponCode("  new-year_25\n"); got != "NEW-YEAR_25" {
		t.Errorf("NormalizeCouponCode = %q", got)
	}
}

func TestNewCouponReportsEachBadField(t *testing.T) {
	type edit = func(in *domain.CouponInput)
	tests := []struct {
		name, code string
		kind       domain.CouponKind
		edit       edit
		field      string
	}{
		{"2-char code", "AB", domain.CouponAmount, nil, "code"},
		{"33-char code", strings.Repeat("A", 33), domain.CouponAmount, nil, "code"},
		{"code with space", "WEL COME", domain.CouponAmount, nil, "code"},
		{"code with !", "WELCOME!", domain.CouponAmount, nil, "code"},
		{"empty code", "", domain.CouponAmount, nil, "code"},
		{"missing name", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.Name = nil }, "name"},
		{"101-rune name", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.Name = ptr(strings.Repeat("券", 101)) }, "name"},
		{"missing kind", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.Kind, in.Amount = nil, nil }, "kind"},
		{"unknown kind", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { k := domain.CouponKind("gift"); in.Kind, in.Amount = &k, nil }, "kind"},
		{"amount missing", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.Amount = nil }, "amount"},
		{"amount negative", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.Amount = yuanPtr("-5") }, "amount"},
		{"amount 3 decimals", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.Amount = yuanPtr("5.005") }, "amount"},
		{"percent on amount", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.Percent = yuanPtr("10") }, "percent"},
		{"max_discount on amount", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.MaxDiscount = yuanPtr("3.00") }, "max_discount"},
		{"percent missing", "OK5", domain.CouponPercent, func(in *domain.CouponInput) { in.Percent = nil }, "percent"},
		{"percent 100", "OK5", domain.CouponPercent, func(in *domain.CouponInput) { in.Percent = yuanPtr("100") }, "percent"},
		{"percent 3 decimals", "OK5", domain.CouponPercent, func(in *domain.CouponInput) { in.Percent = yuanPtr("0.001") }, "percent"},
		{"amount on percent", "OK5", domain.CouponPercent, func(in *domain.CouponInput) { in.Amount = yuanPtr("5.00") }, "amount"},
		{"max_discount 3 decimals", "OK5", domain.CouponPercent, func(in *domain.CouponInput) { in.MaxDiscount = yuanPtr("3.001") }, "max_discount"},
		{"max_discount negative", "OK5", domain.CouponPercent, func(in *domain.CouponInput) { in.MaxDiscount = yuanPtr("-3") }, "max_discount"},
		{"min_spend negative", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.MinSpend = yuanPtr("-0.01") }, "min_spend"},
		{"min_spend 3 decimals", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.MinSpend = yuanPtr("20.001") }, "min_spend"},
		{"bad store code", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.StoreCodes = &[]string{"X"} }, "store_codes"},
		{"missing starts_at", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.StartsAt = nil }, "starts_at"},
		{"missing ends_at", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.EndsAt = nil }, "ends_at"},
		{"ends before it starts", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.EndsAt = ptr(in.StartsAt.Add(-time.Second)) }, "ends_at"},
		{"per_shopper_limit 0", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.PerShopperLimit = ptr(0) }, "per_shopper_limit"},
		{"per_shopper_limit 1001", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.PerShopperLimit = ptr(1001) }, "per_shopper_limit"},
		{"total_limit negative", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.TotalLimit = ptr(-1) }, "total_limit"},
		{"total_limit too big", "OK5", domain.CouponAmount, func(in *domain.CouponInput) { in.TotalLimit = ptr(10_000_001) }, "total_limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validCoupon(tt.kind)
			if tt.edit != nil {
				tt.edit(&in)
			}
			c, err := domain.NewCoupon(1, tt.code, in, testNow)
			if err == nil {
				t.Fatalf("NewCoupon accepted it: %+v", c)
			}
			if got := fieldNames(t, err, "coupon_invalid"); !slices.Equal(got, []string{tt.field}) {
				t.Fatalf("fields = %v, want [%s] (%v)", got, tt.field, err)
			}
		})
	}
}

func TestCouponUpdate(t *testing.T) {
	c, err := domain.NewCoupon(1, "TEN", validCoupon(domain.CouponPercent), testNow)
	if err != nil {
		t.Fatal(err)
	}
	later := testNow.Add(time.Hour)
	for name, in := range map[string]domain.CouponInput{
		"kind change":   {Kind: ptr(domain.CouponAmount), Amount: yuanPtr("5.00"), Percent: yuanPtr("0")},
		"amount unused": {Amount: yuanPtr("5.00")},
		"bad limit":     {PerShopperLimit: ptr(0)},
	} {
		if err := c.Update(in, later); err == nil {
			t.Errorf("%s: Update accepted it", name)
		} else {
			fieldNames(t, err, "coupon_invalid")
		}
		if c.Kind != domain.CouponPercent || !c.Amount.IsZero() || c.PerShopperLimit != 1 || !c.UpdatedAt.Equal(testNow) {
			t.Errorf("%s: a refused update changed the coupon: %+v", name, c)
		}
	}
	// A zero max_discount removes the cap.
	if err := c.Update(domain.CouponInput{MaxDiscount: yuanPtr("0"), TotalLimit: ptr(100), Granted: ptr(true)}, later); err != nil {
		t.Fatal(err)
	}
	if c.MaxDiscount != nil || c.TotalLimit != 100 || !c.Granted || !c.UpdatedAt.Equal(later) || c.Code != "TEN" {
		t.Errorf("updated coupon = %+v", c)
	}
}

func TestCouponCheckUsable(t *testing.T) {
	base := func() *domain.Coupon {
		in := validCoupon(domain.CouponAmount)
		in.PerShopperLimit, in.TotalLimit = ptr(2), ptr(100)
		in.StoreCodes = &[]string{"DEMO01"}
		c, err := domain.NewCoupon(1, "WELCOME5", in, testNow)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	at := priceNow.Add(time.Hour)
	tests := []struct {
		name          string
		edit          func(c *domain.Coupon)
		store         string
		now           time.Time
		byShopper, by int
		granted       bool
		reason        string // "" = usable
	}{
		{"usable", nil, "DEMO01", at, 1, 99, false, ""},
		{"usable at starts_at", nil, "DEMO01", priceNow, 0, 0, false, ""},
		{"inactive", func(c *domain.Coupon) { c.Active = false }, "DEMO01", at, 0, 0, false, "coupon_inactive"},
		{"not started", nil, "DEMO01", priceNow.Add(-time.Second), 0, 0, false, "coupon_not_started"},
		{"expired at ends_at", nil, "DEMO01", priceNow.Add(30 * 24 * time.Hour), 0, 0, false, "coupon_expired"},
		{"wrong store", nil, "DEMO02", at, 0, 0, false, "coupon_wrong_store"},
		{"per-shopper limit", nil, "DEMO01", at, 2, 2, false, "coupon_limit_reached"},
		{"budget used up", nil, "DEMO01", at, 0, 100, false, "coupon_used_up"},
		{"unlimited budget", func(c *domain.Coupon) { c.TotalLimit = 0 }, "DEMO01", at, 0, 1_000_000, false, ""},
		{"granted to the shopper", func(c *domain.Coupon) { c.Granted = true }, "DEMO01", at, 0, 0, true, ""},
		{"granted to others", func(c *domain.Coupon) { c.Granted = true }, "DEMO01", at, 0, 0, false, "coupon_not_yours"},
		{"not yours before anything else", func(c *domain.Coupon) { c.Granted, c.Active = true, false }, "DEMO02", at, 5, 500, false, "coupon_not_yours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			if tt.edit != nil {
				tt.edit(c)
			}
			err := c.CheckUsable(tt.store, tt.now, tt.byShopper, tt.by, tt.granted)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("CheckUsable: %v", err)
				}
				return
			}
			wantDomainError(t, err, domain.EINVALID, tt.reason)
		})
	}
}
