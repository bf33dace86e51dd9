package app_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/bcrypt"
	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/adapters/wechatpay"
	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// orderClock is a settable clock starting at the real time (WeChat Pay's
// signatures carry real timestamps, so the fake keeps the real clock).
type orderClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *orderClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *orderClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// orderFixture is the demo store on a fresh database, the cart and order
// use cases, and the real WeChat Pay adapter on the fake WeChat Pay.
type orderFixture struct {
	db      *mysql.DB
	ids     app.IDs
	clock   *orderClock
	orders  *app.Orders
	carts   *app.Carts
	visits  *app.Visits
	stock   *app.Stock
	outbox  *mysql.OutboxRepo
	repo    *mysql.OrderRepo
	pays    *mysql.PaymentRepo
	pay     *wechatpaytest.Server
	gateway *wechatpay.Client
	keys    *wechatpaytest.Keys
	admin   *domain.Staff
	store   *domain.Store
	shops   domain.ShopperRepository
	// deps built orders; tests copy them to swap a part (the gateway).
	deps app.OrderDeps
	// messages, when a test sets it, runs the payment message tasks
	// (messages_test.go); drain drops them otherwise.
	messages *app.Messages
}

const (
	fixtureAppID = "wxfixture0000001"
	fixtureMchID = "1900000109"
)

func newOrderFixture(t *testing.T) *orderFixture {
	t.Helper()
	ctx := context.Background()
	db := mysqltest.Open(t)
	ids, _ := idgen.New(1, 0)
	clock := &orderClock{t: app.SystemClock{}.Now()}
	if _, err := app.NewSeeder(db, mysql.SeedRepos(db), bcrypt.New(bcrypt.MinCost), ids, clock).SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := wechatpaytest.GenerateKeys(fixtureAppID, fixtureMchID)
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
		APIv3Key: keys.APIv3Key, NotifyURL: "http://127.0.0.1:1/notify", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	stores, products, items := mysql.NewStoreRepo(db), mysql.NewProductRepo(db), mysql.NewStoreItemRepo(db)
	outbox := mysql.NewOutboxRepo(db, ids, clock)
	stock := app.NewStock(db, stores, products, items, mysql.NewStockRepo(db), outbox, ids, clock)
	visits := app.NewVisits(stores, mysql.NewVisitRepo(db), ids, clock, 2*time.Hour)
	coupons := mysql.NewCouponRepo(db)
	carts := app.NewCarts(app.CartDeps{Tx: db, Stores: stores, Items: items, LabelRules: mysql.NewLabelRuleRepo(db),
		Carts: mysql.NewCartRepo(db), Promotions: mysql.NewPromotionRepo(db), Coupons: coupons, Visits: visits,
		IDs: ids, Clock: clock}, app.ScanLimits{})
	f := &orderFixture{db: db, ids: ids, clock: clock, carts: carts, visits: visits, stock: stock, outbox: outbox,
		repo: mysql.NewOrderRepo(db), pays: mysql.NewPaymentRepo(db), pay: srv, gateway: gw, keys: keys,
		shops: mysql.NewShopperRepo(db)}
	f.deps = app.OrderDeps{Tx: db, Orders: f.repo, Payments: f.pays, Receipts: f.pays, Redemptions: coupons, Refunds: mysql.NewRefundRepo(db),
		Stores: stores, CartRepo: mysql.NewCartRepo(db), Carts: carts, Visits: visits, Stock: stock, Gateway: gw, Outbox: outbox,
		IDs: ids, Clock: clock, Random: rand.Reader, TTL: 15 * time.Minute, AppID: keys.AppID, MchID: keys.MchID,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f.orders = app.NewOrders(f.deps)
	if f.admin, err = mysql.NewStaffRepo(db).StaffByUsername(ctx, "admin"); err != nil {
		t.Fatal(err)
	}
	if f.store, err = stores.StoreByCode(ctx, app.DemoStoreCode); err != nil {
		t.Fatal(err)
	}
	return f
}

// shopper logs a shopper in and opens their visit of the demo store.
func (f *orderFixture) shopper(t *testing.T, name string) *domain.Shopper {
	t.Helper()
	ctx := context.Background()
	s, err := f.shops.UpsertShopper(ctx, &domain.Shopper{ID: f.ids.NewID(), AppID: fixtureAppID, OpenID: "o-" + name,
		CreatedAt: f.clock.Now(), LastSeenAt: f.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.visits.Open(ctx, s, app.VisitRequest{StoreCode: app.DemoStoreCode}); err != nil {
		t.Fatal(err)
	}
	return s
}

// demoBarcode is the full EAN-13 of a demo catalog code body.
func demoBarcode(body string) string { return body + string(rune('0'+domain.GS1CheckDigit(body))) }

// Demo products the tests buy: cola ¥3.00, orange juice ¥12.90 (member ¥10.90).
var (
	colaCode  = demoBarcode("692451300104")
	juiceCode = demoBarcode("692451300401")
)

// scan adds qty of a barcode to the shopper's cart and returns the cart.
func (f *orderFixture) scan(t *testing.T, s *domain.Shopper, barcode string, qty int) *app.PricedCart {
	t.Helper()
	out, err := f.carts.Scan(context.Background(), s, app.DemoStoreCode, barcode, qty)
	if err != nil {
		t.Fatalf("scan %s: %v", barcode, err)
	}
	return out.Cart
}

// checkout checks the shopper's cart out as it is now.
func (f *orderFixture) checkout(t *testing.T, s *domain.Shopper) *domain.Order {
	t.Helper()
	cart, err := f.carts.Get(context.Background(), s, app.DemoStoreCode)
	if err != nil {
		t.Fatal(err)
	}
	ord, created, err := f.orders.Checkout(context.Background(), s, app.CheckoutRequest{StoreCode: app.DemoStoreCode,
		CartVersion: cart.Cart.Version, IdempotencyKey: "key-" + strconv.FormatInt(f.ids.NewID(), 10)})
	if err != nil || !created {
		t.Fatalf("checkout: created=%v err=%v", created, err)
	}
	return ord
}

// paidOrder is a checked-out order whose payment started at WeChat Pay.
func (f *orderFixture) startedOrder(t *testing.T, name string) (*domain.Shopper, *domain.Order) {
	t.Helper()
	s := f.shopper(t, name)
	f.scan(t, s, colaCode, 2)
	f.scan(t, s, juiceCode, 1)
	ord := f.checkout(t, s)
	if _, err := f.orders.StartPayment(context.Background(), s, ord.OrderNo); err != nil {
		t.Fatal(err)
	}
	return s, ord
}

// paidUnknownToUs makes WeChat Pay hold the order paid for amount while we
// never stored its prepay: the prepay's answer was lost on the way back.
func (f *orderFixture) paidUnknownToUs(t *testing.T, s *domain.Shopper, ord *domain.Order, amount decimal.Decimal) {
	t.Helper()
	if _, err := f.gateway.Prepay(context.Background(), app.PrepayRequest{OutTradeNo: ord.OrderNo, Description: "x",
		Amount: amount, PayerOpenID: s.OpenID, ExpiresAt: ord.ExpiresAt}); err != nil {
		t.Fatal(err)
	}
	if err := f.pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
}

// drain plays the worker: it runs every queued outbox task that is due
// through its use case (and drops the others), until none is left, and returns how many of each
// type ran.
func (f *orderFixture) drain(t *testing.T) map[string]int {
	t.Helper()
	ctx := context.Background()
	ran := map[string]int{}
	for {
		rows, err := f.outbox.Claim(ctx, "test", time.Now(), time.Minute, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			return ran
		}
		for _, r := range rows {
			if r.ProcessAt.After(f.clock.Now()) {
				// Not due (an expiry): asynq would hold it; tests that
				// want it call the use case after moving the clock.
				if err := f.outbox.MarkSent(ctx, r.ID, time.Now()); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := f.runTask(ctx, r.Message); err != nil {
				t.Fatalf("task %s: %v", r.Type, err)
			}
			ran[r.Type]++
			if err := f.outbox.MarkSent(ctx, r.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func (f *orderFixture) runTask(ctx context.Context, m app.Message) error {
	switch m.Type {
	case app.TaskPaymentApply:
		var p app.PaymentApplyTask
		_ = json.Unmarshal(m.Payload, &p)
		return f.orders.ApplyPaymentEvent(ctx, p)
	case app.TaskRefundApply:
		var p app.RefundApplyTask
		_ = json.Unmarshal(m.Payload, &p)
		return f.orders.ApplyRefundEvent(ctx, p)
	case app.TaskOrderExpire:
		var p app.OrderTask
		_ = json.Unmarshal(m.Payload, &p)
		return f.orders.Expire(ctx, p)
	case app.TaskReceiptIssue:
		var p app.OrderTask
		_ = json.Unmarshal(m.Payload, &p)
		return f.orders.IssueReceipt(ctx, p)
	case app.TaskRefundSubmit:
		var p app.RefundTask
		_ = json.Unmarshal(m.Payload, &p)
		return f.orders.SubmitRefund(ctx, p)
	case app.TaskMessagePaymentSuccess:
		if f.messages == nil {
			return nil
		}
		var p app.OrderTask
		_ = json.Unmarshal(m.Payload, &p)
		return f.messages.SendPaymentSuccess(ctx, p)
	}
	return nil // other families (low stock ...) are not this test's business
}

// count runs a COUNT(*) query.
func (f *orderFixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.SQL().QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// order reads an order back.
func (f *orderFixture) order(t *testing.T, orderNo string) *domain.Order {
	t.Helper()
	o, err := f.repo.OrderByNo(context.Background(), orderNo)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func wantReason(t *testing.T, err error, reason string) {
	t.Helper()
	if domain.ErrorReason(err) != reason {
		t.Fatalf("want %s, got %v", reason, err)
	}
}
