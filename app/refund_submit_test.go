package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechatpay"
	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// paidAfterClose makes an order closed here while the shopper paid it at
// WeChat Pay (as TestPaidAfterCloseIsRefunded does), hands in WeChat Pay's
// payment notification and runs the queued tasks as the worker would: the
// payment is recorded, its refund created and submitted once. It returns
// the order, the refund as it is then, and the refund job's error.
func (f *orderFixture) paidAfterClose(t *testing.T, name string) (*domain.Order, *domain.Refund, error) {
	t.Helper()
	ctx := context.Background()
	s := f.shopper(t, name)
	f.scan(t, s, colaCode, 2)
	ord := f.checkout(t, s)
	f.paidUnknownToUs(t, s, ord, ord.Total)
	f.pay.FailNext(wechatpaytest.PathOutTradeNo, 1, http.StatusNotFound, "ORDER_NOT_EXIST")
	if _, err := f.orders.Cancel(ctx, s, ord.OrderNo); err != nil {
		t.Fatal(err)
	}
	if err := f.receive(t, f.notification(t, ord.OrderNo)); err != nil {
		t.Fatal(err)
	}
	errs := f.runQueued(t)
	if err, ran := errs[app.TaskPaymentApply]; !ran || err != nil {
		t.Fatalf("payment:apply ran %v: %v", ran, err)
	}
	submitErr, ran := errs[app.TaskRefundSubmit]
	if !ran {
		t.Fatalf("no refund:submit queued (%v)", errs)
	}
	return ord, f.onlyRefund(t, ord), submitErr
}

// runQueued plays the worker once over the queued payment and refund
// tasks, until none is left, and returns each type's last error (nil when
// it succeeded) instead of failing: refund jobs are meant to fail here.
// Other tasks (receipt, expiry) are dropped.
func (f *orderFixture) runQueued(t *testing.T) map[string]error {
	t.Helper()
	ctx := context.Background()
	errs := map[string]error{}
	for {
		rows, err := f.outbox.Claim(ctx, "refund-test", time.Now(), time.Minute, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			return errs
		}
		for _, r := range rows {
			switch r.Type {
			case app.TaskPaymentApply, app.TaskRefundApply, app.TaskRefundSubmit:
				errs[r.Type] = f.runTask(ctx, r.Message)
			}
			if err := f.outbox.MarkSent(ctx, r.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// onlyRefund reads back the order's one refund.
func (f *orderFixture) onlyRefund(t *testing.T, ord *domain.Order) *domain.Refund {
	t.Helper()
	refunds, err := f.pays.RefundsOfOrder(context.Background(), ord.ID)
	if err != nil || len(refunds) != 1 {
		t.Fatalf("refunds of %s: %v %v", ord.OrderNo, refunds, err)
	}
	return refunds[0]
}

// sweepRefunds runs the refund sweep and checks its report.
func (f *orderFixture) sweepRefunds(t *testing.T, want app.RefundReport) {
	t.Helper()
	rep, err := f.orders.ReconcileRefunds(context.Background())
	if err != nil || rep != want {
		t.Fatalf("refund sweep: %+v %v, want %+v", rep, err, want)
	}
}

// A refund WeChat Pay leaves PROCESSING is asked about (QueryRefund), not
// sent again; the sweep settles it once WeChat Pay has. The payer reads a
// sentence, not the reason code.
func TestRefundProcessingIsPolledNotResent(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	if err := f.pay.SetRefundMode(wechatpaytest.RefundProcessing); err != nil {
		t.Fatal(err)
	}
	ord, ref, err := f.paidAfterClose(t, "quinn")
	wantReason(t, err, "refund_processing")
	if ref.Status != domain.RefundProcessing || ref.RefundID == "" || ref.Reason != domain.RefundReasonPaidAfterClose {
		t.Fatalf("refund %+v", ref)
	}
	fake, ok := f.pay.Refund(ref.OutRefundNo)
	if !ok || fake.Reason != "订单已关闭，款项原路退回 (order closed, refunded)" || fake.Refund != ord.Total.Shift(2).IntPart() {
		t.Fatalf("WeChat Pay refund %+v", fake)
	}
	task := app.RefundTask{OutRefundNo: ref.OutRefundNo}
	submit := func(wantRequests int) error {
		t.Helper()
		before := f.pay.Requests()
		err := f.orders.SubmitRefund(ctx, task)
		if n := f.pay.Requests() - before; n != wantRequests {
			t.Fatalf("%d requests to WeChat Pay, want %d", n, wantRequests)
		}
		return err
	}
	// The injected failure sits on the query path only: the one request
	// hitting it proves the job queried and did not create.
	f.pay.FailNext(wechatpaytest.PathRefunds+"/"+ref.OutRefundNo, 1, http.StatusInternalServerError, "SYSTEM_ERROR")
	err = submit(1)
	if domain.ErrorCode(err) != domain.EUNAVAILABLE || domain.ErrorReason(err) == "refund_processing" {
		t.Fatalf("query hit the injected failure? %v", err)
	}
	wantReason(t, submit(1), "refund_processing")
	// A query WeChat Pay answers "no such refund" falls back to the
	// create, under the same number.
	f.pay.FailNext(wechatpaytest.PathRefunds+"/"+ref.OutRefundNo, 1, http.StatusNotFound, "RESOURCE_NOT_EXISTS")
	wantReason(t, submit(2), "refund_processing")

	f.sweepRefunds(t, app.RefundReport{}) // just tried: left alone
	if err := f.pay.SetRefundStatus(ref.OutRefundNo, wechatpaytest.RefundSuccess); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(2 * time.Minute)
	f.sweepRefunds(t, app.RefundReport{Checked: 1, Succeeded: 1})
	got := f.onlyRefund(t, ord)
	if got.Status != domain.RefundSucceeded || got.SucceededAt.IsZero() || got.LastError != "" {
		t.Fatalf("refund after the sweep %+v", got)
	}
	f.clock.Add(2 * time.Minute)
	f.sweepRefunds(t, app.RefundReport{})
	if err := submit(0); err != nil {
		t.Fatalf("settled refund: %v", err)
	}
}

// ABNORMAL needs staff: a later PROCESSING report does not hide it, the
// job and the sweep leave it alone, and only a final status replaces it.
func TestRefundAbnormalIsSticky(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	if err := f.pay.SetRefundMode(wechatpaytest.RefundProcessing); err != nil {
		t.Fatal(err)
	}
	ord, ref, _ := f.paidAfterClose(t, "rosa")
	if err := f.pay.SetRefundStatus(ref.OutRefundNo, wechatpaytest.RefundAbnormal); err != nil {
		t.Fatal(err)
	}
	if err := f.orders.SubmitRefund(ctx, app.RefundTask{OutRefundNo: ref.OutRefundNo}); err != nil {
		t.Fatal(err)
	}
	if got := f.onlyRefund(t, ord); got.Status != domain.RefundAbnormal {
		t.Fatalf("refund %s, want abnormal", got.Status)
	}
	late := app.RefundResult{OutTradeNo: ord.OrderNo, OutRefundNo: ref.OutRefundNo, RefundID: ref.RefundID,
		Status: app.RefundProcessing, Amount: ref.Amount}
	if err := f.orders.ApplyRefundEvent(ctx, app.RefundApplyTask{EventID: f.ids.NewID(), Refund: late}); err != nil {
		t.Fatal(err)
	}
	if got := f.onlyRefund(t, ord); got.Status != domain.RefundAbnormal {
		t.Fatalf("a late PROCESSING made it %s", got.Status)
	}
	before := f.pay.Requests()
	if err := f.orders.SubmitRefund(ctx, app.RefundTask{OutRefundNo: ref.OutRefundNo}); err != nil || f.pay.Requests() != before {
		t.Fatalf("job on an abnormal refund: %v, %d requests", err, f.pay.Requests()-before)
	}
	f.clock.Add(2 * time.Minute)
	f.sweepRefunds(t, app.RefundReport{})

	// Staff sorted it out at WeChat Pay; its notification settles it.
	if err := f.pay.SetRefundStatus(ref.OutRefundNo, wechatpaytest.RefundSuccess); err != nil {
		t.Fatal(err)
	}
	f.notifyRefund(t, ref.OutRefundNo)
	if got := f.onlyRefund(t, ord); got.Status != domain.RefundSucceeded {
		t.Fatalf("refund %s, want success", got.Status)
	}
}

// notifyRefund delivers WeChat Pay's notification of the refund's status
// and runs the refund:apply task it queues.
func (f *orderFixture) notifyRefund(t *testing.T, outRefundNo string) {
	t.Helper()
	n, err := f.pay.RefundNotification(outRefundNo)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.receive(t, n); err != nil {
		t.Fatal(err)
	}
	if err, ran := f.runQueued(t)[app.TaskRefundApply]; !ran || err != nil {
		t.Fatalf("refund:apply ran %v: %v", ran, err)
	}
}

// REFUND.SUCCESS by notification settles a processing refund through the
// refund:apply task; the event is marked applied.
func TestRefundNotificationSettles(t *testing.T) {
	f := newOrderFixture(t)
	if err := f.pay.SetRefundMode(wechatpaytest.RefundProcessing); err != nil {
		t.Fatal(err)
	}
	ord, ref, _ := f.paidAfterClose(t, "sven")
	if err := f.pay.SetRefundStatus(ref.OutRefundNo, wechatpaytest.RefundSuccess); err != nil {
		t.Fatal(err)
	}
	f.notifyRefund(t, ref.OutRefundNo)
	got := f.onlyRefund(t, ord)
	if got.Status != domain.RefundSucceeded || got.SucceededAt.IsZero() || got.RefundID != ref.RefundID {
		t.Fatalf("refund %+v", got)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM payment_events WHERE event_type = ? AND applied_at IS NOT NULL",
		app.EventRefundSuccess); n != 1 {
		t.Fatalf("%d refund events applied", n)
	}
	f.clock.Add(2 * time.Minute)
	f.sweepRefunds(t, app.RefundReport{})
}

// A refund WeChat Pay refuses (merchant balance too low, or a 4xx) keeps
// its last error and stays pending; the sweep retries it until it goes
// out, long after the job gave up.
func TestRefundRefusedIsKeptForTheSweep(t *testing.T) {
	f := newOrderFixture(t)
	f.pay.FailNext(wechatpaytest.PathRefunds, 1, http.StatusForbidden, "NOT_ENOUGH")
	ord, ref, err := f.paidAfterClose(t, "tina")
	wantReason(t, err, wechatpay.ReasonRefundNotEnough)
	if ref.Status != domain.RefundPending || ref.LastError == "" || ref.RefundID != "" {
		t.Fatalf("refund %+v", ref)
	}
	if _, ok := f.pay.Refund(ref.OutRefundNo); ok {
		t.Fatal("WeChat Pay has a refund it refused")
	}
	f.sweepRefunds(t, app.RefundReport{}) // just tried

	f.pay.FailNext(wechatpaytest.PathRefunds, 1, http.StatusBadRequest, "PARAM_ERROR")
	f.clock.Add(2 * time.Minute)
	f.sweepRefunds(t, app.RefundReport{Checked: 1, Failed: 1})
	got := f.onlyRefund(t, ord)
	if got.Status != domain.RefundPending || got.LastError == ref.LastError || got.LastError == "" {
		t.Fatalf("refund after a refused retry %+v (was %q)", got, ref.LastError)
	}

	f.clock.Add(2 * time.Minute)
	f.sweepRefunds(t, app.RefundReport{Checked: 1, Succeeded: 1})
	got = f.onlyRefund(t, ord)
	if got.Status != domain.RefundSucceeded || got.LastError != "" || got.RefundID == "" {
		t.Fatalf("refund after the sweep %+v", got)
	}
	if fake, ok := f.pay.Refund(ref.OutRefundNo); !ok || fake.Refund != ord.Total.Shift(2).IntPart() {
		t.Fatalf("WeChat Pay refund %+v", fake)
	}
}
