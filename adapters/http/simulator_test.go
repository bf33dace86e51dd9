package http_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// The simulator pays through the dev payment stand-in, so it exists only
// where that does: a production server (DevPay nil) answers 404 for every
// one of its files, a dev server serves the page, its script and its style
// with a CSP that keeps the page to this origin.
func TestSimulatorServedOnlyInDevMode(t *testing.T) {
	prod := newTestAPI(t)
	for _, path := range []string{"/try/", "/try", "/try/app.js", "/try/app.css"} {
		if resp, _ := prod.do(t, http.MethodGet, path, nil, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("without DevPay GET %s: %d, want 404", path, resp.StatusCode)
		}
	}

	dev := newTestAPI(t, withDevPay(func(context.Context, string) error { return nil }))
	for _, tc := range []struct{ path, ctype, contains string }{
		{"/try/", "text/html", `id="barcode-input"`},
		{"/try", "text/html", `id="login-btn"`},
		{"/try/app.js", "javascript", "/v1/dev/orders/"},
		{"/try/app.css", "text/css", "#exit-pass-img"},
	} {
		resp, body := dev.do(t, http.MethodGet, tc.path, nil, "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), tc.ctype) ||
			!strings.Contains(string(body), tc.contains) {
			t.Errorf("GET %s: %d %s, body has %q: %v", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"),
				tc.contains, strings.Contains(string(body), tc.contains))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: CSP %q", tc.path, csp)
		}
	}
	// Every element the browser tests and the README name is on the page.
	_, page := dev.do(t, http.MethodGet, "/try/", nil, "")
	for _, id := range []string{"login-name", "login-btn", "barcode-input", "scan-btn", "cart-total", "coupon-input",
		"coupon-btn", "checkout-btn", "pay-btn", "order-status", "exit-pass-img", "receipt", "alert"} {
		if !strings.Contains(string(page), `id="`+id+`"`) {
			t.Errorf("page lacks #%s", id)
		}
	}
	// Inputs carry labels: each id the page gives an input has its label.
	for _, id := range []string{"login-name", "barcode-input", "coupon-input"} {
		if !strings.Contains(string(page), `for="`+id+`"`) {
			t.Errorf("input #%s has no label", id)
		}
	}
}
