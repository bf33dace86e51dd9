package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// payByQuery has WeChat Pay hold the started order paid and applies what a
// query reports, without running the jobs it queues.
func (f *orderFixture) payByQuery(t *testing.T, ord *domain.Order) {
	t.Helper()
	ctx := context.Background()
	if err := f.pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	res, err := f.gateway.QueryPayment(ctx, ord.OrderNo)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.orders.ApplyPayment(ctx, res, app.SourceQuery); err != nil {
		t.Fatal(err)
	}
}

// A receipt exists once the paid order's receipt job ran: before payment
// the order is not paid (409), between payment and the job it is not
// issued yet (404); then it shows the order's lines, totals, VAT and
// payment, in the store's time zone.
func TestReceiptOfAPaidOrder(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s, ord := f.startedOrder(t, "tom")
	_, err := f.orders.ReceiptForShopper(ctx, s, ord.OrderNo)
	if domain.ErrorCode(err) != domain.ECONFLICT || domain.ErrorReason(err) != "order_not_paid" {
		t.Fatalf("unpaid: %v, want conflict order_not_paid", err)
	}
	f.payByQuery(t, ord)
	_, err = f.orders.ReceiptForShopper(ctx, s, ord.OrderNo)
	if domain.ErrorCode(err) != domain.ENOTFOUND || domain.ErrorReason(err) != "receipt_not_issued" {
		t.Fatalf("before the job: %v, want not_found receipt_not_issued", err)
	}
	if ran := f.drain(t); ran[app.TaskReceiptIssue] != 1 {
		t.Fatalf("jobs run %v", ran)
	}
	ord = f.order(t, ord.OrderNo)
	r, err := f.orders.ReceiptForShopper(ctx, s, ord.OrderNo)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation(f.store.TimeZone)
	sumNet, sumTaxable := decimal.Zero, decimal.Zero
	for _, l := range r.Lines {
		sumNet = sumNet.Add(l.NetAmount)
	}
	for _, p := range r.Tax {
		sumTaxable = sumTaxable.Add(p.Taxable)
		if !p.Tax.IsPositive() && p.Rate.IsPositive() {
			t.Errorf("VAT at %s is %s", domain.RatePercent(p.Rate), p.Tax)
		}
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"receipt no", r.ReceiptNo, ord.OrderNo},
		{"store", r.Store.Name, f.store.Name},
		{"lines", len(r.Lines), len(ord.Lines)},
		{"total", r.Total.StringFixed(2), ord.Total.StringFixed(2)},
		{"lines sum to the total", sumNet.StringFixed(2), ord.Total.StringFixed(2)},
		{"VAT parts cover the total", sumTaxable.StringFixed(2), ord.Total.StringFixed(2)},
		{"paid at local", r.PaidAtLocal, ord.PaidAt.In(loc).Format(domain.ReceiptLocalLayout)},
		{"transaction", r.Payment.TransactionID, ord.TransactionID},
		{"paid amount", r.Payment.Amount.StringFixed(2), ord.Total.StringFixed(2)},
		{"issued", r.IssuedAt.IsZero(), false},
		{"net paid", r.NetPaid.StringFixed(2), ord.Total.StringFixed(2)},
		{"refunds", len(r.Refunds), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

// Refunds show on the receipt; a closed one is listed but did not return
// money, so it leaves net_paid alone.
func TestReceiptShowsRefunds(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s, ord := f.startedOrder(t, "uma")
	f.payByQuery(t, ord)
	f.drain(t)
	now := f.clock.Now()
	for i, st := range []domain.RefundStatus{domain.RefundSucceeded, domain.RefundClosed} {
		ref := &domain.Refund{ID: f.ids.NewID(), OrderID: ord.ID, OrderNo: ord.OrderNo, OutRefundNo: ord.OrderNo + "R" + string(rune('1'+i)),
			Amount: decimal.RequireFromString("1.00"), Reason: "test", Status: st, CreatedAt: now, UpdatedAt: now}
		if err := f.pays.CreateRefund(ctx, ref); err != nil {
			t.Fatal(err)
		}
	}
	r, err := f.orders.ReceiptForShopper(ctx, s, ord.OrderNo)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Refunds) != 2 || r.RefundedTotal.StringFixed(2) != "1.00" ||
		!r.NetPaid.Equal(ord.Total.Sub(decimal.NewFromInt(1))) {
		t.Fatalf("refunds %d, refunded %s, net paid %s (total %s)", len(r.Refunds), r.RefundedTotal, r.NetPaid, ord.Total)
	}
}

// Only the order's shopper and the staff of its store read a receipt;
// anyone else finds no such order.
func TestReceiptReaders(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s, ord := f.startedOrder(t, "vera")
	f.payByQuery(t, ord)
	f.drain(t)
	other := f.shopper(t, "walt")
	_, err := f.orders.ReceiptForShopper(ctx, other, ord.OrderNo)
	wantReason(t, err, "order_not_found")
	if _, err := f.orders.ReceiptForStaff(ctx, f.admin, ord.OrderNo); err != nil {
		t.Fatalf("admin: %v", err)
	}
	clerk := &domain.Staff{ID: 1, Username: "clerk-here", Role: domain.RoleClerk, StoreCodes: []string{app.DemoStoreCode}, Active: true}
	if _, err := f.orders.ReceiptForStaff(ctx, clerk, ord.OrderNo); err != nil {
		t.Fatalf("clerk of the store: %v", err)
	}
	elsewhere := &domain.Staff{ID: 2, Username: "manager-there", Role: domain.RoleManager, StoreCodes: []string{"SH07"}, Active: true}
	_, err = f.orders.ReceiptForStaff(ctx, elsewhere, ord.OrderNo)
	wantReason(t, err, "order_not_found")
	if _, err := f.orders.ReceiptForShopper(ctx, s, "NOSUCHORDER1"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("unknown order: %v", err)
	}
}
