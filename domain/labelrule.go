package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// LabelValueKind says how a weighed line is priced from its label.
type LabelValueKind string

const (
	// LabelPrice labels carry the line amount in fen, taken as printed: the
	// scale already priced the goods.
	LabelPrice LabelValueKind = "price"
	// LabelWeight labels carry grams, priced at the store's per-kg price.
	LabelWeight LabelValueKind = "weight"
)

// LabelRule tells how one store's scales lay out an in-store label. GS1 leaves
// restricted-circulation numbers to the store, so every store describes its
// own: the codes of a given length starting with Prefix are labels, and the
// fields sit at fixed 0-based positions in the digit string.
//
// The common Chinese 13-digit price label `2 1 06013 04008 3` is prefix "21",
// length 13, PLU at 2 (5 digits), price at 7 (5 digits, fen), check digit.
// The GS1 layouts with a price check digit put it right before the price:
// `2 1 12345 9 2875 c` (4-digit price) or `2 1 1234 6 14685 c` (5-digit).
type LabelRule struct {
	ID        int64
	StoreCode string
	Name      string
	Prefix    string // 1-4 digits
	Length    int    // 8..20 digits
	PLUStart  int
	PLULength int
	// PriceLength 0 means the label carries no price; the price is in fen.
	PriceStart, PriceLength int
	// WeightLength 0 means the label carries no weight; it is in grams.
	WeightStart, WeightLength int
	// PriceCheckDigit: the digit at PriceStart-1 is the GS1 price check
	// digit of a 4- or 5-digit price (GS1 General Specifications §7.9.2-4),
	// so a misread price is caught even when the final check digit passes.
	PriceCheckDigit bool
	// CheckDigit: the last digit is the GS1 mod-10 check digit over the
	// others (always so on EAN-13/UPC-A/EAN-8 symbols; Code 128 labels carry
	// their own symbol check and often none).
	CheckDigit bool
	CreatedAt  time.Time
}

// LabelRuleInput is what staff send to create a rule.
type LabelRuleInput struct {
	Name                      string
	Prefix                    string
	Length                    int
	PLUStart, PLULength       int
	PriceStart, PriceLength   int
	WeightStart, WeightLength int
	PriceCheckDigit           bool
	CheckDigit                bool
}

// LabelRead is what a label says. Amount and Weight are nil when the rule
// has no such field.
type LabelRead struct {
	PLU    string
	Amount *decimal.Decimal // yuan, 2 decimal places
	Weight *decimal.Decimal // kg, 3 decimal places
	// CheckDigitOK and PriceCheckOK are true when the rule has that check
	// digit and it verified; false when the rule has none or it failed.
	CheckDigitOK bool
	PriceCheckOK bool
}

const (
	minLabelLength   = 8
	maxLabelLength   = 20
	maxLabelPrefix   = 4
	maxLabelValueLen = 9 // 9 digits of fen or grams fit any basket, and an int64
)

// NewLabelRule validates a rule for a store, reporting every bad field at once.
// Overlap with the store's other rules is checked by CheckLabelRuleOverlap,
// since it needs them.
func NewLabelRule(id int64, store string, in LabelRuleInput, now time.Time) (*LabelRule, error) {
	r := &LabelRule{
		ID: id, StoreCode: strings.TrimSpace(store), Name: strings.TrimSpace(in.Name),
		Prefix: strings.TrimSpace(in.Prefix), Length: in.Length,
		PLUStart: in.PLUStart, PLULength: in.PLULength,
		PriceStart: in.PriceStart, PriceLength: in.PriceLength,
		WeightStart: in.WeightStart, WeightLength: in.WeightLength,
		PriceCheckDigit: in.PriceCheckDigit, CheckDigit: in.CheckDigit, CreatedAt: now,
	}
	if err := r.check().Err("label_rule_invalid"); err != nil {
		return nil, err
	}
	return r, nil
}

// labelSpan is one field of the layout, for range and overlap checks.
type labelSpan struct {
	what, field string // "price field", "price_start"
	start, n    int
	lengthField string
	maxN        int
}

// at names the positions of a span for messages, e.g. "positions 7-11".
func (s labelSpan) at() string {
	if s.n == 1 {
		return fmt.Sprintf("position %d", s.start)
	}
	return fmt.Sprintf("positions %d-%d", s.start, s.start+s.n-1)
}

func (r *LabelRule) check() Fields {
	var fe Fields
	if !storeCodePattern.MatchString(r.StoreCode) {
		fe.Add("store_code", "%q is not a store code", r.StoreCode)
	}
	if n := utf8.RuneCountInString(r.Name); n < 1 || n > 100 {
		fe.Add("name", "must be 1-100 characters")
	}
	prefixOK := len(r.Prefix) <= maxLabelPrefix && allDigits(r.Prefix)
	if !prefixOK {
		fe.Add("prefix", "must be 1-%d digits", maxLabelPrefix)
	}
	lengthOK := r.Length >= minLabelLength && r.Length <= maxLabelLength
	if !lengthOK {
		fe.Add("length", "must be %d-%d digits", minLabelLength, maxLabelLength)
	}
	if prefixOK && lengthOK && !labelPrefixRestricted(r.Prefix, r.Length) {
		fe.Add("prefix", "%s is not a restricted-circulation prefix for %d-digit codes (%s), so real products' barcodes would be read as labels",
			r.Prefix, r.Length, restrictedPrefixHint(r.Length))
	}
	if r.PLULength == 0 {
		fe.Add("plu_length", "is required: the PLU says which item was weighed")
	}
	if r.PriceLength == 0 && r.WeightLength == 0 {
		fe.Add("price_length", "a label needs a price field, a weight field or both (price_length, weight_length)")
	}
	if r.PriceLength == 0 && r.PriceStart != 0 {
		fe.Add("price_start", "is set but price_length is 0 (no price field)")
	}
	if r.WeightLength == 0 && r.WeightStart != 0 {
		fe.Add("weight_start", "is set but weight_length is 0 (no weight field)")
	}
	priceCheck := r.PriceCheckDigit && (r.PriceLength == 4 || r.PriceLength == 5)
	if r.PriceCheckDigit && !priceCheck {
		fe.Add("price_check_digit", "needs a price field of 4 or 5 digits: GS1 defines the price check digit for those only")
	}
	if !lengthOK {
		return fe // positions cannot be judged without a length
	}
	var spans []labelSpan
	if r.PLULength != 0 {
		spans = append(spans, labelSpan{what: "PLU field", field: "plu_start", lengthField: "plu_length", start: r.PLUStart, n: r.PLULength, maxN: maxLabelLength})
	}
	if priceCheck {
		spans = append(spans, labelSpan{what: "price check digit", field: "price_check_digit", lengthField: "price_check_digit",
			start: r.PriceStart - 1, n: 1, maxN: 1})
	}
	if r.PriceLength != 0 {
		spans = append(spans, labelSpan{what: "price field", field: "price_start", lengthField: "price_length", start: r.PriceStart, n: r.PriceLength, maxN: maxLabelValueLen})
	}
	if r.WeightLength != 0 {
		spans = append(spans, labelSpan{what: "weight field", field: "weight_start", lengthField: "weight_length", start: r.WeightStart, n: r.WeightLength, maxN: maxLabelValueLen})
	}
	first, end := 0, r.dataEnd()
	if prefixOK {
		first = len(r.Prefix) // a bad prefix is reported once, not again per field
	}
	var placed []labelSpan
	for _, s := range spans {
		switch {
		case s.n < 0 || s.n > s.maxN:
			fe.Add(s.lengthField, "must be 1-%d digits", s.maxN)
		case s.start < 0 && s.n > 0 && s.field != "price_check_digit":
			fe.Add(s.field, "must not be negative (positions count from 0)")
		case s.start < first:
			fe.Add(s.field, "the %s (%s) must come after the prefix %q at positions 0-%d (positions count from 0)",
				s.what, s.at(), r.Prefix, first-1)
		case s.start+s.n > end && r.CheckDigit:
			fe.Add(s.lengthField, "the %s (%s) runs into the check digit at position %d; fields must end by position %d",
				s.what, s.at(), end, end-1)
		case s.start+s.n > end:
			fe.Add(s.lengthField, "the %s (%s) runs past the end of the %d-digit label (last position %d)",
				s.what, s.at(), r.Length, end-1)
		default:
			for _, p := range placed {
				if s.start < p.start+p.n && p.start < s.start+s.n {
					fe.Add(s.field, "the %s (%s) overlaps the %s (%s)", s.what, s.at(), p.what, p.at())
					break
				}
			}
			placed = append(placed, s)
		}
	}
	return fe
}

// dataEnd is the position after the last digit a field may use.
func (r *LabelRule) dataEnd() int {
	if r.CheckDigit {
		return r.Length - 1
	}
	return r.Length
}

// labelPrefixRestricted says whether every code of this length and prefix is
// a restricted-circulation number (see restrictedGTIN). A rule on any other
// prefix of a GTIN length would capture real products' barcodes, or never be
// consulted, since only restricted GTINs go to the label rules. Lengths that
// are not GTIN lengths (9-11, 15-20) are in-store codes anyway.
func labelPrefixRestricted(prefix string, length int) bool {
	switch length {
	case 8:
		return prefix[0] == '0' || prefix[0] == '2'
	case 12:
		return prefix[0] == '2' || prefix[0] == '4'
	case 13:
		return prefix[0] == '2' || strings.HasPrefix(prefix, "02") || strings.HasPrefix(prefix, "04")
	case 14:
		return strings.HasPrefix(prefix, "02") || strings.HasPrefix(prefix, "002") || strings.HasPrefix(prefix, "004")
	}
	return true
}

func restrictedPrefixHint(length int) string {
	return map[int]string{8: "0 or 2", 12: "2 or 4", 13: "20-29, 02 or 04", 14: "02, 002 or 004"}[length]
}

// Kind says how a line from this rule is priced: by the printed amount when
// there is one (the scale has priced it), else by weight.
func (r *LabelRule) Kind() LabelValueKind {
	if r.PriceLength > 0 {
		return LabelPrice
	}
	return LabelWeight
}

// Matches reports whether code is this rule's length and starts with its
// prefix; the digits themselves are judged by Read.
func (r *LabelRule) Matches(code string) bool {
	code = strings.TrimSpace(code)
	return len(code) == r.Length && strings.HasPrefix(code, r.Prefix)
}

// Read takes a label apart. A label that is not this rule's shape is
// invalid/label_format. When a check digit fails (label_check_digit,
// label_price_check) the fields read so far are returned with the error, so
// staff testing a rule can see what the scale printed; a scan must refuse it.
// A zero price or weight is refused too: no scale prints one, and it would
// make a free line.
func (r *LabelRule) Read(code string) (LabelRead, error) {
	code = strings.TrimSpace(code)
	if !allDigits(code) {
		return LabelRead{}, Errorf(EINVALID, "label_format", "a scale label must be digits only")
	}
	if len(code) != r.Length || !strings.HasPrefix(code, r.Prefix) {
		return LabelRead{}, Errorf(EINVALID, "label_format",
			"label rule %q reads %d-digit codes starting with %s; this code has %d digits and starts with %s",
			r.Name, r.Length, r.Prefix, len(code), code[:min(len(code), len(r.Prefix))])
	}
	if !r.layoutInside() {
		return LabelRead{}, Errorf(EINTERNAL, "label_rule_invalid", "label rule %d has fields outside its length", r.ID)
	}
	rd := LabelRead{PLU: code[r.PLUStart : r.PLUStart+r.PLULength]}
	if r.PriceLength > 0 {
		a := decimal.New(digitsValue(code[r.PriceStart:r.PriceStart+r.PriceLength]), -2)
		rd.Amount = &a
	}
	if r.WeightLength > 0 {
		w := decimal.New(digitsValue(code[r.WeightStart:r.WeightStart+r.WeightLength]), -3)
		rd.Weight = &w
	}
	if r.CheckDigit {
		n := len(code)
		if want := GS1CheckDigit(code[:n-1]); int(code[n-1]-'0') != want {
			return rd, Errorf(EINVALID, "label_check_digit",
				"label %s has check digit %c, expected %d: it was misread or misprinted", code, code[n-1], want)
		}
		rd.CheckDigitOK = true
	}
	if r.PriceCheckDigit {
		price := code[r.PriceStart : r.PriceStart+r.PriceLength]
		got, want := code[r.PriceStart-1], GS1PriceCheckDigit(price)
		if int(got-'0') != want {
			return rd, Errorf(EINVALID, "label_price_check",
				"label %s has price check digit %c, expected %d for price %s: the price was misread or misprinted", code, got, want, price)
		}
		rd.PriceCheckOK = true
	}
	if rd.Amount != nil && rd.Amount.IsZero() {
		return rd, Errorf(EINVALID, "label_format", "the label's price is zero")
	}
	if rd.Weight != nil && rd.Weight.IsZero() {
		return rd, Errorf(EINVALID, "label_format", "the label's weight is zero")
	}
	return rd, nil
}

// layoutInside guards Read against a rule loaded from storage without passing
// NewLabelRule: slicing outside the code would panic on a shopper's scan.
func (r *LabelRule) layoutInside() bool {
	in := func(start, n int) bool { return n == 0 || (start >= 0 && n > 0 && start+n <= r.Length) }
	ok := r.PLULength > 0 && in(r.PLUStart, r.PLULength) && in(r.PriceStart, r.PriceLength) && in(r.WeightStart, r.WeightLength) &&
		r.PriceLength <= maxLabelValueLen && r.WeightLength <= maxLabelValueLen
	if r.PriceCheckDigit {
		ok = ok && r.PriceLength > 0 && r.PriceStart >= 1
	}
	return ok
}

// digitsValue reads at most maxLabelValueLen ASCII digits.
func digitsValue(s string) int64 {
	var v int64
	for i := 0; i < len(s); i++ {
		v = v*10 + int64(s[i]-'0')
	}
	return v
}

// Overlaps reports whether a code could match both rules: same store, same
// length, and one prefix is a prefix of the other. Such a pair is refused
// (ErrLabelRuleOverlap), because which rule reads a label must never depend
// on the order they are tried in.
func (r *LabelRule) Overlaps(o *LabelRule) bool {
	if r == nil || o == nil || r.StoreCode != o.StoreCode || r.Length != o.Length {
		return false
	}
	return strings.HasPrefix(r.Prefix, o.Prefix) || strings.HasPrefix(o.Prefix, r.Prefix)
}

// ErrLabelRuleOverlap is the conflict a new rule meets when existing already
// reads some of its codes.
func ErrLabelRuleOverlap(existing *LabelRule) *Error {
	return Errorf(ECONFLICT, "label_rule_overlap",
		"label rule %q (prefix %s, %d digits) already reads codes this rule would read; change the prefix or length, or delete it first",
		existing.Name, existing.Prefix, existing.Length)
}

// CheckLabelRuleOverlap returns ErrLabelRuleOverlap for the first of the
// store's rules (other than r itself, by ID) that overlaps r, else nil.
func CheckLabelRuleOverlap(rules []*LabelRule, r *LabelRule) error {
	for _, o := range rules {
		if o != nil && o.ID != r.ID && r.Overlaps(o) {
			return ErrLabelRuleOverlap(o)
		}
	}
	return nil
}

// MatchLabel finds the store's rule for code and reads it. Rules are kept free
// of overlaps, but should two match anyway the longer prefix wins (then the
// lower ID), so the answer does not depend on the order of rules. With no
// matching rule it is not_found/label_rule_miss; when the rule matches but
// the label does not read, the rule is returned with Read's result and error.
func MatchLabel(rules []*LabelRule, code string) (*LabelRule, LabelRead, error) {
	var best *LabelRule
	for _, r := range rules {
		if r == nil || !r.Matches(code) {
			continue
		}
		if best == nil || len(r.Prefix) > len(best.Prefix) || (len(r.Prefix) == len(best.Prefix) && r.ID < best.ID) {
			best = r
		}
	}
	if best == nil {
		return nil, LabelRead{}, Errorf(ENOTFOUND, "label_rule_miss",
			"no label rule of this store reads a %d-digit code like this one", len(strings.TrimSpace(code)))
	}
	rd, err := best.Read(code)
	return best, rd, err
}
