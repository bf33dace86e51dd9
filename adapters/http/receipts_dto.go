package http

import "github.com/scanpay/scanpay/domain"

// receiptDTO is an e-receipt (DESIGN §4 "Receipts"): JSON as it is, and
// the data of the HTML page. Money as strings with two decimals, times
// RFC 3339 UTC, plus the payment time in the store's time zone.
type receiptDTO struct {
	ReceiptNo     string             `json:"receipt_no"`
	Store         receiptStoreDTO    `json:"store"`
	IssuedAt      string             `json:"issued_at"`
	PaidAt        string             `json:"paid_at"`
	PaidAtLocal   string             `json:"paid_at_local"`
	TimeZone      string             `json:"time_zone"`
	Lines         []receiptLineDTO   `json:"lines"`
	Subtotal      string             `json:"subtotal"`
	DiscountTotal string             `json:"discount_total"`
	Total         string             `json:"total"`
	Tax           []receiptTaxDTO    `json:"tax"`
	Payment       receiptPaymentDTO  `json:"payment"`
	Refunds       []receiptRefundDTO `json:"refunds"`
	RefundedTotal string             `json:"refunded_total"`
	NetPaid       string             `json:"net_paid"`
}

type receiptStoreDTO struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
}

type receiptDiscountDTO struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Amount string `json:"amount"`
}

type receiptLineDTO struct {
	SKU              string               `json:"sku"`
	Name             string               `json:"name"`
	Barcode          string               `json:"barcode"`
	Quantity         string               `json:"quantity"`
	UnitPrice        string               `json:"unit_price"`
	ListAmount       string               `json:"list_amount"`
	Discounts        []receiptDiscountDTO `json:"discounts"`
	NetAmount        string               `json:"net_amount"`
	TaxRate          string               `json:"tax_rate"` // "13%"
	RefundedQuantity string               `json:"refunded_quantity"`
	RefundedAmount   string               `json:"refunded_amount"`
	// Refunded is for the page: whether anything of the line came back.
	Refunded bool `json:"-"`
}

type receiptTaxDTO struct {
	Rate    string `json:"rate"`
	Taxable string `json:"taxable"` // the gross of the lines at this rate, VAT included
	Tax     string `json:"tax"`     // the VAT in it
}

type receiptPaymentDTO struct {
	Method        string `json:"method"`
	TransactionID string `json:"transaction_id"`
	Amount        string `json:"amount"`
	PaidAt        string `json:"paid_at"`
}

type receiptRefundDTO struct {
	OutRefundNo string  `json:"out_refund_no"`
	Amount      string  `json:"amount"`
	Status      string  `json:"status"`
	Reason      string  `json:"reason"`
	CreatedAt   string  `json:"created_at"`
	SucceededAt *string `json:"succeeded_at"`
}

func toReceiptDTO(r *domain.Receipt) receiptDTO {
	d := receiptDTO{ReceiptNo: r.ReceiptNo,
		Store:    receiptStoreDTO{Code: r.Store.Code, Name: r.Store.Name, TimeZone: r.Store.TimeZone},
		IssuedAt: timestamp(r.IssuedAt), PaidAt: timestamp(r.PaidAt), PaidAtLocal: r.PaidAtLocal, TimeZone: r.Store.TimeZone,
		Lines: make([]receiptLineDTO, 0, len(r.Lines)), Subtotal: money(r.Subtotal), DiscountTotal: money(r.DiscountTotal),
		Total: money(r.Total), Tax: make([]receiptTaxDTO, 0, len(r.Tax)),
		Payment: receiptPaymentDTO{Method: r.Payment.Method, TransactionID: r.Payment.TransactionID,
			Amount: money(r.Payment.Amount), PaidAt: timestamp(r.Payment.PaidAt)},
		Refunds: make([]receiptRefundDTO, 0, len(r.Refunds)), RefundedTotal: money(r.RefundedTotal), NetPaid: money(r.NetPaid)}
	for _, l := range r.Lines {
		ld := receiptLineDTO{SKU: l.SKU, Name: l.Name, Barcode: l.Barcode, Quantity: l.Quantity.String(),
			UnitPrice: money(l.UnitPrice), ListAmount: money(l.ListAmount), Discounts: make([]receiptDiscountDTO, 0, len(l.Discounts)),
			NetAmount: money(l.NetAmount), TaxRate: domain.RatePercent(l.TaxRate), RefundedQuantity: l.RefundedQty.String(),
			RefundedAmount: money(l.RefundedAmount), Refunded: l.RefundedQty.IsPositive() || l.RefundedAmount.IsPositive()}
		for _, disc := range l.Discounts {
			ld.Discounts = append(ld.Discounts, receiptDiscountDTO{Kind: disc.Kind, Name: disc.Name, Amount: money(disc.Amount)})
		}
		d.Lines = append(d.Lines, ld)
	}
	for _, t := range r.Tax {
		d.Tax = append(d.Tax, receiptTaxDTO{Rate: domain.RatePercent(t.Rate), Taxable: money(t.Taxable), Tax: money(t.Tax)})
	}
	for _, f := range r.Refunds {
		d.Refunds = append(d.Refunds, receiptRefundDTO{OutRefundNo: f.OutRefundNo, Amount: money(f.Amount),
			Status: string(f.Status), Reason: f.Reason, CreatedAt: timestamp(f.CreatedAt), SucceededAt: optionalTime(f.SucceededAt)})
	}
	return d
}
