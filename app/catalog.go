package app

import (
	"context"
	"strings"

	"github.com/scanpay/scanpay/domain"
)

// Catalog is what staff do with chain-wide products and their barcodes.
// Any staff member may read it; managers and admins change it.
type Catalog struct {
	tx       Tx
	products domain.ProductRepository
	ids      IDs
	clock    Clock
}

// NewCatalog wires the product use cases.
func NewCatalog(tx Tx, products domain.ProductRepository, ids IDs, clock Clock) *Catalog {
	return &Catalog{tx: tx, products: products, ids: ids, clock: clock}
}

// NewProductInput is a product to create, barcodes in any accepted form.
type NewProductInput struct {
	SKU      string
	Patch    domain.ProductPatch
	Barcodes []string
}

// Create adds a product (manager or admin).
func (c *Catalog) Create(ctx context.Context, actor *domain.Staff, in NewProductInput) (*domain.Product, error) {
	if err := actor.Authorize(domain.RoleManager, ""); err != nil {
		return nil, err
	}
	p, err := domain.NewProduct(c.ids.NewID(), in.SKU, in.Patch, in.Barcodes, c.clock.Now())
	if err != nil {
		return nil, err
	}
	if err := c.products.CreateProduct(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Get returns one product by SKU.
func (c *Catalog) Get(ctx context.Context, actor *domain.Staff, sku string) (*domain.Product, error) {
	if err := actor.Authorize(domain.RoleClerk, ""); err != nil {
		return nil, err
	}
	return c.products.ProductBySKU(ctx, sku)
}

// SearchInput filters a product search; Barcode takes any accepted form.
type SearchInput struct {
	Query    string
	Barcode  string
	Category string
}

// Search pages through products by name/SKU fragment, barcode or category.
func (c *Catalog) Search(ctx context.Context, actor *domain.Staff, in SearchInput, p domain.Page) (PageResult[*domain.Product], error) {
	if err := actor.Authorize(domain.RoleClerk, ""); err != nil {
		return PageResult[*domain.Product]{}, err
	}
	f := domain.ProductFilter{Query: strings.TrimSpace(in.Query), Category: strings.TrimSpace(in.Category)}
	if in.Barcode != "" {
		bc, err := domain.ParseBarcode(in.Barcode)
		if err != nil {
			return PageResult[*domain.Product]{}, fieldError("barcode", err)
		}
		f.GTIN = bc.GTIN
	}
	return fetchPage(p, func(p *domain.Product) int64 { return p.ID }, func(p domain.Page) ([]*domain.Product, error) {
		return c.products.SearchProducts(ctx, f, p)
	})
}

// ProductUpdate changes a product; barcodes are added and removed by code.
type ProductUpdate struct {
	Patch          domain.ProductPatch
	AddBarcodes    []string
	RemoveBarcodes []string
}

// Update changes a product (manager or admin) with the row locked.
func (c *Catalog) Update(ctx context.Context, actor *domain.Staff, sku string, in ProductUpdate) (*domain.Product, error) {
	if err := actor.Authorize(domain.RoleManager, ""); err != nil {
		return nil, err
	}
	return c.products.UpdateProduct(ctx, sku, func(p *domain.Product) error {
		if err := p.Update(in.Patch, c.clock.Now()); err != nil {
			return err
		}
		for i, raw := range in.RemoveBarcodes {
			if err := p.RemoveBarcode(raw); err != nil {
				return indexedFieldError("remove_barcodes", i, err)
			}
		}
		for i, raw := range in.AddBarcodes {
			if err := p.AddBarcode(raw); err != nil {
				return indexedFieldError("add_barcodes", i, err)
			}
		}
		return nil
	})
}

// fieldError attaches a field name to a domain error about one value, so
// the API's "fields" says which input was wrong: a bad value (EINVALID) or
// one that names nothing (ENOTFOUND: a barcode the product lacks, a code
// no label rule reads). Other errors are not about the input and pass as
// they are.
func fieldError(field string, err error) error {
	var de *domain.Error
	if !asDomain(err, &de) || (de.Code != domain.EINVALID && de.Code != domain.ENOTFOUND) {
		return err
	}
	out := *de
	out.Fields = []domain.FieldError{{Field: field, Message: de.Message}}
	return &out
}

func indexedFieldError(field string, i int, err error) error {
	return fieldError(field+"["+itoa(i)+"]", err)
}
