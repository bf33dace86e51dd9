package http

import (
	"html/template"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// consoleFuncs are the helpers console templates may call.
var consoleFuncs = template.FuncMap{
	// money shows an amount as "12.30".
	"money": func(d decimal.Decimal) string { return d.StringFixed(2) },
	// qty shows a quantity without trailing zeros ("3", "0.458").
	"qty": func(d decimal.Decimal) string { return d.String() },
	// when shows a time in a zone ("" for the zero time), e.g. in the
	// store's zone: {{when .PaidAt "Asia/Shanghai"}}.
	"when": func(t time.Time, zone string) string {
		if t.IsZero() {
			return ""
		}
		loc, err := time.LoadLocation(zone)
		if err != nil {
			loc = time.UTC
		}
		return t.In(loc).Format("2006-01-02 15:04")
	},
	// can reports whether the staff member has at least role (a store
	// check is the use case's).
	"can": func(s *domain.Staff, role string) bool {
		return s != nil && s.Authorize(domain.Role(role), "") == nil
	},
}
