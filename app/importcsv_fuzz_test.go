package app

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// FuzzImportCSV feeds arbitrary bytes through the import's reading and
// row checking (everything but the database): it must never panic, never
// take more than one record's worth of memory per record, and every data
// row must end either as a valid product (and store item) or as row
// errors with its line and a message, leaving the state untouched.
// Seeds: testdata/fuzz/FuzzImportCSV.
func FuzzImportCSV(f *testing.F) {
	f.Add([]byte("sku,name,unit,tax_rate\nA1,Tea,each,0.13\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := openCSV(bytes.NewReader(data))
		if err != nil {
			if _, ok := isFileError(err); !ok {
				t.Fatalf("openCSV: %v is neither a file error nor nil", err)
			}
			return
		}
		var next int64
		st := newCatalogState(nil, nil, nil, func() int64 { next++; return next }, time.Unix(1700000000, 0).UTC())
		anyStore := func(code string) storeRef { return storeRef{store: &domain.Store{ID: 7, Code: code}} }
		for {
			rec, err := recs.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if _, ok := isFileError(err); !ok {
					t.Fatalf("next: %v is neither a file error nor io.EOF", err)
				}
				return
			}
			if rec.Err != nil {
				if rec.Line < 1 || rec.Err.Line != rec.Line || rec.Err.Message == "" {
					t.Fatalf("unreadable record without a line or message: %+v", rec)
				}
				continue
			}
			row, fe := parseRow(recs.header, rec.Line, rec.Fields)
			prev := st.lookup(strings.TrimSpace(row.SKU))
			if len(fe) == 0 {
				fe = st.apply(row, anyStore)
			}
			if len(fe) > 0 {
				for _, e := range rowErrors(rec.Line, fe) {
					if e.Line != rec.Line || e.Message == "" {
						t.Fatalf("row error %+v for line %d", e, rec.Line)
					}
				}
				if st.lookup(strings.TrimSpace(row.SKU)) != prev {
					t.Fatalf("line %d failed but changed the product", rec.Line)
				}
				continue
			}
			checkValidProduct(t, st, row)
		}
	})
}

// checkValidProduct checks that a row that passed left a product the
// domain accepts afresh, with GTIN-14 barcodes and, for a store row, a
// valid store item.
func checkValidProduct(t *testing.T, st *catalogState, row ImportRow) {
	t.Helper()
	p := st.lookup(strings.TrimSpace(row.SKU))
	if p == nil || p.ID == 0 {
		t.Fatalf("line %d passed but left no product", row.Line)
	}
	raws := make([]string, len(p.Barcodes))
	for i, b := range p.Barcodes {
		raws[i] = b.Raw
		if len(b.GTIN) != 14 || st.owners[b.GTIN] != p.SKU {
			t.Fatalf("line %d: barcode %+v of %s (owner %q)", row.Line, b, p.SKU, st.owners[b.GTIN])
		}
	}
	patch := domain.ProductPatch{Name: &p.Name, Unit: &p.Unit, TaxRate: &p.TaxRate, Category: &p.Category,
		AgeRestricted: &p.AgeRestricted, Active: &p.Active}
	if _, err := domain.NewProduct(p.ID, p.SKU, patch, raws, time.Now()); err != nil {
		t.Fatalf("line %d passed but its product is not valid: %v", row.Line, err)
	}
	if row.StoreCode == "" {
		return
	}
	it := st.items[domain.StoreItemKey{StoreID: 7, ProductID: p.ID}]
	if it == nil || !it.Price.IsPositive() || it.Product != p {
		t.Fatalf("line %d passed but left store item %+v", row.Line, it)
	}
}
