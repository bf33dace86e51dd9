package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

func rdec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// refundOrder is a paid order of three lines: 3 colas with ¥10.00 net
// (a discount that does not divide by 3), 2 juices ¥25.80, and a weighed
// line of 0.458 kg for ¥7.33.
func refundOrder() *domain.Order {
	lines := []*domain.OrderLine{
		{ID: 1, ProductID: 10, SKU: "COLA", Quantity: rdec("3"), NetAmount: rdec("10.00")},
		{ID: 2, ProductID: 20, SKU: "JUICE", Quantity: rdec("2"), NetAmount: rdec("25.80")},
		{ID: 3, ProductID: 30, SKU: "APPLES", Weighed: true, Quantity: rdec("0.458"), NetAmount: rdec("7.33")},
	}
	for _, l := range lines {
		l.RefundedQty, l.RefundedAmount = decimal.Zero, decimal.Zero
	}
	return &domain.Order{OrderNo: "O1", Status: domain.OrderPaid, Lines: lines, Total: rdec("43.13"), RefundedTotal: decimal.Zero}
}

func TestPlanRefund(t *testing.T) {
	tests := []struct {
		name       string
		before     func(o *domain.Order) // earlier refunds
		asks       []domain.RefundAsk
		wantAmount string
		wantLines  map[int64]string // line id → amount
		wantReason string
		wantField  string
	}{
		{name: "whole order", wantAmount: "43.13", wantLines: map[int64]string{1: "10.00", 2: "25.80", 3: "7.33"}},
		{name: "one of three rounds half up", asks: []domain.RefundAsk{{LineID: "1", Quantity: "1"}},
			wantAmount: "3.33", wantLines: map[int64]string{1: "3.33"}},
		{name: "two of three", asks: []domain.RefundAsk{{LineID: "1", Quantity: "2"}},
			wantAmount: "6.67", wantLines: map[int64]string{1: "6.67"}},
		{name: "the rest of a line takes the remainder", asks: []domain.RefundAsk{{LineID: "1", Quantity: "1"}},
			before: func(o *domain.Order) { refundLine(o, 0, "2", "6.66") }, wantAmount: "3.34", wantLines: map[int64]string{1: "3.34"}},
		{name: "whole order after a partial takes what remains", before: func(o *domain.Order) { refundLine(o, 1, "1", "12.90") },
			wantAmount: "30.23", wantLines: map[int64]string{1: "10.00", 2: "12.90", 3: "7.33"}},
		{name: "share capped at what remains", asks: []domain.RefundAsk{{LineID: "1", Quantity: "1"}},
			before: func(o *domain.Order) { refundLine(o, 0, "1", "9.00") }, wantAmount: "1.00", wantLines: map[int64]string{1: "1.00"}},
		{name: "weighed whole", asks: []domain.RefundAsk{{LineID: "3", Quantity: "0.458"}}, wantAmount: "7.33",
			wantLines: map[int64]string{3: "7.33"}},
		{name: "number text as a JSON number gives", asks: []domain.RefundAsk{{LineID: " 2 ", Quantity: "2.0"}},
			wantAmount: "25.80", wantLines: map[int64]string{2: "25.80"}},
		{name: "weighed partial", asks: []domain.RefundAsk{{LineID: "3", Quantity: "0.2"}}, wantReason: "refund_weighed_partial",
			wantField: "lines[0].quantity"},
		{name: "more than the line", asks: []domain.RefundAsk{{LineID: "1", Quantity: "4"}}, wantReason: "refund_exceeds_refundable",
			wantField: "lines[0].quantity"},
		{name: "more than remains", asks: []domain.RefundAsk{{LineID: "2", Quantity: "2"}}, wantReason: "refund_exceeds_refundable",
			before: func(o *domain.Order) { refundLine(o, 1, "1", "12.90") }},
		{name: "weighed again", asks: []domain.RefundAsk{{LineID: "3", Quantity: "0.458"}}, wantReason: "refund_exceeds_refundable",
			before: func(o *domain.Order) { refundLine(o, 2, "0.458", "7.33") }},
		{name: "nothing left", wantReason: "refund_exceeds_refundable",
			before: func(o *domain.Order) { o.Status = domain.OrderRefunded }},
		{name: "zero", asks: []domain.RefundAsk{{LineID: "1", Quantity: "0"}}, wantReason: "refund_invalid", wantField: "lines[0].quantity"},
		{name: "negative", asks: []domain.RefundAsk{{LineID: "1", Quantity: "-1"}}, wantReason: "refund_invalid", wantField: "lines[0].quantity"},
		{name: "not a number", asks: []domain.RefundAsk{{LineID: "1", Quantity: "one"}}, wantReason: "refund_invalid", wantField: "lines[0].quantity"},
		{name: "fraction of a piece", asks: []domain.RefundAsk{{LineID: "1", Quantity: "1.5"}}, wantReason: "refund_invalid", wantField: "lines[0].quantity"},
		{name: "unknown line", asks: []domain.RefundAsk{{LineID: "99", Quantity: "1"}}, wantReason: "refund_invalid", wantField: "lines[0].line_id"},
		{name: "line id not a number", asks: []domain.RefundAsk{{LineID: "abc", Quantity: "1"}}, wantReason: "refund_invalid", wantField: "lines[0].line_id"},
		{name: "line id with trailing junk", asks: []domain.RefundAsk{{LineID: "1abc", Quantity: "1"}}, wantReason: "refund_invalid", wantField: "lines[0].line_id"},
		{name: "duplicated line", asks: []domain.RefundAsk{{LineID: "1", Quantity: "1"}, {LineID: "1", Quantity: "1"}},
			wantReason: "refund_invalid", wantField: "lines[1].line_id"},
		{name: "pending order", before: func(o *domain.Order) { o.Status = domain.OrderPendingPayment }, wantReason: "order_not_refundable"},
		{name: "closed order", before: func(o *domain.Order) { o.Status = domain.OrderClosed }, wantReason: "order_not_refundable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := refundOrder()
			if tc.before != nil {
				tc.before(o)
			}
			plan, err := domain.PlanRefund(o, tc.asks)
			if tc.wantReason != "" {
				if domain.ErrorReason(err) != tc.wantReason {
					t.Fatalf("got %v, want %s", err, tc.wantReason)
				}
				if tc.wantField != "" && !hasField(err, tc.wantField) {
					t.Fatalf("%v does not name %s", err, tc.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if plan.Amount.StringFixed(2) != tc.wantAmount || len(plan.Lines) != len(tc.wantLines) {
				t.Fatalf("plan %s with %d lines, want %s with %d", plan.Amount, len(plan.Lines), tc.wantAmount, len(tc.wantLines))
			}
			for _, l := range plan.Lines {
				if l.Amount.StringFixed(2) != tc.wantLines[l.OrderLineID] {
					t.Errorf("line %d: %s, want %s", l.OrderLineID, l.Amount.StringFixed(2), tc.wantLines[l.OrderLineID])
				}
			}
		})
	}
}

// refundLine records an earlier refund of line i.
func refundLine(o *domain.Order, i int, qty, amount string) {
	l := o.Lines[i]
	l.RefundedQty, l.RefundedAmount = l.RefundedQty.Add(rdec(qty)), l.RefundedAmount.Add(rdec(amount))
	o.RefundedTotal = o.RefundedTotal.Add(rdec(amount))
	o.Status = domain.OrderPartiallyRefunded
}

func hasField(err error, field string) bool {
	var e *domain.Error
	if de, ok := err.(*domain.Error); ok {
		e = de
	}
	if e == nil {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Refunding a 3-unit line one unit at a time gives back exactly its net,
// however the share rounds; the order moves paid → partially_refunded →
// refunded.
func TestRefundOneByOneSumsToNet(t *testing.T) {
	for _, net := range []string{"10.00", "10.01", "10.02", "0.05", "0.04"} {
		o := &domain.Order{OrderNo: "O2", Status: domain.OrderCompleted, Total: rdec(net), RefundedTotal: decimal.Zero,
			Lines: []*domain.OrderLine{{ID: 1, Quantity: rdec("3"), NetAmount: rdec(net), RefundedQty: decimal.Zero, RefundedAmount: decimal.Zero}}}
		var statuses []string
		for range 3 {
			plan, err := domain.PlanRefund(o, []domain.RefundAsk{{LineID: "1", Quantity: "1"}})
			if err != nil {
				t.Fatalf("net %s: %v", net, err)
			}
			if err := o.ApplyRefund(plan, time.Now()); err != nil {
				t.Fatal(err)
			}
			statuses = append(statuses, string(o.Status))
		}
		if !o.Lines[0].RefundedAmount.Equal(rdec(net)) || !o.RefundedTotal.Equal(rdec(net)) || o.Status != domain.OrderRefunded {
			t.Errorf("net %s: refunded %s / %s, status %s (%v)", net, o.Lines[0].RefundedAmount, o.RefundedTotal, o.Status, statuses)
		}
	}
}

// A unit whose share rounds to no fen is refused (WeChat Pay refunds at
// least one fen); the rest of the line carries the money.
func TestRefundZeroShare(t *testing.T) {
	o := &domain.Order{OrderNo: "O4", Status: domain.OrderPaid, Total: rdec("0.01"), RefundedTotal: decimal.Zero,
		Lines: []*domain.OrderLine{{ID: 1, Quantity: rdec("3"), NetAmount: rdec("0.01"), RefundedQty: decimal.Zero, RefundedAmount: decimal.Zero}}}
	if _, err := domain.PlanRefund(o, []domain.RefundAsk{{LineID: "1", Quantity: "1"}}); domain.ErrorReason(err) != "refund_amount_zero" {
		t.Fatalf("one unit of ¥0.01: %v", err)
	}
	plan, err := domain.PlanRefund(o, []domain.RefundAsk{{LineID: "1", Quantity: "3"}})
	if err != nil || !plan.Amount.Equal(rdec("0.01")) {
		t.Fatalf("%v %v", plan.Amount, err)
	}
}

func TestAddRefundMoves(t *testing.T) {
	o := &domain.Order{OrderNo: "O3", Status: domain.OrderPaid, Total: rdec("10.00"), RefundedTotal: decimal.Zero}
	if err := o.AddRefund(rdec("4.00"), time.Now()); err != nil || o.Status != domain.OrderPartiallyRefunded {
		t.Fatalf("%v %s", err, o.Status)
	}
	if err := o.AddRefund(rdec("6.01"), time.Now()); domain.ErrorReason(err) != "refund_exceeds_refundable" {
		t.Fatalf("over the total: %v", err)
	}
	if err := o.AddRefund(rdec("6.00"), time.Now()); err != nil || o.Status != domain.OrderRefunded {
		t.Fatalf("%v %s", err, o.Status)
	}
	if err := o.AddRefund(rdec("0.01"), time.Now()); domain.ErrorReason(err) != "refund_exceeds_refundable" {
		t.Fatalf("refunded order: %v", err)
	}
	for _, s := range []domain.OrderStatus{domain.OrderPendingPayment, domain.OrderClosed} {
		o := &domain.Order{Status: s, Total: rdec("1.00"), RefundedTotal: decimal.Zero}
		if err := o.AddRefund(rdec("1.00"), time.Now()); domain.ErrorReason(err) != "order_not_refundable" {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestCheckRefundReason(t *testing.T) {
	if r, err := domain.CheckRefundReason("  damaged  "); err != nil || r != "damaged" {
		t.Fatalf("%q %v", r, err)
	}
	if _, err := domain.CheckRefundReason(strings.Repeat("退", 80)); err != nil {
		t.Fatalf("80 characters: %v", err)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("x", 81)} {
		if _, err := domain.CheckRefundReason(bad); !hasField(err, "reason") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
