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
	"github.com/shopspring/decimal"
)

func odec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// orderFixture is a pending order with two lines, the first with two
// discounts, the second with none.
func orderFixture(id, shopperID, storeID int64, key string) *domain.Order {
	return &domain.Order{ID: id, OrderNo: fmt.Sprintf("SP%08d", id), ShopperID: shopperID, StoreID: storeID,
		StoreCode: fmt.Sprintf("S%02d", storeID), Status: domain.OrderPendingPayment,
		Subtotal: odec("31.50"), DiscountTotal: odec("3.25"), Total: odec("28.25"), RefundedTotal: decimal.Zero,
		IdempotencyKey: key, RequestHash: "hash-" + key, CreatedAt: repoNow.Add(time.Duration(id) * time.Second),
		ExpiresAt: repoNow.Add(15 * time.Minute), UpdatedAt: repoNow,
		Lines: []*domain.OrderLine{
			{ID: id*100 + 1, ProductID: 7, SKU: "SKU-7", Name: "Apples 苹果", Barcode: "2100001012345", Weighed: true,
				Quantity: odec("1.234"), UnitPrice: odec("12.80"), ListAmount: odec("15.80"), NetAmount: odec("12.55"),
				TaxRate: odec("9.00"), LabelCode: "2100001012345", RefundedQty: decimal.Zero, RefundedAmount: decimal.Zero,
				Discounts: []domain.Discount{{Kind: "promotion", ID: 3, Name: "Fruit week", Amount: odec("2.00")},
					{Kind: "coupon", ID: 9, Name: "WELCOME5", Amount: odec("1.25")}}},
			{ID: id*100 + 2, ProductID: 8, SKU: "SKU-8", Name: "Milk", Barcode: "6901234567892",
				Quantity: odec("2"), UnitPrice: odec("7.85"), ListAmount: odec("15.70"), NetAmount: odec("15.70"),
				TaxRate: odec("13.00"), RefundedQty: decimal.Zero, RefundedAmount: decimal.Zero, Discounts: []domain.Discount{}},
		}}
}

func mustCreateOrder(t *testing.T, repo *mysql.OrderRepo, o *domain.Order) *domain.Order {
	t.Helper()
	if err := repo.CreateOrder(context.Background(), o); err != nil {
		t.Fatalf("CreateOrder %s: %v", o.OrderNo, err)
	}
	return o
}

// orderKey flattens an order: decimals by value, times at microseconds
// in UTC; sameOrder checks the zone apart.
func orderKey(o *domain.Order) string {
	tm := func(t time.Time) string {
		if t.IsZero() {
			return "zero"
		}
		return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	}
	s := fmt.Sprintf("%d|%s|%d|%d|%s|%s|%s|%s|%s|%s|%d|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s",
		o.ID, o.OrderNo, o.ShopperID, o.StoreID, o.StoreCode, o.Status, o.Subtotal.StringFixed(2),
		o.DiscountTotal.StringFixed(2), o.Total.StringFixed(2), o.RefundedTotal.StringFixed(2), o.CouponID, o.CouponCode,
		o.IdempotencyKey, o.RequestHash, o.PrepayID, tm(o.PrepayExpiresAt), o.TransactionID, o.CloseReason,
		tm(o.CreatedAt), tm(o.ExpiresAt), tm(o.PaidAt), tm(o.ClosedAt), tm(o.UpdatedAt))
	for _, l := range o.Lines {
		s += fmt.Sprintf("\n  %d|%d|%s|%s|%s|%v|%s|%s|%s|%s|%s|%s|%s|%s|", l.ID, l.ProductID, l.SKU, l.Name, l.Barcode,
			l.Weighed, l.Quantity.StringFixed(3), l.UnitPrice.StringFixed(2), l.ListAmount.StringFixed(2),
			l.NetAmount.StringFixed(2), l.TaxRate.StringFixed(2), l.LabelCode, l.RefundedQty.StringFixed(3),
			l.RefundedAmount.StringFixed(2))
		for _, d := range l.Discounts {
			s += fmt.Sprintf("[%s %d %s %s]", d.Kind, d.ID, d.Name, d.Amount.String())
		}
	}
	return s
}

func sameOrder(t *testing.T, got, want *domain.Order) {
	t.Helper()
	if g, w := orderKey(got), orderKey(want); g != w {
		t.Errorf("order:\n got %s\nwant %s", g, w)
	}
	for _, tm := range []time.Time{got.CreatedAt, got.ExpiresAt, got.UpdatedAt, got.PaidAt, got.ClosedAt, got.PrepayExpiresAt} {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("time %s not in UTC", tm)
		}
	}
}

func TestOrderRepoRoundTrip(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewOrderRepo(db)
		ctx := context.Background()
		plain := mustCreateOrder(t, repo, orderFixture(1, 10, 1, "k1"))
		full := orderFixture(2, 10, 1, "k2")
		full.CouponID, full.CouponCode, full.PrepayID = 9, "WELCOME5", "wx-prepay-1"
		full.Status, full.TransactionID, full.RefundedTotal = domain.OrderPaid, "4200000001", odec("1.10")
		full.PrepayExpiresAt, full.PaidAt, full.ClosedAt = repoNow.Add(2*time.Hour), repoNow.Add(time.Minute), repoNow.Add(time.Hour)
		mustCreateOrder(t, repo, full)

		for _, want := range []*domain.Order{plain, full} {
			got, err := repo.OrderByNo(ctx, want.OrderNo)
			if err != nil {
				t.Fatal(err)
			}
			sameOrder(t, got, want)
			if d := got.Lines[0].Discounts; len(d) != 2 || d[0].Amount.String() != "2" || d[1].Amount.StringFixed(2) != "1.25" {
				t.Errorf("discounts = %+v", d)
			}
			if d := got.Lines[1].Discounts; d == nil || len(d) != 0 {
				t.Errorf("empty discounts = %#v, want an empty list", d)
			}
		}
		got, err := repo.OrderByIdempotencyKey(ctx, 10, "k2")
		if err != nil || got.ID != 2 {
			t.Fatalf("by key: %v %v", got, err)
		}
		_, err = repo.OrderByIdempotencyKey(ctx, 11, "k2")
		wantCode(t, err, domain.ENOTFOUND, "order_not_found")
		_, err = repo.OrderByNo(ctx, "NOPE")
		wantCode(t, err, domain.ENOTFOUND, "order_not_found")

		wantCode(t, repo.CreateOrder(ctx, orderFixture(3, 10, 1, "k1")), domain.ECONFLICT, "idempotency_key_used")
		taken := orderFixture(4, 10, 1, "k4")
		taken.OrderNo = plain.OrderNo
		wantCode(t, repo.CreateOrder(ctx, taken), domain.ECONFLICT, "order_no_taken")
		// The same key under another shopper is another checkout.
		mustCreateOrder(t, repo, orderFixture(5, 11, 1, "k1"))
		// A failed insert inside a caller's transaction leaves it usable.
		err = db.WithinTx(ctx, func(ctx context.Context) error {
			wantCode(t, repo.CreateOrder(ctx, orderFixture(6, 10, 1, "k1")), domain.ECONFLICT, "idempotency_key_used")
			return repo.CreateOrder(ctx, orderFixture(7, 10, 1, "k7"))
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := repo.OrderByNo(ctx, orderFixture(7, 0, 0, "").OrderNo); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOrderRepoUpdateOrder(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewOrderRepo(db)
		ctx := context.Background()
		o := mustCreateOrder(t, repo, orderFixture(1, 10, 1, "k1"))

		_, err := repo.UpdateOrder(ctx, o.OrderNo, func(o *domain.Order) error {
			_ = o.SetPrepay("wx-prepay", repoNow.Add(time.Hour), repoNow)
			return errBoom
		})
		if err != errBoom {
			t.Fatalf("fn error = %v", err)
		}
		got, _ := repo.OrderByNo(ctx, o.OrderNo)
		sameOrder(t, got, o)

		// A fn that changes nothing succeeds (MySQL would count 0 rows).
		if _, err := repo.UpdateOrder(ctx, o.OrderNo, func(*domain.Order) error { return nil }); err != nil {
			t.Fatal(err)
		}
		updated, err := repo.UpdateOrder(ctx, o.OrderNo, func(o *domain.Order) error {
			return o.SetPrepay("wx-prepay", repoNow.Add(time.Hour), repoNow.Add(time.Second))
		})
		if err != nil || updated.PrepayID != "wx-prepay" {
			t.Fatalf("SetPrepay: %v %v", updated, err)
		}
		got, _ = repo.OrderByNo(ctx, o.OrderNo)
		sameOrder(t, got, updated)

		paidAt := repoNow.Add(2 * time.Minute)
		updated, err = repo.UpdateOrder(ctx, o.OrderNo, func(o *domain.Order) error { return o.MarkPaid("4200000009", paidAt, paidAt) })
		if err != nil || len(updated.Lines) != 2 {
			t.Fatalf("MarkPaid: %v %v", updated, err)
		}
		got, _ = repo.OrderByNo(ctx, o.OrderNo)
		sameOrder(t, got, updated)
		sameTime(t, "paid_at", got.PaidAt, paidAt)

		_, err = repo.UpdateOrder(ctx, o.OrderNo, func(o *domain.Order) error { return o.Close(domain.CloseExpired, repoNow) })
		wantCode(t, err, domain.ECONFLICT, "order_not_pending")
		_, err = repo.UpdateOrder(ctx, "NOPE", func(*domain.Order) error { return nil })
		wantCode(t, err, domain.ENOTFOUND, "order_not_found")
	})
}

// TestOrderRepoUpdateOrderRace pays one order from many goroutines: the
// row lock lets exactly one see it pending.
func TestOrderRepoUpdateOrderRace(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewOrderRepo(db)
		ctx := context.Background()
		o := mustCreateOrder(t, repo, orderFixture(1, 10, 1, "k1"))
		const n = 10
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = repo.UpdateOrder(ctx, o.OrderNo, func(o *domain.Order) error {
					if o.Status != domain.OrderPendingPayment {
						return domain.Errorf(domain.ECONFLICT, "order_not_pending", "paid already")
					}
					return o.MarkPaid(fmt.Sprintf("tx-%d", i), repoNow, repoNow.Add(time.Duration(i+1)*time.Second))
				})
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case domain.ErrorReason(err) != "order_not_pending":
				t.Errorf("loser error = %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d goroutines paid the order, want 1", won)
		}
		if got, _ := repo.OrderByNo(ctx, o.OrderNo); got.Status != domain.OrderPaid {
			t.Fatalf("status = %s", got.Status)
		}
	})
}

func idsOfOrders(list []*domain.Order) []int64 {
	var ids []int64
	for _, o := range list {
		ids = append(ids, o.ID)
	}
	return ids
}

func TestOrderRepoListOrders(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewOrderRepo(db)
		ctx := context.Background()
		// ids 1..9: shopper 10+id%2, store 1+id%3; ids 3 and 6 closed.
		for id := int64(1); id <= 9; id++ {
			o := orderFixture(id, 10+id%2, 1+id%3, fmt.Sprintf("k%d", id))
			if id%3 == 0 {
				o.Status = domain.OrderClosed
			}
			mustCreateOrder(t, repo, o)
		}
		list := func(f domain.OrderFilter, p domain.Page) []*domain.Order {
			t.Helper()
			out, err := repo.ListOrders(ctx, f, p)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		var pages [][]int64
		for after := int64(0); ; {
			page := list(domain.OrderFilter{}, domain.Page{Limit: 4, After: after})
			if len(page) == 0 {
				break
			}
			for _, o := range page {
				if len(o.Lines) != 2 || o.Lines[0].ID != o.ID*100+1 || len(o.Lines[0].Discounts) != 2 {
					t.Fatalf("order %d lines not loaded: %+v", o.ID, o.Lines)
				}
			}
			pages = append(pages, idsOfOrders(page))
			after = page[len(page)-1].ID
		}
		if want := [][]int64{{9, 8, 7, 6}, {5, 4, 3, 2}, {1}}; !reflect.DeepEqual(pages, want) {
			t.Fatalf("pages = %v, want %v", pages, want)
		}
		for _, c := range []struct {
			name string
			f    domain.OrderFilter
			p    domain.Page
			want []int64
		}{
			{"shopper", domain.OrderFilter{ShopperID: 11}, domain.Page{Limit: 10}, []int64{9, 7, 5, 3, 1}},
			{"shopper after", domain.OrderFilter{ShopperID: 11}, domain.Page{Limit: 2, After: 7}, []int64{5, 3}},
			{"stores", domain.OrderFilter{StoreIDs: []int64{1, 3}}, domain.Page{Limit: 10}, []int64{9, 8, 6, 5, 3, 2}},
			{"no stores", domain.OrderFilter{StoreIDs: []int64{}}, domain.Page{Limit: 10}, nil},
			{"status", domain.OrderFilter{Status: domain.OrderClosed}, domain.Page{Limit: 10}, []int64{9, 6, 3}},
			{"all three", domain.OrderFilter{ShopperID: 10, StoreIDs: []int64{1}, Status: domain.OrderClosed}, domain.Page{Limit: 10}, []int64{6}},
			{"none", domain.OrderFilter{ShopperID: 99}, domain.Page{Limit: 10}, nil},
		} {
			if got := idsOfOrders(list(c.f, c.p)); !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
	})
}

func TestOrderRepoPendingOrders(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewOrderRepo(db)
		ctx := context.Background()
		// Created at repoNow + id seconds, expiring 15 min after repoNow;
		// id 5 was made an hour earlier and expired; id 2 is paid; ids 3
		// and 4 reached WeChat Pay.
		for id := int64(1); id <= 6; id++ {
			o := orderFixture(id, 10, 1, fmt.Sprintf("k%d", id))
			switch id {
			case 5:
				o.CreatedAt, o.ExpiresAt = repoNow.Add(-time.Hour), repoNow.Add(-45*time.Minute)
			case 2:
				o.Status = domain.OrderPaid
			case 3, 4:
				o.PrepayID = fmt.Sprintf("wx%d", id)
				o.PrepayExpiresAt = repoNow.Add(time.Duration(id-2) * time.Hour)
			}
			mustCreateOrder(t, repo, o)
		}
		cases := []struct {
			name string
			q    domain.PendingQuery
			want []int64
		}{
			{"all", domain.PendingQuery{Limit: 10}, []int64{1, 3, 4, 5, 6}},
			{"created window", domain.PendingQuery{CreatedFrom: repoNow, CreatedTo: repoNow.Add(4*time.Second + time.Millisecond), Limit: 10}, []int64{1, 3, 4}},
			{"with prepay", domain.PendingQuery{WithPrepay: true, Limit: 10}, []int64{3, 4}},
			{"expired", domain.PendingQuery{ExpiredBefore: repoNow, Limit: 10}, []int64{5}},
			{"prepaid in a window", domain.PendingQuery{PrepayValidFrom: repoNow.Add(time.Hour), PrepayValidTo: repoNow.Add(2 * time.Hour), Limit: 10}, []int64{3}},
			{"page", domain.PendingQuery{AfterID: 3, Limit: 2}, []int64{4, 5}},
		}
		for _, c := range cases {
			got, err := repo.PendingOrders(ctx, c.q)
			if ids := idsOfOrders(got); err != nil || !reflect.DeepEqual(ids, c.want) {
				t.Errorf("%s: %v %v, want %v", c.name, ids, err, c.want)
			}
			for _, o := range got {
				if o.Lines != nil {
					t.Errorf("%s: pending orders carry lines", c.name)
				}
			}
		}
	})
}
