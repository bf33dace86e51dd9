package http_test

import (
	"net/http"
	"testing"

	httpapi "github.com/scanpay/scanpay/adapters/http"
)

// The queue UI's cookie must not let another site press its buttons: a
// cookie-authenticated change needs the browser to say it came from our
// own page. A bearer token is not sent by browsers on their own, so it
// needs no such check.
func TestQueuesUIRefusesCrossSiteChanges(t *testing.T) {
	api := newTestAPI(t, withQueuesUI(func(*testAPI) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	}))
	admin := api.login(t, "admin", "scanpay-demo")
	cookie := "scanpay_staff=" + admin
	path := httpapi.QueuesPath + "/api/queues/default:pause"
	for _, tc := range []struct {
		name    string
		token   string
		headers []string
		status  int
	}{
		{"cookie, other site", "", []string{"Cookie", cookie, "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"cookie, sibling subdomain", "", []string{"Cookie", cookie, "Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
		{"cookie, foreign Origin", "", []string{"Cookie", cookie, "Origin", "https://evil.example"}, http.StatusForbidden},
		{"cookie, no origin at all", "", []string{"Cookie", cookie}, http.StatusForbidden},
		{"cookie, our page", "", []string{"Cookie", cookie, "Sec-Fetch-Site", "same-origin"}, http.StatusNoContent},
		{"cookie, our Origin", "", []string{"Cookie", cookie, "Origin", "http://example.com"}, http.StatusNoContent},
		{"bearer token", admin, nil, http.StatusNoContent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, http.MethodPost, path, nil, tc.token, tc.headers...)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.status == http.StatusForbidden {
				wantProblem(t, resp, body, tc.status, "forbidden", "cross_site_request")
			}
		})
	}
}
