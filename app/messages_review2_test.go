package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// scriptedSender answers each send with the next scripted outcome; a
// send whose gate is set waits for it first.
type scriptedSender struct {
	mu      sync.Mutex
	calls   int
	answers []error
	gates   []chan struct{}
	started chan int
}

func (s *scriptedSender) SendSubscribe(ctx context.Context, _ app.SubscribeMessage) error {
	s.mu.Lock()
	i := s.calls
	s.calls++
	var gate chan struct{}
	var ans error
	if i < len(s.gates) {
		gate = s.gates[i]
	}
	if i < len(s.answers) {
		ans = s.answers[i]
	}
	s.mu.Unlock()
	if s.started != nil {
		s.started <- i
	}
	if gate != nil {
		<-gate
	}
	return ans
}

func (s *scriptedSender) count() int { s.mu.Lock(); defer s.mu.Unlock(); return s.calls }

// A run whose claim was taken over (it outlived the lease) must not undo
// what the run that took over recorded: when the slow run's send finally
// fails after the other run sent the message, the message stays sent and
// a rerun of the job sends nothing more.
func TestPaymentMessageSlowRunDoesNotUndoTakeover(t *testing.T) {
	f := newOrderFixture(t)
	_, ord := f.paid(t, "review2-slow") // no messages wired: the job ran as a no-op
	gate := make(chan struct{})
	sender := &scriptedSender{
		answers: []error{domain.Unavailable("wechat", errors.New("wechat subscribe_send: HTTP 502")), nil, nil},
		gates:   []chan struct{}{gate},
		started: make(chan int, 3),
	}
	ms := app.NewMessages(app.MessageDeps{Orders: f.repo, Shoppers: f.shops, Stores: mysql.NewStoreRepo(f.db),
		Messages: mysql.NewMessageRepo(f.db), Sender: sender, PaymentTemplate: testPaymentTemplate,
		OrderPage: testOrderPage, Clock: f.clock, IDs: f.ids, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx := context.Background()
	slow := make(chan error, 1)
	go func() { slow <- ms.SendPaymentSuccess(ctx, app.OrderTask{OrderNo: ord.OrderNo}) }()
	<-sender.started // the slow run holds the claim and is sending
	f.clock.Add(2 * time.Minute)
	if err := ms.SendPaymentSuccess(ctx, app.OrderTask{OrderNo: ord.OrderNo}); err != nil {
		t.Fatalf("run taking over: %v", err)
	}
	<-sender.started
	close(gate)
	<-slow
	got := f.message(t, ord)
	if got.Status != domain.MessageSent {
		t.Errorf("after the slow run failed: %+v, want it still sent", got)
	}
	if err := ms.SendPaymentSuccess(ctx, app.OrderTask{OrderNo: ord.OrderNo}); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if n := sender.count(); n != 2 {
		t.Errorf("%d sends, want 2 (the slow one and the takeover); the message went out again", n)
	}
}
