package domain_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

const propertyCarts = 4000

// checkCartInvariants holds a priced cart to DESIGN §4 step 6: nothing
// negative, whole cents, each line's net = list − its discounts, each basket
// or coupon discount's shares summing to it exactly, and totals that are the
// sums of the lines, with Total = Subtotal − DiscountTotal.
func checkCartInvariants(t *testing.T, in domain.PricingInput, c domain.PricedCart) {
	t.Helper()
	amount := func(what string, d decimal.Decimal) {
		t.Helper()
		if d.IsNegative() || !d.Equal(d.Round(2)) {
			t.Errorf("%s = %s: negative or not whole cents", what, d)
		}
	}
	if len(c.Lines) != len(in.Lines) {
		t.Fatalf("%d priced lines for %d lines", len(c.Lines), len(in.Lines))
	}
	var subtotal, discounts, total, thr, cpn decimal.Decimal
	for i, l := range c.Lines {
		if l.ID != in.Lines[i].ID {
			t.Errorf("line %d has id %d, want %d (input order)", i, l.ID, in.Lines[i].ID)
		}
		amount("unit price", l.UnitPrice)
		amount("list amount", l.ListAmount)
		amount("net amount", l.NetAmount)
		net := l.ListAmount
		var kinds []string
		for _, d := range l.Discounts {
			amount("discount "+d.Kind, d.Amount)
			if !d.Amount.IsPositive() {
				t.Errorf("line %d lists a zero %s discount", l.ID, d.Kind)
			}
			net = net.Sub(d.Amount)
			discounts = discounts.Add(d.Amount)
			group := "item"
			switch d.Kind {
			case string(domain.PromoThreshold):
				group, thr = "threshold", thr.Add(d.Amount)
			case domain.DiscountCoupon:
				group, cpn = "coupon", cpn.Add(d.Amount)
			}
			if slices.Contains(kinds, group) {
				t.Errorf("line %d has two %s discounts: %+v", l.ID, group, l.Discounts)
			}
			kinds = append(kinds, group)
		}
		if !net.Equal(l.NetAmount) {
			t.Errorf("line %d: net %s, but list − discounts = %s", l.ID, l.NetAmount, net)
		}
		subtotal, total = subtotal.Add(l.ListAmount), total.Add(l.NetAmount)
	}
	amount("subtotal", c.Subtotal)
	amount("discount total", c.DiscountTotal)
	amount("total", c.Total)
	if !c.Subtotal.Equal(subtotal) || !c.DiscountTotal.Equal(discounts) || !c.Total.Equal(total) {
		t.Errorf("totals %s/%s/%s, sums of lines %s/%s/%s", c.Subtotal, c.DiscountTotal, c.Total, subtotal, discounts, total)
	}
	if !c.Subtotal.Sub(c.DiscountTotal).Equal(c.Total) {
		t.Errorf("subtotal %s − discount total %s ≠ total %s", c.Subtotal, c.DiscountTotal, c.Total)
	}
	if (c.Threshold == nil && !thr.IsZero()) || (c.Threshold != nil && !c.Threshold.Amount.Equal(thr)) {
		t.Errorf("threshold %+v, line shares sum to %s", c.Threshold, thr)
	}
	if (c.Coupon == nil && !cpn.IsZero()) || (c.Coupon != nil && !c.Coupon.Amount.Equal(cpn)) {
		t.Errorf("coupon %+v, line shares sum to %s", c.Coupon, cpn)
	}
	if applied, problem := c.Coupon != nil, c.CouponProblem != nil; in.Coupon != nil && applied == problem || in.Coupon == nil && (applied || problem) {
		t.Errorf("coupon given %v, applied %v, problem %v", in.Coupon != nil, applied, c.CouponProblem)
	}
}

// cartGen makes random carts built to collide: few skus, few prices, equal
// creation times, tiny amounts, so ties, zero nets and rounding guards come
// up often.
type cartGen struct {
	t testing.TB
	r *rand.Rand
}

var (
	genSKUs       = []string{"A", "B", "C", "D", "E"}
	genCategories = []string{"fruit", "Dairy", "fresh", ""}
	genPrices     = []int64{1, 2, 3, 5, 33, 100, 333, 334, 350, 999, 1500, 4550}
)

func (g cartGen) cents(maxCents int64) decimal.Decimal {
	return decimal.New(1+g.r.Int64N(maxCents), -2)
}

func (g cartGen) price() decimal.Decimal {
	if g.r.IntN(2) == 0 {
		return decimal.New(genPrices[g.r.IntN(len(genPrices))], -2)
	}
	return g.cents(20000)
}

func (g cartGen) line(id int64, tiny bool) domain.PriceLine {
	l := domain.PriceLine{ID: id, SKU: genSKUs[g.r.IntN(len(genSKUs))], Category: genCategories[g.r.IntN(len(genCategories))],
		UnitPrice: g.price(), Quantity: decimal.NewFromInt(1 + g.r.Int64N(12))}
	if tiny {
		l.UnitPrice, l.Quantity = decimal.New(1+g.r.Int64N(3), -2), decimal.NewFromInt(1)
		return l
	}
	if g.r.IntN(3) == 0 {
		l.Weighed, l.Quantity = true, decimal.New(1+g.r.Int64N(3000), -3)
		if g.r.IntN(3) == 0 {
			l.LabelAmount = ptr(decimal.New(g.r.Int64N(10000), -2))
		}
	}
	if g.r.IntN(3) == 0 {
		l.MemberPrice = ptr(g.price())
	}
	return l
}

func (g cartGen) promotion(id int64) *domain.Promotion {
	var in domain.PromotionInput
	switch g.r.IntN(5) {
	case 0:
		in = percentOff(decimal.New(1+g.r.Int64N(9999), -2).String())
	case 1:
		in = specialPrice(g.price().String())
	case 2:
		in = multiBuy(2+g.r.IntN(4), g.cents(5000).String())
	case 3:
		in = buyGet(1+g.r.IntN(3), 1+g.r.IntN(2))
	default:
		minAmount := 2 + g.r.Int64N(20000)
		in = threshold(decimal.New(minAmount, -2).String(), decimal.New(1+g.r.Int64N(minAmount-1), -2).String())
	}
	if *in.Kind != domain.PromoThreshold {
		var scope []string
		for len(scope) == 0 {
			for _, s := range append(slices.Clone(genSKUs), "cat:FRUIT", "cat:dairy", "cat:fresh") {
				if g.r.IntN(4) == 0 {
					scope = append(scope, s)
				}
			}
		}
		in = on(in, scope...)
	}
	switch g.r.IntN(10) {
	case 0:
		in.Active = ptr(false)
	case 1:
		in.StoreCodes = &[]string{"OTHER"}
	case 2:
		in.StoreCodes = &[]string{"DEMO01", "OTHER"}
	case 3:
		in.StartsAt, in.EndsAt = ptr(priceNow.Add(time.Hour)), ptr(priceNow.Add(2*time.Hour))
	}
	p := promo(g.t, id, in)
	p.CreatedAt = priceNow.Add(-time.Duration(g.r.IntN(3)) * time.Hour) // equal creation times: ties by id
	return p
}

func (g cartGen) coupon(tiny bool) *domain.Coupon {
	in := amountCoupon(g.cents(3000).String(), decimal.New(g.r.Int64N(10000)*int64(g.r.IntN(2)), -2).String())
	if tiny {
		in.Amount = ptr(decimal.New(1+g.r.Int64N(10), -2))
		in.MinSpend = ptr(decimal.Zero)
	} else if g.r.IntN(2) == 0 {
		maxD := ""
		if g.r.IntN(2) == 0 {
			maxD = g.cents(2000).String()
		}
		in = percentCoupon(decimal.New(1+g.r.Int64N(9999), -2).String(), maxD, in.MinSpend.String())
	}
	switch g.r.IntN(10) {
	case 0:
		in.Active = ptr(false)
	case 1:
		in.StoreCodes = &[]string{"OTHER"}
	case 2:
		in.EndsAt = ptr(priceNow)
	}
	return coupon(g.t, 70, "GEN", in)
}

func (g cartGen) input() domain.PricingInput {
	tiny := g.r.IntN(5) == 0
	in := domain.PricingInput{StoreCode: "DEMO01", Member: g.r.IntN(2) == 0, Now: priceNow}
	n := g.r.IntN(13)
	if tiny {
		n = 2 + g.r.IntN(30)
	}
	for i := range n {
		in.Lines = append(in.Lines, g.line(int64(i+1), tiny))
	}
	for id := range int64(g.r.IntN(7)) {
		in.Promotions = append(in.Promotions, g.promotion(id+1))
	}
	if tiny || g.r.IntN(5) < 3 {
		in.Coupon = g.coupon(tiny)
	}
	return in
}

// TestPriceProperties prices thousands of random carts and holds each to
// the model (cent for cent), the invariants, determinism and cart order.
func TestPriceProperties(t *testing.T) {
	g := cartGen{t: t, r: rand.New(rand.NewPCG(20250601, 5))}
	seen := map[string]int{}
	for i := range propertyCarts {
		in := g.input()
		cart, err := domain.Price(in)
		if err != nil {
			t.Fatalf("cart %d: Price: %v", i, err)
		}
		checkCartInvariants(t, in, cart)
		m := newPricingModel(in)
		got, want := strings.Join(render(cart), "\n"), strings.Join(m.render(in), "\n")
		if got != want {
			t.Fatalf("cart %d differs from the model:\n%s\nmodel:\n%s\ninput: %+v", i, got, want, in)
		}
		if !m.onePass {
			t.Errorf("cart %d: a rounding guard needed more than one cent per line", i)
		}
		again, _ := domain.Price(in)
		if strings.Join(render(again), "\n") != got {
			t.Fatalf("cart %d priced twice differently", i)
		}
		checkShuffled(t, g.r, in, cart, m)
		seen["settled_negative"] += m.settled[0]
		seen["settled_above_anchor"] += m.settled[1]
		for _, l := range cart.Lines {
			for _, d := range l.Discounts {
				seen[d.Kind]++
			}
		}
		if cart.CouponProblem != nil {
			seen[domain.ErrorReason(cart.CouponProblem)]++
		}
	}
	t.Logf("covered: %v", seen)
	for _, k := range []string{"percent_off", "special_price", "multi_buy", "buy_get", "threshold", "coupon",
		"settled_negative", "settled_above_anchor", "coupon_min_spend", "coupon_no_discount", "coupon_expired"} {
		if seen[k] == 0 {
			t.Errorf("no random cart exercised %s; the generator needs tuning", k)
		}
	}
}

// checkShuffled prices the lines in another order. Totals never change, nor
// the multiset of line results; a line's own result can change only when
// another line had the same net at an allocation step (first in cart order
// takes the remainder).
func checkShuffled(t *testing.T, r *rand.Rand, in domain.PricingInput, cart domain.PricedCart, m *pricingModel) {
	t.Helper()
	sh := in
	sh.Lines = slices.Clone(in.Lines)
	r.Shuffle(len(sh.Lines), func(i, j int) { sh.Lines[i], sh.Lines[j] = sh.Lines[j], sh.Lines[i] })
	other, err := domain.Price(sh)
	if err != nil {
		t.Fatal(err)
	}
	a, b := render(cart), render(other)
	if a[len(a)-1] != b[len(b)-1] {
		t.Fatalf("totals change with cart order: %q vs %q", a[len(a)-1], b[len(b)-1])
	}
	byID := map[int64]string{}
	var netsA, netsB []string
	for i, l := range cart.Lines {
		byID[l.ID] = a[i]
		netsA = append(netsA, l.NetAmount.StringFixed(2))
	}
	for i, l := range other.Lines {
		netsB = append(netsB, l.NetAmount.StringFixed(2))
		j := slices.IndexFunc(in.Lines, func(x domain.PriceLine) bool { return x.ID == l.ID })
		unique := count(m.nets2, m.nets2[j]) == 1 && count(m.nets3, m.nets3[j]) == 1
		if unique && byID[l.ID] != b[i] {
			t.Fatalf("line %d changes with cart order although its nets are unique:\n%s\n%s", l.ID, byID[l.ID], b[i])
		}
	}
	slices.Sort(netsA)
	slices.Sort(netsB)
	if !slices.Equal(netsA, netsB) {
		t.Fatalf("net amounts change with cart order: %v vs %v", netsA, netsB)
	}
}

func count(xs []int64, x int64) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// BenchmarkPrice prices a 20-line basket against 30 promotions and a coupon,
// the work of one scan (DESIGN §10: scan → priced cart).
func BenchmarkPrice(b *testing.B) {
	g := cartGen{t: b, r: rand.New(rand.NewPCG(1, 2))}
	in := domain.PricingInput{StoreCode: "DEMO01", Member: true, Now: priceNow, Coupon: g.coupon(false)}
	for i := range 20 {
		in.Lines = append(in.Lines, g.line(int64(i+1), false))
	}
	for id := range int64(30) {
		in.Promotions = append(in.Promotions, g.promotion(id+1))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := domain.Price(in); err != nil {
			b.Fatal(err)
		}
	}
}
