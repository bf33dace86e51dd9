package http_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/app"
)

// The callers of the role matrix, in column order: DEMO01's admin,
// manager and clerk; a manager and a clerk of another store (SEC02); a
// shopper's token; no token at all.
const (
	asAdmin = iota
	asManager
	asClerk
	asOtherManager
	asOtherClerk
	asShopper
	asNobody
	callerCount
)

var callerNames = [callerCount]string{"admin", "manager", "clerk", "manager of SEC02", "clerk of SEC02", "shopper token", "no token"}

// roleRequest is what one caller sends to one route; it is built per call
// so a call that uses something up (an exit pass, a label rule to delete)
// gets a fresh one and the table does not depend on the order of calls.
type roleRequest struct {
	path    string
	body    any
	headers []string
}

// roleTable is the expected status of every /v1/admin route per caller
// (columns as callerNames). It follows DESIGN §5: admin everything;
// manager catalog, prices, promotions, coupons, refunds, reports, entry
// code and label rules (read and write) for their stores; clerk stock,
// exit checks and order lookup for their stores; the chain-wide catalog (products) is read
// by every staff member and written by any manager.
//
// 403 vs 404 for staff of another store is what the code does on purpose:
//   - a store in the path (stores/{code}/...) is named by the caller, so
//     naming one that is not theirs is 403 store_not_assigned (its code is
//     no secret; the entry code poster hangs at the door);
//   - an order, exit check or refund of another store is 404: its number
//     must not be probed, so "not yours" and "no such" answer the same;
//   - a promotion or coupon scoped to other stores is 403 (authorizeView
//     in app): its id or code is no secret, coupon codes are printed;
//   - imports are chain-wide (the catalog is shared), so any manager may
//     follow any import.
var roleTable = map[string][callerCount]int{
	// columns:                                        admin mgr clerk SEC02-mgr SEC02-clerk shopper none
	"POST /v1/admin/sessions":                         {201, 201, 201, 201, 201, 201, 201}, // public: the body's credentials count
	"GET /v1/admin/me":                                {200, 200, 200, 200, 200, 401, 401},
	"GET /v1/admin/staff":                             {200, 403, 403, 403, 403, 401, 401},
	"POST /v1/admin/staff":                            {201, 403, 403, 403, 403, 401, 401},
	"GET /v1/admin/staff/:id":                         {200, 403, 403, 403, 403, 401, 401},
	"PATCH /v1/admin/staff/:id":                       {200, 403, 403, 403, 403, 401, 401},
	"GET /v1/admin/stores":                            {200, 200, 200, 200, 200, 401, 401}, // each sees their own stores only
	"POST /v1/admin/stores":                           {201, 403, 403, 403, 403, 401, 401},
	"GET /v1/admin/stores/:code":                      {200, 200, 200, 403, 403, 401, 401},
	"PATCH /v1/admin/stores/:code":                    {200, 403, 403, 403, 403, 401, 401},
	"GET /v1/admin/stores/:code/entry-code":           {200, 200, 403, 403, 403, 401, 401},
	"GET /v1/admin/products":                          {200, 200, 200, 200, 200, 401, 401},
	"POST /v1/admin/products":                         {201, 201, 403, 201, 403, 401, 401},
	"GET /v1/admin/products/:sku":                     {200, 200, 200, 200, 200, 401, 401},
	"PATCH /v1/admin/products/:sku":                   {200, 200, 403, 200, 403, 401, 401},
	"POST /v1/admin/products/imports":                 {202, 202, 403, 202, 403, 401, 401},
	"GET /v1/admin/imports":                           {200, 200, 403, 200, 403, 401, 401},
	"GET /v1/admin/imports/:id":                       {200, 200, 403, 200, 403, 401, 401},
	"GET /v1/admin/stores/:code/items":                {200, 200, 200, 403, 403, 401, 401},
	"GET /v1/admin/stores/:code/items.csv":            {200, 200, 200, 403, 403, 401, 401},
	"GET /v1/admin/stores/:code/items/:sku":           {200, 200, 200, 403, 403, 401, 401},
	"PUT /v1/admin/stores/:code/items/:sku":           {200, 200, 403, 403, 403, 401, 401},
	"POST /v1/admin/stores/:code/stock-movements":     {201, 201, 201, 403, 403, 401, 401},
	"GET /v1/admin/stores/:code/stock":                {200, 200, 200, 403, 403, 401, 401},
	"GET /v1/admin/stores/:code/stock/:sku/movements": {200, 200, 200, 403, 403, 401, 401},
	"GET /v1/admin/stores/:code/stock-alerts":         {200, 200, 200, 403, 403, 401, 401},
	"GET /v1/admin/stores/:code/label-rules":          {200, 200, 403, 403, 403, 401, 401},
	"POST /v1/admin/stores/:code/label-rules":         {201, 201, 403, 403, 403, 401, 401},
	"POST /v1/admin/stores/:code/label-rules/test":    {200, 200, 403, 403, 403, 401, 401},
	"DELETE /v1/admin/stores/:code/label-rules/:id":   {204, 204, 403, 403, 403, 401, 401},
	"GET /v1/admin/stores/:code/unknown-barcodes":     {200, 200, 403, 403, 403, 401, 401},
	"GET /v1/admin/promotions":                        {200, 200, 403, 200, 403, 401, 401}, // others' store-scoped ones left out
	"POST /v1/admin/promotions":                       {201, 201, 403, 403, 403, 401, 401},
	"GET /v1/admin/promotions/:id":                    {200, 200, 403, 403, 403, 401, 401},
	"PATCH /v1/admin/promotions/:id":                  {200, 200, 403, 403, 403, 401, 401},
	"GET /v1/admin/coupons":                           {200, 200, 403, 200, 403, 401, 401},
	"POST /v1/admin/coupons":                          {201, 201, 403, 403, 403, 401, 401},
	"GET /v1/admin/coupons/:code":                     {200, 200, 403, 403, 403, 401, 401},
	"PATCH /v1/admin/coupons/:code":                   {200, 200, 403, 403, 403, 401, 401},
	"POST /v1/admin/coupons/:code/grants":             {204, 204, 403, 403, 403, 401, 401},
	"GET /v1/admin/orders":                            {200, 200, 200, 403, 403, 401, 401},
	"GET /v1/admin/orders/:order_no":                  {200, 200, 200, 404, 404, 401, 401},
	"GET /v1/admin/orders/:order_no/receipt":          {200, 200, 200, 404, 404, 401, 401},
	"POST /v1/admin/orders/:order_no/refunds":         {201, 201, 403, 404, 404, 401, 401},
	"GET /v1/admin/orders/:order_no/refunds":          {200, 200, 200, 404, 404, 401, 401}, // order lookup shows its refunds
	"GET /v1/admin/refunds":                           {200, 200, 403, 403, 403, 401, 401},
	"POST /v1/admin/refunds/:out_refund_no/retry":     {409, 409, 403, 404, 404, 401, 401}, // settled: nothing to retry, but the role passed
	"GET /v1/admin/payment-anomalies":                 {200, 403, 403, 403, 403, 401, 401},
	"POST /v1/admin/exit-checks":                      {201, 201, 201, 403, 403, 401, 401},
	"GET /v1/admin/exit-checks":                       {200, 200, 200, 403, 403, 401, 401},
	"GET /v1/admin/exit-checks/:id":                   {200, 200, 200, 404, 404, 401, 401},
	"POST /v1/admin/exit-checks/:id/result":           {200, 200, 200, 404, 404, 401, 401},
	"GET /v1/admin/reports/sales":                     {200, 200, 403, 403, 403, 401, 401},
}

// TestSecurityRoleMatrix calls every /v1/admin route as each caller and
// checks the status against roleTable; a refused call must change no row.
// The routes come from the router, so a new admin route without a row in
// the table fails the test.
func TestSecurityRoleMatrix(t *testing.T) {
	api := newTestAPI(t)
	f := newRoleFixture(t, api)

	routes := routesUnder(api, "/v1/admin/")
	for _, key := range routes {
		if _, ok := roleTable[key]; !ok {
			t.Errorf("route %s has no row in the role table", key)
		}
		if _, ok := f.requests[key]; !ok {
			t.Errorf("route %s has no request in the role fixture", key)
		}
	}
	for key := range roleTable {
		if !slices.Contains(routes, key) {
			t.Errorf("role table row %s names no registered route", key)
		}
	}

	// SECURITY_ROLES_PRINT=1 prints what the code answers, to write or
	// review the table.
	print := os.Getenv("SECURITY_ROLES_PRINT") != ""
	for _, key := range routes {
		want, build := roleTable[key], f.requests[key]
		if build == nil {
			continue
		}
		method, _, _ := strings.Cut(key, " ")
		var got [callerCount]int
		for who := range callerCount {
			r := build(who)
			before := dbFingerprint(t, api)
			resp, body := api.do(t, method, r.path, r.body, f.tokens[who], r.headers...)
			got[who] = resp.StatusCode
			if print {
				continue
			}
			if resp.StatusCode != want[who] {
				t.Errorf("%s as %s: status %d, want %d; body %.300s", key, callerNames[who], resp.StatusCode, want[who], body)
				continue
			}
			if resp.StatusCode >= 400 {
				problem(t, resp, body)
			}
			if resp.StatusCode == 401 || resp.StatusCode == 403 || resp.StatusCode == 404 {
				unchanged(t, api, before, fmt.Sprintf("%s as %s (refused)", key, callerNames[who]))
			}
		}
		if print {
			fmt.Printf("%-50s %v\n", key, got)
		}
	}
}

// roleFixture is DEMO01 with an order history, a second store with its
// own staff, and a request builder per admin route.
type roleFixture struct {
	tokens   [callerCount]string
	requests map[string]func(who int) roleRequest
}

func newRoleFixture(t *testing.T, api *testAPI) *roleFixture {
	t.Helper()
	admin := api.login(t, "admin", "scanpay-demo")
	manager := api.login(t, "manager1", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	otherManager := api.newStoreWithManager(t, admin, "SEC02", "sec.manager")
	api.mustDo(t, http.StatusCreated, "POST", "/v1/admin/staff", map[string]any{"username": "sec.clerk",
		"password": "a-long-password", "role": "clerk", "store_codes": []string{"SEC02"}}, admin, nil)
	otherClerk := api.login(t, "sec.clerk", "a-long-password")
	shopper, shopperID := newShopper(t, api, "oRoleShopper")
	f := &roleFixture{tokens: [callerCount]string{admin, manager, clerk, otherManager, otherClerk, shopper, ""}}

	// Every exit check is an audit, so each has a result to record.
	api.setAuditRate(t, "1")
	ord := api.paidColas(t, "oRoleBuyer", 10)
	if err := api.Orders.IssueReceipt(context.Background(), app.OrderTask{OrderNo: ord.OrderNo}); err != nil {
		t.Fatal(err)
	}
	var refund refundJSON
	api.mustKeyed(t, http.StatusCreated, refundsPath(ord.OrderNo), map[string]any{"lines": []map[string]any{
		{"line_id": ord.Lines[0].ID, "quantity": "1"}}, "reason": "fixture"}, manager, &refund, newKey())
	api.runLatestJob(t, app.TaskRefundSubmit, refund.OutRefundNo)
	var promo struct {
		ID string `json:"id"`
	}
	api.mustDo(t, http.StatusCreated, "POST", "/v1/admin/promotions", promotionBody("percent_off", map[string]any{"name": "Role promo"}), manager, &promo)
	api.mustDo(t, http.StatusCreated, "POST", "/v1/admin/coupons", couponBody("ROLE5", "amount", map[string]any{"granted": true}), manager, nil)
	resp, body := api.upload(t, manager, "text/csv", []byte(importFile), "")
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("import: %d %s", resp.StatusCode, body)
	}
	importID := decodeImport(t, body).ID
	// The staff member the PATCH tries to promote is not one of the
	// callers: a promotion that works must not change the next columns.
	api.mustDo(t, http.StatusCreated, "POST", "/v1/admin/staff", map[string]any{"username": "role.target",
		"password": "a-long-password", "role": "clerk", "store_codes": []string{"DEMO01"}}, admin, nil)
	targetID := staffIDOf(t, api, admin, "role.target")
	checkID := f.auditCheck(t, api, clerk, "oRoleExit0")

	n, rules := 0, 0
	next := func() int { n++; return n }
	nextRule := func() int { rules++; return rules }
	fixed := func(path string, body any, headers ...string) func(int) roleRequest {
		return func(int) roleRequest { return roleRequest{path: path, body: body, headers: headers} }
	}
	const store = "/v1/admin/stores/DEMO01"
	f.requests = map[string]func(int) roleRequest{
		"POST /v1/admin/sessions": fixed("/v1/admin/sessions", map[string]string{"username": "clerk1", "password": "scanpay-demo"}),
		"GET /v1/admin/me":        fixed("/v1/admin/me", nil),
		"GET /v1/admin/staff":     fixed("/v1/admin/staff", nil),
		"POST /v1/admin/staff": func(int) roleRequest {
			return roleRequest{path: "/v1/admin/staff", body: map[string]any{"username": fmt.Sprintf("role.new%d", next()),
				"password": "a-long-password", "role": "admin"}}
		},
		"GET /v1/admin/staff/:id": fixed("/v1/admin/staff/"+targetID, nil),
		"PATCH /v1/admin/staff/:id": func(int) roleRequest {
			return roleRequest{path: "/v1/admin/staff/" + targetID, body: map[string]any{"role": "admin", "display_name": fmt.Sprintf("Clerk %d", next())}}
		},
		"GET /v1/admin/stores": fixed("/v1/admin/stores", nil),
		"POST /v1/admin/stores": func(int) roleRequest {
			return roleRequest{path: "/v1/admin/stores", body: map[string]any{"code": fmt.Sprintf("RS%03d", next()), "name": "Role store"}}
		},
		"GET /v1/admin/stores/:code": fixed(store, nil),
		"PATCH /v1/admin/stores/:code": func(int) roleRequest {
			return roleRequest{path: store, body: map[string]any{"name": fmt.Sprintf("Demo %d", next())}}
		},
		"GET /v1/admin/stores/:code/entry-code": fixed(store+"/entry-code", nil),
		"GET /v1/admin/products":                fixed("/v1/admin/products", nil),
		"POST /v1/admin/products": func(int) roleRequest {
			return roleRequest{path: "/v1/admin/products", body: map[string]any{"sku": fmt.Sprintf("ROLE-%d", next()),
				"name": "Role product", "unit": "each", "tax_rate": "0.13"}}
		},
		"GET /v1/admin/products/:sku": fixed("/v1/admin/products/DRK-COLA-330", nil),
		"PATCH /v1/admin/products/:sku": func(int) roleRequest {
			return roleRequest{path: "/v1/admin/products/DRK-COLA-330", body: map[string]any{"name": fmt.Sprintf("Cola %d", next())}}
		},
		"POST /v1/admin/products/imports":       fixed("/v1/admin/products/imports", importFile, "Content-Type", "text/csv"),
		"GET /v1/admin/imports":                 fixed("/v1/admin/imports", nil),
		"GET /v1/admin/imports/:id":             fixed("/v1/admin/imports/"+importID, nil),
		"GET /v1/admin/stores/:code/items":      fixed(store+"/items", nil),
		"GET /v1/admin/stores/:code/items.csv":  fixed(store+"/items.csv", nil),
		"GET /v1/admin/stores/:code/items/:sku": fixed(store+"/items/DRK-COLA-330", nil),
		"PUT /v1/admin/stores/:code/items/:sku": func(int) roleRequest {
			return roleRequest{path: store + "/items/DRK-COLA-330", body: map[string]any{"price": fmt.Sprintf("3.%02d", next())}}
		},
		"POST /v1/admin/stores/:code/stock-movements": fixed(store+"/stock-movements",
			map[string]any{"sku": "DRK-COLA-330", "kind": "receive", "quantity": "1", "reason": "role matrix"}),
		"GET /v1/admin/stores/:code/stock":                fixed(store+"/stock", nil),
		"GET /v1/admin/stores/:code/stock/:sku/movements": fixed(store+"/stock/DRK-COLA-330/movements", nil),
		"GET /v1/admin/stores/:code/stock-alerts":         fixed(store+"/stock-alerts", nil),
		"GET /v1/admin/stores/:code/label-rules":          fixed(store+"/label-rules", nil),
		"POST /v1/admin/stores/:code/label-rules": func(int) roleRequest {
			return roleRequest{path: store + "/label-rules", body: labelRuleBody(nextRule())}
		},
		"POST /v1/admin/stores/:code/label-rules/test": fixed(store+"/label-rules/test", map[string]string{"barcode": porkPriceLabel}),
		"DELETE /v1/admin/stores/:code/label-rules/:id": func(int) roleRequest {
			var rule struct {
				ID string `json:"id"`
			}
			api.mustDo(t, http.StatusCreated, "POST", store+"/label-rules", labelRuleBody(nextRule()), admin, &rule)
			return roleRequest{path: store + "/label-rules/" + rule.ID}
		},
		"GET /v1/admin/stores/:code/unknown-barcodes": fixed(store+"/unknown-barcodes", nil),
		"GET /v1/admin/promotions":                    fixed("/v1/admin/promotions", nil),
		"POST /v1/admin/promotions": func(int) roleRequest {
			return roleRequest{path: "/v1/admin/promotions", body: promotionBody("percent_off", map[string]any{"name": fmt.Sprintf("Promo %d", next())})}
		},
		"GET /v1/admin/promotions/:id": fixed("/v1/admin/promotions/"+promo.ID, nil),
		"PATCH /v1/admin/promotions/:id": func(int) roleRequest {
			return roleRequest{path: "/v1/admin/promotions/" + promo.ID, body: map[string]any{"name": fmt.Sprintf("Promo %d", next())}}
		},
		"GET /v1/admin/coupons": fixed("/v1/admin/coupons", nil),
		"POST /v1/admin/coupons": func(int) roleRequest {
			return roleRequest{path: "/v1/admin/coupons", body: couponBody(fmt.Sprintf("ROLENEW%d", next()), "amount", nil)}
		},
		"GET /v1/admin/coupons/:code": fixed("/v1/admin/coupons/ROLE5", nil),
		"PATCH /v1/admin/coupons/:code": func(int) roleRequest {
			return roleRequest{path: "/v1/admin/coupons/ROLE5", body: map[string]any{"name": fmt.Sprintf("Coupon %d", next())}}
		},
		"POST /v1/admin/coupons/:code/grants":    fixed("/v1/admin/coupons/ROLE5/grants", map[string]any{"shopper_id": shopperID}),
		"GET /v1/admin/orders":                   fixed("/v1/admin/orders?store=DEMO01", nil),
		"GET /v1/admin/orders/:order_no":         fixed("/v1/admin/orders/"+ord.OrderNo, nil),
		"GET /v1/admin/orders/:order_no/receipt": fixed("/v1/admin/orders/"+ord.OrderNo+"/receipt", nil),
		"POST /v1/admin/orders/:order_no/refunds": func(int) roleRequest {
			return roleRequest{path: refundsPath(ord.OrderNo), body: map[string]any{"lines": []map[string]any{
				{"line_id": ord.Lines[0].ID, "quantity": "1"}}, "reason": "role matrix"}, headers: []string{"Idempotency-Key", newKey()}}
		},
		"GET /v1/admin/orders/:order_no/refunds":      fixed(refundsPath(ord.OrderNo), nil),
		"GET /v1/admin/refunds":                       fixed("/v1/admin/refunds?store=DEMO01", nil),
		"POST /v1/admin/refunds/:out_refund_no/retry": fixed("/v1/admin/refunds/"+refund.OutRefundNo+"/retry", nil),
		"GET /v1/admin/payment-anomalies":             fixed("/v1/admin/payment-anomalies", nil),
		"POST /v1/admin/exit-checks": func(int) roleRequest {
			tok, no := api.paidCola(t, fmt.Sprintf("oRolePass%d", next()))
			return roleRequest{path: "/v1/admin/exit-checks", body: map[string]any{"payload": api.exitPassOf(t, tok, no).Payload, "store_code": "DEMO01"}}
		},
		"GET /v1/admin/exit-checks":     fixed("/v1/admin/exit-checks?store=DEMO01", nil),
		"GET /v1/admin/exit-checks/:id": fixed("/v1/admin/exit-checks/"+checkID, nil),
		"POST /v1/admin/exit-checks/:id/result": func(int) roleRequest {
			id := f.auditCheck(t, api, clerk, fmt.Sprintf("oRoleAudit%d", next()))
			return roleRequest{path: "/v1/admin/exit-checks/" + id + "/result", body: map[string]any{"unscanned": []any{}}}
		},
		"GET /v1/admin/reports/sales": fixed("/v1/admin/reports/sales?store=DEMO01", nil),
	}
	return f
}

// auditCheck is a clerk's audit exit check of a new shopper's paid order.
func (f *roleFixture) auditCheck(t *testing.T, api *testAPI, clerk, openID string) string {
	t.Helper()
	tok, no := api.paidCola(t, openID)
	var check exitCheckJSON
	api.mustDo(t, http.StatusCreated, "POST", "/v1/admin/exit-checks", map[string]any{"payload": api.exitPassOf(t, tok, no).Payload}, clerk, &check)
	if check.Verdict != "audit" {
		t.Fatalf("exit check %+v: want an audit (rate 1)", check)
	}
	return check.ID
}

// labelRuleBody is a 13-digit price rule with a prefix no other rule of
// the matrix has (230, 231, ...), so rules never overlap.
func labelRuleBody(n int) map[string]any {
	return map[string]any{"name": fmt.Sprintf("Role rule %d", n), "prefix": fmt.Sprintf("%d", 230+n), "length": 13,
		"plu_start": 3, "plu_length": 4, "price_start": 7, "price_length": 5}
}
