package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/adapters/bcrypt"
	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/adapters/queue"
	"github.com/scanpay/scanpay/adapters/redis/redistest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/scanpay/scanpay/jobs"
	"github.com/shopspring/decimal"
)

// The whole path of follow-up work on real Redis: a sale crosses the
// reorder point, the outbox row is relayed to asynq, the worker runs the
// low-stock handler and the alert shows in the stock report.
func TestLowStockAlertTravelsThroughTheWorker(t *testing.T) {
	db := mysqltest.Open(t)
	addr, n := redistest.Addr(t)
	redisOpt := asynq.RedisClientOpt{Addr: addr, DB: n}
	ctx := context.Background()
	ids, _ := idgen.New(3, 0)
	clock := app.SystemClock{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	stores, staff := mysql.NewStoreRepo(db), mysql.NewStaffRepo(db)
	seeder := app.NewSeeder(db, mysql.SeedRepos(db), bcrypt.New(bcrypt.MinCost), ids, clock)
	if _, err := seeder.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	admin, _ := staff.StaffByUsername(ctx, "admin")
	products, items, outbox := mysql.NewProductRepo(db), mysql.NewStoreItemRepo(db), mysql.NewOutboxRepo(db, ids, clock)
	stock := app.NewStock(db, stores, products, items, mysql.NewStockRepo(db), outbox, ids, clock)
	unit, tax, name := domain.UnitEach, decimal.RequireFromString("0.13"), "Soy sauce 500ml"
	if _, err := app.NewCatalog(db, products, ids, clock).Create(ctx, admin, app.NewProductInput{SKU: "SOY500",
		Patch: domain.ProductPatch{Name: &name, Unit: &unit, TaxRate: &tax}}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.NewStoreItems(db, stores, products, items, clock).Put(ctx, admin, app.DemoStoreCode, "SOY500",
		domain.StoreItemInput{Price: decimal.RequireFromString("12.90"), Active: true, ReorderPoint: decimal.NewFromInt(3)}); err != nil {
		t.Fatal(err)
	}

	client := queue.NewClient(redisOpt)
	t.Cleanup(func() { client.Close() })
	relay := app.NewOutboxRelay(outbox, client, clock, "jobs-test", log)
	db.OnOutboxCommit(relay.Kick)
	runCtx, stop := context.WithCancel(ctx)
	relayDone := make(chan struct{})
	go func() { relay.Run(runCtx, 50*time.Millisecond); close(relayDone) }()
	worker := jobs.NewServer(redisOpt, 2, time.Second, log)
	if err := worker.Start(jobs.NewMux(jobs.Handlers{Stock: stock})); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { worker.Shutdown(); stop(); <-relayDone })

	if _, err := stock.Record(ctx, admin, app.DemoStoreCode, "SOY500", domain.MoveReceive, decimal.NewFromInt(5), "delivery"); err != nil {
		t.Fatal(err)
	}
	for range 3 { // 5 -> 2: crosses 3 once
		p, _ := products.ProductBySKU(ctx, "SOY500")
		st, _ := stores.StoreByCode(ctx, app.DemoStoreCode)
		if _, err := stock.Sell(ctx, st.ID, p.ID, domain.UnitEach, decimal.NewFromInt(1), "ORDER9"); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		alerts, err := stock.Alerts(ctx, admin, app.DemoStoreCode, domain.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(alerts.Items) == 1 {
			if a := alerts.Items[0]; a.SKU != "SOY500" || !a.OnHand.Equal(decimal.NewFromInt(2)) || !a.ReorderPoint.Equal(decimal.NewFromInt(3)) {
				t.Fatalf("alert %+v", a)
			}
			break
		}
		if len(alerts.Items) > 1 || time.Now().After(deadline) {
			t.Fatalf("%d alerts after the worker ran, want exactly 1", len(alerts.Items))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
