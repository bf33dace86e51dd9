package domain

import "github.com/shopspring/decimal"

// Audit reasons: why an exit check picked a basket for a recount. They are
// stored comma-separated in exit_checks.audit_reasons and reported.
const (
	AuditRandom        = "random"         // only the store's base rate
	AuditAgeRestricted = "age_restricted" // alcohol, tobacco: always checked
	AuditLargeBasket   = "large_basket"   // total ≥ ¥200 or ≥ 20 units: rate × 3
	AuditFirstOrder    = "first_order"    // the shopper's first paid order: rate × 2
)

// Large-basket thresholds and the rate multipliers (DESIGN §4: "more often
// for large baskets or first orders").
var (
	LargeBasketTotal = decimal.NewFromInt(200)
	LargeBasketUnits = decimal.NewFromInt(20)
)

const (
	largeBasketFactor = 3
	firstOrderFactor  = 2
)

// AuditInput is what audit selection weighs, read at check time.
type AuditInput struct {
	Rate          decimal.Decimal // the store's audit rate, 0..1
	AgeRestricted bool            // some line's product is age-restricted now
	Total         decimal.Decimal // the order's total
	Units         decimal.Decimal // items in the basket (a weighed line is one)
	FirstOrder    bool            // no earlier paid order of the shopper
}

// AuditDecision is the verdict of one exit check and why.
type AuditDecision struct {
	Verdict ExitVerdict
	// Rate is the chance the basket had of being picked at random.
	Rate float64
	// Reasons lists the factors that applied when the verdict is audit;
	// empty for a pass, so a pass records nothing about the basket.
	Reasons []string
}

// DecideAudit picks pass or audit. draw is a uniform number in [0, 1)
// from the caller's random source, so the rule is a pure function a table
// test can pin: age-restricted goods are always audited; otherwise the
// basket is audited when draw < rate × 3 (large basket) × 2 (first order),
// capped at 1.
func DecideAudit(in AuditInput, draw float64) AuditDecision {
	// The rate is multiplied in decimal, so 5% × 3 is exactly 15% and not
	// 0.15000000000000002 once it is a float.
	rate := in.Rate
	var factors []string
	if in.AgeRestricted {
		factors = append(factors, AuditAgeRestricted)
	}
	if in.Total.GreaterThanOrEqual(LargeBasketTotal) || in.Units.GreaterThanOrEqual(LargeBasketUnits) {
		rate = rate.Mul(decimal.NewFromInt(largeBasketFactor))
		factors = append(factors, AuditLargeBasket)
	}
	if in.FirstOrder {
		rate = rate.Mul(decimal.NewFromInt(firstOrderFactor))
		factors = append(factors, AuditFirstOrder)
	}
	p, _ := decimal.Min(decimal.Max(rate, decimal.Zero), decimal.NewFromInt(1)).Float64()
	d := AuditDecision{Verdict: VerdictPass, Rate: p, Reasons: []string{}}
	if in.AgeRestricted || draw < p {
		d.Verdict, d.Reasons = VerdictAudit, factors
		if len(factors) == 0 {
			d.Reasons = []string{AuditRandom}
		}
	}
	return d
}

// BasketUnits counts the items of an order for the large-basket rule:
// counted lines by their quantity, each weighed line as one item.
func BasketUnits(lines []*OrderLine) decimal.Decimal {
	n := decimal.Zero
	for _, l := range lines {
		if l.Weighed {
			n = n.Add(decimal.NewFromInt(1))
			continue
		}
		n = n.Add(l.Quantity)
	}
	return n
}
