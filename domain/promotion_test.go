package domain_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// validPromotion is a valid input of each kind, named and with a window.
func validPromotion(k domain.PromotionKind) domain.PromotionInput {
	var in domain.PromotionInput
	switch k {
	case domain.PromoPercentOff:
		in = on(percentOff("15"), "MILK")
	case domain.PromoSpecialPrice:
		in = on(specialPrice("3.99"), "MILK")
	case domain.PromoMultiBuy:
		in = on(multiBuy(3, "10.00"), "MILK")
	case domain.PromoBuyGet:
		in = on(buyGet(2, 1), "MILK")
	case domain.PromoThreshold:
		in = threshold("100.00", "10.00")
	default:
		in.Kind = &k
	}
	in.Name = ptr("Summer deal")
	in.StartsAt, in.EndsAt = ptr(priceNow), ptr(priceNow.Add(7*24*time.Hour))
	return in
}

func TestNewPromotionAcceptsEachKind(t *testing.T) {
	for _, k := range []domain.PromotionKind{domain.PromoPercentOff, domain.PromoSpecialPrice, domain.PromoMultiBuy, domain.PromoBuyGet, domain.PromoThreshold} {
		t.Run(string(k), func(t *testing.T) {
			p, err := domain.NewPromotion(5, validPromotion(k), testNow)
			if err != nil {
				t.Fatal(err)
			}
			if p.ID != 5 || p.Kind != k || !p.Active || !p.CreatedAt.Equal(testNow) || !p.UpdatedAt.Equal(testNow) {
				t.Errorf("promotion = %+v", p)
			}
		})
	}
}

func TestNewPromotionNormalisesScope(t *testing.T) {
	in := validPromotion(domain.PromoPercentOff)
	in.Name = ptr("  Fruit week ")
	in.StoreCodes = &[]string{" demo02", "DEMO01", "demo02"}
	in.SKUs = &[]string{"B-2", " A.1 ", "B-2"}
	in.Categories = &[]string{"fruit ", "Dairy", "fruit"}
	in.Active = ptr(false)
	p, err := domain.NewPromotion(1, in, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Fruit week" || !slices.Equal(p.StoreCodes, []string{"DEMO01", "DEMO02"}) ||
		!slices.Equal(p.SKUs, []string{"A.1", "B-2"}) || !slices.Equal(p.Categories, []string{"Dairy", "fruit"}) || p.Active {
		t.Errorf("promotion = %+v", p)
	}
}

func TestNewPromotionAcceptsBoundaries(t *testing.T) {
	edits := map[string]func(in *domain.PromotionInput){
		"percent 0.01":          func(in *domain.PromotionInput) { in.Percent = yuanPtr("0.01") },
		"percent 99.99":         func(in *domain.PromotionInput) { in.Percent = yuanPtr("99.99") },
		"category only":         func(in *domain.PromotionInput) { in.SKUs, in.Categories = nil, &[]string{"fruit"} },
		"1000 skus":             func(in *domain.PromotionInput) { in.SKUs = manySKUs(1000) },
		"window of one instant": func(in *domain.PromotionInput) { in.EndsAt = ptr(in.StartsAt.Add(time.Nanosecond)) },
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			in := validPromotion(domain.PromoPercentOff)
			edit(&in)
			if _, err := domain.NewPromotion(1, in, testNow); err != nil {
				t.Fatal(err)
			}
		})
	}
	mb := validPromotion(domain.PromoMultiBuy)
	mb.Quantity = ptr(999)
	bg := validPromotion(domain.PromoBuyGet)
	bg.BuyQuantity, bg.GetQuantity = ptr(1), ptr(999)
	th := validPromotion(domain.PromoThreshold)
	th.MinAmount, th.DiscountAmount = yuanPtr("0.02"), yuanPtr("0.01")
	for _, in := range []domain.PromotionInput{mb, bg, th} {
		if _, err := domain.NewPromotion(1, in, testNow); err != nil {
			t.Errorf("%s: %v", *in.Kind, err)
		}
	}
}

func manySKUs(n int) *[]string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("SKU%06d", i)
	}
	return &s
}

func TestNewPromotionReportsEachBadField(t *testing.T) {
	type edit = func(in *domain.PromotionInput)
	tests := []struct {
		name  string
		kind  domain.PromotionKind
		edit  edit
		field string
	}{
		{"missing name", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.Name = nil }, "name"},
		{"blank name", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.Name = ptr("  ") }, "name"},
		{"101-rune name", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.Name = ptr(strings.Repeat("促", 101)) }, "name"},
		{"missing kind", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.Kind, in.Percent = nil, nil }, "kind"},
		{"unknown kind", "bogo", func(in *domain.PromotionInput) { in.SKUs = &[]string{"MILK"} }, "kind"},
		{"percent missing", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.Percent = nil }, "percent"},
		{"percent 0", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.Percent = yuanPtr("0") }, "percent"},
		{"percent 100", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.Percent = yuanPtr("100") }, "percent"},
		{"percent negative", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.Percent = yuanPtr("-5") }, "percent"},
		{"percent 3 decimals", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.Percent = yuanPtr("12.345") }, "percent"},
		{"price on percent_off", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.Price = yuanPtr("1.00") }, "price"},
		{"quantity on percent_off", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.Quantity = ptr(3) }, "quantity"},
		{"min_amount on percent_off", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.MinAmount = yuanPtr("10.00") }, "min_amount"},
		{"no sku or category", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.SKUs, in.Categories = nil, nil }, "skus"},
		{"empty sku lists", domain.PromoSpecialPrice, func(in *domain.PromotionInput) { in.SKUs = &[]string{} }, "skus"},
		{"bad sku", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.SKUs = &[]string{"MILK", "a b"} }, "skus"},
		{"1001 skus", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.SKUs = manySKUs(1001) }, "skus"},
		{"blank category", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.Categories = &[]string{" "} }, "categories"},
		{"65-rune category", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.Categories = &[]string{strings.Repeat("c", 65)} }, "categories"},
		{"bad store code", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.StoreCodes = &[]string{"DEMO 01"} }, "store_codes"},
		{"missing starts_at", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.StartsAt = nil }, "starts_at"},
		{"missing ends_at", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.EndsAt = nil }, "ends_at"},
		{"ends_at = starts_at", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.EndsAt = in.StartsAt }, "ends_at"},
		{"ends before it starts", domain.PromoPercentOff, func(in *domain.PromotionInput) { in.EndsAt = ptr(in.StartsAt.Add(-time.Hour)) }, "ends_at"},
		{"price missing", domain.PromoSpecialPrice, func(in *domain.PromotionInput) { in.Price = nil }, "price"},
		{"price negative", domain.PromoSpecialPrice, func(in *domain.PromotionInput) { in.Price = yuanPtr("-1.00") }, "price"},
		{"price 3 decimals", domain.PromoSpecialPrice, func(in *domain.PromotionInput) { in.Price = yuanPtr("3.999") }, "price"},
		{"price too high", domain.PromoSpecialPrice, func(in *domain.PromotionInput) { in.Price = yuanPtr("1000000.01") }, "price"},
		{"percent on special_price", domain.PromoSpecialPrice, func(in *domain.PromotionInput) { in.Percent = yuanPtr("10") }, "percent"},
		{"multi_buy quantity 1", domain.PromoMultiBuy, func(in *domain.PromotionInput) { in.Quantity = ptr(1) }, "quantity"},
		{"multi_buy quantity 1000", domain.PromoMultiBuy, func(in *domain.PromotionInput) { in.Quantity = ptr(1000) }, "quantity"},
		{"multi_buy quantity missing", domain.PromoMultiBuy, func(in *domain.PromotionInput) { in.Quantity = nil }, "quantity"},
		{"bundle_price missing", domain.PromoMultiBuy, func(in *domain.PromotionInput) { in.BundlePrice = nil }, "bundle_price"},
		{"bundle_price 3 decimals", domain.PromoMultiBuy, func(in *domain.PromotionInput) { in.BundlePrice = yuanPtr("9.999") }, "bundle_price"},
		{"buy_get_quantity on multi_buy", domain.PromoMultiBuy, func(in *domain.PromotionInput) { in.GetQuantity = ptr(1) }, "get_quantity"},
		{"buy_quantity missing", domain.PromoBuyGet, func(in *domain.PromotionInput) { in.BuyQuantity = nil }, "buy_quantity"},
		{"buy_quantity negative", domain.PromoBuyGet, func(in *domain.PromotionInput) { in.BuyQuantity = ptr(-1) }, "buy_quantity"},
		{"get_quantity 0", domain.PromoBuyGet, func(in *domain.PromotionInput) { in.GetQuantity = ptr(0) }, "get_quantity"},
		{"get_quantity 1000", domain.PromoBuyGet, func(in *domain.PromotionInput) { in.GetQuantity = ptr(1000) }, "get_quantity"},
		{"bundle_price on buy_get", domain.PromoBuyGet, func(in *domain.PromotionInput) { in.BundlePrice = yuanPtr("1.00") }, "bundle_price"},
		{"threshold with skus", domain.PromoThreshold, func(in *domain.PromotionInput) { in.SKUs = &[]string{"MILK"} }, "skus"},
		{"threshold with categories", domain.PromoThreshold, func(in *domain.PromotionInput) { in.Categories = &[]string{"fruit"} }, "skus"},
		{"min_amount missing", domain.PromoThreshold, func(in *domain.PromotionInput) { in.MinAmount = nil }, "min_amount"},
		{"min_amount 3 decimals", domain.PromoThreshold, func(in *domain.PromotionInput) { in.MinAmount = yuanPtr("100.001") }, "min_amount"},
		{"discount_amount missing", domain.PromoThreshold, func(in *domain.PromotionInput) { in.DiscountAmount = nil }, "discount_amount"},
		{"discount = min", domain.PromoThreshold, func(in *domain.PromotionInput) { in.DiscountAmount = yuanPtr("100.00") }, "discount_amount"},
		{"discount above min", domain.PromoThreshold, func(in *domain.PromotionInput) { in.DiscountAmount = yuanPtr("150.00") }, "discount_amount"},
		{"discount negative", domain.PromoThreshold, func(in *domain.PromotionInput) { in.DiscountAmount = yuanPtr("-1.00") }, "discount_amount"},
		{"percent on threshold", domain.PromoThreshold, func(in *domain.PromotionInput) { in.Percent = yuanPtr("10") }, "percent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validPromotion(tt.kind)
			tt.edit(&in)
			p, err := domain.NewPromotion(1, in, testNow)
			if err == nil {
				t.Fatalf("NewPromotion accepted it: %+v", p)
			}
			if got := fieldNames(t, err, "promotion_invalid"); !slices.Equal(got, []string{tt.field}) {
				t.Fatalf("fields = %v, want [%s] (%v)", got, tt.field, err)
			}
		})
	}
}

func TestNewPromotionListsAllBadFieldsAtOnce(t *testing.T) {
	_, err := domain.NewPromotion(1, domain.PromotionInput{Kind: kind(domain.PromoMultiBuy), Price: yuanPtr("1.00")}, testNow)
	want := []string{"bundle_price", "ends_at", "name", "price", "quantity", "skus", "starts_at"}
	if got := fieldNames(t, err, "promotion_invalid"); !slices.Equal(got, want) {
		t.Errorf("fields = %v, want %v", got, want)
	}
}

func TestPromotionUpdate(t *testing.T) {
	p, err := domain.NewPromotion(1, validPromotion(domain.PromoPercentOff), testNow)
	if err != nil {
		t.Fatal(err)
	}
	before := *p
	later := testNow.Add(time.Hour)
	for name, in := range map[string]domain.PromotionInput{
		"kind change":     {Kind: kind(domain.PromoSpecialPrice), Price: yuanPtr("1.00")},
		"field not used":  {Price: yuanPtr("1.00")},
		"bad percent":     {Percent: yuanPtr("100")},
		"window reversed": {EndsAt: ptr(p.StartsAt)},
	} {
		if err := p.Update(in, later); err == nil {
			t.Errorf("%s: Update accepted it", name)
		} else {
			fieldNames(t, err, "promotion_invalid")
		}
		if p.UpdatedAt != before.UpdatedAt || !p.Percent.Equal(before.Percent) || !p.EndsAt.Equal(before.EndsAt) {
			t.Errorf("%s: a refused update changed the promotion: %+v", name, p)
		}
	}
	if err := p.Update(domain.PromotionInput{Kind: kind(domain.PromoPercentOff), Percent: yuanPtr("20"), Active: ptr(false)}, later); err != nil {
		t.Fatal(err)
	}
	if !p.Percent.Equal(yuan("20")) || p.Active || !p.UpdatedAt.Equal(later) || !p.CreatedAt.Equal(testNow) || p.Name != before.Name {
		t.Errorf("updated promotion = %+v", p)
	}
}

func TestPromotionApplies(t *testing.T) {
	p, err := domain.NewPromotion(1, validPromotion(domain.PromoPercentOff), testNow)
	if err != nil {
		t.Fatal(err)
	}
	scoped := *p
	scoped.StoreCodes = []string{"DEMO01", "DEMO02"}
	off := *p
	off.Active = false
	tests := []struct {
		name  string
		p     *domain.Promotion
		store string
		at    time.Time
		want  bool
	}{
		{"all stores, at starts_at", p, "ANY", p.StartsAt, true},
		{"just before starts_at", p, "ANY", p.StartsAt.Add(-time.Nanosecond), false},
		{"just before ends_at", p, "ANY", p.EndsAt.Add(-time.Nanosecond), true},
		{"at ends_at", p, "ANY", p.EndsAt, false},
		{"listed store", &scoped, "DEMO02", p.StartsAt, true},
		{"unlisted store", &scoped, "DEMO03", p.StartsAt, false},
		{"inactive", &off, "ANY", p.StartsAt, false},
	}
	for _, tt := range tests {
		if got := tt.p.Applies(tt.store, tt.at); got != tt.want {
			t.Errorf("%s: Applies = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestPromotionMatches(t *testing.T) {
	in := validPromotion(domain.PromoPercentOff)
	in.Categories = &[]string{"Fruit"}
	p, err := domain.NewPromotion(1, in, testNow)
	if err != nil {
		t.Fatal(err)
	}
	th, err := domain.NewPromotion(2, validPromotion(domain.PromoThreshold), testNow)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		p             *domain.Promotion
		sku, category string
		want          bool
	}{
		{p, "MILK", "", true},
		{p, "milk", "", false}, // skus are exact
		{p, "KIWI", "fruit", true},
		{p, "KIWI", "FRUIT", true},
		{p, "KIWI", "vegetables", false},
		{p, "KIWI", "", false},
		{th, "MILK", "Fruit", false},
	}
	for _, tt := range tests {
		if got := tt.p.Matches(tt.sku, tt.category); got != tt.want {
			t.Errorf("%s.Matches(%q, %q) = %v, want %v", tt.p.Kind, tt.sku, tt.category, got, tt.want)
		}
	}
}

func TestPromotionKindUses(t *testing.T) {
	if !domain.PromoMultiBuy.Uses("bundle_price") || domain.PromoMultiBuy.Uses("percent") || domain.PromotionKind("x").Uses("percent") {
		t.Error("Uses disagrees with the kinds' fields")
	}
	if !domain.PromoThreshold.Basket() || domain.PromoBuyGet.Basket() || domain.PromotionKind("x").Valid() {
		t.Error("Basket/Valid wrong")
	}
}
