package domain

import (
	"time"

	"github.com/shopspring/decimal"
)

// DiscountCoupon is the Discount kind of a coupon's share; promotions use
// their PromotionKind.
const DiscountCoupon = "coupon"

// PricingInput is everything a cart's price depends on. The pricing reads
// nothing else (no clock, no database), so a cart priced twice, or an order
// re-priced for a receipt, gives the same answer.
type PricingInput struct {
	StoreCode string
	Member    bool
	Now       time.Time
	Lines     []PriceLine
	// Promotions are candidates: the pricing keeps those that apply in the
	// store now and match a line, so callers may pass the store's whole list.
	Promotions []*Promotion
	// Coupon is the one the shopper applied, already checked with
	// CheckUsable (ownership and counts); the pricing re-checks its window,
	// store and switch, and its minimum spend.
	Coupon *Coupon
}

// PriceLine is one cart line as the pricing sees it: prices come from the
// store item, never from the client.
type PriceLine struct {
	ID          int64
	SKU         string
	Category    string
	Weighed     bool
	Quantity    decimal.Decimal  // pieces, or kg for weighed lines
	UnitPrice   decimal.Decimal  // the store price (per kg when weighed)
	MemberPrice *decimal.Decimal // used for members when lower
	// LabelAmount is a scale price label's printed amount. It is the line's
	// list amount as printed; Quantity is then the weight (when known), and
	// the unit price shown is still step 1's (the member price when lower).
	LabelAmount *decimal.Decimal
}

// PricedCart is the priced basket; Lines[i] prices PricingInput.Lines[i].
// Total = Σ net = Subtotal − DiscountTotal, to the cent.
type PricedCart struct {
	Lines         []PricedLine
	Subtotal      decimal.Decimal // Σ list amounts
	DiscountTotal decimal.Decimal // Σ all discounts of all lines
	Total         decimal.Decimal // what the shopper pays
	// Threshold is the basket promotion applied, with its whole amount (the
	// lines carry its shares); nil when none applies.
	Threshold *Discount
	// Coupon is the coupon applied, with its whole amount; nil when there is
	// none or it does not apply.
	Coupon *AppliedCoupon
	// CouponProblem says why PricingInput.Coupon was not applied (an
	// EINVALID error: coupon_min_spend, coupon_expired, coupon_no_discount,
	// ...). It is not an error of Price: the cart stays priceable and
	// shows the shopper why the coupon gives nothing.
	CouponProblem error
}

// PricedLine is one line's price: unit price, list amount, the discounts
// that make up the difference, and the net amount paid (and refunded).
type PricedLine struct {
	ID         int64
	UnitPrice  decimal.Decimal
	ListAmount decimal.Decimal
	// Discounts lists the line's item promotion, then its shares of the
	// basket promotion and of the coupon; zero shares are left out.
	Discounts []Discount
	NetAmount decimal.Decimal // ListAmount − Σ Discounts, never negative
}

// Discount is one discount on a line (or a whole basket discount in
// PricedCart.Threshold): kind is a PromotionKind or DiscountCoupon.
type Discount struct {
	Kind   string
	ID     int64
	Name   string
	Amount decimal.Decimal
}

// AppliedCoupon is the coupon a priced cart uses and its whole discount.
type AppliedCoupon struct {
	ID     int64
	Code   string
	Name   string
	Kind   CouponKind
	Amount decimal.Decimal
}

// Price prices a cart by DESIGN §4 "Pricing", steps 1-6; pricing_test.go and
// pricing_basket_test.go hold worked examples. It is pure and deterministic. Its only error is for
// input no valid state can produce (a non-positive quantity, a price with
// fractions of a cent, a promotion or coupon that breaks its own rules): an
// EINTERNAL error, since it means a bug or a damaged row upstream. A coupon
// that does not apply is not an error: see PricedCart.CouponProblem.
//
// Per-line results depend on cart order only among lines with equal nets:
// the first of them takes the rounding remainder of a basket or coupon
// discount (step 5).
func Price(in PricingInput) (PricedCart, error) {
	if err := in.check(); err != nil {
		return PricedCart{}, err
	}
	cart := PricedCart{Lines: make([]PricedLine, len(in.Lines))}
	nets := make([]decimal.Decimal, len(in.Lines))
	items, baskets := in.applicablePromotions()

	// Steps 1 and 2: unit price, list amount, at most one item promotion.
	for i, l := range in.Lines {
		unit := l.UnitPrice
		if in.Member && l.MemberPrice != nil && l.MemberPrice.LessThan(unit) {
			unit = *l.MemberPrice
		}
		list := roundCents(unit.Mul(l.Quantity))
		if l.LabelAmount != nil {
			list = *l.LabelAmount
		}
		pl := PricedLine{ID: l.ID, UnitPrice: unit, ListAmount: list, Discounts: []Discount{}}
		nets[i] = list
		if p, d := bestItemPromotion(items, l, unit, list); p != nil {
			pl.Discounts = append(pl.Discounts, Discount{Kind: string(p.Kind), ID: p.ID, Name: p.Name, Amount: d})
			nets[i] = list.Sub(d)
		}
		cart.Lines[i] = pl
		cart.Subtotal = cart.Subtotal.Add(list)
	}

	// Step 3: the basket promotion with the largest discount, once.
	if p := bestThreshold(baskets, sumAmounts(nets)); p != nil {
		d := decimal.Min(p.DiscountAmount, sumAmounts(nets))
		cart.Threshold = &Discount{Kind: string(p.Kind), ID: p.ID, Name: p.Name, Amount: d}
		spread(cart.Lines, nets, *cart.Threshold)
	}

	// Step 4: the coupon, on what is left after step 3.
	if c := in.Coupon; c != nil {
		d, problem := c.discountOn(in.StoreCode, in.Now, sumAmounts(nets))
		if problem != nil {
			cart.CouponProblem = problem
		} else {
			cart.Coupon = &AppliedCoupon{ID: c.ID, Code: c.Code, Name: c.Name, Kind: c.Kind, Amount: d}
			spread(cart.Lines, nets, Discount{Kind: DiscountCoupon, ID: c.ID, Name: c.Name, Amount: d})
		}
	}

	// Step 6: totals, each summed on its own so tests can hold them to
	// Total = Subtotal − DiscountTotal.
	for i := range cart.Lines {
		cart.Lines[i].NetAmount = nets[i]
		cart.Total = cart.Total.Add(nets[i])
		for _, d := range cart.Lines[i].Discounts {
			cart.DiscountTotal = cart.DiscountTotal.Add(d.Amount)
		}
	}
	return cart, nil
}

// spread allocates a basket or coupon discount over the lines (step 5),
// lowering nets and listing each non-zero share on its line.
func spread(lines []PricedLine, nets []decimal.Decimal, d Discount) {
	for i, share := range allocate(d.Amount, nets) {
		if share.IsZero() {
			continue
		}
		nets[i] = nets[i].Sub(share)
		lines[i].Discounts = append(lines[i].Discounts, Discount{Kind: d.Kind, ID: d.ID, Name: d.Name, Amount: share})
	}
}

// applicablePromotions splits the promotions in force into item and basket
// ones.
func (in PricingInput) applicablePromotions() (items, baskets []*Promotion) {
	for _, p := range in.Promotions {
		if p == nil || !p.Applies(in.StoreCode, in.Now) {
			continue
		}
		if p.Kind.Basket() {
			baskets = append(baskets, p)
		} else {
			items = append(items, p)
		}
	}
	return items, baskets
}

// bestItemPromotion picks the item promotion giving the line the largest
// discount (tie: the older one); nil when none gives anything.
func bestItemPromotion(items []*Promotion, l PriceLine, unit, list decimal.Decimal) (*Promotion, decimal.Decimal) {
	var best *Promotion
	bestD := decimal.Zero
	for _, p := range items {
		if !p.Matches(l.SKU, l.Category) {
			continue
		}
		d := p.itemDiscount(unit, l.Quantity, list, l.Weighed)
		if !d.IsPositive() {
			continue
		}
		if c := d.Cmp(bestD); best == nil || c > 0 || c == 0 && p.olderThan(best) {
			best, bestD = p, d
		}
	}
	return best, bestD
}

// bestThreshold picks, among the basket promotions whose min_amount the
// basket reaches, the one with the largest discount (tie: the older one).
func bestThreshold(baskets []*Promotion, net decimal.Decimal) *Promotion {
	var best *Promotion
	for _, p := range baskets {
		if p.MinAmount.GreaterThan(net) {
			continue
		}
		if best == nil {
			best = p
			continue
		}
		if c := p.DiscountAmount.Cmp(best.DiscountAmount); c > 0 || c == 0 && p.olderThan(best) {
			best = p
		}
	}
	return best
}

func sumAmounts(ds []decimal.Decimal) decimal.Decimal {
	s := decimal.Zero
	for _, d := range ds {
		s = s.Add(d)
	}
	return s
}

// check refuses input no valid cart, store item, promotion or coupon can
// produce; the invariants of Price (no negative amount, shares summing to
// each discount) hold for everything it lets through.
func (in PricingInput) check() error {
	bad := func(format string, args ...any) error {
		return Errorf(EINTERNAL, "pricing_input_invalid", format, args...)
	}
	cents := func(d decimal.Decimal) bool { return !d.IsNegative() && d.Equal(d.Round(2)) }
	for i, l := range in.Lines {
		switch {
		case !l.Quantity.IsPositive():
			return bad("line %d (id %d): quantity %s is not positive", i, l.ID, l.Quantity)
		case !cents(l.UnitPrice):
			return bad("line %d (id %d): unit price %s is negative or has fractions of a cent", i, l.ID, l.UnitPrice)
		case l.MemberPrice != nil && !cents(*l.MemberPrice):
			return bad("line %d (id %d): member price %s is negative or has fractions of a cent", i, l.ID, l.MemberPrice)
		case l.LabelAmount != nil && !cents(*l.LabelAmount):
			return bad("line %d (id %d): label amount %s is negative or has fractions of a cent", i, l.ID, l.LabelAmount)
		}
	}
	for _, p := range in.Promotions {
		if p != nil && !p.priceable() {
			return bad("promotion %d (%s) breaks the rules of its kind", p.ID, p.Kind)
		}
	}
	if in.Coupon != nil && !in.Coupon.priceable() {
		return bad("coupon %d (%s) breaks the rules of its kind", in.Coupon.ID, in.Coupon.Code)
	}
	return nil
}
