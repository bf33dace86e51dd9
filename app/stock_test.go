package app_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/scanpay/scanpay/adapters/bcrypt"
	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// catalogFixture is the demo store with one product sold there.
type catalogFixture struct {
	db      *mysql.DB
	stock   *app.Stock
	outbox  *mysql.OutboxRepo
	admin   *domain.Staff
	store   *domain.Store
	product *domain.Product
}

func newCatalogFixture(t *testing.T, db *mysql.DB, reorderPoint string) *catalogFixture {
	t.Helper()
	ctx := context.Background()
	ids, _ := idgen.New(0, 0)
	clock := app.SystemClock{}
	stores, staff := mysql.NewStoreRepo(db), mysql.NewStaffRepo(db)
	if _, err := app.NewSeeder(db, mysql.SeedRepos(db), bcrypt.New(bcrypt.MinCost), ids, clock).SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	admin, err := staff.StaffByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	products, items := mysql.NewProductRepo(db), mysql.NewStoreItemRepo(db)
	outbox := mysql.NewOutboxRepo(db, ids, clock)
	unit, tax, name := domain.UnitEach, decimal.RequireFromString("0.13"), "Cola 330ml"
	p, err := app.NewCatalog(db, products, ids, clock).Create(ctx, admin, app.NewProductInput{
		SKU: "COLA330", Patch: domain.ProductPatch{Name: &name, Unit: &unit, TaxRate: &tax}, Barcodes: []string{"5449000000996"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = app.NewStoreItems(db, stores, products, items, clock).Put(ctx, admin, app.DemoStoreCode, "COLA330", domain.StoreItemInput{
		Price: decimal.RequireFromString("3.50"), Active: true, ReorderPoint: decimal.RequireFromString(reorderPoint)})
	if err != nil {
		t.Fatal(err)
	}
	store, _ := stores.StoreByCode(ctx, app.DemoStoreCode)
	return &catalogFixture{db: db, outbox: outbox, admin: admin, store: store, product: p,
		stock: app.NewStock(db, stores, products, items, mysql.NewStockRepo(db), outbox, ids, clock)}
}

// 8 checkouts selling the same item at once, 500 sales each: the level ends
// exactly 4000 lower, with 4000 ledger rows, and the single fall below the
// reorder point queues exactly one alert.
func TestConcurrentSalesLoseNoUpdate(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newCatalogFixture(t, db, "100")
		ctx := context.Background()
		if _, err := f.stock.Record(ctx, f.admin, app.DemoStoreCode, "COLA330", domain.MoveReceive, decimal.NewFromInt(3000), "delivery"); err != nil {
			t.Fatal(err)
		}
		const workers, sales = 8, 500
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range sales {
					if _, err := f.stock.Sell(ctx, f.store.ID, f.product.ID, domain.UnitEach, decimal.NewFromInt(1), "ORDER1"); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		levels, err := f.stock.Levels(ctx, f.admin, app.DemoStoreCode, false, domain.Page{Limit: domain.MaxPageLimit})
		lvl, ok := levelOf(levels.Items, "COLA330")
		if err != nil || !ok {
			t.Fatalf("levels %v %v: no COLA330", levels.Items, err)
		}
		if !lvl.OnHand.Equal(decimal.NewFromInt(3000 - workers*sales)) {
			t.Fatalf("on hand %s, want %d", lvl.OnHand, 3000-workers*sales)
		}
		if !lvl.NeedsRecount {
			t.Fatal("a level below zero must flag the item for recount")
		}
		var rows int64
		if err := db.SQL().QueryRow("SELECT COUNT(*) FROM stock_movements WHERE kind = 'sale'").Scan(&rows); err != nil || rows != workers*sales {
			t.Fatalf("%d sale rows (err %v), want %d", rows, err, workers*sales)
		}
		alerts := lowStockMessages(t, db)
		if len(alerts) != 1 {
			t.Fatalf("%d low-stock alerts queued, want exactly 1 for one crossing", len(alerts))
		}
		if !alerts[0].OnHand.Equal(decimal.NewFromInt(99)) {
			t.Fatalf("alert at level %s, want 99: the sale that crossed 100", alerts[0].OnHand)
		}
	})
}

// levelOf finds a SKU's level among the demo store's.
func levelOf(levels []domain.StockLevel, sku string) (domain.StockLevel, bool) {
	for _, l := range levels {
		if l.SKU == sku {
			return l, true
		}
	}
	return domain.StockLevel{}, false
}

func lowStockMessages(t *testing.T, db *mysql.DB) []app.LowStockTask {
	t.Helper()
	rows, err := db.SQL().Query("SELECT payload FROM outbox WHERE task_type = ?", app.TaskLowStock)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []app.LowStockTask
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var p app.LowStockTask
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// A count sets the level, records the difference and clears the recount
// flag; the low-stock job stores its alert once even when run twice.
func TestCountAndLowStockAlert(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newCatalogFixture(t, db, "5")
		ctx := context.Background()
		if _, err := f.stock.Sell(ctx, f.store.ID, f.product.ID, domain.UnitEach, decimal.NewFromInt(2), "O1"); err != nil {
			t.Fatal(err)
		}
		res, err := f.stock.Record(ctx, f.admin, app.DemoStoreCode, "COLA330", domain.MoveCount, decimal.NewFromInt(12), "stock take")
		if err != nil {
			t.Fatal(err)
		}
		if !res.Level.OnHand.Equal(decimal.NewFromInt(12)) || !res.Movement.Delta.Equal(decimal.NewFromInt(14)) || res.Level.NeedsRecount {
			t.Fatalf("count: level %s delta %s recount %v, want 12 / +14 / false", res.Level.OnHand, res.Movement.Delta, res.Level.NeedsRecount)
		}
		for range 8 { // 12 -> 4 crosses 5 once
			if _, err := f.stock.Sell(ctx, f.store.ID, f.product.ID, domain.UnitEach, decimal.NewFromInt(1), "O2"); err != nil {
				t.Fatal(err)
			}
		}
		msgs := lowStockMessages(t, db)
		if len(msgs) != 1 {
			t.Fatalf("%d alerts queued, want 1", len(msgs))
		}
		for range 2 {
			if err := f.stock.RecordLowStock(ctx, msgs[0]); err != nil {
				t.Fatal(err)
			}
		}
		alerts, err := f.stock.Alerts(ctx, f.admin, app.DemoStoreCode, domain.Page{Limit: 10})
		if err != nil || len(alerts.Items) != 1 || alerts.Items[0].SKU != "COLA330" || !alerts.Items[0].OnHand.Equal(decimal.NewFromInt(4)) {
			t.Fatalf("alerts %+v err %v", alerts.Items, err)
		}
		// The demo items are stocked above their reorder points.
		below, _ := f.stock.Levels(ctx, f.admin, app.DemoStoreCode, true, domain.Page{Limit: domain.MaxPageLimit})
		if _, ok := levelOf(below.Items, "COLA330"); !ok || len(below.Items) != 1 {
			t.Fatalf("below_reorder lists %+v, want COLA330 only", below.Items)
		}
	})
}

// Selling down to a positive level does not flag a recount, on either
// engine (MySQL reads SET assignments left to right with new values).
func TestSaleToPositiveLevelNotFlagged(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newCatalogFixture(t, db, "0")
		ctx := context.Background()
		if _, err := f.stock.Record(ctx, f.admin, app.DemoStoreCode, "COLA330", domain.MoveCount, decimal.NewFromInt(3), "take"); err != nil {
			t.Fatal(err)
		}
		res, err := f.stock.Sell(ctx, f.store.ID, f.product.ID, domain.UnitEach, decimal.NewFromInt(2), "O1")
		if err != nil {
			t.Fatal(err)
		}
		if !res.Level.OnHand.Equal(decimal.NewFromInt(1)) || res.Level.NeedsRecount {
			t.Fatalf("level %s recount %v, want 1 and no recount", res.Level.OnHand, res.Level.NeedsRecount)
		}
		res, err = f.stock.Sell(ctx, f.store.ID, f.product.ID, domain.UnitEach, decimal.NewFromInt(2), "O2")
		if err != nil || !res.Level.NeedsRecount {
			t.Fatalf("below zero: %+v %v, want the recount flag", res, err)
		}
	})
}

// Two items claiming one scale PLU at once: one wins, the other is told
// plu_taken; no answer claims a save that did not happen.
func TestConcurrentPLUClaims(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newCatalogFixture(t, db, "0")
		ctx := context.Background()
		ids, _ := idgen.New(9, 0)
		products, items, stores := mysql.NewProductRepo(db), mysql.NewStoreItemRepo(db), mysql.NewStoreRepo(db)
		catalog := app.NewCatalog(db, products, ids, app.SystemClock{})
		storeItems := app.NewStoreItems(db, stores, products, items, app.SystemClock{})
		unit, tax := domain.UnitKg, decimal.RequireFromString("0.09")
		const pairs = 10
		var wg sync.WaitGroup
		okCount := make(chan string, 2*pairs)
		for i := range pairs {
			for _, side := range []string{"A", "B"} {
				sku := "MEAT" + side + itoa(i)
				name := "Meat " + sku
				if _, err := catalog.Create(ctx, f.admin, app.NewProductInput{SKU: sku, Patch: domain.ProductPatch{Name: &name, Unit: &unit, TaxRate: &tax}}); err != nil {
					t.Fatal(err)
				}
				wg.Go(func() {
					_, err := storeItems.Put(ctx, f.admin, app.DemoStoreCode, sku, domain.StoreItemInput{
						Price: decimal.RequireFromString("30.00"), Active: true, PLU: "9" + itoa(100+i)})
					switch domain.ErrorReason(err) {
					case "":
						okCount <- sku
					case "plu_taken":
					default:
						t.Errorf("%s: %v", sku, err)
					}
				})
			}
		}
		wg.Wait()
		close(okCount)
		won := 0
		for sku := range okCount {
			won++
			p, _ := products.ProductBySKU(ctx, sku)
			if _, err := items.StoreItem(ctx, f.store.ID, p.ID); err != nil {
				t.Fatalf("%s was answered saved but is not: %v", sku, err)
			}
		}
		if won != pairs {
			t.Fatalf("%d claims won, want exactly %d (one per PLU)", won, pairs)
		}
	})
}
