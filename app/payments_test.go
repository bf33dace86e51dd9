package app_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// receive hands a notification to the use case as the webhook would.
func (f *orderFixture) receive(t *testing.T, n *wechatpaytest.Notification) error {
	t.Helper()
	_, err := f.orders.ReceiveNotification(context.Background(), n.Header, n.Body)
	return err
}

func (f *orderFixture) notification(t *testing.T, orderNo string, opts ...wechatpaytest.NotifyOption) *wechatpaytest.Notification {
	t.Helper()
	n, err := f.pay.Notification(orderNo, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The payment parameters verify with the merchant's public key, and a
// second call reuses the prepay instead of asking WeChat Pay again.
func TestStartPaymentSignsAndReusesPrepay(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s := f.shopper(t, "erin")
	f.scan(t, s, colaCode, 1)
	ord := f.checkout(t, s)
	p1, err := f.orders.StartPayment(ctx, s, ord.OrderNo)
	if err != nil {
		t.Fatal(err)
	}
	msg := p1.AppID + "\n" + p1.TimeStamp + "\n" + p1.NonceStr + "\n" + p1.Package + "\n"
	sum := sha256.Sum256([]byte(msg))
	sig, _ := base64.StdEncoding.DecodeString(p1.PaySign)
	if err := rsa.VerifyPKCS1v15(&f.keys.MerchantKey.PublicKey, crypto.SHA256, sum[:], sig); err != nil || p1.SignType != "RSA" {
		t.Fatalf("paySign does not verify (%s): %v", p1.SignType, err)
	}
	calls := f.pay.Requests()
	p2, err := f.orders.StartPayment(ctx, s, ord.OrderNo)
	if err != nil {
		t.Fatal(err)
	}
	if p2.Package != p1.Package || f.pay.Requests() != calls {
		t.Fatalf("second start: package %s vs %s, %d WeChat Pay calls more", p2.Package, p1.Package, f.pay.Requests()-calls)
	}
	fake, _ := f.pay.Order(ord.OrderNo)
	if fake.Total != ord.Total.Shift(2).IntPart() || fake.PayerOpenID != s.OpenID {
		t.Fatalf("WeChat Pay got total %d fen for %s, payer %s", fake.Total, ord.Total, fake.PayerOpenID)
	}
	other := f.shopper(t, "mallory")
	_, err = f.orders.StartPayment(ctx, other, ord.OrderNo)
	wantReason(t, err, "order_not_found")
}

// 20 copies of one notification at once, then 20 notifications of the same
// payment under different ids, all processed in parallel: one transition,
// one payment, one sale movement per line, one receipt job, coupon redeemed.
func TestDuplicateNotificationsApplyOnce(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s := f.shopper(t, "frank")
	f.scan(t, s, juiceCode, 3)
	f.scan(t, s, colaCode, 2)
	if _, err := f.carts.ApplyCoupon(ctx, s, app.DemoStoreCode, "WELCOME5"); err != nil {
		t.Fatal(err)
	}
	ord := f.checkout(t, s)
	if _, err := f.orders.StartPayment(ctx, s, ord.OrderNo); err != nil {
		t.Fatal(err)
	}
	if err := f.pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	same := f.notification(t, ord.OrderNo)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := f.receive(t, same); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := f.count(t, "SELECT COUNT(*) FROM payment_events"); n != 1 {
		t.Fatalf("%d events stored for one notification", n)
	}
	for i := range 20 {
		if err := f.receive(t, f.notification(t, ord.OrderNo, wechatpaytest.WithEventID("evt-"+string(rune('a'+i))))); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := f.outbox.Claim(ctx, "test", time.Now(), time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	applies := 0
	for _, r := range rows {
		if r.Type != app.TaskPaymentApply {
			continue
		}
		applies++
		wg.Go(func() {
			if err := f.runTask(ctx, r.Message); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if applies != 21 {
		t.Fatalf("%d apply jobs, want 21", applies)
	}

	got := f.order(t, ord.OrderNo)
	if got.Status != domain.OrderPaid || got.TransactionID == "" || got.PaidAt.IsZero() {
		t.Fatalf("order %s, tx %q", got.Status, got.TransactionID)
	}
	checks := []struct {
		what  string
		query string
		want  int
	}{
		{"payments", "SELECT COUNT(*) FROM payments WHERE order_no = ?", 1},
		{"sale movements", "SELECT COUNT(*) FROM stock_movements WHERE ref = ? AND kind = 'sale'", 2},
		{"receipt jobs", "SELECT COUNT(*) FROM outbox WHERE task_type = 'receipt:issue' AND payload LIKE CONCAT('%', ?, '%')", 1},
		{"payment message jobs", "SELECT COUNT(*) FROM outbox WHERE task_type = 'message:payment-success' AND payload LIKE CONCAT('%', ?, '%')", 1},
		{"redeemed coupons", "SELECT COUNT(*) FROM coupon_redemptions WHERE order_no = ? AND status = 'redeemed'", 1},
		{"anomalies", "SELECT COUNT(*) FROM payment_anomalies WHERE order_no = ?", 0},
	}
	for _, c := range checks {
		if n := f.count(t, c.query, ord.OrderNo); n != c.want {
			t.Errorf("%s: %d, want %d", c.what, n, c.want)
		}
	}
	f.drain(t)
	if n := f.count(t, "SELECT COUNT(*) FROM receipts WHERE order_no = ?", ord.OrderNo); n != 1 {
		t.Fatalf("%d receipts", n)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM payment_events WHERE applied_at IS NULL"); n != 0 {
		t.Fatalf("%d events left unapplied", n)
	}
}

// A notification may beat the prepay answer home: the order is paid
// though its prepay id was never stored, and paying again is refused.
func TestNotificationBeforePrepayStored(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s := f.shopper(t, "gina")
	f.scan(t, s, colaCode, 1)
	ord := f.checkout(t, s)
	// The adapter reached WeChat Pay, but its answer was not stored yet.
	f.paidUnknownToUs(t, s, ord, ord.Total)
	if err := f.receive(t, f.notification(t, ord.OrderNo)); err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	if got := f.order(t, ord.OrderNo); got.Status != domain.OrderPaid || got.PrepayID != "" {
		t.Fatalf("order %s prepay %q", got.Status, got.PrepayID)
	}
	_, err := f.orders.StartPayment(ctx, s, ord.OrderNo)
	wantReason(t, err, "order_paid")
}

// Forged, tampered, stale and probe notifications are refused before
// anything is stored.
func TestBadNotificationsChangeNothing(t *testing.T) {
	f := newOrderFixture(t)
	_, ord := f.startedOrder(t, "hank")
	if err := f.pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	cases := map[string]wechatpaytest.NotifyOption{
		"signtest probe":     wechatpaytest.WithSignTest(),
		"foreign signature":  wechatpaytest.WithBadSignature(),
		"tampered body":      wechatpaytest.WithTamperedBody(),
		"tampered resource":  wechatpaytest.WithTamperedCiphertext(),
		"expired timestamp":  wechatpaytest.WithTimestamp(time.Now().Add(-10 * time.Minute)),
		"timestamp from far": wechatpaytest.WithTimestamp(time.Now().Add(10 * time.Minute)),
	}
	for name, opt := range cases {
		err := f.receive(t, f.notification(t, ord.OrderNo, opt))
		if domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Errorf("%s: %v, want unauthorized", name, err)
		}
	}
	if n := f.count(t, "SELECT COUNT(*) FROM payment_events"); n != 0 {
		t.Fatalf("%d events stored from bad notifications", n)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM outbox WHERE task_type = ?", app.TaskPaymentApply); n != 0 {
		t.Fatalf("%d apply jobs from bad notifications", n)
	}
	if got := f.order(t, ord.OrderNo); got.Status != domain.OrderPendingPayment {
		t.Fatalf("order %s", got.Status)
	}
}

// A payment whose amount differs from the order is an anomaly: recorded
// once, the order stays unpaid, nothing is sold.
func TestWrongAmountIsAnAnomaly(t *testing.T) {
	f := newOrderFixture(t)
	_, ord := f.startedOrder(t, "ivan")
	if err := f.pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		n := f.notification(t, ord.OrderNo, wechatpaytest.WithPayerTotal(1), wechatpaytest.WithEventID("wrong-"+string(rune('0'+i))))
		if err := f.receive(t, n); err != nil {
			t.Fatal(err)
		}
	}
	f.drain(t)
	if got := f.order(t, ord.OrderNo); got.Status != domain.OrderPendingPayment {
		t.Fatalf("order %s after a wrong amount", got.Status)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM payment_anomalies WHERE order_no = ? AND kind = ?", ord.OrderNo, domain.AnomalyAmount); n != 1 {
		t.Fatalf("%d amount anomalies", n)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM stock_movements WHERE ref = ?", ord.OrderNo); n != 0 {
		t.Fatalf("%d movements for an unpaid order", n)
	}
}

// A payment for an order we never made is kept as an anomaly, not lost
// and not retried for ever.
func TestPaymentForUnknownOrderIsAnAnomaly(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	if _, err := f.gateway.Prepay(ctx, app.PrepayRequest{OutTradeNo: "ZZ0000000000000001", Description: "x",
		Amount: decimal.RequireFromString("9.99"), PayerOpenID: "o-ghost", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := f.pay.MarkPaid("ZZ0000000000000001", -1); err != nil {
		t.Fatal(err)
	}
	if err := f.receive(t, f.notification(t, "ZZ0000000000000001")); err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	if n := f.count(t, "SELECT COUNT(*) FROM payment_anomalies WHERE order_no = ? AND kind = ?", "ZZ0000000000000001", domain.AnomalyUnknownOrder); n != 1 {
		t.Fatalf("%d unknown-order anomalies", n)
	}
}
