package http_test

import (
	"net/http"
	"strings"
	"testing"

	httpapi "github.com/scanpay/scanpay/adapters/http"
)

// fuzzRoute is one JSON write route the fuzz target sends bodies to, with
// the caller that is allowed to use it (so bodies reach the decoder and
// the use case, not a 401/403).
type fuzzRoute struct {
	method, path string
	as           string // "admin", "manager", "shopper" or "" (public)
	keyed        bool   // needs an Idempotency-Key
}

var fuzzRoutes = []fuzzRoute{
	{"POST", "/v1/admin/sessions", "", false},
	{"POST", "/v1/admin/staff", "admin", false},
	{"PATCH", "/v1/admin/staff/1", "admin", false},
	{"POST", "/v1/admin/stores", "admin", false},
	{"PATCH", "/v1/admin/stores/DEMO01", "admin", false},
	{"POST", "/v1/admin/products", "manager", false},
	{"PATCH", "/v1/admin/products/DRK-COLA-330", "manager", false},
	{"PUT", "/v1/admin/stores/DEMO01/items/DRK-COLA-330", "manager", false},
	{"POST", "/v1/admin/stores/DEMO01/stock-movements", "manager", false},
	{"POST", "/v1/admin/stores/DEMO01/label-rules", "manager", false},
	{"POST", "/v1/admin/stores/DEMO01/label-rules/test", "manager", false},
	{"POST", "/v1/admin/promotions", "manager", false},
	{"PATCH", "/v1/admin/promotions/1", "manager", false},
	{"POST", "/v1/admin/coupons", "manager", false},
	{"PATCH", "/v1/admin/coupons/WELCOME5", "manager", false},
	{"POST", "/v1/admin/coupons/WELCOME5/grants", "manager", false},
	{"POST", "/v1/admin/orders/ABCDEFGH123/refunds", "manager", true},
	{"POST", "/v1/admin/exit-checks", "manager", false},
	{"POST", "/v1/admin/exit-checks/1/result", "manager", false},
	{"POST", "/v1/mp/sessions", "", false},
	{"POST", "/v1/mp/visits", "shopper", false},
	{"POST", cartPath + "/scans", "shopper", false},
	{"PATCH", cartPath + "/lines/1", "shopper", false},
	{"PUT", cartPath + "/coupon", "shopper", false},
	{"POST", "/v1/mp/orders", "shopper", true},
	{"POST", "/v1/mp/orders/ABCDEFGH123/payments", "shopper", false},
	{"POST", "/v1/mp/orders/ABCDEFGH123/cancel", "shopper", false},
}

// fuzzSeeds are bodies that have broken JSON handlers elsewhere: wrong
// types, overflowing numbers, invalid UTF-8, deep nesting, SQL and
// formula metacharacters, and a few valid-looking ones so the fuzzer
// starts from bodies that reach the use cases.
var fuzzSeeds = []string{
	``, `{}`, `null`, `[]`, `"x"`, `0`, `{"a":`, `{}{}`,
	`{"name":"\xff\xfe"}`, "{\"name\":\"a\x00b\"}",
	`{"quantity":1e309}`, `{"quantity":-1}`, `{"quantity":99999999999999999999}`, `{"quantity":"1"}`,
	`{"price":"99999999999999999999.99"}`, `{"price":-0.01}`, `{"price":"NaN"}`,
	`{"barcode":"'; DROP TABLE orders;--"}`, `{"name":"\" OR 1=1 --"}`, `{"name":"=cmd|' /C calc'!A0"}`,
	`{"code":"DEMO01","name":"x","latitude":"91","longitude":1e400}`,
	`{"sku":"X1","name":"n","unit":"each","tax_rate":"0.13","barcodes":["00000000000000000000000000"]}`,
	`{"store_code":"DEMO01","cart_version":2147483648}`,
	`{"lines":[{"line_id":"9223372036854775808","quantity":"1"}],"reason":"x"}`,
	`{"payload":"` + strings.Repeat("A", 4000) + `"}`,
	`{"unscanned":[{"barcode":null,"quantity":-5}]}`,
	`{"starts_at":"9999-99-99T99:99:99Z","ends_at":"0000-00-00"}`,
	`{"store_codes":[null,1,{}]}`,
	`{"shopper_id":"-1"}`, `{"shopper_id":1e30}`,
	`{"username":"admin","password":"scanpay-demo","role":"admin"}`,
	strings.Repeat("[", 10_000), strings.Repeat(`{"a":`, 5_000),
}

// FuzzJSONHandlers sends arbitrary bodies to every JSON write route with a
// caller allowed to use it: the answer is never a 5xx, and every 4xx is
// problem+json. `go test` runs it on the seeds (27 routes x 36 bodies, a
// few seconds); `go test -fuzz FuzzJSONHandlers ./adapters/http` explores.
func FuzzJSONHandlers(f *testing.F) {
	for i := range fuzzRoutes {
		for _, s := range fuzzSeeds {
			f.Add(uint8(i), []byte(s))
		}
	}
	api := newTestAPI(f)
	tokens := map[string]string{}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		if len(tokens) == 0 {
			tokens["admin"] = api.login(t, "admin", "scanpay-demo")
			tokens["manager"] = api.login(t, "manager1", "scanpay-demo")
			tokens["shopper"] = api.shopperInStore(t, "oFuzz01")
		}
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		var headers []string
		if r.keyed {
			headers = []string{"Idempotency-Key", newKey()}
		}
		resp, out := api.do(t, r.method, r.path, body, tokens[r.as], headers...)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s with %q: %d %s", r.method, r.path, body, resp.StatusCode, out)
		}
		if resp.StatusCode >= 400 {
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, problemType) {
				t.Fatalf("%s %s with %q: %d with Content-Type %q, want problem+json; body %s", r.method, r.path, body, resp.StatusCode, ct, out)
			}
		}
	})
}

// TestSecurityFuzzRoutesCoverJSONWrites keeps fuzzRoutes honest: every
// registered POST/PUT/PATCH route that takes JSON is in it, so a new write
// handler is fuzzed from the day it lands.
func TestSecurityFuzzRoutesCoverJSONWrites(t *testing.T) {
	api := newTestAPI(t)
	// Not JSON: the CSV upload, WeChat Pay's signed notifications, the
	// retry and dev actions that take no body.
	notJSON := map[string]bool{
		"POST /v1/admin/products/imports":             true,
		"POST /v1/webhooks/wechatpay/transactions":    true,
		"POST /v1/webhooks/wechatpay/refunds":         true,
		"POST /v1/admin/refunds/:out_refund_no/retry": true,
	}
	covered := map[string]bool{}
	for _, r := range api.Srv.Routes() {
		for _, fr := range fuzzRoutes {
			if fr.method == r.Method && pathMatches(r.Path, fr.path) {
				covered[routeKey(r.Method, r.Path)] = true
			}
		}
	}
	for _, r := range api.Srv.Routes() {
		key := routeKey(r.Method, r.Path)
		if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
			continue
		}
		// The console's and the simulator's pages post HTML forms, not
		// JSON; their forms have tests of their own (console_*_test.go).
		page := strings.HasPrefix(r.Path, httpapi.ConsolePath+"/") || strings.HasPrefix(r.Path, httpapi.SimulatorPath+"/")
		if !covered[key] && !notJSON[key] && !page && !strings.HasPrefix(r.Path, "/admin/queues") {
			t.Errorf("write route %s is not fuzzed: add it to fuzzRoutes", key)
		}
	}
}

// pathMatches reports whether a concrete path fits a fiber pattern with
// :params (one segment each).
func pathMatches(pattern, path string) bool {
	path, _, _ = strings.Cut(path, "?")
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if !strings.HasPrefix(ps[i], ":") && ps[i] != xs[i] {
			return false
		}
	}
	return true
}
