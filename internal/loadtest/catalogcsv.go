package loadtest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"

	"github.com/scanpay/scanpay/domain"
)

// CatalogSpec describes a generated catalog CSV (README "Catalog CSV
// import"): Rows new packaged products, each with one EAN-13 and a price
// in Store. The import scenario uploads one of 50k rows; the cart_get
// set-up a small one, whose products it then scans.
type CatalogSpec struct {
	Rows int
	// SKUPrefix starts every SKU ("IMP" gives IMP-000001, ...); each run of
	// the generator with another prefix makes other products.
	SKUPrefix string
	// BarcodePrefix is the first digits of every barcode (GS1 prefix and
	// then some, e.g. "6990"); the row number fills the 12-digit body and
	// the GS1 check digit follows. It must not start with 2 (restricted
	// circulation: scale labels, DESIGN §8) and must leave room for Rows.
	BarcodePrefix string
	Store         string // the store_code of every row ("" = products only)
	Category      string
	// MinCents and MaxCents bound the shelf prices, spread over the rows.
	MinCents, MaxCents int64
}

// CatalogRow is one generated row's product as the scenarios need it.
type CatalogRow struct {
	SKU, Barcode string
	PriceCents   int64
}

// Validate refuses a spec whose rows the importer would refuse (or that
// would collide with each other).
func (s CatalogSpec) Validate() error {
	switch {
	case s.Rows < 1:
		return errors.New("loadtest: a catalog needs at least one row")
	case s.SKUPrefix == "" || len(s.SKUPrefix)+7 > 32:
		return fmt.Errorf("loadtest: SKU prefix %q: want 1-25 characters", s.SKUPrefix)
	case len(s.BarcodePrefix) < 2 || s.BarcodePrefix[0] == '2' || !digits(s.BarcodePrefix):
		return fmt.Errorf("loadtest: barcode prefix %q: want 2+ digits, not starting with 2", s.BarcodePrefix)
	case len(strconv.Itoa(s.Rows-1)) > 12-len(s.BarcodePrefix):
		return fmt.Errorf("loadtest: barcode prefix %q leaves no room for %d rows", s.BarcodePrefix, s.Rows)
	case s.MinCents < 1 || s.MaxCents < s.MinCents:
		return fmt.Errorf("loadtest: prices %d..%d cents", s.MinCents, s.MaxCents)
	}
	return nil
}

// Row returns row i's product (0 <= i < Rows): SKU and barcode numbered
// by i, the price walking from MinCents to MaxCents in steps of 7 cents so
// neighbouring rows differ and every price has 2 decimals in the file.
func (s CatalogSpec) Row(i int) CatalogRow {
	body := s.BarcodePrefix + fmt.Sprintf("%0*d", 12-len(s.BarcodePrefix), i)
	span := s.MaxCents - s.MinCents + 1
	return CatalogRow{
		SKU:        fmt.Sprintf("%s-%06d", s.SKUPrefix, i),
		Barcode:    body + strconv.Itoa(domain.GS1CheckDigit(body)),
		PriceCents: s.MinCents + int64(i)*7%span,
	}
}

// catalogColumns are the generated file's header, in the export's order
// (app.CatalogColumns; not imported, so the generator stays a plain
// client of the documented format).
var catalogColumns = []string{"sku", "name", "unit", "tax_rate", "category", "barcodes",
	"store_code", "price", "member_price", "reorder_point", "age_restricted", "active"}

// CatalogCSV renders the spec as an import file. Names mix Chinese and
// Latin text and every tenth has a comma (so is quoted), every third row a
// member price, as a real export has; nothing is age-restricted or
// inactive, so every product is scannable.
func CatalogCSV(s CatalogSpec) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(s.Rows * 100)
	w := csv.NewWriter(&buf)
	_ = w.Write(catalogColumns)
	taxes := [...]string{"0.13", "0.09", "0.13", "0"}
	rec := make([]string, len(catalogColumns))
	for i := range s.Rows {
		r := s.Row(i)
		name := fmt.Sprintf("压测商品 %d Bench product", i)
		if i%10 == 0 {
			name += ", 500g"
		}
		member := ""
		if i%3 == 0 && r.PriceCents > 1 {
			member = money(r.PriceCents - max(1, r.PriceCents/10))
		}
		price := ""
		if s.Store != "" {
			price = money(r.PriceCents)
		} else {
			member = ""
		}
		rec = append(rec[:0], r.SKU, name, "each", taxes[i%len(taxes)], s.Category, r.Barcode,
			s.Store, price, member, strconv.Itoa(i%20), "false", "true")
		_ = w.Write(rec)
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// money renders cents as the API's yuan string ("12.30").
func money(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
