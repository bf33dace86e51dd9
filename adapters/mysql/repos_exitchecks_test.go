package mysql_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// exitOrder stores a paid order of store st for the shopper, paid at paidAt.
func exitOrder(t *testing.T, repo *mysql.OrderRepo, id, shopperID int64, st *domain.Store, paidAt time.Time) *domain.Order {
	t.Helper()
	o := orderFixture(id, shopperID, st.ID, fmt.Sprintf("key-%d", id))
	o.StoreCode, o.Status, o.PaidAt, o.TransactionID = st.Code, domain.OrderPaid, paidAt, "tx"+o.OrderNo
	return mustCreateOrder(t, repo, o)
}

// Checks round-trip with their store's code and their result; a second
// check of an order is exit_pass_used, even from parallel inserts.
func TestExitCheckRepoRoundTrip(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ctx := context.Background()
		st := createStore(t, mysql.NewStoreRepo(db), 1, "EX01")
		orders, repo := mysql.NewOrderRepo(db), mysql.NewExitCheckRepo(db)
		o := exitOrder(t, orders, 10, 5, st, repoNow)
		d := domain.AuditDecision{Verdict: domain.VerdictAudit, Reasons: []string{"age_restricted", "first_order"}}
		c := domain.NewExitCheck(100, o, st.Code, 7, d, repoNow)
		if err := repo.CreateExitCheck(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := repo.ExitCheckByID(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if got.OrderID != o.ID || got.OrderNo != o.OrderNo || got.StoreID != st.ID || got.StoreCode != "EX01" || got.StaffID != 7 ||
			got.Verdict != domain.VerdictAudit || !slices.Equal(got.AuditReasons, d.Reasons) || got.ResultRecorded() ||
			got.Unscanned != nil || got.UnscannedQty != 0 {
			t.Fatalf("read back %+v", got)
		}
		sameTime(t, "checked_at", got.CheckedAt, repoNow)
		if byOrder, err := repo.ExitCheckOfOrder(ctx, o.ID); err != nil || byOrder.ID != 100 {
			t.Fatalf("by order: %+v %v", byOrder, err)
		}
		_, err = repo.ExitCheckOfOrder(ctx, 999)
		wantCode(t, err, domain.ENOTFOUND, "exit_check_not_found")
		_, err = repo.ExitCheckByID(ctx, 999)
		wantCode(t, err, domain.ENOTFOUND, "exit_check_not_found")
		wantCode(t, repo.CreateExitCheck(ctx, domain.NewExitCheck(101, o, st.Code, 7, d, repoNow)), domain.ECONFLICT, "exit_pass_used")

		items := []domain.UnscannedItem{{Barcode: "4006381333931", GTIN: "04006381333931", SKU: "COLA", Name: "可乐 Cola", Quantity: 2},
			{Barcode: "96385074", GTIN: "00000096385074", Quantity: 1}}
		later := repoNow.Add(time.Minute)
		if _, err := repo.UpdateExitCheck(ctx, 100, func(c *domain.ExitCheck) error { return c.RecordResult(items, 8, later) }); err != nil {
			t.Fatal(err)
		}
		got, _ = repo.ExitCheckByID(ctx, 100)
		if !slices.Equal(got.Unscanned, items) || got.UnscannedQty != 3 || got.ResultStaffID != 8 {
			t.Fatalf("result read back %+v", got)
		}
		sameTime(t, "result_at", got.ResultAt, later)
		_, err = repo.UpdateExitCheck(ctx, 100, func(c *domain.ExitCheck) error { return c.RecordResult(nil, 8, later) })
		wantCode(t, err, domain.ECONFLICT, "exit_check_result_recorded")
		_, err = repo.UpdateExitCheck(ctx, 999, func(c *domain.ExitCheck) error { return nil })
		wantCode(t, err, domain.ENOTFOUND, "exit_check_not_found")

		// Parallel inserts for one order: the unique index lets one win.
		o2 := exitOrder(t, orders, 11, 5, st, repoNow)
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = repo.CreateExitCheck(ctx, domain.NewExitCheck(200+int64(i), o2, st.Code, 7, d, repoNow))
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch domain.ErrorReason(err) {
			case "":
				if err == nil {
					won++
				}
			case "exit_pass_used":
			default:
				t.Errorf("parallel insert: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d parallel inserts for one order succeeded, want 1", won)
		}
	})
}

// Lists are newest first, filtered by store and verdict, paged by id.
func TestExitCheckRepoList(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ctx := context.Background()
		stores := mysql.NewStoreRepo(db)
		a, b := createStore(t, stores, 1, "EXA"), createStore(t, stores, 2, "EXB")
		orders, repo := mysql.NewOrderRepo(db), mysql.NewExitCheckRepo(db)
		verdicts := []domain.ExitVerdict{domain.VerdictPass, domain.VerdictAudit, domain.VerdictPass, domain.VerdictAudit}
		for i, v := range verdicts {
			st := a
			if i == 3 {
				st = b
			}
			o := exitOrder(t, orders, int64(20+i), 5, st, repoNow)
			c := domain.NewExitCheck(int64(300+i), o, st.Code, 7, domain.AuditDecision{Verdict: v, Reasons: []string{}}, repoNow)
			if err := repo.CreateExitCheck(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(cs []*domain.ExitCheck) []int64 {
			out := []int64{}
			for _, c := range cs {
				out = append(out, c.ID)
			}
			return out
		}
		cases := []struct {
			f    domain.ExitCheckFilter
			p    domain.Page
			want []int64
		}{
			{domain.ExitCheckFilter{}, domain.Page{Limit: 10}, []int64{303, 302, 301, 300}},
			{domain.ExitCheckFilter{StoreIDs: []int64{a.ID}}, domain.Page{Limit: 10}, []int64{302, 301, 300}},
			{domain.ExitCheckFilter{Verdict: domain.VerdictAudit}, domain.Page{Limit: 10}, []int64{303, 301}},
			{domain.ExitCheckFilter{StoreIDs: []int64{a.ID}, Verdict: domain.VerdictAudit}, domain.Page{Limit: 10}, []int64{301}},
			{domain.ExitCheckFilter{}, domain.Page{Limit: 2, After: 302}, []int64{301, 300}},
			{domain.ExitCheckFilter{StoreIDs: []int64{}}, domain.Page{Limit: 10}, []int64{}},
		}
		for _, c := range cases {
			got, err := repo.ListExitChecks(ctx, c.f, c.p)
			if err != nil || !slices.Equal(ids(got), c.want) {
				t.Errorf("%+v %+v: %v %v, want %v", c.f, c.p, ids(got), err, c.want)
			}
		}
		if got, _ := repo.ListExitChecks(ctx, domain.ExitCheckFilter{}, domain.Page{Limit: 10}); got[0].StoreCode != "EXB" || got[1].StoreCode != "EXA" {
			t.Errorf("store codes %q %q", got[0].StoreCode, got[1].StoreCode)
		}
	})
}

// The audit facts: age restriction as products say now, and the shopper's
// orders paid before a time (unpaid ones do not count).
func TestAuditFacts(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ctx := context.Background()
		st := createStore(t, mysql.NewStoreRepo(db), 1, "EXF")
		products, repo := mysql.NewProductRepo(db), mysql.NewExitCheckRepo(db)
		name, unit, tax, yes := "Item", domain.UnitEach, decimal.RequireFromString("0.13"), true
		plain, _ := domain.NewProduct(40, "PLAIN", domain.ProductPatch{Name: &name, Unit: &unit, TaxRate: &tax}, nil, repoNow)
		beer, _ := domain.NewProduct(41, "BEER", domain.ProductPatch{Name: &name, Unit: &unit, TaxRate: &tax, AgeRestricted: &yes}, nil, repoNow)
		for _, p := range []*domain.Product{plain, beer} {
			if err := products.CreateProduct(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			ids  []int64
			want bool
		}{{nil, false}, {[]int64{40}, false}, {[]int64{40, 41}, true}, {[]int64{41}, true}, {[]int64{99}, false}} {
			if got, err := repo.AnyAgeRestricted(ctx, c.ids); err != nil || got != c.want {
				t.Errorf("AnyAgeRestricted(%v) = %v %v, want %v", c.ids, got, err, c.want)
			}
		}

		orders := mysql.NewOrderRepo(db)
		first := exitOrder(t, orders, 50, 5, st, repoNow)
		tied := exitOrder(t, orders, 51, 5, st, repoNow) // paid in the same second: the id decides
		later := exitOrder(t, orders, 54, 5, st, repoNow.Add(time.Hour))
		other := exitOrder(t, orders, 52, 6, st, repoNow.Add(-time.Hour)) // another shopper
		mustCreateOrder(t, orders, orderFixture(53, 5, st.ID, "key-53"))  // pending: never paid
		for _, c := range []struct {
			o    *domain.Order
			want int
		}{{first, 0}, {tied, 1}, {later, 2}, {other, 0}} {
			if got, err := repo.PaidOrdersBefore(ctx, c.o); err != nil || got != c.want {
				t.Errorf("PaidOrdersBefore(order %d) = %d %v, want %d", c.o.ID, got, err, c.want)
			}
		}
	})
}
