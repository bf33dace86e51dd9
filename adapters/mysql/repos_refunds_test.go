package mysql_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
)

// A staff refund is stored with its lines and adds them to its order
// lines, on both engines; its key is unique per order (a system refund
// has none, so any number of them coexist); the list filters by store,
// status and order, newest first, paged; lines come back with the order
// line's SKU and name.
func TestRefundRepoStaffRefunds(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ctx := context.Background()
		orders, repo, pays := mysql.NewOrderRepo(db), mysql.NewRefundRepo(db), mysql.NewPaymentRepo(db)
		ord := mustCreateOrder(t, orders, orderFixture(1, 5, 3, "k"))
		other := mustCreateOrder(t, orders, orderFixture(2, 5, 4, "k2"))
		staff := func(id int64, o *domain.Order, key string, status domain.RefundStatus) *domain.Refund {
			return &domain.Refund{ID: id, OrderID: o.ID, OrderNo: o.OrderNo, OutRefundNo: o.OrderNo + "R0" + string(rune('0'+id)),
				Amount: odec("7.85"), Reason: "dented", Status: status, StaffID: 2, StoreID: o.StoreID, IdempotencyKey: key,
				RequestHash: "h" + key, Restock: true, CreatedAt: repoNow, UpdatedAt: repoNow}
		}
		milk := ord.Lines[1]
		err := repo.CreateStaffRefund(ctx, staff(1, ord, "a", domain.RefundPending),
			[]domain.RefundLine{{ID: 11, OrderLineID: milk.ID, Quantity: odec("1"), Amount: odec("7.85")}})
		if err != nil {
			t.Fatal(err)
		}
		err = repo.CreateStaffRefund(ctx, staff(2, ord, "a", domain.RefundPending),
			[]domain.RefundLine{{ID: 12, OrderLineID: milk.ID, Quantity: odec("1"), Amount: odec("7.85")}})
		wantCode(t, err, domain.ECONFLICT, "idempotency_key_used")
		if err := repo.CreateStaffRefund(ctx, staff(3, ord, "b", domain.RefundAbnormal),
			[]domain.RefundLine{{ID: 13, OrderLineID: milk.ID, Quantity: odec("1"), Amount: odec("7.85")}}); err != nil {
			t.Fatal(err)
		}
		if err := repo.CreateStaffRefund(ctx, staff(4, other, "a", domain.RefundPending), nil); err != nil {
			t.Fatalf("same key on another order: %v", err)
		}
		for _, id := range []int64{5, 6} { // system refunds: no key
			if err := pays.CreateRefund(ctx, &domain.Refund{ID: id, OrderID: ord.ID, OrderNo: ord.OrderNo,
				OutRefundNo: "C" + string(rune('0'+id)), Amount: odec("1.00"), Reason: domain.RefundReasonPaidAfterClose,
				Status: domain.RefundSucceeded, StoreID: 3, CreatedAt: repoNow, UpdatedAt: repoNow}); err != nil {
				t.Fatal(err)
			}
		}

		got, err := orders.OrderByNo(ctx, ord.OrderNo)
		if err != nil {
			t.Fatal(err)
		}
		if l := got.Lines[1]; !l.RefundedQty.Equal(odec("2")) || !l.RefundedAmount.Equal(odec("15.70")) {
			t.Fatalf("milk refunded %s / %s, want 2 / 15.70", l.RefundedQty, l.RefundedAmount)
		}
		if l := got.Lines[0]; !l.RefundedQty.IsZero() || !l.RefundedAmount.IsZero() {
			t.Fatalf("apples refunded %s / %s", l.RefundedQty, l.RefundedAmount)
		}
		back, err := repo.RefundByIdempotencyKey(ctx, ord.ID, "a")
		if err != nil || back.ID != 1 || back.StoreID != 3 || back.RequestHash != "ha" || !back.Restock || back.StaffID != 2 {
			t.Fatalf("by key %+v %v", back, err)
		}
		_, err = repo.RefundByIdempotencyKey(ctx, ord.ID, "zzz")
		wantCode(t, err, domain.ENOTFOUND, "refund_not_found")

		list := func(f domain.RefundFilter, p domain.Page) []int64 {
			t.Helper()
			rs, err := repo.ListRefunds(ctx, f, p)
			if err != nil {
				t.Fatal(err)
			}
			ids := []int64{}
			for _, r := range rs {
				ids = append(ids, r.ID)
			}
			return ids
		}
		for _, tc := range []struct {
			f    domain.RefundFilter
			p    domain.Page
			want []int64
		}{
			{domain.RefundFilter{}, domain.Page{Limit: 10}, []int64{6, 5, 4, 3, 1}},
			{domain.RefundFilter{StoreIDs: []int64{3}}, domain.Page{Limit: 10}, []int64{6, 5, 3, 1}},
			{domain.RefundFilter{StoreIDs: []int64{}}, domain.Page{Limit: 10}, []int64{}},
			{domain.RefundFilter{Status: domain.RefundAbnormal}, domain.Page{Limit: 10}, []int64{3}},
			{domain.RefundFilter{OrderID: other.ID}, domain.Page{Limit: 10}, []int64{4}},
			{domain.RefundFilter{}, domain.Page{Limit: 2, After: 5}, []int64{4, 3}},
		} {
			if got := list(tc.f, tc.p); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%+v %+v: %v, want %v", tc.f, tc.p, got, tc.want)
			}
		}

		lines, err := repo.RefundLinesOf(ctx, []int64{1, 3, 4, 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(lines[1]) != 1 || len(lines[3]) != 1 || len(lines[4]) != 0 || len(lines[5]) != 0 {
			t.Fatalf("lines %+v", lines)
		}
		if l := lines[1][0]; l.ID != 11 || l.OrderLineID != milk.ID || l.SKU != "SKU-8" || l.Name != "Milk" ||
			!l.Quantity.Equal(odec("1")) || !l.Amount.Equal(odec("7.85")) {
			t.Fatalf("line %+v", l)
		}
	})
}
