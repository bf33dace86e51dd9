package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
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
)

func newImports(t *testing.T, db *mysql.DB) (*app.Imports, *domain.Staff) {
	t.Helper()
	ctx := context.Background()
	ids, _ := idgen.New(4, 0)
	clock := app.SystemClock{}
	if _, err := app.NewSeeder(db, mysql.SeedRepos(db), bcrypt.New(bcrypt.MinCost), ids, clock).SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	staff := mysql.NewStaffRepo(db)
	admin, err := staff.StaffByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	return app.NewImports(app.ImportsDeps{Tx: db, Imports: mysql.NewImportRepo(db), Catalog: mysql.NewCatalogBulkRepo(db),
		Stores: mysql.NewStoreRepo(db), Staff: staff, Outbox: mysql.NewOutboxRepo(db, ids, clock), IDs: ids, Clock: clock}), admin
}

// The whole path on real Redis: the upload commits its outbox row, the
// relay enqueues it to the low queue, the worker runs the import to done.
func TestImportTravelsThroughTheWorker(t *testing.T) {
	db := mysqltest.Open(t)
	addr, n := redistest.Addr(t)
	redisOpt := asynq.RedisClientOpt{Addr: addr, DB: n}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	imports, admin := newImports(t, db)

	ids, _ := idgen.New(6, 0)
	client := queue.NewClient(redisOpt)
	t.Cleanup(func() { client.Close() })
	relay := app.NewOutboxRelay(mysql.NewOutboxRepo(db, ids, app.SystemClock{}), client, app.SystemClock{}, "imports-test", log)
	db.OnOutboxCommit(relay.Kick)
	runCtx, stop := context.WithCancel(ctx)
	relayDone := make(chan struct{})
	go func() { relay.Run(runCtx, 50*time.Millisecond); close(relayDone) }()
	worker := jobs.NewServer(redisOpt, 2, time.Second, log)
	if err := worker.Start(jobs.NewMux(jobs.Handlers{Imports: imports})); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { worker.Shutdown(); stop(); <-relayDone })

	csv := "sku,name,unit,tax_rate,barcodes,store_code,price\n" +
		"JOB-1,Oolong tea,each,0.13,4006381333931,DEMO01,32.00\n" +
		"JOB-2,Bad unit,box,0.13,,DEMO01,1.00\n"
	job, err := imports.Start(ctx, admin, app.Upload{FileName: "job.csv", Body: strings.NewReader(csv)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err := imports.Get(ctx, admin, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == domain.ImportDone {
			if got.RowsTotal != 2 || got.RowsOK != 1 || got.RowsFailed != 1 || len(got.Errors) != 1 || got.Errors[0].Line != 3 {
				t.Fatalf("import %+v", got)
			}
			break
		}
		if got.Status == domain.ImportFailed || time.Now().After(deadline) {
			t.Fatalf("import %s (%q) after %v", got.Status, got.Error, 15*time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
	p, err := mysql.NewProductRepo(db).ProductBySKU(ctx, "JOB-1")
	if err != nil || p.Name != "Oolong tea" || len(p.Barcodes) != 1 {
		t.Fatalf("imported product %+v, %v", p, err)
	}
}

// A payload that names no import is not retried; an import that does not
// exist is not retried either.
func TestImportHandlerRefusesBadPayloads(t *testing.T) {
	imports, _ := newImports(t, mysqltest.Open(t))
	mux := jobs.NewMux(jobs.Handlers{Imports: imports})
	for _, payload := range []string{`{`, `{}`, `{"import_id":"12345"}`} {
		err := mux.ProcessTask(context.Background(), asynq.NewTask(app.TaskImportProducts, []byte(payload)))
		if !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("payload %s: %v, want SkipRetry", payload, err)
		}
	}
}
