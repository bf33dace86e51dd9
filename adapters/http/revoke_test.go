package http_test

import (
	"net/http"
	"testing"
	"time"
)

// A password reset (after a suspected leak) locks out every session made
// with the old password; sessions made after it work; other fields of the
// account can change without logging anybody out.
func TestPasswordChangeRevokesOlderTokens(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	clerkID := staffIDOf(t, api, admin, "clerk1")

	api.mustDo(t, http.StatusOK, http.MethodPatch, "/v1/admin/staff/"+clerkID, map[string]any{"display_name": "Renamed"}, admin, nil)
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/me", nil, clerk, nil)

	time.Sleep(1100 * time.Millisecond) // token times have whole seconds
	api.mustDo(t, http.StatusOK, http.MethodPatch, "/v1/admin/staff/"+clerkID, map[string]any{"password": "a-new-long-password"}, admin, nil)
	resp, body := api.do(t, http.MethodGet, "/v1/admin/me", nil, clerk)
	wantProblem(t, resp, body, http.StatusUnauthorized, "unauthorized", "token_revoked")

	fresh := api.login(t, "clerk1", "a-new-long-password")
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/me", nil, fresh, nil)
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/me", nil, admin, nil)
}
