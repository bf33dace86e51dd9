package app_test

import (
	"context"
	"crypto/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

var keepEAN = ean("400638133397")

// keepFile creates KEEP-1, sold in DEMO01, which the bad rows must not touch.
const keepFileRows = "KEEP-1,Green tea,each,0.13,tea,%s,DEMO01,9.90,,,,\n"

func importKeep(t *testing.T, f *importFixture) {
	t.Helper()
	wantDone(t, f.run(t, f.admin, importHeader+strings.Replace(keepFileRows, "%s", keepEAN, 1)), 1, 0)
}

// Every kind of bad row in one file: each is reported on its line and
// skipped, the good rows around them are imported, and existing data is
// left as it was.
func TestImportBadRowsAreReportedAndSkipped(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newImportFixture(t, db, 4)
		importKeep(t, f)
		before := f.snapshot(t)
		restricted := ean("210000000000")
		rows := []string{
			/* 2 */ "IMP-COUNT,Too few fields,each,0.13",
			/* 3 */ `IMP-QUOTE,Tea "green",each,0.13,,,,,,,,`,
			/* 4 */ "IMP-OK1,Fine after a bad quote,each,0.13,,,DEMO01,1.00,,,,",
			/* 5 */ `IMP-QUOTE2,"Tea"x,each,0.13,,,,,,,,`,
			/* 6 */ "IMP-DUP,Thief,each,0.13,," + keepEAN + ",,,,,,",
			/* 7 */ "IMP-CHECK,Bad check digit,each,0.13,,4006381333932,,,,,,",
			/* 8 */ "IMP-UNIT,Unknown unit,box,0.13,,,,,,,,",
			/* 9 */ "IMP-NEG,Negative price,each,0.13,,,DEMO01,-1.00,,,,",
			/* 10 */ "IMP-DEC,Three decimals,each,0.13,,,DEMO01,1.999,,,,",
			/* 11 */ "IMP-TAX,Bad rate,each,0.17,,,,,,,,",
			/* 12 */ "IMP-TAX2,Percent rate,each,13%,,,,,,,,",
			/* 13 */ "IMP-STORE,Unknown store,each,0.13,,,NOPE,1.00,,,,",
			/* 14 */ "IMP-FOREIGN,Not my store,each,0.13,,,SH02,1.00,,,,",
			/* 15 */ "IMP-NOSTORE,Price without store,each,0.13,,,,1.00,,,,",
			/* 16 */ "IMP-NOPRICE,New item without price,each,0.13,,,DEMO01,,,,,",
			/* 17 */ "IMP-BOOL,Bad flag,each,0.13,,,,,,,maybe,",
			/* 18 */ "IMP-GBK,\xc2\xcc\xb2\xe8,each,0.13,,,,,,,,",
			/* 19 */ "IMP-RCN,In-store code,each,0.13,," + restricted + ",,,,,,",
			/* 20 */ "IMP-REORDER,Half a piece,each,0.13,,,DEMO01,1.00,,0.5,,",
			/* 21 */ "KEEP-1,Renamed by a bad row,each,0.13,,,DEMO01,-5,,,,",
			/* 22 */ "IMP-REQ,,,,,,,,,,,",
			/* 23 */ "IMP-OK2,Fine at the end,kg,0,,,DEMO01,3.20,,,,",
			/* 24 */ `IMP-OPEN,"Never closed,each,0.13,,,,,,,,`,
			/* 25 */ "IMP-SWALLOWED,Inside the open quote,each,0.13,,,,,,,,",
		}
		job := f.run(t, f.manager, importHeader+strings.Join(rows, "\n")+"\n")
		wantDone(t, job, 2, len(rows)-2-1) // line 25 is part of line 24's record
		for _, want := range []struct {
			line        int
			field, text string
		}{
			{2, "", "has 4 fields, the header has 12"},
			{3, "", "quote inside an unquoted field"},
			{5, "", "quoted field is not closed, or a quote is followed by text"},
			{6, "barcodes", "already belongs to SKU KEEP-1"},
			{7, "barcodes", "check digit"},
			{8, "unit", `"box" is not a unit`},
			{9, "price", "more than 0"},
			{10, "price", "at most 2 decimals"},
			{11, "tax_rate", "not an allowed VAT rate"},
			{12, "tax_rate", `"13%" is not a rate`},
			{13, "store_code", "no store has code NOPE"},
			{14, "store_code", "not assigned to store SH02"},
			{15, "store_code", "is required when price"},
			{16, "price", "is required: DEMO01 does not sell SKU IMP-NOPRICE"},
			{17, "age_restricted", `"maybe" is not true or false`},
			{18, "name", "not UTF-8"},
			{19, "barcodes", "in-store code"},
			{20, "reorder_point", "whole number"},
			{21, "price", "more than 0"},
			{22, "name", "is required"},
			{22, "unit", "is required"},
			{22, "tax_rate", "is required"},
			{24, "", "quoted field is not closed"},
		} {
			wantRowError(t, job, want.line, want.field, want.text)
		}
		if p := f.product(t, "IMP-OK1"); p.Name != "Fine after a bad quote" {
			t.Errorf("IMP-OK1 %+v", p)
		}
		if it := f.item(t, "DEMO01", "IMP-OK2"); it == nil || it.Price.String() != "3.2" {
			t.Errorf("IMP-OK2 item %+v", it)
		}
		after := f.snapshot(t)
		for key, at := range before.updated {
			if after.updated[key] != at {
				t.Errorf("%s changed by bad rows", key)
			}
		}
		if got := len(after.updated) - len(before.updated); got != 4 { // IMP-OK1, IMP-OK2 and their items
			t.Errorf("%d new products and items, want 4", got)
		}
		if keep := f.product(t, "KEEP-1"); keep.Name != "Green tea" || len(keep.Barcodes) != 1 {
			t.Errorf("KEEP-1 %+v", keep)
		}
	})
}

// A file refused as a whole fails the import with a message that says
// what the header should be, and writes nothing.
func TestImportWholeFileRefused(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newImportFixture(t, db, 500)
		importKeep(t, f)
		row := "IMP-X,Valid row,each,0.13\n"
		long := importHeader + "IMP-L,\"" + strings.Repeat("x", 3<<20) + "\",each,0.13,,,,,,,,\n"
		for _, tc := range []struct{ name, csv, want string }{
			{"unknown column", "sku,name,unit,tax_rate,colour\n" + row, `unknown column "colour"`},
			{"missing required", "sku,name,unit\nIMP-X,Valid row,each\n", "lacks the required column(s) tax_rate"},
			{"column twice", "sku,name,unit,tax_rate,sku\n" + row, `column "sku" twice`},
			{"unnamed column", "sku,name,unit,tax_rate,\n" + row, "column 5 of the header has no name"},
			{"header case", "SKU,Name,Unit,Tax_Rate\n" + row, `unknown column "SKU"`},
			{"broken header", "sku,\"name,unit\n" + row, "header row is not valid CSV"},
			{"record over 1 MiB", long, "runs over 1048576 bytes"},
			{"line over 1 MiB", strings.Repeat("garbage ", 1<<18), "longer than 1048576 bytes"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := f.snapshot(t)
				job := f.run(t, f.admin, tc.csv)
				if job.Status != domain.ImportFailed || !strings.Contains(job.Error, tc.want) || job.FinishedAt.IsZero() {
					t.Fatalf("import %s error %q, want failed with %q", job.Status, job.Error, tc.want)
				}
				if tc.name != "record over 1 MiB" && !strings.Contains(job.Error, "sku, name, unit, tax_rate, category, barcodes, store_code") {
					t.Errorf("error %q does not name the expected columns", job.Error)
				}
				if !reflect.DeepEqual(before, f.snapshot(t)) {
					t.Error("a refused file changed data")
				}
			})
		}
	})
}

// 50 MB of random bytes: refused at once, whatever the first line holds.
func TestImportGarbageFails(t *testing.T) {
	f := newImportFixture(t, mysqltest.Open(t), 500)
	garbage := make([]byte, 50<<20)
	if _, err := rand.Read(garbage); err != nil {
		t.Fatal(err)
	}
	job := f.run(t, f.admin, string(garbage))
	if job.Status != domain.ImportFailed || job.Error == "" || job.SizeBytes != 50<<20 {
		t.Fatalf("import %s %q, want failed", job.Status, job.Error)
	}
	var chunks int
	if err := f.db.SQL().QueryRow("SELECT COUNT(*) FROM import_chunks").Scan(&chunks); err != nil || chunks != 0 {
		t.Errorf("%d chunks left (err %v): a finished import drops its upload", chunks, err)
	}
}

func TestImportEmptyOrHeaderOnly(t *testing.T) {
	f := newImportFixture(t, mysqltest.Open(t), 500)
	_, err := f.imports.Start(context.Background(), f.admin, app.Upload{Body: strings.NewReader("")})
	if domain.ErrorCode(err) != domain.EINVALID || domain.ErrorReason(err) != "import_empty" {
		t.Fatalf("empty upload: %v", err)
	}
	wantDone(t, f.run(t, f.admin, importHeader), 0, 0)
	if _, err := f.imports.Start(context.Background(), f.clerk, app.Upload{Body: strings.NewReader(importHeader)}); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("clerk upload: %v, want forbidden", err)
	}
}
