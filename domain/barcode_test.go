package domain_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/domain"
)

// wantDomainError fails unless err is a *domain.Error with code and reason,
// and returns it for further checks.
func wantDomainError(t *testing.T, err error, code, reason string) *domain.Error {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T) is not a *domain.Error", err, err)
	}
	if de.Code != code || de.Reason != reason {
		t.Fatalf("code/reason = %s/%s, want %s/%s (%v)", de.Code, de.Reason, code, reason, err)
	}
	return de
}

func TestParseBarcodeAcceptsPublishedGTINs(t *testing.T) {
	tests := []struct {
		name, in, gtin, format string
		restricted             bool
	}{
		{"EAN-13 Stabilo pen", "4006381333931", "04006381333931", "GTIN-13", false},
		{"EAN-13 Coca-Cola", "5449000000996", "05449000000996", "GTIN-13", false},
		{"EAN-13 ISBN", "9780306406157", "09780306406157", "GTIN-13", false},
		{"EAN-13 China prefix 690", "6901234567892", "06901234567892", "GTIN-13", false},
		{"UPC-A", "036000291452", "00036000291452", "GTIN-12", false},
		{"UPC-A of the DESIGN example", "012345678905", "00012345678905", "GTIN-12", false},
		{"EAN-8", "96385074", "00000096385074", "GTIN-8", false},
		{"GTIN-14 indicator 0", "00012345600012", "00012345600012", "GTIN-14", false},
		{"GTIN-14 case, indicator 1", "10012345600019", "10012345600019", "GTIN-14", false},
		{"UPC-E, X6=1", "425261", "00042100005264", "UPC-E", false},
		{"UPC-E, X6=6", "123456", "00012345000065", "UPC-E", false},
		{"scale label prefix 21", "2106013040083", "02106013040083", "GTIN-13", true},
		{"scale label prefix 29", "2900000000001", "02900000000001", "GTIN-13", true},
		{"UPC-A number system 2", "212345678909", "00212345678909", "GTIN-12", true},
		{"UPC-A number system 4", "412345678903", "00412345678903", "GTIN-12", true},
		{"RCN-8 prefix 2", "20000004", "00000020000004", "GTIN-8", true},
		{"RCN-8 prefix 0", "01234565", "00000001234565", "GTIN-8", true},
		{"GTIN-14 of a prefix-2x label", "02106013040083", "02106013040083", "GTIN-14", true},
		{"leading and trailing white space", " \t4006381333931\r\n", "04006381333931", "GTIN-13", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := domain.ParseBarcode(tt.in)
			if err != nil {
				t.Fatalf("ParseBarcode(%q): %v", tt.in, err)
			}
			if b.GTIN != tt.gtin || b.Format != tt.format || b.Restricted != tt.restricted {
				t.Errorf("ParseBarcode(%q) = %s %s restricted=%v, want %s %s restricted=%v",
					tt.in, b.GTIN, b.Format, b.Restricted, tt.gtin, tt.format, tt.restricted)
			}
			if b.Raw != strings.TrimSpace(tt.in) {
				t.Errorf("Raw = %q, want the trimmed input", b.Raw)
			}
		})
	}
}

func TestParseBarcodePaddedFormsAreOneItem(t *testing.T) {
	forms := []string{"012345678905", "0012345678905", "00012345678905", " 012345678905 "}
	for _, f := range forms {
		b, err := domain.ParseBarcode(f)
		if err != nil {
			t.Fatalf("ParseBarcode(%q): %v", f, err)
		}
		if b.GTIN != "00012345678905" {
			t.Errorf("ParseBarcode(%q).GTIN = %s, want 00012345678905", f, b.GTIN)
		}
	}
}

func TestParseBarcodeRejects(t *testing.T) {
	tests := []struct {
		name, in, reason, msg string
	}{
		{"EAN-13 wrong check digit", "4006381333932", "barcode_check_digit", "check digit 2, expected 1"},
		{"UPC-A wrong check digit", "036000291453", "barcode_check_digit", "check digit 3, expected 2"},
		{"EAN-8 wrong check digit", "96385070", "barcode_check_digit", "check digit 0, expected 4"},
		{"GTIN-14 wrong check digit", "00012345600013", "barcode_check_digit", "check digit 3, expected 2"},
		{"label wrong check digit", "2106013040084", "barcode_check_digit", "check digit 4, expected 3"},
		{"two digits swapped", "4006381339331", "barcode_check_digit", "check digit 1, expected 9"},
		{"letter", "40063813339A1", "barcode_format", `found 'A' at position 12`},
		{"inner space", "400638 1333931", "barcode_format", `found ' ' at position 7`},
		{"hyphen", "978-0306406157", "barcode_format", `found '-'`},
		{"full-width digit", "４006381333931", "barcode_format", `found '４' at position 1`},
		{"invalid UTF-8", "400638\xff333931", "barcode_format", "not valid text"},
		{"empty", "", "barcode_format", "is empty"},
		{"only spaces", "   ", "barcode_format", "is empty"},
		{"too short", "12345", "barcode_format", "5 digits"},
		{"7 digits", "0425261", "barcode_format", "7 digits"},
		{"9 digits", "123456789", "barcode_format", "9 digits"},
		{"11 digits", "12345678901", "barcode_format", "11 digits"},
		{"15 digits", "123456789012345", "barcode_format", "15 digits"},
		{"18-digit scale label", "280601300458001832", "barcode_format", "18 digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := domain.ParseBarcode(tt.in)
			if err == nil {
				t.Fatalf("ParseBarcode(%q) = %+v, want an error", tt.in, b)
			}
			de := wantDomainError(t, err, domain.EINVALID, tt.reason)
			if !strings.Contains(de.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", de.Message, tt.msg)
			}
			if b != (domain.Barcode{}) {
				t.Errorf("barcode = %+v, want zero on error", b)
			}
		})
	}
}

func TestGS1CheckDigit(t *testing.T) {
	tests := []struct {
		body string
		want int
	}{
		{"400638133393", 1},
		{"03600029145", 2},
		{"9638507", 4},
		{"0001234560001", 2},
		{"950110153100", 0}, // GS1's own GTIN-13 example
		{"9501234", 6},      // GS1's own GTIN-8 example
		{"0", 0},
		{"", -1},
		{"12a4", -1},
	}
	for _, tt := range tests {
		if got := domain.GS1CheckDigit(tt.body); got != tt.want {
			t.Errorf("GS1CheckDigit(%q) = %d, want %d", tt.body, got, tt.want)
		}
	}
	// Left zeros weigh nothing, so padding keeps the check digit.
	if a, b := domain.GS1CheckDigit("400638133393"), domain.GS1CheckDigit("0400638133393"); a != b {
		t.Errorf("padded body changes the check digit: %d != %d", a, b)
	}
}

func TestExpandUPCE(t *testing.T) {
	tests := []struct{ in, want string }{
		{"425261", "042100005264"},   // X6 = 1: 0 42 1 00 | 00 526
		{"0425261", "042100005264"},  // number system given
		{"04252614", "042100005264"}, // and the check digit
		{"14252611", "142100005261"}, // number system 1
		{"123450", "012000003455"},   // X6 = 0
		{"123452", "012200003453"},   // X6 = 2
		{"123453", "012300000451"},   // X6 = 3: 0 123 00 | 000 45
		{"123454", "012340000053"},   // X6 = 4: 0 1234 0 | 0000 5
		{"01234565", "012345000065"}, // X6 = 6: 0 12345 | 0000 6
		{"654329", "065432000097"},   // X6 = 9
		{" 425261\n", "042100005264"},
	}
	for _, tt := range tests {
		got, err := domain.ExpandUPCE(tt.in)
		if err != nil {
			t.Errorf("ExpandUPCE(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ExpandUPCE(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if b, err := domain.ParseBarcode(got); err != nil || b.Format != "GTIN-12" {
			t.Errorf("expansion %s does not parse as a valid UPC-A: %v", got, err)
		}
	}
	bad := []struct{ in, reason string }{
		{"04252617", "barcode_check_digit"},
		{"24252614", "barcode_format"}, // number system 2 has no UPC-E
		{"12345", "barcode_format"},
		{"123456789", "barcode_format"},
		{"12345x", "barcode_format"},
		{"", "barcode_format"},
	}
	for _, tt := range bad {
		got, err := domain.ExpandUPCE(tt.in)
		if err == nil {
			t.Errorf("ExpandUPCE(%q) = %s, want %s", tt.in, got, tt.reason)
			continue
		}
		wantDomainError(t, err, domain.EINVALID, tt.reason)
	}
}

func TestRestrictedClassificationFollowsTheGTIN(t *testing.T) {
	// Every printed form of a number must be classified alike.
	for _, forms := range [][]string{
		{"2106013040083", "02106013040083"},
		{"212345678909", "0212345678909", "00212345678909"},
		{"20000004", "0000020000004", "00000020000004"},
		{"4006381333931", "04006381333931"},
		{"96385074", "00000096385074"},
	} {
		var first domain.Barcode
		for i, f := range forms {
			b, err := domain.ParseBarcode(f)
			if err != nil {
				t.Fatalf("ParseBarcode(%q): %v", f, err)
			}
			if i == 0 {
				first = b
			} else if b.GTIN != first.GTIN || b.Restricted != first.Restricted {
				t.Errorf("%s = %s/%v but %s = %s/%v", forms[0], first.GTIN, first.Restricted, f, b.GTIN, b.Restricted)
			}
		}
	}
	// Prefixes just outside the restricted ranges.
	for _, code := range []string{"1900000000002", "3000000000007", "0312345678906", "10000007", "30000001"} {
		b, err := domain.ParseBarcode(code)
		if err != nil {
			t.Fatalf("ParseBarcode(%q): %v", code, err)
		}
		if b.Restricted {
			t.Errorf("%s is classified restricted", code)
		}
	}
}

func TestGS1PriceCheckDigit(t *testing.T) {
	tests := []struct {
		price string
		want  int
	}{
		{"2875", 9},  // GS1 General Specifications' 4-digit example
		{"14685", 6}, // and its 5-digit example
		{"0000", 0},
		{"00000", 0},
		{"123", -1},
		{"123456", -1},
		{"12a4", -1},
		{"", -1},
	}
	for _, tt := range tests {
		if got := domain.GS1PriceCheckDigit(tt.price); got != tt.want {
			t.Errorf("GS1PriceCheckDigit(%q) = %d, want %d", tt.price, got, tt.want)
		}
	}
	// The check digit must catch any single changed digit of the price.
	for _, price := range []string{"2875", "14685", "04008", "0999", "99999"} {
		cd := domain.GS1PriceCheckDigit(price)
		for i := range len(price) {
			for d := byte('0'); d <= '9'; d++ {
				if d == price[i] {
					continue
				}
				other := price[:i] + string(d) + price[i+1:]
				if domain.GS1PriceCheckDigit(other) == cd {
					t.Errorf("price %s and %s share check digit %d", price, other, cd)
				}
			}
		}
	}
}

// TestGS1PriceCheckDigitMatchesTheWrittenRule checks every 4- and 5-digit
// price against the weighting factors as GS1 words them (the product 2d, 3d
// or 5d, with its tens digit taken off "-" or added "+", units digit), so the
// lookup tables in the code cannot hide a typo.
func TestGS1PriceCheckDigitMatchesTheWrittenRule(t *testing.T) {
	product := func(d, w, sign int) int { p := d * w; return (p + sign*(p/10)) % 10 }
	for v := range 10000 {
		p := fmt.Sprintf("%04d", v)
		dg := func(i int) int { return int(p[i] - '0') }
		sum := product(dg(0), 2, -1) + product(dg(1), 2, -1) + product(dg(2), 3, 0) + product(dg(3), 5, -1)
		if want := sum * 3 % 10; domain.GS1PriceCheckDigit(p) != want {
			t.Fatalf("GS1PriceCheckDigit(%s) = %d, want %d", p, domain.GS1PriceCheckDigit(p), want)
		}
	}
	for v := range 100000 {
		p := fmt.Sprintf("%05d", v)
		dg := func(i int) int { return int(p[i] - '0') }
		sum := product(dg(0), 5, 1) + product(dg(1), 2, -1) + product(dg(2), 5, -1) + product(dg(3), 5, 1) + product(dg(4), 2, -1)
		target, want := (10-sum%10)%10, -1
		for c := range 10 {
			if product(c, 5, -1) == target {
				want = c
			}
		}
		if got := domain.GS1PriceCheckDigit(p); got != want || got < 0 {
			t.Fatalf("GS1PriceCheckDigit(%s) = %d, want %d", p, got, want)
		}
	}
}
