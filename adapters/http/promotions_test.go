package http_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"testing"
)

// promotionList is the shape of GET /v1/admin/promotions.
type promotionList struct {
	Items      []map[string]any `json:"items"`
	NextCursor string           `json:"next_cursor"`
}

func (l promotionList) names() []string {
	out := make([]string, len(l.Items))
	for i, it := range l.Items {
		out[i], _ = it["name"].(string)
	}
	return out
}

// promotionBody is a valid POST body of a kind, changed by over.
func promotionBody(kind string, over map[string]any) map[string]any {
	b := map[string]any{"name": "Test " + kind, "kind": kind, "store_codes": []string{"DEMO01"},
		"skus": []string{"DRK-COLA-330"}, "starts_at": "2025-06-01T00:00:00Z", "ends_at": "2035-06-01T00:00:00Z"}
	switch kind {
	case "percent_off":
		b["percent"] = "15"
	case "special_price":
		b["price"] = "2.50"
	case "multi_buy":
		b["quantity"], b["bundle_price"] = 4, "10"
	case "buy_get":
		b["buy_quantity"], b["get_quantity"] = 2, 1
	case "threshold":
		delete(b, "skus")
		b["min_amount"], b["discount_amount"] = "100", "10.5"
	}
	maps.Copy(b, over)
	for k, v := range b {
		if v == nil {
			delete(b, k)
		}
	}
	return b
}

func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// Each kind shows exactly the parameters it uses, money with two decimals;
// the window and the switch change by PATCH, the kind never does.
func TestPromotionShapesAndPatch(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	common := []string{"active", "categories", "created_at", "ends_at", "id", "kind", "name", "skus", "starts_at", "store_codes", "updated_at"}
	for kind, params := range map[string]map[string]any{
		"percent_off":   {"percent": "15"},
		"special_price": {"price": "2.50"},
		"multi_buy":     {"quantity": float64(4), "bundle_price": "10.00"},
		"buy_get":       {"buy_quantity": float64(2), "get_quantity": float64(1)},
		"threshold":     {"min_amount": "100.00", "discount_amount": "10.50"},
	} {
		var got map[string]any
		api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/promotions", promotionBody(kind, nil), admin, &got)
		want := slices.Sorted(slices.Values(append(slices.Clone(common), slices.Collect(maps.Keys(params))...)))
		if !slices.Equal(keys(got), want) {
			t.Errorf("%s: fields %v, want %v", kind, keys(got), want)
		}
		for k, v := range params {
			if got[k] != v {
				t.Errorf("%s: %s = %#v, want %#v", kind, k, got[k], v)
			}
		}
		if got["starts_at"] != "2025-06-01T00:00:00Z" || got["active"] != true || got["kind"] != kind {
			t.Errorf("%s: %v", kind, got)
		}
	}

	var p map[string]any
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/promotions",
		promotionBody("percent_off", map[string]any{"store_codes": []string{}, "skus": nil, "categories": []string{"snacks"},
			"starts_at": "2025-06-01T10:00:00+08:00"}), admin, &p)
	path := "/v1/admin/promotions/" + p["id"].(string)
	if p["starts_at"] != "2025-06-01T02:00:00Z" || len(p["store_codes"].([]any)) != 0 || len(p["skus"].([]any)) != 0 {
		t.Errorf("created %v: want the start in UTC, every store, no skus", p)
	}
	var patched map[string]any
	api.mustDo(t, http.StatusOK, http.MethodPatch, path, map[string]any{"ends_at": "2026-01-01T00:00:00Z", "active": false, "percent": 20}, admin, &patched)
	if patched["ends_at"] != "2026-01-01T00:00:00Z" || patched["active"] != false || patched["percent"] != "20" || patched["name"] != p["name"] {
		t.Errorf("patched %v", patched)
	}
	var again map[string]any
	api.mustDo(t, http.StatusOK, http.MethodGet, path, nil, admin, &again)
	if a, _ := json.Marshal(again); string(a) != mustJSON(t, patched) {
		t.Errorf("GET after PATCH %s, PATCH answered %s", a, mustJSON(t, patched))
	}
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"kind": "threshold"}, "kind"},
		{map[string]any{"ends_at": "2025-05-01T00:00:00Z"}, "ends_at"},
		{map[string]any{"price": "1.00"}, "price"},
		{map[string]any{"skus": []string{}, "categories": []string{}}, "skus"},
	} {
		resp, body := api.do(t, http.MethodPatch, path, tc.body, admin)
		if pr := wantProblem(t, resp, body, 422, "invalid", "promotion_invalid"); !slices.Equal(fieldNames(pr), []string{tc.field}) {
			t.Errorf("PATCH %v: fields %v, want [%s]", tc.body, fieldNames(pr), tc.field)
		}
	}
	api.mustDo(t, http.StatusOK, http.MethodGet, path, nil, admin, &again)
	if mustJSON(t, again) != mustJSON(t, patched) {
		t.Errorf("refused PATCHes changed the promotion: %v", again)
	}
	resp, body := api.do(t, http.MethodGet, "/v1/admin/promotions/123", nil, admin)
	wantProblem(t, resp, body, 404, "not_found", "promotion_not_found")
	resp, body = api.do(t, http.MethodGet, "/v1/admin/promotions/abc", nil, admin)
	wantProblem(t, resp, body, 404, "not_found", "promotion_not_found")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every bad field is named: 400 for what cannot be read, 422 for rules.
func TestPromotionBadInput(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	var before promotionList
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/promotions", nil, admin, &before)
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		reason string
		fields []string
	}{
		{"unknown field", promotionBody("percent_off", map[string]any{"discount": "5"}), 400, "json_field_invalid", []string{"discount"}},
		{"id is not writable", promotionBody("percent_off", map[string]any{"id": "1"}), 400, "json_field_invalid", []string{"id"}},
		{"percent as bool", promotionBody("percent_off", map[string]any{"percent": true}), 400, "json_field_invalid", []string{"percent"}},
		{"quantity as text", promotionBody("multi_buy", map[string]any{"quantity": "3"}), 400, "json_field_invalid", []string{"quantity"}},
		{"starts_at not RFC 3339", promotionBody("percent_off", map[string]any{"starts_at": "2025-06-01"}), 400, "json_field_invalid", []string{"starts_at"}},
		{"skus not a list", promotionBody("percent_off", map[string]any{"skus": "DRK-COLA-330"}), 400, "json_field_invalid", []string{"skus"}},
		{"no name", promotionBody("percent_off", map[string]any{"name": nil}), 422, "promotion_invalid", []string{"name"}},
		{"unknown kind", promotionBody("bogus", nil), 422, "promotion_invalid", []string{"kind"}},
		{"percent 100", promotionBody("percent_off", map[string]any{"percent": "100"}), 422, "promotion_invalid", []string{"percent"}},
		{"price of 3 decimals", promotionBody("special_price", map[string]any{"price": "2.505"}), 422, "promotion_invalid", []string{"price"}},
		{"price on percent_off", promotionBody("percent_off", map[string]any{"price": "3.00"}), 422, "promotion_invalid", []string{"price"}},
		{"percent on multi_buy", promotionBody("multi_buy", map[string]any{"percent": "5"}), 422, "promotion_invalid", []string{"percent"}},
		{"multi_buy without bundle_price", promotionBody("multi_buy", map[string]any{"bundle_price": nil}), 422, "promotion_invalid", []string{"bundle_price"}},
		{"multi_buy of 1", promotionBody("multi_buy", map[string]any{"quantity": 1}), 422, "promotion_invalid", []string{"quantity"}},
		{"buy_get get 0", promotionBody("buy_get", map[string]any{"get_quantity": 0}), 422, "promotion_invalid", []string{"get_quantity"}},
		{"threshold with skus", promotionBody("threshold", map[string]any{"skus": []string{"X"}}), 422, "promotion_invalid", []string{"skus"}},
		{"threshold saving it all", promotionBody("threshold", map[string]any{"discount_amount": "100"}), 422, "promotion_invalid", []string{"discount_amount"}},
		{"item promotion on nothing", promotionBody("percent_off", map[string]any{"skus": nil}), 422, "promotion_invalid", []string{"skus"}},
		{"bad sku", promotionBody("percent_off", map[string]any{"skus": []string{"no spaces"}}), 422, "promotion_invalid", []string{"skus"}},
		{"bad store code", promotionBody("percent_off", map[string]any{"store_codes": []string{"x"}}), 422, "promotion_invalid", []string{"store_codes"}},
		{"unknown store", promotionBody("percent_off", map[string]any{"store_codes": []string{"NOPE9"}}), 422, "store_unknown", []string{"store_codes"}},
		{"ends before it starts", promotionBody("percent_off", map[string]any{"ends_at": "2025-05-31T23:59:59Z"}), 422, "promotion_invalid", []string{"ends_at"}},
		{"no window", promotionBody("percent_off", map[string]any{"starts_at": nil, "ends_at": nil}), 422, "promotion_invalid", []string{"starts_at", "ends_at"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, http.MethodPost, "/v1/admin/promotions", tc.body, admin)
			code := map[int]string{400: "malformed", 422: "invalid"}[tc.status]
			p := wantProblem(t, resp, body, tc.status, code, tc.reason)
			if !slices.Equal(fieldNames(p), tc.fields) {
				t.Errorf("fields %q, want %q; body %s", fieldNames(p), tc.fields, body)
			}
		})
	}
	var after promotionList
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/promotions", nil, admin, &after)
	if !slices.Equal(after.names(), before.names()) {
		t.Errorf("refused requests created promotions: %v, was %v", after.names(), before.names())
	}
}
