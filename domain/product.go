package domain

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Unit is how a product is sold: by the piece or by weight.
type Unit string

const (
	UnitEach Unit = "each"
	UnitKg   Unit = "kg" // weighed goods; prices are per kg, quantities in kg
)

// TaxRates are the VAT rates a product may carry (China: 13 % standard, 9 %
// for farm produce, books and the like, 0 for exempt goods). Prices include
// tax; receipts show the tax part.
var TaxRates = []decimal.Decimal{decimal.Zero, decimal.RequireFromString("0.09"), decimal.RequireFromString("0.13")}

// ProductBarcode is one barcode of a product: its GTIN-14 key and the form
// staff entered, which the API shows back.
type ProductBarcode struct {
	GTIN string
	Raw  string
}

// Product is a chain-wide catalog entry. Whether and at what price it is
// sold in a store is a StoreItem.
type Product struct {
	ID            int64
	SKU           string
	Name          string
	Unit          Unit
	TaxRate       decimal.Decimal
	Category      string
	AgeRestricted bool // alcohol, tobacco: staff check at the exit
	Active        bool
	Barcodes      []ProductBarcode
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ProductPatch carries the fields to set; nil leaves a field as it is.
type ProductPatch struct {
	Name          *string
	Unit          *Unit
	TaxRate       *decimal.Decimal
	Category      *string
	AgeRestricted *bool
	Active        *bool
}

var skuPattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9._-]{0,31}$`)

// NormalizeSKU is the one form of a SKU: trimmed and upper case. MariaDB
// compares SKUs case-insensitively and SQLite does not; storing and
// looking up one form makes both engines agree that "abc" is "ABC".
func NormalizeSKU(sku string) string { return strings.ToUpper(strings.TrimSpace(sku)) }

// MaxBarcodesPerProduct bounds one product's codes (pack sizes, old codes).
const MaxBarcodesPerProduct = 20

// NewProduct validates a new product and its barcodes. Name, unit and tax
// rate are required; it is active unless the patch says otherwise.
func NewProduct(id int64, sku string, p ProductPatch, barcodes []string, now time.Time) (*Product, error) {
	pr := &Product{ID: id, SKU: NormalizeSKU(sku), Active: true, CreatedAt: now, UpdatedAt: now}
	var fe Fields
	if !skuPattern.MatchString(pr.SKU) {
		fe.Add("sku", "must be 1-32 characters of letters, digits, '.', '_' or '-' (kept in upper case)")
	}
	if p.Name == nil {
		fe.Add("name", "is required")
	}
	if p.Unit == nil {
		fe.Add("unit", "is required: each or kg")
	}
	if p.TaxRate == nil {
		fe.Add("tax_rate", "is required: 0, 0.09 or 0.13")
	}
	pr.apply(p)
	for _, f := range pr.check() {
		if !slices.ContainsFunc(fe, func(g FieldError) bool { return g.Field == f.Field }) {
			fe = append(fe, f)
		}
	}
	for i, raw := range barcodes {
		if err := pr.AddBarcode(raw); err != nil {
			fe.Add("barcodes["+itoa(i)+"]", "%s", ErrorMessage(err))
		}
	}
	if err := fe.Err("product_invalid"); err != nil {
		return nil, err
	}
	return pr, nil
}

// Update applies a patch; the product is unchanged when it is invalid.
func (p *Product) Update(patch ProductPatch, now time.Time) error {
	next := *p
	next.apply(patch)
	if err := next.check().Err("product_invalid"); err != nil {
		return err
	}
	next.UpdatedAt = now
	*p = next
	return nil
}

func (p *Product) apply(patch ProductPatch) {
	if patch.Name != nil {
		p.Name = strings.TrimSpace(*patch.Name)
	}
	if patch.Unit != nil {
		p.Unit = *patch.Unit
	}
	if patch.TaxRate != nil {
		p.TaxRate = *patch.TaxRate
	}
	if patch.Category != nil {
		p.Category = strings.TrimSpace(*patch.Category)
	}
	if patch.AgeRestricted != nil {
		p.AgeRestricted = *patch.AgeRestricted
	}
	if patch.Active != nil {
		p.Active = *patch.Active
	}
}

func (p *Product) check() Fields {
	var fe Fields
	if n := len([]rune(p.Name)); n < 1 || n > 200 {
		fe.Add("name", "must be 1-200 characters")
	}
	if p.Unit != UnitEach && p.Unit != UnitKg {
		fe.Add("unit", "%q is not a unit: each or kg", p.Unit)
	}
	if !slices.ContainsFunc(TaxRates, p.TaxRate.Equal) {
		fe.Add("tax_rate", "%s is not an allowed VAT rate: 0, 0.09 or 0.13", p.TaxRate)
	}
	if len([]rune(p.Category)) > 64 {
		fe.Add("category", "must be at most 64 characters")
	}
	return fe
}

// AddBarcode adds a code in any accepted GTIN form. In-store codes
// (restricted prefixes) are refused: they belong to the store's label
// rules, not to the chain catalog. Adding a code the product has is a no-op.
func (p *Product) AddBarcode(raw string) error {
	bc, err := ParseBarcode(raw)
	if err != nil {
		return err
	}
	if bc.Restricted {
		return Errorf(EINVALID, "barcode_restricted", "%s is an in-store code (prefix for store use); scale labels are read by the store's label rules", bc.Raw)
	}
	if slices.ContainsFunc(p.Barcodes, func(b ProductBarcode) bool { return b.GTIN == bc.GTIN }) {
		return nil
	}
	if len(p.Barcodes) >= MaxBarcodesPerProduct {
		return Errorf(EINVALID, "too_many_barcodes", "a product has at most %d barcodes", MaxBarcodesPerProduct)
	}
	p.Barcodes = append(p.Barcodes, ProductBarcode{GTIN: bc.GTIN, Raw: bc.Raw})
	return nil
}

// RemoveBarcode removes a code given in any accepted form.
func (p *Product) RemoveBarcode(raw string) error {
	bc, err := ParseBarcode(raw)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(p.Barcodes, func(b ProductBarcode) bool { return b.GTIN == bc.GTIN })
	if i < 0 {
		return Errorf(ENOTFOUND, "barcode_not_found", "product %s has no barcode %s", p.SKU, bc.Raw)
	}
	p.Barcodes = slices.Delete(p.Barcodes, i, i+1)
	return nil
}

// ProductFilter narrows a product search; empty fields do not filter.
type ProductFilter struct {
	Query    string // name fragment (or SKU prefix)
	GTIN     string // normalised barcode
	Category string
}
