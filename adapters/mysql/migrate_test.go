package mysql_test

import (
	"context"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
)

// Every migration must go up, all the way down and up again on both engines,
// so a bad Down or a MySQL-only statement fails here, not in production.
func TestMigrationsUpDownUp(t *testing.T) {
	for _, dialect := range []mysql.Dialect{mysql.DialectMySQL, mysql.DialectSQLite} {
		t.Run(string(dialect), func(t *testing.T) {
			if dialect == mysql.DialectMySQL {
				mysqltest.Open(t) // fails on CI without MariaDB, warns off CI
			}
			db := mysqltest.Unmigrated(t, dialect)
			ctx := context.Background()
			n, err := db.MigrateUp(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatal("no migration applied on an empty database")
			}
			assertTables(t, db, true)
			if err := db.MigrateDownAll(ctx); err != nil {
				t.Fatal(err)
			}
			assertTables(t, db, false)
			again, err := db.MigrateUp(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if again != n {
				t.Fatalf("second up applied %d migrations, first %d", again, n)
			}
			var status strings.Builder
			if err := db.MigrateStatus(ctx, &status); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(status.String(), "pending") || !strings.Contains(status.String(), "00002") {
				t.Fatalf("status after up:\n%s", status.String())
			}
		})
	}
}

func assertTables(t *testing.T, db *mysql.DB, want bool) {
	t.Helper()
	for _, table := range []string{"stores", "staff", "staff_stores", "outbox", "products", "barcodes", "store_items", "stock_levels", "stock_movements", "stock_alerts", "label_rules", "import_jobs", "import_chunks", "import_errors",
		"shoppers", "store_visits",
		"promotions", "coupons", "coupon_grants", "coupon_redemptions"} {
		_, err := db.SQL().Exec("SELECT COUNT(*) FROM " + table)
		if exists := err == nil; exists != want {
			t.Fatalf("table %s exists=%v, want %v (err %v)", table, exists, want, err)
		}
	}
}
