package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// Behind a trusted load balancer the client is the right-most address
// that is not one of ours: whatever a client writes further left in
// X-Forwarded-For must not give it a fresh per-IP budget.
func TestForwardedForCannotDodgeTheIPLimit(t *testing.T) {
	// app.Test connections come from 0.0.0.0: that is "the load balancer".
	api := newTestAPI(t, withLimits(2, 1000), withTrustedProxies("0.0.0.0"))
	for i, spoof := range []string{"1.1.1.1", "2.2.2.2", "3.3.3.3"} {
		resp, body := api.do(t, http.MethodPost, "/v1/admin/sessions", map[string]string{"username": "admin", "password": "wrong-password"}, "",
			"X-Forwarded-For", spoof+", 203.0.113.7")
		want := http.StatusUnauthorized
		if i == 2 {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Fatalf("attempt %d with spoofed %s: %d %s, want %d", i+1, spoof, resp.StatusCode, body, want)
		}
	}
	// Another real client behind the same balancer has its own budget.
	resp, body := api.do(t, http.MethodPost, "/v1/admin/sessions", map[string]string{"username": "admin", "password": "scanpay-demo"}, "",
		"X-Forwarded-For", "198.51.100.9")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("other client: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(api.Logs.String(), `"ip":"203.0.113.7"`) {
		t.Fatalf("the log does not name the real client 203.0.113.7:\n%s", api.Logs.String())
	}
}

// Without trusted proxies X-Forwarded-For is ignored entirely.
func TestForwardedForIgnoredFromUntrustedPeers(t *testing.T) {
	api := newTestAPI(t, withLimits(1, 1000))
	for i, xff := range []string{"1.1.1.1", "2.2.2.2"} {
		resp, _ := api.do(t, http.MethodPost, "/v1/admin/sessions", map[string]string{"username": "admin", "password": "wrong-password"}, "",
			"X-Forwarded-For", xff)
		if i == 1 && resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("second attempt with another X-Forwarded-For: %d, want 429", resp.StatusCode)
		}
	}
}

// A username longer than any account's is refused without a Redis key:
// otherwise each guess could park an arbitrary blob in Redis.
func TestOverlongUsernameLeavesNoCounter(t *testing.T) {
	api := newTestAPI(t)
	long := strings.Repeat("x", 5000)
	resp, body := api.do(t, http.MethodPost, "/v1/admin/sessions", map[string]string{"username": long, "password": "whatever-password"}, "")
	wantProblem(t, resp, body, http.StatusUnauthorized, "unauthorized", "invalid_credentials")
	keys, err := api.Redis.Keys(t.Context(), "*"+long[:100]+"*").Result()
	if err != nil || len(keys) != 0 {
		t.Fatalf("redis keys for the long username: %v %v", keys, err)
	}
}
