package app_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/scanpay/scanpay/adapters/bcrypt"
	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// importHeader is the full header, in export order.
const importHeader = "sku,name,unit,tax_rate,category,barcodes,store_code,price,member_price,reorder_point,age_restricted,active\n"

// importFixture is the demo data plus a second store SH02, with the import
// and export use cases on db, and the import repository recording every
// progress report.
type importFixture struct {
	db       *mysql.DB
	imports  *app.Imports
	exports  *app.Exports
	repo     *recordingImports
	products *mysql.ProductRepo
	items    *mysql.StoreItemRepo
	stores   *mysql.StoreRepo
	admin    *domain.Staff
	manager  *domain.Staff // manager1, of DEMO01 only
	clerk    *domain.Staff
	demo     *domain.Store
}

func newImportFixture(t testing.TB, db *mysql.DB, batch int) *importFixture {
	t.Helper()
	ctx := context.Background()
	ids, _ := idgen.New(5, 0)
	clock := app.SystemClock{}
	if _, err := app.NewSeeder(db, mysql.SeedRepos(db), bcrypt.New(bcrypt.MinCost), ids, clock).SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	stores, staff := mysql.NewStoreRepo(db), mysql.NewStaffRepo(db)
	name := "Second store"
	sh02, err := domain.NewStore(ids.NewID(), "SH02", domain.StorePatch{Name: &name}, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := stores.CreateStore(ctx, sh02); err != nil {
		t.Fatal(err)
	}
	f := &importFixture{db: db, products: mysql.NewProductRepo(db), items: mysql.NewStoreItemRepo(db), stores: stores,
		repo: &recordingImports{ImportRepository: mysql.NewImportRepo(db)}}
	bulk := mysql.NewCatalogBulkRepo(db)
	f.imports = app.NewImports(app.ImportsDeps{Tx: db, Imports: f.repo, Catalog: bulk, Stores: stores, Staff: staff,
		Outbox: mysql.NewOutboxRepo(db, ids, clock), IDs: ids, Clock: clock, BatchSize: batch})
	f.exports = app.NewExports(stores, f.items, bulk)
	for user, dst := range map[string]**domain.Staff{"admin": &f.admin, "manager1": &f.manager, "clerk1": &f.clerk} {
		if *dst, err = staff.StaffByUsername(ctx, user); err != nil {
			t.Fatal(err)
		}
	}
	if f.demo, err = stores.StoreByCode(ctx, app.DemoStoreCode); err != nil {
		t.Fatal(err)
	}
	return f
}

// run uploads csv as actor, runs the job once and returns the import as
// staff would see it.
func (f *importFixture) run(t testing.TB, actor *domain.Staff, csv string) *domain.ImportJob {
	t.Helper()
	ctx := context.Background()
	job, err := f.imports.Start(ctx, actor, app.Upload{FileName: "catalog.csv", Body: strings.NewReader(csv)})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	if err := f.imports.Run(ctx, job.ID); err != nil {
		t.Fatalf("run: %v", err)
	}
	return f.get(t, job.ID)
}

func (f *importFixture) get(t testing.TB, id int64) *domain.ImportJob {
	t.Helper()
	job, err := f.imports.Get(context.Background(), f.admin, id)
	if err != nil {
		t.Fatal(err)
	}
	return job
}

func (f *importFixture) product(t testing.TB, sku string) *domain.Product {
	t.Helper()
	p, err := f.products.ProductBySKU(context.Background(), sku)
	if err != nil {
		t.Fatalf("product %s: %v", sku, err)
	}
	return p
}

// item returns a store's item of a SKU, nil when the store does not sell it.
func (f *importFixture) item(t testing.TB, storeCode, sku string) *domain.StoreItem {
	t.Helper()
	ctx := context.Background()
	st, err := f.stores.StoreByCode(ctx, storeCode)
	if err != nil {
		t.Fatal(err)
	}
	it, err := f.items.StoreItem(ctx, st.ID, f.product(t, sku).ID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return it
}

// export returns a store's items as the export writes them.
func (f *importFixture) export(t testing.TB, storeCode string) string {
	t.Helper()
	ctx := context.Background()
	x, err := f.exports.StoreItems(ctx, f.admin, storeCode)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := x.WriteCSV(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// wantDone checks an import finished with these counts.
func wantDone(t testing.TB, job *domain.ImportJob, ok, failed int) {
	t.Helper()
	want := domain.ImportProgress{RowsTotal: ok + failed, RowsDone: ok + failed, RowsOK: ok, RowsFailed: failed}
	if job.Status != domain.ImportDone || job.ImportProgress != want || job.Error != "" {
		t.Fatalf("import %s %+v error %q, want done %+v; row errors %+v", job.Status, job.ImportProgress, job.Error, want, job.Errors)
	}
	if job.StartedAt.IsZero() || job.FinishedAt.IsZero() || job.FinishedAt.Before(job.StartedAt) {
		t.Errorf("started %v finished %v", job.StartedAt, job.FinishedAt)
	}
}

// wantRowError checks the import reported a problem on line with field and
// a message containing text.
func wantRowError(t testing.TB, job *domain.ImportJob, line int, field, text string) {
	t.Helper()
	for _, e := range job.Errors {
		if e.Line == line && e.Field == field && strings.Contains(e.Message, text) {
			return
		}
	}
	t.Errorf("no row error on line %d, field %q, containing %q; got %+v", line, field, text, job.Errors)
}

// ean makes a valid EAN-13 from 12 digits.
func ean(body string) string { return body + string(rune('0'+domain.GS1CheckDigit(body))) }

// recordingImports is the real repository, noting each progress report.
type recordingImports struct {
	domain.ImportRepository
	mu    sync.Mutex
	saves []domain.ImportProgress
}

func (r *recordingImports) SaveImportProgress(ctx context.Context, id int64, p domain.ImportProgress, errs []domain.ImportRowError) error {
	r.mu.Lock()
	r.saves = append(r.saves, p)
	r.mu.Unlock()
	return r.ImportRepository.SaveImportProgress(ctx, id, p, errs)
}

func (r *recordingImports) progress() []domain.ImportProgress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]domain.ImportProgress(nil), r.saves...)
}

// snapshot is what a test compares to prove an import changed nothing:
// every product's and store item's updated_at as the database holds it,
// and the number of barcodes.
type snapshot struct {
	updated  map[string]string
	barcodes int
}

func (f *importFixture) snapshot(t testing.TB) snapshot {
	t.Helper()
	s := snapshot{updated: map[string]string{}}
	for _, q := range []string{
		"SELECT sku, updated_at FROM products",
		"SELECT " + concatSQL(f.db) + ", si.updated_at FROM store_items si JOIN products p ON p.id = si.product_id",
	} {
		rows, err := f.db.SQL().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var key string
			var at any
			if err := rows.Scan(&key, &at); err != nil {
				t.Fatal(err)
			}
			if b, ok := at.([]byte); ok {
				at = string(b)
			}
			s.updated[key] = fmt.Sprint(at)
		}
		rows.Close()
	}
	if err := f.db.SQL().QueryRow("SELECT COUNT(*) FROM barcodes").Scan(&s.barcodes); err != nil {
		t.Fatal(err)
	}
	return s
}

// concatSQL keys a store item by SKU and store id on either engine.
func concatSQL(db *mysql.DB) string {
	if db.Dialect == mysql.DialectSQLite {
		return "p.sku || '@' || si.store_id"
	}
	return "CONCAT(p.sku, '@', si.store_id)"
}
