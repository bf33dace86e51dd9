package http_test

import (
	"maps"
	"net/http"
	"slices"
	"testing"
)

// couponBody is a valid POST body of a kind, changed by over (nil values
// remove a field).
func couponBody(code, kind string, over map[string]any) map[string]any {
	b := map[string]any{"code": code, "name": "Test " + code, "kind": kind, "store_codes": []string{"DEMO01"},
		"starts_at": "2025-06-01T00:00:00Z", "ends_at": "2035-06-01T00:00:00Z"}
	if kind == "percent" {
		b["percent"], b["max_discount"] = "10", "8"
	} else {
		b["amount"] = "5"
	}
	maps.Copy(b, over)
	for k, v := range b {
		if v == nil {
			delete(b, k)
		}
	}
	return b
}

// The demo's WELCOME5 and new coupons of both kinds show only the fields
// their kind uses; codes are found in any case and never change.
func TestCouponShapesAndPatch(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	common := []string{"active", "code", "created_at", "ends_at", "granted", "id", "kind", "min_spend", "name",
		"per_shopper_limit", "starts_at", "store_codes", "total_limit", "updated_at"}

	var welcome map[string]any
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/coupons/welcome5", nil, admin, &welcome)
	if !slices.Equal(keys(welcome), slices.Sorted(slices.Values(append(slices.Clone(common), "amount")))) ||
		welcome["code"] != "WELCOME5" || welcome["amount"] != "5.00" || welcome["min_spend"] != "30.00" || welcome["granted"] != false ||
		welcome["per_shopper_limit"] != float64(1) || welcome["total_limit"] != float64(0) || len(welcome["store_codes"].([]any)) != 0 {
		t.Errorf("WELCOME5 = %v", welcome)
	}

	var pct map[string]any
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/coupons",
		couponBody(" ten-off ", "percent", map[string]any{"min_spend": 50, "total_limit": 1000, "granted": true}), admin, &pct)
	if !slices.Equal(keys(pct), slices.Sorted(slices.Values(append(slices.Clone(common), "percent", "max_discount")))) ||
		pct["code"] != "TEN-OFF" || pct["percent"] != "10" || pct["max_discount"] != "8.00" || pct["min_spend"] != "50.00" ||
		pct["total_limit"] != float64(1000) || pct["granted"] != true || pct["active"] != true {
		t.Errorf("created %v", pct)
	}
	var patched map[string]any
	api.mustDo(t, http.StatusOK, http.MethodPatch, "/v1/admin/coupons/Ten-Off",
		map[string]any{"max_discount": "0", "active": false, "ends_at": "2030-01-01T08:00:00+08:00"}, admin, &patched)
	if _, capped := patched["max_discount"]; capped || patched["active"] != false || patched["ends_at"] != "2030-01-01T00:00:00Z" {
		t.Errorf("patched %v: want no cap, inactive, the new end in UTC", patched)
	}
	var again map[string]any
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/coupons/TEN-OFF", nil, admin, &again)
	if mustJSON(t, again) != mustJSON(t, patched) {
		t.Errorf("GET %v after PATCH %v", again, patched)
	}

	for _, tc := range []struct {
		name, method, path string
		body               map[string]any
		status             int
		reason             string
		fields             []string
	}{
		{"duplicate code", "POST", "/v1/admin/coupons", couponBody("welcome5", "amount", nil), 409, "coupon_code_taken", nil},
		{"code with a space", "POST", "/v1/admin/coupons", couponBody("WEL COME", "amount", nil), 422, "coupon_invalid", []string{"code"}},
		{"no code", "POST", "/v1/admin/coupons", couponBody("", "amount", nil), 422, "coupon_invalid", []string{"code"}},
		{"no kind", "POST", "/v1/admin/coupons", couponBody("NEW1", "amount", map[string]any{"kind": nil, "amount": nil}), 422, "coupon_invalid", []string{"kind"}},
		{"unknown kind", "POST", "/v1/admin/coupons", couponBody("NEW1", "gift", map[string]any{"amount": nil}), 422, "coupon_invalid", []string{"kind"}},
		{"amount missing", "POST", "/v1/admin/coupons", couponBody("NEW1", "amount", map[string]any{"amount": nil}), 422, "coupon_invalid", []string{"amount"}},
		{"percent on an amount coupon", "POST", "/v1/admin/coupons", couponBody("NEW1", "amount", map[string]any{"percent": "5"}), 422, "coupon_invalid", []string{"percent"}},
		{"max_discount on an amount coupon", "POST", "/v1/admin/coupons", couponBody("NEW1", "amount", map[string]any{"max_discount": "5"}), 422, "coupon_invalid", []string{"max_discount"}},
		{"amount on a percent coupon", "POST", "/v1/admin/coupons", couponBody("NEW1", "percent", map[string]any{"amount": "5"}), 422, "coupon_invalid", []string{"amount"}},
		{"percent 0", "POST", "/v1/admin/coupons", couponBody("NEW1", "percent", map[string]any{"percent": "0"}), 422, "coupon_invalid", []string{"percent"}},
		{"min_spend negative", "POST", "/v1/admin/coupons", couponBody("NEW1", "amount", map[string]any{"min_spend": "-1"}), 422, "coupon_invalid", []string{"min_spend"}},
		{"per_shopper_limit 0", "POST", "/v1/admin/coupons", couponBody("NEW1", "amount", map[string]any{"per_shopper_limit": 0}), 422, "coupon_invalid", []string{"per_shopper_limit"}},
		{"total_limit -1", "POST", "/v1/admin/coupons", couponBody("NEW1", "amount", map[string]any{"total_limit": -1}), 422, "coupon_invalid", []string{"total_limit"}},
		{"ends before it starts", "POST", "/v1/admin/coupons", couponBody("NEW1", "amount", map[string]any{"ends_at": "2025-01-01T00:00:00Z"}), 422, "coupon_invalid", []string{"ends_at"}},
		{"unknown store", "POST", "/v1/admin/coupons", couponBody("NEW1", "amount", map[string]any{"store_codes": []string{"NOPE9"}}), 422, "store_unknown", []string{"store_codes"}},
		{"amount as bool", "POST", "/v1/admin/coupons", couponBody("NEW1", "amount", map[string]any{"amount": false}), 400, "json_field_invalid", []string{"amount"}},
		{"ends_at as number", "POST", "/v1/admin/coupons", couponBody("NEW1", "amount", map[string]any{"ends_at": 2035}), 400, "json_field_invalid", []string{"ends_at"}},
		{"unknown field", "POST", "/v1/admin/coupons", couponBody("NEW1", "amount", map[string]any{"remaining": 3}), 400, "json_field_invalid", []string{"remaining"}},
		{"patch the code", "PATCH", "/v1/admin/coupons/TEN-OFF", map[string]any{"code": "ELEVEN"}, 400, "json_field_invalid", []string{"code"}},
		{"patch the kind", "PATCH", "/v1/admin/coupons/TEN-OFF", map[string]any{"kind": "amount"}, 422, "coupon_invalid", []string{"kind"}},
		{"patch an unused field in", "PATCH", "/v1/admin/coupons/TEN-OFF", map[string]any{"amount": "3"}, 422, "coupon_invalid", []string{"amount"}},
		{"patch the window inside out", "PATCH", "/v1/admin/coupons/TEN-OFF", map[string]any{"starts_at": "2031-01-01T00:00:00Z"}, 422, "coupon_invalid", []string{"ends_at"}},
		{"patch an unknown coupon", "PATCH", "/v1/admin/coupons/NOPE", map[string]any{"active": true}, 404, "coupon_not_found", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, tc.method, tc.path, tc.body, admin)
			code := map[int]string{400: "malformed", 404: "not_found", 409: "conflict", 422: "invalid"}[tc.status]
			p := wantProblem(t, resp, body, tc.status, code, tc.reason)
			if tc.fields != nil && !slices.Equal(fieldNames(p), tc.fields) {
				t.Errorf("fields %q, want %q; body %s", fieldNames(p), tc.fields, body)
			}
		})
	}
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/coupons/TEN-OFF", nil, admin, &again)
	if mustJSON(t, again) != mustJSON(t, patched) {
		t.Errorf("refused requests changed the coupon: %v", again)
	}
	var list struct {
		Items []map[string]any `json:"items"`
	}
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/coupons", nil, admin, &list)
	if len(list.Items) != 2 || list.Items[0]["code"] != "WELCOME5" || list.Items[1]["code"] != "TEN-OFF" {
		t.Errorf("coupons %v, want WELCOME5 and TEN-OFF", list.Items)
	}
}
