package mysql_test

import (
	"context"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
)

// The health gauges count what they say: overdue pending orders (not paid
// ones, not recent ones), anomalies, and refunds not yet settled.
func TestPaymentGaugeCounts(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ctx := context.Background()
		orders, pays := mysql.NewOrderRepo(db), mysql.NewPaymentRepo(db)
		for id := int64(1); id <= 3; id++ {
			mustCreateOrder(t, orders, orderFixture(id, 1, 1, "k"+string(rune('0'+id))))
		}
		if _, err := orders.UpdateOrder(ctx, "SP00000001", func(o *domain.Order) error {
			return o.MarkPaid("tx1", repoNow, repoNow)
		}); err != nil {
			t.Fatal(err)
		}
		// Orders 1-3 were created 1-3 s after repoNow: a cut at +2.5 s
		// takes order 2 only (order 1 is paid, order 3 is newer).
		n, err := orders.OverdueOrders(ctx, repoNow.Add(2500*time.Millisecond))
		if err != nil || n != 1 {
			t.Fatalf("overdue = %d %v, want 1", n, err)
		}
		for i, kind := range []string{domain.AnomalyAmount, domain.AnomalyAmount, domain.AnomalyCurrency} {
			// The second is the first again: recorded once.
			tx := "tx-a"
			if i == 2 {
				tx = "tx-b"
			}
			if err := pays.RecordAnomaly(ctx, &domain.PaymentAnomaly{ID: int64(10 + i), OrderNo: "SP00000002", TransactionID: tx,
				Kind: kind, Detail: "test", CreatedAt: repoNow}); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := pays.AnomalyCount(ctx); err != nil || n != 2 {
			t.Fatalf("anomalies = %d %v, want 2", n, err)
		}
		for i, st := range []domain.RefundStatus{domain.RefundPending, domain.RefundProcessing, domain.RefundAbnormal,
			domain.RefundSucceeded, domain.RefundClosed} {
			if err := pays.CreateRefund(ctx, &domain.Refund{ID: int64(20 + i), OrderID: 1, OrderNo: "SP00000001",
				OutRefundNo: "R" + string(rune('a'+i)), Amount: odec("1.00"), Reason: "test", Status: st,
				CreatedAt: repoNow, UpdatedAt: repoNow}); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := pays.UnsettledRefunds(ctx); err != nil || n != 3 {
			t.Fatalf("unsettled refunds = %d %v, want 3", n, err)
		}
	})
}
