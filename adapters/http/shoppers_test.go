package http_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/jwt"
	"github.com/scanpay/scanpay/adapters/mysql"
	redisadapter "github.com/scanpay/scanpay/adapters/redis"
	"github.com/scanpay/scanpay/adapters/wechat"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

type shopperSessionJSON struct {
	Token     string `json:"token"`
	ShopperID string `json:"shopper_id"`
	ExpiresAt string `json:"expires_at"`
}

type visitJSON struct {
	VisitID string `json:"visit_id"`
	Store   struct {
		Code     string `json:"code"`
		Name     string `json:"name"`
		TimeZone string `json:"time_zone"`
	} `json:"store"`
	Source    string `json:"source"`
	OpenedAt  string `json:"opened_at"`
	ExpiresAt string `json:"expires_at"`
}

// testVisitTTL is the harness's VISIT_TTL.
const testVisitTTL = 2 * time.Hour

// shopperUseCases wires shopper login and store visits as main does, on the
// test's database and Redis, with the fake WeChat (dev codes let through,
// as in embedded mode; the fake decides) and the login per-IP limit of
// limits. mp is the one WeChat client, for entry codes too.
func (a *testAPI) shopperUseCases(t testing.TB, limits app.LoginLimits, ids app.IDs, clock app.Clock, stores domain.StoreRepository) (*wechat.Client, *app.ShopperAuth, *app.Visits) {
	t.Helper()
	mp := a.miniProgram(t)
	appID, _ := a.WeChat.Credentials()
	shoppers := app.NewShopperAuth(app.ShopperAuthDeps{Shoppers: mysql.NewShopperRepo(a.DB), MiniProgram: mp, AppID: appID,
		Tokens: jwt.NewShopperTokens(testJWTSecret, testTokenTTL), Limiter: redisadapter.NewRateLimiter(a.Redis, "scanpay:rl:"),
		IDs: ids, Clock: clock, LoginPerIP: limits.PerIP, LoginWindow: limits.Window, DevCodes: true})
	return mp, shoppers, app.NewVisits(stores, mysql.NewVisitRepo(a.DB), ids, clock, testVisitTTL)
}

var shopperSeq atomic.Int64

// loginShopper registers a fresh wx.login code for openID with the fake
// WeChat and logs in with it, returning the shopper token.
func (a *testAPI) loginShopper(t *testing.T, openID string) string {
	t.Helper()
	code := fmt.Sprintf("code-%s-%d", openID, shopperSeq.Add(1))
	a.WeChat.AddCode(code, openID, "")
	var sess shopperSessionJSON
	a.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/mp/sessions", map[string]string{"code": code}, "", &sess)
	if sess.Token == "" {
		t.Fatalf("login %s: no token", openID)
	}
	return sess.Token
}

// openVisit opens a visit with body and returns it (201 expected).
func (a *testAPI) openVisit(t *testing.T, token string, body any) visitJSON {
	t.Helper()
	var v visitJSON
	a.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/mp/visits", body, token, &v)
	return v
}

func TestShopperLoginOverHTTP(t *testing.T) {
	api := newTestAPI(t)
	api.WeChat.AddCode("wx-code-1", "oAlice0001", "uAlice")
	resp, body := api.do(t, http.MethodPost, "/v1/mp/sessions", map[string]string{"code": "wx-code-1"}, "")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	id, _ := raw["shopper_id"].(string)
	exp, err := time.Parse(time.RFC3339, fmt.Sprint(raw["expires_at"]))
	if tok, _ := raw["token"].(string); tok == "" || id == "" || err != nil {
		t.Fatalf("session %s: want token, shopper_id as a string and expires_at", body)
	}
	if d := time.Until(exp); d < testTokenTTL-time.Minute || d > testTokenTTL+time.Second {
		t.Fatalf("expires_at %s, want about %s from now", exp, testTokenTTL)
	}
	if strings.Contains(string(body), "session_key") || strings.Contains(string(body), "oAlice0001") {
		t.Fatalf("the answer leaks WeChat identity: %s", body)
	}

	// A second login of the same WeChat user is the same shopper.
	api.WeChat.AddCode("wx-code-2", "oAlice0001", "")
	var again shopperSessionJSON
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/mp/sessions", map[string]string{"code": "wx-code-2"}, "", &again)
	if again.ShopperID != id {
		t.Fatalf("second login is shopper %s, want %s", again.ShopperID, id)
	}

	for _, tc := range []struct {
		name, code      string
		fail            int
		status          int
		errCode, reason string
	}{
		{"used code", "wx-code-1", 0, 401, "unauthorized", "code_invalid"},
		{"unknown code", "never-issued", 0, 401, "unauthorized", "code_invalid"},
		{"WeChat rate limit", "wx-code-3", 45011, 429, "rate_limited", "wx_rate_limited"},
		{"risky user", "wx-code-4", 40226, 403, "forbidden", "wx_risky_user"},
		{"WeChat busy", "wx-code-5", -1, 503, "unavailable", "wechat_unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fail != 0 {
				api.WeChat.FailNext(tc.fail)
			}
			resp, body := api.do(t, http.MethodPost, "/v1/mp/sessions", map[string]string{"code": tc.code}, "")
			wantProblem(t, resp, body, tc.status, tc.errCode, tc.reason)
			if tc.status == 429 && resp.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			if tc.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}

	// Bodies that are not a login.
	resp, body = api.do(t, http.MethodPost, "/v1/mp/sessions", map[string]string{"code": ""}, "")
	if p := wantProblem(t, resp, body, 422, "invalid", "login_invalid"); len(p.Fields) != 1 || p.Fields[0].Field != "code" {
		t.Errorf("fields %v", p.Fields)
	}
	resp, body = api.do(t, http.MethodPost, "/v1/mp/sessions", `{"code":"x","openid":"oAlice0001"}`, "")
	wantProblem(t, resp, body, 400, "malformed", "json_field_invalid")
	resp, body = api.do(t, http.MethodPost, "/v1/mp/sessions", `{"code":42}`, "")
	wantProblem(t, resp, body, 400, "malformed", "json_field_invalid")
}

func TestShopperLoginWeChatDown(t *testing.T) {
	api := newTestAPI(t)
	api.WeChat.AddCode("wx-code", "oAlice", "")
	if err := api.WeChat.Close(); err != nil {
		t.Fatal(err)
	}
	resp, body := api.do(t, http.MethodPost, "/v1/mp/sessions", map[string]string{"code": "wx-code"}, "")
	wantProblem(t, resp, body, 503, "unavailable", "wechat_unavailable")
	if resp.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	if strings.Contains(string(body), "secret") || strings.Contains(string(body), "wx-code") {
		t.Errorf("the problem leaks the request: %s", body)
	}
}

// Dev codes work only where the WeChat stand-in accepts them: embedded mode.
func TestShopperDevCodes(t *testing.T) {
	api := newTestAPI(t)
	resp, body := api.do(t, http.MethodPost, "/v1/mp/sessions", map[string]string{"code": "dev:alice"}, "")
	wantProblem(t, resp, body, 401, "unauthorized", "code_invalid")

	api.WeChat.SetDevCodes(true)
	var a, b shopperSessionJSON
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/mp/sessions", map[string]string{"code": "dev:alice"}, "", &a)
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/mp/sessions", map[string]string{"code": "dev:alice"}, "", &b)
	if a.ShopperID == "" || a.ShopperID != b.ShopperID {
		t.Fatalf("dev logins %s and %s, want one shopper", a.ShopperID, b.ShopperID)
	}
}

func TestShopperLoginRateLimitedPerIP(t *testing.T) {
	api := newTestAPI(t, withLimits(2, 1000))
	for i := range 2 {
		resp, body := api.do(t, http.MethodPost, "/v1/mp/sessions", map[string]string{"code": fmt.Sprint("nope-", i)}, "")
		wantProblem(t, resp, body, 401, "unauthorized", "code_invalid")
	}
	api.WeChat.AddCode("good", "oAlice", "")
	resp, body := api.do(t, http.MethodPost, "/v1/mp/sessions", map[string]string{"code": "good"}, "")
	wantProblem(t, resp, body, 429, "rate_limited", "mp_login_rate_limited_ip")
	retryAfter(t, resp, 60)
}

// Shopper and staff tokens open only their own routes.
func TestTokensDoNotCross(t *testing.T) {
	api := newTestAPI(t)
	shopper := api.loginShopper(t, "oAlice")
	staff := api.login(t, "admin", "scanpay-demo")

	resp, body := api.do(t, http.MethodGet, "/v1/admin/me", nil, shopper)
	wantProblem(t, resp, body, 401, "unauthorized", "token_invalid")
	resp, body = api.do(t, http.MethodGet, "/v1/admin/stores", nil, shopper)
	wantProblem(t, resp, body, 401, "unauthorized", "token_invalid")

	resp, body = api.do(t, http.MethodPost, "/v1/mp/visits", map[string]string{"store_code": "DEMO01"}, staff)
	wantProblem(t, resp, body, 401, "unauthorized", "token_invalid")
	resp, body = api.do(t, http.MethodPost, "/v1/mp/visits", map[string]string{"store_code": "DEMO01"}, "")
	wantProblem(t, resp, body, 401, "unauthorized", "token_missing")
	resp, body = api.do(t, http.MethodPost, "/v1/mp/visits", map[string]string{"store_code": "DEMO01"}, shopper+"x")
	wantProblem(t, resp, body, 401, "unauthorized", "token_invalid")

	// Each works where it belongs.
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/me", nil, staff, nil)
	api.openVisit(t, shopper, map[string]string{"store_code": "DEMO01"})
}

func TestOpenVisitOverHTTP(t *testing.T) {
	api := newTestAPI(t)
	alice := api.loginShopper(t, "oAlice")

	byCode := api.openVisit(t, alice, map[string]string{"store_code": "demo01"})
	if byCode.VisitID == "" || byCode.Store.Code != "DEMO01" || byCode.Store.Name != "Demo Supermarket" ||
		byCode.Store.TimeZone != "Asia/Shanghai" || byCode.Source != "store_code" {
		t.Fatalf("visit %+v", byCode)
	}
	exp, err := time.Parse(time.RFC3339Nano, byCode.ExpiresAt)
	if err != nil || time.Until(exp) < testVisitTTL-time.Minute || time.Until(exp) > testVisitTTL {
		t.Fatalf("expires_at %s, want %s from now", byCode.ExpiresAt, testVisitTTL)
	}
	// Opening again while active extends the same visit, however it is asked.
	if v := api.openVisit(t, alice, map[string]string{"scene": "DEMO01"}); v.VisitID != byCode.VisitID {
		t.Fatalf("scene visit %s, want the active %s", v.VisitID, byCode.VisitID)
	}

	// By location, a fresh shopper each time: lat/lng as strings or numbers,
	// with the store code or without.
	for _, body := range []string{
		`{"store_code":"DEMO01","lat":"31.230866","lng":"121.473701"}`, // ~50 m north
		`{"lat":31.230866,"lng":121.473701}`,
		`{"store_code":"DEMO01","lat":31.2304,"lng":"121.4737","scene":null}`,
	} {
		v := api.openVisit(t, api.loginShopper(t, "oLoc"+fmt.Sprint(shopperSeq.Add(1))), body)
		if v.Store.Code != "DEMO01" || v.Source != "location" {
			t.Fatalf("%s: visit %+v", body, v)
		}
	}

	for _, tc := range []struct {
		name            string
		body            string
		status          int
		errCode, reason string
	}{
		{"1 km away", `{"store_code":"DEMO01","lat":"31.239416","lng":"121.473701"}`, 422, "invalid", "outside_store"},
		{"1 km away, no code", `{"lat":"31.239416","lng":"121.473701"}`, 422, "invalid", "outside_store"},
		{"unknown store", `{"store_code":"NOPE01"}`, 404, "not_found", "store_not_found"},
		{"unknown scene", `{"scene":"NOPE01"}`, 404, "not_found", "store_not_found"},
		{"bad scene", `{"scene":"DEMO 01"}`, 422, "invalid", "scene_invalid"},
		{"scene and code", `{"scene":"DEMO01","store_code":"DEMO01"}`, 422, "invalid", "visit_invalid"},
		{"empty", `{}`, 422, "invalid", "visit_invalid"},
		{"lat only", `{"store_code":"DEMO01","lat":"31.23"}`, 422, "invalid", "position_invalid"},
		{"lat not a number", `{"lat":"north","lng":"121.47"}`, 400, "malformed", "json_field_invalid"},
		{"lat a bool", `{"lat":true,"lng":"121.47"}`, 400, "malformed", "json_field_invalid"},
		{"unknown field", `{"store_code":"DEMO01","accuracy":5}`, 400, "malformed", "json_field_invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, http.MethodPost, "/v1/mp/visits", tc.body, alice)
			p := wantProblem(t, resp, body, tc.status, tc.errCode, tc.reason)
			if tc.reason == "outside_store" && !strings.Contains(p.Detail, "1001 m from store DEMO01") {
				t.Errorf("detail %q should give the distance", p.Detail)
			}
		})
	}

	// A store without a geofence takes no location visits.
	admin := api.login(t, "admin", "scanpay-demo")
	api.mustDo(t, http.StatusOK, http.MethodPatch, "/v1/admin/stores/DEMO01", map[string]any{"radius_m": 0}, admin, nil)
	resp, body := api.do(t, http.MethodPost, "/v1/mp/visits", `{"store_code":"DEMO01","lat":"31.230416","lng":"121.473701"}`, alice)
	wantProblem(t, resp, body, 422, "invalid", "geofence_disabled")
	resp, body = api.do(t, http.MethodPost, "/v1/mp/visits", `{"lat":"31.230416","lng":"121.473701"}`, alice)
	wantProblem(t, resp, body, 422, "invalid", "geofence_disabled")

	// A closed store takes no visits at all.
	api.mustDo(t, http.StatusOK, http.MethodPatch, "/v1/admin/stores/DEMO01", map[string]any{"active": false}, admin, nil)
	resp, body = api.do(t, http.MethodPost, "/v1/mp/visits", `{"store_code":"DEMO01"}`, alice)
	wantProblem(t, resp, body, 422, "invalid", "store_closed")
}
