package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// closeHook runs a function once, right after WeChat Pay answered a close.
type closeHook struct {
	app.PaymentGateway
	after func()
}

func (g *closeHook) ClosePayment(ctx context.Context, no string) error {
	err := g.PaymentGateway.ClosePayment(ctx, no)
	if h := g.after; h != nil {
		g.after = nil
		h()
	}
	return err
}

// A payment start racing a cancel: WeChat Pay answers the close "no such
// order" (no prepay yet), then the payment start lands before the local
// close. The cancel sees a prepay id that was not there before it asked
// and closes at WeChat Pay again, so no payable order is left open there.
func TestCancelRacingPaymentStartClosesAtWeChatPay(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s := f.shopper(t, "quinn")
	f.scan(t, s, colaCode, 1)
	ord := f.checkout(t, s)
	deps := f.deps
	deps.Gateway = &closeHook{PaymentGateway: f.gateway, after: func() {
		if _, err := f.orders.StartPayment(ctx, s, ord.OrderNo); err != nil {
			t.Errorf("payment start: %v", err)
		}
	}}
	got, err := app.NewOrders(deps).Cancel(ctx, s, ord.OrderNo)
	if err != nil || got.Status != domain.OrderClosed {
		t.Fatalf("cancel: %v %v", got, err)
	}
	if fake, _ := f.pay.Order(ord.OrderNo); fake.TradeState != wechatpaytest.TradeClosed {
		t.Fatalf("WeChat Pay left the order %s: the shopper could still pay it", fake.TradeState)
	}
}

// A prepay id WeChat Pay does not know (the embedded stand-in restarted,
// a transient answer) does not keep the order open: it cannot be paid
// there, so the close goes ahead and frees the coupon.
func TestCloseOfPrepayUnknownToWeChatPay(t *testing.T) {
	f := newOrderFixture(t)
	s, ord := f.startedOrder(t, "quentin")
	f.pay.FailNext(wechatpaytest.PathOutTradeNo, 5, http.StatusNotFound, "ORDER_NOT_EXIST")
	got, err := f.orders.Cancel(context.Background(), s, ord.OrderNo)
	if err != nil || got.Status != domain.OrderClosed {
		t.Fatalf("cancel: %v %v", got, err)
	}
}

// An order whose payment does not match it (here: the prepay carried
// another amount) cannot become paid; at expiry it is closed as
// payment_anomaly, leaves the sweeps and frees its coupon.
func TestAnomalousOrderIsClosedAtExpiry(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s := f.shopper(t, "rita")
	f.scan(t, s, juiceCode, 3)
	if _, err := f.carts.ApplyCoupon(ctx, s, app.DemoStoreCode, "WELCOME5"); err != nil {
		t.Fatal(err)
	}
	ord := f.checkout(t, s)
	f.paidUnknownToUs(t, s, ord, ord.Total.Sub(decimal.RequireFromString("0.01")))
	f.clock.Add(16 * time.Minute)
	if err := f.orders.Expire(ctx, app.OrderTask{OrderNo: ord.OrderNo}); err != nil {
		t.Fatal(err)
	}
	got := f.order(t, ord.OrderNo)
	if got.Status != domain.OrderClosed || got.CloseReason != domain.CloseAnomaly {
		t.Fatalf("order %s (%s)", got.Status, got.CloseReason)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM coupon_redemptions WHERE order_no = ? AND status = 'released'", ord.OrderNo); n != 1 {
		t.Fatal("coupon still held")
	}
	if n := f.count(t, "SELECT COUNT(*) FROM payment_anomalies WHERE order_no = ?", ord.OrderNo); n != 1 {
		t.Fatalf("%d anomalies", n)
	}
	rep, err := f.orders.Reconcile(ctx)
	if err != nil || rep.Checked != 0 {
		t.Fatalf("the closed order is still swept: %+v %v", rep, err)
	}
}

// Hundreds of abandoned orders do not hide a lost notification: the sweep
// pages through every order in its age slot.
func TestReconcileReachesPastManyAbandonedOrders(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	_, paid := f.startedOrder(t, "sam")
	if err := f.pay.MarkPaid(paid.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	// 250 orders that reached WeChat Pay and were never paid, made a
	// little before the paid one (WeChat Pay does not know them: the
	// sweep leaves them alone).
	for i := range 250 {
		now := f.clock.Now().Add(-time.Duration(250-i) * time.Millisecond)
		o := &domain.Order{ID: f.ids.NewID(), OrderNo: fmt.Sprintf("AB%016d", i), ShopperID: 1, StoreID: f.store.ID,
			StoreCode: f.store.Code, Status: domain.OrderPendingPayment, Subtotal: decimal.NewFromInt(1),
			DiscountTotal: decimal.Zero, Total: decimal.NewFromInt(1), RefundedTotal: decimal.Zero,
			IdempotencyKey: fmt.Sprintf("ab-%d", i), RequestHash: "h", PrepayID: "wx-abandoned",
			PrepayExpiresAt: now.Add(app.PrepayValidity), CreatedAt: now, ExpiresAt: now.Add(15 * time.Minute), UpdatedAt: now}
		if err := f.repo.CreateOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Add(90 * time.Second)
	rep, err := f.orders.Reconcile(ctx)
	if err != nil || rep.Checked != 251 || rep.Paid != 1 || rep.Failed != 0 {
		t.Fatalf("reconcile: %+v %v", rep, err)
	}
	if got := f.order(t, paid.OrderNo); got.Status != domain.OrderPaid {
		t.Fatalf("lost notification not found: %s", got.Status)
	}
}

// With less than a minute left an order is not started at WeChat Pay,
// which would stretch time_expire past our expiry.
func TestStartPaymentRefusesAnExpiringOrder(t *testing.T) {
	f := newOrderFixture(t)
	s := f.shopper(t, "tom")
	f.scan(t, s, colaCode, 1)
	ord := f.checkout(t, s)
	f.clock.Add(14*time.Minute + 30*time.Second)
	_, err := f.orders.StartPayment(context.Background(), s, ord.OrderNo)
	wantReason(t, err, "order_expiring")
}

// Every mismatch between a payment report and its order is an anomaly of
// its own kind, and never pays the order; a second transaction for a paid
// order is one too.
func TestPaymentMismatchKinds(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	_, ord := f.startedOrder(t, "uma")
	good := app.PaymentResult{AppID: fixtureAppID, MchID: fixtureMchID, OutTradeNo: ord.OrderNo, TradeState: app.TradeSuccess,
		Total: ord.Total, PayerTotal: ord.Total, Currency: "CNY", SuccessTime: f.clock.Now()}
	cases := []struct {
		kind   string
		change func(r *app.PaymentResult)
	}{
		{domain.AnomalyCurrency, func(r *app.PaymentResult) { r.Currency = "USD" }},
		{domain.AnomalyAppID, func(r *app.PaymentResult) { r.AppID = "wxsomeoneelse000" }},
		{domain.AnomalyMchID, func(r *app.PaymentResult) { r.MchID = "1900000999" }},
		{domain.AnomalyAmount, func(r *app.PaymentResult) { r.Total = r.Total.Add(decimal.RequireFromString("0.01")) }},
	}
	for i, c := range cases {
		r := good
		r.TransactionID = fmt.Sprintf("42000000%02d", i)
		c.change(&r)
		if err := f.orders.ApplyPayment(ctx, &r, app.SourceQuery); err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM payment_anomalies WHERE order_no = ? AND kind = ?", ord.OrderNo, c.kind); n != 1 {
			t.Errorf("%s: %d anomalies", c.kind, n)
		}
	}
	if got := f.order(t, ord.OrderNo); got.Status != domain.OrderPendingPayment {
		t.Fatalf("a mismatched report paid the order: %s", got.Status)
	}
	first := good
	first.TransactionID = "4200000100"
	second := good
	second.TransactionID = "4200000200"
	for _, r := range []*app.PaymentResult{&first, &first, &second} {
		if err := f.orders.ApplyPayment(ctx, r, app.SourceQuery); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.order(t, ord.OrderNo); got.Status != domain.OrderPaid || got.TransactionID != "4200000100" {
		t.Fatalf("order %s by %s", got.Status, got.TransactionID)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM payment_anomalies WHERE order_no = ? AND kind = ?", ord.OrderNo, domain.AnomalySecondTransaction); n != 1 {
		t.Fatalf("%d second-transaction anomalies", n)
	}
}

// A refund made outside scanpay (the merchant portal) notifies us too: the
// event is kept and its job ends instead of retrying for ever.
func TestNotificationOfForeignRefundIsDropped(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	_, ord := f.startedOrder(t, "vera")
	if err := f.pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gateway.Refund(ctx, app.RefundRequest{OutTradeNo: ord.OrderNo, OutRefundNo: "PORTAL0001",
		Reason: "portal", Amount: decimal.RequireFromString("1.00"), Total: ord.Total}); err != nil {
		t.Fatal(err)
	}
	n, err := f.pay.RefundNotification("PORTAL0001")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.receive(t, n); err != nil {
		t.Fatal(err)
	}
	if ran := f.drain(t); ran[app.TaskRefundApply] != 1 {
		t.Fatalf("tasks run: %v", ran)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM payment_events WHERE applied_at IS NOT NULL"); n != 1 {
		t.Fatalf("%d applied events", n)
	}
}

// A shopper who taps "pay" long after checking out is still reconciled a
// minute or two later: ages count from the payment start.
func TestReconcileCountsFromThePaymentStart(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s := f.shopper(t, "xena")
	f.scan(t, s, colaCode, 1)
	ord := f.checkout(t, s)
	f.clock.Add(8*time.Minute + 30*time.Second)
	if _, err := f.orders.StartPayment(ctx, s, ord.OrderNo); err != nil {
		t.Fatal(err)
	}
	if err := f.pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(90 * time.Second)
	rep, err := f.orders.Reconcile(ctx)
	if err != nil || rep.Paid != 1 {
		t.Fatalf("reconcile: %+v %v", rep, err)
	}
}

// refundedThere reports every order as refunded when asked, as WeChat Pay
// does after a refund made in the merchant portal.
type refundedThere struct{ app.PaymentGateway }

func (g refundedThere) QueryPayment(ctx context.Context, no string) (*app.PaymentResult, error) {
	r, err := g.PaymentGateway.QueryPayment(ctx, no)
	if err == nil {
		r.TradeState = app.TradeRefund
	}
	return r, err
}

// WeChat Pay refuses the close as paid, then reports the order refunded:
// it is closed as payment_anomaly, and staff see an anomaly row for it.
func TestPaidThenRefundedElsewhereIsAnAnomaly(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	_, ord := f.startedOrder(t, "zoe")
	if err := f.pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	deps := f.deps
	deps.Gateway = refundedThere{f.gateway}
	f.clock.Add(16 * time.Minute)
	if err := app.NewOrders(deps).Expire(ctx, app.OrderTask{OrderNo: ord.OrderNo}); err != nil {
		t.Fatal(err)
	}
	if got := f.order(t, ord.OrderNo); got.Status != domain.OrderClosed || got.CloseReason != domain.CloseAnomaly {
		t.Fatalf("order %s (%s)", got.Status, got.CloseReason)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM payment_anomalies WHERE order_no = ? AND kind = ?", ord.OrderNo, domain.AnomalyTradeState); n != 1 {
		t.Fatalf("%d trade-state anomalies", n)
	}
}
