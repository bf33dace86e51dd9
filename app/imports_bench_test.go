package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// benchRows is the size of the catalog import benchmark (DESIGN §10: 50k
// rows in under 30 s on MariaDB).
const benchRows = 50_000

// benchFile is benchRows products with a valid EAN-13 each, priced in
// DEMO01; round makes SKUs and barcodes new for every round.
func benchFile(round int) string {
	var sb strings.Builder
	sb.Grow(benchRows * 90)
	sb.WriteString(importHeader)
	for i := range benchRows {
		code := ean(fmt.Sprintf("48%01d%09d", round%10, i))
		fmt.Fprintf(&sb, "B%d-%06d,Benchmark product %d,each,0.13,cat%d,%s,DEMO01,%d.%02d,,%d,false,true\n",
			round, i, i, i%50, code, 1+i%200, i%100, i%20)
	}
	return sb.String()
}

// BenchmarkImport50k uploads and imports 50 000 new rows (products,
// barcodes, DEMO01 store items) on MariaDB (mysqltest.Open), then the same
// file again, which must change nothing. Run it once with
//
//	go test -run '^$' -bench Import50k -benchtime 1x ./app
func BenchmarkImport50k(b *testing.B) {
	f := newImportFixture(b, mysqltest.Open(b), 0)
	ctx := context.Background()
	run := func(b *testing.B, csv string) {
		job, err := f.imports.Start(ctx, f.admin, app.Upload{FileName: "bench.csv", Body: strings.NewReader(csv)})
		if err != nil {
			b.Fatal(err)
		}
		if err := f.imports.Run(ctx, job.ID); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		got := f.get(b, job.ID)
		if got.Status != domain.ImportDone || got.RowsOK != benchRows || got.RowsFailed != 0 {
			b.Fatalf("import %s %+v %q %v", got.Status, got.ImportProgress, got.Error, got.Errors)
		}
		b.StartTimer()
	}
	var last string
	b.Run("new", func(b *testing.B) {
		for i := range b.N {
			b.StopTimer()
			last = benchFile(i)
			b.StartTimer()
			run(b, last)
		}
		b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("unchanged", func(b *testing.B) {
		for range b.N {
			run(b, last)
		}
		b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
