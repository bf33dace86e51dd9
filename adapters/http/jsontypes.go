package http

import (
	"encoding/json"
	"reflect"
	"strconv"
	"time"
)

// Time reads a time given as an RFC 3339 JSON string and, like Decimal,
// reports a failure as a type error the decoder tags with the field name.
type Time struct{ time.Time }

var timeType = reflect.TypeOf(Time{})

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: timeType}
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: timeType}
	}
	t.Time = v
	return nil
}

// ptr returns the time behind an optional field.
func (t *Time) ptr() *time.Time {
	if t == nil {
		return nil
	}
	return &t.Time
}

// ID reads an id in a request body: a JSON string of digits, as the API
// shows ids, or a JSON number.
type ID int64

var idType = reflect.TypeOf(ID(0))

// UnmarshalJSON implements json.Unmarshaler.
func (id *ID) UnmarshalJSON(b []byte) error {
	raw := string(b)
	var s string
	if json.Unmarshal(b, &s) == nil {
		raw = s
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n <= 0 {
		return &json.UnmarshalTypeError{Value: string(b), Type: idType}
	}
	*id = ID(n)
	return nil
}
