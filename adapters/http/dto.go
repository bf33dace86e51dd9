package http

import (
	"encoding/json"
	"reflect"
	"time"

	"github.com/shopspring/decimal"
)

// Decimal reads a money or quantity value given as a JSON string ("12.30")
// or number, and on failure reports a type error that the decoder tags with
// the field's name.
type Decimal struct{ decimal.Decimal }

var decimalType = reflect.TypeOf(Decimal{})

// UnmarshalJSON implements json.Unmarshaler.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	if err := d.Decimal.UnmarshalJSON(b); err != nil || string(b) == "null" {
		return &json.UnmarshalTypeError{Value: string(b), Type: decimalType}
	}
	return nil
}

// ptr returns the decimal behind an optional field.
func (d *Decimal) ptr() *decimal.Decimal {
	if d == nil {
		return nil
	}
	return &d.Decimal
}

// money formats an amount the API's way: a string with two decimals.
func money(d decimal.Decimal) string { return d.StringFixed(2) }

// timestamp formats a time the API's way: RFC 3339 in UTC.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
