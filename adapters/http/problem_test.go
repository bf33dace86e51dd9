package http_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/scanpay/scanpay/adapters/jwt"
)

func TestUnknownRouteAndWrongMethodAreProblems(t *testing.T) {
	api := newTestAPI(t)
	for _, tc := range []struct {
		name, method, path string
		status             int
		code, reason       string
	}{
		{"unknown top-level path", http.MethodGet, "/nope", 404, "not_found", "route_not_found"},
		// No 401 here: auth is per route, so an unknown admin path is a 404.
		{"unknown admin path without token", http.MethodGet, "/v1/admin/nope", 404, "not_found", "route_not_found"},
		{"DELETE on stores", http.MethodDelete, "/v1/admin/stores", 405, "method_not_allowed", "method_not_allowed"},
		{"PUT on a store", http.MethodPut, "/v1/admin/stores/DEMO01", 405, "method_not_allowed", "method_not_allowed"},
		{"GET on sessions", http.MethodGet, "/v1/admin/sessions", 405, "method_not_allowed", "method_not_allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, tc.method, tc.path, nil, "")
			wantProblem(t, resp, body, tc.status, tc.code, tc.reason)
			if tc.status == 405 && resp.Header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
		})
	}
}

func TestBadBodiesAre400NamingTheField(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	for _, tc := range []struct {
		name, method, path string
		body               string
		headers            []string
		reason             string
		field              string // "" when no field can be named
	}{
		{"malformed JSON", "POST", "/v1/admin/stores", `{"code":`, nil, "json_malformed", ""},
		{"syntax error", "POST", "/v1/admin/stores", `{"code" "SH05"}`, nil, "json_malformed", ""},
		{"not an object", "POST", "/v1/admin/stores", `["SH05"]`, nil, "json_malformed", ""},
		{"empty body", "POST", "/v1/admin/stores", ``, nil, "body_required", ""},
		{"unknown field", "POST", "/v1/admin/stores", `{"code":"SH05","name":"x","nmae":"y"}`, nil, "json_field_invalid", "nmae"},
		{"wrong type int", "POST", "/v1/admin/stores", `{"code":"SH05","name":"x","max_lines":"x"}`, nil, "json_field_invalid", "max_lines"},
		{"wrong type in embedded field", "PATCH", "/v1/admin/stores/DEMO01", `{"radius_m":true}`, nil, "json_field_invalid", "radius_m"},
		{"wrong type string", "POST", "/v1/admin/stores", `{"code":7,"name":"x"}`, nil, "json_field_invalid", "code"},
		{"bad decimal", "POST", "/v1/admin/stores", `{"code":"SH05","name":"x","latitude":"north"}`, nil, "json_field_invalid", "latitude"},
		{"decimal as bool", "PATCH", "/v1/admin/stores/DEMO01", `{"audit_rate":true}`, nil, "json_field_invalid", "audit_rate"},
		{"trailing garbage", "POST", "/v1/admin/stores", `{"code":"SH05","name":"x"} x`, nil, "json_malformed", ""},
		{"two objects", "POST", "/v1/admin/stores", `{"code":"SH05","name":"x"}{"code":"SH06","name":"y"}`, nil, "json_malformed", ""},
		{"text/plain", "POST", "/v1/admin/stores", `{"code":"SH05","name":"x"}`, []string{"Content-Type", "text/plain"}, "unsupported_media_type", ""},
		{"form body", "POST", "/v1/admin/sessions", `username=admin&password=scanpay-demo`, []string{"Content-Type", "application/x-www-form-urlencoded"}, "unsupported_media_type", ""},
		{"unknown login field", "POST", "/v1/admin/sessions", `{"username":"admin","password":"scanpay-demo","otp":1}`, nil, "json_field_invalid", "otp"},
		{"staff active as string", "PATCH", "/v1/admin/staff/1", `{"active":"yes"}`, nil, "json_field_invalid", "active"},
		{"staff store_codes as string", "POST", "/v1/admin/staff", `{"username":"x1","password":"long-enough","role":"clerk","store_codes":"DEMO01"}`, nil, "json_field_invalid", "store_codes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, tc.method, tc.path, tc.body, admin, tc.headers...)
			p := wantProblem(t, resp, body, http.StatusBadRequest, "malformed", tc.reason)
			if tc.field == "" {
				return
			}
			if got := fieldNames(p); !slices.Equal(got, []string{tc.field}) {
				t.Errorf("fields %q, want [%s]; body %s", got, tc.field, body)
			}
			if !strings.Contains(p.Detail, tc.field) {
				t.Errorf("detail %q does not name %s", p.Detail, tc.field)
			}
		})
	}
	assertOnlyDemoStore(t, api, admin)
	// The store patched with bad bodies above is as it was.
	var st map[string]any
	api.mustDo(t, 200, "GET", "/v1/admin/stores/DEMO01", nil, admin, &st)
	if st["audit_rate"] != "0.05" || st["radius_m"] != float64(150) {
		t.Errorf("DEMO01 changed by bad requests: %v", st)
	}
}

func TestJSONWithCharsetIsAccepted(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	resp, body := api.do(t, "POST", "/v1/admin/stores", `{"code":"SH08","name":"Charset"}`, admin,
		"Content-Type", "application/json; charset=utf-8")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d, want 201; body %s", resp.StatusCode, body)
	}
}

func TestPanicIs500WithoutItsCause(t *testing.T) {
	api := newTestAPI(t)
	api.Srv.App.Get("/test/panic", func(*fiber.Ctx) error { panic("secret internals 42") })
	resp, body := api.do(t, "GET", "/test/panic", nil, "")
	p := wantProblem(t, resp, body, http.StatusInternalServerError, "internal", "")
	if strings.Contains(string(body), "secret internals") {
		t.Errorf("500 shows its cause: %s", body)
	}
	logs := api.Logs.String()
	if !strings.Contains(logs, "secret internals 42") || !strings.Contains(logs, p.RequestID) {
		t.Errorf("the log lacks the panic's cause or the request id %s:\n%s", p.RequestID, logs)
	}
	// The server lives on.
	api.mustDo(t, 200, "GET", "/healthz", nil, "", nil)
}

func TestBodyOverTheLimitIs413(t *testing.T) {
	const limit = 4096
	api := newTestAPI(t, withBodyLimit(limit))
	admin := api.login(t, "admin", "scanpay-demo")
	base := api.listen(t)

	big := `{"code":"SH07","name":"` + strings.Repeat("n", 2*limit) + `"}`
	resp, body := api.doNet(t, base, "POST", "/v1/admin/stores", big, admin)
	wantProblem(t, resp, body, http.StatusRequestEntityTooLarge, "too_large", "body_too_large")

	// Just under the limit is read and judged on its content.
	under := `{"username":"admin","password":"` + strings.Repeat("p", limit-100) + `"}`
	resp, body = api.doNet(t, base, "POST", "/v1/admin/sessions", under, "")
	wantProblem(t, resp, body, http.StatusUnauthorized, "unauthorized", "invalid_credentials")

	resp, body = api.doNet(t, base, "POST", "/v1/admin/sessions", `{"username":"admin","password":"`+strings.Repeat("p", limit)+`"}`, "",
		"X-Request-Id", "too-big-1")
	p := wantProblem(t, resp, body, http.StatusRequestEntityTooLarge, "too_large", "body_too_large")
	if p.RequestID != "too-big-1" {
		t.Errorf("request_id %q on a body refused before routing, want the caller's too-big-1", p.RequestID)
	}
	assertOnlyDemoStore(t, api, admin)
}

func TestMissingOrBadTokenIs401(t *testing.T) {
	api := newTestAPI(t)
	var sess struct {
		Staff struct {
			ID int64 `json:"id,string"`
		} `json:"staff"`
	}
	api.mustDo(t, 201, "POST", "/v1/admin/sessions", map[string]string{"username": "admin", "password": "scanpay-demo"}, "", &sess)
	expired, _, err := jwt.New(testJWTSecret, testTokenTTL).IssueStaff(sess.Staff.ID, time.Now().Add(-2*testTokenTTL))
	if err != nil {
		t.Fatal(err)
	}
	foreign, _, err := jwt.New("another-secret-entirely-0123456789", testTokenTTL).IssueStaff(sess.Staff.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, auth, reason string
	}{
		{"no header", "", "token_missing"},
		{"basic auth", "Basic YWRtaW46c2NhbnBheS1kZW1v", "token_missing"},
		{"garbage", "Bearer not.a.jwt", "token_invalid"},
		{"expired", "Bearer " + expired, "token_expired"},
		{"other secret", "Bearer " + foreign, "token_invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var headers []string
			if tc.auth != "" {
				headers = []string{"Authorization", tc.auth}
			}
			resp, body := api.do(t, "GET", "/v1/admin/stores", nil, "", headers...)
			wantProblem(t, resp, body, http.StatusUnauthorized, "unauthorized", tc.reason)
			if h := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
				t.Errorf("WWW-Authenticate %q, want a Bearer challenge", h)
			}
		})
	}
}

func TestRuleViolationsAre422WithEveryBadField(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	for _, tc := range []struct {
		name, method, path string
		body               any
		fields             []string
	}{
		{"several bad store fields", "POST", "/v1/admin/stores", map[string]any{"code": "SH03", "name": "Shop 3",
			"time_zone": "Mars/Olympus", "audit_rate": "1.5", "max_lines": 0},
			[]string{"time_zone", "audit_rate", "max_lines"}},
		{"bad code and no name", "POST", "/v1/admin/stores", map[string]any{"code": "x"}, []string{"code", "name"}},
		{"negative audit rate", "PATCH", "/v1/admin/stores/DEMO01", map[string]any{"audit_rate": "-0.1"}, []string{"audit_rate"}},
		{"Local is no store zone", "PATCH", "/v1/admin/stores/DEMO01", map[string]any{"time_zone": "Local"}, []string{"time_zone"}},
		{"basket cap with fen fractions", "PATCH", "/v1/admin/stores/DEMO01", map[string]any{"max_basket_total": "10.001"}, []string{"max_basket_total"}},
		{"staff with bad role and short password", "POST", "/v1/admin/staff", map[string]any{"username": "newbie",
			"password": "short", "role": "owner"}, []string{"password"}},
		{"staff with bad role", "POST", "/v1/admin/staff", map[string]any{"username": "newbie",
			"password": "long-enough-pw", "role": "owner"}, []string{"role"}},
		{"login without password", "POST", "/v1/admin/sessions", map[string]any{"username": "admin"}, []string{"password"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, tc.method, tc.path, tc.body, admin)
			p := wantProblem(t, resp, body, http.StatusUnprocessableEntity, "invalid", "")
			got := fieldNames(p)
			for _, f := range tc.fields {
				if !slices.Contains(got, f) {
					t.Errorf("fields %q do not name %s; body %s", got, f, body)
				}
			}
		})
	}

	resp, body := api.do(t, "POST", "/v1/admin/stores", map[string]any{"code": "DEMO01", "name": "Again"}, admin)
	wantProblem(t, resp, body, http.StatusConflict, "conflict", "store_code_taken")

	// None of the refused requests changed anything.
	assertOnlyDemoStore(t, api, admin)
	var st map[string]any
	api.mustDo(t, 200, "GET", "/v1/admin/stores/DEMO01", nil, admin, &st)
	if st["audit_rate"] != "0.05" || st["time_zone"] != "Asia/Shanghai" || st["name"] != "Demo Supermarket" ||
		st["max_basket_total"] != "5000.00" {
		t.Errorf("DEMO01 changed by refused requests: %v", st)
	}
	var staff struct{ Items []any }
	api.mustDo(t, 200, "GET", "/v1/admin/staff", nil, admin, &staff)
	if len(staff.Items) != 3 {
		t.Errorf("%d staff after refused creates, want the 3 seeded", len(staff.Items))
	}
}

func TestRequestIDIsEchoedOrMade(t *testing.T) {
	api := newTestAPI(t)
	resp, body := api.do(t, "GET", "/nope", nil, "", "X-Request-Id", "lb-7f3a.b:9_x-1")
	if p := problem(t, resp, body); p.RequestID != "lb-7f3a.b:9_x-1" {
		t.Errorf("request_id %q, want the caller's", p.RequestID)
	}
	resp, _ = api.do(t, "GET", "/healthz", nil, "", "X-Request-Id", "ok-id")
	if got := resp.Header.Get("X-Request-Id"); got != "ok-id" {
		t.Errorf("X-Request-Id on success %q, want ok-id", got)
	}
	seen := map[string]bool{}
	for _, in := range []string{"", "has spaces", strings.Repeat("a", 65), "<script>"} {
		resp, body := api.do(t, "GET", "/nope", nil, "", "X-Request-Id", in)
		p := problem(t, resp, body)
		if p.RequestID == in || p.RequestID == "" || seen[p.RequestID] {
			t.Errorf("incoming id %q: got %q, want a fresh id of our own", in, p.RequestID)
		}
		seen[p.RequestID] = true
	}
}

// assertOnlyDemoStore checks the store list is the seeded DEMO01 alone.
func assertOnlyDemoStore(t *testing.T, api *testAPI, token string) {
	t.Helper()
	var list struct {
		Items []struct {
			Code string `json:"code"`
		} `json:"items"`
	}
	api.mustDo(t, 200, "GET", "/v1/admin/stores", nil, token, &list)
	if len(list.Items) != 1 || list.Items[0].Code != "DEMO01" {
		t.Errorf("stores %+v, want only DEMO01", list.Items)
	}
}

// A method fiber does not know is refused in the API's error format too.
func TestUnknownMethodIsProblemJSON(t *testing.T) {
	api := newTestAPI(t)
	resp, body := api.do(t, "PROPFIND", "/v1/admin/stores", nil, "", "X-Request-Id", "trace-42")
	p := wantProblem(t, resp, body, http.StatusMethodNotAllowed, "method_not_allowed", "method_unknown")
	if p.RequestID != "trace-42" {
		t.Fatalf("request id %q", p.RequestID)
	}
}
