package http_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// labelRuleDTO is a label rule as the API shows it.
type labelRuleDTO struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Kind            string `json:"kind"`
	Prefix          string `json:"prefix"`
	Length          int    `json:"length"`
	PLUStart        int    `json:"plu_start"`
	PLULength       int    `json:"plu_length"`
	PriceStart      int    `json:"price_start"`
	PriceLength     int    `json:"price_length"`
	WeightStart     int    `json:"weight_start"`
	WeightLength    int    `json:"weight_length"`
	PriceCheckDigit bool   `json:"price_check_digit"`
	CheckDigit      bool   `json:"check_digit"`
}

type labelProblem struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// labelTestDTO is the answer of POST .../label-rules/test.
type labelTestDTO struct {
	Rule         labelRuleDTO  `json:"rule"`
	PLU          string        `json:"plu"`
	Amount       *string       `json:"amount"`
	Weight       *string       `json:"weight"`
	CheckDigitOK bool          `json:"check_digit_ok"`
	PriceCheckOK bool          `json:"price_check_ok"`
	Valid        bool          `json:"valid"`
	Problem      *labelProblem `json:"problem"`
	Item         *itemDTO      `json:"item"`
	ItemProblem  *labelProblem `json:"item_problem"`
	LineAmount   *string       `json:"line_amount"`
}

type labelRuleList struct {
	Items      []labelRuleDTO `json:"items"`
	NextCursor string         `json:"next_cursor"`
}

func (l labelRuleList) names() []string {
	out := make([]string, len(l.Items))
	for i, r := range l.Items {
		out[i] = r.Name
	}
	return out
}

// str shows an optional string field in messages.
func str(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

// labelTest posts code to the store's label test and decodes the answer.
func (a *testAPI) labelTest(t *testing.T, store, code, token string) labelTestDTO {
	t.Helper()
	var out labelTestDTO
	a.mustDo(t, http.StatusOK, http.MethodPost, "/v1/admin/stores/"+store+"/label-rules/test",
		map[string]string{"barcode": code}, token, &out)
	return out
}

// newStoreWithManager adds a store and a manager of it (admin does both).
func (a *testAPI) newStoreWithManager(t *testing.T, admin, code, manager string) string {
	t.Helper()
	a.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/stores", map[string]any{"code": code, "name": "Store " + code}, admin, nil)
	a.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/staff", map[string]any{"username": manager,
		"password": "a-long-password", "role": "manager", "store_codes": []string{code}}, admin, nil)
	return a.login(t, manager, "a-long-password")
}

// The three label layouts of DESIGN §4 through the real router on
// MariaDB, in a store of their own (DEMO01's seeded rules would overlap).
func TestLabelRuleLayouts(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	mgr := api.newStoreWithManager(t, admin, "LBL01", "lbl.manager")
	const rules = "/v1/admin/stores/LBL01/label-rules"

	// 13-digit price label: 2 1 06013 04008 3.
	var price labelRuleDTO
	api.mustDo(t, http.StatusCreated, http.MethodPost, rules, map[string]any{"name": "Price 21", "prefix": "21", "length": 13,
		"plu_start": 2, "plu_length": 5, "price_start": 7, "price_length": 5}, mgr, &price)
	if price.ID == "" || price.Kind != "price" || !price.CheckDigit || price.PriceCheckDigit {
		t.Errorf("price rule %+v: want an id, kind price, check digit on by default", price)
	}
	got := api.labelTest(t, "LBL01", "2106013040083", mgr)
	if got.Rule.ID != price.ID || got.PLU != "06013" || str(got.Amount) != "40.08" || got.Weight != nil ||
		!got.CheckDigitOK || got.PriceCheckOK || !got.Valid || got.Problem != nil {
		t.Errorf("2106013040083: %+v; want PLU 06013, ¥40.08, check digit ok, valid", got)
	}
	if got.Item != nil || got.ItemProblem == nil || got.ItemProblem.Reason != "plu_unknown" || str(got.LineAmount) != "40.08" {
		t.Errorf("2106013040083 with no item of PLU 6013: item %+v, item_problem %+v, line %s; want none, plu_unknown, the printed 40.08",
			got.Item, got.ItemProblem, str(got.LineAmount))
	}

	// 13-digit weight label priced at the item's per-kg price.
	var weight labelRuleDTO
	api.mustDo(t, http.StatusCreated, http.MethodPost, rules, map[string]any{"name": "Weight 22", "prefix": "22", "length": 13,
		"plu_start": 2, "plu_length": 5, "weight_start": 7, "weight_length": 5, "check_digit": true}, mgr, &weight)
	if weight.Kind != "weight" {
		t.Errorf("weight rule kind %q, want weight", weight.Kind)
	}
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/products", map[string]any{"sku": "T-PORK",
		"name": "Pork belly", "unit": "kg", "tax_rate": "0"}, admin, nil)
	var item itemDTO
	api.mustDo(t, http.StatusOK, http.MethodPut, "/v1/admin/stores/LBL01/items/T-PORK",
		map[string]any{"price": "39.80", "plu": "06013"}, mgr, &item)
	if item.PLU != "6013" || item.Price != "39.80" {
		t.Fatalf("item %+v: want PLU 6013 (leading zero dropped) at 39.80", item)
	}
	got = api.labelTest(t, "LBL01", "2206013004587", mgr)
	if got.Rule.ID != weight.ID || got.PLU != "06013" || str(got.Weight) != "0.458" || got.Amount != nil || !got.Valid {
		t.Errorf("2206013004587: %+v; want weight 0.458 kg, no amount, valid", got)
	}
	// 0.458 kg × ¥39.80 = 18.2284 → 18.23
	if got.Item == nil || got.Item.SKU != "T-PORK" || got.ItemProblem != nil || str(got.LineAmount) != "18.23" {
		t.Errorf("2206013004587: item %+v, item_problem %+v, line %s; want T-PORK and 18.23", got.Item, got.ItemProblem, str(got.LineAmount))
	}
	// A price label keeps its printed amount, whatever the per-kg price.
	if got := api.labelTest(t, "LBL01", "2106013040083", mgr); got.Item == nil || got.Item.SKU != "T-PORK" || str(got.LineAmount) != "40.08" {
		t.Errorf("2106013040083 with the item: %+v; want T-PORK at the printed 40.08", got)
	}

	// 18-digit Code 128 label with weight and amount and no check digit.
	var both labelRuleDTO
	api.mustDo(t, http.StatusCreated, http.MethodPost, rules, map[string]any{"name": "Code 128 28", "prefix": "28", "length": 18,
		"plu_start": 2, "plu_length": 5, "weight_start": 7, "weight_length": 5, "price_start": 12, "price_length": 6,
		"check_digit": false}, mgr, &both)
	if both.Kind != "price" || both.CheckDigit || both.Length != 18 {
		t.Errorf("18-digit rule %+v: want kind price (the amount is printed), no check digit", both)
	}
	got = api.labelTest(t, "LBL01", "280601300458001832", mgr)
	if got.Rule.ID != both.ID || got.PLU != "06013" || str(got.Weight) != "0.458" || str(got.Amount) != "18.32" ||
		got.CheckDigitOK || !got.Valid || str(got.LineAmount) != "18.32" || got.Item == nil {
		t.Errorf("280601300458001832: %+v; want weight 0.458, amount and line 18.32, valid without a check digit", got)
	}

	// A wrong check digit still reads, to show staff what was printed.
	got = api.labelTest(t, "LBL01", "2106013040084", mgr)
	if got.Valid || got.Problem == nil || got.Problem.Reason != "label_check_digit" || got.CheckDigitOK ||
		got.PLU != "06013" || str(got.Amount) != "40.08" {
		t.Errorf("2106013040084: %+v; want valid false, label_check_digit, fields still shown", got)
	}

	var list labelRuleList
	api.mustDo(t, http.StatusOK, http.MethodGet, rules, nil, mgr, &list)
	if want := []string{"Price 21", "Weight 22", "Code 128 28"}; !slices.Equal(list.names(), want) || list.NextCursor != "" {
		t.Errorf("rules %q cursor %q, want %q oldest first and no cursor", list.names(), list.NextCursor, want)
	}
}

// Bad rules and codes are refused with a reason and change nothing.
func TestLabelRuleRefusals(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	mgr := api.newStoreWithManager(t, admin, "LBL02", "lbl2.manager")
	const rules = "/v1/admin/stores/LBL02/label-rules"
	var price labelRuleDTO
	api.mustDo(t, http.StatusCreated, http.MethodPost, rules, map[string]any{"name": "Price 21", "prefix": "21", "length": 13,
		"plu_start": 2, "plu_length": 5, "price_start": 7, "price_length": 5}, mgr, &price)

	// Prefix 2 would read every 13-digit code prefix 21 reads.
	resp, body := api.do(t, http.MethodPost, rules, map[string]any{"name": "All 2", "prefix": "2", "length": 13,
		"plu_start": 1, "plu_length": 5, "price_start": 6, "price_length": 5}, mgr)
	if p := wantProblem(t, resp, body, http.StatusConflict, "conflict", "label_rule_overlap"); !strings.Contains(p.Detail, "Price 21") {
		t.Errorf("overlap detail %q does not name the rule it overlaps", p.Detail)
	}

	for _, tc := range []struct {
		name   string
		body   map[string]any
		fields []string
	}{
		{"PLU inside the prefix, price into the check digit", map[string]any{"name": "x", "prefix": "23", "length": 13,
			"plu_start": 1, "plu_length": 5, "price_start": 10, "price_length": 5}, []string{"plu_start", "price_length"}},
		{"weight past the end of an 18-digit label", map[string]any{"name": "x", "prefix": "27", "length": 18, "check_digit": false,
			"plu_start": 2, "plu_length": 5, "weight_start": 14, "weight_length": 5}, []string{"weight_length"}},
		{"fields overlap", map[string]any{"name": "x", "prefix": "24", "length": 13,
			"plu_start": 2, "plu_length": 5, "price_start": 6, "price_length": 5}, []string{"price_start"}},
		{"no value field, start without length", map[string]any{"name": "x", "prefix": "25", "length": 13,
			"plu_start": 2, "plu_length": 5, "weight_start": 7}, []string{"price_length", "weight_start"}},
		{"a real products' prefix", map[string]any{"name": "x", "prefix": "69", "length": 13,
			"plu_start": 2, "plu_length": 5, "price_start": 7, "price_length": 5}, []string{"prefix"}},
		{"length and name", map[string]any{"name": "", "prefix": "26", "length": 30,
			"plu_start": 2, "plu_length": 5, "price_start": 7, "price_length": 5}, []string{"name", "length"}},
		{"price check digit on a 6-digit price", map[string]any{"name": "x", "prefix": "28", "length": 18, "check_digit": false,
			"plu_start": 2, "plu_length": 5, "price_start": 12, "price_length": 6, "price_check_digit": true}, []string{"price_check_digit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, http.MethodPost, rules, tc.body, mgr)
			p := wantProblem(t, resp, body, http.StatusUnprocessableEntity, "invalid", "label_rule_invalid")
			if got := fieldNames(p); !slices.Equal(got, tc.fields) {
				t.Errorf("fields %q, want %q; body %s", got, tc.fields, body)
			}
		})
	}
	resp, body = api.do(t, http.MethodPost, rules, map[string]any{"name": "x", "prefix": "21", "length": 13, "plu_start": 2,
		"plu_length": 5, "price_start": 7, "price_length": 5, "colour": "red"}, mgr)
	wantProblem(t, resp, body, http.StatusBadRequest, "malformed", "json_field_invalid")

	// A code no rule reads names the field; an empty one is invalid.
	resp, body = api.do(t, http.MethodPost, rules+"/test", map[string]string{"barcode": "2912345678903"}, mgr)
	if p := wantProblem(t, resp, body, http.StatusNotFound, "not_found", "label_rule_miss"); !slices.Equal(fieldNames(p), []string{"barcode"}) {
		t.Errorf("label_rule_miss fields %q, want [barcode]", fieldNames(p))
	}
	resp, body = api.do(t, http.MethodPost, rules+"/test", map[string]string{"barcode": " "}, mgr)
	wantProblem(t, resp, body, http.StatusUnprocessableEntity, "invalid", "label_test_invalid")

	var list labelRuleList
	api.mustDo(t, http.StatusOK, http.MethodGet, rules, nil, mgr, &list)
	if len(list.Items) != 1 || list.Items[0].ID != price.ID {
		t.Fatalf("rules after the refusals: %q, want only Price 21", list.names())
	}

	// Delete: 204, then the rule is gone and its labels no longer read.
	api.mustDo(t, http.StatusNoContent, http.MethodDelete, rules+"/"+price.ID, nil, mgr, nil)
	resp, body = api.do(t, http.MethodDelete, rules+"/"+price.ID, nil, mgr)
	wantProblem(t, resp, body, http.StatusNotFound, "not_found", "label_rule_not_found")
	resp, body = api.do(t, http.MethodDelete, rules+"/not-a-number", nil, mgr)
	wantProblem(t, resp, body, http.StatusNotFound, "not_found", "label_rule_not_found")
	resp, body = api.do(t, http.MethodPost, rules+"/test", map[string]string{"barcode": "2106013040083"}, mgr)
	wantProblem(t, resp, body, http.StatusNotFound, "not_found", "label_rule_miss")
	api.mustDo(t, http.StatusOK, http.MethodGet, rules, nil, mgr, &list)
	if len(list.Items) != 0 {
		t.Errorf("rules after delete: %q, want none", list.names())
	}
}

// Label rules are for managers of the store and admins: clerks and
// managers of other stores are refused before anything is looked up.
func TestLabelRuleRoles(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	manager := api.login(t, "manager1", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	other := api.newStoreWithManager(t, admin, "LBL03", "lbl3.manager")
	var theirs labelRuleDTO
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/stores/LBL03/label-rules", map[string]any{"name": "Weight 22",
		"prefix": "22", "length": 13, "plu_start": 2, "plu_length": 5, "weight_start": 7, "weight_length": 5}, other, &theirs)

	rule := map[string]any{"name": "x", "prefix": "23", "length": 13, "plu_start": 2, "plu_length": 5, "price_start": 7, "price_length": 5}
	test := map[string]string{"barcode": "2106013040083"}
	for _, tc := range []struct {
		name, who, method, path string
		body                    any
		reason                  string
	}{
		{"clerk lists", clerk, "GET", "/v1/admin/stores/DEMO01/label-rules", nil, "role_insufficient"},
		{"clerk creates", clerk, "POST", "/v1/admin/stores/DEMO01/label-rules", rule, "role_insufficient"},
		{"clerk tests", clerk, "POST", "/v1/admin/stores/DEMO01/label-rules/test", test, "role_insufficient"},
		{"clerk deletes", clerk, "DELETE", "/v1/admin/stores/DEMO01/label-rules/1", nil, "role_insufficient"},
		{"clerk deletes a bad id", clerk, "DELETE", "/v1/admin/stores/DEMO01/label-rules/x", nil, "role_insufficient"},
		{"manager lists another store", manager, "GET", "/v1/admin/stores/LBL03/label-rules", nil, "store_not_assigned"},
		{"manager creates in another store", manager, "POST", "/v1/admin/stores/LBL03/label-rules", rule, "store_not_assigned"},
		{"manager tests in another store", manager, "POST", "/v1/admin/stores/LBL03/label-rules/test", test, "store_not_assigned"},
		{"manager deletes another store's rule", manager, "DELETE", "/v1/admin/stores/LBL03/label-rules/" + theirs.ID, nil, "store_not_assigned"},
		{"manager of an unknown store", manager, "GET", "/v1/admin/stores/NOPE9/label-rules", nil, "store_not_assigned"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, tc.method, tc.path, tc.body, tc.who)
			wantProblem(t, resp, body, http.StatusForbidden, "forbidden", tc.reason)
		})
	}
	resp, body := api.do(t, http.MethodGet, "/v1/admin/stores/NOPE9/label-rules", nil, admin)
	wantProblem(t, resp, body, http.StatusNotFound, "not_found", "store_not_found")
	// Another store's rule id is not this store's rule.
	resp, body = api.do(t, http.MethodDelete, "/v1/admin/stores/DEMO01/label-rules/"+theirs.ID, nil, manager)
	wantProblem(t, resp, body, http.StatusNotFound, "not_found", "label_rule_not_found")

	var list labelRuleList
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/stores/LBL03/label-rules", nil, admin, &list)
	if len(list.Items) != 1 || list.Items[0].ID != theirs.ID {
		t.Errorf("LBL03 rules %q after the refusals, want only Weight 22", list.names())
	}
}

// DEMO01's seeded rules read the README's demo labels: the manager of the
// store sees them through the test endpoint.
func TestDemoLabels(t *testing.T) {
	api := newTestAPI(t)
	manager := api.login(t, "manager1", "scanpay-demo")
	var list labelRuleList
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/stores/DEMO01/label-rules", nil, manager, &list)
	if want := []string{"Scale price label 21", "Scale weight label 22"}; !slices.Equal(list.names(), want) {
		t.Fatalf("DEMO01 rules %q, want %q", list.names(), want)
	}
	for _, tc := range []struct{ code, kind, line string }{
		{"2106013040083", "price", "40.08"},
		{"2206013004587", "weight", "18.23"},
	} {
		got := api.labelTest(t, "DEMO01", tc.code, manager)
		if !got.Valid || got.Rule.Kind != tc.kind || got.Item == nil || got.Item.SKU != "FRS-PORK-BELLY" || str(got.LineAmount) != tc.line {
			t.Errorf("%s: %+v; want a valid %s label of FRS-PORK-BELLY, line %s", tc.code, got, tc.kind, tc.line)
		}
	}
}
