package http_test

import (
	"bytes"
	"image/png"
	"net/http"
	"testing"
)

// A manager downloads the store's entry code: a PNG from WeChat's
// getwxacodeunlimit (here the fake, through the real client), with the
// store code as scene. WeChat's JSON errors become the API's problems.
func TestEntryCode(t *testing.T) {
	api := newTestAPI(t)
	manager := api.login(t, "manager1", "scanpay-demo")
	resp, body := api.do(t, http.MethodGet, "/v1/admin/stores/DEMO01/entry-code?width=430", nil, manager)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("entry code: %d %s %.100s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if _, err := png.DecodeConfig(bytes.NewReader(body)); err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	reqs := api.WeChat.CodeRequests()
	if len(reqs) != 1 || reqs[0].Scene != "DEMO01" || reqs[0].Page != "pages/index/index" || reqs[0].Width != 430 {
		t.Fatalf("WeChat was asked %+v", reqs)
	}

	clerk := api.login(t, "clerk1", "scanpay-demo")
	resp, body = api.do(t, http.MethodGet, "/v1/admin/stores/DEMO01/entry-code", nil, clerk)
	wantProblem(t, resp, body, http.StatusForbidden, "forbidden", "role_insufficient")

	resp, body = api.do(t, http.MethodGet, "/v1/admin/stores/DEMO01/entry-code?width=5", nil, manager)
	wantProblem(t, resp, body, http.StatusUnprocessableEntity, "invalid", "query_invalid")

	api.WeChat.FailNext(45009) // WeChat's rate limit, as JSON instead of an image
	resp, body = api.do(t, http.MethodGet, "/v1/admin/stores/DEMO01/entry-code", nil, manager)
	wantProblem(t, resp, body, http.StatusTooManyRequests, "rate_limited", "wx_rate_limited")

	api.WeChat.FailNext(-1) // system busy
	resp, body = api.do(t, http.MethodGet, "/v1/admin/stores/DEMO01/entry-code", nil, manager)
	if p := problem(t, resp, body); resp.StatusCode != http.StatusServiceUnavailable || p.Code != "unavailable" {
		t.Fatalf("system busy: %d %+v", resp.StatusCode, p)
	}
}
