package http_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	httpapi "github.com/scanpay/scanpay/adapters/http"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
	"github.com/scanpay/scanpay/adapters/wechatpay"
	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
)

// testMchID is the merchant of the fake WeChat Pay.
const testMchID = "1900000109"

// testOrderTTL is the harness's ORDER_TTL.
const testOrderTTL = 15 * time.Minute

// payKeys is one merchant key set for every test: RSA key generation is
// slow under -race, and each test still gets a fake (and orders) of its own.
var payKeys = sync.OnceValues(func() (*wechatpaytest.Keys, error) {
	return wechatpaytest.GenerateKeys(wechattest.DefaultAppID, testMchID)
})

// orderKit is what order tests reach besides the router: the use cases
// and the fake WeChat Pay the real gateway talks to.
type orderKit struct {
	Orders *app.Orders
	Pay    *wechatpaytest.Server
	// PayKeys are the merchant's keys; tests verify paySign with them.
	PayKeys *wechatpaytest.Keys
}

// withDevPay registers the dev-only payment route with fn behind it.
func withDevPay(fn func(ctx context.Context, orderNo string) error) option {
	return func(h *harness) { h.devPay = fn }
}

// withOrders wires the order use cases as main does, on the test's
// database, the same carts and stock as the server's, and the real WeChat
// Pay gateway on a fake of the test's own, and returns d with them set.
func (a *testAPI) withOrders(t testing.TB, h *harness, ids app.IDs, clock app.Clock, d httpapi.Deps) httpapi.Deps {
	t.Helper()
	keys, err := payKeys()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := wechatpaytest.Start(keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	gw, err := wechatpay.New(wechatpay.Config{AppID: keys.AppID, MchID: keys.MchID, MerchantSerial: keys.MerchantSerial,
		MerchantKey: keys.MerchantKey, PublicKeyID: keys.PlatformKeyID, PublicKey: &keys.PlatformKey.PublicKey,
		APIv3Key: keys.APIv3Key, NotifyURL: "https://scanpay.test/v1/webhooks/wechatpay/transactions",
		RefundNotifyURL: "https://scanpay.test/v1/webhooks/wechatpay/refunds", BaseURL: srv.URL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	orders := app.NewOrders(app.OrderDeps{Tx: a.DB, Orders: mysql.NewOrderRepo(a.DB), Payments: mysql.NewPaymentRepo(a.DB),
		Receipts: mysql.NewPaymentRepo(a.DB), Redemptions: mysql.NewCouponRepo(a.DB), Refunds: mysql.NewRefundRepo(a.DB), Stores: mysql.NewStoreRepo(a.DB), CartRepo: mysql.NewCartRepo(a.DB),
		Carts: d.Carts, Visits: d.Visits, Stock: d.Stock, Gateway: gw, Outbox: mysql.NewOutboxRepo(a.DB, ids, clock), IDs: ids,
		Clock: clock, Random: rand.Reader, TTL: testOrderTTL, AppID: keys.AppID, MchID: keys.MchID, Log: d.Log})
	a.orderKit = &orderKit{Orders: orders, Pay: srv, PayKeys: keys}
	d.Orders, d.DevPay = orders, h.devPay
	return d
}

type orderLineJSON struct {
	ID               string `json:"id"`
	SKU              string `json:"sku"`
	Name             string `json:"name"`
	Quantity         string `json:"quantity"`
	UnitPrice        string `json:"unit_price"`
	ListAmount       string `json:"list_amount"`
	NetAmount        string `json:"net_amount"`
	TaxRate          string `json:"tax_rate"`
	RefundedQuantity string `json:"refunded_quantity"`
	RefundedAmount   string `json:"refunded_amount"`
	Discounts        []struct {
		Kind   string `json:"kind"`
		ID     string `json:"id"`
		Amount string `json:"amount"`
	} `json:"discounts"`
}

// orderJSON is an order as the API shows it (staff fields included).
type orderJSON struct {
	OrderNo       string          `json:"order_no"`
	Status        string          `json:"status"`
	StoreCode     string          `json:"store_code"`
	Lines         []orderLineJSON `json:"lines"`
	Subtotal      string          `json:"subtotal"`
	DiscountTotal string          `json:"discount_total"`
	Total         string          `json:"total"`
	RefundedTotal string          `json:"refunded_total"`
	CouponCode    string          `json:"coupon_code"`
	CreatedAt     string          `json:"created_at"`
	ExpiresAt     string          `json:"expires_at"`
	PaidAt        *string         `json:"paid_at"`
	ClosedAt      *string         `json:"closed_at"`
	CloseReason   string          `json:"close_reason"`
	ShopperID     string          `json:"shopper_id"`
}

type orderListJSON struct {
	Items      []orderJSON `json:"items"`
	NextCursor string      `json:"next_cursor"`
}

var idemSeq atomic.Int64

// newKey is a fresh Idempotency-Key.
func newKey() string { return fmt.Sprintf("key-%d-%d", time.Now().UnixNano(), idemSeq.Add(1)) }

// shopperInStore logs a new shopper in and opens a visit of DEMO01.
func (a *testAPI) shopperInStore(t *testing.T, openID string) string {
	t.Helper()
	tok := a.loginShopper(t, openID)
	a.openVisit(t, tok, map[string]string{"store_code": "DEMO01"})
	return tok
}

// scanCola puts n colas (3.00 each, no promotion) in the shopper's DEMO01
// cart and returns the cart's version.
func (a *testAPI) scanCola(t *testing.T, token string, n int) int {
	t.Helper()
	var out scanJSON
	a.mustDo(t, http.StatusCreated, http.MethodPost, cartPath+"/scans",
		map[string]any{"barcode": demoEAN("692451300104"), "quantity": n}, token, &out)
	return out.Cart.Version
}

// checkoutResp posts a checkout under key; an empty key sends none.
func (a *testAPI) checkoutResp(t *testing.T, token, key string, body any) (*http.Response, []byte) {
	t.Helper()
	if key == "" {
		return a.do(t, http.MethodPost, "/v1/mp/orders", body, token)
	}
	return a.do(t, http.MethodPost, "/v1/mp/orders", body, token, "Idempotency-Key", key)
}

// placeOrder scans a cola and checks the cart out: a new pending order.
func (a *testAPI) placeOrder(t *testing.T, token string) orderJSON {
	t.Helper()
	version := a.scanCola(t, token, 1)
	resp, body := a.checkoutResp(t, token, newKey(), map[string]any{"store_code": "DEMO01", "cart_version": version})
	var ord orderJSON
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &ord) != nil {
		t.Fatalf("checkout: %d %s", resp.StatusCode, body)
	}
	return ord
}

// count runs a COUNT(*) query on the test's database.
func (a *testAPI) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := a.DB.SQL().QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
