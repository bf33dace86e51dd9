package domain_test

import (
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
)

func TestCouponAvailability(t *testing.T) {
	in := validCoupon(domain.CouponAmount)
	in.PerShopperLimit, in.TotalLimit, in.Granted = ptr(3), ptr(10), ptr(true)
	in.StoreCodes = &[]string{"DEMO02", "DEMO01"}
	c, err := domain.NewCoupon(1, "GIFT3", in, testNow)
	if err != nil {
		t.Fatal(err)
	}
	at := priceNow.Add(time.Hour)
	tests := []struct {
		name      string
		now       time.Time
		usage     domain.CouponUsage
		remaining int
		reason    string
	}{
		{"unused", at, domain.CouponUsage{Granted: true}, 3, ""},
		{"used once", at, domain.CouponUsage{UsedByShopper: 1, UsedTotal: 4, Granted: true}, 2, ""},
		{"budget nearly gone", at, domain.CouponUsage{UsedByShopper: 0, UsedTotal: 9, Granted: true}, 1, ""},
		{"limit reached", at, domain.CouponUsage{UsedByShopper: 3, UsedTotal: 3, Granted: true}, 0, "coupon_limit_reached"},
		{"budget used up", at, domain.CouponUsage{UsedTotal: 10, Granted: true}, 0, "coupon_used_up"},
		{"expired", priceNow.Add(31 * 24 * time.Hour), domain.CouponUsage{Granted: true}, 0, "coupon_expired"},
		{"not started", priceNow.Add(-time.Minute), domain.CouponUsage{Granted: true}, 0, "coupon_not_started"},
		{"not granted", at, domain.CouponUsage{}, 0, "coupon_not_yours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := c.Availability(tt.now, tt.usage)
			if n != tt.remaining {
				t.Errorf("remaining = %d, want %d", n, tt.remaining)
			}
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Availability: %v", err)
				}
				return
			}
			wantDomainError(t, err, domain.EINVALID, tt.reason)
		})
	}
	c.Active = false
	if _, err := c.Availability(at, domain.CouponUsage{Granted: true}); domain.ErrorReason(err) != "coupon_inactive" {
		t.Errorf("inactive coupon: %v, want coupon_inactive", err)
	}
}
