package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// exitChecksOf wires the exit checks on the fixture's database.
func (f *orderFixture) exitChecksOf(rate float64) *app.ExitChecks {
	checks := mysql.NewExitCheckRepo(f.db)
	return app.NewExitChecks(app.ExitCheckDeps{Tx: f.db, Orders: f.repo, Checks: checks, Facts: checks,
		Stores: mysql.NewStoreRepo(f.db), Products: mysql.NewProductRepo(f.db), Clock: f.clock, IDs: f.ids,
		Secret: []byte("review-secret-0123456789abcdef-0123456789"), Random: func() float64 { return rate },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// Exit checks at two gates, a restocking partial refund and a repeated
// payment report of the same orders, all at once: no deadlock, one check
// per order, refunds within what was paid.
func TestReviewExitCheckRefundPaymentParallel(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	ec := f.exitChecksOf(0.99)
	const n = 6
	var orders []*domain.Order
	for i := range n {
		orders = append(orders, f.paidOrder(t, fmt.Sprintf("xr%02d", i), "", colaCode, 2, juiceCode, 1))
	}
	deadlocks := f.innodbDeadlocks(t)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, ord := range orders {
		s := &domain.Shopper{ID: ord.ShopperID}
		pass, err := ec.Pass(ctx, s, ord.OrderNo)
		if err != nil {
			t.Fatal(err)
		}
		for g := range 2 {
			wg.Go(func() {
				<-start
				_, err := ec.Check(ctx, f.admin, pass.Payload, app.DemoStoreCode)
				if err != nil && domain.ErrorReason(err) != "exit_pass_used" {
					t.Errorf("gate %d order %d: %v", g, i, err)
				}
			})
		}
		wg.Go(func() {
			<-start
			if _, _, err := f.refund(ord, fmt.Sprintf("k%d", i), true, ask(ord.Lines[0], "1")); err != nil {
				t.Errorf("refund %d: %v", i, err)
			}
		})
		wg.Go(func() {
			<-start
			if err := f.receive(t, f.notification(t, ord.OrderNo)); err != nil {
				t.Errorf("notify %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	f.noDeadlockHere(t, deadlocks)
	f.drain(t)
	for _, o := range orders {
		got := f.order(t, o.OrderNo)
		if got.Status != domain.OrderPartiallyRefunded || got.RefundedTotal.GreaterThan(got.Total) {
			t.Errorf("order %s: %s refunded %s", o.OrderNo, got.Status, got.RefundedTotal)
		}
		if c := f.count(t, "SELECT COUNT(*) FROM exit_checks WHERE order_id = ?", o.ID); c != 1 {
			t.Errorf("order %s: %d checks", o.OrderNo, c)
		}
	}
}

// Idempotency keys are opaque: two keys that differ only in letter case
// are two keys, on MariaDB as on SQLite.
func TestReviewRefundKeysAreCaseSensitive(t *testing.T) {
	f := newOrderFixture(t)
	ord := f.paidOrder(t, "keycase", "", colaCode, 3)
	if _, created, err := f.refund(ord, "Refund-Key-A", false, ask(ord.Lines[0], "1")); err != nil || !created {
		t.Fatalf("first refund: created=%v %v", created, err)
	}
	_, created, err := f.refund(ord, "refund-key-a", false, ask(ord.Lines[0], "2"))
	if err != nil || !created {
		t.Fatalf("refund under another key: created=%v %v", created, err)
	}
}
