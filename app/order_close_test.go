package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// A notification that never came: the reconcile sweep asks WeChat Pay a
// minute later and applies the payment as the notification would have.
func TestReconcileFindsLostNotification(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	_, ord := f.startedOrder(t, "jack")
	_, waiting := f.startedOrder(t, "kate") // started, not paid: left alone
	if err := f.pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	rep, err := f.orders.Reconcile(ctx)
	if err != nil || rep.Checked != 0 {
		t.Fatalf("a fresh order is not reconciled yet: %+v %v", rep, err)
	}
	f.clock.Add(2 * time.Minute)
	rep, err = f.orders.Reconcile(ctx)
	if err != nil || rep.Checked != 2 || rep.Paid != 1 || rep.Closed != 0 || rep.Failed != 0 {
		t.Fatalf("reconcile: %+v %v", rep, err)
	}
	got := f.order(t, ord.OrderNo)
	if got.Status != domain.OrderPaid {
		t.Fatalf("order %s", got.Status)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM payments WHERE order_no = ? AND source = 'query'", ord.OrderNo); n != 1 {
		t.Fatalf("%d payments by query", n)
	}
	if got := f.order(t, waiting.OrderNo); got.Status != domain.OrderPendingPayment {
		t.Fatalf("unpaid order %s", got.Status)
	}
	// Past the expiry the sweep closes what its expiry job missed.
	f.clock.Add(15 * time.Minute)
	rep, err = f.orders.Reconcile(ctx)
	if err != nil || rep.Closed != 1 {
		t.Fatalf("reconcile after expiry: %+v %v", rep, err)
	}
	if fake, _ := f.pay.Order(waiting.OrderNo); fake.TradeState != wechatpaytest.TradeClosed {
		t.Fatalf("WeChat Pay order %s, want closed there first", fake.TradeState)
	}
}

// The expiry job closes at WeChat Pay, then here, and releases the coupon;
// one that finds the order paid at WeChat Pay applies the payment instead.
func TestExpiry(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s := f.shopper(t, "liam")
	f.scan(t, s, juiceCode, 3)
	if _, err := f.carts.ApplyCoupon(ctx, s, app.DemoStoreCode, "WELCOME5"); err != nil {
		t.Fatal(err)
	}
	unpaid := f.checkout(t, s)
	if _, err := f.orders.StartPayment(ctx, s, unpaid.OrderNo); err != nil {
		t.Fatal(err)
	}
	_, paid := f.startedOrder(t, "mia")
	if err := f.pay.MarkPaid(paid.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	// Early (another host's clock): nothing happens, and the job retries.
	err := f.orders.Expire(ctx, app.OrderTask{OrderNo: unpaid.OrderNo})
	wantReason(t, err, "order_not_due")
	if got := f.order(t, unpaid.OrderNo); got.Status != domain.OrderPendingPayment {
		t.Fatalf("expired early: %s", got.Status)
	}
	f.clock.Add(16 * time.Minute)
	for _, no := range []string{unpaid.OrderNo, paid.OrderNo} {
		if err := f.orders.Expire(ctx, app.OrderTask{OrderNo: no}); err != nil {
			t.Fatal(err)
		}
	}
	got := f.order(t, unpaid.OrderNo)
	if got.Status != domain.OrderClosed || got.CloseReason != domain.CloseExpired {
		t.Fatalf("expired order %s (%s)", got.Status, got.CloseReason)
	}
	if fake, _ := f.pay.Order(unpaid.OrderNo); fake.TradeState != wechatpaytest.TradeClosed {
		t.Fatalf("WeChat Pay order %s", fake.TradeState)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM coupon_redemptions WHERE order_no = ? AND status = 'released'", unpaid.OrderNo); n != 1 {
		t.Fatalf("coupon not released (%d)", n)
	}
	if got := f.order(t, paid.OrderNo); got.Status != domain.OrderPaid {
		t.Fatalf("paid at WeChat Pay, expired here: %s", got.Status)
	}
	_, err = f.orders.StartPayment(ctx, s, unpaid.OrderNo)
	wantReason(t, err, "order_not_pending")
}

// A shopper cancels an unpaid order; a paid one cannot be cancelled.
func TestCancel(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s, ord := f.startedOrder(t, "noah")
	got, err := f.orders.Cancel(ctx, s, ord.OrderNo)
	if err != nil || got.Status != domain.OrderClosed || got.CloseReason != domain.CloseCancelled {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	_, err = f.orders.Cancel(ctx, s, ord.OrderNo)
	wantReason(t, err, "order_not_pending")

	s2, ord2 := f.startedOrder(t, "olga")
	if err := f.pay.MarkPaid(ord2.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	_, err = f.orders.Cancel(ctx, s2, ord2.OrderNo)
	wantReason(t, err, "order_paid")
	if got := f.order(t, ord2.OrderNo); got.Status != domain.OrderPaid {
		t.Fatalf("cancel of a paid order left it %s", got.Status)
	}
	_, err = f.orders.Cancel(ctx, s, ord2.OrderNo)
	wantReason(t, err, "order_not_found")
}

// Money for an order closed here: recorded, and refunded in full by the
// refund job, once, however often it is reported.
func TestPaidAfterCloseIsRefunded(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s := f.shopper(t, "pia")
	f.scan(t, s, colaCode, 2)
	ord := f.checkout(t, s)
	// The prepay reached WeChat Pay but its answer was lost (no prepay id
	// here), the shopper paid, and WeChat Pay answers the close as if it
	// did not know the order (a race at its end): we close here while the
	// money is already there.
	f.paidUnknownToUs(t, s, ord, ord.Total)
	f.pay.FailNext(wechatpaytest.PathOutTradeNo, 1, http.StatusNotFound, "ORDER_NOT_EXIST")
	if _, err := f.orders.Cancel(ctx, s, ord.OrderNo); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"late-1", "late-2"} {
		if err := f.receive(t, f.notification(t, ord.OrderNo, wechatpaytest.WithEventID(id))); err != nil {
			t.Fatal(err)
		}
	}
	ran := f.drain(t)
	if ran[app.TaskRefundSubmit] != 1 {
		t.Fatalf("tasks run: %v", ran)
	}
	if got := f.order(t, ord.OrderNo); got.Status != domain.OrderClosed {
		t.Fatalf("order %s", got.Status)
	}
	refunds, err := f.pays.RefundsOfOrder(ctx, ord.ID)
	if err != nil || len(refunds) != 1 {
		t.Fatalf("refunds %v %v", refunds, err)
	}
	ref := refunds[0]
	if ref.Status != domain.RefundSucceeded || !ref.Amount.Equal(ord.Total) || ref.Reason != domain.RefundReasonPaidAfterClose {
		t.Fatalf("refund %+v", ref)
	}
	fake, ok := f.pay.Refund(ref.OutRefundNo)
	if !ok || fake.Refund != ord.Total.Shift(2).IntPart() {
		t.Fatalf("WeChat Pay refund %+v", fake)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM payments WHERE order_no = ? AND status = 'paid_after_close'", ord.OrderNo); n != 1 {
		t.Fatalf("%d payments recorded", n)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM stock_movements WHERE ref = ?", ord.OrderNo); n != 0 {
		t.Fatalf("a refunded order sold stock (%d movements)", n)
	}
}

// Cancelling to change the basket costs no rescanning: the goods are back
// in the cart, merged with what was scanned since.
func TestCancelPutsTheGoodsBackInTheCart(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s, ord := f.startedOrder(t, "wes") // 2 cola, 1 juice
	f.scan(t, s, colaCode, 1)          // scanned again meanwhile
	if _, err := f.orders.Cancel(ctx, s, ord.OrderNo); err != nil {
		t.Fatal(err)
	}
	cart, err := f.carts.Get(ctx, s, app.DemoStoreCode)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range cart.Cart.Lines {
		got[l.SKU] = l.Quantity.String()
	}
	if len(got) != 2 || got["DRK-COLA-330"] != "3" || got["DRK-OJ-1L"] != "1" {
		t.Fatalf("cart after cancel: %v", got)
	}
	if !cart.Priced.Total.Equal(ord.Total.Add(decimal.RequireFromString("3.00"))) {
		t.Fatalf("cart total %s, order was %s", cart.Priced.Total, ord.Total)
	}
}

// Goods put back by a cancel respect the basket cap: a line that would
// pass it stays out. A cart over the cap anyway (prices rose) cannot be
// checked out until the shopper takes something out.
func TestCancelRestoreAndCheckoutKeepTheBasketCap(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s, ord := f.startedOrder(t, "yves") // 2 cola ¥6.00, 1 juice ¥12.90
	f.scan(t, s, colaCode, 3)           // ¥9.00 scanned since
	setCap := func(amount string) {
		t.Helper()
		c := decimal.RequireFromString(amount)
		if _, err := app.NewStores(f.db, mysql.NewStoreRepo(f.db), f.ids, f.clock, nil, "").Update(ctx, f.admin,
			app.DemoStoreCode, domain.StorePatch{MaxBasketTotal: &c}); err != nil {
			t.Fatal(err)
		}
	}
	setCap("20.00")
	if _, err := f.orders.Cancel(ctx, s, ord.OrderNo); err != nil {
		t.Fatal(err)
	}
	cart, err := f.carts.Get(ctx, s, app.DemoStoreCode)
	if err != nil {
		t.Fatal(err)
	}
	if len(cart.Cart.Lines) != 1 || !cart.Priced.Total.Equal(decimal.RequireFromString("15.00")) {
		t.Fatalf("restored cart: %d lines, total %s (juice would pass the ¥20 cap)", len(cart.Cart.Lines), cart.Priced.Total)
	}
	setCap("10.00")
	_, _, err = f.orders.Checkout(ctx, s, app.CheckoutRequest{StoreCode: app.DemoStoreCode, CartVersion: cart.Cart.Version, IdempotencyKey: "over-cap"})
	wantReason(t, err, "cap_basket_amount")
}
