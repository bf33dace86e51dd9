package http_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// The shopper's pass: their own paid order only, JSON or QR image, the
// same payload each time, and nothing in it hints at the verdict.
func TestExitPassForTheShopper(t *testing.T) {
	api := newTestAPI(t)
	tok, no := api.paidCola(t, "oExit01")
	other := api.shopperInStore(t, "oExit02")
	path := "/v1/mp/orders/" + no + "/exit-pass"

	resp, body := api.do(t, http.MethodGet, path, nil, other)
	wantProblem(t, resp, body, 404, "not_found", "order_not_found")
	resp, body = api.do(t, http.MethodGet, path, nil, "")
	wantProblem(t, resp, body, 401, "unauthorized", "")

	var raw map[string]any
	resp = api.mustDo(t, http.StatusOK, http.MethodGet, path, nil, tok, &raw)
	if len(raw) != 3 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("pass %v (Cache-Control %q): want exactly order_no, payload, expires_at, not cached", raw, resp.Header.Get("Cache-Control"))
	}
	pass := api.exitPassOf(t, tok, no)
	var ord orderJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/mp/orders/"+no, nil, tok, &ord)
	paidAt, _ := time.Parse(time.RFC3339Nano, *ord.PaidAt)
	expires, err := time.Parse(time.RFC3339, pass.ExpiresAt)
	if err != nil || !expires.Equal(paidAt.Add(testExitPassTTL).Truncate(time.Second)) {
		t.Fatalf("expires_at %s, want paid_at %s + 30m cut to seconds", pass.ExpiresAt, *ord.PaidAt)
	}
	got, err := domain.VerifyExitPass(testExitPassSecret, pass.Payload, time.Now())
	if err != nil || got.OrderNo != no || pass.OrderNo != no || !got.ExpiresAt.Equal(expires) {
		t.Fatalf("payload %q does not verify as the order's pass: %v", pass.Payload, err)
	}
	if again := api.exitPassOf(t, tok, no); again.Payload != pass.Payload {
		t.Errorf("second fetch %q, first %q: want the same pass", again.Payload, pass.Payload)
	}

	resp, body = api.do(t, http.MethodGet, path+"?format=png", nil, tok)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("png: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the QR image does not decode as PNG: %v", err)
	}
	wantQRModules(t, img, pass.Payload)
	resp, body = api.do(t, http.MethodGet, path+"?format=gif", nil, tok)
	wantProblem(t, resp, body, 422, "invalid", "format_invalid")
}

// The shopper's pass is refused for orders that are not paid, used,
// refunded or expired, each with its reason.
func TestExitPassRefusedForTheShopper(t *testing.T) {
	api := newTestAPI(t)
	api.setAuditRate(t, "0")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	tok := api.shopperInStore(t, "oExit03")
	pending := api.placeOrder(t, tok)
	resp, body := api.do(t, http.MethodGet, "/v1/mp/orders/"+pending.OrderNo+"/exit-pass", nil, tok)
	wantProblem(t, resp, body, 409, "conflict", "order_not_paid")

	tok, used := api.paidCola(t, "oExit04")
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/exit-checks",
		map[string]any{"payload": api.exitPassOf(t, tok, used).Payload}, clerk, nil)
	resp, body = api.do(t, http.MethodGet, "/v1/mp/orders/"+used+"/exit-pass", nil, tok)
	wantProblem(t, resp, body, 409, "conflict", "exit_pass_used")

	tok, refunded := api.paidCola(t, "oExit05")
	api.setStatus(t, refunded, "refunded")
	resp, body = api.do(t, http.MethodGet, "/v1/mp/orders/"+refunded+"/exit-pass", nil, tok)
	wantProblem(t, resp, body, 409, "conflict", "order_refunded")

	tok, late := api.paidCola(t, "oExit06")
	api.ExitClock.Advance(testExitPassTTL + time.Second)
	resp, body = api.do(t, http.MethodGet, "/v1/mp/orders/"+late+"/exit-pass", nil, tok)
	p := wantProblem(t, resp, body, 409, "conflict", "exit_pass_expired")
	if !strings.Contains(p.Detail, "staff") {
		t.Errorf("detail %q does not send the shopper to staff", p.Detail)
	}
}

// setStatus sets an order's status in SQL, standing in for flows built
// elsewhere (staff refunds).
func (a *testAPI) setStatus(t *testing.T, orderNo, status string) {
	t.Helper()
	if _, err := a.DB.SQL().Exec("UPDATE orders SET status = ? WHERE order_no = ?", status, orderNo); err != nil {
		t.Fatal(err)
	}
}

// Every refusal of POST /v1/admin/exit-checks over HTTP, with its status
// and reason, and nothing recorded for any of them.
func TestExitCheckRefusals(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	tok, no := api.paidCola(t, "oExit10")
	pass := api.exitPassOf(t, tok, no).Payload
	_, otherNo := api.paidCola(t, "oExit11")
	parts := strings.Split(pass, ".")
	otherSig := strings.Split(domain.SignExitPass(testExitPassSecret, otherNo, time.Now().Add(time.Hour)).Payload, ".")[2]

	refusals := []struct {
		name, payload string
		status        int
		code, reason  string
	}{
		{"wrong HMAC", parts[0] + "." + parts[1] + "." + strings.Repeat("A", 43), 422, "invalid", "exit_pass_forged"},
		{"garbage", "not a pass at all", 422, "invalid", "exit_pass_forged"},
		{"other order's HMAC", parts[0] + "." + parts[1] + "." + otherSig, 422, "invalid", "exit_pass_forged"},
		{"unknown order, valid HMAC", domain.SignExitPass(testExitPassSecret, "SP404NOSUCHORDER", time.Now().Add(time.Hour)).Payload,
			422, "invalid", "exit_pass_forged"},
		{"expiry moved", parts[0] + ".9999999999." + parts[2], 422, "invalid", "exit_pass_forged"},
	}
	for _, r := range refusals {
		resp, body := api.postExitCheck(t, clerk, map[string]any{"payload": r.payload})
		wantProblem(t, resp, body, r.status, r.code, r.reason)
	}

	// Not paid: a pending order's pass can only be forged with the secret,
	// which is what this test holds.
	pending := api.placeOrder(t, api.shopperInStore(t, "oExit12"))
	unpaid := domain.SignExitPass(testExitPassSecret, pending.OrderNo, time.Now().Add(time.Hour)).Payload
	resp, body := api.postExitCheck(t, clerk, map[string]any{"payload": unpaid})
	wantProblem(t, resp, body, 409, "conflict", "order_not_paid")

	// Refunded in full (staff refunds are built elsewhere: set in SQL).
	rtok, refunded := api.paidCola(t, "oExit13")
	rpass := api.exitPassOf(t, rtok, refunded).Payload
	api.setStatus(t, refunded, "refunded")
	resp, body = api.postExitCheck(t, clerk, map[string]any{"payload": rpass})
	wantProblem(t, resp, body, 409, "conflict", "order_refunded")

	// Another store's gate: a clerk of S2 only, and an admin naming S2.
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/stores", map[string]any{"code": "EXIT02", "name": "Exit 2"}, admin, nil)
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/staff", map[string]any{"username": "exit2.clerk",
		"password": "a-long-password", "role": "clerk", "store_codes": []string{"EXIT02"}}, admin, nil)
	clerk2 := api.login(t, "exit2.clerk", "a-long-password")
	resp, body = api.postExitCheck(t, clerk2, map[string]any{"payload": pass})
	wantProblem(t, resp, body, 422, "invalid", "exit_pass_other_store")
	resp, body = api.postExitCheck(t, admin, map[string]any{"payload": pass, "store_code": "exit02"})
	wantProblem(t, resp, body, 422, "invalid", "exit_pass_other_store")
	// Whose gate: an admin must say; a clerk may not name a store not theirs.
	resp, body = api.postExitCheck(t, admin, map[string]any{"payload": pass})
	p := wantProblem(t, resp, body, 422, "invalid", "store_code_required")
	if !slices.Equal(fieldNames(p), []string{"store_code"}) {
		t.Errorf("fields %v, want store_code", fieldNames(p))
	}
	resp, body = api.postExitCheck(t, clerk, map[string]any{"payload": pass, "store_code": "EXIT02"})
	wantProblem(t, resp, body, 403, "forbidden", "store_not_assigned")
	shopper := api.shopperInStore(t, "oExit14")
	resp, body = api.postExitCheck(t, shopper, map[string]any{"payload": pass})
	if resp.StatusCode != 401 {
		t.Errorf("a shopper token at the staff API: %d %s", resp.StatusCode, body)
	}
	resp, body = api.postExitCheck(t, clerk, map[string]any{"payload": pass, "extra": 1})
	wantProblem(t, resp, body, 400, "malformed", "json_field_invalid")
	resp, body = api.postExitCheck(t, clerk, map[string]any{"payload": " "})
	wantProblem(t, resp, body, 422, "invalid", "exit_check_invalid")

	if n := api.count(t, "SELECT COUNT(*) FROM exit_checks"); n != 0 {
		t.Fatalf("%d exit checks recorded by refusals", n)
	}

	// Expired: the gate's clock moves past paid_at + TTL.
	api.ExitClock.Advance(testExitPassTTL + time.Second)
	resp, body = api.postExitCheck(t, clerk, map[string]any{"payload": pass})
	wantProblem(t, resp, body, 422, "invalid", "exit_pass_expired")

	logs := api.Logs.String()
	if !strings.Contains(logs, `"reason":"exit_pass_other_store"`) || !strings.Contains(logs, `"reason":"exit_pass_expired"`) ||
		strings.Contains(logs, parts[2]) {
		t.Errorf("refusals must be logged with their reason and without the pass's HMAC:\n%s", logs)
	}
}

// A good pass: 201 with the verdict and the completed order; the second
// scan is exit_pass_used. Rate 0 passes, rate 1 audits ("random" plus the
// first-order factor), age-restricted goods audit at rate 0.
func TestExitCheckPassAndAudit(t *testing.T) {
	api := newTestAPI(t)
	clerk := api.login(t, "clerk1", "scanpay-demo")
	api.setAuditRate(t, "0")
	tok, no := api.paidCola(t, "oExit20")
	pass := api.exitPassOf(t, tok, no).Payload

	var got exitCheckJSON
	resp := api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/exit-checks", map[string]any{"payload": pass}, clerk, &got)
	if got.Verdict != "pass" || len(got.AuditReasons) != 0 || got.Order == nil || got.Order.Status != "completed" ||
		got.Order.OrderNo != no || got.StoreCode != "DEMO01" || got.ID == "" || got.CheckedAt == "" || got.Unscanned != nil {
		t.Fatalf("pass check %+v", got)
	}
	if resp.Header.Get("Location") != "/v1/admin/exit-checks/"+got.ID {
		t.Errorf("Location %q", resp.Header.Get("Location"))
	}
	var ord orderJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/mp/orders/"+no, nil, tok, &ord)
	if ord.Status != "completed" {
		t.Fatalf("order %s after the exit check", ord.Status)
	}
	resp, body := api.postExitCheck(t, clerk, map[string]any{"payload": pass})
	wantProblem(t, resp, body, 409, "conflict", "exit_pass_used")

	// Age-restricted goods: audited whatever the rate.
	btok := api.shopperInStore(t, "oExit21")
	beer := api.paidOrderOf(t, btok, func() {
		api.mustDo(t, http.StatusCreated, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": demoEAN("698215700016")}, btok, nil)
	})
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/exit-checks",
		map[string]any{"payload": api.exitPassOf(t, btok, beer).Payload, "store_code": "DEMO01"}, clerk, &got)
	if got.Verdict != "audit" || !slices.Equal(got.AuditReasons, []string{"age_restricted", "first_order"}) {
		t.Fatalf("beer: verdict %s reasons %q, want audit [age_restricted first_order]", got.Verdict, got.AuditReasons)
	}

	// Rate 1: every basket; the shopper's second order is no first order.
	api.setAuditRate(t, "1")
	second := api.paidOrderOf(t, tok, func() { api.scanCola(t, tok, 1) })
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/exit-checks",
		map[string]any{"payload": api.exitPassOf(t, tok, second).Payload}, clerk, &got)
	if got.Verdict != "audit" || !slices.Equal(got.AuditReasons, []string{"random"}) || got.Order.Status != "completed" {
		t.Fatalf("rate 1: verdict %s reasons %q status %s, want audit [random] completed", got.Verdict, got.AuditReasons, got.Order.Status)
	}
	if n := api.count(t, "SELECT COUNT(*) FROM exit_checks WHERE verdict = 'audit'"); n != 2 {
		t.Errorf("%d audits stored, want 2", n)
	}
}

// A partly refunded order is checked and stays partly refunded; its pass
// is then used.
func TestExitCheckPartiallyRefunded(t *testing.T) {
	api := newTestAPI(t)
	clerk := api.login(t, "clerk1", "scanpay-demo")
	tok, no := api.paidCola(t, "oExit25")
	pass := api.exitPassOf(t, tok, no).Payload
	api.setStatus(t, no, "partially_refunded")
	var got exitCheckJSON
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/exit-checks", map[string]any{"payload": pass}, clerk, &got)
	if got.Order.Status != "partially_refunded" {
		t.Fatalf("status %s after the check, want partially_refunded", got.Order.Status)
	}
	resp, body := api.postExitCheck(t, clerk, map[string]any{"payload": pass})
	wantProblem(t, resp, body, 409, "conflict", "exit_pass_used")
	resp, body = api.do(t, http.MethodGet, "/v1/mp/orders/"+no+"/exit-pass", nil, tok)
	wantProblem(t, resp, body, 409, "conflict", "exit_pass_used")
}

// The same pass scanned at eight gates at once: exactly one 201, seven
// exit_pass_used, one row, the order completed.
func TestExitCheckConcurrentScans(t *testing.T) {
	api := newTestAPI(t)
	clerk := api.login(t, "clerk1", "scanpay-demo")
	tok, no := api.paidCola(t, "oExit30")
	pass := api.exitPassOf(t, tok, no).Payload
	const gates = 8
	statuses := make([]int, gates)
	reasons := make([]string, gates)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range gates {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req := newRequest(t, http.MethodPost, "/v1/admin/exit-checks", map[string]any{"payload": pass}, clerk)
			resp, err := api.Srv.App.Test(req, -1)
			if err != nil {
				t.Error(err)
				return
			}
			var p struct {
				Reason string `json:"reason"`
			}
			body := readBody(t, resp)
			_ = json.Unmarshal(body, &p)
			statuses[i], reasons[i] = resp.StatusCode, p.Reason
		}()
	}
	close(start)
	wg.Wait()
	created, used := 0, 0
	for i := range gates {
		switch {
		case statuses[i] == http.StatusCreated:
			created++
		case statuses[i] == http.StatusConflict && reasons[i] == "exit_pass_used":
			used++
		default:
			t.Errorf("gate %d: %d %s", i, statuses[i], reasons[i])
		}
	}
	if created != 1 || used != gates-1 {
		t.Fatalf("%d created, %d exit_pass_used; want 1 and %d", created, used, gates-1)
	}
	if n := api.count(t, "SELECT COUNT(*) FROM exit_checks WHERE order_no = ?", no); n != 1 {
		t.Fatalf("%d exit_checks rows, want 1", n)
	}
	if n := api.count(t, "SELECT COUNT(*) FROM orders WHERE order_no = ? AND status = 'completed'", no); n != 1 {
		t.Fatal("order not completed")
	}
}

// An audit's result: validated like scans, named from the catalog,
// recorded once; a pass has none. Reads and lists are scoped to the
// staff's stores and paged.
func TestExitCheckResultAndLists(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	api.setAuditRate(t, "1")
	tok, no := api.paidCola(t, "oExit40")
	var audit exitCheckJSON
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/exit-checks",
		map[string]any{"payload": api.exitPassOf(t, tok, no).Payload}, clerk, &audit)
	api.setAuditRate(t, "0")
	tok2, no2 := api.paidCola(t, "oExit41")
	var pass exitCheckJSON
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/exit-checks",
		map[string]any{"payload": api.exitPassOf(t, tok2, no2).Payload}, clerk, &pass)
	if audit.Verdict != "audit" || pass.Verdict != "pass" {
		t.Fatalf("verdicts %s %s", audit.Verdict, pass.Verdict)
	}
	resultPath := func(id string) string { return "/v1/admin/exit-checks/" + id + "/result" }

	resp, body := api.do(t, http.MethodPost, resultPath(pass.ID), map[string]any{"unscanned": []any{}}, clerk)
	wantProblem(t, resp, body, 409, "conflict", "exit_check_not_audit")
	resp, body = api.do(t, http.MethodPost, resultPath(audit.ID), map[string]any{"unscanned": []map[string]any{
		{"barcode": "6924513001049", "quantity": 1}, {"barcode": demoEAN("692451300104"), "quantity": 100}}}, clerk)
	p := wantProblem(t, resp, body, 422, "invalid", "barcode_check_digit")
	if !slices.Equal(fieldNames(p), []string{"unscanned[0].barcode", "unscanned[1].quantity"}) {
		t.Errorf("fields %v", fieldNames(p))
	}
	resp, body = api.do(t, http.MethodPost, resultPath(audit.ID), map[string]any{}, clerk)
	wantProblem(t, resp, body, 422, "invalid", "audit_result_invalid")

	var got exitCheckJSON
	unknown := demoEAN("400638133393")
	api.mustDo(t, http.StatusOK, http.MethodPost, resultPath(audit.ID), map[string]any{"unscanned": []map[string]any{
		{"barcode": demoEAN("692451300104"), "quantity": 2}, {"barcode": "0" + unknown, "quantity": 1}}}, clerk, &got)
	if got.Unscanned == nil || len(*got.Unscanned) != 2 || got.UnscannedQty != 3 || got.ResultAt == nil || got.ResultStaffID == nil ||
		got.Order == nil || got.Order.OrderNo != no {
		t.Fatalf("result %+v", got)
	}
	if u := (*got.Unscanned)[0]; u.SKU != "DRK-COLA-330" || u.Quantity != 2 || u.Name == "" {
		t.Errorf("known barcode: %+v, want the cola named", u)
	}
	if u := (*got.Unscanned)[1]; u.SKU != "" || u.Barcode != "0"+unknown {
		t.Errorf("unknown barcode: %+v, want kept as entered with no SKU", u)
	}
	resp, body = api.do(t, http.MethodPost, resultPath(audit.ID), map[string]any{"unscanned": []any{}}, clerk)
	wantProblem(t, resp, body, 409, "conflict", "exit_check_result_recorded")
	var stored string
	if err := api.DB.SQL().QueryRow("SELECT unscanned FROM exit_checks WHERE id = ?", audit.ID).Scan(&stored); err != nil ||
		!strings.Contains(stored, "DRK-COLA-330") {
		t.Errorf("stored unscanned %q: %v", stored, err)
	}

	var one exitCheckJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/exit-checks/"+audit.ID, nil, clerk, &one)
	if one.UnscannedQty != 3 || one.Verdict != "audit" || one.Order == nil {
		t.Errorf("GET check %+v", one)
	}
	resp, body = api.do(t, http.MethodGet, "/v1/admin/exit-checks/123", nil, clerk)
	wantProblem(t, resp, body, 404, "not_found", "exit_check_not_found")

	// Lists: newest first, by verdict, paged; another store's clerk sees none.
	var list exitCheckListJSON
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/exit-checks?limit=1", nil, clerk, &list)
	if len(list.Items) != 1 || list.Items[0].ID != pass.ID || list.NextCursor == "" {
		t.Fatalf("first page %+v", list)
	}
	cursor := list.NextCursor
	list = exitCheckListJSON{} // an absent next_cursor must not keep the first page's
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/exit-checks?limit=1&cursor="+cursor, nil, clerk, &list)
	if len(list.Items) != 1 || list.Items[0].ID != audit.ID || list.NextCursor != "" {
		t.Fatalf("second page %+v", list)
	}
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/exit-checks?store=DEMO01&verdict=audit", nil, admin, &list)
	if len(list.Items) != 1 || list.Items[0].ID != audit.ID || list.Items[0].Order != nil {
		t.Fatalf("audits of DEMO01 %+v", list)
	}
	resp, body = api.do(t, http.MethodGet, "/v1/admin/exit-checks?verdict=maybe", nil, clerk)
	wantProblem(t, resp, body, 422, "invalid", "verdict_invalid")

	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/stores", map[string]any{"code": "EXIT03", "name": "Exit 3"}, admin, nil)
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/staff", map[string]any{"username": "exit3.clerk",
		"password": "a-long-password", "role": "clerk", "store_codes": []string{"EXIT03"}}, admin, nil)
	clerk3 := api.login(t, "exit3.clerk", "a-long-password")
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/exit-checks", nil, clerk3, &list)
	if len(list.Items) != 0 {
		t.Errorf("another store's clerk sees %d checks", len(list.Items))
	}
	resp, body = api.do(t, http.MethodGet, "/v1/admin/exit-checks?store=DEMO01", nil, clerk3)
	wantProblem(t, resp, body, 403, "forbidden", "store_not_assigned")
	resp, body = api.do(t, http.MethodGet, "/v1/admin/exit-checks/"+audit.ID, nil, clerk3)
	wantProblem(t, resp, body, 404, "not_found", "exit_check_not_found")
	resp, body = api.do(t, http.MethodPost, resultPath(audit.ID), map[string]any{"unscanned": []any{}}, clerk3)
	wantProblem(t, resp, body, 404, "not_found", "exit_check_not_found")
}
