package wechatpay

import (
	"github.com/shopspring/decimal"

	"github.com/scanpay/scanpay/domain"
)

// Currency is the only currency scanpay charges in; WeChat Pay wants it
// spelled out on every amount.
const Currency = "CNY"

// maxFen bounds an amount well below int64 overflow; WeChat Pay's amount
// fields are 32-bit integers anyway, so anything larger is a bug upstream.
const maxFen = 1<<31 - 1

// toFen converts decimal yuan to integer fen, the unit WeChat Pay speaks.
// This is the one place the conversion happens, so rounding can never creep
// in: an amount that is not a whole number of fen, or is not positive, is
// refused (EINVALID) before anything is sent.
func toFen(field string, yuan decimal.Decimal) (int64, error) {
	fen := yuan.Shift(2)
	bad := func(msg string) error {
		return domain.Invalid("amount_invalid", domain.FieldError{Field: field, Message: msg})
	}
	switch {
	case !fen.IsInteger():
		return 0, bad("must be a whole number of fen (at most 2 decimal places), got " + yuan.String())
	case fen.Sign() <= 0:
		return 0, bad("must be more than zero, got " + yuan.String())
	case fen.GreaterThan(decimal.NewFromInt(maxFen)):
		return 0, bad("is too large, got " + yuan.String())
	}
	return fen.IntPart(), nil
}

// fromFen turns WeChat Pay's fen back into yuan with exactly two decimal
// places, so results compare equal to the amounts the domain stored.
func fromFen(fen int64) decimal.Decimal { return decimal.New(fen, -2) }

// fenPtr reads an optional fen field; WeChat Pay omits payer_total until the
// order is paid, which reads as zero yuan.
func fenPtr(p *int64) decimal.Decimal {
	if p == nil {
		return fromFen(0)
	}
	return fromFen(*p)
}
