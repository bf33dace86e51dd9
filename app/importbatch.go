package app

import (
	"slices"
	"strings"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// storeRef is a store code of the file resolved once per import: the store,
// or the message every row naming it gets.
type storeRef struct {
	store *domain.Store
	err   string
}

// catalogState is the part of the catalog one batch touches: loaded once,
// changed row by row in memory with the domain's own rules, then compared
// with what was loaded to find what to write. A bad row changes nothing.
type catalogState struct {
	products  map[string]*domain.Product // by SKU as stored
	fold      map[string]*domain.Product // by lower-case SKU (MariaDB compares SKUs without case)
	loaded    map[int64]*domain.Product  // as loaded, by id; absent for new products
	order     []string                   // SKUs in the order rows touched them
	owners    map[string]string          // GTIN -> SKU of its product
	items     map[domain.StoreItemKey]*domain.StoreItem
	oldItems  map[domain.StoreItemKey]*domain.StoreItem
	itemOrder []domain.StoreItemKey
	touched   map[domain.StoreItemKey]bool
	newID     func() int64
	now       time.Time
}

func newCatalogState(loaded []*domain.Product, owners map[string]string, items map[domain.StoreItemKey]*domain.StoreItem,
	newID func() int64, now time.Time) *catalogState {
	st := &catalogState{products: map[string]*domain.Product{}, fold: map[string]*domain.Product{},
		loaded: map[int64]*domain.Product{}, owners: owners, items: map[domain.StoreItemKey]*domain.StoreItem{},
		oldItems: items, touched: map[domain.StoreItemKey]bool{}, newID: newID, now: now}
	for _, p := range loaded {
		st.loaded[p.ID] = p
		st.set(cloneProduct(p))
	}
	if st.owners == nil {
		st.owners = map[string]string{}
	}
	if st.oldItems == nil {
		st.oldItems = map[domain.StoreItemKey]*domain.StoreItem{}
	}
	for k, it := range st.oldItems {
		st.items[k] = it
	}
	return st
}

func (st *catalogState) set(p *domain.Product) {
	if _, seen := st.products[p.SKU]; !seen {
		st.order = append(st.order, p.SKU)
	}
	st.products[p.SKU] = p
	st.fold[strings.ToLower(p.SKU)] = p
}

func (st *catalogState) lookup(sku string) *domain.Product {
	if p, ok := st.products[sku]; ok {
		return p
	}
	return st.fold[strings.ToLower(sku)]
}

// apply checks one row against the state and, when it is valid as a
// whole, makes its changes there. It returns the row's errors.
func (st *catalogState) apply(row ImportRow, store func(code string) storeRef) domain.Fields {
	var fe domain.Fields
	cur := st.lookup(strings.TrimSpace(row.SKU))
	var cand *domain.Product
	if cur == nil {
		p, err := domain.NewProduct(0, row.SKU, row.Patch, row.Barcodes, st.now)
		if err != nil {
			return addFieldErrors(fe, err, row.Barcodes)
		}
		cand = p
	} else {
		cand = cloneProduct(cur)
		if err := cand.Update(row.Patch, st.now); err != nil {
			fe = addFieldErrors(fe, err, nil)
		}
		for _, raw := range row.Barcodes {
			if err := cand.AddBarcode(raw); err != nil {
				fe.Add("barcodes", "%s", barcodeMessage(raw, err))
			}
		}
	}
	for _, b := range cand.Barcodes {
		if owner, ok := st.owners[b.GTIN]; ok && owner != cand.SKU {
			fe.Add("barcodes", "barcode %s already belongs to SKU %s", b.Raw, owner)
		}
	}
	if len(fe) > 0 {
		return fe
	}
	if cand.ID == 0 {
		cand.ID = st.newID()
	}
	var item *domain.StoreItem
	if row.StoreCode != "" {
		ref := store(row.StoreCode)
		if ref.store == nil {
			fe.Add("store_code", "%s", ref.err)
			return fe
		}
		key := domain.StoreItemKey{StoreID: ref.store.ID, ProductID: cand.ID}
		in, ok := itemInput(st.items[key], row.Item)
		if !ok {
			fe.Add("price", "is required: %s does not sell SKU %s yet", ref.store.Code, cand.SKU)
			return fe
		}
		it, err := domain.NewStoreItem(ref.store.ID, ref.store.Code, cand, in, st.now)
		if err != nil {
			return addFieldErrors(fe, err, nil)
		}
		item = it
	}
	st.set(cand)
	for _, b := range cand.Barcodes {
		st.owners[b.GTIN] = cand.SKU
	}
	if item != nil {
		key := domain.StoreItemKey{StoreID: item.StoreID, ProductID: cand.ID}
		if !st.touched[key] {
			st.touched[key] = true
			st.itemOrder = append(st.itemOrder, key)
		}
		st.items[key] = item
	}
	return nil
}

// itemInput merges a row's store item cells over the item as stored (or
// the defaults for a new one). ok is false when a new item has no price.
func itemInput(old *domain.StoreItem, c ItemColumns) (domain.StoreItemInput, bool) {
	in := domain.StoreItemInput{Active: true, ReorderPoint: decimal.Zero}
	if old != nil {
		in = domain.StoreItemInput{Price: old.Price, MemberPrice: old.Member, Active: old.Active,
			ReorderPoint: old.ReorderPoint, PLU: old.PLU}
	}
	if c.Price != nil {
		in.Price = *c.Price
	} else if old == nil {
		return in, false
	}
	if c.MemberPrice != nil {
		in.MemberPrice = *c.MemberPrice
	}
	if c.ReorderPoint != nil {
		in.ReorderPoint = *c.ReorderPoint
	}
	if c.Active != nil {
		in.Active = *c.Active
	}
	return in, true
}

// changes compares the state with what was loaded: only what differs is
// written, so importing the same file twice writes nothing the second time.
func (st *catalogState) changes() *domain.CatalogBatch {
	b := &domain.CatalogBatch{}
	for _, sku := range st.order {
		p := st.products[sku]
		old, existed := st.loaded[p.ID]
		if !existed {
			b.NewProducts = append(b.NewProducts, p)
			continue
		}
		had := map[string]bool{}
		for _, bc := range old.Barcodes {
			had[bc.GTIN] = true
		}
		added := false
		for _, bc := range p.Barcodes {
			if !had[bc.GTIN] {
				b.NewBarcodes = append(b.NewBarcodes, domain.NewBarcode{ProductID: p.ID, Barcode: bc})
				added = true
			}
		}
		if added || !sameProductFields(old, p) {
			b.ChangedProducts = append(b.ChangedProducts, p)
		}
	}
	for _, key := range st.itemOrder {
		it, old := st.items[key], st.oldItems[key]
		switch {
		case old == nil:
			b.NewItems = append(b.NewItems, it)
		case !sameItem(old, it):
			b.ChangedItems = append(b.ChangedItems, it)
		}
	}
	return b
}

func sameProductFields(a, b *domain.Product) bool {
	return a.Name == b.Name && a.Unit == b.Unit && a.TaxRate.Equal(b.TaxRate) && a.Category == b.Category &&
		a.AgeRestricted == b.AgeRestricted && a.Active == b.Active
}

func sameItem(a, b *domain.StoreItem) bool {
	sameMember := (a.Member == nil) == (b.Member == nil) && (a.Member == nil || a.Member.Equal(*b.Member))
	return a.Price.Equal(b.Price) && sameMember && a.Active == b.Active && a.ReorderPoint.Equal(b.ReorderPoint) && a.PLU == b.PLU
}

func cloneProduct(p *domain.Product) *domain.Product {
	c := *p
	c.Barcodes = slices.Clone(p.Barcodes)
	return &c
}

// addFieldErrors adds a domain validation error's fields to fe. Barcode
// fields ("barcodes[2]") become "barcodes" with the code in the message,
// since a spreadsheet user knows the cell, not an index into it.
func addFieldErrors(fe domain.Fields, err error, barcodes []string) domain.Fields {
	var de *domain.Error
	if !asDomain(err, &de) || len(de.Fields) == 0 {
		fe.Add("", "%s", domain.ErrorMessage(err))
		return fe
	}
	for _, f := range de.Fields {
		if i, ok := barcodeIndex(f.Field); ok && i < len(barcodes) {
			fe.Add("barcodes", "%s", barcodeMessage(barcodes[i], &domain.Error{Message: f.Message}))
			continue
		}
		fe = append(fe, f)
	}
	return fe
}

func barcodeIndex(field string) (int, bool) {
	rest, ok := strings.CutPrefix(field, "barcodes[")
	if !ok || !strings.HasSuffix(rest, "]") {
		return 0, false
	}
	n := 0
	for _, c := range rest[:len(rest)-1] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func barcodeMessage(raw string, err error) string {
	msg := domain.ErrorMessage(err)
	if strings.Contains(msg, raw) {
		return msg
	}
	return "barcode " + cut(raw, 20) + ": " + msg
}

// rowErrors turns a row's field errors into stored row errors, one per
// field (messages for the same field joined), as the table keys them.
func rowErrors(line int, fe domain.Fields) []domain.ImportRowError {
	var out []domain.ImportRowError
	for _, f := range fe {
		if i := slices.IndexFunc(out, func(e domain.ImportRowError) bool { return e.Field == f.Field }); i >= 0 {
			out[i].Message += "; " + f.Message
			continue
		}
		out = append(out, domain.ImportRowError{Line: line, Field: f.Field, Message: f.Message})
	}
	return out
}
