package app

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/scanpay/scanpay/domain"
)

// exportBatch is how many items one export query reads: memory stays
// bounded by it whatever the size of the store's range.
const exportBatch = 500

// Exports writes catalog data as the import's CSV, so a file exported from
// one store can be edited and imported back, or into another store.
type Exports struct {
	stores  domain.StoreRepository
	items   domain.StoreItemRepository
	catalog domain.CatalogBulkRepository
}

// NewExports wires the export use cases.
func NewExports(stores domain.StoreRepository, items domain.StoreItemRepository, catalog domain.CatalogBulkRepository) *Exports {
	return &Exports{stores: stores, items: items, catalog: catalog}
}

// ItemsExport is one store's items, checked and ready to be written.
type ItemsExport struct {
	e     *Exports
	store *domain.Store
	first []*domain.StoreItem
	// FileName is what the download should be saved as.
	FileName string
}

// StoreItems prepares the export of a store's items (clerk or above, of
// that store). It reads the first page already, so a refusal or a database
// failure is reported before the first byte of the file is sent.
func (e *Exports) StoreItems(ctx context.Context, actor *domain.Staff, storeCode string) (*ItemsExport, error) {
	if err := actor.Authorize(domain.RoleClerk, storeCode); err != nil {
		return nil, err
	}
	store, err := e.stores.StoreByCode(ctx, storeCode)
	if err != nil {
		return nil, err
	}
	x := &ItemsExport{e: e, store: store, FileName: store.Code + "-items.csv"}
	if x.first, err = x.page(ctx, 0); err != nil {
		return nil, err
	}
	return x, nil
}

// page reads up to exportBatch items after a product id, with barcodes.
func (x *ItemsExport) page(ctx context.Context, after int64) ([]*domain.StoreItem, error) {
	items, err := x.e.items.ListStoreItems(ctx, x.store.ID, domain.Page{Limit: exportBatch, After: after})
	if err != nil || len(items) == 0 {
		return items, err
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.Product.ID
	}
	codes, err := x.e.catalog.BarcodesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		it.Product.Barcodes = codes[it.Product.ID]
	}
	return items, nil
}

// WriteCSV writes a UTF-8 BOM (so spreadsheet programs read Chinese names
// right; the import skips it), the header and every item, a page at a
// time. An error part way leaves the file cut short; the caller must make
// that visible (the HTTP adapter aborts the chunked response).
func (x *ItemsExport) WriteCSV(ctx context.Context, w io.Writer) error {
	if _, err := w.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CatalogColumns); err != nil {
		return err
	}
	items := x.first
	for len(items) > 0 {
		for _, it := range items {
			if err := cw.Write(exportRow(x.store.Code, it)); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if len(items) < exportBatch {
			break
		}
		var err error
		if items, err = x.page(ctx, items[len(items)-1].Product.ID); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// exportRow is one item in CatalogColumns order.
func exportRow(storeCode string, it *domain.StoreItem) []string {
	p := it.Product
	codes := make([]string, len(p.Barcodes))
	for i, b := range p.Barcodes {
		codes[i] = b.Raw
	}
	member := ""
	if it.Member != nil {
		member = it.Member.StringFixed(2)
	}
	return []string{p.SKU, guardCell(p.Name), string(p.Unit), p.TaxRate.StringFixed(2), guardCell(p.Category),
		strings.Join(codes, BarcodeSeparator), storeCode, it.Price.StringFixed(2), member,
		it.ReorderPoint.String(), strconv.FormatBool(p.AgeRestricted), strconv.FormatBool(it.Active)}
}

// formulaStarts are the first characters that make a spreadsheet treat a
// cell as a formula (CSV injection: =HYPERLINK(...) in a product name).
const formulaStarts = "=+-@\t\r"

// guardCell makes a free-text cell inert in a spreadsheet by prefixing an
// apostrophe, which spreadsheets hide; unguardCell undoes it on import, so
// an export still imports back unchanged.
func guardCell(s string) string {
	if s != "" && strings.ContainsRune(formulaStarts, rune(s[0])) {
		return "'" + s
	}
	return s
}

func unguardCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune(formulaStarts, rune(s[1])) {
		return s[1:]
	}
	return s
}
