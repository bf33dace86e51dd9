package mysql_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
)

// The refund sweep gets pending and processing refunds untouched since
// the cut-off, least recently touched first, never settled or abnormal
// ones, and no more than it asked for.
func TestRefundRepoUnsettledRefundList(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewPaymentRepo(db)
		ctx := context.Background()
		cut := repoNow
		add := func(id int64, no string, status domain.RefundStatus, updated time.Time) {
			t.Helper()
			if err := repo.CreateRefund(ctx, &domain.Refund{ID: id, OrderID: 9, OrderNo: "SP9", OutRefundNo: no,
				Amount: odec("3.00"), Reason: domain.RefundReasonPaidAfterClose, Status: status,
				CreatedAt: updated, UpdatedAt: updated}); err != nil {
				t.Fatal(err)
			}
		}
		add(1, "Rnew", domain.RefundPending, cut.Add(time.Second)) // touched after the cut-off
		add(2, "Rproc", domain.RefundProcessing, cut.Add(-time.Minute))
		add(3, "Rpend", domain.RefundPending, cut.Add(-time.Hour))
		add(4, "Rok", domain.RefundSucceeded, cut.Add(-2*time.Hour))
		add(5, "Rclosed", domain.RefundClosed, cut.Add(-2*time.Hour))
		add(6, "Rabn", domain.RefundAbnormal, cut.Add(-2*time.Hour))
		add(7, "Redge", domain.RefundPending, cut) // at the cut-off: not before it

		nos := func(limit int) []string {
			t.Helper()
			got, err := repo.UnsettledRefundList(ctx, cut, limit)
			if err != nil {
				t.Fatal(err)
			}
			out := []string{}
			for _, r := range got {
				out = append(out, r.OutRefundNo)
			}
			return out
		}
		if got, want := nos(10), []string{"Rpend", "Rproc"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("UnsettledRefundList = %v, want %v", got, want)
		}
		if got, want := nos(1), []string{"Rpend"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("limit 1 = %v, want %v", got, want)
		}
		got, err := repo.UnsettledRefundList(ctx, cut, 1)
		if err != nil || got[0].ID != 3 || got[0].OrderNo != "SP9" || !got[0].Amount.Equal(odec("3.00")) {
			t.Fatalf("refund read back %+v %v", got, err)
		}
		sameTime(t, "updated_at", got[0].UpdatedAt, cut.Add(-time.Hour))

		// Touching a refund (an attempt) sends it to the back of the line.
		if _, err := repo.UpdateRefund(ctx, "Rpend", func(f *domain.Refund) error {
			f.LastError, f.UpdatedAt = "NOT_ENOUGH", cut.Add(-time.Second)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got, want := nos(10), []string{"Rproc", "Rpend"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("after an attempt = %v, want %v", got, want)
		}
	})
}
