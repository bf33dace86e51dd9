package mysql_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
)

func TestPaymentRepoEvents(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewPaymentRepo(db)
		ctx := context.Background()
		e := &domain.PaymentEvent{ID: 1, EventID: "evt-1", EventType: "TRANSACTION.SUCCESS", OutTradeNo: "SP00000001",
			Resource: []byte(`{"amount":{"total":2825}}`), ReceivedAt: repoNow}
		if stored, err := repo.RecordEvent(ctx, e); err != nil || !stored {
			t.Fatalf("first RecordEvent = %v %v", stored, err)
		}
		again := *e
		again.ID = 2
		if stored, err := repo.RecordEvent(ctx, &again); err != nil || stored {
			t.Fatalf("duplicate RecordEvent = %v %v", stored, err)
		}
		got, err := repo.EventByID(ctx, 1)
		if err != nil || got.EventID != "evt-1" || string(got.Resource) != string(e.Resource) || !got.AppliedAt.IsZero() {
			t.Fatalf("EventByID = %+v %v", got, err)
		}
		sameTime(t, "received_at", got.ReceivedAt, repoNow)
		_, err = repo.EventByID(ctx, 2)
		wantCode(t, err, domain.ENOTFOUND, "payment_event_not_found")

		applied := repoNow.Add(time.Second)
		for _, at := range []time.Time{applied, applied.Add(time.Hour)} {
			if err := repo.MarkEventApplied(ctx, 1, at); err != nil {
				t.Fatal(err)
			}
		}
		got, _ = repo.EventByID(ctx, 1)
		sameTime(t, "applied_at", got.AppliedAt, applied)

		// Twenty deliveries of one notification at once: one is stored.
		const n = 20
		var wg sync.WaitGroup
		stored := make([]bool, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stored[i], errs[i] = repo.RecordEvent(ctx, &domain.PaymentEvent{ID: int64(100 + i), EventID: "evt-race",
					EventType: "TRANSACTION.SUCCESS", OutTradeNo: "SP2", Resource: []byte("{}"), ReceivedAt: repoNow})
			}()
		}
		wg.Wait()
		won := 0
		for i := range n {
			if errs[i] != nil {
				t.Errorf("RecordEvent %d: %v", i, errs[i])
			}
			if stored[i] {
				won++
			}
		}
		if won != 1 {
			t.Fatalf("%d deliveries stored, want 1", won)
		}
	})
}

func TestPaymentRepoPaymentsAndReceipts(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewPaymentRepo(db)
		ctx := context.Background()
		pay := func(id int64, txID string, at time.Time) *domain.Payment {
			return &domain.Payment{ID: id, OrderID: 7, OrderNo: "SP7", TransactionID: txID, Amount: odec("28.25"),
				PayerTotal: odec("27.05"), Currency: "CNY", Status: domain.PaymentApplied, Source: "notification",
				PaidAt: at, CreatedAt: at}
		}
		// Within one transaction the duplicate leaves the transaction usable.
		err := db.WithinTx(ctx, func(ctx context.Context) error {
			for _, c := range []struct {
				p    *domain.Payment
				want bool
			}{{pay(2, "tx-b", repoNow.Add(time.Minute)), true}, {pay(3, "tx-b", repoNow), false}, {pay(1, "tx-a", repoNow), true}} {
				if stored, err := repo.RecordPayment(ctx, c.p); err != nil || stored != c.want {
					return fmt.Errorf("RecordPayment %d = %v %v", c.p.ID, stored, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := repo.PaymentsOfOrder(ctx, 7)
		if err != nil || len(got) != 2 || got[0].ID != 1 || got[1].ID != 2 {
			t.Fatalf("PaymentsOfOrder = %v %v", got, err)
		}
		p := got[0]
		if p.TransactionID != "tx-a" || !p.Amount.Equal(odec("28.25")) || !p.PayerTotal.Equal(odec("27.05")) ||
			p.Currency != "CNY" || p.Status != domain.PaymentApplied || p.Source != "notification" || p.OrderNo != "SP7" {
			t.Errorf("payment = %+v", p)
		}
		sameTime(t, "paid_at", p.PaidAt, repoNow)
		if none, err := repo.PaymentsOfOrder(ctx, 8); err != nil || len(none) != 0 {
			t.Errorf("other order: %v %v", none, err)
		}

		for i, want := range []bool{true, false} {
			if issued, err := repo.IssueReceipt(ctx, int64(10+i), 7, "SP7", repoNow); err != nil || issued != want {
				t.Fatalf("IssueReceipt #%d = %v %v", i+1, issued, err)
			}
		}
	})
}

func TestPaymentRepoAnomalies(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewPaymentRepo(db)
		ctx := context.Background()
		for id := int64(1); id <= 5; id++ {
			a := &domain.PaymentAnomaly{ID: id, OrderNo: fmt.Sprintf("SP%d", id), TransactionID: "tx", Kind: domain.AnomalyAmount,
				Detail: "paid 1.00, order total 2.00", CreatedAt: repoNow}
			for range 2 { // reported twice, kept once
				if err := repo.RecordAnomaly(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
		}
		dup := &domain.PaymentAnomaly{ID: 6, OrderNo: "SP1", TransactionID: "tx", Kind: domain.AnomalyAmount, CreatedAt: repoNow}
		if err := repo.RecordAnomaly(ctx, dup); err != nil {
			t.Fatal(err)
		}
		var pages [][]int64
		for after := int64(0); ; {
			page, err := repo.Anomalies(ctx, domain.Page{Limit: 2, After: after})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			var ids []int64
			for _, a := range page {
				ids = append(ids, a.ID)
				after = a.ID
			}
			pages = append(pages, ids)
		}
		if want := [][]int64{{5, 4}, {3, 2}, {1}}; !reflect.DeepEqual(pages, want) {
			t.Fatalf("pages = %v, want %v", pages, want)
		}
		first, _ := repo.Anomalies(ctx, domain.Page{Limit: 1})
		if a := first[0]; a.OrderNo != "SP5" || a.Kind != domain.AnomalyAmount || a.Detail != "paid 1.00, order total 2.00" {
			t.Errorf("anomaly = %+v", a)
		}
	})
}

func TestRefundRepo(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewPaymentRepo(db)
		ctx := context.Background()
		refund := func(id int64, no string, staff int64) *domain.Refund {
			return &domain.Refund{ID: id, OrderID: 7, OrderNo: "SP7", OutRefundNo: no, Amount: odec("10.50"),
				Reason: domain.RefundReasonPaidAfterClose, Status: domain.RefundPending, StaffID: staff,
				CreatedAt: repoNow.Add(time.Duration(-id) * time.Minute), UpdatedAt: repoNow}
		}
		for _, f := range []*domain.Refund{refund(1, "R1", 0), refund(2, "R2", 42)} {
			if err := repo.CreateRefund(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, repo.CreateRefund(ctx, refund(3, "R1", 0)), domain.ECONFLICT, "refund_exists")

		got, err := repo.RefundByOutRefundNo(ctx, "R2")
		if err != nil || got.StaffID != 42 || !got.Amount.Equal(odec("10.50")) || got.Status != domain.RefundPending ||
			got.Reason != domain.RefundReasonPaidAfterClose || !got.SucceededAt.IsZero() || got.RefundID != "" {
			t.Fatalf("RefundByOutRefundNo = %+v %v", got, err)
		}
		sameTime(t, "created_at", got.CreatedAt, repoNow.Add(-2*time.Minute))
		if got, _ = repo.RefundByOutRefundNo(ctx, "R1"); got.StaffID != 0 {
			t.Errorf("system refund has staff %d", got.StaffID)
		}
		_, err = repo.RefundByOutRefundNo(ctx, "R9")
		wantCode(t, err, domain.ENOTFOUND, "refund_not_found")

		_, err = repo.UpdateRefund(ctx, "R1", func(f *domain.Refund) error { f.Status = domain.RefundClosed; return errBoom })
		if err != errBoom {
			t.Fatalf("fn error = %v", err)
		}
		done := repoNow.Add(time.Hour)
		updated, err := repo.UpdateRefund(ctx, "R1", func(f *domain.Refund) error {
			f.Status, f.RefundID, f.SucceededAt, f.UpdatedAt, f.LastError = domain.RefundSucceeded, "50300", done, done, "was slow"
			return nil
		})
		if err != nil || updated.Status != domain.RefundSucceeded {
			t.Fatalf("UpdateRefund = %+v %v", updated, err)
		}
		got, _ = repo.RefundByOutRefundNo(ctx, "R1")
		if got.Status != domain.RefundSucceeded || got.RefundID != "50300" || got.LastError != "was slow" {
			t.Errorf("updated refund = %+v", got)
		}
		sameTime(t, "succeeded_at", got.SucceededAt, done)
		sameTime(t, "updated_at", got.UpdatedAt, done)
		_, err = repo.UpdateRefund(ctx, "R9", func(*domain.Refund) error { return nil })
		wantCode(t, err, domain.ENOTFOUND, "refund_not_found")

		list, err := repo.RefundsOfOrder(ctx, 7)
		if err != nil || len(list) != 2 || list[0].OutRefundNo != "R2" || list[1].OutRefundNo != "R1" {
			t.Fatalf("RefundsOfOrder = %v %v", list, err)
		}
	})
}

// usable is the check checkout gives HoldCoupon.
func usable(c *domain.Coupon, u domain.CouponUsage) error {
	return c.CheckUsable(c.StoreCodes[0], promoStart.Add(time.Hour), u.UsedByShopper, u.UsedTotal, u.Granted)
}

func redemptionStatus(t *testing.T, db *mysql.DB, orderNo string) string {
	t.Helper()
	var s string
	if err := db.SQL().QueryRow("SELECT status FROM coupon_redemptions WHERE order_no = ?", orderNo).Scan(&s); err != nil {
		t.Fatalf("redemption of %s: %v", orderNo, err)
	}
	return s
}

func TestCouponRepoHoldAndSettle(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewCouponRepo(db)
		ctx := context.Background()
		if err := repo.CreateCoupon(ctx, newCoupon(t, 1, "ONCE", domain.CouponAmount, false)); err != nil {
			t.Fatal(err)
		}
		if _, err := repo.UpdateCoupon(ctx, "ONCE", func(c *domain.Coupon) error {
			return c.Update(domain.CouponInput{PerShopperLimit: rptr(1)}, c.UpdatedAt)
		}); err != nil {
			t.Fatal(err)
		}
		var seen domain.CouponUsage
		err := repo.HoldCoupon(ctx, 1, 1, 100, "SP1", repoNow, func(c *domain.Coupon, u domain.CouponUsage) error {
			seen = u
			return usable(c, u)
		})
		if err != nil || seen != (domain.CouponUsage{}) {
			t.Fatalf("first hold = %v (usage %+v)", err, seen)
		}
		if s := redemptionStatus(t, db, "SP1"); s != "held" {
			t.Fatalf("status %s", s)
		}
		wantCode(t, repo.HoldCoupon(ctx, 2, 1, 100, "SP2", repoNow, usable), domain.EINVALID, "coupon_limit_reached")
		wantCode(t, repo.HoldCoupon(ctx, 3, 9, 100, "SP3", repoNow, usable), domain.ENOTFOUND, "coupon_not_found")
		pass := func(*domain.Coupon, domain.CouponUsage) error { return nil }
		wantCode(t, repo.HoldCoupon(ctx, 4, 1, 200, "SP1", repoNow, pass), domain.ECONFLICT, "coupon_already_held")

		held, released := []domain.RedemptionStatus{domain.RedemptionHeld}, domain.RedemptionReleased
		for _, c := range []struct {
			orderNo string
			from    []domain.RedemptionStatus
			to      domain.RedemptionStatus
			want    bool
			status  string
		}{
			{"SP9", held, domain.RedemptionRedeemed, false, ""},
			{"SP1", []domain.RedemptionStatus{domain.RedemptionRedeemed}, released, false, "held"},
			{"SP1", held, domain.RedemptionRedeemed, true, "redeemed"},
			{"SP1", held, domain.RedemptionRedeemed, false, "redeemed"},
			{"SP1", []domain.RedemptionStatus{domain.RedemptionHeld, domain.RedemptionRedeemed}, released, true, "released"},
		} {
			changed, err := repo.SettleCoupon(ctx, c.orderNo, c.from, c.to, repoNow.Add(time.Minute))
			if err != nil || changed != c.want {
				t.Fatalf("SettleCoupon(%s, %v -> %s) = %v %v, want %v", c.orderNo, c.from, c.to, changed, err, c.want)
			}
			if c.status != "" {
				if s := redemptionStatus(t, db, c.orderNo); s != c.status {
					t.Fatalf("after %v -> %s: status %s, want %s", c.from, c.to, s, c.status)
				}
			}
		}
		// Released, the use no longer counts: the shopper may hold it again.
		if err := repo.HoldCoupon(ctx, 5, 1, 100, "SP5", repoNow, usable); err != nil {
			t.Fatal(err)
		}
	})
}

// TestCouponRepoHoldRace: one shopper checks out eight orders at once
// with a coupon usable once; the coupon's row lock lets one hold it.
func TestCouponRepoHoldRace(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewCouponRepo(db)
		ctx := context.Background()
		if err := repo.CreateCoupon(ctx, newCoupon(t, 1, "ONCE", domain.CouponAmount, false)); err != nil {
			t.Fatal(err)
		}
		if _, err := repo.UpdateCoupon(ctx, "ONCE", func(c *domain.Coupon) error {
			return c.Update(domain.CouponInput{PerShopperLimit: rptr(1)}, c.UpdatedAt)
		}); err != nil {
			t.Fatal(err)
		}
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = repo.HoldCoupon(ctx, int64(10+i), 1, 100, fmt.Sprintf("SP%d", i), repoNow, usable)
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case domain.ErrorReason(err) != "coupon_limit_reached":
				t.Errorf("loser error = %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d holds, want 1", won)
		}
		if u, err := repo.Usage(ctx, 1, 100); err != nil || u.UsedByShopper != 1 {
			t.Fatalf("usage = %+v %v", u, err)
		}
	})
}
