package app_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/wechat"
	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

const (
	testPaymentTemplate = "tmpl-payment-success"
	testOrderPage       = "pages/order/detail"
)

// withMessages wires the payment message on the real WeChat client and a
// fake WeChat of the test's own, with template (may be ""), and has drain
// run its tasks.
func (f *orderFixture) withMessages(t *testing.T, template string) *wechattest.Server {
	t.Helper()
	wx := wechattest.NewTest(t)
	f.withMessagesOn(t, wx, template)
	return wx
}

// paid pays a started order by notification and runs what it queued
// (the message job included).
func (f *orderFixture) paid(t *testing.T, name string) (*domain.Shopper, *domain.Order) {
	t.Helper()
	s, ord := f.startedOrder(t, name)
	if err := f.pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	if err := f.receive(t, f.notification(t, ord.OrderNo)); err != nil {
		t.Fatal(err)
	}
	ran := f.drain(t)
	if ran[app.TaskMessagePaymentSuccess] != 1 {
		t.Fatalf("jobs run %v, want one %s", ran, app.TaskMessagePaymentSuccess)
	}
	return s, f.order(t, ord.OrderNo)
}

// message reads the order's payment message back.
func (f *orderFixture) message(t *testing.T, ord *domain.Order) *domain.ShopperMessage {
	t.Helper()
	m, err := mysql.NewMessageRepo(f.db).MessageOf(context.Background(), ord.ID, domain.MessagePaymentSuccess)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *orderFixture) sendAgain(t *testing.T, ord *domain.Order) error {
	t.Helper()
	return f.messages.SendPaymentSuccess(context.Background(), app.OrderTask{OrderNo: ord.OrderNo})
}

// Paying sends the shopper one message with the order's data, however
// often the job runs afterwards.
func TestPaymentMessageSentOnce(t *testing.T) {
	f := newOrderFixture(t)
	wx := f.withMessages(t, testPaymentTemplate)
	s, ord := f.paid(t, "mia")
	for range 2 {
		if err := f.sendAgain(t, ord); err != nil {
			t.Fatalf("rerun: %v", err)
		}
	}
	msgs := wx.Messages()
	if len(msgs) != 1 || wx.Requests(wechattest.PathSubscribeSend) != 1 {
		t.Fatalf("%d messages in %d requests, want 1", len(msgs), wx.Requests(wechattest.PathSubscribeSend))
	}
	m := msgs[0]
	paidLocal, _ := domain.StoreLocation(f.store.TimeZone)
	want := map[string]string{
		app.KeyOrderNo:  ord.OrderNo,
		app.KeyAmount:   "¥" + ord.Total.StringFixed(2),
		app.KeyPaidTime: ord.PaidAt.In(paidLocal).Format("2006-01-02 15:04"),
		app.KeyStore:    string([]rune(f.store.Name)[:min(20, len([]rune(f.store.Name)))]),
	}
	if m.ToUser != s.OpenID || m.TemplateID != testPaymentTemplate || m.Page != testOrderPage+"?order_no="+ord.OrderNo {
		t.Errorf("message to %q template %q page %q", m.ToUser, m.TemplateID, m.Page)
	}
	if len(m.Data) != len(want) {
		t.Errorf("data %v, want %v", m.Data, want)
	}
	for k, v := range want {
		if m.Data[k] != v {
			t.Errorf("data[%s] = %q, want %q", k, m.Data[k], v)
		}
	}
	if got := f.message(t, ord); got.Status != domain.MessageSent || got.Attempts != 1 || got.ShopperID != s.ID {
		t.Errorf("recorded %+v", got)
	}
}

// Parallel runs of the job for one order send one message: the claim on
// the row keeps the others off while one sends.
func TestPaymentMessageParallelRunsSendOnce(t *testing.T) {
	f := newOrderFixture(t)
	wx := f.withMessages(t, "")
	_, ord := f.paid(t, "nora") // skipped for want of a template: start over with one
	f.withMessagesOn(t, wx, testPaymentTemplate)
	if _, err := f.db.SQL().Exec("DELETE FROM shopper_messages WHERE order_id = ?", ord.ID); err != nil {
		t.Fatal(err)
	}
	wx.SetLatency(50 * time.Millisecond) // the runs overlap the send
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() { errs[i] = f.sendAgain(t, ord) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil && domain.ErrorReason(err) != "message_in_flight" {
			t.Errorf("run %d: %v", i, err)
		}
	}
	if n := len(wx.Messages()); n != 1 {
		t.Fatalf("%d messages sent by parallel runs, want 1", n)
	}
	if got := f.message(t, ord); got.Status != domain.MessageSent || got.Attempts != 1 {
		t.Errorf("recorded %+v", got)
	}
}

// withMessagesOn rewires the messages on an existing fake with template.
func (f *orderFixture) withMessagesOn(t *testing.T, wx *wechattest.Server, template string) {
	t.Helper()
	appID, secret := wx.Credentials()
	client := wechat.New(wechat.Config{AppID: appID, Secret: secret, BaseURL: wx.URL})
	f.messages = app.NewMessages(app.MessageDeps{Orders: f.repo, Shoppers: f.shops, Stores: mysql.NewStoreRepo(f.db),
		Messages: mysql.NewMessageRepo(f.db), Sender: wechat.SubscribeSender{Client: client}, PaymentTemplate: template,
		OrderPage: testOrderPage, Clock: f.clock, IDs: f.ids, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// A shopper who has not accepted the template (43101) is recorded refused;
// the job succeeds and a rerun asks WeChat nothing more.
func TestPaymentMessageRefused(t *testing.T) {
	f := newOrderFixture(t)
	wx := f.withMessages(t, testPaymentTemplate)
	wx.RefuseFor("o-olga")
	_, ord := f.paid(t, "olga") // drain fails the test if the job errs
	if err := f.sendAgain(t, ord); err != nil {
		t.Fatal(err)
	}
	if n := wx.Requests(wechattest.PathSubscribeSend); n != 1 || len(wx.Messages()) != 0 {
		t.Fatalf("%d requests, %d messages; want 1 refused request", n, len(wx.Messages()))
	}
	if got := f.message(t, ord); got.Status != domain.MessageRefused || got.ErrCode != 43101 || got.Attempts != 1 {
		t.Errorf("recorded %+v", got)
	}
}

// WeChat refusing a value (an unknown template) fails the message for
// good: no retry.
func TestPaymentMessageInvalidFails(t *testing.T) {
	f := newOrderFixture(t)
	wx := f.withMessages(t, testPaymentTemplate)
	wx.FailNext(40037)
	_, ord := f.paid(t, "pia")
	if err := f.sendAgain(t, ord); err != nil {
		t.Fatal(err)
	}
	if got := f.message(t, ord); got.Status != domain.MessageFailed || got.ErrCode != 40037 || got.Attempts != 1 {
		t.Errorf("recorded %+v", got)
	}
	if n := wx.Requests(wechattest.PathSubscribeSend); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// While WeChat is down the job fails (so the queue retries it with
// backoff), counting attempts; the fifth failure records the message
// failed and the job stops failing: it is never retried forever.
func TestPaymentMessageOutageGivesUpAfterFiveAttempts(t *testing.T) {
	f := newOrderFixture(t)
	wx := f.withMessages(t, "")
	_, ord := f.paid(t, "quinn")
	if _, err := f.db.SQL().Exec("DELETE FROM shopper_messages WHERE order_id = ?", ord.ID); err != nil {
		t.Fatal(err)
	}
	f.withMessagesOn(t, wx, testPaymentTemplate)
	for attempt := 1; attempt <= domain.MaxMessageAttempts; attempt++ {
		if attempt%2 == 0 {
			wx.FailNextHTTP(500) // a broken proxy
		} else {
			wx.FailNext(-1) // "system busy"
		}
		err := f.sendAgain(t, ord)
		got := f.message(t, ord)
		if attempt < domain.MaxMessageAttempts {
			if domain.ErrorCode(err) != domain.EUNAVAILABLE || got.Status != domain.MessagePending || got.Attempts != attempt ||
				got.Detail == "" {
				t.Fatalf("attempt %d: err %v, recorded %+v; want unavailable, pending", attempt, err, got)
			}
			continue
		}
		if err != nil || got.Status != domain.MessageFailed || got.Attempts != domain.MaxMessageAttempts {
			t.Fatalf("last attempt: err %v, recorded %+v; want nil, failed", err, got)
		}
	}
	before := wx.Requests(wechattest.PathSubscribeSend)
	if err := f.sendAgain(t, ord); err != nil || wx.Requests(wechattest.PathSubscribeSend) != before || len(wx.Messages()) != 0 {
		t.Fatalf("after giving up: %v, %d requests (was %d)", err, wx.Requests(wechattest.PathSubscribeSend), before)
	}
}

// Without a template the message is recorded skipped and nothing is
// sent; it stays skipped when a template is configured later.
func TestPaymentMessageSkippedWithoutTemplate(t *testing.T) {
	f := newOrderFixture(t)
	wx := f.withMessages(t, "")
	_, ord := f.paid(t, "rosa")
	if got := f.message(t, ord); got.Status != domain.MessageSkipped || got.Attempts != 0 || got.Detail == "" {
		t.Errorf("recorded %+v", got)
	}
	f.withMessagesOn(t, wx, testPaymentTemplate)
	if err := f.sendAgain(t, ord); err != nil {
		t.Fatal(err)
	}
	if n := wx.Requests(wechattest.PathSubscribeSend); n != 0 {
		t.Errorf("%d subscribe requests, want none", n)
	}
	if got := f.message(t, ord); got.Status != domain.MessageSkipped {
		t.Errorf("after a template came: %+v", got)
	}
}

// An unpaid order gets no message: the job is dropped as invalid.
func TestPaymentMessageNeedsAPaidOrder(t *testing.T) {
	f := newOrderFixture(t)
	wx := f.withMessages(t, testPaymentTemplate)
	_, ord := f.startedOrder(t, "sam")
	err := f.sendAgain(t, ord)
	if domain.ErrorCode(err) != domain.EINVALID || domain.ErrorReason(err) != "order_not_paid" {
		t.Fatalf("err = %v, want invalid order_not_paid", err)
	}
	if wx.Requests(wechattest.PathSubscribeSend) != 0 {
		t.Fatal("sent a message for an unpaid order")
	}
}
