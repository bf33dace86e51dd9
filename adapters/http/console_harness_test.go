package http_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// consoleUser is a browser on the console: it keeps the session cookies
// and sends forms the way the console's own pages do (same origin, with
// the page's CSRF token).
type consoleUser struct {
	api     *testAPI
	cookies map[string]string
	csrf    string
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// consoleLogin logs username in through the login form.
func (a *testAPI) consoleLogin(t *testing.T, username string) *consoleUser {
	t.Helper()
	u := &consoleUser{api: a, cookies: map[string]string{}}
	resp, body := u.post(t, "/console/login", url.Values{"username": {username}, "password": {"scanpay-demo"}, "next": {"/console/"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("console login as %s: %d %s", username, resp.StatusCode, body)
	}
	if u.cookies["scanpay_console"] == "" {
		t.Fatal("console login set no session cookie")
	}
	u.get(t, "/console/") // reads the CSRF token
	return u
}

func (u *consoleUser) header() []string {
	var parts []string
	for k, v := range u.cookies {
		parts = append(parts, k+"="+v)
	}
	return []string{"Cookie", strings.Join(parts, "; ")}
}

func (u *consoleUser) keep(resp *http.Response, body []byte) {
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(u.cookies, c.Name)
		} else {
			u.cookies[c.Name] = c.Value
		}
	}
	if m := csrfRE.FindSubmatch(body); m != nil {
		u.csrf = string(m[1])
	}
}

// get loads a page.
func (u *consoleUser) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, body := u.api.do(t, http.MethodGet, path, nil, "", u.header()...)
	u.keep(resp, body)
	return resp, string(body)
}

// post sends a form from a console page, with the session's CSRF token
// unless form carries its own.
func (u *consoleUser) post(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	if form.Get("csrf") == "" && u.csrf != "" {
		form.Set("csrf", u.csrf)
	}
	headers := append(u.header(), "Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin")
	resp, body := u.api.do(t, http.MethodPost, path, form.Encode(), "", headers...)
	u.keep(resp, body)
	return resp, string(body)
}
