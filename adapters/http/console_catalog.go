package http

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// consoleImportPath is where the console's CSV upload form posts. Like
// importUploadPath it streams its body under the import limit and read
// timeout (bodylimit.go streamLimit), so a 50 MB file never sits in memory.
const consoleImportPath = ConsolePath + "/imports"

// consoleCatalogRoutes registers the catalog pages: products and their
// barcodes, store prices, CSV import, label rules, promotions and coupons,
// unknown barcodes. Every page calls the same use cases as the JSON API
// with the session's staff member, so the role and store rules are theirs.
func (s *Server) consoleCatalogRoutes() {
	a, auth := s.App, s.consoleAuth
	a.Get(ConsolePath+"/products", auth, s.consoleProducts)
	a.Post(ConsolePath+"/products", auth, s.consoleCreateProduct)
	a.Get(ConsolePath+"/products/:sku", auth, s.consoleProduct)
	a.Post(ConsolePath+"/products/:sku", auth, s.consoleUpdateProduct)
	a.Post(ConsolePath+"/products/:sku/price", auth, s.consolePutPrice)
	a.Get(ConsolePath+"/prices", auth, s.consolePrices)

	a.Get(ConsolePath+"/imports", auth, s.consoleImports)
	a.Post(consoleImportPath, s.consoleUploadCSRF, auth, s.consoleUpload)
	a.Get(ConsolePath+"/imports/:id", auth, s.consoleImport)
	a.Get(ConsolePath+"/imports/:id/progress", auth, s.consoleImportProgress)

	a.Get(ConsolePath+"/label-rules", auth, s.consoleLabelRules)
	a.Post(ConsolePath+"/label-rules", auth, s.consoleCreateLabelRule)
	a.Post(ConsolePath+"/label-rules/:id/delete", auth, s.consoleDeleteLabelRule)

	a.Get(ConsolePath+"/promotions", auth, s.consolePromotions)
	a.Post(ConsolePath+"/promotions", auth, s.consoleCreatePromotion)
	a.Post(ConsolePath+"/promotions/:id/active", auth, s.consoleTogglePromotion)
	a.Post(ConsolePath+"/coupons", auth, s.consoleCreateCoupon)
	a.Post(ConsolePath+"/coupons/:code/active", auth, s.consoleToggleCoupon)

	a.Get(ConsolePath+"/unknown-barcodes", auth, s.consoleUnknownBarcodes)
}

// catStore is the console's current store, or a refusal asking to pick
// one (an admin of a chain without stores has none).
func catStore(c *fiber.Ctx) (string, error) {
	if code := consoleStore(c); code != "" {
		return code, nil
	}
	return "", domain.Errorf(domain.EINVALID, "store_required", "pick a store in the header first")
}

// catZone is the time zone the current store's times are shown and typed
// in (promotion windows, import times).
func (s *Server) catZone(c *fiber.Ctx) *time.Location {
	_, loc := s.consoleZone(c)
	return loc
}

// catPage reads one list's cursor from the query parameter name (a page
// may show two lists, each paged on its own); pages hold the default 50.
func catPage(c *fiber.Ctx, name string) (domain.Page, error) {
	p := domain.Page{Limit: domain.DefaultPageLimit}
	if raw := c.Query(name); raw != "" {
		after, ok := decodeCursor(raw)
		if !ok {
			return p, domain.Invalid("page_invalid", domain.FieldError{Field: name, Message: "is not a cursor this console handed out"})
		}
		p.After = after
	}
	return p, nil
}

// catNextURL is the "Next page" link: this page with the list's cursor
// moved on and every other filter kept ("" when the list is complete).
func catNextURL(c *fiber.Ctx, name string, next int64) string {
	if next == 0 {
		return ""
	}
	q, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	q.Del("flash")
	q.Del("fsig")
	q.Del(csrfField) // the upload form's token rides in its URL; never in a link
	q.Set(name, encodeCursor(next))
	return utils.CopyString(c.Path()) + "?" + q.Encode()
}

// storeList reads one page of a list of the current store (the page's
// ?cursor=) through list, the use case the JSON API lists it with, and
// returns the items and the next page's link.
func storeList[T any](c *fiber.Ctx, list func(context.Context, *domain.Staff, string, domain.Page) (app.PageResult[T], error)) ([]T, string, error) {
	store, err := catStore(c)
	if err != nil {
		return nil, "", err
	}
	p, err := catPage(c, "cursor")
	if err != nil {
		return nil, "", err
	}
	res, err := list(c.UserContext(), actor(c), store, p)
	if err != nil {
		return nil, "", err
	}
	return res.Items, catNextURL(c, "cursor", res.NextAfter), nil
}

// catRedirect ends a successful form post: back to a page, with a message.
func catRedirect(c *fiber.Ctx, path, flash string) error {
	return c.Redirect(flashURL(c, path, flash), fiber.StatusSeeOther)
}

// catForm reads a posted form. Values are copied (fiber's are only valid
// during the request) and trimmed; the parse helpers collect every bad
// field, so one refusal names them all, as the use cases do.
type catForm struct {
	c  *fiber.Ctx
	fe domain.Fields
}

// str reads the posted body only: fiber's FormValue would let the query
// string override it.
func (f *catForm) str(name string) string {
	return strings.TrimSpace(string(f.c.Request().PostArgs().Peek(name)))
}

// opt is a text field, nil when left blank (blank means "not set").
func (f *catForm) opt(name string) *string {
	if v := f.str(name); v != "" {
		return &v
	}
	return nil
}

// check is a checkbox: sent only when ticked.
func (f *catForm) check(name string) bool { return f.str(name) != "" }

func (f *catForm) dec(name string) *decimal.Decimal {
	v := f.str(name)
	if v == "" {
		return nil
	}
	d, err := decimal.NewFromString(v)
	if err != nil {
		f.fe.Add(name, "must be a number, such as 12.30")
		return nil
	}
	return &d
}

func (f *catForm) integer(name string) *int {
	v := f.str(name)
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f.fe.Add(name, "must be a whole number")
		return nil
	}
	return &n
}

// list splits a field of codes separated by commas, spaces or new lines;
// nil when blank.
func (f *catForm) list(name string) *[]string {
	parts := strings.FieldsFunc(f.str(name), func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	})
	if len(parts) == 0 {
		return nil
	}
	return &parts
}

// lines splits a textarea into its non-blank lines.
func (f *catForm) lines(name string) []string {
	var out []string
	for _, l := range strings.Split(f.str(name), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// catTimeLayout is what an <input type="datetime-local"> sends.
const catTimeLayout = "2006-01-02T15:04"

// when reads a datetime-local field in the store's zone.
func (f *catForm) when(name string, loc *time.Location) *time.Time {
	v := f.str(name)
	if v == "" {
		return nil
	}
	for _, layout := range []string{catTimeLayout, catTimeLayout + ":05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return &t
		}
	}
	f.fe.Add(name, "must be a date and time, such as 2025-01-31T09:00")
	return nil
}

// err is the refusal naming every field that did not parse.
func (f *catForm) err(reason string) error { return f.fe.Err(reason) }

// catTaxRates are the tax rates the product forms offer, as the select's
// values ("0.00", "0.09", "0.13").
func catTaxRates() []string {
	out := make([]string, len(domain.TaxRates))
	for i, r := range domain.TaxRates {
		out[i] = r.StringFixed(2)
	}
	return out
}

func catMoneyPtr(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return d.StringFixed(2)
}
