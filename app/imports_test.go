package app_test

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

var (
	teaEAN1, teaEAN2 = ean("400638133393"), ean("400638133394")
	liquorEAN        = ean("400638133395")
	riceEAN          = ean("400638133396")
)

// goodFile has a product in two stores, a weighed one, one sold nowhere
// yet and an inactive store item; a quoted comma and a doubled quote.
func goodFile() string {
	return importHeader +
		"IMP-TEA,Jasmine tea 500g,each,0.13,tea," + teaEAN1 + "|" + teaEAN2 + ",DEMO01,25.90,23.50,10,false,true\n" +
		"IMP-TEA,Jasmine tea 500g,each,0.13,tea," + teaEAN1 + ",SH02,26.90,,,,\n" +
		`IMP-APPLE,"Apples, Fuji ""premium""",kg,0.09,fruit,,DEMO01,12.80,,0.5,false,true` + "\n" +
		"IMP-BAIJIU,Baijiu 52% 500ml,each,0.13,liquor," + liquorEAN + ",,,,,true,\n" +
		"IMP-RICE,Rice 5kg,each,0.09,grain," + riceEAN + ",DEMO01,39.90,,,false,false\n"
}

func TestImportGoodFile(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newImportFixture(t, db, 2)
		job := f.run(t, f.manager2(t), goodFile())
		wantDone(t, job, 5, 0)
		if job.FileName != "catalog.csv" || job.SizeBytes != int64(len(goodFile())) || len(job.Errors) != 0 {
			t.Errorf("job %+v", job)
		}

		tea := f.product(t, "IMP-TEA")
		if tea.Name != "Jasmine tea 500g" || tea.Unit != domain.UnitEach || tea.TaxRate.String() != "0.13" || tea.Category != "tea" ||
			len(tea.Barcodes) != 2 || !tea.Active || tea.AgeRestricted {
			t.Errorf("tea %+v", tea)
		}
		it := f.item(t, "DEMO01", "IMP-TEA")
		if it == nil || it.Price.String() != "25.9" || it.Member == nil || it.Member.String() != "23.5" || it.ReorderPoint.String() != "10" || !it.Active {
			t.Errorf("tea in DEMO01 %+v", it)
		}
		if it := f.item(t, "SH02", "IMP-TEA"); it == nil || it.Price.String() != "26.9" || it.Member != nil || !it.ReorderPoint.IsZero() || !it.Active {
			t.Errorf("tea in SH02 %+v", it)
		}
		if apple := f.product(t, "IMP-APPLE"); apple.Name != `Apples, Fuji "premium"` || apple.Unit != domain.UnitKg {
			t.Errorf("apple %+v", apple)
		}
		if it := f.item(t, "DEMO01", "IMP-APPLE"); it == nil || it.ReorderPoint.String() != "0.5" {
			t.Errorf("apple item %+v", it)
		}
		baijiu := f.product(t, "IMP-BAIJIU")
		if !baijiu.AgeRestricted || !baijiu.Active || f.item(t, "DEMO01", "IMP-BAIJIU") != nil {
			t.Errorf("baijiu %+v: want age restricted, active, sold nowhere", baijiu)
		}
		if it := f.item(t, "DEMO01", "IMP-RICE"); it == nil || it.Active {
			t.Errorf("rice item %+v, want inactive", it)
		}
		if p, err := f.products.ProductByGTIN(context.Background(), "0"+riceEAN); err != nil || p.SKU != "IMP-RICE" {
			t.Errorf("rice by barcode: %v %v", p, err)
		}
	})
}

// manager2 is a manager of both DEMO01 and SH02.
func (f *importFixture) manager2(t testing.TB) *domain.Staff {
	t.Helper()
	m := *f.manager
	m.StoreCodes = []string{"DEMO01", "SH02"}
	if _, err := mysql.NewStaffRepo(f.db).UpdateStaff(context.Background(), m.ID, func(s *domain.Staff) error {
		s.StoreCodes = m.StoreCodes
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return &m
}

func TestImportBOMAndCRLF(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newImportFixture(t, db, 500)
		csv := "\xEF\xBB\xBF" + strings.ReplaceAll(importHeader+
			"IMP-NOODLE,Noodles,each,0.09,dry,,DEMO01,4.50,,,,\n"+
			"IMP-SOY,\"Soy sauce\r\nlight\",each,0.13,,,DEMO01,8.80,,,,\n", "\n", "\r\n")
		job := f.run(t, f.manager, csv)
		wantDone(t, job, 2, 0)
		if p := f.product(t, "IMP-NOODLE"); p.Name != "Noodles" || p.Category != "dry" {
			t.Errorf("noodles %+v", p)
		}
		if p := f.product(t, "IMP-SOY"); p.Name != "Soy sauce\nlight" {
			t.Errorf("soy %q: a quoted CRLF is read as a line break", p.Name)
		}
		if it := f.item(t, "DEMO01", "IMP-SOY"); it == nil || it.Price.String() != "8.8" {
			t.Errorf("soy item %+v", it)
		}
	})
}

// The same file twice: the second import succeeds row by row and writes
// nothing, not even updated_at; no barcode is duplicated.
func TestImportSameFileTwiceChangesNothing(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newImportFixture(t, db, 2)
		m := f.manager2(t)
		wantDone(t, f.run(t, m, goodFile()), 5, 0)
		before := f.snapshot(t)
		wantDone(t, f.run(t, m, goodFile()), 5, 0)
		if after := f.snapshot(t); !reflect.DeepEqual(before, after) {
			t.Errorf("the second import changed data:\nbefore %v\nafter  %v", before, after)
		}
	})
}

// An export imported back changes nothing; a changed price in it changes
// that price only.
func TestExportImportsBackUnchanged(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newImportFixture(t, db, 7)
		wantDone(t, f.run(t, f.manager2(t), goodFile()), 5, 0)
		out := f.export(t, "DEMO01")
		if !strings.HasPrefix(out, "\xEF\xBB\xBF"+importHeader) {
			t.Fatalf("export starts %q", out[:min(len(out), 200)])
		}
		wantLine := "IMP-TEA,Jasmine tea 500g,each,0.13,tea," + teaEAN1 + "|" + teaEAN2 + ",DEMO01,25.90,23.50,10,false,true\n"
		if !strings.Contains(out, wantLine) || !strings.Contains(out, `IMP-APPLE,"Apples, Fuji ""premium""",kg,0.09,fruit,,DEMO01,12.80,,0.5,false,true`) {
			t.Errorf("export lacks the imported rows:\n%s", out)
		}
		lines := strings.Count(out, "\n")
		before := f.snapshot(t)
		job := f.run(t, f.manager, out)
		wantDone(t, job, lines-1, 0)
		if after := f.snapshot(t); !reflect.DeepEqual(before, after) {
			t.Errorf("importing an export changed data")
		}
		changed := strings.Replace(out, wantLine, strings.Replace(wantLine, "25.90", "24.90", 1), 1)
		wantDone(t, f.run(t, f.manager, changed), lines-1, 0)
		after := f.snapshot(t)
		if it := f.item(t, "DEMO01", "IMP-TEA"); it.Price.String() != "24.9" {
			t.Errorf("price %s after the changed import", it.Price)
		}
		diff := 0
		for k, v := range before.updated {
			if after.updated[k] != v {
				diff++
			}
		}
		if diff != 1 {
			t.Errorf("%d rows got a new updated_at, want only the tea's DEMO01 item", diff)
		}
	})
}

// Progress is saved with every batch, in the batch's transaction; the
// total is known before the first batch.
func TestImportReportsProgressPerBatch(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newImportFixture(t, db, 2)
		csv := importHeader
		for i := range 7 {
			price := "1.00"
			if i == 3 {
				price = "-1"
			}
			csv += "IMP-P" + itoa(i) + ",Item " + itoa(i) + ",each,0.13,,,DEMO01," + price + ",,,,\n"
		}
		job := f.run(t, f.manager, csv)
		wantDone(t, job, 6, 1)
		wantRowError(t, job, 5, "price", "more than 0")
		want := []domain.ImportProgress{
			{RowsTotal: 7},
			{RowsTotal: 7, RowsDone: 2, RowsOK: 2},
			{RowsTotal: 7, RowsDone: 4, RowsOK: 3, RowsFailed: 1},
			{RowsTotal: 7, RowsDone: 6, RowsOK: 5, RowsFailed: 1},
			{RowsTotal: 7, RowsDone: 7, RowsOK: 6, RowsFailed: 1},
		}
		if got := f.repo.progress(); !reflect.DeepEqual(got, want) {
			t.Errorf("progress reports %+v, want %+v", got, want)
		}
	})
}

// asynq may run a job again: a finished one is left alone, a running one
// (its worker died) starts over and ends with the same data and errors.
func TestImportRunIsIdempotent(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newImportFixture(t, db, 2)
		csv := goodFile() + "IMP-BAD,Bad,box,0.13,,,,,,,,\n"
		job := f.run(t, f.admin, csv)
		wantDone(t, job, 5, 1)
		snap := f.snapshot(t)
		ctx := context.Background()
		if err := f.imports.Run(ctx, job.ID); err != nil {
			t.Fatal(err)
		}
		if again := f.get(t, job.ID); !reflect.DeepEqual(again, job) {
			t.Errorf("a finished import ran again:\n%+v\n%+v", again, job)
		}

		second, err := f.imports.Start(ctx, f.manager, app.Upload{FileName: "x.csv", Body: strings.NewReader(csv)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.repo.StartImport(ctx, second.ID, second.CreatedAt); err != nil { // a worker took it and died
			t.Fatal(err)
		}
		for range 2 {
			if err := f.imports.Run(ctx, second.ID); err != nil {
				t.Fatal(err)
			}
		}
		got := f.get(t, second.ID)
		wantDone(t, got, 4, 2) // manager1 manages DEMO01 only: the SH02 row fails
		wantRowError(t, got, 3, "store_code", "SH02")
		wantRowError(t, got, 7, "unit", "box")
		if len(got.Errors) != 2 {
			t.Errorf("row errors %+v, want each once", got.Errors)
		}
		if !reflect.DeepEqual(f.snapshot(t), snap) {
			t.Error("running the same rows again changed data")
		}
	})
}

func itoa[T int | int64](i T) string { return strconv.FormatInt(int64(i), 10) }

// Two imports of the same new rows at once (two managers, two workers):
// both finish, every row counts as imported, and each product and barcode
// exists once. The loser of a race for a new SKU reloads and updates.
func TestConcurrentImportsOfTheSameRows(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newImportFixture(t, db, 25)
		var sb strings.Builder
		sb.WriteString(importHeader)
		for i := range 200 {
			sb.WriteString("CC-" + itoa(i) + ",Item " + itoa(i) + ",each,0.13,,," + app.DemoStoreCode + ",2.00,,,,\n")
		}
		ctx := context.Background()
		var ids [2]int64
		for i := range ids {
			job, err := f.imports.Start(ctx, f.admin, app.Upload{Body: strings.NewReader(sb.String())})
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = job.ID
		}
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() {
				if err := f.imports.Run(ctx, id); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		for _, id := range ids {
			wantDone(t, f.get(t, id), 200, 0)
		}
		var products, items int
		if err := db.SQL().QueryRow("SELECT COUNT(*) FROM products WHERE sku LIKE 'CC-%'").Scan(&products); err != nil || products != 200 {
			t.Errorf("%d products (err %v), want 200", products, err)
		}
		if err := db.SQL().QueryRow("SELECT COUNT(*) FROM store_items si JOIN products p ON p.id = si.product_id WHERE p.sku LIKE 'CC-%'").
			Scan(&items); err != nil || items != 200 {
			t.Errorf("%d store items (err %v), want 200", items, err)
		}
	})
}
