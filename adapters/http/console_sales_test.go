package http_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	refundKeyRE = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)
	verdictRE   = regexp.MustCompile(`class="verdict (pass|audit|refused)"`)
)

// wantIn fails the test unless page holds every string of want.
func wantIn(t *testing.T, what, page string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Fatalf("%s lacks %q:\n%s", what, w, page)
		}
	}
}

// Orders: a paid order in the list and its page; a manager refunds one
// line through the form (a double submit of the same form is one refund);
// a clerk sees no form and a forged clerk post changes nothing.
func TestConsoleSalesOrdersAndRefund(t *testing.T) {
	api := newTestAPI(t)
	ord := api.paidColas(t, "oConsole01", 2)
	clerk := api.consoleLogin(t, "clerk1")
	manager := api.consoleLogin(t, "manager1")

	_, list := clerk.get(t, "/console/orders")
	wantIn(t, "orders list", list, `data-order="`+ord.OrderNo+`"`, `href="/console/orders/`+ord.OrderNo+`"`, ">paid<")
	_, filtered := clerk.get(t, "/console/orders?status=closed")
	if strings.Contains(filtered, ord.OrderNo) {
		t.Errorf("status=closed lists the paid order")
	}
	if resp, _ := clerk.get(t, "/console/orders?status=lost"); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("status=lost: %d", resp.StatusCode)
	}

	path := "/console/orders/" + ord.OrderNo
	_, clerkPage := clerk.get(t, path)
	wantIn(t, "clerk's order page", clerkPage, "Cola can", `id="order-total">6.00<`, "paid", "No refunds.",
		"Not checked at the exit yet.", `href="/console/orders/`+ord.OrderNo+`/receipt"`)
	if strings.Contains(clerkPage, "refund-form") {
		t.Fatalf("a clerk is shown the refund form")
	}

	_, page := manager.get(t, path)
	line := ord.Lines[0].ID
	wantIn(t, "manager's order page", page, `id="refund-form"`, `<label for="refund-qty-`+line+`">`, `name="qty_`+line+`"`,
		`<label for="refund-reason">`, `<label for="refund-restock">`)
	key := refundKeyRE.FindStringSubmatch(page)
	if key == nil {
		t.Fatal("refund form without an idempotency key")
	}
	form := func() url.Values {
		return url.Values{"idempotency_key": {key[1]}, "qty_" + line: {"1"}, "reason": {"dented can"}, "restock": {"1"}}
	}

	// A forged post from the clerk (with the clerk's own token) is refused.
	resp, body := clerk.post(t, path+"/refunds", form())
	if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "refund-form") {
		t.Fatalf("clerk's refund post: %d\n%s", resp.StatusCode, body)
	}
	if n := api.count(t, "SELECT COUNT(*) FROM refunds WHERE order_no = ?", ord.OrderNo); n != 0 {
		t.Fatalf("the clerk's post made %d refunds", n)
	}

	for i := 0; i < 2; i++ { // the double submit
		resp, body := manager.post(t, path+"/refunds", form())
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), path+"?flash=") {
			t.Fatalf("refund submit %d: %d\n%s", i+1, resp.StatusCode, body)
		}
	}
	if n := api.count(t, "SELECT COUNT(*) FROM refunds WHERE order_no = ?", ord.OrderNo); n != 1 {
		t.Fatalf("%d refunds after a double submit, want 1", n)
	}
	_, page = manager.get(t, path)
	wantIn(t, "order page after the refund", page, `id="order-status">partially_refunded<`, `data-refund="`+ord.OrderNo+`R01"`,
		"dented can", `id="order-refunded">3.00<`, "(up to 1)")
	var status string
	if err := api.DB.SQL().QueryRow("SELECT status FROM orders WHERE order_no = ?", ord.OrderNo).Scan(&status); err != nil || status != "partially_refunded" {
		t.Fatalf("order status %q (%v)", status, err)
	}

	// A refusal re-renders the form with what was typed and a new key.
	resp, body = manager.post(t, path+"/refunds", url.Values{"idempotency_key": {"fresh-key-1"}, "qty_" + line: {"5"}, "reason": {"too many"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"`) ||
		!strings.Contains(body, `value="too many"`) || !strings.Contains(body, `value="5"`) {
		t.Fatalf("refund beyond what is left: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = manager.post(t, path+"/refunds", url.Values{"idempotency_key": {"fresh-key-2"}, "reason": {"nothing"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("refund without lines: %d", resp.StatusCode)
	}
	if n := api.count(t, "SELECT COUNT(*) FROM refunds WHERE order_no = ?", ord.OrderNo); n != 1 {
		t.Fatalf("%d refunds after refusals, want 1", n)
	}

	// The receipt opens from the console session.
	resp, body = clerk.get(t, path+"/receipt")
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound {
		t.Fatalf("receipt: %d %s", resp.StatusCode, body)
	}
	if resp, _ := clerk.get(t, "/console/orders/NOPE"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown order: %d", resp.StatusCode)
	}
}

// Exit checks on the scan screen: PASS at audit rate 0, AUDIT at rate 1
// with its form recorded, REFUSED for garbage; the scan box has the focus
// on every answer.
func TestConsoleSalesExitCheck(t *testing.T) {
	api := newTestAPI(t)
	clerk := api.consoleLogin(t, "clerk1")
	_, page := clerk.get(t, "/console/exit-check")
	wantIn(t, "scan screen", page, `id="exit-scan-form"`, `<label for="exit-payload">Scan exit pass</label>`, "data-focus", "autofocus")

	verdictOf := func(page string) string {
		t.Helper()
		m := verdictRE.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no verdict block:\n%s", page)
		}
		if !strings.Contains(page, `id="exit-payload"`) || !strings.Contains(page, "data-focus") {
			t.Fatalf("answer without the focused scan box:\n%s", page)
		}
		return m[1]
	}
	scan := func(payload string) (*http.Response, string) {
		t.Helper()
		resp, body := clerk.post(t, "/console/exit-check", url.Values{"payload": {payload}})
		if resp.StatusCode == http.StatusSeeOther {
			return clerk.get(t, resp.Header.Get("Location"))
		}
		return resp, body
	}

	api.setAuditRate(t, "0")
	tok, no := api.paidCola(t, "oConsoleExit1")
	pass1 := api.exitPassOf(t, tok, no).Payload
	_, page = scan(pass1)
	if v := verdictOf(page); v != "pass" || !strings.Contains(page, ">PASS<") || !strings.Contains(page, no) || strings.Contains(page, "audit-form") {
		t.Fatalf("rate 0: verdict %s\n%s", v, page)
	}

	api.setAuditRate(t, "1")
	tok2, no2 := api.paidCola(t, "oConsoleExit2")
	resp, page := scan(api.exitPassOf(t, tok2, no2).Payload)
	if v := verdictOf(page); v != "audit" || resp.StatusCode != http.StatusOK {
		t.Fatalf("rate 1: verdict %s\n%s", v, page)
	}
	wantIn(t, "audit answer", page, ">AUDIT<", no2, `<ul id="verdict-reasons"><li>The shopper&#39;s first order</li>`, `id="audit-form"`, `<label for="audit-barcode-0">`,
		`<label for="audit-nothing">Nothing missing</label>`)
	action := regexp.MustCompile(`action="(/console/exit-check/\d+/result)"`).FindStringSubmatch(page)
	if action == nil {
		t.Fatal("audit form without its action")
	}
	// An empty form is not "nothing missing"; a bad quantity names its row.
	resp, body := clerk.post(t, action[1], url.Values{"barcode_0": {""}, "qty_0": {"1"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Nothing missing") {
		t.Fatalf("empty audit: %d\n%s", resp.StatusCode, body)
	}
	resp, body = clerk.post(t, action[1], url.Values{"barcode_0": {"6924513001040"}, "qty_0": {"x"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "row 1 quantity") || !strings.Contains(body, `value="6924513001040"`) {
		t.Fatalf("bad quantity: %d\n%s", resp.StatusCode, body)
	}
	resp, body = clerk.post(t, action[1], url.Values{"barcode_0": {demoEAN("692451300104")}, "qty_0": {"2"}, "barcode_1": {""}, "qty_1": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("audit result: %d\n%s", resp.StatusCode, body)
	}
	_, page = clerk.get(t, resp.Header.Get("Location"))
	wantIn(t, "recorded audit", page, "2 item(s) found unscanned", `id="audit-result"`, "Cola can")
	if strings.Contains(page, `id="audit-form"`) || verdictOf(page) != "audit" {
		t.Fatalf("the audit form is still offered:\n%s", page)
	}
	if n := api.count(t, "SELECT COUNT(*) FROM exit_checks WHERE order_no = ? AND unscanned_qty = 2 AND result_at IS NOT NULL", no2); n != 1 {
		t.Fatalf("the audit result is not stored (%d rows)", n)
	}

	// Refusals: garbage, and the first pass again.
	resp, page = scan("not-a-pass")
	if v := verdictOf(page); v != "refused" || resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, ">REFUSED<") ||
		!strings.Contains(page, "exit_pass_forged") {
		t.Fatalf("garbage: %d verdict %s\n%s", resp.StatusCode, v, page)
	}
	resp, page = scan(pass1)
	if verdictOf(page) != "refused" || resp.StatusCode != http.StatusConflict || !strings.Contains(page, "already used") ||
		!strings.Contains(page, `id="verdict-order">`+no) {
		t.Fatalf("used pass: %d\n%s", resp.StatusCode, page)
	}
	// No payload: the alert, no verdict.
	resp, page = clerk.post(t, "/console/exit-check", url.Values{"payload": {" "}})
	if resp.StatusCode != http.StatusUnprocessableEntity || verdictRE.MatchString(page) || !strings.Contains(page, `role="alert"`) {
		t.Fatalf("empty scan: %d\n%s", resp.StatusCode, page)
	}

	// An audit that let nothing slip: "nothing missing" alone.
	tok3, no3 := api.paidCola(t, "oConsoleExit3")
	_, page = scan(api.exitPassOf(t, tok3, no3).Payload)
	action = regexp.MustCompile(`action="(/console/exit-check/\d+/result)"`).FindStringSubmatch(page)
	if resp, body := clerk.post(t, action[1], url.Values{"nothing": {"1"}, "qty_0": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("nothing missing: %d\n%s", resp.StatusCode, body)
	}
	_, page = clerk.get(t, "/console/orders/"+no3)
	wantIn(t, "order page of an audited order", page, "Audit result: nothing missing")
}

// The sales report: the day's numbers in the table and the totals, and
// an accessible SVG chart; a clerk is refused.
func TestConsoleSalesReport(t *testing.T) {
	api := newTestAPI(t)
	seedSalesDay(t, api)
	manager := api.consoleLogin(t, "manager1")

	resp, page := manager.get(t, "/console/reports?from=2026-02-10&to=2026-02-11")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("report: %d\n%s", resp.StatusCode, page)
	}
	wantIn(t, "report", page, `id="report-form"`, `value="2026-02-10"`, `value="2026-02-11"`,
		`<tr data-date="2026-02-10">`, `<td class="num">42.35</td>`, `<td class="num">21.18</td>`, `<td class="num">-4.00</td>`,
		"<dd>¥38.35</dd>", `<svg id="chart-revenue" role="img" aria-label="Revenue per day (¥)"`, "<title id=\"chart-revenue-title\">",
		`<svg id="chart-orders" role="img"`, "<title>2026-02-10: 42.35</title>", "<title>2026-02-11: 0.00</title>")

	// Without dates: today in the store's zone.
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	_, page = manager.get(t, "/console/reports")
	today := time.Now().In(shanghai).Format("2006-01-02")
	wantIn(t, "today's report", page, `id="report-from" name="from" value="`+today+`"`, "<svg")

	resp, page = manager.get(t, "/console/reports?from=2026-02-11&to=2026-02-01")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `value="2026-02-01"`) {
		t.Fatalf("to before from: %d\n%s", resp.StatusCode, page)
	}
	clerk := api.consoleLogin(t, "clerk1")
	if resp, _ := clerk.get(t, "/console/reports"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("clerk's report: %d", resp.StatusCode)
	}
}
