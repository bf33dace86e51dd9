package http

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// catProductForm is the product form as typed, so a refused form comes
// back with what was in it.
type catProductForm struct {
	SKU, Name, Unit, TaxRate, Category, Barcodes string
	AgeRestricted, Active                        bool
}

func productForm(p *domain.Product) catProductForm {
	codes := make([]string, len(p.Barcodes))
	for i, b := range p.Barcodes {
		codes[i] = b.Raw
	}
	return catProductForm{SKU: p.SKU, Name: p.Name, Unit: string(p.Unit), TaxRate: p.TaxRate.StringFixed(2),
		Category: p.Category, Barcodes: strings.Join(codes, "\n"), AgeRestricted: p.AgeRestricted, Active: p.Active}
}

func readProductForm(f *catForm) catProductForm {
	return catProductForm{SKU: f.str("sku"), Name: f.str("name"), Unit: f.str("unit"), TaxRate: f.str("tax_rate"),
		Category: f.str("category"), Barcodes: f.str("barcodes"), AgeRestricted: f.check("age_restricted"), Active: f.check("active")}
}

// patch is the form as a product patch: every field the form shows is
// set (a form always sends them all; an unticked box means false).
func (pf catProductForm) patch(f *catForm, withUnit bool) domain.ProductPatch {
	name, category := pf.Name, pf.Category
	p := domain.ProductPatch{Name: &name, Category: &category, TaxRate: f.dec("tax_rate")}
	age, active := pf.AgeRestricted, pf.Active
	p.AgeRestricted, p.Active = &age, &active
	if p.TaxRate == nil {
		f.fe.Add("tax_rate", "is required")
	}
	if withUnit {
		u := domain.Unit(pf.Unit)
		p.Unit = &u
	}
	return p
}

type catProductsView struct {
	Q, Barcode string
	Items      []*domain.Product
	Next       string
	TaxRates   []string
	New        catProductForm
	// NewOpen unfolds the new-product form (it was refused).
	NewOpen bool
}

// consoleProducts is the product search: by name or SKU fragment (q) or
// by barcode in any accepted form, paged like GET /v1/admin/products.
func (s *Server) consoleProducts(c *fiber.Ctx) error {
	v := catProductsView{Q: strings.TrimSpace(utils.CopyString(c.Query("q"))),
		Barcode: strings.TrimSpace(utils.CopyString(c.Query("barcode"))), TaxRates: catTaxRates(),
		New: catProductForm{Unit: string(domain.UnitEach), TaxRate: "0.13", Active: true}}
	if err := s.loadProducts(c, &v); err != nil {
		return s.renderPageError(c, "products", "Products", v, err)
	}
	return s.renderPage(c, fiber.StatusOK, "products", "Products", v)
}

func (s *Server) loadProducts(c *fiber.Ctx, v *catProductsView) error {
	p, err := catPage(c, "cursor")
	if err != nil {
		return err
	}
	res, err := s.deps.Catalog.Search(c.UserContext(), actor(c), app.SearchInput{Query: v.Q, Barcode: v.Barcode}, p)
	if err != nil {
		return err
	}
	v.Items, v.Next = res.Items, catNextURL(c, "cursor", res.NextAfter)
	return nil
}

// consoleCreateProduct adds a product (manager+: the use case checks).
func (s *Server) consoleCreateProduct(c *fiber.Ctx) error {
	f := &catForm{c: c}
	pf := readProductForm(f)
	patch := pf.patch(f, true)
	err := f.err("product_invalid")
	if err == nil {
		_, err = s.deps.Catalog.Create(c.UserContext(), actor(c), app.NewProductInput{SKU: pf.SKU, Patch: patch, Barcodes: f.lines("barcodes")})
	}
	if err != nil {
		v := catProductsView{TaxRates: catTaxRates(), New: pf, NewOpen: true}
		if lerr := s.loadProducts(c, &v); lerr != nil {
			return lerr
		}
		return s.renderPageError(c, "products", "Products", v, err)
	}
	return catRedirect(c, ConsolePath+"/products/"+url.PathEscape(domain.NormalizeSKU(pf.SKU)), "Product created")
}

// catPriceForm is the store item form as typed.
type catPriceForm struct {
	Price, MemberPrice, ReorderPoint, PLU string
	Active                                bool
}

type catProductView struct {
	Product  *domain.Product
	Form     catProductForm
	TaxRates []string
	Store    string
	// Item is the current store's item; nil when the store does not sell
	// the product (ItemMissing) or cannot be read (ItemError).
	Item        *domain.StoreItem
	ItemMissing bool
	ItemError   string
	Price       catPriceForm
}

// productView loads a product and the current store's item for it.
func (s *Server) productView(c *fiber.Ctx) (catProductView, error) {
	v := catProductView{TaxRates: catTaxRates(), Store: consoleStore(c), Price: catPriceForm{Active: true, ReorderPoint: "0"}}
	p, err := s.deps.Catalog.Get(c.UserContext(), actor(c), utils.CopyString(c.Params("sku")))
	if err != nil {
		return v, err
	}
	v.Product, v.Form = p, productForm(p)
	if v.Store == "" {
		v.ItemError = "Pick a store in the header to see its price."
		return v, nil
	}
	it, err := s.deps.StoreItems.Get(c.UserContext(), actor(c), v.Store, p.SKU)
	switch {
	case err == nil:
		v.Item = it
		v.Price = catPriceForm{Price: it.Price.StringFixed(2), MemberPrice: catMoneyPtr(it.Member),
			ReorderPoint: it.ReorderPoint.String(), PLU: it.PLU, Active: it.Active}
	case domain.ErrorCode(err) == domain.ENOTFOUND:
		v.ItemMissing = true
	case statusOf(domain.ErrorCode(err)) < 500:
		v.ItemError = consoleErrorText(err)
	default:
		return v, err
	}
	return v, nil
}

// consoleProduct shows a product, its barcodes and the current store's
// item; managers get the edit and price forms.
func (s *Server) consoleProduct(c *fiber.Ctx) error {
	v, err := s.productView(c)
	if err != nil {
		return s.renderPageError(c, "product", "Product", v, err)
	}
	return s.renderPage(c, fiber.StatusOK, "product", v.Product.Name, v)
}

// consoleUpdateProduct saves the edit form. The barcodes textarea is the
// whole list: codes no longer in it are removed, new ones added, and a
// code typed in another form of the same GTIN is kept as it is.
func (s *Server) consoleUpdateProduct(c *fiber.Ctx) error {
	v, err := s.productView(c)
	if err != nil {
		return s.renderPageError(c, "product", "Product", v, err)
	}
	f := &catForm{c: c}
	pf := readProductForm(f)
	pf.SKU, pf.Unit = v.Product.SKU, string(v.Product.Unit)
	upd := app.ProductUpdate{Patch: pf.patch(f, false)}
	upd.AddBarcodes, upd.RemoveBarcodes = barcodeChanges(v.Product, f.lines("barcodes"))
	err = f.err("product_invalid")
	if err == nil {
		_, err = s.deps.Catalog.Update(c.UserContext(), actor(c), v.Product.SKU, upd)
	}
	if err != nil {
		v.Form = pf
		return s.renderPageError(c, "product", v.Product.Name, v, err)
	}
	return catRedirect(c, ConsolePath+"/products/"+url.PathEscape(v.Product.SKU), "Product saved")
}

// barcodeChanges compares the typed list with the product's barcodes by
// GTIN. A line that does not parse is "added", so the use case names it.
func barcodeChanges(p *domain.Product, typed []string) (add, remove []string) {
	keep := map[string]bool{}
	for _, raw := range typed {
		bc, err := domain.ParseBarcode(raw)
		if err == nil && productHasGTIN(p, bc.GTIN) {
			keep[bc.GTIN] = true
			continue
		}
		add = append(add, raw)
	}
	for _, b := range p.Barcodes {
		if !keep[b.GTIN] {
			remove = append(remove, b.Raw)
		}
	}
	return add, remove
}

func productHasGTIN(p *domain.Product, gtin string) bool {
	for _, b := range p.Barcodes {
		if b.GTIN == gtin {
			return true
		}
	}
	return false
}

// consolePutPrice sets the current store's item for the product, the
// whole item as PUT /v1/admin/stores/{code}/items/{sku} does: price
// required, member price optional, active, reorder point and scale PLU.
// Only a manager of the store (or an admin) may: the use case refuses a
// clerk whatever the page showed.
func (s *Server) consolePutPrice(c *fiber.Ctx) error {
	v, err := s.productView(c)
	if err != nil {
		return s.renderPageError(c, "product", "Product", v, err)
	}
	f := &catForm{c: c}
	typed := catPriceForm{Price: f.str("price"), MemberPrice: f.str("member_price"), ReorderPoint: f.str("reorder_point"),
		PLU: f.str("plu"), Active: f.check("active")}
	in := domain.StoreItemInput{MemberPrice: f.dec("member_price"), Active: typed.Active, ReorderPoint: decimal.Zero, PLU: typed.PLU}
	if price := f.dec("price"); price != nil {
		in.Price = *price
	} else if typed.Price == "" {
		f.fe.Add("price", "is required")
	}
	if rp := f.dec("reorder_point"); rp != nil {
		in.ReorderPoint = *rp
	}
	store, err := catStore(c)
	if err == nil {
		err = f.err("store_item_invalid")
	}
	if err == nil {
		_, err = s.deps.StoreItems.Put(c.UserContext(), actor(c), store, v.Product.SKU, in)
	}
	if err != nil {
		v.Price = typed
		return s.renderPageError(c, "product", v.Product.Name, v, err)
	}
	return catRedirect(c, ConsolePath+"/products/"+url.PathEscape(v.Product.SKU), "Price saved for "+store)
}

type catPricesView struct {
	Store string
	Items []*domain.StoreItem
	Next  string
}

// consolePrices lists the current store's items with their prices.
func (s *Server) consolePrices(c *fiber.Ctx) error {
	v := catPricesView{Store: consoleStore(c)}
	var err error
	if v.Items, v.Next, err = storeList(c, s.deps.StoreItems.List); err != nil {
		return s.renderPageError(c, "prices", "Store prices", v, err)
	}
	return s.renderPage(c, fiber.StatusOK, "prices", "Store prices", v)
}
