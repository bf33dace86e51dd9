package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	httpapi "github.com/scanpay/scanpay/adapters/http"
	"github.com/scanpay/scanpay/docs"
)

type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func TestHealthAndReadiness(t *testing.T) {
	api := newTestAPI(t)
	var h map[string]string
	api.mustDo(t, 200, "GET", "/healthz", nil, "", &h)
	if h["status"] != "ok" {
		t.Errorf("healthz %v", h)
	}
	var r readiness
	api.mustDo(t, 200, "GET", "/readyz", nil, "", &r)
	if r.Status != "ok" || r.Checks["database"] != "ok" || r.Checks["redis"] != "ok" || len(r.Checks) != 2 {
		t.Errorf("readyz %+v, want ok with database and redis ok", r)
	}
}

func TestReadinessNamesWhatIsDown(t *testing.T) {
	deadRedis := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", MaxRetries: -1,
		DialerRetries: 1, DialTimeout: 500 * time.Millisecond})
	t.Cleanup(func() { _ = deadRedis.Close() })
	api := newTestAPI(t, withChecks(func(api *testAPI) []httpapi.Check {
		return []httpapi.Check{
			{Name: "database", Ping: api.DB.Ping},
			{Name: "redis", Ping: func(ctx context.Context) error { return deadRedis.Ping(ctx).Err() }},
		}
	}))
	start := time.Now()
	var r readiness
	api.mustDo(t, http.StatusServiceUnavailable, "GET", "/readyz", nil, "", &r)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("readyz took %s with Redis down, want a prompt answer", took)
	}
	if r.Status != "unavailable" || r.Checks["database"] != "ok" || !strings.HasPrefix(r.Checks["redis"], "down") {
		t.Errorf("readyz %+v, want unavailable naming redis down and database ok", r)
	}
	// Liveness does not depend on the dependencies.
	api.mustDo(t, 200, "GET", "/healthz", nil, "", nil)
}

func TestMetricsUseRoutePatterns(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	api.mustDo(t, 200, "GET", "/v1/admin/stores/DEMO01", nil, admin, nil)
	api.mustDo(t, 200, "GET", "/v1/admin/stores/demo01", nil, admin, nil)
	api.do(t, "GET", "/v1/admin/stores/DEMO01", nil, "")
	api.do(t, "GET", "/no/such/route/x1", nil, "")
	api.do(t, "DELETE", "/v1/admin/stores", nil, "")

	resp, body := api.do(t, "GET", "/metrics", nil, "")
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	m := string(body)
	for _, want := range []string{
		`scanpay_http_request_duration_seconds_count{method="GET",route="/v1/admin/stores/:code",status="200"} 2`,
		`scanpay_http_request_duration_seconds_count{method="GET",route="/v1/admin/stores/:code",status="401"} 1`,
		`scanpay_http_request_duration_seconds_count{method="POST",route="/v1/admin/sessions",status="201"} 1`,
		`scanpay_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1`,
		`scanpay_http_request_duration_seconds_count{method="DELETE",route="unmatched",status="405"} 1`,
		`scanpay_http_request_duration_seconds_bucket{method="GET",route="/v1/admin/stores/:code",status="200",le="+Inf"} 2`,
	} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, raw := range []string{"DEMO01", "demo01", "/no/such/route"} {
		if strings.Contains(m, raw) {
			t.Errorf("metrics carry the raw path %q: labels must be route patterns", raw)
		}
	}
}

func TestOpenAPIIsServed(t *testing.T) {
	api := newTestAPI(t)
	resp, body := api.do(t, "GET", "/openapi.yaml", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "yaml") {
		t.Fatalf("openapi.yaml: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !bytes.Equal(body, docs.OpenAPI) || !bytes.Contains(body, []byte("\nopenapi: 3.1")) {
		t.Errorf("served document is not docs/openapi.yaml (OpenAPI 3.1): %.80s", body)
	}
}

func TestQueuesUIIsForAdmins(t *testing.T) {
	api := newTestAPI(t, withQueuesUI(asynqmonUI(t)))
	clerk := api.login(t, "clerk1", "scanpay-demo")
	resp, _ := api.loginResp(t, "admin", "scanpay-demo")
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "scanpay_staff" {
			cookie = c
		}
	}
	if cookie == nil || cookie.Path != httpapi.QueuesPath || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("login cookie %+v, want scanpay_staff, HttpOnly, SameSite=Strict, Path=%s", cookie, httpapi.QueuesPath)
	}
	var sess struct{ Token string }
	api.mustDo(t, 201, "POST", "/v1/admin/sessions", map[string]string{"username": "admin", "password": "scanpay-demo"}, "", &sess)
	admin := sess.Token
	withCookie := func(v string) []string { return []string{"Cookie", "scanpay_staff=" + v} }

	for _, tc := range []struct {
		name, path, token string
		headers           []string
		status            int
		reason            string
	}{
		{"no token", httpapi.QueuesPath, "", nil, 401, "token_missing"},
		{"no token on a sub page", httpapi.QueuesPath + "/api/queues", "", nil, 401, "token_missing"},
		{"bad cookie", httpapi.QueuesPath, "", withCookie("nope"), 401, "token_invalid"},
		{"clerk", httpapi.QueuesPath, clerk, nil, 403, "role_insufficient"},
		{"clerk on the API", httpapi.QueuesPath + "/api/queues", clerk, nil, 403, "role_insufficient"},
		{"admin", httpapi.QueuesPath, admin, nil, 200, ""},
		{"admin on the API", httpapi.QueuesPath + "/api/queues", admin, nil, 200, ""},
		{"admin by cookie", httpapi.QueuesPath, "", withCookie(cookie.Value), 200, ""},
		// The cookie is for the browser pages only: the JSON API wants a bearer token.
		{"cookie on the JSON API", "/v1/admin/stores", "", withCookie(cookie.Value), 401, "token_missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, "GET", tc.path, nil, tc.token, tc.headers...)
			if tc.status != 200 {
				code := map[int]string{401: "unauthorized", 403: "forbidden"}[tc.status]
				wantProblem(t, resp, body, tc.status, code, tc.reason)
				return
			}
			if resp.StatusCode != 200 {
				t.Fatalf("status %d, want 200; body %.200s", resp.StatusCode, body)
			}
			if strings.HasSuffix(tc.path, "/api/queues") && !json.Valid(body) {
				t.Errorf("queues API answered %.200s, want JSON", body)
			}
			if tc.path == httpapi.QueuesPath && !strings.Contains(strings.ToLower(string(body)), "<html") {
				t.Errorf("queues page answered %.200s, want the UI's HTML", body)
			}
		})
	}
}

func TestQueuesUIAbsentIsNotFound(t *testing.T) {
	api := newTestAPI(t)
	resp, body := api.do(t, "GET", httpapi.QueuesPath, nil, "")
	wantProblem(t, resp, body, http.StatusNotFound, "not_found", "route_not_found")
}
