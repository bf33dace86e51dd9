package domain_test

import (
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

func rcptDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// receiptLine is an order line of net amount net at VAT rate.
func receiptLine(sku, rate, list, net string, discounts ...domain.Discount) *domain.OrderLine {
	return &domain.OrderLine{SKU: sku, Name: "item " + sku, Quantity: rcptDec("1"), UnitPrice: rcptDec(list), ListAmount: rcptDec(list),
		Discounts: discounts, NetAmount: rcptDec(net), TaxRate: rcptDec(rate), RefundedQty: decimal.Zero, RefundedAmount: decimal.Zero}
}

func TestTaxParts(t *testing.T) {
	cases := []struct {
		name  string
		lines []*domain.OrderLine
		want  [][3]string // rate, taxable, tax
	}{
		{"one line at 13%", []*domain.OrderLine{receiptLine("A", "0.13", "11.30", "11.30")},
			[][3]string{{"13%", "11.30", "1.30"}}},
		{"mixed 13/9/0, sorted by rate", []*domain.OrderLine{
			receiptLine("A", "0.13", "10.00", "10.00"),
			receiptLine("B", "0.09", "5.45", "5.45"),
			receiptLine("C", "0", "2.00", "2.00"),
			receiptLine("D", "0.13", "3.00", "3.00"),
		}, [][3]string{{"0%", "2.00", "0.00"}, {"9%", "5.45", "0.45"}, {"13%", "13.00", "1.50"}}},
		{"rounded once per rate, not per line", []*domain.OrderLine{
			receiptLine("A", "0.13", "0.05", "0.05"),
			receiptLine("B", "0.13", "0.05", "0.05"),
			receiptLine("C", "0.13", "0.05", "0.05"),
		}, [][3]string{{"13%", "0.15", "0.02"}}}, // each line alone: 0.0057… → 0.01, three would make 0.03
		{"rounds to the nearest fen, down", []*domain.OrderLine{receiptLine("A", "0.13", "4.91", "4.91")},
			[][3]string{{"13%", "4.91", "0.56"}}}, // 4.91 × 0.13 / 1.13 = 0.56487 → 0.56
		{"rounds to the nearest fen, up", []*domain.OrderLine{receiptLine("A", "0.09", "6.00", "6.00")},
			[][3]string{{"9%", "6.00", "0.50"}}}, // 6.00 × 0.09 / 1.09 = 0.49541 → 0.50
		{"discounted net is taxed, not list", []*domain.OrderLine{
			receiptLine("A", "0.13", "12.90", "10.90", domain.Discount{Kind: "percent_off", Name: "promo", Amount: rcptDec("2.00")}),
		}, [][3]string{{"13%", "10.90", "1.25"}}}, // 10.90 × 0.13 / 1.13 = 1.254
		{"no lines", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := domain.TaxParts(c.lines)
			if len(got) != len(c.want) {
				t.Fatalf("%d parts, want %d: %+v", len(got), len(c.want), got)
			}
			for i, w := range c.want {
				g := got[i]
				if domain.RatePercent(g.Rate) != w[0] || g.Taxable.StringFixed(2) != w[1] || g.Tax.StringFixed(2) != w[2] {
					t.Errorf("part %d = %s %s %s, want %v", i, domain.RatePercent(g.Rate), g.Taxable.StringFixed(2),
						g.Tax.StringFixed(2), w)
				}
			}
		})
	}
}

func TestRatePercent(t *testing.T) {
	for rate, want := range map[string]string{"0.13": "13%", "0.09": "9%", "0": "0%", "0.065": "6.5%", "0.130": "13%"} {
		if got := domain.RatePercent(rcptDec(rate)); got != want {
			t.Errorf("RatePercent(%s) = %s, want %s", rate, got, want)
		}
	}
}

// receiptOrder is a paid order of three lines at 13 %, 9 % and 0 %, one
// with an item promotion and a coupon share, one partly refunded.
func receiptOrder(paidAt time.Time) *domain.Order {
	juice := receiptLine("JUICE", "0.13", "25.80", "20.64",
		domain.Discount{Kind: "percent_off", ID: 7, Name: "Juice 20% off", Amount: rcptDec("5.16")})
	juice.Quantity, juice.UnitPrice = rcptDec("2"), rcptDec("12.90")
	rice := receiptLine("RICE", "0.09", "5.50", "4.50", domain.Discount{Kind: "coupon", ID: 9, Name: "WELCOME5", Amount: rcptDec("1.00")})
	eggs := receiptLine("EGGS", "0", "8.00", "8.00")
	eggs.RefundedQty, eggs.RefundedAmount = rcptDec("1"), rcptDec("8.00")
	return &domain.Order{ID: 1, OrderNo: "SP123456", StoreCode: "DEMO01", Status: domain.OrderPartiallyRefunded,
		Lines: []*domain.OrderLine{juice, rice, eggs}, Subtotal: rcptDec("39.30"), DiscountTotal: rcptDec("6.16"), Total: rcptDec("33.14"),
		RefundedTotal: rcptDec("8.00"), TransactionID: "4200000001", PaidAt: paidAt}
}

func TestBuildReceipt(t *testing.T) {
	paidAt := time.Date(2026, 11, 26, 6, 3, 5, 0, time.UTC)
	issued := paidAt.Add(2 * time.Second)
	ord := receiptOrder(paidAt)
	store := &domain.Store{Code: "DEMO01", Name: "Demo 超市", TimeZone: "Asia/Shanghai"}
	payments := []*domain.Payment{
		{TransactionID: "4200000009", Amount: rcptDec("33.14"), Status: domain.PaymentAfterClose, PaidAt: paidAt.Add(time.Hour)},
		{TransactionID: "4200000001", Amount: rcptDec("33.14"), Status: domain.PaymentApplied, PaidAt: paidAt},
	}
	refunds := []*domain.Refund{
		{OutRefundNo: "R1", Amount: rcptDec("8.00"), Status: domain.RefundSucceeded, Reason: "damaged"},
		{OutRefundNo: "R2", Amount: rcptDec("4.50"), Status: domain.RefundClosed, Reason: "changed mind"},
		{OutRefundNo: "R3", Amount: rcptDec("1.00"), Status: domain.RefundProcessing, Reason: "short weight"},
	}
	r, err := domain.BuildReceipt(domain.ReceiptInput{Order: ord, Store: store, Issued: &domain.IssuedReceipt{IssuedAt: issued},
		Payments: payments, Refunds: refunds})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"receipt no", r.ReceiptNo, "SP123456"},
		{"store", r.Store, domain.ReceiptStore{Code: "DEMO01", Name: "Demo 超市", TimeZone: "Asia/Shanghai"}},
		{"paid at local", r.PaidAtLocal, "2026-11-26 14:03:05"},
		{"issued at", r.IssuedAt, issued},
		{"lines", len(r.Lines), 3},
		{"juice discount", r.Lines[0].Discounts[0].Name, "Juice 20% off"},
		{"juice quantity", r.Lines[0].Quantity.String(), "2"},
		{"eggs refunded", r.Lines[2].RefundedAmount.StringFixed(2), "8.00"},
		{"total", r.Total.StringFixed(2), "33.14"},
		{"tax parts", len(r.Tax), 3},
		{"tax 0%", r.Tax[0].Tax.StringFixed(2), "0.00"},
		{"tax 9%", r.Tax[1].Tax.StringFixed(2), "0.37"},  // 4.50 × 0.09 / 1.09 = 0.3716
		{"tax 13%", r.Tax[2].Tax.StringFixed(2), "2.37"}, // 20.64 × 0.13 / 1.13 = 2.3745
		{"payment tx", r.Payment.TransactionID, "4200000001"},
		{"payment method", r.Payment.Method, domain.PaymentMethodWeChatPay},
		{"refunds shown, closed too", len(r.Refunds), 3},
		{"refunded total without the closed refund", r.RefundedTotal.StringFixed(2), "9.00"},
		{"net paid", r.NetPaid.StringFixed(2), "24.14"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestBuildReceiptEdges(t *testing.T) {
	paidAt := time.Date(2026, 1, 1, 0, 30, 0, 0, time.UTC)
	t.Run("unpaid order", func(t *testing.T) {
		ord := receiptOrder(time.Time{})
		_, err := domain.BuildReceipt(domain.ReceiptInput{Order: ord, Store: &domain.Store{TimeZone: "Asia/Shanghai"}})
		if domain.ErrorCode(err) != domain.ECONFLICT || domain.ErrorReason(err) != "order_not_paid" {
			t.Fatalf("err = %v, want conflict order_not_paid", err)
		}
	})
	t.Run("no payment row: the order says what was paid", func(t *testing.T) {
		r, err := domain.BuildReceipt(domain.ReceiptInput{Order: receiptOrder(paidAt), Store: &domain.Store{TimeZone: "Europe/Berlin"}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Payment.TransactionID != "4200000001" || r.Payment.Amount.StringFixed(2) != "33.14" || !r.Payment.PaidAt.Equal(paidAt) {
			t.Errorf("payment %+v", r.Payment)
		}
		if r.PaidAtLocal != "2026-01-01 01:30:00" || r.Store.TimeZone != "Europe/Berlin" {
			t.Errorf("local %q in %q", r.PaidAtLocal, r.Store.TimeZone)
		}
		if !r.NetPaid.Equal(r.Total) || !r.RefundedTotal.IsZero() {
			t.Errorf("without refunds net paid %s, refunded %s", r.NetPaid, r.RefundedTotal)
		}
	})
	t.Run("unknown time zone falls back to the chain's", func(t *testing.T) {
		r, err := domain.BuildReceipt(domain.ReceiptInput{Order: receiptOrder(paidAt), Store: &domain.Store{TimeZone: "Mars/Olympus"}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Store.TimeZone != domain.DefaultTimeZone || r.PaidAtLocal != "2026-01-01 08:30:00" {
			t.Errorf("zone %q local %q", r.Store.TimeZone, r.PaidAtLocal)
		}
	})
}
