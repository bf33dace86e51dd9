package domain

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// PaymentMethodWeChatPay is the only way scanpay takes money; receipts say
// so, so a later method does not change their shape.
const PaymentMethodWeChatPay = "wechat_pay"

// ReceiptLocalLayout is how a receipt shows the payment time in the
// store's time zone ("2026-11-26 14:03:05"), as Chinese tills print it.
const ReceiptLocalLayout = "2006-01-02 15:04:05"

// IssuedReceipt is the receipts row: the order has an e-receipt since
// IssuedAt. The receipt's content is built from the order when read, so a
// later refund shows on it.
type IssuedReceipt struct {
	ID       int64
	OrderID  int64
	OrderNo  string
	IssuedAt time.Time
}

// ReceiptRepository reads issued receipts.
type ReceiptRepository interface {
	// ReceiptOfOrder reads the order's receipt row, or ENOTFOUND
	// receipt_not_issued while the receipt job has not run yet.
	ReceiptOfOrder(ctx context.Context, orderID int64) (*IssuedReceipt, error)
	// PaidWithoutReceipt lists up to limit orders paid in [from, to) (and
	// still paid, completed or refunded in part or whole) that have no
	// receipt: their follow-up jobs were lost.
	PaidWithoutReceipt(ctx context.Context, from, to time.Time, limit int) ([]string, error)
}

// ReceiptStore is the store as a receipt names it.
type ReceiptStore struct {
	Code, Name, TimeZone string
}

// ReceiptLine is an order line as printed: what was bought, its discounts,
// its VAT rate and what refunds took back of it.
type ReceiptLine struct {
	SKU, Name, Barcode string
	Quantity           decimal.Decimal
	UnitPrice          decimal.Decimal
	ListAmount         decimal.Decimal
	Discounts          []Discount
	NetAmount          decimal.Decimal
	TaxRate            decimal.Decimal // a fraction (0.13)
	RefundedQty        decimal.Decimal
	RefundedAmount     decimal.Decimal
}

// ReceiptTax is the VAT contained in the lines of one rate: Taxable is
// their gross (prices include VAT), Tax the VAT part of it.
type ReceiptTax struct {
	Rate    decimal.Decimal // a fraction (0.13)
	Taxable decimal.Decimal
	Tax     decimal.Decimal
}

// ReceiptPayment is the payment that made the order paid.
type ReceiptPayment struct {
	Method        string
	TransactionID string
	Amount        decimal.Decimal
	PaidAt        time.Time
}

// Receipt is an order's e-receipt (DESIGN §4 "Receipts"): its number is
// the order number.
type Receipt struct {
	ReceiptNo     string
	Store         ReceiptStore
	IssuedAt      time.Time
	PaidAt        time.Time
	PaidAtLocal   string // PaidAt in the store's time zone, ReceiptLocalLayout
	Lines         []ReceiptLine
	Subtotal      decimal.Decimal
	DiscountTotal decimal.Decimal
	Total         decimal.Decimal
	Tax           []ReceiptTax // one per rate present, lowest rate first
	Payment       ReceiptPayment
	Refunds       []*Refund // every refund, closed ones too, oldest first
	// RefundedTotal sums the refunds that are not closed: money sent back
	// or on its way back. NetPaid is Total less it.
	RefundedTotal decimal.Decimal
	NetPaid       decimal.Decimal
}

// ReceiptInput is what a receipt is built from.
type ReceiptInput struct {
	Order    *Order
	Store    *Store
	Issued   *IssuedReceipt
	Payments []*Payment // the order's payments; the applied one is shown
	Refunds  []*Refund
}

// BuildReceipt builds the receipt of a paid order. It is a pure function of
// what it is given, so the JSON and HTML receipts always agree.
func BuildReceipt(in ReceiptInput) (*Receipt, error) {
	ord := in.Order
	if ord.PaidAt.IsZero() {
		return nil, Errorf(ECONFLICT, "order_not_paid", "order %s is not paid; it has no receipt", ord.OrderNo)
	}
	loc, zone := StoreLocation(in.Store.TimeZone)
	r := &Receipt{ReceiptNo: ord.OrderNo, Store: ReceiptStore{Code: in.Store.Code, Name: in.Store.Name, TimeZone: zone},
		PaidAt: ord.PaidAt, PaidAtLocal: ord.PaidAt.In(loc).Format(ReceiptLocalLayout),
		Subtotal: ord.Subtotal, DiscountTotal: ord.DiscountTotal, Total: ord.Total,
		Payment: appliedPayment(ord, in.Payments), Refunds: in.Refunds, RefundedTotal: decimal.Zero}
	if in.Issued != nil {
		r.IssuedAt = in.Issued.IssuedAt
	}
	for _, l := range ord.Lines {
		r.Lines = append(r.Lines, ReceiptLine{SKU: l.SKU, Name: l.Name, Barcode: l.Barcode, Quantity: l.Quantity,
			UnitPrice: l.UnitPrice, ListAmount: l.ListAmount, Discounts: l.Discounts, NetAmount: l.NetAmount,
			TaxRate: l.TaxRate, RefundedQty: l.RefundedQty, RefundedAmount: l.RefundedAmount})
	}
	r.Tax = TaxParts(ord.Lines)
	for _, f := range in.Refunds {
		if f.Status != RefundClosed {
			r.RefundedTotal = r.RefundedTotal.Add(f.Amount)
		}
	}
	r.NetPaid = r.Total.Sub(r.RefundedTotal)
	return r, nil
}

// TaxParts sums the lines' nets per VAT rate and takes the VAT out of each
// sum: prices include VAT, so the VAT in a gross g at rate r is
// g × r / (1 + r), rounded half up to the fen once per rate (not per
// line, which would let rounding errors add up).
func TaxParts(lines []*OrderLine) []ReceiptTax {
	var parts []ReceiptTax
	for _, l := range lines {
		i := slices.IndexFunc(parts, func(p ReceiptTax) bool { return p.Rate.Equal(l.TaxRate) })
		if i < 0 {
			parts = append(parts, ReceiptTax{Rate: l.TaxRate, Taxable: decimal.Zero})
			i = len(parts) - 1
		}
		parts[i].Taxable = parts[i].Taxable.Add(l.NetAmount)
	}
	slices.SortFunc(parts, func(a, b ReceiptTax) int { return a.Rate.Cmp(b.Rate) })
	for i := range parts {
		p := &parts[i]
		p.Tax = roundCents(p.Taxable.Mul(p.Rate).Div(decimal.NewFromInt(1).Add(p.Rate)))
	}
	return parts
}

// RatePercent shows a VAT fraction as a percentage: 0.13 → "13%",
// 0.065 → "6.5%".
func RatePercent(rate decimal.Decimal) string {
	return rate.Mul(decimal.NewFromInt(100)).String() + "%"
}

// appliedPayment is the payment that made the order paid: the applied
// payment of its transaction. Should its row be missing, the order itself
// says what was paid, by which transaction and when.
func appliedPayment(ord *Order, payments []*Payment) ReceiptPayment {
	p := ReceiptPayment{Method: PaymentMethodWeChatPay, TransactionID: ord.TransactionID, Amount: ord.Total, PaidAt: ord.PaidAt}
	applied := slices.DeleteFunc(slices.Clone(payments), func(p *Payment) bool { return p.Status != PaymentApplied })
	slices.SortStableFunc(applied, func(a, b *Payment) int {
		// The order's own transaction first.
		return cmp.Compare(boolRank(a.TransactionID != ord.TransactionID), boolRank(b.TransactionID != ord.TransactionID))
	})
	if len(applied) > 0 {
		a := applied[0]
		p.TransactionID, p.Amount, p.PaidAt = a.TransactionID, a.Amount, a.PaidAt
	}
	return p
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// StoreLocation loads a store's time zone. A name that does not load
// (stores are validated, so only a broken tz database) falls back to the
// chain's default; the name returned is the zone used.
func StoreLocation(name string) (*time.Location, string) {
	if loc, err := time.LoadLocation(name); err == nil && name != "" {
		return loc, name
	}
	if loc, err := time.LoadLocation(DefaultTimeZone); err == nil {
		return loc, DefaultTimeZone
	}
	return time.UTC, "UTC"
}
