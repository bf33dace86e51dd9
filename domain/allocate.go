package domain

import (
	"cmp"
	"slices"

	"github.com/shopspring/decimal"
)

// allocate splits a basket or coupon discount d over lines whose nets
// (before d) are nets, by DESIGN §4 step 5: every line but one gets
// round(d × n_i / N), N = Σ n_i; the anchor, the line with the largest net
// (the first in cart order among equals), gets d minus the others, so the
// shares sum to d exactly. Refunds take each line's shares with it, which is
// why a discount is spread over lines rather than kept on the basket.
//
// d is at most N (callers cap it; so does allocate). Then no other share
// exceeds its net: d·n_i/N ≤ n_i and rounding to the cent cannot pass a
// whole-cent n_i. Only the anchor's remainder can fall outside
// [0, n_anchor]: with many lines each rounding up by up to half a cent it
// goes negative (d = 0.02 over four lines of 1.00: 0.01 + 0.01 + 0.01,
// remainder −0.01), and with many rounding down it passes the anchor's net
// (d = 0.02 over five lines of 0.01: 0.00 each, remainder 0.02). settle then
// moves single cents, the one place shares differ from plain rounding.
func allocate(d decimal.Decimal, nets []decimal.Decimal) []decimal.Decimal {
	shares := make([]decimal.Decimal, len(nets))
	total := sumAmounts(nets)
	if !d.IsPositive() || !total.IsPositive() {
		return shares
	}
	d = decimal.Min(d, total)
	anchor := 0
	for i, n := range nets {
		if n.GreaterThan(nets[anchor]) {
			anchor = i
		}
	}
	rest := d
	for i, n := range nets {
		if i == anchor {
			continue
		}
		shares[i] = d.Mul(n).DivRound(total, 2) // exact half-up: shares are never negative
		rest = rest.Sub(shares[i])
	}
	if rest.IsNegative() || rest.GreaterThan(nets[anchor]) {
		rest = settle(d, total, nets, shares, anchor, rest)
	}
	shares[anchor] = rest
	return shares
}

// settle brings the anchor's remainder into [0, n_anchor] one cent at a
// time. A negative remainder takes a cent back from the shares rounded up
// the most; one above the anchor's net gives a cent more to the shares
// rounded down the most (a share never passing its own net). Ties go to
// the larger net, then to cart order. One cent per line is always enough:
// the cents missing are at most the sum of the rounding errors, each at
// most half a cent, so at least twice as many lines rounded the wrong way.
func settle(d, total decimal.Decimal, nets, shares []decimal.Decimal, anchor int, rest decimal.Decimal) decimal.Decimal {
	// A share's rounding error is shares_i − d·n_i/N; shares_i·N − d·n_i
	// has the same sign and order and needs no division.
	errs := make([]decimal.Decimal, len(nets))
	others := make([]int, 0, len(nets))
	for i := range nets {
		if i != anchor {
			others = append(others, i)
			errs[i] = shares[i].Mul(total).Sub(d.Mul(nets[i]))
		}
	}
	over := rest.IsNegative()
	slices.SortFunc(others, func(a, b int) int {
		c := errs[b].Cmp(errs[a]) // rounded up the most first
		if !over {
			c = -c // rounded down the most first
		}
		if c == 0 {
			c = nets[b].Cmp(nets[a])
		}
		if c == 0 {
			c = cmp.Compare(a, b)
		}
		return c
	})
	inRange := func() bool { return !rest.IsNegative() && !rest.GreaterThan(nets[anchor]) }
	for moved := true; moved && !inRange(); {
		moved = false
		for _, i := range others {
			switch {
			case over && shares[i].GreaterThanOrEqual(oneCent):
				shares[i], rest = shares[i].Sub(oneCent), rest.Add(oneCent)
				moved = true
			case !over && shares[i].Add(oneCent).LessThanOrEqual(nets[i]):
				shares[i], rest = shares[i].Add(oneCent), rest.Sub(oneCent)
				moved = true
			}
			if inRange() {
				break
			}
		}
	}
	return rest
}
