package http_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/app"
)

// ownedRequest is one attempt by a shopper on a resource of another.
type ownedRequest struct {
	method, path string
	body         any
	headers      []string
}

// TestSecurityOwnershipMatrix: for every /v1/mp route that takes an id,
// another shopper's id answers 404 (the same as an id that does not
// exist, so ids cannot be probed) and changes no row anywhere. The routes
// come from the router: a new /v1/mp route with a path parameter and no
// row here fails the test until someone says how it is scoped.
func TestSecurityOwnershipMatrix(t *testing.T) {
	api := newTestAPI(t)

	// The victim has a pending order, a paid order with its receipt (so
	// its exit pass and receipt exist) and a cart line.
	victim := api.shopperInStore(t, "oOwnVictim")
	pending := api.placeOrder(t, victim)
	paid := api.paidOrderOf(t, victim, func() { api.scanCola(t, victim, 2) })
	if err := api.Orders.IssueReceipt(context.Background(), app.OrderTask{OrderNo: paid}); err != nil {
		t.Fatal(err)
	}
	victimLine := api.scanLine(t, victim, waterEAN)
	// The attacker is a shopper in the same store with a cart of their
	// own, so no "visit required" or "no cart" answer hides the check.
	attacker := api.shopperInStore(t, "oOwnAttacker")
	api.scanLine(t, attacker, chipsEAN)

	orderReqs := func(suffix, method string, body any, query string) []ownedRequest {
		var out []ownedRequest
		for _, no := range []string{pending.OrderNo, paid} {
			out = append(out, ownedRequest{method: method, path: "/v1/mp/orders/" + no + suffix + query, body: body})
		}
		return out
	}
	matrix := map[string][]ownedRequest{
		routeKey("GET", "/v1/mp/orders/:order_no"):           orderReqs("", "GET", nil, ""),
		routeKey("POST", "/v1/mp/orders/:order_no/payments"): orderReqs("/payments", "POST", nil, ""),
		routeKey("POST", "/v1/mp/orders/:order_no/cancel"):   orderReqs("/cancel", "POST", nil, ""),
		routeKey("GET", "/v1/mp/orders/:order_no/receipt"):   orderReqs("/receipt", "GET", nil, ""),
		routeKey("GET", "/v1/mp/orders/:order_no/exit-pass"): append(orderReqs("/exit-pass", "GET", nil, ""), orderReqs("/exit-pass", "GET", nil, "?format=png")...),
		routeKey("PATCH", "/v1/mp/stores/:code/cart/lines/:line_id"): {
			{method: "PATCH", path: cartPath + "/lines/" + victimLine, body: map[string]any{"quantity": 5}}},
		routeKey("DELETE", "/v1/mp/stores/:code/cart/lines/:line_id"): {
			{method: "DELETE", path: cartPath + "/lines/" + victimLine}},
	}
	// Routes whose only parameter is the store code: a public name, not
	// something a shopper owns. They act on the caller's own cart, which
	// storeScoped checks below instead of a 404.
	storeScoped := map[string]ownedRequest{
		routeKey("GET", "/v1/mp/stores/:code/cart"):           {method: "GET", path: cartPath},
		routeKey("POST", "/v1/mp/stores/:code/cart/scans"):    {method: "POST", path: cartPath + "/scans", body: map[string]any{"barcode": riceEAN}},
		routeKey("PUT", "/v1/mp/stores/:code/cart/coupon"):    {method: "PUT", path: cartPath + "/coupon", body: map[string]any{"code": "WELCOME5"}},
		routeKey("DELETE", "/v1/mp/stores/:code/cart/coupon"): {method: "DELETE", path: cartPath + "/coupon"},
	}

	var withParam []string
	for _, key := range routesUnder(api, "/v1/mp/") {
		if strings.Contains(key, ":") {
			withParam = append(withParam, key)
		}
	}
	for _, key := range withParam {
		_, owned := matrix[key]
		_, scoped := storeScoped[key]
		if !owned && !scoped {
			t.Errorf("route %s takes an id but has no row in the ownership matrix", key)
		}
	}
	for key := range matrix {
		if !slices.Contains(withParam, key) {
			t.Errorf("matrix row %s names no registered route", key)
		}
	}

	for key, reqs := range matrix {
		for _, r := range reqs {
			t.Run(key+" "+r.path, func(t *testing.T) {
				before := dbFingerprint(t, api)
				resp, body := api.do(t, r.method, r.path, r.body, attacker, r.headers...)
				wantProblem(t, resp, body, http.StatusNotFound, "not_found", "")
				unchanged(t, api, before, "another shopper's "+r.method+" "+r.path)
			})
		}
	}

	// The victim still has everything as it was, seen through the API.
	var got orderJSON
	api.mustDo(t, http.StatusOK, "GET", "/v1/mp/orders/"+pending.OrderNo, nil, victim, &got)
	if got.Status != "pending_payment" {
		t.Errorf("victim's pending order is %s", got.Status)
	}
	api.mustDo(t, http.StatusOK, "GET", "/v1/mp/orders/"+paid, nil, victim, &got)
	if got.Status != "paid" {
		t.Errorf("victim's paid order is %s", got.Status)
	}

	// Store-scoped routes: the attacker works on their own cart; the
	// victim's cart (lines, quantities, version, coupon) does not move and
	// none of it shows in the attacker's answers.
	victimCart := api.getCart(t, victim)
	for key, r := range storeScoped {
		t.Run(key, func(t *testing.T) {
			resp, body := api.do(t, r.method, r.path, r.body, attacker)
			if resp.StatusCode >= 500 {
				t.Fatalf("%s: %d %s", key, resp.StatusCode, body)
			}
			if strings.Contains(string(body), victimLine) {
				t.Errorf("%s shows the victim's line %s: %s", key, victimLine, body)
			}
			after := api.getCart(t, victim)
			if after.Version != victimCart.Version || len(after.Lines) != len(victimCart.Lines) ||
				after.Lines[0].ID != victimLine || after.Lines[0].Quantity != victimCart.Lines[0].Quantity || after.Coupon != nil {
				t.Errorf("%s by another shopper changed the victim's cart: %+v, was %+v", key, after, victimCart)
			}
		})
	}
}
