package domain

import (
	"strings"
	"unicode/utf8"
)

// Barcode formats as GS1 names them. Format records what was scanned, so scan
// reports can tell an EAN-8 from the same number printed as an ITF-14; the
// GTIN says which item it is.
const (
	FormatGTIN8  = "GTIN-8"  // EAN-8
	FormatGTIN12 = "GTIN-12" // UPC-A
	FormatGTIN13 = "GTIN-13" // EAN-13
	FormatGTIN14 = "GTIN-14" // ITF-14 and GS1-128 cartons
	FormatUPCE   = "UPC-E"   // zero-suppressed UPC-A on small packs
)

// Barcode is a scanned product code after validation. Products are stored and
// looked up by GTIN only, so one item has one key however it was printed.
type Barcode struct {
	// Raw is the scanned text with surrounding white space removed, kept for
	// scan reports.
	Raw string
	// GTIN is the 14-digit form (left-padded with zeros): 012345678905 and
	// 0012345678905 are the same item and have the same GTIN.
	GTIN string
	// Format is the symbol that was scanned (see the Format* constants).
	Format string
	// Restricted marks a restricted-circulation number (RCN): the store, not
	// a brand owner, chose it, so it is read with the store's label rules
	// instead of being looked up in the catalog.
	Restricted bool
}

// ParseBarcode validates a scanned product code and normalises it to GTIN-14.
//
// Accepted: 8, 12, 13 and 14 digits (GTIN-8, -12, -13, -14) whose GS1 check
// digit is right, and 6 digits read as a UPC-E with number system 0, expanded
// to UPC-A (a 6-digit UPC-E carries no check digit, so a misread cannot be
// caught there). An 8-digit code is always a GTIN-8: a scanner that sends
// UPC-E with its number system and check digit is ambiguous with EAN-8, so
// 7- and 8-digit UPC-E codes are only taken by ExpandUPCE, when the caller
// knows the symbology. Anything else, including the 18-digit in-store labels
// some scales print (Code 128, not a GTIN), is invalid/barcode_format; those
// labels are read by the store's label rules (MatchLabel).
func ParseBarcode(s string) (Barcode, error) {
	raw := strings.TrimSpace(s)
	if err := checkAllDigits(raw, "barcode"); err != nil {
		return Barcode{}, err
	}
	b := Barcode{Raw: raw}
	switch len(raw) {
	case 6:
		upcA, err := ExpandUPCE(raw)
		if err != nil {
			return Barcode{}, err
		}
		b.Format, b.GTIN = FormatUPCE, "00"+upcA
	case 8, 12, 13, 14:
		if want := GS1CheckDigit(raw[:len(raw)-1]); int(raw[len(raw)-1]-'0') != want {
			return Barcode{}, Errorf(EINVALID, "barcode_check_digit",
				"barcode %s has check digit %c, expected %d: it was misread or mistyped",
				raw, raw[len(raw)-1], want)
		}
		b.Format = map[int]string{8: FormatGTIN8, 12: FormatGTIN12, 13: FormatGTIN13, 14: FormatGTIN14}[len(raw)]
		b.GTIN = strings.Repeat("0", 14-len(raw)) + raw
	default:
		return Barcode{}, Errorf(EINVALID, "barcode_format",
			"a barcode of %d digits is not a product code: expected 8, 12, 13 or 14 digits (or 6 for UPC-E)", len(raw))
	}
	b.Restricted = restrictedGTIN(b.GTIN)
	return b, nil
}

// GS1CheckDigit returns the GS1 mod-10 check digit of body (a GTIN without its
// last digit): weights 3, 1, 3, ... from the rightmost digit, and the check
// digit brings the weighted sum up to a multiple of ten. Leading zeros weigh
// nothing, which is why padding a GTIN to 14 digits keeps it valid. It returns
// -1 when body is empty or holds anything but ASCII digits.
func GS1CheckDigit(body string) int {
	if body == "" {
		return -1
	}
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		c := body[i]
		if c < '0' || c > '9' {
			return -1
		}
		d := int(c - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

// ExpandUPCE turns a UPC-E code into the 12-digit UPC-A it stands for, with
// its check digit. s may be 6 digits (number system 0 implied, no check
// digit), 7 (number system first) or 8 (number system, 6 digits, check
// digit, which must match the expanded code's). The number system must be 0
// or 1. With the six digits X1..X6, the last one says where the zeros went:
//
//	X6 0-2: NS X1 X2 X6 0 0  0 0 X3 X4 X5
//	X6 3:   NS X1 X2 X3 0 0  0 0 0 X4 X5
//	X6 4:   NS X1 X2 X3 X4 0 0 0 0 0 X5
//	X6 5-9: NS X1 X2 X3 X4 X5 0 0 0 0 X6
func ExpandUPCE(s string) (string, error) {
	s = strings.TrimSpace(s)
	if err := checkAllDigits(s, "UPC-E code"); err != nil {
		return "", err
	}
	ns, check := byte('0'), -1
	var x string
	switch len(s) {
	case 6:
		x = s
	case 7:
		ns, x = s[0], s[1:]
	case 8:
		ns, x, check = s[0], s[1:7], int(s[7]-'0')
	default:
		return "", Errorf(EINVALID, "barcode_format", "a UPC-E code has 6, 7 or 8 digits, not %d", len(s))
	}
	if ns != '0' && ns != '1' {
		return "", Errorf(EINVALID, "barcode_format", "a UPC-E code has number system 0 or 1, not %c", ns)
	}
	var body string
	switch last := x[5]; {
	case last <= '2':
		body = x[0:2] + string(last) + "0000" + x[2:5]
	case last == '3':
		body = x[0:3] + "00000" + x[3:5]
	case last == '4':
		body = x[0:4] + "00000" + x[4:5]
	default:
		body = x[0:5] + "0000" + string(last)
	}
	body = string(ns) + body
	want := GS1CheckDigit(body)
	if check >= 0 && check != want {
		return "", Errorf(EINVALID, "barcode_check_digit",
			"UPC-E %s has check digit %d, expected %d (it expands to UPC-A %s%d)", s, check, want, body, want)
	}
	return body + string(rune('0'+want)), nil
}

// GS1 weighting factors for price check digits (GS1 General Specifications
// §7.9.2), as the product digit for each digit 0-9: "2-" is the units digit
// of 2d minus its tens digit, "3" the units digit of 3d, "5+" and "5-" the
// units digit of 5d plus or minus its tens digit.
var (
	weight2Minus = [10]int{0, 2, 4, 6, 8, 9, 1, 3, 5, 7}
	weight3      = [10]int{0, 3, 6, 9, 2, 5, 8, 1, 4, 7}
	weight5Plus  = [10]int{0, 5, 1, 6, 2, 7, 3, 8, 4, 9}
	weight5Minus = [10]int{0, 5, 9, 4, 8, 3, 7, 2, 6, 1}
)

// GS1PriceCheckDigit returns the GS1 price check digit of a 4- or 5-digit
// price (or weight), or -1 for anything else.
//
// 4 digits (§7.9.3): weights 2-, 2-, 3, 5-; the sum times 3, units digit.
// GS1's example: 2875 gives 4+5+1+3 = 13, 13×3 = 39, check digit 9.
//
// 5 digits (§7.9.4): weights 5+, 2-, 5-, 5+, 2-; the sum is taken up to the
// next multiple of ten, and the check digit is the digit whose 5- product is
// that difference. GS1's example: 14685 gives 5+8+7+4+9 = 33, 40-33 = 7, and
// 6 is the digit whose 5- product is 7.
func GS1PriceCheckDigit(price string) int {
	if !allDigits(price) {
		return -1
	}
	d := func(i int) int { return int(price[i] - '0') }
	switch len(price) {
	case 4:
		sum := weight2Minus[d(0)] + weight2Minus[d(1)] + weight3[d(2)] + weight5Minus[d(3)]
		return sum * 3 % 10
	case 5:
		sum := weight5Plus[d(0)] + weight2Minus[d(1)] + weight5Minus[d(2)] + weight5Plus[d(3)] + weight2Minus[d(4)]
		target := (10 - sum%10) % 10
		for digit, product := range weight5Minus {
			if product == target {
				return digit
			}
		}
	}
	return -1
}

// restrictedGTIN says whether a valid GTIN-14 is a restricted-circulation
// number, which the GS1 General Specifications leave to a company or region
// (here: the store's scale labels and in-store codes). The rule is a function
// of the GTIN-14 alone, so every printed form of a number is classified alike:
//
//   - a GTIN-8 (GTIN-14 starting with six zeros) with prefix 0 or 2 (RCN-8);
//   - a GTIN-13 with prefix 20-29 (the 13-digit form starts with 2);
//   - a GTIN-12 with number system 2 (variable-measure) or 4 (in-store use),
//     which as a GTIN-13 has prefix 02x or 04x.
//
// A GTIN-14 with a non-zero indicator digit is a case or pallet of a trade
// item and never restricted.
func restrictedGTIN(g string) bool {
	switch {
	case len(g) != 14:
		return false
	case strings.HasPrefix(g, "000000"):
		return g[6] == '0' || g[6] == '2'
	case g[0] != '0':
		return false
	default:
		t := g[1:]
		return t[0] == '2' || strings.HasPrefix(t, "02") || strings.HasPrefix(t, "04")
	}
}

// checkAllDigits refuses an empty s or one with anything but ASCII digits,
// naming the first offending character so a scan log shows what went wrong
// (a stray letter from a keyboard wedge, a GS1 separator, a space inside).
func checkAllDigits(s, what string) error {
	if s == "" {
		return Errorf(EINVALID, "barcode_format", "the %s is empty", what)
	}
	pos := 0
	for i := 0; i < len(s); pos++ {
		if c := s[i]; c >= '0' && c <= '9' {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return Errorf(EINVALID, "barcode_format", "the %s must be digits only; byte 0x%02x at position %d is not valid text", what, s[i], pos+1)
		}
		return Errorf(EINVALID, "barcode_format", "the %s must be digits only; found %q at position %d", what, r, pos+1)
	}
	return nil
}

// allDigits reports whether s is non-empty and all ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
