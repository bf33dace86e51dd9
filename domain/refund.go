package domain

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// MaxRefundReason is WeChat Pay's limit on a refund reason, in characters;
// a staff refund with a longer one is refused before it reaches WeChat Pay.
const MaxRefundReason = 80

// RefundLine is one order line a staff refund gives back: how many units
// and for how much (the net of allocated discounts for those units). SKU
// and Name are the order line's, for display; they are not stored twice.
type RefundLine struct {
	ID          int64
	RefundID    int64
	OrderLineID int64
	SKU         string
	Name        string
	Quantity    decimal.Decimal
	Amount      decimal.Decimal
}

// RefundAsk is one line of a staff refund request as staff sent it: the
// texts are parsed here, so a non-numeric value is a field error (422)
// like any other rule, not a malformed body.
type RefundAsk struct {
	LineID   string
	Quantity string
}

// RefundPlan is what a staff refund gives back: the lines with their
// quantities and amounts, and the sum.
type RefundPlan struct {
	Lines  []RefundLine
	Amount decimal.Decimal
}

// CheckRefundReason trims a staff refund reason and checks it is there and
// fits WeChat Pay's limit.
func CheckRefundReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", Invalid("refund_invalid", FieldError{Field: "reason", Message: "is required"})
	case utf8.RuneCountInString(reason) > MaxRefundReason:
		return "", Invalid("refund_invalid", FieldError{Field: "reason",
			Message: fmt.Sprintf("must be at most %d characters", MaxRefundReason)})
	}
	return reason, nil
}

// Refundable reports whether staff may refund the order now: only money
// received and not all given back yet (paid, completed or partly refunded).
// A refunded order took money, but none is left: like asking for more
// than remains (which is what parallel requests racing the last refund
// see), it is EINVALID refund_exceeds_refundable; an order that never took
// money is ECONFLICT order_not_refundable.
func (o *Order) Refundable() error {
	switch o.Status {
	case OrderPaid, OrderCompleted, OrderPartiallyRefunded:
		return nil
	case OrderRefunded:
		return Errorf(EINVALID, "refund_exceeds_refundable", "order %s is refunded in full; nothing is left to refund", o.OrderNo)
	}
	return Errorf(ECONFLICT, "order_not_refundable", "order %s is %s; only paid, completed or partially refunded orders are refunded", o.OrderNo, o.Status)
}

// remaining is what of a line refunds have not taken back yet.
func (l *OrderLine) remaining() (qty, amount decimal.Decimal) {
	return l.Quantity.Sub(l.RefundedQty), l.NetAmount.Sub(l.RefundedAmount)
}

// refundAmount is the money for qty units of the line: the rest of the
// line's net when qty is all that remains (so rounding never strands a
// cent on the order), else the units' share of the net rounded half up,
// never above what remains.
func (l *OrderLine) refundAmount(qty decimal.Decimal) decimal.Decimal {
	remQty, remAmount := l.remaining()
	if qty.Equal(remQty) {
		return remAmount
	}
	share := l.NetAmount.Mul(qty).DivRound(l.Quantity, 2)
	if share.GreaterThan(remAmount) {
		return remAmount
	}
	return share
}

// PlanRefund works out a staff refund of the order: asks names lines and
// quantities; none means everything still refundable. Bad input is
// EINVALID refund_invalid with fields; asking for more than remains is
// EINVALID refund_exceeds_refundable; part of a weighed line is EINVALID
// refund_weighed_partial (a scale label is one item); an order that took
// no money is ECONFLICT order_not_refundable (see Refundable).
func PlanRefund(o *Order, asks []RefundAsk) (RefundPlan, error) {
	if err := o.Refundable(); err != nil {
		return RefundPlan{}, err
	}
	var plan RefundPlan
	var err error
	if len(asks) == 0 {
		plan = planWholeOrder(o)
	} else if plan, err = planLines(o, asks); err != nil {
		return RefundPlan{}, err
	}
	if len(plan.Lines) == 0 {
		return RefundPlan{}, Errorf(EINVALID, "refund_exceeds_refundable", "nothing of order %s is left to refund", o.OrderNo)
	}
	for _, l := range plan.Lines {
		plan.Amount = plan.Amount.Add(l.Amount)
	}
	switch {
	case o.RefundedTotal.Add(plan.Amount).GreaterThan(o.Total):
		return RefundPlan{}, Errorf(EINVALID, "refund_exceeds_refundable", "refund %s exceeds what is left of order %s (%s)",
			plan.Amount.StringFixed(2), o.OrderNo, o.Total.Sub(o.RefundedTotal).StringFixed(2))
	case !plan.Amount.IsPositive():
		// Earlier partial refunds took the lines' whole net already.
		return RefundPlan{}, Errorf(EINVALID, "refund_amount_zero", "these units have no money left to refund")
	}
	return plan, nil
}

// planWholeOrder takes whatever remains of every line.
func planWholeOrder(o *Order) RefundPlan {
	var plan RefundPlan
	for _, l := range o.Lines {
		remQty, _ := l.remaining()
		if !remQty.IsPositive() {
			continue
		}
		plan.Lines = append(plan.Lines, RefundLine{OrderLineID: l.ID, SKU: l.SKU, Name: l.Name,
			Quantity: remQty, Amount: l.refundAmount(remQty)})
	}
	return plan
}

// planLines checks each ask against its line and prices it. Every bad
// field is reported at once; only then are the limits checked.
func planLines(o *Order, asks []RefundAsk) (RefundPlan, error) {
	byID := make(map[int64]*OrderLine, len(o.Lines))
	for _, l := range o.Lines {
		byID[l.ID] = l
	}
	var fe Fields
	seen := map[int64]bool{}
	type asked struct {
		line *OrderLine
		qty  decimal.Decimal
		idx  int
	}
	var valid []asked
	for i, a := range asks {
		field := fmt.Sprintf("lines[%d]", i)
		line, ok := parseRefundLine(byID, a.LineID, field, seen, &fe)
		qty, qok := parseRefundQuantity(a.Quantity, field, &fe)
		if !ok || !qok {
			continue
		}
		if !line.Weighed && !qty.IsInteger() {
			fe.Add(field+".quantity", "must be a whole number for items sold by the piece")
			continue
		}
		valid = append(valid, asked{line: line, qty: qty, idx: i})
	}
	if err := fe.Err("refund_invalid"); err != nil {
		return RefundPlan{}, err
	}
	var plan RefundPlan
	for _, a := range valid {
		field := fmt.Sprintf("lines[%d].quantity", a.idx)
		remQty, _ := a.line.remaining()
		switch {
		case a.line.Weighed && !a.qty.Equal(a.line.Quantity):
			return RefundPlan{}, Invalid("refund_weighed_partial", FieldError{Field: field,
				Message: fmt.Sprintf("a weighed line is refunded whole: %s", a.line.Quantity)})
		case a.qty.GreaterThan(remQty):
			return RefundPlan{}, Invalid("refund_exceeds_refundable", FieldError{Field: field,
				Message: fmt.Sprintf("at most %s of this line is left to refund", remQty)})
		}
		plan.Lines = append(plan.Lines, RefundLine{OrderLineID: a.line.ID, SKU: a.line.SKU, Name: a.line.Name,
			Quantity: a.qty, Amount: a.line.refundAmount(a.qty)})
	}
	return plan, nil
}

// MaxRefundsPerOrder is how many refunds WeChat Pay takes for one payment
// (50 partial refunds). A 51st would be counted against the order here and
// then refused there forever, so it is refused up front.
const MaxRefundsPerOrder = 50

func parseRefundLine(byID map[int64]*OrderLine, raw, field string, seen map[int64]bool, fe *Fields) (*OrderLine, bool) {
	// ParseInt, not Sscan: "12abc" must not be read as line 12.
	id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil {
		fe.Add(field+".line_id", "is required: the id of one of the order's lines")
		return nil, false
	}
	line := byID[id]
	switch {
	case line == nil:
		fe.Add(field+".line_id", "is not a line of this order")
		return nil, false
	case seen[id]:
		fe.Add(field+".line_id", "names a line already in this refund")
		return nil, false
	}
	seen[id] = true
	return line, true
}

func parseRefundQuantity(raw, field string, fe *Fields) (decimal.Decimal, bool) {
	qty, err := decimal.NewFromString(strings.TrimSpace(raw))
	switch {
	case err != nil:
		fe.Add(field+".quantity", "must be a number such as \"1\"")
	case !qty.IsPositive():
		fe.Add(field+".quantity", "must be more than 0")
	case !qty.Equal(qty.Round(3)):
		fe.Add(field+".quantity", "must have at most 3 decimals")
	default:
		return qty, true
	}
	return decimal.Zero, false
}

// ApplyRefund counts the plan against the order: its lines' refunded
// quantities and amounts, and its refunded total and status (AddRefund).
// The plan must come from PlanRefund on this order as it is now.
func (o *Order) ApplyRefund(plan RefundPlan, now time.Time) error {
	byID := make(map[int64]*OrderLine, len(o.Lines))
	for _, l := range o.Lines {
		byID[l.ID] = l
	}
	for _, rl := range plan.Lines {
		l := byID[rl.OrderLineID]
		if l == nil {
			return Errorf(EINTERNAL, "refund_line_mismatch", "refund line %d is not on order %s", rl.OrderLineID, o.OrderNo)
		}
		l.RefundedQty, l.RefundedAmount = l.RefundedQty.Add(rl.Quantity), l.RefundedAmount.Add(rl.Amount)
	}
	return o.AddRefund(plan.Amount, now)
}

// RefundFilter narrows the staff's refund list: some stores (nil: every
// store), one status, one order.
type RefundFilter struct {
	StoreIDs []int64 // nil: any store; empty: none
	Status   RefundStatus
	OrderID  int64 // 0: any order
}

// RefundStatuses lists every refund status, for filters.
var RefundStatuses = []RefundStatus{RefundPending, RefundProcessing, RefundSucceeded, RefundClosed, RefundAbnormal}

// RefundRepository persists staff refunds with their lines. Refunds'
// statuses are changed through PaymentRepository.UpdateRefund, as WeChat
// Pay reports them.
type RefundRepository interface {
	// CreateStaffRefund inserts the refund and its lines and adds the
	// lines' quantities and amounts to their order lines, in one
	// transaction (the caller's, which holds the order row locked). A
	// second refund under the order's idempotency key is ECONFLICT
	// idempotency_key_used.
	CreateStaffRefund(ctx context.Context, r *Refund, lines []RefundLine) error
	// RefundByIdempotencyKey finds the staff refund an order's key made;
	// ENOTFOUND refund_not_found when there is none.
	RefundByIdempotencyKey(ctx context.Context, orderID int64, key string) (*Refund, error)
	// ListRefunds pages through refunds newest first: Page.After is the
	// smallest id of the previous page.
	ListRefunds(ctx context.Context, f RefundFilter, p Page) ([]*Refund, error)
	// RefundLinesOf reads the lines of refunds, by refund id, each with its
	// order line's SKU and name; a refund without lines (a whole payment
	// refunded by the system) has none.
	RefundLinesOf(ctx context.Context, refundIDs []int64) (map[int64][]RefundLine, error)
}
