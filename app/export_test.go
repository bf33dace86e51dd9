package app_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
)

// A store with more items than one export page holds is exported whole,
// every item once, in product order.
func TestExportPagesThroughALargeStore(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newImportFixture(t, db, 0)
		var sb strings.Builder
		sb.WriteString(importHeader)
		const n = 1203
		for i := range n {
			fmt.Fprintf(&sb, "EXP-%04d,Item %d,each,0.13,,%s,DEMO01,%d.50,,,,\n", i, i, ean(fmt.Sprintf("47000%07d", i)), 1+i%9)
		}
		wantDone(t, f.run(t, f.admin, sb.String()), n, 0)
		var want int
		if err := db.SQL().QueryRow("SELECT COUNT(*) FROM store_items WHERE store_id = ?", f.demo.ID).Scan(&want); err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(f.export(t, "DEMO01"), "\xEF\xBB\xBF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(records)-1 != want || want < n {
			t.Fatalf("export has %d rows, DEMO01 sells %d items", len(records)-1, want)
		}
		seen := map[string]bool{}
		for _, r := range records[1:] {
			if seen[r[0]] {
				t.Fatalf("SKU %s exported twice", r[0])
			}
			seen[r[0]] = true
		}
		if !seen["EXP-0000"] || !seen["EXP-1202"] {
			t.Error("first or last imported item missing from the export")
		}
	})
}

func TestExportRoles(t *testing.T) {
	f := newImportFixture(t, mysqltest.Open(t), 0)
	ctx := context.Background()
	if _, err := f.exports.StoreItems(ctx, f.clerk, "DEMO01"); err != nil {
		t.Fatalf("clerk of DEMO01: %v", err)
	}
	if _, err := f.exports.StoreItems(ctx, f.clerk, "SH02"); domain.ErrorReason(err) != "store_not_assigned" {
		t.Fatalf("clerk of another store: %v", err)
	}
	if _, err := f.exports.StoreItems(ctx, f.admin, "NOPE"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("unknown store: %v", err)
	}
}
