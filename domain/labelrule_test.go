package domain_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// The layouts under test. The DESIGN example: 2 1 | 06013 | 04008 | 3.
var (
	priceLabel13 = domain.LabelRuleInput{Name: "13-digit price", Prefix: "21", Length: 13,
		PLUStart: 2, PLULength: 5, PriceStart: 7, PriceLength: 5, CheckDigit: true}
	weightLabel13 = domain.LabelRuleInput{Name: "13-digit weight", Prefix: "22", Length: 13,
		PLUStart: 2, PLULength: 5, WeightStart: 7, WeightLength: 5, CheckDigit: true}
	// 28 | PLU 5 | grams 5 | fen 6: Code 128 carries its own symbol check, so
	// this layout has no GS1 check digit.
	bothLabel18 = domain.LabelRuleInput{Name: "18-digit weight and amount", Prefix: "28", Length: 18,
		PLUStart: 2, PLULength: 5, WeightStart: 7, WeightLength: 5, PriceStart: 12, PriceLength: 6}
	// GS1 price check digit layouts: 23 | PLU 5 | v | price 4 | c and
	// 24 | PLU 4 | v | price 5 | c.
	priceCheck4 = domain.LabelRuleInput{Name: "4-digit price, verified", Prefix: "23", Length: 13,
		PLUStart: 2, PLULength: 5, PriceStart: 8, PriceLength: 4, PriceCheckDigit: true, CheckDigit: true}
	priceCheck5 = domain.LabelRuleInput{Name: "5-digit price, verified", Prefix: "24", Length: 13,
		PLUStart: 2, PLULength: 4, PriceStart: 7, PriceLength: 5, PriceCheckDigit: true, CheckDigit: true}
)

func newRule(t *testing.T, id int64, in domain.LabelRuleInput) *domain.LabelRule {
	t.Helper()
	r, err := domain.NewLabelRule(id, "DEMO01", in, testNow)
	if err != nil {
		t.Fatalf("NewLabelRule(%+v): %v", in, err)
	}
	return r
}

// withCheck appends the GS1 check digit to body.
func withCheck(body string) string { return body + strconv.Itoa(domain.GS1CheckDigit(body)) }

func decString(d *decimal.Decimal) string {
	if d == nil {
		return "<nil>"
	}
	return d.String()
}

func TestLabelRuleReadsLayouts(t *testing.T) {
	tests := []struct {
		name, code, plu, amount, weight string
		in                              domain.LabelRuleInput
		kind                            domain.LabelValueKind
		checkOK, priceOK                bool
	}{
		{"DESIGN 13-digit price label", "2106013040083", "06013", "40.08", "<nil>", priceLabel13, domain.LabelPrice, true, false},
		{"13-digit weight label", "2206013004587", "06013", "<nil>", "0.458", weightLabel13, domain.LabelWeight, true, false},
		{"18-digit weight and amount", "280601300458001832", "06013", "18.32", "0.458", bothLabel18, domain.LabelPrice, false, false},
		{"GS1 4-digit price check", withCheck("23123459" + "2875"), "12345", "28.75", "<nil>", priceCheck4, domain.LabelPrice, true, true},
		{"GS1 5-digit price check", withCheck("2412346" + "14685"), "1234", "146.85", "<nil>", priceCheck5, domain.LabelPrice, true, true},
		{"white space around", " 2106013040083\r\n", "06013", "40.08", "<nil>", priceLabel13, domain.LabelPrice, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRule(t, 1, tt.in)
			if !r.Matches(tt.code) {
				t.Fatalf("rule does not match %q", tt.code)
			}
			rd, err := r.Read(tt.code)
			if err != nil {
				t.Fatalf("Read(%q): %v", tt.code, err)
			}
			amount, weight := decString(rd.Amount), decString(rd.Weight)
			if rd.PLU != tt.plu || amount != tt.amount || weight != tt.weight {
				t.Errorf("read PLU/amount/weight = %s/%s/%s, want %s/%s/%s", rd.PLU, amount, weight, tt.plu, tt.amount, tt.weight)
			}
			if rd.CheckDigitOK != tt.checkOK || rd.PriceCheckOK != tt.priceOK {
				t.Errorf("check/price check ok = %v/%v, want %v/%v", rd.CheckDigitOK, rd.PriceCheckOK, tt.checkOK, tt.priceOK)
			}
			if r.Kind() != tt.kind {
				t.Errorf("kind = %s, want %s", r.Kind(), tt.kind)
			}
		})
	}
}

func TestDESIGNLabelIsARestrictedGTIN(t *testing.T) {
	// A 13-digit label reaches the label rules through ParseBarcode.
	for _, code := range []string{"2106013040083", "2206013004587"} {
		b, err := domain.ParseBarcode(code)
		if err != nil || !b.Restricted {
			t.Errorf("ParseBarcode(%s) = %+v, %v; want a restricted GTIN", code, b, err)
		}
	}
}

func TestLabelRuleReadRefuses(t *testing.T) {
	price := newRule(t, 1, priceLabel13)
	check4 := newRule(t, 2, priceCheck4)
	tests := []struct {
		name   string
		r      *domain.LabelRule
		code   string
		reason string
		plu    string // returned with a check failure, "" when nothing is read
	}{
		{"wrong check digit", price, "2106013040084", "label_check_digit", "06013"},
		{"wrong price check digit", check4, withCheck("23123459" + "2876"), "label_price_check", "12345"},
		{"wrong length", price, "210601304008", "label_format", ""},
		{"wrong prefix", price, "2206013040080", "label_format", ""},
		{"letters", price, "21060130400A3", "label_format", ""},
		{"empty", price, "", "label_format", ""},
		{"zero price", price, withCheck("210601300000"), "label_format", "06013"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, err := tt.r.Read(tt.code)
			wantDomainError(t, err, domain.EINVALID, tt.reason)
			if rd.PLU != tt.plu {
				t.Errorf("PLU read with the error = %q, want %q", rd.PLU, tt.plu)
			}
		})
	}
	rd, err := check4.Read(withCheck("23123459" + "2876"))
	if err == nil || !rd.CheckDigitOK || rd.PriceCheckOK {
		t.Errorf("price check failure: check/price ok = %v/%v, want true/false", rd.CheckDigitOK, rd.PriceCheckOK)
	}
	zeroWeight := newRule(t, 3, weightLabel13)
	_, err = zeroWeight.Read(withCheck("220601300000"))
	wantDomainError(t, err, domain.EINVALID, "label_format")
}

func TestLabelRuleReadGuardsBrokenRule(t *testing.T) {
	// A rule that skipped NewLabelRule (a bad row) must not panic on a scan.
	r := &domain.LabelRule{ID: 9, Prefix: "21", Length: 13, PLUStart: 2, PLULength: 5, PriceStart: 10, PriceLength: 5}
	_, err := r.Read("2106013040083")
	wantDomainError(t, err, domain.EINTERNAL, "label_rule_invalid")
}

func TestMatchLabel(t *testing.T) {
	rules := []*domain.LabelRule{newRule(t, 1, priceLabel13), newRule(t, 2, weightLabel13), newRule(t, 3, bothLabel18)}
	tests := []struct {
		code   string
		ruleID int64
		plu    string
	}{
		{"2106013040083", 1, "06013"},
		{"2206013004587", 2, "06013"},
		{"280601300458001832", 3, "06013"},
	}
	for _, tt := range tests {
		r, rd, err := domain.MatchLabel(rules, tt.code)
		if err != nil || r == nil || r.ID != tt.ruleID || rd.PLU != tt.plu {
			t.Errorf("MatchLabel(%s) = rule %+v, %+v, %v; want rule %d", tt.code, r, rd, err, tt.ruleID)
		}
	}
	for _, code := range []string{"2306013040089", "21060130400831", "4006381333931", ""} {
		r, _, err := domain.MatchLabel(rules, code)
		wantDomainError(t, err, domain.ENOTFOUND, "label_rule_miss")
		if r != nil {
			t.Errorf("MatchLabel(%q) returned rule %d with a miss", code, r.ID)
		}
	}
	r, rd, err := domain.MatchLabel(rules, "2106013040084")
	wantDomainError(t, err, domain.EINVALID, "label_check_digit")
	if r == nil || r.ID != 1 || rd.PLU != "06013" {
		t.Errorf("a failing label should come back with its rule and read, got %+v %+v", r, rd)
	}
	if _, _, err := domain.MatchLabel(nil, "2106013040083"); domain.ErrorReason(err) != "label_rule_miss" {
		t.Errorf("no rules: %v, want label_rule_miss", err)
	}
}

func TestMatchLabelPrefersLongerPrefix(t *testing.T) {
	// Overlaps are refused on create; should old rows overlap anyway, the
	// answer must not depend on their order.
	broad := &domain.LabelRule{ID: 1, StoreCode: "DEMO01", Prefix: "2", Length: 13, PLUStart: 1, PLULength: 6, PriceStart: 7, PriceLength: 5, CheckDigit: true}
	narrow := newRule(t, 2, priceLabel13)
	for _, rules := range [][]*domain.LabelRule{{broad, narrow}, {narrow, broad}} {
		r, _, err := domain.MatchLabel(rules, "2106013040083")
		if err != nil || r.ID != 2 {
			t.Errorf("MatchLabel picked %+v, %v; want the rule with prefix 21", r, err)
		}
	}
}

func TestLabelRuleOverlaps(t *testing.T) {
	base := newRule(t, 1, priceLabel13)
	mk := func(id int64, store, prefix string, length int) *domain.LabelRule {
		in := priceLabel13
		in.Prefix, in.Length = prefix, length
		in.PLUStart, in.PLULength = len(prefix), 7-len(prefix) // PLU between prefix and price
		if length == 18 {
			in.CheckDigit = false
		}
		r, err := domain.NewLabelRule(id, store, in, testNow)
		if err != nil {
			t.Fatalf("rule %s/%d: %v", prefix, length, err)
		}
		return r
	}
	tests := []struct {
		name  string
		other *domain.LabelRule
		want  bool
	}{
		{"same prefix and length", mk(2, "DEMO01", "21", 13), true},
		{"shorter prefix covers it", mk(2, "DEMO01", "2", 13), true},
		{"longer prefix inside it", mk(2, "DEMO01", "215", 13), true},
		{"sibling prefix", mk(2, "DEMO01", "22", 13), false},
		{"other length", mk(2, "DEMO01", "21", 18), false},
		{"other store", mk(2, "SHOP02", "21", 13), false},
	}
	for _, tt := range tests {
		if got := base.Overlaps(tt.other); got != tt.want {
			t.Errorf("%s: Overlaps = %v, want %v", tt.name, got, tt.want)
		}
		if got := tt.other.Overlaps(base); got != tt.want {
			t.Errorf("%s: Overlaps is not symmetric", tt.name)
		}
	}
	existing := []*domain.LabelRule{base, newRule(t, 3, weightLabel13)}
	err := domain.CheckLabelRuleOverlap(existing, mk(4, "DEMO01", "2", 13))
	de := wantDomainError(t, err, domain.ECONFLICT, "label_rule_overlap")
	if de.Message == "" {
		t.Error("overlap error has no message")
	}
	if err := domain.CheckLabelRuleOverlap(existing, mk(4, "DEMO01", "25", 13)); err != nil {
		t.Errorf("prefix 25 overlaps nothing, got %v", err)
	}
	if err := domain.CheckLabelRuleOverlap(existing, base); err != nil {
		t.Errorf("a rule does not conflict with itself (same ID), got %v", err)
	}
}

func TestNewLabelRuleKeepsInput(t *testing.T) {
	in := bothLabel18
	in.Name, in.Prefix = "  Fresh counter  ", " 28 "
	r, err := domain.NewLabelRule(5, " DEMO01 ", in, testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.LabelRule{ID: 5, StoreCode: "DEMO01", Name: "Fresh counter", Prefix: "28", Length: 18,
		PLUStart: 2, PLULength: 5, WeightStart: 7, WeightLength: 5, PriceStart: 12, PriceLength: 6, CreatedAt: testNow}
	if *r != want {
		t.Errorf("rule = %+v\nwant   %+v", *r, want)
	}
}

func TestNewLabelRuleReportsEachBadField(t *testing.T) {
	tests := []struct {
		name   string
		base   domain.LabelRuleInput
		change func(*domain.LabelRuleInput)
		store  string
		fields []string
	}{
		{"no name", priceLabel13, func(in *domain.LabelRuleInput) { in.Name = "  " }, "", []string{"name"}},
		{"bad store code", priceLabel13, func(*domain.LabelRuleInput) {}, "demo 01", []string{"store_code"}},
		{"empty prefix", priceLabel13, func(in *domain.LabelRuleInput) { in.Prefix = "" }, "", []string{"prefix"}},
		{"prefix with a letter", priceLabel13, func(in *domain.LabelRuleInput) { in.Prefix = "2A" }, "", []string{"prefix"}},
		{"prefix of 5 digits", bothLabel18, func(in *domain.LabelRuleInput) { in.Prefix = "28000" }, "", []string{"prefix"}},
		{"13 digits on a product prefix", priceLabel13, func(in *domain.LabelRuleInput) { in.Prefix = "69" }, "", []string{"prefix"}},
		{"13 digits on prefix 0", priceLabel13, func(in *domain.LabelRuleInput) { in.Prefix = "0" }, "", []string{"prefix"}},
		{"length 7", priceLabel13, func(in *domain.LabelRuleInput) { in.Length = 7 }, "", []string{"length"}},
		{"length 21", bothLabel18, func(in *domain.LabelRuleInput) { in.Length = 21 }, "", []string{"length"}},
		{"no PLU", priceLabel13, func(in *domain.LabelRuleInput) { in.PLULength = 0 }, "", []string{"plu_length"}},
		{"negative PLU length", priceLabel13, func(in *domain.LabelRuleInput) { in.PLULength = -1 }, "", []string{"plu_length"}},
		{"PLU inside the prefix", priceLabel13, func(in *domain.LabelRuleInput) { in.PLUStart = 1 }, "", []string{"plu_start"}},
		{"negative PLU start", priceLabel13, func(in *domain.LabelRuleInput) { in.PLUStart = -1 }, "", []string{"plu_start"}},
		{"no price nor weight", priceLabel13, func(in *domain.LabelRuleInput) { in.PriceStart, in.PriceLength = 0, 0 }, "", []string{"price_length"}},
		{"price start without length", weightLabel13, func(in *domain.LabelRuleInput) { in.PriceStart = 7 }, "", []string{"price_start"}},
		{"weight start without length", priceLabel13, func(in *domain.LabelRuleInput) { in.WeightStart = 7 }, "", []string{"weight_start"}},
		{"price into the check digit", priceLabel13, func(in *domain.LabelRuleInput) { in.PriceStart = 8 }, "", []string{"price_length"}},
		{"price past the end", bothLabel18, func(in *domain.LabelRuleInput) { in.PriceLength = 7 }, "", []string{"price_length"}},
		{"price of 10 digits", bothLabel18, func(in *domain.LabelRuleInput) { in.Length, in.PriceLength = 20, 10 }, "", []string{"price_length"}},
		{"weight into the check digit", weightLabel13, func(in *domain.LabelRuleInput) { in.WeightLength = 6 }, "", []string{"weight_length"}},
		{"price overlaps PLU", priceLabel13, func(in *domain.LabelRuleInput) { in.PriceStart = 6 }, "", []string{"price_start"}},
		{"weight overlaps price", bothLabel18, func(in *domain.LabelRuleInput) { in.WeightStart = 10 }, "", []string{"weight_start"}},
		{"price check on a 6-digit price", bothLabel18, func(in *domain.LabelRuleInput) { in.PriceCheckDigit = true }, "", []string{"price_check_digit"}},
		{"price check without a price", weightLabel13, func(in *domain.LabelRuleInput) { in.PriceCheckDigit = true }, "", []string{"price_check_digit"}},
		{"price check digit on the PLU", priceLabel13, func(in *domain.LabelRuleInput) { in.PriceCheckDigit = true }, "", []string{"price_check_digit"}},
		{"price check digit in the prefix", priceCheck4, func(in *domain.LabelRuleInput) { in.PLUStart, in.PLULength, in.PriceStart = 7, 1, 2 }, "", []string{"price_check_digit"}},
		{"everything wrong at once", priceLabel13, func(in *domain.LabelRuleInput) {
			*in = domain.LabelRuleInput{Prefix: "x", Length: 99, PLULength: 0, PriceStart: 3, PriceCheckDigit: true}
		}, "", []string{"length", "name", "plu_length", "prefix", "price_check_digit", "price_length", "price_start"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.base
			tt.change(&in)
			store := "DEMO01"
			if tt.store != "" {
				store = tt.store
			}
			r, err := domain.NewLabelRule(1, store, in, testNow)
			if err == nil {
				t.Fatalf("NewLabelRule(%+v) = %+v, want an error", in, r)
			}
			if got := fieldNames(t, err, "label_rule_invalid"); !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v (%v)", got, tt.fields, err)
			}
		})
	}
}

func TestNewLabelRuleAcceptsBoundaries(t *testing.T) {
	tests := []struct {
		name string
		in   domain.LabelRuleInput
	}{
		{"8-digit RCN-8 prefix 2", domain.LabelRuleInput{Name: "small", Prefix: "2", Length: 8, PLUStart: 1, PLULength: 3, PriceStart: 4, PriceLength: 3, CheckDigit: true}},
		{"12-digit UPC-A number system 2", domain.LabelRuleInput{Name: "upc", Prefix: "2", Length: 12, PLUStart: 1, PLULength: 5, PriceStart: 6, PriceLength: 5, CheckDigit: true}},
		{"13-digit prefix 02", domain.LabelRuleInput{Name: "02", Prefix: "02", Length: 13, PLUStart: 2, PLULength: 5, PriceStart: 7, PriceLength: 5, CheckDigit: true}},
		{"20 digits, 4-digit prefix, gaps", domain.LabelRuleInput{Name: "long", Prefix: "9999", Length: 20, PLUStart: 4, PLULength: 6, WeightStart: 11, WeightLength: 9}},
		{"price field up to the check digit", priceLabel13},
		{"price ends the label without check digit", bothLabel18},
	}
	for _, tt := range tests {
		if _, err := domain.NewLabelRule(1, "DEMO01", tt.in, testNow); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
