package app_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// paidOrder is a paid order of the shopper name: n units of each barcode
// in turn, with the coupon when one is named; the payment's tasks ran.
func (f *orderFixture) paidOrder(t *testing.T, name, coupon string, scans ...any) *domain.Order {
	t.Helper()
	ctx := context.Background()
	s := f.shopper(t, name)
	for i := 0; i+1 < len(scans); i += 2 {
		f.scan(t, s, scans[i].(string), scans[i+1].(int))
	}
	if coupon != "" {
		if _, err := f.carts.ApplyCoupon(ctx, s, app.DemoStoreCode, coupon); err != nil {
			t.Fatal(err)
		}
	}
	ord := f.checkout(t, s)
	if _, err := f.orders.StartPayment(ctx, s, ord.OrderNo); err != nil {
		t.Fatal(err)
	}
	if err := f.pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	if err := f.receive(t, f.notification(t, ord.OrderNo)); err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	if got := f.order(t, ord.OrderNo); got.Status != domain.OrderPaid {
		t.Fatalf("order %s is %s, want paid", ord.OrderNo, got.Status)
	}
	return f.order(t, ord.OrderNo)
}

// refund asks for a staff refund as the admin, under key.
func (f *orderFixture) refund(ord *domain.Order, key string, restock bool, lines ...domain.RefundAsk) (*app.StaffRefund, bool, error) {
	return f.orders.RefundByStaff(context.Background(), f.admin, app.StaffRefundRequest{OrderNo: ord.OrderNo,
		IdempotencyKey: key, Lines: lines, Reason: "damaged", Restock: restock})
}

func ask(l *domain.OrderLine, qty string) domain.RefundAsk {
	return domain.RefundAsk{LineID: strconv.FormatInt(l.ID, 10), Quantity: qty}
}

// Ten managers refund one unit each of a three-unit line at once, under
// ten keys: exactly three succeed, the others are refused as exceeding
// what is refundable, and the order ends refunded to the fen. Then on a
// second order, parallel whole-order refunds: exactly one.
func TestStaffRefundParallelNeverExceeds(t *testing.T) {
	f := newOrderFixture(t)
	ord := f.paidOrder(t, "para", "", colaCode, 3)
	line := ord.Lines[0]
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		ok      int
		refused int
		start   = make(chan struct{})
	)
	for i := range 10 {
		wg.Go(func() {
			<-start
			_, created, err := f.refund(ord, fmt.Sprintf("unit-%d", i), false, ask(line, "1"))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && created:
				ok++
			case domain.ErrorCode(err) == domain.EINVALID && domain.ErrorReason(err) == "refund_exceeds_refundable":
				refused++
			default:
				t.Errorf("refund %d: created=%v %v", i, created, err)
			}
		})
	}
	deadlocks := f.innodbDeadlocks(t)
	close(start)
	wg.Wait()
	f.noDeadlockHere(t, deadlocks)
	if ok != 3 || refused != 7 {
		t.Fatalf("%d refunds, %d refused; want 3 and 7", ok, refused)
	}
	got := f.order(t, ord.OrderNo)
	if got.Status != domain.OrderRefunded || !got.RefundedTotal.Equal(ord.Total) ||
		!got.Lines[0].RefundedQty.Equal(decimal.NewFromInt(3)) || !got.Lines[0].RefundedAmount.Equal(line.NetAmount) {
		t.Fatalf("order after refunds: %s refunded %s of %s, line %s / %s", got.Status, got.RefundedTotal, got.Total,
			got.Lines[0].RefundedQty, got.Lines[0].RefundedAmount)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM refunds WHERE order_id = ? AND status = 'pending' AND store_id = ?", ord.ID, f.store.ID); n != 3 {
		t.Fatalf("%d refunds stored", n)
	}
	if n := f.count(t, "SELECT COUNT(DISTINCT out_refund_no) FROM refunds WHERE order_id = ?", ord.ID); n != 3 {
		t.Fatalf("%d distinct refund numbers", n)
	}

	whole := f.paidOrder(t, "whole", "", colaCode, 2, juiceCode, 1)
	ok, refused = 0, 0
	start = make(chan struct{})
	for i := range 6 {
		wg.Go(func() {
			<-start
			_, created, err := f.refund(whole, fmt.Sprintf("whole-%d", i), false)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && created:
				ok++
			case domain.ErrorReason(err) == "refund_exceeds_refundable":
				refused++
			default:
				t.Errorf("whole refund %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok != 1 || refused != 5 {
		t.Fatalf("%d whole refunds, %d refused; want 1 and 5", ok, refused)
	}
	if got := f.order(t, whole.OrderNo); got.Status != domain.OrderRefunded || !got.RefundedTotal.Equal(whole.Total) {
		t.Fatalf("whole order %s refunded %s", got.Status, got.RefundedTotal)
	}
}

// The same key and request answers with the first refund; the same key
// with another request is refused; neither refunds again.
func TestStaffRefundIdempotent(t *testing.T) {
	f := newOrderFixture(t)
	ord := f.paidOrder(t, "idem", "", colaCode, 3)
	first, created, err := f.refund(ord, "k1", false, ask(ord.Lines[0], "1"))
	if err != nil || !created {
		t.Fatalf("first: %v %v", created, err)
	}
	again, created, err := f.refund(ord, "k1", false, ask(ord.Lines[0], "1.0"))
	if err != nil || created || again.Refund.OutRefundNo != first.Refund.OutRefundNo || len(again.Lines) != 1 ||
		!again.Lines[0].Amount.Equal(first.Lines[0].Amount) || again.Order.RefundedTotal.String() != "3" {
		t.Fatalf("replay: created=%v %v %+v", created, err, again)
	}
	_, _, err = f.refund(ord, "k1", false, ask(ord.Lines[0], "2"))
	wantReason(t, err, "idempotency_key_reused")
	_, _, err = f.refund(ord, "k1", true, ask(ord.Lines[0], "1"))
	wantReason(t, err, "idempotency_key_reused")
	if got := f.order(t, ord.OrderNo); !got.RefundedTotal.Equal(decimal.NewFromInt(3)) || got.Status != domain.OrderPartiallyRefunded {
		t.Fatalf("order %s refunded %s", got.Status, got.RefundedTotal)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM outbox WHERE task_type = ?", app.TaskRefundSubmit); n != 1 {
		t.Fatalf("%d refund:submit rows", n)
	}
	if first.Refund.OutRefundNo != ord.OrderNo+"R01" {
		t.Fatalf("out_refund_no %s", first.Refund.OutRefundNo)
	}
	// A refused request stores nothing; its key stays free.
	_, _, err = f.refund(ord, "k2", false, ask(ord.Lines[0], "5"))
	wantReason(t, err, "refund_exceeds_refundable")
	second, created, err := f.refund(ord, "k2", false, ask(ord.Lines[0], "2"))
	if err != nil || !created || second.Refund.OutRefundNo != ord.OrderNo+"R02" || second.Order.Status != domain.OrderRefunded {
		t.Fatalf("second: %v %v %+v", created, err, second)
	}
}

// Three units with a coupon share that does not divide by three, refunded
// one by one, give back exactly the line's net; the coupon comes back to
// the shopper only with the last (full) refund.
func TestStaffRefundRemainderAndCoupon(t *testing.T) {
	f := newOrderFixture(t)
	ord := f.paidOrder(t, "rema", "WELCOME5", juiceCode, 3)
	line := ord.Lines[0]
	third := line.NetAmount.DivRound(decimal.NewFromInt(3), 2)
	if third.Mul(decimal.NewFromInt(3)).Equal(line.NetAmount) {
		t.Fatalf("net %s divides by 3: pick another basket", line.NetAmount)
	}
	redeemed := func(want string) {
		t.Helper()
		if n := f.count(t, "SELECT COUNT(*) FROM coupon_redemptions WHERE order_no = ? AND status = ?", ord.OrderNo, want); n != 1 {
			t.Fatalf("coupon use not %s", want)
		}
	}
	redeemed("redeemed")
	sum := decimal.Zero
	for i := range 3 {
		res, _, err := f.refund(ord, "r"+strconv.Itoa(i), false, ask(line, "1"))
		if err != nil {
			t.Fatal(err)
		}
		if i < 2 && !res.Refund.Amount.Equal(third) {
			t.Fatalf("unit %d refunded %s, want %s", i, res.Refund.Amount, third)
		}
		sum = sum.Add(res.Refund.Amount)
		if i < 2 {
			redeemed("redeemed")
		}
	}
	if !sum.Equal(line.NetAmount) {
		t.Fatalf("refunds sum to %s, line net %s", sum, line.NetAmount)
	}
	got := f.order(t, ord.OrderNo)
	if got.Status != domain.OrderRefunded || !got.RefundedTotal.Equal(got.Total) || !got.Lines[0].RefundedAmount.Equal(line.NetAmount) {
		t.Fatalf("order %s refunded %s of %s", got.Status, got.RefundedTotal, got.Total)
	}
	redeemed("released")
}

// Restocking books one return movement per product with the staff member
// and the refund number, and the stock goes back up; without restock
// nothing moves.
func TestStaffRefundRestock(t *testing.T) {
	f := newOrderFixture(t)
	ord := f.paidOrder(t, "rest", "", colaCode, 2, juiceCode, 1)
	cola, juice := ord.Lines[0], ord.Lines[1]
	colaBefore, juiceBefore := f.onHand(t, cola.ProductID), f.onHand(t, juice.ProductID)
	res, _, err := f.refund(ord, "restock", true, ask(cola, "2"), ask(juice, "1"))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.onHand(t, cola.ProductID); !got.Equal(colaBefore.Add(decimal.NewFromInt(2))) {
		t.Fatalf("cola on hand %s, was %s", got, colaBefore)
	}
	if got := f.onHand(t, juice.ProductID); !got.Equal(juiceBefore.Add(decimal.NewFromInt(1))) {
		t.Fatalf("juice on hand %s, was %s", got, juiceBefore)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM stock_movements WHERE kind = 'return' AND ref = ? AND staff_id = ?",
		res.Refund.OutRefundNo, f.admin.ID); n != 2 {
		t.Fatalf("%d return movements", n)
	}
	other := f.paidOrder(t, "norest", "", colaCode, 1)
	before := f.onHand(t, cola.ProductID)
	if _, _, err := f.refund(other, "plain", false); err != nil {
		t.Fatal(err)
	}
	if got := f.onHand(t, cola.ProductID); !got.Equal(before) {
		t.Fatalf("cola moved without restock: %s → %s", before, got)
	}
}

// Refusals: an unpaid order, bad lines and reasons, a clerk.
func TestStaffRefundRefusals(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s := f.shopper(t, "unpaid")
	f.scan(t, s, colaCode, 1)
	pending := f.checkout(t, s)
	_, _, err := f.refund(pending, "p", false)
	wantReason(t, err, "order_not_refundable")

	ord := f.paidOrder(t, "refu", "", colaCode, 2)
	_, _, err = f.refund(ord, "bad", false, domain.RefundAsk{LineID: "1", Quantity: "x"})
	wantReason(t, err, "refund_invalid")
	_, _, err = f.orders.RefundByStaff(ctx, f.admin, app.StaffRefundRequest{OrderNo: ord.OrderNo, IdempotencyKey: "r"})
	wantReason(t, err, "refund_invalid")
	clerk := &domain.Staff{ID: 7, Username: "c", Role: domain.RoleClerk, StoreCodes: []string{app.DemoStoreCode}, Active: true}
	_, _, err = f.orders.RefundByStaff(ctx, clerk, app.StaffRefundRequest{OrderNo: ord.OrderNo, IdempotencyKey: "c", Reason: "x"})
	wantReason(t, err, "role_insufficient")
	other := &domain.Staff{ID: 8, Username: "m", Role: domain.RoleManager, StoreCodes: []string{"ELSEWHERE"}, Active: true}
	_, _, err = f.orders.RefundByStaff(ctx, other, app.StaffRefundRequest{OrderNo: ord.OrderNo, IdempotencyKey: "m", Reason: "x"})
	wantReason(t, err, "order_not_found")
	if got := f.order(t, ord.OrderNo); got.Status != domain.OrderPaid {
		t.Fatalf("refused refunds changed the order: %s", got.Status)
	}
}

// Through the real gateway: the refund:submit job sends the staff refund
// to the fake WeChat Pay; one it reports ABNORMAL is listed for staff with
// its last error and, retried, goes out again under the same number.
func TestStaffRefundSubmittedAndRetried(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	ord := f.paidOrder(t, "subm", "", colaCode, 2)
	res, _, err := f.refund(ord, "s1", false, ask(ord.Lines[0], "1"))
	if err != nil {
		t.Fatal(err)
	}
	if ran := f.drain(t); ran[app.TaskRefundSubmit] != 1 {
		t.Fatalf("ran %v", ran)
	}
	fake, ok := f.pay.Refund(res.Refund.OutRefundNo)
	if !ok || fake.Refund != 300 || fake.Total != ord.Total.Shift(2).IntPart() || fake.Reason != "damaged" {
		t.Fatalf("WeChat Pay refund %+v", fake)
	}
	if got, _ := f.pays.RefundByOutRefundNo(ctx, res.Refund.OutRefundNo); got.Status != domain.RefundSucceeded {
		t.Fatalf("refund %s", got.Status)
	}

	if err := f.pay.SetRefundMode(wechatpaytest.RefundAbnormal); err != nil {
		t.Fatal(err)
	}
	res2, _, err := f.refund(ord, "s2", false)
	if err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	list, err := f.orders.ListRefunds(ctx, f.admin, app.DemoStoreCode, domain.RefundAbnormal, domain.Page{Limit: 10})
	if err != nil || len(list.Items) != 1 || list.Items[0].Refund.OutRefundNo != res2.Refund.OutRefundNo ||
		list.Items[0].Refund.LastError == "" || len(list.Items[0].Lines) != 1 {
		t.Fatalf("abnormal refunds %+v %v", list.Items, err)
	}
	_, err = f.orders.RetryRefund(ctx, f.admin, res.Refund.OutRefundNo)
	wantReason(t, err, "refund_not_retryable")

	// Staff sorted the payer's account out; the retry asks again.
	if err := f.pay.SetRefundStatus(res2.Refund.OutRefundNo, wechatpaytest.RefundSuccess); err != nil {
		t.Fatal(err)
	}
	retried, err := f.orders.RetryRefund(ctx, f.admin, res2.Refund.OutRefundNo)
	if err != nil || retried.Refund.Status != domain.RefundPending || retried.Refund.LastError != "" {
		t.Fatalf("retry %+v %v", retried, err)
	}
	if ran := f.drain(t); ran[app.TaskRefundSubmit] != 1 {
		t.Fatalf("ran %v", ran)
	}
	got, _ := f.pays.RefundByOutRefundNo(ctx, res2.Refund.OutRefundNo)
	if got.Status != domain.RefundSucceeded || got.LastError != "" {
		t.Fatalf("refund after retry %+v", got)
	}
	all, err := f.orders.OrderRefunds(ctx, f.admin, ord.OrderNo)
	if err != nil || len(all) != 2 || all[0].Refund.OutRefundNo != res.Refund.OutRefundNo {
		t.Fatalf("order refunds %+v %v", all, err)
	}
	if list, _ := f.orders.ListRefunds(ctx, f.admin, "", domain.RefundAbnormal, domain.Page{Limit: 10}); len(list.Items) != 0 {
		t.Fatalf("still abnormal: %+v", list.Items)
	}
}

// WeChat Pay takes at most 50 refunds of one payment: the 51st is refused
// here, before anything of it is counted against the order, which keeps
// its 50 refunds and their total.
func TestStaffRefundStopsAtWeChatPaysLimit(t *testing.T) {
	f := newOrderFixture(t)
	ord := f.paidOrder(t, "many", "", colaCode, 51)
	line := ord.Lines[0]
	for i := range domain.MaxRefundsPerOrder {
		if _, _, err := f.refund(ord, fmt.Sprintf("one-%d", i), false, ask(line, "1")); err != nil {
			t.Fatalf("refund %d: %v", i+1, err)
		}
	}
	_, _, err := f.refund(ord, "one-more", false, ask(line, "1"))
	wantReason(t, err, "refund_limit_reached")
	got := f.order(t, ord.OrderNo)
	if got.Status != domain.OrderPartiallyRefunded || !got.RefundedTotal.Equal(decimal.RequireFromString("150.00")) {
		t.Fatalf("after the limit: %s, refunded %s", got.Status, got.RefundedTotal)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM refunds WHERE order_no = ?", ord.OrderNo); n != domain.MaxRefundsPerOrder {
		t.Fatalf("%d refunds", n)
	}
}
