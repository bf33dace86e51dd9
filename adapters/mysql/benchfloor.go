package mysql

import (
	"context"
	"time"

	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// BenchFloorRepo implements app.BenchFloorRepo: one indexed SELECT and one
// INSERT through the same connection pool and driver as every repository.
type BenchFloorRepo struct{ db *DB }

var _ app.BenchFloorRepo = (*BenchFloorRepo)(nil)

// NewBenchFloorRepo returns the floor benchmark's repository on db.
func NewBenchFloorRepo(db *DB) *BenchFloorRepo { return &BenchFloorRepo{db: db} }

// BenchFloorResult is the scan_events result of a floor probe row.
const BenchFloorResult = "bench_floor"

// StoreIDByCode reads the id of the store with code (unique index).
func (r *BenchFloorRepo) StoreIDByCode(ctx context.Context, code string) (int64, error) {
	var ids []int64
	if err := r.db.conn(ctx).Raw("SELECT id FROM stores WHERE code = ?", code).Scan(&ids).Error; err != nil {
		return 0, mapErr(err)
	}
	if len(ids) == 0 {
		return 0, domain.Errorf(domain.ENOTFOUND, "store_not_found", "no store has code %s", code)
	}
	return ids[0], nil
}

// InsertFloorEvent inserts one scan_events row marked bench_floor.
func (r *BenchFloorRepo) InsertFloorEvent(ctx context.Context, id, storeID int64, at time.Time) error {
	return mapErr(r.db.conn(ctx).Exec(
		"INSERT INTO scan_events (id, shopper_id, store_id, barcode, result, product_id, created_at) VALUES (?, 0, ?, '', ?, NULL, ?)",
		id, storeID, BenchFloorResult, utcTime(at)).Error)
}
