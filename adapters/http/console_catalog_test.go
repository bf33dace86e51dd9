package http_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// wantPage fails unless the answer has the status and every fragment.
func wantPage(t *testing.T, what string, resp *http.Response, page string, status int, fragments ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, resp.StatusCode, status, page)
	}
	for _, f := range fragments {
		if !strings.Contains(page, f) {
			t.Errorf("%s: page lacks %q\n%s", what, f, page)
		}
	}
}

// wantRedirect fails unless a form post answered 303 to a path starting
// with prefix; it returns the Location.
func wantRedirect(t *testing.T, what string, resp *http.Response, page, prefix string) string {
	t.Helper()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("%s: %d to %q, want 303 to %s...\n%s", what, resp.StatusCode, loc, prefix, page)
	}
	return loc
}

// Search finds a demo product by a fragment of its name and by its
// barcode (any accepted form); a bad barcode is refused on the page.
func TestConsoleCatalogSearch(t *testing.T) {
	api := newTestAPI(t)
	u := api.consoleLogin(t, "clerk1")
	resp, page := u.get(t, "/console/products?q=cola")
	wantPage(t, "by name", resp, page, 200, `href="/console/products/DRK-COLA-330"`, "Cola can", `id="search-q" name="q" value="cola"`)
	if strings.Contains(page, "DRK-WATER-550") {
		t.Errorf("search for cola lists water")
	}
	resp, page = u.get(t, "/console/products?barcode="+colaEAN)
	wantPage(t, "by barcode", resp, page, 200, `href="/console/products/DRK-COLA-330"`, colaEAN)
	if strings.Count(page, `<a href="/console/products/`) != 1 {
		t.Errorf("barcode search lists more than the cola:\n%s", page)
	}
	resp, page = u.get(t, "/console/products?q=no-such-thing")
	wantPage(t, "no match", resp, page, 200, "No product matches.")
	resp, page = u.get(t, "/console/products?barcode=12ab")
	wantPage(t, "bad barcode", resp, page, 422, `role="alert"`)
	// Every product, paged: the next page link keeps the filter.
	resp, page = u.get(t, "/console/products?q=")
	wantPage(t, "all", resp, page, 200, "DRK-COLA-330")
	// A clerk gets no new-product form.
	if strings.Contains(page, "product-new-form") {
		t.Errorf("clerk sees the new product form")
	}
	resp, page = u.get(t, "/console/prices")
	wantPage(t, "store prices", resp, page, 200, `id="price-list"`, "DRK-COLA-330", "3.00")
}

// A manager changes the cola's price on the product page: the page shows
// it, and a shopper's cart priced after the change charges it.
func TestConsoleCatalogPriceReachesTheCart(t *testing.T) {
	api := newTestAPI(t)
	shopper := api.scanShopper(t, "oConsolePrice")
	api.scanLine(t, shopper, colaEAN)
	if c := api.getCart(t, shopper); c.Lines[0].UnitPrice != "3.00" {
		t.Fatalf("cola before the change: %+v", c.Lines)
	}

	m := api.consoleLogin(t, "manager1")
	resp, page := m.get(t, "/console/products/DRK-COLA-330")
	wantPage(t, "product page", resp, page, 200, `id="price-form"`, `id="product-form"`, `id="item-price">3.00<`, colaEAN)
	resp, page = m.post(t, "/console/products/DRK-COLA-330/price", url.Values{"price": {"3.30"}, "member_price": {"3.10"},
		"reorder_point": {"12"}, "plu": {""}, "active": {"true"}})
	loc := wantRedirect(t, "price post", resp, page, "/console/products/DRK-COLA-330?flash=")
	resp, page = m.get(t, loc)
	wantPage(t, "after the change", resp, page, 200, `id="item-price">3.30<`, `id="item-member-price">3.10<`,
		`id="item-reorder-point">12<`, `role="status"`, `name="price" value="3.30"`)

	c := api.getCart(t, shopper)
	if len(c.Lines) != 1 || c.Lines[0].UnitPrice != "3.30" || c.Total != "3.30" {
		t.Fatalf("cart after the change: lines %+v total %s, want the cola at 3.30", c.Lines, c.Total)
	}
	api.scanLine(t, shopper, colaEAN)
	if c := api.getCart(t, shopper); c.Total != "6.60" {
		t.Fatalf("two colas after the change: total %s, want 6.60", c.Total)
	}

	// A refused price keeps what was typed and changes nothing.
	resp, page = m.post(t, "/console/products/DRK-COLA-330/price", url.Values{"price": {"-1"}, "reorder_point": {"0"}, "active": {"true"}})
	wantPage(t, "bad price", resp, page, 422, `role="alert"`, `name="price" value="-1"`, `id="item-price">3.30<`)
}

// A clerk sees the price but no price or edit form, and a forged clerk
// post of either is refused by the use case with nothing changed.
func TestConsoleCatalogClerkCannotPrice(t *testing.T) {
	api := newTestAPI(t)
	clerk := api.consoleLogin(t, "clerk1")
	resp, page := clerk.get(t, "/console/products/DRK-COLA-330")
	wantPage(t, "clerk product page", resp, page, 200, `id="item-price">3.00<`, "Cola can")
	for _, form := range []string{"price-form", "product-form"} {
		if strings.Contains(page, form) {
			t.Errorf("clerk sees %s", form)
		}
	}
	resp, page = clerk.post(t, "/console/products/DRK-COLA-330/price", url.Values{"price": {"0.01"}, "reorder_point": {"0"}, "active": {"true"}})
	wantPage(t, "clerk price post", resp, page, 403, `role="alert"`)
	resp, page = clerk.post(t, "/console/products/DRK-COLA-330", url.Values{"name": {"Free cola"}, "tax_rate": {"0.13"}, "active": {"true"}})
	wantPage(t, "clerk product post", resp, page, 403, `role="alert"`)
	resp, page = clerk.post(t, "/console/products", url.Values{"sku": {"CLERK-1"}, "name": {"x"}, "unit": {"each"}, "tax_rate": {"0.13"}})
	wantPage(t, "clerk new product", resp, page, 403, `role="alert"`)

	manager := api.login(t, "manager1", "scanpay-demo")
	var item struct {
		Price string `json:"price"`
		Name  string `json:"name"`
	}
	api.mustDo(t, 200, http.MethodGet, "/v1/admin/stores/DEMO01/items/DRK-COLA-330", nil, manager, &item)
	if item.Price != "3.00" || strings.Contains(item.Name, "Free") {
		t.Fatalf("after the clerk's posts: %+v", item)
	}
	resp, _ = api.do(t, http.MethodGet, "/v1/admin/products/CLERK-1", nil, manager)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the clerk's product exists: %d", resp.StatusCode)
	}
}

// A manager creates a product with barcodes, then edits it: the barcode
// list is the textarea's, the edit shows on its page.
func TestConsoleCatalogProductEdit(t *testing.T) {
	api := newTestAPI(t)
	m := api.consoleLogin(t, "manager1")
	first, second := demoEAN("690123400001"), demoEAN("690123400002")
	resp, page := m.post(t, "/console/products", url.Values{"sku": {"con-tea"}, "name": {"Console tea"}, "unit": {"each"},
		"tax_rate": {"0.13"}, "category": {"tea"}, "barcodes": {first + "\n" + second}, "active": {"true"}})
	loc := wantRedirect(t, "create", resp, page, "/console/products/CON-TEA?flash=")
	resp, page = m.get(t, loc)
	wantPage(t, "new product", resp, page, 200, "Console tea", "<li>"+first+"</li>", "<li>"+second+"</li>", `id="item-missing"`)

	resp, page = m.post(t, "/console/products/CON-TEA", url.Values{"name": {"Console green tea"}, "category": {"tea"},
		"tax_rate": {"0.09"}, "barcodes": {second + "\n" + demoEAN("690123400003")}, "age_restricted": {"true"}})
	loc = wantRedirect(t, "edit", resp, page, "/console/products/CON-TEA?flash=")
	resp, page = m.get(t, loc)
	wantPage(t, "edited", resp, page, 200, `id="product-name">Console green tea<`, "<dd>0.09</dd>",
		"<li>"+second+"</li>", "<li>"+demoEAN("690123400003")+"</li>", "<dt>Active</dt><dd>no</dd>")
	if strings.Contains(page, "<li>"+first+"</li>") {
		t.Errorf("removed barcode still listed")
	}
	// A barcode another product has is refused; the form keeps the text.
	resp, page = m.post(t, "/console/products/CON-TEA", url.Values{"name": {"Console green tea"}, "tax_rate": {"0.09"},
		"barcodes": {second + "\n" + colaEAN}})
	if resp.StatusCode < 400 || resp.StatusCode >= 500 || !strings.Contains(page, `role="alert"`) || !strings.Contains(page, colaEAN) {
		t.Fatalf("duplicate barcode: %d\n%s", resp.StatusCode, page)
	}
}

// uploadCSV posts a file from the console's upload form: multipart, with
// the form's CSRF token in the action's query string.
func (u *consoleUser) uploadCSV(t *testing.T, csrf, name, content string) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte(content))
	_ = w.Close()
	path := "/console/imports"
	if csrf != "" {
		path += "?csrf=" + url.QueryEscape(csrf)
	}
	headers := append(u.header(), "Content-Type", w.FormDataContentType(), "Sec-Fetch-Site", "same-origin")
	resp, body := u.api.do(t, http.MethodPost, path, buf.Bytes(), "", headers...)
	u.keep(resp, body)
	return resp, string(body)
}

var importIDRE = regexp.MustCompile(`^/console/imports/([0-9]+)\?`)

// A manager uploads a small CSV: the import page shows a polling progress
// bar until the job has run, then the counts and the row error, and the
// fragment it polls stops polling.
func TestConsoleCatalogImport(t *testing.T) {
	api := newTestAPI(t)
	m := api.consoleLogin(t, "manager1")
	resp, page := m.get(t, "/console/imports")
	wantPage(t, "imports page", resp, page, 200, `id="import-form"`, `enctype="multipart/form-data"`, `<label for="import-file">`, "No imports yet.")

	resp, page = m.uploadCSV(t, m.csrf, "prices.csv", importFile)
	loc := wantRedirect(t, "upload", resp, page, "/console/imports/")
	id := importIDRE.FindStringSubmatch(loc)
	if id == nil {
		t.Fatalf("upload went to %q", loc)
	}
	resp, page = m.get(t, loc)
	poll := `data-poll="/console/imports/` + id[1] + `/progress"`
	wantPage(t, "queued", resp, page, 200, poll, `<progress id="import-bar"`, `data-status="queued"`, "prices.csv")

	api.runImport(t, id[1])
	resp, frag := m.get(t, "/console/imports/"+id[1]+"/progress")
	wantPage(t, "fragment when done", resp, frag, 200, `<section id="import-progress"`, `data-status="done"`,
		`<progress id="import-bar" max="3" value="3">`, `id="import-rows-ok">2<`, `id="import-rows-failed">1<`,
		`<td class="num">4</td><td>price</td>`)
	if strings.Contains(frag, "data-poll") || strings.Contains(frag, "<html") {
		t.Errorf("finished fragment still polls or is a whole page:\n%s", frag)
	}
	resp, page = m.get(t, "/console/imports")
	wantPage(t, "list", resp, page, 200, `href="/console/imports/`+id[1]+`"`, "prices.csv", ">done<")
	// The imported price is on the product page.
	resp, page = m.get(t, "/console/products/HTTP-TEA")
	wantPage(t, "imported product", resp, page, 200, `id="item-price">25.90<`)

	// Without the form's token, or as a clerk, nothing is imported.
	resp, page = m.uploadCSV(t, "", "x.csv", importFile)
	wantPage(t, "no token", resp, page, 403)
	resp, page = m.uploadCSV(t, "x"+m.csrf, "x.csv", importFile)
	wantPage(t, "wrong token", resp, page, 403)
	clerk := api.consoleLogin(t, "clerk1")
	resp, page = clerk.uploadCSV(t, clerk.csrf, "x.csv", importFile)
	wantPage(t, "clerk upload", resp, page, 403, `role="alert"`)
	resp, page = m.uploadCSV(t, m.csrf, "empty.csv", "")
	wantPage(t, "empty file", resp, page, 422, `role="alert"`)
	if n := api.count(t, "SELECT COUNT(*) FROM import_jobs"); n != 1 {
		t.Fatalf("%d imports, want the one", n)
	}
}

// A bigger file than the import limit is refused on the console's upload
// path too (bodylimit.go streams it under the import limit).
func TestConsoleCatalogImportLimit(t *testing.T) {
	api := newTestAPI(t, withImportLimit(1024), withBodyLimit(4096))
	m := api.consoleLogin(t, "manager1")
	resp, page := m.uploadCSV(t, m.csrf, "big.csv", csvHeader+strings.Repeat("A,b,each,0.13,,,DEMO01,1,,,,\n", 100))
	// Refused by limitBody before any handler runs (its Content-Length is
	// over the limit), so the answer is the API's problem document.
	wantPage(t, "too large", resp, page, 413, "body_too_large")
	// Within the import limit but over the general body limit: accepted.
	api2 := newTestAPI(t, withImportLimit(1<<20), withBodyLimit(512))
	m2 := api2.consoleLogin(t, "manager1")
	resp, page = m2.uploadCSV(t, m2.csrf, "mid.csv", csvHeader+strings.Repeat("A,b,each,0.13,,,DEMO01,1,,,,\n", 40))
	wantRedirect(t, "over the body limit, within the import limit", resp, page, "/console/imports/")
}

// A manager adds a label rule and reads labels with the test box.
func TestConsoleCatalogLabelRules(t *testing.T) {
	api := newTestAPI(t)
	m := api.consoleLogin(t, "manager1")
	resp, page := m.get(t, "/console/label-rules")
	wantPage(t, "rules", resp, page, 200, "Scale price label 21", `id="label-rule-form"`, `id="label-test-form"`)

	resp, page = m.post(t, "/console/label-rules", url.Values{"name": {"Deli weight 27"}, "prefix": {"27"}, "length": {"13"},
		"plu_start": {"2"}, "plu_length": {"5"}, "weight_start": {"7"}, "weight_length": {"5"}, "check_digit": {"true"}})
	loc := wantRedirect(t, "create rule", resp, page, "/console/label-rules?flash=")
	resp, page = m.get(t, loc)
	wantPage(t, "after create", resp, page, 200, "<td>Deli weight 27</td>")

	// Overlapping an existing rule is refused, the form kept.
	resp, page = m.post(t, "/console/label-rules", url.Values{"name": {"Again 21"}, "prefix": {"21"}, "length": {"13"},
		"plu_start": {"2"}, "plu_length": {"5"}, "price_start": {"7"}, "price_length": {"5"}, "check_digit": {"true"}})
	if resp.StatusCode < 400 || resp.StatusCode >= 500 || !strings.Contains(page, `value="Again 21"`) || !strings.Contains(page, `role="alert"`) {
		t.Fatalf("overlapping rule: %d\n%s", resp.StatusCode, page)
	}

	resp, page = m.get(t, "/console/label-rules?test="+porkPriceLabel)
	wantPage(t, "price label", resp, page, 200, `id="label-test-result"`, `id="label-test-plu">06013<`, `id="label-test-amount">40.08<`)
	resp, page = m.get(t, "/console/label-rules?test="+porkWeightLabel)
	wantPage(t, "weight label", resp, page, 200, `id="label-test-weight">0.458<`, `id="label-test-item">`)
	resp, page = m.get(t, "/console/label-rules?test=6901234567892")
	wantPage(t, "no rule reads it", resp, page, 404, `role="alert"`)

	// Delete the new rule.
	idRE := regexp.MustCompile(`action="/console/label-rules/([0-9]+)/delete"[^<]*<input[^>]*>\s*<button[^>]*aria-label="Delete rule Deli weight 27"`)
	mm := idRE.FindStringSubmatch(page)
	if mm == nil {
		t.Fatalf("no delete button for the new rule:\n%s", page)
	}
	resp, page = m.post(t, "/console/label-rules/"+mm[1]+"/delete", url.Values{})
	loc = wantRedirect(t, "delete", resp, page, "/console/label-rules?flash=")
	_, page = m.get(t, loc)
	if strings.Contains(page, "Deli weight 27") {
		t.Errorf("deleted rule still listed")
	}

	clerk := api.consoleLogin(t, "clerk1")
	resp, page = clerk.get(t, "/console/label-rules")
	wantPage(t, "clerk", resp, page, 403, `role="alert"`)
	if strings.Contains(page, "label-rule-form") {
		t.Errorf("clerk sees the rule form")
	}
}

// A manager creates a promotion and a coupon and switches the promotion
// off; a promotion missing its kind's parameter is refused, kept typed.
func TestConsoleCatalogPromotions(t *testing.T) {
	api := newTestAPI(t)
	m := api.consoleLogin(t, "manager1")
	resp, page := m.get(t, "/console/promotions")
	wantPage(t, "promotions", resp, page, 200, `id="promotion-form"`, `id="coupon-form"`, `name="store_codes" value="DEMO01"`)

	resp, page = m.post(t, "/console/promotions", url.Values{"name": {"Console snacks"}, "kind": {"percent_off"},
		"store_codes": {"DEMO01"}, "categories": {"snacks"}, "percent": {"15"}, "starts_at": {"2024-01-01T00:00"},
		"ends_at": {"2099-01-01T00:00"}, "active": {"true"}})
	loc := wantRedirect(t, "create promotion", resp, page, "/console/promotions?flash=")
	resp, page = m.get(t, loc)
	wantPage(t, "after create", resp, page, 200, "<td>Console snacks</td>", "15 % off", "categories snacks")

	resp, page = m.post(t, "/console/promotions", url.Values{"name": {"No percent"}, "kind": {"percent_off"},
		"store_codes": {"DEMO01"}, "starts_at": {"2024-01-01T00:00"}, "ends_at": {"2099-01-01T00:00"}, "active": {"true"}})
	wantPage(t, "missing percent", resp, page, 422, `role="alert"`, "percent", `value="No percent"`, `id="new-promotion" open`)

	idRE := regexp.MustCompile(`<td>Console snacks</td>(?s:.*?)action="/console/promotions/([0-9]+)/active"`)
	_, page = m.get(t, "/console/promotions")
	mm := idRE.FindStringSubmatch(page)
	if mm == nil {
		t.Fatalf("no toggle for the promotion:\n%s", page)
	}
	resp, page = m.post(t, "/console/promotions/"+mm[1]+"/active", url.Values{"active": {"false"}})
	loc = wantRedirect(t, "deactivate", resp, page, "/console/promotions?flash=")
	_, page = m.get(t, loc)
	if !regexp.MustCompile(`<td>Console snacks</td>(?s:.*?)<span class="badge">off</span>(?s:.*?)>Activate<`).MatchString(page) {
		t.Errorf("promotion not shown as off:\n%s", page)
	}

	resp, page = m.post(t, "/console/coupons", url.Values{"code": {"console10"}, "name": {"Ten off"}, "kind": {"amount"},
		"amount": {"10"}, "min_spend": {"50"}, "store_codes": {"DEMO01"}, "starts_at": {"2024-01-01T00:00"},
		"ends_at": {"2099-01-01T00:00"}, "per_shopper_limit": {"1"}, "total_limit": {"0"}, "active": {"true"}})
	loc = wantRedirect(t, "create coupon", resp, page, "/console/promotions?flash=")
	resp, page = m.get(t, loc)
	wantPage(t, "coupon listed", resp, page, 200, "CONSOLE10", "10.00 off", `action="/console/coupons/CONSOLE10/active"`)
	resp, page = m.post(t, "/console/coupons/CONSOLE10/active", url.Values{"active": {"false"}})
	wantRedirect(t, "coupon off", resp, page, "/console/promotions?flash=")

	clerk := api.consoleLogin(t, "clerk1")
	resp, page = clerk.post(t, "/console/promotions", url.Values{"name": {"Clerk"}, "kind": {"percent_off"}, "percent": {"50"},
		"store_codes": {"DEMO01"}, "starts_at": {"2024-01-01T00:00"}, "ends_at": {"2099-01-01T00:00"}})
	wantPage(t, "clerk promotion", resp, page, 403, `role="alert"`)
	if strings.Contains(page, "promotion-form") {
		t.Errorf("clerk sees the promotion form")
	}
}

// The unknown barcodes page lists a code a shopper scanned that matched
// nothing, with its count; a clerk may not see it.
func TestConsoleCatalogUnknownBarcodes(t *testing.T) {
	api := newTestAPI(t)
	tok := api.scanShopper(t, "oConsoleUnknown")
	unknown := demoEAN("690000000077")
	for range 3 {
		resp, body := api.do(t, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": unknown}, tok)
		wantProblem(t, resp, body, 404, "not_found", "barcode_unknown")
	}
	m := api.consoleLogin(t, "manager1")
	resp, page := m.get(t, "/console/unknown-barcodes")
	wantPage(t, "unknown barcodes", resp, page, 200, "<td>"+unknown+"</td><td class=\"num\">3</td>",
		`href="/console/products?barcode=`+unknown+`"`)
	clerk := api.consoleLogin(t, "clerk1")
	resp, page = clerk.get(t, "/console/unknown-barcodes")
	wantPage(t, "clerk", resp, page, 403, `role="alert"`)
	if strings.Contains(page, unknown) {
		t.Errorf("clerk sees the unknown barcodes")
	}
}
