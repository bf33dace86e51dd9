package domain_test

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// pricingModel is DESIGN §4 "Pricing" restated in int64 cents (quantities
// in thousandths, percents in hundredths), a second implementation the
// property tests hold Price to, cent for cent. Eligibility (Applies,
// Matches) is the entities' own; promotion_test.go covers it.
type pricingModel struct {
	lines        []modelLine
	nets2, nets3 []int64 // nets before the threshold and before the coupon
	thrID        int64
	thrD         int64
	cpnD         int64  // 0: the coupon is not applied
	cpnReason    string // why not, when a coupon was given
	settled      [2]int // allocations whose remainder was negative / above the anchor's net
	onePass      bool   // every settle needed at most one cent per line
}

type modelLine struct {
	id, unit, list, net int64
	itemKind            string
	itemID, item        int64
	thr, cpn            int64
}

func toCents(d decimal.Decimal) int64 { return d.Shift(2).IntPart() }
func toMilli(d decimal.Decimal) int64 { return d.Shift(3).IntPart() }

// halfUp is round(a / b) half-up for a ≥ 0, b > 0.
func halfUp(a, b int64) int64 { return (2*a + b) / (2 * b) }

func fmtCents(c int64) string {
	if c < 0 {
		return fmt.Sprintf("-%s", fmtCents(-c))
	}
	return fmt.Sprintf("%d.%02d", c/100, c%100)
}

func olderPromo(p, q *domain.Promotion) bool {
	if !p.CreatedAt.Equal(q.CreatedAt) {
		return p.CreatedAt.Before(q.CreatedAt)
	}
	return p.ID < q.ID
}

func modelItemDiscount(p *domain.Promotion, unit, q, list int64, weighed bool) int64 {
	var d int64
	switch {
	case p.Kind == domain.PromoPercentOff:
		d = halfUp(list*toCents(p.Percent), 10000)
	case weighed:
		return 0
	case p.Kind == domain.PromoSpecialPrice:
		if toCents(p.Price) >= unit {
			return 0
		}
		d = list - halfUp(toCents(p.Price)*q, 1000)
	case p.Kind == domain.PromoMultiBuy:
		n := int64(p.Quantity)
		d = q / (n * 1000) * (n*unit - toCents(p.BundlePrice))
	case p.Kind == domain.PromoBuyGet:
		d = q / (int64(p.BuyQuantity+p.GetQuantity) * 1000) * int64(p.GetQuantity) * unit
	}
	return max(0, min(d, list))
}

func newPricingModel(in domain.PricingInput) *pricingModel {
	m := &pricingModel{onePass: true}
	var items, baskets []*domain.Promotion
	for _, p := range in.Promotions {
		if p.Applies(in.StoreCode, in.Now) {
			if p.Kind == domain.PromoThreshold {
				baskets = append(baskets, p)
			} else {
				items = append(items, p)
			}
		}
	}
	nets := make([]int64, len(in.Lines))
	for i, l := range in.Lines {
		ml := modelLine{id: l.ID, unit: toCents(l.UnitPrice)}
		if in.Member && l.MemberPrice != nil && toCents(*l.MemberPrice) < ml.unit {
			ml.unit = toCents(*l.MemberPrice)
		}
		q := toMilli(l.Quantity)
		ml.list = halfUp(ml.unit*q, 1000)
		if l.LabelAmount != nil {
			ml.list = toCents(*l.LabelAmount)
		}
		var best *domain.Promotion
		for _, p := range items {
			if d := modelItemDiscount(p, ml.unit, q, ml.list, l.Weighed); p.Matches(l.SKU, l.Category) && d > 0 &&
				(best == nil || d > ml.item || d == ml.item && olderPromo(p, best)) {
				best, ml.item = p, d
			}
		}
		if best != nil {
			ml.itemKind, ml.itemID = string(best.Kind), best.ID
		}
		nets[i] = ml.list - ml.item
		m.lines = append(m.lines, ml)
	}
	m.nets2 = slices.Clone(nets)
	var bestT *domain.Promotion
	for _, p := range baskets {
		if toCents(p.MinAmount) <= sum64(nets) && (bestT == nil || p.DiscountAmount.GreaterThan(bestT.DiscountAmount) ||
			p.DiscountAmount.Equal(bestT.DiscountAmount) && olderPromo(p, bestT)) {
			bestT = p
		}
	}
	if bestT != nil {
		m.thrID, m.thrD = bestT.ID, min(toCents(bestT.DiscountAmount), sum64(nets))
		for i, s := range m.allocate(m.thrD, nets) {
			m.lines[i].thr, nets[i] = s, nets[i]-s
		}
	}
	m.nets3 = slices.Clone(nets)
	if c := in.Coupon; c != nil {
		n3 := sum64(nets)
		var d int64
		if c.Kind == domain.CouponAmount {
			d = toCents(c.Amount)
		} else {
			d = halfUp(n3*toCents(c.Percent), 10000)
			if c.MaxDiscount != nil {
				d = min(d, toCents(*c.MaxDiscount))
			}
		}
		d = min(d, n3)
		switch {
		case !c.Active:
			m.cpnReason = "coupon_inactive"
		case in.Now.Before(c.StartsAt):
			m.cpnReason = "coupon_not_started"
		case !in.Now.Before(c.EndsAt):
			m.cpnReason = "coupon_expired"
		case len(c.StoreCodes) > 0 && !slices.Contains(c.StoreCodes, in.StoreCode):
			m.cpnReason = "coupon_wrong_store"
		case n3 < toCents(c.MinSpend):
			m.cpnReason = "coupon_min_spend"
		case d <= 0:
			m.cpnReason = "coupon_no_discount"
		default:
			m.cpnD = d
			for i, s := range m.allocate(d, nets) {
				m.lines[i].cpn, nets[i] = s, nets[i]-s
			}
		}
	}
	for i := range m.lines {
		m.lines[i].net = nets[i]
	}
	return m
}

// allocate is step 5 with the documented guard (allocate.go), in cents.
func (m *pricingModel) allocate(d int64, nets []int64) []int64 {
	shares := make([]int64, len(nets))
	n := sum64(nets)
	if d <= 0 || n <= 0 {
		return shares
	}
	a := 0
	for i := range nets {
		if nets[i] > nets[a] {
			a = i
		}
	}
	rest := d
	var others []int
	for i := range nets {
		if i != a {
			shares[i] = halfUp(d*nets[i], n)
			rest -= shares[i]
			others = append(others, i)
		}
	}
	if rest < 0 || rest > nets[a] {
		over := rest < 0
		if over {
			m.settled[0]++
		} else {
			m.settled[1]++
		}
		errOf := func(i int) int64 { return shares[i]*n - d*nets[i] }
		slices.SortStableFunc(others, func(x, y int) int {
			ex, ey := errOf(x), errOf(y)
			switch {
			case ex != ey && over == (ex > ey):
				return -1
			case ex != ey:
				return 1
			case nets[x] != nets[y]:
				return int(nets[y] - nets[x])
			}
			return x - y
		})
		for _, i := range others {
			switch {
			case rest < 0 && shares[i] > 0:
				shares[i]--
				rest++
			case rest > nets[a] && shares[i] < nets[i]:
				shares[i]++
				rest--
			}
		}
		if rest < 0 || rest > nets[a] {
			m.onePass = false
		}
	}
	shares[a] = rest
	return shares
}

// render writes the model's result in the format of render(PricedCart).
func (m *pricingModel) render(in domain.PricingInput) []string {
	var out []string
	var subtotal, discounts, total int64
	for _, l := range m.lines {
		var b strings.Builder
		fmt.Fprintf(&b, "%d: unit %s list %s", l.id, fmtCents(l.unit), fmtCents(l.list))
		if l.itemID != 0 {
			fmt.Fprintf(&b, " %s#%d %s", l.itemKind, l.itemID, fmtCents(l.item))
		}
		if l.thr > 0 {
			fmt.Fprintf(&b, " threshold#%d %s", m.thrID, fmtCents(l.thr))
		}
		if l.cpn > 0 {
			fmt.Fprintf(&b, " coupon#%d %s", in.Coupon.ID, fmtCents(l.cpn))
		}
		fmt.Fprintf(&b, " net %s", fmtCents(l.net))
		out = append(out, b.String())
		subtotal, discounts, total = subtotal+l.list, discounts+l.item+l.thr+l.cpn, total+l.net
	}
	t := fmt.Sprintf("subtotal %s discounts %s total %s", fmtCents(subtotal), fmtCents(discounts), fmtCents(total))
	if m.thrID != 0 {
		t += fmt.Sprintf(" threshold#%d %s", m.thrID, fmtCents(m.thrD))
	}
	if m.cpnD > 0 {
		t += fmt.Sprintf(" coupon %s %s", in.Coupon.Code, fmtCents(m.cpnD))
	}
	if m.cpnReason != "" {
		t += " problem " + m.cpnReason
	}
	return append(out, t)
}

func sum64(xs []int64) int64 {
	var s int64
	for _, x := range xs {
		s += x
	}
	return s
}
