package http_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// testExitPassSecret signs the harness's exit passes; tests sign passes of
// their own with it (a pass for an unpaid order, say).
var testExitPassSecret = []byte("test-exit-pass-secret-0123456789abcdef")

// testExitPassTTL is the harness's EXIT_PASS_TTL.
const testExitPassTTL = 30 * time.Minute

// shiftClock is the wall clock moved by an offset a test sets, so a test
// can reach a pass's expiry without waiting for it.
type shiftClock struct{ offset atomic.Int64 }

func (c *shiftClock) Now() time.Time {
	return app.SystemClock{}.Now().Add(time.Duration(c.offset.Load()))
}

// Advance moves the clock forward by d.
func (c *shiftClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// exitKit is what exit check tests reach besides the router.
type exitKit struct {
	ExitChecks *app.ExitChecks
	// ExitClock is the exit checks' clock (orders are paid on the wall
	// clock, so moving it ages passes).
	ExitClock *shiftClock
}

// exitChecks wires the exit pass and exit checks as main does, with a
// clock of their own and a seeded audit lottery.
func (a *testAPI) exitChecks(ids app.IDs, stores domain.StoreRepository, products domain.ProductRepository) *app.ExitChecks {
	clock := &shiftClock{}
	checks := mysql.NewExitCheckRepo(a.DB)
	svc := app.NewExitChecks(app.ExitCheckDeps{Tx: a.DB, Orders: mysql.NewOrderRepo(a.DB), Checks: checks, Facts: checks,
		Stores: stores, Products: products, Clock: clock, IDs: ids, Secret: testExitPassSecret, TTL: testExitPassTTL,
		Random: app.LockedRandom([32]byte{7}), Log: slog.New(slog.NewJSONHandler(a.Logs, nil))})
	a.exitKit = &exitKit{ExitChecks: svc, ExitClock: clock}
	return svc
}

// paidOrderOf has the shopper (logged in, in DEMO01) buy what is scanned
// by scan, pay through the fake WeChat Pay and its notification, and runs
// the payment job: a paid order.
func (a *testAPI) paidOrderOf(t *testing.T, tok string, scan func()) string {
	t.Helper()
	scan()
	var cart struct {
		Version int `json:"version"`
	}
	a.mustDo(t, http.StatusOK, http.MethodGet, cartPath, nil, tok, &cart)
	resp, body := a.checkoutResp(t, tok, newKey(), map[string]any{"store_code": "DEMO01", "cart_version": cart.Version})
	var ord orderJSON
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &ord) != nil {
		t.Fatalf("checkout: %d %s", resp.StatusCode, body)
	}
	a.mustDo(t, http.StatusOK, http.MethodPost, "/v1/mp/orders/"+ord.OrderNo+"/payments", nil, tok, nil)
	if err := a.Pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	if resp, body := a.notify(t, transactionsHook, a.notification(t, ord.OrderNo)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("notification: %d %s", resp.StatusCode, body)
	}
	runPaymentApplyJobs(t, a, ord.OrderNo)
	var got orderJSON
	a.mustDo(t, http.StatusOK, http.MethodGet, "/v1/mp/orders/"+ord.OrderNo, nil, tok, &got)
	if got.Status != "paid" {
		t.Fatalf("order %s is %s after payment", ord.OrderNo, got.Status)
	}
	return ord.OrderNo
}

// paidCola is a new shopper's paid order of one cola (¥3.00).
func (a *testAPI) paidCola(t *testing.T, openID string) (tok, orderNo string) {
	t.Helper()
	tok = a.shopperInStore(t, openID)
	return tok, a.paidOrderOf(t, tok, func() { a.scanCola(t, tok, 1) })
}

// setAuditRate sets DEMO01's audit rate as an admin.
func (a *testAPI) setAuditRate(t *testing.T, rate string) {
	t.Helper()
	admin := a.login(t, "admin", "scanpay-demo")
	a.mustDo(t, http.StatusOK, http.MethodPatch, "/v1/admin/stores/DEMO01", map[string]any{"audit_rate": rate}, admin, nil)
}

// exitPassOf fetches the shopper's pass of an order.
func (a *testAPI) exitPassOf(t *testing.T, tok, orderNo string) exitPassJSON {
	t.Helper()
	var p exitPassJSON
	a.mustDo(t, http.StatusOK, http.MethodGet, "/v1/mp/orders/"+orderNo+"/exit-pass", nil, tok, &p)
	return p
}

type exitPassJSON struct {
	OrderNo   string `json:"order_no"`
	Payload   string `json:"payload"`
	ExpiresAt string `json:"expires_at"`
}

type exitCheckJSON struct {
	ID           string   `json:"id"`
	OrderNo      string   `json:"order_no"`
	StoreCode    string   `json:"store_code"`
	StaffID      string   `json:"staff_id"`
	Verdict      string   `json:"verdict"`
	AuditReasons []string `json:"audit_reasons"`
	CheckedAt    string   `json:"checked_at"`
	Unscanned    *[]struct {
		Barcode  string `json:"barcode"`
		SKU      string `json:"sku"`
		Name     string `json:"name"`
		Quantity int    `json:"quantity"`
	} `json:"unscanned"`
	UnscannedQty  int        `json:"unscanned_qty"`
	ResultAt      *string    `json:"result_at"`
	ResultStaffID *string    `json:"result_staff_id"`
	Order         *orderJSON `json:"order"`
}

type exitCheckListJSON struct {
	Items      []exitCheckJSON `json:"items"`
	NextCursor string          `json:"next_cursor"`
}

// postExitCheck posts a pass as staff.
func (a *testAPI) postExitCheck(t *testing.T, staffTok string, body any) (*http.Response, []byte) {
	t.Helper()
	return a.do(t, http.MethodPost, "/v1/admin/exit-checks", body, staffTok)
}
