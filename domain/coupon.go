package domain

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// CouponKind says how a coupon discounts the basket.
type CouponKind string

const (
	CouponAmount  CouponKind = "amount"  // {amount}: yuan off, at most the basket
	CouponPercent CouponKind = "percent" // {percent, max_discount?}: p % off, capped
)

// Valid reports whether k is a coupon kind.
func (k CouponKind) Valid() bool { return k == CouponAmount || k == CouponPercent }

// Coupon is a basket discount a shopper applies to a cart: a code anyone
// may enter, or (Granted) one only the shoppers it was granted to may use.
// Uses are counted outside (redemptions and holds by open orders), so the
// coupon itself stays a value the pricing can read without a database.
type Coupon struct {
	ID          int64
	Code        string // upper case; what the shopper types or is given
	Name        string
	Kind        CouponKind
	Amount      decimal.Decimal  // amount coupons
	Percent     decimal.Decimal  // percent coupons: 0 < p < 100
	MaxDiscount *decimal.Decimal // percent coupons: cap on the discount; nil = none
	MinSpend    decimal.Decimal  // the basket net after promotions must reach it
	StoreCodes  []string         // empty: every store of the chain
	StartsAt    time.Time
	EndsAt      time.Time
	// PerShopperLimit is how often one shopper may use it (≥ 1).
	PerShopperLimit int
	// TotalLimit is the budget: uses across all shoppers; 0 = unlimited.
	TotalLimit int
	Active     bool
	Granted    bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// CouponInput carries the fields to set; nil leaves a field as it is. The
// code is not here: it is printed and handed out, so it never changes. A
// zero MaxDiscount removes the cap (a cap of 0 would make the coupon void).
type CouponInput struct {
	Name            *string
	Kind            *CouponKind
	Amount          *decimal.Decimal
	Percent         *decimal.Decimal
	MaxDiscount     *decimal.Decimal
	MinSpend        *decimal.Decimal
	StoreCodes      *[]string
	StartsAt        *time.Time
	EndsAt          *time.Time
	PerShopperLimit *int
	TotalLimit      *int
	Active          *bool
	Granted         *bool
}

var couponCodePattern = regexp.MustCompile(`^[A-Z0-9_-]{3,32}$`)

const (
	maxCouponPerShopper = 1000
	maxCouponTotal      = 10_000_000
)

// NormalizeCouponCode is the form codes are stored and looked up in: a
// shopper typing "welcome5 " means WELCOME5.
func NormalizeCouponCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// NewCoupon validates a new coupon. Name, kind, the kind's parameters and
// the window are required; by default it is active, a code (not granted),
// usable once per shopper, without a total budget or a minimum spend.
func NewCoupon(id int64, code string, in CouponInput, now time.Time) (*Coupon, error) {
	c := &Coupon{ID: id, Code: NormalizeCouponCode(code), PerShopperLimit: 1, Active: true, CreatedAt: now, UpdatedAt: now}
	var fe Fields
	if !couponCodePattern.MatchString(c.Code) {
		fe.Add("code", "must be 3-32 characters of A-Z, 0-9, '_' or '-'")
	}
	if in.Name == nil {
		fe.Add("name", "is required")
	}
	if in.Kind == nil {
		fe.Add("kind", "is required: amount or percent")
	}
	c.apply(in)
	for _, f := range c.check() {
		if !slices.ContainsFunc(fe, func(g FieldError) bool { return g.Field == f.Field }) {
			fe = append(fe, f)
		}
	}
	if err := fe.Err("coupon_invalid"); err != nil {
		return nil, err
	}
	return c, nil
}

// Update applies a patch; the coupon is unchanged when the result is
// invalid. The kind cannot change: shoppers hold the coupon as it was given.
func (c *Coupon) Update(in CouponInput, now time.Time) error {
	if in.Kind != nil && *in.Kind != c.Kind {
		return Invalid("coupon_invalid", FieldError{Field: "kind", Message: "cannot change; end this coupon and create a new one"})
	}
	next := *c
	next.apply(in)
	if err := next.check().Err("coupon_invalid"); err != nil {
		return err
	}
	next.UpdatedAt = now
	*c = next
	return nil
}

func (c *Coupon) apply(in CouponInput) {
	if in.Name != nil {
		c.Name = strings.TrimSpace(*in.Name)
	}
	if in.Kind != nil {
		c.Kind = *in.Kind
	}
	setDecimal(&c.Amount, in.Amount)
	setDecimal(&c.Percent, in.Percent)
	if in.MaxDiscount != nil {
		c.MaxDiscount = nil
		if !in.MaxDiscount.IsZero() {
			m := *in.MaxDiscount
			c.MaxDiscount = &m
		}
	}
	setDecimal(&c.MinSpend, in.MinSpend)
	if in.StoreCodes != nil {
		c.StoreCodes = normalizeList(*in.StoreCodes, strings.ToUpper)
	}
	if in.StartsAt != nil {
		c.StartsAt = *in.StartsAt
	}
	if in.EndsAt != nil {
		c.EndsAt = *in.EndsAt
	}
	setInt(&c.PerShopperLimit, in.PerShopperLimit)
	setInt(&c.TotalLimit, in.TotalLimit)
	if in.Active != nil {
		c.Active = *in.Active
	}
	if in.Granted != nil {
		c.Granted = *in.Granted
	}
}

func (c *Coupon) check() Fields {
	var fe Fields
	if n := len([]rune(c.Name)); n < 1 || n > 100 {
		fe.Add("name", "must be 1-100 characters")
	}
	switch c.Kind {
	case CouponAmount:
		if c.Amount.IsZero() {
			fe.Add("amount", "is required for an amount coupon")
		} else {
			checkMoney(&fe, "amount", c.Amount)
		}
		if !c.Percent.IsZero() {
			fe.Add("percent", "is not used by an amount coupon")
		}
		if c.MaxDiscount != nil {
			fe.Add("max_discount", "is not used by an amount coupon (the amount is the discount)")
		}
	case CouponPercent:
		if c.Percent.IsZero() {
			fe.Add("percent", "is required for a percent coupon")
		} else {
			checkPercent(&fe, "percent", c.Percent)
		}
		if !c.Amount.IsZero() {
			fe.Add("amount", "is not used by a percent coupon")
		}
		if c.MaxDiscount != nil {
			checkMoney(&fe, "max_discount", *c.MaxDiscount)
		}
	default:
		fe.Add("kind", "%q is not a coupon kind: amount or percent", c.Kind)
	}
	if c.MinSpend.IsNegative() || !c.MinSpend.Equal(c.MinSpend.Round(2)) || c.MinSpend.GreaterThan(maxPrice) {
		fe.Add("min_spend", "must be 0 or more, with at most 2 decimals, up to 1000000.00")
	}
	checkStoreScope(&fe, c.StoreCodes)
	checkWindow(&fe, c.StartsAt, c.EndsAt)
	if c.PerShopperLimit < 1 || c.PerShopperLimit > maxCouponPerShopper {
		fe.Add("per_shopper_limit", "must be between 1 and %d", maxCouponPerShopper)
	}
	if c.TotalLimit < 0 || c.TotalLimit > maxCouponTotal {
		fe.Add("total_limit", "must be between 0 (unlimited) and %d", maxCouponTotal)
	}
	return fe
}

// CheckUsable says whether a shopper may apply the coupon in a store now,
// given how often it was used by the shopper and by everyone (redeemed plus
// held by open orders; not counting the cart being priced) and whether it
// was granted to the shopper. The error is EINVALID with the reason the app
// shows. Ownership is checked first so nobody learns about another
// shopper's coupon; the minimum spend is the pricing's to check (Price).
func (c *Coupon) CheckUsable(storeCode string, now time.Time, usedByShopper, usedTotal int, grantedToShopper bool) error {
	if c.Granted && !grantedToShopper {
		return Errorf(EINVALID, "coupon_not_yours", "coupon %s was not given to you", c.Code)
	}
	if err := c.checkScope(storeCode, now); err != nil {
		return err
	}
	if usedByShopper >= c.PerShopperLimit {
		return Errorf(EINVALID, "coupon_limit_reached", "you have used coupon %s %d time(s), the most allowed", c.Code, c.PerShopperLimit)
	}
	if c.TotalLimit > 0 && usedTotal >= c.TotalLimit {
		return Errorf(EINVALID, "coupon_used_up", "coupon %s has been used up", c.Code)
	}
	return nil
}

// checkScope is the part of CheckUsable the coupon alone can answer; the
// pricing repeats it, so a coupon left in a cart stops applying when it
// expires or is switched off.
func (c *Coupon) checkScope(storeCode string, now time.Time) error {
	switch {
	case !c.Active:
		return Errorf(EINVALID, "coupon_inactive", "coupon %s is not active", c.Code)
	case now.Before(c.StartsAt):
		return Errorf(EINVALID, "coupon_not_started", "coupon %s can be used from %s", c.Code, c.StartsAt.UTC().Format(time.RFC3339))
	case !now.Before(c.EndsAt):
		return Errorf(EINVALID, "coupon_expired", "coupon %s expired at %s", c.Code, c.EndsAt.UTC().Format(time.RFC3339))
	case !inStoreScope(c.StoreCodes, storeCode):
		return Errorf(EINVALID, "coupon_wrong_store", "coupon %s cannot be used in store %s", c.Code, storeCode)
	}
	return nil
}

// discountOn is the coupon's discount on a basket whose net after the
// basket promotions is net (DESIGN §4 step 4), or why it does not apply.
// A coupon that would take 0.00 off is not applied (coupon_no_discount), so
// an order never redeems a coupon for nothing.
func (c *Coupon) discountOn(storeCode string, now time.Time, net decimal.Decimal) (decimal.Decimal, error) {
	if err := c.checkScope(storeCode, now); err != nil {
		return decimal.Zero, err
	}
	if net.LessThan(c.MinSpend) {
		return decimal.Zero, Errorf(EINVALID, "coupon_min_spend", "coupon %s needs a basket of at least ¥%s after promotions; it is ¥%s",
			c.Code, c.MinSpend.StringFixed(2), net.StringFixed(2))
	}
	var d decimal.Decimal
	switch c.Kind {
	case CouponAmount:
		d = c.Amount
	case CouponPercent:
		d = roundCents(net.Mul(c.Percent).Div(hundredPercent))
		if c.MaxDiscount != nil {
			d = decimal.Min(d, *c.MaxDiscount)
		}
	}
	if d = clampAmount(d, net); !d.IsPositive() {
		return decimal.Zero, Errorf(EINVALID, "coupon_no_discount", "coupon %s takes nothing off this basket", c.Code)
	}
	return d, nil
}

// priceable is the cheap part of check the arithmetic relies on (see
// Promotion.priceable).
func (c *Coupon) priceable() bool {
	cents := func(d decimal.Decimal) bool { return d.IsPositive() && d.Equal(d.Round(2)) }
	switch c.Kind {
	case CouponAmount:
		return cents(c.Amount)
	case CouponPercent:
		return c.Percent.IsPositive() && c.Percent.LessThan(hundredPercent) && (c.MaxDiscount == nil || cents(*c.MaxDiscount))
	}
	return false
}
