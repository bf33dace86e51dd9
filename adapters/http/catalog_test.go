package http_test

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// productDTO is a product as the API shows it.
type productDTO struct {
	SKU           string   `json:"sku"`
	Name          string   `json:"name"`
	Unit          string   `json:"unit"`
	TaxRate       string   `json:"tax_rate"`
	Category      string   `json:"category"`
	AgeRestricted bool     `json:"age_restricted"`
	Active        bool     `json:"active"`
	Barcodes      []string `json:"barcodes"`
}

type productList struct {
	Items      []productDTO `json:"items"`
	NextCursor string       `json:"next_cursor"`
}

func (l productList) skus() []string {
	out := make([]string, len(l.Items))
	for i, p := range l.Items {
		out[i] = p.SKU
	}
	return out
}

// itemDTO is a store item as the API shows it.
type itemDTO struct {
	SKU          string  `json:"sku"`
	Name         string  `json:"name"`
	Unit         string  `json:"unit"`
	Price        string  `json:"price"`
	MemberPrice  *string `json:"member_price"`
	Active       bool    `json:"active"`
	ReorderPoint string  `json:"reorder_point"`
	PLU          string  `json:"plu"`
}

// search lists products matching the query string.
func (a *testAPI) search(t *testing.T, query url.Values, token string) productList {
	t.Helper()
	var out productList
	a.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/products?"+query.Encode(), nil, token, &out)
	return out
}

// raw GETs path and returns the body, for before/after comparisons.
func (a *testAPI) raw(t *testing.T, path, token string) []byte {
	t.Helper()
	resp, body := a.do(t, http.MethodGet, path, nil, token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

// A product's barcodes are kept as entered and found in every GTIN form;
// a code belongs to one product only.
func TestProductBarcodes(t *testing.T) {
	api := newTestAPI(t)
	mgr := api.login(t, "manager1", "scanpay-demo")
	var p productDTO
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/products", map[string]any{
		"sku": "T-PEN", "name": "Highlighter", "unit": "each", "tax_rate": "0.13", "category": "t-office",
		"barcodes": []string{"4006381333931", " 042100005264 ", "00012345678905"}}, mgr, &p)
	if want := []string{"4006381333931", "042100005264", "00012345678905"}; !slices.Equal(p.Barcodes, want) ||
		p.Unit != "each" || p.TaxRate != "0.13" || !p.Active || p.AgeRestricted {
		t.Fatalf("created %+v; want barcodes %q as entered (trimmed), active", p, want)
	}
	for _, code := range []string{
		"4006381333931", "04006381333931", // EAN-13 and its GTIN-14
		"042100005264", "0042100005264", "00042100005264", // UPC-A, as GTIN-13, as GTIN-14
		"012345678905", "0012345678905", "00012345678905", // a padded GTIN-14 as UPC-A and GTIN-13
	} {
		if got := api.search(t, url.Values{"barcode": {code}}, mgr); !slices.Equal(got.skus(), []string{"T-PEN"}) {
			t.Errorf("?barcode=%s finds %q, want [T-PEN]", code, got.skus())
		}
	}

	// Another product may not take a code of T-PEN, in any form.
	resp, body := api.do(t, http.MethodPost, "/v1/admin/products", map[string]any{"sku": "T-PEN2", "name": "Copy",
		"unit": "each", "tax_rate": "0.13", "barcodes": []string{"96385074", "0012345678905"}}, mgr)
	if p := wantProblem(t, resp, body, http.StatusConflict, "conflict", "barcode_taken"); !strings.Contains(p.Detail, "T-PEN") {
		t.Errorf("barcode_taken detail %q does not name SKU T-PEN", p.Detail)
	}
	resp, body = api.do(t, http.MethodGet, "/v1/admin/products/T-PEN2", nil, mgr)
	wantProblem(t, resp, body, http.StatusNotFound, "not_found", "product_not_found")
	if got := api.search(t, url.Values{"barcode": {"96385074"}}, mgr); len(got.Items) != 0 {
		t.Errorf("the refused product's other barcode was stored: %q", got.skus())
	}

	// PATCH removes by any form, then adds.
	api.mustDo(t, http.StatusOK, http.MethodPatch, "/v1/admin/products/T-PEN", map[string]any{
		"remove_barcodes": []string{"012345678905"}, "add_barcodes": []string{"96385074", "4006381333931"}}, mgr, &p)
	if want := []string{"042100005264", "4006381333931", "96385074"}; !slices.Equal(slices.Sorted(slices.Values(p.Barcodes)), want) {
		t.Errorf("after PATCH barcodes %q, want %q", p.Barcodes, want)
	}
	if got := api.search(t, url.Values{"barcode": {"00012345678905"}}, mgr); len(got.Items) != 0 {
		t.Errorf("removed barcode still finds %q", got.skus())
	}
	if got := api.search(t, url.Values{"barcode": {"00000096385074"}}, mgr); !slices.Equal(got.skus(), []string{"T-PEN"}) {
		t.Errorf("added GTIN-8 finds %q", got.skus())
	}
	// The removed code is free again for another product.
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/products", map[string]any{"sku": "T-PEN2", "name": "Copy",
		"unit": "each", "tax_rate": "0.13", "barcodes": []string{"012345678905"}}, mgr, nil)

	resp, body = api.do(t, http.MethodGet, "/v1/admin/products?barcode=4006381333932", nil, mgr)
	if p := wantProblem(t, resp, body, http.StatusUnprocessableEntity, "invalid", "barcode_check_digit"); !slices.Equal(fieldNames(p), []string{"barcode"}) {
		t.Errorf("search by a bad barcode: fields %q, want [barcode]", fieldNames(p))
	}
}

// Every kind of bad input gets a clear error and changes nothing.
func TestCatalogBadInput(t *testing.T) {
	api := newTestAPI(t)
	mgr := api.login(t, "manager1", "scanpay-demo")
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/products", map[string]any{"sku": "T-SOAP",
		"name": "Soap", "unit": "each", "tax_rate": "0.13", "barcodes": []string{"4006381333931"}}, mgr, nil)
	api.mustDo(t, http.StatusOK, http.MethodPut, "/v1/admin/stores/DEMO01/items/T-SOAP",
		map[string]any{"price": "5.00", "member_price": "4.50", "reorder_point": "6"}, mgr, nil)
	const product, item = "/v1/admin/products/T-SOAP", "/v1/admin/stores/DEMO01/items/T-SOAP"
	productBefore, itemBefore := api.raw(t, product, mgr), api.raw(t, item, mgr)
	listBefore := api.raw(t, "/v1/admin/products?limit=200", mgr)

	newProduct := func(over map[string]any) map[string]any {
		b := map[string]any{"sku": "T-NEW", "name": "New", "unit": "each", "tax_rate": "0.13"}
		for k, v := range over {
			b[k] = v
		}
		return b
	}
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		reason             string
		fields             []string
	}{
		{"create: wrong check digit", "POST", "/v1/admin/products", newProduct(map[string]any{"barcodes": []string{"4006381333932"}}),
			422, "product_invalid", []string{"barcodes[0]"}},
		{"create: in-store (2x) code", "POST", "/v1/admin/products", newProduct(map[string]any{"barcodes": []string{"96385074", "2106013040083"}}),
			422, "product_invalid", []string{"barcodes[1]"}},
		{"create: unknown unit", "POST", "/v1/admin/products", newProduct(map[string]any{"unit": "box"}), 422, "product_invalid", []string{"unit"}},
		{"create: tax rate 0.17", "POST", "/v1/admin/products", newProduct(map[string]any{"tax_rate": "0.17"}), 422, "product_invalid", []string{"tax_rate"}},
		{"create: everything missing", "POST", "/v1/admin/products", map[string]any{"sku": "bad sku!"}, 422, "product_invalid",
			[]string{"sku", "name", "unit", "tax_rate"}},
		{"create: duplicate SKU", "POST", "/v1/admin/products", newProduct(map[string]any{"sku": "T-SOAP"}), 409, "sku_taken", nil},
		{"create: another product's barcode", "POST", "/v1/admin/products", newProduct(map[string]any{"barcodes": []string{"04006381333931"}}),
			409, "barcode_taken", nil},
		{"patch: unknown unit", "PATCH", product, map[string]any{"unit": "box", "name": "Renamed"}, 422, "product_invalid", []string{"unit"}},
		{"patch: tax rate 0.17", "PATCH", product, map[string]any{"tax_rate": 0.17}, 422, "product_invalid", []string{"tax_rate"}},
		{"patch: wrong check digit", "PATCH", product, map[string]any{"name": "Renamed", "add_barcodes": []string{"96385075"}},
			422, "barcode_check_digit", []string{"add_barcodes[0]"}},
		{"patch: in-store code", "PATCH", product, map[string]any{"add_barcodes": []string{"96385074", "2106013040083"}},
			422, "barcode_restricted", []string{"add_barcodes[1]"}},
		{"patch: remove a code it lacks", "PATCH", product, map[string]any{"remove_barcodes": []string{"96385074"}},
			404, "barcode_not_found", []string{"remove_barcodes[0]"}},
		{"patch: demo product's barcode", "PATCH", product, map[string]any{"add_barcodes": []string{"6924513001047"}}, 409, "barcode_taken", nil},
		{"patch: sku", "PATCH", product, map[string]any{"sku": "T-OTHER"}, 400, "json_field_invalid", []string{"sku"}},
		{"item: negative price", "PUT", item, map[string]any{"price": "-1.00"}, 422, "store_item_invalid", []string{"price"}},
		{"item: price 1.234", "PUT", item, map[string]any{"price": "1.234"}, 422, "store_item_invalid", []string{"price"}},
		{"item: member price 0", "PUT", item, map[string]any{"price": "5.00", "member_price": "0"}, 422, "store_item_invalid", []string{"member_price"}},
		{"item: reorder point -1", "PUT", item, map[string]any{"price": "5.00", "reorder_point": "-1"}, 422, "store_item_invalid", []string{"reorder_point"}},
		{"item: fractional reorder point of an each item", "PUT", item, map[string]any{"price": "5.00", "reorder_point": "1.5"},
			422, "store_item_invalid", []string{"reorder_point"}},
		{"item: PLU on an each item", "PUT", item, map[string]any{"price": "5.00", "plu": "6013"}, 422, "store_item_invalid", []string{"plu"}},
		{"item: no price", "PUT", item, map[string]any{"member_price": "4.00"}, 422, "store_item_invalid", []string{"price"}},
		{"item: all at once", "PUT", item, map[string]any{"price": "0", "member_price": "1.001", "reorder_point": "-2", "plu": "x"},
			422, "store_item_invalid", []string{"price", "member_price", "reorder_point", "plu"}},
		{"item: price as text", "PUT", item, map[string]any{"price": "cheap"}, 400, "json_field_invalid", []string{"price"}},
		{"item: unknown product", "PUT", "/v1/admin/stores/DEMO01/items/T-NOPE", map[string]any{"price": "1.00"}, 404, "product_not_found", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, tc.method, tc.path, tc.body, mgr)
			code := map[int]string{400: "malformed", 404: "not_found", 409: "conflict", 422: "invalid"}[tc.status]
			p := wantProblem(t, resp, body, tc.status, code, tc.reason)
			if tc.fields != nil && !slices.Equal(fieldNames(p), tc.fields) {
				t.Errorf("fields %q, want %q; body %s", fieldNames(p), tc.fields, body)
			}
		})
	}
	if after := api.raw(t, product, mgr); !bytes.Equal(after, productBefore) {
		t.Errorf("product changed by refused requests:\n%s\nwas\n%s", after, productBefore)
	}
	if after := api.raw(t, item, mgr); !bytes.Equal(after, itemBefore) {
		t.Errorf("item changed by refused requests:\n%s\nwas\n%s", after, itemBefore)
	}
	if after := api.raw(t, "/v1/admin/products?limit=200", mgr); !bytes.Equal(after, listBefore) {
		t.Errorf("the catalog changed by refused requests")
	}
}

// Search by name fragment (case-insensitive for ASCII), category and
// pages of one.
func TestProductSearch(t *testing.T) {
	api := newTestAPI(t)
	mgr := api.login(t, "manager1", "scanpay-demo")
	for _, p := range []struct{ sku, name, category string }{
		{"T-Z1", "Zebra Crunch cereal", "t-cereal"},
		{"T-Z2", "striped zebra candy", "t-candy"},
		{"T-Z3", "ZEBRA oat cereal", "t-cereal"},
		{"T-OTHER", "Plain rice", "t-cereal"},
	} {
		api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/products", map[string]any{"sku": p.sku, "name": p.name,
			"unit": "each", "tax_rate": "0.09", "category": p.category}, mgr, nil)
	}
	for _, tc := range []struct {
		query url.Values
		want  []string
	}{
		{url.Values{"q": {"zebra"}}, []string{"T-Z1", "T-Z2", "T-Z3"}},
		{url.Values{"q": {"ZeBrA"}}, []string{"T-Z1", "T-Z2", "T-Z3"}},
		{url.Values{"q": {" cereal "}}, []string{"T-Z1", "T-Z3"}},
		{url.Values{"category": {"t-cereal"}}, []string{"T-Z1", "T-Z3", "T-OTHER"}},
		{url.Values{"category": {"t-cereal"}, "q": {"zebra"}}, []string{"T-Z1", "T-Z3"}},
		{url.Values{"q": {"T-Z"}}, []string{"T-Z1", "T-Z2", "T-Z3"}},      // SKU fragment
		{url.Values{"q": {"%"}}, []string{"DRK-OJ-1L", "ALC-BAIJIU-500"}}, // literal: "100%", "52%"
		{url.Values{"q": {"_"}}, nil},                                     // literal, not a wildcard
		{url.Values{"q": {"可乐"}}, []string{"DRK-COLA-330"}},               // the demo catalog
	} {
		if got := api.search(t, tc.query, mgr); !slices.Equal(got.skus(), tc.want) || got.NextCursor != "" {
			t.Errorf("%s: %q cursor %q, want %q", tc.query.Encode(), got.skus(), got.NextCursor, tc.want)
		}
	}

	var seen []string
	query := url.Values{"q": {"zebra"}, "limit": {"1"}}
	for page := 0; ; page++ {
		got := api.search(t, query, mgr)
		if len(got.Items) != 1 || page > 3 {
			t.Fatalf("page %d: %q, want one product per page", page, got.skus())
		}
		seen = append(seen, got.Items[0].SKU)
		if got.NextCursor == "" {
			break
		}
		query.Set("cursor", got.NextCursor)
	}
	if want := []string{"T-Z1", "T-Z2", "T-Z3"}; !slices.Equal(seen, want) {
		t.Errorf("paged through %q, want %q", seen, want)
	}
	resp, body := api.do(t, http.MethodGet, "/v1/admin/products?cursor=nonsense", nil, mgr)
	wantProblem(t, resp, body, http.StatusUnprocessableEntity, "invalid", "page_invalid")
}

// Clerks read the catalog and move stock but change no product or price;
// managers change prices in their own stores only.
func TestCatalogRoles(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	manager := api.login(t, "manager1", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/stores", map[string]any{"code": "SH02", "name": "Shop 2"}, admin, nil)
	api.mustDo(t, http.StatusOK, http.MethodPut, "/v1/admin/stores/SH02/items/DRK-COLA-330", map[string]any{"price": "3.20"}, admin, nil)

	var p productDTO
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/products/DRK-COLA-330", nil, clerk, &p)
	if p.Name == "" || len(p.Barcodes) != 1 {
		t.Errorf("clerk reads %+v, want the demo cola with its barcode", p)
	}
	if got := api.search(t, url.Values{"barcode": {"6924513001047"}}, clerk); !slices.Equal(got.skus(), []string{"DRK-COLA-330"}) {
		t.Errorf("clerk barcode lookup %q", got.skus())
	}
	var it itemDTO
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/stores/DEMO01/items/DRK-COLA-330", nil, clerk, &it)
	if it.Price != "3.00" || it.SKU != "DRK-COLA-330" {
		t.Errorf("clerk reads item %+v, want the demo price 3.00", it)
	}
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/stores/DEMO01/stock-movements",
		map[string]any{"sku": "DRK-COLA-330", "kind": "receive", "quantity": "24", "reason": "delivery"}, clerk, nil)

	for _, tc := range []struct {
		name, who, method, path string
		body                    any
		reason                  string
	}{
		{"clerk creates a product", clerk, "POST", "/v1/admin/products", map[string]any{"sku": "T-X", "name": "x", "unit": "each", "tax_rate": "0"}, "role_insufficient"},
		{"clerk patches a product", clerk, "PATCH", "/v1/admin/products/DRK-COLA-330", map[string]any{"name": "Free cola"}, "role_insufficient"},
		{"clerk sets a price", clerk, "PUT", "/v1/admin/stores/DEMO01/items/DRK-COLA-330", map[string]any{"price": "0.10"}, "role_insufficient"},
		{"manager sets a price in another store", manager, "PUT", "/v1/admin/stores/SH02/items/DRK-COLA-330", map[string]any{"price": "0.10"}, "store_not_assigned"},
		{"manager reads another store's items", manager, "GET", "/v1/admin/stores/SH02/items", nil, "store_not_assigned"},
		{"clerk moves stock in another store", clerk, "POST", "/v1/admin/stores/SH02/stock-movements",
			map[string]any{"sku": "DRK-COLA-330", "kind": "receive", "quantity": "1"}, "store_not_assigned"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, tc.method, tc.path, tc.body, tc.who)
			wantProblem(t, resp, body, http.StatusForbidden, "forbidden", tc.reason)
		})
	}
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/stores/SH02/items/DRK-COLA-330", nil, admin, &it)
	if it.Price != "3.20" {
		t.Errorf("SH02 price %s after the refused PUT, want 3.20", it.Price)
	}
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/stores/DEMO01/items/DRK-COLA-330", nil, manager, &it)
	if it.Price != "3.00" {
		t.Errorf("DEMO01 price %s after the clerk's PUT, want 3.00", it.Price)
	}
	// The manager's own store: allowed, and PUT replaces the whole item.
	api.mustDo(t, http.StatusOK, http.MethodPut, "/v1/admin/stores/DEMO01/items/DRK-COLA-330",
		map[string]any{"price": 3.3, "member_price": "2.90", "reorder_point": 12}, manager, &it)
	if it.Price != "3.30" || it.MemberPrice == nil || *it.MemberPrice != "2.90" || it.ReorderPoint != "12" || !it.Active {
		t.Errorf("manager's PUT gave %+v", it)
	}
}
