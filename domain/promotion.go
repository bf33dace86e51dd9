package domain

import (
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// PromotionKind says how a promotion discounts. The four item kinds discount
// one cart line each; threshold discounts the basket (DESIGN §4 "Pricing").
type PromotionKind string

const (
	PromoPercentOff   PromotionKind = "percent_off"   // {percent}: p % off the line
	PromoSpecialPrice PromotionKind = "special_price" // {price}: a lower unit price
	PromoMultiBuy     PromotionKind = "multi_buy"     // {quantity, bundle_price}: "3 for ¥10"
	PromoBuyGet       PromotionKind = "buy_get"       // {buy_quantity, get_quantity}: "buy 2 get 1 free"
	PromoThreshold    PromotionKind = "threshold"     // {min_amount, discount_amount}: "spend ¥100 save ¥10"
)

// promotionKindFields lists, per kind, the parameter fields it uses (their
// JSON names). Every other parameter must stay unset, so a manager who sends
// a percent with a special price learns at once that it would be ignored.
var promotionKindFields = map[PromotionKind][]string{
	PromoPercentOff:   {"percent"},
	PromoSpecialPrice: {"price"},
	PromoMultiBuy:     {"quantity", "bundle_price"},
	PromoBuyGet:       {"buy_quantity", "get_quantity"},
	PromoThreshold:    {"min_amount", "discount_amount"},
}

// Valid reports whether k is one of the five kinds.
func (k PromotionKind) Valid() bool { _, ok := promotionKindFields[k]; return ok }

// Basket reports whether the kind discounts the whole basket, not one line;
// basket promotions take no skus or categories.
func (k PromotionKind) Basket() bool { return k == PromoThreshold }

// Uses reports whether the kind uses a parameter (by its JSON name), so the
// API shows a promotion with only the fields its kind uses (DESIGN §5).
func (k PromotionKind) Uses(field string) bool {
	return slices.Contains(promotionKindFields[k], field)
}

// Promotion is a pricing rule a manager sets up: an item promotion (the
// skus and categories it covers) or a basket threshold. Parameters a kind
// does not use are zero.
type Promotion struct {
	ID         int64
	Name       string
	Kind       PromotionKind
	StoreCodes []string // empty: every store of the chain
	SKUs       []string
	Categories []string // matched case-insensitively, as MariaDB compares them

	Percent        decimal.Decimal // percent_off: 0 < p < 100
	Price          decimal.Decimal // special_price: the unit price while it runs
	Quantity       int             // multi_buy: N pieces ...
	BundlePrice    decimal.Decimal // ... for X yuan
	BuyQuantity    int             // buy_get: buy N ...
	GetQuantity    int             // ... get M free
	MinAmount      decimal.Decimal // threshold: spend at least this ...
	DiscountAmount decimal.Decimal // ... to save this, once per basket

	StartsAt  time.Time // first instant it applies
	EndsAt    time.Time // first instant it no longer applies
	Active    bool      // a switch for staff, independent of the window
	CreatedAt time.Time // with ID, decides ties: the older promotion wins
	UpdatedAt time.Time
}

// PromotionInput carries the fields to set; nil leaves a field as it is (or
// unset on create). POST and PATCH share it.
type PromotionInput struct {
	Name           *string
	Kind           *PromotionKind
	StoreCodes     *[]string
	SKUs           *[]string
	Categories     *[]string
	Percent        *decimal.Decimal
	Price          *decimal.Decimal
	Quantity       *int
	BundlePrice    *decimal.Decimal
	BuyQuantity    *int
	GetQuantity    *int
	MinAmount      *decimal.Decimal
	DiscountAmount *decimal.Decimal
	StartsAt       *time.Time
	EndsAt         *time.Time
	Active         *bool
}

// Bounds of a promotion's scope and parameters: generous for real use, small
// enough that one promotion cannot make every cart slow to price.
const (
	maxPromotionSKUs       = 1000
	maxPromotionCategories = 100
	maxScopeStores         = 500
	maxPromotionQuantity   = 999
)

var hundredPercent = decimal.NewFromInt(100)

// NewPromotion validates a new promotion. Name, kind, the kind's parameters
// and the time window are required; it is active unless the input says not.
func NewPromotion(id int64, in PromotionInput, now time.Time) (*Promotion, error) {
	p := &Promotion{ID: id, Active: true, CreatedAt: now, UpdatedAt: now}
	var fe Fields
	if in.Name == nil {
		fe.Add("name", "is required")
	}
	if in.Kind == nil {
		fe.Add("kind", "is required: percent_off, special_price, multi_buy, buy_get or threshold")
	}
	p.apply(in)
	for _, f := range p.check() {
		if !slices.ContainsFunc(fe, func(g FieldError) bool { return g.Field == f.Field }) {
			fe = append(fe, f)
		}
	}
	if err := fe.Err("promotion_invalid"); err != nil {
		return nil, err
	}
	return p, nil
}

// Update applies a patch; the promotion is unchanged when the result is
// invalid. The kind cannot change: orders already priced name the promotion
// by id and kind, and a promotion that changed kind would rewrite them.
func (p *Promotion) Update(in PromotionInput, now time.Time) error {
	if in.Kind != nil && *in.Kind != p.Kind {
		return Invalid("promotion_invalid", FieldError{Field: "kind", Message: "cannot change; end this promotion and create a new one"})
	}
	next := *p
	next.apply(in)
	if err := next.check().Err("promotion_invalid"); err != nil {
		return err
	}
	next.UpdatedAt = now
	*p = next
	return nil
}

func (p *Promotion) apply(in PromotionInput) {
	if in.Name != nil {
		p.Name = strings.TrimSpace(*in.Name)
	}
	if in.Kind != nil {
		p.Kind = *in.Kind
	}
	if in.StoreCodes != nil {
		p.StoreCodes = normalizeList(*in.StoreCodes, strings.ToUpper)
	}
	if in.SKUs != nil {
		p.SKUs = normalizeList(*in.SKUs, NormalizeSKU)
	}
	if in.Categories != nil {
		p.Categories = normalizeList(*in.Categories, nil)
	}
	setDecimal(&p.Percent, in.Percent)
	setDecimal(&p.Price, in.Price)
	setDecimal(&p.BundlePrice, in.BundlePrice)
	setDecimal(&p.MinAmount, in.MinAmount)
	setDecimal(&p.DiscountAmount, in.DiscountAmount)
	setInt(&p.Quantity, in.Quantity)
	setInt(&p.BuyQuantity, in.BuyQuantity)
	setInt(&p.GetQuantity, in.GetQuantity)
	if in.StartsAt != nil {
		p.StartsAt = *in.StartsAt
	}
	if in.EndsAt != nil {
		p.EndsAt = *in.EndsAt
	}
	if in.Active != nil {
		p.Active = *in.Active
	}
}

// promotionParams describes each kind parameter once: whether it is set and
// how to check it, so "required", "not used" and range checks cannot drift.
var promotionParams = []struct {
	field string
	set   func(p *Promotion) bool
	check func(fe *Fields, p *Promotion)
}{
	{"percent", func(p *Promotion) bool { return !p.Percent.IsZero() },
		func(fe *Fields, p *Promotion) { checkPercent(fe, "percent", p.Percent) }},
	{"price", func(p *Promotion) bool { return !p.Price.IsZero() },
		func(fe *Fields, p *Promotion) { checkMoney(fe, "price", p.Price) }},
	{"quantity", func(p *Promotion) bool { return p.Quantity != 0 },
		func(fe *Fields, p *Promotion) { checkCount(fe, "quantity", p.Quantity, 2) }},
	{"bundle_price", func(p *Promotion) bool { return !p.BundlePrice.IsZero() },
		func(fe *Fields, p *Promotion) { checkMoney(fe, "bundle_price", p.BundlePrice) }},
	{"buy_quantity", func(p *Promotion) bool { return p.BuyQuantity != 0 },
		func(fe *Fields, p *Promotion) { checkCount(fe, "buy_quantity", p.BuyQuantity, 1) }},
	{"get_quantity", func(p *Promotion) bool { return p.GetQuantity != 0 },
		func(fe *Fields, p *Promotion) { checkCount(fe, "get_quantity", p.GetQuantity, 1) }},
	{"min_amount", func(p *Promotion) bool { return !p.MinAmount.IsZero() },
		func(fe *Fields, p *Promotion) { checkMoney(fe, "min_amount", p.MinAmount) }},
	{"discount_amount", func(p *Promotion) bool { return !p.DiscountAmount.IsZero() },
		func(fe *Fields, p *Promotion) { checkMoney(fe, "discount_amount", p.DiscountAmount) }},
}

func (p *Promotion) check() Fields {
	var fe Fields
	if n := len([]rune(p.Name)); n < 1 || n > 100 {
		fe.Add("name", "must be 1-100 characters")
	}
	checkStoreScope(&fe, p.StoreCodes)
	if len(p.SKUs) > maxPromotionSKUs {
		fe.Add("skus", "at most %d skus", maxPromotionSKUs)
	}
	for _, s := range p.SKUs {
		if !skuPattern.MatchString(s) {
			fe.Add("skus", "%q is not a sku", s)
			break
		}
	}
	if len(p.Categories) > maxPromotionCategories {
		fe.Add("categories", "at most %d categories", maxPromotionCategories)
	}
	for _, c := range p.Categories {
		if n := len([]rune(c)); n < 1 || n > 64 {
			fe.Add("categories", "each category must be 1-64 characters")
			break
		}
	}
	if !p.Kind.Valid() {
		fe.Add("kind", "%q is not a promotion kind: percent_off, special_price, multi_buy, buy_get or threshold", p.Kind)
	} else {
		p.checkParams(&fe)
	}
	checkWindow(&fe, p.StartsAt, p.EndsAt)
	return fe
}

// checkParams checks the scope and the parameters against the kind.
func (p *Promotion) checkParams(fe *Fields) {
	scoped := len(p.SKUs) > 0 || len(p.Categories) > 0
	switch {
	case p.Kind.Basket() && scoped:
		fe.Add("skus", "a %s promotion applies to the whole basket and takes no skus or categories", p.Kind)
	case !p.Kind.Basket() && !scoped:
		fe.Add("skus", "a %s promotion needs at least one sku or category", p.Kind)
	}
	for _, prm := range promotionParams {
		switch used, set := p.Kind.Uses(prm.field), prm.set(p); {
		case used && !set:
			fe.Add(prm.field, "is required for a %s promotion", p.Kind)
		case used:
			prm.check(fe, p)
		case set:
			fe.Add(prm.field, "is not used by a %s promotion", p.Kind)
		}
	}
	if p.Kind == PromoThreshold && p.MinAmount.IsPositive() && p.DiscountAmount.IsPositive() && !p.DiscountAmount.LessThan(p.MinAmount) {
		fe.Add("discount_amount", "must be less than min_amount")
	}
}

// Applies reports whether the promotion is in force in a store at an
// instant: active, in scope, and starts_at ≤ now < ends_at.
func (p *Promotion) Applies(storeCode string, now time.Time) bool {
	return p.Active && inStoreScope(p.StoreCodes, storeCode) &&
		!now.Before(p.StartsAt) && now.Before(p.EndsAt)
}

// Matches reports whether an item promotion covers a product, by sku or by
// category. A basket promotion covers no line by itself.
func (p *Promotion) Matches(sku, category string) bool {
	if p.Kind.Basket() {
		return false
	}
	if slices.Contains(p.SKUs, sku) {
		return true
	}
	return category != "" && slices.ContainsFunc(p.Categories, func(c string) bool { return strings.EqualFold(c, category) })
}

// olderThan orders promotions for ties: created earlier, then smaller id.
func (p *Promotion) olderThan(q *Promotion) bool {
	if !p.CreatedAt.Equal(q.CreatedAt) {
		return p.CreatedAt.Before(q.CreatedAt)
	}
	return p.ID < q.ID
}

// itemDiscount is what an item promotion takes off one line (DESIGN §4 step
// 2), given the line's unit price, quantity and list amount. It is never
// negative and never more than the list amount: a price label printed below
// unit × quantity must not turn a multi-buy into a negative line.
func (p *Promotion) itemDiscount(unit, qty, list decimal.Decimal, weighed bool) decimal.Decimal {
	if weighed && p.Kind != PromoPercentOff {
		return decimal.Zero // weighed lines take only percent_off
	}
	var d decimal.Decimal
	switch p.Kind {
	case PromoPercentOff:
		d = roundCents(list.Mul(p.Percent).Div(hundredPercent))
	case PromoSpecialPrice:
		if !p.Price.LessThan(unit) {
			return decimal.Zero
		}
		d = list.Sub(roundCents(p.Price.Mul(qty)))
	case PromoMultiBuy:
		n := decimal.NewFromInt(int64(p.Quantity))
		sets, _ := qty.QuoRem(n, 0) // floor for a positive quantity, exactly
		d = sets.Mul(n.Mul(unit).Sub(p.BundlePrice))
	case PromoBuyGet:
		sets, _ := qty.QuoRem(decimal.NewFromInt(int64(p.BuyQuantity+p.GetQuantity)), 0)
		d = sets.Mul(decimal.NewFromInt(int64(p.GetQuantity))).Mul(unit)
	default:
		return decimal.Zero
	}
	return clampAmount(d, list)
}

// priceable is the cheap part of check that the arithmetic relies on, run
// on every pricing: a promotion loaded from a damaged row must fail loudly,
// not divide by zero or produce fractions of a cent.
func (p *Promotion) priceable() bool {
	cents := func(d decimal.Decimal) bool { return d.IsPositive() && d.Equal(d.Round(2)) }
	switch p.Kind {
	case PromoPercentOff:
		return p.Percent.IsPositive() && p.Percent.LessThan(hundredPercent)
	case PromoSpecialPrice:
		return cents(p.Price)
	case PromoMultiBuy:
		return p.Quantity >= 1 && cents(p.BundlePrice)
	case PromoBuyGet:
		return p.BuyQuantity >= 1 && p.GetQuantity >= 1
	case PromoThreshold:
		return cents(p.DiscountAmount) && p.MinAmount.GreaterThan(p.DiscountAmount)
	}
	return false
}

// normalizeList trims, optionally maps, sorts and deduplicates a list, so
// the stored scope compares exactly and reads the same way every time.
func normalizeList(in []string, f func(string) string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.TrimSpace(s)
		if f != nil {
			out[i] = f(out[i])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func setDecimal(dst *decimal.Decimal, src *decimal.Decimal) {
	if src != nil {
		*dst = *src
	}
}

func setInt(dst *int, src *int) {
	if src != nil {
		*dst = *src
	}
}
