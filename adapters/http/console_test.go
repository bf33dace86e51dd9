package http_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Without a session every console page sends the browser to the login
// page; a wrong password stays there with the reason; a login opens the
// console with the menu the role may use and the staff member's stores.
func TestConsoleLoginAndMenu(t *testing.T) {
	api := newTestAPI(t)
	resp, _ := api.do(t, http.MethodGet, "/console/?tab=1", nil, "")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/console/login?next=%2Fconsole%2F%3Ftab%3D1" {
		t.Fatalf("no session: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	u := &consoleUser{api: api, cookies: map[string]string{}}
	resp, page := u.post(t, "/console/login", url.Values{"username": {"manager1"}, "password": {"wrong"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, `role="alert"`) || u.cookies["scanpay_console"] != "" {
		t.Fatalf("wrong password: %d, cookies %v\n%s", resp.StatusCode, u.cookies, page)
	}
	resp, _ = u.post(t, "/console/login", url.Values{"username": {"manager1"}, "password": {"scanpay-demo"}, "next": {"https://evil.example/"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, c := range resp.Cookies() {
		if c.Name == "scanpay_console" && (!c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/console") {
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/console", c)
		}
	}
	manager := api.consoleLogin(t, "manager1")
	_, home := manager.get(t, "/console/")
	clerk := api.consoleLogin(t, "clerk1")
	_, clerkHome := clerk.get(t, "/console/")
	for _, item := range []string{"Sales report", "Import", "Promotions"} {
		if !strings.Contains(home, item) {
			t.Errorf("manager's menu lacks %s", item)
		}
		if strings.Contains(clerkHome, ">"+item+"<") {
			t.Errorf("clerk's menu shows %s", item)
		}
	}
	if !strings.Contains(clerkHome, "Exit check") || !strings.Contains(clerkHome, `<option value="DEMO01" selected>`) {
		t.Errorf("clerk's home:\n%s", clerkHome)
	}
	// Console pages may not be framed by another site (clickjacking).
	resp, _ = api.do(t, http.MethodGet, "/console/", nil, "", manager.header()...)
	if resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("console page headers: %v", resp.Header)
	}
	// The session cookie is not a bearer token for the JSON API.
	resp, _ = api.do(t, http.MethodGet, "/v1/admin/me", nil, "", manager.header()...)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("JSON API with the console cookie: %d", resp.StatusCode)
	}
}

// A console form needs the session's CSRF token and our own origin: a
// post another site makes the browser send, with the cookie riding along,
// changes nothing.
func TestConsoleFormsNeedCSRFAndSameOrigin(t *testing.T) {
	api := newTestAPI(t)
	u := api.consoleLogin(t, "manager1")
	headers := append(u.header(), "Content-Type", "application/x-www-form-urlencoded")
	for _, tc := range []struct {
		name  string
		form  url.Values
		extra []string
	}{
		{"no token", url.Values{"store": {"DEMO01"}}, []string{"Sec-Fetch-Site", "same-origin"}},
		{"wrong token", url.Values{"store": {"DEMO01"}, "csrf": {"x" + u.csrf}}, []string{"Sec-Fetch-Site", "same-origin"}},
		{"right token, other site", url.Values{"store": {"DEMO01"}, "csrf": {u.csrf}}, []string{"Sec-Fetch-Site", "cross-site"}},
	} {
		resp, body := api.do(t, http.MethodPost, "/console/store", tc.form.Encode(), "", append(headers, tc.extra...)...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
	}
	resp, body := u.post(t, "/console/store", url.Values{"store": {"DEMO01"}, "next": {"/console/"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("picking the store from the page: %d %s", resp.StatusCode, body)
	}
	// A store the manager does not work in is refused on the page.
	resp, body = u.post(t, "/console/store", url.Values{"store": {"NOPE01"}, "next": {"/console/"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `role="alert"`) {
		t.Fatalf("picking another store: %d %s", resp.StatusCode, body)
	}
	// Logging out ends the session.
	u.post(t, "/console/logout", url.Values{})
	resp, _ = u.get(t, "/console/")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("after logout: %d", resp.StatusCode)
	}
}
