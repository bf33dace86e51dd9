package http_test

import (
	"net/http"
	"strconv"
	"testing"
)

// newShopper logs a shopper in through the fake WeChat and returns the
// token and the shopper id.
func newShopper(t *testing.T, api *testAPI, openID string) (token, id string) {
	t.Helper()
	code := "code-coupons-" + openID
	api.WeChat.AddCode(code, openID, "")
	var sess shopperSessionJSON
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/mp/sessions", map[string]string{"code": code}, "", &sess)
	return sess.Token, sess.ShopperID
}

// shopperCoupons is GET /v1/mp/coupons as the shopper sees it.
func shopperCoupons(t *testing.T, api *testAPI, token string) []map[string]any {
	t.Helper()
	var list struct {
		Items      []map[string]any `json:"items"`
		NextCursor string           `json:"next_cursor"`
	}
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/mp/coupons", nil, token, &list)
	if list.NextCursor != "" {
		t.Errorf("a cursor after %d coupons", len(list.Items))
	}
	return list.Items
}

// Coupons follow the promotions' rules: managers within their stores, an
// admin for chain-wide ones, clerks not at all.
func TestCouponRolesAndStoreScope(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	manager := api.login(t, "manager1", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	api.newStoreWithManager(t, admin, "SH02", "sh02.manager")
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/coupons", couponBody("MINE5", "amount", nil), manager, nil)
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/coupons",
		couponBody("SH02-5", "amount", map[string]any{"store_codes": []string{"SH02"}}), admin, nil)

	for _, tc := range []struct {
		name, who, method, path string
		body                    any
		status                  int
		reason                  string
	}{
		{"clerk lists", clerk, "GET", "/v1/admin/coupons", nil, 403, "role_insufficient"},
		{"clerk reads", clerk, "GET", "/v1/admin/coupons/MINE5", nil, 403, "role_insufficient"},
		{"clerk creates", clerk, "POST", "/v1/admin/coupons", couponBody("CLERK5", "amount", nil), 403, "role_insufficient"},
		{"clerk grants", clerk, "POST", "/v1/admin/coupons/MINE5/grants", map[string]any{"shopper_id": "1"}, 403, "role_insufficient"},
		{"manager creates for every store", manager, "POST", "/v1/admin/coupons",
			couponBody("ALL5", "amount", map[string]any{"store_codes": []string{}}), 403, "all_stores_needs_admin"},
		{"manager creates for another store", manager, "POST", "/v1/admin/coupons",
			couponBody("SH5", "amount", map[string]any{"store_codes": []string{"SH02"}}), 403, "store_not_assigned"},
		{"manager reads another store's", manager, "GET", "/v1/admin/coupons/SH02-5", nil, 403, "store_not_assigned"},
		{"manager patches another store's", manager, "PATCH", "/v1/admin/coupons/SH02-5", map[string]any{"active": false}, 403, "store_not_assigned"},
		{"manager patches WELCOME5", manager, "PATCH", "/v1/admin/coupons/WELCOME5", map[string]any{"active": false}, 403, "all_stores_needs_admin"},
		{"manager widens own", manager, "PATCH", "/v1/admin/coupons/MINE5", map[string]any{"store_codes": []string{}}, 403, "all_stores_needs_admin"},
		{"manager reads WELCOME5", manager, "GET", "/v1/admin/coupons/WELCOME5", nil, 200, ""},
		{"manager patches own", manager, "PATCH", "/v1/admin/coupons/MINE5", map[string]any{"min_spend": "20"}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, tc.method, tc.path, tc.body, tc.who)
			if tc.status == 200 {
				if resp.StatusCode != 200 {
					t.Fatalf("status %d, want 200; body %s", resp.StatusCode, body)
				}
				return
			}
			wantProblem(t, resp, body, tc.status, "forbidden", tc.reason)
		})
	}
	var list struct {
		Items []map[string]any `json:"items"`
	}
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/coupons", nil, manager, &list)
	if len(list.Items) != 2 || list.Items[0]["code"] != "WELCOME5" || list.Items[1]["code"] != "MINE5" || list.Items[1]["min_spend"] != "20.00" {
		t.Errorf("manager lists %v, want WELCOME5 and MINE5", list.Items)
	}
}

// Granting is idempotent, refused for code coupons and unknown shoppers,
// and the shopper's list shows each granted coupon with its remaining uses.
func TestCouponGrants(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	manager := api.login(t, "manager1", "scanpay-demo")
	aliceToken, aliceID := newShopper(t, api, "alice")
	bobToken, _ := newShopper(t, api, "bob")
	alice, _ := strconv.ParseInt(aliceID, 10, 64)
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/coupons",
		couponBody("GIFT10", "amount", map[string]any{"amount": "10", "granted": true, "per_shopper_limit": 2}), manager, nil)
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/coupons",
		couponBody("VIP", "percent", map[string]any{"granted": true, "store_codes": []string{}, "ends_at": "2025-07-01T00:00:00Z"}), admin, nil)

	api.mustDo(t, http.StatusNoContent, http.MethodPost, "/v1/admin/coupons/gift10/grants", map[string]any{"shopper_id": aliceID}, manager, nil)
	api.mustDo(t, http.StatusNoContent, http.MethodPost, "/v1/admin/coupons/GIFT10/grants", map[string]any{"shopper_id": alice}, manager, nil)
	api.mustDo(t, http.StatusNoContent, http.MethodPost, "/v1/admin/coupons/VIP/grants", map[string]any{"shopper_id": aliceID}, admin, nil)
	for _, tc := range []struct {
		name, who, code string
		body            map[string]any
		status          int
		reason          string
		field           string
	}{
		{"code coupon", admin, "WELCOME5", map[string]any{"shopper_id": aliceID}, 409, "coupon_not_granted_kind", ""},
		{"unknown coupon", admin, "NOPE", map[string]any{"shopper_id": aliceID}, 404, "coupon_not_found", ""},
		{"unknown shopper", admin, "GIFT10", map[string]any{"shopper_id": "12345"}, 422, "shopper_unknown", "shopper_id"},
		{"no shopper", admin, "GIFT10", map[string]any{}, 422, "grant_invalid", "shopper_id"},
		{"shopper id as text", admin, "GIFT10", map[string]any{"shopper_id": "alice"}, 400, "json_field_invalid", "shopper_id"},
		{"shopper id negative", admin, "GIFT10", map[string]any{"shopper_id": -4}, 400, "json_field_invalid", "shopper_id"},
		{"unknown field", admin, "GIFT10", map[string]any{"shopper_id": aliceID, "note": "x"}, 400, "json_field_invalid", "note"},
		{"manager grants a chain-wide coupon", manager, "VIP", map[string]any{"shopper_id": aliceID}, 403, "all_stores_needs_admin", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, http.MethodPost, "/v1/admin/coupons/"+tc.code+"/grants", tc.body, tc.who)
			code := map[int]string{400: "malformed", 403: "forbidden", 404: "not_found", 409: "conflict", 422: "invalid"}[tc.status]
			p := wantProblem(t, resp, body, tc.status, code, tc.reason)
			if tc.field != "" && (len(p.Fields) != 1 || p.Fields[0].Field != tc.field) {
				t.Errorf("fields %v, want [%s]", fieldNames(p), tc.field)
			}
		})
	}

	// The shopper's list: each granted coupon with what is left of it.
	items := shopperCoupons(t, api, aliceToken)
	if len(items) != 2 {
		t.Fatalf("alice's coupons %v, want GIFT10 and VIP", items)
	}
	gift, vip := items[0], items[1]
	if gift["code"] != "GIFT10" || gift["amount"] != "10.00" || gift["remaining_uses"] != float64(2) || gift["usable"] != true ||
		gift["min_spend"] != "0.00" || gift["unusable_reason"] != nil {
		t.Errorf("GIFT10: %v, want usable twice more", gift)
	}
	if vip["code"] != "VIP" || vip["percent"] != "10" || vip["max_discount"] != "8.00" || vip["remaining_uses"] != float64(0) ||
		vip["usable"] != false || vip["unusable_reason"] != "coupon_expired" || vip["message"] == "" {
		t.Errorf("VIP: %v, want expired", vip)
	}
	if items := shopperCoupons(t, api, bobToken); len(items) != 0 {
		t.Errorf("bob's coupons %v, want none", items)
	}
	resp, body := api.do(t, http.MethodGet, "/v1/mp/coupons", nil, admin)
	wantProblem(t, resp, body, 401, "unauthorized", "token_invalid")
	resp, body = api.do(t, http.MethodGet, "/v1/mp/coupons?limit=500", nil, aliceToken)
	wantProblem(t, resp, body, 422, "invalid", "page_invalid")
}
