package app_test

import (
	"context"
	"testing"
	"time"
)

// Redis lost its data just after the outbox handed over an order's
// receipt and message jobs: the order is paid, but no receipt comes. The
// reconcile sweep's follow-up slot 5 minutes after payment issues the
// receipt and queues the message again, once: the next sweep in the same
// slot finds the receipt and leaves it, and an order whose receipt came
// is never touched.
func TestReconcileReissuesLostReceipt(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	lost := f.paidOrder(t, "lost", "", colaCode, 2)
	fine := f.paidOrder(t, "fine", "", colaCode, 1)
	if _, err := f.db.SQL().Exec("DELETE FROM receipts WHERE order_no = ?", lost.OrderNo); err != nil {
		t.Fatal(err)
	}
	messages := func(no string) int {
		return f.count(t, "SELECT COUNT(*) FROM outbox WHERE task_type = 'message:payment-success' AND payload LIKE CONCAT('%', ?, '%')", no)
	}
	before := messages(lost.OrderNo)

	// Within the first 5 minutes the receipt may still be on its way.
	f.clock.Add(lost.PaidAt.Add(4 * time.Minute).Sub(f.clock.Now()))
	if rep, err := f.orders.Reconcile(ctx); err != nil || rep.FollowUps != 0 {
		t.Fatalf("sweep 4 min after payment: %+v, %v", rep, err)
	}
	f.clock.Add(90 * time.Second)
	rep, err := f.orders.Reconcile(ctx)
	if err != nil || rep.FollowUps != 1 {
		t.Fatalf("sweep 5.5 min after payment: %+v, %v", rep, err)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM receipts WHERE order_no = ?", lost.OrderNo); n != 1 {
		t.Fatalf("%d receipts after the sweep", n)
	}
	if got := messages(lost.OrderNo); got != before+1 {
		t.Fatalf("message jobs %d, want %d", got, before+1)
	}
	if rep, err := f.orders.Reconcile(ctx); err != nil || rep.FollowUps != 0 {
		t.Fatalf("second sweep in the slot: %+v, %v", rep, err)
	}
	if got := messages(fine.OrderNo); got != 1 {
		t.Fatalf("the order with a receipt got %d message jobs", got)
	}
}
