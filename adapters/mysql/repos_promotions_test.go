package mysql_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
)

// promoStart is the start of the test promotions' windows; they run a week.
var promoStart = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// newPromotion builds a valid promotion of a kind with its parameters, a
// store scope and a one-week window from promoStart.
func newPromotion(t *testing.T, id int64, kind domain.PromotionKind, stores ...string) *domain.Promotion {
	t.Helper()
	in := domain.PromotionInput{Name: rptr(fmt.Sprintf("Promo %d", id)), Kind: &kind, StoreCodes: &stores,
		StartsAt: rptr(promoStart), EndsAt: rptr(promoStart.Add(7 * 24 * time.Hour))}
	if !kind.Basket() {
		in.SKUs, in.Categories = &[]string{"MILK-1L", "TEA-500"}, &[]string{"dairy", "饮料 drinks"}
	}
	switch kind {
	case domain.PromoPercentOff:
		in.Percent = rdec("12.5")
	case domain.PromoSpecialPrice:
		in.Price = rdec("3.99")
	case domain.PromoMultiBuy:
		in.Quantity, in.BundlePrice = rptr(3), rdec("10.00")
	case domain.PromoBuyGet:
		in.BuyQuantity, in.GetQuantity = rptr(2), rptr(1)
	case domain.PromoThreshold:
		in.MinAmount, in.DiscountAmount = rdec("100.00"), rdec("10.00")
	}
	p, err := domain.NewPromotion(id, in, repoNow.Add(time.Duration(id)*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// promoKey flattens every field of a promotion: decimals by value, times
// as UTC at microseconds, so two promotions compare with ==.
func promoKey(p *domain.Promotion) string {
	tm := func(t time.Time) string { return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano) }
	return fmt.Sprintf("%d|%s|%s|%s|%s|%s|%s|%s|%d|%s|%d|%d|%s|%s|%s|%s|%v|%s|%s",
		p.ID, p.Name, p.Kind, strings.Join(p.StoreCodes, ","), strings.Join(p.SKUs, ","), strings.Join(p.Categories, ","),
		p.Percent.String(), p.Price.String(), p.Quantity, p.BundlePrice.String(), p.BuyQuantity, p.GetQuantity,
		p.MinAmount.String(), p.DiscountAmount.String(), tm(p.StartsAt), tm(p.EndsAt), p.Active, tm(p.CreatedAt), tm(p.UpdatedAt))
}

func samePromotion(t *testing.T, got, want *domain.Promotion) {
	t.Helper()
	if g, w := promoKey(got), promoKey(want); g != w {
		t.Errorf("promotion:\n got %s\nwant %s", g, w)
	}
	if got.StartsAt.Location() != time.UTC || got.CreatedAt.Location() != time.UTC {
		t.Errorf("times not in UTC: %s, %s", got.StartsAt.Location(), got.CreatedAt.Location())
	}
}

func TestPromotionRepoRoundTripsEveryKind(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewPromotionRepo(db)
		ctx := context.Background()
		kinds := []domain.PromotionKind{domain.PromoPercentOff, domain.PromoSpecialPrice, domain.PromoMultiBuy, domain.PromoBuyGet, domain.PromoThreshold}
		var created []*domain.Promotion
		for i, k := range kinds {
			p := newPromotion(t, int64(i+1), k, "DEMO01", "SH_02")
			if i == 0 {
				p.StoreCodes = nil // every store
			}
			if err := repo.CreatePromotion(ctx, p); err != nil {
				t.Fatalf("create %s: %v", k, err)
			}
			created = append(created, p)
		}
		for _, want := range created {
			got, err := repo.PromotionByID(ctx, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			samePromotion(t, got, want)
		}
		_, err := repo.PromotionByID(ctx, 99)
		wantCode(t, err, domain.ENOTFOUND, "promotion_not_found")

		var pages [][]int64
		for after := int64(0); ; {
			page, err := repo.ListPromotions(ctx, domain.Page{Limit: 2, After: after})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			var ids []int64
			for _, p := range page {
				ids = append(ids, p.ID)
				after = p.ID
			}
			pages = append(pages, ids)
		}
		if fmt.Sprint(pages) != "[[1 2] [3 4] [5]]" {
			t.Errorf("pages = %v", pages)
		}
	})
}

func TestPromotionRepoUpdate(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewPromotionRepo(db)
		ctx := context.Background()
		p := newPromotion(t, 1, domain.PromoMultiBuy, "DEMO01")
		if err := repo.CreatePromotion(ctx, p); err != nil {
			t.Fatal(err)
		}
		later := repoNow.Add(time.Hour + 123456789*time.Nanosecond)
		newEnd := promoStart.Add(48 * time.Hour)
		got, err := repo.UpdatePromotion(ctx, 1, func(p *domain.Promotion) error {
			return p.Update(domain.PromotionInput{Name: rptr("Three for nine"), StoreCodes: &[]string{}, SKUs: &[]string{"X-1"},
				Categories: &[]string{}, Quantity: rptr(3), BundlePrice: rdec("9.00"), EndsAt: &newEnd, Active: rptr(false)}, later)
		})
		if err != nil {
			t.Fatal(err)
		}
		want := *p
		want.Name, want.StoreCodes, want.SKUs, want.Categories = "Three for nine", nil, []string{"X-1"}, nil
		want.BundlePrice, want.EndsAt, want.Active, want.UpdatedAt = *rdec("9"), newEnd, false, later
		samePromotion(t, got, &want)
		stored, err := repo.PromotionByID(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		samePromotion(t, stored, &want)

		// fn's error changes nothing; an unknown id never calls fn.
		_, err = repo.UpdatePromotion(ctx, 1, func(p *domain.Promotion) error { p.Name = "lost"; return errBoom })
		if err != errBoom {
			t.Fatalf("err = %v, want errBoom", err)
		}
		if again, _ := repo.PromotionByID(ctx, 1); again.Name != "Three for nine" {
			t.Errorf("a failed update saved name %q", again.Name)
		}
		_, err = repo.UpdatePromotion(ctx, 7, func(*domain.Promotion) error { t.Error("fn called"); return nil })
		wantCode(t, err, domain.ENOTFOUND, "promotion_not_found")
	})
}

// The row is locked while fn runs: parallel updates that each add a SKU
// lose none.
func TestPromotionRepoUpdateLocksTheRow(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewPromotionRepo(db)
		ctx := context.Background()
		if err := repo.CreatePromotion(ctx, newPromotion(t, 1, domain.PromoPercentOff, "DEMO01")); err != nil {
			t.Fatal(err)
		}
		const n = 8
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				_, err := repo.UpdatePromotion(ctx, 1, func(p *domain.Promotion) error {
					skus := append(slices.Clone(p.SKUs), fmt.Sprintf("ADD-%d", i))
					return p.Update(domain.PromotionInput{SKUs: &skus}, p.UpdatedAt)
				})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		p, err := repo.PromotionByID(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.SKUs) != 2+n {
			t.Errorf("skus after %d parallel additions: %v", n, p.SKUs)
		}
	})
}

// PromotionsInForce keeps what applies in the store now: active, in the
// store's scope (a code that merely contains the store's, or matches it
// by a LIKE wildcard, does not count), starts_at ≤ now < ends_at.
func TestPromotionsInForce(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewPromotionRepo(db)
		ctx := context.Background()
		now := promoStart.Add(24*time.Hour + 500*time.Microsecond)
		type spec struct {
			stores       []string
			starts, ends time.Time
			active       bool
		}
		week := promoStart.Add(7 * 24 * time.Hour)
		specs := map[int64]spec{
			1:  {nil, promoStart, week, true},                                   // every store
			2:  {[]string{"AB_1"}, promoStart, week, true},                      // the store
			3:  {[]string{"DEMO01", "AB_1", "ZZ9"}, promoStart, week, true},     // among others
			4:  {[]string{"ABX1"}, promoStart, week, true},                      // '_' must not match 'X'
			5:  {[]string{"AB_10"}, promoStart, week, true},                     // contains the code
			6:  {[]string{"AB_1"}, promoStart, week, false},                     // switched off
			7:  {[]string{"AB_1"}, now, week, true},                             // starts now: in
			8:  {[]string{"AB_1"}, promoStart, now, true},                       // ends now: out
			9:  {[]string{"AB_1"}, now.Add(time.Microsecond), week, true},       // not started
			10: {nil, promoStart, now.Add(-time.Microsecond), true},             // over
			11: {[]string{"AB_1"}, promoStart, now.Add(time.Microsecond), true}, // last microsecond
		}
		for id := int64(1); id <= int64(len(specs)); id++ {
			s := specs[id]
			p := newPromotion(t, id, domain.PromoPercentOff)
			p.StoreCodes, p.StartsAt, p.EndsAt, p.Active = s.stores, s.starts, s.ends, s.active
			if id == 3 {
				p.CreatedAt = repoNow.Add(-time.Hour) // oldest: comes first
			}
			if err := repo.CreatePromotion(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		got, err := repo.PromotionsInForce(ctx, "AB_1", now)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, p := range got {
			ids = append(ids, p.ID)
		}
		if want := []int64{3, 1, 2, 7, 11}; !slices.Equal(ids, want) {
			t.Errorf("in force in AB_1: %v, want %v (oldest first)", ids, want)
		}
		if other, err := repo.PromotionsInForce(ctx, "ZZ9", now); err != nil || len(other) != 2 || other[0].ID != 3 || other[1].ID != 1 {
			t.Errorf("in force in ZZ9: %d promotions (%v), want 3 and 1", len(other), err)
		}
		if none, err := repo.PromotionsInForce(ctx, "AB_1", week.Add(time.Hour)); err != nil || len(none) != 0 {
			t.Errorf("after every window: %d promotions (%v)", len(none), err)
		}
	})
}
