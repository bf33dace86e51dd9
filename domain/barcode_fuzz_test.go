package domain_test

import (
	"errors"
	"testing"

	"github.com/scanpay/scanpay/domain"
)

// FuzzParseBarcode checks the parser's promises on any input: it never
// panics; what it accepts is a valid GTIN-14 that parses back to itself with
// the same classification; what it refuses is an invalid *domain.Error with
// a barcode reason. The seed corpus is in testdata/fuzz/FuzzParseBarcode.
func FuzzParseBarcode(f *testing.F) {
	for _, s := range []string{"4006381333931", "012345678905", "96385074", "425261", "2106013040083"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := domain.ParseBarcode(s)
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) {
				t.Fatalf("ParseBarcode(%q) error %v (%T) is not a *domain.Error", s, err, err)
			}
			if de.Code != domain.EINVALID || (de.Reason != "barcode_format" && de.Reason != "barcode_check_digit") {
				t.Fatalf("ParseBarcode(%q) error code/reason = %s/%s", s, de.Code, de.Reason)
			}
			if b != (domain.Barcode{}) {
				t.Fatalf("ParseBarcode(%q) returned %+v with its error", s, b)
			}
			return
		}
		if len(b.GTIN) != 14 {
			t.Fatalf("ParseBarcode(%q).GTIN = %q, not 14 digits", s, b.GTIN)
		}
		for i := 0; i < 14; i++ {
			if b.GTIN[i] < '0' || b.GTIN[i] > '9' {
				t.Fatalf("ParseBarcode(%q).GTIN = %q, not digits", s, b.GTIN)
			}
		}
		if want := domain.GS1CheckDigit(b.GTIN[:13]); int(b.GTIN[13]-'0') != want {
			t.Fatalf("ParseBarcode(%q).GTIN = %s, check digit should be %d", s, b.GTIN, want)
		}
		switch b.Format {
		case "GTIN-8", "GTIN-12", "GTIN-13", "GTIN-14", "UPC-E":
		default:
			t.Fatalf("ParseBarcode(%q).Format = %q", s, b.Format)
		}
		again, err := domain.ParseBarcode(b.GTIN)
		if err != nil {
			t.Fatalf("ParseBarcode(%q) = %s, which does not parse again: %v", s, b.GTIN, err)
		}
		if again.GTIN != b.GTIN || again.Restricted != b.Restricted {
			t.Fatalf("round trip of %q: %s/%v then %s/%v", s, b.GTIN, b.Restricted, again.GTIN, again.Restricted)
		}
	})
}
