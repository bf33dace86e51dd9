package mysql_test

import (
	"context"
	"testing"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// The floor benchmark reads a store by code and logs one row, through the
// use case, on both engines.
func TestBenchFloorReadsAndInserts(t *testing.T) {
	db := mysqltest.Open(t)
	ctx := context.Background()
	st := newStore(t, 7, "FLOOR1")
	if err := mysql.NewStoreRepo(db).CreateStore(ctx, st); err != nil {
		t.Fatal(err)
	}
	ids := &repoIDs{}
	ids.n.Store(100)
	floor := app.NewBenchFloor(mysql.NewBenchFloorRepo(db), ids, repoClock{repoNow})
	for want := int64(101); want <= 102; want++ {
		id, err := floor.Run(ctx, "FLOOR1")
		if err != nil || id != want {
			t.Fatalf("Run = %d, %v; want %d", id, err, want)
		}
	}
	var n int
	err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM scan_events WHERE store_id = ? AND result = ?",
		st.ID, mysql.BenchFloorResult).Scan(&n)
	if err != nil || n != 2 {
		t.Fatalf("floor rows = %d, %v; want 2", n, err)
	}
	if _, err := floor.Run(ctx, "NOPE"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("unknown store: %v, want ENOTFOUND", err)
	}
}
