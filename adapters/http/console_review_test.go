package http_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A post-login (or store picker) "next" with a line break must not end up
// in the Location header: fasthttp writes header values as they are, so
// "\r\nSet-Cookie: ..." would add a header of the attacker's to the answer
// (response splitting; e.g. a fixed session cookie on a narrower path). A
// link to the login page with such a next lands in the form's hidden field
// and is posted by the victim's own login.
func TestConsoleReviewNextHeaderInjection(t *testing.T) {
	api := newTestAPI(t)
	evil := "/console/\r\nSet-Cookie: scanpay_console=fixed; Path=/console/products"
	u := &consoleUser{api: api, cookies: map[string]string{}}
	resp, _ := u.post(t, "/console/login", url.Values{"username": {"manager1"}, "password": {"scanpay-demo"}, "next": {evil}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Errorf("login with a CRLF next: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, c := range resp.Cookies() {
		if c.Value == "fixed" {
			t.Errorf("login answer carries an injected cookie %+v", c)
		}
	}
	// The login page does not hand the line break to its form either.
	_, page := u.get(t, "/console/login?next="+url.QueryEscape(evil))
	if strings.Contains(page, "Set-Cookie") {
		t.Errorf("login page keeps the CRLF next:\n%s", page)
	}
	m := api.consoleLogin(t, "manager1")
	resp, _ = m.post(t, "/console/store", url.Values{"store": {"DEMO01"}, "next": {evil}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Errorf("store picker with a CRLF next: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, c := range resp.Cookies() {
		if c.Value == "fixed" {
			t.Errorf("store picker answer carries an injected cookie %+v", c)
		}
	}
}

// The flash line is the console's own voice ("Price saved"), shown above
// every page. It must not say what a link's query string says, or anyone
// can send staff a real console link that tells them, in the console's
// voice, to call a number or re-enter a password elsewhere. Only a flash
// the console itself issued to this session is shown.
func TestConsoleReviewFlashNotForgeable(t *testing.T) {
	api := newTestAPI(t)
	m := api.consoleLogin(t, "manager1")
	phish := "Your session expired: call 400-000-0000 to unlock"
	resp, page := m.get(t, "/console/?flash="+url.QueryEscape(phish))
	if resp.StatusCode != http.StatusOK || strings.Contains(page, "400-000-0000") {
		t.Errorf("a flash from the query string is shown: %d\n%s", resp.StatusCode, page)
	}
	// A flash the console issued is shown, with its own link only.
	resp, _ = m.post(t, "/console/stock/movements", url.Values{"sku": {"DRK-COLA-330"}, "kind": {"receive"}, "quantity": {"1"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/stock?flash=") {
		t.Fatalf("receive: %d to %q", resp.StatusCode, loc)
	}
	_, page = m.get(t, loc)
	if !strings.Contains(page, `class="flash"`) || !strings.Contains(page, "recorded") {
		t.Errorf("the console's own flash is not shown:\n%s", page)
	}
	// The same link in another session (a link one staff member sends
	// another) or with its text changed shows nothing.
	clerk := api.consoleLogin(t, "clerk1")
	_, page = clerk.get(t, loc)
	if strings.Contains(page, `class="flash"`) {
		t.Errorf("another session shows the link's flash:\n%s", page)
	}
	u, _ := url.Parse(loc)
	q := u.Query()
	q.Set("flash", phish)
	_, page = m.get(t, u.Path+"?"+q.Encode())
	if strings.Contains(page, "400-000-0000") {
		t.Errorf("a changed flash text is shown:\n%s", page)
	}
}
